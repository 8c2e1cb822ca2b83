// A new version deployed while a tablet holds a change it could not send: the app announces
// it, keeps the version in use until the user chooses (a reload included), and the new version
// pushes the change. This test starts a server of its own, on another port, database and copy
// of the built app, so that it may deploy a "new version" (the same build with its stylesheet
// under a new content hash, as a rebuild gives) and restart the server as a deployment does.
import { expect, test, type Page } from "@playwright/test";
import { type ChildProcess, execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEMO_PASSWORD, signIn, startServer, waitForServiceWorker } from "./helpers";

const root = path.resolve(__dirname, "../..");
const binary = process.env.JALON_SERVER_BIN ?? path.join(root, "target/debug/jalon-server");
const port = Number(process.env.JALON_E2E_PORT ?? 18484) + 3;
const base = `http://127.0.0.1:${port}`;

async function start(dataDir: string, dist: string): Promise<ChildProcess> {
  const env = {
    ...process.env,
    JALON_LISTEN: `127.0.0.1:${port}`,
    JALON_DATA_DIR: dataDir,
    JALON_DIST_DIR: dist,
    JALON_SEED_DEMO: "true",
  };
  return startServer(binary, env, base);
}

async function stop(server: ChildProcess) {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
}

/** The stylesheet the page was built with: it names the version in use. */
async function stylesheet(page: Page): Promise<string | null> {
  try {
    return await page.evaluate(() => document.querySelector('link[rel="stylesheet"]')?.getAttribute("href") ?? null);
  } catch {
    return null; // the page is reloading
  }
}

/** Renames the build's stylesheet to a new content hash, as a new build would. */
function deployNewVersion(dist: string): string {
  const index = path.join(dist, "index.html");
  const html = fs.readFileSync(index, "utf8");
  const old = html.match(/href="\/(jalon-[0-9a-f]{16}\.css)"/)![1];
  const renamed = "jalon-00000000000000aa.css";
  fs.renameSync(path.join(dist, old), path.join(dist, renamed));
  fs.writeFileSync(index, html.replaceAll(old, renamed));
  // The build's brotli and gzip copies, written again as a build writes them.
  execFileSync("node", [path.join(root, "scripts/precompress.mjs"), dist]);
  return `/${renamed}`;
}

