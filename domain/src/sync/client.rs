//! The device's side of sync: what happens to a local change from the moment it is typed until
//! the device holds a server state that includes it, as pure functions, and the one sync round
//! built on them.
//!
//! A local change goes through these states (ARCHITECTURE.md, "Sync data flow"):
//!
//! - **waiting**: in the outbox, never answered; laid over the replica; pushed in `seq` order;
//! - **sent**: a push carrying it is in flight (nothing is stored for it: if the answer is lost
//!   it is still waiting, and the server answers its recorded outcome when it comes again);
//! - **acknowledged**: the server applied it durably at revision `rev`; it stays in the outbox,
//!   still laid over the replica, but is not sent again;
//! - **visible**: the device's pull cursor reached `rev`, so its replica holds a server state
//!   that includes the change (merged with everybody else's): the entry leaves the outbox in the
//!   same transaction as the page that made it visible;
//! - **refused**: the server refused it for good; it leaves the outbox for the rejections, with
//!   the person's name as the device knew it and everything that was typed.
//!
//! So a screen never shows a state older than the device's own writes, and the base of the
//! next edit of a field is the value this device last gave it: a device never conflicts with
//! itself, whatever was lost on the way (an acknowledgement, a pull, a reload).
//!
//! The app runs these functions over IndexedDB, the model test over memory: both call
//! [`sync_round`] with their own [`LocalReplica`] and [`Remote`].

use std::collections::{HashMap, HashSet};
use std::future::poll_fn;
use std::pin::pin;
use std::task::Poll;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    BUCKETS, Change, ChecksumBuilder, MAX_PUSH_BATCH, Mutation, MutationEnvelope, MutationResult,
    Outcome, PullResponse, PushResponse, Record, checksums_of_hashes, record_hash,
};
use crate::FieldError;
use crate::followup::Item;
use crate::merge::{PersonEdit, with_pending_edits};
use crate::notes::Note;
use crate::people::Person;

/// A local change in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxEntry {
    pub seq: u64,
    pub mutation: Mutation,
    /// Set when the server acknowledged it: the revision after which a pull includes it.
    /// Absent while it waits (and in entries stored by older apps, which are all waiting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<i64>,
}

impl OutboxEntry {
    pub fn new(seq: u64, mutation: Mutation) -> OutboxEntry {
        OutboxEntry {
            seq,
            mutation,
            acknowledged: None,
        }
    }

    /// Not yet acknowledged by the server: it must be pushed.
    pub fn is_waiting(&self) -> bool {
        self.acknowledged.is_none()
    }

    pub fn envelope(&self) -> MutationEnvelope {
        MutationEnvelope {
            seq: self.seq,
            mutation: self.mutation.clone(),
        }
    }
}

/// A local change the server refused for good, kept until the user dismisses it, with what the
/// user needs to act on it: whose file it was about and what was typed (in `mutation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejection {
    pub seq: u64,
    pub person_id: Uuid,
    /// The person's name as the device held it when the refusal arrived (the person may have
    /// left the device since). Empty in rejections stored by older apps.
    #[serde(default)]
    pub person_label: String,
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub errors: Vec<FieldError>,
    pub mutation: Mutation,
}

/// A record of the replica: its kind (as [`Record::key`]) and id.
pub type RecordKey = (u8, Uuid);

/// What a device does with the answer to a push, in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushPlan {
    /// Entries now acknowledged, to store again as they are here (with their revision).
    pub acknowledged: Vec<OutboxEntry>,
    /// Entries that leave the outbox: refused.
    pub removed: Vec<u64>,
    /// Refusals to keep.
    pub rejections: Vec<Rejection>,
    /// Local records written by refused creations, to drop from the replica (what was typed
    /// stays in the rejection).
    pub dropped: Vec<RecordKey>,
    /// People whose deletion the server applied: every record of theirs leaves the replica
    /// (no pull will ever bring them again, and their deletion must not come undone on the
    /// screens once the acknowledgement is visible).
    pub deleted_people: Vec<Uuid>,
}

