// Dates and times are typed and shown the French way — 07/03/1991, 14:30 — in a browser whose
// language is English (the whole suite runs Chromium in en-US: see playwright.config.ts), where
// native date and time inputs would show 03/07/1991 and 02:30 PM.
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

const FRENCH_DATE = /^\d{2}\/\d{2}\/\d{4}$/;

test("an English browser types and shows dates as dd/mm/yyyy and times on 24 hours", async ({ page }) => {
  await signIn(page, "global5");
  expect(await page.evaluate(() => navigator.language)).toBe("en-US");
  expect(await page.evaluate(() => new Date(2026, 2, 7).toLocaleDateString())).toBe("3/7/2026");

  // A new person: the birth date typed day first, the start date prefilled the French way.
  await page.getByRole("link", { name: "Nouvelle personne" }).click();
  await page.getByLabel("Nom", { exact: true }).fill("Vergnaud");
  await page.getByLabel("Prénom").fill("Solène");
  const birth = page.getByLabel("Date de naissance");
  await expect(birth).toHaveAttribute("placeholder", "jj/mm/aaaa");
  await expect(page.getByLabel("Date d'entrée")).toHaveValue(FRENCH_DATE);
  await page.getByLabel("Commune").selectOption({ label: "Limoges (87000)" });

  // A date that is not in the calendar is refused in French, and what was typed stays.
  await birth.pressSequentially("31/02/1991");
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await expect(page.getByText("Saisissez une date valide, sous la forme jj/mm/aaaa.")).toBeVisible();
  await expect(birth).toHaveValue("31/02/1991");

  // Typed the short way, it reads as 7 March (not 3 July) and shows in full once left.
  await birth.fill("");
  await birth.pressSequentially("7/3/1991");
  await birth.press("Tab");
  await expect(birth).toHaveValue("07/03/1991");
  // (Not saved: the suite's other tests count the people of the demo.)

  // The list shows birth dates day first.
  await page.getByRole("link", { name: "Jalon" }).click();
  const row = page.locator("li.person").first();
  await expect(row.locator(".birth")).toContainText(/\d{2}\/\d{2}\/\d{4}/);

  // An appointment at 16:47 typed « 16h47 » (no demo appointment is at that time).
  await row.getByRole("link").click();
  const appointments = page.getByRole("region", { name: "Rendez-vous" });
  await appointments.getByText("Planifier un rendez-vous").click();
  await expect(appointments.locator("#appointment_date")).toHaveValue(FRENCH_DATE);
  const time = appointments.locator("#appointment_time");
  await expect(time).toHaveAttribute("placeholder", "hh:mm");
  await expect(time).toHaveValue("09:00");
  await time.fill("");
  await time.pressSequentially("16h47");
  await time.press("Tab");
  await expect(time).toHaveValue("16:47");
  await appointments.getByLabel("Lieu").selectOption({ label: "Visite à domicile" });
  await appointments.getByRole("button", { name: "Planifier", exact: true }).click();
  await expect(appointments.locator("li.appointment").filter({ hasText: "16:47" })).toHaveCount(1);
  await expect(appointments).not.toContainText(/\b(AM|PM)\b/);
  // No native date or time input is left to follow the browser's language.
  await expect(page.locator('input[type="date"], input[type="time"], input[type="datetime-local"]')).toHaveCount(0);

  // The agenda's day is typed the French way too.
  await page.getByRole("link", { name: "Jalon" }).click();
  await page.getByRole("link", { name: "Agenda" }).click();
  const day = page.getByLabel("Date", { exact: true });
  await expect(day).toHaveValue(FRENCH_DATE);
  await day.fill("24/12/2026");
  await expect(page.locator('section.agenda-day[aria-label="jeudi 24/12/2026"]')).toBeVisible();
  await expect(page.locator('input[type="date"], input[type="time"]')).toHaveCount(0);
});
