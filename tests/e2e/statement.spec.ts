// The accessibility statement is reachable signed out (from the sign-in page) and signed in
// (from « Mon compte »), and says partial compliance with what is known not to be done.
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

test("the accessibility statement opens from the sign-in page and from « Mon compte »", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/");
  await expect(page).toHaveURL(/\/connexion$/);
  await page.getByRole("link", { name: "Accessibilité : partiellement conforme" }).click();
  await expect(page).toHaveURL(/\/accessibilite$/);
  await expect(page.getByRole("heading", { level: 1, name: "Déclaration d'accessibilité" })).toBeVisible();
  await expect(page.getByTestId("a11y-status")).toContainText("partiellement conforme");
  await expect(page.getByTestId("a11y-status")).toContainText("RGAA), version 4.1");
  const gaps = page.locator("h2", { hasText: "Contenus non accessibles" }).locator("xpath=following-sibling::ul[1]/li");
  expect(await gaps.count()).toBeGreaterThanOrEqual(3);
  await expect(page.getByRole("heading", { name: "Voies de recours" })).toBeVisible();
  await page.getByRole("link", { name: "Retour à Jalon" }).click();
  await expect(page).toHaveURL(/\/connexion$/);

  await signIn(page, "plie9");
  await page.getByRole("link", { name: "Mon compte" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText("(plie9), Référent");
  await page.getByRole("link", { name: "Accessibilité : partiellement conforme" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Déclaration d'accessibilité" })).toBeVisible();
  await context.close();
});
