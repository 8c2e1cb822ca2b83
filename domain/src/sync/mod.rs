//! The sync protocol between a device and the server.
//!
//! A device writes every local change together with a [`MutationEnvelope`] in its outbox. Push
//! sends the outbox in order; the server applies each `(device, seq)` at most once and answers
//! with an [`Outcome`] per mutation. Pull returns the [`Change`]s of the device's scope after a
//! cursor that the server assigns in commit order.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::FieldError;
use crate::auth::StaffMember;
use crate::merge::{Conflict, FieldValue, PersonEdit};
use crate::people::{Enrolment, Person, PersonCreation};
use crate::schemes::Scheme;

mod checksum;
pub mod client;

pub use checksum::{
    BUCKETS, ChecksumBuilder, bucket_checksums, bucket_of, checksum, checksums,
    checksums_of_hashes, record_hash,
};

/// Version of this protocol. A server refuses other versions with `outdated_client`, and the
/// device keeps its outbox until it is updated.
pub const PROTOCOL_VERSION: u32 = 1;

/// Version of the shape of records and mutations. A pull from another schema is refused with
/// `outdated_client` (the app must update to read the records); a push from an older schema
/// down to [`MIN_PUSH_SCHEMA`] is still applied, so that an outdated app empties its outbox
/// before it updates.
pub const SCHEMA_VERSION: u32 = 3;

/// Oldest schema whose mutations the server still reads (later fields have defaults).
pub const MIN_PUSH_SCHEMA: u32 = 1;

fn first_schema() -> u32 {
    1
}

/// Most mutations a device sends in one push.
pub const MAX_PUSH_BATCH: usize = 100;

/// Most changes the server returns in one pull page.
pub const MAX_PULL_PAGE: u32 = 1_000;

/// A change made on a device, to be applied by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Mutation {
    /// A new person with their first enrolment.
    CreatePerson(PersonCreation),
    /// Changed fields of a person, each with the value the device last saw.
    EditPerson(PersonEdit),
    /// A supervisor hands an enrolment over to another référent of the scheme.
    ChangeReferent {
        enrolment_id: Uuid,
        person_id: Uuid,
        referent_id: Uuid,
        /// The day the new référent takes over (a hand-over recorded after the fact); the day
        /// the server receives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective: Option<time::Date>,
    },
    /// The orientation decision behind an enrolment, recorded or corrected by its référent
    /// or a supervisor of its scheme.
    SetOrientation {
        enrolment_id: Uuid,
        person_id: Uuid,
        orientation: crate::orientation::Orientation,
    },
    /// The FSE situation six months after an exit, collected by the enrolment's référent or a
    /// supervisor of its scheme.
    RecordSixMonths {
        enrolment_id: Uuid,
        person_id: Uuid,
        result: crate::fse::SixMonths,
    },
    /// A person already known enters a scheme again (after an exit).
    Enrol(Enrolment),
    /// The référent (or a supervisor) closes an enrolment with its exit.
    CloseEnrolment {
        enrolment_id: Uuid,
        person_id: Uuid,
        exit: crate::pathway::Exit,
    },
    /// Deletes a person file created by mistake. `base` is the person as the device last saw
    /// them: the deletion applies only if nothing changed since (see `check_deletion`).
    DeletePerson { person_id: Uuid, base: Person },
    /// A note in a person's journal, or a new version of one.
    AddNote(crate::notes::Note),
    /// A new follow-up item (appointment, step, contract, obstacle) or its new state.
    SaveItem(crate::followup::Item),
    /// A user keeps one of the values of a conflict.
    ResolveConflict {
        conflict_id: Uuid,
        person_id: Uuid,
        value: FieldValue,
    },
}

