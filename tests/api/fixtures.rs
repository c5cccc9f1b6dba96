//! Fixtures that several test modules build the same way: a class with its
//! trainer, learners and a session.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{spawn_app_with, start_time, Session, TestApp, UserSpec};

/// A cohort with an admin, an active trainer, learners enrolled by name and
/// one two-hour master class an hour after the clock's start.
pub struct Class {
    pub app: TestApp,
    pub admin: Session,
    pub trainer: Session,
    pub learners: Vec<Session>,
    pub cohort: String,
    pub session: String,
}

/// A [`Class`] on `app`, its learners named `names`.
pub async fn class_on(app: TestApp, names: &[&str]) -> Class {
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({ "capacity": 100 })).await;
    let trainer = app.user(UserSpec::default());
    app.enrol(&admin, &cohort, &trainer, "trainer").await;
    let mut learners = Vec::new();
    for name in names {
        let l = app.user(UserSpec {
            full_name: Some(name),
            ..Default::default()
        });
        app.enrol(&admin, &cohort, &l, "learner").await;
        learners.push(l);
    }
    let session = new_session(&app, &trainer, &cohort, 1).await;
    Class {
        app,
        admin,
        trainer,
        learners,
        cohort,
        session,
    }
}

/// Tokens outlive the hours these tests move the clock by.
pub fn long_tokens(s: &mut griot::config::Settings) {
    s.access_token_ttl_seconds = 86_400;
}

/// A [`Class`] on a new server whose tokens outlive the test.
pub async fn class(names: &[&str]) -> Class {
    class_on(spawn_app_with(long_tokens).await, names).await
}

/// A two-hour master class starting `hours_from_start` after the clock's start.
pub async fn new_session(
    app: &TestApp,
    staff: &Session,
    cohort: &str,
    hours_from_start: i64,
) -> String {
    let starts = start_time() + Duration::hours(hours_from_start);
    let res = app
        .post(
            &format!("/api/v1/cohorts/{cohort}/sessions"),
            Some(&staff.access_token),
            &json!({
                "kind": "master_class", "title": "Stratégie de contenu",
                "starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(2)).to_rfc3339()
            }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}
