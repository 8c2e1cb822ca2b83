//! Going live: the first administrator from the command line on a database without demo data,
//! backup and restore, the import of an existing caseload, and retention.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::TestServer;
use jalon_domain::followup::{Appointment, AppointmentStatus, Item, ItemBody, Place};
use jalon_domain::notes::Note;
use jalon_domain::pathway::{Exit, ExitReason};
use jalon_domain::people::{EnrolmentStatus, PersonCreation};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::Record;
use jalon_server::db::{self, Db};
use jalon_server::{Config, sync};
use serde_json::{Value, json};
use time::macros::date;
use uuid::Uuid;

/// Runs the server binary with `args` on the database of `dir`, `input` on its standard input.
fn jalon_server(dir: &Path, args: &[&str], input: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jalon-server"))
        .args(args)
        .env("JALON_DATA_DIR", dir)
        .env("JALON_SEED_DEMO", "false")
        .env_remove("JALON_DATABASE_URL")
        .env_remove("JALON_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

async fn start_without_demo(dir: &Path) -> TestServer {
    TestServer::start_with(Config {
        data_dir: dir.to_owned(),
        dist_dir: dir.join("no-dist"),
        seed_demo: false,
        ..Config::default()
    })
    .await
}

#[tokio::test]
async fn the_first_administrator_comes_from_the_command_line_and_a_backup_restores() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A weak password is refused, and nothing is created.
    let (ok, output) = jalon_server(
        &data,
        &[
            "admin",
            "create-user",
            "--login",
            "dsi.admin",
            "--role",
            "admin",
        ],
        "court\n",
    );
    assert!(!ok && output.contains("12 caractères"), "{output}");
    let (ok, output) = jalon_server(
        &data,
        &[
            "admin",
            "create-user",
            "--login",
            "dsi.admin",
            "--role",
            "admin",
            "--name",
            "Claire Admin",
        ],
        "une phrase de passe solide\n",
    );
    assert!(ok, "{output}");
    let (ok, output) = jalon_server(
        &data,
        &[
            "admin",
            "create-user",
            "--login",
            "dsi.admin",
            "--role",
            "admin",
        ],
        "une autre phrase de passe\n",
    );
    assert!(!ok && output.contains("already used"), "{output}");

    let server = start_without_demo(&data).await;
    let (status, login) = server
        .sign_in("dsi.admin", "une phrase de passe solide", Uuid::new_v4())
        .await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["must_change_password"], false);
    let admin = login["token"].as_str().unwrap().to_owned();
    let (_, accounts) = server.get(&admin, "/api/admin/accounts").await;
    assert_eq!(accounts.as_array().unwrap().len(), 1, "no demo account");

    // An online backup, then an account created after it, then a restore: the account is gone.
    let backup = dir.path().join("sauvegarde.sqlite3");
    let (ok, output) = jalon_server(&data, &["backup", backup.to_str().unwrap()], "");
    assert!(ok, "{output}");
    let (ok, output) = jalon_server(&data, &["backup", backup.to_str().unwrap()], "");
    assert!(!ok && output.contains("already exists"), "{output}");
    let (status, _) = server
        .post(
            &admin,
            "/api/admin/accounts",
            json!({"username": "arpe9", "display_name": "Après la sauvegarde", "role": "referent", "scheme": "arpe"}),
        )
        .await;
    assert_eq!(status, 201);
    server.stop().await;
    let not_a_backup = dir.path().join("autre.txt");
    std::fs::write(&not_a_backup, "bonjour").unwrap();
    let (ok, _) = jalon_server(&data, &["restore", not_a_backup.to_str().unwrap()], "");
    assert!(!ok, "a file that is not a Jalon database is refused");
    let (ok, output) = jalon_server(&data, &["restore", backup.to_str().unwrap()], "");
    assert!(ok, "{output}");
    assert!(data.join("jalon.before-restore").exists());

    let server = start_without_demo(&data).await;
    let (status, login) = server
        .sign_in("dsi.admin", "une phrase de passe solide", Uuid::new_v4())
        .await;
    assert_eq!(status, 200);
    let admin = login["token"].as_str().unwrap().to_owned();
    let (_, accounts) = server.get(&admin, "/api/admin/accounts").await;
    let logins: Vec<&str> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["dsi.admin"]);
}

