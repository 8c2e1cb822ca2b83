//! Applying pushed mutations: each one in its own write transaction, at most once per
//! `(device, seq)`, acknowledged only once committed.

use std::collections::HashSet;

use jalon_domain::Invalid;
use jalon_domain::auth::SessionUser;
use jalon_domain::followup::{
    AppointmentStatus, DuplicateWarning, Item, ItemBody, ItemContext, check_item, duplicate_reason,
};
use jalon_domain::fse::{SixMonths, check_six_months};
use jalon_domain::merge::{
    Conflict, ConflictValue, FieldMerge, FieldValue, PersonEdit, merge_field,
};
use jalon_domain::notes::{Note, check_note};
use jalon_domain::orientation::{Orientation, check_orientation};
use jalon_domain::pathway::{
    Exit, check_new_enrolment, close_enrolment, fse_entry, fse_exit, written_while_following,
};
use jalon_domain::people::{
    Enrolment, Person, PersonCreation, check_deletion, check_person_creation, check_person_update,
    check_referent_change,
};
use jalon_domain::schemes::Scheme;
use jalon_domain::sync::{Mutation, MutationEnvelope, MutationResult, Outcome};
use jalon_domain::text::format_date_fr;
use sqlx::sqlite::SqliteConnection;
use time::Date;
use uuid::Uuid;

use crate::db::{self, Db, HistoryEntry};

/// Who pushes, and the facts the rules need.
pub struct Context<'a> {
    pub actor: &'a SessionUser,
    pub device_id: Uuid,
    pub schemes: &'a [Scheme],
    pub today: Date,
    pub now: i64,
}

impl Context<'_> {
    /// Records that the actor did `action` to the file of `person_id`.
    async fn audit(
        &self,
        tx: &mut SqliteConnection,
        action: &str,
        person_id: Uuid,
    ) -> Result<(), sqlx::Error> {
        db::audit(tx, self.now, Some(self.actor.id), action, Some(person_id)).await
    }
}

fn rejected(code: &str, message: impl Into<String>) -> Outcome {
    Outcome::Rejected {
        code: code.into(),
        message: message.into(),
        errors: Vec::new(),
    }
}

