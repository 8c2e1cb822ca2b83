// The device's storage refusing a read or a write (a full disk, a browser that lost its
// database): every screen says so — « Lecture impossible sur cet appareil » — instead of an
// empty list taken for the truth, and a refused save keeps what was typed. The failures are
// made by the real IndexedDB of the page, whose methods are made to throw after sign-in.
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";

/** Makes every read (`getAll`, `get`) of IndexedDB throw, in this page, from now on. */
async function refuseReads(page: Page) {
  await page.evaluate(() => {
    const refuse = function () {
      throw new DOMException("lecture refusée par le test", "UnknownError");
    };
    for (const proto of [IDBObjectStore.prototype, IDBIndex.prototype]) {
      (proto as unknown as Record<string, unknown>).getAll = refuse;
      (proto as unknown as Record<string, unknown>).get = refuse;
    }
  });
}

test("a storage that refuses reads is said on the agenda and the list, which shows no one rather than an empty caseload", async ({ page }) => {
  await signIn(page, "arpe2");
  const first = page.locator("li.person").first();
  const name = (await first.getByRole("link").textContent())!.trim();
  await refuseReads(page);

  await page.getByRole("link", { name: "Agenda" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Lecture impossible sur cet appareil" }).first()).toBeVisible();

  await page.goBack();
  await expect(page.getByRole("alert").filter({ hasText: "Lecture impossible sur cet appareil" }).first()).toBeVisible();
  await expect(page.getByText(name)).toHaveCount(0);
});

test("a person file whose reads are refused says so rather than showing an empty file", async ({ page }) => {
  await signIn(page, "arpe2");
  await page.locator("li.person").first().getByRole("link").click();
  await expect(page.getByRole("region", { name: "Journal" })).toBeVisible();
  await refuseReads(page);
  // Away and back: the file is read again.
  await page.getByRole("link", { name: "Jalon", exact: true }).click();
  await page.goBack();
  await expect(page.getByRole("alert").filter({ hasText: "Lecture impossible sur cet appareil" }).first()).toBeVisible();
});

test("a save the storage refuses says so and keeps what was typed", async ({ page }) => {
  await signIn(page, "arpe2");
  await page.locator("li.person").first().getByRole("link").click();
  const journal = page.getByRole("region", { name: "Journal" });
  await expect(journal.getByLabel("Nouvelle note")).toBeVisible();
  await page.evaluate(() => {
    const refuse = function () {
      throw new DOMException("écriture refusée par le test", "QuotaExceededError");
    };
    (IDBObjectStore.prototype as unknown as Record<string, unknown>).put = refuse;
    (IDBObjectStore.prototype as unknown as Record<string, unknown>).add = refuse;
  });
  const text = "Note qui ne doit pas se perdre.";
  await journal.getByLabel("Nouvelle note").fill(text);
  await journal.getByRole("button", { name: "Ajouter la note" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Enregistrement impossible sur cet appareil" }).first()).toBeVisible();
  await expect(journal.getByLabel("Nouvelle note")).toHaveValue(text);
  await expect(journal.locator("li.note").filter({ hasText: text })).toHaveCount(0);
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé");
});
