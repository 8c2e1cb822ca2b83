//! All SQL of Jalon lives in this module. Handlers and the sync service call these functions;
//! nothing else in the codebase writes a query.
//!
//! SQLite runs in WAL mode with `synchronous = FULL`: a transaction that returned from `COMMIT`
//! survives a crash or power loss, which is what lets push acknowledge a mutation.

use jalon_domain::money::agreements::Agreement;
use std::str::FromStr;
use std::time::Duration;

use jalon_domain::admin::accounts::DeviceState;
use jalon_domain::auth::{Role, SessionUser, StaffMember};
use jalon_domain::followup::Item;
use jalon_domain::fse::SixMonths;
use jalon_domain::merge::{Conflict, FieldValue, PersonField};
use jalon_domain::notes::Note;
use jalon_domain::orientation::Orientation;
use jalon_domain::pathway::{Exit, ExitReason, Handover, ReferentChange};
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person};
use jalon_domain::schemes::{Scheme, SchemeCode};
use jalon_domain::sync::{
    Change, Outcome, Record, bucket_of, checksums, checksums_of_hashes, record_hash,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};

pub mod accounts;
pub mod audit;
pub mod cofinancing;
pub mod devices;
pub mod funds;
pub mod money;
pub mod partners;
pub mod retention;
pub mod schemes;
pub mod shared;
pub mod signin;

pub use audit::audit;
pub use schemes::insert_scheme;
use time::Date;
use uuid::Uuid;

/// The outcome of a pushed mutation, as [`Db::record_outcome`] keeps it.
pub struct OutcomeRecord<'a> {
    pub device_id: Uuid,
    pub seq: u64,
    pub user_id: Uuid,
    pub outcome: &'a Outcome,
    pub rev: Option<i64>,
    pub payload_hash: i64,
    pub at: i64,
}

/// What a session says (see [`Db::authenticate`]).
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: SessionUser,
    pub device_id: Uuid,
    pub expires_at: i64,
    /// When the session last served a request (at most a minute ago when just touched).
    pub last_used: i64,
    /// The account is active (a deactivated one may still push, then its devices wipe).
    pub active: bool,
    pub must_change_password: bool,
    pub device_state: DeviceState,
    /// When the device was last seen (`None`: never recorded).
    pub device_last_seen: Option<i64>,
}

/// An account as its sessions see it (`active_only`: `None` for a deactivated one).
pub async fn user_of(
    conn: &mut SqliteConnection,
    id: Uuid,
    active_only: bool,
) -> Result<Option<SessionUser>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, username, display_name, role, scheme FROM users
         WHERE id = ?1 AND (active = 1 OR NOT ?2)",
    )
    .bind(id.to_string())
    .bind(active_only)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let supervised: Vec<String> = sqlx::query_scalar(
        "SELECT scheme FROM supervised_schemes WHERE user_id = ?1 ORDER BY scheme",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let scheme: Option<String> = row.try_get("scheme")?;
    Ok(Some(SessionUser {
        id,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(row.try_get("role")?).ok_or_else(|| corrupt("role"))?,
        scheme: scheme.as_deref().map(parse_scheme).transpose()?,
        supervised_schemes: supervised
            .iter()
            .map(|s| parse_scheme(s))
            .collect::<Result<_, _>>()?,
    }))
}

/// A page of changes (see [`Db::pull`]).
#[derive(Debug)]
pub struct Pull {
    pub changes: Vec<Change>,
    /// The cursor after this page: its last change's rev or, on the last page, the change
    /// counter of the snapshot it was read from.
    pub cursor: i64,
    pub has_more: bool,
    /// On the first page of a pull from cursor 0 with more after it: how many changes the
    /// whole pull brings.
    pub total: Option<u64>,
    pub checksum: Option<String>,
    pub buckets: Vec<String>,
}

/// A handle on the database, cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: SqlitePool,
}

pub type Tx = sqlx::Transaction<'static, sqlx::Sqlite>;

/// The columns [`person_row`] reads.
macro_rules! person_columns {
    () => {
        "id, last_name, first_name, birth_date, commune_code, rsa_beneficiary, details, rev"
    };
}

/// The day a hand-over (row `c` of `referent_changes`) took effect: its date of effect, or
/// else the server's (UTC) day it was recorded.
macro_rules! handover_day {
    () => {
        "coalesce(c.effective_date, date(c.at, 'unixepoch'))"
    };
}

