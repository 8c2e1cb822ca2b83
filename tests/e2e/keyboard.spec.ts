// A whole pathway with the keyboard alone — no mouse, no click: sign in, create a person, find
// her in the list, plan an appointment and report it (a sync confirming it meanwhile leaves
// the open form as typed), write a note, record her exit. Every
// control reached shows where the focus is (RGAA 10.7: a visible focus).
import { randomUUID } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { DEMO_PASSWORD, autoUnlock, pullAll, signIn } from "./helpers";

/** The name a user hears or reads for the focused control: its label, or its text. */
async function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return "";
    const labels = (el as HTMLInputElement).labels;
    const label = labels && labels.length > 0 ? labels[0].innerText : "";
    return (label || el.getAttribute("aria-label") || el.innerText || "").trim();
  });
}

/** Presses Tab until the focus reaches the control whose name starts with `name`. */
async function tabTo(page: Page, name: string, limit = 250) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    if ((await focusedName(page)).startsWith(name)) {
      // The outline of the element that has the focus now, if it still is that control.
      const outline = await page.evaluate((name) => {
        const el = document.activeElement as HTMLElement;
        const labels = (el as HTMLInputElement).labels;
        const label = labels && labels.length > 0 ? labels[0].innerText : "";
        if (!(label || el.getAttribute("aria-label") || el.innerText || "").trim().startsWith(name)) return null;
        const style = getComputedStyle(el);
        return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
      }, name);
      if (outline === null) continue;
      expect(outline, `the focus on « ${name} » is visible`).toBe(true);
      return;
    }
  }
  throw new Error(`« ${name} » is not reached with Tab`);
}

/** Tabs to a field, then types into it (a select picks the option the letters begin). */
async function typeInto(page: Page, name: string, text: string) {
  await tabTo(page, name);
  await page.keyboard.type(text);
}

/** Tabs to a link, a button or a disclosure, then presses Enter. */
async function activate(page: Page, name: string) {
  await tabTo(page, name);
  await page.keyboard.press("Enter");
}

test("a whole pathway with the keyboard alone", async ({ page }) => {
  await autoUnlock(page);
  await page.goto("/");
  await expect(page).toHaveURL(/\/connexion$/);

  await typeInto(page, "Identifiant", "plie5");
  await typeInto(page, "Mot de passe", DEMO_PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("last-sync")).toContainText("Dernière synchronisation");

  // A new person: the form is filled and sent from the keyboard.
  await activate(page, "Nouvelle personne");
  await expect(page).toHaveURL(/\/personnes\/nouvelle$/);
  await typeInto(page, "Nom", "Clavier");
  await typeInto(page, "Prénom", "Solène");
  await typeInto(page, "Date de naissance", "14/02/1988");
  await typeInto(page, "Commune", "Limoges");
  await typeInto(page, "Sexe", "Femme");
  await activate(page, "Enregistrer");
  await expect(page.locator("li.person").filter({ hasText: "CLAVIER Solène" })).toBeVisible();
  // The sync that sends her redraws her row; the search waits for it.
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });

  // Found in the list, opened.
  await typeInto(page, "Rechercher", "clavier");
  await expect(page.locator("li.person")).toHaveCount(1);
  await activate(page, "CLAVIER Solène");
  await expect(page.getByRole("heading", { name: "CLAVIER Solène" })).toBeVisible();

  // An appointment planned offline, then reported.
  const appointments = page.getByRole("region", { name: "Rendez-vous" });
  await page.context().setOffline(true);
  await activate(page, "Planifier un rendez-vous");
  await typeInto(page, "Heure", "09:15");
  await typeInto(page, "Lieu", "Visite");
  await activate(page, "Planifier");
  await expect(appointments.locator("li.appointment")).toContainText("Non synchronisé");
  await activate(page, "Saisir l'issue");
  await typeInto(page, "Issue du rendez-vous", "Honoré");
  await typeInto(page, "Compte rendu", "Premier entretien, au clavier seul.");
  // Back online, the sync confirms the appointment while its form is open: the form stays
  // open with what was typed.
  await page.context().setOffline(false);
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  await expect(appointments.locator("li.appointment")).not.toContainText("Non synchronisé");
  await expect(page.locator("textarea:focus")).toHaveValue("Premier entretien, au clavier seul.");
  await activate(page, "Enregistrer");
  await expect(appointments.locator("li.appointment")).toContainText("Honoré");

  // A note in the journal.
  await typeInto(page, "Nouvelle note", "Projet de formation d'aide-soignante.");
  await activate(page, "Ajouter la note");
  await expect(page.getByRole("region", { name: "Journal" }).locator("li.note")).toContainText("aide-soignante");

  // Her exit, an explicit action, further up the page: Tab goes on from the end to the top.
  await activate(page, "Enregistrer une sortie");
  await typeInto(page, "Motif de sortie", "Formation qualifiante");
  await activate(page, "Clôturer l'accompagnement");
  await expect(page.getByRole("region", { name: "Accompagnements" }).getByText("Sortie enregistrée")).toBeVisible();
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
});

// A keyboard or screen-reader user reading the list keeps their place while a background sync
// brings a change to another person: only the changed row is drawn again.
test("a background sync leaves the keyboard focus where it was in the list", async ({ page, request }) => {
  await signIn(page, "plie9");
  const rows = page.locator("li.person");
  await expect(rows.nth(2)).toBeVisible();
  const focusedId = await rows.nth(1).getAttribute("data-person-id");
  const otherId = await rows.nth(2).getAttribute("data-person-id");
  await rows.nth(1).locator("a.name").focus();

  // The référent's other device renames the next person.
  const person = (await pullAll(request, "plie9")).find((r) => r.kind === "person" && r.data.id === otherId)?.data;
  expect(person).toBeDefined();
  const login = await request.post("/api/auth/login", {
    data: { username: "plie9", password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  const { token } = await login.json();
  const push = await request.post("/api/sync/push", {
    headers: { authorization: `Bearer ${token}` },
    data: {
      protocol: 1,
      schema: 2,
      mutations: [
        {
          seq: 1,
          mutation: {
            type: "edit_person",
            person_id: otherId,
            changes: [
              {
                field: "first_name",
                base: { type: "text", value: person!.first_name },
                value: { type: "text", value: "Focale" },
              },
            ],
          },
        },
      ],
    },
  });
  expect(push.ok()).toBeTruthy();
  expect((await push.json()).results[0].status).toBe("applied");

  // Coming back online starts a sync, which brings the new name.
  await page.context().setOffline(true);
  await page.context().setOffline(false);
  await expect(rows.filter({ hasText: "Focale" })).toHaveCount(1, { timeout: 40_000 });
  const still = await page.evaluate(() => document.activeElement?.closest("li.person")?.getAttribute("data-person-id"));
  expect(still).toBe(focusedId);
});
