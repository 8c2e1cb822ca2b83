import { expect, test, type Page } from "@playwright/test";
import { pullAll, signIn, waitForServiceWorker } from "./helpers";

/** `YYYY-MM-DD` of the browser's today plus `days` (the app counts in the device's zone). */
async function isoDate(page: Page, days = 0): Promise<string> {
  return page.evaluate((days) => {
    const d = new Date();
    d.setDate(d.getDate() + days);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }, days);
}

test("a whole pathway typed offline — person, appointment, step, obstacle, contract, note, exit — reaches the supervisor", async ({
  browser,
  request,
}) => {
  const field = await browser.newContext();
  const tablet = await field.newPage();
  await signIn(tablet, "plie7");
  await waitForServiceWorker(tablet);
  await field.setOffline(true);
  await expect(tablet.getByTestId("network")).toHaveText("Hors ligne");

  // The person, with the rest of the file.
  await tablet.getByRole("link", { name: "Nouvelle personne" }).click();
  await tablet.getByLabel("Nom", { exact: true }).fill("Marchadier");
  await tablet.getByLabel("Prénom").fill("Éloïse");
  await tablet.getByLabel("Date de naissance").fill("1990-04-12");
  await tablet.getByLabel("Commune").selectOption({ label: "Limoges (87000)" });
  await tablet.getByLabel("Sexe").selectOption({ label: "Femme" });
  await tablet.getByText("Compléter la fiche").click();
  await tablet.getByLabel("Téléphone").fill("05 55 00 11 22");
  await tablet.getByLabel("Numéro allocataire").fill("7654321");
  await tablet.getByLabel("Situation sur le marché du travail").selectOption({ label: "Demandeur d'emploi de longue durée" });
  await tablet.getByLabel("Niveau de formation").selectOption({ label: "Lycée, CAP, BEP, bac (CITE 3–4)" });
  await tablet.getByRole("button", { name: "Enregistrer" }).click();
  const row = tablet.locator("li.person").filter({ hasText: "MARCHADIER Éloïse" });
  await expect(row).toContainText("Non synchronisé");
  // The search finds her by her numéro allocataire, accents aside.
  await tablet.getByLabel("Rechercher").fill("7654321");
  await expect(tablet.locator("li.person")).toHaveCount(1);
  await tablet.getByLabel("Rechercher").fill("eloise march");
  await expect(tablet.locator("li.person")).toHaveCount(1);
  await row.getByRole("link").click();
  await expect(tablet.getByRole("heading", { name: "MARCHADIER Éloïse" })).toBeVisible();
  // The file opens on its summary.
  const summary = tablet.getByTestId("summary");
  await expect(summary).toContainText("Limoges");
  await expect(summary).toContainText("Demandeur d'emploi de longue durée");
  await expect(summary).toContainText(/PLIE avec .+ depuis le \d{2}\/\d{2}\/\d{4}/);
  await expect(summary).toContainText("Aucun rendez-vous prévu");

  // An appointment planned today, then reported.
  const appointments = tablet.getByRole("region", { name: "Rendez-vous" });
  await appointments.getByText("Planifier un rendez-vous").click();
  await appointments.getByLabel("Heure").fill("09:15");
  await appointments.getByLabel("Lieu").selectOption({ label: "Visite à domicile" });
  await appointments.getByRole("button", { name: "Planifier", exact: true }).click();
  const appointment = appointments.locator("li.appointment");
  await expect(appointment).toContainText("Prévu");
  await expect(appointment).toContainText("Non synchronisé");
  // Moved to later in the day, then reported.
  await appointment.getByText("Déplacer", { exact: true }).click();
  await appointment.getByLabel("Heure").fill("10:30");
  await appointment.getByRole("button", { name: "Déplacer le rendez-vous" }).click();
  await expect(appointments.locator("li.appointment")).toContainText("10:30");
  await expect(summary).toContainText(/\d{2}\/\d{2}\/\d{4} à 10:30 · Visite à domicile/);
  await appointment.getByText("Saisir l'issue").click();
  await appointment.getByLabel("Issue du rendez-vous").selectOption({ label: "Honoré" });
  await appointment.getByLabel("Compte rendu").fill("Point sur la mobilité : dossier d'aide au permis.");
  await appointment.getByRole("button", { name: "Enregistrer" }).click();
  await expect(appointments.locator("li.appointment")).toContainText("Honoré");
  await expect(summary).toContainText("Aucun rendez-vous prévu");
  await expect(appointments.locator("li.appointment")).toContainText("dossier d'aide au permis");

  // A step, an obstacle, a contract and a note.
  const steps = tablet.getByRole("region", { name: "Étapes du parcours" });
  await steps.getByText("Nouvelle étape").click();
  await steps.getByLabel("Type d'étape").selectOption({ label: "Formation" });
  await steps.getByLabel("Prestataire ou partenaire").fill("AFPA Limoges");
  await steps.getByRole("button", { name: "Ajouter l'étape" }).click();
  await expect(steps.locator("li.step")).toContainText("Formation · AFPA Limoges");

  const obstacles = tablet.getByRole("region", { name: "Freins" });
  const mobility = obstacles.locator('li[data-theme="mobility"]');
  await mobility.getByLabel("Statut").selectOption({ label: "Identifié" });
  await mobility.getByRole("button", { name: "Enregistrer" }).click();
  await expect(obstacles.locator('li[data-theme="mobility"]')).toContainText("Non synchronisé");

  const contracts = tablet.getByRole("region", { name: "Contrats d'engagement" });
  await contracts.getByText("Nouveau contrat").click();
  await contracts.getByLabel("Fin du contrat").fill(await isoDate(tablet, -1));
  await contracts.getByLabel("Objectifs").fill("Permis B puis emploi dans la logistique.");
  await contracts.getByRole("button", { name: "Enregistrer le contrat" }).click();
  // The end precedes the start: refused in French, nothing lost.
  await expect(contracts.getByText("La fin du contrat doit suivre son début.")).toBeVisible();
  await expect(contracts.getByLabel("Objectifs")).toHaveValue("Permis B puis emploi dans la logistique.");
  await contracts.getByLabel("Fin du contrat").fill(await isoDate(tablet, 180));
  await contracts.getByRole("button", { name: "Enregistrer le contrat" }).click();
  await expect(contracts.locator("li.contract")).toContainText("15 h par semaine");

  const journal = tablet.getByRole("region", { name: "Journal" });
  await journal.getByLabel("Nouvelle note").fill("Rencontre à domicile, motivée pour la formation.");
  await journal.getByRole("button", { name: "Ajouter la note" }).click();
  await expect(journal.locator("li.note")).toContainText("motivée pour la formation");

  // The home screen and the agenda show today's appointment, still offline.
  await tablet.getByRole("link", { name: "Retour à la liste" }).click();
  await expect(tablet.locator(".home .today")).toContainText("MARCHADIER Éloïse");
  await tablet.getByRole("link", { name: "Agenda" }).click();
  await expect(tablet.locator(".agenda-day").first()).toContainText("10:30");
  await expect(tablet.locator(".agenda-day").first()).toContainText("MARCHADIER Éloïse");
  await tablet.getByRole("button", { name: "Semaine" }).click();
  await expect(tablet.locator(".agenda-day")).toHaveCount(7);
  await expect(tablet.locator(".agenda")).toContainText("MARCHADIER Éloïse");

  // The exit, with its outcome.
  await tablet.getByRole("link", { name: "Retour à la liste" }).click();
  await tablet.getByLabel("Rechercher").fill("marchadier");
  await tablet.locator("li.person").filter({ hasText: "MARCHADIER Éloïse" }).getByRole("link").click();
  const enrolment = tablet.getByRole("region", { name: "Accompagnements" });
  // Closed until asked for: the exit is an explicit action.
  await expect(enrolment.getByLabel("Motif de sortie")).toBeHidden();
  await enrolment.getByText("Enregistrer une sortie").click();
  await enrolment.getByLabel("Motif de sortie").selectOption({ label: "Formation qualifiante" });
  await enrolment.getByRole("button", { name: "Clôturer l'accompagnement" }).click();
  await expect(enrolment.getByText("Sortie enregistrée")).toBeVisible();

  // Back online: everything goes, in order, and nothing is refused.
  await field.setOffline(false);
  await expect(tablet.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  // The file stays on the tablet, closed, for the FSE follow-up six months after the exit.
  await expect(enrolment).toContainText("Formation qualifiante");
  await expect(tablet.getByText("Cette personne n'est pas (ou plus) sur cet appareil.")).toHaveCount(0);

  const changes = await pullAll(request, "superviseur.plie");
  const person = changes.find((c) => c.kind === "person" && c.data.last_name === "Marchadier");
  expect(person?.data).toMatchObject({
    first_name: "Éloïse",
    details: { phone: "05 55 00 11 22", allocataire: "7654321", sex: "female", labour_market: "long_term_unemployed" },
  });
  const id = person?.data.id;
  const items = changes.filter((c) => c.kind === "item" && c.data.person_id === id).map((c) => c.data.body as { type: string; data: Record<string, unknown> });
  expect(items.find((b) => b.type === "appointment")?.data).toMatchObject({ status: "attended", place: "home", time: "10:30" });
  expect(items.find((b) => b.type === "step")?.data).toMatchObject({ kind: "training", provider: "AFPA Limoges" });
  expect(items.find((b) => b.type === "obstacle")?.data).toMatchObject({ theme: "mobility", status: "identified" });
  expect(items.find((b) => b.type === "contract")?.data).toMatchObject({ weekly_hours: 15 });
  expect(changes.some((c) => c.kind === "note" && c.data.person_id === id)).toBeTruthy();
  const closed = changes.filter((c) => c.kind === "enrolment" && c.data.person_id === id).pop();
  expect(closed?.data).toMatchObject({
    status: "closed",
    exit: { reason: "qualifying_training" },
    fse_entry: { labour_market: "long_term_unemployed", education: "isced_3_4" },
    fse_exit: { situation: "in_training" },
  });

  // The supervisor finds her among the exits and reads the whole file.
  const office = await browser.newContext();
  const desk = await office.newPage();
  await signIn(desk, "superviseur.plie");
  await desk.getByLabel("Statut").selectOption({ label: "Sorti" });
  await desk.getByLabel("Rechercher").fill("marchadier");
  await desk.locator("li.person").filter({ hasText: "MARCHADIER Éloïse" }).getByRole("link").click();
  await expect(desk.getByRole("region", { name: "Accompagnements" })).toContainText("Formation qualifiante (sortie positive)");
  await expect(desk.getByRole("region", { name: "Accompagnements" })).toContainText("FSE à la sortie : En formation ou qualification");
  await expect(desk.getByRole("region", { name: "Rendez-vous" })).toContainText("Honoré");
  await expect(desk.getByRole("region", { name: "Étapes du parcours" })).toContainText("AFPA Limoges");
  await expect(desk.getByRole("region", { name: "Journal" })).toContainText("motivée pour la formation");
  await expect(desk.getByLabel("Téléphone")).toHaveValue("05 55 00 11 22");

  // She comes back: the supervisor enrols her again, with another référent, who receives
  // her whole file.
  const enrolments = desk.getByRole("region", { name: "Accompagnements" });
  await enrolments.getByText("Nouvel accompagnement").click();
  await enrolments.getByLabel("Dispositif", { exact: true }).selectOption({ label: "PLIE" });
  await enrolments.getByLabel("Référent", { exact: true }).selectOption({ index: 2 });
  const chosen = (await enrolments.getByLabel("Référent", { exact: true }).locator("option:checked").textContent()) ?? "";
  await enrolments.getByRole("button", { name: "Inscrire" }).click();
  // Saved on the device, the new enrolment shows at once — the form, for people with no
  // active enrolment, goes; its confirmation stays — then reaches the server.
  await expect(enrolments).toContainText(`PLIE · ${chosen.replace(/\s*$/, "")} depuis`);
  await expect(enrolments.getByRole("status").filter({ hasText: "Accompagnement enregistré" })).toBeVisible();
  await expect(enrolments.getByRole("button", { name: "Inscrire" })).toHaveCount(0);
  await expect(desk.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 30_000 });
  await expect(enrolments).toContainText(`PLIE · ${chosen}`);
  const username = chosen.match(/\((plie\d+)\)/)?.[1] ?? "";
  expect(username).toMatch(/^plie\d+$/);
  const other = await browser.newContext();
  const next = await other.newPage();
  await signIn(next, username);
  await next.getByLabel("Rechercher").fill("marchadier");
  await next.locator("li.person").filter({ hasText: "MARCHADIER Éloïse" }).getByRole("link").click();
  await expect(next.getByRole("region", { name: "Rendez-vous" })).toContainText("Honoré");
  await expect(next.getByRole("region", { name: "Accompagnements" })).toContainText("Formation qualifiante (sortie positive)");
  await field.close();
  await office.close();
  await other.close();
});

