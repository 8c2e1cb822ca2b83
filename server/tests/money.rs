//! Framework agreements and purchase orders through the real server: agreements and their
//! renewals (a third is refused), orders placed by référents at the price of the period in
//! force, the cap of a period held by the writing transaction against concurrent devices, the
//! lifecycle of an order by whom each stage belongs to, and the demo's agreements; the farm
//! funds; the financing partners' places held the same way, and the demo's 73 referrals.

mod common;

use common::{TestServer, creation};
use jalon_domain::followup::{Item, ItemBody};
use jalon_domain::money::agreements::{Agreement, Period, PeriodTerms, PriceLine};
use jalon_domain::money::orders::{OrderStatus, PurchaseOrder};
use jalon_domain::money::partners::{Partner, PartnersView, Referral, ReferralOutcome};
use jalon_domain::schemes::SchemeCode;
use jalon_domain::sync::{Mutation, MutationEnvelope, Outcome, SharedRecords};
use serde_json::{Value, json};
use time::{Date, Duration};
use uuid::Uuid;

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

fn terms(start: Date, end: Date, max_cents: i64, unit_cents: i64) -> PeriodTerms {
    PeriodTerms {
        start,
        end,
        max_cents,
        prices: vec![PriceLine {
            code: "p1".into(),
            label: "Diagnostic de l'activité".into(),
            unit_cents,
        }],
    }
}

