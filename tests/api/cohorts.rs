use serde_json::json;

use crate::helpers::{spawn_app, UserSpec};

#[actix_rt::test]
async fn a_coordinator_creates_a_cohort_in_their_country_with_its_timezone() {
    let app = spawn_app().await;
    let coordinator = app.user(UserSpec {
        country: Some("CM"),
        ..Default::default()
    });
    app.make_coordinator(&coordinator, "CM");
    let id = app
        .cohort(
            &coordinator,
            json!({ "country_code": "CM", "status": "draft", "auto_accept": false }),
        )
        .await;
    let c = app
        .get(
            &format!("/api/v1/cohorts/{id}"),
            Some(&coordinator.access_token),
        )
        .await
        .json();
    assert_eq!(c["timezone"], "Africa/Douala");
    assert_eq!(c["status"], "draft");
    assert_eq!(c["late_after_minutes"], 15);
    assert_eq!(c["auto_accept"], false);
    assert_eq!(c["country_code"], "CM");
}

#[actix_rt::test]
async fn a_coordinator_cannot_create_elsewhere_or_pan_african() {
    let app = spawn_app().await;
    let admin = app.admin();
    let programme = app.programme(&admin).await;
    let coordinator = app.user(UserSpec::default());
    app.make_coordinator(&coordinator, "ML");
    let body = |country: serde_json::Value| {
        json!({
            "programme_id": programme, "name": "X", "country_code": country,
            "starts_on": "2026-03-01", "ends_on": "2026-04-01", "capacity": 10
        })
    };
    app.post(
        "/api/v1/cohorts",
        Some(&coordinator.access_token),
        &body(json!("TG")),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/cohorts",
        Some(&coordinator.access_token),
        &body(json!(null)),
    )
    .await
    .assert_problem(403, "forbidden");
    let learner = app.user(UserSpec::default());
    app.post(
        "/api/v1/cohorts",
        Some(&learner.access_token),
        &body(json!("ML")),
    )
    .await
    .assert_problem(403, "forbidden");
}

#[actix_rt::test]
async fn a_pan_african_cohort_needs_an_explicit_timezone() {
    let app = spawn_app().await;
    let admin = app.admin();
    let programme = app.programme(&admin).await;
    let mut body = json!({
        "programme_id": programme, "name": "Pan-African", "country_code": null,
        "starts_on": "2026-03-01", "ends_on": "2026-04-01", "capacity": 100
    });
    app.post("/api/v1/cohorts", Some(&admin.access_token), &body)
        .await
        .assert_problem(422, "validation_failed");
    body["timezone"] = json!("Africa/Lome");
    let res = app
        .post("/api/v1/cohorts", Some(&admin.access_token), &body)
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert!(res.json()["country_code"].is_null());
}

