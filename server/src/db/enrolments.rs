//! Enrolments: their rows, hand-overs, orientation, six-month situation and exits.

use super::*;

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

pub(super) fn enrolment_row(row: &SqliteRow) -> Result<Enrolment, sqlx::Error> {
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
pub(super) fn handovers(json: &str) -> Result<Vec<Handover>, sqlx::Error> {
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