const HEADER: &str =
    "nom;prénom;date_naissance;commune;rsa;dispositif;référent;date_entrée;téléphone\n";

#[tokio::test]
async fn an_import_reports_each_line_then_creates_exactly_the_good_ones_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (admin, _) = server.login("admin").await;
    let csv = format!(
        "{HEADER}\
         Importé;Lou;1991-02-03;87085;oui;PLIE;plie7;2026-03-01;0555000101\n\
         Chassagne;Rémi;12/12/1979;Saint-Junien;non;ARPE;arpe4;02/03/2026;\n\
         Sansville;Ana;1990-01-01;Lyon;oui;PLIE;plie7;2026-03-01;\n\
         Mauvaisref;Tom;1990-01-01;87085;oui;PLIE;arpe4;2026-03-01;\n\
         Importé;Lou;1991-02-03;87085;oui;PLIE;plie7;2026-04-01;\n"
    );
    let post = |dry_run: bool| {
        server
            .http
            .post(server.url(&format!("/api/admin/import?dry_run={dry_run}")))
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
    };
    let dry: Value = post(true).await.unwrap().json().await.unwrap();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(
        (dry["created"].as_i64(), dry["refused"].as_i64()),
        (Some(2), Some(3))
    );
    let statuses: Vec<(i64, &str)> = dry["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].as_i64().unwrap(), l["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            (2, "create"),
            (3, "create"),
            (4, "refused"),
            (5, "refused"),
            (6, "refused")
        ]
    );
    assert!(
        dry["lines"][2]["messages"][0]
            .as_str()
            .unwrap()
            .contains("Commune inconnue")
    );
    assert!(
        dry["lines"][3]["messages"][0]
            .as_str()
            .unwrap()
            .contains("n'est pas du dispositif")
    );
    assert!(
        dry["lines"][4]["messages"][0]
            .as_str()
            .unwrap()
            .contains("Répète la ligne 2")
    );
    let (referent, _) = server.login("plie7").await;
    let (before, _) = server.pull_all(&referent, 0).await;
    let named = |changes: &[jalon_domain::sync::Change], name: &str| {
        changes
            .iter()
            .filter(|c| matches!(&c.record, jalon_domain::sync::Record::Person(p) if p.last_name == name))
            .count()
    };
    assert_eq!(named(&before, "Importé"), 0, "a dry run writes nothing");

    let done: Value = post(false).await.unwrap().json().await.unwrap();
    assert_eq!(
        (done["dry_run"].as_bool(), done["created"].as_i64()),
        (Some(false), Some(2))
    );
    let (after, _) = server.pull_all(&referent, 0).await;
    assert_eq!(named(&after, "Importé"), 1);
    let again: Value = post(false).await.unwrap().json().await.unwrap();
    // Lines 2 and 3, and line 6 which repeats line 2.
    assert_eq!(
        (
            again["created"].as_i64(),
            again["already_imported"].as_i64()
        ),
        (Some(0), Some(3))
    );
    let (after_again, _) = server.pull_all(&referent, 0).await;
    assert_eq!(named(&after_again, "Importé"), 1);
    let (_, audit) = server
        .get(&admin, "/api/admin/audit?action=person.import")
        .await;
    assert_eq!(audit["total"], 2);

    // A file without the required columns is refused as a whole.
    let bad: Value = server
        .http
        .post(server.url("/api/admin/import?dry_run=false"))
        .bearer_auth(&admin)
        .body("nom,prenom\nA,B\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(bad["errors"][0].as_str().unwrap().contains("manquante"));
}