/// A new agreement whose initial period is in force today, with a maximum of `max_cents`
/// and one service at `unit_cents`.
async fn agreement(server: &TestServer, token: &str, max_cents: i64, unit_cents: i64) -> Agreement {
    let start = today() - Duration::days(30);
    let (status, body) = server
        .post(
            token,
            "/api/agreements",
            json!({
                "provider": "  Cabinet d'essai  ",
                "object": "Accompagnement des ETI",
                "lot": "eti",
                "initial": terms(start, start + Duration::days(364), max_cents, unit_cents),
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_value(body).unwrap()
}

fn order_item(person_id: Uuid, author: &Value, order: PurchaseOrder) -> Item {
    Item {
        id: Uuid::new_v4(),
        person_id,
        version: 1,
        author_id: Uuid::parse_str(author["id"].as_str().unwrap()).unwrap(),
        body: ItemBody::Order(order),
    }
}

async fn push_one(server: &TestServer, token: &str, seq: u64, mutation: Mutation) -> Outcome {
    server
        .push(token, &[MutationEnvelope { seq, mutation }])
        .await
        .results[0]
        .outcome
        .clone()
}

fn codes(outcome: &Outcome) -> Vec<String> {
    match outcome {
        Outcome::Rejected { errors, .. } => errors.iter().map(|e| e.code.clone()).collect(),
        Outcome::Applied => vec![],
    }
}

/// The `ordered_cents` of an agreement's period as the server reports it.
async fn ordered(server: &TestServer, token: &str, id: Uuid) -> (i64, i64) {
    let (status, body) = server.get(token, "/api/agreements").await;
    assert_eq!(status, 200, "{body}");
    let state = body["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agreement"]["id"] == json!(id))
        .unwrap()
        .clone();
    (
        state["periods"][0]["consumption"]["ordered_cents"]
            .as_i64()
            .unwrap(),
        state["periods"][0]["consumption"]["invoiced_cents"]
            .as_i64()
            .unwrap(),
    )
}

#[tokio::test]
async fn an_agreement_is_renewed_twice_at_most_and_only_by_a_supervisor() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (supervisor, _) = server.login("superviseur").await;
    let (referent, _) = server.login("plie1").await;
    let start = today();
    let (status, _) = server
        .post(
            &referent,
            "/api/agreements",
            json!({
                "provider": "Cabinet",
                "object": "ETI",
                "lot": "eti",
                "initial": terms(start, start + Duration::days(364), 100, 100),
            }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = server.get(&referent, "/api/agreements").await;
    assert_eq!(status, 403);

    let created = agreement(&server, &supervisor, 1_000_000, 45_000).await;
    assert_eq!(created.provider, "Cabinet d'essai");
    let mut end = created.periods[0].terms.end;
    for n in 1..=2 {
        let start = end + Duration::days(1);
        end = start + Duration::days(200);
        let (status, body) = server
            .post(
                &supervisor,
                &format!("/api/agreements/{}/renewals", created.id),
                serde_json::to_value(terms(start, end, 500_000, 47_000)).unwrap(),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["periods"].as_array().unwrap().len(), n + 1);
    }
    let start = end + Duration::days(1);
    let (status, body) = server
        .post(
            &supervisor,
            &format!("/api/agreements/{}/renewals", created.id),
            serde_json::to_value(terms(start, start + Duration::days(100), 1, 1)).unwrap(),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "no_renewal_left");
    let (status, _) = server
        .post(
            &supervisor,
            &format!("/api/agreements/{}/renewals", Uuid::new_v4()),
            serde_json::to_value(terms(start, start + Duration::days(100), 1, 1)).unwrap(),
        )
        .await;
    assert_eq!(status, 404);

    // Devices receive the agreements with what each period has left, through the replica.
    let (changes, _) = server.pull_all(&referent, 0).await;
    let shared = SharedRecords::of(changes.iter().map(|c| &c.record));
    let sent = shared
        .agreements
        .iter()
        .find(|a| a.id == created.id)
        .unwrap();
    assert_eq!(sent.periods.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn an_order_is_placed_at_the_price_in_force_and_refused_beyond_the_cap_with_what_was_left() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (supervisor, _) = server.login("superviseur").await;
    let (token, user) = server.login("plie1").await;
    let framework = agreement(&server, &supervisor, 100_000, 45_000).await;
    let new = creation(&user, SchemeCode::Plie, "87085", "Commande");
    assert_eq!(
        push_one(&server, &token, 1, Mutation::CreatePerson(new.clone())).await,
        Outcome::Applied
    );
    let priced = |quantity| PurchaseOrder::priced(&framework, "p1", quantity, today()).unwrap();

    let cheap = PurchaseOrder {
        unit_cents: 100,
        amount_cents: 200,
        ..priced(2)
    };
    let outcome = push_one(
        &server,
        &token,
        2,
        Mutation::SaveItem(order_item(new.person.id, &user, cheap)),
    )
    .await;
    assert_eq!(codes(&outcome), ["price_changed"]);

    let first = order_item(new.person.id, &user, priced(2));
    let outcome = push_one(&server, &token, 3, Mutation::SaveItem(first.clone())).await;
    assert_eq!(outcome, Outcome::Applied);
    assert_eq!(ordered(&server, &supervisor, framework.id).await.0, 90_000);

    let over = order_item(new.person.id, &user, priced(1));
    let outcome = push_one(&server, &token, 4, Mutation::SaveItem(over.clone())).await;
    assert_eq!(codes(&outcome), ["over_cap"]);
    let Outcome::Rejected { message, .. } = &outcome else {
        unreachable!()
    };
    assert!(
        message.contains("il restait 100,00\u{a0}€ sur 1\u{202f}000,00\u{a0}€"),
        "{message}"
    );

    // Cancelling the first order frees its amount: the second now fits.
    let cancelled = Item {
        body: ItemBody::Order(PurchaseOrder {
            status: OrderStatus::Cancelled,
            ..priced(2)
        }),
        ..first.clone()
    };
    assert_eq!(
        push_one(&server, &token, 5, Mutation::SaveItem(cancelled)).await,
        Outcome::Applied
    );
    assert_eq!(ordered(&server, &supervisor, framework.id).await.0, 0);
    assert_eq!(
        push_one(&server, &token, 6, Mutation::SaveItem(over)).await,
        Outcome::Applied
    );
    assert_eq!(ordered(&server, &supervisor, framework.id).await.0, 45_000);
    server.stop().await;
}

#[tokio::test]
async fn devices_ordering_at_the_same_time_never_overspend_a_period() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (supervisor, _) = server.login("superviseur").await;
    // Room for exactly five orders of 450 €.
    let framework = agreement(&server, &supervisor, 225_000, 45_000).await;
    let mut devices = Vec::new();
    for n in 1..=6 {
        let (token, user) = server.login(&format!("plie{n}")).await;
        let new = creation(&user, SchemeCode::Plie, "87085", &format!("Parallèle{n}"));
        assert_eq!(
            push_one(&server, &token, 1, Mutation::CreatePerson(new.clone())).await,
            Outcome::Applied
        );
        devices.push((token, user, new.person.id));
    }
    let order = PurchaseOrder::priced(&framework, "p1", 1, today()).unwrap();
    let pushes = devices.iter().flat_map(|(token, user, person)| {
        let server = &server;
        let order = order.clone();
        (0..2).map(move |k| {
            let item = order_item(*person, user, order.clone());
            async move { push_one(server, token, 2 + k, Mutation::SaveItem(item)).await }
        })
    });
    let outcomes = futures_util::future::join_all(pushes).await;
    let applied = outcomes.iter().filter(|o| **o == Outcome::Applied).count();
    let refused = outcomes.iter().filter(|o| codes(o) == ["over_cap"]).count();
    assert_eq!((applied, refused), (5, 7), "{outcomes:?}");
    assert_eq!(ordered(&server, &supervisor, framework.id).await.0, 225_000);
    server.stop().await;
}

#[tokio::test]
async fn each_stage_of_an_order_is_recorded_by_whom_it_belongs_to() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (supervisor, _) = server.login("superviseur").await;
    let (token, user) = server.login("plie2").await;
    let framework = agreement(&server, &supervisor, 100_000, 45_000).await;
    let new = creation(&user, SchemeCode::Plie, "87085", "Étapes");
    push_one(&server, &token, 1, Mutation::CreatePerson(new.clone())).await;
    let placed = PurchaseOrder::priced(&framework, "p1", 1, today()).unwrap();
    let item = order_item(new.person.id, &user, placed.clone());
    push_one(&server, &token, 2, Mutation::SaveItem(item.clone())).await;
    let at = |status| Item {
        version: 2,
        body: ItemBody::Order(PurchaseOrder {
            status,
            ..placed.clone()
        }),
        ..item.clone()
    };
    let outcome = push_one(
        &server,
        &token,
        3,
        Mutation::SaveItem(at(OrderStatus::Invoiced)),
    )
    .await;
    assert_eq!(codes(&outcome), ["invalid_transition"]);
    assert_eq!(
        push_one(
            &server,
            &token,
            4,
            Mutation::SaveItem(at(OrderStatus::Done))
        )
        .await,
        Outcome::Applied
    );
    let outcome = push_one(
        &server,
        &token,
        5,
        Mutation::SaveItem(at(OrderStatus::Cancelled)),
    )
    .await;
    assert_eq!(codes(&outcome), ["invalid_transition"]);

    let stage = |status: &str| json!({ "status": status });
    let path = format!("/api/orders/{}/status", item.id);
    let (status, _) = server.post(&token, &path, stage("invoiced")).await;
    assert_eq!(status, 403);
    let (status, body) = server.post(&supervisor, &path, stage("paid")).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = server.post(&supervisor, &path, stage("invoiced")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 3);
    assert_eq!(
        ordered(&server, &supervisor, framework.id).await,
        (45_000, 45_000)
    );
    let (status, _) = server
        .post(
            &supervisor,
            &format!("/api/orders/{}/status", Uuid::new_v4()),
            stage("paid"),
        )
        .await;
    assert_eq!(status, 404);

    // The référent's device receives the supervision's stage.
    let (changes, _) = server.pull_all(&token, 0).await;
    let latest = changes
        .iter()
        .rev()
        .filter_map(|c| match &c.record {
            jalon_domain::sync::Record::Item(i) if i.id == item.id => Some(i.clone()),
            _ => None,
        })
        .next()
        .unwrap();
    assert!(matches!(
        &latest.body,
        ItemBody::Order(o) if o.status == OrderStatus::Invoiced
    ));
    server.stop().await;
}

/// An agreement of `GET /api/agreements` and each of its periods with the amount ordered in it.
fn consumed(state: &Value) -> (Agreement, Vec<(Period, i64)>) {
    let agreement: Agreement = serde_json::from_value(state["agreement"].clone()).unwrap();
    let periods = agreement
        .periods
        .iter()
        .zip(state["periods"].as_array().unwrap())
        .map(|(period, consumption)| {
            let ordered = consumption["consumption"]["ordered_cents"].as_i64();
            (period.clone(), ordered.unwrap())
        })
        .collect();
    (agreement, periods)
}

#[tokio::test]
async fn the_demo_has_six_current_agreements_whose_orders_stay_within_their_maximum() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (supervisor, _) = server.login("superviseur").await;
    let (status, body) = server.get(&supervisor, "/api/agreements").await;
    assert_eq!(status, 200);
    let states = body["agreements"].as_array().unwrap();
    // The three markets of 2015–2017, then six agreements relaunched every three years.
    let generations = (today().year() - 2018) / 3 + 1;
    assert_eq!(states.len(), 3 + 6 * generations as usize);
    let active = states.iter().filter(|a| a["status"] == "active").count();
    assert_eq!(active, 6);
    // Six in force every year since 2018, with orders in each year's periods, never more
    // than two renewals.
    let agreements: Vec<Agreement> = states
        .iter()
        .map(|s| serde_json::from_value(s["agreement"].clone()).unwrap())
        .collect();
    for year in 2018..=today().year() {
        let on = Date::from_calendar_date(year, time::Month::July, 1).unwrap();
        let in_force: Vec<&Period> = agreements.iter().filter_map(|a| a.period_on(on)).collect();
        assert_eq!(in_force.len(), 6, "{year}");
        assert!(
            in_force.iter().map(|p| p.ordered_cents).sum::<i64>() > 0,
            "orders in {year}"
        );
    }
    assert!(agreements.iter().all(|a| a.periods.len() <= 3));
    let mut ordered_total = 0;
    for state in states {
        for (period, ordered) in consumed(state).1 {
            assert!(ordered <= period.terms.max_cents);
            assert_eq!(ordered, period.ordered_cents);
            ordered_total += ordered;
        }
    }
    assert!(ordered_total > 0);
    assert!(!body["orders"].as_array().unwrap().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn the_demo_orders_of_2015_to_2017_are_the_seeds_by_sql() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let url = format!("sqlite://{}", dir.path().join("jalon.sqlite3").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    // People accompanied and amounts ordered (not cancelled) between two dates, straight from
    // the orders and the items that hold them, and how many of them were not on RSA.
    let totals = async |conn: &mut sqlx::SqliteConnection, from: &str, to: &str| {
        let row: (i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(DISTINCT i.person_id), COALESCE(SUM(o.amount_cents), 0),
                    COUNT(DISTINCT CASE WHEN p.rsa_beneficiary = 0 THEN p.id END)
             FROM orders o JOIN items i ON i.id = o.item_id JOIN people p ON p.id = i.person_id
             WHERE o.status != 'cancelled' AND o.ordered_on BETWEEN ?1 AND ?2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(conn)
        .await
        .unwrap();
        row
    };
    // 2016: 186 people for 93 415,64 €, exactly.
    assert_eq!(
        totals(&mut conn, "2016-01-01", "2016-12-31").await,
        (186, 9_341_564, 0)
    );
    // 2015–2017: about 500 people for about 278 000 € (±3 %), every one on RSA.
    let (people, cents, not_on_rsa) = totals(&mut conn, "2015-01-01", "2017-12-31").await;
    assert!((485..=515).contains(&people), "{people}");
    assert!((26_966_000..=28_634_000).contains(&cents), "{cents}");
    assert_eq!(not_on_rsa, 0);
    // Every order was placed while its person was followed in the référent's scheme.
    let outside: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders o JOIN items i ON i.id = o.item_id
         WHERE NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.person_id = i.person_id
             AND e.referent_id = i.author_id AND e.start_date <= o.ordered_on
             AND (e.exit_date IS NULL OR e.exit_date >= o.ordered_on))",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(outside, 0);

    // The supervision's agreements show the three markets of 2015–2017, renewed twice, with
    // the same consumption.
    let (supervisor, _) = server.login("superviseur").await;
    let (status, body) = server.get(&supervisor, "/api/agreements").await;
    assert_eq!(status, 200);
    let mut ordered_2016 = 0;
    let mut markets = 0;
    for state in body["agreements"].as_array().unwrap() {
        let (agreement, periods) = consumed(state);
        if agreement.periods.first().map(|p| p.terms.start.year()) != Some(2015) {
            continue;
        }
        markets += 1;
        assert_eq!(periods.len(), 3);
        assert_eq!(state["may_renew"], false);
        for (period, ordered) in periods {
            assert!(ordered <= period.terms.max_cents);
            if period.terms.start.year() == 2016 {
                ordered_2016 += ordered;
            }
        }
    }
    assert_eq!((markets, ordered_2016), (3, 9_341_564));
    server.stop().await;
}

#[tokio::test]
async fn a_fund_never_grants_beyond_its_years_envelope_and_the_demo_tells_2016() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (supervisor, _) = server.login("superviseur").await;
    let (referent, _) = server.login("arpe1").await;
    let (status, _) = server.get(&referent, "/api/funds").await;
    assert_eq!(status, 403);

    // The seed document's 2016: 82 farms, Agridiff 2 250 €, SESA within 35 000 €, 4 farmers
    // helped by the emergency fund of 5 000 €.
    let (status, body) = server.get(&supervisor, "/api/funds").await;
    assert_eq!(status, 200);
    let view: jalon_domain::money::funds::FundsView = serde_json::from_value(body).unwrap();
    let year = jalon_domain::money::funds::fund_year(&view.envelopes, &view.grants, 2016);
    let of = |code: &str| {
        year.iter()
            .find(|f| f.fund.as_str() == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(of("agridiff").granted_cents, 225_000);
    assert_eq!(of("sesa").farms, 82);
    assert!(of("sesa").granted_cents <= 3_500_000);
    assert_eq!(
        (of("emergency").farms, of("emergency").granted_cents),
        (4, 500_000)
    );
    // The same year by SQL alone on the demo database: envelopes, farms and amounts per fund.
    {
        use sqlx::Connection;
        let url = format!("sqlite://{}", dir.path().join("jalon.sqlite3").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let granted: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT fund, COUNT(DISTINCT farm_id), SUM(amount_cents) FROM grants
             WHERE year = 2016 GROUP BY fund ORDER BY fund",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let granted: Vec<(&str, i64, i64)> = granted
            .iter()
            .map(|(f, n, c)| (f.as_str(), *n, *c))
            .collect();
        assert_eq!(
            granted,
            [
                ("agridiff", 5, 225_000),
                ("emergency", 4, 500_000),
                ("sesa", 82, 3_280_000)
            ]
        );
        let envelopes: Vec<(String, i64)> = sqlx::query_as(
            "SELECT fund, amount_cents FROM fund_envelopes WHERE year = 2016 ORDER BY fund",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let envelopes: Vec<(&str, i64)> = envelopes.iter().map(|(f, c)| (f.as_str(), *c)).collect();
        assert_eq!(
            envelopes,
            [
                ("agridiff", 225_000),
                ("emergency", 500_000),
                ("sesa", 3_500_000)
            ]
        );
        let farms: i64 =
            sqlx::query_scalar("SELECT COUNT(DISTINCT farm_id) FROM grants WHERE year = 2016")
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!(farms, 82);
    }

    let year = today().year();
    let (status, body) = server
        .call(
            reqwest::Method::PUT,
            Some(&supervisor),
            &format!("/api/funds/emergency/{year}"),
            Some(json!({"amount_cents": 100})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "below_granted");
    let (status, body) = server
        .call(
            reqwest::Method::PUT,
            Some(&supervisor),
            &format!("/api/funds/emergency/{year}"),
            Some(json!({"amount_cents": 200_000})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, farm) = server
        .post(
            &supervisor,
            "/api/farms",
            json!({"id": Uuid::nil(), "name": " GAEC d'essai ", "siret": "", "commune_code": "87011",
                   "farmers": ["Exploitante d'essai"], "people": []}),
        )
        .await;
    assert_eq!(status, 201, "{farm}");
    assert_eq!(farm["name"], "GAEC d'essai");
    let (status, bad) = server
        .post(
            &supervisor,
            "/api/farms",
            json!({"id": Uuid::nil(), "name": "", "siret": "123", "commune_code": "75056"}),
        )
        .await;
    assert_eq!(status, 422, "{bad}");

    // 2 000 € this year, of which 1 250 € already granted: 750 € fit, not 750,01 €.
    let grant = |cents: i64| {
        json!({"id": Uuid::nil(), "farm_id": farm["id"], "fund": "emergency",
               "granted_on": today(), "amount_cents": cents, "purpose": "Trésorerie"})
    };
    let (status, body) = server.post(&supervisor, "/api/grants", grant(75_001)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "over_envelope");
    assert!(
        body["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("il restait 750,00\u{a0}€ sur 2\u{202f}000,00\u{a0}€")
    );
    let (status, body) = server.post(&supervisor, "/api/grants", grant(75_000)).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = server.post(&supervisor, "/api/grants", grant(1)).await;
    assert_eq!(status, 422);
    let (status, body) = server
        .post(
            &supervisor,
            "/api/grants",
            json!({"id": Uuid::nil(), "farm_id": Uuid::new_v4(), "fund": "sesa",
                   "granted_on": today(), "amount_cents": 1, "purpose": ""}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["code"], "unknown_farm");
    server.stop().await;
}

fn referral_item(person_id: Uuid, author: &Value, referral: Referral) -> Item {
    Item {
        id: Uuid::new_v4(),
        person_id,
        version: 1,
        author_id: Uuid::parse_str(author["id"].as_str().unwrap()).unwrap(),
        body: ItemBody::Referral(referral),
    }
}

async fn partners(server: &TestServer, token: &str) -> PartnersView {
    let (status, body) = server.get(token, "/api/partners").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

#[tokio::test]
async fn referrals_take_the_places_of_their_years_agreement_and_the_demo_refers_73_people() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (supervisor, _) = server.login("superviseur").await;
    let (status, _) = server
        .get(&server.login("arpe1").await.0, "/api/partners")
        .await;
    assert_eq!(status, 403);

    // The seed document's 73 RSA beneficiaries, counted by SQL on the demo database (the
    // referrals' items, their distinct people, every one on RSA) and by the partners' view.
    let url = format!("sqlite://{}", dir.path().join("jalon.sqlite3").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let (people, on_rsa): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(DISTINCT i.person_id), COUNT(DISTINCT CASE WHEN p.rsa_beneficiary = 1
                THEN i.person_id END)
         FROM items i JOIN people p ON p.id = i.person_id WHERE i.kind = 'referral'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!((people, on_rsa), (73, 73));
    let view = partners(&server, &supervisor).await;
    assert_eq!(view.years.iter().map(|y| y.referred).sum::<u32>(), 73);
    assert!(view.years.iter().any(|y| y.granted > 0 && y.businesses > 0));
    for year in &view.years {
        if let Some(places) = year.places {
            assert!(year.referred - year.withdrawn <= places, "{year:?}");
        }
    }

    // This year's ADIE agreement keeps one place: two référents refer at once, one gets it.
    let year = today().year();
    let used = view
        .agreements
        .iter()
        .find(|a| a.partner == Partner::Adie && a.year == year)
        .unwrap()
        .used;
    let path = format!("/api/partners/adie/{year}");
    let set = |places: u32| {
        server.call(
            reqwest::Method::PUT,
            Some(&supervisor),
            &path,
            Some(json!({ "places": places })),
        )
    };
    if used > 0 {
        let (status, body) = set(used - 1).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["fields"][0]["code"], "below_used");
    }
    let (status, body) = set(used + 1).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["used"], used);

    let referral = Referral {
        partner: Partner::Adie,
        referred_on: today(),
        project: "Atelier de réparation".into(),
        outcome: ReferralOutcome::Pending,
        amount_cents: None,
        business_created_on: None,
    };
    let mut devices = Vec::new();
    for n in 1..=2 {
        let (token, user) = server.login(&format!("plie{n}")).await;
        let new = creation(&user, SchemeCode::Plie, "87085", &format!("Orientée{n}"));
        assert_eq!(
            push_one(&server, &token, 1, Mutation::CreatePerson(new.clone())).await,
            Outcome::Applied
        );
        devices.push((token, referral_item(new.person.id, &user, referral.clone())));
    }
    let outcomes = futures_util::future::join_all(
        devices
            .iter()
            .map(|(token, item)| push_one(&server, token, 2, Mutation::SaveItem(item.clone()))),
    )
    .await;
    let applied: Vec<usize> = (0..2)
        .filter(|i| outcomes[*i] == Outcome::Applied)
        .collect();
    assert_eq!(applied.len(), 1, "{outcomes:?}");
    let refused = &outcomes[1 - applied[0]];
    assert_eq!(codes(refused), ["places_full"]);
    let Outcome::Rejected { message, .. } = refused else {
        unreachable!()
    };
    assert!(
        message.contains(&format!("places de la convention {year} avec ADIE")),
        "{message}"
    );

    // The answer: granted, then frozen; a withdrawn referral frees its place.
    let (token, item) = &devices[applied[0]];
    let granted = Item {
        body: ItemBody::Referral(Referral {
            outcome: ReferralOutcome::Granted,
            amount_cents: Some(350_000),
            ..referral.clone()
        }),
        ..item.clone()
    };
    assert_eq!(
        push_one(&server, token, 3, Mutation::SaveItem(granted)).await,
        Outcome::Applied
    );
    let withdrawn = Item {
        body: ItemBody::Referral(Referral {
            outcome: ReferralOutcome::Withdrawn,
            ..referral.clone()
        }),
        ..item.clone()
    };
    assert_eq!(
        codes(&push_one(&server, token, 4, Mutation::SaveItem(withdrawn)).await),
        ["invalid_transition"]
    );
    let view = partners(&server, &supervisor).await;
    let adie = view
        .years
        .iter()
        .find(|y| y.partner == Some(Partner::Adie) && y.year == year)
        .unwrap();
    assert_eq!(adie.places, Some(used + 1));
    assert!(adie.granted_cents >= 350_000);
    let (other_token, other_item) = &devices[1 - applied[0]];
    // Another partner of the same year still has places: the refused person is referred there.
    let elsewhere = Item {
        id: Uuid::new_v4(),
        body: ItemBody::Referral(Referral {
            partner: Partner::InitiativeHv,
            ..referral
        }),
        ..other_item.clone()
    };
    assert_eq!(
        push_one(&server, other_token, 5, Mutation::SaveItem(elsewhere)).await,
        Outcome::Applied
    );
    server.stop().await;
}

#[tokio::test]
async fn the_cofinancing_report_splits_each_schemes_costs_to_the_cent_and_its_export_is_audited() {
    use jalon_domain::money::cofinancing::CofinancingReport;
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).await;
    let (supervisor, _) = server.login("superviseur").await;
    let (referent, _) = server.login("plie1").await;
    let year = today().year();
    let path = format!("/api/cofinancing?year={year}");
    assert_eq!(server.get(&referent, &path).await.0, 403);
    let (status, body) = server.get(&supervisor, "/api/cofinancing?year=2014").await;
    assert_eq!(
        (status, &body["error"]["fields"][0]["code"]),
        (422, &json!("out_of_range"))
    );

    // The orders' cost of each scheme, by SQL on the demo database: orders of the year not
    // cancelled, charged to the scheme of the référent who placed them.
    let url = format!("sqlite://{}", dir.path().join("jalon.sqlite3").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let by_sql: Vec<(String, i64)> = sqlx::query_as(
        "SELECT u.scheme, SUM(o.amount_cents) FROM orders o
         JOIN item_versions v ON v.item_id = o.item_id AND v.version = 1
         JOIN users u ON u.id = v.author_id
         WHERE o.status != 'cancelled' AND substr(o.ordered_on, 1, 4) = ?1
         GROUP BY u.scheme ORDER BY u.scheme",
    )
    .bind(year.to_string())
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(!by_sql.is_empty());

    let (status, body) = server.get(&supervisor, &path).await;
    assert_eq!(status, 200, "{body}");
    let report: CofinancingReport = serde_json::from_value(body).unwrap();
    assert_eq!(report.lines.len(), 3);
    for line in &report.lines {
        let expected = by_sql
            .iter()
            .find(|(s, _)| s == line.scheme.as_str())
            .map_or(0, |(_, c)| *c);
        assert_eq!(line.orders_cents, expected, "{:?}", line.scheme);
        let plan = line.plan.as_ref().expect("the demo declares every year");
        assert_eq!(
            line.total_cents,
            plan.staff_cents + plan.other_cents + line.orders_cents
        );
        assert_eq!(
            line.split.iter().map(|p| p.cents).sum::<i64>(),
            line.total_cents
        );
    }

    // A plan whose shares do not make 100 % is refused and changes nothing; a whole one is set.
    let plan_path = format!("/api/cofinancing/arpe/{year}");
    let (status, body) = server
        .call(
            reqwest::Method::PUT,
            Some(&supervisor),
            &plan_path,
            Some(json!({"staff_cents": 100_000, "other_cents": 0,
                        "shares": [{"financer": "fse", "basis_points": 6_000},
                                   {"financer": "departement", "basis_points": 3_000}]})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "shares_not_whole");
    let (status, body) = server
        .call(
            reqwest::Method::PUT,
            Some(&supervisor),
            &plan_path,
            Some(json!({"staff_cents": 100_001, "other_cents": 0,
                        "shares": [{"financer": "fse", "basis_points": 3_333},
                                   {"financer": "departement", "basis_points": 6_667}]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let report: CofinancingReport =
        serde_json::from_value(server.get(&supervisor, &path).await.1).unwrap();
    let arpe = &report.lines[0];
    assert_eq!(arpe.plan.as_ref().unwrap().staff_cents, 100_001);
    assert_eq!(
        arpe.split.iter().map(|p| p.cents).sum::<i64>(),
        arpe.total_cents
    );

    // The workbook: two sheets, and the export in the audit log.
    let response = server
        .http
        .get(server.url(&format!("/api/cofinancing.xlsx?year={year}")))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Coûts des dispositifs", "Répartition des financeurs"]
    );
    let costs = book.worksheet_range("Coûts des dispositifs").unwrap();
    assert_eq!(
        costs.get_value((1, 1)),
        Some(&calamine::Data::Float(1_000.01))
    );
    let exported: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'export.xlsx' AND detail LIKE 'Cofinancement%'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(exported, 1);
    server.stop().await;
}
