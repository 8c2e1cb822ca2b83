// Going live without demo data: the first administrator from the command line, accounts with
// temporary passwords, an import, a hand-over by a supervisor, a référent working offline
// whose account is deactivated (the device pushes its work, then holds nothing), and a lost
// tablet revoked (wiped without its waiting change, and saying so). This test starts a server
// of its own, on another port and an empty database.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { autoUnlock, startServer } from "./helpers";

const root = path.resolve(__dirname, "../..");
const binary = process.env.JALON_SERVER_BIN ?? path.join(root, "target/debug/jalon-server");
const port = Number(process.env.JALON_E2E_PORT ?? 18484) + 2;
const base = `http://127.0.0.1:${port}`;
const ADMIN_PASSWORD = "une phrase pour administrer";

function env(dataDir: string) {
  return {
    ...process.env,
    JALON_LISTEN: `127.0.0.1:${port}`,
    JALON_DATA_DIR: dataDir,
    JALON_DIST_DIR: path.join(root, "dist"),
    JALON_SEED_DEMO: "false",
  };
}

async function start(dataDir: string): Promise<ChildProcess> {
  return startServer(binary, env(dataDir), base, 60_000);
}

async function signIn(page: Page, login: string, password: string) {
  await autoUnlock(page, password);
  await page.goto("/connexion");
  await page.getByLabel("Identifiant").fill(login);
  await page.getByLabel("Mot de passe").fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
}

/** Signs in with a temporary password and chooses a new one on the page the app forces. */
async function firstSignIn(page: Page, login: string, temporary: string, chosen: string) {
  await signIn(page, login, temporary);
  await expect(page).toHaveURL(/\/compte$/);
  await expect(page.getByText("Votre mot de passe est provisoire")).toBeVisible();
  await page.getByLabel("Mot de passe actuel").fill(temporary);
  await page.getByLabel("Nouveau mot de passe", { exact: true }).fill("trop court");
  await page.getByLabel("Nouveau mot de passe (à nouveau)").fill("trop court");
  await page.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
  await expect(page.locator("#new_password-error")).toContainText("au moins 12 caractères");
  await page.getByLabel("Nouveau mot de passe", { exact: true }).fill(chosen);
  await page.getByLabel("Nouveau mot de passe (à nouveau)").fill(chosen);
  await page.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
  await expect(page).not.toHaveURL(/\/compte$/);
  await autoUnlock(page, chosen);
}

/** Creates an account from the administration; returns its temporary password. */
async function createAccount(
  page: Page,
  login: string,
  name: string,
  role: string,
  scheme: { referent?: string; supervises?: string },
): Promise<string> {
  await page.goto("/admin");
  const form = page.locator("details.new-account");
  await form.locator("summary").click();
  await form.getByLabel("Identifiant").fill(login);
  await form.getByLabel("Nom affiché").fill(name);
  await form.getByLabel("Rôle").selectOption({ label: role });
  if (scheme.referent) await form.getByLabel("Dispositif").selectOption({ label: scheme.referent });
  if (scheme.supervises) await form.getByLabel(scheme.supervises).check();
  await form.getByRole("button", { name: "Créer le compte" }).click();
  const password = page.getByTestId("temporary-password");
  await expect(password).toBeVisible();
  return (await password.textContent())!.trim();
}

