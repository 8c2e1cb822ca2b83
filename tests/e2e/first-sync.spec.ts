// A supervisor's first sign-in on a device: while the replica fills (tens of thousands of
// records, page after page), the home shows how far it is — « 3 000 / 21 000 éléments » —
// instead of a list still empty; the list and the time of the last sync come once it is all in.
import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD, autoUnlock, pullAll } from "./helpers";

/** "21 427" (narrow no-break spaces between thousands) → 21427. */
const numberOf = (text: string) => Number(text.replace(/[\s\u202f\u00a0]/g, ""));

test("a first sync shows its progress with counts, then the list", async ({ page, request }) => {
  const expected = (await pullAll(request, "superviseur")).length;
  await autoUnlock(page);
  await page.goto("/");
  await page.getByLabel("Identifiant").fill("superviseur");
  await page.getByLabel("Mot de passe").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Se connecter" }).click();

  const progress = page.getByTestId("first-sync");
  await expect(progress.getByRole("heading")).toHaveText("Préparation de cet appareil");
  // Read as soon as it shows: the whole fill takes a few seconds.
  const shape = /^[\d\u202f]+ \/ [\d\u202f]+ éléments$/;
  const bar = page.getByRole("progressbar", { name: "Préparation de cet appareil" });
  let text = "";
  let max = "";
  await expect
    .poll(async () => {
      text = (await progress.locator(".count").textContent({ timeout: 200 }).catch(() => "")) ?? "";
      max = (await bar.getAttribute("max", { timeout: 200 }).catch(() => "")) ?? "";
      return shape.test(text);
    })
    .toBe(true);
  const [stored, total] = text.replace(" éléments", "").split(" / ").map(numberOf);
  // The total is the whole pull (a few changes may have come since it was counted here).
  expect(total).toBeGreaterThanOrEqual(expected - 50);
  expect(total).toBeLessThanOrEqual(expected + 50);
  expect(stored).toBeGreaterThan(0);
  expect(stored).toBeLessThanOrEqual(total);
  expect(Number(max)).toBe(total);
  // No list (nor an empty one) while it fills.
  await expect(page.getByText("0 personne", { exact: true })).toHaveCount(0);

  await expect(progress).toBeHidden({ timeout: 60_000 });
  await expect(page.locator("main .count")).toHaveText(/^[\d\u202f]{5,} personnes$/);
  await expect(page.getByTestId("last-sync")).toContainText("Dernière synchronisation");
});