/// Plans what the answer `results` to the push of `sent` changes on a device. `label` names a
/// person as the device holds them (for refusals).
///
/// An applied change always stays as acknowledged, even when the device's cursor is already
/// past its revision: a cursor stored in the middle of a pull does not mean the replica holds
/// everything up to it (a row changed at that revision may have been rewritten since, and
/// arrive later in the pull). Only the end of a pull says so (see [`visible_at`]).
pub fn plan_push(
    sent: &[OutboxEntry],
    results: &[MutationResult],
    label: impl Fn(Uuid) -> Option<String>,
) -> PushPlan {
    let mut plan = PushPlan::default();
    for result in results {
        let Some(entry) = sent.iter().find(|e| e.seq == result.seq && e.is_waiting()) else {
            continue;
        };
        match &result.outcome {
            Outcome::Applied => {
                if let Mutation::DeletePerson { person_id, .. } = &entry.mutation {
                    plan.deleted_people.push(*person_id);
                }
                // A server that gives no revision: the next complete pull includes it.
                plan.acknowledged.push(OutboxEntry {
                    acknowledged: Some(result.rev.unwrap_or(0)),
                    ..entry.clone()
                });
            }
            Outcome::Rejected {
                code,
                message,
                errors,
            } => {
                let person_id = entry.mutation.person_id();
                let person_label = match &entry.mutation {
                    Mutation::CreatePerson(creation) => creation.person.display_name(),
                    _ => label(person_id).unwrap_or_default(),
                };
                match &entry.mutation {
                    Mutation::CreatePerson(creation) => {
                        plan.dropped.push((0, creation.person.id));
                        plan.dropped.push((1, creation.enrolment.id));
                    }
                    Mutation::Enrol(enrolment) => plan.dropped.push((1, enrolment.id)),
                    _ => {}
                }
                plan.removed.push(entry.seq);
                plan.rejections.push(Rejection {
                    seq: entry.seq,
                    person_id,
                    person_label,
                    code: code.clone(),
                    message: message.clone(),
                    errors: errors.clone(),
                    mutation: entry.mutation.clone(),
                });
            }
        }
    }
    plan
}

/// The acknowledged entries that the replica holds once `page` is stored: on the last page of
/// a pull, whose cursor is the server's change counter in its snapshot, every entry
/// acknowledged at or before it (the pull brought every row of the scope in its state as of
/// then). They leave the outbox in the same transaction as the page. A page with more after it
/// makes nothing visible: rows may have been rewritten after it was read.
pub fn visible_at(outbox: &[OutboxEntry], page: &PullResponse) -> Vec<u64> {
    if page.has_more {
        return Vec::new();
    }
    let cursor = page.cursor;
    outbox
        .iter()
        .filter(|e| e.acknowledged.is_some_and(|rev| rev <= cursor))
        .map(|e| e.seq)
        .collect()
}

/// The entries to push next: the oldest waiting ones, in `seq` order.
pub fn next_batch(outbox: &[OutboxEntry]) -> Vec<OutboxEntry> {
    let mut waiting: Vec<OutboxEntry> = outbox.iter().filter(|e| e.is_waiting()).cloned().collect();
    waiting.sort_by_key(|e| e.seq);
    waiting.truncate(MAX_PUSH_BATCH);
    waiting
}

/// How many changes still wait for the server.
pub fn waiting_count(outbox: &[OutboxEntry]) -> usize {
    outbox.iter().filter(|e| e.is_waiting()).count()
}

/// The people with a change still waiting for the server ("Non synchronisé").
pub fn waiting_people(outbox: &[OutboxEntry]) -> HashSet<Uuid> {
    outbox
        .iter()
        .filter(|e| e.is_waiting())
        .map(|e| e.mutation.person_id())
        .collect()
}

