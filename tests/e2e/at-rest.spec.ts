// The caseload encrypted at rest: a real Chromium profile on disk, after a sign-in, a full
// sync and a note written offline, holds no name, numéro allocataire, note text or token in
// clear — neither in IndexedDB nor anywhere else in the profile (HTTP cache, service worker
// cache, and the session-restore files where Chromium keeps what forms hold).
import { chromium, expect, test } from "@playwright/test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import config from "./playwright.config";
import { DEMO_PASSWORD, pullAll, signIn } from "./helpers";

/** Every file under `dir`. */
function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full);
    return entry.isFile() ? [full] : [];
  });
}

/** The files of `dir` that hold `needle` in UTF-8, Latin-1 or UTF-16LE (how V8 and LevelDB keep strings). */
function holding(dir: string, needle: string): string[] {
  const forms = [Buffer.from(needle, "utf8"), Buffer.from(needle, "latin1"), Buffer.from(needle, "utf16le")];
  return files(dir).filter((file) => {
    const bytes = fs.readFileSync(file);
    return forms.some((form) => bytes.includes(form));
  });
}

test("the browser profile on disk holds the caseload only sealed", async ({ request }) => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "jalon-profile-"));
  const use = config.use ?? {};
  const context = await chromium.launchPersistentContext(profile, {
    ...use.launchOptions,
    baseURL: use.baseURL,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const tokens = new Set<string>();
    const cacheHeaders = new Set<string>();
    page.on("request", (sent) => {
      const auth = sent.headers()["authorization"];
      if (auth?.startsWith("Bearer ")) tokens.add(auth.slice("Bearer ".length));
    });
    page.on("response", (answer) => {
      if (new URL(answer.url()).pathname.startsWith("/api/sync/pull")) {
        cacheHeaders.add(answer.headers()["cache-control"] ?? "(none)");
      }
    });
    await signIn(page, "arpe1");
    await expect(page.locator("li.person").first()).toBeVisible();

    // A note typed offline waits in the outbox.
    await page.locator("li.person").first().getByRole("link").click();
    const journal = page.getByRole("region", { name: "Journal" });
    await context.setOffline(true);
    const secret = "Surendettement signalé par la banque alimentaire de Saint-Yrieix";
    await journal.getByLabel("Nouvelle note").fill(secret);
    await journal.getByRole("button", { name: "Ajouter la note" }).click();
    await expect(journal.getByRole("listitem").filter({ hasText: "banque alimentaire" })).toContainText(
      "Non synchronisé",
    );
    await page.goto("/");
    expect(cacheHeaders).toEqual(new Set(["no-store"]));
    expect(tokens.size).toBeGreaterThan(0);

    // Close the browser: everything it keeps is on disk.
    await context.close();

    const changes = await pullAll(request, "arpe1");
    const people = changes.filter((c) => c.kind === "person").map((c) => c.data);
    expect(people.length).toBeGreaterThan(30);
    // Names that are also words of the app itself (communes such as Saint-Julien or La Roche,
    // cached by the service worker) prove nothing either way.
    const app = path.resolve(__dirname, "../../dist");
    const names = people
      .flatMap((p) => [String(p.last_name), String(p.first_name)])
      .filter((n) => n.length >= 5 && holding(app, n).length === 0);
    expect(names.length).toBeGreaterThan(20);
    const numbers = people
      .map((p) => String((p.details as Record<string, unknown>).allocataire ?? ""))
      .filter((n) => n.length >= 7);
    expect(numbers.length).toBeGreaterThan(10);

    const indexedDb = path.join(profile, "Default", "IndexedDB");
    expect(files(indexedDb).length).toBeGreaterThan(0);
    // The scan reads what IndexedDB keeps: the login, kept in clear to unlock, is found.
    expect(holding(indexedDb, "arpe1").length).toBeGreaterThan(0);

    const leaks: string[] = [];
    for (const needle of [...new Set(names)].slice(0, 60)) {
      for (const file of holding(profile, needle)) leaks.push(`name ${needle} in ${file}`);
    }
    // Numbers are looked for in IndexedDB only (the browser's own files are full of digits).
    for (const needle of numbers) {
      for (const file of holding(indexedDb, needle)) leaks.push(`numéro ${needle} in ${file}`);
    }
    for (const needle of [secret, "banque alimentaire", ...tokens]) {
      for (const file of holding(profile, needle)) leaks.push(`${needle.slice(0, 12)}… in ${file}`);
    }
    expect(leaks).toEqual([]);
  } finally {
    await context.close().catch(() => {});
    if (!process.env.KEEP_PROFILE) fs.rmSync(profile, { recursive: true, force: true });
  }
});

