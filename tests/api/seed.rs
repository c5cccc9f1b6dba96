//! `griot seed` and the benchmark fixture produce data the API serves.

use griot::app::seed::{bench_fixture, seed, SeedOptions, SEED_DOMAIN, SEED_PASSWORD};
use serde_json::json;

use crate::helpers::spawn_app;

fn small() -> SeedOptions {
    SeedOptions {
        cohorts_per_unit: 2,
        ..Default::default()
    }
}

#[actix_rt::test]
async fn seeded_data_is_served_and_the_fixture_tokens_work() {
    let app = spawn_app().await;
    // Seeded sessions are placed around the real date.
    app.clock.set(chrono::Utc::now());
    let summary = seed(&app.settings, &small()).unwrap();
    assert_eq!(summary.cohorts, 2);
    assert_eq!(summary.sessions, 80);
    assert_eq!(summary.users, 1 + 7 + 2 * (2 + 250));
    assert!(summary.attendance > 10_000, "{summary:?}");

    let fixture = bench_fixture(&app.settings, 20).unwrap();
    assert_eq!(fixture.storm_tokens.len(), 250);
    assert_eq!(fixture.learner_tokens.len(), 20);

    // A seeded learner signs in with the shared password.
    let login = app.login(&fixture.login_emails[0], SEED_PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text());

    // The fixture's trainer sees the roster of 250, mostly marked.
    let roster = app
        .get(
            &format!("/api/v1/sessions/{}/attendance", fixture.session_id),
            Some(&fixture.trainer_token),
        )
        .await;
    assert_eq!(roster.status, 200, "{}", roster.text());
    let items = roster.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 250);
    let unmarked = items.iter().filter(|i| i["status"] == "unmarked").count();
    assert!(unmarked < 25, "{unmarked} unmarked");

    // The storm session is upcoming and open to check-in.
    let window = app
        .post(
            &format!(
                "/api/v1/sessions/{}/check-in-window",
                fixture.storm_session_id
            ),
            Some(&fixture.trainer_token),
            &json!({ "minutes": 30 }),
        )
        .await;
    assert_eq!(window.status, 201, "{}", window.text());
    let code = window.json()["code"].as_str().unwrap().to_owned();
    let checked = app
        .post(
            &format!("/api/v1/sessions/{}/check-in", fixture.storm_session_id),
            Some(&fixture.storm_tokens[0]),
            &json!({ "code": code }),
        )
        .await;
    assert_eq!(checked.status, 201, "{}", checked.text());

    // The report covers the cohort's ended sessions.
    let report = app
        .get(
            &format!("/api/v1/cohorts/{}/attendance", fixture.cohort_id),
            Some(&fixture.admin_token),
        )
        .await
        .json();
    assert_eq!(report["items"].as_array().unwrap().len(), 250);
    assert!(report["sessions_counted"].as_i64().unwrap() >= 30);

    // Case studies: assignments with hand-ins, and the completed cohort's
    // certificates, issued by the endpoint's own rule.
    assert!(summary.assignments >= 10, "{summary:?}");
    assert!(
        summary.submissions > 8 * summary.assignments * 200 / 10,
        "{summary:?}"
    );
    assert!(summary.certificates > 150, "{summary:?}");
    assert!(!fixture.certificate_codes.is_empty());
    let progress = app
        .get(
            &format!("/api/v1/cohorts/{}/progress", fixture.cohort_id),
            Some(&fixture.admin_token),
        )
        .await
        .json();
    let items = progress["items"].as_array().unwrap();
    assert_eq!(items.len(), 250);
    assert!(items
        .iter()
        .any(|i| i["submissions_accepted"].as_i64() > Some(0)));
    let verified = app
        .get(
            &format!("/api/v1/certificates/{}", fixture.certificate_codes[0]),
            None,
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text());
    assert_eq!(verified.json()["revoked"], false);

    // Community events: Déconnexion and a meetup per country, public.
    assert_eq!(summary.events, 8, "{summary:?}");
    let listed = app.get("/api/v1/events?limit=50", None).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let listed = listed.json()["items"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 8);
    assert!(listed.iter().all(|e| e["status"] == "published"));
    assert_eq!(fixture.event_countries.len(), 7);
    // Only the two seeded cohorts' countries have members to register.
    let burkina = listed.iter().find(|e| e["country_code"] == "BF").unwrap();
    assert_eq!(burkina["timezone"], "Africa/Ouagadougou");
    assert_eq!(burkina["registered_count"], 20);

    // Déconnexion: 95 members and 5 guests, counters matching the line.
    let event = app
        .get(
            &format!("/api/v1/events/{}", fixture.deconnexion_event_id),
            None,
        )
        .await
        .json();
    assert_eq!(event["country_code"], serde_json::Value::Null);
    assert_eq!(event["timezone"], "Africa/Abidjan");
    assert_eq!(event["capacity"], 150);
    assert_eq!(event["registered_count"], 100);
    assert_eq!(event["waitlisted_count"], 0);
    let line = app
        .get(
            &format!(
                "/api/v1/events/{}/registrations?limit=200",
                fixture.deconnexion_event_id
            ),
            Some(&fixture.admin_token),
        )
        .await
        .json();
    assert_eq!(line["counts"]["registered"], 100);
    let items = line["items"].as_array().unwrap();
    let positions: Vec<i64> = items
        .iter()
        .map(|r| r["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, (1..=100).collect::<Vec<i64>>());
    let guests: Vec<_> = items.iter().filter(|r| r["user_id"].is_null()).collect();
    assert_eq!(guests.len(), 5);
    assert!(guests.iter().all(|g| {
        let email = g["email"].as_str().unwrap();
        email == email.to_lowercase() && email.ends_with(&format!("@{SEED_DOMAIN}"))
    }));
    // The next person takes place 101, a seat.
    let next = app
        .post(
            &format!(
                "/api/v1/events/{}/registrations",
                fixture.deconnexion_event_id
            ),
            None,
            &json!({ "full_name": "Awa Koné", "email": "awa@example.com" }),
        )
        .await;
    assert_eq!(next.status, 201, "{}", next.text());
    assert_eq!(next.json()["position"], 101);
    assert_eq!(next.json()["status"], "registered");

    // Chapter teams: each coordinator's term, and the volunteers.
    assert_eq!(summary.volunteers, 8 + 3, "{summary:?}");
    let team = app
        .get("/api/v1/countries/BF/team", Some(&fixture.admin_token))
        .await;
    assert_eq!(team.status, 200, "{}", team.text());
    let team = team.json()["items"].as_array().unwrap().clone();
    let current = |role: &str| {
        team.iter()
            .filter(|t| t["role"] == role && t["until"].is_null())
            .count()
    };
    assert_eq!(current("coordinator"), 1);
    assert_eq!(current("volunteer"), 8);
}

#[actix_rt::test]
async fn seeding_refuses_a_database_with_users_unless_forced() {
    let app = spawn_app().await;
    app.admin();
    let err = seed(&app.settings, &small()).unwrap_err();
    assert!(err.contains("--force"), "{err}");
    let forced = SeedOptions {
        force: true,
        ..small()
    };
    assert_eq!(seed(&app.settings, &forced).unwrap().cohorts, 2);
}
