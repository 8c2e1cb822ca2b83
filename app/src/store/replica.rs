//! The replica: the records received from the server, read whole (lists, checksums) and
//! written by pulls and repairs.

use std::collections::HashMap;

use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use jalon_domain::followup::Item;
use jalon_domain::merge::Conflict;
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, Person};
use jalon_domain::sync::client::{OutboxEntry, RecordKey, shown_items, shown_people, visible_at};
use jalon_domain::sync::{
    Change, PullResponse, Record, SharedRecords, checksum, client, record_hash,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::JsValue;

use super::{
    CASELOAD, CONFLICTS, ENROLMENTS, ITEMS, KEY_CURSOR, META, NOTES, OUTBOX, PEOPLE, REJECTIONS,
    REPLICA, REPLICA_AND_META, Result, SHARED, Store, all_in,
};
use crate::vault;
use crate::vault::{Key, Sealable};

impl Store {
    /// Every follow-up item, as last received from the server with the states of the outbox
    /// laid over it (`true` while waiting for the server).
    pub async fn items_as_shown(&self) -> Result<Vec<(Item, bool)>> {
        let items = self.replica_all::<Item>(ITEMS).await?;
        Ok(shown_items(items, &self.outbox().await?))
    }

    /// The follow-up items as received from the server (waiting changes not laid over).
    pub async fn items(&self) -> Result<Vec<Item>> {
        self.replica_all(ITEMS).await
    }

    /// Every version of every note, as received from the server.
    pub async fn notes(&self) -> Result<Vec<Note>> {
        self.replica_all(NOTES).await
    }

    /// The people with the edits of the outbox (waiting or acknowledged) laid over them,
    /// without those whose deletion is in it.
    pub async fn people_as_shown(&self) -> Result<Vec<Person>> {
        let outbox = self.outbox().await?;
        Ok(shown_people(self.people().await?, &outbox))
    }

    pub async fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.replica_all(CONFLICTS).await
    }

    pub async fn people(&self) -> Result<Vec<Person>> {
        self.replica_all(PEOPLE).await
    }

    /// The enrolments, with the six-month situations and orientations waiting in the outbox
    /// laid over (`shown_enrolments`).
    pub async fn enrolments(&self) -> Result<Vec<Enrolment>> {
        let enrolments = self.replica_all::<Enrolment>(ENROLMENTS).await?;
        Ok(jalon_domain::sync::client::shown_enrolments(
            enrolments,
            &self.outbox().await?,
        ))
    }

    /// Every record of the replica's store `name`, in the order of their ids: from the records
    /// kept in memory while they hold (see [`Hashes`]), opened from the store otherwise.
    async fn replica_all<T: FromRecord + serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Vec<T>> {
        if self.records_hold().await? {
            let hashes = self.hashes.borrow();
            if let Some(records) = hashes.as_ref().and_then(|h| h.records.as_ref()) {
                return Ok(in_order(records)
                    .into_iter()
                    .filter_map(T::from_record)
                    .collect());
            }
        }
        self.all(name).await
    }

    /// Whether the records kept in memory are the replica's (no transaction changed it since).
    async fn records_hold(&self) -> Result<bool> {
        let version = {
            let tx = self.db()?.transaction(META).build()?;
            replica_version(&tx).await?
        };
        Ok(self
            .hashes
            .borrow()
            .as_ref()
            .is_some_and(|h| h.version == version && h.records.is_some()))
    }

    /// Whether the device holds no record from the server and no waiting change.
    pub async fn replica_is_empty(&self) -> Result<bool> {
        let tx = self.db()?.transaction(CASELOAD).build()?;
        for name in CASELOAD {
            if name != REJECTIONS && tx.object_store(name)?.count().await? > 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The records held from the server.
    async fn replica(&self) -> Result<Vec<Record>> {
        let key = self.key()?;
        let tx = self.db()?.transaction(REPLICA).build()?;
        replica_in(&tx, &key).await
    }

    /// The records held that are not a person's: agreements, partners' places, envelopes,
    /// co-financing plans.
    pub async fn shared(&self) -> Result<SharedRecords> {
        let key = self.key()?;
        let tx = self.db()?.transaction(SHARED).build()?;
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
        self.with_hashes(|hashes| {
            client::replica_checksums_of_hashes(
                hashes.iter().map(|(key, hash)| (*key, *hash)),
                &outbox,
            )
        })
        .await
    }

    /// Runs `f` over the hash of every record of the replica: those kept in memory while no
    /// transaction changed the replica since (this tab's pulls update them; another tab's
    /// writes, repairs and pushes draw a new [`KEY_REPLICA_VERSION`]), read back otherwise.
    async fn with_hashes<T>(
        &self,
        f: impl FnOnce(&HashMap<RecordKey, (u8, u64)>) -> T,
    ) -> Result<T> {
        let key = self.key()?;
        let version = {
            let tx = self.db()?.transaction(META).build()?;
            replica_version(&tx).await?
        };
        let current = self
            .hashes
            .borrow()
            .as_ref()
            .is_some_and(|h| h.version == version);
        if !current {
            let tx = self.db()?.transaction(REPLICA_AND_META).build()?;
            let version = replica_version(&tx).await?;
            let records = replica_in(&tx, &key).await?;
            let of = records
                .iter()
                .map(|r| (r.key(), (r.bucket(), record_hash(r))))
                .collect();
            let records = records.into_iter().map(|r| (r.key(), r)).collect();
            *self.hashes.borrow_mut() = Some(Hashes {
                version,
                of,
                records: Some(records),
            });
        }
        let hashes = self.hashes.borrow();
        Ok(f(&hashes.as_ref().expect("just read").of))
    }

    /// Replaces the records of the people of `bucket` by `records` (a whole pull of that
    /// bucket), in one transaction; the cursor stays. Changes not yet sent stay in the outbox,
    /// shown on top (a person handed over leaves the device even then; those changes are
    /// pushed at the next round and refused visibly). Refuses (`Ok(false)`) while a change the
    /// server acknowledged is not yet shown by a pull.
    pub async fn replace_bucket(&self, bucket: u8, records: &[Change]) -> Result<bool> {
        let tx = self
            .db()?
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
        replica_changed(&tx).await?;
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
            .db()?
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
        replica_changed(&tx).await?;
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

    /// Stores a page of pulled changes and the cursor after them, and drops the acknowledged
    /// changes the page makes visible (`jalon_domain::sync::client::visible_at`), in one
    /// transaction.
    pub async fn apply_pull(&self, page: &PullResponse) -> Result<()> {
        let tx = self
            .db()?
            .transaction([
                META, PEOPLE, ENROLMENTS, CONFLICTS, NOTES, ITEMS, SHARED, OUTBOX,
            ])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let key = self.key()?;
        let before = replica_version(&tx).await?;
        // A pull into an empty replica (a first sync): the hashes and records it stores are
        // the replica's, kept in memory from the first page on.
        let following = self
            .hashes
            .borrow()
            .as_ref()
            .is_some_and(|h| h.version == before);
        if !following && replica_empty_in(&tx).await? {
            *self.hashes.borrow_mut() = Some(Hashes {
                version: before.clone(),
                of: HashMap::new(),
                records: Some(HashMap::new()),
            });
        }
        let after = replica_changed(&tx).await?;
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
        *self.pulled_at.borrow_mut() = Some(after.clone());
        self.hashes_follow(before, after, page.changes.iter().map(|c| &c.record));
        Ok(())
    }

    /// Keeps `hashes` — those of every record the pulls of this tab just stored into an empty
    /// replica — as the replica's, unless another transaction changed it since this tab's last
    /// pull: the next rounds then need not read it back.
    pub fn keep_hashes(&self, hashes: impl Iterator<Item = (RecordKey, (u8, u64))>) {
        let Some(version) = self.pulled_at.borrow().clone() else {
            return;
        };
        let mut kept = self.hashes.borrow_mut();
        if kept
            .as_ref()
            .is_some_and(|h| h.version.as_ref() == Some(&version))
        {
            // Already followed from the first page, with the records.
            return;
        }
        *kept = Some(Hashes {
            version: Some(version),
            of: hashes.collect(),
            records: None,
        });
    }

    /// After a transaction that took the replica from version `before` to `after` by putting
    /// `put`, keeps the hashes held in memory in step — or drops them, when they did not hold
    /// for `before` (another tab wrote meanwhile).
    pub(super) fn hashes_follow<'r>(
        &self,
        before: Option<String>,
        after: String,
        put: impl IntoIterator<Item = &'r Record>,
    ) {
        let mut kept = self.hashes.borrow_mut();
        match kept.as_mut() {
            Some(hashes) if hashes.version == before => {
                for record in put {
                    hashes
                        .of
                        .insert(record.key(), (record.bucket(), record_hash(record)));
                    if let Some(records) = hashes.records.as_mut() {
                        records.insert(record.key(), record.clone());
                    }
                }
                hashes.version = Some(after);
            }
            _ => *kept = None,
        }
    }
}

/// The hash of each record of the replica (`jalon_domain::sync::record_hash`) with its bucket,
/// as they were when `meta` held `version` under [`KEY_REPLICA_VERSION`] — and the records
/// themselves when they were at hand (a first sync stored them, or the replica was read back
/// whole): the list then reads them without opening every record again (seconds on a
/// supervisor's device). Kept for the unlocked session only, like the key.
#[derive(Debug)]
pub(super) struct Hashes {
    version: Option<String>,
    of: HashMap<RecordKey, (u8, u64)>,
    records: Option<HashMap<RecordKey, Record>>,
}

/// The records of one kind, out of the replica's.
pub(super) trait FromRecord: Sized {
    fn from_record(record: &Record) -> Option<Self>;
}

macro_rules! from_record {
    ($($variant:ident: $t:ty),*) => {$(
        impl FromRecord for $t {
            fn from_record(record: &Record) -> Option<Self> {
                match record {
                    Record::$variant(r) => Some(r.clone()),
                    _ => None,
                }
            }
        }
    )*};
}
from_record!(Person: Person, Enrolment: Enrolment, Conflict: Conflict, Note: Note, Item: Item);

/// The records in the order of their keys (kind, then id): the order in which their stores
/// give them.
fn in_order(records: &HashMap<RecordKey, Record>) -> Vec<&Record> {
    let mut keys: Vec<&RecordKey> = records.keys().collect();
    keys.sort_unstable();
    keys.into_iter().map(|k| &records[k]).collect()
}

/// Whether the replica's stores are empty, inside `tx` (which must cover them).
async fn replica_empty_in(tx: &Transaction<'_>) -> Result<bool> {
    for name in REPLICA {
        if tx.object_store(name)?.count().await? > 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The token of `meta` every transaction that changes the stores of the replica draws anew,
/// so that hashes kept in memory are known to still hold (or not): random rather than counted,
/// so that a `meta` cleared by a sign-out never brings an old value back.
const KEY_REPLICA_VERSION: &str = "replica_version";

/// The replica's version token, inside `tx` (which must cover `meta`).
pub(super) async fn replica_version(tx: &Transaction<'_>) -> Result<Option<String>> {
    Ok(tx
        .object_store(META)?
        .get(KEY_REPLICA_VERSION)
        .serde()?
        .await?)
}

/// Draws a new version token for the replica inside `tx` (which must cover `meta` and be
/// read-write), and returns it. Every transaction that changes the replica's stores calls it.
pub(super) async fn replica_changed(tx: &Transaction<'_>) -> Result<String> {
    let token = Uuid::new_v4().to_string();
    tx.object_store(META)?
        .put(&token)
        .with_key(KEY_REPLICA_VERSION)
        .without_key_type()
        .serde()?
        .await?;
    Ok(token)
}

/// The object stores of the replica inside one transaction.
pub(super) struct ReplicaStores<'tx> {
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
pub(super) fn location(record: &Record) -> (&'static str, Uuid) {
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
pub(super) async fn replica_in(
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

/// A record that is not a person's, as the `shared` store keeps it: the whole record with its
/// kind, under its id.
#[derive(Serialize, Deserialize)]
struct SharedRecord(Record);

impl Sealable for SharedRecord {
    fn key_value(&self) -> JsValue {
        JsValue::from_str(&self.0.key().1.to_string())
    }
}
