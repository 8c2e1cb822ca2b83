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

// After the column macros, which it uses.
pub mod access;

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

/// The changes of `user`'s scope after `cursor`, at most `limit` (`-1`: all), in `rev` order,
/// and whether more wait.
async fn changes_after(
    conn: &mut SqliteConnection,
    user: &SessionUser,
    cursor: i64,
    limit: i64,
    bucket: Option<u8>,
) -> Result<(Vec<Change>, bool), sqlx::Error> {
    let Some(scope) = read_scope_sql(user) else {
        return Ok((Vec::new(), false));
    };
    let user_id = user.id.to_string();
    // One statement finds the page — which table, which change — with the scope built once
    // (it is thousands of people for a supervisor) and each table read along its change
    // numbers from the cursor (the `+` keeps SQLite from reading every row of the scope
    // through the person index and sorting them, at each page); then each table decodes only
    // its rows of the page.
    let page = SYNCED
        .iter()
        .enumerate()
        .filter_map(|(t, table)| {
            let Synced { name, owner, .. } = table;
            let in_scope = table.in_scope(user, "(SELECT id FROM scope)", true)?;
            Some(format!(
                "SELECT * FROM (SELECT {t} AS t, rev FROM {name}
                 WHERE rev > ?2 AND {in_scope}
                   AND (?4 IS NULL OR substr({owner}, 1, 1) = ?4)
                 ORDER BY rev LIMIT ?3)"
            ))
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let page: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH scope(id) AS MATERIALIZED ({scope})
         SELECT t, rev FROM ({page}) ORDER BY rev LIMIT ?3"
    )))
    .bind(&user_id)
    .bind(cursor)
    .bind(limit)
    .bind(bucket.map(|b| format!("{b:x}")))
    .fetch_all(&mut *conn)
    .await?;
    let has_more = limit >= 0 && page.len() as i64 == limit;
    let mut changes = Vec::with_capacity(page.len());
    for (t, table) in SYNCED.iter().enumerate() {
        let revs: Vec<i64> = page
            .iter()
            .filter(|(of, _)| *of == t as i64)
            .map(|(_, rev)| *rev)
            .collect();
        if revs.is_empty() {
            continue;
        }
        let Synced {
            name,
            columns,
            decode,
            ..
        } = table;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {columns} FROM {name} WHERE rev IN (SELECT value FROM json_each(?1))"
        )))
        .bind(serde_json::to_string(&revs).map_err(|e| sqlx::Error::Encode(e.into()))?)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            changes.push(Change {
                rev: row.try_get("rev")?,
                record: decode(row)?,
            });
        }
    }
    changes.sort_by_key(|c| c.rev);
    Ok((changes, has_more))
}

/// How many changes of `user`'s scope (of one bucket if set) come after `cursor`: what
/// [`changes_after`] would bring without a limit, counted in the same snapshot.
async fn count_after(
    conn: &mut SqliteConnection,
    user: &SessionUser,
    cursor: i64,
    bucket: Option<u8>,
) -> Result<u64, sqlx::Error> {
    let Some(scope) = read_scope_sql(user) else {
        return Ok(0);
    };
    let user_id = user.id.to_string();
    let mut total = 0;
    for table in SYNCED {
        let Synced { name, owner, .. } = table;
        let Some(in_scope) = table.in_scope(user, &format!("({scope})"), false) else {
            continue;
        };
        let sql = format!(
            "SELECT count(*) FROM {name}
             WHERE rev > ?2 AND {in_scope} AND (?3 IS NULL OR substr({owner}, 1, 1) = ?3)"
        );
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(&user_id)
            .bind(cursor)
            .bind(bucket.map(|b| format!("{b:x}")))
            .fetch_one(&mut *conn)
            .await?;
        total += count as u64;
    }
    Ok(total)
}

/// A table whose rows devices hold: its name, the column whose first hex digit is a row's
/// bucket (the id of the person it belongs to, or its own for a record that is not a
/// person's), whether its rows are a person's, the columns its decoder reads, and the decoder.
#[derive(Clone, Copy)]
struct Synced {
    name: &'static str,
    owner: &'static str,
    of_person: bool,
    columns: &'static str,
    decode: fn(&SqliteRow) -> Result<Record, sqlx::Error>,
}

