//! `Idempotency-Key`: a retried write acts once, across processes and
//! under concurrency; a key reused for another request is refused.

use awc::http::Method;
use chrono::Duration;
use griot::clock::Clock;
use serde_json::{json, Value};

use crate::fixtures::long_tokens;
use crate::helpers::{spawn_app_with, TestApp, TestResponse, UserSpec};

async fn create(app: &TestApp, token: &str, key: &str, title: &str) -> TestResponse {
    app.request(
        Method::POST,
        "/api/v1/programmes",
        Some(token),
        Some(&json!({ "title": title })),
        &[("Idempotency-Key", key)],
    )
    .await
}

async fn titles(app: &TestApp, token: &str) -> Vec<String> {
    let list = app.get("/api/v1/programmes?limit=200", Some(token)).await;
    list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_rt::test]
async fn a_retried_write_is_answered_again_and_acts_once() {
    // Arrange
    let app = spawn_app_with(long_tokens).await;
    let admin = app.admin();
    let token = admin.access_token.as_str();

    // Act
    let first = create(&app, token, "key-1", "Marketing digital").await;
    let retry = create(&app, token, "key-1", "Marketing digital").await;
    let other = app.sibling_with(long_tokens).await;
    let elsewhere = create(&other, token, "key-1", "Marketing digital").await;

    // Assert: the same answer, marked as replayed, one programme.
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(
        first.header("idempotent-replayed").as_deref(),
        Some("false")
    );
    assert_eq!(retry.status, 201);
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(retry.json(), first.json());
    assert_eq!(
        retry.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(elsewhere.status, 201);
    assert_eq!(elsewhere.json()["id"], first.json()["id"]);
    assert_eq!(titles(&app, token).await, vec!["Marketing digital"]);

    // The same key with another request is refused, and changes nothing.
    let reused = create(&app, token, "key-1", "Autre titre").await;
    let problem = reused.assert_problem(422, "validation_failed");
    assert!(problem["errors"]["Idempotency-Key"].is_array(), "{problem}");
    assert_eq!(titles(&app, token).await.len(), 1);

    // Keys are per user.
    let other_admin = app.admin();
    let theirs = create(
        &app,
        &other_admin.access_token,
        "key-1",
        "Marketing digital",
    )
    .await;
    assert_eq!(theirs.status, 201);
    assert_ne!(theirs.json()["id"], first.json()["id"]);
    assert_eq!(
        theirs.header("idempotent-replayed").as_deref(),
        Some("false")
    );

    // After 24 hours (and housekeeping) the answer is gone but the key is
    // not: the same request is refused, never run a second time.
    app.clock.advance(Duration::hours(25));
    let swept = app.db(|conn| griot::idempotency::sweep(conn, app.clock.now_naive()).unwrap());
    assert!(swept >= 1);
    let token = app.token_for(admin.user_id.parse().unwrap());
    let late = create(&app, &token, "key-1", "Marketing digital").await;
    late.assert_problem(409, "idempotency_key_expired");
    create(&app, &token, "key-1", "Autre titre")
        .await
        .assert_problem(422, "validation_failed");
    // One programme for the first admin, one for the other: nothing new.
    assert_eq!(
        titles(&app, &token).await,
        vec!["Marketing digital", "Marketing digital"]
    );
    // A new key is a new request.
    let fresh = create(&app, &token, "key-2", "Autre titre").await;
    assert_eq!(fresh.status, 201, "{}", fresh.text());
}

#[actix_rt::test]
async fn concurrent_twins_execute_once() {
    // Arrange
    let app = spawn_app_with(long_tokens).await;
    let admin = app.admin();

    // Act: ten copies of one request at once.
    let answers = futures_util::future::join_all(
        (0..10).map(|_| create(&app, &admin.access_token, "twin", "Veille & inspiration")),
    )
    .await;

    // Assert: one programme; every twin waited for the first and got its
    // answer (none is told "try again later").
    assert_eq!(titles(&app, &admin.access_token).await.len(), 1);
    let id = answers[0].json()["id"].clone();
    for a in &answers {
        assert_eq!(a.status, 201, "{}", a.text());
        assert_eq!(a.json()["id"], id);
    }
    assert_eq!(
        answers
            .iter()
            .filter(|a| a.header("idempotent-replayed").as_deref() == Some("false"))
            .count(),
        1
    );
}

#[actix_rt::test]
async fn failures_a_retry_may_fix_are_not_kept_and_errors_are_replayed() {
    let app = spawn_app_with(long_tokens).await;
    let admin = app.admin();
    let learner = app.user(UserSpec::default());

    // A refused request is answered the same way again.
    let refused = create(&app, &learner.access_token, "k", "P").await;
    refused.assert_problem(403, "forbidden");
    let again = create(&app, &learner.access_token, "k", "P").await;
    again.assert_problem(403, "forbidden");
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));

    // A bad token keeps nothing: the retry with a good one runs.
    let expired = app
        .request(
            Method::POST,
            "/api/v1/programmes",
            Some("not-a-token"),
            Some(&json!({ "title": "P" })),
            &[("Idempotency-Key", "k2")],
        )
        .await;
    assert_eq!(expired.status, 401);
    let retried = create(&app, &admin.access_token, "k2", "P").await;
    assert_eq!(retried.status, 201);

    // A key that is not one is refused; anonymous requests ignore keys.
    let blank = app
        .request(
            Method::POST,
            "/api/v1/programmes",
            Some(&admin.access_token),
            Some(&json!({ "title": "P" })),
            &[("Idempotency-Key", "a b")],
        )
        .await;
    blank.assert_problem(422, "validation_failed");
    let long = "x".repeat(256);
    create(&app, &admin.access_token, &long, "P")
        .await
        .assert_problem(422, "validation_failed");
    for _ in 0..2 {
        let login = app
            .request(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(&json!({ "email": "nobody@example.org", "password": "wrong password" })),
                &[("Idempotency-Key", "anon")],
            )
            .await;
        assert_eq!(login.status, 401);
        assert!(login.header("idempotent-replayed").is_none());
    }

    // Deletes and bodiless writes take keys too.
    let programme: Value = create(&app, &admin.access_token, "k3", "À supprimer")
        .await
        .json();
    let path = format!("/api/v1/programmes/{}", programme["id"].as_str().unwrap());
    for replayed in ["false", "true"] {
        let res = app
            .request(
                Method::DELETE,
                &path,
                Some(&admin.access_token),
                None,
                &[("Idempotency-Key", "k4")],
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.text());
        assert_eq!(res.header("idempotent-replayed").as_deref(), Some(replayed));
    }
}

