//! The database's object stores and indexes, version by version.
//!
//! The upgrade runs through the browser's own API: an index on a store created by an earlier
//! version needs the version-change transaction, which `indexed_db_futures` does not hand to
//! its upgrade callback. [`upgrade`] opens the database at [`SCHEMA_VERSION`], creates what
//! the stored version lacks and closes it; the store then opens it through the library with
//! nothing left to upgrade. Only new stores and indexes are created: nothing stored is ever
//! dropped by an upgrade, so changes waiting in the outbox survive every new version.

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStoreParameters, IdbOpenDbRequest, IdbVersionChangeEvent};

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

/// Opens `name`, creating or upgrading its stores and indexes to [`SCHEMA_VERSION`], and
/// closes it.
pub async fn upgrade(name: &str) -> Result<()> {
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
    let done = Promise::new(&mut |resolve: Function, reject: Function| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let outcome = JsFuture::from(done).await;
    request.set_onupgradeneeded(None);
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
    let db: IdbDatabase = request.result().map_err(js)?.unchecked_into();
    db.close();
    Ok(())
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
