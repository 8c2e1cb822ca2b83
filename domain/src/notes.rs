//! The journal of a person: dated notes by their author. Append-only: revising a note adds a
//! new version that names the one it replaces, so no edit can ever conflict with another and
//! every earlier version stays readable.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::auth::SessionUser;
use crate::error::{FieldError, Invalid};

/// Longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub id: Uuid,
    pub person_id: Uuid,
    pub author_id: Uuid,
    /// The day the note is about.
    pub date: Date,
    pub text: String,
    /// The version this note revises, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<Uuid>,
}

/// Checks a new note, or a new version of `previous`, written by `actor`. Returns the note
/// with its text trimmed.
pub fn check_note(
    mut note: Note,
    previous: Option<&Note>,
    actor: &SessionUser,
    today: Date,
) -> Result<Note, Invalid> {
    note.text = note.text.trim().to_owned();
    let mut invalid = Invalid::default();
    if note.author_id != actor.id {
        invalid.push(FieldError::new(
            "note",
            "not_allowed",
            "Une note est signée par la personne qui l'écrit.",
        ));
    }
    if note.text.is_empty() {
        invalid.push(FieldError::new(
            "note_text",
            "required",
            "La note est vide.",
        ));
    } else if note.text.chars().count() > NOTE_MAX_CHARS {
        invalid.push(FieldError::new(
            "note_text",
            "too_long",
            format!("Une note ne doit pas dépasser {NOTE_MAX_CHARS} caractères."),
        ));
    }
    if let Some(error) = crate::text::hidden_characters("note_text", "La note", &note.text, true) {
        invalid.push(error);
    }
    if let Some(error) =
        crate::text::implausible_date("note_date", "La date de la note", note.date, today)
    {
        invalid.push(error);
    }
    if note.date > today {
        invalid.push(FieldError::new(
            "note_date",
            "in_future",
            "La date d'une note ne peut pas être dans le futur.",
        ));
    }
    match (note.replaces, previous) {
        (None, _) => {}
        (Some(_), None) => invalid.push(FieldError::new(
            "note",
            "unknown_note",
            "La note à modifier n'existe pas.",
        )),
        (Some(_), Some(previous)) => {
            if previous.person_id != note.person_id {
                invalid.push(FieldError::new(
                    "note",
                    "unknown_note",
                    "La note à modifier n'existe pas.",
                ));
            }
            if previous.author_id != actor.id {
                invalid.push(FieldError::new(
                    "note",
                    "not_author",
                    "Seul l'auteur d'une note peut la modifier.",
                ));
            }
        }
    }
    invalid.into_result()?;
    Ok(note)
}

/// The journal as shown: the latest version of each note (a version no other one replaces),
/// newest date first.
pub fn current_versions(notes: &[Note]) -> Vec<&Note> {
    let replaced: std::collections::HashSet<Uuid> =
        notes.iter().filter_map(|n| n.replaces).collect();
    let mut current: Vec<&Note> = notes.iter().filter(|n| !replaced.contains(&n.id)).collect();
    current.sort_by(|a, b| b.date.cmp(&a.date).then(b.id.cmp(&a.id)));
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 26);

    fn actor(id: u128) -> SessionUser {
        SessionUser {
            id: Uuid::from_u128(id),
            username: "u".into(),
            display_name: "U".into(),
            role: Role::Referent,
            scheme: None,
            supervised_schemes: vec![],
        }
    }

    fn note(id: u128, author: u128, text: &str, replaces: Option<u128>) -> Note {
        Note {
            id: Uuid::from_u128(id),
            person_id: Uuid::from_u128(100),
            author_id: Uuid::from_u128(author),
            date: date!(2026 - 11 - 20),
            text: text.into(),
            replaces: replaces.map(Uuid::from_u128),
        }
    }

    fn codes(r: Result<Note, Invalid>) -> Vec<String> {
        r.unwrap_err().errors.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn a_note_is_signed_by_its_writer_and_not_empty() {
        assert_eq!(
            check_note(
                note(1, 1, "  Entretien fait.  ", None),
                None,
                &actor(1),
                TODAY
            )
            .unwrap()
            .text,
            "Entretien fait."
        );
        assert_eq!(
            codes(check_note(note(1, 2, "x", None), None, &actor(1), TODAY)),
            vec!["not_allowed"]
        );
        assert_eq!(
            codes(check_note(note(1, 1, "   ", None), None, &actor(1), TODAY)),
            vec!["required"]
        );
        let long = "é".repeat(NOTE_MAX_CHARS + 1);
        assert_eq!(
            codes(check_note(note(1, 1, &long, None), None, &actor(1), TODAY)),
            vec!["too_long"]
        );
    }

    #[test]
    fn only_the_author_revises_a_note_and_only_an_existing_one() {
        let first = note(1, 1, "Premier jet", None);
        assert!(
            check_note(
                note(2, 1, "Corrigé", Some(1)),
                Some(&first),
                &actor(1),
                TODAY
            )
            .is_ok()
        );
        assert_eq!(
            codes(check_note(
                note(3, 2, "Autre", Some(1)),
                Some(&first),
                &actor(2),
                TODAY
            )),
            vec!["not_author"]
        );
        assert_eq!(
            codes(check_note(
                note(4, 1, "Orphelin", Some(9)),
                None,
                &actor(1),
                TODAY
            )),
            vec!["unknown_note"]
        );
    }

    #[test]
    fn the_journal_shows_the_latest_version_of_each_note_and_keeps_the_others() {
        let notes = vec![
            note(1, 1, "v1", None),
            note(2, 1, "v2", Some(1)),
            note(3, 1, "autre", None),
        ];
        let shown: Vec<_> = current_versions(&notes)
            .iter()
            .map(|n| n.text.as_str())
            .collect();
        assert_eq!(shown.len(), 2);
        assert!(shown.contains(&"v2") && shown.contains(&"autre"));
        assert_eq!(notes.len(), 3, "nothing is deleted");
    }
}
