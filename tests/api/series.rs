//! Recurring sessions: every occurrence at the same local time across a
//! change of offset, the limits of a repeat rule, the lead trainer's
//! clashes (also under parallel requests), cancelling what has not
//! started, and the calendar feed.

use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::{start_time, TestResponse};
use crate::sessions::{body, cast, create, with, Cast};

async fn series(c: &Cast, who: &crate::helpers::Session, body: &Value) -> TestResponse {
    c.app
        .post(
            &format!("/api/v1/cohorts/{}/sessions/series", c.cohort),
            Some(&who.access_token),
            body,
        )
        .await
}

/// A weekly master class on Mondays at 09:00 in Paris, from 16 March 2026.
fn weekly(repeat: Value) -> Value {
    with(
        body("master_class", "Stratégie social media"),
        json!({
            "starts_at": "2026-03-16T09:00:00+01:00",
            "ends_at": "2026-03-16T11:00:00+01:00",
            "repeat": repeat,
        }),
    )
}

async fn count_sessions(c: &Cast) -> usize {
    let res = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/sessions?limit=200", c.cohort),
            Some(&c.admin.access_token),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"].as_array().unwrap().len()
}

#[actix_rt::test]
async fn a_weekly_series_keeps_its_local_hour_across_summer_time() {
    let c = cast(json!({ "timezone": "Europe/Paris" })).await;
    let res = series(
        &c,
        &c.trainer,
        &weekly(json!({ "frequency": "weekly", "count": 4 })),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let body = res.json();
    let id = body["series_id"].as_str().unwrap();
    let items = body["items"].as_array().unwrap();
    let starts: Vec<&str> = items
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    // Paris moves to summer time on 29 March 2026: the UTC hour moves.
    assert_eq!(
        starts,
        [
            "2026-03-16T08:00:00Z",
            "2026-03-23T08:00:00Z",
            "2026-03-30T07:00:00Z",
            "2026-04-06T07:00:00Z"
        ]
    );
    let local: Vec<&str> = items
        .iter()
        .map(|s| s["local_starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        local,
        [
            "2026-03-16T09:00:00+01:00",
            "2026-03-23T09:00:00+01:00",
            "2026-03-30T09:00:00+02:00",
            "2026-04-06T09:00:00+02:00"
        ]
    );
    assert!(items
        .iter()
        .all(|s| s["series_id"] == id && s["ends_at"] != s["starts_at"]));
    assert_eq!(items[2]["local_ends_at"], "2026-03-30T11:00:00+02:00");

    // Each occurrence is an ordinary session: listed, and in the calendar.
    assert_eq!(count_sessions(&c).await, 4);
    let one = c
        .app
        .get(
            &format!("/api/v1/sessions/{}", items[3]["id"].as_str().unwrap()),
            Some(&c.learner.access_token),
        )
        .await;
    assert_eq!(one.json()["series_id"], id);
    let feed = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/calendar.ics", c.cohort),
            Some(&c.learner.access_token),
        )
        .await;
    assert_eq!(feed.status, 200);
    assert_eq!(feed.text().matches("BEGIN:VEVENT").count(), 4);
}

#[actix_rt::test]
async fn until_is_an_inclusive_local_date_and_interval_skips() {
    let c = cast(json!({ "timezone": "Africa/Abidjan" })).await;
    let res = series(
        &c,
        &c.admin,
        &weekly(json!({ "frequency": "daily", "interval": 3, "until": "2026-03-22" })),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let starts: Vec<String> = res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["local_starts_at"].as_str().unwrap()[..10].to_owned())
        .collect();
    assert_eq!(starts, ["2026-03-16", "2026-03-19", "2026-03-22"]);
}

#[actix_rt::test]
async fn a_bad_rule_creates_nothing() {
    let c = cast(json!({})).await;
    let cases = [
        (
            json!({ "frequency": "weekly", "count": 3, "until": "2026-05-01" }),
            "repeat",
        ),
        (json!({ "frequency": "weekly" }), "repeat"),
        (
            json!({ "frequency": "weekly", "count": 101 }),
            "repeat.count",
        ),
        (json!({ "frequency": "weekly", "count": 0 }), "repeat.count"),
        (
            json!({ "frequency": "daily", "interval": 0, "count": 2 }),
            "repeat.interval",
        ),
        (
            json!({ "frequency": "daily", "until": "2026-06-25" }),
            "repeat.until",
        ),
        (
            json!({ "frequency": "daily", "until": "2026-03-15" }),
            "repeat.until",
        ),
    ];
    for (repeat, field) in cases {
        let res = series(&c, &c.trainer, &weekly(repeat.clone())).await;
        let problem = res.assert_problem(422, "validation_failed");
        assert!(problem["errors"][field].is_array(), "{repeat}: {problem}");
    }
    let bad_first = with(
        weekly(json!({ "frequency": "weekly", "count": 2 })),
        json!({ "title": " " }),
    );
    let problem = series(&c, &c.trainer, &bad_first)
        .await
        .assert_problem(422, "validation_failed");
    assert!(problem["errors"]["title"].is_array(), "{problem}");
    let bad = series(&c, &c.trainer, &json!({ "frequency": "monthly" })).await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert_eq!(count_sessions(&c).await, 0);
    // A hundred is the most.
    let res = series(
        &c,
        &c.trainer,
        &weekly(json!({ "frequency": "daily", "count": 100 })),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 100);
}

#[actix_rt::test]
async fn only_those_who_schedule_sessions_make_series() {
    let c = cast(json!({})).await;
    let rule = weekly(json!({ "frequency": "weekly", "count": 2 }));
    series(&c, &c.learner, &rule)
        .await
        .assert_problem(403, "forbidden");
    series(&c, &c.outsider, &rule)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(count_sessions(&c).await, 0);
}

#[actix_rt::test]
async fn a_clash_with_the_lead_trainers_sessions_creates_nothing() {
    let c = cast(json!({ "timezone": "Europe/Paris" })).await;
    let lead = json!({ "trainer_id": c.trainer.user_id });
    // The trainer already leads something on the third Monday, 10:00–12:00.
    let busy = with(
        with(body("creative_workshop", "Atelier vidéo"), lead.clone()),
        json!({ "starts_at": "2026-03-30T10:00:00+02:00", "ends_at": "2026-03-30T12:00:00+02:00" }),
    );
    assert_eq!(create(&c.app, &c.admin, &c.cohort, &busy).await.status, 201);
    let rule = with(
        weekly(json!({ "frequency": "weekly", "count": 4 })),
        lead.clone(),
    );
    let problem = series(&c, &c.trainer, &rule)
        .await
        .assert_problem(422, "validation_failed");
    let message = problem["errors"]["trainer_id"][0].as_str().unwrap();
    assert!(
        message.contains("Atelier vidéo") && message.contains("2026-03-30T10:00:00+02:00"),
        "{message}"
    );
    assert_eq!(count_sessions(&c).await, 1);
    // Without a lead trainer, or once the other session is cancelled, it fits.
    let id = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/sessions", c.cohort),
            Some(&c.admin.access_token),
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancel = c
        .app
        .patch(
            &format!("/api/v1/sessions/{id}"),
            Some(&c.admin.access_token),
            &json!({ "status": "cancelled" }),
        )
        .await;
    assert_eq!(cancel.status, 200);
    assert_eq!(series(&c, &c.trainer, &rule).await.status, 201);
    // Restoring the cancelled one now clashes.
    let restore = c
        .app
        .patch(
            &format!("/api/v1/sessions/{id}"),
            Some(&c.admin.access_token),
            &json!({ "status": "scheduled" }),
        )
        .await;
    restore.assert_problem(422, "validation_failed");
    // A single session is checked the same way, and an edit that moves into a clash too.
    let single = with(
        with(body("veille", "Veille"), lead.clone()),
        json!({ "starts_at": "2026-03-16T10:30:00+01:00", "ends_at": "2026-03-16T12:00:00+01:00" }),
    );
    create(&c.app, &c.admin, &c.cohort, &single)
        .await
        .assert_problem(422, "validation_failed");
    let later = with(
        with(body("veille", "Veille"), lead),
        json!({ "starts_at": "2026-03-16T11:00:00+01:00", "ends_at": "2026-03-16T12:00:00+01:00" }),
    );
    let fits = create(&c.app, &c.admin, &c.cohort, &later).await;
    assert_eq!(
        fits.status,
        201,
        "back to back is no clash: {}",
        fits.text()
    );
    let moved = c
        .app
        .patch(
            &format!("/api/v1/sessions/{}", fits.json()["id"].as_str().unwrap()),
            Some(&c.admin.access_token),
            &json!({ "starts_at": "2026-03-16T10:00:00+01:00" }),
        )
        .await;
    moved.assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn parallel_bookings_of_one_trainer_at_one_time_give_one_session() {
    let c = cast(json!({})).await;
    let one = with(
        body("master_class", "Live"),
        json!({ "trainer_id": c.trainer.user_id }),
    );
    let results =
        futures_util::future::join_all((0..8).map(|_| create(&c.app, &c.admin, &c.cohort, &one)))
            .await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 422),
        "{statuses:?}"
    );
    assert_eq!(count_sessions(&c).await, 1);
}

