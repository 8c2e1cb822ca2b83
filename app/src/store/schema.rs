//! The database's object stores and indexes, version by version.
//!
//! The upgrade runs through the browser's own API: an index on a store created by an earlier
//! version needs the version-change transaction, which `indexed_db_futures` does not hand to
//! its upgrade callback. [`upgrade`] opens the database at [`SCHEMA_VERSION`], creates what
//! the stored version lacks and keeps that connection to hear of newer versions ([`Watch`]);
//! the store then opens it through the library with nothing left to upgrade. Only new stores
//! and indexes are created: nothing stored is ever dropped by an upgrade, so changes waiting in
//! the outbox survive every new version.
//!
//! An upgrade waits until every other connection to the database is closed. A tab of this
//! version closes its connections as soon as a newer version asks ([`Watch`]); a tab of an
//! older version may not, and the upgrade then says so through `on_blocked` while it waits.

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Event, IdbDatabase, IdbObjectStoreParameters, IdbOpenDbRequest, IdbVersionChangeEvent,
};

use super::person::KEY_INDEXED;
use super::{
    CONFLICTS, CONSULTATIONS, ENROLMENTS, ITEMS, META, NOTES, OUTBOX, PEOPLE, REJECTIONS, Result,
    SHARED, StoreError,
};

pub const SCHEMA_VERSION: u32 = 7;

/// The index of the stores of a person's records, on the person's id kept in clear beside the
/// sealed record ([`crate::vault::Sealable::person`]).
pub const BY_PERSON: &str = "by_person";

/// The stores of the records that belong to one person, each indexed [`BY_PERSON`] from
/// version 7 (the people store is keyed by the person's id itself).
pub const OF_PERSON: [&str; 4] = [ENROLMENTS, CONFLICTS, NOTES, ITEMS];

/// A connection kept open only to hear that a newer version of the app wants to upgrade the
/// database: `on_change` then closes this tab's connections, so that the upgrade goes on.
pub struct Watch {
    db: IdbDatabase,
    _on_change: Closure<dyn FnMut(Event)>,
}

impl Watch {
    /// Calls `on_change` (once) when another tab opens the database at a newer version or
    /// deletes it; this connection is closed first.
    pub fn new(db: IdbDatabase, on_change: impl FnOnce() + 'static) -> Watch {
        let closed = db.clone();
        let mut on_change = Some(on_change);
        let on_change = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            closed.close();
            if let Some(f) = on_change.take() {
                f();
            }
        });
        db.set_onversionchange(Some(on_change.as_ref().unchecked_ref()));
        Watch {
            db,
            _on_change: on_change,
        }
    }
}

impl Watch {
    /// Closes the connection; `on_change` will not be called.
    pub fn close(&self) {
        self.db.set_onversionchange(None);
        self.db.close();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.close();
    }
}

/// Opens `name`, creating or upgrading its stores and indexes to [`SCHEMA_VERSION`], and
/// returns the open connection. `on_blocked` is called if the upgrade has to wait for another
/// tab to close the database (the upgrade goes on once it does).
pub async fn upgrade(name: &str, on_blocked: impl Fn() + 'static) -> Result<IdbDatabase> {
    let js = |e: JsValue| StoreError(format!("IndexedDB: {e:?}"));
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or_else(|| StoreError("IndexedDB indisponible".into()))?;
    let request = factory.open_with_u32(name, SCHEMA_VERSION).map_err(js)?;
    let failure: std::rc::Rc<std::cell::RefCell<Option<String>>> = Default::default();
    let on_upgrade = {
        let (request, failure) = (request.clone(), failure.clone());
        Closure::once(move |event: IdbVersionChangeEvent| {
            if let Err(e) = create(&request, event.old_version()) {
                *failure.borrow_mut() = Some(format!("{e:?}"));
                if let Ok(tx) = request.transaction().ok_or(JsValue::NULL) {
                    let _ = tx.abort();
                }
            }
        })
    };
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let on_blocked = Closure::<dyn Fn(Event)>::new(move |_: Event| on_blocked());
    request.set_onblocked(Some(on_blocked.as_ref().unchecked_ref()));
    let done = Promise::new(&mut |resolve: Function, reject: Function| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let outcome = JsFuture::from(done).await;
    request.set_onupgradeneeded(None);
    request.set_onblocked(None);
    request.set_onsuccess(None);
    request.set_onerror(None);
    if let Some(e) = failure.borrow_mut().take() {
        return Err(StoreError(format!("mise à jour de la base locale : {e}")));
    }
    outcome.map_err(|_| {
        StoreError(match request.error() {
            Ok(Some(e)) => format!("IndexedDB: {}", e.message()),
            _ => "IndexedDB: ouverture impossible".into(),
        })
    })?;
    Ok(request.result().map_err(js)?.unchecked_into())
}

/// Creates what a database at `old` lacks, inside the version-change transaction of `request`.
fn create(request: &IdbOpenDbRequest, old: f64) -> std::result::Result<(), JsValue> {
    let db: IdbDatabase = request.result()?.unchecked_into();
    let keyed_by = |name: &str, key: &str| -> std::result::Result<(), JsValue> {
        let params = IdbObjectStoreParameters::new();
        params.set_key_path(&JsValue::from_str(key));
        db.create_object_store_with_optional_parameters(name, &params)?;
        Ok(())
    };
    if old < 1.0 {
        // A new database: every record it will hold is sealed with its person in clear.
        db.create_object_store(META)?
            .put_with_key(&JsValue::TRUE, &JsValue::from_str(KEY_INDEXED))?;
        keyed_by(PEOPLE, "id")?;
        keyed_by(ENROLMENTS, "id")?;
        keyed_by(OUTBOX, "seq")?;
        keyed_by(REJECTIONS, "seq")?;
    }
    if old < 2.0 {
        keyed_by(CONFLICTS, "id")?;
    }
    if old < 3.0 {
        keyed_by(NOTES, "id")?;
    }
    if old < 4.0 {
        // Records of the previous schema lack fields: the replica's checksum will differ from
        // the server's and the next sync fetches them again.
        keyed_by(ITEMS, "id")?;
    }
    if old < 5.0 {
        keyed_by(CONSULTATIONS, "id")?;
    }
    if old < 6.0 {
        // Agreements and partners' places came with the reference data before: the replica's
        // checksum differs and the next sync fetches what differs.
        keyed_by(SHARED, "id")?;
    }
    if old < 7.0 {
        // Records sealed before version 7 carry no person in clear: the index leaves them out
        // until `Store::index_by_person` seals them again, at the first read after unlocking.
        let tx = request
            .transaction()
            .ok_or_else(|| JsValue::from_str("no version-change transaction"))?;
        for name in OF_PERSON {
            tx.object_store(name)?
                .create_index_with_str(BY_PERSON, "person")?;
        }
    }
    Ok(())
}
