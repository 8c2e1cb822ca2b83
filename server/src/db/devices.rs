//! The devices of each account and their state (see `jalon_domain::admin::accounts::DeviceState`).

use jalon_domain::admin::accounts::{Device, DeviceState};
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;
use uuid::Uuid;

use super::{corrupt, parse_uuid};

/// Notes that a device of `user` reached the server: first contact, last contact (written at
/// most once a minute), and, when the device tells them, its app version and waiting changes.
pub async fn touch(
    conn: &mut SqliteConnection,
    user: Uuid,
    device: Uuid,
    now: i64,
    app_version: Option<&str>,
    waiting: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO devices (id, user_id, first_seen, last_seen, app_version, waiting)
         VALUES (?1, ?2, ?3, ?3, coalesce(?4, ''), coalesce(?5, 0))
         ON CONFLICT (id, user_id) DO UPDATE SET
             last_seen = excluded.last_seen,
             app_version = coalesce(?4, devices.app_version),
             waiting = coalesce(?5, devices.waiting)
         WHERE devices.last_seen < excluded.last_seen - 60 OR ?4 IS NOT NULL OR ?5 IS NOT NULL",
    )
    .bind(device.to_string())
    .bind(user.to_string())
    .bind(now)
    .bind(app_version)
    .bind(waiting)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The state of a device of `user` (a device never seen is active).
pub async fn state(
    conn: &mut SqliteConnection,
    user: Uuid,
    device: Uuid,
) -> Result<DeviceState, sqlx::Error> {
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM devices WHERE id = ?1 AND user_id = ?2")
            .bind(device.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    match state {
        None => Ok(DeviceState::Active),
        Some(s) => DeviceState::parse(&s).ok_or_else(|| corrupt("device state")),
    }
}

/// The escrow key of a device of `user` (see migration 0013), drawn at random the first time
/// it is asked for, again after the device was revoked or wiped. The device must be known
/// (`touch` first).
pub async fn vault_key(
    conn: &mut SqliteConnection,
    user: Uuid,
    device: Uuid,
    fresh: [u8; 32],
) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query(
        "UPDATE devices SET vault_key = ?3 WHERE id = ?1 AND user_id = ?2 AND vault_key IS NULL",
    )
    .bind(device.to_string())
    .bind(user.to_string())
    .bind(&fresh[..])
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar("SELECT vault_key FROM devices WHERE id = ?1 AND user_id = ?2")
        .bind(device.to_string())
        .bind(user.to_string())
        .fetch_one(&mut *conn)
        .await
}

/// Sets the state of one device of `user`.
pub async fn set_state(
    conn: &mut SqliteConnection,
    user: Uuid,
    device: Uuid,
    state: DeviceState,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE devices SET state = ?3, state_changed_at = ?4,
             vault_key = CASE WHEN ?3 IN ('revoked', 'wiped') THEN NULL ELSE vault_key END
         WHERE id = ?1 AND user_id = ?2",
    )
    .bind(device.to_string())
    .bind(user.to_string())
    .bind(state.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Sets the state of every device of `user` that is in state `from`.
pub async fn set_state_of_all(
    conn: &mut SqliteConnection,
    user: Uuid,
    from: DeviceState,
    to: DeviceState,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE devices SET state = ?3, state_changed_at = ?4,
             vault_key = CASE WHEN ?3 IN ('revoked', 'wiped') THEN NULL ELSE vault_key END
         WHERE user_id = ?1 AND state = ?2",
    )
    .bind(user.to_string())
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The devices of an account, the most recently seen first.
pub async fn devices_of(
    conn: &mut SqliteConnection,
    user: Uuid,
) -> Result<Vec<Device>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, first_seen, last_seen, app_version, waiting, state, state_changed_at
         FROM devices WHERE user_id = ?1 ORDER BY last_seen DESC",
    )
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Device {
                id: parse_uuid(row.try_get("id")?)?,
                first_seen: row.try_get("first_seen")?,
                last_seen: row.try_get("last_seen")?,
                app_version: row.try_get("app_version")?,
                waiting: row.try_get("waiting")?,
                state: DeviceState::parse(row.try_get("state")?)
                    .ok_or_else(|| corrupt("device state"))?,
                state_changed_at: row.try_get("state_changed_at")?,
            })
        })
        .collect()
}

/// Whether a device id is bound to another account than `user` (and not wiped): a device id
/// serves one account, so that its mutation numbers are its own.
pub async fn bound_elsewhere(
    conn: &mut SqliteConnection,
    device: Uuid,
    user: Uuid,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM devices WHERE id = ?1 AND user_id <> ?2 AND state <> 'wiped'",
    )
    .bind(device.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}
