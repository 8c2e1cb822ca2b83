//! Import of an existing caseload for go-live: a CSV of people with their active enrolment
//! (layout in `docs/import.md`), read line by line into person creations, each checked by the
//! same rules as a creation on a tablet. Pure: the server supplies the référents and the
//! files already in Jalon.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::auth::SessionUser;
use crate::communes;
use crate::followup::duplicate_reason;
use crate::people::{Enrolment, EnrolmentStatus, Person, PersonCreation, check_person_creation};
use crate::profile::{PersonDetails, RsaFund, Sex};
use crate::schemes::{Scheme, SchemeCode};
use crate::text::{fold, parse_iso_date};

/// Most lines of one import.
pub const MAX_LINES: usize = 20_000;

/// The namespace of the ids of imported files (UUID v5): the same line always gives the same
/// ids, which makes an import idempotent.
const NAMESPACE: Uuid = Uuid::from_u128(0x6a61_6c6f_6e2d_696d_706f_7274_2d76_3100);

/// Decodes a file: UTF-8 (with or without a byte-order mark), else Windows-1252 (what
/// spreadsheets save as "CSV" on French Windows).
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

/// One byte of Windows-1252 as a character.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// Splits CSV text into records of fields, with `delimiter`; quoted fields may hold the
/// delimiter, doubled quotes and line breaks. Each record comes with its first line number.
pub fn parse_csv(text: &str, delimiter: char) -> Vec<(usize, Vec<String>)> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' if quoted => quoted = false,
            '"' if field.is_empty() => quoted = true,
            '\n' if quoted => {
                line += 1;
                field.push('\n');
            }
            c if c == delimiter && !quoted => record.push(std::mem::take(&mut field)),
            '\r' if !quoted => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                if record.iter().any(|f| !f.trim().is_empty()) {
                    records.push((start, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                start = line;
            }
            c => field.push(c),
        }
    }
    record.push(field);
    if record.iter().any(|f| !f.trim().is_empty()) {
        records.push((start, record));
    }
    records
}

/// `;` or `,`, whichever the header line holds more of.
pub fn delimiter(text: &str) -> char {
    let header = text.lines().next().unwrap_or_default();
    if header.matches(',').count() > header.matches(';').count() {
        ','
    } else {
        ';'
    }
}

/// The columns of the layout, with the header names accepted for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    LastName,
    FirstName,
    BirthDate,
    Commune,
    Rsa,
    Scheme,
    Referent,
    StartDate,
    Sex,
    BirthName,
    Phone,
    Email,
    Address,
    Allocataire,
    RsaFund,
}

impl Column {
    const ALL: [(Column, &'static [&'static str], bool); 15] = [
        (Column::LastName, &["nom", "nom_usage", "nom d'usage"], true),
        (Column::FirstName, &["prenom", "prenoms"], true),
        (
            Column::BirthDate,
            &["date_naissance", "date de naissance", "naissance"],
            true,
        ),
        (Column::Commune, &["commune", "code_commune", "insee"], true),
        (Column::Rsa, &["rsa", "beneficiaire_rsa", "brsa"], true),
        (Column::Scheme, &["dispositif"], true),
        (
            Column::Referent,
            &["referent", "identifiant_referent", "login_referent"],
            true,
        ),
        (
            Column::StartDate,
            &["date_entree", "date d'entree", "entree"],
            true,
        ),
        (Column::Sex, &["sexe"], false),
        (
            Column::BirthName,
            &["nom_naissance", "nom de naissance"],
            false,
        ),
        (Column::Phone, &["telephone", "tel"], false),
        (
            Column::Email,
            &["email", "courriel", "e-mail", "mail"],
            false,
        ),
        (Column::Address, &["adresse"], false),
        (
            Column::Allocataire,
            &["numero_allocataire", "allocataire", "num_allocataire"],
            false,
        ),
        (
            Column::RsaFund,
            &["organisme_payeur", "organisme", "caf_msa"],
            false,
        ),
    ];

    fn of_header(name: &str) -> Option<Column> {
        let name = fold(name.trim()).replace([' ', '-'], "_");
        Column::ALL.iter().find_map(|(column, names, _)| {
            names
                .iter()
                .any(|n| n.replace([' ', '-'], "_") == name)
                .then_some(*column)
        })
    }

    fn header(self) -> &'static str {
        Column::ALL
            .iter()
            .find(|(c, _, _)| *c == self)
            .map_or("", |(_, names, _)| names[0])
    }
}

