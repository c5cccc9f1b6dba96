//! Session materials through HTTP: streamed multipart uploads, type
//! sniffing, limits, same-bytes dedupe, downloads with ranges and
//! validators, links, deletion, and who may do what.

use awc::http::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fixtures::{class, class_on, long_tokens, Class};
use crate::helpers::{spawn_app_with, TestApp, TestResponse, UserSpec};

pub(crate) const BOUNDARY: &str = "griot-test-boundary-7MA4YWxkTrZu0gW";

/// A PDF header and some body: enough for the type to be read.
pub(crate) fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut i = 0u32;
    while bytes.len() < len {
        bytes.extend_from_slice(format!("{i} 0 obj << /Length 10 >> endobj\n").as_bytes());
        i += 1;
    }
    bytes.truncate(len);
    bytes
}

/// An MP4 `ftyp` box, then padding.
pub(crate) fn mp4(len: usize) -> Vec<u8> {
    let mut bytes = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
    bytes.resize(len, 0x42);
    bytes
}

/// A multipart body with these text parts, then (if any) the file part.
pub(crate) fn form(texts: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in texts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A multipart body with the file part first, then these text parts: the
/// order a client generated from the spec sends them in.
pub(crate) fn form_file_first(file: (&str, &[u8]), texts: &[(&str, &str)]) -> Vec<u8> {
    let mut body = form(&[], Some(file));
    let end = format!("--{BOUNDARY}--\r\n");
    body.truncate(body.len() - end.len());
    let rest = form(texts, None);
    body.extend_from_slice(&rest);
    body
}

pub(crate) async fn upload_form(
    app: &TestApp,
    token: &str,
    session: &str,
    body: Vec<u8>,
    chunked: bool,
) -> TestResponse {
    app.send_raw(
        Method::POST,
        &format!("/api/v1/sessions/{session}/materials"),
        Some(token),
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        body,
        chunked,
    )
    .await
}

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    session: &str,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
) -> TestResponse {
    let body = form(
        &[("title", "Support de la séance"), ("kind", kind)],
        Some((file_name, bytes)),
    );
    upload_form(app, token, session, body, false).await
}

/// Every file in the store.
pub(crate) fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.settings.data_dir.join("files"), &mut out);
    out
}

pub(crate) async fn list(app: &TestApp, token: &str, session: &str) -> TestResponse {
    app.get(
        &format!("/api/v1/sessions/{session}/materials"),
        Some(token),
    )
    .await
}

pub(crate) async fn content(
    app: &TestApp,
    token: &str,
    id: &str,
    headers: &[(&str, &str)],
) -> TestResponse {
    app.request(
        Method::GET,
        &format!("/api/v1/materials/{id}/content"),
        Some(token),
        None,
        headers,
    )
    .await
}

#[actix_rt::test]
async fn a_trainer_uploads_slides_and_a_learner_sees_their_cost_and_downloads_them() {
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class(&["Awa"]).await;
    let bytes = pdf(300_000);
    let res = upload(
        &app,
        &trainer.access_token,
        &session,
        "slides",
        "Séance 1.pdf",
        &bytes,
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let material = res.json();
    let sha = hex::encode(Sha256::digest(&bytes));
    assert_eq!(material["kind"], "slides");
    assert_eq!(material["content_type"], "application/pdf");
    assert_eq!(material["size_bytes"], 300_000);
    assert_eq!(material["sha256"], sha);
    assert_eq!(material["file_name"], "Séance 1.pdf");
    assert_eq!(material["title"], "Support de la séance");
    let id = material["id"].as_str().unwrap();

    let learner = &learners[0].access_token;
    let listed = list(&app, learner, &session).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["items"], json!([material]));

    let whole = content(&app, learner, id, &[]).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, bytes);
    assert_eq!(whole.header("etag"), Some(format!("\"{sha}\"")));
    assert_eq!(whole.header("accept-ranges").as_deref(), Some("bytes"));
    assert_eq!(
        whole.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(whole.header("content-length").as_deref(), Some("300000"));
    assert_eq!(
        whole.header("content-disposition").as_deref(),
        Some("attachment; filename=\"S_ance 1.pdf\"; filename*=UTF-8''S%C3%A9ance%201.pdf")
    );
    assert!(whole
        .header("content-encoding")
        .is_none_or(|e| e == "identity"));
    assert_eq!(stored_files(&app).len(), 1);
}

