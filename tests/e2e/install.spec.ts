// Installing the app: the manifest's shortcuts and screenshots, the guide for iPadOS Safari,
// and the app's own button when the browser offers an installation. Headless Chromium never
// offers one, so the test hands the page the event the browser would fire.
import { chromium, expect, test } from "@playwright/test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import config from "./playwright.config";
import { signIn, waitForServiceWorker } from "./helpers";

// What Chromium itself checks before it offers to install (manifest, icons, a service worker
// that handles fetches, a secure context): the list of what fails must be empty. In a profile
// on disk, as a user's browser is: Chromium never installs from an incognito context.
test("Chromium finds the app installable", async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "jalon-profile-"));
  const use = config.use ?? {};
  const context = await chromium.launchPersistentContext(profile, {
    ...use.launchOptions,
    baseURL: use.baseURL,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto("/connexion");
  await waitForServiceWorker(page);
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  expect(installabilityErrors).toEqual([]);
  const { url, data } = await cdp.send("Page.getAppManifest");
  expect(url).toMatch(/\/manifest\.webmanifest$/);
  expect(JSON.parse(data ?? "{}").name).toContain("Jalon");
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

test("the manifest offers shortcuts and screenshots that load", async ({ request }) => {
  const response = await request.get("/manifest.webmanifest");
  expect(response.ok()).toBeTruthy();
  const manifest = await response.json();
  expect(manifest.display).toBe("standalone");
  expect(manifest.shortcuts.map((s: { url: string }) => s.url)).toEqual(["/agenda", "/personnes/nouvelle"]);
  expect(manifest.screenshots.map((s: { form_factor: string }) => s.form_factor).sort()).toEqual(["narrow", "wide"]);
  for (const shot of manifest.screenshots) {
    const image = await request.get(shot.src);
    expect(image.status(), shot.src).toBe(200);
    expect(image.headers()["content-type"]).toContain("image/png");
  }
});

test("« Mon compte » explains how to install on an iPad, and installs where the browser offers it", async ({
  browser,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "global3");
  await page.getByRole("link", { name: "Mon compte" }).click();
  const install = page.getByTestId("install");
  await expect(install).toContainText("Sur iPad (Safari)");
  await expect(install.getByRole("button")).toHaveCount(0);

  await page.evaluate(() => {
    const offer = new Event("beforeinstallprompt", { cancelable: true }) as Event & {
      prompt: () => Promise<void>;
      userChoice: Promise<{ outcome: string }>;
    };
    offer.prompt = async () => {
      (window as unknown as { prompted: number }).prompted = 1;
    };
    offer.userChoice = Promise.resolve({ outcome: "accepted" });
    window.dispatchEvent(offer);
  });
  const button = install.getByRole("button", { name: "Installer l'application" });
  await button.click();
  expect(await page.evaluate(() => (window as unknown as { prompted?: number }).prompted)).toBe(1);
  // An offer serves once: the guide is back.
  await expect(button).toHaveCount(0);
  await expect(install).toContainText("Sur iPad (Safari)");
  await context.close();
});
