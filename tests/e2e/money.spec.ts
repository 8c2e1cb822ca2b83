import { expect, test } from "@playwright/test";
import { pullAll, signIn, waitForServiceWorker } from "./helpers";

// A framework agreement from the supervisor's desktop to the référent's tablet: created with a
// maximum of 1 000 €, two orders typed offline that together exceed it — the server applies
// the first and refuses the second with what was left — then the supervisor sees the
// consumption with its 80 % alert and records the order's stages.
test("an order typed offline is capped by its period's maximum and the refusal says what was left", async ({
  browser,
}) => {
  const desk = await browser.newContext();
  const office = await desk.newPage();
  await signIn(office, "superviseur.plie");
  await office.getByRole("link", { name: "Pilotage", exact: true }).click();
  await office.getByRole("link", { name: /^Marchés : consommation des accords-cadres/ }).click();
  await expect(office).toHaveURL(/\/marches$/);
  await expect(office.locator("article.agreement").first()).toBeVisible();

  const year = new Date().getFullYear();
  const form = office.getByRole("region", { name: "Nouvel accord-cadre" });
  await form.getByLabel("Prestataire", { exact: true }).fill("Cabinet Essai Plafond");
  await form.getByLabel("Objet").fill("Accompagnement des travailleurs indépendants");
  await form.getByLabel("Début de la période").fill(`01/01/${year}`);
  await form.getByLabel("Fin de la période").fill(`31/12/${year}`);
  await form.getByLabel("Montant maximum de la période (€)").fill("1 000");
  // A malformed price list is refused in French, and what was typed stays.
  await form.getByLabel("Bordereau de prix").fill("Diagnostic 450");
  await form.getByRole("button", { name: "Enregistrer l'accord-cadre" }).click();
  await expect(form.getByText(/Ligne 1 du bordereau/)).toBeVisible();
  await expect(form.getByLabel("Objet")).toHaveValue("Accompagnement des travailleurs indépendants");
  await form.getByLabel("Bordereau de prix").fill("Diagnostic de l'activité ; 450,00");
  await form.getByRole("button", { name: "Enregistrer l'accord-cadre" }).click();
  await expect(form.getByText("Accord-cadre enregistré.")).toBeVisible();
  const card = office.locator("article.agreement", { hasText: "Cabinet Essai Plafond" });
  await expect(card).toContainText("1\u202f000,00\u00a0€");
  await expect(card).toContainText("En cours");

  // The référent, offline, orders twice for a person of their caseload.
  const field = await browser.newContext();
  const tablet = await field.newPage();
  await signIn(tablet, "plie8");
  await waitForServiceWorker(tablet);
  await field.setOffline(true);
  await expect(tablet.getByTestId("network")).toHaveText("Hors ligne");
  await tablet.locator("li.person").first().getByRole("link").click();
  const orders = tablet.getByRole("region", { name: "Bons de commande" });
  const choose = async (label: string, text: string) => {
    const select = orders.getByLabel(label, { exact: true });
    const value = await select.locator("option", { hasText: text }).getAttribute("value");
    await select.selectOption(value ?? "");
  };
  const order = async (quantity: string) => {
    await choose("Accord-cadre", "Cabinet Essai Plafond");
    await choose("Prestation", "Diagnostic de l'activité");
    await orders.getByLabel("Quantité").fill(quantity);
  };
  await orders.getByText("Commander une prestation").click();
  await order("2");
  await expect(orders).toContainText("Montant : 900,00\u00a0€. Reste sur la période, au dernier état connu : 1\u202f000,00\u00a0€.");
  await orders.getByRole("button", { name: "Enregistrer la commande" }).click();
  // By its service and provider: the person may hold orders of the demo, of any quantity.
  const mine = (region: typeof orders, quantity: number) =>
    region
      .locator("li.order", { hasText: `Diagnostic de l'activité × ${quantity}` })
      .filter({ hasText: "Cabinet Essai Plafond" });
  const placed = mine(orders, 2);
  await expect(placed).toContainText("Non synchronisé");
  await expect(placed).toContainText("Commandé");
  await order("1");
  await orders.getByRole("button", { name: "Enregistrer la commande" }).click();
  await expect(mine(orders, 1)).toContainText("Non synchronisé");

  await field.setOffline(false);
  await expect(tablet.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  await expect(placed).not.toContainText("Non synchronisé");
  await expect(mine(orders, 1)).toHaveCount(0);
  await tablet.getByRole("link", { name: "Jalon" }).first().click();
  const refusals = tablet.locator("ul.refusals");
  await expect(refusals).toContainText("il restait 100,00\u00a0€ sur 1\u202f000,00\u00a0€");
  await expect(refusals).toContainText("Diagnostic de l'activité × 1");

  // The supervisor sees the consumption and records the stages of the order.
  await office.reload();
  await expect(card).toContainText("900,00\u00a0€");
  await expect(card).toContainText("80 % du maximum atteint");
  const row = office.locator("tr", { hasText: "Diagnostic de l'activité × 2" });
  await row.getByRole("button", { name: "Service fait" }).click();
  await expect(row).toContainText("Service fait");
  await row.getByRole("button", { name: "Marquer facturé" }).click();
  await expect(row).toContainText("Facturé");
  await expect(row.getByRole("button", { name: "Marquer payé" })).toBeVisible();
  await expect(card.locator("tbody tr").first()).toContainText("900,00\u00a0€");

  // The dashboard warns of the period at 80 %, from what the supervisor's device last synced.
  await office.getByRole("link", { name: "Pilotage", exact: true }).click();
  await expect(office.getByRole("region", { name: "Accords-cadres en vigueur" })).toContainText(
    "Cabinet Essai Plafond : 900,00\u00a0€ commandés sur 1\u202f000,00\u00a0€",
    { timeout: 40_000 },
  );

  // The référent's tablet receives the stage.
  await tablet.goBack();
  await tablet.reload();
  await expect(mine(tablet.getByRole("region", { name: "Bons de commande" }), 2)).toContainText("Facturé", {
    timeout: 40_000,
  });

  // Two renewals, each a recorded decision with the next year's dates proposed; a third is
  // not offered.
  await office.getByRole("link", { name: "Pilotage", exact: true }).click();
  await office.getByRole("link", { name: /^Marchés : consommation des accords-cadres/ }).click();
  for (const n of [1, 2]) {
    const save = card.getByRole("button", { name: "Enregistrer la reconduction" });
    // The screen redraws the agreements once the last decision is read back: open the form
    // on what is drawn then.
    await expect(async () => {
      if (!(await save.isVisible())) await card.getByText("Reconduire l'accord-cadre").click();
      await expect(save).toBeVisible({ timeout: 1_000 });
    }).toPass();
    await expect(card.getByLabel("Début de la période")).toHaveValue(`01/01/${year + n}`);
    await save.click();
    await expect(card).toContainText(`31/12/${year + n} (reconduction ${n})`);
  }
  await expect(card).toContainText("Reconduit deux fois : aucune reconduction n'est plus possible.");

  // The renewals reach the tablet with the replica: an order dated next year is priced from
  // the first renewal, whose whole maximum is left.
  await tablet.getByRole("button", { name: "Synchroniser maintenant" }).click();
  const next = tablet.getByRole("region", { name: "Bons de commande" });
  await next.getByText("Commander une prestation").click();
  await next.getByLabel("Date de commande").fill(`05/01/${year + 1}`);
  const select = next.getByLabel("Accord-cadre", { exact: true });
  const value = await select.locator("option", { hasText: "Cabinet Essai Plafond" }).getAttribute("value");
  await select.selectOption(value ?? "");
  const service = next.getByLabel("Prestation", { exact: true });
  const line = await service.locator("option", { hasText: "Diagnostic de l'activité" }).getAttribute("value");
  await service.selectOption(line ?? "");
  await expect(next).toContainText("Reste sur la période, au dernier état connu : 1\u202f000,00\u00a0€.", {
    timeout: 40_000,
  });
  await desk.close();
  await field.close();
});

// The farm funds from the supervisor's desktop: the seed document's 2016, then a farm with the
// person file of its accompanied farmer, and a grant refused beyond this year's emergency
// envelope with what was left.
test("a farm fund never grants beyond its envelope of the year", async ({ browser, request }) => {
  const farmer = (await pullAll(request, "arpe1")).find(
    (c) => c.kind === "person" && typeof c.data.last_name === "string" && c.data.last_name !== "",
  )!.data as { id: string; last_name: string; first_name: string };
  const desk = await browser.newContext();
  const office = await desk.newPage();
  await signIn(office, "superviseur.arpe");
  await office.getByRole("link", { name: "Pilotage", exact: true }).click();
  await office.getByRole("link", { name: /^Fonds agricoles/ }).click();
  await expect(office).toHaveURL(/\/fonds$/);
  const region = office.getByRole("region", { name: /^Fonds agricoles en/ });
  const figures = region.locator("table").first();
  await office.getByLabel("Année", { exact: true }).selectOption("2016");
  const sesa = figures.locator("tr", { hasText: "Cellule SESA" });
  await expect(sesa.locator("td").last()).toHaveText("82");
  await expect(figures.locator("tr", { hasText: "Agridiff" })).toContainText("2\u202f250,00\u00a0€");
  await office.getByLabel("Année", { exact: true }).selectOption(String(new Date().getFullYear()));
  const emergency = figures.locator("tr", { hasText: "Fonds d'urgence" });
  await expect(emergency).toContainText("5\u202f000,00\u00a0€");
  await expect(emergency).toContainText("3\u202f750,00\u00a0€");

  const farm = office.getByRole("region", { name: "Nouvelle exploitation" });
  await farm.getByLabel("Nom de l'exploitation").fill("GAEC des Essais");
  await farm.getByLabel("SIRET (facultatif)").fill("123");
  await farm.getByLabel("Commune").selectOption({ label: "Bellac (87300)" });
  await farm.getByRole("button", { name: "Enregistrer l'exploitation" }).click();
  await expect(farm.getByText(/Le SIRET compte 14 chiffres/)).toBeVisible();
  await farm.getByLabel("SIRET (facultatif)").fill("");
  // The accompanied farmer's file, found by name in the device's replica and linked.
  await farm.getByLabel(/^Chercher une personne accompagnée/).fill(`${farmer.last_name} ${farmer.first_name}`);
  await farm.getByRole("button", { name: new RegExp(`^Lier .*${farmer.last_name}`, "i") }).first().click();
  const linked = farm.locator("ul.linked li");
  await expect(linked).toHaveCount(1);
  await expect(linked).toContainText(new RegExp(farmer.last_name, "i"));
  await farm.getByRole("button", { name: "Enregistrer l'exploitation" }).click();
  await expect(farm.getByText("Exploitation enregistrée.")).toBeVisible();
  await expect(linked).toHaveCount(0);
  const farms = office.getByRole("region", { name: "Exploitations", exact: true });
  await farms.getByText(/^Voir les \d+ exploitations enregistrées$/).click();
  const row = farms.locator("tr", { hasText: "GAEC des Essais" });
  await expect(row).toContainText("Bellac");
  await expect(row.getByRole("link", { name: new RegExp(farmer.last_name, "i") })).toHaveAttribute(
    "href",
    new RegExp(farmer.id),
  );

  const grant = office.getByRole("region", { name: "Accorder une aide" });
  await grant.getByLabel("Exploitation").selectOption({ label: "GAEC des Essais" });
  await grant.getByLabel("Fonds").selectOption({ label: "Fonds d'urgence" });
  await grant.getByLabel("Montant de l'aide (€)").fill("4 000");
  await grant.getByRole("button", { name: "Enregistrer l'aide" }).click();
  await expect(grant).toContainText("il restait 3\u202f750,00\u00a0€ sur 5\u202f000,00\u00a0€");
  await grant.getByLabel("Montant de l'aide (€)").fill("3 750");
  await grant.getByRole("button", { name: "Enregistrer l'aide" }).click();
  await expect(grant.getByText("Aide enregistrée.")).toBeVisible();
  await expect(emergency.locator("td").nth(2)).toHaveText("0,00\u00a0€");
  await expect(region.locator("table").last()).toContainText("GAEC des Essais");
  await desk.close();
});

// The financing partners: the supervisor sets the places of a partner's agreement for the
// year, a référent refers a person offline within them and records the partner's answer, and
// the supervision's figures of the year count it.
test("a referral typed offline takes a place of the partner's agreement and its answer reaches the supervision", async ({
  browser,
}) => {
  const year = String(new Date().getFullYear());
  const desk = await browser.newContext();
  const office = await desk.newPage();
  await signIn(office, "superviseur.plie");
  await office.getByRole("link", { name: "Pilotage", exact: true }).click();
  await office.getByRole("link", { name: /^Voir les partenaires financiers/ }).click();
  await expect(office).toHaveURL(/\/partenaires$/);
  const table = office.getByRole("region", { name: `Partenaires financiers en ${year}` }).locator("table");
  const row = table.locator("tr", { hasText: "Initiative Haute-Vienne" });
  await expect(row).toBeVisible();
  const before = Number(await row.locator("td").nth(3).innerText());

  const places = office.getByRole("region", { name: "Fixer les places d'une convention" });
  await places.getByLabel("Partenaire").selectOption({ label: "Initiative Haute-Vienne" });
  await places.getByLabel("Année").selectOption(year);
  await places.getByLabel("Places").fill("1001");
  await places.getByRole("button", { name: "Enregistrer la convention" }).click();
  await expect(places.getByText("Une convention ouvre au plus 1000 places.")).toBeVisible();
  await places.getByLabel("Places").fill("40");
  await places.getByRole("button", { name: "Enregistrer la convention" }).click();
  await expect(places.getByText("Convention enregistrée.")).toBeVisible();
  await expect(row.locator("td").nth(0)).toContainText("/ 40");

  // The référent, offline, refers a person of their caseload.
  const field = await browser.newContext();
  const tablet = await field.newPage();
  await signIn(tablet, "plie5");
  await waitForServiceWorker(tablet);
  await field.setOffline(true);
  await expect(tablet.getByTestId("network")).toHaveText("Hors ligne");
  await tablet.locator("li.person").first().getByRole("link").click();
  const referrals = tablet.getByRole("region", { name: "Partenaires financiers" });
  await referrals.getByText("Orienter vers un partenaire financier").click();
  await referrals.getByLabel("Partenaire", { exact: true }).selectOption({ label: "Initiative Haute-Vienne" });
  await expect(referrals).toContainText(/Places restantes sur la convention \d{4}, au dernier état connu : \d+ sur 40\./);
  await referrals.getByRole("button", { name: "Enregistrer l'orientation" }).click();
  await expect(referrals.getByText("Décrivez le projet en quelques mots.")).toBeVisible();
  await referrals.getByLabel("Projet de création").fill("Atelier de menuiserie d'essai");
  await referrals.getByRole("button", { name: "Enregistrer l'orientation" }).click();
  const referral = referrals.locator("li.referral", { hasText: "Atelier de menuiserie d'essai" });
  await expect(referral).toContainText("En attente de la réponse");
  await expect(referral).toContainText("Non synchronisé");

  await field.setOffline(false);
  await expect(tablet.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  await expect(referral).not.toContainText("Non synchronisé");
  await referral.getByText("Enregistrer la réponse").click();
  await referral.getByLabel("Réponse du partenaire").selectOption({ label: "Accordé" });
  await referral.getByLabel("Montant accordé (€)").fill("3 500");
  await referral.getByRole("button", { name: "Valider la réponse" }).click();
  await expect(referral).toContainText("Accordé");
  await expect(referral).toContainText("3\u202f500,00\u00a0€");
  await expect(tablet.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });

  await office.getByRole("link", { name: "Pilotage", exact: true }).click();
  await office.getByRole("link", { name: /^Voir les partenaires financiers/ }).click();
  await expect(row.locator("td").nth(3)).toHaveText(String(before + 1));
  await desk.close();
  await field.close();
});

// The co-financing of the schemes: a year's costs and their split, a plan whose shares do not
// make 100 % refused in French, a whole one saved and split, and both exports.
test("the co-financing splits each scheme's cost between its financers and exports it", async ({ browser }) => {
  const year = String(new Date().getFullYear());
  const desk = await browser.newContext();
  const office = await desk.newPage();
  await signIn(office, "superviseur");
  await office.getByRole("link", { name: "Pilotage", exact: true }).click();
  await office.getByRole("link", { name: /^Voir le cofinancement/ }).click();
  await expect(office).toHaveURL(/\/cofinancement$/);
  const costs = office.getByRole("region", { name: `Coûts des dispositifs en ${year}` });
  await expect(costs.locator("tbody tr")).toHaveCount(4);
  await expect(costs.locator("tbody tr").last()).toContainText("Total");
  const split = office.getByRole("region", { name: `Répartition du coût entre les financeurs en ${year}` });
  await expect(split).toContainText("Fonds social européen (FSE)");

  const plan = office.getByRole("region", { name: `Plan de financement ${year} d'un dispositif` });
  await plan.getByLabel("Dispositif").selectOption({ label: "PLIE" });
  // The form starts from the plan the demo declared: 45 % FSE, 35 % Limoges Métropole, 20 %
  // the Département.
  await expect(plan.getByLabel("Limoges Métropole")).toHaveValue("35");
  await plan.getByLabel("Département de la Haute-Vienne").fill("");
  await plan.getByLabel("Coût du personnel (€)").fill("500 000");
  await plan.getByLabel("Autres coûts (€)").fill("");
  await plan.getByLabel("Fonds social européen (FSE)").fill("45");
  await plan.getByLabel("Limoges Métropole").fill("35");
  await plan.getByRole("button", { name: "Enregistrer le plan de financement" }).click();
  await expect(plan.getByText("Les parts des financeurs font 80\u00a0% : elles doivent faire 100\u00a0%.")).toBeVisible();
  await plan.getByLabel("Département de la Haute-Vienne").fill("20");
  await plan.getByRole("button", { name: "Enregistrer le plan de financement" }).click();
  await expect(plan.getByText("Plan de financement enregistré.")).toBeVisible();
  const plie = costs.locator("tr", { hasText: "PLIE" });
  await expect(plie.locator("td").first()).toHaveText("500\u202f000,00\u00a0€");
  await expect(split.locator("tr", { hasText: "Département de la Haute-Vienne" }).filter({ hasText: "PLIE" })).toContainText(
    "20,0\u00a0%",
  );

  const csv = office.waitForEvent("download");
  await split.getByRole("button", { name: "Exporter (CSV)" }).click();
  expect((await csv).suggestedFilename()).toBe("jalon-cofinancement.csv");
  const workbook = office.waitForEvent("download");
  await office.getByRole("button", { name: "Exporter le cofinancement (XLSX)" }).click();
  expect((await workbook).suggestedFilename()).toBe(`jalon-cofinancement-${year}.xlsx`);
  await desk.close();
});

// The race that matters: two référents, each offline, order for their own person a service
// that fits what is left alone but not together — the server applies the first to arrive and
// refuses the other, which its tablet shows with what was left; the period never exceeds its
// maximum.
test("two tablets ordering offline against the same period never overspend it", async ({ browser }) => {
  const year = new Date().getFullYear();
  const desk = await browser.newContext();
  const office = await desk.newPage();
  await signIn(office, "superviseur.plie");
  await office.goto("/marches");
  const form = office.getByRole("region", { name: "Nouvel accord-cadre" });
  await form.getByLabel("Prestataire", { exact: true }).fill("Cabinet Essai Concurrence");
  await form.getByLabel("Objet").fill("Accompagnement des micro-entrepreneurs");
  await form.getByLabel("Début de la période").fill(`01/01/${year}`);
  await form.getByLabel("Fin de la période").fill(`31/12/${year}`);
  await form.getByLabel("Montant maximum de la période (€)").fill("500");
  await form.getByLabel("Bordereau de prix").fill("Bilan de l'activité ; 450,00");
  await form.getByRole("button", { name: "Enregistrer l'accord-cadre" }).click();
  await expect(form.getByText("Accord-cadre enregistré.")).toBeVisible();

  const tablets = [];
  for (const username of ["plie2", "global1"]) {
    const context = await browser.newContext();
    const tablet = await context.newPage();
    await signIn(tablet, username);
    await waitForServiceWorker(tablet);
    await context.setOffline(true);
    await expect(tablet.getByTestId("network")).toHaveText("Hors ligne");
    await tablet.locator("li.person").first().getByRole("link").click();
    const orders = tablet.getByRole("region", { name: "Bons de commande" });
    await orders.getByText("Commander une prestation").click();
    for (const [label, text] of [
      ["Accord-cadre", "Cabinet Essai Concurrence"],
      ["Prestation", "Bilan de l'activité"],
    ]) {
      const select = orders.getByLabel(label, { exact: true });
      await select.selectOption((await select.locator("option", { hasText: text }).getAttribute("value")) ?? "");
    }
    // Alone, it fits: no warning on either tablet.
    await expect(orders).toContainText("Reste sur la période, au dernier état connu : 500,00\u00a0€.");
    await orders.getByRole("button", { name: "Enregistrer la commande" }).click();
    await expect(orders.locator("li.order", { hasText: "Bilan de l'activité" })).toContainText("Non synchronisé");
    tablets.push({ context, tablet, orders });
  }

  // The first tablet back online gets the order; the second is refused with what was left.
  const [first, second] = tablets;
  await first.context.setOffline(false);
  await expect(first.tablet.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  await expect(first.orders.locator("li.order", { hasText: "Bilan de l'activité" })).not.toContainText("Non synchronisé");
  await second.context.setOffline(false);
  await expect(second.tablet.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  await expect(second.orders.locator("li.order", { hasText: "Bilan de l'activité" })).toHaveCount(0);
  await second.tablet.getByRole("link", { name: "Jalon" }).first().click();
  await expect(second.tablet.locator("ul.refusals")).toContainText("il restait 50,00\u00a0€ sur 500,00\u00a0€");

  // The supervision sees one order: 450 € of 500 €.
  await office.getByRole("link", { name: "Pilotage", exact: true }).click();
  await office.getByRole("link", { name: /^Marchés : consommation des accords-cadres/ }).click();
  const card = office.locator("article.agreement", { hasText: "Cabinet Essai Concurrence" });
  await expect(card.locator("tbody tr").first()).toContainText("450,00\u00a0€");
  await expect(office.locator("tr", { hasText: "Bilan de l'activité × 1" })).toHaveCount(1);
  for (const { context } of tablets) await context.close();
  await desk.close();
});
