//! The list of people and the référent's home screen, computed from the records a device holds:
//! one [`Row`] per person with what the screens filter, sort and search on, built once per
//! reload so that a keystroke only runs [`select`].

use std::collections::{HashMap, HashSet};

use jalon_domain::caseload::{Alert, agenda, alerts, last_contact};
use jalon_domain::communes;
use jalon_domain::followup::Item;
use jalon_domain::notes::Note;
use jalon_domain::people::{Enrolment, EnrolmentStatus, Person};
use jalon_domain::schemes::{Scheme, SchemeCode};
use jalon_domain::supervision::ListExport;
use jalon_domain::text::{fold, format_date_fr, format_iso_date};
use time::Date;
use uuid::Uuid;

/// One line of the list (its own key in the list: a row is drawn again only when something in
/// it changed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Row {
    pub id: Uuid,
    pub name: String,
    pub birth_date: String,
    pub birth: Date,
    pub commune: String,
    pub rsa: bool,
    /// The scheme of the active enrolment, or of the last one.
    pub scheme: Option<SchemeCode>,
    pub active: bool,
    /// Who follows the person and in which scheme (shown to supervisors).
    pub followed_by: Option<String>,
    /// The référent of the active enrolment, or of the last one.
    pub referent_id: Option<Uuid>,
    pub start_date: Option<Date>,
    pub last_contact: Option<Date>,
    pub alerts: Vec<Alert>,
    pub pending: bool,
    /// An open conflict waits for someone to choose a value.
    pub conflict: bool,
    pub rejection: Option<String>,
    /// Folded names, commune and numéro allocataire, for accent-insensitive search.
    pub search_key: String,
    pub name_key: (String, String),
    /// Folded commune name, for sorting.
    pub commune_key: String,
}

/// What the list shows: which people, in which order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub query: String,
    pub scheme: Option<SchemeCode>,
    /// Only the people of this référent.
    pub referent: Option<Uuid>,
    /// `None`: everyone; `Some(true)`: in an active enrolment; `Some(false)`: exited.
    pub active: Option<bool>,
    /// An [`Alert::code`], or `"any"` for any alert, `"pending"` for not synced.
    pub alert: Option<String>,
    pub sort: Sort,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Name,
    Commune,
    /// Longest without contact first.
    LastContact,
    /// Latest enrolment first.
    StartDate,
}

impl Sort {
    pub const ALL: [Sort; 4] = [
        Sort::Name,
        Sort::Commune,
        Sort::LastContact,
        Sort::StartDate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Commune => "commune",
            Sort::LastContact => "last_contact",
            Sort::StartDate => "start_date",
        }
    }

    pub fn parse(s: &str) -> Sort {
        Sort::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .unwrap_or_default()
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Sort::Name => "Nom",
            Sort::Commune => "Commune",
            Sort::LastContact => "Dernier contact (le plus ancien d'abord)",
            Sort::StartDate => "Date d'entrée (la plus récente d'abord)",
        }
    }
}

/// Everything a device holds, as the screens need it.
pub struct Holdings<'a> {
    pub people: &'a [Person],
    pub enrolments: &'a [Enrolment],
    pub items: &'a [Item],
    pub notes: &'a [Note],
    /// People with a change waiting for the server.
    pub pending: &'a HashSet<Uuid>,
    pub conflicted: &'a HashSet<Uuid>,
    /// The reason of the last refusal, by person.
    pub rejections: &'a HashMap<Uuid, String>,
    /// Staff names by id.
    pub staff: &'a HashMap<Uuid, String>,
    /// The schemes (territories, pathway limits).
    pub schemes: &'a [Scheme],
    /// The search also finds people by their référent's name (supervisors hold many
    /// référents' people; a référent's list would all match their own name).
    pub search_referents: bool,
}