test("the app locks after 15 idle minutes, on demand and on reload; the password reopens it offline", async ({
  browser,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.clock.install();
  await page.goto("/connexion");
  await page.getByLabel("Identifiant").fill("arpe3");
  await page.getByLabel("Mot de passe").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await expect(page.getByTestId("last-sync")).toContainText("Dernière synchronisation");
  const people = page.locator("li.person");
  await expect(people.first()).toBeVisible();
  const locked = page.getByRole("heading", { name: "Jalon est verrouillé" });

  // Idle offline: the caseload goes from the screen and from memory.
  await context.setOffline(true);
  await page.clock.fastForward("14:00");
  await expect(people.first()).toBeVisible();
  await page.clock.fastForward("02:00");
  await expect(locked).toBeVisible();
  await expect(people).toHaveCount(0);
  await expect(page.getByText("arpe3")).toBeVisible();
  await page.locator("#unlock-password").fill("pas le bon mot de passe");
  await page.getByRole("button", { name: "Déverrouiller" }).click();
  await expect(page.locator("#unlock-error")).toContainText("Mot de passe incorrect");
  await page.locator("#unlock-password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Déverrouiller" }).click();
  await expect(locked).toBeHidden();
  await expect(people.first()).toBeVisible();

  // The button locks at once; a reload opens locked.
  await page.getByRole("button", { name: "Verrouiller" }).click();
  await expect(locked).toBeVisible();
  await context.setOffline(false);
  await page.reload();
  await expect(locked).toBeVisible();
  await page.locator("#unlock-password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Déverrouiller" }).click();
  await expect(people.first()).toBeVisible();
  await context.close();
});

test("signing out erases the caseload from the device and the next sign-in fetches it again", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "arpe4");
  const people = page.locator("li.person");
  await expect(people.first()).toBeVisible();
  const count = await people.count();
  expect(count).toBeGreaterThan(10);
  await page.getByRole("link", { name: "Mon compte" }).click();
  await page.getByRole("button", { name: "Se déconnecter", exact: true }).click();
  await expect(page).toHaveURL(/\/connexion$/);
  await expect(page.getByRole("alert")).toContainText("effacées de cet appareil");
  const stored = await page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open("jalon");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction("people");
          const counted = tx.objectStore("people").count();
          counted.onsuccess = () => resolve(counted.result);
          counted.onerror = () => reject(counted.error);
        };
      }),
  );
  expect(stored).toBe(0);
  await signIn(page, "arpe4");
  await expect(people).toHaveCount(count);
  await context.close();
});

test("after sign-in the app asks the browser to keep its data and shows the storage used", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "arpe5");
  await page.getByRole("link", { name: "Mon compte" }).click();
  const storage = page.getByTestId("storage");
  await expect(storage).toContainText("Stockage persistant");
  await expect(storage).toContainText(/\d+,\d Mo utilisés sur [\d\u202f]+,\d Mo \(\d+\u00a0%\)/);
  const granted = await page.evaluate(() => navigator.storage.persisted());
  await expect(storage).toContainText(granted ? "Stockage persistant accordé" : "Stockage persistant refusé");
  await context.close();
});
