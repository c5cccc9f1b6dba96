use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, UserSpec};
use crate::users::ids_of;

fn path(country: &str, user_id: &str) -> String {
    format!("/api/v1/countries/{country}/coordinators/{user_id}")
}

async fn coordinator_ids(app: &TestApp, country: &str, token: &str) -> Vec<String> {
    let res = app
        .get(
            &format!("/api/v1/countries/{country}/coordinators"),
            Some(token),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert!(body["next_cursor"].is_null());
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_rt::test]
async fn an_admin_appoints_and_removes_a_coordinator() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin();
    let awa = app.user(UserSpec {
        country: Some("ML"),
        ..Default::default()
    });

    // Act: appointing twice is the same as once.
    let first = app
        .put(
            &path("ML", &awa.user_id),
            Some(&admin.access_token),
            &Value::Null,
        )
        .await;
    let second = app
        .put(
            &path("ml", &awa.user_id),
            Some(&admin.access_token),
            &Value::Null,
        )
        .await;

    // Assert
    assert_eq!(first.status, 204, "{}", first.text());
    assert_eq!(second.status, 204, "{}", second.text());
    let listed = app
        .get(
            "/api/v1/countries/ML/coordinators",
            Some(&admin.access_token),
        )
        .await
        .json();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], awa.user_id.as_str());
    assert_eq!(items[0]["email"], awa.email.as_str());
    assert!(items[0].get("password_hash").is_none());

    let removed = app
        .delete(&path("ML", &awa.user_id), Some(&admin.access_token))
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text());
    assert!(coordinator_ids(&app, "ML", &admin.access_token)
        .await
        .is_empty());
    app.delete(&path("ML", &awa.user_id), Some(&admin.access_token))
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn appointing_needs_a_known_country_and_user() {
    let app = spawn_app().await;
    let admin = app.admin();
    let awa = app.user(UserSpec::default());
    let token = Some(admin.access_token.as_str());

    app.put(&path("ZZ", &awa.user_id), token, &Value::Null)
        .await
        .assert_problem(404, "not_found");
    let stranger = uuid::Uuid::now_v7().to_string();
    app.put(&path("ML", &stranger), token, &Value::Null)
        .await
        .assert_problem(404, "not_found");
    app.put(&path("ML", "not-a-uuid"), token, &Value::Null)
        .await
        .assert_problem(404, "not_found");
    // Coordinating TG does not make one a coordinator of ML.
    app.make_coordinator(&awa, "TG");
    app.delete(&path("ML", &awa.user_id), token)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        coordinator_ids(&app, "TG", &admin.access_token).await,
        ids_of(&[&awa])
    );
}

#[actix_rt::test]
async fn only_admins_appoint_or_remove_coordinators() {
    let app = spawn_app().await;
    let member = app.user(UserSpec::default());
    let coordinator = app.user(UserSpec {
        country: Some("ML"),
        ..Default::default()
    });
    app.make_coordinator(&coordinator, "ML");
    let target = path("ML", &member.user_id);

    for token in [&member.access_token, &coordinator.access_token] {
        app.put(&target, Some(token), &json!({}))
            .await
            .assert_problem(403, "forbidden");
        app.delete(&path("ML", &coordinator.user_id), Some(token))
            .await
            .assert_problem(403, "forbidden");
    }
    app.put(&target, None, &json!({}))
        .await
        .assert_problem(401, "unauthorized");
    app.delete(&target, None)
        .await
        .assert_problem(401, "unauthorized");

    let admin = app.admin();
    assert_eq!(
        coordinator_ids(&app, "ML", &admin.access_token).await,
        ids_of(&[&coordinator]),
        "nothing changed"
    );
}

#[actix_rt::test]
async fn a_coordinator_sees_the_coordinators_of_their_country_only() {
    let app = spawn_app().await;
    let ml = app.user(UserSpec {
        full_name: Some("Moussa Keïta"),
        country: Some("ML"),
        ..Default::default()
    });
    let other_ml = app.user(UserSpec {
        full_name: Some("Aïssata Coulibaly"),
        country: Some("ML"),
        ..Default::default()
    });
    app.make_coordinator(&ml, "ML");
    app.make_coordinator(&other_ml, "ML");
    let member = app.user(UserSpec::default());

    // Listed by name.
    assert_eq!(
        coordinator_ids(&app, "ML", &ml.access_token).await,
        ids_of(&[&other_ml, &ml])
    );
    app.get("/api/v1/countries/TG/coordinators", Some(&ml.access_token))
        .await
        .assert_problem(403, "forbidden");
    app.get(
        "/api/v1/countries/ML/coordinators",
        Some(&member.access_token),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get("/api/v1/countries/ML/coordinators", None)
        .await
        .assert_problem(401, "unauthorized");
    let admin = app.admin();
    app.get(
        "/api/v1/countries/ZZ/coordinators",
        Some(&admin.access_token),
    )
    .await
    .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn an_appointment_takes_effect_on_the_next_request() {
    let app = spawn_app().await;
    let admin = app.admin();
    let awa = app.user(UserSpec {
        country: Some("ML"),
        ..Default::default()
    });
    app.get("/api/v1/users", Some(&awa.access_token))
        .await
        .assert_problem(403, "forbidden");

    let res = app
        .put(
            &path("ML", &awa.user_id),
            Some(&admin.access_token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status, 204);
    // The same access token, no new login.
    let listed = app.get("/api/v1/users", Some(&awa.access_token)).await;
    assert_eq!(listed.status, 200, "{}", listed.text());

    let res = app
        .delete(&path("ML", &awa.user_id), Some(&admin.access_token))
        .await;
    assert_eq!(res.status, 204);
    app.get("/api/v1/users", Some(&awa.access_token))
        .await
        .assert_problem(403, "forbidden");
}
