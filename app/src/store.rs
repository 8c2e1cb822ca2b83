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
//! - `consultations`: the files opened on this device, for the audit log, until uploaded.
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
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use indexed_db_futures::database::Database;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use jalon_domain::auth::SessionUser;
use jalon_domain::followup::Item;
use jalon_domain::merge::{Conflict, FieldValue, PersonEdit};
use jalon_domain::notes::Note;
use jalon_domain::pathway::Exit;
use jalon_domain::people::{Enrolment, Person, PersonCreation};
use jalon_domain::sync::client;
pub use jalon_domain::sync::client::{OutboxEntry, Rejection};
use jalon_domain::sync::client::{
    plan_push, shown_items, shown_notes, shown_people, visible_at, waiting_count, waiting_people,
};
use jalon_domain::sync::{
    Change, Mutation, MutationResult, Outcome, PullResponse, Record, ReferenceData, SharedRecords,
    checksum,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;
use wasm_bindgen::JsValue;

use crate::vault::{self, Key, Sealable, VaultError, VaultRecord};

/// Version of the local schema; bump it with a new upgrade step.
const SCHEMA_VERSION: u32 = 6;

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

/// Handle on the local database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    db: Database,
    /// The replica key while the app is unlocked; shared by every clone.
    key: Rc<RefCell<Option<Key>>>,
}

