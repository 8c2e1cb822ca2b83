//! The device's local replica in IndexedDB. Only this module opens transactions.
//!
//! Object stores:
//! - `meta`: small values under fixed keys (device id, session, next mutation number, pull
//!   cursor, reference data, time of the last successful sync);
//! - `people` and `enrolments`: the caseload, keyed by `id`;
//! - `outbox`: mutations waiting for the server, keyed by `seq`;
//! - `rejections`: mutations the server refused for good, kept to show their reason;
//! - `conflicts`: conflicts on the people of the caseload, open or resolved;
//! - `notes`: the journals of the people of the caseload (every version of every note);
//! - `items`: their follow-up (appointments, steps, contracts, obstacles, duplicate
//!   warnings), each in the last version received from the server;
//! - `consultations`: the files opened on this device, for the audit log, until uploaded;
//! - `shared`: the records that are not a person's (agreements, partners' places, envelopes,
//!   co-financing plans).
//!
//! `enrolments`, `conflicts`, `notes` and `items` are indexed by person (`by_person`): a
//! person's file reads that person's records only ([`person`]).
//!
//! The module is split by what it keeps: [`schema`] (stores and indexes, version by version),
//! [`meta`] (device, session, consultations, reference data, cursor; wipes and sign-outs),
//! [`outbox`] (the changes typed on the device), [`replica`] (what the server sent, read whole
//! and written by pulls) and [`person`] (one person's file).
//!
//! `people` holds the last state known from the server (or the local creation not yet
//! pushed); the changes of the outbox, waiting or acknowledged, are laid over it when reading
//! ([`Store::people_as_shown`]), so that the screens never show a state older than the
//! device's own changes. What happens to an outbox entry (waiting, acknowledged, visible,
//! refused) is decided by the pure functions of `jalon_domain::sync::client`; this module
//! stores their plans.
//!
//! A local change and its outbox entry are written in one transaction. Inside a transaction
//! nothing but IndexedDB requests is awaited (anything else lets it auto-commit early), and it
//! is committed explicitly (indexed_db_futures rolls back a dropped transaction). Bulk writes
//! (pulled pages) build all their requests without awaiting each one and rely on the commit,
//! which fails if any request failed.

use std::cell::RefCell;
use std::rc::Rc;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use jalon_domain::auth::SessionUser;
use jalon_domain::followup::Item;
use jalon_domain::merge::Conflict;
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, Person};
pub use jalon_domain::sync::client::{OutboxEntry, Rejection};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::JsValue;

use crate::vault::{self, Key, Sealable, VaultError, VaultRecord};
pub use schema::SCHEMA_VERSION;

mod meta;
mod outbox;
mod person;
mod replica;
mod schema;

const META: &str = "meta";
const PEOPLE: &str = "people";
const ENROLMENTS: &str = "enrolments";
const OUTBOX: &str = "outbox";
const REJECTIONS: &str = "rejections";
const CONFLICTS: &str = "conflicts";
const NOTES: &str = "notes";
const ITEMS: &str = "items";
const CONSULTATIONS: &str = "consultations";
/// The records that are not a person's (agreements, partners' places, envelopes, plans).
const SHARED: &str = "shared";
const CASELOAD: [&str; 9] = [
    PEOPLE,
    ENROLMENTS,
    OUTBOX,
    REJECTIONS,
    CONFLICTS,
    NOTES,
    ITEMS,
    CONSULTATIONS,
    SHARED,
];
/// The stores that hold records received from the server.
const REPLICA: [&str; 6] = [PEOPLE, ENROLMENTS, CONFLICTS, NOTES, ITEMS, SHARED];
/// The replica's stores and `meta` (which holds the replica's version token).
const REPLICA_AND_META: [&str; 7] = [META, PEOPLE, ENROLMENTS, CONFLICTS, NOTES, ITEMS, SHARED];

const KEY_DEVICE: &str = "device_id";
const KEY_SESSION: &str = "session";
const KEY_NEXT_SEQ: &str = "next_seq";
const KEY_CURSOR: &str = "cursor";
const KEY_REFERENCE: &str = "reference";
const KEY_LAST_SYNC: &str = "last_sync";
const KEY_OWNER: &str = "owner";
const KEY_WIPE_NOTICE: &str = "wipe_notice";
/// The replica key, wrapped (see [`crate::vault`]); in clear.
const KEY_VAULT: &str = "vault";

