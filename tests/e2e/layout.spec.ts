// The tablet layout: at 1024 px (an iPad held landscape) the top bar holds on one line for
// every role, the user's name giving way first.
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

for (const username of ["arpe5", "superviseur.global", "admin"]) {
  test(`the top bar is one line at 1024 px for ${username}`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    await signIn(page, username);
    const bar = page.locator("header.topbar");
    const tops = await bar.evaluate((header) =>
      [...header.children]
        .filter((child) => (child as HTMLElement).offsetParent !== null)
        .map((child) => Math.round(child.getBoundingClientRect().top + child.getBoundingClientRect().height / 2)),
    );
    expect(tops.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...tops) - Math.min(...tops), `centres ${tops}`).toBeLessThanOrEqual(4);
    expect((await bar.boundingBox())!.height).toBeLessThan(70);
    // Nothing is cut but the name, whose full text stays in its title.
    const scroll = await bar.evaluate((header) => header.scrollWidth - header.clientWidth);
    expect(scroll).toBe(0);
    await expect(bar.getByRole("button", { name: "Verrouiller" })).toBeVisible();
    await expect(bar.getByRole("link", { name: "Mon compte" })).toBeVisible();
    await context.close();
  });
}
