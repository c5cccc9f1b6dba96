//! Case studies through HTTP: assignments, work handed in (JSON and
//! multipart with a file), late flags, one current submission under
//! parallel requests, reviews with bounds, resubmission with history, and
//! who sees what.

use awc::http::Method;
use chrono::Duration;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fixtures::{class, Class};
use crate::helpers::{start_time, TestApp, TestResponse};
use crate::materials::{form, form_file_first, mp4, pdf, stored_files, BOUNDARY};

/// The class's session gets an assignment due a day after the clock's
/// start, out of 20.
pub(crate) async fn assignment(c: &Class) -> String {
    let res = c
        .app
        .post(
            &format!("/api/v1/sessions/{}/assignment", c.session),
            Some(&c.trainer.access_token),
            &json!({
                "brief": "Analysez la campagne « Déconnexion » : cibles, canaux, ton.",
                "due_at": (start_time() + Duration::days(1)).to_rfc3339(),
                "max_score": 20
            }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn hand_in(
    app: &TestApp,
    token: &str,
    assignment: &str,
    body: Value,
) -> TestResponse {
    app.post(
        &format!("/api/v1/assignments/{assignment}/submissions"),
        Some(token),
        &body,
    )
    .await
}

pub(crate) async fn review(
    app: &TestApp,
    token: &str,
    submission: &str,
    body: Value,
) -> TestResponse {
    app.patch(
        &format!("/api/v1/submissions/{submission}/review"),
        Some(token),
        &body,
    )
    .await
}

async fn hand_in_form(app: &TestApp, token: &str, assignment: &str, body: Vec<u8>) -> TestResponse {
    app.send_raw(
        Method::POST,
        &format!("/api/v1/assignments/{assignment}/submissions"),
        Some(token),
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        body,
        false,
    )
    .await
}

#[actix_rt::test]
async fn an_assignment_is_set_once_per_session_by_the_cohorts_staff() {
    let c = class(&["Awa"]).await;
    let learner = &c.learners[0];
    let path = format!("/api/v1/sessions/{}/assignment", c.session);
    let brief = json!({ "brief": "Brief", "due_at": "2026-03-03T23:59:00+00:00", "max_score": 10 });
    c.app
        .post(&path, Some(&learner.access_token), &brief)
        .await
        .assert_problem(403, "forbidden");
    let outsider = c.app.register("dehors@example.org").await;
    c.app
        .post(&path, Some(&outsider.access_token), &brief)
        .await
        .assert_problem(404, "not_found");
    let id = assignment(&c).await;
    c.app
        .post(&path, Some(&c.admin.access_token), &brief)
        .await
        .assert_problem(409, "conflict");
    // Bounds the schema states are enforced.
    for bad in [
        json!({ "brief": " ", "due_at": "2026-03-03T23:59:00Z", "max_score": 10 }),
        json!({ "brief": "B", "due_at": "2026-03-03T23:59:00Z", "max_score": 0 }),
        json!({ "brief": "B", "due_at": "2026-03-03T23:59:00Z", "max_score": 1001 }),
    ] {
        let other = crate::fixtures::new_session(&c.app, &c.trainer, &c.cohort, 30).await;
        c.app
            .post(
                &format!("/api/v1/sessions/{other}/assignment"),
                Some(&c.trainer.access_token),
                &bad,
            )
            .await
            .assert_problem(422, "validation_failed");
    }

    let got = c
        .app
        .get(
            &format!("/api/v1/assignments/{id}"),
            Some(&learner.access_token),
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.text());
    let got = got.json();
    assert_eq!(got["max_score"], 20);
    assert_eq!(got["session_id"], c.session.as_str());
    assert_eq!(got["cohort_id"], c.cohort.as_str());
    assert_eq!(got["due_at"], "2026-03-03T08:00:00Z");
    c.app
        .get(
            &format!("/api/v1/assignments/{id}"),
            Some(&outsider.access_token),
        )
        .await
        .assert_problem(404, "not_found");

    let changed = c
        .app
        .patch(
            &format!("/api/v1/assignments/{id}"),
            Some(&c.trainer.access_token),
            &json!({ "max_score": 40 }),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["max_score"], 40);
    c.app
        .patch(
            &format!("/api/v1/assignments/{id}"),
            Some(&learner.access_token),
            &json!({ "max_score": 5 }),
        )
        .await
        .assert_problem(403, "forbidden");

    let list = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/assignments", c.cohort),
            Some(&learner.access_token),
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text());
    let list = list.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert_eq!(list["items"][0]["session_title"], "Stratégie de contenu");
    assert!(list["items"][0]["my_submission"].is_null());
    c.app
        .get(
            &format!("/api/v1/cohorts/{}/assignments", c.cohort),
            Some(&outsider.access_token),
        )
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn learners_hand_in_once_and_late_work_is_flagged() {
    let c = class(&["Awa", "Binta"]).await;
    let id = assignment(&c).await;
    let (awa, binta) = (&c.learners[0], &c.learners[1]);
    // Nothing at all is not a hand-in.
    hand_in(&c.app, &awa.access_token, &id, json!({}))
        .await
        .assert_problem(422, "validation_failed");
    hand_in(
        &c.app,
        &awa.access_token,
        &id,
        json!({ "link_url": "http://insecure.example" }),
    )
    .await
    .assert_problem(422, "validation_failed");
    // Staff have nothing to hand in.
    hand_in(&c.app, &c.trainer.access_token, &id, json!({ "body": "x" }))
        .await
        .assert_problem(403, "forbidden");

    let first = hand_in(
        &c.app,
        &awa.access_token,
        &id,
        json!({ "body": "Mon analyse", "link_url": "https://docs.example.org/awa" }),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first = first.json();
    assert_eq!(first["status"], "submitted");
    assert_eq!(first["late"], false);
    assert_eq!(first["version"], 1);
    assert_eq!(first["full_name"], "Awa");
    assert!(first["attachment"].is_null());
    hand_in(&c.app, &awa.access_token, &id, json!({ "body": "encore" }))
        .await
        .assert_problem(409, "already_submitted");

    // Past the due date (with a fresh token: they last a day).
    c.app.clock.advance(Duration::hours(25));
    let binta_token = c.app.token_for(binta.user_id.parse().unwrap());
    let late = hand_in(&c.app, &binta_token, &id, json!({ "body": "En retard" })).await;
    assert_eq!(late.status, 201, "{}", late.text());
    assert_eq!(late.json()["late"], true);

    // A learner sees their own; the trainer sees everyone's, by name.
    let mine = c
        .app
        .get(
            &format!("/api/v1/assignments/{id}/submissions"),
            Some(&c.app.token_for(awa.user_id.parse().unwrap())),
        )
        .await
        .json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["full_name"], "Awa");
    let all = c
        .app
        .get(
            &format!("/api/v1/assignments/{id}/submissions?status=submitted"),
            Some(&c.app.token_for(c.trainer.user_id.parse().unwrap())),
        )
        .await
        .json();
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Awa", "Binta"]);
    // Another learner's work is not theirs to know of.
    let awa_id = first["id"].as_str().unwrap();
    c.app
        .get(
            &format!("/api/v1/submissions/{awa_id}/history"),
            Some(&binta_token),
        )
        .await
        .assert_problem(404, "not_found");
    // The cohort list shows each learner where they stand.
    let list = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/assignments", c.cohort),
            Some(&binta_token),
        )
        .await
        .json();
    assert_eq!(list["items"][0]["my_submission"]["late"], true);
    assert_eq!(list["items"][0]["my_submission"]["status"], "submitted");
}

#[actix_rt::test]
async fn reviews_are_bounded_kept_and_a_revision_makes_a_new_version() {
    let c = class(&["Awa"]).await;
    let id = assignment(&c).await;
    let awa = &c.learners[0];
    let first = hand_in(&c.app, &awa.access_token, &id, json!({ "body": "v1" }))
        .await
        .json();
    let v1 = first["id"].as_str().unwrap().to_owned();

    review(
        &c.app,
        &awa.access_token,
        &v1,
        json!({ "status": "accepted" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let over = review(
        &c.app,
        &c.trainer.access_token,
        &v1,
        json!({ "status": "accepted", "score": 21 }),
    )
    .await
    .assert_problem(422, "validation_failed");
    assert!(over["errors"]["score"].is_array(), "{over}");
    review(
        &c.app,
        &c.trainer.access_token,
        &v1,
        json!({ "status": "maybe" }),
    )
    .await
    .assert_problem(422, "validation_failed");

    let sent_back = review(
        &c.app,
        &c.trainer.access_token,
        &v1,
        json!({ "status": "needs_revision", "score": 8, "feedback": "Précisez les cibles." }),
    )
    .await;
    assert_eq!(sent_back.status, 200, "{}", sent_back.text());
    let sent_back = sent_back.json();
    assert_eq!(sent_back["status"], "needs_revision");
    assert_eq!(sent_back["score"], 8);
    assert_eq!(sent_back["feedback"], "Précisez les cibles.");

    c.app.clock.advance(Duration::hours(1));
    let second = hand_in(&c.app, &awa.access_token, &id, json!({ "body": "v2" })).await;
    assert_eq!(second.status, 201, "{}", second.text());
    let second = second.json();
    assert_eq!(second["version"], 2);
    assert_eq!(second["status"], "submitted");
    let v2 = second["id"].as_str().unwrap().to_owned();
    // The replaced version takes no more reviews.
    review(
        &c.app,
        &c.trainer.access_token,
        &v1,
        json!({ "status": "accepted" }),
    )
    .await
    .assert_problem(409, "conflict");
    let accepted = review(
        &c.app,
        &c.admin.access_token,
        &v2,
        json!({ "status": "accepted", "score": 18 }),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    hand_in(&c.app, &awa.access_token, &id, json!({ "body": "v3" }))
        .await
        .assert_problem(409, "already_submitted");

    // Both versions, newest first, each with its reviews.
    for asked in [&v1, &v2] {
        let history = c
            .app
            .get(
                &format!("/api/v1/submissions/{asked}/history"),
                Some(&awa.access_token),
            )
            .await;
        assert_eq!(history.status, 200, "{}", history.text());
        let items = history.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["id"], v2.as_str());
        assert!(items[0]["superseded_at"].is_null());
        assert_eq!(items[0]["reviews"][0]["status"], "accepted");
        assert_eq!(items[0]["reviews"][0]["score"], 18);
        assert_eq!(items[1]["id"], v1.as_str());
        assert_eq!(items[1]["body"], "v1");
        assert_eq!(items[1]["superseded_at"], "2026-03-02T09:00:00Z");
        assert_eq!(items[1]["reviews"][0]["feedback"], "Précisez les cibles.");
        assert_eq!(
            items[1]["reviews"][0]["reviewer_id"],
            c.trainer.user_id.as_str()
        );
    }
    // The current list holds only the new version.
    let all = c
        .app
        .get(
            &format!("/api/v1/assignments/{id}/submissions"),
            Some(&c.trainer.access_token),
        )
        .await
        .json();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    assert_eq!(all["items"][0]["id"], v2.as_str());
    // The maximum may not fall below a score given.
    c.app
        .patch(
            &format!("/api/v1/assignments/{id}"),
            Some(&c.trainer.access_token),
            &json!({ "max_score": 10 }),
        )
        .await
        .assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn a_file_handed_in_is_stored_checked_and_private_to_its_author_and_staff() {
    let c = class(&["Awa", "Binta"]).await;
    let id = assignment(&c).await;
    let (awa, binta) = (&c.learners[0], &c.learners[1]);
    let before = stored_files(&c.app).len();
    // A video is not a hand-in: refused, nothing kept.
    let video = mp4(10_000);
    hand_in_form(
        &c.app,
        &awa.access_token,
        &id,
        form(&[], Some(("film.mp4", &video))),
    )
    .await
    .assert_problem(422, "validation_failed");
    assert_eq!(stored_files(&c.app).len(), before);

    let bytes = pdf(300_000);
    let res = hand_in_form(
        &c.app,
        &awa.access_token,
        &id,
        form(
            &[
                ("body", "Voir le PDF"),
                ("link_url", "https://docs.example.org/a"),
            ],
            Some(("analyse-awa.pdf", &bytes)),
        ),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let sub = res.json();
    assert_eq!(sub["body"], "Voir le PDF");
    assert_eq!(sub["link_url"], "https://docs.example.org/a");
    assert_eq!(sub["attachment"]["content_type"], "application/pdf");
    assert_eq!(sub["attachment"]["size_bytes"], 300_000);
    assert_eq!(sub["attachment"]["file_name"], "analyse-awa.pdf");
    let sha = hex::encode(Sha256::digest(&bytes));
    assert_eq!(sub["attachment"]["sha256"], sha.as_str());
    assert_eq!(stored_files(&c.app).len(), before + 1);

    let path = format!(
        "/api/v1/submissions/{}/attachment",
        sub["id"].as_str().unwrap()
    );
    for who in [
        &awa.access_token,
        &c.trainer.access_token,
        &c.admin.access_token,
    ] {
        let got = c.app.get(&path, Some(who)).await;
        assert_eq!(got.status, 200, "{}", got.text());
        assert_eq!(got.body, bytes);
        assert_eq!(got.header("etag"), Some(format!("\"{sha}\"")));
    }
    c.app
        .get(&path, Some(&binta.access_token))
        .await
        .assert_problem(404, "not_found");
    let outsider = c.app.register("dehors@example.org").await;
    c.app
        .get(&path, Some(&outsider.access_token))
        .await
        .assert_problem(404, "not_found");

    // A second file while the first awaits review: refused before a byte
    // is stored.
    hand_in_form(
        &c.app,
        &awa.access_token,
        &id,
        form(&[], Some(("v2.pdf", &bytes))),
    )
    .await
    .assert_problem(409, "already_submitted");
    assert_eq!(stored_files(&c.app).len(), before + 1);
    // A submission without a file has no attachment to download.
    let text = hand_in(&c.app, &binta.access_token, &id, json!({ "body": "texte" }))
        .await
        .json();
    c.app
        .get(
            &format!(
                "/api/v1/submissions/{}/attachment",
                text["id"].as_str().unwrap()
            ),
            Some(&binta.access_token),
        )
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn parallel_hand_ins_leave_one_current_submission() {
    let c = class(&["Awa"]).await;
    let id = assignment(&c).await;
    let awa = &c.learners[0];
    let tries = (0..8).map(|i| {
        hand_in(
            &c.app,
            &awa.access_token,
            &id,
            json!({ "body": format!("essai {i}") }),
        )
    });
    let answers = futures_util::future::join_all(tries).await;
    let created = answers.iter().filter(|r| r.status == 201).count();
    let refused = answers.iter().filter(|r| r.status == 409).count();
    assert_eq!(
        (created, refused),
        (1, 7),
        "{:?}",
        answers.iter().map(|r| r.text()).collect::<Vec<_>>()
    );
    let all = c
        .app
        .get(
            &format!("/api/v1/assignments/{id}/submissions"),
            Some(&c.trainer.access_token),
        )
        .await
        .json();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn housekeeping_keeps_handed_in_files_and_sweeps_strays_beside_them() {
    let c = class(&["Awa"]).await;
    let id = assignment(&c).await;
    let bytes = pdf(4000);
    let sub = hand_in_form(
        &c.app,
        &c.learners[0].access_token,
        &id,
        form(&[], Some(("analyse.pdf", &bytes))),
    )
    .await;
    assert_eq!(sub.status, 201, "{}", sub.text());
    // Bytes whose row never came: a process killed in between.
    let storage = griot::storage::Storage::open(&c.app.settings).unwrap();
    let mut stray = storage.begin("submissions/stray").await.unwrap();
    stray.write(b"orphan").await.unwrap();
    stray.finish().await.unwrap();
    assert_eq!(stored_files(&c.app).len(), 2);
    // Long after: the stray goes, the hand-in stays and still downloads.
    let later = chrono::Utc::now() + Duration::hours(1);
    let swept = griot::app::housekeeping::sweep_orphans(&c.app.pool, &storage, later)
        .await
        .unwrap();
    assert_eq!(swept, 1);
    let left = stored_files(&c.app);
    assert_eq!(left.len(), 1);
    assert!(left[0].ends_with(sub.json()["id"].as_str().unwrap()));
    let got = c
        .app
        .get(
            &format!(
                "/api/v1/submissions/{}/attachment",
                sub.json()["id"].as_str().unwrap()
            ),
            Some(&c.learners[0].access_token),
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, bytes);
}

#[actix_rt::test]
async fn a_hand_in_that_sends_its_file_first_keeps_its_text_and_link() {
    // Arrange: the parts in the order a client generated from the spec
    // sends them: the file, then the text.
    let c = class(&["Awa"]).await;
    let id = assignment(&c).await;
    let awa = &c.learners[0];
    let bytes = pdf(20_000);
    let body = form_file_first(
        ("analyse.pdf", &bytes),
        &[
            ("body", "Mon analyse, avec le PDF"),
            ("link_url", "https://docs.example.org/awa"),
        ],
    );

    // Act
    let res = hand_in_form(&c.app, &awa.access_token, &id, body).await;

    // Assert: nothing the learner sent is dropped.
    assert_eq!(res.status, 201, "{}", res.text());
    let sub = res.json();
    assert_eq!(sub["body"], "Mon analyse, avec le PDF");
    assert_eq!(sub["link_url"], "https://docs.example.org/awa");
    assert_eq!(sub["attachment"]["size_bytes"], 20_000);
    let mine = c
        .app
        .get(
            &format!("/api/v1/assignments/{id}/submissions"),
            Some(&awa.access_token),
        )
        .await
        .json();
    assert_eq!(mine["items"][0]["body"], "Mon analyse, avec le PDF");
    assert_eq!(mine["items"][0]["link_url"], "https://docs.example.org/awa");
}

#[actix_rt::test]
async fn a_hand_in_refused_after_its_file_keeps_no_file() {
    let c = class(&["Awa"]).await;
    let id = assignment(&c).await;
    let awa = &c.learners[0];
    // A link that is not https, after the file: refused, the file is gone.
    let body = form_file_first(
        ("analyse.pdf", &pdf(20_000)),
        &[("link_url", "http://example.org/clair")],
    );
    let problem = hand_in_form(&c.app, &awa.access_token, &id, body)
        .await
        .assert_problem(422, "validation_failed");
    assert!(problem["errors"]["link_url"].is_array(), "{problem}");
    assert!(stored_files(&c.app).is_empty());
}
