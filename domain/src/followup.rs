//! The follow-up of a person: appointments, steps of the pathway, contracts of engagement,
//! obstacles ("freins") and duplicate warnings. They share one record shape, [`Item`], and one
//! mutation (`SaveItem`): a device sends the whole new state of an item, and the server keeps
//! every version.
//!
//! Concurrent changes of one item, by kind:
//! - appointments follow a state machine ([`AppointmentStatus::may_become`]) checked against
//!   the server's *current* status: once one device reported an appointment as attended,
//!   another device cancelling it from the old "planned" state is rejected visibly;
//! - steps, contracts and obstacles are versioned: the later arrival becomes the current
//!   version and the earlier one stays in the server's history — no conflict is possible;
//! - duplicate warnings are created by the server; a user may only dismiss one.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::auth::SessionUser;
use crate::code_enum;
use crate::error::{FieldError, Invalid};
use crate::money::agreements::Agreement;
use crate::money::orders::{PurchaseOrder, check_order};
use crate::money::partners::{PartnerAgreement, Referral, check_referral};
use crate::people::{Enrolment, EnrolmentStatus};
use crate::schemes::Scheme;

/// Longest report, objectives or provider name, in characters.
pub const TEXT_MAX_CHARS: usize = 2_000;
/// Longest provider name, in characters.
pub const PROVIDER_MAX_CHARS: usize = 200;
/// Most hours of activity a contract may plan in a week.
pub const MAX_WEEKLY_HOURS: i64 = 35;

code_enum! {
    pub enum Place {
        Mdd = ("mdd", "Maison du département"),
        Home = ("home", "Visite à domicile"),
        Provider = ("provider", "Chez le prestataire"),
        Phone = ("phone", "Téléphone"),
        Video = ("video", "Visio"),
    }
}

code_enum! {
    pub enum AppointmentStatus {
        Planned = ("planned", "Prévu"),
        Attended = ("attended", "Honoré"),
        Excused = ("excused", "Excusé"),
        NoShow = ("no_show", "Absent sans excuse"),
        Cancelled = ("cancelled", "Annulé"),
    }
}

impl AppointmentStatus {
    /// The appointment state machine: a planned appointment may be rescheduled or take any
    /// outcome; an outcome is final (its report may still be completed).
    pub fn may_become(self, next: AppointmentStatus) -> bool {
        self == AppointmentStatus::Planned || self == next
    }

    /// The statuses an appointment in this one may be given: what a form offers.
    pub fn choices(self) -> Vec<AppointmentStatus> {
        AppointmentStatus::ALL
            .iter()
            .copied()
            .filter(|next| self.may_become(*next))
            .collect()
    }

    /// Whether its outcome and report may still be entered or completed: not once cancelled.
    pub fn may_be_reported(self) -> bool {
        self != AppointmentStatus::Cancelled
    }
}

/// A meeting between the référent and the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appointment {
    pub date: Date,
    /// `HH:MM`, 24-hour.
    pub time: String,
    pub place: Place,
    pub status: AppointmentStatus,
    #[serde(default)]
    pub report: String,
}

code_enum! {
    pub enum StepKind {
        Training = ("training", "Formation"),
        Job = ("job", "Emploi"),
        Siae = ("siae", "Structure d'insertion (SIAE)"),
        Health = ("health", "Soins, santé"),
        Housing = ("housing", "Logement"),
        Mobility = ("mobility", "Mobilité"),
        Childcare = ("childcare", "Garde d'enfants"),
        Administrative = ("administrative", "Démarche administrative"),
        Other = ("other", "Autre"),
    }
}

code_enum! {
    pub enum StepStatus {
        Planned = ("planned", "Prévue"),
        InProgress = ("in_progress", "En cours"),
        Done = ("done", "Réalisée"),
        Abandoned = ("abandoned", "Abandonnée"),
        Cancelled = ("cancelled", "Annulée"),
    }
}

/// A step of the pathway ("étape").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub kind: StepKind,
    /// The provider or partner, free text.
    #[serde(default)]
    pub provider: String,
    pub planned_start: Option<Date>,
    pub planned_end: Option<Date>,
    pub actual_start: Option<Date>,
    pub actual_end: Option<Date>,
    pub status: StepStatus,
}

/// A contract of engagement (formerly CER) signed within an enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contract {
    pub enrolment_id: Uuid,
    pub signed_on: Date,
    pub start: Date,
    pub end: Date,
    pub objectives: String,
    pub weekly_hours: i64,
}

