//! `GET /me/home`: a phone draws its home screen from one small answer.

use serde_json::{json, Value};

use crate::fixtures::long_tokens;
use crate::helpers::{spawn_app_with, Session, TestApp, UserSpec};

/// A cohort with `sessions` upcoming master classes (long descriptions,
/// as trainers write them), `learner` enrolled; returns its id.
async fn cohort_with_sessions(
    app: &TestApp,
    admin: &Session,
    learner: &Session,
    name: &str,
    sessions: usize,
) -> String {
    let cohort = app
        .cohort(admin, json!({ "name": name, "capacity": 100 }))
        .await;
    app.enrol(admin, &cohort, learner, "learner").await;
    for i in 0..sessions {
        let day = 3 + i;
        let res = app
            .post(
                &format!("/api/v1/cohorts/{cohort}/sessions"),
                Some(&admin.access_token),
                &json!({
                    "kind": "master_class",
                    "title": format!("Storytelling et formats courts, partie {i}"),
                    "description": "Analyse de campagnes ".repeat(40),
                    "starts_at": format!("2026-03-{day:02}T09:00:00Z"),
                    "ends_at": format!("2026-03-{day:02}T11:00:00Z"),
                    "online_url": "https://meet.example.org/griot-master-class",
                }),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
    }
    cohort
}

#[actix_rt::test]
async fn the_home_screen_comes_in_one_small_answer() {
    // Arrange: a learner in three cohorts with 12 sessions each, a
    // withdrawn membership, and two event tickets.
    let app = spawn_app_with(long_tokens).await;
    let admin = app.admin();
    let learner = app.user(UserSpec {
        full_name: Some("Awa Traoré"),
        ..Default::default()
    });
    let mut cohorts = Vec::new();
    for name in ["Cohorte Abidjan", "Cohorte Dakar", "Cohorte Lomé"] {
        cohorts.push(cohort_with_sessions(&app, &admin, &learner, name, 12).await);
    }
    let left = app.cohort(&admin, json!({ "name": "Quittée" })).await;
    app.enrol(&admin, &left, &learner, "learner").await;
    let res = app
        .delete(
            &format!("/api/v1/cohorts/{left}/members/{}", learner.user_id),
            Some(&admin.access_token),
        )
        .await;
    assert!(res.status < 300, "{}", res.text());
    for day in [10, 20] {
        let event: Value = app
            .post(
                "/api/v1/events",
                Some(&admin.access_token),
                &json!({
                    "title": format!("Meetup du {day}"), "country_code": "CI", "status": "published",
                    "starts_at": format!("2026-03-{day}T09:00:00Z"),
                    "ends_at": format!("2026-03-{day}T12:00:00Z"),
                    "venue": "Abidjan",
                }),
            )
            .await
            .json();
        let registered = app
            .request(
                awc::http::Method::POST,
                &format!(
                    "/api/v1/events/{}/registrations",
                    event["id"].as_str().unwrap()
                ),
                Some(&learner.access_token),
                None,
                &[],
            )
            .await;
        assert_eq!(registered.status, 201);
    }

    // Act
    let home = app
        .get("/api/v1/me/home", Some(&learner.access_token))
        .await;
    let wire = app
        .client
        .get(app.url("/api/v1/me/home"))
        .insert_header(("Authorization", format!("Bearer {}", learner.access_token)))
        .insert_header(("Accept-Encoding", "gzip"))
        .no_decompress()
        .send()
        .await
        .expect("home")
        .body()
        .await
        .expect("body");

    // Assert
    assert_eq!(home.status, 200, "{}", home.text());
    let body = home.json();
    let names: Vec<&str> = body["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(!names.contains(&"Quittée"));
    assert_eq!(body["cohorts"][0]["role"], "learner");
    assert_eq!(body["cohorts"][0]["status"], "active");
    let sessions = body["next_sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 10);
    assert_eq!(sessions[0]["local_starts_at"], "2026-03-03T09:00:00+00:00");
    assert_eq!(
        sessions[0]["online_url"],
        "https://meet.example.org/griot-master-class"
    );
    assert!(sessions[0].get("description").is_none(), "kept small");
    let starts: Vec<&str> = sessions
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_unstable();
    assert_eq!(starts, sorted);
    assert_eq!(body["progress"].as_array().unwrap().len(), 3);
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["registration_status"], "registered");
    assert!(events[0]["ticket_code"].is_string());
    assert!(home.header("etag").is_some());
    // The budget: 5 KB on the wire, compressed.
    assert!(wire.len() <= 5 * 1024, "{} bytes gzip", wire.len());
    assert!(wire.len() < home.text().len(), "compressed on the wire");
}

#[actix_rt::test]
async fn a_newcomer_has_an_empty_home_and_strangers_none() {
    let app = spawn_app_with(long_tokens).await;
    let newcomer = app.user(UserSpec::default());
    let home = app
        .get("/api/v1/me/home", Some(&newcomer.access_token))
        .await;
    assert_eq!(home.status, 200);
    assert_eq!(
        home.json(),
        json!({ "cohorts": [], "next_sessions": [], "progress": [], "events": [] })
    );
    app.get("/api/v1/me/home", None)
        .await
        .assert_problem(401, "unauthorized");
}
