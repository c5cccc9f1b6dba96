//! Progress and certificates through HTTP: the completion rule over the
//! attendance report's rate and accepted work, the staff view as JSON and
//! CSV, issuing once (also under parallel calls), public verification
//! (JSON and a PDF whose text and QR code are read back), revocation.

use chrono::Duration;
use serde_json::{json, Value};

use crate::casework::{assignment, hand_in, review};
use crate::fixtures::{class, Class};
use crate::helpers::{Session, UserSpec};
use crate::pdf_check::{pdf_qr_payloads, pdf_text};

/// A class whose programme asks 75 % attendance and one accepted hand-in;
/// the session's roll call is made, and `accepted` of the learners (in
/// order) have their work accepted. The clock is then past the session.
async fn finished_class(names: &[&str], present: usize, accepted: usize) -> Class {
    let c = class(names).await;
    let cohort = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}", c.cohort),
            Some(&c.admin.access_token),
        )
        .await
        .json();
    let programme = cohort["programme_id"].as_str().unwrap();
    let res = c
        .app
        .patch(
            &format!("/api/v1/programmes/{programme}"),
            Some(&c.admin.access_token),
            &json!({ "required_submissions": 1 }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let records: Vec<Value> = c
        .learners
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let status = if i < present { "present" } else { "absent" };
            json!({ "user_id": l.user_id, "status": status })
        })
        .collect();
    let res = c
        .app
        .put(
            &format!("/api/v1/sessions/{}/attendance", c.session),
            Some(&c.trainer.access_token),
            &json!({ "records": records }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let work = assignment(&c).await;
    for learner in &c.learners[..accepted] {
        let sub = hand_in(
            &c.app,
            &learner.access_token,
            &work,
            json!({ "body": "Analyse" }),
        )
        .await
        .json();
        let res = review(
            &c.app,
            &c.trainer.access_token,
            sub["id"].as_str().unwrap(),
            json!({ "status": "accepted", "score": 15 }),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    c.app.clock.advance(Duration::hours(4));
    c
}

async fn my_progress(c: &Class, who: &Session) -> Value {
    let res = c
        .app
        .get("/api/v1/me/progress", Some(&who.access_token))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

async fn issue(c: &Class, who: &Session) -> crate::helpers::TestResponse {
    c.app
        .post(
            &format!("/api/v1/cohorts/{}/certificates", c.cohort),
            Some(&who.access_token),
            &json!({}),
        )
        .await
}

#[actix_rt::test]
async fn progress_follows_the_programmes_rule_and_the_reports_rate() {
    let c = class(&["Awa"]).await;
    // Nothing has ended yet: counted nothing, complete for nobody.
    let early = my_progress(&c, &c.learners[0]).await;
    assert_eq!(early["items"][0]["sessions_counted"], 0);
    assert_eq!(early["items"][0]["completed"], false);
    drop(c);

    let c = finished_class(&["Aïcha", "Binta", "Chantal"], 2, 1).await;
    let (aicha, binta, chantal) = (&c.learners[0], &c.learners[1], &c.learners[2]);
    let mine = my_progress(&c, aicha).await;
    let item = &mine["items"][0];
    assert_eq!(item["cohort_id"], c.cohort.as_str());
    assert_eq!(item["cohort_name"], "Cohorte Abidjan 2026");
    assert_eq!(item["attendance_rate"], 100.0);
    assert_eq!(item["sessions_counted"], 1);
    assert_eq!(item["submissions_accepted"], 1);
    assert_eq!(item["required_submissions"], 1);
    assert_eq!(item["completed"], true);
    assert!(item["certificate_code"].is_null());
    // Present but no accepted work; absent.
    assert_eq!(my_progress(&c, binta).await["items"][0]["completed"], false);
    let absent = my_progress(&c, chantal).await;
    assert_eq!(absent["items"][0]["attendance_rate"], 0.0);
    assert_eq!(absent["items"][0]["completed"], false);
    // Someone who learns nowhere has nothing.
    assert_eq!(my_progress(&c, &c.trainer).await["items"], json!([]));

    let path = format!("/api/v1/cohorts/{}/progress", c.cohort);
    let all = c.app.get(&path, Some(&c.trainer.access_token)).await;
    assert_eq!(all.status, 200, "{}", all.text());
    let all = all.json();
    let rows = all["items"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["full_name"], "Aïcha");
    assert_eq!(all["min_attendance_rate"], 75);
    // One formula: the attendance report's rate, learner by learner.
    let report = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/attendance", c.cohort),
            Some(&c.trainer.access_token),
        )
        .await
        .json();
    for (row, reported) in rows.iter().zip(report["items"].as_array().unwrap()) {
        assert_eq!(row["user_id"], reported["user_id"]);
        assert_eq!(row["attendance_rate"], reported["attendance_rate"]);
    }
    let to_chase = c
        .app
        .get(
            &format!("{path}?completed=false"),
            Some(&c.admin.access_token),
        )
        .await
        .json();
    let names: Vec<&str> = to_chase["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Binta", "Chantal"]);
    let done = c
        .app
        .get(
            &format!("{path}?completed=true"),
            Some(&c.admin.access_token),
        )
        .await
        .json();
    assert_eq!(done["items"].as_array().unwrap().len(), 1);
    assert_eq!(done["items"][0]["full_name"], "Aïcha");
    // CSV is also asked for by `Accept`.
    let by_accept = c
        .app
        .request(
            awc::http::Method::GET,
            &path,
            Some(&c.trainer.access_token),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    assert_eq!(by_accept.status, 200);
    assert!(by_accept.text().starts_with("\u{feff}user_id,full_name,"));

    let csv = c
        .app
        .get(
            &format!("{path}?format=csv&delimiter=semicolon"),
            Some(&c.trainer.access_token),
        )
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text());
    assert_eq!(
        csv.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let text = csv.text();
    assert!(
        text.starts_with("\u{feff}user_id;full_name;attendance_rate;"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{};Aïcha;100,0;1;1;1;true;\r\n", aicha.user_id)),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4);

    c.app
        .get(&path, Some(&aicha.access_token))
        .await
        .assert_problem(403, "forbidden");
    let outsider = c.app.register("dehors@example.org").await;
    c.app
        .get(&path, Some(&outsider.access_token))
        .await
        .assert_problem(404, "not_found");
    c.app
        .get(
            &format!("{path}?delimiter=tab"),
            Some(&c.trainer.access_token),
        )
        .await
        .assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn certificates_are_issued_once_verified_in_public_and_revoked_by_staff() {
    let c = finished_class(&["Aïcha Koné-Ouédraogo", "Binta"], 2, 1).await;
    let aicha = &c.learners[0];
    issue(&c, &c.trainer).await.assert_problem(403, "forbidden");
    issue(&c, aicha).await.assert_problem(403, "forbidden");
    let first = issue(&c, &c.admin).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let first = first.json();
    assert_eq!(first["issued"], 1);
    assert_eq!(first["items"][0]["user_id"], aicha.user_id.as_str());
    assert_eq!(first["items"][0]["full_name"], "Aïcha Koné-Ouédraogo");
    assert_eq!(first["items"][0]["revoked"], false);
    let code = first["items"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 24, "{code}");
    assert_eq!(
        issue(&c, &c.admin).await.json()["issued"],
        0,
        "issued again"
    );

    assert_eq!(
        my_progress(&c, aicha).await["items"][0]["certificate_code"],
        code.as_str()
    );
    let mine = c
        .app
        .get("/api/v1/me/certificates", Some(&aicha.access_token))
        .await
        .json();
    assert_eq!(mine["items"][0]["code"], code.as_str());
    assert_eq!(mine["items"][0]["cohort_id"], c.cohort.as_str());
    let url = mine["items"][0]["verification_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(url, c.app.url(&format!("/api/v1/certificates/{code}")));

    // Public: these fields and nothing else, however the code is typed.
    let typed = code.replace('-', "").to_lowercase();
    let public = c
        .app
        .get(&format!("/api/v1/certificates/{typed}"), None)
        .await;
    assert_eq!(public.status, 200, "{}", public.text());
    let public = public.json();
    let mut keys: Vec<&String> = public.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "code",
            "cohort_name",
            "full_name",
            "issued_at",
            "programme_title",
            "revoked"
        ]
    );
    assert_eq!(public["full_name"], "Aïcha Koné-Ouédraogo");
    assert_eq!(public["programme_title"], "Community management");
    assert_eq!(public["issued_at"], "2026-03-02T12:00:00Z");
    for unknown in ["0000-0000-0000-0000-0000", "pas-un-code", "%F0%9F%98%80"] {
        c.app
            .get(&format!("/api/v1/certificates/{unknown}"), None)
            .await
            .assert_problem(404, "not_found");
    }

    // Revocation: admins and the coordinators of the cohort's country.
    let revoke = |who: &Session, reason: &str| {
        let (app, path, token, body) = (
            &c.app,
            format!("/api/v1/certificates/{code}/revocation"),
            who.access_token.clone(),
            json!({ "reason": reason }),
        );
        async move { app.post(&path, Some(&token), &body).await }
    };
    revoke(aicha, "moi").await.assert_problem(403, "forbidden");
    let elsewhere = c.app.user(UserSpec::default());
    c.app.make_coordinator(&elsewhere, "TG");
    revoke(&elsewhere, "non")
        .await
        .assert_problem(403, "forbidden");
    revoke(&c.admin, " ")
        .await
        .assert_problem(422, "validation_failed");
    let coordinator = c.app.user(UserSpec::default());
    c.app.make_coordinator(&coordinator, "CI");
    let revoked = revoke(&coordinator, "Délivré par erreur").await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    assert_eq!(revoked.json()["revoked"], true);
    revoke(&c.admin, "encore")
        .await
        .assert_problem(409, "already_revoked");
    let public = c
        .app
        .get(&format!("/api/v1/certificates/{code}"), None)
        .await
        .json();
    assert_eq!(public["revoked"], true);
    assert!(public.get("revocation_reason").is_none());
    // The reason and who revoked stay in the record.
    let (reason, by): (Option<String>, Option<String>) = c.app.db(|conn| {
        use diesel::prelude::*;
        use griot::schema::certificates::dsl as t;
        t::certificates
            .select((t::revocation_reason, t::revoked_by))
            .first::<(Option<String>, Option<String>)>(conn)
            .unwrap()
    });
    assert_eq!(reason.as_deref(), Some("Délivré par erreur"));
    assert_eq!(by.as_deref(), Some(coordinator.user_id.as_str()));
}

#[actix_rt::test]
async fn the_pdf_carries_the_name_the_date_in_the_readers_language_and_a_readable_qr_code() {
    let c = finished_class(&["Aïcha Koné-Ouédraogo"], 1, 1).await;
    let code = issue(&c, &c.admin).await.json()["items"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/certificates/{code}");
    let fr = c.app.get(&format!("{path}?format=pdf"), None).await;
    assert_eq!(fr.status, 200, "{}", fr.text());
    assert_eq!(
        fr.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert!(fr.body.starts_with(b"%PDF-"));
    let text = pdf_text(&fr.body);
    assert!(text.contains("Aïcha Koné-Ouédraogo"), "{text}");
    assert!(text.contains("2 mars 2026"), "{text}");
    assert!(text.contains("Community management"), "{text}");
    assert!(text.contains(&code), "{text}");
    assert_eq!(pdf_qr_payloads(&fr.body), [c.app.url(&path)]);

    let en = c
        .app
        .request(
            awc::http::Method::GET,
            &path,
            None,
            None,
            &[
                ("Accept", "application/pdf"),
                ("Accept-Language", "en-GB,en;q=0.9"),
            ],
        )
        .await;
    assert_eq!(en.status, 200);
    assert_eq!(
        en.header("content-type").as_deref(),
        Some("application/pdf")
    );
    let text = pdf_text(&en.body);
    assert!(text.contains("2 March 2026"), "{text}");
    c.app
        .get(&format!("{path}?format=docx"), None)
        .await
        .assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn parallel_issuing_gives_each_learner_exactly_one_certificate() {
    let names = ["Awa", "Binta", "Chantal", "Dédé", "Esi"];
    let c = finished_class(&names, 5, 5).await;
    let calls = (0..6).map(|_| issue(&c, &c.admin));
    let answers = futures_util::future::join_all(calls).await;
    let mut issued = 0;
    for a in &answers {
        assert_eq!(a.status, 200, "{}", a.text());
        issued += a.json()["issued"].as_u64().unwrap();
    }
    assert_eq!(issued, 5);
    let stored: i64 = c.app.db(|conn| {
        use diesel::prelude::*;
        griot::schema::certificates::table
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(stored, 5);
}

#[actix_rt::test]
async fn a_cached_progress_answer_follows_every_change_it_is_made_of() {
    let c = finished_class(&["Awa", "Binta"], 2, 1).await;
    let path = format!("/api/v1/cohorts/{}/progress", c.cohort);
    let token = c.trainer.access_token.clone();
    let read = |label: &'static str| {
        let (app, path, token) = (&c.app, path.clone(), token.clone());
        async move {
            let res = app.get(&path, Some(&token)).await;
            assert_eq!(res.status, 200, "{label}: {}", res.text());
            (res.json(), res.header("etag").expect("etag"))
        }
    };
    let binta = |body: &Value, field: &str| body["items"][1][field].clone();
    let (first, etag) = read("first").await;
    assert_eq!(binta(&first, "completed"), false);
    let again = c
        .app
        .request(
            awc::http::Method::GET,
            &path,
            Some(&token),
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(again.status, 304);

    // Work accepted.
    let work = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/assignments", c.cohort),
            Some(&token),
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sub = hand_in(
        &c.app,
        &c.learners[1].access_token,
        &work,
        json!({ "body": "Enfin" }),
    )
    .await
    .json();
    let (handed, _) = read("handed in").await;
    assert_eq!(binta(&handed, "completed"), false, "not reviewed yet");
    review(
        &c.app,
        &token,
        sub["id"].as_str().unwrap(),
        json!({ "status": "accepted" }),
    )
    .await;
    let (accepted, etag2) = read("accepted").await;
    assert_eq!(binta(&accepted, "completed"), true);
    assert_ne!(etag, etag2);

    // Certificates issued.
    assert_eq!(issue(&c, &c.admin).await.json()["issued"], 2);
    let (issued, _) = read("issued").await;
    assert!(binta(&issued, "certificate_code").is_string());

    // The programme's rule, the cohort's name, attendance.
    let programme = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}", c.cohort),
            Some(&c.admin.access_token),
        )
        .await
        .json()["programme_id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.app
        .patch(
            &format!("/api/v1/programmes/{programme}"),
            Some(&c.admin.access_token),
            &json!({ "required_submissions": 2 }),
        )
        .await;
    let (stricter, _) = read("rule").await;
    assert_eq!(binta(&stricter, "completed"), false);
    assert_eq!(binta(&stricter, "required_submissions"), 2);
    let renamed = c
        .app
        .patch(
            &format!("/api/v1/users/{}", c.learners[1].user_id),
            Some(&c.admin.access_token),
            &json!({ "full_name": "Binta K." }),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    let (renamed, _) = read("renamed").await;
    assert_eq!(binta(&renamed, "full_name"), "Binta K.");
    c.app
        .put(
            &format!("/api/v1/sessions/{}/attendance", c.session),
            Some(&token),
            &json!({ "records": [{ "user_id": c.learners[1].user_id, "status": "absent" }] }),
        )
        .await;
    let (absent, _) = read("attendance").await;
    assert_eq!(binta(&absent, "attendance_rate"), 0.0);
}