#[actix_rt::test]
async fn downloads_resume_by_range_and_revalidate_for_free() {
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class(&["Awa"]).await;
    let bytes = mp4(1_000_000);
    let res = upload(
        &app,
        &trainer.access_token,
        &session,
        "recording",
        "mc.mp4",
        &bytes,
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let etag = format!("\"{}\"", res.json()["sha256"].as_str().unwrap());
    let learner = &learners[0].access_token;

    let part = content(&app, learner, &id, &[("Range", "bytes=1000-1999")]).await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body, &bytes[1000..2000]);
    assert_eq!(
        part.header("content-range").as_deref(),
        Some("bytes 1000-1999/1000000")
    );
    assert_eq!(part.header("content-length").as_deref(), Some("1000"));

    // Resuming after a drop: from an offset to the end.
    let rest = content(&app, learner, &id, &[("Range", "bytes=999000-")]).await;
    assert_eq!(rest.status, 206);
    assert_eq!(rest.body, &bytes[999_000..]);
    let tail = content(&app, learner, &id, &[("Range", "bytes=-10")]).await;
    assert_eq!(
        (tail.status, tail.body.as_slice()),
        (206, &bytes[999_990..])
    );

    let past = content(&app, learner, &id, &[("Range", "bytes=1000000-")]).await;
    past.assert_problem(416, "range_not_satisfiable");
    assert_eq!(
        past.header("content-range").as_deref(),
        Some("bytes */1000000")
    );

    // If-Range: the range only if the file is still the one held.
    let same = content(
        &app,
        learner,
        &id,
        &[("Range", "bytes=0-9"), ("If-Range", &etag)],
    )
    .await;
    assert_eq!(same.status, 206);
    let changed = content(
        &app,
        learner,
        &id,
        &[("Range", "bytes=0-9"), ("If-Range", "\"other\"")],
    )
    .await;
    assert_eq!((changed.status, changed.body.len()), (200, 1_000_000));

    let unchanged = content(&app, learner, &id, &[("If-None-Match", &etag)]).await;
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());
    assert_eq!(unchanged.header("etag"), Some(etag));
}

#[actix_rt::test]
async fn a_file_whose_bytes_do_not_fit_the_kind_is_refused_and_nothing_is_kept() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let token = &trainer.access_token;
    // A video sent as slides, whatever its name says.
    let res = upload(&app, token, &session, "slides", "slides.pdf", &mp4(100_000)).await;
    let problem = res.assert_problem(422, "validation_failed");
    let message = problem["errors"]["file"][0].as_str().unwrap();
    assert!(
        message.contains("video/mp4") && message.contains("PDF"),
        "{message}"
    );
    // Bytes of no known type as a document.
    let res = upload(
        &app,
        token,
        &session,
        "document",
        "a.bin",
        &[0u8, 1, 2, 3, 0, 9],
    )
    .await;
    res.assert_problem(422, "validation_failed");
    assert!(stored_files(&app).is_empty());
    assert_eq!(list(&app, token, &session).await.json()["items"], json!([]));
}

