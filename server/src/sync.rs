//! Applying pushed mutations: each one in its own write transaction, at most once per
//! `(device, seq)`, acknowledged only once committed.

use jalon_domain::auth::SessionUser;
use jalon_domain::people::check_person_creation;
use jalon_domain::schemes::Scheme;
use jalon_domain::sync::{Mutation, MutationEnvelope, Outcome};
use time::Date;
use uuid::Uuid;

use crate::db::{self, Db};

/// Applies one mutation, or returns the outcome recorded the first time it was pushed.
///
/// A broken rule is not an error: it becomes a recorded `Rejected` outcome, so that a replay
/// gets the same answer and the device can show it. Only storage failures return `Err`, and
/// then nothing of the mutation is kept.
pub async fn apply(
    db: &Db,
    actor: &SessionUser,
    device_id: Uuid,
    schemes: &[Scheme],
    today: Date,
    now: i64,
    envelope: &MutationEnvelope,
) -> Result<Outcome, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if let Some(outcome) = Db::recorded_outcome(&mut tx, device_id, envelope.seq).await? {
        tx.rollback().await?;
        return Ok(outcome);
    }
    let outcome = match &envelope.mutation {
        Mutation::CreatePerson(creation) => {
            match check_person_creation(creation.clone(), actor, schemes, today) {
                Err(invalid) => Outcome::Rejected {
                    code: "validation_failed".into(),
                    message: invalid.to_string(),
                    errors: invalid.errors,
                },
                Ok(creation) => {
                    if Db::person_exists(&mut tx, creation.person.id).await?
                        || Db::person_exists(&mut tx, creation.enrolment.id).await?
                    {
                        Outcome::Rejected {
                            code: "already_exists".into(),
                            message: "Cette fiche existe déjà sur le serveur.".into(),
                            errors: Vec::new(),
                        }
                    } else {
                        let rev = db::next_revs(&mut tx, 2).await?;
                        db::insert_person(&mut tx, &creation.person, rev, actor.id, now).await?;
                        db::insert_enrolment(&mut tx, &creation.enrolment, rev + 1, now).await?;
                        db::audit(
                            &mut tx,
                            now,
                            Some(actor.id),
                            "person.create",
                            Some(creation.person.id),
                        )
                        .await?;
                        Outcome::Applied
                    }
                }
            }
        }
    };
    Db::record_outcome(&mut tx, device_id, envelope.seq, actor.id, &outcome, now).await?;
    tx.commit().await?;
    Ok(outcome)
}
