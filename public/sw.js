// Jalon's service worker: keeps the app shell so that the app opens without a network, and
// lets the user choose when a new version replaces the one in use.
//
// - On install, it fetches "/" and caches it together with every file the page references
//   (Trunk's hashed JS, wasm and CSS), the manifest and the icons.
// - Navigations: the cached shell (the version in use), for every path, so that deep links
//   open offline and the version never changes under the user's feet; the network only when
//   nothing is cached yet.
// - Updates: on a "check-update" message (the page sends one at start and after each sync),
//   the shell is fetched from the network; when it references other hashed files, they are
//   cached and the new shell is kept aside ("next"); every page is told "update-available"
//   and shows « Nouvelle version disponible — Mettre à jour ». On "apply-update", the next
//   shell becomes the one in use, the files no shell references are dropped, and the page
//   reloads. Waiting changes live in IndexedDB: the new version pushes them (its store
//   upgrades the schema in place).
// - Files whose name carries Trunk's content hash: cache first (they never change).
// - Other static files: network first, cache as fallback.
// - /api/ is never cached: the caseload lives in IndexedDB, not here.
const CACHE = "jalon-shell-v1";
const SHELL = "/";
// The shell of a new version, fetched and ready, until the user applies it.
const NEXT = "/?jalon-next-version";
const STATIC = ["/register-sw.js", "/manifest.webmanifest", "/icons/icon.svg", "/icons/icon-192.png", "/icons/icon-512.png"];
const HASHED = /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/;
// A navigation waits this long for the network before the cached shell is served.
const NETWORK_TIMEOUT_MS = 4000;

function referencedFiles(html) {
  const files = new Set();
  for (const match of html.matchAll(/(?:href|src)="(\/[^"]+)"/g)) files.add(match[1]);
  for (const match of html.matchAll(/['"](\/[^'"]+\.(?:js|wasm))['"]/g)) files.add(match[1]);
  return [...files];
}

function hashedFiles(html) {
  return referencedFiles(html)
    .filter((f) => HASHED.test(f))
    .sort()
    .join(" ");
}

async function cacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch(SHELL, { cache: "no-cache" });
  if (!response.ok) throw new Error(`shell answered ${response.status}`);
  const html = await response.clone().text();
  await cache.addAll([...new Set([...referencedFiles(html), ...STATIC])]);
  // A new service worker installed over a version in use does not replace it: the new shell
  // waits for the user like any other update.
  const inUse = await cache.match(SHELL);
  if (inUse && hashedFiles(await inUse.text()) !== hashedFiles(html)) {
    await cache.put(NEXT, response);
  } else {
    await cache.put(SHELL, response);
  }
}

async function notify(message) {
  for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
    client.postMessage(message);
  }
}

// Fetches the shell from the network; keeps it aside when it is another version.
async function checkUpdate() {
  const cache = await caches.open(CACHE);
  const inUse = await cache.match(SHELL);
  if (!inUse) return;
  const current = hashedFiles(await inUse.text());
  let next = await cache.match(NEXT);
  try {
    const response = await fetch(SHELL, { cache: "no-store" });
    if (response.ok) {
      const html = await response.clone().text();
      if (hashedFiles(html) === current) {
        // The server went back to the version in use: nothing to offer.
        await cache.delete(NEXT);
        next = undefined;
      } else if (!next || hashedFiles(await next.clone().text()) !== hashedFiles(html)) {
        await cache.addAll(referencedFiles(html).filter((f) => HASHED.test(f)));
        await cache.put(NEXT, response);
        next = await cache.match(NEXT);
      }
    }
  } catch {
    // Offline: a version fetched earlier may still be waiting.
  }
  if (next) await notify({ type: "update-available" });
}

async function applyUpdate() {
  const cache = await caches.open(CACHE);
  const next = await cache.match(NEXT);
  if (!next) return;
  const html = await next.clone().text();
  await cache.put(SHELL, next);
  await cache.delete(NEXT);
  const kept = new Set(referencedFiles(html));
  for (const request of await cache.keys()) {
    const file = new URL(request.url).pathname;
    if (HASHED.test(file) && !kept.has(file)) await cache.delete(request);
  }
}

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "check-update") {
    event.waitUntil(checkUpdate());
  } else if (type === "apply-update") {
    const port = event.ports[0];
    event.waitUntil(
      applyUpdate()
        .catch(() => {})
        .then(() => port && port.postMessage({ type: "update-applied" })),
    );
  }
});

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

async function navigation(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(SHELL);
  if (cached) return cached;
  const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
  if (response.ok) {
    const html = await response.clone().text();
    await cache.put(SHELL, response.clone());
    cache.addAll(referencedFiles(html).filter((f) => HASHED.test(f))).catch(() => {});
  }
  return response;
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(navigation(request));
  } else if (HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else {
    event.respondWith(networkFirst(request));
  }
});