/// What became (or would become) of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Would be created (dry run), or was.
    Create,
    /// Refused: a rule is broken; the messages say which.
    Refused,
    /// Already in Jalon from an earlier import of the same line: nothing new.
    AlreadyImported,
}

/// The report of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineReport {
    /// Line number in the file (the header is line 1).
    pub line: usize,
    pub status: LineStatus,
    /// "NOM Prénom" as read from the file.
    pub label: String,
    pub messages: Vec<String>,
}

/// The report of an import, or of its dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub dry_run: bool,
    /// Problems with the file as a whole (missing columns…): nothing is imported.
    pub errors: Vec<String>,
    pub lines: Vec<LineReport>,
    pub created: usize,
    pub refused: usize,
    pub already_imported: usize,
}

/// A line read and checked, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadLine {
    pub line: usize,
    pub creation: Option<PersonCreation>,
    pub report: LineReport,
}

/// What the server knows that the rules need.
pub struct ImportContext<'a> {
    /// The active référents, by login.
    pub referents: &'a HashMap<String, SessionUser>,
    pub schemes: &'a [Scheme],
    pub today: Date,
    /// Whether a file with this id exists already (an earlier import of the same line).
    pub exists: &'a (dyn Fn(Uuid) -> bool + Sync),
    /// Files already in Jalon that may be the same person (same names and birth date, or same
    /// numéro allocataire).
    pub existing_duplicates: &'a (dyn Fn(&Person) -> bool + Sync),
}

fn parse_date(value: &str) -> Option<Date> {
    let value = value.trim();
    if let Some(date) = parse_iso_date(value) {
        return Some(date);
    }
    let mut parts = value.split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

fn parse_scheme(value: &str) -> Option<SchemeCode> {
    match fold(value.trim()).as_str() {
        "arpe" => Some(SchemeCode::Arpe),
        "plie" => Some(SchemeCode::Plie),
        "global" | "accompagnement global" | "ag" => Some(SchemeCode::Global),
        _ => None,
    }
}

fn parse_commune(value: &str) -> Option<&'static communes::Commune> {
    let value = value.trim();
    communes::by_code(value).or_else(|| {
        let folded = fold(value).replace(['-', '\''], " ");
        communes::all()
            .iter()
            .find(|c| fold(c.name).replace(['-', '\''], " ") == folded)
    })
}

fn parse_yes_no(value: &str) -> Option<bool> {
    match fold(value.trim()).as_str() {
        "oui" | "o" | "1" | "vrai" | "yes" | "x" => Some(true),
        "non" | "n" | "0" | "faux" | "no" | "" => Some(false),
        _ => None,
    }
}

fn parse_sex(value: &str) -> Result<Option<Sex>, ()> {
    match fold(value.trim()).as_str() {
        "" => Ok(None),
        "f" | "femme" => Ok(Some(Sex::Female)),
        "h" | "m" | "homme" => Ok(Some(Sex::Male)),
        "nb" | "non binaire" | "non-binaire" => Ok(Some(Sex::NonBinary)),
        _ => Err(()),
    }
}

/// The ids an imported line gets: the same line always gets the same.
pub fn import_ids(scheme: SchemeCode, last: &str, first: &str, birth: Date) -> (Uuid, Uuid) {
    let key = format!(
        "{}|{}|{}|{birth}",
        scheme.as_str(),
        fold(last.trim()),
        fold(first.trim())
    );
    let person = Uuid::new_v5(&NAMESPACE, key.as_bytes());
    (person, Uuid::new_v5(&person, b"enrolment"))
}