fn in_order(outbox: &[OutboxEntry]) -> Vec<&OutboxEntry> {
    let mut entries: Vec<&OutboxEntry> = outbox.iter().collect();
    entries.sort_by_key(|e| e.seq);
    entries
}

/// The people as the device shows them: the replica's state with every edit of the outbox
/// (waiting or acknowledged) laid over it in order, without those whose deletion is in it.
pub fn shown_people(
    people: impl IntoIterator<Item = Person>,
    outbox: &[OutboxEntry],
) -> Vec<Person> {
    let entries = in_order(outbox);
    let deleted: HashSet<Uuid> = entries
        .iter()
        .filter_map(|e| match &e.mutation {
            Mutation::DeletePerson { person_id, .. } => Some(*person_id),
            _ => None,
        })
        .collect();
    let mut edits: HashMap<Uuid, Vec<&PersonEdit>> = HashMap::new();
    for entry in &entries {
        if let Mutation::EditPerson(edit) = &entry.mutation {
            edits.entry(edit.person_id).or_default().push(edit);
        }
    }
    people
        .into_iter()
        .filter(|p| !deleted.contains(&p.id))
        .map(|p| match edits.get(&p.id) {
            Some(mine) => with_pending_edits(p, mine.iter().copied()),
            None => p,
        })
        .collect()
}

/// The follow-up items as the device shows them: the replica's with the states of the outbox
/// laid over them, each with whether it still waits for the server.
pub fn shown_items(
    items: impl IntoIterator<Item = Item>,
    outbox: &[OutboxEntry],
) -> Vec<(Item, bool)> {
    let mut shown: HashMap<Uuid, (Item, bool)> =
        items.into_iter().map(|i| (i.id, (i, false))).collect();
    for entry in in_order(outbox) {
        if let Mutation::SaveItem(item) = &entry.mutation {
            shown.insert(item.id, (item.clone(), entry.is_waiting()));
        }
    }
    shown.into_values().collect()
}

/// The enrolments as the device shows them: the replica's, with the six-month FSE situations
/// and orientation decisions of the outbox laid over until the server sends them back (so the
/// home screen stops asking for a situation recorded offline).
pub fn shown_enrolments(
    enrolments: impl IntoIterator<Item = crate::people::Enrolment>,
    outbox: &[OutboxEntry],
) -> Vec<crate::people::Enrolment> {
    let mut shown: Vec<crate::people::Enrolment> = enrolments.into_iter().collect();
    let index: HashMap<Uuid, usize> = shown.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    for entry in in_order(outbox) {
        match &entry.mutation {
            Mutation::RecordSixMonths {
                enrolment_id,
                result,
                ..
            } => {
                if let Some(&i) = index.get(enrolment_id) {
                    shown[i].fse_six_months = Some(*result);
                }
            }
            Mutation::SetOrientation {
                enrolment_id,
                orientation,
                ..
            } => {
                if let Some(&i) = index.get(enrolment_id) {
                    shown[i].orientation = Some(orientation.clone());
                }
            }
            _ => {}
        }
    }
    shown
}

/// Every version of every note the device shows: the replica's and those of the outbox not in
/// it yet, each with whether it still waits for the server.
pub fn shown_notes(
    notes: impl IntoIterator<Item = Note>,
    outbox: &[OutboxEntry],
) -> Vec<(Note, bool)> {
    let mut shown: Vec<(Note, bool)> = notes.into_iter().map(|n| (n, false)).collect();
    let held: HashSet<Uuid> = shown.iter().map(|(n, _)| n.id).collect();
    for entry in in_order(outbox) {
        if let Mutation::AddNote(note) = &entry.mutation
            && !held.contains(&note.id)
        {
            shown.push((note.clone(), entry.is_waiting()));
        }
    }
    shown
}

/// What a device does when its checksums differ from the server's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// The replica holds what the server says (or cannot tell while changes wait).
    Nothing,
    /// Fetch these buckets again and replace what the device holds of them.
    Buckets(Vec<u8>),
    /// Fetch everything again (a server that gives no bucket checksums).
    Everything,
}