/// The columns [`enrolment_row`] reads, its hand-overs included.
macro_rules! enrolment_columns {
    () => {
        concat!(
            "id, person_id, scheme, referent_id, start_date, status, exit_date, exit_reason, fse_entry, fse_exit, rev, orientation,
             fse_six_months, (SELECT json_group_array(json_array(c.old_referent_id, c.new_referent_id, ",
            handover_day!(),
            ")) FROM referent_changes c WHERE c.enrolment_id = enrolments.id) AS handovers"
        )
    };
}

/// The columns [`conflict_row`] reads.
macro_rules! conflict_columns {
    () => {
        "id, person_id, field, candidates, result, resolved_by, resolved_at, rev"
    };
}

/// The columns [`note_row`] reads.
macro_rules! note_columns {
    () => {
        "id, person_id, author_id, date, text, replaces, rev"
    };
}

/// The columns [`item_row`] reads.
macro_rules! item_columns {
    () => {
        "id, person_id, version, author_id, body, rev"
    };
}

// After the column macros, which they use.
pub mod access;
mod replica;
pub use replica::*;
mod scope;
pub use scope::*;
mod people;
pub use people::*;
mod enrolments;
pub use enrolments::*;
mod followup;
pub use followup::*;
mod conflicts;
pub use conflicts::*;

fn corrupt(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("corrupt {what} in database").into())
}

fn parse_uuid(s: &str) -> Result<Uuid, sqlx::Error> {
    Uuid::parse_str(s).map_err(|_| corrupt("uuid"))
}

fn parse_scheme(s: &str) -> Result<SchemeCode, sqlx::Error> {
    SchemeCode::parse(s).ok_or_else(|| corrupt("scheme code"))
}

impl Db {
    /// Opens (creating it if needed) the database at `url` and applies the migrations.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Db { pool })
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock at once, so two
    /// writers queue on the busy timeout instead of failing when they upgrade.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// Stores the schemes of Haute-Vienne in an empty database (first start, demo or not);
    /// administrators edit them afterwards.
    pub async fn ensure_schemes(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        if schemes::schemes(&mut tx).await?.is_empty() {
            for scheme in Scheme::haute_vienne_defaults() {
                schemes::insert_scheme(&mut tx, &scheme).await?;
            }
        }
        tx.commit().await
    }

    /// Writes a consistent copy of the database into `file` while it is in use.
    pub async fn backup_into(&self, file: &std::path::Path) -> Result<(), sqlx::Error> {
        sqlx::query("VACUUM INTO ?1")
            .bind(file.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Checks that `file` is a sound SQLite database made by Jalon (integrity check, and the
    /// migrations table), without changing it.
    pub async fn check_backup(file: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
        let options = SqliteConnectOptions::new().filename(file).read_only(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await?;
        if integrity != "ok" {
            return Err(format!("the backup is damaged: {integrity}").into());
        }
        let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .map_err(|_| "this file is not a Jalon database")?;
        if migrations == 0 {
            return Err("this file is not a Jalon database".into());
        }
        pool.close().await;
        Ok(())
    }

    /// Folds the write-ahead log of the database `file` into it.
    pub async fn checkpoint(file: &std::path::Path) -> Result<(), sqlx::Error> {
        let options = SqliteConnectOptions::new()
            .filename(file)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await?;
        pool.close().await;
        Ok(())
    }

    /// Closes every connection (the command line, before it exits).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a read transaction: one snapshot, no lock on writers.
    pub async fn begin_read(&self) -> Result<Tx, sqlx::Error> {
        self.pool.begin().await
    }

    pub async fn agreements(&self) -> Result<Vec<Agreement>, sqlx::Error> {
        money::agreements(&mut *self.pool.acquire().await?).await
    }

    pub async fn partner_agreements(
        &self,
    ) -> Result<Vec<jalon_domain::money::partners::PartnerAgreement>, sqlx::Error> {
        partners::agreements(&mut *self.pool.acquire().await?).await
    }

    pub async fn user_count(&self) -> Result<i64, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        user_count(&mut conn).await
    }

    pub async fn schemes(&self) -> Result<Vec<Scheme>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        schemes::schemes(&mut conn).await
    }

    pub async fn staff(&self) -> Result<Vec<StaffMember>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, display_name, role, scheme, active FROM users ORDER BY display_name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(staff_row).collect()
    }

    /// The id, password hash and temporary-password flag of an active account.
    pub async fn login_lookup(
        &self,
        username: &str,
    ) -> Result<Option<(Uuid, String, bool)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, password_hash, must_change_password FROM users
             WHERE username = ?1 AND active = 1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok((
                parse_uuid(row.try_get("id")?)?,
                row.try_get("password_hash")?,
                row.try_get("must_change_password")?,
            ))
        })
        .transpose()
    }

    /// An active account.
    pub async fn user(&self, id: Uuid) -> Result<Option<SessionUser>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        user_of(&mut conn, id, true).await
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: Uuid,
        device_id: Uuid,
        now: i64,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(token_hash)
        .bind(user_id.to_string())
        .bind(device_id.to_string())
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        // Expired sessions are of no use to anyone: drop them while we hold the lock.
        sqlx::query("DELETE FROM sessions WHERE expires_at < ?1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        devices::touch(&mut tx, user_id, device_id, now, None, None).await?;
        audit::record(
            &mut tx,
            &audit::NewEvent {
                at: now,
                user_id: Some(user_id),
                device_id: Some(device_id),
                action: "auth.login",
                ..audit::NewEvent::default()
            },
        )
        .await?;
        tx.commit().await
    }

    /// Everything a request's session says: its user (active or not), device and state, in one
    /// read.
    pub async fn authenticate(
        &self,
        token_hash: &str,
    ) -> Result<Option<Authenticated>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(
            "SELECT s.user_id, s.device_id, s.expires_at, s.created_at, s.last_used, u.active,
                    u.must_change_password, d.state, d.last_seen
             FROM sessions s JOIN users u ON u.id = s.user_id
             LEFT JOIN devices d ON d.id = s.device_id AND d.user_id = s.user_id
             WHERE s.token_hash = ?1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user_id = parse_uuid(row.try_get("user_id")?)?;
        let Some(user) = user_of(&mut conn, user_id, false).await? else {
            return Ok(None);
        };
        let state: Option<String> = row.try_get("state")?;
        Ok(Some(Authenticated {
            user,
            device_id: parse_uuid(row.try_get("device_id")?)?,
            expires_at: row.try_get("expires_at")?,
            last_used: row
                .try_get::<Option<i64>, _>("last_used")?
                .unwrap_or(row.try_get("created_at")?),
            active: row.try_get("active")?,
            must_change_password: row.try_get("must_change_password")?,
            device_state: match state {
                Some(s) => DeviceState::parse(&s).ok_or_else(|| corrupt("device state"))?,
                None => DeviceState::Active,
            },
            device_last_seen: row.try_get("last_seen")?,
        }))
    }

    /// The user and device of a session, with its expiry time.
    pub async fn session(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Uuid, Uuid, i64)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT user_id, device_id, expires_at FROM sessions WHERE token_hash = ?1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok((
                parse_uuid(row.try_get("user_id")?)?,
                parse_uuid(row.try_get("device_id")?)?,
                row.try_get("expires_at")?,
            ))
        })
        .transpose()
    }

    /// Notes that a session served a request now (called at most once a minute).
    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET last_used = ?2 WHERE token_hash = ?1")
            .bind(token_hash)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A page of the changes of `user`'s scope after `cursor` (at most `limit`, in `rev`
    /// order; only the people of one bucket if `bucket` is set) and whether more wait. On the
    /// last page, also the checksum of every record the device should then hold (of that
    /// bucket) and, for a whole pull, the checksum of each bucket — computed in the same read
    /// transaction, so from the same snapshot as the page.
    pub async fn pull(
        &self,
        user: &SessionUser,
        cursor: i64,
        limit: u32,
        bucket: Option<u8>,
    ) -> Result<Pull, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let (changes, has_more) =
            changes_after(&mut tx, user, cursor, i64::from(limit), bucket).await?;
        let total = if cursor == 0 && has_more {
            Some(count_after(&mut tx, user, cursor, bucket).await?)
        } else {
            None
        };
        let cursor = changes.last().map_or(cursor, |c| c.rev);
        let mut pull = Pull {
            changes,
            cursor,
            has_more,
            total,
            checksum: None,
            buckets: Vec::new(),
        };
        if !has_more {
            // Every change up to the counter is committed and in this snapshot (revs are taken
            // in commit order), so the device may skip past changes outside its scope: a
            // device then knows its own writes are in what it holds.
            pull.cursor = pull.cursor.max(clock(&mut tx).await?);
            let (all, buckets) = match scope_checksums(&mut tx, user, bucket).await? {
                Some(sums) => sums,
                // A row not hashed yet (cannot happen after start-up): decode them all.
                None => {
                    let (all, _) = changes_after(&mut tx, user, 0, -1, bucket).await?;
                    checksums(all.iter().map(|c| &c.record))
                }
            };
            pull.checksum = Some(all);
            if bucket.is_none() {
                pull.buckets = buckets;
            }
        }
        tx.commit().await?;
        Ok(pull)
    }

    /// Every record of `user`'s scope, as a first pull would bring them.
    pub async fn scope_records(&self, user: &SessionUser) -> Result<Vec<Record>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let (changes, _) = changes_after(&mut tx, user, 0, -1, None).await?;
        tx.commit().await?;
        Ok(changes.into_iter().map(|c| c.record).collect())
    }

    /// The history of one field of a person (see [`history`]).
    pub async fn person_history(
        &self,
        person_id: Uuid,
        field: PersonField,
    ) -> Result<Vec<(FieldValue, FieldValue, bool)>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        history(&mut conn, person_id, field).await
    }

    /// The outcome already recorded for a device's mutation, if any, with the revision
    /// recorded with it (`None` for mutations recorded before revisions were).
    pub async fn recorded_outcome(
        tx: &mut SqliteConnection,
        device_id: Uuid,
        seq: u64,
    ) -> Result<Option<(Outcome, Option<i64>, Option<i64>)>, sqlx::Error> {
        let row: Option<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT outcome, rev, payload_hash FROM applied_mutations
             WHERE device_id = ?1 AND seq = ?2",
        )
        .bind(device_id.to_string())
        .bind(seq as i64)
        .fetch_optional(&mut *tx)
        .await?;
        row.map(|(outcome, rev, hash)| {
            let outcome = serde_json::from_str(&outcome).map_err(|_| corrupt("outcome"))?;
            Ok((outcome, rev, hash))
        })
        .transpose()
    }

    /// Records the outcome of a device's mutation, the hash of its payload and, when applied,
    /// the revision after which a pull includes it.
    pub async fn record_outcome(
        tx: &mut SqliteConnection,
        record: &OutcomeRecord<'_>,
    ) -> Result<(), sqlx::Error> {
        let outcome =
            serde_json::to_string(record.outcome).map_err(|e| sqlx::Error::Encode(e.into()))?;
        sqlx::query(
            "INSERT INTO applied_mutations (device_id, seq, user_id, outcome, applied_at, rev,
                                            payload_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(record.device_id.to_string())
        .bind(record.seq as i64)
        .bind(record.user_id.to_string())
        .bind(outcome)
        .bind(record.at)
        .bind(record.rev)
        .bind(record.payload_hash)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Whether a person, an enrolment or a note already has this id (ids are chosen on
    /// devices, so a creation must not reuse one).
    /// Hashes the rows that have none yet and brings the records that are not a person's in
    /// step with the money tables (a database from before them), in one write transaction
    /// (see [`rehash_missing`] and [`shared::refresh`]). Returns how many people were hashed.
    pub async fn rehash_missing(&self) -> Result<usize, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        shared::refresh(&mut tx).await?;
        let hashed = rehash_missing(&mut tx).await?;
        tx.commit().await?;
        Ok(hashed)
    }

    pub async fn id_taken(tx: &mut SqliteConnection, id: Uuid) -> Result<bool, sqlx::Error> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM people WHERE id = ?1 UNION ALL SELECT 1 FROM enrolments WHERE id = ?1
             UNION ALL SELECT 1 FROM notes WHERE id = ?1",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        Ok(found.is_some())
    }
}

