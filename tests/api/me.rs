use serde_json::json;

use crate::helpers::{session_from, spawn_app, PASSWORD};

#[actix_rt::test]
async fn a_user_edits_their_profile() {
    let app = spawn_app().await;
    let s = app.register("edit@example.org").await;
    let res = app
        .patch(
            "/api/v1/me",
            Some(&s.access_token),
            &json!({ "full_name": " Aminata Diallo ", "country_code": "ml", "language": "en" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["full_name"], "Aminata Diallo");
    assert_eq!(body["country_code"], "ML");
    assert_eq!(body["language"], "en");
    assert_eq!(
        body["profile_type"], "professional",
        "untouched fields stay"
    );

    let me = app.get("/api/v1/me", Some(&s.access_token)).await.json();
    assert_eq!(me["country_code"], "ML");
}

#[actix_rt::test]
async fn profile_edits_are_validated_and_change_nothing_when_refused() {
    let app = spawn_app().await;
    let s = app.register("strict@example.org").await;
    let res = app
        .patch(
            "/api/v1/me",
            Some(&s.access_token),
            &json!({ "full_name": "New Name", "country_code": "ZZ" }),
        )
        .await;
    res.assert_problem(422, "validation_failed");
    let me = app.get("/api/v1/me", Some(&s.access_token)).await.json();
    assert_eq!(me["full_name"], "Awa Traoré");
    assert_eq!(me["country_code"], "CI");

    let bad_type = app
        .patch(
            "/api/v1/me",
            Some(&s.access_token),
            &json!({ "profile_type": "pilot" }),
        )
        .await;
    bad_type.assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn changing_the_password_signs_out_every_other_session() {
    let app = spawn_app().await;
    let here = app.register("pw@example.org").await;
    let elsewhere = session_from(&app.login("pw@example.org", PASSWORD).await.json());

    let res = app
        .post(
            "/api/v1/me/password",
            Some(&here.access_token),
            &json!({ "current_password": PASSWORD, "new_password": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());

    // The other session's refresh token is revoked; this one's still works.
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({ "refresh_token": elsewhere.refresh_token }),
    )
    .await
    .assert_problem(401, "unauthorized");
    let kept = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": here.refresh_token }),
        )
        .await;
    assert_eq!(kept.status, 200);

    app.login("pw@example.org", PASSWORD)
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(
        app.login("pw@example.org", "a brand new passphrase")
            .await
            .status,
        200
    );
}

#[actix_rt::test]
async fn changing_the_password_needs_the_current_one() {
    let app = spawn_app().await;
    let s = app.register("pw2@example.org").await;
    let res = app
        .post(
            "/api/v1/me/password",
            Some(&s.access_token),
            &json!({ "current_password": "wrong password", "new_password": "a brand new passphrase" }),
        )
        .await;
    let body = res.assert_problem(422, "validation_failed");
    assert!(body["errors"]["current_password"].is_array());
    let short = app
        .post(
            "/api/v1/me/password",
            Some(&s.access_token),
            &json!({ "current_password": PASSWORD, "new_password": "short" }),
        )
        .await;
    short.assert_problem(422, "validation_failed");
    assert_eq!(app.login("pw2@example.org", PASSWORD).await.status, 200);
}
