use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Session, TestApp, UserSpec, PASSWORD};

fn ml() -> UserSpec<'static> {
    UserSpec {
        country: Some("ML"),
        ..Default::default()
    }
}

fn tg() -> UserSpec<'static> {
    UserSpec {
        country: Some("TG"),
        ..Default::default()
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids a caller gets for `query`, in order, from a single page.
async fn listed(app: &TestApp, who: &Session, query: &str) -> Vec<String> {
    let res = app
        .get(&format!("/api/v1/users{query}"), Some(&who.access_token))
        .await;
    assert_eq!(res.status, 200, "{query}: {}", res.text());
    let body = res.json();
    assert!(body["next_cursor"].is_null(), "{query}: more than one page");
    ids(&body)
}

/// The ids of these users, in this order.
pub fn ids_of(users: &[&Session]) -> Vec<String> {
    users.iter().map(|s| s.user_id.clone()).collect()
}

fn set(ids: &[&Session]) -> HashSet<String> {
    ids.iter().map(|s| s.user_id.clone()).collect()
}

fn user_path(s: &Session) -> String {
    format!("/api/v1/users/{}", s.user_id)
}

#[actix_rt::test]
async fn admins_list_every_user_and_filter_by_country() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin();
    let (a, b, c) = (app.user(ml()), app.user(tg()), app.user(ml()));

    // Act
    let all = listed(&app, &admin, "").await;
    let malians = listed(&app, &admin, "?country=ml").await;
    let blank = listed(&app, &admin, "?country=&q=").await;

    // Assert: creation order (ids are time-ordered).
    assert_eq!(all, ids_of(&[&admin, &a, &b, &c]));
    assert_eq!(malians, ids_of(&[&a, &c]));
    assert_eq!(blank, all, "empty parameters filter nothing");
    assert!(listed(&app, &admin, "?country=NE").await.is_empty());
}

