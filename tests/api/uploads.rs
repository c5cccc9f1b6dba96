//! Resumable uploads (tus 1.0.0) through HTTP: creation, offsets, resuming,
//! the final PATCH making the material, termination, expiry.

use awc::http::Method;
use base64::Engine;
use griot::clock::Clock;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::fixtures::{class, Class};
use crate::helpers::{TestApp, TestResponse, UserSpec};
use crate::materials::{pdf, stored_files};

const TUS: (&str, &str) = ("Tus-Resumable", "1.0.0");

pub(crate) fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

pub(crate) async fn create(
    app: &TestApp,
    token: &str,
    session: &str,
    kind: &str,
    length: usize,
) -> TestResponse {
    let metadata = format!(
        "session_id {},title {},kind {},filename {}",
        b64(session),
        b64("Replay de la master class"),
        b64(kind),
        b64("replay.pdf")
    );
    let length = length.to_string();
    app.send(
        Method::POST,
        "/api/v1/uploads",
        Some(token),
        &[
            TUS,
            ("Upload-Length", &length),
            ("Upload-Metadata", &metadata),
        ],
        None,
    )
    .await
}

pub(crate) async fn patch(
    app: &TestApp,
    token: &str,
    location: &str,
    offset: usize,
    bytes: &[u8],
) -> TestResponse {
    let offset = offset.to_string();
    app.send(
        Method::PATCH,
        location,
        Some(token),
        &[
            TUS,
            ("Upload-Offset", &offset),
            ("Content-Type", "application/offset+octet-stream"),
        ],
        Some(bytes.to_vec()),
    )
    .await
}

pub(crate) async fn head(app: &TestApp, token: &str, location: &str) -> TestResponse {
    app.send(Method::HEAD, location, Some(token), &[TUS], None)
        .await
}

#[actix_rt::test]
async fn the_server_says_what_it_supports() {
    let Class { app, .. } = class(&[]).await;
    let res = app
        .send(Method::OPTIONS, "/api/v1/uploads", None, &[], None)
        .await;
    assert_eq!(res.status, 204);
    assert_eq!(res.header("tus-version").as_deref(), Some("1.0.0"));
    assert_eq!(res.header("tus-resumable").as_deref(), Some("1.0.0"));
    assert_eq!(
        res.header("tus-extension").as_deref(),
        Some("creation,termination,expiration")
    );
    assert_eq!(
        res.header("tus-max-size"),
        Some(app.settings.max_recording_bytes.to_string())
    );
}

