import { expect, type APIRequestContext, type BrowserContext, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import zlib from "node:zlib";

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
    const response = await request.get(`/api/sync/pull?protocol=1&schema=3&cursor=${cursor}`, {
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

/** The cells of sheet `index` (1 = first) of an XLSX file, as text, row by row: a small reader
 * of the zip and of the sheet's XML, enough to check what Jalon's workbooks hold. */
export function readXlsxSheet(bytes: Buffer, index: number): string[][] {
  const files = new Map<string, Buffer>();
  let end = bytes.length - 22;
  while (end >= 0 && bytes.readUInt32LE(end) !== 0x06054b50) end--;
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    const method = bytes.readUInt16LE(at + 10);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const skip = nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const local = bytes.readUInt32LE(at + 42);
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(start, start + size);
    files.set(name, method === 8 ? zlib.inflateRawSync(data) : data);
    at += 46 + skip;
  }
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&");
  const shared = [...(files.get("xl/sharedStrings.xml")?.toString("utf8") ?? "").matchAll(/<si>([\s\S]*?)<\/si>/g)].map(
    (m) => unescape([...m[1].matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join("")),
  );
  const sheet = files.get(`xl/worksheets/sheet${index}.xml`)?.toString("utf8") ?? "";
  return [...sheet.matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)].map((row) => {
    const cells: string[] = [];
    for (const cell of row[1].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const column = [...cell[1]].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
      const value = /<v>([\s\S]*?)<\/v>/.exec(cell[3] ?? "")?.[1] ?? "";
      while (cells.length < column) cells.push("");
      cells[column] = / t="s"/.test(cell[2]) ? shared[Number(value)] : unescape(value);
    }
    return cells;
  });
}