#[actix_rt::test]
async fn a_coordinator_sees_only_users_of_their_country() {
    let app = spawn_app().await;
    let coordinator = app.user(ml());
    app.make_coordinator(&coordinator, "ML");
    let malian = app.user(ml());
    let togolese = app.user(tg());

    let seen: HashSet<String> = listed(&app, &coordinator, "").await.into_iter().collect();
    assert_eq!(seen, set(&[&coordinator, &malian]));
    assert_eq!(
        listed(&app, &coordinator, "?country=ML").await.len(),
        2,
        "their own country by name"
    );
    app.get("/api/v1/users?country=TG", Some(&coordinator.access_token))
        .await
        .assert_problem(403, "forbidden");

    let res = app
        .get(&user_path(&malian), Some(&coordinator.access_token))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["country_code"], "ML");
    assert!(res.json().get("password_hash").is_none());
    app.get(&user_path(&togolese), Some(&coordinator.access_token))
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn a_coordinator_of_two_countries_sees_both() {
    let app = spawn_app().await;
    let coordinator = app.user(ml());
    app.make_coordinator(&coordinator, "ML");
    app.make_coordinator(&coordinator, "TG");
    let (malian, togolese, ivorian) = (
        app.user(ml()),
        app.user(tg()),
        app.user(UserSpec::default()),
    );

    let seen: HashSet<String> = listed(&app, &coordinator, "").await.into_iter().collect();
    assert_eq!(seen, set(&[&coordinator, &malian, &togolese]));
    assert_eq!(
        listed(&app, &coordinator, "?country=TG").await,
        ids_of(&[&togolese])
    );
    app.get(&user_path(&ivorian), Some(&coordinator.access_token))
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn members_may_not_list_users() {
    let app = spawn_app().await;
    let member = app.user(ml());
    app.get("/api/v1/users", Some(&member.access_token))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/users?country=ML", Some(&member.access_token))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/users", None)
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_rt::test]
async fn a_member_reads_their_own_entry_and_nobody_elses() {
    let app = spawn_app().await;
    let me = app.user(ml());
    let neighbour = app.user(ml());

    let res = app.get(&user_path(&me), Some(&me.access_token)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["email"], me.email.as_str());
    app.get(&user_path(&neighbour), Some(&me.access_token))
        .await
        .assert_problem(404, "not_found");
    let stranger = format!("/api/v1/users/{}", uuid::Uuid::now_v7());
    let admin = app.admin();
    app.get(&stranger, Some(&admin.access_token))
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/users/not-a-uuid", Some(&admin.access_token))
        .await
        .assert_problem(404, "not_found");
    app.get(&user_path(&me), None)
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_rt::test]
async fn search_is_case_insensitive_over_names_and_emails() {
    let app = spawn_app().await;
    let admin = app.admin();
    let aminata = app.user(UserSpec {
        full_name: Some("Aminata Diallo"),
        email: Some("aminata@griot.example.net"),
        ..Default::default()
    });
    let awa = app.user(UserSpec {
        full_name: Some("Awa Traoré"),
        email: Some("awa.t@example.org"),
        ..Default::default()
    });
    let yao = app.user(UserSpec {
        full_name: Some("Yao Kouassi"),
        email: Some("y.kouassi_dev@example.org"),
        ..Default::default()
    });

    assert_eq!(listed(&app, &admin, "?q=DIALLO").await, ids_of(&[&aminata]));
    assert_eq!(
        listed(&app, &admin, "?q=TRAOR%C3%89").await,
        ids_of(&[&awa]),
        "accented upper case folds too"
    );
    assert_eq!(
        listed(&app, &admin, "?q=Example.NET").await,
        ids_of(&[&aminata]),
        "matches the e-mail"
    );
    assert_eq!(
        listed(&app, &admin, "?q=%20kouASSI%20").await,
        ids_of(&[&yao]),
        "surrounding spaces are ignored"
    );
    // LIKE wildcards are taken literally.
    assert_eq!(listed(&app, &admin, "?q=i_d").await, ids_of(&[&yao]));
    assert!(listed(&app, &admin, "?q=a_a").await.is_empty());
    assert!(listed(&app, &admin, "?q=%25").await.is_empty());
    assert!(listed(&app, &admin, "?q=%5C").await.is_empty());

    let long = "x".repeat(101);
    app.get(
        &format!("/api/v1/users?q={long}"),
        Some(&admin.access_token),
    )
    .await
    .assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn search_stays_within_a_coordinators_countries() {
    let app = spawn_app().await;
    let coordinator = app.user(ml());
    app.make_coordinator(&coordinator, "ML");
    let malian = app.user(UserSpec {
        full_name: Some("Fatou Sow"),
        country: Some("ML"),
        ..Default::default()
    });
    app.user(UserSpec {
        full_name: Some("Fatou Ayivi"),
        country: Some("TG"),
        ..Default::default()
    });

    assert_eq!(
        listed(&app, &coordinator, "?q=fatou").await,
        ids_of(&[&malian])
    );
}

#[actix_rt::test]
async fn pages_of_two_return_every_user_exactly_once() {
    let app = spawn_app().await;
    let admin = app.admin();
    let mut expected = vec![admin.user_id.clone()];
    for _ in 0..6 {
        expected.push(app.user(ml()).user_id);
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("/api/v1/users?limit=2&cursor={c}"),
            None => "/api/v1/users?limit=2".to_owned(),
        };
        let res = app.get(&query, Some(&admin.access_token)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let body = res.json();
        let page = ids(&body);
        assert!(page.len() <= 2);
        seen.extend(page);
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }

    assert_eq!(seen, expected, "each user once, in order");
    assert_eq!(pages, 4);
}

#[actix_rt::test]
async fn bad_page_parameters_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin();
    let token = Some(admin.access_token.as_str());
    app.get("/api/v1/users?limit=0", token)
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/users?limit=201", token)
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/users?cursor=garbage!", token)
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/users?limit=ten", token)
        .await
        .assert_problem(400, "bad_request");
}

#[actix_rt::test]
async fn deactivation_signs_a_user_out_until_reactivated() {
    // Arrange: a member with a live session.
    let app = spawn_app().await;
    let admin = app.admin();
    let member = app.register("leaving@example.org").await;

    // Act
    let res = app
        .patch(
            &user_path(&member),
            Some(&admin.access_token),
            &json!({ "is_active": false }),
        )
        .await;

    // Assert
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["is_active"], false);
    app.login("leaving@example.org", PASSWORD)
        .await
        .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({ "refresh_token": member.refresh_token }),
    )
    .await
    .assert_problem(401, "unauthorized");
    app.get("/api/v1/me", Some(&member.access_token))
        .await
        .assert_problem(401, "unauthorized");

    let res = app
        .patch(
            &user_path(&member),
            Some(&admin.access_token),
            &json!({ "is_active": true }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["is_active"], true);
    let login = app.login("leaving@example.org", PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text());
    let token = login.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);
    // The session revoked at deactivation stays revoked.
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({ "refresh_token": member.refresh_token }),
    )
    .await
    .assert_problem(401, "unauthorized");
}