#[actix_rt::test]
async fn an_upload_resumes_where_it_stopped_and_its_last_bytes_make_the_material() {
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class(&["Awa"]).await;
    let token = &trainer.access_token;
    let bytes = pdf(500_000);
    let created = create(&app, token, &session, "slides", bytes.len()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let location = created.header("location").unwrap();
    assert!(location.starts_with("/api/v1/uploads/"), "{location}");
    assert!(created.header("upload-expires").is_some());

    let start = head(&app, token, &location).await;
    assert_eq!(start.status, 200);
    assert_eq!(start.header("upload-offset").as_deref(), Some("0"));
    assert_eq!(start.header("upload-length").as_deref(), Some("500000"));
    assert_eq!(start.header("cache-control").as_deref(), Some("no-store"));

    let first = patch(&app, token, &location, 0, &bytes[..200_000]).await;
    assert_eq!(first.status, 204, "{}", first.text());
    assert_eq!(first.header("upload-offset").as_deref(), Some("200000"));
    assert!(first.header("material-id").is_none());
    // A client that lost track sends the same bytes again: refused, nothing moves.
    patch(&app, token, &location, 0, &bytes[..200_000])
        .await
        .assert_problem(409, "conflict");
    let resumed = head(&app, token, &location).await;
    assert_eq!(resumed.header("upload-offset").as_deref(), Some("200000"));

    let last = patch(&app, token, &location, 200_000, &bytes[200_000..]).await;
    assert_eq!(last.status, 204, "{}", last.text());
    assert_eq!(last.header("upload-offset").as_deref(), Some("500000"));
    let material = last.header("material-id").expect("Material-Id");

    let listed = app
        .get(
            &format!("/api/v1/sessions/{session}/materials"),
            Some(&learners[0].access_token),
        )
        .await
        .json();
    let item = &listed["items"][0];
    assert_eq!(item["id"], material.as_str());
    assert_eq!(item["size_bytes"], 500_000);
    assert_eq!(item["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!(item["file_name"], "replay.pdf");
    let content = app
        .get(
            &format!("/api/v1/materials/{material}/content"),
            Some(&learners[0].access_token),
        )
        .await;
    assert_eq!(content.body, bytes);
    // Only the material's file is left: the segments went.
    assert_eq!(stored_files(&app).len(), 1);
    // The final answer can be asked for again.
    let done = head(&app, token, &location).await;
    assert_eq!(done.header("upload-offset").as_deref(), Some("500000"));
    assert_eq!(done.header("material-id"), Some(material.clone()));
    let again = patch(&app, token, &location, 500_000, b"").await;
    assert_eq!(
        (again.status, again.header("material-id")),
        (204, Some(material))
    );
}

#[actix_rt::test]
async fn the_protocol_is_enforced() {
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class(&["Awa"]).await;
    let token = &trainer.access_token;
    let no_version = app
        .send(
            Method::POST,
            "/api/v1/uploads",
            Some(token),
            &[("Upload-Length", "10")],
            None,
        )
        .await;
    no_version.assert_problem(412, "tus_version");
    assert_eq!(no_version.header("tus-version").as_deref(), Some("1.0.0"));
    let no_length = app
        .send(Method::POST, "/api/v1/uploads", Some(token), &[TUS], None)
        .await;
    no_length.assert_problem(400, "bad_request");
    // Over the kind's limit, refused before a byte is sent.
    let too_big = create(&app, token, &session, "document", 200 << 20).await;
    too_big.assert_problem(413, "file_too_large");
    let bad_kind = create(&app, token, &session, "link", 10).await;
    bad_kind.assert_problem(422, "validation_failed");
    // Learners do not add materials; strangers do not see the session.
    create(&app, &learners[0].access_token, &session, "slides", 10)
        .await
        .assert_problem(403, "forbidden");
    let stranger = app.user(UserSpec::default());
    create(&app, &stranger.access_token, &session, "slides", 10)
        .await
        .assert_problem(404, "not_found");

    let location = create(&app, token, &session, "slides", 1000)
        .await
        .header("location")
        .unwrap();
    // Only its creator sees an upload.
    head(&app, &stranger.access_token, &location).await;
    let theirs = head(&app, &learners[0].access_token, &location).await;
    assert_eq!(theirs.status, 404);
    let wrong_type = app
        .send(
            Method::PATCH,
            &location,
            Some(token),
            &[
                TUS,
                ("Upload-Offset", "0"),
                ("Content-Type", "application/json"),
            ],
            Some(b"{}".to_vec()),
        )
        .await;
    wrong_type.assert_problem(415, "unsupported_media_type");
    patch(&app, token, &location, 0, &pdf(1001))
        .await
        .assert_problem(413, "file_too_large");
    assert_eq!(
        head(&app, token, &location)
            .await
            .header("upload-offset")
            .as_deref(),
        Some("0")
    );
    assert_eq!(stored_files(&app).len(), 0);
}

#[actix_rt::test]
async fn a_file_that_does_not_fit_its_kind_ends_the_upload_and_termination_drops_the_bytes() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let token = &trainer.access_token;
    // Declared a recording, the bytes are a PDF.
    let location = create(&app, token, &session, "recording", 5000)
        .await
        .header("location")
        .unwrap();
    patch(&app, token, &location, 0, &pdf(2000)).await;
    let refused = patch(&app, token, &location, 2000, &pdf(3000)).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(head(&app, token, &location).await.status, 404);
    assert_eq!(stored_files(&app).len(), 0);

    let location = create(&app, token, &session, "slides", 5000)
        .await
        .header("location")
        .unwrap();
    patch(&app, token, &location, 0, &pdf(2000)).await;
    assert_eq!(stored_files(&app).len(), 1);
    let gone = app
        .send(Method::DELETE, &location, Some(token), &[TUS], None)
        .await;
    assert_eq!(gone.status, 204);
    assert_eq!(head(&app, token, &location).await.status, 404);
    assert_eq!(stored_files(&app).len(), 0);
    let listed = app
        .get(
            &format!("/api/v1/sessions/{session}/materials"),
            Some(token),
        )
        .await
        .json();
    assert_eq!(listed["items"], json!([]));
}

#[actix_rt::test]
async fn housekeeping_sweeps_abandoned_uploads_and_their_bytes() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let token = &trainer.access_token;
    let location = create(&app, token, &session, "slides", 5000)
        .await
        .header("location")
        .unwrap();
    patch(&app, token, &location, 0, &pdf(2000)).await;
    let now = app.clock.now_naive();
    let early = app
        .db(|conn| griot::app::housekeeping::run_once(conn, &app.settings, now))
        .unwrap();
    assert_eq!(early.uploads, 0);
    let later = now + chrono::Duration::hours(25);
    let report = app
        .db(|conn| griot::app::housekeeping::run_once(conn, &app.settings, later))
        .unwrap();
    assert_eq!(report.uploads, 1);
    let storage = griot::storage::Storage::open(&app.settings).unwrap();
    storage.discard(&report.dropped_keys).await;
    assert_eq!(stored_files(&app).len(), 0);
}

#[actix_rt::test]
async fn the_first_patch_of_a_file_of_the_wrong_type_is_refused_at_once() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let token = &trainer.access_token;
    // Declared a 50 MB recording; its first 100 kB are a PDF.
    let location = create(&app, token, &session, "recording", 50_000_000)
        .await
        .header("location")
        .unwrap();
    let refused = patch(&app, token, &location, 0, &pdf(100_000)).await;
    let problem = refused.assert_problem(422, "validation_failed");
    assert!(problem["errors"]["file"][0]
        .as_str()
        .unwrap()
        .contains("application/pdf"));
    assert_eq!(head(&app, token, &location).await.status, 404);
    assert_eq!(stored_files(&app).len(), 0);
}