impl Synced {
    /// The condition on this table's rows of `user`'s scope, given the people of that scope
    /// as a sub-query (`?1` is the user's id); `None` if the user holds none of them.
    /// `unindexed`: a person's rows are not looked up through the person's index (a page reads
    /// each table along its change numbers instead).
    fn in_scope(&self, user: &SessionUser, people: &str, unindexed: bool) -> Option<String> {
        if self.of_person {
            let plus = if unindexed { "+" } else { "" };
            Some(format!("{plus}{} IN {people}", self.owner))
        } else {
            shared::scope_sql(user).map(str::to_owned)
        }
    }
}

/// The tables of a person's records (their rows follow the person's scope).
const PERSON_TABLES: [Synced; 5] = [
    Synced {
        name: "people",
        owner: "id",
        of_person: true,
        columns: person_columns!(),
        decode: |row| Ok(Record::Person(person_row(row)?)),
    },
    Synced {
        name: "enrolments",
        owner: "person_id",
        of_person: true,
        columns: enrolment_columns!(),
        decode: |row| Ok(Record::Enrolment(enrolment_row(row)?)),
    },
    Synced {
        name: "conflicts",
        owner: "person_id",
        of_person: true,
        columns: conflict_columns!(),
        decode: |row| Ok(Record::Conflict(conflict_row(row)?)),
    },
    Synced {
        name: "notes",
        owner: "person_id",
        of_person: true,
        columns: note_columns!(),
        decode: |row| Ok(Record::Note(note_row(row)?)),
    },
    Synced {
        name: "items",
        owner: "person_id",
        of_person: true,
        columns: item_columns!(),
        decode: |row| Ok(Record::Item(item_row(row)?)),
    },
];

/// Every table whose rows devices hold: a person's, and the records of a scheme or of the
/// Département (see [`shared`]).
const SYNCED: [Synced; 6] = [
    PERSON_TABLES[0],
    PERSON_TABLES[1],
    PERSON_TABLES[2],
    PERSON_TABLES[3],
    PERSON_TABLES[4],
    Synced {
        name: "shared_records",
        owner: "id",
        of_person: false,
        columns: "rev, data",
        decode: shared::decode,
    },
];

/// The table holding a person's `record`.
fn table_of(record: &Record) -> Option<&'static str> {
    Some(match record {
        Record::Person(_) => "people",
        Record::Enrolment(_) => "enrolments",
        Record::Conflict(_) => "conflicts",
        Record::Note(_) => "notes",
        Record::Item(_) => "items",
        Record::Agreement(_)
        | Record::PartnerAgreement(_)
        | Record::Envelope(_)
        | Record::CofinancingPlan(_) => return None,
    })
}

/// The checksums of `user`'s scope (of one bucket if set) and of its buckets, from the stored
/// row hashes; `None` if a row has none.
async fn scope_checksums(
    conn: &mut SqliteConnection,
    user: &SessionUser,
    bucket: Option<u8>,
) -> Result<Option<(String, Vec<String>)>, sqlx::Error> {
    let Some(scope) = read_scope_sql(user) else {
        return Ok(Some(checksums_of_hashes([])));
    };
    let mut hashes = Vec::new();
    for table in SYNCED {
        let Synced { name, owner, .. } = table;
        let Some(in_scope) = table.in_scope(user, &format!("({scope})"), false) else {
            continue;
        };
        let rows: Vec<(String, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {owner}, hash FROM {name} WHERE {in_scope}
             AND (?2 IS NULL OR substr({owner}, 1, 1) = ?2)"
        )))
        .bind(user.id.to_string())
        .bind(bucket.map(|b| format!("{b:x}")))
        .fetch_all(&mut *conn)
        .await?;
        for (owner, hash) in rows {
            let Some(hash) = hash else { return Ok(None) };
            hashes.push((bucket_of(parse_uuid(&owner)?), hash as u64));
        }
    }
    Ok(Some(checksums_of_hashes(hashes)))
}

