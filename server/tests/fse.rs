//! The FSE follow-up through the real server: a référent keeps the file of a person who left
//! until the six-month situation is collected, records it (checked, refused with French
//! reasons), and the file then leaves their device; the participant file's workbook holds one
//! row per participation of the period and lists the incomplete ones; both are for supervisors
//! of the scheme only, and audited.

mod common;

use common::{TestServer, creation};
use jalon_domain::fse::{COLUMNS, SixMonthSituation, SixMonths};
use jalon_domain::pathway::{Exit, ExitReason};
use jalon_domain::people::Enrolment;
use jalon_domain::profile::Answer;
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{Change, Mutation, MutationEnvelope, Outcome, Record};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

async fn push_one(server: &TestServer, token: &str, seq: u64, mutation: Mutation) -> Outcome {
    let response = server
        .push(token, &[MutationEnvelope { seq, mutation }])
        .await;
    response.results[0].outcome.clone()
}

fn codes(outcome: &Outcome) -> Vec<String> {
    match outcome {
        Outcome::Rejected { errors, code, .. } if errors.is_empty() => vec![code.clone()],
        Outcome::Rejected { errors, .. } => errors.iter().map(|e| e.code.clone()).collect(),
        Outcome::Applied => vec![],
    }
}

fn enrolment_in(changes: &[Change], id: Uuid) -> Option<Enrolment> {
    changes.iter().rev().find_map(|c| match &c.record {
        Record::Enrolment(e) if e.id == id => Some(e.clone()),
        _ => None,
    })
}

fn holds_person(changes: &[Change], id: Uuid) -> bool {
    changes
        .iter()
        .any(|c| matches!(&c.record, Record::Person(p) if p.id == id))
}

#[tokio::test]
async fn the_referent_keeps_a_person_who_left_until_the_six_month_situation_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (referent, user) = server.login("plie3").await;
    let (colleague, _) = server.login("plie4").await;
    let (supervisor, _) = server.login("superviseur.plie").await;
    let today = OffsetDateTime::now_utc().date();

    // Two people of the référent: one left seven months ago, one ten days ago.
    let mut seq = 0;
    let mut left = |days_ago: i64, name: &str| {
        let mut new = creation(&user, SchemeCode::Plie, "87085", name);
        new.enrolment.start_date = today - Duration::days(days_ago + 300);
        new.person.details.third_country_national = Some(Answer::No);
        let exit = Mutation::CloseEnrolment {
            enrolment_id: new.enrolment.id,
            person_id: new.person.id,
            exit: Exit {
                date: today - Duration::days(days_ago),
                reason: ExitReason::LongJob,
            },
        };
        seq += 2;
        (new, exit, seq)
    };
    let (due, due_exit, s1) = left(214, "Sixmois");
    let (recent, recent_exit, s2) = left(10, "Recente");
    for (creation, exit, seq) in [(&due, due_exit, s1), (&recent, recent_exit, s2)] {
        let create = Mutation::CreatePerson(creation.clone());
        assert_eq!(
            push_one(&server, &referent, seq - 1, create).await,
            Outcome::Applied
        );
        assert_eq!(
            push_one(&server, &referent, seq, exit).await,
            Outcome::Applied
        );
    }
    let (held, _) = server.pull_all(&referent, 0).await;
    assert!(holds_person(&held, due.person.id), "kept for the follow-up");
    assert!(holds_person(&held, recent.person.id));
    let entry = enrolment_in(&held, due.enrolment.id)
        .unwrap()
        .fse_entry
        .unwrap();
    assert_eq!(entry.third_country_national, Some(Answer::No));
    assert_eq!(entry.rural, Some(false), "Limoges");

    let record = |enrolment: &Enrolment, date: Date, situation, better| Mutation::RecordSixMonths {
        enrolment_id: enrolment.id,
        person_id: enrolment.person_id,
        result: SixMonths {
            date,
            situation,
            better,
        },
    };
    let employed = SixMonthSituation::Employed;
    // Too early for the recent exit; the better situation must be answered; someone else's
    // person is out of a colleague's scope.
    let outcome = push_one(
        &server,
        &referent,
        5,
        record(&recent.enrolment, today, employed, Some(true)),
    )
    .await;
    assert_eq!(codes(&outcome), ["too_early"]);
    let outcome = push_one(
        &server,
        &referent,
        6,
        record(&due.enrolment, today, employed, None),
    )
    .await;
    assert_eq!(codes(&outcome), ["required"]);
    let outcome = push_one(
        &server,
        &colleague,
        1,
        record(&due.enrolment, today, employed, Some(true)),
    )
    .await;
    assert_eq!(codes(&outcome), ["not_in_scope"]);
    let outcome = push_one(
        &server,
        &referent,
        7,
        record(&due.enrolment, today, employed, Some(true)),
    )
    .await;
    assert_eq!(outcome, Outcome::Applied);

    // Recorded: the file leaves the référent's device; the supervisor holds the answer.
    let (held, _) = server.pull_all(&referent, 0).await;
    assert!(!holds_person(&held, due.person.id));
    assert!(holds_person(&held, recent.person.id));
    let (all, _) = server.pull_all(&supervisor, 0).await;
    let recorded = enrolment_in(&all, due.enrolment.id)
        .unwrap()
        .fse_six_months
        .unwrap();
    assert_eq!(recorded.situation, employed);
    assert_eq!(recorded.better, Some(true));
    // The supervisor may still correct it: a person who could not be reached has no
    // "better situation".
    let outcome = push_one(
        &server,
        &supervisor,
        1,
        record(
            &due.enrolment,
            today,
            SixMonthSituation::Unreachable,
            Some(true),
        ),
    )
    .await;
    assert_eq!(outcome, Outcome::Applied);
    let (all, _) = server.pull_all(&supervisor, 0).await;
    let corrected = enrolment_in(&all, due.enrolment.id)
        .unwrap()
        .fse_six_months
        .unwrap();
    assert_eq!(corrected.better, None);

    let (admin, _) = server.login("admin").await;
    let (_, page) = server
        .get(&admin, "/api/admin/audit?action=enrolment.six_months")
        .await;
    assert_eq!(page["total"], 2);
}