#[actix_rt::test]
async fn an_admin_edits_every_field_of_an_account() {
    let app = spawn_app().await;
    let admin = app.admin();
    let member = app.user(ml());

    let res = app
        .patch(
            &user_path(&member),
            Some(&admin.access_token),
            &json!({
                "full_name": "  Mariam Touré ",
                "country_code": "bf",
                "profile_type": "student",
                "language": "en",
                "is_admin": true,
            }),
        )
        .await;

    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["full_name"], "Mariam Touré");
    assert_eq!(body["country_code"], "BF");
    assert_eq!(body["profile_type"], "student");
    assert_eq!(body["language"], "en");
    assert_eq!(body["is_admin"], true);
    assert_eq!(body["is_active"], true);
    // The promotion is effective at once: the new admin sees everyone.
    assert_eq!(listed(&app, &member, "").await.len(), 2);

    let res = app
        .patch(
            &user_path(&member),
            Some(&admin.access_token),
            &json!({ "is_admin": false }),
        )
        .await;
    assert_eq!(res.status, 200);
    app.get("/api/v1/users", Some(&member.access_token))
        .await
        .assert_problem(403, "forbidden");
}

#[actix_rt::test]
async fn a_coordinator_edits_profiles_in_their_country() {
    let app = spawn_app().await;
    let coordinator = app.user(ml());
    app.make_coordinator(&coordinator, "ML");
    app.make_coordinator(&coordinator, "BF");
    let member = app.user(ml());

    let res = app
        .patch(
            &user_path(&member),
            Some(&coordinator.access_token),
            &json!({ "full_name": "Ibrahim Sanogo", "profile_type": "entrepreneur", "language": "en" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["full_name"], "Ibrahim Sanogo");
    assert_eq!(res.json()["profile_type"], "entrepreneur");

    // Between countries they coordinate, but no further.
    let moved = app
        .patch(
            &user_path(&member),
            Some(&coordinator.access_token),
            &json!({ "country_code": "BF" }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(moved.json()["country_code"], "BF");
    app.patch(
        &user_path(&member),
        Some(&coordinator.access_token),
        &json!({ "country_code": "TG" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let still = app
        .get(&user_path(&member), Some(&coordinator.access_token))
        .await
        .json();
    assert_eq!(still["country_code"], "BF");
}

#[actix_rt::test]
async fn a_coordinator_may_not_touch_account_flags_admins_or_other_countries() {
    let app = spawn_app().await;
    let coordinator = app.user(ml());
    app.make_coordinator(&coordinator, "ML");
    let member = app.user(ml());
    let token = Some(coordinator.access_token.as_str());

    for body in [json!({ "is_active": false }), json!({ "is_admin": true })] {
        app.patch(&user_path(&member), token, &body)
            .await
            .assert_problem(403, "forbidden");
    }
    app.patch(
        &user_path(&coordinator),
        token,
        &json!({ "is_admin": true }),
    )
    .await
    .assert_problem(403, "forbidden");
    let admin_in_ml = app.user(UserSpec {
        country: Some("ML"),
        admin: true,
        ..Default::default()
    });
    app.patch(
        &user_path(&admin_in_ml),
        token,
        &json!({ "full_name": "X" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let togolese = app.user(tg());
    app.patch(&user_path(&togolese), token, &json!({ "full_name": "X" }))
        .await
        .assert_problem(404, "not_found");

    // Nothing changed; the member still signs in.
    let admin = app.admin();
    let row = app
        .get(&user_path(&member), Some(&admin.access_token))
        .await
        .json();
    assert_eq!(row["is_active"], true);
    assert_eq!(row["is_admin"], false);
    assert_eq!(app.login(&member.email, PASSWORD).await.status, 200);
}

#[actix_rt::test]
async fn members_edit_their_own_profile_but_not_their_flags_or_others() {
    let app = spawn_app().await;
    let member = app.user(ml());
    let other = app.user(ml());
    let token = Some(member.access_token.as_str());

    // The same fields `/me` edits, anywhere.
    let res = app
        .patch(
            &user_path(&member),
            token,
            &json!({ "full_name": "Oumar Cissé", "country_code": "NE" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["full_name"], "Oumar Cissé");
    assert_eq!(res.json()["country_code"], "NE");
    for body in [json!({ "is_admin": true }), json!({ "is_active": true })] {
        app.patch(&user_path(&member), token, &body)
            .await
            .assert_problem(403, "forbidden");
    }
    app.patch(
        &user_path(&other),
        token,
        &json!({ "full_name": "Someone Else" }),
    )
    .await
    .assert_problem(404, "not_found");
    app.patch(&user_path(&other), None, &json!({}))
        .await
        .assert_problem(401, "unauthorized");
    let me = app.get("/api/v1/me", token).await.json();
    assert_eq!(me["is_admin"], false);
}

#[actix_rt::test]
async fn an_admin_cannot_deactivate_or_demote_themselves() {
    let app = spawn_app().await;
    let admin = app.admin();

    let res = app
        .patch(
            &user_path(&admin),
            Some(&admin.access_token),
            &json!({ "full_name": "Renamed", "is_active": false, "is_admin": false }),
        )
        .await;

    let body = res.assert_problem(422, "validation_failed");
    assert!(body["errors"]["is_active"].is_array(), "{body}");
    assert!(body["errors"]["is_admin"].is_array(), "{body}");
    let me = app
        .get(&user_path(&admin), Some(&admin.access_token))
        .await
        .json();
    assert_eq!(me["full_name"], "Kofi Mensah", "nothing was applied");
    assert_eq!(me["is_admin"], true);
    assert_eq!(me["is_active"], true);
    // Other fields of their own account are fine.
    let res = app
        .patch(
            &user_path(&admin),
            Some(&admin.access_token),
            &json!({ "language": "en", "is_active": true }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
}

#[actix_rt::test]
async fn refused_edits_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin();
    let member = app.user(ml());
    let token = Some(admin.access_token.as_str());

    let unknown_country = app
        .patch(
            &user_path(&member),
            token,
            &json!({ "full_name": "New Name", "country_code": "ZZ", "is_active": false }),
        )
        .await;
    let body = unknown_country.assert_problem(422, "validation_failed");
    assert!(body["errors"]["country_code"].is_array(), "{body}");
    for (bad, field) in [
        (json!({ "full_name": "   " }), "full_name"),
        (json!({ "country_code": "MLI" }), "country_code"),
        (json!({ "profile_type": "pilot" }), "profile_type"),
        (json!({ "is_active": "no" }), "is_active"),
        (json!({ "language": "wo" }), "language"),
    ] {
        let res = app.patch(&user_path(&member), token, &bad).await;
        let body = res.assert_problem(422, "validation_failed");
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }

    let row = app.get(&user_path(&member), token).await.json();
    assert_eq!(row["full_name"], "Kofi Mensah");
    assert_eq!(row["country_code"], "ML");
    assert_eq!(row["profile_type"], "professional");
    assert_eq!(row["language"], "fr");
    assert_eq!(row["is_active"], true);
    assert_eq!(app.login(&member.email, PASSWORD).await.status, 200);

    let stranger = format!("/api/v1/users/{}", uuid::Uuid::now_v7());
    app.patch(&stranger, token, &json!({ "full_name": "X" }))
        .await
        .assert_problem(404, "not_found");
}

#[test]
fn the_directory_and_coordinators_are_documented() {
    let doc: Value = serde_json::from_str(&griot::app::openapi::spec_json()).unwrap();
    for (path, methods) in [
        ("/api/v1/users", &["get"][..]),
        ("/api/v1/users/{id}", &["get", "patch"]),
        ("/api/v1/countries/{code}/coordinators", &["get"]),
        (
            "/api/v1/countries/{code}/coordinators/{user_id}",
            &["put", "delete"],
        ),
    ] {
        for method in methods {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is not documented"
            );
        }
    }
}
