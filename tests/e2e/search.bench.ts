import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

// The supervisor's device holds every demo person (1,250 active and those who left since 2015,
// the purged files aside). Each keystroke: from the input event to the next painted frame,
// with the list redrawn.
test("search as you type in the supervisor's list", async ({ page }) => {
  await signIn(page, "superviseur");
  await page.getByLabel("Statut").selectOption({ label: "Tous" });
  const count = page.locator("main .count");
  await expect(count).toHaveText(/personnes$/, { timeout: 30_000 });
  const people = Number((await count.innerText()).replace(/\D/g, ""));
  const typed = "mart lea";
  const timings: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (let n = 1; n <= typed.length; n++) {
      const ms = await page.evaluate(async (q) => {
        const input = document.getElementById("search") as HTMLInputElement;
        const start = performance.now();
        input.value = q;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        return performance.now() - start;
      }, typed.slice(0, n));
      timings.push(ms);
    }
    await page.evaluate(() => {
      const input = document.getElementById("search") as HTMLInputElement;
      input.value = "";
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
  await expect(page.locator("li.person").first()).toBeVisible();
  timings.sort((a, b) => a - b);
  const p = (q: number) => timings[Math.min(timings.length - 1, Math.floor(q * timings.length))].toFixed(1);
  console.log(`BENCH list_keystroke people=${people} samples=${timings.length} p50_ms=${p(0.5)} p95_ms=${p(0.95)} max_ms=${p(1)}`);
});