/// Whether the replica may be compared with the server's and replaced from it: not while a
/// change the server acknowledged waits for a pull to show it. Changes not yet sent do not
/// prevent it: they are shown on top of the replica and stay in the outbox, so a person
/// handed over leaves the device at its next round even while the user keeps typing.
pub fn may_replace(outbox: &[OutboxEntry]) -> bool {
    outbox.iter().all(OutboxEntry::is_waiting)
}

/// The records that creations still waiting put in the replica before the server has them
/// (the app shows a new person at once): a repair keeps them.
pub fn created_while_waiting(outbox: &[OutboxEntry]) -> Vec<Record> {
    let mut records = Vec::new();
    for entry in outbox.iter().filter(|e| e.is_waiting()) {
        match &entry.mutation {
            Mutation::CreatePerson(creation) => {
                records.push(Record::Person(creation.person.clone()));
                records.push(Record::Enrolment(creation.enrolment.clone()));
            }
            Mutation::Enrol(enrolment) => records.push(Record::Enrolment(enrolment.clone())),
            _ => {}
        }
    }
    records
}

/// The checksums of the replica as the server computes them for the device (records only
/// waiting creations put there left out), or `None` when it [may not be replaced](may_replace).
pub fn replica_checksums<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    outbox: &[OutboxEntry],
) -> Option<(String, Vec<String>)> {
    replica_checksums_of_hashes(
        records
            .into_iter()
            .map(|r| (r.key(), (r.bucket(), record_hash(r)))),
        outbox,
    )
}

/// [`replica_checksums`] from each record's key, bucket and [`record_hash`], as a device that
/// keeps them between rounds has them.
pub fn replica_checksums_of_hashes(
    hashes: impl IntoIterator<Item = (RecordKey, (u8, u64))>,
    outbox: &[OutboxEntry],
) -> Option<(String, Vec<String>)> {
    if !may_replace(outbox) {
        return None;
    }
    let local: HashSet<RecordKey> = created_while_waiting(outbox)
        .iter()
        .map(Record::key)
        .collect();
    Some(checksums_of_hashes(
        hashes
            .into_iter()
            .filter(|(key, _)| !local.contains(key))
            .map(|(_, hash)| hash),
    ))
}

/// Compares the replica's checksums (`None` when it [may not be replaced](may_replace)) with
/// the server's.
pub fn plan_repair(
    local: Option<&(String, Vec<String>)>,
    expected: Option<&str>,
    expected_buckets: &[String],
) -> Repair {
    let (Some((sum, buckets)), Some(expected)) = (local, expected) else {
        return Repair::Nothing;
    };
    if sum == expected {
        return Repair::Nothing;
    }
    if expected_buckets.len() != usize::from(BUCKETS) || buckets.len() != expected_buckets.len() {
        return Repair::Everything;
    }
    Repair::Buckets(
        (0..BUCKETS)
            .filter(|&b| buckets[usize::from(b)] != expected_buckets[usize::from(b)])
            .collect(),
    )
}