/// A browser app on another origin (tus-js-client, Uppy): the preflight of
/// each tus request passes, and every header a client reads is exposed.
#[actix_rt::test]
async fn tus_works_from_a_browser_on_another_origin() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let origin = crate::helpers::ALLOWED_ORIGIN;
    for (method, path) in [
        ("POST", "/api/v1/uploads"),
        ("PATCH", "/api/v1/uploads/x"),
        ("HEAD", "/api/v1/uploads/x"),
        ("DELETE", "/api/v1/uploads/x"),
    ] {
        // The raw client: a preflight is the CORS layer's, not the API's.
        let preflight = app
            .client
            .request(Method::OPTIONS, app.url(path))
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", method))
            .insert_header((
                "Access-Control-Request-Headers",
                "tus-resumable, upload-length, upload-metadata, upload-offset, \
                 upload-concat, content-type, authorization",
            ))
            .send()
            .await
            .unwrap();
        let header = |name: &str| {
            preflight
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert!(
            preflight.status().is_success(),
            "{method} {path}: {}",
            preflight.status()
        );
        assert_eq!(
            header("access-control-allow-origin").as_deref(),
            Some(origin)
        );
        let methods = header("access-control-allow-methods").unwrap_or_default();
        assert!(methods.contains(method), "{methods}");
        let allowed = header("access-control-allow-headers")
            .unwrap_or_default()
            .to_ascii_lowercase();
        for h in [
            "tus-resumable",
            "upload-length",
            "upload-metadata",
            "upload-offset",
        ] {
            assert!(allowed.contains(h), "{h} not in {allowed}");
        }
    }
    // The answers themselves expose what a client must read.
    let token = &trainer.access_token;
    let metadata = format!(
        "session_id {},title {},kind {},filename {}",
        b64(&session),
        b64("Replay"),
        b64("slides"),
        b64("replay.pdf")
    );
    let created = app
        .send(
            Method::POST,
            "/api/v1/uploads",
            Some(token),
            &[
                TUS,
                ("Origin", origin),
                ("Upload-Length", "3000"),
                ("Upload-Metadata", &metadata),
            ],
            None,
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(
        created.header("access-control-allow-origin").as_deref(),
        Some(origin)
    );
    let exposed = created
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for h in [
        "location",
        "upload-offset",
        "upload-length",
        "tus-resumable",
        "tus-version",
        "tus-extension",
        "tus-max-size",
        "upload-expires",
        "material-id",
        "content-range",
        "etag",
        "content-disposition",
    ] {
        assert!(exposed.contains(h), "{h} not exposed: {exposed}");
    }
}
