import { expect, test, type Page } from "@playwright/test";
import { pullAll, signIn, waitForServiceWorker } from "./helpers";

async function syncNow(page: Page) {
  await page.getByRole("button", { name: "Synchroniser maintenant" }).click();
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 30_000 });
}

test("two devices edit one person offline: different fields both survive, the same field is a conflict on both", async ({
  browser,
}) => {
  const tablet = await browser.newContext();
  const desktop = await browser.newContext();
  const a = await tablet.newPage();
  const b = await desktop.newPage();
  await signIn(a, "global4");
  await signIn(b, "global4");

  const first = a.locator("li.person").first().getByRole("link");
  await first.click();
  await expect(a).toHaveURL(/\/personne\//);
  await b.goto(a.url());
  await expect(b.getByLabel("Prénom")).not.toHaveValue("");
  const rsaBefore = await b.getByLabel("Bénéficiaire du RSA").isChecked();
  await waitForServiceWorker(a);
  await waitForServiceWorker(b);

  await tablet.setOffline(true);
  await desktop.setOffline(true);
  await a.getByLabel("Prénom").fill("Solène");
  await a.getByLabel("Nom", { exact: true }).fill("Aubrac");
  await a.getByRole("button", { name: "Enregistrer les modifications" }).click();
  await expect(a.getByText("Modifications enregistrées sur l'appareil")).toBeVisible();
  await expect(a.getByTestId("pending")).toHaveText("1 modification en attente");

  await b.getByLabel("Bénéficiaire du RSA").setChecked(!rsaBefore);
  await b.getByLabel("Nom", { exact: true }).fill("Vialle");
  await b.getByRole("button", { name: "Enregistrer les modifications" }).click();
  await expect(b.getByText("Modifications enregistrées sur l'appareil")).toBeVisible();

  // The tablet reconnects first, then the desktop; then the tablet syncs again.
  await tablet.setOffline(false);
  await expect(a.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  await desktop.setOffline(false);
  await expect(b.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  await syncNow(a);

  for (const page of [a, b]) {
    // Different fields: both changes survive. Same field: the same value everywhere.
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("VIALLE Solène");
    await expect(page.getByText("Conflit sur « Nom »")).toBeVisible();
    await expect(page.getByRole("button", { name: "Garder « Aubrac »" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Garder « Vialle »" })).toBeVisible();
  }
  // The tablet's form keeps what it typed, and offers to show the file as it now reads.
  await expect(a.getByLabel("Nom", { exact: true })).toHaveValue("Aubrac");
  await a.getByRole("button", { name: "Afficher la fiche à jour" }).click();
  await expect(a.getByLabel("Nom", { exact: true })).toHaveValue("Vialle");
  await expect(a.getByLabel("Bénéficiaire du RSA")).toBeChecked({ checked: !rsaBefore });
  await expect(a.getByRole("button", { name: "Afficher la fiche à jour" })).toHaveCount(0);
  await a.reload();
  await expect(a.getByLabel("Bénéficiaire du RSA")).toBeChecked({ checked: !rsaBefore });

  // One click on one device settles it for both.
  await b.getByRole("button", { name: "Garder « Aubrac »" }).click();
  await syncNow(b);
  await expect(b.getByRole("heading", { level: 1 })).toHaveText("AUBRAC Solène");
  await expect(b.getByText("Conflit sur « Nom »")).toHaveCount(0);
  await syncNow(a);
  await expect(a.getByRole("heading", { level: 1 })).toHaveText("AUBRAC Solène");
  await expect(a.getByText("Conflit sur « Nom »")).toHaveCount(0);

  await tablet.close();
  await desktop.close();
});

test("a tab closed with changes waiting gives them back offline and pushes them once online", async ({
  browser,
  request,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "plie9");
  await waitForServiceWorker(page);

  await context.setOffline(true);
  await page.getByRole("link", { name: "Nouvelle personne" }).click();
  await page.getByLabel("Nom", { exact: true }).fill("Fermeture");
  await page.getByLabel("Prénom").fill("Onglet");
  await page.getByLabel("Date de naissance").fill("1979-12-03");
  await page.getByLabel("Commune").selectOption({ label: "Panazol (87350)" });
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await expect(page.getByTestId("pending")).toHaveText("1 modification en attente");
  await page.close();

  const reopened = await context.newPage();
  await reopened.goto("/");
  await expect(reopened.getByTestId("network")).toHaveText("Hors ligne");
  await expect(reopened.getByTestId("pending")).toHaveText("1 modification en attente");
  const row = reopened.locator("li.person").filter({ hasText: "FERMETURE Onglet" });
  await expect(row).toContainText("Non synchronisé");

  await context.setOffline(false);
  await expect(reopened.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  const changes = await pullAll(request, "superviseur.plie");
  const created = changes.filter((c) => c.kind === "person" && c.data.last_name === "Fermeture");
  expect(created).toHaveLength(1);
  await context.close();
});

test("two tabs of one device share the data: a change in one shows in the other and is pushed once", async ({
  browser,
  request,
}) => {
  const context = await browser.newContext();
  const first = await context.newPage();
  await signIn(first, "arpe5");
  const second = await context.newPage();
  await second.goto("/");
  await expect(second.getByRole("heading", { name: "Mon portefeuille" })).toBeVisible();
  await expect(second.getByText("50 personnes")).toBeVisible();

  await context.setOffline(true);
  await first.getByRole("link", { name: "Nouvelle personne" }).click();
  await first.getByLabel("Nom", { exact: true }).fill("Deuxonglets");
  await first.getByLabel("Prénom").fill("Inès");
  await first.getByLabel("Date de naissance").fill("1992-07-14");
  await first.getByLabel("Commune").selectOption({ label: "Saint-Junien (87200)" });
  await first.getByRole("button", { name: "Enregistrer" }).click();

  // The other tab hears of it without a reload.
  await expect(second.locator("li.person").filter({ hasText: "DEUXONGLETS Inès" })).toContainText(
    "Non synchronisé",
  );
  await expect(second.getByTestId("pending")).toHaveText("1 modification en attente");

  await context.setOffline(false);
  for (const page of [first, second]) {
    await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  }
  const changes = await pullAll(request, "superviseur.arpe");
  expect(changes.filter((c) => c.kind === "person" && c.data.last_name === "Deuxonglets")).toHaveLength(1);
  await context.close();
});

test("a person handed to another référent leaves the first référent's device at the next sync", async ({
  browser,
}) => {
  const field = await browser.newContext();
  const tablet = await field.newPage();
  await signIn(tablet, "arpe3");
  await expect(tablet.getByText("50 personnes")).toBeVisible();
  await tablet.locator("li.person").first().getByRole("link").click();
  await expect(tablet).toHaveURL(/\/personne\//);
  const file = tablet.url();

  const office = await browser.newContext();
  const desk = await office.newPage();
  await signIn(desk, "superviseur.arpe");
  await desk.goto(file);
  const enrolment = desk.getByRole("region", { name: "Accompagnements" });
  await expect(enrolment.getByRole("listitem").locator("span").first()).toContainText("depuis le");
  const line = (await enrolment.getByRole("listitem").locator("span").first().textContent()) ?? "";
  const [, oldReferent, started] = line.match(/· (.+) depuis le (\d\d\/\d\d\/\d{4})/)!;
  await enrolment.getByLabel("Nouveau référent").selectOption({ index: 1 });
  const newReferent = ((await enrolment.getByLabel("Nouveau référent").locator("option:checked").textContent()) ?? "").trim();
  // A date of effect ahead of today is refused in French; the hand-over is recorded the day
  // after the enrolment started (or today, if it started today).
  const french = (d: Date) =>
    `${String(d.getDate()).padStart(2, "0")}/${String(d.getMonth() + 1).padStart(2, "0")}/${d.getFullYear()}`;
  const day = (offset: number, from = new Date()) => new Date(from.getFullYear(), from.getMonth(), from.getDate() + offset);
  await enrolment.getByLabel("Date d'effet").fill(french(day(1)));
  await enrolment.getByRole("button", { name: "Changer de référent" }).click();
  await expect(enrolment.getByText("La date d'effet ne peut pas être après aujourd'hui.")).toBeVisible();
  const [d, m, y] = started.split("/").map(Number);
  const start = new Date(y, m - 1, d);
  const effective = day(1, start) > day(0) ? day(0) : day(1, start);
  await enrolment.getByLabel("Date d'effet").fill(french(effective));
  await enrolment.getByRole("button", { name: "Changer de référent" }).click();
  // Once synced, the enrolment reads the new référent's name, and its référents with their dates.
  await expect(enrolment.getByRole("listitem").locator("span").first()).toContainText(newReferent, {
    timeout: 30_000,
  });
  const until = day(-1, effective) < start ? start : day(-1, effective);
  await expect(enrolment.locator(".referents li")).toHaveText([
    `${oldReferent} : du ${started} au ${french(until)}`,
    `${newReferent} : depuis le ${french(effective)}`,
  ]);


  // The supervisor records the orientation decision behind the enrolment: an author is required.
  await enrolment.getByText("Décision d'orientation").click();
  await enrolment.getByLabel("Date de la décision").fill(started);
  await enrolment.getByLabel("Orientation", { exact: true }).selectOption({ label: "Socio-professionnelle" });
  await enrolment.getByRole("button", { name: "Enregistrer l'orientation" }).click();
  await expect(enrolment.getByText("Indiquez qui a décidé l'orientation")).toBeVisible();
  await enrolment.getByLabel("Décidée par").fill("Équipe pluridisciplinaire de Bellac");
  await enrolment.getByRole("button", { name: "Enregistrer l'orientation" }).click();
  await expect(enrolment.locator("p.orientation")).toHaveText(
    `Orientation socio-professionnelle décidée le ${started} par Équipe pluridisciplinaire de Bellac`,
    { timeout: 30_000 },
  );

  await syncNow(tablet);
  await expect(tablet.getByText("Cette personne n'est pas (ou plus) sur cet appareil.")).toBeVisible();
  await tablet.getByRole("link", { name: "Retour à la liste" }).click();
  await expect(tablet.getByText("49 personnes")).toBeVisible();

  await field.close();
  await office.close();
});

test("a référent records an exit; the supervisor sees it with its outcome and the person leaves the list in progress", async ({
  browser,
}) => {
  const field = await browser.newContext();
  const tablet = await field.newPage();
  await signIn(tablet, "global6");
  await expect(tablet.getByText("63 personnes")).toBeVisible();
  await tablet.locator("li.person").first().getByRole("link").click();
  const file = tablet.url();
  const enrolment = tablet.getByRole("region", { name: "Accompagnements" });
  await enrolment.getByText("Enregistrer une sortie").click();
  await enrolment.getByRole("button", { name: "Clôturer l'accompagnement" }).click();
  await expect(enrolment.getByText("Choisissez un motif de sortie.")).toBeVisible();
  await enrolment.getByLabel("Motif de sortie").selectOption({ label: "Emploi de 6 mois ou plus" });
  await enrolment.getByRole("button", { name: "Clôturer l'accompagnement" }).click();
  await syncNow(tablet);
  // The file stays on the tablet, closed, until the six-month FSE situation is collected; the
  // list of people in progress no longer counts them.
  await expect(enrolment).toContainText("Emploi de 6 mois ou plus (sortie positive)");
  await tablet.getByRole("link", { name: "Jalon" }).click();
  await expect(tablet.getByText("62 personnes")).toBeVisible();
  await tablet.getByLabel("Statut").selectOption({ label: "Sorti" });
  await expect(tablet.locator("li.person")).not.toHaveCount(0);

  const office = await browser.newContext();
  const desk = await office.newPage();
  await signIn(desk, "superviseur.global");
  await desk.goto(file);
  await expect(desk.getByRole("region", { name: "Accompagnements" })).toContainText(
    "Emploi de 6 mois ou plus (sortie positive)",
  );
  await field.close();
  await office.close();
});

test("a note written offline reaches the supervisor; revising it keeps the journal append-only", async ({
  browser,
}) => {
  const field = await browser.newContext();
  const tablet = await field.newPage();
  await signIn(tablet, "plie10");
  await waitForServiceWorker(tablet);
  await tablet.locator("li.person").first().getByRole("link").click();
  const file = tablet.url();
  const journal = tablet.getByRole("region", { name: "Journal" });

  await field.setOffline(true);
  await journal.getByLabel("Nouvelle note").fill("Entretien au domicile : recherche d'un CACES.");
  await journal.getByRole("button", { name: "Ajouter la note" }).click();
  const note = journal.getByRole("listitem").filter({ hasText: "recherche d'un CACES" });
  await expect(note).toContainText("Non synchronisé");
  await field.setOffline(false);
  await expect(note).not.toContainText("Non synchronisé", { timeout: 40_000 });

  await note.getByRole("button", { name: "Modifier" }).click();
  await journal.getByLabel("Modifier").fill("Entretien au domicile : inscription au CACES 1 et 3.");
  await journal.getByRole("button", { name: "Enregistrer la nouvelle version" }).click();
  await syncNow(tablet);
  const revised = journal.getByRole("listitem").filter({ hasText: "CACES 1 et 3" });
  await expect(revised).toContainText("modifiée");
  await expect(journal.getByText("recherche d'un CACES")).toHaveCount(0);

  const office = await browser.newContext();
  const desk = await office.newPage();
  await signIn(desk, "superviseur.plie");
  await desk.goto(file);
  const seen = desk.getByRole("region", { name: "Journal" });
  await expect(seen.getByRole("listitem")).toHaveCount(1);
  await expect(seen).toContainText("CACES 1 et 3");
  await expect(seen.getByRole("button", { name: "Modifier" })).toHaveCount(0);
  await field.close();
  await office.close();
});

test("a file created by mistake is deleted after confirmation and leaves the caseload", async ({ page }) => {
  await signIn(page, "plie8");
  await expect(page.getByText("62 personnes")).toBeVisible();
  await page.locator("li.person").first().getByRole("link").click();
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Supprimer la fiche" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText("61 personnes")).toBeVisible();
  await syncNow(page);
  await page.reload();
  await expect(page.getByText("61 personnes")).toBeVisible();
});
