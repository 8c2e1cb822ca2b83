use std::collections::HashMap;

use time::macros::date;
use uuid::Uuid;

use super::*;
use crate::auth::Role;

const TODAY: Date = date!(2026 - 11 - 26);

fn referents() -> HashMap<String, SessionUser> {
    let referent = |id: u128, login: &str, scheme| SessionUser {
        id: Uuid::from_u128(id),
        username: login.into(),
        display_name: format!("Référent {login}"),
        role: Role::Referent,
        scheme: Some(scheme),
        supervised_schemes: vec![],
    };
    [
        ("plie1", referent(1, "plie1", SchemeCode::Plie)),
        ("arpe1", referent(2, "arpe1", SchemeCode::Arpe)),
    ]
    .into_iter()
    .map(|(l, r)| (l.to_owned(), r))
    .collect()
}

fn run(text: &str, exists: &(dyn Fn(Uuid) -> bool + Sync)) -> (Vec<String>, Vec<ReadLine>) {
    let referents = referents();
    let schemes = Scheme::haute_vienne_defaults();
    let ctx = ImportContext {
        referents: &referents,
        schemes: &schemes,
        today: TODAY,
        exists,
        existing_duplicates: &|p: &Person| p.last_name == "Existant",
    };
    read(text, &ctx)
}

const HEADER: &str =
    "nom;prénom;date_naissance;commune;rsa;dispositif;référent;date_entrée;sexe;téléphone\n";

#[test]
fn good_lines_become_creations_and_bad_ones_say_why() {
    let text = format!(
        "{HEADER}\
         Martin;Léa;1990-04-05;87085;oui;PLIE;plie1;2026-01-05;F;0555000001\n\
         Bernard;Noé;05/06/1985;Bellac;non;ARPE;arpe1;01/02/2026;H;\n\
         Petit;Eva;1990-13-01;87085;oui;PLIE;plie1;2026-01-05;;\n\
         Durand;Paul;1980-01-01;Paris;oui;PLIE;plie1;2026-01-05;;\n\
         Leroy;Anna;1980-01-01;Bellac;oui;PLIE;plie1;2026-01-05;;\n\
         Moreau;Jules;1980-01-01;87085;oui;ARPE;plie1;2026-01-05;;\n\
         Simon;Zoé;1980-01-01;87085;oui;PLIE;inconnu;2026-01-05;;\n\
         Martin;Léa;1990-04-05;87085;oui;PLIE;plie1;2026-02-01;;\n\
         Existant;Max;1980-01-01;87085;oui;PLIE;plie1;2026-01-05;;\n\
         MARTIN;Lea;1990-04-05;Bellac;oui;ARPE;arpe1;2026-01-05;;\n"
    );
    let (errors, lines) = run(&text, &|_| false);
    assert!(errors.is_empty());
    let summary: Vec<(usize, LineStatus)> =
        lines.iter().map(|l| (l.line, l.report.status)).collect();
    assert_eq!(
        summary,
        [
            (2, LineStatus::Create),
            (3, LineStatus::Create),
            (4, LineStatus::Refused),
            (5, LineStatus::Refused),
            (6, LineStatus::Refused),
            (7, LineStatus::Refused),
            (8, LineStatus::Refused),
            (9, LineStatus::Refused),
            (10, LineStatus::Refused),
            (11, LineStatus::Refused),
        ]
    );
    let message = |line: usize| lines[line - 2].report.messages.join(" ");
    assert!(message(4).contains("Date de naissance illisible"));
    assert!(message(5).contains("Commune inconnue"));
    assert!(message(6).contains("territoire"), "{}", message(6));
    assert!(message(7).contains("n'est pas du dispositif ARPE"));
    assert!(message(8).contains("Référent inconnu"));
    assert!(message(9).contains("Répète la ligne 2"));
    assert!(message(10).contains("Doublon possible d'un dossier déjà dans Jalon"));
    assert!(
        message(11).contains("Doublon de la ligne 2"),
        "{}",
        message(11)
    );

    let bernard = lines[1].creation.as_ref().unwrap();
    assert_eq!(bernard.person.commune_code, "87011");
    assert_eq!(bernard.person.birth_date, date!(1985 - 06 - 05));
    assert_eq!(bernard.enrolment.start_date, date!(2026 - 02 - 01));
    assert_eq!(bernard.person.details.sex, Some(Sex::Male));
    assert!(!bernard.person.rsa_beneficiary);
    let martin = lines[0].creation.as_ref().unwrap();
    assert_eq!(martin.enrolment.referent_id, Uuid::from_u128(1));
    assert_eq!(martin.person.details.phone, "0555000001");

    let report = report(true, errors, &lines);
    assert_eq!(
        (report.created, report.refused, report.already_imported),
        (2, 8, 0)
    );
}

#[test]
fn the_same_line_gets_the_same_ids_and_a_second_import_creates_nothing() {
    let text = format!("{HEADER}Martin;Léa;1990-04-05;87085;oui;PLIE;plie1;2026-01-05;;\n");
    let (_, first) = run(&text, &|_| false);
    let id = first[0].creation.as_ref().unwrap().person.id;
    let (_, again) = run(&text, &|candidate| candidate == id);
    assert_eq!(again[0].report.status, LineStatus::AlreadyImported);
    assert!(again[0].creation.is_none());
    // Accents and case aside, it is the same line.
    let (ids, _) = (
        import_ids(SchemeCode::Plie, "MARTIN", "lea", date!(1990 - 04 - 05)),
        (),
    );
    assert_eq!(ids.0, id);
}

#[test]
fn windows_1252_commas_quotes_and_missing_columns() {
    // "Léa" and "Hérault" in Windows-1252, comma-separated, a quoted field with a comma.
    let mut bytes =
        b"nom,prenom,date_naissance,commune,rsa,dispositif,referent,date_entree,adresse\n".to_vec();
    bytes.extend_from_slice(
        b"H\xe9rault,L\xe9a,1990-04-05,87085,oui,PLIE,plie1,2026-01-05,\"3, rue \"\"Haute\"\"\"\n",
    );
    let text = decode(&bytes);
    assert!(text.contains("Hérault"));
    let (errors, lines) = run(&text, &|_| false);
    assert!(errors.is_empty(), "{errors:?}");
    let creation = lines[0].creation.as_ref().unwrap();
    assert_eq!(creation.person.first_name, "Léa");
    assert_eq!(creation.person.details.address, "3, rue \"Haute\"");

    let (errors, lines) = run("nom;prenom\nA;B\n", &|_| false);
    assert!(lines.is_empty());
    assert!(errors.iter().any(|e| e.contains("date_naissance")));
    assert!(run("", &|_| false).0[0].contains("vide"));
    // A byte-order mark and Windows line ends are fine.
    let text = decode(
        format!("\u{feff}{HEADER}Martin;Léa;1990-04-05;87085;oui;PLIE;plie1;2026-01-05;;\r\n")
            .as_bytes(),
    );
    assert_eq!(
        run(&text, &|_| false).1[0].report.status,
        LineStatus::Create
    );
}