impl Mutation {
    /// The person the mutation is about.
    pub fn person_id(&self) -> Uuid {
        match self {
            Mutation::CreatePerson(c) => c.person.id,
            Mutation::EditPerson(e) => e.person_id,
            Mutation::AddNote(n) => n.person_id,
            Mutation::SaveItem(i) => i.person_id,
            Mutation::Enrol(e) => e.person_id,
            Mutation::DeletePerson { person_id, .. } => *person_id,
            Mutation::ResolveConflict { person_id, .. }
            | Mutation::ChangeReferent { person_id, .. }
            | Mutation::SetOrientation { person_id, .. }
            | Mutation::RecordSixMonths { person_id, .. }
            | Mutation::CloseEnrolment { person_id, .. } => *person_id,
        }
    }
}

/// A mutation with its number: numbers increase by one per device, from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationEnvelope {
    pub seq: u64,
    pub mutation: Mutation,
}

/// Body of `POST /api/sync/push`. The device is the one the session was opened on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// [`PROTOCOL_VERSION`]; any other is refused as outdated.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol: u32,
    /// Absent from the first apps, which spoke schema 1.
    #[serde(default = "first_schema")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3))]
    pub schema: u32,
    /// At most [`MAX_PUSH_BATCH`].
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub mutations: Vec<MutationEnvelope>,
}

/// What the server did with one mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Durably committed (now or by an earlier push of the same `seq`).
    Applied,
    /// Refused for good: a rule was broken. The device shows the reason to its user.
    Rejected {
        code: String,
        message: String,
        #[serde(default)]
        errors: Vec<FieldError>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationResult {
    pub seq: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// For an applied mutation: the revision after which a pull includes its effect (the
    /// server's change counter when it committed). The device keeps showing the change until
    /// its pull cursor reaches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev: Option<i64>,
}

/// Answer to a push: one result per mutation sent, in the same order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

/// A record as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Record {
    Person(Person),
    Enrolment(Enrolment),
    Conflict(Conflict),
    Note(crate::notes::Note),
    Item(crate::followup::Item),
    /// A framework agreement with its periods, price lists and what each period has left
    /// (the Département's; référents and supervisors hold it).
    Agreement(crate::money::agreements::Agreement),
    /// A financing partner's places for a year and those used (the Département's; référents
    /// and supervisors hold it).
    PartnerAgreement(crate::money::partners::PartnerAgreement),
    /// A farm fund's envelope for a year (the Département's; supervisors hold it).
    Envelope(crate::money::funds::Envelope),
    /// A scheme's co-financing plan for a year (the supervisors of that scheme hold it).
    CofinancingPlan(crate::money::cofinancing::CofinancingPlan),
}

/// Who may hold a record that is not a person's ([`Record::audience`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The référents and supervisors of the scheme, or of every scheme when it has none.
    Staff(Option<crate::schemes::SchemeCode>),
    /// The supervisors of the scheme, or every supervisor when it has none.
    Supervisors(Option<crate::schemes::SchemeCode>),
}

/// One record in a pull, with the change number the server gave its last write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub rev: i64,
    #[serde(flatten)]
    pub record: Record,
}

/// Answer to `GET /api/sync/pull?cursor=N`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub protocol: u32,
    #[serde(default = "first_schema")]
    pub schema: u32,
    /// In increasing `rev` order.
    pub changes: Vec<Change>,
    /// The cursor to send next time: the `rev` of the last change of the page or, on the last
    /// page, the server's change counter in the snapshot the page was read from (every change
    /// up to it that the device should hold is in this pull or an earlier one).
    pub cursor: i64,
    /// More changes wait after `cursor`: pull again at once.
    pub has_more: bool,
    /// On the first page of a pull from cursor 0 (a first sync, a bucket fetched again) with
    /// more pages after it: how many changes the whole pull brings, this page included — what
    /// the device shows as its progress while its replica fills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// On the last page: the [`checksum`] of every record the device should now hold (of
    /// one bucket, for a pull of one bucket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// On the last page of a whole pull: the checksum of each of the [`BUCKETS`] buckets
    /// ([`bucket_checksums`]). A device whose own differ has diverged there, and fetches
    /// those buckets again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<String>,
}