code_enum! {
    pub enum ObstacleTheme {
        Mobility = ("mobility", "Mobilité"),
        Housing = ("housing", "Logement"),
        Health = ("health", "Santé"),
        Family = ("family", "Famille et garde d'enfants"),
        Language = ("language", "Langue"),
        Digital = ("digital", "Numérique"),
        Budget = ("budget", "Budget et dettes"),
        Legal = ("legal", "Juridique et administratif"),
    }
}

code_enum! {
    pub enum ObstacleStatus {
        Identified = ("identified", "Identifié"),
        InProgress = ("in_progress", "En cours de traitement"),
        Lifted = ("lifted", "Levé"),
    }
}

/// An obstacle of one theme, with where it stands since `date`. A person has at most one item
/// per theme: its id is [`obstacle_id`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Obstacle {
    pub theme: ObstacleTheme,
    pub status: ObstacleStatus,
    pub date: Date,
}

code_enum! {
    pub enum DuplicateReason {
        SameIdentity = ("same_identity", "même nom et même date de naissance"),
        SameAllocataire = ("same_allocataire", "même numéro allocataire"),
    }
}

/// Another file that may be the same person, found by the server when this one reached it
/// (files created offline on two devices meet only there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicateWarning {
    pub other_person_id: Uuid,
    /// "DURAND Léa, née le 14/03/1988", as the server saw it.
    pub other_label: String,
    pub reason: DuplicateReason,
    /// A user checked: not the same person.
    pub dismissed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum ItemBody {
    Appointment(Appointment),
    Step(Step),
    Contract(Contract),
    Obstacle(Obstacle),
    Duplicate(DuplicateWarning),
    Order(PurchaseOrder),
    Referral(Referral),
}

impl ItemBody {
    pub fn kind(&self) -> &'static str {
        match self {
            ItemBody::Appointment(_) => "appointment",
            ItemBody::Step(_) => "step",
            ItemBody::Contract(_) => "contract",
            ItemBody::Obstacle(_) => "obstacle",
            ItemBody::Duplicate(_) => "duplicate",
            ItemBody::Order(_) => "order",
            ItemBody::Referral(_) => "referral",
        }
    }
}

/// One follow-up record of a person, in its current version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub id: Uuid,
    pub person_id: Uuid,
    /// 1 when created; the server numbers each accepted change after the version it holds.
    pub version: u32,
    /// Who wrote this version.
    pub author_id: Uuid,
    pub body: ItemBody,
}

/// The id of a person's obstacle of one theme: the same on every device, so that two devices
/// noting the same obstacle write versions of one item instead of two items.
pub fn obstacle_id(person_id: Uuid, theme: ObstacleTheme) -> Uuid {
    Uuid::new_v5(&person_id, theme.as_str().as_bytes())
}

/// Whole months from `start` to `today` (0 when `today` is before `start`).
pub fn months_between(start: Date, today: Date) -> i32 {
    if today < start {
        return 0;
    }
    let mut months =
        (today.year() - start.year()) * 12 + today.month() as i32 - start.month() as i32;
    if today.day() < start.day() {
        months -= 1;
    }
    months
}

/// `date` plus `months`, on the same day of the month or the last day of a shorter month.
pub fn add_months(date: Date, months: i32) -> Date {
    let index = date.year() * 12 + date.month() as i32 - 1 + months;
    let (year, month) = (index.div_euclid(12), (index.rem_euclid(12) + 1) as u8);
    let month = time::Month::try_from(month).unwrap_or(time::Month::January);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, date.day().min(last)).unwrap_or(date)
}

/// The PLIE's pathway limit by default (a setting of each scheme: `pathway_limit_months`).
pub const PLIE_LIMIT_MONTHS: i32 = 36;
/// A pathway is flagged this many months before its limit.
pub const LIMIT_WARNING_MONTHS: i32 = 6;

/// Where an active pathway stands against its scheme's limit (the PLIE's 36 months); `None`
/// for schemes without a limit, closed enrolments and pathways more than
/// [`LIMIT_WARNING_MONTHS`] from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathwayLimit {
    /// Near the limit: prepare the exit.
    Near { months: i32 },
    /// At the limit: the pathway must be closed; nothing new is planned in it.
    Reached { limit: i32 },
}

pub fn pathway_limit(
    enrolment: &Enrolment,
    schemes: &[Scheme],
    today: Date,
) -> Option<PathwayLimit> {
    if enrolment.status != EnrolmentStatus::Active {
        return None;
    }
    let limit = schemes
        .iter()
        .find(|s| s.code == enrolment.scheme)?
        .settings
        .pathway_limit_months?;
    let months = months_between(enrolment.start_date, today);
    if months >= limit {
        Some(PathwayLimit::Reached { limit })
    } else if months >= limit - LIMIT_WARNING_MONTHS {
        Some(PathwayLimit::Near { months })
    } else {
        None
    }
}

