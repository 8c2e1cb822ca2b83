// A supervisor's first sync end to end (sign-in to the list drawn, network included) against
// the floor: the same sign-in, then every pull page fetched one after another and put into a
// plain IndexedDB store in one transaction each, in the same browser and run. Issue 13's
// target: Jalon ≤ 1.5× the floor. Prints `BENCH first sync …`; asserts nothing about time.
import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD, autoUnlock } from "./helpers";

const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test("a supervisor's first sync against a plain fetch-and-put", async ({ browser }) => {
  const jalon: number[] = [];
  const floor: number[] = [];
  let records = 0;
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await autoUnlock(page);
    await page.goto("/");
    await page.getByLabel("Identifiant").fill("superviseur");
    await page.getByLabel("Mot de passe").fill(DEMO_PASSWORD);
    const start = Date.now();
    await page.getByRole("button", { name: "Se connecter" }).click();
    await expect(page.locator("main .count")).toHaveText(/personnes$/, { timeout: 120_000 });
    jalon.push(Date.now() - start);
    await context.close();

    const plain = await browser.newContext();
    const other = await plain.newPage();
    await other.goto("/accessibilite");
    const result = await other.evaluate(async (password) => {
      const started = performance.now();
      const login = await fetch("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "superviseur", password, device_id: crypto.randomUUID() }),
      });
      const { token } = await login.json();
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const open = indexedDB.open(`floor-${crypto.randomUUID()}`, 1);
        open.onupgradeneeded = () => open.result.createObjectStore("records");
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      let cursor = 0;
      let count = 0;
      for (;;) {
        const response = await fetch(`/api/sync/pull?protocol=1&schema=3&cursor=${cursor}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = await response.json();
        await new Promise((resolve, reject) => {
          const tx = db.transaction("records", "readwrite");
          const store = tx.objectStore("records");
          for (const change of body.changes) store.put(change, `${change.kind}:${change.data.id}`);
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
        count += body.changes.length;
        cursor = body.cursor;
        if (!body.has_more) break;
      }
      return { ms: performance.now() - started, count };
    }, DEMO_PASSWORD);
    floor.push(result.ms);
    records = result.count;
    await plain.close();
  }
  expect(records).toBeGreaterThan(10_000);
  const ratio = median(jalon) / median(floor);
  console.log(
    `BENCH first sync of ${records} records: Jalon sign-in to list ${median(jalon)} ms ` +
      `(runs ${jalon.join(", ")}), plain fetch-and-put ${Math.round(median(floor))} ms ` +
      `(runs ${floor.map(Math.round).join(", ")}): ${ratio.toFixed(2)}×`,
  );
});
