// Accessibility (RGAA 4.1 = WCAG 2.1 AA): axe-core's WCAG 2.1 A and AA rules on every screen of
// every role — sign-in, home and list, a person's file with every part open, a conflict to
// resolve, form errors shown, agenda, new person, account, dashboard, the access report and
// the administration — must find no violation. Every violation of every screen is listed
// before the test fails, so one run shows all that is left to fix.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { pullAll, signIn } from "./helpers";

const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** The violations on the page as it is, every `<details>` opened first. */
async function violations(page: Page, screen: string): Promise<string[]> {
  await page.evaluate(() => {
    for (const d of document.querySelectorAll("details")) d.open = true;
  });
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map(
    (v) =>
      `${screen}: ${v.id} (${v.impact}) ${v.help} — ` +
      v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(" "))
        .join(" | "),
  );
}

/** A screen: where it is, a text that shows once it is drawn, and its name in the report. */
type Screen = [path: string, ready: string, name: string];

/** Visits each screen in turn (waiting for what it fetches) and collects its violations. */
async function check(page: Page, screens: Screen[]): Promise<string[]> {
  const found: string[] = [];
  for (const [path, ready, name] of screens) {
    await page.goto(path);
    await expect(page.locator("main")).toContainText(ready);
    await page.waitForLoadState("networkidle");
    found.push(...(await violations(page, name)));
  }
  return found;
}

test("no screen of any role breaks a WCAG 2.1 A or AA rule", async ({ browser, request }) => {
  test.setTimeout(240_000);
  const found: string[] = [];
  // axe runs in every frame of a page of a context of its own.
  const fresh = async () => (await browser.newContext()).newPage();

  // Signed out, then a sign-in refused.
  const anonymous = await fresh();
  found.push(...(await check(anonymous, [["/connexion", "Se connecter", "sign-in"]])));
  await anonymous.getByRole("button", { name: "Se connecter" }).click();
  await expect(anonymous.locator("[role=alert]").first()).toBeVisible();
  found.push(...(await violations(anonymous, "sign-in refused")));
  found.push(...(await check(anonymous, [["/accessibilite", "Déclaration d'accessibilité", "statement"]])));
  await anonymous.context().close();

  // A référent whose caseload holds a conflict to resolve; the new-person form with its errors.
  const records = await pullAll(request, "arpe2");
  const person = records.find((r) => r.kind === "conflict")?.data.person_id;
  expect(person).toBeDefined();
  const tablet = await fresh();
  await signIn(tablet, "arpe2");
  found.push(
    ...(await check(tablet, [
      ["/", "personnes", "référent home and list"],
      [`/personne/${person}`, "Conflits à résoudre", "person file, every part open, a conflict"],
      ["/agenda", "Agenda", "agenda"],
      ["/compte", "Mon compte", "account"],
      ["/pilotage", "Pilotage", "référent dashboard"],
      ["/personnes/nouvelle", "Nouvelle personne", "new person"],
    ])),
  );
  await tablet.getByRole("button", { name: "Enregistrer" }).click();
  await expect(tablet.locator(".field-error, [role=alert]").first()).toBeVisible();
  found.push(...(await violations(tablet, "new person with its errors")));
  // Each error shown is announced as it appears and named by the field it is about.
  const errors = await tablet.evaluate(() =>
    [...document.querySelectorAll(".field-error")]
      .filter((p) => p.textContent!.trim() !== "")
      .map((p) => ({
        text: p.textContent!.trim(),
        live: p.getAttribute("aria-live"),
        linked: p.id !== "" && document.querySelector(`[aria-describedby~="${p.id}"]`) !== null,
      })),
  );
  expect(errors.length).toBeGreaterThan(1);
  for (const error of errors) expect(error, error.text).toMatchObject({ live: "polite", linked: true });
  await tablet.context().close();

  // A supervisor.
  const desk = await fresh();
  await signIn(desk, "superviseur.arpe");
  found.push(
    ...(await check(desk, [
      ["/", "personnes", "supervisor home and list"],
      ["/pilotage", "File active mensuelle", "supervisor dashboard"],
      ["/pilotage/fse", "Données manquantes", "FSE participant file and its anomalies"],
      ["/marches", "Diagnostic de l'activité", "framework agreements and orders"],
      ["/fonds", "Cellule SESA", "farm funds"],
      ["/partenaires", "Initiative Haute-Vienne", "financing partners"],
      ["/cofinancement", "Fonds social européen", "co-financing"],
      [`/personne/${person}`, "Synthèse", "person file seen by a supervisor"],
      [`/personne/${person}/dossier`, "Dossier complet", "access report"],
      ["/agenda", "Agenda", "supervisor agenda"],
    ])),
  );
  await desk.context().close();

  // The administrator.
  const admin = await fresh();
  await signIn(admin, "admin");
  found.push(
    ...(await check(admin, [
      ["/admin", "Comptes", "admin accounts"],
      ["/admin/dispositifs", "Dispositifs", "admin schemes"],
      ["/admin/journal", "Journal", "admin audit log"],
      ["/admin/conservation", "Conservation", "admin retention"],
      ["/admin/import", "Import", "admin import"],
      ["/admin/acces", "Droit d'accès", "admin access"],
      ["/compte", "Mon compte", "administrator account"],
    ])),
  );
  await admin.context().close();

  expect(found).toEqual([]);
});
