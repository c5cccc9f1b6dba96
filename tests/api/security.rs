//! What every answer carries whatever its route: headers that keep browsers
//! from sniffing, framing or leaking the URL, and no storage of tokens or
//! personal data by caches.

use serde_json::json;

use crate::fixtures::class;
use crate::helpers::{
    session_from, spawn_app, spawn_app_with, Session, TestApp, TestResponse, PASSWORD,
};

fn assert_secure(res: &TestResponse, what: &str) {
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        res.header("x-frame-options").as_deref(),
        Some("DENY"),
        "{what}"
    );
    assert_eq!(
        res.header("referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
}

#[actix_rt::test]
async fn every_answer_carries_the_security_headers() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let answers = [
        ("live probe", app.get("/health/live", None).await),
        ("unknown path", app.get("/api/v1/nowhere", None).await),
        ("no token", app.get("/api/v1/me", None).await),
        ("catalogue", app.get("/api/v1/cohorts", None).await),
        (
            "bad body",
            app.post("/api/v1/auth/login", None, &json!({})).await,
        ),
    ];

    // Assert
    for (what, res) in &answers {
        assert_secure(res, what);
    }
}

#[actix_rt::test]
async fn tokens_and_personal_data_are_never_stored_and_cached_answers_keep_their_rules() {
    // Arrange
    let c = class(&["Awa"]).await;
    let learner = &c.learners[0];

    // Act
    let login = c.app.login(&learner.email, PASSWORD).await;
    let me = c.app.get("/api/v1/me", Some(&learner.access_token)).await;
    let users = c
        .app
        .get("/api/v1/users", Some(&c.admin.access_token))
        .await;
    let roster = c
        .app
        .get(
            &format!("/api/v1/sessions/{}/attendance", c.session),
            Some(&c.trainer.access_token),
        )
        .await;

    // Assert
    for (what, res) in [("login", &login), ("me", &me), ("users", &users)] {
        assert_eq!(res.status, 200, "{what}: {}", res.text());
        assert_eq!(
            res.header("cache-control").as_deref(),
            Some("no-store"),
            "{what}"
        );
        assert_secure(res, what);
    }
    assert_eq!(roster.status, 200);
    assert_eq!(
        roster.header("cache-control").as_deref(),
        Some("private, no-cache")
    );
    assert_secure(&roster, "roster");
}

#[actix_rt::test]
async fn a_body_sent_too_slowly_is_refused_with_a_problem() {
    // Arrange: a server that waits one second for a body, and a client
    // that announces 100 bytes, sends 9 and then nothing.
    let app = spawn_app_with(|s| s.body_read_timeout_seconds = 1).await;
    let address = app.address.trim_start_matches("http://").to_owned();

    // Act: the reply (or the connection closing) ends the read.
    let reply = actix_rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .expect("read timeout");
        stream
            .write_all(
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: griot\r\n\
                  Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\"",
            )
            .expect("write");
        let mut reply = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&buf[..n]);
            if reply.windows(4).any(|w| w == b"\r\n\r\n") && reply.ends_with(b"}") {
                break;
            }
        }
        String::from_utf8_lossy(&reply).into_owned()
    })
    .await
    .expect("client thread");

    // Assert
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("application/problem+json"), "{reply}");
    assert!(reply.contains("request_timeout"), "{reply}");
}

