// The service worker serves the app shell, so that the app opens without a network.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" });

  // A new version is ready (sw.js keeps it aside): the app shows « Nouvelle version
  // disponible — Mettre à jour » (window.jalonUpdate, the `jalon-update` event).
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "update-available" && !window.jalonUpdate) {
      window.jalonUpdate = true;
      window.dispatchEvent(new Event("jalon-update"));
    }
  });
  // Asks the service worker whether the server has another version (at start and after each
  // sync, by the app).
  window.jalonCheckUpdate = () => {
    navigator.serviceWorker.ready.then((registration) => {
      if (registration.active) registration.active.postMessage({ type: "check-update" });
    });
  };
  // The user chose to update: the new version becomes the one in use, then the page reloads.
  window.jalonApplyUpdate = () =>
    navigator.serviceWorker.ready
      .then(
        (registration) =>
          new Promise((resolve) => {
            const channel = new MessageChannel();
            channel.port1.onmessage = resolve;
            registration.active.postMessage({ type: "apply-update" }, [channel.port2]);
            setTimeout(resolve, 10000);
          }),
      )
      .then(() => window.location.reload());
  window.jalonCheckUpdate();
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