test("the home screen flags what needs attention and the list filters on it", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "arpe2");
  await expect(page.getByText("50 personnes")).toBeVisible();
  const home = page.getByRole("region", { name: "Aujourd'hui" });
  await expect(home.getByRole("heading", { name: "Rendez-vous du jour" })).toBeVisible();
  const missing = home.locator('[data-alert="contract"]');
  await expect(missing.getByRole("heading")).toContainText("Contrats manquants ou se terminant");

  // The alert filter keeps only the people flagged; sorting by last contact puts the oldest
  // first.
  await page.getByLabel("Alertes").selectOption({ label: "Sans contact depuis 60 jours" });
  const flagged = page.locator("li.person");
  await expect(flagged.first()).toContainText("Aucun contact");
  const count = await flagged.count();
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThan(50);
  for (let i = 0; i < count; i++) {
    await expect(flagged.nth(i).locator('[data-alert="no_contact"]')).toBeVisible();
  }
  await page.getByLabel("Alertes").selectOption({ label: "Tous" });
  await page.getByLabel("Trier par").selectOption({ label: "Commune" });
  // Accents and case aside, as the app folds them.
  const fold = (s: string) => s.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
  const communes = (await page.locator("li.person .commune").allTextContents()).map(fold);
  expect(communes.length).toBe(50);
  expect(communes).toEqual([...communes].sort());
  await context.close();
});

