import { expect, test } from "@playwright/test";
import { signIn, waitForServiceWorker } from "./helpers";

// A référent offline orders a service for a person of their caseload: from the click on
// « Enregistrer la commande » to the painted frame that shows the order in the person's file,
// marked « Non synchronisé », and how many frames that is (1: the first frame after the click).
// The file shows the checked order at once; it is written to IndexedDB with its outbox entry
// meanwhile, and read back.
test("an order typed offline shows in the person's file", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "plie1");
  await waitForServiceWorker(page);
  await context.setOffline(true);
  await page.locator("li.person").first().getByRole("link").click();
  const orders = page.getByRole("region", { name: "Bons de commande" });
  await orders.getByText("Commander une prestation").click();
  const choose = async (label: string, index: number) => {
    const select = orders.getByLabel(label, { exact: true });
    const value = await select.locator("option").nth(index).getAttribute("value");
    await select.selectOption(value ?? "");
  };
  const timings: number[] = [];
  const frames: number[] = [];
  for (let round = 0; round < 12; round++) {
    await choose("Accord-cadre", 1);
    await choose("Prestation", 1);
    await orders.getByLabel("Quantité").fill("1");
    const { ms, waited } = await page.evaluate(async () => {
      const region = [...document.querySelectorAll("section")].find((s) =>
        s.querySelector("h2")?.textContent?.startsWith("Bons de commande"),
      )!;
      const before = region.querySelectorAll("li.order").length;
      const button = [...region.querySelectorAll("button")].find((b) => b.textContent === "Enregistrer la commande")!;
      const start = performance.now();
      button.click();
      // Each animation frame's callback runs just before the frame is painted: the first one
      // that finds the order in the page is the frame that shows it.
      let waited = 0;
      await new Promise<void>((resolve) => {
        const tick = () => {
          waited++;
          if (region.querySelectorAll("li.order").length > before) resolve();
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      // The end of that frame.
      await new Promise((r) => setTimeout(r, 0));
      return { ms: performance.now() - start, waited };
    });
    timings.push(ms);
    frames.push(waited);
  }
  await expect(orders.locator("li.order").first()).toContainText("Non synchronisé");
  timings.sort((a, b) => a - b);
  frames.sort((a, b) => a - b);
  const p = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];
  console.log(
    `BENCH order_offline_to_frame samples=${timings.length} p50_ms=${p(timings, 0.5).toFixed(1)} ` +
      `p95_ms=${p(timings, 0.95).toFixed(1)} frames_p50=${p(frames, 0.5)} frames_max=${p(frames, 1)}`,
  );
  await context.close();
});
