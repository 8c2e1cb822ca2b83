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

// On a patchy connection the bar says why the last sync failed: on a line of its own, under
// a bar that stays one line.
test("a sync error takes one line under the top bar at 1024 px", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await signIn(page, "arpe5");
  await context.route("**/api/sync/**", (route) => route.abort());
  await page.getByRole("button", { name: "Synchroniser" }).click();
  const bar = page.locator("header.topbar");
  const error = bar.locator(".sync-error");
  await expect(error).toContainText("Serveur injoignable");
  // The browser has a network; Jalon does not reach its server: the badge says so.
  await expect(bar.getByTestId("network")).toHaveText("Hors ligne");
  const { tops, errorTop } = await bar.evaluate((header) => {
    const centre = (e: Element) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2);
    const children = [...header.children].filter((child) => (child as HTMLElement).offsetParent !== null);
    return {
      tops: children.filter((c) => !c.classList.contains("sync-error")).map(centre),
      errorTop: Math.round(header.querySelector(".sync-error")!.getBoundingClientRect().top),
    };
  });
  expect(Math.max(...tops) - Math.min(...tops), `centres ${tops}`).toBeLessThanOrEqual(4);
  expect(errorTop).toBeGreaterThan(Math.max(...tops));
  expect((await bar.boundingBox())!.height).toBeLessThan(110);
  // The server reached again: the error goes and the badge says « En ligne ».
  await context.unroute("**/api/sync/**");
  await page.getByRole("button", { name: "Synchroniser" }).click();
  await expect(error).toHaveCount(0);
  await expect(bar.getByTestId("network")).toHaveText("En ligne");
  await context.close();
});