/// Reads and checks every line of `text`. Lines are refused when a rule breaks, when they
/// repeat an earlier line of the file, or when they may be the same person as a file already
/// in Jalon (to be handled by hand); a line imported before is reported as such.
pub fn read(text: &str, ctx: &ImportContext<'_>) -> (Vec<String>, Vec<ReadLine>) {
    let records = parse_csv(text, delimiter(text));
    let Some(((_, header), rows)) = records.split_first() else {
        return (vec!["Le fichier est vide.".into()], Vec::new());
    };
    let columns: Vec<Option<Column>> = header.iter().map(|h| Column::of_header(h)).collect();
    let mut errors: Vec<String> = Column::ALL
        .iter()
        .filter(|(c, _, required)| *required && !columns.contains(&Some(*c)))
        .map(|(c, _, _)| format!("Colonne obligatoire manquante : « {} ».", c.header()))
        .collect();
    if rows.len() > MAX_LINES {
        errors.push(format!(
            "Le fichier compte {} lignes : un import en accepte au plus {MAX_LINES}.",
            rows.len()
        ));
    }
    if !errors.is_empty() {
        return (errors, Vec::new());
    }
    let mut seen: Vec<(usize, Person)> = Vec::new();
    let lines = rows
        .iter()
        .map(|(line, fields)| {
            let value = |column: Column| -> String {
                columns
                    .iter()
                    .position(|c| *c == Some(column))
                    .and_then(|i| fields.get(i))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default()
            };
            let read = read_line(*line, &value, ctx, &seen);
            if let Some(creation) = &read.creation {
                seen.push((*line, creation.person.clone()));
            }
            read
        })
        .collect();
    (Vec::new(), lines)
}

