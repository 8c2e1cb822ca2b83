// Administration on the demo data: the right of access of a person with notes, versions and a
// change of référent; retention (dry run, then the purge of one file); a scheme changed from a
// later date; the audit log and its CSV export; bad input refused in French.
import { expect, test } from "@playwright/test";
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import { DEMO_PASSWORD, signIn } from "./helpers";

test("a supervisor produces the complete file of a person: notes and their versions, changes, référents, readers", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const office = await browser.newContext();
  const desk = await office.newPage();
  await signIn(desk, "superviseur.plie");
  // A person of plie2, handed over to plie5: référents the other tests do not count.
  await desk.locator("li.person").filter({ hasText: "(plie2)" }).first().getByRole("link").click();
  await expect(desk.getByLabel("Prénom")).not.toHaveValue("");
  const file = desk.url();

  // A change of the file, a note and a new version of it, a hand-over.
  await desk.getByLabel("Téléphone").fill("0555667788");
  await desk.getByRole("button", { name: "Enregistrer les modifications" }).click();
  const journal = desk.getByRole("region", { name: "Journal" });
  await journal.getByLabel("Nouvelle note").fill("Point trimestriel : première version.");
  await journal.getByRole("button", { name: "Ajouter la note" }).click();
  const note = journal.getByRole("listitem").filter({ hasText: "première version" });
  await note.getByRole("button", { name: "Modifier" }).click();
  await journal.getByLabel("Modifier").fill("Point trimestriel : version corrigée.");
  await journal.getByRole("button", { name: "Enregistrer la nouvelle version" }).click();
  const enrolments = desk.getByRole("region", { name: "Accompagnements" });
  const options = await enrolments.getByLabel("Nouveau référent").locator("option").allTextContents();
  const newReferent = options.find((o) => o.includes("(plie5)"))!.trim();
  await enrolments.getByLabel("Nouveau référent").selectOption({ label: newReferent });
  await enrolments.getByRole("button", { name: "Changer de référent" }).click();
  await desk.getByRole("button", { name: "Synchroniser maintenant" }).click();
  await expect(desk.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 30_000 });

  await desk.getByRole("link", { name: "Dossier complet (droit d'accès)" }).click();
  await expect(desk.getByRole("heading", { name: "Dossier complet (droit d'accès)" })).toBeVisible();
  const notes = desk.getByRole("region", { name: "Journal" });
  await expect(notes).toContainText("première version");
  await expect(notes).toContainText("version corrigée");
  await expect(desk.getByRole("region", { name: "Historique des modifications" })).toContainText("0555667788");
  await expect(desk.getByRole("region", { name: "Accompagnements" })).toContainText(`à ${newReferent}`);
  const readers = desk.getByRole("region", { name: "Accès au dossier" });
  await expect(readers).toContainText("Consultation d'une fiche");
  await expect(readers).toContainText("Changement de référent");
  await expect(desk.getByRole("button", { name: "Imprimer" })).toBeVisible();
  const download = desk.waitForEvent("download");
  await desk.getByRole("button", { name: "Télécharger (JSON)" }).click();
  const saved = await download;
  expect(saved.suggestedFilename()).toMatch(/^dossier-.*\.json$/);
  const json = JSON.parse(fs.readFileSync((await saved.path())!, "utf8"));
  expect(json.notes).toHaveLength(2);
  expect(json.enrolments[0].referents.at(-1).to).toBe(newReferent);

  // The administrator finds the same file from the identity, and produces it too.
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, "admin");
  await admin.goto("/admin/acces");
  await admin.getByLabel("Nom", { exact: true }).fill(String(json.person.last_name).toLowerCase());
  await admin.getByLabel("Prénom").fill(json.person.first_name);
  await admin.getByLabel("Date de naissance").fill(json.person.birth_date);
  await admin.getByRole("button", { name: "Rechercher le dossier" }).click();
  await admin.getByRole("link", { name: /^Dossier / }).click();
  await expect(admin.getByRole("region", { name: "Journal" })).toContainText("version corrigée");
  await office.close();
  await admin.context().close();
});

