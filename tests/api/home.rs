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

/// Reads the home of `who` on `app`; with `held`, asserts the answer is not
/// the one of that ETag (a cached home must not outlive what it shows).
async fn home_of(app: &TestApp, who: &Session, held: Option<&str>, what: &str) -> (Value, String) {
    let res = match held {
        Some(etag) => {
            app.request(
                awc::http::Method::GET,
                "/api/v1/me/home",
                Some(&who.access_token),
                None,
                &[("If-None-Match", etag)],
            )
            .await
        }
        None => app.get("/api/v1/me/home", Some(&who.access_token)).await,
    };
    assert_eq!(res.status, 200, "{what}: {}", res.text());
    let etag = res.header("etag").expect("etag");
    assert_ne!(Some(etag.as_str()), held, "{what}");
    (res.json(), etag)
}

#[actix_rt::test]
async fn a_cached_home_follows_every_change_it_shows_whichever_server_writes() {
    // Arrange: a learner in a class (one session, 09:00-11:00 on the first
    // day); every write goes through a second server on the same database,
    // every read through the first, which keeps the home it made.
    let c = crate::fixtures::class(&["Awa"]).await;
    let (a, b) = (&c.app, &c.app.sibling().await);
    let (learner, admin, trainer) = (&c.learners[0], &c.admin, &c.trainer);
    let (home, mut etag) = home_of(a, learner, None, "first read").await;
    assert_eq!(home["next_sessions"].as_array().unwrap().len(), 1);
    let again = a
        .request(
            awc::http::Method::GET,
            "/api/v1/me/home",
            Some(&learner.access_token),
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(again.status, 304, "nothing changed");
    let write = |res: crate::helpers::TestResponse, what: &str| {
        assert!(res.status < 300, "{what}: {}", res.text());
        res.json()
    };

    // The cohort's name.
    write(
        b.patch(
            &format!("/api/v1/cohorts/{}", c.cohort),
            Some(&admin.access_token),
            &json!({ "name": "Cohorte renommée" }),
        )
        .await,
        "rename",
    );
    let (home, e) = home_of(a, learner, Some(&etag), "cohort renamed").await;
    assert_eq!(home["cohorts"][0]["name"], "Cohorte renommée");
    etag = e;

    // A session's title (the cohort's sessions version).
    write(
        b.patch(
            &format!("/api/v1/sessions/{}", c.session),
            Some(&admin.access_token),
            &json!({ "title": "Formats courts" }),
        )
        .await,
        "session",
    );
    let (home, e) = home_of(a, learner, Some(&etag), "session retitled").await;
    assert_eq!(home["next_sessions"][0]["title"], "Formats courts");
    etag = e;

    // The programme's rule.
    let cohort = a
        .get(
            &format!("/api/v1/cohorts/{}", c.cohort),
            Some(&admin.access_token),
        )
        .await
        .json();
    let programme = cohort["programme_id"].as_str().unwrap();
    write(
        b.patch(
            &format!("/api/v1/programmes/{programme}"),
            Some(&admin.access_token),
            &json!({ "required_submissions": 1 }),
        )
        .await,
        "rule",
    );
    let (home, e) = home_of(a, learner, Some(&etag), "rule changed").await;
    assert_eq!(home["progress"][0]["required_submissions"], 1);
    etag = e;

    // Accepted work (the cohort's case-study version).
    let work = b
        .post(
            &format!("/api/v1/sessions/{}/assignment", c.session),
            Some(&trainer.access_token),
            &json!({ "brief": "Analysez une campagne.", "due_at": "2026-03-09T18:00:00Z", "max_score": 20 }),
        )
        .await;
    let work = write(work, "assignment");
    let sub = crate::casework::hand_in(
        b,
        &learner.access_token,
        work["id"].as_str().unwrap(),
        json!({ "body": "Analyse" }),
    )
    .await
    .json();
    let reviewed = crate::casework::review(
        b,
        &trainer.access_token,
        sub["id"].as_str().unwrap(),
        json!({ "status": "accepted", "score": 15 }),
    )
    .await;
    write(reviewed, "review");
    let (home, e) = home_of(a, learner, Some(&etag), "work accepted").await;
    assert_eq!(home["progress"][0]["submissions_accepted"], 1);
    etag = e;

    // A ticket, then the event's title.
    let event = write(
        b.post(
            "/api/v1/events",
            Some(&admin.access_token),
            &json!({
                "title": "Meetup", "country_code": "CI", "status": "published",
                "starts_at": "2026-03-04T09:00:00Z", "ends_at": "2026-03-04T12:00:00Z",
                "venue": "Abidjan",
            }),
        )
        .await,
        "event",
    );
    let event = event["id"].as_str().unwrap();
    let ticket = b
        .request(
            awc::http::Method::POST,
            &format!("/api/v1/events/{event}/registrations"),
            Some(&learner.access_token),
            None,
            &[],
        )
        .await;
    let ticket = write(ticket, "registration");
    let (home, e) = home_of(a, learner, Some(&etag), "registered").await;
    assert_eq!(home["events"][0]["title"], "Meetup");
    etag = e;
    write(
        b.patch(
            &format!("/api/v1/events/{event}"),
            Some(&admin.access_token),
            &json!({ "title": "Meetup des CM" }),
        )
        .await,
        "event title",
    );
    let (home, e) = home_of(a, learner, Some(&etag), "event retitled").await;
    assert_eq!(home["events"][0]["title"], "Meetup des CM");
    etag = e;

    // Time alone: once the session is over it leaves the list and counts,
    // unattended.
    a.clock.advance(chrono::Duration::hours(4));
    b.clock.advance(chrono::Duration::hours(4));
    let (home, e) = home_of(a, learner, Some(&etag), "session over").await;
    assert_eq!(home["next_sessions"], json!([]));
    assert_eq!(home["progress"][0]["sessions_counted"], 1);
    assert_eq!(home["progress"][0]["attendance_rate"], 0.0);
    etag = e;

    // The learner's own attendance.
    write(
        b.put(
            &format!("/api/v1/sessions/{}/attendance", c.session),
            Some(&trainer.access_token),
            &json!({ "records": [{ "user_id": learner.user_id, "status": "present" }] }),
        )
        .await,
        "roll call",
    );
    let (home, e) = home_of(a, learner, Some(&etag), "marked present").await;
    assert_eq!(home["progress"][0]["attendance_rate"], 100.0);
    etag = e;

    // The ticket cancelled, then the membership.
    let cancelled = b
        .delete(
            &format!(
                "/api/v1/events/{event}/registrations/{}",
                ticket["id"].as_str().unwrap()
            ),
            Some(&learner.access_token),
        )
        .await;
    assert!(cancelled.status < 300, "{}", cancelled.text());
    let (home, e) = home_of(a, learner, Some(&etag), "ticket cancelled").await;
    assert_eq!(home["events"], json!([]));
    etag = e;
    let left = b
        .delete(
            &format!("/api/v1/cohorts/{}/members/{}", c.cohort, learner.user_id),
            Some(&admin.access_token),
        )
        .await;
    assert!(left.status < 300, "{}", left.text());
    let (home, _) = home_of(a, learner, Some(&etag), "withdrawn").await;
    assert_eq!(home["cohorts"], json!([]));
}
