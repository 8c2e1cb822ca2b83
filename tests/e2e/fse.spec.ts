// The FSE follow-up end to end: six months after an exit, the référent's home screen asks for
// the person's situation; recorded offline on the tablet, it reaches the server once online;
// the supervisor's FSE participant file lists the incomplete participations with a link to
// each file, and its CSV and XLSX exports (both parsed here) carry the recorded answer.
import { expect, test } from "@playwright/test";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { DEMO_PASSWORD, pullAll, readXlsxSheet, signIn, waitForServiceWorker } from "./helpers";

type Enrolment = {
  id: string;
  person_id: string;
  scheme: string;
  referent_id: string;
  start_date: string;
  status: string;
  exit?: { date: string; reason: string };
  fse_six_months?: { date: string; situation: string; better?: boolean };
};

const iso = (d: Date) => d.toISOString().slice(0, 10);
const addMonths = (day: string, months: number) => {
  const d = new Date(`${day}T00:00:00Z`);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), last));
  return iso(target);
};
const french = (day: string) => day.split("-").reverse().join("/");

test("a six-month situation recorded offline lands in the FSE file, whose anomalies and exports the supervisor reads", async ({
  browser,
  request,
}) => {
  test.setTimeout(300_000);
  // A PLIE participation whose six-month situation is due and still to collect, and the
  // référent who followed it (found through the API, as the demo draws them).
  const today = iso(new Date());
  const changes = await pullAll(request, "superviseur.plie");
  const people = new Map<string, { last_name: string; first_name: string }>();
  const enrolments = new Map<string, Enrolment>();
  for (const change of changes) {
    if (change.kind === "person") people.set(change.data.id as string, change.data as never);
    if (change.kind === "enrolment") enrolments.set(change.data.id as string, change.data as never);
  }
  const due = [...enrolments.values()].filter(
    (e) =>
      e.scheme === "plie" &&
      e.status === "closed" &&
      e.exit &&
      !e.fse_six_months &&
      addMonths(e.exit.date, 6) <= today &&
      addMonths(e.exit.date, 12) > today &&
      people.get(e.person_id)?.last_name,
  );
  expect(due.length).toBeGreaterThan(0);
  const ids = new Map<string, string>();
  for (let n = 1; n <= 10; n++) {
    const login = await request.post("/api/auth/login", {
      data: { username: `plie${n}`, password: DEMO_PASSWORD, device_id: randomUUID() },
    });
    ids.set((await login.json()).user.id, `plie${n}`);
  }
  const target = due.find((e) => ids.has(e.referent_id))!;
  const username = ids.get(target.referent_id)!;
  const person = people.get(target.person_id)!;
  const name = `${person.last_name.toUpperCase()} ${person.first_name}`;

  // The référent's home asks for it; the file opens on the form.
  const tablet = await browser.newContext();
  const page = await tablet.newPage();
  await signIn(page, username);
  const card = page.getByTestId("six-months");
  await expect(card).toContainText("Situations à 6 mois à recueillir (FSE)");
  await waitForServiceWorker(page);
  await card.getByRole("link", { name }).first().click();
  await expect(page).toHaveURL(new RegExp(`/personne/${target.person_id}$`));
  await expect(page.getByText(`Situation à 6 mois à recueillir depuis le ${french(addMonths(target.exit!.date, 6))}`)).toBeVisible();
  const form = page.locator("details.six-months-form[open]").first();
  await expect(form).toBeVisible();

  // Offline: the date may not be before the due day, the better situation must be answered.
  await tablet.setOffline(true);
  await form.getByLabel("Date du recueil").fill(french(addMonths(target.exit!.date, 5)));
  await form.getByLabel("Situation de la personne").selectOption({ label: "En emploi, y compris indépendant" });
  await form.getByRole("button", { name: "Enregistrer la situation à 6 mois" }).click();
  await expect(form).toContainText("La situation à 6 mois se recueille à partir du");
  await expect(form).toContainText("Indiquez si la situation sur le marché du travail est meilleure");
  await form.getByLabel("Date du recueil").fill(french(today));
  await form.getByLabel("Situation sur le marché du travail meilleure qu'à l'entrée ?").selectOption({ label: "Oui" });
  await form.getByRole("button", { name: "Enregistrer la situation à 6 mois" }).click();
  await expect(form.getByRole("status")).toContainText("Situation à 6 mois enregistrée");
  await expect(page.getByTestId("pending")).toHaveText("1 modification en attente");
  // The home no longer asks for it, offline already.
  await page.getByRole("link", { name: "Jalon" }).click();
  await expect(page.getByTestId("last-sync")).toBeVisible();
  await expect(page.locator("main")).toContainText("Mon portefeuille");
  await expect(page.getByTestId("six-months").getByRole("link", { name })).toHaveCount(0);

  // Online: it reaches the server.
  await tablet.setOffline(false);
  await page.getByRole("button", { name: "Synchroniser maintenant" }).click();
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 30_000 });
  const after = await pullAll(request, "superviseur.plie");
  const recorded = after.filter((c) => c.kind === "enrolment" && c.data.id === target.id).pop()!
    .data as unknown as Enrolment;
  expect(recorded.fse_six_months).toEqual({ date: today, situation: "employed", better: true });
  await tablet.close();

  // The supervisor's FSE file of the exit's year.
  const desk = await browser.newPage();
  await signIn(desk, "superviseur.plie");
  await desk.getByRole("link", { name: "Pilotage", exact: true }).click();
  await desk.getByRole("link", { name: "Fichier des participants FSE" }).click();
  await expect(desk).toHaveURL(/\/pilotage\/fse$/);
  const year = target.exit!.date.slice(0, 4);
  await desk.getByLabel(/^Du /).fill(`01/01/${year}`);
  await desk.getByLabel(/^Au /).fill(year === today.slice(0, 4) ? french(today) : `31/12/${year}`);
  await expect(desk.getByLabel("Dispositif")).toHaveValue("plie");
  const count = desk.getByTestId("fse-count");
  await expect(count).toContainText(/participations, dont/);
  const [participations, incomplete] = (await count.innerText())
    .replace(/[\s\u202f\u00a0]/g, "")
    .match(/\d+/g)!
    .map(Number);
  expect(participations).toBeGreaterThan(100);
  expect(incomplete).toBeGreaterThan(0);
  const anomalies = desk.getByTestId("fse-anomalies");
  await expect(anomalies.getByRole("heading")).toContainText(`Données manquantes`);
  await expect(anomalies.locator("li").filter({ hasText: name }).filter({ hasText: "situation à 6 mois" })).toHaveCount(0);

  // The CSV: UTF-8 with BOM, `;`, one line per participation, the answer in its columns.
  const csvDownload = desk.waitForEvent("download");
  await desk.getByRole("button", { name: "Exporter le fichier FSE (CSV)" }).click();
  const csv = fs.readFileSync((await (await csvDownload).path())!, "utf8");
  expect(csv.startsWith("\ufeffparticipation_id;personne_id;nom;prenom")).toBe(true);
  const lines = csv.trim().split("\r\n");
  expect(lines.length - 1).toBe(participations);
  const header = lines[0].replace("\ufeff", "").split(";");
  const row = lines.find((l) => l.startsWith(target.id))!.split(";");
  const cell = (column: string) => row[header.indexOf(column)];
  expect(cell("situation_6_mois")).toBe("employed");
  expect(cell("emploi_6_mois")).toBe("oui");
  expect(cell("meilleure_situation_6_mois")).toBe("oui");
  expect(cell("date_6_mois")).toBe(today);
  expect(cell("date_sortie")).toBe(target.exit!.date);
  expect(lines.filter((l) => !l.endsWith(";")).length - 1).toBe(incomplete);

  // The XLSX from the server: the same rows, and the anomalies on their own sheet.
  const xlsxDownload = desk.waitForEvent("download");
  await desk.getByRole("button", { name: "Exporter le fichier FSE (XLSX)" }).click();
  const xlsx = await xlsxDownload;
  expect(xlsx.suggestedFilename()).toMatch(/^jalon-fse-plie-\d{4}-01-01-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const bytes = fs.readFileSync((await xlsx.path())!);
  const sheet = readXlsxSheet(bytes, 1);
  expect(sheet[0]).toEqual(header);
  expect(sheet.length - 1).toBe(participations);
  const xrow = sheet.find((r) => r[0] === target.id)!;
  expect(xrow[header.indexOf("situation_6_mois")]).toBe("employed");
  expect(readXlsxSheet(bytes, 2).length - 1).toBe(incomplete);

  // An anomaly's link opens the file to complete.
  const first = anomalies.getByRole("link").first();
  const href = await first.getAttribute("href");
  await first.click();
  await expect(desk).toHaveURL(new RegExp(`${href}$`));
  await expect(desk.getByRole("group", { name: "Données FSE à l'entrée" })).toBeAttached();

  // Both exports are in the audit log, with who and what.
  const admin = await request.post("/api/auth/login", {
    data: { username: "admin", password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  const { token } = await admin.json();
  await expect
    .poll(async () => {
      const audit = await request.get("/api/admin/audit?action=export.csv", {
        headers: { authorization: `Bearer ${token}` },
      });
      return JSON.stringify(await audit.json());
    })
    .toContain(`Fichier des participants FSE (CSV), PLIE`);
  const audit = await request.get("/api/admin/audit?action=export.xlsx", {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(JSON.stringify(await audit.json())).toContain(
    `Fichier des participants FSE (XLSX), PLIE, du 01/01/${year}`,
  );
});