pub async fn user_count(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *conn)
        .await
}

pub async fn staff_member(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<StaffMember>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, display_name, role, scheme, active FROM users WHERE id = ?1 AND active = 1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(staff_row).transpose()
}

fn staff_row(row: &SqliteRow) -> Result<StaffMember, sqlx::Error> {
    let scheme: Option<String> = row.try_get("scheme")?;
    Ok(StaffMember {
        active: row.try_get("active")?,
        id: parse_uuid(row.try_get("id")?)?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(row.try_get("role")?).ok_or_else(|| corrupt("role"))?,
        scheme: scheme.as_deref().map(parse_scheme).transpose()?,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(e.into()))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|_| corrupt(what))
}

/// A new account; `supervised` only for supervisors.
pub struct NewUser<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub scheme: Option<SchemeCode>,
    pub supervised: &'a [SchemeCode],
    pub password_hash: &'a str,
}

pub async fn insert_user(
    tx: &mut SqliteConnection,
    user: &NewUser<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, username, display_name, role, scheme, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(user.id.to_string())
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.role.as_str())
    .bind(user.scheme.map(SchemeCode::as_str))
    .bind(user.password_hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for scheme in user.supervised {
        sqlx::query("INSERT INTO supervised_schemes (user_id, scheme) VALUES (?1, ?2)")
            .bind(user.id.to_string())
            .bind(scheme.as_str())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