#[actix_rt::test]
async fn deleting_a_series_cancels_what_has_not_started() {
    let c = cast(json!({})).await;
    // Weekly, the second one started a minute ago.
    let first = start_time() - Duration::days(7) - Duration::minutes(1);
    let rule = with(
        body("master_class", "Hebdo"),
        json!({
            "starts_at": first.to_rfc3339(),
            "ends_at": (first + Duration::hours(2)).to_rfc3339(),
            "repeat": { "frequency": "weekly", "count": 5 },
        }),
    );
    let created = series(&c, &c.trainer, &rule).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["series_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/series/{id}");
    c.app
        .delete(&path, Some(&c.learner.access_token))
        .await
        .assert_problem(403, "forbidden");
    c.app
        .delete(&path, Some(&c.outsider.access_token))
        .await
        .assert_problem(404, "not_found");
    let res = c.app.delete(&path, Some(&c.trainer.access_token)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.json(),
        json!({ "series_id": id, "cancelled": 3, "kept": 2 })
    );
    let list = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/sessions", c.cohort),
            Some(&c.admin.access_token),
        )
        .await
        .json();
    let statuses: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "scheduled",
            "scheduled",
            "cancelled",
            "cancelled",
            "cancelled"
        ]
    );
    // Again: nothing more to cancel.
    let again = c.app.delete(&path, Some(&c.admin.access_token)).await;
    assert_eq!(again.json()["cancelled"], 0);
    let unknown = c
        .app
        .delete(
            &format!("/api/v1/series/{}", uuid::Uuid::now_v7()),
            Some(&c.admin.access_token),
        )
        .await;
    unknown.assert_problem(404, "not_found");
}
