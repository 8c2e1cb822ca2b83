//! The replica: the records received from the server, read whole (lists, checksums) and
//! written by pulls and repairs.

use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use jalon_domain::followup::Item;
use jalon_domain::merge::Conflict;
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, Person};
use jalon_domain::sync::client::{OutboxEntry, shown_items, shown_people, visible_at};
use jalon_domain::sync::{Change, PullResponse, Record, SharedRecords, checksum, client};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::JsValue;

use super::{
    CASELOAD, CONFLICTS, ENROLMENTS, ITEMS, KEY_CURSOR, META, NOTES, OUTBOX, PEOPLE, REJECTIONS,
    REPLICA, Result, SHARED, Store, all_in,
};
use crate::vault;
use crate::vault::{Key, Sealable};

impl Store {
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

    /// The people with the edits of the outbox (waiting or acknowledged) laid over them,
    /// without those whose deletion is in it.
    pub async fn people_as_shown(&self) -> Result<Vec<Person>> {
        let outbox = self.outbox().await?;
        Ok(shown_people(self.people().await?, &outbox))
    }

    pub async fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.all(CONFLICTS).await
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
