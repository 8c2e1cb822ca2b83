//! A [`LocalReplica`] in memory: what the app's IndexedDB store does, without a browser. The
//! randomized model test drives devices made of it through [`super::sync_round`].

use std::collections::BTreeMap;
use std::convert::Infallible;

use super::{
    LocalReplica, OutboxEntry, RecordKey, Rejection, created_while_waiting, may_replace, plan_push,
    replica_checksums, shown_people, visible_at,
};
use crate::people::Person;
use crate::sync::{Change, Mutation, MutationResult, PullResponse, Record};

/// The device's state: records as last received from the server (and local creations), the
/// outbox, the refusals, the cursor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemoryReplica {
    pub records: BTreeMap<RecordKey, Record>,
    pub outbox: Vec<OutboxEntry>,
    pub rejections: Vec<Rejection>,
    pub cursor: i64,
    next_seq: u64,
}

impl MemoryReplica {
    /// Queues a local change as the app does: a creation also enters the replica at once.
    /// Returns its number.
    pub fn enqueue(&mut self, mutation: Mutation) -> u64 {
        match &mutation {
            Mutation::CreatePerson(creation) => {
                self.put(Record::Person(creation.person.clone()));
                self.put(Record::Enrolment(creation.enrolment.clone()));
            }
            Mutation::Enrol(enrolment) => self.put(Record::Enrolment(enrolment.clone())),
            _ => {}
        }
        self.next_seq += 1;
        self.outbox
            .push(OutboxEntry::new(self.next_seq, mutation.clone()));
        self.next_seq
    }

    /// How many changes this device has made.
    pub fn made(&self) -> u64 {
        self.next_seq
    }

    fn put(&mut self, record: Record) {
        self.records.insert(record.key(), record);
    }

    /// The people as the screens show them.
    pub fn shown_people(&self) -> Vec<Person> {
        shown_people(
            self.records.values().filter_map(|r| match r {
                Record::Person(p) => Some(p.clone()),
                _ => None,
            }),
            &self.outbox,
        )
    }

    fn person_label(&self, id: uuid::Uuid) -> Option<String> {
        match self.records.get(&(0, id)) {
            Some(Record::Person(p)) => Some(p.display_name()),
            _ => None,
        }
    }
}

impl LocalReplica for MemoryReplica {
    type Error = Infallible;

    async fn outbox(&mut self) -> Result<Vec<OutboxEntry>, Infallible> {
        Ok(self.outbox.clone())
    }

    async fn cursor(&mut self) -> Result<i64, Infallible> {
        Ok(self.cursor)
    }

    async fn is_empty(&mut self) -> Result<bool, Infallible> {
        Ok(self.records.is_empty() && self.outbox.is_empty())
    }

    async fn apply_push(
        &mut self,
        sent: &[OutboxEntry],
        results: &[MutationResult],
    ) -> Result<(), Infallible> {
        let plan = plan_push(sent, results, |id| self.person_label(id));
        for key in &plan.dropped {
            self.records.remove(key);
        }
        self.records.retain(|_, r| {
            r.person_id()
                .is_none_or(|p| !plan.deleted_people.contains(&p))
        });
        self.outbox.retain(|e| !plan.removed.contains(&e.seq));
        for acknowledged in plan.acknowledged {
            if let Some(entry) = self.outbox.iter_mut().find(|e| e.seq == acknowledged.seq) {
                *entry = acknowledged;
            }
        }
        self.rejections.extend(plan.rejections);
        Ok(())
    }

    async fn apply_pull(&mut self, page: &PullResponse) -> Result<(), Infallible> {
        for Change { record, .. } in &page.changes {
            self.put(record.clone());
        }
        self.cursor = page.cursor;
        let visible = visible_at(&self.outbox, page);
        self.outbox.retain(|e| !visible.contains(&e.seq));
        Ok(())
    }

    async fn checksums(&mut self) -> Result<Option<(String, Vec<String>)>, Infallible> {
        Ok(replica_checksums(self.records.values(), &self.outbox))
    }

    async fn replace_bucket(&mut self, bucket: u8, records: &[Change]) -> Result<bool, Infallible> {
        if !may_replace(&self.outbox) {
            return Ok(false);
        }
        self.records.retain(|_, r| r.bucket() != bucket);
        for record in created_while_waiting(&self.outbox) {
            if record.bucket() == bucket {
                self.put(record);
            }
        }
        for Change { record, .. } in records.iter().filter(|c| c.record.bucket() == bucket) {
            self.put(record.clone());
        }
        Ok(true)
    }

    async fn replace_all(&mut self, records: &[Change], cursor: i64) -> Result<bool, Infallible> {
        if !may_replace(&self.outbox) {
            return Ok(false);
        }
        self.records.clear();
        for record in created_while_waiting(&self.outbox) {
            self.put(record);
        }
        for Change { record, .. } in records {
            self.put(record.clone());
        }
        self.cursor = cursor;
        Ok(true)
    }
}
