//! Rosters and session lists are cached by the versions of what they are
//! made of, and carry ETags: an unchanged answer costs a 304 with no body,
//! and any change, through the API or straight in the database, by this
//! process or another one on the same database, shows at the next read.

use awc::http::Method;
use chrono::Duration;
use diesel::connection::SimpleConnection;
use serde_json::{json, Value};

use crate::fixtures::{class_on, long_tokens};
use crate::helpers::{spawn_app_with, Session, TestApp, TestResponse, UserSpec};

/// GET `path`, revalidating with `etag` when given.
async fn get(app: &TestApp, path: &str, token: &str, etag: Option<&str>) -> TestResponse {
    let headers: Vec<(&str, &str)> = etag.map(|e| ("If-None-Match", e)).into_iter().collect();
    app.request(Method::GET, path, Some(token), None, &headers)
        .await
}

/// Revalidates an answer the client holds: it must have changed (200, a new
/// ETag), and its new ETag must then get a 304. Returns the new answer and
/// its ETag.
async fn changed(
    app: &TestApp,
    path: &str,
    token: &str,
    held: &str,
    step: &str,
) -> (Value, String) {
    let res = get(app, path, token, Some(held)).await;
    assert_eq!(res.status, 200, "{step}: {}", res.text());
    let etag = res.header("etag").expect("an ETag");
    assert_ne!(etag, held, "{step}: the ETag did not change");
    assert_eq!(
        res.header("cache-control").as_deref(),
        Some("private, no-cache")
    );
    let again = get(app, path, token, Some(&etag)).await;
    assert_eq!(again.status, 304, "{step}: {}", again.text());
    assert!(again.body.is_empty(), "{step}: a 304 has no body");
    assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
    (res.json(), etag)
}

fn line<'a>(roster: &'a Value, user: &Session) -> &'a Value {
    roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["user_id"] == user.user_id.as_str())
        .unwrap_or_else(|| panic!("{} is not on the roster: {roster}", user.user_id))
}

