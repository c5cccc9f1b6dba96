//! Every error is problem+json with a stable code, in French by default and
//! in English on request, and never leaks internals.

use awc::http::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[actix_rt::test]
async fn unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/nowhere", None).await;
    let body = res.assert_problem(404, "not_found");
    assert_eq!(body["title"], "Introuvable");
}

#[actix_rt::test]
async fn wrong_method_is_a_405_problem() {
    let app = spawn_app().await;
    let res = app.delete("/api/v1/auth/login", None).await;
    res.assert_problem(405, "method_not_allowed");
}

#[actix_rt::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let mut res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .insert_header(("Content-Type", "application/json"))
        .send_body("{\"email\": \"a@b.c\", ")
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
}

#[actix_rt::test]
async fn a_body_that_is_not_json_is_refused_with_415() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .insert_header(("Content-Type", "text/plain"))
        .send_body("email=a@b.c")
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 415);
}

#[actix_rt::test]
async fn validation_failures_name_each_field() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({
                "email": "not-an-email",
                "password": "short",
                "full_name": "  ",
                "country_code": "CI",
                "profile_type": "professional"
            }),
        )
        .await;
    let body = res.assert_problem(422, "validation_failed");
    let errors = body["errors"].as_object().unwrap();
    assert!(errors.contains_key("email"), "{body}");
    assert!(errors.contains_key("password"), "{body}");
    assert!(errors.contains_key("full_name"), "{body}");
}

#[actix_rt::test]
async fn a_missing_field_or_unknown_word_is_a_422_on_that_field() {
    let app = spawn_app().await;
    let missing = app
        .post("/api/v1/auth/login", None, &json!({ "email": "a@b.org" }))
        .await;
    let body = missing.assert_problem(422, "validation_failed");
    assert!(body["errors"]["password"].is_array(), "{body}");

    let unknown = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({
                "email": "a@b.org", "password": "long enough password",
                "full_name": "A", "country_code": "CI", "profile_type": "astronaut"
            }),
        )
        .await;
    let body = unknown.assert_problem(422, "validation_failed");
    let msg = body["errors"]["profile_type"][0].as_str().unwrap();
    assert!(msg.contains("professional"), "{msg}");
}

#[actix_rt::test]
async fn messages_follow_accept_language_french_first() {
    let app = spawn_app().await;
    let body = json!({ "email": "a@b.org", "password": "x" });
    let fr = app.post("/api/v1/auth/login", None, &body).await;
    let fr = fr.assert_problem(401, "unauthorized");
    assert_eq!(fr["detail"], "Adresse e-mail ou mot de passe incorrect.");

    let en = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(&body),
            &[("Accept-Language", "en-GB,en;q=0.9")],
        )
        .await;
    assert_eq!(en.header("content-language").as_deref(), Some("en"));
    let en = en.assert_problem(401, "unauthorized");
    assert_eq!(en["detail"], "Incorrect email address or password.");

    let not_found_en = app
        .request(
            Method::GET,
            "/nope",
            None,
            None,
            &[("Accept-Language", "en")],
        )
        .await;
    assert_eq!(
        not_found_en.assert_problem(404, "not_found")["title"],
        "Not found"
    );
}

#[actix_rt::test]
async fn an_oversized_body_is_a_413_problem() {
    let app = spawn_app_small_limit().await;
    let big = "x".repeat(4096);
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "a@b.org", "password": big }),
        )
        .await;
    res.assert_problem(413, "payload_too_large");
}

async fn spawn_app_small_limit() -> crate::helpers::TestApp {
    crate::helpers::spawn_app_with(|s| s.json_body_limit_bytes = 1024).await
}

#[actix_rt::test]
async fn errors_never_carry_internals() {
    let app = spawn_app().await;
    let session = app.register("leak@example.org").await;
    let res = app.get("/api/v1/me", Some(&session.access_token)).await;
    let text = res.text();
    assert!(!text.contains("argon2"), "password hash leaked: {text}");
    assert!(!text.contains("password"), "{text}");
}