/// The device's storage, as the sync round needs it. Each method is one transaction.
#[allow(async_fn_in_trait)] // used with concrete types only: the app's store, the test's memory
pub trait LocalReplica {
    type Error;
    /// Every entry of the outbox, in `seq` order.
    async fn outbox(&mut self) -> Result<Vec<OutboxEntry>, Self::Error>;
    async fn cursor(&mut self) -> Result<i64, Self::Error>;
    /// Whether the device holds no record from the server and no local change.
    async fn is_empty(&mut self) -> Result<bool, Self::Error>;
    /// Stores the answer to a push as [`plan_push`] plans it.
    async fn apply_push(
        &mut self,
        sent: &[OutboxEntry],
        results: &[MutationResult],
    ) -> Result<(), Self::Error>;
    /// Stores a page and its cursor, and drops the entries it makes [`visible_at`].
    async fn apply_pull(&mut self, page: &PullResponse) -> Result<(), Self::Error>;
    /// The checksums of the replica, as [`super::checksums`], or `None` while the outbox holds
    /// anything.
    async fn checksums(&mut self) -> Result<Option<(String, Vec<String>)>, Self::Error>;
    /// Replaces what the device holds of `bucket` by `records`; refuses (`false`) when the
    /// outbox holds anything.
    async fn replace_bucket(&mut self, bucket: u8, records: &[Change])
    -> Result<bool, Self::Error>;
    /// Replaces the whole replica and sets the cursor; refuses (`false`) when the outbox holds
    /// anything.
    async fn replace_all(&mut self, records: &[Change], cursor: i64) -> Result<bool, Self::Error>;
    /// While a pull from cursor 0 fills the replica: `stored` of `total` changes are stored.
    fn progress(&mut self, stored: usize, total: usize) {
        let _ = (stored, total);
    }
    /// A pull from cursor 0 filled the replica with the records `hashes` were computed from
    /// (a device that keeps them between rounds need not read the replica back).
    fn filled(&mut self, hashes: &ChecksumBuilder) {
        let _ = hashes;
    }
}

/// The server, as the sync round needs it.
#[allow(async_fn_in_trait)]
pub trait Remote {
    type Error;
    async fn push(&mut self, batch: Vec<MutationEnvelope>) -> Result<PushResponse, Self::Error>;
    /// A page after `cursor`, of the whole scope or of one bucket.
    async fn pull(&mut self, cursor: i64, bucket: Option<u8>) -> Result<PullResponse, Self::Error>;
}

/// Why a round stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum RoundError<L, R> {
    Local(L),
    Remote(R),
}

/// What a round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    pub pushed: usize,
    pub rejected: usize,
    pub pulled: usize,
    /// The replica had diverged from the server and was fetched again from scratch.
    pub resynced: bool,
    /// Buckets of the replica that had diverged and were fetched again.
    pub repaired_buckets: usize,
}

impl SyncReport {
    /// Whether the round changed what the device holds or shows: a round that pushed nothing,
    /// pulled nothing and repaired nothing leaves the screens as they were.
    pub fn changed_anything(&self) -> bool {
        self.pushed > 0
            || self.rejected > 0
            || self.pulled > 0
            || self.resynced
            || self.repaired_buckets > 0
    }
}

/// One sync round: push every waiting change in order, pull every page after the cursor, then
/// repair what the checksums show diverged. Stops at the first failure: what was stored stays
/// stored, the rest waits for the next round.
pub async fn sync_round<L: LocalReplica, R: Remote>(
    local: &mut L,
    remote: &mut R,
) -> Result<SyncReport, RoundError<L::Error, R::Error>> {
    let mut report = SyncReport::default();
    loop {
        let outbox = local.outbox().await.map_err(RoundError::Local)?;
        let batch = next_batch(&outbox);
        if batch.is_empty() {
            break;
        }
        let response = remote
            .push(batch.iter().map(OutboxEntry::envelope).collect())
            .await
            .map_err(RoundError::Remote)?;
        report.pushed += response.results.len();
        report.rejected += response
            .results
            .iter()
            .filter(|r| !matches!(r.outcome, Outcome::Applied))
            .count();
        local
            .apply_push(&batch, &response.results)
            .await
            .map_err(RoundError::Local)?;
        if response.results.len() < batch.len() {
            break;
        }
    }
    let pulled = pull_pages(local, remote).await?;
    report.pulled = pulled.changes;
    match plan_repair(
        pulled.local.as_ref(),
        pulled.expected.as_deref(),
        &pulled.expected_buckets,
    ) {
        Repair::Nothing => {}
        Repair::Buckets(buckets) => {
            for bucket in buckets {
                let (records, _) = pull_everything(remote, Some(bucket)).await?;
                if local
                    .replace_bucket(bucket, &records)
                    .await
                    .map_err(RoundError::Local)?
                {
                    report.repaired_buckets += 1;
                }
            }
        }
        Repair::Everything => {
            let (records, cursor) = pull_everything(remote, None).await?;
            report.resynced = local
                .replace_all(&records, cursor)
                .await
                .map_err(RoundError::Local)?;
        }
    }
    Ok(report)
}