/// Every synced record of a person, as devices hold them.
async fn records_of_person(
    conn: &mut SqliteConnection,
    person_id: Uuid,
) -> Result<Vec<Record>, sqlx::Error> {
    let mut records = Vec::new();
    for Synced {
        name,
        owner,
        columns,
        decode,
        ..
    } in PERSON_TABLES
    {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {columns} FROM {name} WHERE {owner} = ?1"
        )))
        .bind(person_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            records.push(decode(row)?);
        }
    }
    Ok(records)
}

/// Stores the hash of every synced row of a person, as it now reads. Called in the transaction
/// of every write (see `sync::apply`).
pub async fn rehash_person(
    conn: &mut SqliteConnection,
    person_id: Uuid,
) -> Result<(), sqlx::Error> {
    for record in records_of_person(conn, person_id).await? {
        let Some(table) = table_of(&record) else {
            continue;
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET hash = ?2 WHERE id = ?1"
        )))
        .bind(record.key().1.to_string())
        .bind(record_hash(&record) as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Stores the hash of the synced rows of a person written after `since` (they took a later
/// rev): what one mutation changed, whatever the size of the file.
pub async fn rehash_person_since(
    conn: &mut SqliteConnection,
    person_id: Uuid,
    since: i64,
) -> Result<(), sqlx::Error> {
    for Synced {
        name,
        owner,
        columns,
        decode,
        ..
    } in PERSON_TABLES
    {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {columns} FROM {name} WHERE {owner} = ?1 AND rev > ?2"
        )))
        .bind(person_id.to_string())
        .bind(since)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            let record = decode(row)?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {name} SET hash = ?2 WHERE id = ?1"
            )))
            .bind(record.key().1.to_string())
            .bind(record_hash(&record) as i64)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Hashes the rows that have no hash yet (a database from before hashes, the demo seed).
pub async fn rehash_missing(conn: &mut SqliteConnection) -> Result<usize, sqlx::Error> {
    let mut people: Vec<String> = Vec::new();
    for Synced { name, owner, .. } in PERSON_TABLES {
        let found: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT {owner} FROM {name} WHERE hash IS NULL"
        )))
        .fetch_all(&mut *conn)
        .await?;
        people.extend(found);
    }
    people.sort();
    people.dedup();
    for person in &people {
        rehash_person(conn, parse_uuid(person)?).await?;
    }
    Ok(people.len())
}

/// The enrolments whose person a référent's device holds: the active ones, and those closed
/// less than `fse::KEPT_AFTER_EXIT_MONTHS` (12) months ago whose six-month FSE situation is
/// not recorded yet (the référent collects it; recording it, or the year passing, takes the
/// file off the device through the checksum repair).
macro_rules! followed_sql {
    () => {
        "(status = 'active' OR (fse_six_months IS NULL AND exit_date > date('now', '-12 months')))"
    };
}

/// The people a user may change, as a sub-query on `?1` (the user's id); `None` for a user
/// who holds no people. Deleted and purged files are out of it.
fn scope_sql(user: &SessionUser) -> Option<&'static str> {
    use jalon_domain::auth::Scope;
    match user.scope() {
        Scope::Referent(_) => Some(concat!(
            "SELECT person_id FROM enrolments WHERE referent_id = ?1 AND ",
            followed_sql!(),
            " AND person_id NOT IN (SELECT id FROM people WHERE deleted_at IS NOT NULL)"
        )),
        Scope::Schemes(_) => Some(
            "SELECT person_id FROM enrolments
             WHERE scheme IN (SELECT scheme FROM supervised_schemes WHERE user_id = ?1)
             AND person_id NOT IN (SELECT id FROM people WHERE deleted_at IS NOT NULL)",
        ),
        Scope::Nothing => None,
    }
}

/// The people a user's device holds: [`scope_sql`], and for a supervisor also the purged
/// files of their schemes — anonymous (no name, no contact, no text), kept so that the
/// figures of the years they were followed do not change. Nobody may change them.
fn read_scope_sql(user: &SessionUser) -> Option<&'static str> {
    use jalon_domain::auth::Scope;
    match user.scope() {
        Scope::Schemes(_) => Some(
            "SELECT person_id FROM enrolments
             WHERE scheme IN (SELECT scheme FROM supervised_schemes WHERE user_id = ?1)
             AND person_id NOT IN
                 (SELECT id FROM people WHERE deleted_at IS NOT NULL AND purged_at IS NULL)",
        ),
        _ => scope_sql(user),
    }
}