#[actix_rt::test]
async fn over_the_kinds_limit_is_413_before_or_during_the_transfer_and_leaves_nothing() {
    let app = spawn_app_with(|s| {
        long_tokens(s);
        s.max_document_bytes = 100_000;
    })
    .await;
    let Class {
        app,
        trainer,
        session,
        ..
    } = class_on(app, &[]).await;
    let token = &trainer.access_token;
    let body = form(
        &[("title", "Trop gros"), ("kind", "document")],
        Some(("gros.pdf", &pdf(400_000))),
    );
    // With a Content-Length: refused before the body is read.
    let early = upload_form(&app, token, &session, body.clone(), false).await;
    let problem = early.assert_problem(413, "file_too_large");
    assert!(
        problem["detail"].as_str().unwrap().contains("1 Mio"),
        "{problem}"
    );
    // Streamed without one: refused when the limit is crossed.
    let late = upload_form(&app, token, &session, body, true).await;
    late.assert_problem(413, "file_too_large");
    // Recordings have their own, larger limit.
    let ok = upload(&app, token, &session, "recording", "mc.mp4", &mp4(400_000)).await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    assert_eq!(stored_files(&app).len(), 1);
    assert_eq!(
        list(&app, token, &session).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[actix_rt::test]
async fn the_same_bytes_twice_in_a_session_are_one_material_even_at_once() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let token = &trainer.access_token;
    let bytes = pdf(200_000);
    let uploads = (0..4).map(|_| upload(&app, token, &session, "slides", "s.pdf", &bytes));
    let answers = futures_util::future::join_all(uploads).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 201),
        "{statuses:?}"
    );
    let ids: std::collections::HashSet<Value> =
        answers.iter().map(|r| r.json()["id"].clone()).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(stored_files(&app).len(), 1);
    // The same bytes in another session are that session's own material.
    let other =
        crate::fixtures::new_session(&app, &trainer, &class_cohort(&app, &session).await, 30).await;
    let again = upload(&app, token, &other, "slides", "s.pdf", &bytes).await;
    assert_eq!(again.status, 201);
}