#[tokio::test]
async fn an_import_of_1500_lines_creates_them_all_in_one_go() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (admin, _) = server.login("admin").await;
    let letters = [
        "Aub", "Bel", "Cha", "Dus", "Est", "Fau", "Gar", "Hug", "Ive", "Jal",
    ];
    let mut csv = String::from(HEADER);
    for n in 0..1_500 {
        let name = format!(
            "{}{}{}",
            letters[n % 10],
            letters[(n / 10) % 10].to_lowercase(),
            letters[(n / 100) % 10].to_lowercase()
        );
        let (scheme, referent, commune) = if n % 2 == 0 {
            ("PLIE", format!("plie{}", 1 + n % 10), "87085")
        } else {
            ("ARPE", format!("arpe{}", 1 + n % 5), "87011")
        };
        csv.push_str(&format!(
            "{name};Camille;{}-0{}-1{};{commune};oui;{scheme};{referent};2026-02-01;\n",
            1960 + n % 40,
            1 + n % 9,
            n % 10
        ));
    }
    let started = std::time::Instant::now();
    let report: Value = server
        .http
        .post(server.url("/api/admin/import?dry_run=false"))
        .bearer_auth(&admin)
        .body(csv)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    println!(
        "BENCH import lines=1500 seconds={:.2}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(report["errors"], json!([]));
    assert_eq!(report["created"], 1_500, "{}", report["lines"][0]);
}

/// Scheme, start, exit date and reason, FSE entry data.
type Participation = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

async fn create_old_file(db: &Db, user: &jalon_domain::auth::SessionUser, last_name: &str) -> Uuid {
    let referent = user.id;
    let person = jalon_domain::people::Person {
        id: Uuid::new_v4(),
        last_name: last_name.into(),
        first_name: "Ancien".into(),
        birth_date: date!(1970 - 05 - 05),
        commune_code: "87085".into(),
        rsa_beneficiary: true,
        details: Default::default(),
    };
    let mut enrolment = jalon_domain::people::Enrolment {
        id: Uuid::new_v4(),
        person_id: person.id,
        scheme: SchemeCode::Plie,
        referent_id: referent,
        start_date: date!(2020 - 01 - 06),
        status: EnrolmentStatus::Active,
        exit: None,
        fse_entry: None,
        fse_exit: None,
        fse_six_months: None,
        handovers: Vec::new(),
        orientation: None,
    };
    let mut tx = db.begin_write().await.unwrap();
    sync::store_new_person(
        &mut tx,
        &PersonCreation {
            person: person.clone(),
            enrolment: enrolment.clone(),
        },
        user,
        1_580_000_000,
    )
    .await
    .unwrap();
    enrolment.status = EnrolmentStatus::Closed;
    enrolment.exit = Some(Exit {
        date: date!(2022 - 06 - 30),
        reason: ExitReason::ALL[0],
    });
    let rev = db::next_revs(&mut tx, 2).await.unwrap();
    db::update_enrolment_status(&mut tx, &enrolment, rev)
        .await
        .unwrap();
    db::insert_note(
        &mut tx,
        &Note {
            id: Uuid::new_v4(),
            person_id: person.id,
            author_id: referent,
            date: date!(2022 - 05 - 02),
            text: "Dettes, santé : à suivre.".into(),
            replaces: None,
        },
        rev + 1,
        1_650_000_000,
    )
    .await
    .unwrap();
    let appointment = Item {
        id: Uuid::new_v4(),
        person_id: person.id,
        version: 1,
        author_id: referent,
        body: ItemBody::Appointment(Appointment {
            date: date!(2022 - 04 - 04),
            time: "10:00".into(),
            place: Place::Mdd,
            status: AppointmentStatus::Attended,
            report: "Situation difficile.".into(),
        }),
    };
    let rev = db::next_revs(&mut tx, 1).await.unwrap();
    db::save_item(&mut tx, &appointment, rev, 1_650_000_000)
        .await
        .unwrap();
    db::rehash_person(&mut tx, person.id).await.unwrap();
    tx.commit().await.unwrap();
    person.id
}

