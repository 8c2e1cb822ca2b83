// Pilotage: the figures the browser computes from its replica are the ones the server computes
// over its database (same domain functions, both sides), for a month and a year, for all
// schemes and for one; a table exports to a CSV a French spreadsheet opens; bad periods are
// refused in French by the API.
import { expect, test, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { DEMO_PASSWORD, pullAll, readXlsxSheet, signIn } from "./helpers";

type Board = {
  schemes: Array<{ scheme: string; months: Array<{ active: number; rsa: number }> }>;
  total: {
    months: Array<{ active: number; rsa: number }>;
    entries: number;
    first_appointment: { median_days: number | null };
    first_contract: { median_days: number | null };
    follow_up: { appointments: number; no_shows: number; without_contact: number };
  };
};

/** The number a French cell shows, as a number ("1 250" → 1250, "633,7" → 633.7). */
const numberOf = (text: string) => Number(text.replace(/[\s\u202f\u00a0%]/g, "").replace(",", "."));

async function column(page: Page, table: string, index: number) {
  const rows = page.getByTestId(`table-${table}`).locator("tbody tr");
  const texts = await rows.evaluateAll(
    (trs, i) => trs.map((tr) => (tr.children[i] as HTMLElement).innerText),
    index,
  );
  return texts.map(numberOf);
}

test("the dashboard computed in the browser shows the server's figures, and exports them", async ({
  page,
  request,
}) => {
  const login = await request.post("/api/auth/login", {
    data: { username: "superviseur", password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  const { token } = await login.json();
  const api = async (from: string, to: string) => {
    const response = await request.get(`/api/supervision?from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status()).toBe(200);
    return (await response.json()) as Board;
  };

  await signIn(page, "superviseur");
  await page.getByRole("link", { name: "Pilotage", exact: true }).click();
  await expect(page).toHaveURL(/\/pilotage$/);

  // The whole of 2025: twelve months, each equal to the server's, total and RSA.
  await page.getByLabel("Période", { exact: true }).selectOption("year");
  await page.getByLabel("Année", { exact: true }).selectOption("2025");
  const year = await api("2025-01-01", "2025-12-31");
  // The tables appear once the replica is read.
  await expect(
    page.getByTestId("table-file-active").locator("thead th").filter({ hasText: "Total — file active" }),
  ).toBeVisible();
  const headers = await page.getByTestId("table-file-active").locator("thead th").allInnerTexts();
  const totalColumn = headers.indexOf("Total — file active");
  expect(totalColumn).toBeGreaterThan(0);
  // (The first sync of a supervisor may still be storing pages: wait for the replica.)
  await expect
    .poll(() => column(page, "file-active", totalColumn), { timeout: 30_000 })
    .toEqual(year.total.months.map((m) => m.active));
  expect(await column(page, "file-active", totalColumn + 1)).toEqual(year.total.months.map((m) => m.rsa));
  const entries = await column(page, "synthese", 3);
  expect(entries[entries.length - 1]).toBe(year.total.entries);
  const mean = year.total.months.reduce((s, m) => s + m.active, 0) / 12;
  const averages = await column(page, "synthese", 1);
  expect(averages[averages.length - 1]).toBeCloseTo(mean, 1);

  // Delays and follow-up, from the items and notes of the replica.
  const follow = await page.getByTestId("table-suivi").locator("tbody tr").last().locator("td").allInnerTexts();
  const median = (d: { median_days: number | null }) => (d.median_days === null ? "—" : String(d.median_days));
  expect(follow[0]).toBe(median(year.total.first_appointment));
  expect(follow[2]).toBe(median(year.total.first_contract));
  expect(numberOf(follow[4])).toBe(year.total.follow_up.appointments);
  expect(numberOf(follow[6])).toBe(year.total.follow_up.without_contact);
  expect(year.total.follow_up.appointments).toBeGreaterThan(0);

  // The history since 2015: 2017's averages are the seed document's — a file active of about
  // 1,250 people a month, about 950 of them on RSA — and the server's.
  await page.getByLabel("Année", { exact: true }).selectOption("2017");
  const y2017 = await api("2017-01-01", "2017-12-31");
  await expect
    .poll(() => column(page, "file-active", totalColumn))
    .toEqual(y2017.total.months.map((m) => m.active));
  const [average2017] = (await column(page, "synthese", 1)).slice(-1);
  const [rsa2017] = (await column(page, "synthese", 2)).slice(-1);
  expect(average2017).toBeCloseTo(y2017.total.months.reduce((s, m) => s + m.active, 0) / 12, 1);
  expect(Math.abs(average2017 - 1_250)).toBeLessThanOrEqual(1_250 * 0.03);
  expect(Math.abs(rsa2017 - 950)).toBeLessThanOrEqual(950 * 0.03);
  await page.getByLabel("Année", { exact: true }).selectOption("2025");
  await expect
    .poll(() => column(page, "file-active", totalColumn))
    .toEqual(year.total.months.map((m) => m.active));

  // One scheme: its own figures only.
  await page.getByLabel("Dispositif").selectOption("plie");
  const plie = year.schemes.find((s) => s.scheme === "plie")!;
  await expect
    .poll(() => column(page, "file-active", 1))
    .toEqual(plie.months.map((m) => m.active));
  await expect(page.getByTestId("table-synthese").locator("tbody tr")).toHaveCount(1);

  // The CSV of the summary: BOM, semicolons, decimal commas.
  const download = page.waitForEvent("download");
  await page.getByTestId("table-synthese").getByRole("button", { name: "Exporter (CSV)" }).click();
  const file = await (await download).path();
  const csv = fs.readFileSync(file!, "utf8");
  expect(csv.charCodeAt(0)).toBe(0xfeff);
  const [header, row] = csv.slice(1).trim().split("\r\n");
  expect(header.split(";")[0]).toBe("Dispositif");
  const cells = row.split(";");
  expect(cells[0]).toBe("PLIE");
  expect(Number(cells[1].replace(",", "."))).toBeCloseTo(plie.months.reduce((s, m) => s + m.active, 0) / 12, 1);

  // The whole dashboard as a workbook, prepared by the server.
  const workbook = page.waitForEvent("download");
  await page.getByRole("button", { name: "Exporter le tableau de bord (XLSX)" }).click();
  const xlsx = await workbook;
  expect(xlsx.suggestedFilename()).toBe("jalon-pilotage-2025-01-01-2025-12-31.xlsx");
  // Read back: the summary and the months of the scheme shown, as numbers.
  const book = fs.readFileSync((await xlsx.path())!);
  const summary = readXlsxSheet(book, 1);
  expect(summary[1][0]).toBe("PLIE");
  expect(Number(summary[1][1])).toBeCloseTo(plie.months.reduce((s, m) => s + m.active, 0) / 12, 1);
  const months = readXlsxSheet(book, 2);
  expect(months.slice(1).map((r) => Number(r[1]))).toEqual(plie.months.map((m) => m.active));
  expect(months.slice(1).map((r) => Number(r[2]))).toEqual(plie.months.map((m) => m.rsa));

  // The export is in the audit log, with who, when and what.
  const admin = await request.post("/api/auth/login", {
    data: { username: "admin", password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  const adminToken = (await admin.json()).token;
  await expect
    .poll(async () => {
      const audit = await request.get("/api/admin/audit?action=export.csv", {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      const { events } = await audit.json();
      return events.map((e: { detail: string }) => e.detail).join("\n");
    })
    .toContain("Pilotage — Synthèse de la période, du 01/01/2025 au 31/12/2025, PLIE");

  // Offline, the figures are still there (computed from the replica).
  await page.context().setOffline(true);
  await page.getByLabel("Période", { exact: true }).selectOption("quarter");
  await expect(page.getByTestId("table-synthese")).toBeVisible();

  // The list of people exports with its filters: every row they keep, not only those drawn.
  // CSV offline (written by the browser), XLSX once online (prepared by the server).
  await page.context().setOffline(false);
  await page.goto("/");
  const list = page.getByRole("region", { name: "Personnes" });
  await list.getByLabel("Dispositif").selectOption("plie");
  await list.getByLabel("Statut").selectOption("closed");
  const shown = numberOf((await list.locator(".count").innerText()).replace(/personnes?$/, ""));
  expect(shown).toBeGreaterThan(100);
  await page.context().setOffline(true);
  const listCsv = page.waitForEvent("download");
  await list.getByRole("button", { name: "Exporter la liste (CSV)" }).click();
  const lines = fs.readFileSync((await (await listCsv).path())!, "utf8").slice(1).trim().split("\r\n");
  expect(lines[0].split(";").slice(0, 3)).toEqual(["Nom", "Date de naissance", "Commune"]);
  expect(lines.length - 1).toBe(shown);
  for (const line of lines.slice(1)) {
    const cells = line.split(";");
    expect(cells[1]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect([cells[4], cells[6]]).toEqual(["PLIE", "Sorti"]);
  }
  await list.getByRole("button", { name: "Exporter la liste (XLSX)" }).click();
  await expect(list.getByRole("alert")).toContainText("réessayez une fois en ligne");
  await page.context().setOffline(false);
  const listXlsx = page.waitForEvent("download");
  await list.getByRole("button", { name: "Exporter la liste (XLSX)" }).click();
  expect(fs.readFileSync((await (await listXlsx).path())!).subarray(0, 2).toString()).toBe("PK");
  await expect
    .poll(async () => {
      const audit = await request.get("/api/admin/audit?action=export.xlsx", {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      const { events } = await audit.json();
      return events.map((e: { detail: string }) => e.detail).join("\n");
    })
    .toContain(`Liste des personnes (XLSX), ${shown} ligne(s) : sortis, PLIE`);
});

test("bad periods get a French message from the API", async ({ request }) => {
  const login = await request.post("/api/auth/login", {
    data: { username: "superviseur", password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  const { token } = await login.json();
  const response = await request.get("/api/supervision?from=2026-05-01&to=2026-04-01", {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status()).toBe(422);
  const body = await response.json();
  expect(body.error.fields[0].code).toBe("ends_before_start");
  expect(body.error.message).toContain("avant de commencer");
});

test("a supervisor's home opens on the month's figures; the list and the agenda filter by référent", async ({
  page,
  request,
}) => {
  const login = await request.post("/api/auth/login", {
    data: { username: "superviseur.plie", password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  const { token } = await login.json();
  const now = new Date();
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0));
  const month = (await (
    await request.get(`/api/supervision?from=${iso(first)}&to=${iso(last)}`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).json()) as Board;

  await signIn(page, "superviseur.plie");
  const summary = page.getByTestId("month-summary");
  const total = summary.locator("li").filter({ hasText: "Total" });
  await expect(total).toContainText(
    `${month.total.months[0].active.toLocaleString("fr-FR").replace(/\s/g, "\u202f")} personnes`,
  );
  await expect(page.getByRole("heading", { name: "Rendez-vous du jour" })).toBeHidden();
  // The home screen's alert and the dashboard count the same people without contact.
  await expect(page.locator('[data-alert="no_contact"] h2')).toContainText(
    `(${month.total.follow_up.without_contact.toLocaleString("fr-FR").replace(/\s/g, "\u202f")})`,
  );

  // The list keeps one référent's people; the search finds people by their référent's name.
  await page.getByLabel("Référent", { exact: true }).selectOption({ label: "Inès Prévost (plie2)" });
  const rows = page.locator("li.person");
  await expect(rows.first()).toBeVisible();
  for (const text of await rows.locator(".followed-by").allInnerTexts()) {
    expect(text).toContain("Inès Prévost");
  }
  await page.getByLabel("Référent", { exact: true }).selectOption("");
  await page.getByLabel("Rechercher").fill("ines prevost");
  await expect.poll(() => rows.count()).toBeGreaterThan(20);

  // The agenda of every référent, or of one.
  await page.getByRole("link", { name: "Agenda" }).click();
  await page.getByRole("button", { name: "Semaine" }).click();
  await expect.poll(() => page.locator("li.appointment").count()).toBeGreaterThan(0);
  const all = await page.locator("li.appointment").count();
  await page.getByLabel("Référent", { exact: true }).selectOption({ label: "Inès Prévost (plie2)" });
  await expect.poll(() => page.locator("li.appointment").count()).toBeLessThan(all);
});

test("a supervisor hands 20 people over offline; both référents' devices converge", async ({
  page,
  request,
}) => {
  await signIn(page, "superviseur.plie");
  await page.getByLabel("Référent", { exact: true }).selectOption({ label: "Romain Moulin (plie3)" });
  const rows = page.locator("li.person");
  await expect.poll(() => rows.count()).toBeGreaterThan(20);
  await page.getByText("Transférer des personnes à un autre référent").click();

  // Nothing chosen: refused in French.
  await page.getByLabel("Nouveau référent").selectOption({ label: "Emma Aubert (plie4) · PLIE" });
  await page.getByRole("button", { name: "Transférer les personnes choisies" }).click();
  const panel = page.locator("details.hand-over-bulk");
  await expect(panel.getByRole("alert")).toContainText("Choisissez au moins une personne");

  // Offline, twenty people chosen in the list.
  await page.context().setOffline(true);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const row = rows.nth(i);
    ids.push((await row.getAttribute("data-person-id"))!);
    await row.locator("input.choose").check();
  }
  await expect(page.getByText("20 personnes choisies.")).toBeVisible();
  await page.getByRole("button", { name: "Transférer les personnes choisies" }).click();
  await expect(panel.getByRole("status").filter({ hasText: "20 transferts vers Emma Aubert (plie4)" })).toBeVisible();
  await expect(page.getByTestId("pending")).toContainText("20");

  // Back online: the hand-overs reach the server; plie4 receives the files, plie3 loses them.
  await page.context().setOffline(false);
  await page.getByRole("button", { name: "Synchroniser maintenant" }).click();
  await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 40_000 });
  const heldBy = async (username: string) =>
    new Set((await pullAll(request, username)).filter((c) => c.kind === "person").map((c) => c.data.id as string));
  const plie4 = await heldBy("plie4");
  const plie3 = await heldBy("plie3");
  for (const id of ids) {
    expect(plie4.has(id)).toBe(true);
    expect(plie3.has(id)).toBe(false);
  }
  await page.getByLabel("Référent", { exact: true }).selectOption({ label: "Emma Aubert (plie4)" });
  await expect(page.locator(`li.person[data-person-id="${ids[0]}"]`)).toBeVisible();
});