#[tokio::test]
async fn the_participant_workbook_has_a_row_per_participation_and_its_anomalies() {
    use calamine::{Data, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("superviseur.plie").await;
    let query = "from=2019-01-01&to=2019-12-31&scheme=plie";
    let response = server
        .download(&token, &format!("/api/fse.xlsx?{query}"))
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("jalon-fse-plie-2019-01-01-2019-12-31.xlsx")
    );
    let bytes = response.bytes().await.unwrap();
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Participants FSE", "Données manquantes"]
    );
    let sheet = book.worksheet_range("Participants FSE").unwrap();
    let mut rows = sheet.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header, COLUMNS);
    let rows: Vec<&[Data]> = rows.collect();

    // The same participations, found by a plain filter of what the supervisor's device holds.
    let (changes, _) = server.pull_all(&token, 0).await;
    let (from, to) = (
        time::macros::date!(2019 - 01 - 01),
        time::macros::date!(2019 - 12 - 31),
    );
    let mut expected: Vec<String> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Enrolment(e)
                if e.scheme == SchemeCode::Plie
                    && e.start_date <= to
                    && e.exit.is_none_or(|x| x.date >= from) =>
            {
                Some(e.id.to_string())
            }
            _ => None,
        })
        .collect();
    expected.sort();
    expected.dedup();
    let mut exported: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    exported.sort();
    assert!(
        exported.len() > 500,
        "{} PLIE participations in 2019",
        exported.len()
    );
    assert_eq!(exported, expected);
    let column = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
    // 2019's people left long ago: their six-month situation was collected, or they are listed.
    let incomplete = rows
        .iter()
        .filter(|r| !r[column("donnees_manquantes")].to_string().is_empty())
        .count();
    let collected = rows
        .iter()
        .filter(|r| !r[column("situation_6_mois")].to_string().is_empty())
        .count();
    assert!(collected > exported.len() / 2, "{collected} collected");
    let anomalies = book.worksheet_range("Données manquantes").unwrap();
    assert_eq!(anomalies.rows().count() - 1, incomplete);
    assert!(incomplete > 0, "the demo leaves some questions unasked");

    // Supervisors of the scheme only; a bad period or scheme is refused with its reason.
    let get = |token: String, query: &'static str| {
        let server = &server;
        async move { server.get(&token, &format!("/api/fse.xlsx?{query}")).await }
    };
    let (arpe, _) = server.login("superviseur.arpe").await;
    let (referent, _) = server.login("plie3").await;
    assert_eq!(get(arpe, query).await.0, 403);
    assert_eq!(get(referent, query).await.0, 403);
    let (status, body) = get(token.clone(), "from=2019-12-31&to=2019-01-01&scheme=plie").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["code"], "ends_before_start");
    let (status, body) = get(
        token.clone(),
        "from=2019-01-01&to=2019-12-31&scheme=ailleurs",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["code"], "unknown_scheme");

    let (admin, _) = server.login("admin").await;
    let (_, page) = server
        .get(&admin, "/api/admin/audit?action=export.xlsx")
        .await;
    assert_eq!(page["total"], 1);
    let detail = page["events"][0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!(
            "Fichier des participants FSE (XLSX), PLIE, du 01/01/2019 au 31/12/2019 : {} participation(s), {incomplete} incomplète(s)",
            exported.len()
        )),
        "{detail}"
    );
}