async fn class_cohort(app: &TestApp, session: &str) -> String {
    let admin = app.admin();
    let res = app
        .get(
            &format!("/api/v1/sessions/{session}"),
            Some(&admin.access_token),
        )
        .await;
    res.json()["cohort_id"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn links_are_materials_without_bytes() {
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class(&["Awa"]).await;
    let path = format!("/api/v1/sessions/{session}/materials");
    let token = Some(trainer.access_token.as_str());
    let plain = app
        .post(
            &path,
            token,
            &json!({"title": "Replay", "kind": "link", "url": "http://example.org/r"}),
        )
        .await;
    plain.assert_problem(422, "validation_failed");
    let res = app
        .post(
            &path,
            token,
            &json!({"title": "Replay", "kind": "link", "url": "https://example.org/r"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let link = res.json();
    assert_eq!(link["url"], "https://example.org/r");
    assert_eq!(link["size_bytes"], Value::Null);
    let id = link["id"].as_str().unwrap();
    let open = content(&app, &learners[0].access_token, id, &[]).await;
    assert_eq!(open.status, 303);
    assert_eq!(
        open.header("location").as_deref(),
        Some("https://example.org/r")
    );
}

#[actix_rt::test]
async fn a_broken_form_is_refused_with_the_field_named() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let token = &trainer.access_token;
    let no_file = form(&[("title", "T"), ("kind", "slides")], None);
    let res = upload_form(&app, token, &session, no_file, false).await;
    assert!(res.assert_problem(422, "validation_failed")["errors"]["file"].is_array());
    let file_first = form(&[], Some(("a.pdf", &pdf(1000))));
    let res = upload_form(&app, token, &session, file_first, false).await;
    assert!(res.assert_problem(422, "validation_failed")["errors"]["title"].is_array());
    let twice = form(
        &[("title", "T"), ("title", "U"), ("kind", "slides")],
        Some(("a.pdf", &pdf(1000))),
    );
    let res = upload_form(&app, token, &session, twice, false).await;
    assert!(res.assert_problem(422, "validation_failed")["errors"]["title"].is_array());
    let bad_kind = form(
        &[("title", "T"), ("kind", "link")],
        Some(("a.pdf", &pdf(1000))),
    );
    let res = upload_form(&app, token, &session, bad_kind, false).await;
    assert!(res.assert_problem(422, "validation_failed")["errors"]["kind"].is_array());
    let garbage = app
        .send_raw(
            Method::POST,
            &format!("/api/v1/sessions/{session}/materials"),
            Some(token),
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            b"not a multipart body at all".to_vec(),
            false,
        )
        .await;
    assert!(
        garbage.status == 400 || garbage.status == 422,
        "{}",
        garbage.text()
    );
    let text = app
        .send_raw(
            Method::POST,
            &format!("/api/v1/sessions/{session}/materials"),
            Some(token),
            "text/plain",
            b"hello".to_vec(),
            false,
        )
        .await;
    text.assert_problem(415, "unsupported_media_type");
    assert!(stored_files(&app).is_empty());
}

#[actix_rt::test]
async fn staff_and_trainers_manage_members_download_others_get_404() {
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class(&["Awa"]).await;
    let learner = &learners[0].access_token;
    let outsider = app.user(UserSpec::default());
    let res = upload(
        &app,
        &trainer.access_token,
        &session,
        "slides",
        "s.pdf",
        &pdf(5000),
    )
    .await;
    let id = res.json()["id"].as_str().unwrap().to_owned();

    upload(&app, learner, &session, "slides", "t.pdf", &pdf(6000))
        .await
        .assert_problem(403, "forbidden");
    upload(
        &app,
        &outsider.access_token,
        &session,
        "slides",
        "t.pdf",
        &pdf(6000),
    )
    .await
    .assert_problem(404, "not_found");
    list(&app, &outsider.access_token, &session)
        .await
        .assert_problem(404, "not_found");
    content(&app, &outsider.access_token, &id, &[])
        .await
        .assert_problem(404, "not_found");
    app.delete(&format!("/api/v1/materials/{id}"), Some(learner))
        .await
        .assert_problem(403, "forbidden");
    app.delete(
        &format!("/api/v1/materials/{id}"),
        Some(&outsider.access_token),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(stored_files(&app).len(), 1);

    // A country coordinator of the cohort's country is staff.
    let admin = app.admin();
    let deleted = app
        .delete(
            &format!("/api/v1/materials/{id}"),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(deleted.status, 204);
    content(&app, learner, &id, &[])
        .await
        .assert_problem(404, "not_found");
    assert!(
        stored_files(&app).is_empty(),
        "the bytes went with the material"
    );
    assert_eq!(
        list(&app, learner, &session).await.json()["items"],
        json!([])
    );
}

#[actix_rt::test]
async fn a_trainer_attaches_a_lighter_variant_that_members_can_download_instead() {
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class(&["Awa"]).await;
    let token = &trainer.access_token;
    let video = upload(&app, token, &session, "recording", "mc.mp4", &mp4(800_000)).await;
    let video_id = video.json()["id"].as_str().unwrap().to_owned();
    let mut audio = b"ID3\x03\x00\x00\x00\x00\x00\x21".to_vec();
    audio.resize(90_000, 0x55);
    let variant_form = |bytes: &[u8]| form(&[("title", "Audio seul")], Some(("mc.mp3", bytes)));
    let path = format!("/api/v1/materials/{video_id}/variants");
    let send = |token: &str, body: Vec<u8>| {
        let (app, path, token) = (&app, path.clone(), token.to_owned());
        async move {
            app.send_raw(
                Method::POST,
                &path,
                Some(&token),
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                body,
                false,
            )
            .await
        }
    };
    let added = send(token, variant_form(&audio)).await;
    assert_eq!(added.status, 201, "{}", added.text());
    let variant = added.json();
    assert_eq!(variant["content_type"], "audio/mpeg");
    assert_eq!(variant["size_bytes"], 90_000);
    // A PDF is no copy of a recording; learners add nothing.
    send(token, variant_form(&pdf(5000)))
        .await
        .assert_problem(422, "validation_failed");
    send(&learners[0].access_token, variant_form(&audio))
        .await
        .assert_problem(403, "forbidden");

    let listed = list(&app, &learners[0].access_token, &session).await.json();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "variants are not listed as materials"
    );
    assert_eq!(listed["items"][0]["variants"], json!([variant]));
    let variant_id = variant["id"].as_str().unwrap();
    let got = content(
        &app,
        &learners[0].access_token,
        variant_id,
        &[("Range", "bytes=0-2")],
    )
    .await;
    assert_eq!((got.status, got.body.as_slice()), (206, b"ID3".as_slice()));

    // A variant takes no variant, and a link none either.
    let again = app
        .send_raw(
            Method::POST,
            &format!("/api/v1/materials/{variant_id}/variants"),
            Some(token),
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            variant_form(&audio),
            false,
        )
        .await;
    again.assert_problem(409, "conflict");
    assert_eq!(stored_files(&app).len(), 2);
    // Deleting the recording deletes its variant and both files.
    let gone = app
        .delete(&format!("/api/v1/materials/{video_id}"), Some(token))
        .await;
    assert_eq!(gone.status, 204);
    content(&app, &learners[0].access_token, variant_id, &[])
        .await
        .assert_problem(404, "not_found");
    assert!(stored_files(&app).is_empty());
}

#[actix_rt::test]
async fn housekeeping_sweeps_old_files_no_row_names_and_keeps_the_rest() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let kept = upload(
        &app,
        &trainer.access_token,
        &session,
        "slides",
        "s.pdf",
        &pdf(5000),
    )
    .await;
    assert_eq!(kept.status, 201);
    // Bytes whose row never came: a process killed in between.
    let storage = griot::storage::Storage::open(&app.settings).unwrap();
    let mut stray = storage.begin("materials/stray").await.unwrap();
    stray.write(b"orphan").await.unwrap();
    stray.finish().await.unwrap();
    assert_eq!(stored_files(&app).len(), 2);
    let sweep = |cutoff| griot::app::housekeeping::sweep_orphans(&app.pool, &storage, cutoff);
    // Young files are left alone: an upload may be between its bytes and its row.
    let now = chrono::Utc::now();
    assert_eq!(sweep(now - chrono::Duration::hours(24)).await.unwrap(), 0);
    assert_eq!(sweep(now + chrono::Duration::hours(1)).await.unwrap(), 1);
    let left = stored_files(&app);
    assert_eq!(left.len(), 1);
    assert!(left[0].ends_with(kept.json()["id"].as_str().unwrap()));
}

#[actix_rt::test]
async fn housekeeping_sweeps_the_staging_files_of_writes_killed_half_way() {
    // Arrange: what a kill -9 in the middle of a PATCH or an assembly
    // leaves on a local store: a staging file `<key>#<n>` that the store's
    // listing skips, so no row-based sweep ever sees it.
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let kept = upload(
        &app,
        &trainer.access_token,
        &session,
        "slides",
        "s.pdf",
        &pdf(5000),
    )
    .await;
    assert_eq!(kept.status, 201);
    let files = app.settings.data_dir.join("files");
    for staging in [
        "uploads/0190abcd/00000000000000000000-x#1",
        "materials/0190ef01#3",
    ] {
        let path = files.join(staging);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, vec![7u8; 40_000]).unwrap();
    }
    assert_eq!(stored_files(&app).len(), 3);
    let storage = griot::storage::Storage::open(&app.settings).unwrap();
    let sweep = |cutoff| griot::app::housekeeping::sweep_orphans(&app.pool, &storage, cutoff);

    // Act + Assert: young, they stay (a write may be going on); past the
    // grace period (judged by the file's own age), they go, and only they.
    let now = chrono::Utc::now();
    assert_eq!(sweep(now - chrono::Duration::hours(24)).await.unwrap(), 0);
    assert_eq!(stored_files(&app).len(), 3);
    assert_eq!(sweep(now + chrono::Duration::hours(1)).await.unwrap(), 2);
    let left = stored_files(&app);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].ends_with(kept.json()["id"].as_str().unwrap()));
}

#[actix_rt::test]
async fn a_form_that_sends_its_file_before_its_title_and_kind_is_taken_whole() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let token = &trainer.access_token;
    // Arrange: the parts in the order a generated client sends them.
    let bytes = pdf(120_000);
    let body = form_file_first(
        ("plan.pdf", &bytes),
        &[("title", "Plan de la séance"), ("kind", "slides")],
    );

    // Act
    let res = upload_form(&app, token, &session, body, true).await;

    // Assert: every field the client sent is there.
    assert_eq!(res.status, 201, "{}", res.text());
    let material = res.json();
    assert_eq!(material["title"], "Plan de la séance");
    assert_eq!(material["kind"], "slides");
    assert_eq!(material["size_bytes"], 120_000);
    assert_eq!(
        material["sha256"],
        hex::encode(Sha256::digest(&bytes)).as_str()
    );
    assert_eq!(stored_files(&app).len(), 1);
}