/// Whether `person_id` is in `user`'s scope.
pub async fn in_scope(
    tx: &mut SqliteConnection,
    user: &SessionUser,
    person_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let Some(scope) = scope_sql(user) else {
        return Ok(false);
    };
    let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT 1 WHERE ?2 IN ({scope})"
    )))
    .bind(user.id.to_string())
    .bind(person_id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    Ok(found.is_some())
}

/// Whether `person_id` was in `user`'s scope before its file was deleted.
pub async fn in_scope_with_deleted(
    tx: &mut SqliteConnection,
    user: &SessionUser,
    person_id: Uuid,
) -> Result<bool, sqlx::Error> {
    use jalon_domain::auth::Scope;
    let sql = match user.scope() {
        Scope::Referent(_) => concat!(
            "SELECT 1 FROM enrolments WHERE person_id = ?2 AND referent_id = ?1 AND ",
            followed_sql!()
        ),
        Scope::Schemes(_) => {
            "SELECT 1 FROM enrolments WHERE person_id = ?2
             AND scheme IN (SELECT scheme FROM supervised_schemes WHERE user_id = ?1)"
        }
        Scope::Nothing => return Ok(false),
    };
    let found: Option<i64> = sqlx::query_scalar(sql)
        .bind(user.id.to_string())
        .bind(person_id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    Ok(found.is_some())
}

/// A person with who created them and when.
pub async fn person(
    tx: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<(Person, Uuid, i64)>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        person_columns!(),
        ", created_by, created_at FROM people WHERE id = ?1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some((
        person_row(&row)?,
        parse_uuid(row.try_get("created_by")?)?,
        row.try_get("created_at")?,
    )))
}

/// Every file not deleted, for the import's duplicate and repeat checks.
pub async fn people_keys(conn: &mut SqliteConnection) -> Result<Vec<Person>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        person_columns!(),
        " FROM people WHERE deleted_at IS NULL"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(person_row).collect()
}

/// Whether a person file was deleted.
pub async fn is_deleted(conn: &mut SqliteConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM people WHERE id = ?1 AND deleted_at IS NOT NULL")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

pub async fn mark_deleted(
    conn: &mut SqliteConnection,
    id: Uuid,
    by: Uuid,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE people SET deleted_by = ?2, deleted_at = ?3 WHERE id = ?1")
        .bind(id.to_string())
        .bind(by.to_string())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn enrolments_of(
    tx: &mut SqliteConnection,
    person_id: Uuid,
) -> Result<Vec<Enrolment>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        enrolment_columns!(),
        " FROM enrolments WHERE person_id = ?1"
    ))
    .bind(person_id.to_string())
    .fetch_all(&mut *tx)
    .await?;
    rows.iter().map(enrolment_row).collect()
}

