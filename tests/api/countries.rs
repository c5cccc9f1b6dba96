use serde_json::json;

use crate::helpers::{spawn_app, UserSpec};

#[actix_rt::test]
async fn the_seven_chapters_are_listed_publicly() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/countries", None).await;
    assert_eq!(res.status, 200);
    let body = res.json();
    let codes: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["BF", "BJ", "CI", "CM", "ML", "NE", "TG"]);
    assert!(body["next_cursor"].is_null());
    let cm = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "CM")
        .unwrap();
    assert_eq!(cm["timezone"], "Africa/Douala");
    assert_eq!(cm["currency"], "XAF");
    assert_eq!(cm["name"], "Cameroun");
}

fn senegal() -> serde_json::Value {
    json!({ "code": "SN", "name": "Sénégal", "timezone": "Africa/Dakar", "currency": "XOF" })
}

#[actix_rt::test]
async fn an_admin_adds_a_country() {
    let app = spawn_app().await;
    let admin = app.admin();
    let res = app
        .post("/api/v1/countries", Some(&admin.access_token), &senegal())
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["code"], "SN");

    let list = app.get("/api/v1/countries", None).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 8);

    let again = app
        .post("/api/v1/countries", Some(&admin.access_token), &senegal())
        .await;
    again.assert_problem(409, "conflict");
}

#[actix_rt::test]
async fn only_admins_add_countries() {
    let app = spawn_app().await;
    let member = app.user(UserSpec::default());
    let res = app
        .post("/api/v1/countries", Some(&member.access_token), &senegal())
        .await;
    res.assert_problem(403, "forbidden");
    let anonymous = app.post("/api/v1/countries", None, &senegal()).await;
    anonymous.assert_problem(401, "unauthorized");
}

#[actix_rt::test]
async fn a_country_needs_a_real_timezone_and_codes() {
    let app = spawn_app().await;
    let admin = app.admin();
    let res = app
        .post(
            "/api/v1/countries",
            Some(&admin.access_token),
            &json!({ "code": "sn", "name": "Sénégal", "timezone": "Africa/Atlantis", "currency": "X" }),
        )
        .await;
    let body = res.assert_problem(422, "validation_failed");
    for field in ["code", "timezone", "currency"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
}
