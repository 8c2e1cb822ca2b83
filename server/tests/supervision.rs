//! The dashboard API over the demo data: the monthly file active agrees with a direct SQL
//! count, a référent sees only their portfolio, and bad periods are refused in French.

mod common;

use common::TestServer;
use serde_json::Value;
use sqlx::Connection;

/// `(first day, last day)` of the current month, ISO.
fn this_month() -> (String, String) {
    let today = time::OffsetDateTime::now_utc().date();
    let first = today.replace_day(1).unwrap();
    let last = today
        .replace_day(time::util::days_in_month(today.month(), today.year()))
        .unwrap();
    (first.to_string(), last.to_string())
}

#[tokio::test]
async fn the_file_active_of_the_month_matches_a_direct_count_of_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("superviseur").await;
    let (from, to) = this_month();
    let (status, board) = server
        .get(&token, &format!("/api/supervision?from={from}&to={to}"))
        .await;
    assert_eq!(status, 200, "{board}");

    // Independent of the domain code: people with an enrolment of a supervised scheme active
    // on at least one day of the month (every demo scheme counts any day).
    let url = format!("sqlite://{}", dir.path().join("jalon.sqlite3").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let count = |rsa: bool| {
        format!(
            "SELECT COUNT(DISTINCT e.person_id) FROM enrolments e JOIN people p ON p.id = e.person_id
             WHERE p.deleted_at IS NULL AND e.start_date <= ?2
             AND (e.exit_date IS NULL OR e.exit_date >= ?1)
             AND e.scheme IN (SELECT s.scheme FROM supervised_schemes s JOIN users u ON u.id = s.user_id
                              WHERE u.username = 'superviseur')
             {}",
            if rsa {
                "AND COALESCE(json_extract(e.fse_entry, '$.rsa_beneficiary'), p.rsa_beneficiary) = 1"
            } else {
                ""
            }
        )
    };
    let active: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count(false)))
        .bind(&from)
        .bind(&to)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let rsa: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count(true)))
        .bind(&from)
        .bind(&to)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(
        active > 1000,
        "the demo holds a Département's caseload: {active}"
    );
    assert_eq!(board["total"]["months"][0]["active"], active);
    assert_eq!(board["total"]["months"][0]["rsa"], rsa);
    let by_scheme: i64 = board["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["months"][0]["active"].as_i64().unwrap())
        .sum();
    assert!(
        by_scheme >= active,
        "a person in two schemes counts in each"
    );
    let portfolio: i64 = board["portfolios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["people"].as_i64().unwrap())
        .sum();
    assert!(portfolio > 0 && portfolio <= by_scheme);
}

#[tokio::test]
async fn a_referent_sees_their_portfolio_and_an_administrator_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (from, to) = this_month();
    let (token, user) = server.login("plie3").await;
    let (status, board) = server
        .get(&token, &format!("/api/supervision?from={from}&to={to}"))
        .await;
    assert_eq!(status, 200);
    let lines = board["portfolios"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["referent_id"], user["id"]);
    assert_eq!(board["total"]["months"][0]["active"], lines[0]["people"]);

    let (admin, _) = server.login("admin").await;
    let (status, _) = server
        .get(&admin, &format!("/api/supervision?from={from}&to={to}"))
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn periods_that_cannot_have_figures_are_refused_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("superviseur").await;
    for (query, code) in [
        ("from=2026-03-01&to=2026-02-01", "ends_before_start"),
        ("from=2099-01-01&to=2099-01-31", "future"),
        ("from=2001-01-01&to=2001-12-31", "too_early"),
        ("from=2026-02-30&to=2026-03-31", "invalid_date"),
    ] {
        let (status, body): (u16, Value) = server
            .get(&token, &format!("/api/supervision?{query}"))
            .await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(body["error"]["fields"][0]["code"], code, "{query}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, body) = server.get(&token, "/api/supervision").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
}

#[tokio::test]
async fn exports_made_on_a_device_reach_the_audit_log_cleaned_and_cut() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("superviseur").await;
    let long = format!("Pilotage — Synthèse\u{202e}\u{7}{}", "x".repeat(400));
    let (status, _) = server
        .post(
            &token,
            "/api/sync/consultations",
            serde_json::json!({"consultations": [], "exports": [{"what": long, "at": 1_750_000_000}]}),
        )
        .await;
    assert_eq!(status, 204);
    let (admin, _) = server.login("admin").await;
    let (_, page) = server
        .get(&admin, "/api/admin/audit?action=export.csv")
        .await;
    assert_eq!(page["total"], 1);
    let detail = page["events"][0]["detail"].as_str().unwrap();
    assert!(detail.starts_with("Pilotage — Synthèsexxx"), "{detail}");
    assert_eq!(detail.chars().count(), 200);
    assert_eq!(page["events"][0]["at"], 1_750_000_000);
}

#[tokio::test]
async fn the_xlsx_export_holds_the_dashboards_numbers_and_is_audited() {
    use calamine::{Data, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("superviseur").await;
    let query = "from=2025-01-01&to=2025-12-31";
    let (_, board) = server
        .get(&token, &format!("/api/supervision?{query}"))
        .await;
    let response = server
        .http
        .get(server.url(&format!("/api/supervision.xlsx?{query}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("jalon-pilotage-2025-01-01-2025-12-31.xlsx")
    );
    let bytes = response.bytes().await.unwrap();
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Synthèse",
            "File active mensuelle",
            "Sorties par motif",
            "Délais et suivi",
            "Portefeuilles"
        ]
    );
    let summary = book.worksheet_range("Synthèse").unwrap();
    let total = summary
        .rows()
        .find(|row| row[0] == Data::String("Total".into()))
        .expect("a Total row");
    assert_eq!(
        total[3],
        Data::Float(board["total"]["entries"].as_f64().unwrap())
    );
    let monthly = book.worksheet_range("File active mensuelle").unwrap();
    let december = monthly
        .rows()
        .find(|row| row[0] == Data::String("décembre 2025".into()))
        .unwrap();
    let last = december.len() - 2; // Total — file active, then Total — dont RSA
    assert_eq!(
        december[last],
        Data::Float(board["total"]["months"][11]["active"].as_f64().unwrap())
    );

    let response = server
        .http
        .get(server.url(&format!("/api/supervision.xlsx?{query}&scheme=nulle-part")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);

    let (admin, _) = server.login("admin").await;
    let (_, page) = server
        .get(&admin, "/api/admin/audit?action=export.xlsx")
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(
        page["events"][0]["detail"],
        "Pilotage (XLSX), du 01/01/2025 au 31/12/2025, Tous les dispositifs"
    );
}

/// The demo's history since 2015, recounted by SQL alone: each year's average of the monthly
/// file active and of its RSA subset is the seed document's (±3 %), and the dashboard's
/// function gives the same number for every month; PLIE pathways last about 20 months and
/// never beyond 36; about 45 % of exits are positive.
#[tokio::test]
async fn the_demo_history_gives_the_seeds_yearly_figures_by_sql_and_on_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("superviseur").await;
    let (status, board) = server
        .get(&token, "/api/supervision?from=2015-01-01&to=2025-12-31")
        .await;
    assert_eq!(status, 200, "{board}");
    let months = board["total"]["months"].as_array().unwrap();
    assert_eq!(months.len(), 11 * 12);

    let url = format!("sqlite://{}", dir.path().join("jalon.sqlite3").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    // A purged file stays counted; a file deleted by mistake does not.
    let count = "SELECT COUNT(DISTINCT e.person_id),
                        COUNT(DISTINCT CASE WHEN COALESCE(json_extract(e.fse_entry, '$.rsa_beneficiary'),
                                                          p.rsa_beneficiary) = 1
                                            THEN e.person_id END)
                 FROM enrolments e JOIN people p ON p.id = e.person_id
                 WHERE (p.deleted_at IS NULL OR p.purged_at IS NOT NULL)
                   AND e.start_date <= ?2 AND (e.exit_date IS NULL OR e.exit_date >= ?1)";
    let mut yearly = Vec::new();
    for year in 2015..=2025 {
        let (mut active, mut rsa) = (0i64, 0i64);
        for month in 1..=12u8 {
            let first = time::Date::from_calendar_date(year, month.try_into().unwrap(), 1).unwrap();
            let last = first
                .replace_day(time::util::days_in_month(first.month(), year))
                .unwrap();
            let (a, r): (i64, i64) = sqlx::query_as(count)
                .bind(first.to_string())
                .bind(last.to_string())
                .fetch_one(&mut conn)
                .await
                .unwrap();
            let shown = &months[((year - 2015) * 12 + i32::from(month) - 1) as usize];
            assert_eq!(shown["month"], first.to_string());
            assert_eq!(
                (shown["active"].as_i64(), shown["rsa"].as_i64()),
                (Some(a), Some(r))
            );
            active += a;
            rsa += r;
        }
        yearly.push((year, active as f64 / 12.0, rsa as f64 / 12.0));
    }
    let within = |value: f64, seed: f64| (value - seed).abs() <= seed * 0.03;
    for (year, active, rsa) in &yearly {
        let seed = match year {
            2016 => Some((1_150.0, Some(850.0))),
            2017 => Some((1_250.0, Some(950.0))),
            2019 => Some((1_320.0, Some(960.0))),
            2020 => Some((1_400.0, None)),
            _ => None,
        };
        if let Some((seed_active, seed_rsa)) = seed {
            assert!(within(*active, seed_active), "{year}: {active:.0}");
            assert!(
                seed_rsa.is_none_or(|s| within(*rsa, s)),
                "{year}: RSA {rsa:.0}"
            );
        }
        assert!((1_000.0..1_500.0).contains(active), "{year}: {active:.0}");
    }

    let (plie_months, plie_longest): (f64, f64) = sqlx::query_as(
        "SELECT AVG(julianday(exit_date) - julianday(start_date)) / 30.44,
                MAX(julianday(exit_date) - julianday(start_date)) / 30.44
         FROM enrolments WHERE scheme = 'plie' AND exit_date IS NOT NULL",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!((17.0..=23.0).contains(&plie_months), "{plie_months}");
    assert!(plie_longest <= 36.0, "{plie_longest}");
    let positive: f64 = sqlx::query_scalar(
        "SELECT AVG(exit_reason IN ('long_job', 'qualifying_training', 'business_creation'))
         FROM enrolments WHERE exit_date IS NOT NULL",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!((0.40..=0.50).contains(&positive), "{positive}");
}

#[tokio::test]
async fn the_list_of_people_exports_as_a_workbook_checked_and_audited() {
    use calamine::{Data, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (token, _) = server.login("superviseur").await;
    let headers = ["Nom", "Date de naissance", "Commune"];
    // 10,000 rows: what a supervisor's list of everyone followed since 2015 may hold.
    let rows: Vec<Vec<String>> = (0..10_000)
        .map(|n| {
            vec![
                format!("PERSONNE{n} Camille"),
                "1980-02-29".to_owned(),
                "=Limoges".to_owned(),
            ]
        })
        .collect();
    let export = |rows: &[Vec<String>]| serde_json::json!({ "what": "Tous, PLIE", "headers": headers, "rows": rows });
    let response = server
        .http
        .post(server.url("/api/exports/people.xlsx"))
        .bearer_auth(&token)
        .json(&export(&rows))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(book.sheet_names(), ["Liste des personnes"]);
    let sheet = book.worksheet_range("Liste des personnes").unwrap();
    let read: Vec<_> = sheet.rows().collect();
    assert_eq!(read.len(), 10_001);
    assert_eq!(read[0][0], Data::String("Nom".into()));
    assert_eq!(read[10_000][0], Data::String("PERSONNE9999 Camille".into()));
    // Text stays text: a value that looks like a formula is not one.
    assert_eq!(read[1][2], Data::String("=Limoges".into()));

    // A row narrower than the headers, or hidden characters: refused, nothing written.
    let mut ragged = rows[..2].to_vec();
    ragged[1].pop();
    let (status, body) = server
        .post(&token, "/api/exports/people.xlsx", export(&ragged))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "ragged_row");
    let hidden = vec![vec!["A\u{202e}B".to_owned(), String::new(), String::new()]];
    let (status, body) = server
        .post(&token, "/api/exports/people.xlsx", export(&hidden))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "invalid_characters");
    // A référent exports their own list; an administrator holds no list.
    let (referent, _) = server.login("plie1").await;
    let response = server
        .http
        .post(server.url("/api/exports/people.xlsx"))
        .bearer_auth(&referent)
        .json(&export(&rows[..3]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (admin, _) = server.login("admin").await;
    let (status, _) = server
        .post(&admin, "/api/exports/people.xlsx", export(&rows[..3]))
        .await;
    assert_eq!(status, 403);

    // Two exports in the audit log, with how many lines and which list.
    let (_, page) = server
        .get(&admin, "/api/admin/audit?action=export.xlsx")
        .await;
    assert_eq!(page["total"], 2);
    let details: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert!(details.contains(&"Liste des personnes (XLSX), 10000 ligne(s) : Tous, PLIE"));
    assert!(details.contains(&"Liste des personnes (XLSX), 3 ligne(s) : Tous, PLIE"));
    server.stop().await;
}