fn read_line(
    line: usize,
    value: &dyn Fn(Column) -> String,
    ctx: &ImportContext<'_>,
    seen: &[(usize, Person)],
) -> ReadLine {
    let label = format!(
        "{} {}",
        value(Column::LastName).to_uppercase(),
        value(Column::FirstName)
    )
    .trim()
    .to_owned();
    let mut messages = Vec::new();
    let mut refuse = |message: String| messages.push(message);
    let birth = parse_date(&value(Column::BirthDate));
    if birth.is_none() {
        refuse(format!(
            "Date de naissance illisible « {} » (attendu : AAAA-MM-JJ ou JJ/MM/AAAA).",
            value(Column::BirthDate)
        ));
    }
    let start = parse_date(&value(Column::StartDate));
    if start.is_none() {
        refuse(format!(
            "Date d'entrée illisible « {} » (attendu : AAAA-MM-JJ ou JJ/MM/AAAA).",
            value(Column::StartDate)
        ));
    }
    let commune = parse_commune(&value(Column::Commune));
    if commune.is_none() {
        refuse(format!(
            "Commune inconnue en Haute-Vienne : « {} ».",
            value(Column::Commune)
        ));
    }
    let rsa = parse_yes_no(&value(Column::Rsa));
    if rsa.is_none() {
        refuse(format!(
            "RSA : « {} » n'est ni « oui » ni « non ».",
            value(Column::Rsa)
        ));
    }
    let scheme = parse_scheme(&value(Column::Scheme));
    if scheme.is_none() {
        refuse(format!(
            "Dispositif inconnu : « {} » (ARPE, PLIE ou GLOBAL).",
            value(Column::Scheme)
        ));
    }
    let login = value(Column::Referent).to_lowercase();
    let referent = ctx.referents.get(&login);
    match referent {
        None => refuse(format!(
            "Référent inconnu ou désactivé : « {} ».",
            value(Column::Referent)
        )),
        Some(r) if scheme.is_some() && r.scheme != scheme => refuse(format!(
            "Le référent {} n'est pas du dispositif {}.",
            r.display_name,
            scheme.map(SchemeCode::short_name).unwrap_or_default()
        )),
        _ => {}
    }
    let sex = parse_sex(&value(Column::Sex)).unwrap_or_else(|()| {
        refuse(format!(
            "Sexe illisible : « {} » (F, H ou NB).",
            value(Column::Sex)
        ));
        None
    });
    let fund = match fold(&value(Column::RsaFund)).as_str() {
        "" => None,
        "caf" => Some(RsaFund::Caf),
        "msa" => Some(RsaFund::Msa),
        other => {
            refuse(format!(
                "Organisme payeur inconnu : « {other} » (CAF ou MSA)."
            ));
            None
        }
    };
    let (Some(birth), Some(start), Some(commune), Some(rsa), Some(scheme), Some(referent)) =
        (birth, start, commune, rsa, scheme, referent)
    else {
        return refused(line, label, messages);
    };
    if start > ctx.today {
        refuse("La date d'entrée est dans le futur.".into());
    }
    let (person_id, enrolment_id) = import_ids(
        scheme,
        &value(Column::LastName),
        &value(Column::FirstName),
        birth,
    );
    let details = PersonDetails {
        birth_name: value(Column::BirthName),
        sex,
        phone: value(Column::Phone),
        email: value(Column::Email),
        address: value(Column::Address),
        allocataire: value(Column::Allocataire),
        rsa_fund: fund,
        ..PersonDetails::default()
    };
    let creation = PersonCreation {
        person: Person {
            id: person_id,
            last_name: value(Column::LastName),
            first_name: value(Column::FirstName),
            birth_date: birth,
            commune_code: commune.code.to_owned(),
            rsa_beneficiary: rsa,
            details,
        },
        enrolment: Enrolment {
            id: enrolment_id,
            person_id,
            scheme,
            referent_id: referent.id,
            start_date: start,
            status: EnrolmentStatus::Active,
            exit: None,
            fse_entry: None,
            fse_exit: None,
            fse_six_months: None,
            handovers: Vec::new(),
            orientation: None,
        },
    };
    let creation = match check_person_creation(creation, referent, ctx.schemes, ctx.today) {
        Ok(creation) => creation,
        Err(invalid) => {
            messages.extend(invalid.errors.into_iter().map(|e| e.message));
            return refused(line, label, messages);
        }
    };
    if !messages.is_empty() {
        return refused(line, label, messages);
    }
    if (ctx.exists)(creation.person.id) {
        return ReadLine {
            line,
            creation: None,
            report: LineReport {
                line,
                status: LineStatus::AlreadyImported,
                label,
                messages: vec!["Déjà importée : rien de nouveau.".into()],
            },
        };
    }
    if let Some((earlier, _)) = seen.iter().find(|(_, p)| p.id == creation.person.id) {
        messages.push(format!(
            "Répète la ligne {earlier} (même dispositif, nom, prénom et date de naissance)."
        ));
        return refused(line, label, messages);
    }
    if let Some((earlier, reason)) = seen
        .iter()
        .find_map(|(l, p)| duplicate_reason(&creation.person, p).map(|r| (*l, r)))
    {
        messages.push(format!(
            "Doublon de la ligne {earlier} ({}).",
            reason.label_fr()
        ));
        return refused(line, label, messages);
    }
    if (ctx.existing_duplicates)(&creation.person) {
        messages.push(
            "Doublon possible d'un dossier déjà dans Jalon (même nom et date de naissance, ou même numéro allocataire) : à saisir à la main après vérification."
                .into(),
        );
        return refused(line, label, messages);
    }
    ReadLine {
        line,
        creation: Some(creation),
        report: LineReport {
            line,
            status: LineStatus::Create,
            label,
            messages: Vec::new(),
        },
    }
}

fn refused(line: usize, label: String, messages: Vec<String>) -> ReadLine {
    ReadLine {
        line,
        creation: None,
        report: LineReport {
            line,
            status: LineStatus::Refused,
            label,
            messages,
        },
    }
}

/// The report of the lines read.
pub fn report(dry_run: bool, errors: Vec<String>, lines: &[ReadLine]) -> ImportReport {
    let count = |status| lines.iter().filter(|l| l.report.status == status).count();
    ImportReport {
        dry_run,
        errors,
        created: count(LineStatus::Create),
        refused: count(LineStatus::Refused),
        already_imported: count(LineStatus::AlreadyImported),
        lines: lines.iter().map(|l| l.report.clone()).collect(),
    }
}

#[cfg(test)]
mod tests;
