//! The committed OpenAPI document must match the code; the server serves it.

use crate::helpers::spawn_app;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/api-spec/openapi.json");

#[test]
fn committed_openapi_document_is_up_to_date() {
    let generated = griot::app::openapi::spec_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "api-spec/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test openapi` and commit it"
    );
}

/// Generated clients name their functions after operation ids: two
/// operations with one id break them (handler names must differ).
#[test]
fn every_operation_id_is_unique() {
    let doc: serde_json::Value = serde_json::from_str(&griot::app::openapi::spec_json()).unwrap();
    let mut seen = std::collections::HashMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                if let Some(other) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                    panic!("operation id `{id}` of {method} {path} is also {other}'s");
                }
            }
        }
    }
}

#[test]
fn the_document_is_openapi_3_1_and_documents_problems() {
    let doc: serde_json::Value = serde_json::from_str(&griot::app::openapi::spec_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/countries",
        "/health/live",
        "/health/ready",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
}

#[actix_rt::test]
async fn the_server_serves_the_document_and_an_explorer() {
    let app = spawn_app().await;
    let res = app.get("/api-docs/openapi.json", None).await;
    assert_eq!(res.status, 200);
    let served = res.json();
    let generated: serde_json::Value =
        serde_json::from_str(&griot::app::openapi::spec_json()).unwrap();
    assert_eq!(served, generated);

    let docs = app.get("/docs/", None).await;
    assert_eq!(docs.status, 200);
    assert!(docs.text().contains("swagger-ui"));
    let redirect = app.get("/docs", None).await;
    assert_eq!(redirect.status, 308);
    // The explorer's assets are compiled in, not fetched from a CDN.
    let js = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(js.status, 200);
    assert!(
        !docs.text().contains("https://"),
        "explorer references remote assets"
    );
}
