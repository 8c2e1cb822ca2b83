// Jalon's service worker: keeps the app shell so that the app opens without a network.
//
// - On install, it fetches "/" and caches it together with every file the page references
//   (Trunk's hashed JS, wasm and CSS), the manifest and the icons.
// - Navigations: network first (a new version is picked up as soon as the server answers),
//   falling back to the cached shell offline — for every path, so deep links open offline.
// - Files whose name carries Trunk's content hash: cache first (they never change).
// - Other static files: network first, cache as fallback.
// - /api/ is never cached: the caseload lives in IndexedDB, not here.
const CACHE = "jalon-shell-v1";
const SHELL = "/";
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

async function cacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch(SHELL, { cache: "no-cache" });
  if (!response.ok) throw new Error(`shell answered ${response.status}`);
  const html = await response.clone().text();
  await cache.put(SHELL, response);
  await cache.addAll([...new Set([...referencedFiles(html), ...STATIC])]);
}

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
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok) {
      // The shell of the new version: keep it and the files it references.
      const html = await response.clone().text();
      cache.put(SHELL, response.clone());
      cache.addAll(referencedFiles(html).filter((f) => HASHED.test(f))).catch(() => {});
      return response;
    }
    return (await cache.match(SHELL)) || response;
  } catch (error) {
    const cached = await cache.match(SHELL);
    if (cached) return cached;
    throw error;
  }
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