#[actix_rt::test]
async fn a_file_sent_before_a_kind_it_does_not_fit_is_refused_and_not_kept() {
    let Class {
        app,
        trainer,
        session,
        ..
    } = class(&[]).await;
    let token = &trainer.access_token;
    // A video that says, after its bytes, that it is slides.
    let body = form_file_first(
        ("cours.pdf", &mp4(50_000)),
        &[("title", "Cours"), ("kind", "slides")],
    );
    let problem = upload_form(&app, token, &session, body, false)
        .await
        .assert_problem(422, "validation_failed");
    let message = problem["errors"]["file"][0].as_str().unwrap();
    assert!(message.contains("video/mp4"), "{message}");
    // A file with no title after it.
    let body = form_file_first(("cours.pdf", &pdf(5_000)), &[("kind", "slides")]);
    let problem = upload_form(&app, token, &session, body, false)
        .await
        .assert_problem(422, "validation_failed");
    assert!(problem["errors"]["title"].is_array(), "{problem}");
    // A second file part is ambiguous.
    let mut body = form_file_first(("a.pdf", &pdf(5_000)), &[]);
    body.truncate(body.len() - format!("--{BOUNDARY}--\r\n").len());
    body.extend_from_slice(&form_file_first(
        ("b.pdf", &pdf(6_000)),
        &[("title", "Deux"), ("kind", "document")],
    ));
    let problem = upload_form(&app, token, &session, body, false)
        .await
        .assert_problem(422, "validation_failed");
    assert!(problem["errors"]["file"].is_array(), "{problem}");
    // Nothing of the three refused forms stays in the store.
    assert!(stored_files(&app).is_empty());
    assert_eq!(list(&app, token, &session).await.json()["items"], json!([]));
}

