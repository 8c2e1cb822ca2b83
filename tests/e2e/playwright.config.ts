// End-to-end tests: the real jalon-server (built by `cargo build`) serving the real app (built
// by `trunk build --release`) on 127.0.0.1, with a fresh SQLite database seeded with demo data,
// driven in Debian's Chromium. Run through scripts/test.sh.
import { defineConfig } from "@playwright/test";
import os from "node:os";
import path from "node:path";

const port = Number(process.env.JALON_E2E_PORT ?? 18484);
const dataDir = path.join(os.tmpdir(), `jalon-e2e-${port}`);
const root = path.resolve(__dirname, "../..");
const server = process.env.JALON_SERVER_BIN ?? path.join(root, "target/debug/jalon-server");
// The server's log, which scripts/test.sh searches for people's names after the run.
const log = `${dataDir}.log`;

export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.ts",
  timeout: 90_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: "chromium",
    // An English browser: the app must speak French and write dates the French way anyway
    // (dates.spec.ts checks it).
    locale: "en-US",
    launchOptions: {
      executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--lang=en-US",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `rm -rf '${dataDir}' && exec '${server}' > '${log}' 2>&1`,
    env: {
      JALON_PORT: String(port),
      JALON_LISTEN: `127.0.0.1:${port}`,
      JALON_DATA_DIR: dataDir,
      JALON_DIST_DIR: path.join(root, "dist"),
      JALON_SEED_DEMO: "true",
      RUST_LOG: "info,jalon_server=debug,tower_http=debug,sqlx=warn",
    },
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "ignore",
  },
});
