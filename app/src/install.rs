//! Installing the app: the browser's offer kept by `register-sw.js` (`window.jalonInstall`,
//! announced by the `jalon-installable` event), and whether the app already runs installed.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn offer() -> Option<JsValue> {
    let window = web_sys::window()?;
    Reflect::get(&window, &JsValue::from_str("jalonInstall"))
        .ok()
        .filter(|v| v.is_object())
}

/// The browser offers to install the app.
pub fn available() -> bool {
    offer().is_some()
}

/// The app runs installed (its own window), not in a browser tab.
pub fn installed() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let standalone = window
        .match_media("(display-mode: standalone)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches());
    // iPadOS Safari says so its own way.
    let ios = Reflect::get(&window.navigator(), &JsValue::from_str("standalone"))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    standalone || ios
}

/// Shows the browser's install dialog; whether the user accepted.
pub async fn prompt() -> bool {
    let Some(event) = offer() else {
        return false;
    };
    let Some(show) = Reflect::get(&event, &JsValue::from_str("prompt"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return false;
    };
    if let Ok(shown) = show.call0(&event)
        && let Ok(shown) = shown.dyn_into::<Promise>()
    {
        let _ = JsFuture::from(shown).await;
    }
    let Some(choice) = Reflect::get(&event, &JsValue::from_str("userChoice"))
        .ok()
        .and_then(|p| p.dyn_into::<Promise>().ok())
    else {
        return false;
    };
    let accepted = JsFuture::from(choice)
        .await
        .ok()
        .and_then(|c| Reflect::get(&c, &JsValue::from_str("outcome")).ok())
        .and_then(|o| o.as_string())
        .is_some_and(|o| o == "accepted");
    // An offer serves once.
    if let Some(window) = web_sys::window() {
        let _ = Reflect::set(&window, &JsValue::from_str("jalonInstall"), &JsValue::NULL);
    }
    accepted
}
