// The exports end to end, from the click to the file saved by the browser (issue 11's target:
// an XLSX of 10,000 rows within 2 s): the supervisor's whole list of people (every status) as
// CSV (built in the browser) and as XLSX (the rows the browser selected, sent to the server,
// the workbook back); and PLIE's FSE participant file since 2015. Prints `BENCH export …`;
// asserts nothing about time.
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";

const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(page: Page, button: string) {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const download = page.waitForEvent("download");
    const start = Date.now();
    await page.getByRole("button", { name: button }).click();
    await (await download).path();
    times.push(Date.now() - start);
  }
  return median(times);
}

test("the list of people and the FSE file exported end to end", async ({ page }) => {
  await signIn(page, "superviseur");
  await page.getByLabel("Statut").selectOption({ label: "Tous" });
  const count = page.locator("main .count");
  await expect(count).toHaveText(/personnes$/);
  const people = Number((await count.innerText()).replace(/\D/g, ""));
  const csv = await timed(page, "Exporter la liste (CSV)");
  const xlsx = await timed(page, "Exporter la liste (XLSX)");
  console.log(`BENCH export list rows=${people} csv_ms=${csv} xlsx_ms=${xlsx} (median of ${RUNS})`);

  await page.goto("/pilotage/fse");
  await page.getByLabel("Dispositif").selectOption({ label: "PLIE" });
  await page.getByLabel(/^Du /).fill("01/01/2015");
  const fse = page.getByTestId("fse-count");
  await expect(fse).toContainText("participations");
  const rows = Number((await fse.innerText()).split(",")[0].replace(/\D/g, ""));
  const fseCsv = await timed(page, "Exporter le fichier FSE (CSV)");
  const fseXlsx = await timed(page, "Exporter le fichier FSE (XLSX)");
  console.log(`BENCH export fse rows=${rows} csv_ms=${fseCsv} xlsx_ms=${fseXlsx} (median of ${RUNS})`);
});
