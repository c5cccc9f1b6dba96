//! `griot seed` and the benchmark fixture produce data the API serves.

use griot::app::seed::{bench_fixture, seed, SeedOptions, SEED_PASSWORD};
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