pub async fn enrolment(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<Enrolment>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        enrolment_columns!(),
        " FROM enrolments WHERE id = ?1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(enrolment_row).transpose()
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

/// Hands an enrolment over to another référent, keeping the change in `referent_changes`.
pub async fn change_referent(
    conn: &mut SqliteConnection,
    enrolment: &Enrolment,
    new_referent: Uuid,
    changed_by: Uuid,
    at: i64,
    effective: Option<Date>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE enrolments SET referent_id = ?2 WHERE id = ?1")
        .bind(enrolment.id.to_string())
        .bind(new_referent.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO referent_changes
             (enrolment_id, old_referent_id, new_referent_id, changed_by, at, effective_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(enrolment.id.to_string())
    .bind(enrolment.referent_id.to_string())
    .bind(new_referent.to_string())
    .bind(changed_by.to_string())
    .bind(at)
    .bind(effective)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every hand-over of the enrolments of a person, dated by its date of effect, or else by
/// the server's (UTC) day it was recorded.
pub async fn referent_changes_of(
    conn: &mut SqliteConnection,
    person_id: Uuid,
) -> Result<Vec<ReferentChange>, sqlx::Error> {
    let rows: Vec<(String, String, String, Date)> = sqlx::query_as(concat!(
        "SELECT c.enrolment_id, c.old_referent_id, c.new_referent_id, ",
        handover_day!(),
        " FROM referent_changes c JOIN enrolments e ON e.id = c.enrolment_id
             WHERE e.person_id = ?1 ORDER BY c.id"
    ))
    .bind(person_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(enrolment, from, to, on)| {
            Ok(ReferentChange {
                enrolment_id: parse_uuid(&enrolment)?,
                from: parse_uuid(&from)?,
                to: parse_uuid(&to)?,
                on,
            })
        })
        .collect()
}

/// How many times a person left a scope: hand-overs, exits and deletions (tests and
/// figures).
pub async fn scope_changes(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM referent_changes)
              + (SELECT COUNT(*) FROM enrolments WHERE status = 'closed')
              + (SELECT COUNT(*) FROM people WHERE deleted_at IS NOT NULL)",
    )
    .fetch_one(&mut *conn)
    .await
}

/// Every conflict ever recorded (tests).
pub async fn all_conflicts(conn: &mut SqliteConnection) -> Result<Vec<Conflict>, sqlx::Error> {
    let rows = sqlx::query(concat!("SELECT ", conflict_columns!(), " FROM conflicts"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(conflict_row).collect()
}

/// Gives every synced row of a person a new change number, so that devices whose scope the
/// person enters receive all of it, whatever their cursor.
pub async fn touch_person(conn: &mut SqliteConnection, person_id: Uuid) -> Result<(), sqlx::Error> {
    for Synced {
        name: table,
        owner: column,
        ..
    } in PERSON_TABLES
    {
        let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM {table} WHERE {column} = ?1 ORDER BY rev"
        )))
        .bind(person_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        if ids.is_empty() {
            continue;
        }
        let first = next_revs(conn, ids.len() as i64).await?;
        for (i, id) in ids.iter().enumerate() {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET rev = ?2 WHERE id = ?1"
            )))
            .bind(id)
            .bind(first + i as i64)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Who last wrote a person field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Writer {
    pub author_id: Uuid,
    /// `None` for values written before devices were recorded.
    pub device_id: Option<Uuid>,
    pub at: i64,
}

/// Who last wrote `field` of a person, from which device and when: the last kept history
/// entry (`None`: the value is the creation's).
pub async fn last_writer(
    tx: &mut SqliteConnection,
    person_id: Uuid,
    field: PersonField,
) -> Result<Option<Writer>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT author_id, device_id, at FROM person_history
         WHERE person_id = ?1 AND field = ?2 AND kept = 1 ORDER BY id DESC LIMIT 1",
    )
    .bind(person_id.to_string())
    .bind(field.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    row.map(|row| {
        let device: Option<String> = row.try_get("device_id")?;
        Ok(Writer {
            author_id: parse_uuid(row.try_get("author_id")?)?,
            device_id: device.as_deref().map(parse_uuid).transpose()?,
            at: row.try_get("at")?,
        })
    })
    .transpose()
}

pub async fn update_person(
    tx: &mut SqliteConnection,
    person: &Person,
    rev: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE people SET last_name = ?2, first_name = ?3, birth_date = ?4, commune_code = ?5,
                           rsa_beneficiary = ?6, rev = ?7, details = ?8
         WHERE id = ?1",
    )
    .bind(person.id.to_string())
    .bind(&person.last_name)
    .bind(&person.first_name)
    .bind(person.birth_date)
    .bind(&person.commune_code)
    .bind(person.rsa_beneficiary)
    .bind(rev)
    .bind(to_json(&person.details)?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(e.into()))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|_| corrupt(what))
}

/// One entry of a person's history.
pub struct HistoryEntry<'a> {
    pub person_id: Uuid,
    pub field: PersonField,
    pub old_value: &'a FieldValue,
    pub new_value: &'a FieldValue,
    /// `false` for a value that lost a conflict.
    pub kept: bool,
    pub author_id: Uuid,
    pub device_id: Option<Uuid>,
    pub at: i64,
}