fn is_time(s: &str) -> bool {
    let Some((h, m)) = s.split_once(':') else {
        return false;
    };
    h.len() == 2
        && m.len() == 2
        && h.parse::<u8>().is_ok_and(|h| h < 24)
        && m.parse::<u8>().is_ok_and(|m| m < 60)
}

/// A free text: at most `max` characters, no hidden character (line breaks where `multiline`).
fn check_text(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    multiline: bool,
    invalid: &mut Invalid,
) {
    if value.chars().count() > max {
        invalid.push(FieldError::new(
            field,
            "too_long",
            format!("{label} ne doit pas dépasser {max} caractères."),
        ));
    } else if let Some(error) = crate::text::hidden_characters(field, label, value, multiline) {
        invalid.push(error);
    }
}

/// Dates of the pathway lie between 1900 and two years ahead.
fn plausible(field: &str, label: &str, date: Option<Date>, today: Date, invalid: &mut Invalid) {
    if let Some(error) = date.and_then(|d| crate::text::implausible_date(field, label, d, today)) {
        invalid.push(error);
    }
}

fn not_in_future(field: &str, label: &str, date: Option<Date>, today: Date, invalid: &mut Invalid) {
    if date.is_some_and(|d| d > today) {
        invalid.push(FieldError::new(
            field,
            "in_future",
            format!("{label} ne peut pas être dans le futur."),
        ));
    }
}

fn ordered(field: &str, start: Option<Date>, end: Option<Date>, invalid: &mut Invalid) {
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        invalid.push(FieldError::new(
            field,
            "before_start",
            "La date de fin ne peut pas précéder la date de début.",
        ));
    }
}

fn check_appointment(
    a: &Appointment,
    current: Option<&Appointment>,
    today: Date,
    invalid: &mut Invalid,
) {
    if !is_time(&a.time) {
        invalid.push(FieldError::new(
            "appointment_time",
            "invalid_time",
            "L'heure s'écrit HH:MM.",
        ));
    }
    check_text(
        "appointment_report",
        "Le compte rendu",
        &a.report,
        TEXT_MAX_CHARS,
        true,
        invalid,
    );
    plausible(
        "appointment_date",
        "La date du rendez-vous",
        Some(a.date),
        today,
        invalid,
    );
    if a.status != AppointmentStatus::Planned && a.date > today {
        invalid.push(FieldError::new(
            "appointment_status",
            "report_in_future",
            "Un rendez-vous à venir ne peut pas encore être honoré, excusé ou manqué.",
        ));
    }
    if a.status == AppointmentStatus::Planned && !a.report.is_empty() {
        invalid.push(FieldError::new(
            "appointment_report",
            "report_before_meeting",
            "Le compte rendu s'écrit une fois le rendez-vous passé : choisissez son issue.",
        ));
    }
    if let Some(current) = current
        && !current.status.may_become(a.status)
    {
        invalid.push(FieldError::new(
            "appointment_status",
            "invalid_transition",
            format!(
                "Ce rendez-vous est déjà « {} » : il ne peut plus devenir « {} ».",
                current.status.label_fr(),
                a.status.label_fr()
            ),
        ));
    }
}

fn check_step(s: &Step, today: Date, invalid: &mut Invalid) {
    check_text(
        "step_provider",
        "Le prestataire",
        &s.provider,
        PROVIDER_MAX_CHARS,
        false,
        invalid,
    );
    for (field, label, date) in [
        ("step_planned_start", "Le début prévu", s.planned_start),
        ("step_planned_end", "La fin prévue", s.planned_end),
        ("step_actual_start", "Le début réel", s.actual_start),
        ("step_actual_end", "La fin réelle", s.actual_end),
    ] {
        plausible(field, label, date, today, invalid);
    }
    ordered("step_planned_end", s.planned_start, s.planned_end, invalid);
    ordered("step_actual_end", s.actual_start, s.actual_end, invalid);
    not_in_future(
        "step_actual_start",
        "Le début réel",
        s.actual_start,
        today,
        invalid,
    );
    not_in_future(
        "step_actual_end",
        "La fin réelle",
        s.actual_end,
        today,
        invalid,
    );
    if matches!(s.status, StepStatus::InProgress | StepStatus::Done) && s.actual_start.is_none() {
        invalid.push(FieldError::new(
            "step_actual_start",
            "required",
            "Une étape en cours ou réalisée a une date de début réelle.",
        ));
    }
    if s.status == StepStatus::Done && s.actual_end.is_none() {
        invalid.push(FieldError::new(
            "step_actual_end",
            "required",
            "Une étape réalisée a une date de fin réelle.",
        ));
    }
}

