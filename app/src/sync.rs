//! One sync round: push the outbox in order, pull every page after the cursor, then compare
//! the replica's checksum with the server's and resync from scratch if they differ.

use std::future::Future;

use jalon_domain::sync::{ChecksumBuilder, MAX_PUSH_BATCH, PullResponse};

use crate::api::{Api, ApiFailure};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub enum SyncError {
    Api(ApiFailure),
    Store(StoreError),
}

impl From<ApiFailure> for SyncError {
    fn from(e: ApiFailure) -> Self {
        SyncError::Api(e)
    }
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        SyncError::Store(e)
    }
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

/// Pushes every waiting mutation, then pulls until the server has nothing more. Stops at the
/// first failure: what was acknowledged stays acknowledged, the rest waits for the next round.
pub async fn sync_once(store: &Store, api: &Api, token: &str) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    loop {
        let batch = store.outbox(MAX_PUSH_BATCH as u32).await?;
        if batch.is_empty() {
            break;
        }
        let response = api
            .push(token, batch.iter().map(|e| e.envelope()).collect())
            .await?;
        report.rejected += response
            .results
            .iter()
            .filter(|r| !matches!(r.outcome, jalon_domain::sync::Outcome::Applied))
            .count();
        report.pushed += response.results.len();
        store.apply_push_results(&batch, &response.results).await?;
        if response.results.len() < batch.len() {
            break;
        }
    }
    let pulled = pull_pages(store, |cursor| api.pull(token, cursor)).await?;
    report.pulled = pulled.changes;
    // A replica that differs from what the server says it should hold has diverged (or holds
    // people who left its scope): fetch again the buckets that differ, or everything from a
    // server that does not give them.
    let Some((local, local_buckets)) = pulled.local else {
        return Ok(report);
    };
    if pulled.expected.is_none_or(|expected| expected == local) {
        return Ok(report);
    }
    if pulled.expected_buckets.len() == local_buckets.len() {
        for (bucket, (expected, held)) in pulled
            .expected_buckets
            .iter()
            .zip(&local_buckets)
            .enumerate()
        {
            if expected == held {
                continue;
            }
            let bucket = bucket as u8;
            let mut records = Vec::new();
            let mut cursor = 0;
            loop {
                let page = api.pull_bucket(token, cursor, bucket).await?;
                records.extend(page.changes);
                cursor = page.cursor;
                if !page.has_more {
                    break;
                }
            }
            if store.replace_bucket(bucket, &records).await? {
                report.repaired_buckets += 1;
            }
        }
    } else {
        let mut records = Vec::new();
        let mut cursor = 0;
        loop {
            let page = api.pull(token, cursor).await?;
            records.extend(page.changes);
            cursor = page.cursor;
            if !page.has_more {
                break;
            }
        }
        report.resynced = store.replace_replica(&records, cursor).await?;
    }
    Ok(report)
}

/// What [`pull_pages`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    pub changes: usize,
    /// The server's checksum of what the replica should hold, and of each bucket.
    pub expected: Option<String>,
    pub expected_buckets: Vec<String>,
    /// The replica's own checksums (`None` while changes wait in the outbox).
    pub local: Option<(String, Vec<String>)>,
}

/// Pulls and stores every page after the store's cursor, fetched by `fetch(cursor)`, and
/// computes the replica's checksums.
///
/// Into an empty replica (a first sign-in), the replica is exactly what the pages bring: its
/// checksums are computed from them as they arrive rather than read back from IndexedDB.
pub async fn pull_pages<F, Fut>(store: &Store, mut fetch: F) -> Result<Pulled, SyncError>
where
    F: FnMut(i64) -> Fut,
    Fut: Future<Output = Result<PullResponse, ApiFailure>>,
{
    let mut fresh = (store.cursor().await? == 0 && store.replica_is_empty().await?)
        .then(ChecksumBuilder::default);
    let mut changes = 0;
    let last = loop {
        let page = fetch(store.cursor().await?).await?;
        changes += page.changes.len();
        store.apply_pull(&page).await?;
        if let Some(builder) = fresh.as_mut() {
            for change in &page.changes {
                builder.insert(&change.record);
            }
        }
        if !page.has_more {
            break page;
        }
    };
    let local = match fresh {
        Some(builder) if store.pending_count().await? == 0 => {
            Some((builder.finish(), builder.finish_buckets()))
        }
        Some(_) => None,
        None => store.replica_checksums().await?,
    };
    Ok(Pulled {
        changes,
        expected: last.checksum,
        expected_buckets: last.buckets,
        local,
    })
}
