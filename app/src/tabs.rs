//! Coordination between the tabs of one device: only one tab syncs at a time (Web Locks API),
//! and the others hear when the local data changed (BroadcastChannel).

use std::future::Future;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

const SYNC_LOCK: &str = "jalon-sync";
const CHANNEL: &str = "jalon";

/// Runs `round` while holding the device-wide sync lock, waiting for another tab's round to
/// end first. Browsers without the Web Locks API run it at once.
pub async fn with_sync_lock<F>(round: F)
where
    F: Future<Output = ()> + 'static,
{
    let Some(request) = lock_request() else {
        round.await;
        return;
    };
    let (locks, request) = request;
    let mut round = Some(round);
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        let round = round.take();
        future_to_promise(async move {
            if let Some(round) = round {
                round.await;
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    let promise = request
        .call3(
            &locks,
            &JsValue::from_str(SYNC_LOCK),
            &Object::new(),
            &callback,
        )
        .ok()
        .and_then(|p| p.dyn_into::<Promise>().ok());
    if let Some(promise) = promise {
        let _ = JsFuture::from(promise).await;
    }
}

/// `navigator.locks` and its `request` method, when the browser has them.
fn lock_request() -> Option<(JsValue, Function)> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request = Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((locks, request))
}

thread_local! {
    /// The tab's one channel: a message posted on a channel object reaches every other object
    /// of that name, those of the same tab included — posting through the object that listens
    /// keeps a tab from hearing (and redrawing for) its own changes.
    static TAB_CHANNEL: Option<web_sys::BroadcastChannel> =
        web_sys::BroadcastChannel::new(CHANNEL).ok();
}

/// Tells the other tabs that the local data changed.
pub fn announce_change() {
    TAB_CHANNEL.with(|channel| {
        if let Some(channel) = channel {
            let _ = channel.post_message(&JsValue::from_str("changed"));
        }
    });
}

/// Calls `on_change` whenever another tab announces a change, for the life of the page.
pub fn listen_for_changes(on_change: impl Fn() + 'static) {
    let listener = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_| on_change());
    TAB_CHANNEL.with(|channel| {
        if let Some(channel) = channel {
            channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        }
    });
    listener.forget();
}