#[actix_rt::test]
async fn a_body_dripped_a_byte_at_a_time_is_refused_with_408_and_nothing_kept() {
    // Arrange: a server that gives a body one second (and a floor of a
    // kilobyte a second after that), and a client that sends a valid form
    // one small piece every 200 ms: each piece is in time, the body is not.
    let app = spawn_app_with(|s| {
        long_tokens(s);
        s.body_read_timeout_seconds = 1;
    })
    .await;
    let c = class_on(app, &[]).await;
    let body = form(
        &[("title", "Goutte à goutte"), ("kind", "document")],
        Some(("notes.txt", &b"x".repeat(4_000))),
    );
    let address = c.app.address.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST /api/v1/sessions/{}/materials HTTP/1.1\r\nHost: griot\r\n\
         Authorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {}\r\n\r\n",
        c.session,
        c.trainer.access_token,
        body.len()
    );

    // Act: the client drips until the server answers (or 20 s of drip end).
    let (reply, elapsed) = actix_rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let started = std::time::Instant::now();
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream.write_all(head.as_bytes()).expect("head");
        stream
            .set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .expect("read timeout");
        let mut reply = Vec::new();
        let mut buf = [0u8; 4096];
        for piece in body.chunks(40) {
            if stream.write_all(piece).is_err() {
                break;
            }
            // Waits 200 ms for an answer: the drip's pace.
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    reply.extend_from_slice(&buf[..n]);
                    break;
                }
                Err(_) => {}
            }
        }
        (
            String::from_utf8_lossy(&reply).into_owned(),
            started.elapsed(),
        )
    })
    .await
    .expect("client thread");

    // Assert: refused after about a second, not after the 20 s the drip
    // would take; nothing stored.
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(elapsed < std::time::Duration::from_secs(8), "{elapsed:?}");
    assert!(stored_files(&c.app).is_empty());
}

#[actix_rt::test]
async fn bidirectional_controls_are_stripped_from_file_names() {
    let Class {
        app,
        trainer,
        learners,
        session,
        ..
    } = class(&["Awa"]).await;
    // Displays as "facturefdp.exe.pdf" backwards: "facture" then "fdp.exe" mirrored.
    let res = upload(
        &app,
        &trainer.access_token,
        &session,
        "document",
        "facture\u{202e}fdp.exe\u{200b}.pdf",
        &pdf(2_000),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let material = res.json();
    assert_eq!(material["file_name"], "facturefdp.exe.pdf");
    let id = material["id"].as_str().unwrap();
    let res = app
        .get(
            &format!("/api/v1/materials/{id}/content"),
            Some(&learners[0].access_token),
        )
        .await;
    assert_eq!(res.status, 200);
    let disposition = res.header("content-disposition").unwrap();
    assert!(!disposition.contains("%E2%80%AE"), "{disposition}");
    assert!(disposition.contains("facturefdp.exe.pdf"), "{disposition}");
}
