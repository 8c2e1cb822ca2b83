//! Whose people a user holds and may change, as SQL sub-queries.

use super::*;

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
pub(super) fn scope_sql(user: &SessionUser) -> Option<&'static str> {
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
pub(super) fn read_scope_sql(user: &SessionUser) -> Option<&'static str> {
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
