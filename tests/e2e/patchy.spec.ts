// A référent on a patchy rural connection: acknowledgements whose pull never comes, and a
// hand-over learned late. What was typed is never lost, and a device never conflicts with
// itself.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { DEMO_PASSWORD, pullAll, signIn } from "./helpers";
import { randomUUID } from "node:crypto";

async function syncNow(page: Page) {
  await page.getByRole("button", { name: "Synchroniser maintenant" }).click();
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 30_000 });
}

async function displayName(request: APIRequestContext, username: string): Promise<string> {
  const login = await request.post("/api/auth/login", {
    data: { username, password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  expect(login.ok()).toBeTruthy();
  return (await login.json()).user.display_name;
}

async function saveIdentity(page: Page) {
  await page.getByRole("button", { name: "Enregistrer les modifications" }).click();
  await expect(page.getByText("Modifications enregistrées sur l'appareil")).toBeVisible();
}

test("an edit acknowledged while the pull after it fails stays on the tablet, and the next edit wins without a conflict", async ({
  browser,
  request,
}) => {
  // No service worker here: request interception must see every call of the page.
  const context = await browser.newContext({ serviceWorkers: "block" });
  const page = await context.newPage();
  await signIn(page, "plie6");
  await page.locator("li.person").first().getByRole("link").click();
  await expect(page).toHaveURL(/\/personne\//);
  const personId = page.url().split("/personne/")[1];
  await expect(page.getByLabel("Prénom")).not.toHaveValue("");
  const journal = page.getByRole("region", { name: "Journal" });

  await context.setOffline(true);
  await page.getByLabel("Téléphone").fill("0699999999");
  await saveIdentity(page);
  await journal.getByLabel("Nouvelle note").fill("Appel du matin : dossier CAF envoyé.");
  await journal.getByRole("button", { name: "Ajouter la note" }).click();
  await expect(page.getByTestId("pending")).toHaveText("2 modifications en attente");

  // Back online, but the connection drops after each push is answered: no pull gets through.
  await context.route("**/api/sync/pull**", (route) => route.abort());
  await context.setOffline(false);
  await page.getByRole("button", { name: "Synchroniser maintenant" }).click();
  await expect(page.getByTestId("pending")).toHaveText("Envoyé · actualisation en attente", {
    timeout: 30_000,
  });
  const onServer = await pullAll(request, "plie6");
  const person = onServer.filter((c) => c.kind === "person" && c.data.id === personId).at(-1);
  expect((person?.data.details as Record<string, unknown>).phone).toBe("0699999999");

  // A reload shows what was typed, not the state from before it.
  await page.reload();
  await expect(page.getByLabel("Téléphone")).toHaveValue("0699999999");
  await expect(journal).toContainText("Appel du matin : dossier CAF envoyé.");
  await expect(page.getByTestId("pending")).toHaveText("Envoyé · actualisation en attente");

  // Offline again, the same person types a new number; then the network comes back whole.
  await context.setOffline(true);
  await page.getByLabel("Téléphone").fill("0611111111");
  await saveIdentity(page);
  await context.unroute("**/api/sync/pull**");
  await context.setOffline(false);
  await syncNow(page);
  await expect(page.getByLabel("Téléphone")).toHaveValue("0611111111");
  await expect(page.getByText(/Conflit sur/)).toHaveCount(0);
  await expect(journal.getByText("Appel du matin : dossier CAF envoyé.")).toHaveCount(1);

  // The server kept the last number typed, raised no conflict, and holds the note once.
  const after = await pullAll(request, "plie6");
  const last = after.filter((c) => c.kind === "person" && c.data.id === personId).at(-1);
  expect((last?.data.details as Record<string, unknown>).phone).toBe("0611111111");
  expect(after.filter((c) => c.kind === "conflict" && c.data.person_id === personId)).toHaveLength(0);
  expect(
    after.filter((c) => c.kind === "note" && c.data.text === "Appel du matin : dossier CAF envoyé."),
  ).toHaveLength(1);
  await context.close();
});

test("a hand-over learned late: the note reaches the new référent, the refused edit names the person and keeps what was typed", async ({
  browser,
  request,
}) => {
  const field = await browser.newContext({ serviceWorkers: "block" });
  const tablet = await field.newPage();
  await signIn(tablet, "plie3");
  const first = tablet.locator("li.person").first().getByRole("link");
  const name = ((await first.textContent()) ?? "").trim();
  await first.click();
  const file = tablet.url();
  await expect(tablet.getByLabel("Prénom")).not.toHaveValue("");

  await field.setOffline(true);
  await tablet.getByLabel("Téléphone").fill("0622334455");
  await saveIdentity(tablet);
  const journal = tablet.getByRole("region", { name: "Journal" });
  await journal.getByLabel("Nouvelle note").fill("Visite à domicile : inscription à l'auto-école.");
  await journal.getByRole("button", { name: "Ajouter la note" }).click();

  // Meanwhile the supervisor hands the person over to plie4.
  const newReferent = await displayName(request, "plie4");
  const office = await browser.newContext();
  const desk = await office.newPage();
  await signIn(desk, "superviseur.plie");
  await desk.goto(file);
  const enrolments = desk.getByRole("region", { name: "Accompagnements" });
  await enrolments.getByLabel("Nouveau référent").selectOption({ label: newReferent });
  await enrolments.getByRole("button", { name: "Changer de référent" }).click();
  await expect(enrolments.getByRole("listitem").locator("span").first()).toContainText(newReferent, {
    timeout: 30_000,
  });

  // plie3's tablet comes back online.
  await field.setOffline(false);
  await syncNow(tablet);
  await expect(tablet.getByText("Cette personne n'est pas (ou plus) sur cet appareil.")).toBeVisible();
  await expect(tablet.getByLabel("Nouvelle note")).toHaveCount(0);
  const refused = tablet.getByRole("region", { name: "Modifications refusées" });
  await expect(refused).toContainText(name);
  await expect(refused).toContainText("Téléphone");
  await expect(refused).toContainText("0622334455");
  await expect(refused).not.toContainText("auto-école");

  // The home screen lists it too, until it is dismissed.
  await tablet.goto("/");
  const state = tablet.locator(".card.sync-state");
  await expect(state).toContainText(name);
  await expect(state).toContainText("0622334455");
  await state.getByRole("button", { name: "Retirer de la liste" }).click();
  await expect(state).not.toContainText("0622334455");
  await expect(state).toContainText("Tout est synchronisé.");

  // The note, written while plie3 still followed the person, reaches plie4 with its author.
  const other = await browser.newContext();
  const next = await other.newPage();
  await signIn(next, "plie4");
  await next.goto(file);
  await expect(next.getByRole("region", { name: "Journal" })).toContainText(
    "Visite à domicile : inscription à l'auto-école.",
  );
  await field.close();
  await office.close();
  await other.close();
});