impl Record {
    /// What identifies a record on a device: its kind and id (a later version replaces it).
    pub fn key(&self) -> (u8, Uuid) {
        match self {
            Record::Person(p) => (0, p.id),
            Record::Enrolment(e) => (1, e.id),
            Record::Conflict(c) => (2, c.id),
            Record::Note(n) => (3, n.id),
            Record::Item(i) => (4, i.id),
            Record::Agreement(a) => (5, a.id),
            Record::PartnerAgreement(a) => (6, a.id()),
            Record::Envelope(e) => (7, e.id()),
            Record::CofinancingPlan(p) => (8, p.id()),
        }
    }

    /// The person the record belongs to; `None` for a record of a scheme or of the
    /// Département.
    pub fn person_id(&self) -> Option<Uuid> {
        match self {
            Record::Person(p) => Some(p.id),
            Record::Enrolment(e) => Some(e.person_id),
            Record::Conflict(c) => Some(c.person_id),
            Record::Note(n) => Some(n.person_id),
            Record::Item(i) => Some(i.person_id),
            Record::Agreement(_)
            | Record::PartnerAgreement(_)
            | Record::Envelope(_)
            | Record::CofinancingPlan(_) => None,
        }
    }

    /// Who may hold a record that is not a person's; `None` for a person's (their scope
    /// decides).
    pub fn audience(&self) -> Option<Audience> {
        match self {
            Record::Person(_)
            | Record::Enrolment(_)
            | Record::Conflict(_)
            | Record::Note(_)
            | Record::Item(_) => None,
            Record::Agreement(_) | Record::PartnerAgreement(_) => Some(Audience::Staff(None)),
            Record::Envelope(_) => Some(Audience::Supervisors(None)),
            Record::CofinancingPlan(p) => Some(Audience::Supervisors(Some(p.scheme))),
        }
    }

    /// What the record's bucket is drawn from: its person, or its own id for a record that is
    /// not a person's.
    pub fn owner(&self) -> Uuid {
        self.person_id().unwrap_or(self.key().1)
    }

    pub fn bucket(&self) -> u8 {
        bucket_of(self.owner())
    }
}

/// The records of a replica that are not a person's, by kind, in the order screens show them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedRecords {
    /// By provider.
    pub agreements: Vec<crate::money::agreements::Agreement>,
    /// By year, then partner.
    pub partner_agreements: Vec<crate::money::partners::PartnerAgreement>,
    /// By year, then fund.
    pub envelopes: Vec<crate::money::funds::Envelope>,
    /// By year, then scheme.
    pub cofinancing_plans: Vec<crate::money::cofinancing::CofinancingPlan>,
}

impl SharedRecords {
    /// Sorts out the records that are not a person's; a person's are left aside.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a Record>) -> SharedRecords {
        let mut shared = SharedRecords::default();
        for record in records {
            match record {
                Record::Agreement(a) => shared.agreements.push(a.clone()),
                Record::PartnerAgreement(a) => shared.partner_agreements.push(a.clone()),
                Record::Envelope(e) => shared.envelopes.push(e.clone()),
                Record::CofinancingPlan(p) => shared.cofinancing_plans.push(p.clone()),
                Record::Person(_)
                | Record::Enrolment(_)
                | Record::Conflict(_)
                | Record::Note(_)
                | Record::Item(_) => {}
            }
        }
        shared
            .agreements
            .sort_by(|a, b| (&a.provider, a.id).cmp(&(&b.provider, b.id)));
        shared
            .partner_agreements
            .sort_by_key(|a| (a.year, a.partner.as_str()));
        shared.envelopes.sort_by_key(|e| (e.year, e.fund.as_str()));
        shared
            .cofinancing_plans
            .sort_by_key(|p| (p.year, p.scheme.as_str()));
        shared
    }
}

/// Data every device needs besides its caseload (`GET /api/reference`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceData {
    pub schemes: Vec<Scheme>,
    pub staff: Vec<StaffMember>,
    /// A device that has not reached the server for this many days locks its data until it
    /// does.
    #[serde(default = "default_lock_days")]
    pub device_lock_days: i64,
    /// The app locks its encrypted replica after this many minutes without activity.
    #[serde(default = "default_inactivity_minutes")]
    pub inactivity_lock_minutes: i64,
}