fn check_contract(
    c: &Contract,
    enrolments: &[Enrolment],
    creating: bool,
    today: Date,
    invalid: &mut Invalid,
) {
    match enrolments.iter().find(|e| e.id == c.enrolment_id) {
        None => invalid.push(FieldError::new(
            "contract",
            "unknown_enrolment",
            "Le contrat doit se rattacher à un accompagnement de la personne.",
        )),
        Some(e) if creating && e.status != EnrolmentStatus::Active => {
            invalid.push(FieldError::new(
                "contract",
                "enrolment_closed",
                "Cet accompagnement est clôturé : il ne reçoit plus de contrat.",
            ))
        }
        Some(_) => {}
    }
    not_in_future(
        "contract_signed_on",
        "La date de signature",
        Some(c.signed_on),
        today,
        invalid,
    );
    if c.end <= c.start {
        invalid.push(FieldError::new(
            "contract_end",
            "before_start",
            "La fin du contrat doit suivre son début.",
        ));
    }
    if c.objectives.trim().is_empty() {
        invalid.push(FieldError::new(
            "contract_objectives",
            "required",
            "Les objectifs du contrat sont obligatoires.",
        ));
    }
    check_text(
        "contract_objectives",
        "Les objectifs",
        &c.objectives,
        TEXT_MAX_CHARS,
        true,
        invalid,
    );
    for (field, label, date) in [
        ("contract_signed_on", "La date de signature", c.signed_on),
        ("contract_start", "Le début du contrat", c.start),
        ("contract_end", "La fin du contrat", c.end),
    ] {
        plausible(field, label, Some(date), today, invalid);
    }
    if !(0..=MAX_WEEKLY_HOURS).contains(&c.weekly_hours) {
        invalid.push(FieldError::new(
            "contract_weekly_hours",
            "out_of_range",
            format!("Les heures d'activité par semaine vont de 0 à {MAX_WEEKLY_HOURS}."),
        ));
    }
}

/// What the rules of an item need to know besides the item.
pub struct ItemContext<'a> {
    pub actor: &'a SessionUser,
    /// Every enrolment of the person.
    pub enrolments: &'a [Enrolment],
    /// The schemes, with their settings (the pathway limit).
    pub schemes: &'a [Scheme],
    /// The framework agreements (what an order is checked against).
    pub agreements: &'a [Agreement],
    /// The financing partners' yearly agreements (what a referral is checked against).
    pub partner_agreements: &'a [PartnerAgreement],
    pub today: Date,
}