/// A storage failure, with a message for logs and users.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        StoreError(e.to_string())
    }
}

impl From<VaultError> for StoreError {
    fn from(e: VaultError) -> Self {
        match e {
            VaultError::Locked => StoreError("application verrouillée".into()),
            VaultError::Unreadable => StoreError("données illisibles sur cet appareil".into()),
            VaultError::Crypto(e) => StoreError(format!("chiffrement indisponible ({e})")),
        }
    }
}

impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        StoreError(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The error of every read and write once a newer version of the app, in another tab, took
/// the database over.
pub const REPLACED: &str = "Jalon a été mis à jour dans un autre onglet : rechargez la page (rien de ce qui est enregistré n'est perdu)";

/// The signed-in session kept on the device, so that the app opens offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSession {
    pub token: String,
    pub user: SessionUser,
    /// Signed in with a temporary password: the app asks for a new one before anything else.
    #[serde(default)]
    pub must_change_password: bool,
}

/// A file opened on this device, for the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredConsultation {
    pub id: Uuid,
    /// The file opened (nil for an export).
    pub person_id: Uuid,
    /// Unix seconds.
    pub at: i64,
    /// What was exported, when this records an export rather than a consultation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<String>,
}

/// What a store calls when a newer version takes the database over.
type Listener = Rc<RefCell<Option<Box<dyn Fn()>>>>;

/// Handle on the local database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Database,
    /// The replica key while the app is unlocked; shared by every clone.
    key: Rc<RefCell<Option<Key>>>,
    /// Every record of a person is known to carry the person in clear (see `person.rs`).
    indexed: Rc<std::cell::Cell<bool>>,
    /// The hash of every record of the replica, for its checksums at each sync round without
    /// reading it back (see `replica.rs`).
    hashes: Rc<RefCell<Option<replica::Hashes>>>,
    /// The replica's version token this tab's last pull wrote.
    pulled_at: Rc<RefCell<Option<String>>>,
    /// Closes this tab's connections when a newer version of the app upgrades the database.
    watch: Rc<schema::Watch>,
    /// Set once a newer version (in another tab) took the database over.
    replaced: Rc<std::cell::Cell<bool>>,
    /// What to do then (the app shows a banner).
    on_replaced: Listener,
}

impl Store {
    /// Opens (creating or upgrading) the database called `name`.
    pub async fn open(name: &str) -> Result<Store> {
        Store::open_or_wait(name, || {}).await
    }

    /// Opens (creating or upgrading) the database called `name`; `on_blocked` is called if an
    /// upgrade has to wait for a tab of an older version to close.
    ///
    /// The store then gives the database up as soon as a newer version opens it in another
    /// tab: its connections close (after the transactions under way), every later read or write
    /// fails with [`REPLACED`], and [`Store::on_replaced`] is called.
    pub async fn open_or_wait(name: &str, on_blocked: impl Fn() + 'static) -> Result<Store> {
        let watched = schema::upgrade(name, on_blocked).await?;
        let db = Database::open(name)
            .with_version(SCHEMA_VERSION)
            .await
            .map_err(StoreError::from)?;
        let replaced: Rc<std::cell::Cell<bool>> = Rc::default();
        let on_replaced: Listener = Rc::default();
        let watch = {
            let (db, replaced, on_replaced) = (db.clone(), replaced.clone(), on_replaced.clone());
            schema::Watch::new(watched, move || {
                replaced.set(true);
                db.close();
                if let Some(f) = on_replaced.borrow().as_ref() {
                    f();
                }
            })
        };
        Ok(Store {
            db,
            key: Rc::new(RefCell::new(None)),
            indexed: Rc::default(),
            hashes: Rc::default(),
            pulled_at: Rc::default(),
            watch: Rc::new(watch),
            replaced,
            on_replaced,
        })
    }

    /// Calls `f` when a newer version of the app, in another tab, takes the database over
    /// (at once if it already has).
    pub fn on_replaced(&self, f: impl Fn() + 'static) {
        if self.replaced.get() {
            f();
        }
        *self.on_replaced.borrow_mut() = Some(Box::new(f));
    }

    /// Whether a newer version of the app took the database over: this tab must reload.
    pub fn is_replaced(&self) -> bool {
        self.replaced.get()
    }

    /// Holds the replica key in memory: records can be read and written.
    pub fn unlock(&self, key: Key) {
        *self.key.borrow_mut() = Some(key);
    }

