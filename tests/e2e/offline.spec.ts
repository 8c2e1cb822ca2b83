import { expect, test } from "@playwright/test";
import { pullAll, signIn, waitForServiceWorker } from "./helpers";

test("a person created offline survives a reload and reaches a supervisor once online", async ({
  browser,
  request,
}) => {
  const referent = await browser.newContext();
  const page = await referent.newPage();
  await signIn(page, "arpe1");
  await expect(page.getByRole("heading", { name: "Mon portefeuille" })).toBeVisible();
  await expect(page.getByText("50 personnes")).toBeVisible();
  await waitForServiceWorker(page);

  await referent.setOffline(true);
  await expect(page.getByTestId("network")).toHaveText("Hors ligne");

  await page.getByRole("link", { name: "Nouvelle personne" }).click();
  await page.getByLabel("Nom", { exact: true }).fill("Verdier");
  await page.getByLabel("Prénom").fill("Capucine");
  await page.getByLabel("Date de naissance").fill("1987-05-21");
  await page.getByLabel("Commune").selectOption({ label: "Bellac (87300)" });
  await page.getByLabel("Bénéficiaire du RSA").check();
  await page.getByRole("button", { name: "Enregistrer" }).click();

  const row = page.locator("li.person").filter({ hasText: "VERDIER Capucine" });
  await expect(row).toBeVisible();
  await expect(row).toContainText("Bellac");
  await expect(row).toContainText("Non synchronisé");
  await expect(page.getByText("51 personnes")).toBeVisible();
  await expect(page.getByTestId("pending")).toHaveText("1 modification en attente");

  // Still offline: the service worker serves the app, IndexedDB the data.
  await page.reload();
  await expect(page.getByTestId("network")).toHaveText("Hors ligne");
  await expect(row).toContainText("Non synchronisé");
  await expect(page.getByTestId("pending")).toHaveText("1 modification en attente");

  await referent.setOffline(false);
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  await expect(row).not.toContainText("Non synchronisé");

  // The server holds the person, enrolled in ARPE.
  const changes = await pullAll(request, "superviseur.arpe");
  const person = changes.find((c) => c.kind === "person" && c.data.last_name === "Verdier");
  expect(person?.data).toMatchObject({
    first_name: "Capucine",
    birth_date: "1987-05-21",
    commune_code: "87011",
    rsa_beneficiary: true,
  });
  const enrolment = changes.find((c) => c.kind === "enrolment" && c.data.person_id === person?.data.id);
  expect(enrolment?.data).toMatchObject({ scheme: "arpe", status: "active" });

  // A supervisor in another browser sees the person after a sync.
  const supervisor = await browser.newContext();
  const desk = await supervisor.newPage();
  await signIn(desk, "superviseur.arpe");
  await expect(desk.getByRole("heading", { name: "File active", exact: true })).toBeVisible();
  await expect(desk.locator("p.count")).toHaveText("251 personnes");
  await desk.getByLabel("Rechercher").fill("verdier");
  const seen = desk.locator("li.person").filter({ hasText: "VERDIER Capucine" });
  await expect(seen).toContainText("ARPE");
  await expect(seen).not.toContainText("Non synchronisé");

  await referent.close();
  await supervisor.close();
});

test("the form refuses a commune outside the scheme in French and keeps what was typed", async ({
  page,
}) => {
  await signIn(page, "arpe2");
  await page.getByRole("link", { name: "Nouvelle personne" }).click();
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await expect(page.getByText("Le nom est obligatoire.")).toBeVisible();
  await expect(page.getByText("La commune est obligatoire.")).toBeVisible();

  await page.getByLabel("Nom", { exact: true }).fill("Lagarde");
  await page.getByLabel("Prénom").fill("Anouk");
  await page.getByLabel("Date de naissance").fill("1990-02-02");
  await page.getByLabel("Commune").selectOption({ label: "Limoges (87000)" });
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await expect(page.getByText("Limoges n'est pas sur le territoire du dispositif ARPE.")).toBeVisible();
  await expect(page.getByLabel("Nom", { exact: true })).toHaveValue("Lagarde");
  await expect(page.getByLabel("Prénom")).toHaveValue("Anouk");
  await expect(page).toHaveURL(/\/personnes\/nouvelle$/);
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé");
});

test("a wrong password is refused in French", async ({ page }) => {
  await page.goto("/connexion");
  await page.getByLabel("Identifiant").fill("plie1");
  await page.getByLabel("Mot de passe").fill("not-the-password");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await expect(page.getByRole("alert")).toHaveText("Identifiant ou mot de passe incorrect.");
  await expect(page).toHaveURL(/\/connexion$/);
});
