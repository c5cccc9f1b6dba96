//! Session feedback: only learners marked present or late rate a session,
//! once it started, and may change their rating; staff and trainers read
//! counts, a mean, the distribution and comments without names; a cohort
//! compares kinds of sessions.

use chrono::Duration;
use serde_json::{json, Value};

use crate::fixtures::{class, new_session, Class};
use crate::helpers::{Session, TestResponse, UserSpec};

async fn rate(c: &Class, session: &str, who: &Session, body: Value) -> TestResponse {
    c.app
        .put(
            &format!("/api/v1/sessions/{session}/feedback"),
            Some(&who.access_token),
            &body,
        )
        .await
}

async fn summary(c: &Class, session: &str, who: &Session) -> TestResponse {
    c.app
        .get(
            &format!("/api/v1/sessions/{session}/feedback"),
            Some(&who.access_token),
        )
        .await
}

/// A class whose session has started, with Awa present, Binta late, Chris
/// absent and Dede unmarked.
async fn attended() -> Class {
    let c = class(&["Awa", "Binta", "Chris", "Dede"]).await;
    let l = &c.learners;
    let res = c
        .mark(
            &c.trainer,
            json!([
                { "user_id": l[0].user_id, "status": "present" },
                { "user_id": l[1].user_id, "status": "late" },
                { "user_id": l[2].user_id, "status": "absent" },
            ]),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    c.app
        .clock
        .advance(Duration::hours(1) + Duration::minutes(5));
    c
}

#[actix_rt::test]
async fn learners_who_were_there_rate_and_may_change_their_mind() {
    let c = attended().await;
    let (awa, binta) = (&c.learners[0], &c.learners[1]);
    let res = rate(
        &c,
        &c.session,
        awa,
        json!({ "rating": 2, "comment": "  Trop rapide  " }),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["rating"], 2);
    assert_eq!(res.json()["comment"], "Trop rapide");
    // Sending again replaces the first rating: one row per learner.
    let again = rate(
        &c,
        &c.session,
        awa,
        json!({ "rating": 5, "comment": "Finalement, très clair" }),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(
        rate(&c, &c.session, binta, json!({ "rating": 4 }))
            .await
            .status,
        200
    );

    let res = summary(&c, &c.session, &c.trainer).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["count"], 2);
    assert_eq!(body["average"], 4.5);
    assert_eq!(
        body["distribution"],
        json!({ "1": 0, "2": 0, "3": 0, "4": 1, "5": 1 })
    );
    assert_eq!(body["comments"], json!(["Finalement, très clair"]));
    // No names, no ids, no times: nothing says who wrote what.
    let text = res.text();
    for l in &c.learners {
        assert!(
            !text.contains(&l.user_id) && !text.contains(&l.email),
            "{text}"
        );
    }
    assert!(
        !text.contains("Awa") && !text.contains("updated_at"),
        "{text}"
    );
}

#[actix_rt::test]
async fn only_present_or_late_learners_after_the_start_may_rate() {
    let c = class(&["Awa", "Chris", "Dede"]).await;
    let l = &c.learners;
    c.mark(
        &c.trainer,
        json!([
            { "user_id": l[0].user_id, "status": "present" },
            { "user_id": l[1].user_id, "status": "excused" },
        ]),
    )
    .await;
    // Before the start (the clock's start is an hour before the session).
    rate(&c, &c.session, &l[0], json!({ "rating": 4 }))
        .await
        .assert_problem(409, "session_not_started");
    c.app.clock.advance(Duration::hours(2));
    rate(&c, &c.session, &l[1], json!({ "rating": 4 }))
        .await
        .assert_problem(403, "not_attended");
    rate(&c, &c.session, &l[2], json!({ "rating": 4 }))
        .await
        .assert_problem(403, "not_attended");
    rate(&c, &c.session, &c.trainer, json!({ "rating": 5 }))
        .await
        .assert_problem(403, "forbidden");
    rate(&c, &c.session, &c.admin, json!({ "rating": 5 }))
        .await
        .assert_problem(403, "forbidden");
    let outsider = c.app.user(UserSpec::default());
    rate(&c, &c.session, &outsider, json!({ "rating": 5 }))
        .await
        .assert_problem(404, "not_found");
    for bad in [
        json!({ "rating": 0 }),
        json!({ "rating": 6 }),
        json!({}),
        json!({ "rating": 3, "comment": "x".repeat(2001) }),
    ] {
        rate(&c, &c.session, &l[0], bad)
            .await
            .assert_problem(422, "validation_failed");
    }
    // Learners do not read the summary; outsiders do not learn the session exists.
    summary(&c, &c.session, &l[0])
        .await
        .assert_problem(403, "forbidden");
    summary(&c, &c.session, &outsider)
        .await
        .assert_problem(404, "not_found");
    let empty = summary(&c, &c.session, &c.admin).await.json();
    assert_eq!(empty["count"], 0);
    assert_eq!(empty["average"], Value::Null);
    assert_eq!(empty["comments"], json!([]));
}

#[actix_rt::test]
async fn a_cohort_compares_kinds_of_sessions() {
    let c = attended().await;
    let (awa, binta) = (&c.learners[0], &c.learners[1]);
    rate(&c, &c.session, awa, json!({ "rating": 5 })).await;
    rate(
        &c,
        &c.session,
        binta,
        json!({ "rating": 3, "comment": "Bien" }),
    )
    .await;
    // A workshop two hours later, attended by Awa.
    let workshop = new_session(&c.app, &c.trainer, &c.cohort, 3).await;
    c.app
        .patch(
            &format!("/api/v1/sessions/{workshop}"),
            Some(&c.trainer.access_token),
            &json!({ "kind": "creative_workshop" }),
        )
        .await;
    c.app
        .put(
            &format!("/api/v1/sessions/{workshop}/attendance"),
            Some(&c.trainer.access_token),
            &json!({ "records": [{ "user_id": awa.user_id, "status": "present" }] }),
        )
        .await;
    c.app.clock.advance(Duration::hours(3));
    assert_eq!(
        rate(&c, &workshop, awa, json!({ "rating": 2 }))
            .await
            .status,
        200
    );

    let path = format!("/api/v1/cohorts/{}/feedback", c.cohort);
    let res = c.app.get(&path, Some(&c.trainer.access_token)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["kinds"][0]["kind"], "master_class");
    assert_eq!(body["kinds"][0]["sessions"], 1);
    assert_eq!(body["kinds"][0]["count"], 2);
    assert_eq!(body["kinds"][0]["average"], 4.0);
    assert_eq!(body["kinds"][1]["kind"], "creative_workshop");
    assert_eq!(body["kinds"][1]["distribution"]["2"], 1);
    assert_eq!(body["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(body["sessions"][1]["session_id"], workshop.as_str());
    assert_eq!(body["sessions"][1]["average"], 2.0);
    c.app
        .get(&path, Some(&awa.access_token))
        .await
        .assert_problem(403, "forbidden");
}
