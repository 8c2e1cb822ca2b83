import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

// The browser's memory with a supervisor's full replica (issue 13: ≤ 150 MB, JS heap + wasm
// memory): after the first sync has drawn the list, then after the list with every status
// shown, a search, and a dozen person files opened. The JS heap is measured after a garbage
// collection (CDP `HeapProfiler.collectGarbage`, then `Runtime.getHeapUsage`); the wasm memory
// is the module's linear memory, which never shrinks.
test("the browser's memory with a supervisor's replica", async ({ browser }) => {
  test.setTimeout(240_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    addEventListener("TrunkApplicationStarted", (e) => {
      (window as unknown as { jalonWasm: unknown }).jalonWasm = (e as CustomEvent).detail.wasm;
    });
  });
  const cdp = await context.newCDPSession(page);
  const measure = async (when: string) => {
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = await cdp.send("Runtime.getHeapUsage");
    const wasm = await page.evaluate(
      () => (window as unknown as { jalonWasm: { memory: WebAssembly.Memory } }).jalonWasm.memory.buffer.byteLength,
    );
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    console.log(
      `BENCH memory_${when} js_heap_mb=${mb(heap.usedSize)} wasm_mb=${mb(wasm)} ` +
        `total_mb=${mb(heap.usedSize + wasm)}`,
    );
  };
  await signIn(page, "superviseur");
  await expect(page.locator("li.person").nth(20)).toBeVisible();
  await measure("after_first_sync");
  for (let round = 0; round < 12; round++) {
    await page.locator("li.person a.name").nth(round).click();
    await expect(page.getByTestId("summary")).toBeVisible();
    await page.getByRole("link", { name: "Retour à la liste" }).click();
    await expect(page.locator("li.person").nth(round + 1)).toBeVisible();
  }
  await page.getByRole("searchbox").fill("mar");
  await expect(page.locator("li.person").first()).toBeVisible();
  await measure("after_files_and_search");
  await page.reload();
  await expect(page.locator("li.person").nth(20)).toBeVisible({ timeout: 60_000 });
  await measure("after_reload");
  await context.close();
});