#[actix_rt::test]
async fn cohort_validation_names_each_field() {
    let app = spawn_app().await;
    let admin = app.admin();
    let res = app
        .post(
            "/api/v1/cohorts",
            Some(&admin.access_token),
            &json!({
                "programme_id": uuid::Uuid::now_v7(), "name": "X", "country_code": "ZZ",
                "starts_on": "2026-05-01", "ends_on": "2026-04-01", "capacity": 10
            }),
        )
        .await;
    let body = res.assert_problem(422, "validation_failed");
    for field in ["programme_id", "country_code", "ends_on"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let programme = app.programme(&admin).await;
    let res = app
        .post(
            "/api/v1/cohorts",
            Some(&admin.access_token),
            &json!({
                "programme_id": programme, "name": "X", "country_code": "CI", "timezone": "Mars/Olympus",
                "starts_on": "2026-03-01", "ends_on": "2026-04-01", "capacity": 0
            }),
        )
        .await;
    let body = res.assert_problem(422, "validation_failed");
    for field in ["timezone", "capacity"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let all = app
        .get("/api/v1/cohorts", Some(&admin.access_token))
        .await
        .json();
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        0,
        "nothing was created"
    );
}

#[actix_rt::test]
async fn drafts_are_for_staff_only() {
    let app = spawn_app().await;
    let admin = app.admin();
    let draft = app.cohort(&admin, json!({ "status": "draft" })).await;
    let open = app.cohort(&admin, json!({})).await;
    let coordinator = app.user(UserSpec::default());
    app.make_coordinator(&coordinator, "CI");
    let other_coordinator = app.user(UserSpec::default());
    app.make_coordinator(&other_coordinator, "TG");
    let learner = app.user(UserSpec::default());

    let ids = |res: crate::helpers::TestResponse| -> Vec<String> {
        res.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(app.get("/api/v1/cohorts", None).await),
        vec![open.clone()]
    );
    assert_eq!(
        ids(app
            .get("/api/v1/cohorts", Some(&learner.access_token))
            .await),
        vec![open.clone()]
    );
    assert_eq!(
        ids(app
            .get("/api/v1/cohorts", Some(&other_coordinator.access_token))
            .await),
        vec![open.clone()]
    );
    assert_eq!(
        ids(app
            .get("/api/v1/cohorts", Some(&coordinator.access_token))
            .await)
        .len(),
        2
    );
    assert_eq!(
        ids(app.get("/api/v1/cohorts", Some(&admin.access_token)).await).len(),
        2
    );

    app.get(&format!("/api/v1/cohorts/{draft}"), None)
        .await
        .assert_problem(404, "not_found");
    app.get(
        &format!("/api/v1/cohorts/{draft}"),
        Some(&learner.access_token),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(
        app.get(
            &format!("/api/v1/cohorts/{draft}"),
            Some(&coordinator.access_token)
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/cohorts/{open}"), None)
            .await
            .status,
        200
    );
}

#[actix_rt::test]
async fn cohort_lists_filter_and_page() {
    let app = spawn_app().await;
    let admin = app.admin();
    let ci = app.cohort(&admin, json!({})).await;
    let ml = app.cohort(&admin, json!({ "country_code": "ML" })).await;
    let _running = app.cohort(&admin, json!({ "country_code": "ML" })).await;
    app.patch(
        &format!("/api/v1/cohorts/{_running}"),
        Some(&admin.access_token),
        &json!({ "status": "running" }),
    )
    .await;
    let token = Some(admin.access_token.as_str());
    let ml_list = app
        .get("/api/v1/cohorts?country=ml&status=open", token)
        .await
        .json();
    let items = ml_list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], ml.as_str());
    let programme = app
        .get(&format!("/api/v1/cohorts/{ci}"), token)
        .await
        .json()["programme_id"]
        .clone();
    let by_programme = app
        .get(
            &format!(
                "/api/v1/cohorts?programme_id={}",
                programme.as_str().unwrap()
            ),
            token,
        )
        .await
        .json();
    assert_eq!(by_programme["items"].as_array().unwrap().len(), 1);

    let first = app.get("/api/v1/cohorts?limit=2", token).await.json();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/cohorts?limit=2&cursor={cursor}"), token)
        .await
        .json();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(second["next_cursor"].is_null());
    app.get("/api/v1/cohorts?status=sleeping", token)
        .await
        .assert_problem(400, "bad_request");
}

#[actix_rt::test]
async fn status_only_moves_forward_unless_an_admin_reopens() {
    let app = spawn_app().await;
    let coordinator = app.user(UserSpec::default());
    app.make_coordinator(&coordinator, "CI");
    let id = app.cohort(&coordinator, json!({ "status": "draft" })).await;
    let path = format!("/api/v1/cohorts/{id}");
    let token = Some(coordinator.access_token.as_str());
    for step in ["open", "running", "completed"] {
        let res = app.patch(&path, token, &json!({ "status": step })).await;
        assert_eq!(res.status, 200, "{step}: {}", res.text());
        assert_eq!(res.json()["status"], step);
    }
    let back = app
        .patch(&path, token, &json!({ "status": "running" }))
        .await;
    let body = back.assert_problem(422, "validation_failed");
    assert!(body["errors"]["status"].is_array());

    let admin = app.admin();
    let reopened = app
        .patch(
            &path,
            Some(&admin.access_token),
            &json!({ "status": "open" }),
        )
        .await;
    assert_eq!(reopened.status, 200);
    assert_eq!(reopened.json()["status"], "open");
}

#[actix_rt::test]
async fn staff_edit_cohorts_and_end_must_follow_start() {
    let app = spawn_app().await;
    let admin = app.admin();
    let id = app.cohort(&admin, json!({})).await;
    let path = format!("/api/v1/cohorts/{id}");
    let token = Some(admin.access_token.as_str());
    let res = app
        .patch(&path, token, &json!({ "name": "Cohorte Bouaké", "late_after_minutes": 10, "timezone": "Africa/Lome" }))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["name"], "Cohorte Bouaké");
    assert_eq!(res.json()["late_after_minutes"], 10);
    let bad = app
        .patch(
            &path,
            token,
            &json!({ "ends_on": "2026-01-01", "name": "Changed" }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(app.get(&path, token).await.json()["name"], "Cohorte Bouaké");
}

#[actix_rt::test]
async fn a_coordinator_of_another_country_cannot_touch_a_cohort() {
    let app = spawn_app().await;
    let admin = app.admin();
    let togo = app.cohort(&admin, json!({ "country_code": "TG" })).await;
    let mali = app.user(UserSpec {
        country: Some("ML"),
        ..Default::default()
    });
    app.make_coordinator(&mali, "ML");
    app.patch(
        &format!("/api/v1/cohorts/{togo}"),
        Some(&mali.access_token),
        &json!({ "name": "Hijack" }),
    )
    .await
    .assert_problem(404, "not_found");
    // Nor move one of their own cohorts to Togo.
    let own = app.cohort(&mali, json!({ "country_code": "ML" })).await;
    app.patch(
        &format!("/api/v1/cohorts/{own}"),
        Some(&mali.access_token),
        &json!({ "country_code": "TG" }),
    )
    .await
    .assert_problem(403, "forbidden");
}