#[actix_rt::test]
async fn a_keyed_delete_of_a_material_keeps_its_bytes_until_it_commits_and_a_failed_statement_is_a_clean_answer(
) {
    // A keyed DELETE removes the row in the request's transaction: the
    // bytes go only after the COMMIT, and they do go.
    let c = crate::fixtures::class(&[]).await;
    let res = crate::materials::upload(
        &c.app,
        &c.trainer.access_token,
        &c.session,
        "slides",
        "plan.pdf",
        &crate::materials::pdf(3_000),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let id = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(crate::materials::stored_files(&c.app).len(), 1);
    let deleted = c
        .app
        .request(
            Method::DELETE,
            &format!("/api/v1/materials/{id}"),
            Some(&c.trainer.access_token),
            None,
            &[("Idempotency-Key", "del-1")],
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    assert!(crate::materials::stored_files(&c.app).is_empty());

    // A keyed request whose statement fails inside (a duplicate the
    // handler answers itself) still commits its answer, and replays it.
    let admin = c.app.admin();
    for key in ["dup-1", "dup-1"] {
        let res = c
            .app
            .request(
                Method::POST,
                "/api/v1/programmes",
                Some(&admin.access_token),
                Some(&json!({ "title": "Doublon" })),
                &[("Idempotency-Key", key)],
            )
            .await;
        assert!(res.status < 500, "{}: {}", res.status, res.text());
    }
}
