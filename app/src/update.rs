//! New versions of the app: the service worker keeps a new version aside until the user
//! chooses to update (`public/sw.js`); `register-sw.js` sets `window.jalonUpdate` and sends
//! the `jalon-update` event when one is ready. Waiting changes stay in IndexedDB through the
//! update, and the new version's store upgrades its schema in place.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn window_function(name: &str) -> Option<Function> {
    let window = web_sys::window()?;
    Reflect::get(&window, &JsValue::from_str(name))
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

/// A new version is ready to be used.
pub fn available() -> bool {
    web_sys::window()
        .and_then(|w| Reflect::get(&w, &JsValue::from_str("jalonUpdate")).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Asks the service worker whether the server has another version (answered by the
/// `jalon-update` event). Nothing happens without a service worker or a network.
pub fn check() {
    if let Some(check) = window_function("jalonCheckUpdate") {
        let _ = check.call0(&JsValue::NULL);
    }
}

/// Puts the new version in use and reloads the page.
pub async fn apply() {
    let Some(apply) = window_function("jalonApplyUpdate") else {
        return;
    };
    if let Ok(promise) = apply.call0(&JsValue::NULL)
        && let Ok(promise) = promise.dyn_into::<Promise>()
    {
        let _ = JsFuture::from(promise).await;
    }
}