/// Every change of the scope (or of one bucket) from cursor 0, and the last cursor.
async fn pull_everything<L, R: Remote>(
    remote: &mut R,
    bucket: Option<u8>,
) -> Result<(Vec<Change>, i64), RoundError<L, R::Error>> {
    let mut records = Vec::new();
    let mut cursor = 0;
    loop {
        let page = remote
            .pull(cursor, bucket)
            .await
            .map_err(RoundError::Remote)?;
        records.extend(page.changes);
        cursor = page.cursor;
        if !page.has_more {
            return Ok((records, cursor));
        }
    }
}

/// What [`pull_pages`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    pub changes: usize,
    /// The server's checksum of what the replica should hold, and of each bucket.
    pub expected: Option<String>,
    pub expected_buckets: Vec<String>,
    /// The replica's own checksums (`None` while the outbox holds anything).
    pub local: Option<(String, Vec<String>)>,
}

/// Pulls and stores every page after the stored cursor, then computes the replica's checksums.
///
/// Into an empty replica (a first sign-in), the replica is exactly what the pages bring: its
/// checksums are computed from them as they arrive rather than read back from storage.
pub async fn pull_pages<L: LocalReplica, R: Remote>(
    local: &mut L,
    remote: &mut R,
) -> Result<Pulled, RoundError<L::Error, R::Error>> {
    let fresh = local.cursor().await.map_err(RoundError::Local)? == 0
        && local.is_empty().await.map_err(RoundError::Local)?;
    let mut builder = fresh.then(ChecksumBuilder::default);
    let mut changes = 0;
    let mut total = None;
    let cursor = local.cursor().await.map_err(RoundError::Local)?;
    let mut page = remote
        .pull(cursor, None)
        .await
        .map_err(RoundError::Remote)?;
    let last = loop {
        changes += page.changes.len();
        total = page.total.map(|t| t as usize).or(total);
        if let Some(builder) = builder.as_mut() {
            for change in &page.changes {
                builder.insert(&change.record);
            }
        }
        if !page.has_more {
            local.apply_pull(&page).await.map_err(RoundError::Local)?;
            break page;
        }
        // The next page travels while this one is stored (its cursor is the one stored with
        // it). Whatever fails, what was stored stays stored and the next round goes on from it.
        let (stored, next) = join(local.apply_pull(&page), remote.pull(page.cursor, None)).await;
        stored.map_err(RoundError::Local)?;
        if let Some(total) = total {
            local.progress(changes, total.max(changes));
        }
        page = next.map_err(RoundError::Remote)?;
    };
    let local = match builder {
        Some(builder) => {
            local.filled(&builder);
            let outbox = local.outbox().await.map_err(RoundError::Local)?;
            outbox
                .is_empty()
                .then(|| (builder.finish(), builder.finish_buckets()))
        }
        None => local.checksums().await.map_err(RoundError::Local)?,
    };
    Ok(Pulled {
        changes,
        expected: last.checksum,
        expected_buckets: last.buckets,
        local,
    })
}

/// Runs both futures at once and waits for both (the domain has no executor of its own).
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut out_a, mut out_b) = (None, None);
    poll_fn(|cx| {
        if out_a.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            out_a = Some(v);
        }
        if out_b.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            out_b = Some(v);
        }
        if out_a.is_some() && out_b.is_some() {
            Poll::Ready((out_a.take().unwrap(), out_b.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

mod memory;
pub use memory::MemoryReplica;

#[cfg(test)]
mod tests;