/// Checks a new state of an item against the current one (`None` when new). Returns the item
/// with text trimmed and its version set after the current one's.
///
/// The app calls this before saving, the server again before applying a pushed item: for
/// the server, `current` is what it holds, which may be newer than what the device saw.
pub fn check_item(
    item: Item,
    current: Option<&Item>,
    ctx: &ItemContext<'_>,
) -> Result<Item, Invalid> {
    let mut item = item;
    let mut invalid = Invalid::default();
    if item.author_id != ctx.actor.id {
        invalid.push(FieldError::new(
            "item",
            "not_allowed",
            "Une modification est signée par la personne qui la fait.",
        ));
    }
    if let Some(current) = current
        && (current.person_id != item.person_id || current.body.kind() != item.body.kind())
    {
        invalid.push(FieldError::new(
            "item",
            "invalid_change",
            "Cet élément appartient à une autre fiche ou est d'une autre nature.",
        ));
        return Err(invalid);
    }
    let creating = current.is_none();
    let active = ctx
        .enrolments
        .iter()
        .filter(|e| e.person_id == item.person_id && e.status == EnrolmentStatus::Active)
        .collect::<Vec<_>>();
    let plans_something = matches!(
        item.body,
        ItemBody::Appointment(_)
            | ItemBody::Step(_)
            | ItemBody::Contract(_)
            | ItemBody::Order(_)
            | ItemBody::Referral(_)
    );
    if creating && matches!(item.body, ItemBody::Order(_)) && active.is_empty() {
        invalid.push(FieldError::new(
            "order",
            "no_active_enrolment",
            "La personne n'a pas d'accompagnement en cours : la commande est impossible.",
        ));
    }
    if creating && matches!(item.body, ItemBody::Referral(_)) && active.is_empty() {
        invalid.push(FieldError::new(
            "referral",
            "no_active_enrolment",
            "La personne n'a pas d'accompagnement en cours : l'orientation est impossible.",
        ));
    }
    let limits: Vec<Option<PathwayLimit>> = active
        .iter()
        .map(|e| pathway_limit(e, ctx.schemes, ctx.today))
        .collect();
    if creating
        && plans_something
        && !active.is_empty()
        && limits
            .iter()
            .all(|l| matches!(l, Some(PathwayLimit::Reached { .. })))
    {
        let limit = limits
            .iter()
            .find_map(|l| match l {
                Some(PathwayLimit::Reached { limit }) => Some(*limit),
                _ => None,
            })
            .unwrap_or(PLIE_LIMIT_MONTHS);
        invalid.push(FieldError::new(
            "item",
            "pathway_limit",
            format!(
                "Le parcours a atteint {limit} mois, sa durée maximale : clôturez-le avant de planifier autre chose."
            ),
        ));
    }
    match (&mut item.body, current.map(|c| &c.body)) {
        (ItemBody::Appointment(a), current) => {
            a.report = a.report.trim().to_owned();
            let current = match current {
                Some(ItemBody::Appointment(c)) => Some(c),
                _ => None,
            };
            check_appointment(a, current, ctx.today, &mut invalid);
        }
        (ItemBody::Step(s), _) => {
            s.provider = s.provider.trim().to_owned();
            check_step(s, ctx.today, &mut invalid);
        }
        (ItemBody::Contract(c), _) => {
            c.objectives = c.objectives.trim().to_owned();
            check_contract(c, ctx.enrolments, creating, ctx.today, &mut invalid);
        }
        (ItemBody::Obstacle(o), _) => {
            if item.id != obstacle_id(item.person_id, o.theme) {
                invalid.push(FieldError::new(
                    "obstacle",
                    "invalid_id",
                    "Un frein se note une seule fois par thème.",
                ));
            }
            not_in_future(
                "obstacle_date",
                "La date du frein",
                Some(o.date),
                ctx.today,
                &mut invalid,
            );
        }
        (ItemBody::Order(o), current) => {
            let current = match current {
                Some(ItemBody::Order(c)) => Some(c),
                _ => None,
            };
            check_order(
                o,
                current,
                ctx.agreements,
                ctx.actor,
                ctx.today,
                &mut invalid,
            );
        }
        (ItemBody::Referral(r), current) => {
            let current = match current {
                Some(ItemBody::Referral(c)) => Some(c),
                _ => None,
            };
            check_referral(
                r,
                current,
                ctx.partner_agreements,
                ctx.actor,
                ctx.today,
                &mut invalid,
            );
        }
        (ItemBody::Duplicate(d), current) => match current {
            Some(ItemBody::Duplicate(c))
                if DuplicateWarning {
                    dismissed: true,
                    ..c.clone()
                } == *d => {}
            _ => invalid.push(FieldError::new(
                "duplicate",
                "not_allowed",
                "Un doublon possible est signalé par le serveur ; on peut seulement l'écarter.",
            )),
        },
    }
    invalid.into_result()?;
    item.version = current.map_or(1, |c| c.version + 1);
    Ok(item)
}

/// Where two people look like the same person (same names and birth date, accents and case
/// aside, or the same numéro allocataire).
pub fn duplicate_reason(
    a: &crate::people::Person,
    b: &crate::people::Person,
) -> Option<DuplicateReason> {
    use crate::text::fold;
    if a.id == b.id {
        return None;
    }
    if !a.details.allocataire.is_empty() && a.details.allocataire == b.details.allocataire {
        return Some(DuplicateReason::SameAllocataire);
    }
    (a.birth_date == b.birth_date
        && fold(a.last_name.trim()) == fold(b.last_name.trim())
        && fold(a.first_name.trim()) == fold(b.first_name.trim()))
    .then_some(DuplicateReason::SameIdentity)
}

/// The next appointment among a person's items: the earliest still planned from `today` on
/// (one of a past day still « Prévu » waits for its outcome, it is not the next).
pub fn next_appointment<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    today: Date,
) -> Option<&'a Appointment> {
    items
        .into_iter()
        .filter_map(|item| match &item.body {
            ItemBody::Appointment(a)
                if a.status == AppointmentStatus::Planned && a.date >= today =>
            {
                Some(a)
            }
            _ => None,
        })
        .min_by(|a, b| (a.date, &a.time).cmp(&(b.date, &b.time)))
}

#[cfg(test)]
mod tests;
