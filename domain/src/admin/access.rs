//! The right of access (GDPR art. 15): everything Jalon holds on one person, with the history
//! of its changes and of its référents, and who accessed it — printable, and as JSON.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::audit::AuditEvent;
use crate::followup::{Item, ItemBody};
use crate::merge::{FieldValue, PersonField};
use crate::notes::Note;
use crate::people::{Enrolment, Person};

/// A change of référent, with names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferentLine {
    pub from: String,
    pub to: String,
    pub on: Date,
}

/// An enrolment with its référent and the history of its référents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolmentRecord {
    pub enrolment: Enrolment,
    pub referent: String,
    pub referents: Vec<ReferentLine>,
}

/// One version of a follow-up item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemVersion {
    pub version: u32,
    pub author: String,
    /// Unix seconds.
    pub at: i64,
    pub body: ItemBody,
}

/// A follow-up item with every version it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemRecord {
    pub item: Item,
    pub versions: Vec<ItemVersion>,
}

/// A note (every version is one), with its author's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteRecord {
    pub note: Note,
    pub author: String,
}

/// One change of a field of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRecord {
    pub field: PersonField,
    pub old: FieldValue,
    pub new: FieldValue,
    /// `false` for a value that lost a conflict.
    pub kept: bool,
    pub author: String,
    /// Unix seconds.
    pub at: i64,
}

/// The complete file of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessReport {
    /// Unix seconds.
    pub generated_at: i64,
    pub generated_by: String,
    pub person: Person,
    pub enrolments: Vec<EnrolmentRecord>,
    pub items: Vec<ItemRecord>,
    pub notes: Vec<NoteRecord>,
    pub changes: Vec<ChangeRecord>,
    /// Who read, changed or exported the file, and when (the audit log of the person).
    pub accesses: Vec<AuditEvent>,
}

/// Body of `POST /api/admin/people/lookup`: the data protection officer finds the file of the
/// person who asks for it, from their identity.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonLookup {
    pub last_name: String,
    pub first_name: String,
    pub birth_date: Date,
}

/// A file found by [`PersonLookup`]: its id only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LookupResult {
    pub person_ids: Vec<Uuid>,
}