/// One row per person, by name.
pub fn rows(h: &Holdings<'_>, today: Date) -> Vec<Row> {
    let mut enrolments_of: HashMap<Uuid, Vec<&Enrolment>> = HashMap::new();
    for e in h.enrolments {
        enrolments_of.entry(e.person_id).or_default().push(e);
    }
    let mut items_of: HashMap<Uuid, Vec<&Item>> = HashMap::new();
    for i in h.items {
        items_of.entry(i.person_id).or_default().push(i);
    }
    let mut notes_of: HashMap<Uuid, Vec<&Note>> = HashMap::new();
    for n in h.notes {
        notes_of.entry(n.person_id).or_default().push(n);
    }
    let none_e = Vec::new();
    let none_i = Vec::new();
    let none_n = Vec::new();
    let mut rows: Vec<Row> = h
        .people
        .iter()
        .filter(|p| !p.is_purged())
        .map(|p| {
            let enrolments = enrolments_of.get(&p.id).unwrap_or(&none_e);
            let items = items_of.get(&p.id).unwrap_or(&none_i);
            let notes = notes_of.get(&p.id).unwrap_or(&none_n);
            let active = enrolments
                .iter()
                .find(|e| e.status == EnrolmentStatus::Active);
            let latest = active
                .copied()
                .or_else(|| enrolments.iter().max_by_key(|e| e.start_date).copied());
            let commune = communes::by_code(&p.commune_code)
                .map_or_else(|| p.commune_code.clone(), |c| c.name.to_owned());
            let referent = latest
                .and_then(|e| h.staff.get(&e.referent_id))
                .cloned()
                .unwrap_or_default();
            let followed_by = latest.map(|e| format!("{} · {referent}", e.scheme.short_name()));
            let referent_key = if h.search_referents {
                referent.as_str()
            } else {
                ""
            };
            Row {
                id: p.id,
                name: p.display_name(),
                birth_date: format_date_fr(p.birth_date),
                birth: p.birth_date,
                search_key: fold(&format!(
                    "{} {} {} {commune} {} {referent_key}",
                    p.last_name, p.first_name, p.details.birth_name, p.details.allocataire
                )),
                name_key: (fold(&p.last_name), fold(&p.first_name)),
                commune_key: fold(&commune),
                commune,
                rsa: p.rsa_beneficiary,
                scheme: latest.map(|e| e.scheme),
                active: active.is_some(),
                followed_by,
                referent_id: latest.map(|e| e.referent_id),
                start_date: latest.map(|e| e.start_date),
                last_contact: last_contact(items.iter().copied(), notes.iter().copied()),
                alerts: alerts(p, enrolments, items, notes, h.schemes, today),
                pending: h.pending.contains(&p.id),
                conflict: h.conflicted.contains(&p.id),
                rejection: h.rejections.get(&p.id).cloned(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.name_key.cmp(&b.name_key));
    rows
}

/// The rows the filters keep, in their order: what runs on each keystroke.
pub fn select<'a>(rows: &'a [Row], filters: &Filters) -> Vec<&'a Row> {
    let needle = fold(filters.query.trim());
    let words: Vec<&str> = needle.split_whitespace().collect();
    let mut kept: Vec<&Row> = rows
        .iter()
        .filter(|r| words.iter().all(|w| r.search_key.contains(w)))
        .filter(|r| filters.scheme.is_none_or(|s| r.scheme == Some(s)))
        .filter(|r| filters.referent.is_none_or(|id| r.referent_id == Some(id)))
        .filter(|r| filters.active.is_none_or(|a| r.active == a))
        .filter(|r| match filters.alert.as_deref() {
            None | Some("") => true,
            Some("any") => !r.alerts.is_empty(),
            Some("pending") => r.pending || r.rejection.is_some(),
            Some(code) => r.alerts.iter().any(|a| a.code() == code),
        })
        .collect();
    match filters.sort {
        Sort::Name => {}
        Sort::Commune => {
            kept.sort_by(|a, b| (&a.commune, &a.name_key).cmp(&(&b.commune, &b.name_key)))
        }
        Sort::LastContact => kept.sort_by_key(|r| r.last_contact),
        Sort::StartDate => kept.sort_by_key(|r| std::cmp::Reverse(r.start_date)),
    }
    kept
}

/// The rows the filters keep as an export (CSV in the browser, XLSX by the server): ISO dates,
/// what a spreadsheet sorts. `what` says which list and filters, for the audit log.
pub fn export(rows: &[&Row], what: String) -> ListExport {
    let date = |d: Option<Date>| d.map(format_iso_date).unwrap_or_default();
    ListExport {
        what,
        headers: [
            "Nom",
            "Date de naissance",
            "Commune",
            "RSA",
            "Dispositif",
            "Suivi par",
            "Statut",
            "Entrée",
            "Dernier contact",
            "Alertes",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    format_iso_date(r.birth),
                    r.commune.clone(),
                    if r.rsa { "oui" } else { "non" }.to_owned(),
                    r.scheme
                        .map(|s| s.short_name().to_owned())
                        .unwrap_or_default(),
                    r.followed_by.clone().unwrap_or_default(),
                    if r.active { "En cours" } else { "Sorti" }.to_owned(),
                    date(r.start_date),
                    date(r.last_contact),
                    r.alerts
                        .iter()
                        .map(|a| a.label_fr())
                        .collect::<Vec<_>>()
                        .join(" ; "),
                ]
            })
            .collect(),
    }
}

/// An appointment of the agenda with the name of its person.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaEntry {
    pub item: Item,
    pub person: String,
    pub pending: bool,
}

/// The appointments of the people a device holds between two dates, by date and time.
pub fn agenda_entries(
    people: &[Person],
    items: &[(Item, bool)],
    from: Date,
    to: Date,
) -> Vec<AgendaEntry> {
    let names: HashMap<Uuid, String> = people
        .iter()
        .filter(|p| !p.is_purged())
        .map(|p| (p.id, p.display_name()))
        .collect();
    let pending: HashSet<Uuid> = items
        .iter()
        .filter(|(_, p)| *p)
        .map(|(i, _)| i.id)
        .collect();
    let held: Vec<&Item> = items
        .iter()
        .map(|(i, _)| i)
        .filter(|i| names.contains_key(&i.person_id))
        .collect();
    agenda(held, from, to)
        .into_iter()
        .map(|item| AgendaEntry {
            person: names.get(&item.person_id).cloned().unwrap_or_default(),
            pending: pending.contains(&item.id),
            item: item.clone(),
        })
        .collect()
}