pub async fn insert_history(
    tx: &mut SqliteConnection,
    entry: &HistoryEntry<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO person_history (person_id, field, old_value, new_value, kept, author_id, at,
                                     device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(entry.person_id.to_string())
    .bind(entry.field.as_str())
    .bind(to_json(entry.old_value)?)
    .bind(to_json(entry.new_value)?)
    .bind(entry.kept)
    .bind(entry.author_id.to_string())
    .bind(entry.at)
    .bind(entry.device_id.map(|d| d.to_string()))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The values a person field took, oldest first, as `(old, new, kept)`.
pub async fn history(
    conn: &mut SqliteConnection,
    person_id: Uuid,
    field: PersonField,
) -> Result<Vec<(FieldValue, FieldValue, bool)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT old_value, new_value, kept FROM person_history
         WHERE person_id = ?1 AND field = ?2 ORDER BY id",
    )
    .bind(person_id.to_string())
    .bind(field.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                from_json(row.try_get("old_value")?, "history")?,
                from_json(row.try_get("new_value")?, "history")?,
                row.try_get("kept")?,
            ))
        })
        .collect()
}

pub async fn upsert_conflict(
    tx: &mut SqliteConnection,
    conflict: &Conflict,
    rev: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO conflicts (id, person_id, field, candidates, result, resolved_by, resolved_at,
                                rev, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET result = excluded.result,
             resolved_by = excluded.resolved_by, resolved_at = excluded.resolved_at,
             rev = excluded.rev",
    )
    .bind(conflict.id.to_string())
    .bind(conflict.person_id.to_string())
    .bind(conflict.field.as_str())
    .bind(to_json(&conflict.candidates)?)
    .bind(to_json(&conflict.result)?)
    .bind(conflict.resolved_by.map(|u| u.to_string()))
    .bind(conflict.resolved_at)
    .bind(rev)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn conflict(
    tx: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<Conflict>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        conflict_columns!(),
        " FROM conflicts WHERE id = ?1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    row.as_ref().map(conflict_row).transpose()
}

/// The change counter: the last rev taken (in a read transaction, the last one committed in
/// its snapshot).
pub async fn clock(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM sync_clock WHERE id = 1")
        .fetch_one(&mut *conn)
        .await
}

/// Takes `n` consecutive change numbers and returns the first.
pub async fn next_revs(tx: &mut SqliteConnection, n: i64) -> Result<i64, sqlx::Error> {
    let last: i64 =
        sqlx::query_scalar("UPDATE sync_clock SET value = value + ?1 WHERE id = 1 RETURNING value")
            .bind(n)
            .fetch_one(&mut *tx)
            .await?;
    Ok(last - n + 1)
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

pub async fn insert_person(
    tx: &mut SqliteConnection,
    person: &Person,
    rev: i64,
    created_by: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO people (id, last_name, first_name, birth_date, commune_code, rsa_beneficiary,
                             rev, created_by, created_at, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(person.id.to_string())
    .bind(&person.last_name)
    .bind(&person.first_name)
    .bind(person.birth_date)
    .bind(&person.commune_code)
    .bind(person.rsa_beneficiary)
    .bind(rev)
    .bind(created_by.to_string())
    .bind(now)
    .bind(to_json(&person.details)?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn insert_enrolment(
    tx: &mut SqliteConnection,
    enrolment: &Enrolment,
    rev: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO enrolments (id, person_id, scheme, referent_id, start_date, status, rev,
                                 created_at, exit_date, exit_reason, fse_entry, fse_exit,
                                 orientation, fse_six_months)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )
    .bind(enrolment.id.to_string())
    .bind(enrolment.person_id.to_string())
    .bind(enrolment.scheme.as_str())
    .bind(enrolment.referent_id.to_string())
    .bind(enrolment.start_date)
    .bind(enrolment.status.as_str())
    .bind(rev)
    .bind(now)
    .bind(enrolment.exit.map(|e| e.date))
    .bind(enrolment.exit.map(|e| e.reason.as_str()))
    .bind(enrolment.fse_entry.as_ref().map(to_json).transpose()?)
    .bind(enrolment.fse_exit.as_ref().map(to_json).transpose()?)
    .bind(enrolment.orientation.as_ref().map(to_json).transpose()?)
    .bind(enrolment.fse_six_months.as_ref().map(to_json).transpose()?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Stores the orientation decision of an enrolment under a new change number.
pub async fn set_orientation(
    conn: &mut SqliteConnection,
    enrolment_id: Uuid,
    orientation: &Orientation,
    rev: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE enrolments SET orientation = ?2, rev = ?3 WHERE id = ?1")
        .bind(enrolment_id.to_string())
        .bind(to_json(orientation)?)
        .bind(rev)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores the six-month FSE situation of an enrolment under a new change number.
pub async fn set_six_months(
    conn: &mut SqliteConnection,
    enrolment_id: Uuid,
    result: &SixMonths,
    rev: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE enrolments SET fse_six_months = ?2, rev = ?3 WHERE id = ?1")
        .bind(enrolment_id.to_string())
        .bind(to_json(result)?)
        .bind(rev)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores the new status and exit of an enrolment under a new change number.
pub async fn update_enrolment_status(
    conn: &mut SqliteConnection,
    enrolment: &Enrolment,
    rev: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE enrolments SET status = ?2, exit_date = ?3, exit_reason = ?4, rev = ?5,
                               fse_exit = ?6
         WHERE id = ?1",
    )
    .bind(enrolment.id.to_string())
    .bind(enrolment.status.as_str())
    .bind(enrolment.exit.map(|e| e.date))
    .bind(enrolment.exit.map(|e| e.reason.as_str()))
    .bind(rev)
    .bind(enrolment.fse_exit.as_ref().map(to_json).transpose()?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn person_row(row: &SqliteRow) -> Result<Person, sqlx::Error> {
    Ok(Person {
        id: parse_uuid(row.try_get("id")?)?,
        last_name: row.try_get("last_name")?,
        first_name: row.try_get("first_name")?,
        birth_date: row.try_get::<Date, _>("birth_date")?,
        commune_code: row.try_get("commune_code")?,
        rsa_beneficiary: row.try_get("rsa_beneficiary")?,
        details: from_json(row.try_get("details")?, "person details")?,
    })
}

fn note_row(row: &SqliteRow) -> Result<Note, sqlx::Error> {
    let replaces: Option<String> = row.try_get("replaces")?;
    Ok(Note {
        id: parse_uuid(row.try_get("id")?)?,
        person_id: parse_uuid(row.try_get("person_id")?)?,
        author_id: parse_uuid(row.try_get("author_id")?)?,
        date: row.try_get::<Date, _>("date")?,
        text: row.try_get("text")?,
        replaces: replaces.as_deref().map(parse_uuid).transpose()?,
    })
}

pub async fn note(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Note>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        note_columns!(),
        " FROM notes WHERE id = ?1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(note_row).transpose()
}

pub async fn insert_note(
    conn: &mut SqliteConnection,
    note: &Note,
    rev: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notes (id, person_id, author_id, date, text, replaces, rev, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(note.id.to_string())
    .bind(note.person_id.to_string())
    .bind(note.author_id.to_string())
    .bind(note.date)
    .bind(&note.text)
    .bind(note.replaces.map(|r| r.to_string()))
    .bind(rev)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn conflict_row(row: &SqliteRow) -> Result<Conflict, sqlx::Error> {
    let resolved_by: Option<String> = row.try_get("resolved_by")?;
    Ok(Conflict {
        id: parse_uuid(row.try_get("id")?)?,
        person_id: parse_uuid(row.try_get("person_id")?)?,
        field: PersonField::parse(row.try_get("field")?).ok_or_else(|| corrupt("field"))?,
        candidates: from_json(row.try_get("candidates")?, "conflict candidates")?,
        result: from_json(row.try_get("result")?, "conflict result")?,
        resolved_by: resolved_by.as_deref().map(parse_uuid).transpose()?,
        resolved_at: row.try_get("resolved_at")?,
    })
}

fn enrolment_row(row: &SqliteRow) -> Result<Enrolment, sqlx::Error> {
    Ok(Enrolment {
        id: parse_uuid(row.try_get("id")?)?,
        person_id: parse_uuid(row.try_get("person_id")?)?,
        scheme: parse_scheme(row.try_get("scheme")?)?,
        referent_id: parse_uuid(row.try_get("referent_id")?)?,
        start_date: row.try_get::<Date, _>("start_date")?,
        status: EnrolmentStatus::parse(row.try_get("status")?)
            .ok_or_else(|| corrupt("enrolment status"))?,
        exit: match (
            row.try_get::<Option<Date>, _>("exit_date")?,
            row.try_get::<Option<String>, _>("exit_reason")?,
        ) {
            (Some(date), Some(reason)) => Some(Exit {
                date,
                reason: ExitReason::parse(&reason).ok_or_else(|| corrupt("exit reason"))?,
            }),
            _ => None,
        },
        fse_entry: row
            .try_get::<Option<&str>, _>("fse_entry")?
            .map(|j| from_json(j, "FSE entry"))
            .transpose()?,
        fse_exit: row
            .try_get::<Option<&str>, _>("fse_exit")?
            .map(|j| from_json(j, "FSE exit"))
            .transpose()?,
        handovers: handovers(row.try_get("handovers")?)?,
        orientation: row
            .try_get::<Option<&str>, _>("orientation")?
            .map(|j| from_json(j, "orientation"))
            .transpose()?,
        fse_six_months: row
            .try_get::<Option<&str>, _>("fse_six_months")?
            .map(|j| from_json(j, "six-month situation"))
            .transpose()?,
    })
}

/// The hand-overs of an enrolment from `[[from, to, date], …]`, by date (the order they were
/// recorded in when two share a day).
fn handovers(json: &str) -> Result<Vec<Handover>, sqlx::Error> {
    let rows: Vec<(String, String, String)> = from_json(json, "hand-overs")?;
    let mut handovers = rows
        .into_iter()
        .map(|(from, to, on)| {
            Ok(Handover {
                from: parse_uuid(&from)?,
                to: parse_uuid(&to)?,
                on: Date::parse(
                    &on,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .map_err(|_| corrupt("hand-over date"))?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    handovers.sort_by_key(|h| h.on);
    Ok(handovers)
}

fn item_row(row: &SqliteRow) -> Result<Item, sqlx::Error> {
    Ok(Item {
        id: parse_uuid(row.try_get("id")?)?,
        person_id: parse_uuid(row.try_get("person_id")?)?,
        version: row.try_get("version")?,
        author_id: parse_uuid(row.try_get("author_id")?)?,
        body: from_json(row.try_get("body")?, "item body")?,
    })
}

/// An item in its current version.
/// Every follow-up item of a person, in its current version.
pub async fn items_of(
    conn: &mut SqliteConnection,
    person_id: Uuid,
) -> Result<Vec<Item>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        item_columns!(),
        " FROM items WHERE person_id = ?1"
    ))
    .bind(person_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(item_row).collect()
}

pub async fn item(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Item>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        item_columns!(),
        " FROM items WHERE id = ?1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(item_row).transpose()
}

/// Stores a new version of an item (or its first) under change number `rev`; the version is
/// also kept in the item's history.
pub async fn save_item(
    conn: &mut SqliteConnection,
    item: &Item,
    rev: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let body = to_json(&item.body)?;
    sqlx::query(
        "INSERT INTO items (id, person_id, kind, version, author_id, body, rev, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET version = ?4, author_id = ?5, body = ?6, rev = ?7,
                                        updated_at = ?8",
    )
    .bind(item.id.to_string())
    .bind(item.person_id.to_string())
    .bind(item.body.kind())
    .bind(item.version)
    .bind(item.author_id.to_string())
    .bind(&body)
    .bind(rev)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO item_versions (item_id, version, author_id, body, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(item.id.to_string())
    .bind(item.version)
    .bind(item.author_id.to_string())
    .bind(&body)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many versions of an item the server keeps.
pub async fn item_version_count(conn: &mut SqliteConnection, id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM item_versions WHERE item_id = ?1")
        .bind(id.to_string())
        .fetch_one(&mut *conn)
        .await
}

/// The people (not deleted) who may be the same as `person`: same name and birth date, or
/// same numéro allocataire. Narrowed in SQL by birth date or file number, then by the
/// domain's rule.
pub async fn possible_duplicates(
    conn: &mut SqliteConnection,
    person: &Person,
) -> Result<Vec<Person>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        person_columns!(),
        " FROM people WHERE id != ?1 AND deleted_at IS NULL
          AND (birth_date = ?2 OR (?3 != '' AND json_extract(details, '$.allocataire') = ?3))"
    ))
    .bind(person.id.to_string())
    .bind(person.birth_date)
    .bind(&person.details.allocataire)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(person_row).collect()
}
