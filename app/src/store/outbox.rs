//! The outbox: every change typed on the device is queued here, in the transaction that
//! stores it, until the server acknowledges it; refusals are kept to show their reason.

use std::collections::{HashMap, HashSet};

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use jalon_domain::followup::Item;
use jalon_domain::merge::{Conflict, FieldValue, PersonEdit};
use jalon_domain::notes::Note;
use jalon_domain::pathway::Exit;
use jalon_domain::people::{Enrolment, Person, PersonCreation};
use jalon_domain::sync::client::{
    OutboxEntry, Rejection, plan_push, waiting_count, waiting_people,
};
use jalon_domain::sync::{Mutation, MutationResult, Outcome, Record};
use time::Date;
use uuid::Uuid;
use wasm_bindgen::JsValue;

use super::replica::{location, replica_changed, replica_in, replica_version};
use super::{
    CONFLICTS, ENROLMENTS, ITEMS, KEY_NEXT_SEQ, META, NOTES, OUTBOX, PEOPLE, REJECTIONS, Result,
    SHARED, Store, StoreError,
};
use crate::vault;
use crate::vault::{Key, Sealable};

impl Store {
    /// Stores a new person with their enrolment and the outbox entry that will send them, in
    /// one transaction. Returns the mutation number.
    pub async fn create_person(&self, creation: &PersonCreation) -> Result<u64> {
        let tx = self
            .db()?
            .transaction([META, PEOPLE, ENROLMENTS, OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let key = self.key()?;
        let before = replica_version(&tx).await?;
        let after = replica_changed(&tx).await?;
        tx.object_store(PEOPLE)?
            .put(vault::seal_record(&key, &creation.person)?)
            .await?;
        tx.object_store(ENROLMENTS)?
            .put(vault::seal_record(&key, &creation.enrolment)?)
            .await?;
        let seq = add_to_outbox(&tx, &key, Mutation::CreatePerson(creation.clone())).await?;
        tx.commit().await?;
        self.hashes_follow(
            before,
            after,
            &[
                Record::Person(creation.person.clone()),
                Record::Enrolment(creation.enrolment.clone()),
            ],
        );
        Ok(seq)
    }

    /// Queues a mutation in the outbox, in a transaction of its own.
    async fn enqueue(&self, mutation: Mutation) -> Result<u64> {
        let tx = self
            .db()?
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
            .db()?
            .transaction([META, ENROLMENTS, OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let key = self.key()?;
        let before = replica_version(&tx).await?;
        let after = replica_changed(&tx).await?;
        tx.object_store(ENROLMENTS)?
            .put(vault::seal_record(&key, enrolment)?)
            .await?;
        let seq = add_to_outbox(&tx, &key, Mutation::Enrol(enrolment.clone())).await?;
        tx.commit().await?;
        self.hashes_follow(before, after, &[Record::Enrolment(enrolment.clone())]);
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
            .db()?
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

    /// Queues a follow-up item (new, or a new state of one).
    pub async fn save_item(&self, item: Item) -> Result<u64> {
        self.enqueue(Mutation::SaveItem(item)).await
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

    pub async fn rejections(&self) -> Result<Vec<Rejection>> {
        self.all(REJECTIONS).await
    }

    /// Forgets a refusal the user has read (what was typed in it goes with it).
    pub async fn dismiss_rejection(&self, seq: u64) -> Result<()> {
        let tx = self
            .db()?
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
            .db()?
            .transaction([
                META, OUTBOX, REJECTIONS, PEOPLE, ENROLMENTS, CONFLICTS, NOTES, ITEMS, SHARED,
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
        if !plan.dropped.is_empty() || !plan.deleted_people.is_empty() {
            replica_changed(&tx).await?;
        }
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

    /// Entries in the outbox, waiting or acknowledged; counted without opening them, so
    /// while locked too.
    pub async fn outbox_entries(&self) -> Result<u32> {
        let tx = self.db()?.transaction(OUTBOX).build()?;
        let count = tx.object_store(OUTBOX)?.count().await?;
        Ok(count)
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
pub(super) async fn add_to_outbox(
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
