//! Applications, staff decisions, capacity and the waitlist.

use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Session, TestApp, UserSpec};

async fn apply(app: &TestApp, cohort: &str, who: &Session) -> crate::helpers::TestResponse {
    app.post(
        &format!("/api/v1/cohorts/{cohort}/applications"),
        Some(&who.access_token),
        &json!({}),
    )
    .await
}

async fn status_of(app: &TestApp, staff: &Session, cohort: &str, user: &Session) -> String {
    let list = app
        .get(
            &format!("/api/v1/cohorts/{cohort}/members?limit=200"),
            Some(&staff.access_token),
        )
        .await
        .json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user_id"] == user.user_id.as_str())
        .map(|m| m["status"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[actix_rt::test]
async fn an_auto_accept_cohort_admits_until_full_then_waitlists() {
    let app = spawn_app().await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({ "capacity": 2 })).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let learner = app.user(UserSpec::default());
        let res = apply(&app, &cohort, &learner).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let m = res.json();
        assert_eq!(m["role"], "learner");
        assert_eq!(m["user_id"], learner.user_id.as_str());
        statuses.push(m["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(statuses, ["active", "active", "waitlisted"]);
}

#[actix_rt::test]
async fn a_reviewed_cohort_leaves_applications_pending_for_staff() {
    let app = spawn_app().await;
    let admin = app.admin();
    let cohort = app
        .cohort(&admin, json!({ "auto_accept": false, "capacity": 1 }))
        .await;
    let awa = app.user(UserSpec::default());
    let kofi = app.user(UserSpec::default());
    assert_eq!(apply(&app, &cohort, &awa).await.json()["status"], "pending");
    assert_eq!(
        apply(&app, &cohort, &kofi).await.json()["status"],
        "pending"
    );

    let accept = |user: &Session| {
        let path = format!("/api/v1/cohorts/{cohort}/members/{}", user.user_id);
        let app = &app;
        let token = admin.access_token.clone();
        async move {
            app.patch(&path, Some(&token), &json!({ "status": "active" }))
                .await
        }
    };
    let first = accept(&awa).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.json()["status"], "active");
    // No seat left: accepting waitlists the second applicant...
    assert_eq!(accept(&kofi).await.json()["status"], "waitlisted");
    // ...and accepting a waitlisted learner into a full cohort is a conflict.
    accept(&kofi).await.assert_problem(409, "conflict");
}

#[actix_rt::test]
async fn applying_twice_is_a_conflict_not_a_second_row() {
    let app = spawn_app().await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({})).await;
    let learner = app.user(UserSpec::default());
    assert_eq!(apply(&app, &cohort, &learner).await.status, 201);
    apply(&app, &cohort, &learner)
        .await
        .assert_problem(409, "conflict");
    let list = app
        .get(
            &format!("/api/v1/cohorts/{cohort}/members"),
            Some(&admin.access_token),
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn only_open_cohorts_take_applications() {
    let app = spawn_app().await;
    let admin = app.admin();
    let learner = app.user(UserSpec::default());
    let draft = app.cohort(&admin, json!({ "status": "draft" })).await;
    apply(&app, &draft, &learner)
        .await
        .assert_problem(404, "not_found");
    let running = app.cohort(&admin, json!({})).await;
    app.patch(
        &format!("/api/v1/cohorts/{running}"),
        Some(&admin.access_token),
        &json!({ "status": "running" }),
    )
    .await;
    apply(&app, &running, &learner)
        .await
        .assert_problem(409, "conflict");
}

#[actix_rt::test]
async fn a_freed_seat_goes_to_the_oldest_waitlisted_learner() {
    let app = spawn_app().await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({ "capacity": 1 })).await;
    let seated = app.user(UserSpec::default());
    apply(&app, &cohort, &seated).await;
    let mut waiting = Vec::new();
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(1));
        let learner = app.user(UserSpec::default());
        assert_eq!(
            apply(&app, &cohort, &learner).await.json()["status"],
            "waitlisted"
        );
        waiting.push(learner);
    }
    // The seated learner withdraws.
    let res = app
        .delete(
            &format!("/api/v1/cohorts/{cohort}/members/{}", seated.user_id),
            Some(&seated.access_token),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert_eq!(status_of(&app, &admin, &cohort, &seated).await, "withdrawn");
    assert_eq!(
        status_of(&app, &admin, &cohort, &waiting[0]).await,
        "active"
    );
    assert_eq!(
        status_of(&app, &admin, &cohort, &waiting[1]).await,
        "waitlisted"
    );

    // Raising capacity promotes the next ones in order.
    let res = app
        .patch(
            &format!("/api/v1/cohorts/{cohort}"),
            Some(&admin.access_token),
            &json!({ "capacity": 2 }),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        status_of(&app, &admin, &cohort, &waiting[1]).await,
        "active"
    );
    assert_eq!(
        status_of(&app, &admin, &cohort, &waiting[2]).await,
        "waitlisted"
    );

    // Capacity cannot drop below the seats taken.
    app.patch(
        &format!("/api/v1/cohorts/{cohort}"),
        Some(&admin.access_token),
        &json!({ "capacity": 1 }),
    )
    .await
    .assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn staff_add_trainers_who_take_no_seat() {
    let app = spawn_app().await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({ "capacity": 1 })).await;
    let trainer = app.user(UserSpec::default());
    let m = app.enrol(&admin, &cohort, &trainer, "trainer").await;
    assert_eq!(m["status"], "active");
    assert_eq!(m["role"], "trainer");
    let learner = app.user(UserSpec::default());
    assert_eq!(
        app.enrol(&admin, &cohort, &learner, "learner").await["status"],
        "active"
    );
    let second = app.user(UserSpec::default());
    assert_eq!(
        app.enrol(&admin, &cohort, &second, "learner").await["status"],
        "waitlisted"
    );
    let dup = app
        .post(
            &format!("/api/v1/cohorts/{cohort}/members"),
            Some(&admin.access_token),
            &json!({ "user_id": learner.user_id, "role": "learner" }),
        )
        .await;
    dup.assert_problem(409, "conflict");
    let unknown = app
        .post(
            &format!("/api/v1/cohorts/{cohort}/members"),
            Some(&admin.access_token),
            &json!({ "user_id": uuid::Uuid::now_v7(), "role": "learner" }),
        )
        .await;
    unknown.assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn staff_reject_complete_and_cannot_make_impossible_moves() {
    let app = spawn_app().await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({ "auto_accept": false })).await;
    let learner = app.user(UserSpec::default());
    apply(&app, &cohort, &learner).await;
    let path = format!("/api/v1/cohorts/{cohort}/members/{}", learner.user_id);
    let token = Some(admin.access_token.as_str());
    assert_eq!(
        app.patch(&path, token, &json!({ "status": "rejected" }))
            .await
            .json()["status"],
        "rejected"
    );
    assert_eq!(
        app.patch(&path, token, &json!({ "status": "active" }))
            .await
            .json()["status"],
        "active"
    );
    assert_eq!(
        app.patch(&path, token, &json!({ "status": "completed" }))
            .await
            .json()["status"],
        "completed"
    );
    app.patch(&path, token, &json!({ "status": "pending" }))
        .await
        .assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn learners_cannot_manage_memberships_and_outsiders_see_nothing() {
    let app = spawn_app().await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({})).await;
    let learner = app.user(UserSpec::default());
    apply(&app, &cohort, &learner).await;
    let other = app.user(UserSpec::default());
    let members = format!("/api/v1/cohorts/{cohort}/members");
    app.get(&members, Some(&learner.access_token))
        .await
        .assert_problem(403, "forbidden");
    app.get(&members, Some(&other.access_token))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &members,
        Some(&learner.access_token),
        &json!({ "user_id": other.user_id, "role": "learner" }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.patch(
        &format!("{members}/{}", learner.user_id),
        Some(&learner.access_token),
        &json!({ "status": "completed" }),
    )
    .await
    .assert_problem(403, "forbidden");
    // Someone else cannot withdraw this learner.
    let outsider_delete = app
        .delete(
            &format!("{members}/{}", learner.user_id),
            Some(&other.access_token),
        )
        .await;
    outsider_delete.assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn member_lists_filter_by_role_and_status_and_page() {
    let app = spawn_app().await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({ "capacity": 3 })).await;
    let trainer = app.user(UserSpec::default());
    app.enrol(&admin, &cohort, &trainer, "trainer").await;
    for _ in 0..5 {
        app.clock.advance(Duration::seconds(1));
        let l = app.user(UserSpec::default());
        apply(&app, &cohort, &l).await;
    }
    let token = Some(admin.access_token.as_str());
    let get = |q: &str| {
        let path = format!("/api/v1/cohorts/{cohort}/members?{q}");
        let app = &app;
        async move { app.get(&path, token).await }
    };
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    assert_eq!(count(&get("role=trainer").await.json()), 1);
    assert_eq!(count(&get("role=learner&status=active").await.json()), 3);
    assert_eq!(count(&get("status=waitlisted").await.json()), 2);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("limit=2&cursor={c}"),
            None => "limit=2".into(),
        };
        let page = get(&q).await.json();
        for m in page["items"].as_array().unwrap() {
            seen.push(m["user_id"].as_str().unwrap().to_owned());
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 6);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 6, "no member twice");
}

#[actix_rt::test]
async fn parallel_applications_never_exceed_capacity() {
    // Enough connections that many applications really run at once.
    let app = crate::helpers::spawn_app_with(|s| s.db_pool_size = 24).await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({ "capacity": 10 })).await;
    let learners: Vec<Session> = (0..80).map(|_| app.user(UserSpec::default())).collect();

    let results =
        futures_util::future::join_all(learners.iter().map(|l| apply(&app, &cohort, l))).await;

    let mut active = 0;
    let mut waitlisted = 0;
    for r in &results {
        assert_eq!(r.status, 201, "{}", r.text());
        match r.json()["status"].as_str().unwrap() {
            "active" => active += 1,
            "waitlisted" => waitlisted += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(active, 10);
    assert_eq!(waitlisted, 70);
    let listed = app
        .get(
            &format!("/api/v1/cohorts/{cohort}/members?status=active"),
            Some(&admin.access_token),
        )
        .await
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 10);
}
