use crate::helpers::spawn_app;

#[actix_rt::test]
async fn liveness_answers_without_touching_the_database() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let res = app.get("/health/live", None).await;
    // Assert
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ok");
}

#[actix_rt::test]
async fn readiness_checks_the_database() {
    let app = spawn_app().await;
    let res = app.get("/health/ready", None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ok");
}

#[actix_rt::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let generated = app.get("/health/live", None).await;
    let id = generated.header("x-request-id").expect("x-request-id");
    assert!(id.len() >= 16);

    let echoed = app
        .request(
            awc::http::Method::GET,
            "/health/live",
            None,
            None,
            &[("X-Request-Id", "client-chosen-42")],
        )
        .await;
    assert_eq!(
        echoed.header("x-request-id").as_deref(),
        Some("client-chosen-42")
    );

    let error = app.get("/no/such/route", None).await;
    assert!(error.header("x-request-id").is_some());
}

#[actix_rt::test]
async fn responses_are_compressed_for_clients_that_ask() {
    let app = spawn_app().await;
    let mut res = app
        .client
        .get(app.url("/api/v1/countries"))
        .insert_header(("Accept-Encoding", "gzip"))
        .no_decompress()
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()
            .get("content-encoding")
            .unwrap()
            .to_str()
            .unwrap(),
        "gzip"
    );
    let compressed = res.body().await.unwrap();
    assert_eq!(&compressed[..2], &[0x1f, 0x8b], "gzip magic bytes");
}

#[actix_rt::test]
async fn cors_allows_only_configured_origins() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(awc::http::Method::OPTIONS, app.url("/api/v1/me"))
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", "PATCH"))
            .insert_header((
                "Access-Control-Request-Headers",
                "authorization, content-type",
            ))
            .send()
    };
    let allowed = preflight(crate::helpers::ALLOWED_ORIGIN).await.unwrap();
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .unwrap()
            .to_str()
            .unwrap(),
        crate::helpers::ALLOWED_ORIGIN
    );

    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}