impl Store {
    /// Opens (creating or upgrading) the database called `name`.
    pub async fn open(name: &str) -> Result<Store> {
        let db = Database::open(name)
            .with_version(SCHEMA_VERSION)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(META).build()?;
                    db.create_object_store(PEOPLE)
                        .with_key_path("id".into())
                        .build()?;
                    db.create_object_store(ENROLMENTS)
                        .with_key_path("id".into())
                        .build()?;
                    db.create_object_store(OUTBOX)
                        .with_key_path("seq".into())
                        .build()?;
                    db.create_object_store(REJECTIONS)
                        .with_key_path("seq".into())
                        .build()?;
                }
                if event.old_version() < 2.0 {
                    db.create_object_store(CONFLICTS)
                        .with_key_path("id".into())
                        .build()?;
                }
                if event.old_version() < 3.0 {
                    db.create_object_store(NOTES)
                        .with_key_path("id".into())
                        .build()?;
                }
                if event.old_version() < 4.0 {
                    // Records of the previous schema lack fields: the replica's checksum will
                    // differ from the server's and the next sync fetches it again.
                    db.create_object_store(ITEMS)
                        .with_key_path("id".into())
                        .build()?;
                }
                if event.old_version() < 5.0 {
                    db.create_object_store(CONSULTATIONS)
                        .with_key_path("id".into())
                        .build()?;
                }
                if event.old_version() < 6.0 {
                    // Agreements and partners' places came with the reference data before:
                    // the replica's checksum differs and the next sync fetches what differs.
                    db.create_object_store(SHARED)
                        .with_key_path("id".into())
                        .build()?;
                }
                Ok(())
            })
            .await
            .map_err(StoreError::from)?;
        Ok(Store {
            db,
            key: Rc::new(RefCell::new(None)),
        })
    }

    /// Holds the replica key in memory: records can be read and written.
    pub fn unlock(&self, key: Key) {
        *self.key.borrow_mut() = Some(key);
    }

    /// Forgets the replica key: nothing can be read or written until the next unlock.
    pub fn lock(&self) {
        *self.key.borrow_mut() = None;
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
        let tx = self.db.transaction(META).build()?;
        let raw: Option<JsValue> = tx.object_store(META)?.get(key).await?;
        match raw {
            Some(raw) => Ok(Some(vault::open(Some(&self.key()?), raw)?)),
            None => Ok(None),
        }
    }

    async fn sealed_put<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let sealed = vault::seal_value(&self.key()?, value)?;
        let tx = self
            .db
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
            .db
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
        self.db.close();
    }

    async fn meta_get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let tx = self.db.transaction(META).build()?;
        let store = tx.object_store(META)?;
        let value: Option<T> = store.get(key).serde()?.await?;
        Ok(value)
    }

    async fn meta_put<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let tx = self
            .db
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

    /// This device's id, chosen at random on first use and kept for ever.
    pub async fn device_id(&self) -> Result<Uuid> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta = tx.object_store(META)?;
        let existing: Option<Uuid> = meta.get(KEY_DEVICE).serde()?.await?;
        let id = match existing {
            Some(id) => id,
            None => {
                let id = Uuid::new_v4();
                meta.put(&id)
                    .with_key(KEY_DEVICE)
                    .without_key_type()
                    .serde()?
                    .await?;
                id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// Gives this device a new id (another user takes it; the former id stays bound to their
    /// account on the server).
    pub async fn new_device_id(&self) -> Result<Uuid> {
        let id = Uuid::new_v4();
        self.meta_put(KEY_DEVICE, &id).await?;
        Ok(id)
    }

    /// Whether a session is kept (readable or not: the app may be locked).
    pub async fn has_session(&self) -> Result<bool> {
        let tx = self.db.transaction(META).build()?;
        let raw: Option<JsValue> = tx.object_store(META)?.get(KEY_SESSION).await?;
        Ok(raw.is_some())
    }

    /// The signed-in session (the app must be unlocked).
    pub async fn session(&self) -> Result<Option<StoredSession>> {
        self.sealed_get(KEY_SESSION).await
    }

    /// Keeps the session of `session.user`, unlocks the store with `key` and keeps `vault`, the
    /// wrapped key that reopens it. `fresh`: `key` was just drawn, so what the device holds
    /// sealed under an earlier key is unreadable and goes. When the local caseload belongs to
    /// someone else it is wiped first (refusals included), unless it still holds changes
    /// waiting for the server: then nothing is changed and `Ok(false)` is returned. Records
    /// written in clear by an app from before encryption are sealed.
    pub async fn start_session(
        &self,
        session: &StoredSession,
        key: Key,
        vault: &VaultRecord,
        fresh: bool,
    ) -> Result<bool> {
        let sealed_session = vault::seal_value(&key, session)?;
        let tx = self.everything()?;
        let meta = tx.object_store(META)?;
        let owner: Option<Uuid> = meta.get(KEY_OWNER).serde()?.await?;
        let earlier: Option<VaultRecord> = meta.get(KEY_VAULT).serde()?.await?;
        let other_owner = owner.is_some_and(|owner| owner != session.user.id);
        if other_owner {
            // Acknowledged changes are on the server already; waiting ones are not.
            let outbox: Vec<JsValue> = tx
                .object_store(OUTBOX)?
                .get_all()
                .await?
                .collect::<std::result::Result<_, _>>()?;
            // Sealed under the other user's key (unless this tab still holds it), they
            // cannot be told apart: all count as waiting.
            let current = self.key.borrow().clone();
            let entries = outbox
                .iter()
                .map(|raw| vault::open::<OutboxEntry>(current.as_ref(), raw.clone()))
                .collect::<std::result::Result<Vec<_>, _>>();
            let waiting = match entries {
                Ok(entries) => waiting_count(&entries),
                Err(_) => outbox.len(),
            };
            if waiting > 0 {
                tx.abort().await?;
                return Ok(false);
            }
        }
        if other_owner || (earlier.is_some() && fresh) {
            for name in CASELOAD {
                tx.object_store(name)?.clear()?.await?;
            }
            meta.delete(KEY_CURSOR).await?;
            meta.delete(KEY_LAST_SYNC).await?;
            meta.delete(KEY_REFERENCE).await?;
        }
        meta.put(&session.user.id)
            .with_key(KEY_OWNER)
            .without_key_type()
            .serde()?
            .await?;
        meta.put(vault)
            .with_key(KEY_VAULT)
            .without_key_type()
            .serde()?
            .await?;
        meta.put(sealed_session)
            .with_key(KEY_SESSION)
            .without_key_type()
            .await?;
        if earlier.is_none() {
            reseal_in::<Person>(&tx, PEOPLE, &key).await?;
            reseal_in::<Enrolment>(&tx, ENROLMENTS, &key).await?;
            reseal_in::<OutboxEntry>(&tx, OUTBOX, &key).await?;
            reseal_in::<Rejection>(&tx, REJECTIONS, &key).await?;
            reseal_in::<Conflict>(&tx, CONFLICTS, &key).await?;
            reseal_in::<Note>(&tx, NOTES, &key).await?;
            reseal_in::<Item>(&tx, ITEMS, &key).await?;
            reseal_in::<StoredConsultation>(&tx, CONSULTATIONS, &key).await?;
            // The reference data of an older app is fetched again.
            meta.delete(KEY_REFERENCE).await?;
        }
        tx.commit().await?;
        self.unlock(key);
        Ok(true)
    }

    /// Replaces the stored session (same key).
    pub async fn set_session(&self, session: &StoredSession) -> Result<()> {
        self.sealed_put(KEY_SESSION, session).await
    }

    /// Notes that a file was opened, for the audit log (uploaded at the next sync).
    pub async fn record_consultation(&self, person_id: Uuid, at: i64) -> Result<()> {
        let tx = self
            .db
            .transaction(CONSULTATIONS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let consultation = StoredConsultation {
            id: Uuid::new_v4(),
            person_id,
            at,
            export: None,
        };
        tx.object_store(CONSULTATIONS)?
            .put(vault::seal_record(&self.key()?, &consultation)?)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Notes that a table was exported, for the audit log (uploaded at the next sync).
    pub async fn record_export(&self, what: &str, at: i64) -> Result<()> {
        let tx = self
            .db
            .transaction(CONSULTATIONS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let export = StoredConsultation {
            id: Uuid::new_v4(),
            person_id: Uuid::nil(),
            at,
            export: Some(what.to_owned()),
        };
        tx.object_store(CONSULTATIONS)?
            .put(vault::seal_record(&self.key()?, &export)?)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The consultations not uploaded yet.
    pub async fn consultations(&self) -> Result<Vec<StoredConsultation>> {
        self.all(CONSULTATIONS).await
    }

    /// Forgets consultations the server has recorded.
    pub async fn forget_consultations(&self, ids: &[Uuid]) -> Result<()> {
        let tx = self
            .db
            .transaction(CONSULTATIONS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(CONSULTATIONS)?;
        for id in ids {
            store.delete(id.to_string()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Erases everything this device holds of its user — caseload, waiting changes,
    /// refusals, session, the wrapped key, device id — after the account was deactivated or the
    /// device revoked, and keeps only `notice` to show at the next start. Returns how many
    /// changes were still waiting (and are lost: a revoked device may not send them).
    pub async fn wipe(&self, notice: &str) -> Result<u32> {
        let key = self.key.borrow().clone();
        let tx = self.everything()?;
        let waiting = match &key {
            Some(key) => waiting_count(&all_in::<OutboxEntry>(&tx, OUTBOX, key).await?),
            None => tx.object_store(OUTBOX)?.count().await? as usize,
        } as u32;
        for name in CASELOAD {
            tx.object_store(name)?.clear()?.await?;
        }
        let meta = tx.object_store(META)?;
        meta.clear()?.await?;
        self.leave_notice_and_lock(tx, notice).await?;
        Ok(waiting)
    }

    /// Signing out: erases the caseload, the session and the reference data, and locks. What
    /// has not reached the server — waiting changes, refusals still to read, consultations for
    /// the audit log — stays sealed for this user's next sign-in (which reopens it with the
    /// device's escrow key) and nothing else; when nothing does, the wrapped key and the owner
    /// go too. The device id and its mutation numbers stay: they are the device's. Returns how
    /// many changes still wait.
    pub async fn sign_out(&self, notice: &str) -> Result<u32> {
        let key = self.key()?;
        let tx = self.everything()?;
        let outbox = all_in::<OutboxEntry>(&tx, OUTBOX, &key).await?;
        let waiting = waiting_count(&outbox) as u32;
        // Acknowledged entries are on the server: the next pull would have dropped them.
        let out = tx.object_store(OUTBOX)?;
        for entry in outbox.iter().filter(|e| e.acknowledged.is_some()) {
            out.delete(entry.seq as f64).await?;
        }
        for name in REPLICA {
            tx.object_store(name)?.clear()?.await?;
        }
        let kept = waiting > 0
            || tx.object_store(REJECTIONS)?.count().await? > 0
            || tx.object_store(CONSULTATIONS)?.count().await? > 0;
        let meta = tx.object_store(META)?;
        for name in [KEY_SESSION, KEY_REFERENCE, KEY_CURSOR, KEY_LAST_SYNC] {
            meta.delete(name).await?;
        }
        if !kept {
            meta.delete(KEY_VAULT).await?;
            meta.delete(KEY_OWNER).await?;
        }
        self.leave_notice_and_lock(tx, notice).await?;
        Ok(waiting)
    }

    /// What the last wipe said, once (it is forgotten as it is read).
    pub async fn take_wipe_notice(&self) -> Result<Option<String>> {
        let notice: Option<String> = self.meta_get(KEY_WIPE_NOTICE).await?;
        if notice.is_some() {
            let tx = self
                .db
                .transaction(META)
                .with_mode(TransactionMode::Readwrite)
                .build()?;
            tx.object_store(META)?.delete(KEY_WIPE_NOTICE).await?;
            tx.commit().await?;
        }
        Ok(notice)
    }

    /// Marks the stored session as having chosen its own password.
    pub async fn password_changed(&self) -> Result<()> {
        if let Some(mut session) = self.session().await? {
            session.must_change_password = false;
            self.sealed_put(KEY_SESSION, &session).await?;
        }
        Ok(())
    }

    pub async fn reference(&self) -> Result<Option<ReferenceData>> {
        self.sealed_get(KEY_REFERENCE).await
    }

    pub async fn set_reference(&self, reference: &ReferenceData) -> Result<()> {
        self.sealed_put(KEY_REFERENCE, reference).await
    }

    /// Time of the last successful sync, in milliseconds since the epoch.
    pub async fn last_sync(&self) -> Result<Option<f64>> {
        self.meta_get(KEY_LAST_SYNC).await
    }

    pub async fn set_last_sync(&self, at_ms: f64) -> Result<()> {
        self.meta_put(KEY_LAST_SYNC, &at_ms).await
    }

    pub async fn cursor(&self) -> Result<i64> {
        Ok(self.meta_get(KEY_CURSOR).await?.unwrap_or(0))
    }

    /// Stores a new person with their enrolment and the outbox entry that will send them, in
    /// one transaction. Returns the mutation number.
    pub async fn create_person(&self, creation: &PersonCreation) -> Result<u64> {
        let tx = self
            .db
            .transaction([META, PEOPLE, ENROLMENTS, OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let key = self.key()?;
        tx.object_store(PEOPLE)?
            .put(vault::seal_record(&key, &creation.person)?)
            .await?;
        tx.object_store(ENROLMENTS)?
            .put(vault::seal_record(&key, &creation.enrolment)?)
            .await?;
        let seq = add_to_outbox(&tx, &key, Mutation::CreatePerson(creation.clone())).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Queues a mutation in the outbox, in a transaction of its own.
    async fn enqueue(&self, mutation: Mutation) -> Result<u64> {
        let tx = self
            .db
            .transaction([META, OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let seq = add_to_outbox(&tx, &self.key()?, mutation).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Stores a new enrolment of a person already known with its outbox entry, in one
    /// transaction (it shows at once; the server's version, with its FSE snapshot, replaces it).
    pub async fn enrol(&self, enrolment: &Enrolment) -> Result<u64> {
        let tx = self
            .db
            .transaction([META, ENROLMENTS, OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let key = self.key()?;
        tx.object_store(ENROLMENTS)?
            .put(vault::seal_record(&key, enrolment)?)
            .await?;
        let seq = add_to_outbox(&tx, &key, Mutation::Enrol(enrolment.clone())).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Queues an edit of a person. The stored person is left as the server last sent it; the
    /// edit shows through [`Store::people_as_shown`] until the server has it.
    pub async fn edit_person(&self, edit: PersonEdit) -> Result<u64> {
        self.enqueue(Mutation::EditPerson(edit)).await
    }

    /// Queues the hand-over of an enrolment to another référent (supervisors).
    pub async fn change_referent(
        &self,
        enrolment: &Enrolment,
        referent_id: Uuid,
        effective: Option<Date>,
    ) -> Result<u64> {
        self.enqueue(Mutation::ChangeReferent {
            enrolment_id: enrolment.id,
            person_id: enrolment.person_id,
            referent_id,
            effective,
        })
        .await
    }

    /// Queues the orientation decision of an enrolment.
    pub async fn set_orientation(
        &self,
        enrolment: &Enrolment,
        orientation: jalon_domain::orientation::Orientation,
    ) -> Result<u64> {
        self.enqueue(Mutation::SetOrientation {
            enrolment_id: enrolment.id,
            person_id: enrolment.person_id,
            orientation,
        })
        .await
    }

    /// Queues the six-month FSE situation of a closed enrolment.
    pub async fn record_six_months(
        &self,
        enrolment: &Enrolment,
        result: jalon_domain::fse::SixMonths,
    ) -> Result<u64> {
        self.enqueue(Mutation::RecordSixMonths {
            enrolment_id: enrolment.id,
            person_id: enrolment.person_id,
            result,
        })
        .await
    }

    /// Queues the hand-over of several enrolments to one référent, all in one transaction:
    /// every one of them waits in the outbox, or none.
    pub async fn change_referents(
        &self,
        enrolments: &[&Enrolment],
        referent_id: Uuid,
        effective: Option<Date>,
    ) -> Result<()> {
        let tx = self
            .db
            .transaction([META, OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let key = self.key()?;
        for enrolment in enrolments {
            add_to_outbox(
                &tx,
                &key,
                Mutation::ChangeReferent {
                    enrolment_id: enrolment.id,
                    person_id: enrolment.person_id,
                    referent_id,
                    effective,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Queues the deletion of a person file, as it was last received from the server (the
    /// deletion applies only if nobody changed it since). The person disappears from the
    /// screens at once.
    pub async fn delete_person(&self, person_id: Uuid) -> Result<u64> {
        let Some(base) = self.people().await?.into_iter().find(|p| p.id == person_id) else {
            return Err(StoreError("personne inconnue sur cet appareil".into()));
        };
        self.enqueue(Mutation::DeletePerson { person_id, base })
            .await
    }

    /// Queues a note (or a new version of one) for a person's journal.
    pub async fn add_note(&self, note: Note) -> Result<u64> {
        self.enqueue(Mutation::AddNote(note)).await
    }

    /// Every version of every note of a person, with those of the outbox not received back
    /// yet (`true` while waiting for the server).
    pub async fn notes_of(&self, person_id: Uuid) -> Result<Vec<(Note, bool)>> {
        let notes = self.all::<Note>(NOTES).await?;
        let outbox = self.outbox().await?;
        Ok(shown_notes(notes, &outbox)
            .into_iter()
            .filter(|(n, _)| n.person_id == person_id)
            .collect())
    }

    /// Queues a follow-up item (new, or a new state of one).
    pub async fn save_item(&self, item: Item) -> Result<u64> {
        self.enqueue(Mutation::SaveItem(item)).await
    }

    /// Every follow-up item, as last received from the server with the states of the outbox
    /// laid over it (`true` while waiting for the server).
    pub async fn items_as_shown(&self) -> Result<Vec<(Item, bool)>> {
        let items = self.all::<Item>(ITEMS).await?;
        Ok(shown_items(items, &self.outbox().await?))
    }

    /// The follow-up items as received from the server (waiting changes not laid over).
    pub async fn items(&self) -> Result<Vec<Item>> {
        self.all(ITEMS).await
    }

    /// Every version of every note, as received from the server.
    pub async fn notes(&self) -> Result<Vec<Note>> {
        self.all(NOTES).await
    }

    /// Queues the closing of an enrolment with its exit.
    pub async fn close_enrolment(&self, enrolment: &Enrolment, exit: Exit) -> Result<u64> {
        self.enqueue(Mutation::CloseEnrolment {
            enrolment_id: enrolment.id,
            person_id: enrolment.person_id,
            exit,
        })
        .await
    }

    /// Queues the choice of one value of a conflict.
    pub async fn resolve_conflict(&self, conflict: &Conflict, value: FieldValue) -> Result<u64> {
        self.enqueue(Mutation::ResolveConflict {
            conflict_id: conflict.id,
            person_id: conflict.person_id,
            value,
        })
        .await
    }

    /// The people with the edits of the outbox (waiting or acknowledged) laid over them,
    /// without those whose deletion is in it.
    pub async fn people_as_shown(&self) -> Result<Vec<Person>> {
        let outbox = self.outbox().await?;
        Ok(shown_people(self.people().await?, &outbox))
    }

    pub async fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.all(CONFLICTS).await
    }

    async fn all<T: DeserializeOwned>(&self, name: &str) -> Result<Vec<T>> {
        let key = self.key()?;
        let tx = self.db.transaction(name).build()?;
        all_in(&tx, name, &key).await
    }

    pub async fn people(&self) -> Result<Vec<Person>> {
        self.all(PEOPLE).await
    }

    /// The enrolments, with the six-month situations and orientations waiting in the outbox
    /// laid over (`shown_enrolments`).
    pub async fn enrolments(&self) -> Result<Vec<Enrolment>> {
        let enrolments = self.all::<Enrolment>(ENROLMENTS).await?;
        Ok(jalon_domain::sync::client::shown_enrolments(
            enrolments,
            &self.outbox().await?,
        ))
    }

    pub async fn rejections(&self) -> Result<Vec<Rejection>> {
        self.all(REJECTIONS).await
    }

    /// Forgets a refusal the user has read (what was typed in it goes with it).
    pub async fn dismiss_rejection(&self, seq: u64) -> Result<()> {
        let tx = self
            .db
            .transaction(REJECTIONS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(REJECTIONS)?.delete(seq as f64).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every entry of the outbox, waiting or acknowledged, in `seq` order.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        self.all(OUTBOX).await
    }

    /// Whether the device holds no record from the server and no waiting change.
    pub async fn replica_is_empty(&self) -> Result<bool> {
        let tx = self.db.transaction(CASELOAD).build()?;
        for name in CASELOAD {
            if name != REJECTIONS && tx.object_store(name)?.count().await? > 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// How many changes wait for the server, and how many it acknowledged that the replica
    /// does not show from the server yet.
    pub async fn outbox_counts(&self) -> Result<(u32, u32)> {
        let outbox = self.outbox().await?;
        let waiting = waiting_count(&outbox);
        Ok((waiting as u32, (outbox.len() - waiting) as u32))
    }

    /// How many changes wait for the server.
    pub async fn pending_count(&self) -> Result<u32> {
        Ok(self.outbox_counts().await?.0)
    }

    /// The people with a change still waiting for the server.
    pub async fn pending_people(&self) -> Result<HashSet<Uuid>> {
        Ok(waiting_people(&self.outbox().await?))
    }

    /// Stores the answer to a push, in one transaction, as `jalon_domain::sync::client::
    /// plan_push` plans it: applied changes stay as acknowledged (still shown) until a pull
    /// includes them; refused ones become rejections naming the person, and a refused
    /// creation leaves the caseload (what was typed stays in the rejection); a deletion the
    /// server applied takes the person's records off the device.
    pub async fn apply_push_results(
        &self,
        sent: &[OutboxEntry],
        results: &[MutationResult],
    ) -> Result<()> {
        let tx = self
            .db
            .transaction([
                OUTBOX, REJECTIONS, PEOPLE, ENROLMENTS, CONFLICTS, NOTES, ITEMS, SHARED,
            ])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let key = self.key()?;
        // The names of the people of refused changes, as this device holds them.
        let mut labels: HashMap<Uuid, String> = HashMap::new();
        let people = tx.object_store(PEOPLE)?;
        for result in results {
            if let (Outcome::Rejected { .. }, Some(entry)) =
                (&result.outcome, sent.iter().find(|e| e.seq == result.seq))
            {
                let id = entry.mutation.person_id();
                let raw: Option<JsValue> = people.get(id.to_string()).await?;
                if let Some(raw) = raw {
                    let person: Person = vault::open(Some(&key), raw)?;
                    labels.insert(id, person.display_name());
                }
            }
        }
        let plan = plan_push(sent, results, |id| labels.get(&id).cloned());
        for (kind, id) in &plan.dropped {
            let name = match kind {
                0 => PEOPLE,
                _ => ENROLMENTS,
            };
            tx.object_store(name)?.delete(id.to_string()).await?;
        }
        if !plan.deleted_people.is_empty() {
            for record in replica_in(&tx, &key).await? {
                if record
                    .person_id()
                    .is_some_and(|p| plan.deleted_people.contains(&p))
                {
                    let (name, id) = location(&record);
                    tx.object_store(name)?.delete(id.to_string()).await?;
                }
            }
        }
        let outbox = tx.object_store(OUTBOX)?;
        for seq in &plan.removed {
            outbox.delete(*seq as f64).await?;
        }
        for entry in &plan.acknowledged {
            outbox.put(vault::seal_record(&key, entry)?).await?;
        }
        let rejections = tx.object_store(REJECTIONS)?;
        for rejection in &plan.rejections {
            rejections.put(vault::seal_record(&key, rejection)?).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The records held from the server.
    async fn replica(&self) -> Result<Vec<Record>> {
        let key = self.key()?;
        let tx = self.db.transaction(REPLICA).build()?;
        replica_in(&tx, &key).await
    }

    /// The records held that are not a person's: agreements, partners' places, envelopes,
    /// co-financing plans.
    pub async fn shared(&self) -> Result<SharedRecords> {
        let key = self.key()?;
        let tx = self.db.transaction(SHARED).build()?;
        let records = all_in::<SharedRecord>(&tx, SHARED, &key).await?;
        Ok(SharedRecords::of(records.iter().map(|r| &r.0)))
    }

    /// The checksum of the replica and of each of its buckets (see
    /// `jalon_domain::sync::bucket_checksums`), or `None` while the outbox holds a change the
    /// server acknowledged but no pull has shown yet. Changes not yet sent do not count: the
    /// replica holds only what came from the server, and they are shown on top of it.
    pub async fn replica_checksums(&self) -> Result<Option<(String, Vec<String>)>> {
        let outbox = self.outbox().await?;
        if !client::may_replace(&outbox) {
            return Ok(None);
        }
        let records = self.replica().await?;
        Ok(client::replica_checksums(&records, &outbox))
    }

    /// Replaces the records of the people of `bucket` by `records` (a whole pull of that
    /// bucket), in one transaction; the cursor stays. Changes not yet sent stay in the outbox,
    /// shown on top (a person handed over leaves the device even then; those changes are
    /// pushed at the next round and refused visibly). Refuses (`Ok(false)`) while a change the
    /// server acknowledged is not yet shown by a pull.
    pub async fn replace_bucket(&self, bucket: u8, records: &[Change]) -> Result<bool> {
        let tx = self
            .db
            .transaction([PEOPLE, ENROLMENTS, CONFLICTS, NOTES, ITEMS, SHARED, OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let key = self.key()?;
        let outbox = all_in::<OutboxEntry>(&tx, OUTBOX, &key).await?;
        if !client::may_replace(&outbox) {
            tx.abort().await?;
            return Ok(false);
        }
        // Drop what the device holds of the bucket…
        for record in replica_in(&tx, &key).await? {
            if record.bucket() == bucket {
                let (name, id) = location(&record);
                tx.object_store(name)?.delete(id.to_string()).await?;
            }
        }
        // …and store what the server holds, over what creations still waiting put there.
        let stores = ReplicaStores::open(&tx, &key)?;
        for record in client::created_while_waiting(&outbox) {
            if record.bucket() == bucket {
                stores.put(&record)?;
            }
        }
        for Change { record, .. } in records.iter().filter(|c| c.record.bucket() == bucket) {
            stores.put(record)?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The checksum of the records held from the server (see `jalon_domain::sync::checksum`),
    /// or `None` while changes wait in the outbox (the device then holds records the server
    /// does not have yet).
    pub async fn replica_checksum(&self) -> Result<Option<String>> {
        if self.outbox_entries().await? > 0 {
            return Ok(None);
        }
        Ok(Some(checksum(&self.replica().await?)))
    }

    /// Replaces every record held from the server by `records` (a full pull from cursor 0)
    /// and sets the cursor, in one transaction. Changes not yet sent stay in the outbox;
    /// refuses (`Ok(false)`) while a change the server acknowledged is not yet shown by a pull.
    pub async fn replace_replica(&self, records: &[Change], cursor: i64) -> Result<bool> {
        let tx = self
            .db
            .transaction([
                META, PEOPLE, ENROLMENTS, CONFLICTS, NOTES, ITEMS, SHARED, OUTBOX,
            ])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let key = self.key()?;
        let outbox = all_in::<OutboxEntry>(&tx, OUTBOX, &key).await?;
        if !client::may_replace(&outbox) {
            tx.abort().await?;
            return Ok(false);
        }
        for name in REPLICA {
            tx.object_store(name)?.clear()?.await?;
        }
        let stores = ReplicaStores::open(&tx, &key)?;
        for record in client::created_while_waiting(&outbox) {
            stores.put(&record)?;
        }
        for Change { record, .. } in records {
            stores.put(record)?;
        }
        tx.object_store(META)?
            .put(&cursor)
            .with_key(KEY_CURSOR)
            .without_key_type()
            .serde()?
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Entries in the outbox, waiting or acknowledged; counted without opening them, so
    /// while locked too.
    pub async fn outbox_entries(&self) -> Result<u32> {
        let tx = self.db.transaction(OUTBOX).build()?;
        let count = tx.object_store(OUTBOX)?.count().await?;
        Ok(count)
    }

    /// Stores a page of pulled changes and the cursor after them, and drops the acknowledged
    /// changes the page makes visible (`jalon_domain::sync::client::visible_at`), in one
    /// transaction.
    pub async fn apply_pull(&self, page: &PullResponse) -> Result<()> {
        let tx = self
            .db
            .transaction([
                META, PEOPLE, ENROLMENTS, CONFLICTS, NOTES, ITEMS, SHARED, OUTBOX,
            ])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let key = self.key()?;
        let stores = ReplicaStores::open(&tx, &key)?;
        // Requests go out as they are built; awaiting each one would cost a round trip through
        // the event loop per record. The commit below fails if any of them failed.
        for Change { record, .. } in &page.changes {
            stores.put(record)?;
        }
        if !page.has_more {
            let entries = all_in::<OutboxEntry>(&tx, OUTBOX, &key).await?;
            let outbox = tx.object_store(OUTBOX)?;
            for seq in visible_at(&entries, page) {
                outbox.delete(seq as f64).await?;
            }
        }
        tx.object_store(META)?
            .put(&page.cursor)
            .with_key(KEY_CURSOR)
            .without_key_type()
            .serde()?
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The object stores of the replica inside one transaction.
struct ReplicaStores<'tx> {
    key: Key,
    people: ObjectStore<'tx>,
    enrolments: ObjectStore<'tx>,
    conflicts: ObjectStore<'tx>,
    notes: ObjectStore<'tx>,
    items: ObjectStore<'tx>,
    shared: ObjectStore<'tx>,
}

impl<'tx> ReplicaStores<'tx> {
    fn open(tx: &'tx indexed_db_futures::transaction::Transaction<'_>, key: &Key) -> Result<Self> {
        Ok(ReplicaStores {
            key: key.clone(),
            people: tx.object_store(PEOPLE)?,
            enrolments: tx.object_store(ENROLMENTS)?,
            conflicts: tx.object_store(CONFLICTS)?,
            notes: tx.object_store(NOTES)?,
            items: tx.object_store(ITEMS)?,
            shared: tx.object_store(SHARED)?,
        })
    }

    /// Puts `record` in its store. The request goes out as it is built; awaiting each one
    /// would cost a round trip through the event loop per record, so callers rely on the
    /// commit, which fails if any request failed.
    fn put(&self, record: &Record) -> Result<()> {
        let key = &self.key;
        match record {
            Record::Person(r) => drop(self.people.put(vault::seal_record(key, r)?).primitive()?),
            Record::Enrolment(r) => drop(
                self.enrolments
                    .put(vault::seal_record(key, r)?)
                    .primitive()?,
            ),
            Record::Conflict(r) => drop(
                self.conflicts
                    .put(vault::seal_record(key, r)?)
                    .primitive()?,
            ),
            Record::Note(r) => drop(self.notes.put(vault::seal_record(key, r)?).primitive()?),
            Record::Item(r) => drop(self.items.put(vault::seal_record(key, r)?).primitive()?),
            Record::Agreement(_)
            | Record::PartnerAgreement(_)
            | Record::Envelope(_)
            | Record::CofinancingPlan(_) => drop(
                self.shared
                    .put(vault::seal_record(key, &SharedRecord(record.clone()))?)
                    .primitive()?,
            ),
        }
        Ok(())
    }
}

/// The store and key of a record of the replica.
fn location(record: &Record) -> (&'static str, Uuid) {
    let store = match record {
        Record::Person(_) => PEOPLE,
        Record::Enrolment(_) => ENROLMENTS,
        Record::Conflict(_) => CONFLICTS,
        Record::Note(_) => NOTES,
        Record::Item(_) => ITEMS,
        Record::Agreement(_)
        | Record::PartnerAgreement(_)
        | Record::Envelope(_)
        | Record::CofinancingPlan(_) => SHARED,
    };
    (store, record.key().1)
}

/// Every record of the replica, inside `tx` (which must cover its stores).
async fn replica_in(
    tx: &indexed_db_futures::transaction::Transaction<'_>,
    key: &Key,
) -> Result<Vec<Record>> {
    let mut records: Vec<Record> = Vec::new();
    records.extend(
        all_in::<Person>(tx, PEOPLE, key)
            .await?
            .into_iter()
            .map(Record::Person),
    );
    records.extend(
        all_in::<Enrolment>(tx, ENROLMENTS, key)
            .await?
            .into_iter()
            .map(Record::Enrolment),
    );
    records.extend(
        all_in::<Conflict>(tx, CONFLICTS, key)
            .await?
            .into_iter()
            .map(Record::Conflict),
    );
    records.extend(
        all_in::<Note>(tx, NOTES, key)
            .await?
            .into_iter()
            .map(Record::Note),
    );
    records.extend(
        all_in::<Item>(tx, ITEMS, key)
            .await?
            .into_iter()
            .map(Record::Item),
    );
    records.extend(
        all_in::<SharedRecord>(tx, SHARED, key)
            .await?
            .into_iter()
            .map(|r| r.0),
    );
    Ok(records)
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

/// Seals the records of one store written in clear by an app from before encryption.
async fn reseal_in<T: Sealable>(
    tx: &indexed_db_futures::transaction::Transaction<'_>,
    name: &str,
    key: &Key,
) -> Result<()> {
    let store = tx.object_store(name)?;
    let raw = store.get_all::<JsValue>().await?;
    for stored in raw {
        let stored = stored?;
        if !vault::is_sealed(&stored) {
            let value: T = vault::open(None, stored)?;
            store.put(vault::seal_record(key, &value)?).await?;
        }
    }
    Ok(())
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
keyed_by_id!(Person, Enrolment, Conflict, Note, Item, StoredConsultation);

/// A record that is not a person's, as the `shared` store keeps it: the whole record with its
/// kind, under its id.
#[derive(Serialize, Deserialize)]
struct SharedRecord(Record);

impl Sealable for SharedRecord {
    fn key_value(&self) -> JsValue {
        JsValue::from_str(&self.0.key().1.to_string())
    }
}

impl Sealable for OutboxEntry {
    const KEY_PATH: &'static str = "seq";
    fn key_value(&self) -> JsValue {
        JsValue::from_f64(self.seq as f64)
    }
}

impl Sealable for Rejection {
    const KEY_PATH: &'static str = "seq";
    fn key_value(&self) -> JsValue {
        JsValue::from_f64(self.seq as f64)
    }
}

/// Adds `mutation` to the outbox under the device's next mutation number, inside `tx` (which
/// must cover `meta` and `outbox`). Returns the number.
async fn add_to_outbox(
    tx: &indexed_db_futures::transaction::Transaction<'_>,
    key: &Key,
    mutation: Mutation,
) -> Result<u64> {
    let meta = tx.object_store(META)?;
    let seq: u64 = meta.get(KEY_NEXT_SEQ).serde()?.await?.unwrap_or(1);
    meta.put(&(seq + 1))
        .with_key(KEY_NEXT_SEQ)
        .without_key_type()
        .serde()?
        .await?;
    tx.object_store(OUTBOX)?
        .add(vault::seal_record(key, &OutboxEntry::new(seq, mutation))?)
        .await?;
    Ok(seq)
}