#[actix_rt::test]
async fn nul_and_control_characters_are_refused_with_a_422_naming_the_field() {
    // Arrange
    let c = class(&["Awa"]).await;
    let (app, admin, learner) = (&c.app, &c.admin, &c.learners[0]);
    let programme = app.programme(admin).await;
    let nul = "a\u{0}b";

    // Act
    let answers = [
        (
            "email",
            app.post(
                "/api/v1/auth/login",
                None,
                &json!({ "email": "a\u{0}@example.org", "password": "whatever-123" }),
            )
            .await,
        ),
        (
            "country_code",
            app.post(
                "/api/v1/auth/register",
                None,
                &json!({ "email": "new@example.org", "password": "a long password 1",
                         "full_name": "New", "country_code": "C\u{0}" }),
            )
            .await,
        ),
        (
            "full_name",
            app.patch(
                "/api/v1/me",
                Some(&learner.access_token),
                &json!({ "full_name": nul }),
            )
            .await,
        ),
        (
            "description",
            app.patch(
                &format!("/api/v1/programmes/{programme}"),
                Some(&admin.access_token),
                &json!({ "description": "x\u{1b}[31m" }),
            )
            .await,
        ),
        (
            "title",
            app.patch(
                &format!("/api/v1/sessions/{}", c.session),
                Some(&c.trainer.access_token),
                &json!({ "title": nul }),
            )
            .await,
        ),
        (
            "records[0].note",
            app.put(
                &format!("/api/v1/sessions/{}/attendance", c.session),
                Some(&c.trainer.access_token),
                &json!({ "records": [{ "user_id": learner.user_id, "status": "present", "note": nul }] }),
            )
            .await,
        ),
        (
            "q",
            app.get("/api/v1/users?q=%00", Some(&admin.access_token))
                .await,
        ),
    ];

    // Assert: refused, the field named, and nothing changed.
    for (field, res) in &answers {
        let problem = res.assert_problem(422, "validation_failed");
        assert!(problem["errors"][*field].is_array(), "{field}: {problem}");
        assert_secure(res, field);
    }
    let me = app.get("/api/v1/me", Some(&learner.access_token)).await;
    assert_eq!(me.json()["full_name"], "Awa");
    let roster = app
        .get(
            &format!("/api/v1/sessions/{}/attendance", c.session),
            Some(&c.trainer.access_token),
        )
        .await;
    assert_eq!(
        roster.json()["items"][0]["status"],
        "unmarked",
        "{}",
        roster.text()
    );
}

#[actix_rt::test]
async fn a_405_names_the_allowed_methods_in_either_language() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let fr = app.delete("/api/v1/auth/login", None).await;
    let en = app
        .request(
            awc::http::Method::PUT,
            "/api/v1/sessions/0190b6e4-5b8e-7c4a-9f1e-2d3c4b5a6978",
            None,
            None,
            &[("Accept-Language", "en")],
        )
        .await;

    // Assert
    fr.assert_problem(405, "method_not_allowed");
    assert_eq!(fr.header("allow").as_deref(), Some("POST"));
    en.assert_problem(405, "method_not_allowed");
    assert_eq!(en.header("allow").as_deref(), Some("GET, PATCH, DELETE"));
    assert_eq!(en.header("content-language").as_deref(), Some("en"));
}

async fn sign_in(app: &TestApp, email: &str) -> Session {
    let res = app.login(email, PASSWORD).await;
    assert_eq!(res.status, 200, "{}", res.text());
    session_from(&res.json())
}

async fn me_status(app: &TestApp, s: &Session) -> u16 {
    app.get("/api/v1/me", Some(&s.access_token)).await.status
}

