//! Sign-in and registration throttling: per account with a doubling
//! back-off, per client address per window, answered 429 with
//! `Retry-After` before any password is hashed, and kept in the database.

use chrono::Duration;
use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, TestApp, TestResponse, PASSWORD};

async fn wrong(app: &TestApp, email: &str) -> TestResponse {
    app.login(email, "not the password at all").await
}

#[actix_rt::test]
async fn wrong_passwords_back_off_by_doubling_and_a_success_starts_afresh() {
    // Arrange: five free failures (the default).
    let app = spawn_app().await;
    app.register("awa@example.org").await;
    for _ in 0..5 {
        assert_eq!(wrong(&app, "awa@example.org").await.status, 401);
    }

    // Act and assert: the sixth is still tried, and sets a 1 s back-off.
    assert_eq!(wrong(&app, "awa@example.org").await.status, 401);
    let held = wrong(&app, "awa@example.org").await;
    held.assert_problem(429, "rate_limited");
    assert_eq!(held.header("retry-after").as_deref(), Some("1"));
    // Even the right password waits: the back-off is per account.
    let res = app.login("awa@example.org", PASSWORD).await;
    assert_eq!(res.status, 429);

    // Once it has run out, one more try, and the next back-off is 2 s.
    app.clock.advance(Duration::seconds(1));
    assert_eq!(wrong(&app, "awa@example.org").await.status, 401);
    let held = wrong(&app, "awa@example.org").await;
    assert_eq!(held.status, 429);
    assert_eq!(held.header("retry-after").as_deref(), Some("2"));

    // A success clears the account: five free failures again.
    app.clock.advance(Duration::seconds(2));
    assert_eq!(app.login("awa@example.org", PASSWORD).await.status, 200);
    for _ in 0..5 {
        assert_eq!(wrong(&app, "awa@example.org").await.status, 401);
    }
    // Other accounts were never held back.
    app.register("bakary@example.org").await;
    assert_eq!(app.login("bakary@example.org", PASSWORD).await.status, 200);
}

#[actix_rt::test]
async fn a_burst_of_parallel_guesses_gets_only_the_free_tries_and_one_more() {
    // Arrange
    let app = spawn_app().await;
    app.register("target@example.org").await;

    // Act: 40 wrong passwords at once.
    let answers = join_all((0..40).map(|_| wrong(&app, "target@example.org"))).await;

    // Assert: the count is the database's, so exactly 5 + 1 were tried.
    let tried = answers.iter().filter(|r| r.status == 401).count();
    let held = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!((tried, held), (6, 34));
}

#[actix_rt::test]
async fn a_client_address_is_limited_in_failed_sign_ins_and_in_registrations() {
    // Arrange
    let app = spawn_app_with(|s| {
        s.throttle.client_max_failures = 3;
        s.throttle.client_max_registrations = 2;
        s.throttle.client_window_seconds = 60;
    })
    .await;
    app.register("one@example.org").await;
    app.register("two@example.org").await;

    // Act: three failures on three accounts, then a fourth sign-in.
    for who in ["a@example.org", "b@example.org", "c@example.org"] {
        assert_eq!(wrong(&app, who).await.status, 401);
    }
    let fourth = app.login("one@example.org", PASSWORD).await;
    let third_registration = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({ "email": "three@example.org", "password": PASSWORD,
                     "full_name": "Trois", "country_code": "CI", "profile_type": "student" }),
        )
        .await;

    // Assert: both wait for the end of the window.
    fourth.assert_problem(429, "rate_limited");
    assert_eq!(fourth.header("retry-after").as_deref(), Some("60"));
    third_registration.assert_problem(429, "rate_limited");
    app.clock.advance(Duration::seconds(60));
    assert_eq!(app.login("one@example.org", PASSWORD).await.status, 200);
}

#[actix_rt::test]
async fn throttles_hold_across_processes_on_one_database() {
    // Arrange: two servers on one database.
    let app = spawn_app().await;
    let other = app.sibling().await;
    app.register("shared@example.org").await;

    // Act: failures alternate between the two.
    for i in 0..6 {
        let through = if i % 2 == 0 { &app } else { &other };
        assert_eq!(wrong(through, "shared@example.org").await.status, 401);
    }

    // Assert: the back-off set through one holds on the other.
    assert_eq!(wrong(&other, "shared@example.org").await.status, 429);
    assert_eq!(wrong(&app, "shared@example.org").await.status, 429);
}

#[actix_rt::test]
async fn looking_invitations_up_is_limited_per_client_address_like_redeeming() {
    // Arrange
    let app = spawn_app_with(|s| {
        s.throttle.client_max_registrations = 2;
        s.throttle.client_window_seconds = 60;
    })
    .await;
    let path = "/api/v1/auth/invitations/some-guessed-token";

    // Act: a client trying tokens one look-up at a time.
    let first = app.get(path, None).await;
    let second = app.get(path, None).await;
    let third = app.get(path, None).await;

    // Assert
    first.assert_problem(404, "not_found");
    second.assert_problem(404, "not_found");
    third.assert_problem(429, "rate_limited");
    assert_eq!(third.header("retry-after").as_deref(), Some("60"));
    // Counted apart from redeeming: a look-up costs no redemption.
    app.post(path, None, &json!({ "password": "un mot de passe solide" }))
        .await
        .assert_problem(404, "not_found");
    app.clock.advance(Duration::seconds(60));
    app.get(path, None).await.assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn an_idempotency_key_does_not_wipe_out_failed_sign_ins() {
    // Arrange: a victim, and an attacker signed in to an account of their own.
    let app = spawn_app().await;
    app.register("victime@example.org").await;
    let attacker = app.register("curieux@example.org").await;

    // Act: guesses at the victim's password, each with a fresh key and the
    // attacker's own token (a keyed request that fails may be rolled back).
    let mut statuses = Vec::new();
    for i in 0..8 {
        let key = format!("guess-{i}");
        let res = app
            .request(
                awc::http::Method::POST,
                "/api/v1/auth/login",
                Some(&attacker.access_token),
                Some(&json!({ "email": "victime@example.org", "password": "pas le bon" })),
                &[("Idempotency-Key", key.as_str())],
            )
            .await;
        statuses.push(res.status);
    }

    // Assert: the failures were counted all the same; the back-off holds.
    assert_eq!(&statuses[..6], &[401; 6], "{statuses:?}");
    assert_eq!(statuses[6], 429, "{statuses:?}");
}
