//! One sync round: the domain's `sync_round` (push the outbox in order, pull every page after
//! the cursor, repair what the checksums show diverged) over this device's IndexedDB store and
//! the server's API.

use jalon_domain::sync::client::{self, LocalReplica, Remote, RoundError};
use jalon_domain::sync::{
    Change, ChecksumBuilder, MutationEnvelope, MutationResult, PullResponse, PushResponse,
};

use crate::api::{Api, ApiFailure};
use crate::store::{OutboxEntry, Store, StoreError};

pub use jalon_domain::sync::client::{Pulled, SyncReport};

#[derive(Debug, Clone, PartialEq)]
pub enum SyncError {
    Api(ApiFailure),
    Store(StoreError),
}

impl From<RoundError<StoreError, ApiFailure>> for SyncError {
    fn from(e: RoundError<StoreError, ApiFailure>) -> Self {
        match e {
            RoundError::Local(e) => SyncError::Store(e),
            RoundError::Remote(e) => SyncError::Api(e),
        }
    }
}

/// The IndexedDB store as the sync round sees it, and who is told how a first sync fills it
/// (stored, total).
pub struct Local<'a>(pub &'a Store, pub Option<&'a dyn Fn(usize, usize)>);

impl LocalReplica for Local<'_> {
    type Error = StoreError;

    async fn outbox(&mut self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.0.outbox().await
    }

    async fn cursor(&mut self) -> Result<i64, StoreError> {
        self.0.cursor().await
    }

    async fn is_empty(&mut self) -> Result<bool, StoreError> {
        self.0.replica_is_empty().await
    }

    async fn apply_push(
        &mut self,
        sent: &[OutboxEntry],
        results: &[MutationResult],
    ) -> Result<(), StoreError> {
        self.0.apply_push_results(sent, results).await
    }

    async fn apply_pull(&mut self, page: &PullResponse) -> Result<(), StoreError> {
        self.0.apply_pull(page).await
    }

    async fn checksums(&mut self) -> Result<Option<(String, Vec<String>)>, StoreError> {
        self.0.replica_checksums().await
    }

    async fn replace_bucket(&mut self, bucket: u8, records: &[Change]) -> Result<bool, StoreError> {
        self.0.replace_bucket(bucket, records).await
    }

    async fn replace_all(&mut self, records: &[Change], cursor: i64) -> Result<bool, StoreError> {
        self.0.replace_replica(records, cursor).await
    }

    fn progress(&mut self, stored: usize, total: usize) {
        if let Some(tell) = self.1 {
            tell(stored, total);
        }
    }

    fn filled(&mut self, hashes: &ChecksumBuilder) {
        self.0.keep_hashes(hashes.hashes());
    }
}

/// The server as the sync round sees it, for one session.
pub struct Server<'a> {
    pub api: &'a Api,
    pub token: &'a str,
    /// The changes waiting on the device, told to the server with the round's first pull.
    pub waiting: Option<u32>,
}

impl Remote for Server<'_> {
    type Error = ApiFailure;

    async fn push(&mut self, batch: Vec<MutationEnvelope>) -> Result<PushResponse, ApiFailure> {
        self.api.push(self.token, batch).await
    }

    async fn pull(&mut self, cursor: i64, bucket: Option<u8>) -> Result<PullResponse, ApiFailure> {
        match bucket {
            Some(bucket) => self.api.pull_bucket(self.token, cursor, bucket).await,
            None => self.api.pull(self.token, cursor, self.waiting.take()).await,
        }
    }
}

/// Pushes every waiting change, then pulls until the server has nothing more, then repairs.
/// Stops at the first failure: what was stored stays stored, the rest waits for the next round.
/// `progress` hears how a first sync fills the replica.
pub async fn sync_once(
    store: &Store,
    api: &Api,
    token: &str,
    progress: Option<&dyn Fn(usize, usize)>,
) -> Result<SyncReport, SyncError> {
    let waiting = store.pending_count().await.map_err(SyncError::Store)?;
    let mut server = Server {
        api,
        token,
        waiting: Some(waiting),
    };
    Ok(client::sync_round(&mut Local(store, progress), &mut server).await?)
}
