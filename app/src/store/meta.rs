//! What the device keeps beside the replica: its id, the session, the files opened (for the
//! audit log), the reference data, the pull cursor and the time of the last sync; and the
//! wipes and sign-outs that erase the user's data.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use jalon_domain::followup::Item;
use jalon_domain::merge::Conflict;
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, Person};
use jalon_domain::sync::ReferenceData;
use jalon_domain::sync::client::{OutboxEntry, Rejection, waiting_count};
use uuid::Uuid;
use wasm_bindgen::JsValue;

use super::replica::replica_changed;
use super::{
    CASELOAD, CONFLICTS, CONSULTATIONS, ENROLMENTS, ITEMS, KEY_CURSOR, KEY_DEVICE, KEY_LAST_SYNC,
    KEY_OWNER, KEY_REFERENCE, KEY_SESSION, KEY_VAULT, KEY_WIPE_NOTICE, META, NOTES, OUTBOX, PEOPLE,
    REJECTIONS, REPLICA, Result, Store, StoredConsultation, StoredSession, all_in,
};
use crate::vault;
use crate::vault::{Key, Sealable, VaultRecord};

impl Store {
    /// This device's id, chosen at random on first use and kept for ever.
    pub async fn device_id(&self) -> Result<Uuid> {
        let tx = self
            .db()?
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
        let tx = self.db()?.transaction(META).build()?;
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
            replica_changed(&tx).await?;
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
            replica_changed(&tx).await?;
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
            .db()?
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
            .db()?
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
            .db()?
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
        replica_changed(&tx).await?;
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
                .db()?
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
}

/// Seals the records of one store written in clear by an app from before encryption.
pub(super) async fn reseal_in<T: Sealable>(
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
