import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

// A supervisor's sync round with nothing new (push of an empty outbox, an incremental pull,
// the replica's checksums against the server's), from the click on « Synchroniser
// maintenant » to the sync recorded: the first round after the first sync reads the replica
// back once to keep the hashes of its records; the next ones use the hashes kept.
test("a supervisor's sync round with nothing new", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, "superviseur");
  await expect(page.locator("li.person").nth(20)).toBeVisible();
  const timings: number[] = [];
  for (let round = 0; round < 6; round++) {
    const before = Number(await page.getByTestId("last-sync").getAttribute("data-synced-at"));
    const started = Date.now();
    await page.getByRole("button", { name: "Synchroniser maintenant" }).click();
    await expect
      .poll(async () => Number(await page.getByTestId("last-sync").getAttribute("data-synced-at")), {
        intervals: [5],
        timeout: 60_000,
      })
      .toBeGreaterThan(before);
    timings.push(Date.now() - started);
  }
  const later = timings.slice(1).sort((a, b) => a - b);
  console.log(
    `BENCH supervisor_sync_round first_ms=${timings[0]} then_median_ms=${later[Math.floor(later.length / 2)]} ` +
      `then_max_ms=${later[later.length - 1]} in_order_ms=${timings.join(",")}`,
  );
});
