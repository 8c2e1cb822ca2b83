//! Accounts as administrators manage them: creation, edits, passwords, deactivation.

use std::collections::HashMap;

use jalon_domain::admin::accounts::{Account, AccountForm};
use jalon_domain::auth::Role;
use jalon_domain::schemes::SchemeCode;
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;
use uuid::Uuid;

use super::{corrupt, devices, parse_scheme, parse_uuid};

const COLUMNS: &str = "id, username, display_name, role, scheme, portfolio_target, active,
    must_change_password, created_at";

/// Every account, administrators first, then by name.
pub async fn accounts(conn: &mut SqliteConnection) -> Result<Vec<Account>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users ORDER BY active DESC, role, display_name"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let supervised = supervised_schemes(conn).await?;
    let followed = followed_counts(conn).await?;
    let signed_in = last_sign_ins(conn).await?;
    let mut all = Vec::with_capacity(rows.len());
    for row in &rows {
        let id = parse_uuid(row.try_get("id")?)?;
        all.push(account_row(
            row,
            supervised.get(&id).cloned().unwrap_or_default(),
            followed.get(&id).copied().unwrap_or(0),
            signed_in.get(&id).copied(),
            devices::devices_of(conn, id).await?,
        )?);
    }
    Ok(all)
}

/// One account.
pub async fn account(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE id = ?1"
    )))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let supervised = supervised_schemes(conn).await?;
    let followed = followed_counts(conn).await?;
    let signed_in = last_sign_ins(conn).await?;
    Ok(Some(account_row(
        &row,
        supervised.get(&id).cloned().unwrap_or_default(),
        followed.get(&id).copied().unwrap_or(0),
        signed_in.get(&id).copied(),
        devices::devices_of(conn, id).await?,
    )?))
}

fn account_row(
    row: &sqlx::sqlite::SqliteRow,
    supervised: Vec<SchemeCode>,
    followed: i64,
    last_sign_in: Option<i64>,
    devices: Vec<jalon_domain::admin::accounts::Device>,
) -> Result<Account, sqlx::Error> {
    let scheme: Option<String> = row.try_get("scheme")?;
    Ok(Account {
        id: parse_uuid(row.try_get("id")?)?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(row.try_get("role")?).ok_or_else(|| corrupt("role"))?,
        scheme: scheme.as_deref().map(parse_scheme).transpose()?,
        supervised,
        portfolio_target: row.try_get("portfolio_target")?,
        active: row.try_get("active")?,
        must_change_password: row.try_get("must_change_password")?,
        created_at: row.try_get("created_at")?,
        last_sign_in,
        followed,
        devices,
    })
}

async fn supervised_schemes(
    conn: &mut SqliteConnection,
) -> Result<HashMap<Uuid, Vec<SchemeCode>>, sqlx::Error> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT user_id, scheme FROM supervised_schemes ORDER BY scheme")
            .fetch_all(&mut *conn)
            .await?;
    let mut by_user: HashMap<Uuid, Vec<SchemeCode>> = HashMap::new();
    for (user, scheme) in rows {
        by_user
            .entry(parse_uuid(&user)?)
            .or_default()
            .push(parse_scheme(&scheme)?);
    }
    Ok(by_user)
}

/// How many people each référent follows in an active enrolment (deleted files aside).
async fn followed_counts(conn: &mut SqliteConnection) -> Result<HashMap<Uuid, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT referent_id, COUNT(DISTINCT person_id) FROM enrolments
         WHERE status = 'active'
           AND person_id NOT IN (SELECT id FROM people WHERE deleted_at IS NOT NULL)
         GROUP BY referent_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, n)| Ok((parse_uuid(&id)?, n)))
        .collect()
}

async fn last_sign_ins(conn: &mut SqliteConnection) -> Result<HashMap<Uuid, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT user_id, MAX(at) FROM audit_log
         WHERE action = 'auth.login' AND user_id IS NOT NULL GROUP BY user_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, at)| Ok((parse_uuid(&id)?, at)))
        .collect()
}

/// Whether another account than `except` has this login.
pub async fn login_taken(
    conn: &mut SqliteConnection,
    username: &str,
    except: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM users WHERE username = ?1 AND id <> ?2")
            .bind(username)
            .bind(except.map(|u| u.to_string()).unwrap_or_default())
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

/// Creates an account from a checked form.
pub async fn create(
    conn: &mut SqliteConnection,
    id: Uuid,
    form: &AccountForm,
    password_hash: &str,
    must_change_password: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, username, display_name, role, scheme, password_hash, created_at,
                            portfolio_target, must_change_password)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .bind(id.to_string())
    .bind(&form.username)
    .bind(&form.display_name)
    .bind(form.role.as_str())
    .bind(form.scheme.map(SchemeCode::as_str))
    .bind(password_hash)
    .bind(now)
    .bind(form.portfolio_target)
    .bind(must_change_password)
    .execute(&mut *conn)
    .await?;
    set_supervised(conn, id, &form.supervised).await
}

/// Applies a checked form to an existing account.
pub async fn update(
    conn: &mut SqliteConnection,
    id: Uuid,
    form: &AccountForm,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET username = ?2, display_name = ?3, role = ?4, scheme = ?5,
                          portfolio_target = ?6
         WHERE id = ?1",
    )
    .bind(id.to_string())
    .bind(&form.username)
    .bind(&form.display_name)
    .bind(form.role.as_str())
    .bind(form.scheme.map(SchemeCode::as_str))
    .bind(form.portfolio_target)
    .execute(&mut *conn)
    .await?;
    set_supervised(conn, id, &form.supervised).await
}

async fn set_supervised(
    conn: &mut SqliteConnection,
    id: Uuid,
    schemes: &[SchemeCode],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM supervised_schemes WHERE user_id = ?1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    for scheme in schemes {
        sqlx::query("INSERT INTO supervised_schemes (user_id, scheme) VALUES (?1, ?2)")
            .bind(id.to_string())
            .bind(scheme.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The password hash of an account, active or not.
pub async fn password_hash(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await
}

/// Sets a new password; `must_change` for a temporary one.
pub async fn set_password(
    conn: &mut SqliteConnection,
    id: Uuid,
    hash: &str,
    must_change: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1")
        .bind(id.to_string())
        .bind(hash)
        .bind(must_change)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deactivates (or reactivates) an account.
pub async fn set_active(
    conn: &mut SqliteConnection,
    id: Uuid,
    active: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET active = ?2, deactivated_at = ?3 WHERE id = ?1")
        .bind(id.to_string())
        .bind(active)
        .bind((!active).then_some(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn active_administrators(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'administrator' AND active = 1")
        .fetch_one(&mut *conn)
        .await
}

/// Ends every session of an account but `except` (a token hash).
pub async fn end_sessions(
    conn: &mut SqliteConnection,
    id: Uuid,
    except: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2")
        .bind(id.to_string())
        .bind(except.unwrap_or_default())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends the sessions one device holds for an account.
pub async fn end_sessions_of_device(
    conn: &mut SqliteConnection,
    id: Uuid,
    device: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = ?1 AND device_id = ?2")
        .bind(id.to_string())
        .bind(device.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every active référent, as their sessions see them.
pub async fn active_referents(
    conn: &mut SqliteConnection,
) -> Result<Vec<jalon_domain::auth::SessionUser>, sqlx::Error> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'referent' AND active = 1")
            .fetch_all(&mut *conn)
            .await?;
    let mut referents = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(user) = super::user_of(conn, parse_uuid(&id)?, true).await? {
            referents.push(user);
        }
    }
    Ok(referents)
}