/** What the app's IndexedDB holds: records per store. */
async function held(page: Page): Promise<Record<string, number>> {
  return page.evaluate(
    () =>
      new Promise<Record<string, number>>((resolve, reject) => {
        const open = indexedDB.open("jalon");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const names = ["people", "enrolments", "notes", "items", "outbox", "rejections"];
          const tx = db.transaction(names, "readonly");
          const counts: Record<string, number> = {};
          for (const name of names) {
            const request = tx.objectStore(name).count();
            request.onsuccess = () => (counts[name] = request.result);
          }
          tx.oncomplete = () => resolve(counts);
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

async function context(browser: Browser) {
  return browser.newContext({ baseURL: base });
}

test("an administrator starts Jalon for real; a deactivated account's device pushes then wipes, a revoked one wipes without sending", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "jalon-e2e-golive-"));
  const created = spawnSync(binary, ["admin", "create-user", "--login", "dsi", "--role", "admin", "--name", "Service informatique"], {
    env: env(dataDir),
    input: `${ADMIN_PASSWORD}\n`,
  });
  expect(created.status, created.stderr.toString()).toBe(0);
  const server = await start(dataDir);
  const contexts = [];
  try {
    const office = await context(browser);
    contexts.push(office);
    const admin = await office.newPage();
    page_dialogs_accept(admin);
    await signIn(admin, "dsi", ADMIN_PASSWORD);
    await expect(admin).toHaveURL(/\/admin$/);
    const supervisorPassword = await createAccount(admin, "sup.plie", "Sylvie Superviseure", "Superviseur", {
      supervises: "PLIE",
    });
    const aPassword = await createAccount(admin, "plie.a", "Amine Référent", "Référent", { referent: "PLIE" });
    const bPassword = await createAccount(admin, "plie.b", "Béatrice Référente", "Référent", { referent: "PLIE" });

    // The existing caseload arrives by import: a dry run, then the import.
    await admin.goto("/admin/import");
    const csv =
      "nom;prénom;date_naissance;commune;rsa;dispositif;référent;date_entrée\n" +
      "Lachaud;Pauline;1988-03-04;87085;oui;PLIE;plie.b;2026-02-02\n" +
      "Vergnaud;Hugo;12/07/1979;Panazol;non;PLIE;plie.b;2026-02-02\n" +
      "Nulle;Part;1980-01-01;Paris;oui;PLIE;plie.b;2026-02-02\n";
    await admin.locator("#import-file").setInputFiles({ name: "file-active.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await admin.getByRole("button", { name: "Essai à blanc" }).click();
    await expect(admin.getByText("2 fiche(s) à créer, 1 refusée(s)")).toBeVisible();
    await expect(admin.locator("tr.line-refused")).toContainText("Commune inconnue");
    await admin.getByRole("button", { name: "Importer", exact: true }).click();
    await expect(admin.getByText("2 fiche(s) créée(s), 1 refusée(s)")).toBeVisible();

    // The supervisor chooses a password, then hands Pauline Lachaud over to plie.a.
    const desk = await (await context(browser)).newPage();
    contexts.push(desk.context());
    await firstSignIn(desk, "sup.plie", supervisorPassword, "une phrase de supervision");
    await desk.locator("li.person").filter({ hasText: "LACHAUD Pauline" }).getByRole("link").click();
    const file = desk.url();
    const enrolments = desk.getByRole("region", { name: "Accompagnements" });
    await enrolments.getByLabel("Nouveau référent").selectOption({ label: "Amine Référent" });
    await enrolments.getByRole("button", { name: "Changer de référent" }).click();
    await expect(enrolments.getByRole("listitem").locator("span").first()).toContainText("Amine Référent", { timeout: 30_000 });

    // plie.a signs in, must choose a password, receives the person, and writes a note offline.
    const fieldA = await context(browser);
    contexts.push(fieldA);
    const tabletA = await fieldA.newPage();
    await firstSignIn(tabletA, "plie.a", aPassword, "une phrase de terrain");
    await expect(tabletA.locator("li.person").filter({ hasText: "LACHAUD Pauline" })).toBeVisible({ timeout: 30_000 });
    await tabletA.goto(file);
    await fieldA.setOffline(true);
    const journal = tabletA.getByRole("region", { name: "Journal" });
    await journal.getByLabel("Nouvelle note").fill("Dernier entretien avant mon départ : dossier formation prêt.");
    await journal.getByRole("button", { name: "Ajouter la note" }).click();
    await expect(tabletA.getByTestId("pending")).toHaveText("1 modification en attente");

    // Meanwhile plie.a leaves: the person goes back to plie.b, the account is deactivated.
    await enrolments.getByLabel("Nouveau référent").selectOption({ label: "Béatrice Référente" });
    await enrolments.getByRole("button", { name: "Changer de référent" }).click();
    await expect(enrolments.getByRole("listitem").locator("span").first()).toContainText("Béatrice Référente", { timeout: 30_000 });
    await admin.goto("/admin");
    const accountA = admin.locator('li.account[data-login="plie.a"]');
    await accountA.getByRole("button", { name: "Désactiver" }).click();
    await expect(accountA).toContainText("Désactivé");
    await expect(accountA.locator("table.devices")).toContainText("Effacement après envoi");

    // Back online, the tablet pushes its note, then wipes itself.
    await fieldA.setOffline(false);
    await expect(tabletA.getByText("Ce compte a été désactivé")).toBeVisible({ timeout: 40_000 });
    await expect(tabletA).toHaveURL(/\/connexion$/);
    expect(await held(tabletA)).toEqual({ people: 0, enrolments: 0, notes: 0, items: 0, outbox: 0, rejections: 0 });
    await admin.reload();
    await expect(admin.locator('li.account[data-login="plie.a"] table.devices')).toContainText("Effacé");

    // plie.b has the note, written while plie.a still followed the person.
    const fieldB = await context(browser);
    contexts.push(fieldB);
    const tabletB = await fieldB.newPage();
    await firstSignIn(tabletB, "plie.b", bPassword, "une autre phrase de terrain");
    await tabletB.goto(file);
    await expect(tabletB.getByRole("region", { name: "Journal" })).toContainText("dossier formation prêt", { timeout: 30_000 });

    // plie.b's tablet is lost with a change waiting: it is revoked, and wiped at its next
    // contact without sending it — and says so.
    await expect(tabletB.getByLabel("Prénom")).not.toHaveValue("");
    await fieldB.setOffline(true);
    await tabletB.getByLabel("Téléphone").fill("0611223344");
    await tabletB.getByRole("button", { name: "Enregistrer les modifications" }).click();
    await expect(tabletB.getByTestId("pending")).toHaveText("1 modification en attente");
    await admin.reload();
    const accountB = admin.locator('li.account[data-login="plie.b"]');
    await accountB.locator("table.devices").getByRole("button", { name: "Révoquer" }).click();
    await expect(accountB.locator("table.devices")).toContainText("Révoqué");
    await fieldB.setOffline(false);
    await expect(tabletB.getByText("Cet appareil a été révoqué")).toBeVisible({ timeout: 40_000 });
    await expect(tabletB.getByText("1 modification en attente n'a pas été envoyée")).toBeVisible();
    expect(await held(tabletB)).toEqual({ people: 0, enrolments: 0, notes: 0, items: 0, outbox: 0, rejections: 0 });
    await desk.reload();
    await expect(desk.getByLabel("Téléphone")).not.toHaveValue("0611223344");

    // The audit log tells it all.
    await admin.goto("/admin/journal");
    await admin.getByLabel("Action").selectOption({ label: "Révocation d'un appareil" });
    await expect(admin.getByText("1 événement.")).toBeVisible();
  } finally {
    for (const c of contexts) await c.close();
    server.kill("SIGTERM");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

function page_dialogs_accept(page: Page) {
  page.on("dialog", (dialog) => dialog.accept());
}