#[actix_rt::test]
async fn an_access_token_dies_with_its_session_on_logout_reuse_and_password_change() {
    // Arrange: sessions of one account, and another account.
    let app = spawn_app().await;
    let first = app.register("awa@example.org").await;
    let second = sign_in(&app, "awa@example.org").await;
    let third = sign_in(&app, "awa@example.org").await;
    let other = app.register("bakary@example.org").await;
    assert_eq!(me_status(&app, &first).await, 200);

    // Act 1: logout ends the first session at once.
    let res = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({ "refresh_token": first.refresh_token }),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert_eq!(me_status(&app, &first).await, 401);

    // Act 2: a spent refresh token presented again ends its whole session.
    let renewed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": second.refresh_token }),
        )
        .await;
    assert_eq!(renewed.status, 200);
    let renewed = session_from(&renewed.json());
    let reused = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": second.refresh_token }),
        )
        .await;
    assert_eq!(reused.status, 401);
    assert_eq!(me_status(&app, &second).await, 401);
    assert_eq!(me_status(&app, &renewed).await, 401);

    // Act 3: a password change ends every other session, not its own.
    let fourth = sign_in(&app, "awa@example.org").await;
    let res = app
        .post(
            "/api/v1/me/password",
            Some(&fourth.access_token),
            &json!({ "current_password": PASSWORD,
                     "new_password": "another long password" }),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());

    // Assert: every path that reads the caller refuses the ended sessions.
    assert_eq!(me_status(&app, &third).await, 401);
    assert_eq!(me_status(&app, &fourth).await, 200);
    assert_eq!(me_status(&app, &other).await, 200);
    let listed = app
        .get("/api/v1/programmes", Some(&third.access_token))
        .await;
    assert_eq!(listed.status, 401);
}

#[actix_rt::test]
async fn directory_search_takes_wildcards_literally() {
    // Arrange
    let c = class(&["Awa Traoré", "Bakary Diallo"]).await;

    // Act
    let search = |q: &'static str| {
        let app = &c.app;
        let token = c.admin.access_token.clone();
        async move {
            let res = app.get(&format!("/api/v1/users?q={q}"), Some(&token)).await;
            assert_eq!(res.status, 200, "{}", res.text());
            res.json()["items"].as_array().unwrap().len()
        }
    };

    // Assert
    assert_eq!(search("_").await, 0);
    assert_eq!(search("%25").await, 0);
    assert_eq!(search("awa").await, 1);
}

#[actix_rt::test]
async fn leap_seconds_implausible_years_and_endless_sessions_are_refused() {
    // Arrange
    let c = class(&[]).await;
    let schedule = |starts: &'static str, ends: &'static str| {
        let (app, cohort, token) = (&c.app, c.cohort.clone(), c.trainer.access_token.clone());
        async move {
            app.post(
                &format!("/api/v1/cohorts/{cohort}/sessions"),
                Some(&token),
                &json!({ "kind": "meetup", "title": "Rencontre",
                         "starts_at": starts, "ends_at": ends }),
            )
            .await
        }
    };

    // Act and assert: each refused with the field named, nothing stored.
    for (starts, ends, field) in [
        ("2027-01-01T23:59:60Z", "2027-01-02T00:00:00Z", "starts_at"),
        ("0001-01-01T09:00:00Z", "0001-01-01T10:00:00Z", "starts_at"),
        ("2027-01-01T09:00:00Z", "9999-01-01T10:00:00Z", "ends_at"),
        ("2027-01-01T09:00:00Z", "2100-01-01T10:00:00Z", "ends_at"),
    ] {
        let res = schedule(starts, ends).await;
        let problem = res.assert_problem(422, "validation_failed");
        assert!(
            problem["errors"][field].is_array(),
            "{starts} {ends}: {problem}"
        );
    }
    let listed = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/sessions", c.cohort),
            Some(&c.trainer.access_token),
        )
        .await;
    assert_eq!(listed.json()["items"].as_array().unwrap().len(), 1);
    // A three-day bootcamp is fine.
    let res = schedule("2027-01-01T09:00:00Z", "2027-01-04T17:00:00Z").await;
    assert_eq!(res.status, 201, "{}", res.text());
}

#[actix_rt::test]
async fn unknown_fields_are_ignored_whatever_they_hold() {
    // Arrange
    let app = spawn_app().await;
    app.register("awa@example.org").await;

    // Act: a newer client sends a field this server does not know.
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "awa@example.org", "password": PASSWORD,
                     "device": "phone\u{0}", "extra": { "tags": ["\u{1b}"] } }),
        )
        .await;

    // Assert
    assert_eq!(res.status, 200, "{}", res.text());
}