/// Applies one mutation, or returns the outcome recorded the first time it was pushed.
///
/// A broken rule is not an error: it becomes a recorded `Rejected` outcome, so that a replay
/// gets the same answer and the device can show it. Only storage failures return `Err`, and
/// then nothing of the mutation is kept. An applied mutation is answered with the revision
/// after which a pull includes it: the change counter at its commit.
pub async fn apply(
    db: &Db,
    ctx: &Context<'_>,
    envelope: &MutationEnvelope,
) -> Result<MutationResult, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if let Some((outcome, rev, hash)) =
        Db::recorded_outcome(&mut tx, ctx.device_id, envelope.seq).await?
    {
        if hash.is_some_and(|h| h != payload_hash(&envelope.mutation)) {
            // The number of another change: never answered "applied" for what was not stored.
            tx.rollback().await?;
            return Ok(MutationResult {
                seq: envelope.seq,
                outcome: rejected(
                    "seq_reused",
                    "Ce numéro de modification a déjà servi à une autre modification : celle-ci n'a pas été enregistrée.",
                ),
                rev: None,
            });
        }
        // Mutations recorded before revisions were: everything committed so far includes them.
        let rev = match (&outcome, rev) {
            (Outcome::Applied, None) => Some(db::clock(&mut tx).await?),
            (_, rev) => rev,
        };
        tx.rollback().await?;
        return Ok(MutationResult {
            seq: envelope.seq,
            outcome,
            rev,
        });
    }
    let clock_before = db::clock(&mut tx).await?;
    let outcome = match gate(&mut tx, ctx, &envelope.mutation).await? {
        // One answer whatever the target holds (or whether it exists): no rule that reads it
        // runs for someone outside its caseload.
        Gate::Closed => not_in_scope(),
        // A file deleted by someone else (or on another device): refused visibly, its values
        // kept in the rejection; deleting it again is done already.
        Gate::Deleted if matches!(envelope.mutation, Mutation::DeletePerson { .. }) => {
            Outcome::Applied
        }
        Gate::Deleted => rejected(
            "deleted",
            "Cette fiche a été supprimée : la modification n'a pas été enregistrée.",
        ),
        Gate::Open => mutate(&mut tx, ctx, &envelope.mutation).await?,
    };
    let rev = if outcome == Outcome::Applied {
        // Only the rows this mutation wrote took a rev after `clock_before`.
        db::rehash_person_since(&mut tx, envelope.mutation.person_id(), clock_before).await?;
        Some(db::clock(&mut tx).await?)
    } else {
        None
    };
    Db::record_outcome(
        &mut tx,
        &db::OutcomeRecord {
            device_id: ctx.device_id,
            seq: envelope.seq,
            user_id: ctx.actor.id,
            outcome: &outcome,
            rev,
            payload_hash: payload_hash(&envelope.mutation),
            at: ctx.now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(MutationResult {
        seq: envelope.seq,
        outcome,
        rev,
    })
}

/// The hash of a mutation as pushed: a replay of its number with another payload is refused.
fn payload_hash(mutation: &Mutation) -> i64 {
    let json = serde_json::to_vec(mutation).unwrap_or_default();
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for byte in json {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash as i64
}

/// Whether a mutation may read and change its person at all.
enum Gate {
    /// The person is in the actor's caseload (or the mutation is late work they may still
    /// deliver, or a creation).
    Open,
    /// The file was in the actor's caseload and has been deleted.
    Deleted,
    /// Anything else: outside the caseload, deleted by others, or not there at all.
    Closed,
}

/// Decides [`Gate`] before any rule reads the target, so that a refusal for a file outside
/// the caseload is the same whatever the file holds.
async fn gate(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    mutation: &Mutation,
) -> Result<Gate, sqlx::Error> {
    if let Mutation::CreatePerson(_) = mutation {
        return Ok(Gate::Open);
    }
    let person = mutation.person_id();
    if db::in_scope(tx, ctx.actor, person).await? {
        return Ok(Gate::Open);
    }
    if db::is_deleted(tx, person).await? {
        return Ok(if db::in_scope_with_deleted(tx, ctx.actor, person).await? {
            Gate::Deleted
        } else {
            Gate::Closed
        });
    }
    Ok(if late_work(tx, ctx, mutation).await? {
        Gate::Open
    } else {
        Gate::Closed
    })
}

/// Work about a person who left the actor's caseload meanwhile that they may still deliver:
/// a note, or the outcome of an appointment of the server's, dated while they followed the
/// person (see `written_while_following`); or the closing of their own enrolment.
async fn late_work(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    mutation: &Mutation,
) -> Result<bool, sqlx::Error> {
    match mutation {
        Mutation::AddNote(note) => followed_then(tx, ctx, note.person_id, note.date).await,
        Mutation::SaveItem(item) => {
            let ItemBody::Appointment(report) = &item.body else {
                return Ok(false);
            };
            let Some(current) = db::item(tx, item.id).await? else {
                return Ok(false);
            };
            let ItemBody::Appointment(planned) = &current.body else {
                return Ok(false);
            };
            Ok(current.person_id == item.person_id
                && report.date == planned.date
                && report.status != AppointmentStatus::Planned
                && followed_then(tx, ctx, item.person_id, planned.date).await?)
        }
        // The référent of an enrolment closed meanwhile (on another of their devices, or by a
        // supervisor) learns that it is closed: nothing they did not know.
        Mutation::CloseEnrolment {
            enrolment_id,
            person_id,
            ..
        } => Ok(db::enrolment(tx, *enrolment_id)
            .await?
            .is_some_and(|e| e.person_id == *person_id && e.referent_id == ctx.actor.id)),
        _ => Ok(false),
    }
}

/// Applies a mutation whose person the actor may touch.
async fn mutate(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    mutation: &Mutation,
) -> Result<Outcome, sqlx::Error> {
    match mutation {
        Mutation::CreatePerson(creation) => create_person(tx, ctx, creation).await,
        Mutation::EditPerson(edit) => edit_person(tx, ctx, edit).await,
        Mutation::ResolveConflict {
            conflict_id,
            person_id,
            value,
        } => resolve_conflict(tx, ctx, *conflict_id, *person_id, value).await,
        Mutation::ChangeReferent {
            enrolment_id,
            person_id,
            referent_id,
            effective,
        } => change_referent(tx, ctx, *enrolment_id, *person_id, *referent_id, *effective).await,
        Mutation::SetOrientation {
            enrolment_id,
            person_id,
            orientation,
        } => set_orientation(tx, ctx, *enrolment_id, *person_id, orientation).await,
        Mutation::RecordSixMonths {
            enrolment_id,
            person_id,
            result,
        } => record_six_months(tx, ctx, *enrolment_id, *person_id, *result).await,
        Mutation::AddNote(note) => add_note(tx, ctx, note).await,
        Mutation::SaveItem(item) => save_item(tx, ctx, item).await,
        Mutation::Enrol(enrolment) => enrol(tx, ctx, enrolment).await,
        Mutation::DeletePerson { person_id, base } => {
            delete_person(tx, ctx, *person_id, base).await
        }
        Mutation::CloseEnrolment {
            enrolment_id,
            person_id,
            exit,
        } => close(tx, ctx, *enrolment_id, *person_id, *exit).await,
    }
}

async fn create_person(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    creation: &PersonCreation,
) -> Result<Outcome, sqlx::Error> {
    let creation = match check_person_creation(creation.clone(), ctx.actor, ctx.schemes, ctx.today)
    {
        Ok(creation) => creation,
        Err(invalid) => return Ok(refused(invalid)),
    };
    if Db::id_taken(tx, creation.person.id).await?
        || Db::id_taken(tx, creation.enrolment.id).await?
    {
        return Ok(rejected(
            "already_exists",
            "Cette fiche existe déjà sur le serveur.",
        ));
    }
    store_new_person(tx, &creation, ctx.actor, ctx.now).await?;
    ctx.audit(tx, "person.create", creation.person.id).await?;
    Ok(Outcome::Applied)
}

/// Stores a checked creation: the person, their enrolment with its FSE entry snapshot, and a
/// duplicate warning for every file that may be the same person (searched in every file, not
/// only the author's scope, so that files created offline on two devices meet). A warning
/// about a file outside `viewer`'s caseload (the référent who will follow the new file) says
/// only in which scheme a file exists and whom to ask — never a name, a birth date or an id.
/// Used by pushes and by the import (by an author who may not be the viewer).
pub async fn store_new_person(
    tx: &mut SqliteConnection,
    creation: &PersonCreation,
    viewer: &SessionUser,
    now: i64,
) -> Result<(), sqlx::Error> {
    let author_id = viewer.id;
    let mut enrolment = creation.enrolment.clone();
    enrolment.fse_entry = Some(fse_entry(&creation.person, enrolment.start_date));
    let duplicates = db::possible_duplicates(tx, &creation.person).await?;
    let mut warnings: Vec<Item> = Vec::new();
    for other in &duplicates {
        let Some(reason) = duplicate_reason(&creation.person, other) else {
            continue;
        };
        let (other_person_id, other_label) = if db::in_scope(tx, viewer, other.id).await? {
            (
                other.id,
                format!(
                    "{}, né(e) le {}",
                    other.display_name(),
                    format_date_fr(other.birth_date)
                ),
            )
        } else {
            let scheme = db::enrolments_of(tx, other.id)
                .await?
                .into_iter()
                .max_by_key(|e| e.start_date)
                .map_or("", |e| e.scheme.short_name());
            (
                Uuid::nil(),
                format!(
                    "Un dossier existe déjà dans le dispositif {scheme} : renseignez-vous auprès d'un superviseur de ce dispositif avant de continuer."
                ),
            )
        };
        warnings.push(Item {
            id: Uuid::new_v4(),
            person_id: creation.person.id,
            version: 1,
            author_id,
            body: ItemBody::Duplicate(DuplicateWarning {
                other_person_id,
                other_label,
                reason,
                dismissed: false,
            }),
        });
    }
    let rev = db::next_revs(tx, 2 + warnings.len() as i64).await?;
    db::insert_person(tx, &creation.person, rev, author_id, now).await?;
    db::insert_enrolment(tx, &enrolment, rev + 1, now).await?;
    for (i, warning) in warnings.iter().enumerate() {
        db::save_item(tx, warning, rev + 2 + i as i64, now).await?;
    }
    Ok(())
}

/// A broken rule, as the outcome the device will show.
fn refused(invalid: Invalid) -> Outcome {
    Outcome::Rejected {
        code: "validation_failed".into(),
        message: invalid.to_string(),
        errors: invalid.errors,
    }
}

/// The enrolment a mutation names, or the rejection to record when it does not exist or does
/// not belong to the person the device said.
async fn named_enrolment(
    tx: &mut SqliteConnection,
    enrolment_id: Uuid,
    person_id: Uuid,
) -> Result<Result<Enrolment, Outcome>, sqlx::Error> {
    Ok(match db::enrolment(tx, enrolment_id).await? {
        // One answer for an enrolment that is not there and one of another file.
        Some(e) if e.person_id == person_id => Ok(e),
        _ => Err(not_in_scope()),
    })
}

fn not_in_scope() -> Outcome {
    rejected(
        "not_in_scope",
        "Cette personne ne fait pas ou plus partie de vos dossiers (confiée à un autre référent ou sortie du dispositif) : la modification n'a pas été enregistrée. Transmettez-la à qui la suit désormais.",
    )
}

/// Merges an edit field by field (see `jalon_domain::merge`), keeps every value in the
/// history, records a conflict for each field changed concurrently.
async fn edit_person(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    edit: &PersonEdit,
) -> Result<Outcome, sqlx::Error> {
    let Some((before, created_by, created_at)) = db::person(tx, edit.person_id).await? else {
        return Ok(not_in_scope());
    };
    let mut seen = HashSet::new();
    for change in &edit.changes {
        let mut probe = before.clone();
        if !seen.insert(change.field)
            || !change.field.set(&mut probe, &change.base)
            || !change.field.set(&mut probe, &change.value)
        {
            return Ok(rejected(
                "invalid_change",
                "Modification illisible : un champ est répété ou sa valeur n'a pas le bon type.",
            ));
        }
    }

    let mut after = before.clone();
    let mut history = Vec::new();
    let mut conflicts = Vec::new();
    for change in &edit.changes {
        let current = change.field.get(&after);
        // Who wrote the current value matters only when the edit does not start from it.
        let writer = if current != change.base && current != change.value {
            db::last_writer(tx, before.id, change.field).await?
        } else {
            None
        };
        let same_writer = writer.is_some_and(|w| w.device_id == Some(ctx.device_id));
        match merge_field(&current, change, same_writer) {
            FieldMerge::Unchanged => {}
            FieldMerge::Apply(value) => {
                change.field.set(&mut after, &value);
                history.push((change.clone(), current, true));
            }
            FieldMerge::Conflict { result } => {
                let writer = writer.unwrap_or(db::Writer {
                    author_id: created_by,
                    device_id: None,
                    at: created_at,
                });
                let incoming_wins = result == change.value;
                change.field.set(&mut after, &result);
                history.push((change.clone(), current.clone(), incoming_wins));
                conflicts.push(Conflict {
                    id: Uuid::new_v4(),
                    person_id: before.id,
                    field: change.field,
                    candidates: vec![
                        ConflictValue {
                            value: current,
                            author_id: writer.author_id,
                            device_id: writer.device_id,
                            at: writer.at,
                        },
                        ConflictValue {
                            value: change.value.clone(),
                            author_id: ctx.actor.id,
                            device_id: Some(ctx.device_id),
                            at: ctx.now,
                        },
                    ],
                    result,
                    resolved_by: None,
                    resolved_at: None,
                });
            }
        }
    }

    let enrolments = db::enrolments_of(tx, before.id).await?;
    let after = match check_person_update(after, &enrolments, ctx.schemes, ctx.today) {
        Ok(after) => after,
        Err(invalid) => return Ok(refused(invalid)),
    };
    if history.is_empty() {
        return Ok(Outcome::Applied);
    }
    // The person gets a new rev even when a conflict left it unchanged: a device that
    // guessed its edit won learns the truth at its next pull.
    let first_rev = db::next_revs(tx, 1 + conflicts.len() as i64).await?;
    db::update_person(tx, &after, first_rev).await?;
    for (change, old, kept) in &history {
        db::insert_history(
            tx,
            &HistoryEntry {
                person_id: before.id,
                field: change.field,
                old_value: old,
                new_value: &change.value,
                kept: *kept,
                author_id: ctx.actor.id,
                device_id: Some(ctx.device_id),
                at: ctx.now,
            },
        )
        .await?;
    }
    for (i, conflict) in conflicts.iter().enumerate() {
        db::upsert_conflict(tx, conflict, first_rev + 1 + i as i64, ctx.now).await?;
    }
    ctx.audit(tx, "person.edit", before.id).await?;
    Ok(Outcome::Applied)
}

/// Hands an enrolment over to another référent: the person leaves the old référent's devices
/// at their next pull and enters the new one's, whatever its cursor.
async fn change_referent(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    enrolment_id: Uuid,
    person_id: Uuid,
    referent_id: Uuid,
    effective: Option<Date>,
) -> Result<Outcome, sqlx::Error> {
    let enrolment = match named_enrolment(tx, enrolment_id, person_id).await? {
        Ok(enrolment) => enrolment,
        Err(outcome) => return Ok(outcome),
    };
    let new_referent = db::staff_member(tx, referent_id).await?;
    if let Err(invalid) = check_referent_change(
        ctx.actor,
        &enrolment,
        new_referent.as_ref(),
        effective,
        ctx.today,
    ) {
        return Ok(refused(invalid));
    }
    if enrolment.referent_id == referent_id {
        return Ok(Outcome::Applied);
    }
    db::change_referent(
        tx,
        &enrolment,
        referent_id,
        ctx.actor.id,
        ctx.now,
        effective,
    )
    .await?;
    db::touch_person(tx, person_id).await?;
    ctx.audit(tx, "enrolment.change_referent", person_id)
        .await?;
    Ok(Outcome::Applied)
}

/// Enrols a person already known again (see `check_new_enrolment`). Every row of the person
/// takes a new rev, so that the référent's devices receive their whole history.
async fn enrol(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    enrolment: &Enrolment,
) -> Result<Outcome, sqlx::Error> {
    let Some((person, _, _)) = db::person(tx, enrolment.person_id).await? else {
        return Ok(not_in_scope());
    };
    if Db::id_taken(tx, enrolment.id).await? {
        return Ok(rejected(
            "already_exists",
            "Cet accompagnement existe déjà sur le serveur.",
        ));
    }
    let earlier = db::enrolments_of(tx, person.id).await?;
    let referent = db::staff_member(tx, enrolment.referent_id).await?;
    let mut enrolment = match check_new_enrolment(
        enrolment.clone(),
        &person,
        &earlier,
        referent.as_ref(),
        ctx.actor,
        ctx.schemes,
        ctx.today,
    ) {
        Ok(enrolment) => enrolment,
        Err(invalid) => return Ok(refused(invalid)),
    };
    enrolment.fse_entry = Some(fse_entry(&person, enrolment.start_date));
    let rev = db::next_revs(tx, 1).await?;
    db::insert_enrolment(tx, &enrolment, rev, ctx.now).await?;
    db::touch_person(tx, person.id).await?;
    ctx.audit(tx, "enrolment.create", person.id).await?;
    Ok(Outcome::Applied)
}

/// Records the orientation decision of an enrolment (see `check_orientation`).
async fn set_orientation(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    enrolment_id: Uuid,
    person_id: Uuid,
    orientation: &Orientation,
) -> Result<Outcome, sqlx::Error> {
    let enrolment = match named_enrolment(tx, enrolment_id, person_id).await? {
        Ok(enrolment) => enrolment,
        Err(outcome) => return Ok(outcome),
    };
    let orientation = match check_orientation(ctx.actor, &enrolment, orientation.clone(), ctx.today)
    {
        Ok(orientation) => orientation,
        Err(invalid) => return Ok(refused(invalid)),
    };
    let rev = db::next_revs(tx, 1).await?;
    db::set_orientation(tx, enrolment.id, &orientation, rev).await?;
    ctx.audit(tx, "enrolment.orientation", person_id).await?;
    Ok(Outcome::Applied)
}

/// Records the six-month FSE situation of a closed enrolment.
async fn record_six_months(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    enrolment_id: Uuid,
    person_id: Uuid,
    result: SixMonths,
) -> Result<Outcome, sqlx::Error> {
    let enrolment = match named_enrolment(tx, enrolment_id, person_id).await? {
        Ok(enrolment) => enrolment,
        Err(outcome) => return Ok(outcome),
    };
    let result = match check_six_months(ctx.actor, &enrolment, result, ctx.today) {
        Ok(result) => result,
        Err(invalid) => return Ok(refused(invalid)),
    };
    let rev = db::next_revs(tx, 1).await?;
    db::set_six_months(tx, enrolment.id, &result, rev).await?;
    ctx.audit(tx, "enrolment.six_months", person_id).await?;
    Ok(Outcome::Applied)
}

/// Closes an enrolment through the domain's state machine; an impossible transition (an
/// enrolment closed twice, say from two devices) becomes a visible rejection.
async fn close(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    enrolment_id: Uuid,
    person_id: Uuid,
    exit: Exit,
) -> Result<Outcome, sqlx::Error> {
    let enrolment = match named_enrolment(tx, enrolment_id, person_id).await? {
        Ok(enrolment) => enrolment,
        Err(outcome) => return Ok(outcome),
    };
    let mut closed = match close_enrolment(&enrolment, ctx.actor, exit, ctx.today) {
        Ok(closed) => closed,
        Err(invalid) => return Ok(refused(invalid)),
    };
    if let Some((person, _, _)) = db::person(tx, person_id).await? {
        closed.fse_exit = Some(fse_exit(&person, &exit));
    }
    let rev = db::next_revs(tx, 1).await?;
    db::update_enrolment_status(tx, &closed, rev).await?;
    ctx.audit(tx, "enrolment.close", person_id).await?;
    Ok(Outcome::Applied)
}

/// Deletes a person file if it still reads as the device saw it (delete against edit: see
/// `check_deletion`). The row stays, out of every scope; devices drop it at their next pull.
async fn delete_person(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    person_id: Uuid,
    base: &Person,
) -> Result<Outcome, sqlx::Error> {
    let Some((current, _, _)) = db::person(tx, person_id).await? else {
        return Ok(not_in_scope());
    };
    let enrolments = db::enrolments_of(tx, person_id).await?;
    if let Err(invalid) = check_deletion(ctx.actor, &enrolments, base, &current) {
        return Ok(refused(invalid));
    }
    db::mark_deleted(tx, person_id, ctx.actor.id, ctx.now).await?;
    ctx.audit(tx, "person.delete", person_id).await?;
    Ok(Outcome::Applied)
}

/// Whether the actor followed the person on `date` although the person is no longer in their
/// caseload (see `written_while_following`).
async fn followed_then(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    person_id: Uuid,
    date: Date,
) -> Result<bool, sqlx::Error> {
    if ctx.actor.role != jalon_domain::auth::Role::Referent {
        return Ok(false);
    }
    let enrolments = db::enrolments_of(tx, person_id).await?;
    let changes = db::referent_changes_of(tx, person_id).await?;
    Ok(written_while_following(
        &enrolments,
        &changes,
        ctx.actor.id,
        date,
    ))
}

/// Appends a note (or a new version of one) to a person's journal. A note about a person who
/// left the author's caseload meanwhile is accepted if it is dated while they followed them.
async fn add_note(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    note: &Note,
) -> Result<Outcome, sqlx::Error> {
    if Db::id_taken(tx, note.id).await? {
        return Ok(rejected(
            "already_exists",
            "Cette note existe déjà sur le serveur.",
        ));
    }
    // A note of another file is, for this one, a note that does not exist.
    let previous = match note.replaces {
        Some(id) => db::note(tx, id)
            .await?
            .filter(|n| n.person_id == note.person_id),
        None => None,
    };
    let note = match check_note(note.clone(), previous.as_ref(), ctx.actor, ctx.today) {
        Ok(note) => note,
        Err(invalid) => return Ok(refused(invalid)),
    };
    let rev = db::next_revs(tx, 1).await?;
    db::insert_note(tx, &note, rev, ctx.now).await?;
    ctx.audit(tx, "note.add", note.person_id).await?;
    Ok(Outcome::Applied)
}

/// Saves a follow-up item: checked against the version the server holds (see
/// `jalon_domain::followup`), numbered after it, every version kept. The outcome of an
/// appointment of a person who left the author's caseload meanwhile is accepted if the
/// appointment took place while they followed them.
async fn save_item(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    item: &Item,
) -> Result<Outcome, sqlx::Error> {
    let current = db::item(tx, item.id).await?;
    if current
        .as_ref()
        .is_some_and(|c| c.person_id != item.person_id)
    {
        // An item of another file (an obstacle id computed from someone else's id): the same
        // answer as a file outside the caseload.
        return Ok(not_in_scope());
    }
    let enrolments = db::enrolments_of(tx, item.person_id).await?;
    let agreements = match item.body {
        ItemBody::Order(_) => db::money::agreements(tx).await?,
        _ => Vec::new(),
    };
    let partner_agreements = match item.body {
        ItemBody::Referral(_) => db::partners::agreements(tx).await?,
        _ => Vec::new(),
    };
    let item_ctx = ItemContext {
        actor: ctx.actor,
        enrolments: &enrolments,
        schemes: ctx.schemes,
        agreements: &agreements,
        partner_agreements: &partner_agreements,
        today: ctx.today,
    };
    let item = match check_item(item.clone(), current.as_ref(), &item_ctx) {
        Ok(item) => item,
        Err(invalid) => return Ok(refused(invalid)),
    };
    if current.as_ref().is_some_and(|c| c.body == item.body) {
        // The same state sent twice (two devices made the same change): nothing new.
        return Ok(Outcome::Applied);
    }
    if let ItemBody::Order(order) = &item.body
        && current.is_none()
        && let Some(refusal) = over_cap(tx, &agreements, item.id, order).await?
    {
        return Ok(refusal);
    }
    if let ItemBody::Referral(referral) = &item.body
        && current.is_none()
        && let Some(refusal) = no_place(tx, &partner_agreements, item.id, referral).await?
    {
        return Ok(refusal);
    }
    let rev = db::next_revs(tx, 1).await?;
    db::save_item(tx, &item, rev, ctx.now).await?;
    match &item.body {
        ItemBody::Order(order) => {
            db::money::save_order(tx, item.id, order, ctx.actor.scheme).await?;
            // The period's new total reaches every device in the same change.
            db::shared::refresh_agreement(tx, order.agreement_id).await?;
        }
        ItemBody::Referral(referral) => {
            db::partners::save_referral(tx, item.id, referral).await?;
            let year = referral.referred_on.year();
            db::shared::refresh_partner_agreement(tx, referral.partner, year).await?;
        }
        _ => {}
    }
    ctx.audit(tx, &format!("{}.save", item.body.kind()), item.person_id)
        .await?;
    Ok(Outcome::Applied)
}

/// The cap of a new order's period, summed inside this writing transaction (SQLite's
/// `BEGIN IMMEDIATE` makes writers take turns): two devices can never overspend together.
async fn over_cap(
    tx: &mut SqliteConnection,
    agreements: &[jalon_domain::money::agreements::Agreement],
    item_id: Uuid,
    order: &jalon_domain::money::orders::PurchaseOrder,
) -> Result<Option<Outcome>, sqlx::Error> {
    let Some(period) = agreements
        .iter()
        .find(|a| a.id == order.agreement_id)
        .and_then(|a| a.period(order.period))
    else {
        return Ok(None);
    };
    let others = db::money::ordered_in(tx, order.agreement_id, order.period, item_id).await?;
    Ok(
        jalon_domain::money::orders::check_cap(period, others, order.amount_cents)
            .err()
            .map(over_limit),
    )
}

/// The refusal of a change that would go beyond a limit (a period's maximum, a year's
/// places): its own code, so the device says which.
fn over_limit(error: jalon_domain::FieldError) -> Outcome {
    Outcome::Rejected {
        code: error.code.clone(),
        message: error.message.clone(),
        errors: vec![error],
    }
}

/// The places of a new referral's year, counted inside this writing transaction like the
/// cap of an order: two devices never take the last place together.
async fn no_place(
    tx: &mut SqliteConnection,
    agreements: &[jalon_domain::money::partners::PartnerAgreement],
    item_id: Uuid,
    referral: &jalon_domain::money::partners::Referral,
) -> Result<Option<Outcome>, sqlx::Error> {
    use jalon_domain::money::partners::{agreement_on, check_places};
    let Some(agreement) = agreement_on(agreements, referral.partner, referral.referred_on) else {
        return Ok(None);
    };
    let others = db::partners::places_used(tx, agreement.partner, agreement.year, item_id).await?;
    Ok(check_places(agreement, others).err().map(over_limit))
}

/// Keeps one of a conflict's values: the field takes it (unless it changed again since the
/// conflict), and the conflict is closed for every device.
async fn resolve_conflict(
    tx: &mut SqliteConnection,
    ctx: &Context<'_>,
    conflict_id: Uuid,
    person_id: Uuid,
    value: &FieldValue,
) -> Result<Outcome, sqlx::Error> {
    let Some(mut conflict) = db::conflict(tx, conflict_id)
        .await?
        .filter(|c| c.person_id == person_id)
    else {
        return Ok(not_in_scope());
    };
    if !conflict.is_open() {
        return Ok(rejected(
            "already_resolved",
            "Ce conflit a déjà été résolu par quelqu'un d'autre.",
        ));
    }
    if !conflict.candidates.iter().any(|c| c.value == *value) {
        return Ok(rejected(
            "invalid_choice",
            "La valeur choisie ne fait pas partie du conflit.",
        ));
    }
    let Some((before, _, _)) = db::person(tx, person_id).await? else {
        return Ok(rejected(
            "not_found",
            "Cette personne n'existe pas sur le serveur.",
        ));
    };
    let current = conflict.field.get(&before);
    if current != conflict.result {
        return Ok(rejected(
            "modified_since",
            "Ce champ a été modifié depuis le conflit : vérifiez la fiche avant de choisir.",
        ));
    }
    let rev = db::next_revs(tx, 2).await?;
    if current != *value {
        let mut after = before.clone();
        conflict.field.set(&mut after, value);
        db::update_person(tx, &after, rev).await?;
        db::insert_history(
            tx,
            &HistoryEntry {
                person_id,
                field: conflict.field,
                old_value: &current,
                new_value: value,
                kept: true,
                author_id: ctx.actor.id,
                device_id: Some(ctx.device_id),
                at: ctx.now,
            },
        )
        .await?;
    }
    conflict.result = value.clone();
    conflict.resolved_by = Some(ctx.actor.id);
    conflict.resolved_at = Some(ctx.now);
    db::upsert_conflict(tx, &conflict, rev + 1, ctx.now).await?;
    ctx.audit(tx, "conflict.resolve", person_id).await?;
    Ok(Outcome::Applied)
}
