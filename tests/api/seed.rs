//! `griot seed` and the benchmark fixture produce data the API serves.

use diesel::prelude::*;
use griot::app::seed::{bench_fixture, seed, SeedOptions, SEED_DOMAIN, SEED_PASSWORD};
use griot::db::instants::Ts;
use serde_json::json;

use crate::helpers::{spawn_app, TestApp};

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
    // 40 per cohort, and the running one's weekly veille until it ends.
    assert_eq!(summary.series, 1, "{summary:?}");
    assert!((8..=10).contains(&summary.series_sessions), "{summary:?}");
    assert_eq!(summary.sessions, 80 + summary.series_sessions);
    assert_eq!(summary.invited, 5, "{summary:?}");
    assert_eq!(summary.users, 1 + 7 + 2 * (2 + 250) + 5);
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

    productivity_is_seeded(&app, &summary, &fixture).await;
}

/// Issue 17: feedback, a series per running cohort, invited learners, and
/// what the benchmark's scenarios 20-21 need from the fixture.
async fn productivity_is_seeded(
    app: &TestApp,
    summary: &griot::app::seed::SeedSummary,
    fixture: &griot::app::seed::Fixture,
) {
    // Feedback from a good share of those present or late (~80 % of the
    // marks): 25-55 % of them per session.
    assert!(summary.feedback > summary.attendance / 6, "{summary:?}");
    assert!(summary.feedback < summary.attendance / 2, "{summary:?}");
    let rated = app
        .get(
            &format!("/api/v1/sessions/{}/feedback", fixture.session_id),
            Some(&fixture.trainer_token),
        )
        .await;
    assert_eq!(rated.status, 200, "{}", rated.text());
    let rated = rated.json();
    let count = rated["count"].as_i64().unwrap();
    assert!(count > 30, "{rated}");
    let d = &rated["distribution"];
    let high = d["4"].as_i64().unwrap() + d["5"].as_i64().unwrap();
    assert!(high * 2 > count, "skewed to 4-5: {rated}");
    assert!(rated["average"].as_f64().unwrap() > 3.5, "{rated}");
    let comments = rated["comments"].as_array().unwrap();
    assert!(
        !comments.is_empty() && comments.len() < count as usize,
        "{rated}"
    );
    let cohort = app
        .get(
            &format!("/api/v1/cohorts/{}/feedback", fixture.cohort_id),
            Some(&fixture.admin_token),
        )
        .await;
    assert_eq!(cohort.status, 200, "{}", cohort.text());
    assert!(cohort.json()["sessions"].as_array().unwrap().len() >= 30);

    // The running cohort's weekly veille: upcoming, one series, one lead.
    let listed = app
        .get(
            &format!("/api/v1/cohorts/{}/sessions?limit=200", fixture.cohort_id),
            Some(&fixture.admin_token),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let listed = listed.json()["items"].as_array().unwrap().clone();
    let veille: Vec<_> = listed
        .iter()
        .filter(|s| !s["series_id"].is_null())
        .collect();
    assert_eq!(veille.len(), summary.series_sessions);
    assert!(veille.iter().all(|s| s["kind"] == "veille"
        && s["series_id"] == veille[0]["series_id"]
        && !s["trainer_id"].is_null()
        && s["local_starts_at"].as_str().unwrap()[11..]
            == veille[0]["local_starts_at"].as_str().unwrap()[11..]));
    // The clash rule holds for every seeded trainer.
    let led: Vec<(String, Ts, Ts)> = app.db(|conn| {
        use griot::schema::sessions;
        sessions::table
            .filter(sessions::trainer_id.is_not_null())
            .filter(sessions::status.eq("scheduled"))
            .filter(sessions::deleted_at.is_null())
            .order((sessions::trainer_id.asc(), sessions::starts_at.asc()))
            .select((
                sessions::trainer_id.assume_not_null(),
                sessions::starts_at,
                sessions::ends_at,
            ))
            .load(conn)
            .unwrap()
    });
    for pair in led.windows(2) {
        if pair[0].0 == pair[1].0 {
            assert!(
                pair[1].1 .0 >= pair[0].2 .0,
                "{} leads two at once",
                pair[0].0
            );
        }
    }

    // Imported learners who have not signed in: no password, waiting for a
    // seat in the full cohort, one open invitation each; never among the
    // fixture's sign-ins.
    let invited: Vec<(String, String, String)> = app.db(|conn| {
        use griot::schema::{memberships, users};
        users::table
            .inner_join(memberships::table)
            .filter(users::password_hash.eq(""))
            .select((users::id, users::email, memberships::status))
            .load(conn)
            .unwrap()
    });
    assert_eq!(invited.len(), 5);
    assert!(invited.iter().all(|(_, _, status)| status == "waitlisted"));
    let now = chrono::Utc::now().naive_utc();
    for (id, email, _) in &invited {
        let open: i64 = app.db(|conn| {
            use griot::schema::invitations;
            invitations::table
                .filter(invitations::user_id.eq(id))
                .filter(invitations::used_at.is_null())
                .filter(invitations::expires_at.gt(now))
                .count()
                .get_result(conn)
                .unwrap()
        });
        assert_eq!(open, 1, "{email}");
        assert!(!fixture.login_emails.contains(email));
        let login = app.login(email, SEED_PASSWORD).await;
        assert_eq!(login.status, 401, "{}", login.text());
    }

    // Scenario 20's inputs: the coordinator makes a cohort and imports.
    let created = app
        .post(
            "/api/v1/cohorts",
            Some(&fixture.coordinator_token),
            &json!({
                "programme_id": fixture.programme_id,
                "name": "Bench import",
                "country_code": fixture.country_code,
                "starts_on": "2027-01-04",
                "ends_on": "2027-06-30",
                "capacity": 250,
                "status": "open",
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let fresh = created.json()["id"].as_str().unwrap().to_owned();
    let csv = format!(
        "email,full_name,country_code\r\nnew@example.org,Awa Koné,{}\r\n",
        fixture.country_code
    );
    let imported = app
        .send_raw(
            awc::http::Method::POST,
            &format!("/api/v1/cohorts/{fresh}/members/import"),
            Some(&fixture.coordinator_token),
            "text/csv",
            csv.into_bytes(),
            false,
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text());
    assert_eq!(imported.json()["created_accounts"], 1);

    // Scenario 21's: the coordinator enrols the trainer, who schedules a
    // year ahead a series of 40 that they lead.
    let enrolled = app
        .post(
            &format!("/api/v1/cohorts/{fresh}/members"),
            Some(&fixture.coordinator_token),
            &json!({ "user_id": fixture.trainer_id, "role": "trainer" }),
        )
        .await;
    assert_eq!(enrolled.status, 201, "{}", enrolled.text());
    let start = chrono::Utc::now() + chrono::Duration::days(365);
    let series = app
        .post(
            &format!("/api/v1/cohorts/{fresh}/sessions/series"),
            Some(&fixture.trainer_token),
            &json!({
                "kind": "veille",
                "title": "Veille & inspiration",
                "starts_at": start.to_rfc3339(),
                "ends_at": (start + chrono::Duration::minutes(90)).to_rfc3339(),
                "trainer_id": fixture.trainer_id,
                "repeat": { "frequency": "weekly", "count": 40 },
            }),
        )
        .await;
    assert_eq!(series.status, 201, "{}", series.text());
    assert_eq!(series.json()["items"].as_array().unwrap().len(), 40);
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
