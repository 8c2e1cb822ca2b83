// The service worker serves the app shell, so that the app opens without a network.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" });
}

// The browser offers to install the app (Chrome, Edge, Samsung Internet): the offer is kept
// for the app's own « Installer l'application » button. It may come before the app has
// loaded, hence here.
window.addEventListener("beforeinstallprompt", (event) => {
  event.preventDefault();
  window.jalonInstall = event;
  window.dispatchEvent(new Event("jalon-installable"));
});
window.addEventListener("appinstalled", () => {
  window.jalonInstall = null;
  window.dispatchEvent(new Event("jalon-installable"));
});
