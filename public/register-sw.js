// The service worker serves the app shell, so that the app opens without a network.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" });
}
