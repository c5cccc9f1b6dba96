//! Roll call, self check-in, reports. Time-based rules move the manual
//! clock; nothing sleeps. The clock starts at 08:00 UTC; sessions below
//! start at 09:00 UTC in a cohort whose late threshold is 15 minutes.

use chrono::Duration;
use serde_json::{json, Value};

use crate::fixtures::{class, class_on, long_tokens, new_session, Class};
use crate::helpers::{spawn_app_with, Session, TestApp, TestResponse, UserSpec};

impl Class {
    pub async fn roster(&self) -> Value {
        let res = self
            .app
            .get(
                &format!("/api/v1/sessions/{}/attendance", self.session),
                Some(&self.trainer.access_token),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    }

    pub async fn mark(&self, who: &Session, records: Value) -> TestResponse {
        self.app
            .put(
                &format!("/api/v1/sessions/{}/attendance", self.session),
                Some(&who.access_token),
                &json!({ "records": records }),
            )
            .await
    }

    pub async fn history(&self) -> Vec<Value> {
        let res = self
            .app
            .get(
                &format!(
                    "/api/v1/sessions/{}/attendance/history?limit=200",
                    self.session
                ),
                Some(&self.trainer.access_token),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["items"].as_array().unwrap().clone()
    }

    pub async fn open_window(&self, minutes: i64) -> Value {
        let res = self
            .app
            .post(
                &format!("/api/v1/sessions/{}/check-in-window", self.session),
                Some(&self.trainer.access_token),
                &json!({ "minutes": minutes }),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()
    }

    pub async fn code(&self) -> String {
        let res = self
            .app
            .get(
                &format!("/api/v1/sessions/{}/check-in-code", self.session),
                Some(&self.trainer.access_token),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["code"].as_str().unwrap().to_owned()
    }

    pub async fn check_in(&self, who: &Session, code: &str) -> TestResponse {
        self.app
            .post(
                &format!("/api/v1/sessions/{}/check-in", self.session),
                Some(&who.access_token),
                &json!({ "code": code }),
            )
            .await
    }
}

fn statuses(roster: &Value) -> Vec<String> {
    roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap().to_owned())
        .collect()
}

fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[actix_rt::test]
async fn the_roster_lists_every_learner_by_name_unmarked_at_first() {
    let c = class(&["Yao", "Aminata", "Kossi"]).await;
    let roster = c.roster().await;
    let names: Vec<&str> = roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Aminata", "Kossi", "Yao"]);
    assert_eq!(statuses(&roster), ["unmarked"; 3]);
    assert!(roster["items"][0]["marked_at"].is_null());
}

#[actix_rt::test]
async fn a_trainer_marks_everyone_at_once_and_the_same_body_changes_nothing() {
    let c = class(&["A", "B", "C"]).await;
    let body = json!([
        { "user_id": c.learners[0].user_id, "status": "present" },
        { "user_id": c.learners[1].user_id, "status": "late", "note": "transport" },
        { "user_id": c.learners[2].user_id, "status": "excused" },
    ]);
    let res = c.mark(&c.trainer, body.clone()).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(statuses(&res.json()), ["present", "late", "excused"]);
    let first = res.json();
    assert_eq!(first["items"][1]["note"], "transport");
    assert_eq!(first["items"][0]["method"], "trainer");
    assert_eq!(first["items"][0]["marked_by"], c.trainer.user_id.as_str());

    c.app.clock.advance(Duration::minutes(5));
    let again = c.mark(&c.trainer, body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json(), first, "nothing changed, not even marked_at");
    assert_eq!(c.history().await.len(), 3);
}

#[actix_rt::test]
async fn one_non_learner_fails_the_whole_request_and_nothing_is_written() {
    let c = class(&["A", "B"]).await;
    let outsider = c.app.user(UserSpec::default());
    let res = c
        .mark(
            &c.trainer,
            json!([
                { "user_id": c.learners[0].user_id, "status": "present" },
                { "user_id": c.learners[1].user_id, "status": "present" },
                { "user_id": outsider.user_id, "status": "present" },
                { "user_id": c.trainer.user_id, "status": "present" },
            ]),
        )
        .await;
    let body = res.assert_problem(422, "validation_failed");
    assert!(body["errors"]["records[2].user_id"].is_array(), "{body}");
    assert!(body["errors"]["records[3].user_id"].is_array(), "{body}");
    assert_eq!(statuses(&c.roster().await), ["unmarked"; 2]);
    assert!(c.history().await.is_empty());

    let bad_status = c
        .mark(
            &c.trainer,
            json!([{ "user_id": c.learners[0].user_id, "status": "asleep" }]),
        )
        .await;
    bad_status.assert_problem(422, "validation_failed");
    let duplicate = c
        .mark(
            &c.trainer,
            json!([
                { "user_id": c.learners[0].user_id, "status": "present" },
                { "user_id": c.learners[0].user_id, "status": "absent" },
            ]),
        )
        .await;
    duplicate.assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn every_change_is_kept_with_who_when_from_and_to() {
    let c = class(&["A"]).await;
    let learner = &c.learners[0].user_id;
    c.mark(
        &c.trainer,
        json!([{ "user_id": learner, "status": "present" }]),
    )
    .await;
    c.app.clock.advance(Duration::minutes(30));
    c.mark(
        &c.admin,
        json!([{ "user_id": learner, "status": "absent", "note": "left early" }]),
    )
    .await;
    let history = c.history().await;
    assert_eq!(history.len(), 2);
    assert!(history[0]["from_status"].is_null());
    assert_eq!(history[0]["to_status"], "present");
    assert_eq!(history[0]["changed_by"], c.trainer.user_id.as_str());
    assert_eq!(history[1]["from_status"], "present");
    assert_eq!(history[1]["to_status"], "absent");
    assert_eq!(history[1]["changed_by"], c.admin.user_id.as_str());
    assert_eq!(history[1]["note"], "left early");
}

#[actix_rt::test]
async fn the_history_reads_in_commit_order_whatever_instants_requests_started_at() {
    // Arrange: two roll calls where the one written second started first
    // (its instant is earlier), as when a slower request waits for the
    // session's lock: the clock goes back between them.
    let c = class(&["A"]).await;
    let learner = &c.learners[0].user_id;
    c.app.clock.advance(Duration::minutes(30));
    let res = c
        .mark(
            &c.trainer,
            json!([{ "user_id": learner, "status": "present" }]),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    c.app.clock.advance(Duration::minutes(-20));
    let res = c
        .mark(
            &c.admin,
            json!([{ "user_id": learner, "status": "absent" }]),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());

    // Act
    let history = c.history().await;

    // Assert: each change starts from where the one before it left off.
    let chain: Vec<(Value, Value)> = history
        .iter()
        .map(|h| (h["from_status"].clone(), h["to_status"].clone()))
        .collect();
    assert_eq!(
        chain,
        [
            (Value::Null, json!("present")),
            (json!("present"), json!("absent")),
        ]
    );
    // Pages follow the same order.
    let first = c
        .app
        .get(
            &format!("/api/v1/sessions/{}/attendance/history?limit=1", c.session),
            Some(&c.trainer.access_token),
        )
        .await
        .json();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = c
        .app
        .get(
            &format!(
                "/api/v1/sessions/{}/attendance/history?limit=1&cursor={cursor}",
                c.session
            ),
            Some(&c.trainer.access_token),
        )
        .await
        .json();
    assert_eq!(first["items"][0]["to_status"], "present");
    assert_eq!(second["items"][0]["to_status"], "absent", "{second}");
}

#[actix_rt::test]
async fn learners_cannot_take_the_roll_and_outsiders_see_nothing() {
    let c = class(&["A"]).await;
    let path = format!("/api/v1/sessions/{}/attendance", c.session);
    let learner = &c.learners[0];
    c.app
        .get(&path, Some(&learner.access_token))
        .await
        .assert_problem(403, "forbidden");
    c.mark(
        learner,
        json!([{ "user_id": learner.user_id, "status": "present" }]),
    )
    .await
    .assert_problem(403, "forbidden");
    let outsider = c.app.user(UserSpec::default());
    c.app
        .get(&path, Some(&outsider.access_token))
        .await
        .assert_problem(404, "not_found");
    c.app
        .post(
            &format!("/api/v1/sessions/{}/check-in-window", c.session),
            Some(&learner.access_token),
            &json!({ "minutes": 10 }),
        )
        .await
        .assert_problem(403, "forbidden");
}

#[actix_rt::test]
async fn a_learner_checks_in_with_the_current_code_and_again_harmlessly() {
    let c = class(&["A"]).await;
    let window = c.open_window(30).await;
    assert_eq!(window["code"].as_str().unwrap().len(), 6);
    assert_eq!(window["rotates_every_seconds"], 20);
    assert!(window["qr_payload"].as_str().unwrap().contains(&c.session));
    let code = window["code"].as_str().unwrap();

    let res = c.check_in(&c.learners[0], code).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let record = res.json();
    assert_eq!(
        record["status"], "present",
        "08:00 is before the 09:00 start"
    );
    assert_eq!(record["method"], "code");
    assert_eq!(record["user_id"], c.learners[0].user_id.as_str());

    let again = c.check_in(&c.learners[0], &c.code().await).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json(), record);
}

#[actix_rt::test]
async fn checking_in_past_the_threshold_records_late() {
    let c = class(&["On time", "Late"]).await;
    c.app.clock.advance(Duration::minutes(60 + 15)); // 09:15, the last on-time minute
    c.open_window(60).await;
    assert_eq!(
        c.check_in(&c.learners[0], &c.code().await).await.json()["status"],
        "present"
    );
    c.app.clock.advance(Duration::seconds(1));
    assert_eq!(
        c.check_in(&c.learners[1], &c.code().await).await.json()["status"],
        "late"
    );
}

#[actix_rt::test]
async fn the_previous_code_still_works_but_not_older_ones() {
    let c = class(&["A", "B"]).await;
    c.open_window(30).await;
    let code = c.code().await;
    c.app.clock.advance(Duration::seconds(20));
    assert_ne!(c.code().await, code, "the code rotated");
    assert_eq!(c.check_in(&c.learners[0], &code).await.status, 201);
    c.app.clock.advance(Duration::seconds(20));
    c.check_in(&c.learners[1], &code)
        .await
        .assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn wrong_codes_are_limited_per_window() {
    let c = class(&["A"]).await;
    c.open_window(30).await;
    let learner = &c.learners[0];
    let right = c.code().await;
    for remaining in (0..5).rev() {
        let res = c.check_in(learner, &wrong(&right)).await;
        let body = res.assert_problem(422, "validation_failed");
        let msg = body["errors"]["code"][0].as_str().unwrap();
        assert!(msg.contains(&remaining.to_string()), "{msg}");
    }
    // Even the right code is refused now.
    c.check_in(learner, &right)
        .await
        .assert_problem(429, "rate_limited");
    // A new window gives fresh tries.
    c.app.clock.advance(Duration::seconds(1));
    c.open_window(30).await;
    assert_eq!(c.check_in(learner, &c.code().await).await.status, 201);
}

#[actix_rt::test]
async fn parallel_wrong_codes_get_only_the_allowed_tries() {
    // Arrange
    let c = class(&["A"]).await;
    c.open_window(30).await;
    let learner = &c.learners[0];
    let right: u32 = c.code().await.parse().unwrap();
    let codes: Vec<String> = (1..=60)
        .map(|k| format!("{:06}", (right + 1000 * k) % 1_000_000))
        .collect();

    // Act: 60 different wrong codes at once.
    let answers =
        futures_util::future::join_all(codes.iter().map(|code| c.check_in(learner, code))).await;

    // Assert: exactly five were compared, every other one waited.
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    let compared = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((compared, refused), (5, 55), "{statuses:?}");
    c.check_in(learner, &format!("{right:06}"))
        .await
        .assert_problem(429, "rate_limited");
}

#[actix_rt::test]
async fn check_in_is_refused_outside_the_window_when_cancelled_and_for_non_learners() {
    let c = class(&["A"]).await;
    let learner = &c.learners[0];
    let closed = c.check_in(learner, "123456").await;
    closed.assert_problem(409, "check_in_closed");

    c.open_window(10).await;
    let code = c.code().await;
    c.check_in(&c.trainer, &code)
        .await
        .assert_problem(403, "not_a_learner");
    let outsider = c.app.user(UserSpec::default());
    c.check_in(&outsider, &code)
        .await
        .assert_problem(404, "not_found");

    c.app.clock.advance(Duration::minutes(10));
    c.check_in(learner, &code)
        .await
        .assert_problem(409, "check_in_closed");
    c.app
        .get(
            &format!("/api/v1/sessions/{}/check-in-code", c.session),
            Some(&c.trainer.access_token),
        )
        .await
        .assert_problem(409, "check_in_closed");

    c.open_window(10).await;
    let code = c.code().await;
    let res = c
        .app
        .patch(
            &format!("/api/v1/sessions/{}", c.session),
            Some(&c.trainer.access_token),
            &json!({ "status": "cancelled" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    c.check_in(learner, &code)
        .await
        .assert_problem(409, "session_cancelled");
}

#[actix_rt::test]
async fn the_trainers_mark_wins_over_self_check_in() {
    let c = class(&["Marked first", "Checked in first"]).await;
    c.mark(
        &c.trainer,
        json!([{ "user_id": c.learners[0].user_id, "status": "absent" }]),
    )
    .await;
    c.open_window(30).await;
    let res = c.check_in(&c.learners[0], &c.code().await).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "absent");
    assert_eq!(res.json()["method"], "trainer");

    assert_eq!(
        c.check_in(&c.learners[1], &c.code().await).await.status,
        201
    );
    c.mark(
        &c.trainer,
        json!([{ "user_id": c.learners[1].user_id, "status": "excused" }]),
    )
    .await;
    let roster = c.roster().await;
    let line = roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["user_id"] == c.learners[1].user_id.as_str())
        .unwrap();
    assert_eq!(line["status"], "excused");
    assert_eq!(line["method"], "trainer");
}

#[actix_rt::test]
async fn the_whole_roster_checks_in_at_once() {
    let app = spawn_app_with(|s| {
        long_tokens(s);
        s.db_pool_size = 16;
    })
    .await;
    let names: Vec<String> = (0..40).map(|i| format!("Learner {i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = class_on(app, &refs).await;
    c.open_window(15).await;
    let code = c.code().await;
    let results =
        futures_util::future::join_all(c.learners.iter().map(|l| c.check_in(l, &code))).await;
    for r in &results {
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let roster = c.roster().await;
    assert_eq!(statuses(&roster), vec!["present"; 40]);
    assert_eq!(c.history().await.len(), 40);
}

#[actix_rt::test]
async fn the_cohort_report_counts_ended_sessions_and_weighs_late() {
    let c = class(&["Awa", "Bakary", "=HYPERLINK(\"http://x\")"]).await;
    let (awa, bakary, formula) = (&c.learners[0], &c.learners[1], &c.learners[2]);
    // Four sessions at 09:00, 12:00, 15:00, 18:00 (two hours each); one will be cancelled.
    let mut sessions = vec![c.session.clone()];
    for h in [4, 7, 10] {
        sessions.push(new_session(&c.app, &c.trainer, &c.cohort, h).await);
    }
    let mark = |s: &str, records: Value| {
        let path = format!("/api/v1/sessions/{s}/attendance");
        let app = &c.app;
        let token = c.trainer.access_token.clone();
        async move {
            app.put(&path, Some(&token), &json!({ "records": records }))
                .await
        }
    };
    mark(&sessions[0], json!([{ "user_id": awa.user_id, "status": "present" }, { "user_id": bakary.user_id, "status": "late" }])).await;
    mark(&sessions[1], json!([{ "user_id": awa.user_id, "status": "late" }, { "user_id": bakary.user_id, "status": "absent" }])).await;
    mark(
        &sessions[2],
        json!([{ "user_id": awa.user_id, "status": "excused" }]),
    )
    .await;
    c.app
        .patch(
            &format!("/api/v1/sessions/{}", sessions[3]),
            Some(&c.trainer.access_token),
            &json!({ "status": "cancelled" }),
        )
        .await;
    // 17:30: the first three have ended; the cancelled one never counts.
    c.app
        .clock
        .advance(Duration::hours(9) + Duration::minutes(30));

    let path = format!("/api/v1/cohorts/{}/attendance", c.cohort);
    let res = c.app.get(&path, Some(&c.trainer.access_token)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let report = res.json();
    assert_eq!(report["sessions_counted"], 3);
    let row = |id: &str| {
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user_id"] == id)
            .unwrap()
            .clone()
    };
    let a = row(&awa.user_id);
    assert_eq!(
        (
            a["present"].as_i64(),
            a["late"].as_i64(),
            a["excused"].as_i64(),
            a["unmarked"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(0))
    );
    assert_eq!(a["attendance_rate"], 90.0, "(1 + 0.8) / 2");
    let b = row(&bakary.user_id);
    assert_eq!(b["unmarked"], 1);
    assert_eq!(b["attendance_rate"], 26.7, "0.8 / 3");
    assert_eq!(row(&formula.user_id)["attendance_rate"], 0.0);

    let below = c
        .app
        .get(&format!("{path}?below=50"), Some(&c.trainer.access_token))
        .await
        .json();
    assert_eq!(below["items"].as_array().unwrap().len(), 2);
    let at_risk = c
        .app
        .get(&format!("{path}?at_risk=true"), Some(&c.admin.access_token))
        .await
        .json();
    assert_eq!(at_risk["minimum_rate"], 75);
    assert_eq!(at_risk["items"].as_array().unwrap().len(), 2);

    // The same as CSV, by header or by parameter.
    let csv = c
        .app
        .request(
            awc::http::Method::GET,
            &path,
            Some(&c.trainer.access_token),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(&csv.body[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = csv.text();
    let lines: Vec<&str> = text
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        lines[0],
        "user_id,full_name,present,late,excused,absent,unmarked,attendance_rate"
    );
    assert_eq!(lines.len(), 4);
    assert!(
        text.contains(&format!("{},Awa,1,1,1,0,0,90.0", awa.user_id)),
        "{text}"
    );
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "formula neutralised: {text}"
    );
    let by_param = c
        .app
        .get(
            &format!("{path}?format=csv&delimiter=semicolon"),
            Some(&c.trainer.access_token),
        )
        .await;
    // French Excel reads a decimal with a comma: with semicolons, `90,0`.
    assert!(
        by_param
            .text()
            .contains(&format!("{};Awa;1;1;1;0;0;90,0\r\n", awa.user_id)),
        "{}",
        by_param.text()
    );

    // Learners read their own attendance, not the cohort's.
    c.app
        .get(&path, Some(&awa.access_token))
        .await
        .assert_problem(403, "forbidden");
    let mine = c
        .app
        .get("/api/v1/me/attendance", Some(&awa.access_token))
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text());
    let mine = mine.json();
    let item = &mine["items"][0];
    assert_eq!(item["cohort_id"], c.cohort.as_str());
    assert_eq!(item["attendance_rate"], 90.0);
    assert_eq!(item["records"].as_array().unwrap().len(), 3);
    assert_eq!(item["records"][0]["status"], "present");
}

#[actix_rt::test]
async fn the_rate_ignores_sessions_that_do_not_count_or_have_not_ended() {
    let c = class(&["A"]).await;
    let learner = &c.learners[0];
    let off = new_session(&c.app, &c.trainer, &c.cohort, 3).await;
    c.app
        .patch(
            &format!("/api/v1/sessions/{off}"),
            Some(&c.trainer.access_token),
            &json!({ "counts_for_completion": false }),
        )
        .await;
    c.mark(
        &c.trainer,
        json!([{ "user_id": learner.user_id, "status": "absent" }]),
    )
    .await;
    let path = format!("/api/v1/cohorts/{}/attendance", c.cohort);
    let report = || async { c.app.get(&path, Some(&c.trainer.access_token)).await.json() };
    // 08:00: nothing has ended yet.
    let before = report().await;
    assert_eq!(before["sessions_counted"], 0);
    assert_eq!(before["items"][0]["attendance_rate"], 100.0);
    c.app.clock.advance(Duration::hours(12));
    let after = report().await;
    assert_eq!(
        after["sessions_counted"], 1,
        "the non-counting session is left out"
    );
    assert_eq!(after["items"][0]["absent"], 1);
    assert_eq!(after["items"][0]["attendance_rate"], 0.0);
}

/// The running tallies behind the report (kept by triggers) against a count
/// from scratch of every record in a session that counts.
fn assert_tallies_match_records(app: &TestApp, step: &str) {
    use diesel::prelude::*;
    use griot::schema::{attendance, attendance_tallies, sessions};
    use std::collections::BTreeMap;

    app.db(|conn| {
        let records: Vec<(String, String, String)> = attendance::table
            .inner_join(sessions::table)
            .filter(sessions::status.eq("scheduled"))
            .filter(sessions::counts_for_completion.eq(true))
            .filter(sessions::deleted_at.is_null())
            .select((sessions::cohort_id, attendance::user_id, attendance::status))
            .load(conn)
            .unwrap();
        let mut expected: BTreeMap<(String, String), [i32; 4]> = BTreeMap::new();
        for (cohort, user, status) in records {
            let i = ["present", "late", "excused", "absent"]
                .iter()
                .position(|s| *s == status)
                .unwrap();
            expected.entry((cohort, user)).or_default()[i] += 1;
        }
        let kept: Vec<(String, String, i32, i32, i32, i32)> = attendance_tallies::table
            .select((
                attendance_tallies::cohort_id,
                attendance_tallies::user_id,
                attendance_tallies::present,
                attendance_tallies::late,
                attendance_tallies::excused,
                attendance_tallies::absent,
            ))
            .load(conn)
            .unwrap();
        let kept: BTreeMap<(String, String), [i32; 4]> = kept
            .into_iter()
            .map(|(c, u, p, l, e, a)| ((c, u), [p, l, e, a]))
            .filter(|(_, counts)| *counts != [0; 4])
            .collect();
        assert_eq!(kept, expected, "tallies drifted after: {step}");
    });
}

#[actix_rt::test]
async fn the_report_stays_true_through_every_kind_of_change() {
    let c = class(&["L0", "L1", "L2", "L3"]).await;
    let l: Vec<&str> = c.learners.iter().map(|s| s.user_id.as_str()).collect();
    let token = c.trainer.access_token.clone();
    let mark = |s: String, records: Value| {
        let (app, token) = (&c.app, token.clone());
        async move {
            let res = app
                .put(
                    &format!("/api/v1/sessions/{s}/attendance"),
                    Some(&token),
                    &json!({ "records": records }),
                )
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
    };
    let patch = |s: String, body: Value| {
        let (app, token) = (&c.app, token.clone());
        async move {
            let res = app
                .patch(&format!("/api/v1/sessions/{s}"), Some(&token), &body)
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
    };
    // S0 09–11 (the class's), S5 10–12 (deleted), S1 12–14, S2 15–17,
    // S4 18–20 (cancelled), S3 tomorrow (not ended when the report is read).
    let s0 = c.session.clone();
    let s1 = new_session(&c.app, &c.trainer, &c.cohort, 4).await;
    let s2 = new_session(&c.app, &c.trainer, &c.cohort, 7).await;
    let s3 = new_session(&c.app, &c.trainer, &c.cohort, 30).await;
    let s4 = new_session(&c.app, &c.trainer, &c.cohort, 10).await;
    let s5 = new_session(&c.app, &c.trainer, &c.cohort, 2).await;

    // Roll call, self check-in, then corrections over both.
    mark(s0.clone(), json!([{ "user_id": l[2], "status": "absent" }, { "user_id": l[0], "status": "present" }, { "user_id": l[1], "status": "late" }])).await;
    c.open_window(30).await;
    assert_eq!(
        c.check_in(&c.learners[3], &c.code().await).await.status,
        201
    );
    assert_tallies_match_records(&c.app, "roll call and check-in");
    mark(s0.clone(), json!([{ "user_id": l[1], "status": "present" }, { "user_id": l[2], "status": "absent", "note": "malade" }, { "user_id": l[3], "status": "excused" }])).await;
    assert_tallies_match_records(&c.app, "corrections");
    mark(
        s1.clone(),
        json!([{ "user_id": l[0], "status": "present" }]),
    )
    .await;

    // A session that stops counting, then counts again.
    mark(
        s2.clone(),
        json!([{ "user_id": l[0], "status": "absent" }, { "user_id": l[1], "status": "absent" }]),
    )
    .await;
    patch(s2.clone(), json!({ "counts_for_completion": false })).await;
    assert_tallies_match_records(&c.app, "counts_for_completion off");
    patch(s2.clone(), json!({ "counts_for_completion": true })).await;
    assert_tallies_match_records(&c.app, "counts_for_completion on");

    // Cancelled, restored, cancelled again.
    mark(
        s4.clone(),
        json!([{ "user_id": l[2], "status": "present" }]),
    )
    .await;
    patch(s4.clone(), json!({ "status": "cancelled" })).await;
    patch(s4.clone(), json!({ "status": "scheduled" })).await;
    assert_tallies_match_records(&c.app, "cancelled and restored");
    patch(s4.clone(), json!({ "status": "cancelled" })).await;

    // Deleted.
    mark(
        s5.clone(),
        json!([{ "user_id": l[1], "status": "present" }]),
    )
    .await;
    let res = c
        .app
        .delete(&format!("/api/v1/sessions/{s5}"), Some(&token))
        .await;
    assert_eq!(res.status, 204);
    assert_tallies_match_records(&c.app, "session deleted");

    // Marked ahead: excused tomorrow does not count today.
    mark(
        s3.clone(),
        json!([{ "user_id": l[0], "status": "excused" }]),
    )
    .await;

    // 22:00: S0, S1 and S2 have ended and count.
    c.app.clock.advance(Duration::hours(14));
    let res = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/attendance", c.cohort),
            Some(&token),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let report = res.json();
    assert_eq!(report["sessions_counted"], 3);
    let row = |id: &str| -> (i64, i64, i64, i64, i64, f64) {
        let r = report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user_id"] == id)
            .unwrap();
        let n = |k: &str| r[k].as_i64().unwrap();
        (
            n("present"),
            n("late"),
            n("excused"),
            n("absent"),
            n("unmarked"),
            r["attendance_rate"].as_f64().unwrap(),
        )
    };
    assert_eq!(row(l[0]), (2, 0, 0, 1, 0, 66.7));
    assert_eq!(row(l[1]), (1, 0, 0, 1, 1, 33.3));
    assert_eq!(row(l[2]), (0, 0, 0, 1, 2, 0.0));
    assert_eq!(row(l[3]), (0, 0, 1, 0, 2, 0.0));

    let mine = c
        .app
        .get("/api/v1/me/attendance", Some(&c.learners[0].access_token))
        .await
        .json();
    let item = &mine["items"][0];
    assert_eq!(item["sessions_counted"], 3);
    assert_eq!(
        (
            item["present"].as_i64(),
            item["absent"].as_i64(),
            item["excused"].as_i64()
        ),
        (Some(2), Some(1), Some(0))
    );
    assert_eq!(item["attendance_rate"], 66.7);
}

#[actix_rt::test]
async fn parallel_roll_calls_and_session_changes_in_one_cohort_keep_the_tallies() {
    let app = spawn_app_with(|s| {
        long_tokens(s);
        s.db_pool_size = 16;
    })
    .await;
    let names: Vec<String> = (0..30).map(|i| format!("Learner {i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = class_on(app, &refs).await;
    let mut sessions = vec![c.session.clone()];
    for h in 2..8 {
        sessions.push(new_session(&c.app, &c.trainer, &c.cohort, h * 3).await);
    }
    let statuses = ["present", "late", "excused", "absent"];
    let body = |k: usize| {
        // Half the bodies list the learners backwards: the rows they lock
        // come in opposite orders unless the server orders them.
        let mut records: Vec<Value> = c
            .learners
            .iter()
            .enumerate()
            .map(|(i, l)| json!({ "user_id": l.user_id, "status": statuses[(i + k) % 4] }))
            .collect();
        if k % 2 == 1 {
            records.reverse();
        }
        json!({ "records": records })
    };
    let (app, token) = (&c.app, &c.trainer.access_token);
    let puts = sessions.iter().enumerate().flat_map(|(k, s)| {
        let path = format!("/api/v1/sessions/{s}/attendance");
        [body(k), body(k + 1)].map(move |b| {
            let path = path.clone();
            async move { app.put(&path, Some(token), &b).await }
        })
    });
    let cancel = async {
        app.patch(
            &format!("/api/v1/sessions/{}", sessions[3]),
            Some(token),
            &json!({ "status": "cancelled" }),
        )
        .await
    };
    let (puts, cancelled) =
        futures_util::future::join(futures_util::future::join_all(puts), cancel).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text());
    for r in &puts {
        // A roll call on the session being cancelled may find it cancelled.
        assert!(
            r.status == 200 || r.status == 409,
            "{} {}",
            r.status,
            r.text()
        );
    }
    assert_tallies_match_records(&c.app, "parallel roll calls");
}

#[actix_rt::test]
async fn a_check_in_made_offline_counts_when_replayed_in_time() {
    use griot::clock::Clock;
    // Arrange: a window open for 30 minutes, a code scanned at once on a
    // phone without data.
    let c = class_on(spawn_app_with(long_tokens).await, &["A", "B", "C", "D"]).await;
    c.open_window(30).await;
    let scanned = c.app.clock.now();
    let code = c.code().await;
    let at = scanned.to_rfc3339();

    // Act: the phone finds data two hours later, when the code has long
    // rotated and the window is closed.
    c.app.clock.advance(Duration::hours(2));
    let res = replay(&c, &c.learners[0], &code, &at).await;

    // Assert: it counts at the time of the scan; both times are kept.
    assert_eq!(res.status, 201, "{}", res.text());
    let record = res.json();
    assert_eq!(record["method"], "code");
    let scanned_at: chrono::DateTime<chrono::Utc> =
        record["scanned_at"].as_str().unwrap().parse().unwrap();
    let marked_at: chrono::DateTime<chrono::Utc> =
        record["marked_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(scanned_at, scanned);
    assert_eq!(marked_at, scanned + Duration::hours(2));
    let live = c.check_in(&c.learners[1], &code).await;
    live.assert_problem(409, "check_in_closed");

    // A code that was not valid at the scan's time is wrong.
    let wrong_code = replay(&c, &c.learners[1], &wrong(&code), &at).await;
    wrong_code.assert_problem(422, "validation_failed");
    // A scan outside the window does not count.
    let before = (scanned - Duration::minutes(10)).to_rfc3339();
    replay(&c, &c.learners[1], &code, &before)
        .await
        .assert_problem(409, "check_in_closed");
    // Nor one dated in the future.
    let ahead = (c.app.clock.now() + Duration::hours(1)).to_rfc3339();
    replay(&c, &c.learners[1], &code, &ahead)
        .await
        .assert_problem(422, "validation_failed");
    // Past CHECK_IN_REPLAY_HOURS (72) after the close, it is too late.
    c.app.clock.advance(Duration::hours(72));
    let mut late = c.learners[2].clone();
    late.access_token = c.app.token_for(late.user_id.parse().unwrap());
    replay(&c, &late, &code, &at)
        .await
        .assert_problem(409, "check_in_closed");
}

#[actix_rt::test]
async fn an_offline_check_in_dated_just_before_the_window_counts_within_the_clock_skew() {
    use griot::clock::Clock;
    // Arrange: a window opened now, its code shown at once; phones whose
    // clocks run behind the server's date their scans before the opening.
    let c = class_on(spawn_app_with(long_tokens).await, &["A", "B", "C"]).await;
    c.open_window(30).await;
    let opened = c.app.clock.now();
    let code = c.code().await;
    c.app.clock.advance(Duration::minutes(40));
    let dated = |seconds: i64| (opened - Duration::seconds(seconds)).to_rfc3339();

    // Act
    let a_second = replay(&c, &c.learners[0], &code, &dated(1)).await;
    let two_minutes = replay(&c, &c.learners[1], &code, &dated(120)).await;
    let beyond = replay(&c, &c.learners[2], &code, &dated(121)).await;

    // Assert: within CLOCK_SKEW_SECONDS (120 s) it counts, as dated.
    assert_eq!(a_second.status, 201, "{}", a_second.text());
    let scanned_at: chrono::DateTime<chrono::Utc> = a_second.json()["scanned_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(scanned_at, opened - Duration::seconds(1));
    assert_eq!(two_minutes.status, 201, "{}", two_minutes.text());
    beyond.assert_problem(409, "check_in_closed");
    // The skew widens the time, not the codes: a wrong one is still wrong.
    replay(&c, &c.learners[2], &wrong(&code), &dated(1))
        .await
        .assert_problem(422, "validation_failed");
}

/// A check-in made offline at `at`, sent now.
async fn replay(c: &Class, who: &Session, code: &str, at: &str) -> TestResponse {
    c.app
        .post(
            &format!("/api/v1/sessions/{}/check-in", c.session),
            Some(&who.access_token),
            &json!({ "code": code, "scanned_at": at }),
        )
        .await
}
