use serde_json::json;

use crate::helpers::{spawn_app, UserSpec};

#[actix_rt::test]
async fn an_admin_manages_a_programme() {
    let app = spawn_app().await;
    let admin = app.admin();
    let token = Some(admin.access_token.as_str());
    let res = app
        .post(
            "/api/v1/programmes",
            token,
            &json!({ "title": "  Social media marketing " }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let p = res.json();
    assert_eq!(p["title"], "Social media marketing");
    assert_eq!(p["language"], "fr");
    assert_eq!(p["min_attendance_rate"], 75);
    assert_eq!(p["required_submissions"], 0);
    let id = p["id"].as_str().unwrap();

    let res = app
        .patch(
            &format!("/api/v1/programmes/{id}"),
            token,
            &json!({ "min_attendance_rate": 80, "required_submissions": 2, "language": "en" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["min_attendance_rate"], 80);
    assert_eq!(res.json()["title"], "Social media marketing");

    let got = app.get(&format!("/api/v1/programmes/{id}"), token).await;
    assert_eq!(got.json()["required_submissions"], 2);

    assert_eq!(
        app.delete(&format!("/api/v1/programmes/{id}"), token)
            .await
            .status,
        204
    );
    app.get(&format!("/api/v1/programmes/{id}"), token)
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn a_programme_with_cohorts_cannot_be_deleted() {
    let app = spawn_app().await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({})).await;
    let programme = app
        .get(&format!("/api/v1/cohorts/{cohort}"), None)
        .await
        .json()["programme_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.delete(
        &format!("/api/v1/programmes/{programme}"),
        Some(&admin.access_token),
    )
    .await
    .assert_problem(409, "conflict");
}

#[actix_rt::test]
async fn only_admins_write_programmes() {
    let app = spawn_app().await;
    let coordinator = app.user(UserSpec::default());
    app.make_coordinator(&coordinator, "CI");
    let body = json!({ "title": "Veille" });
    app.post("/api/v1/programmes", Some(&coordinator.access_token), &body)
        .await
        .assert_problem(403, "forbidden");
    app.post("/api/v1/programmes", None, &body)
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_rt::test]
async fn programme_fields_are_validated() {
    let app = spawn_app().await;
    let admin = app.admin();
    let res = app
        .post(
            "/api/v1/programmes",
            Some(&admin.access_token),
            &json!({ "title": " ", "min_attendance_rate": 101, "required_submissions": -1 }),
        )
        .await;
    let body = res.assert_problem(422, "validation_failed");
    for field in ["title", "min_attendance_rate", "required_submissions"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
}

#[actix_rt::test]
async fn the_public_sees_only_programmes_with_a_catalogue_cohort() {
    let app = spawn_app().await;
    let admin = app.admin();
    let open = app.cohort(&admin, json!({})).await;
    let _draft = app.cohort(&admin, json!({ "status": "draft" })).await;
    let listed = app.get("/api/v1/programmes", None).await.json();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    let open_programme = app
        .get(&format!("/api/v1/cohorts/{open}"), None)
        .await
        .json()["programme_id"]
        .clone();
    assert_eq!(items[0]["id"], open_programme);

    let all = app
        .get("/api/v1/programmes", Some(&admin.access_token))
        .await
        .json();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
}

#[actix_rt::test]
async fn programmes_page_with_a_cursor() {
    let app = spawn_app().await;
    let admin = app.admin();
    for _ in 0..5 {
        app.programme(&admin).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/programmes?limit=2".to_owned();
    loop {
        let page = app.get(&path, Some(&admin.access_token)).await.json();
        for p in page["items"].as_array().unwrap() {
            seen.push(p["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/programmes?limit=2&cursor={c}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(seen.len(), 5);
    assert_eq!(unique.len(), 5);
    app.get("/api/v1/programmes?limit=500", None)
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/programmes?cursor=garbage!", None)
        .await
        .assert_problem(422, "validation_failed");
}
