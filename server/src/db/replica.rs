//! The synced tables as devices hold them: the change counter, pulls after a cursor, the checksums of a scope and of its buckets, the stored hash of every row.

use super::*;

/// The changes of `user`'s scope after `cursor`, at most `limit` (`-1`: all), in `rev` order,
/// and whether more wait.
pub(super) async fn changes_after(
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
pub(super) async fn count_after(
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
pub(super) struct Synced {
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
pub(super) const PERSON_TABLES: [Synced; 5] = [
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
pub(super) const SYNCED: [Synced; 6] = [
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
pub(super) fn table_of(record: &Record) -> Option<&'static str> {
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
pub(super) async fn scope_checksums(
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
pub(super) async fn records_of_person(
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