fn default_inactivity_minutes() -> i64 {
    15
}

fn default_lock_days() -> i64 {
    14
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::EnrolmentStatus;
    use crate::schemes::SchemeCode;
    use time::macros::date;

    #[test]
    fn outcomes_serialise_flat_with_a_status_tag() {
        let applied = MutationResult {
            seq: 3,
            outcome: Outcome::Applied,
            rev: Some(17),
        };
        assert_eq!(
            serde_json::to_value(&applied).unwrap(),
            serde_json::json!({"seq": 3, "status": "applied", "rev": 17})
        );
        // An answer without a revision (older servers) still reads.
        let old: MutationResult =
            serde_json::from_value(serde_json::json!({"seq": 3, "status": "applied"})).unwrap();
        assert_eq!(old.rev, None);
        let rejected: MutationResult = serde_json::from_value(serde_json::json!({
            "seq": 4, "status": "rejected", "code": "validation_failed", "message": "Non."
        }))
        .unwrap();
        assert!(matches!(rejected.outcome, Outcome::Rejected { .. }));
    }

    #[test]
    fn the_checksum_ignores_order_and_sees_any_difference() {
        let enrolment = |id: u128, status| {
            Record::Enrolment(Enrolment {
                id: Uuid::from_u128(id),
                person_id: Uuid::from_u128(2),
                scheme: SchemeCode::Arpe,
                referent_id: Uuid::from_u128(3),
                start_date: date!(2026 - 01 - 05),
                status,
                exit: None,
                fse_entry: None,
                fse_exit: None,
                fse_six_months: None,
                handovers: Vec::new(),
                orientation: None,
            })
        };
        let (a, b) = (
            enrolment(1, EnrolmentStatus::Active),
            enrolment(4, EnrolmentStatus::Active),
        );
        assert_eq!(checksum([&a, &b]), checksum([&b, &a]));
        assert_ne!(checksum([&a, &b]), checksum([&a]));
        assert_ne!(
            checksum([&a, &b]),
            checksum([&a, &enrolment(4, EnrolmentStatus::Closed)])
        );
        assert_eq!(checksum([]), "0-0000000000000000");
    }

    #[test]
    fn a_change_carries_its_kind_and_rev() {
        let change = Change {
            rev: 42,
            record: Record::Enrolment(Enrolment {
                id: Uuid::from_u128(1),
                person_id: Uuid::from_u128(2),
                scheme: SchemeCode::Arpe,
                referent_id: Uuid::from_u128(3),
                start_date: date!(2026 - 01 - 05),
                status: EnrolmentStatus::Active,
                exit: None,
                fse_entry: None,
                fse_exit: None,
                fse_six_months: None,
                handovers: Vec::new(),
                orientation: None,
            }),
        };
        let json = serde_json::to_value(&change).unwrap();
        assert_eq!(json["rev"], 42);
        assert_eq!(json["kind"], "enrolment");
        assert_eq!(json["data"]["start_date"], "2026-01-05");
        assert_eq!(serde_json::from_value::<Change>(json).unwrap(), change);
    }

    #[test]
    fn the_builder_counts_each_record_in_its_last_version() {
        let enrolment = |status| {
            Record::Enrolment(Enrolment {
                id: Uuid::from_u128(1),
                person_id: Uuid::from_u128(2),
                scheme: SchemeCode::Arpe,
                referent_id: Uuid::from_u128(3),
                start_date: date!(2026 - 01 - 05),
                status,
                exit: None,
                fse_entry: None,
                fse_exit: None,
                fse_six_months: None,
                handovers: Vec::new(),
                orientation: None,
            })
        };
        let (old, new) = (
            enrolment(EnrolmentStatus::Active),
            enrolment(EnrolmentStatus::Closed),
        );
        let mut builder = ChecksumBuilder::default();
        builder.insert(&old);
        builder.insert(&new);
        assert_eq!(builder.finish(), checksum([&new]));
        assert_eq!(builder.finish_buckets(), bucket_checksums([&new]));
        let (all, buckets) = checksums_of_hashes([(new.bucket(), record_hash(&new))]);
        assert_eq!((all, buckets), (checksum([&new]), bucket_checksums([&new])));
        assert_eq!(ChecksumBuilder::default().finish(), checksum([]));
    }

    #[test]
    fn buckets_follow_the_first_hex_digit_of_the_person() {
        let person = Uuid::parse_str("c0ffee00-0000-4000-8000-000000000000").unwrap();
        assert_eq!(bucket_of(person), 0xc);
        let note = Record::Note(crate::notes::Note {
            id: Uuid::from_u128(1),
            person_id: person,
            author_id: Uuid::from_u128(2),
            date: date!(2026 - 01 - 05),
            text: "x".into(),
            replaces: None,
        });
        let sums = bucket_checksums([&note]);
        assert_eq!(sums.len(), 16);
        assert_eq!(sums[0xc], checksum([&note]));
        assert!(
            sums.iter()
                .enumerate()
                .all(|(i, s)| i == 0xc || s == &checksum([]))
        );
    }

    #[test]
    fn records_that_are_not_a_persons_have_stable_ids_their_own_bucket_and_an_audience() {
        use crate::money::cofinancing::CofinancingPlan;
        use crate::money::funds::{Envelope, Fund};
        use crate::money::partners::{Partner, PartnerAgreement};
        use crate::schemes::SchemeCode;

        let places = |partner, year| {
            Record::PartnerAgreement(PartnerAgreement {
                partner,
                year,
                places: 10,
                used: 3,
            })
        };
        // The id names the partner and the year, whatever the places: a new decision replaces
        // the record on the devices.
        let adie = places(Partner::Adie, 2026);
        let fewer = Record::PartnerAgreement(PartnerAgreement {
            partner: Partner::Adie,
            year: 2026,
            places: 4,
            used: 0,
        });
        assert_eq!(adie.key(), fewer.key());
        assert_ne!(adie.key(), places(Partner::Adie, 2025).key());
        assert_ne!(adie.key(), places(Partner::LimousinActif, 2026).key());
        let envelope = Record::Envelope(Envelope {
            fund: Fund::Sesa,
            year: 2016,
            amount_cents: 3_500_000,
        });
        let plan = Record::CofinancingPlan(CofinancingPlan {
            scheme: SchemeCode::Plie,
            year: 2026,
            staff_cents: 1,
            other_cents: 0,
            shares: vec![],
        });
        for record in [&adie, &envelope, &plan] {
            assert_eq!(record.person_id(), None);
            assert_eq!(record.bucket(), bucket_of(record.key().1));
        }
        assert_eq!(adie.audience(), Some(Audience::Staff(None)));
        assert_eq!(envelope.audience(), Some(Audience::Supervisors(None)));
        assert_eq!(
            plan.audience(),
            Some(Audience::Supervisors(Some(SchemeCode::Plie)))
        );

        // Sorted out by kind, in the order screens show them; a person's records left aside.
        let person = Record::Person(crate::people::Person {
            id: Uuid::from_u128(9),
            last_name: "Durand".into(),
            first_name: "Lise".into(),
            birth_date: date!(1990 - 01 - 01),
            commune_code: "87085".into(),
            rsa_beneficiary: true,
            details: Default::default(),
        });
        assert_eq!(person.audience(), None);
        let later = places(Partner::Adie, 2027);
        let shared = SharedRecords::of([&later, &person, &plan, &adie, &envelope]);
        let years: Vec<i32> = shared.partner_agreements.iter().map(|a| a.year).collect();
        assert_eq!(years, [2026, 2027]);
        assert_eq!(
            (shared.envelopes.len(), shared.cofinancing_plans.len()),
            (1, 1)
        );
        assert!(shared.agreements.is_empty());
    }
}
