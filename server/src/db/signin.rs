//! Sign-in attempts, reserved before the password is verified (see
//! `jalon_domain::admin::signin`).

use jalon_domain::admin::signin::Failures;
use sqlx::sqlite::SqliteConnection;
use uuid::Uuid;

/// The failures (a pending attempt counts as one) of `login` from `source`, and from `source`
/// alone, since `since`.
pub async fn failures(
    conn: &mut SqliteConnection,
    login: &str,
    source: &str,
    since: i64,
) -> Result<Failures, sqlx::Error> {
    let (pair, pair_last): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(at) FROM login_attempts
         WHERE login = ?1 AND source = ?2 AND at >= ?3 AND coalesce(ok, 0) = 0",
    )
    .bind(login)
    .bind(source)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let (source_count, source_last): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(at) FROM login_attempts
         WHERE source = ?1 AND at >= ?2 AND coalesce(ok, 0) = 0",
    )
    .bind(source)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Failures {
        pair,
        pair_last,
        source: source_count,
        source_last,
    })
}

/// Reserves an attempt (counted as a failure until settled); returns its id.
pub async fn reserve(
    conn: &mut SqliteConnection,
    login: &str,
    source: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO login_attempts (login, source, at) VALUES (?1, ?2, ?3) RETURNING id",
    )
    .bind(login)
    .bind(source)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
}

/// Settles an attempt. A success forgets the failures of its login from its source.
pub async fn settle(
    conn: &mut SqliteConnection,
    id: i64,
    login: &str,
    source: &str,
    ok: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE login_attempts SET ok = ?2 WHERE id = ?1")
        .bind(id)
        .bind(ok)
        .execute(&mut *conn)
        .await?;
    if ok {
        sqlx::query(
            "DELETE FROM login_attempts WHERE login = ?1 AND source = ?2 AND coalesce(ok, 0) = 0",
        )
        .bind(login)
        .bind(source)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Whether `device` already signed in to the account `login` and is in use.
pub async fn known_device(
    conn: &mut SqliteConnection,
    login: &str,
    device: Uuid,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM devices d JOIN users u ON u.id = d.user_id
         WHERE u.username = ?1 AND d.id = ?2 AND d.state = 'active'",
    )
    .bind(login)
    .bind(device.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// Forgets attempts older than `before`.
pub async fn purge_before(conn: &mut SqliteConnection, before: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_attempts WHERE at < ?1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
