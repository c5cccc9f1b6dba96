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

/// Sends a request head (and no body, whatever it announces) on a socket
/// of its own, and reads the answer's head and body: what a client whose
/// body is still on its way gets, if the server answers before reading it.
async fn answer_before_body(app: &TestApp, head: String) -> String {
    let address = app.address.trim_start_matches("http://").to_owned();
    actix_rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .expect("read timeout");
        stream.write_all(head.as_bytes()).expect("write");
        let mut reply = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&reply);
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if reply.len() >= end + 4 + length {
                    break;
                }
            }
        }
        String::from_utf8_lossy(&reply).into_owned()
    })
    .await
    .expect("client thread")
}

fn patch_head(location: &str, token: &str, offset: usize, length: usize) -> String {
    format!(
        "PATCH {location} HTTP/1.1\r\nHost: griot\r\nAuthorization: Bearer {token}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {length}\r\n\r\n"
    )
}

#[actix_rt::test]
async fn a_newer_patch_wins_and_a_stale_one_is_answered_before_its_body() {
    // Arrange: a PATCH that has sent 100 KB of a 400 KB file and holds on,
    // as an old connection of a phone that changed networks.
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class(&["Awa"]).await;
    let token = trainer.access_token.clone();
    let bytes = pdf(400_000);
    let created = create(&app, &token, &session, "slides", bytes.len()).await;
    let location = created.header("location").unwrap();
    let id = location.rsplit('/').next().unwrap().to_owned();
    let (go_on, wait) = tokio::sync::oneshot::channel::<()>();
    let first = bytes::Bytes::copy_from_slice(&bytes[..100_000]);
    let rest = bytes::Bytes::copy_from_slice(&bytes[100_000..]);
    use futures_util::StreamExt;
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(
        futures_util::stream::once(async move {
            let _ = wait.await;
            Ok::<_, std::io::Error>(rest)
        }),
    );
    let old = {
        let req = app
            .client
            .patch(app.url(&location))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(TUS)
            .insert_header(("Upload-Offset", "0"))
            .insert_header(("Content-Type", "application/offset+octet-stream"));
        actix_rt::spawn(async move {
            match req.send_stream(Box::pin(body)).await {
                Ok(mut res) => {
                    let body = res.body().await.unwrap_or_default();
                    (
                        res.status().as_u16(),
                        String::from_utf8_lossy(&body).into_owned(),
                    )
                }
                // The server may close the connection as it answers.
                Err(e) => (0, e.to_string()),
            }
        })
    };
    let lease = |app: &TestApp| {
        let id = id.clone();
        app.db(move |conn| {
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct Lease {
                #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
                patch_lease: Option<String>,
            }
            diesel::sql_query(format!("SELECT patch_lease FROM uploads WHERE id = '{id}'"))
                .get_result::<Lease>(conn)
                .unwrap()
                .patch_lease
        })
    };
    for _ in 0..500 {
        if lease(&app).is_some() {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let held = lease(&app).expect("the first PATCH never took the lease");

    // Act: the client resumes from the offset HEAD gives, on a new connection.
    let resumed = head(&app, &token, &location).await;
    assert_eq!(resumed.header("upload-offset").as_deref(), Some("0"));
    let newer = patch(&app, &token, &location, 0, &bytes).await;

    // Assert: the newer PATCH wins at once and makes the material…
    assert_eq!(newer.status, 204, "{}", newer.text());
    assert_eq!(newer.header("upload-offset").as_deref(), Some("400000"));
    let material = newer.header("material-id").expect("Material-Id");
    assert_ne!(lease(&app).as_deref(), Some(held.as_str()));
    // …and the old one, when it goes on, stores nothing.
    go_on.send(()).unwrap();
    let (status, answer) = old.await.unwrap();
    assert!(status == 423 || status == 0, "{status}: {answer}");
    let content = app
        .get(
            &format!("/api/v1/materials/{material}/content"),
            Some(&learners[0].access_token),
        )
        .await;
    assert_eq!(content.body, bytes);
    assert_eq!(stored_files(&app).len(), 1);

    // A PATCH from a stale offset is answered before its body is sent…
    let reply = answer_before_body(&app, patch_head(&location, &token, 0, 400_000)).await;
    assert!(reply.starts_with("HTTP/1.1 409"), "{reply}");
    // …and so are bytes past Upload-Length on the finished upload.
    let reply = answer_before_body(&app, patch_head(&location, &token, 400_000, 10)).await;
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
}

#[actix_rt::test]
async fn bytes_past_the_upload_length_are_refused_before_they_are_read() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let token = &trainer.access_token;
    let bytes = pdf(50_000);
    let created = create(&app, token, &session, "slides", bytes.len()).await;
    let location = created.header("location").unwrap();
    let reply = answer_before_body(&app, patch_head(&location, token, 0, 50_001)).await;
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    // Nothing moved: the file still goes in.
    let res = patch(&app, token, &location, 0, &bytes).await;
    assert_eq!(res.status, 204, "{}", res.text());
    let material = res.header("material-id").expect("Material-Id");
    // On the finished upload, more bytes are 413, none is the final answer again.
    patch(&app, token, &location, 50_000, b"more")
        .await
        .assert_problem(413, "file_too_large");
    let again = patch(&app, token, &location, 50_000, b"").await;
    assert_eq!(
        (again.status, again.header("material-id")),
        (204, Some(material))
    );
}

#[actix_rt::test]
async fn an_upload_whose_process_died_before_making_its_material_is_finished_by_head() {
    // Arrange: the state a kill -9 leaves between "the last bytes are
    // stored" and "the material exists": every segment recorded, the
    // offset at the length, no material.
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class(&["Awa"]).await;
    let token = &trainer.access_token;
    let bytes = pdf(300_000);
    let created = create(&app, token, &session, "slides", bytes.len()).await;
    let location = created.header("location").unwrap();
    let id = location.rsplit('/').next().unwrap().to_owned();
    let res = patch(&app, token, &location, 0, &bytes[..200_000]).await;
    assert_eq!(res.status, 204, "{}", res.text());
    let key = format!("uploads/{id}/{:020}-killed", 200_000);
    let path = app.settings.data_dir.join("files").join(&key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &bytes[200_000..]).unwrap();
    app.db(|conn| {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(&format!(
            "INSERT INTO upload_segments (upload_id, start_offset, size, storage_key) \
             VALUES ('{id}', 200000, 100000, '{key}'); \
             UPDATE uploads SET upload_offset = 300000 WHERE id = '{id}';"
        ))
        .unwrap();
    });

    // Act: the client, reconnected, asks where it stands.
    let resumed = head(&app, token, &location).await;

    // Assert: complete is only ever said with the material it became.
    assert_eq!(resumed.status, 200);
    assert_eq!(resumed.header("upload-offset").as_deref(), Some("300000"));
    let material = resumed.header("material-id").expect("Material-Id");
    let content = app
        .get(
            &format!("/api/v1/materials/{material}/content"),
            Some(&learners[0].access_token),
        )
        .await;
    assert_eq!(content.status, 200);
    assert_eq!(
        hex::encode(Sha256::digest(&content.body)),
        hex::encode(Sha256::digest(&bytes))
    );
    // Asked again, the same material; the segments are gone from the store.
    let again = head(&app, token, &location).await;
    assert_eq!(again.header("material-id"), Some(material));
    assert_eq!(stored_files(&app).len(), 1);
}
