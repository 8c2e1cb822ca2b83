//! One person's file, read through the `by_person` indexes.
//!
//! A person's file reads only that person's records: opening a file on a supervisor's device
//! (tens of thousands of records) no longer opens every record of the device. Records sealed
//! before schema version 7 carry no person in clear and are missing from the indexes; the
//! first such read after an unlock seals them again with their person ([`Store::index_by_person`]).

use indexed_db_futures::KeyRange;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use jalon_domain::followup::Item;
use jalon_domain::merge::Conflict;
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, Person};
use jalon_domain::sync::client::{shown_enrolments, shown_items, shown_notes, shown_people};
use js_sys::Reflect;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wasm_bindgen::JsValue;

use super::schema::{BY_PERSON, OF_PERSON};
use super::{
    CONFLICTS, ENROLMENTS, ITEMS, META, NOTES, OUTBOX, OutboxEntry, PEOPLE, Result, Store, all_in,
    vault,
};
use crate::vault::{Key, Sealable};

/// Set in `meta` once every record of a person carries the person in clear.
pub(super) const KEY_INDEXED: &str = "indexed_by_person";

impl Store {
    /// The person as this device shows them (waiting changes laid over), if on the device.
    pub async fn person_as_shown(&self, id: Uuid) -> Result<Option<Person>> {
        let key = self.key()?;
        let tx = self.db()?.transaction([PEOPLE, OUTBOX]).build()?;
        let stored: Option<JsValue> = tx.object_store(PEOPLE)?.get(id.to_string()).await?;
        let person: Option<Person> = stored.map(|raw| vault::open(Some(&key), raw)).transpose()?;
        let outbox = all_in(&tx, OUTBOX, &key).await?;
        // A vector, as everywhere else: another container would compile `shown_people` again.
        Ok(shown_people(Vec::from_iter(person), &outbox)
            .into_iter()
            .find(|p| p.id == id))
    }

    /// The person's enrolments, with the six-month situations and orientations waiting in the
    /// outbox laid over.
    pub async fn enrolments_of(&self, person: Uuid) -> Result<Vec<Enrolment>> {
        let (enrolments, outbox) = self.of_person(ENROLMENTS, person).await?;
        Ok(shown_enrolments(enrolments, &outbox))
    }

    /// The person's conflicts, open or resolved.
    pub async fn conflicts_of(&self, person: Uuid) -> Result<Vec<Conflict>> {
        Ok(self.of_person(CONFLICTS, person).await?.0)
    }

    /// The person's follow-up items as shown (`true` while waiting for the server).
    pub async fn items_of(&self, person: Uuid) -> Result<Vec<(Item, bool)>> {
        let (items, outbox) = self.of_person(ITEMS, person).await?;
        let mut shown = shown_items(items, &outbox);
        shown.retain(|(i, _)| i.person_id == person);
        Ok(shown)
    }

    /// Every version of every note of a person, with those of the outbox not received back
    /// yet (`true` while waiting for the server).
    pub async fn notes_of(&self, person: Uuid) -> Result<Vec<(Note, bool)>> {
        let (notes, outbox) = self.of_person(NOTES, person).await?;
        let mut shown = shown_notes(notes, &outbox);
        shown.retain(|(n, _)| n.person_id == person);
        Ok(shown)
    }

    /// The records of `person` in store `name`, and the outbox, read in one transaction.
    async fn of_person<T: DeserializeOwned>(
        &self,
        name: &str,
        person: Uuid,
    ) -> Result<(Vec<T>, Vec<OutboxEntry>)> {
        self.index_by_person().await?;
        let key = self.key()?;
        let tx = self.db()?.transaction([name, OUTBOX]).build()?;
        let raw = tx
            .object_store(name)?
            .index(BY_PERSON)?
            .get_all::<JsValue>()
            .with_query::<String, _>(KeyRange::Only(person.to_string()))
            .await?;
        let mut records = Vec::new();
        for stored in raw {
            records.push(vault::open(Some(&key), stored?)?);
        }
        Ok((records, all_in(&tx, OUTBOX, &key).await?))
    }

    /// Seals again, with their person in clear, the records of a person written before the
    /// indexes existed (schema version 7); once, after which a flag in `meta` says so.
    pub async fn index_by_person(&self) -> Result<()> {
        if self.indexed.get() {
            return Ok(());
        }
        let key = self.key()?;
        let mut names = vec![META];
        names.extend(OF_PERSON);
        let tx = self
            .db()?
            .transaction(names)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta = tx.object_store(META)?;
        let done: Option<bool> = meta.get(KEY_INDEXED).serde()?.await?;
        if done != Some(true) {
            reindex::<Enrolment>(&tx, ENROLMENTS, &key).await?;
            reindex::<Conflict>(&tx, CONFLICTS, &key).await?;
            reindex::<Note>(&tx, NOTES, &key).await?;
            reindex::<Item>(&tx, ITEMS, &key).await?;
            meta.put(&true)
                .with_key(KEY_INDEXED)
                .without_key_type()
                .serde()?
                .await?;
        }
        tx.commit().await?;
        self.indexed.set(true);
        Ok(())
    }
}

/// Seals again, inside `tx`, the records of store `name` that name no person in clear.
async fn reindex<T: Sealable>(tx: &Transaction<'_>, name: &str, key: &Key) -> Result<()> {
    let store = tx.object_store(name)?;
    for stored in store.get_all::<JsValue>().await? {
        let stored = stored?;
        let named = Reflect::has(&stored, &JsValue::from_str(vault::PERSON)).unwrap_or(false);
        if !named {
            let value: T = vault::open(Some(key), stored)?;
            // The commit fails if any request failed; awaiting each would cost a round trip.
            drop(store.put(vault::seal_record(key, &value)?).primitive()?);
        }
    }
    Ok(())
}