#[tokio::test]
async fn retention_lists_files_past_two_years_then_purges_their_identity_but_not_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let db = Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("jalon.sqlite3").display()
    ))
    .await
    .unwrap();
    let (_, plie1) = server.login("plie1").await;
    let user: jalon_domain::auth::SessionUser = serde_json::from_value(plie1).unwrap();
    let old = create_old_file(&db, &user, "Oubli").await;
    let (admin, _) = server.login("admin").await;

    // The dry run lists it (and no one followed today), without a name.
    let (status, due) = server.get(&admin, "/api/admin/retention").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = due["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["person_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&old.to_string().as_str()), "{due}");
    let listed = due["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["person_id"] == old.to_string())
        .unwrap();
    assert_eq!(listed["last_contact"], "2022-06-30");
    assert!(!due.to_string().contains("Oubli"));
    let (supervisor, _) = server.login("superviseur").await;
    let (held, _) = server.pull_all(&supervisor, 0).await;
    assert!(held.iter().any(|c| c.record.person_id() == Some(old)));

    // The figures the dashboard reads: every participation with its scheme, dates, exit and
    // FSE entry data.
    let facts = || async {
        let mut conn = db.begin_read().await.unwrap();
        let rows: Vec<Participation> = sqlx::query_as(
            "SELECT scheme, start_date, exit_date, exit_reason, fse_entry FROM enrolments
                 ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        conn.rollback().await.unwrap();
        rows
    };
    let before = facts().await;
    // And the dashboard of the years the person was followed, as the supervisor reads it.
    let dashboard = "/api/supervision?from=2022-01-01&to=2022-12-31";
    let (status, board_before) = server.get(&supervisor, dashboard).await;
    assert_eq!(status, 200);
    assert!(
        board_before["total"]["months"][3]["active"]
            .as_i64()
            .unwrap()
            >= 1
    );

    let (status, report) = server
        .post(
            &admin,
            "/api/admin/retention/purge",
            json!({"person_ids": [old, Uuid::new_v4()]}),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["purged"].as_i64(), report["skipped"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(facts().await, before, "past figures unchanged");
    let mut conn = db.begin_read().await.unwrap();
    let (person, _, _) = db::person(&mut conn, old).await.unwrap().unwrap();
    assert!(person.last_name.is_empty() && person.first_name.is_empty());
    let notes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notes WHERE person_id = ?1")
        .bind(old.to_string())
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(notes, 0);
    let items = db::items_of(&mut conn, old).await.unwrap();
    assert!(matches!(&items[0].body, ItemBody::Appointment(a) if a.report.is_empty()));
    conn.rollback().await.unwrap();
    // The supervisor's devices keep the anonymous rows (nothing names the person), so the
    // dashboard of 2022 reads the same; the référent's scope never held them.
    let (held, _) = server.pull_all(&supervisor, 0).await;
    let kept: Vec<_> = held
        .iter()
        .filter(|c| c.record.person_id() == Some(old))
        .collect();
    assert!(
        kept.iter()
            .any(|c| matches!(&c.record, Record::Enrolment(_)))
    );
    assert!(!kept.iter().any(|c| matches!(&c.record, Record::Note(_))));
    for change in &kept {
        let json = serde_json::to_string(&change.record).unwrap();
        assert!(
            !json.contains("Oubli") && !json.contains("Situation difficile"),
            "{json}"
        );
    }
    let (_, board_after) = server.get(&supervisor, dashboard).await;
    assert_eq!(
        board_after, board_before,
        "the dashboard's past figures are unchanged"
    );
    // Nobody may change what is left.
    let (token, _) = server.login("superviseur").await;
    let edit = jalon_domain::sync::MutationEnvelope {
        seq: 1,
        mutation: jalon_domain::sync::Mutation::EditPerson(jalon_domain::merge::PersonEdit {
            person_id: old,
            changes: vec![jalon_domain::merge::FieldChange {
                field: jalon_domain::merge::PersonField::LastName,
                base: jalon_domain::merge::FieldValue::Text(String::new()),
                value: jalon_domain::merge::FieldValue::Text("Oubli".into()),
            }],
        }),
    };
    let refused = server.push(&token, &[edit]).await;
    assert!(
        matches!(
            &refused.results[0].outcome,
            jalon_domain::sync::Outcome::Rejected { .. }
        ),
        "{:?}",
        refused.results
    );
    let (_, due) = server.get(&admin, "/api/admin/retention").await;
    assert!(!due.to_string().contains(&old.to_string()));
    let (_, audit) = server
        .get(
            &admin,
            &format!("/api/admin/audit?person={old}&action=person.purge"),
        )
        .await;
    assert_eq!(audit["total"], 1);
    let (status, body) = server
        .post(
            &admin,
            "/api/admin/retention/purge",
            json!({"person_ids": []}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("empty_selection"))
    );
}
