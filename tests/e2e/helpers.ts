import { expect, type APIRequestContext, type BrowserContext, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";

export const DEMO_PASSWORD = "jalon-demo";

const unlocking = new WeakSet<Page>();
const passwords = new WeakMap<BrowserContext, string>();

/**
 * Types the password on the unlock screen whenever it shows (after every reload or new tab:
 * the replica is sealed until then) — on `page` and on every later page of its context;
 * calling it again changes the password typed. Playwright runs the handler before each
 * action and each auto-waiting assertion.
 */
export async function autoUnlock(page: Page, password = DEMO_PASSWORD) {
  const context = page.context();
  if (!passwords.has(context)) {
    context.on("page", (later) => void autoUnlock(later, passwords.get(context)));
  }
  passwords.set(context, password);
  if (unlocking.has(page)) return;
  unlocking.add(page);
  await page.addLocatorHandler(page.getByRole("button", { name: "Déverrouiller" }), async () => {
    await page.locator("#unlock-password").fill(passwords.get(context) ?? DEMO_PASSWORD);
    await page.getByRole("button", { name: "Déverrouiller" }).click();
  });
}

/** Signs in through the form and waits for the first sync to fill the list (a supervisor's
 * 21 000 records take more than the default 10 s on a cold two-core machine). */
export async function signIn(page: Page, username: string) {
  await autoUnlock(page);
  await page.goto("/");
  await expect(page).toHaveURL(/\/connexion$/);
  await page.getByLabel("Identifiant").fill(username);
  await page.getByLabel("Mot de passe").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await expect(page.getByTestId("last-sync")).toContainText("Dernière synchronisation", { timeout: 40_000 });
}

/** Waits until the service worker controls the page, so that it can reload offline. */
export async function waitForServiceWorker(page: Page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** Every record a user's device would receive, fetched page by page through the API. */
export async function pullAll(request: APIRequestContext, username: string) {
  const login = await request.post("/api/auth/login", {
    data: { username, password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  expect(login.ok()).toBeTruthy();
  const { token } = await login.json();
  const changes: Array<{ rev: number; kind: string; data: Record<string, unknown> }> = [];
  let cursor = 0;
  for (;;) {
    const response = await request.get(`/api/sync/pull?protocol=1&schema=2&cursor=${cursor}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status()).toBe(200);
    const page = await response.json();
    changes.push(...page.changes);
    cursor = page.cursor;
    if (!page.has_more) return changes;
  }
}

/** Starts a server of a test's own (`binary` with `env`) and waits until `base` answers. */
export async function startServer(
  binary: string,
  env: NodeJS.ProcessEnv,
  base: string,
  timeoutMs = 120_000,
): Promise<ChildProcess> {
  const server = spawn(binary, [], { env, stdio: "ignore" });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("the server did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