test("retention lists the old files, purges the one chosen, and the list shows what is left", async ({
  page,
  request,
}) => {
  page.on("dialog", (dialog) => dialog.accept());
  // The supervisor's dashboard since the demo's first entries, before and after the purge.
  const login = await request.post("/api/auth/login", {
    data: { username: "superviseur", password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  const { token } = await login.json();
  const today = new Date().toISOString().slice(0, 10);
  const figures = async () =>
    (
      await request.get(`/api/supervision?from=2015-01-01&to=${today}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json();
  const before_purge = await figures();
  expect(before_purge.total.entries).toBeGreaterThan(0);
  await signIn(page, "admin");
  await page.goto("/admin/conservation");
  const rows = page.locator("table.retention tbody tr");
  await expect(rows.first()).toBeVisible();
  const before = await rows.count();
  expect(before).toBeGreaterThan(0);
  // Keep only the first file selected.
  for (let i = 1; i < before; i++) await rows.nth(i).getByRole("checkbox").uncheck();
  const chosen = (await rows.first().locator("code").textContent()) ?? "";
  await page.getByRole("button", { name: "Purger les 1 dossier(s) sélectionné(s)" }).click();
  await expect(page.getByText("1 dossier(s) purgé(s).")).toBeVisible();
  await expect(rows).toHaveCount(before - 1);
  await expect(page.locator("table.retention")).not.toContainText(chosen);
  expect(await figures()).toEqual(before_purge);

  // The purge is in the audit log.
  await page.goto("/admin/journal");
  await page.getByLabel("Action").selectOption({ label: "Purge (durée de conservation)" });
  await expect(page.getByText("1 événement.")).toBeVisible();
  await expect(page.locator("table.audit")).toContainText(chosen);
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Exporter (CSV)" }).click();
  const csv = await (await download).path();
  const text = fs.readFileSync(csv, "utf8");
  expect(text.startsWith("\ufeffdate;utilisateur;")).toBeTruthy();
  expect(text).toContain(chosen);
});

test("a scheme change from a later date is recorded without moving anyone; bad input is refused in French", async ({
  page,
}) => {
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, "admin");
  await page.goto("/admin/dispositifs");
  const plie = page.locator('article.scheme[data-scheme="plie"]');
  await plie.getByLabel("Territoire").selectOption({ label: "Ces communes" });
  await plie.getByLabel(/^Communes/).fill("Limoges\nIsle\nVille inconnue");
  await plie.getByLabel("Date d'effet").fill("2027-01-01");
  await plie.getByRole("button", { name: "Enregistrer le changement" }).click();
  await expect(plie).toContainText("« Ville inconnue » n'existe pas");
  await plie.getByLabel(/^Communes/).fill("Limoges\nIsle\nPanazol");
  await plie.getByRole("button", { name: "Enregistrer le changement" }).click();
  await expect(plie).toContainText("en vigueur le 01/01/2027");
  await expect(plie).toContainText("aucune n'est déplacée");
  await expect(page.getByRole("region", { name: "Historique des changements" })).toContainText("01/01/2027");

  // Accounts: a login already used, a supervisor without a scheme.
  await page.goto("/admin");
  const form = page.locator("details.new-account");
  await form.locator("summary").click();
  await form.getByLabel("Identifiant").fill("plie1");
  await form.getByLabel("Nom affiché").fill("Doublon");
  await form.getByLabel("Rôle").selectOption({ label: "Référent" });
  await form.getByLabel("Dispositif").selectOption({ label: "PLIE" });
  await form.getByRole("button", { name: "Créer le compte" }).click();
  await expect(form).toContainText("Cet identifiant est déjà utilisé");
  await form.getByLabel("Identifiant").fill("sup.vide");
  await form.getByLabel("Rôle").selectOption({ label: "Superviseur" });
  await form.getByRole("button", { name: "Créer le compte" }).click();
  await expect(form).toContainText("Un superviseur supervise au moins un dispositif.");
  // The last administrator may not deactivate themselves.
  const me = page.locator('li.account[data-login="admin"]');
  await me.getByRole("button", { name: "Désactiver" }).click();
  await expect(me).toContainText("dernier compte administrateur actif");
});

test("a user signs out of their other devices from « Mon compte » and stays signed in here", async ({
  page,
  request,
}) => {
  // The same référent on another device (a tablet left somewhere): a session of the API.
  const login = await request.post("/api/auth/login", {
    data: { username: "global6", password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  expect(login.ok()).toBeTruthy();
  const { token } = await login.json();
  const me = () => request.get("/api/auth/me", { headers: { authorization: `Bearer ${token}` } });
  expect((await me()).status()).toBe(200);

  await signIn(page, "global6");
  await page.goto("/compte");
  await page.getByRole("button", { name: "Se déconnecter des autres appareils" }).click();
  await expect(page.getByText("Vos autres sessions sont fermées.")).toBeVisible();
  expect((await me()).status()).toBe(401);
  // This device still syncs, signed in.
  const synced = page.waitForResponse((r) => r.url().includes("/api/sync/pull"));
  await page.getByRole("button", { name: "Synchroniser maintenant" }).click();
  expect((await synced).status()).toBe(200);
  await expect(page).toHaveURL(/\/compte$/);
  await expect(page.getByTestId("pending")).toContainText("Tout est synchronisé");
});