fn names(roster: &Value) -> Vec<String> {
    roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["full_name"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_rt::test]
async fn a_roster_answers_304_until_anything_on_it_changes() {
    let c = class_on(spawn_app_with(long_tokens).await, &["Yao", "Aminata"]).await;
    let (app, token) = (&c.app, c.trainer.access_token.as_str());
    let path = format!("/api/v1/sessions/{}/attendance", c.session);

    let first = get(app, &path, token, None).await;
    assert_eq!(first.status, 200);
    let mut etag = first.header("etag").expect("an ETag");
    assert!(etag.starts_with("W/\""), "{etag}");
    let unchanged = get(app, &path, token, Some(&etag)).await;
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());
    // A list of validators, one of them ours, matches too.
    let listed = format!("W/\"00\", {etag}");
    assert_eq!(get(app, &path, token, Some(&listed)).await.status, 304);

    // A roll call.
    let (yao, aminata) = (&c.learners[0], &c.learners[1]);
    let res = app
        .put(
            &path,
            Some(token),
            &json!({ "records": [{ "user_id": yao.user_id, "status": "present" }] }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (roster, e) = changed(app, &path, token, &etag, "roll call").await;
    assert_eq!(line(&roster, yao)["status"], "present");
    etag = e;

    // A self check-in.
    let window = app
        .post(
            &format!("/api/v1/sessions/{}/check-in-window", c.session),
            Some(token),
            &json!({ "minutes": 30 }),
        )
        .await;
    assert_eq!(window.status, 201, "{}", window.text());
    let code = window.json()["code"].as_str().unwrap().to_owned();
    let res = app
        .post(
            &format!("/api/v1/sessions/{}/check-in", c.session),
            Some(&aminata.access_token),
            &json!({ "code": code }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let (roster, e) = changed(app, &path, token, &etag, "check-in").await;
    assert_eq!(line(&roster, aminata)["status"], "present");
    etag = e;

    // A learner renames themself.
    let res = app
        .patch(
            "/api/v1/me",
            Some(&yao.access_token),
            &json!({ "full_name": "Yao Kouassi" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (roster, e) = changed(app, &path, token, &etag, "rename").await;
    assert_eq!(names(&roster), ["Aminata", "Yao Kouassi"]);
    etag = e;

    // A new learner is enrolled.
    let kossi = app.user(UserSpec {
        full_name: Some("Kossi"),
        ..Default::default()
    });
    app.enrol(&c.admin, &c.cohort, &kossi, "learner").await;
    let (roster, e) = changed(app, &path, token, &etag, "enrolment").await;
    assert_eq!(names(&roster), ["Aminata", "Kossi", "Yao Kouassi"]);
    assert_eq!(line(&roster, &kossi)["status"], "unmarked");
    etag = e;

    // A learner withdraws.
    let res = app
        .delete(
            &format!("/api/v1/cohorts/{}/members/{}", c.cohort, kossi.user_id),
            Some(&kossi.access_token),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    let (roster, e) = changed(app, &path, token, &etag, "withdrawal").await;
    assert_eq!(names(&roster), ["Aminata", "Yao Kouassi"]);
    etag = e;

    // Fixes made straight in the database, outside the API.
    app.db(|conn| {
        conn.batch_execute(&format!(
            "UPDATE attendance SET note = 'arrivée avec le car' WHERE user_id = '{}'",
            aminata.user_id
        ))
    })
    .unwrap();
    let (roster, e) = changed(app, &path, token, &etag, "database fix of a record").await;
    assert_eq!(line(&roster, aminata)["note"], "arrivée avec le car");
    etag = e;
    app.db(|conn| {
        conn.batch_execute(&format!(
            "UPDATE users SET full_name = 'Aminata Diallo' WHERE id = '{}'",
            aminata.user_id
        ))
    })
    .unwrap();
    let (roster, e) = changed(app, &path, token, &etag, "database fix of a name").await;
    assert_eq!(names(&roster), ["Aminata Diallo", "Yao Kouassi"]);
    etag = e;
    app.db(|conn| {
        conn.batch_execute(&format!(
            "DELETE FROM attendance WHERE user_id = '{}'",
            yao.user_id
        ))
    })
    .unwrap();
    let (roster, _) = changed(app, &path, token, &etag, "database delete of a record").await;
    assert_eq!(line(&roster, yao)["status"], "unmarked");

    // The same answer again is not a change: an unrelated write elsewhere
    // keeps the ETag.
    let before = get(app, &path, token, None).await;
    let other = app.cohort(&c.admin, json!({})).await;
    app.enrol(&c.admin, &other, &c.learners[0], "learner").await;
    let after = get(app, &path, token, None).await;
    assert_eq!(after.header("etag"), before.header("etag"));
    assert_eq!(after.body, before.body);
}

#[actix_rt::test]
async fn a_cached_roster_is_still_only_for_those_allowed_to_see_it() {
    let c = class_on(spawn_app_with(long_tokens).await, &["Yao"]).await;
    let path = format!("/api/v1/sessions/{}/attendance", c.session);
    let res = get(&c.app, &path, &c.trainer.access_token, None).await;
    assert_eq!(res.status, 200);
    let etag = res.header("etag").unwrap();
    let outsider = c.app.user(UserSpec::default());
    for who in [&c.learners[0], &outsider] {
        for held in [None, Some(etag.as_str())] {
            let res = get(&c.app, &path, &who.access_token, held).await;
            assert!(
                res.status == 403 || res.status == 404,
                "{} {}",
                res.status,
                res.text()
            );
            assert!(res.header("etag").is_none());
        }
    }
    // Coordinators: of the cohort's country (CI) yes, of another no.
    let here = c.app.user(UserSpec::default());
    c.app.make_coordinator(&here, "CI");
    let there = c.app.user(UserSpec::default());
    c.app.make_coordinator(&there, "ML");
    assert_eq!(
        get(&c.app, &path, &here.access_token, None).await.status,
        200
    );
    assert_eq!(
        get(&c.app, &path, &there.access_token, None).await.status,
        404
    );
    // A deactivated account is refused, whether the session exists or not.
    c.app
        .db(|conn| {
            conn.batch_execute(&format!(
                "UPDATE users SET is_active = false WHERE id = '{}'",
                here.user_id
            ))
        })
        .unwrap();
    let unknown = "/api/v1/sessions/01890a5d-ac96-774b-bcce-b302099a8057/attendance";
    for p in [path.as_str(), unknown] {
        let res = get(&c.app, p, &here.access_token, Some(&etag)).await;
        assert_eq!(res.status, 401, "{p}: {}", res.text());
    }
    assert_eq!(
        get(&c.app, unknown, &c.trainer.access_token, None)
            .await
            .status,
        404
    );
    let sessions = format!("/api/v1/cohorts/{}/sessions", c.cohort);
    assert_eq!(
        get(&c.app, &sessions, &c.trainer.access_token, None)
            .await
            .status,
        200
    );
    let res = get(&c.app, &sessions, &outsider.access_token, None).await;
    assert!(res.status == 403 || res.status == 404, "{}", res.text());
}

#[actix_rt::test]
async fn a_sessions_page_answers_304_until_a_session_or_the_time_zone_changes() {
    let c = class_on(spawn_app_with(long_tokens).await, &["Yao"]).await;
    let (app, token) = (&c.app, c.trainer.access_token.as_str());
    let path = format!("/api/v1/cohorts/{}/sessions?limit=50", c.cohort);
    let first = get(app, &path, token, None).await;
    assert_eq!(first.status, 200);
    let mut etag = first.header("etag").unwrap();
    assert_eq!(get(app, &path, token, Some(&etag)).await.status, 304);
    // Other filters are other answers.
    let by_kind = get(app, &format!("{path}&kind=veille"), token, Some(&etag)).await;
    assert_eq!(by_kind.status, 200);
    assert_eq!(by_kind.json()["items"], json!([]));

    let res = app
        .patch(
            &format!("/api/v1/sessions/{}", c.session),
            Some(token),
            &json!({ "title": "Veille TikTok" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (page, e) = changed(app, &path, token, &etag, "edit").await;
    assert_eq!(page["items"][0]["title"], "Veille TikTok");
    etag = e;

    // The cohort moves to Douala's time zone: the same instants read an
    // hour later.
    let local = page["items"][0]["local_starts_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .patch(
            &format!("/api/v1/cohorts/{}", c.cohort),
            Some(&c.admin.access_token),
            &json!({ "timezone": "Africa/Douala" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (page, e) = changed(app, &path, token, &etag, "time zone").await;
    assert_eq!(page["items"][0]["timezone"], "Africa/Douala");
    assert_ne!(page["items"][0]["local_starts_at"].as_str().unwrap(), local);
    etag = e;

    let res = app
        .delete(&format!("/api/v1/sessions/{}", c.session), Some(token))
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    let (page, e) = changed(app, &path, token, &etag, "delete").await;
    assert_eq!(page["items"], json!([]));
    etag = e;

    // A session written straight in the database.
    app.db(|conn| {
        conn.batch_execute(&format!(
            "UPDATE sessions SET deleted_at = NULL WHERE id = '{}'",
            c.session
        ))
    })
    .unwrap();
    let (page, _) = changed(app, &path, token, &etag, "database fix").await;
    assert_eq!(page["items"][0]["id"], c.session.as_str());
}

#[actix_rt::test]
async fn two_servers_on_one_database_never_serve_each_other_stale_answers() {
    let names: Vec<String> = (0..24).map(|i| format!("Learner {i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = class_on(
        spawn_app_with(|s| {
            long_tokens(s);
            s.db_pool_size = 8;
        })
        .await,
        &refs,
    )
    .await;
    let (a, b) = (&c.app, &c.app.sibling().await);
    let token = c.trainer.access_token.as_str();
    let roster = format!("/api/v1/sessions/{}/attendance", c.session);
    // Both processes hold the roster.
    let held_a = get(a, &roster, token, None).await.header("etag").unwrap();
    let held_b = get(b, &roster, token, None).await.header("etag").unwrap();
    assert_eq!(held_a, held_b);

    // B takes the roll; A's next answer shows it.
    let res = b
        .put(
            &roster,
            Some(token),
            &json!({ "records": [{ "user_id": c.learners[0].user_id, "status": "late" }] }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (page, _) = changed(a, &roster, token, &held_a, "roll call on the other server").await;
    assert_eq!(line(&page, &c.learners[0])["status"], "late");

    // Learners check in through both servers at once while both keep
    // reading the roster; afterwards, both show every check-in.
    let window = a
        .post(
            &format!("/api/v1/sessions/{}/check-in-window", c.session),
            Some(token),
            &json!({ "minutes": 30 }),
        )
        .await;
    assert_eq!(window.status, 201, "{}", window.text());
    let code = window.json()["code"].as_str().unwrap().to_owned();
    let check_in = format!("/api/v1/sessions/{}/check-in", c.session);
    let body = json!({ "code": code });
    let writes = c.learners[1..].iter().enumerate().map(|(i, l)| {
        let server = if i % 2 == 0 { a } else { b };
        server.post(&check_in, Some(&l.access_token), &body)
    });
    let reads = (0..24).map(|i| {
        let server = if i % 2 == 0 { a } else { b };
        get(server, &roster, token, None)
    });
    let (writes, reads) = futures_util::future::join(
        futures_util::future::join_all(writes),
        futures_util::future::join_all(reads),
    )
    .await;
    for w in &writes {
        assert_eq!(w.status, 201, "{}", w.text());
    }
    for r in &reads {
        assert_eq!(r.status, 200, "{}", r.text());
    }
    for server in [a, b] {
        let res = get(server, &roster, token, None).await;
        let page = res.json();
        for l in &c.learners[1..] {
            assert_eq!(line(&page, l)["status"], "present", "{}", server.address);
        }
    }

    // A session edited through A shows in B's list.
    let list = format!("/api/v1/cohorts/{}/sessions", c.cohort);
    let held = get(b, &list, token, None).await.header("etag").unwrap();
    let res = a
        .patch(
            &format!("/api/v1/sessions/{}", c.session),
            Some(token),
            &json!({ "title": "Atelier créatif" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (page, _) = changed(b, &list, token, &held, "edit on the other server").await;
    assert_eq!(page["items"][0]["title"], "Atelier créatif");
}

#[actix_rt::test]
async fn with_the_cache_off_answers_are_the_same_and_still_revalidate() {
    let on = class_on(spawn_app_with(long_tokens).await, &["Yao", "Aminata"]).await;
    let off = on.app.sibling_with(|s| s.response_cache_mb = 0).await;
    let token = on.trainer.access_token.as_str();
    for path in [
        format!("/api/v1/sessions/{}/attendance", on.session),
        format!("/api/v1/cohorts/{}/sessions", on.cohort),
    ] {
        let cached = get(&on.app, &path, token, None).await;
        let made = get(&off, &path, token, None).await;
        assert_eq!(made.status, 200, "{}", made.text());
        assert_eq!(cached.body, made.body);
        let etag = made.header("etag").unwrap();
        assert_eq!(cached.header("etag").as_deref(), Some(etag.as_str()));
        assert_eq!(get(&off, &path, token, Some(&etag)).await.status, 304);
    }
}

#[actix_rt::test]
async fn a_report_follows_records_names_the_clock_and_the_programme() {
    let c = class_on(spawn_app_with(long_tokens).await, &["Yao", "Aminata"]).await;
    let (app, token) = (&c.app, c.trainer.access_token.as_str());
    let (yao, aminata) = (&c.learners[0], &c.learners[1]);
    let path = format!("/api/v1/cohorts/{}/attendance", c.cohort);
    let roster = format!("/api/v1/sessions/{}/attendance", c.session);
    let mark = |user: &Session, status: &str| json!({ "records": [{ "user_id": user.user_id, "status": status }] });

    let first = get(app, &path, token, None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["sessions_counted"], 0);
    let mut etag = first.header("etag").unwrap();
    assert_eq!(get(app, &path, token, Some(&etag)).await.status, 304);

    // A mark on a session that has not ended yet changes no number: the
    // report is made again, to the same bytes and the same ETag.
    let res = app.put(&roster, Some(token), &mark(yao, "present")).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(get(app, &path, token, Some(&etag)).await.status, 304);

    // Time passes the session's end: it counts now.
    app.clock.advance(Duration::hours(4));
    let (report, e) = changed(app, &path, token, &etag, "session ended").await;
    assert_eq!(report["sessions_counted"], 1);
    let row = |report: &Value, who: &Session| -> Value {
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user_id"] == who.user_id.as_str())
            .cloned()
            .unwrap()
    };
    assert_eq!(row(&report, yao)["present"], 1);
    assert_eq!(row(&report, aminata)["unmarked"], 1);
    etag = e;

    let res = app.put(&roster, Some(token), &mark(aminata, "late")).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (report, e) = changed(app, &path, token, &etag, "mark").await;
    assert_eq!(row(&report, aminata)["late"], 1);
    etag = e;

    app.db(|conn| {
        conn.batch_execute(&format!(
            "UPDATE attendance SET status = 'excused' WHERE user_id = '{}'",
            aminata.user_id
        ))
    })
    .unwrap();
    let (report, e) = changed(app, &path, token, &etag, "database fix").await;
    assert_eq!(row(&report, aminata)["excused"], 1);
    etag = e;

    let res = app
        .patch(
            "/api/v1/me",
            Some(&yao.access_token),
            &json!({ "full_name": "Yao Kouassi" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (report, e) = changed(app, &path, token, &etag, "rename").await;
    assert_eq!(row(&report, yao)["full_name"], "Yao Kouassi");
    etag = e;

    let programme = app
        .get(&format!("/api/v1/cohorts/{}", c.cohort), Some(token))
        .await
        .json()["programme_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .patch(
            &format!("/api/v1/programmes/{programme}"),
            Some(&c.admin.access_token),
            &json!({ "min_attendance_rate": 90 }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (report, e) = changed(app, &path, token, &etag, "programme").await;
    assert_eq!(report["minimum_rate"], 90);
    etag = e;

    // Filters and formats are answers of their own.
    let at_risk = get(app, &format!("{path}?at_risk=true"), token, Some(&etag)).await;
    assert_eq!(at_risk.status, 200);
    assert_eq!(at_risk.json()["items"].as_array().unwrap().len(), 0);
    let csv = get(app, &format!("{path}?format=csv"), token, Some(&etag)).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.header("content-disposition").is_some());
    assert!(csv.text().contains("Yao Kouassi"));
    let csv_etag = csv.header("etag").unwrap();
    assert_ne!(csv_etag, etag);
    let again = get(app, &format!("{path}?format=csv"), token, Some(&csv_etag)).await;
    assert_eq!(again.status, 304);

    // The session is cancelled: nothing counts any more.
    let res = app
        .patch(
            &format!("/api/v1/sessions/{}", c.session),
            Some(token),
            &json!({ "status": "cancelled" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (report, _) = changed(app, &path, token, &etag, "cancelled").await;
    assert_eq!(report["sessions_counted"], 0);
}

#[actix_rt::test]
async fn every_json_answer_has_a_validator_and_a_304_for_the_caller_only() {
    // Arrange
    let app = spawn_app_with(long_tokens).await;
    let admin = app.admin();
    let member = app.user(UserSpec::default());
    let draft = app.cohort(&admin, json!({ "status": "draft" })).await;
    let paths = [
        "/api/v1/me".to_owned(),
        "/api/v1/countries".to_owned(),
        "/api/v1/programmes".to_owned(),
        "/api/v1/cohorts".to_owned(),
        format!("/api/v1/cohorts/{draft}"),
        "/api/v1/me/progress".to_owned(),
        "/api/v1/me/registrations".to_owned(),
        "/api/v1/events".to_owned(),
    ];

    for path in &paths {
        // Act
        let first = get(&app, path, &admin.access_token, None).await;
        let etag = first
            .header("etag")
            .unwrap_or_else(|| panic!("{path}: no ETag"));
        let again = get(&app, path, &admin.access_token, Some(&etag)).await;
        let strong = etag.trim_start_matches("W/");
        let same = get(&app, path, &admin.access_token, Some(strong)).await;

        // Assert
        assert_eq!(first.status, 200, "{path}: {}", first.text());
        assert!(etag.starts_with("W/\""), "{path}: {etag}");
        assert_eq!(again.status, 304, "{path}");
        assert!(again.text().is_empty(), "{path}");
        assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
        assert_eq!(same.status, 304, "{path}: weak comparison");
    }

    // A change shows at once: another ETag, and a 200.
    let me = get(&app, "/api/v1/me", &member.access_token, None).await;
    let held = me.header("etag").unwrap();
    let res = app
        .patch(
            "/api/v1/me",
            Some(&member.access_token),
            &json!({ "full_name": "Nouveau Nom" }),
        )
        .await;
    assert_eq!(res.status, 200);
    let renamed = get(&app, "/api/v1/me", &member.access_token, Some(&held)).await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.json()["full_name"], "Nouveau Nom");
    assert_ne!(renamed.header("etag").unwrap(), held);
    // Personal answers stay out of every cache but the app's own.
    assert_eq!(renamed.header("cache-control").as_deref(), Some("no-store"));

    // Whoever may not see a thing gets its 404, whatever they send.
    let hidden = get(
        &app,
        &format!("/api/v1/cohorts/{draft}"),
        &member.access_token,
        Some("*"),
    )
    .await;
    assert_eq!(hidden.status, 404);

    // Compressed on the wire, the same weak validator.
    let gzip = app
        .request(
            Method::GET,
            "/api/v1/countries",
            Some(&admin.access_token),
            None,
            &[("Accept-Encoding", "gzip")],
        )
        .await;
    let plain = get(&app, "/api/v1/countries", &admin.access_token, None).await;
    assert_eq!(gzip.header("etag"), plain.header("etag"));
}