async function everythingOf(username: string) {
  const login = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: DEMO_PASSWORD, device_id: randomUUID() }),
  });
  expect(login.status).toBe(200);
  const { token } = await login.json();
  let cursor = 0;
  let text = "";
  for (;;) {
    const response = await fetch(`${base}/api/sync/pull?protocol=1&schema=3&cursor=${cursor}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const page = await response.json();
    text += JSON.stringify(page.changes);
    cursor = page.cursor;
    if (!page.has_more) return text;
  }
}

test("a new version is announced, used only when the user chooses, and pushes what the previous one left waiting", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "jalon-update-"));
  const dist = path.join(work, "dist");
  fs.cpSync(path.join(root, "dist"), dist, { recursive: true });
  let server = await start(path.join(work, "data"), dist);
  try {
    const context = await browser.newContext({ baseURL: base });
    const page = await context.newPage();
    await signIn(page, "arpe3");
    await waitForServiceWorker(page);
    const previous = await stylesheet(page);
    expect(previous).toMatch(/^\/jalon-[0-9a-f]{16}\.css$/);

    // A person typed while the pushes cannot reach the server.
    await context.route("**/api/sync/push", (route) => route.abort());
    await page.getByRole("link", { name: "Nouvelle personne" }).click();
    await page.getByLabel("Nom", { exact: true }).fill("Deployee");
    await page.getByLabel("Prénom").fill("Maëlle");
    await page.getByLabel("Date de naissance").fill("12/06/1984");
    await page.getByLabel("Commune").selectOption({ label: "Bellac (87300)" });
    await page.getByRole("button", { name: "Enregistrer" }).click();
    await expect(page.getByTestId("pending")).toHaveText("1 modification en attente");
    await expect(page.getByTestId("update")).toHaveCount(0);

    // A new version is deployed; the app hears of it at its next sync.
    await stop(server);
    const next = deployNewVersion(dist);
    server = await start(path.join(work, "data"), dist);
    const banner = page.getByTestId("update");
    await expect(async () => {
      await page.getByRole("button", { name: "Synchroniser maintenant" }).click({ timeout: 2_000 });
      await expect(banner).toContainText("Nouvelle version disponible", { timeout: 3_000 });
    }).toPass({ timeout: 60_000 });

    // Until the user chooses, the version in use stays — a reload included — and so does
    // what waits.
    await page.reload();
    await expect(page.getByTestId("pending")).toHaveText("1 modification en attente");
    expect(await stylesheet(page)).toBe(previous);
    await expect(banner).toBeVisible();

    // The user updates: the new version opens and sends what the previous one left.
    await banner.getByRole("button", { name: "Mettre à jour" }).click();
    await expect.poll(() => stylesheet(page), { timeout: 30_000 }).toBe(next);
    await expect(banner).toHaveCount(0);
    await expect(page.getByTestId("pending")).toHaveText("1 modification en attente");
    await context.unroute("**/api/sync/push");
    await expect(async () => {
      await page.getByRole("button", { name: "Synchroniser maintenant" }).click({ timeout: 2_000 });
      await expect(page.getByTestId("pending")).toHaveText("Tout est synchronisé", { timeout: 3_000 });
    }).toPass({ timeout: 60_000 });
    expect(await everythingOf("arpe3")).toContain("Maëlle");

    // The new version is now the one in use, offline too.
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByTestId("network")).toHaveText("Hors ligne");
    expect(await stylesheet(page)).toBe(next);
    await context.close();
  } finally {
    await stop(server);
    fs.rmSync(work, { recursive: true, force: true });
  }
});

// A tab left open on this version while a newer one opens in another tab: the newer version
// must not wait for it. The open tab gives the local database up, says so, and a reload puts
// it on the version in use with what it had saved. The "newer version" is a database open at
// a higher version from another tab of the origin, whose upgrade is abandoned (so the app's
// own schema stays in place for the reload).
test("a tab open on this version lets a newer version in another tab upgrade the local data, says so, and reloads with nothing lost", async ({
  page,
  context,
}) => {
  await signIn(page, "arpe4");
  await context.route("**/api/sync/push", (route) => route.abort());
  await page.getByRole("link", { name: "Nouvelle personne" }).click();
  await page.getByLabel("Nom", { exact: true }).fill("Onglet");
  await page.getByLabel("Prénom").fill("Solène");
  await page.getByLabel("Date de naissance").fill("03/02/1990");
  await page.getByLabel("Commune").selectOption({ label: "Bellac (87300)" });
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await expect(page.getByTestId("pending")).toHaveText("1 modification en attente");

  const other = await context.newPage();
  await other.goto("/api/health"); // a page of the origin the service worker leaves alone
  const outcome = await other.evaluate(
    () =>
      new Promise<string>((resolve) => {
        // Chromium may fire "blocked" while the open tab's connections finish their
        // transactions; the upgrade must follow, without anyone closing the tab.
        const request = indexedDB.open("jalon", 1000);
        setTimeout(() => resolve("kept waiting by the open tab"), 10_000);
        request.onupgradeneeded = () => {
          request.transaction!.abort();
          resolve("upgrade reached");
        };
        request.onsuccess = () => {
          request.result.close();
          resolve("opened without an upgrade");
        };
      }),
  );
  expect(outcome).toBe("upgrade reached");
  await other.close();

  const notice = page.getByTestId("replaced");
  await expect(notice).toContainText("Jalon a été mis à jour dans un autre onglet");
  await expect(page.getByTestId("update")).toHaveCount(0);
  await notice.getByRole("button", { name: "Recharger" }).click();
  await expect(notice).toHaveCount(0);
  await expect(page.getByTestId("pending")).toHaveText("1 modification en attente");
  await page.goto("/");
  await expect(page.getByText(/Onglet/i).first()).toBeVisible();
});

// A tab of an older version (here: a connection at schema 6 with no care for newer versions)
// keeps the database open: the new version says what it waits for, and opens once it is closed.
test("a new version kept waiting by a tab of an older version says so and opens once that tab is closed", async ({
  page,
  context,
}) => {
  const older = await context.newPage();
  await older.goto("/api/health");
  await older.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open("jalon", 6);
        request.onupgradeneeded = () => {
          const db = request.result;
          db.createObjectStore("meta");
          for (const [store, key] of [
            ["people", "id"],
            ["enrolments", "id"],
            ["outbox", "seq"],
            ["rejections", "seq"],
            ["conflicts", "id"],
            ["notes", "id"],
            ["items", "id"],
            ["consultations", "id"],
            ["shared", "id"],
          ]) {
            db.createObjectStore(store, { keyPath: key });
          }
        };
        request.onsuccess = () => {
          (window as unknown as { olderTab: IDBDatabase }).olderTab = request.result;
          resolve();
        };
        request.onerror = () => reject(request.error);
      }),
  );

  await page.goto("/");
  const notice = page.getByRole("alert").filter({ hasText: "Mise à jour de Jalon en attente" });
  await expect(notice).toContainText("fermez les autres onglets");
  await expect(page.getByRole("button", { name: "Se connecter" })).toHaveCount(0);

  await older.evaluate(() => (window as unknown as { olderTab: IDBDatabase }).olderTab.close());
  await expect(page.getByRole("button", { name: "Se connecter" })).toBeVisible();
  await expect(notice).toHaveCount(0);
});
