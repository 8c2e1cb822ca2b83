//! The browser's storage for the replica: asking that it be kept (`navigator.storage.persist()`:
//! without it a browser short of space may evict days of offline work), and how full it is.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// From this share of the quota the app warns.
pub const WARN_SHARE: f64 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageStatus {
    /// The browser promised not to evict the site's data.
    pub persisted: bool,
    /// Bytes used by the site, and the most it may use.
    pub usage: f64,
    pub quota: f64,
}

impl StorageStatus {
    /// Used share of the quota, 0 to 1 (0 when the browser gives no quota).
    pub fn share(&self) -> f64 {
        if self.quota > 0.0 {
            (self.usage / self.quota).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    pub fn almost_full(&self) -> bool {
        self.share() >= WARN_SHARE
    }
}

async fn call(promise: Result<js_sys::Promise, JsValue>) -> Option<JsValue> {
    JsFuture::from(promise.ok()?).await.ok()
}

/// Asks the browser to keep the site's data (once granted, it stays so; the request is made at
/// sign-in and unlock only: some browsers ask the user), then measures.
pub async fn persist_and_measure() -> Option<StorageStatus> {
    let storage = web_sys::window()?.navigator().storage();
    let persisted = call(storage.persisted()).await?.as_bool().unwrap_or(false);
    if !persisted {
        call(storage.persist()).await;
    }
    measure().await
}

/// Whether the data is kept for good, and the usage against the quota. `None` where the
/// browser has no Storage API.
pub async fn measure() -> Option<StorageStatus> {
    let storage = web_sys::window()?.navigator().storage();
    let persisted = call(storage.persisted()).await?.as_bool().unwrap_or(false);
    let estimate = call(storage.estimate()).await?;
    let number = |name: &str| {
        Reflect::get(&estimate, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.dyn_into::<js_sys::Number>().ok())
            .map_or(0.0, |n| n.value_of())
    };
    Some(StorageStatus {
        persisted,
        usage: number("usage"),
        quota: number("quota"),
    })
}
