//! One sync round: push the outbox in order, pull every page after the cursor, then compare
//! the replica's checksum with the server's and resync from scratch if they differ.

use jalon_domain::sync::MAX_PUSH_BATCH;

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
    let expected = loop {
        let cursor = store.cursor().await?;
        let page = api.pull(token, cursor).await?;
        report.pulled += page.changes.len();
        store.apply_pull(&page).await?;
        if !page.has_more {
            break page.checksum;
        }
    };
    // A replica that differs from what the server says it should hold has diverged (or holds
    // people who left its scope): fetch it again from scratch.
    if let (Some(expected), Some(local)) = (expected, store.replica_checksum().await?)
        && expected != local
    {
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