    /// Forgets the replica key: nothing can be read or written until the next unlock.
    pub fn lock(&self) {
        *self.key.borrow_mut() = None;
        *self.hashes.borrow_mut() = None;
    }

    pub fn is_unlocked(&self) -> bool {
        self.key.borrow().is_some()
    }

    fn key(&self) -> Result<Key> {
        self.key
            .borrow()
            .clone()
            .ok_or_else(|| StoreError::from(VaultError::Locked))
    }

    /// What the device keeps to unlock its replica, if someone signed in on it.
    pub async fn vault(&self) -> Result<Option<VaultRecord>> {
        self.meta_get(KEY_VAULT).await
    }

    /// Replaces the wrapped replica key (after a password change).
    pub async fn set_vault(&self, vault: &VaultRecord) -> Result<()> {
        self.meta_put(KEY_VAULT, vault).await
    }

    async fn sealed_get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let tx = self.db()?.transaction(META).build()?;
        let raw: Option<JsValue> = tx.object_store(META)?.get(key).await?;
        match raw {
            Some(raw) => Ok(Some(vault::open(Some(&self.key()?), raw)?)),
            None => Ok(None),
        }
    }

    async fn sealed_put<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let sealed = vault::seal_value(&self.key()?, value)?;
        let tx = self
            .db()?
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(META)?
            .put(sealed)
            .with_key(key)
            .without_key_type()
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A read-write transaction over every store: the settings and all the user's data.
    fn everything(&self) -> Result<indexed_db_futures::transaction::Transaction<'_>> {
        let mut stores = vec![META];
        stores.extend(CASELOAD);
        Ok(self
            .db()?
            .transaction(stores)
            .with_mode(TransactionMode::Readwrite)
            .build()?)
    }

    /// Ends a transaction that erased the user's data: keeps `notice` for the sign-in page,
    /// commits, and forgets the key.
    async fn leave_notice_and_lock(
        &self,
        tx: indexed_db_futures::transaction::Transaction<'_>,
        notice: &str,
    ) -> Result<()> {
        tx.object_store(META)?
            .put(notice)
            .with_key(KEY_WIPE_NOTICE)
            .without_key_type()
            .serde()?
            .await?;
        tx.commit().await?;
        self.lock();
        Ok(())
    }

    /// Closes the connection (tests reopen the database to prove durability).
    pub fn close(self) {
        self.watch.close();
        self.db.close();
    }

    /// The database, unless a newer version of the app took it over.
    fn db(&self) -> Result<&Database> {
        if self.replaced.get() {
            return Err(StoreError(REPLACED.into()));
        }
        Ok(&self.db)
    }

    async fn meta_get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let tx = self.db()?.transaction(META).build()?;
        let store = tx.object_store(META)?;
        let value: Option<T> = store.get(key).serde()?.await?;
        Ok(value)
    }

    async fn meta_put<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let tx = self
            .db()?
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(META)?
            .put(value)
            .with_key(key)
            .without_key_type()
            .serde()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn all<T: DeserializeOwned>(&self, name: &str) -> Result<Vec<T>> {
        let key = self.key()?;
        let tx = self.db()?.transaction(name).build()?;
        all_in(&tx, name, &key).await
    }
}

/// Every record of one store, inside `tx`, opened with `key`.
async fn all_in<T: DeserializeOwned>(
    tx: &indexed_db_futures::transaction::Transaction<'_>,
    name: &str,
    key: &Key,
) -> Result<Vec<T>> {
    let raw = tx.object_store(name)?.get_all::<JsValue>().await?;
    let mut items = Vec::new();
    for stored in raw {
        items.push(vault::open(Some(key), stored?)?);
    }
    Ok(items)
}

macro_rules! keyed_by_id {
    ($($t:ty),*) => {$(
        impl Sealable for $t {
            fn key_value(&self) -> JsValue {
                JsValue::from_str(&self.id.to_string())
            }
        }
    )*};
}
keyed_by_id!(Person, StoredConsultation);

/// Records of one person: keyed by their id, indexed by their person's.
macro_rules! of_person {
    ($($t:ty),*) => {$(
        impl Sealable for $t {
            fn key_value(&self) -> JsValue {
                JsValue::from_str(&self.id.to_string())
            }
            fn person(&self) -> Option<Uuid> {
                Some(self.person_id)
            }
        }
    )*};
}
of_person!(Enrolment, Conflict, Note, Item);