test("a second file of the same person is flagged at creation, then by the server on every device until dismissed", async ({
  browser,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "global2");
  // Copy an existing person of the caseload.
  const first = page.locator("li.person").first();
  const name = (await first.locator(".name").textContent()) ?? "";
  const birth = (await first.locator(".birth").textContent()) ?? "";
  const [last, ...firstNames] = name.split(" ");
  const [day, month, year] = birth.split("/");
  await first.getByRole("link").click();
  const commune = await page.locator("#commune_code").inputValue();
  await page.getByRole("link", { name: "Retour à la liste" }).click();

  await page.getByRole("link", { name: "Nouvelle personne" }).click();
  await page.getByLabel("Nom", { exact: true }).fill(last);
  await page.getByLabel("Prénom").fill(firstNames.join(" "));
  await page.getByLabel("Date de naissance").fill(`${year}-${month}-${day}`);
  await page.getByLabel("Commune").selectOption(commune);
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "existe déjà sur cet appareil" })).toContainText(name);
  await page.getByRole("button", { name: "Créer quand même" }).click();
  await expect(page.getByText("65 personnes")).toBeVisible();
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 30_000 });

  // The server found the same: the new file carries a warning, which can be dismissed.
  await page.getByLabel("Alertes").selectOption({ label: "Doublons possibles" });
  await expect(page.locator("li.person")).toHaveCount(1);
  await page.locator("li.person").getByRole("link").click();
  const warning = page.locator("aside.duplicate");
  await expect(warning).toContainText(name);
  await warning.getByRole("button", { name: "Ce n'est pas la même personne" }).click();
  await expect(warning).toHaveCount(0);
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 30_000 });
  await context.close();
});
