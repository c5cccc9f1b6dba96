//! Sessions of a cohort: who may schedule, read, edit, cancel and delete
//! them, local times, filters, pagination and sync tombstones.

use std::collections::HashSet;

use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Session, TestApp, TestResponse, UserSpec};

pub const KINDS: [&str; 6] = [
    "master_class",
    "case_study",
    "veille",
    "creative_workshop",
    "meetup",
    "event",
];

/// A cohort with its cast: an admin, an active trainer, an active learner,
/// and someone with no tie to the cohort.
pub struct Cast {
    pub app: TestApp,
    pub admin: Session,
    pub trainer: Session,
    pub learner: Session,
    pub outsider: Session,
    pub cohort: String,
}

pub async fn cast(cohort_overrides: Value) -> Cast {
    let app = spawn_app().await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, cohort_overrides).await;
    let trainer = app.user(UserSpec::default());
    let learner = app.user(UserSpec::default());
    let outsider = app.user(UserSpec::default());
    app.enrol(&admin, &cohort, &trainer, "trainer").await;
    app.enrol(&admin, &cohort, &learner, "learner").await;
    Cast {
        app,
        admin,
        trainer,
        learner,
        outsider,
        cohort,
    }
}

/// A valid creation body, one week after the clock's start, two hours long.
pub fn body(kind: &str, title: &str) -> Value {
    json!({
        "kind": kind,
        "title": title,
        "starts_at": "2026-03-09T09:00:00+01:00",
        "ends_at": "2026-03-09T11:00:00+01:00",
    })
}

pub fn with(mut base: Value, overrides: Value) -> Value {
    if let (Some(b), Some(o)) = (base.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

pub async fn create(app: &TestApp, who: &Session, cohort: &str, body: &Value) -> TestResponse {
    app.post(
        &format!("/api/v1/cohorts/{cohort}/sessions"),
        Some(&who.access_token),
        body,
    )
    .await
}

/// Creates a session that must succeed; returns it.
pub async fn created(app: &TestApp, who: &Session, cohort: &str, body: &Value) -> Value {
    let res = create(app, who, cohort, body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

async fn list(app: &TestApp, who: &Session, cohort: &str, query: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/cohorts/{cohort}/sessions{query}"),
            Some(&who.access_token),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_rt::test]
async fn a_trainer_schedules_a_session_of_each_kind() {
    // Arrange
    let c = cast(json!({})).await;
    for kind in KINDS {
        // Act
        let s = created(&c.app, &c.trainer, &c.cohort, &body(kind, kind)).await;

        // Assert
        assert_eq!(s["kind"], kind);
        assert_eq!(s["cohort_id"], c.cohort.as_str());
        assert_eq!(s["status"], "scheduled");
        assert_eq!(s["counts_for_completion"], true);
        assert_eq!(s["description"], "");
        assert_eq!(s["starts_at"], "2026-03-09T08:00:00Z");
        assert_eq!(s["ends_at"], "2026-03-09T10:00:00Z");
        assert_eq!(s["timezone"], "Africa/Abidjan");
        assert!(s["deleted_at"].is_null());
        assert!(s["trainer_id"].is_null() && s["online_url"].is_null() && s["venue"].is_null());
        assert_eq!(s["created_at"], "2026-03-02T08:00:00Z");
        assert_eq!(s["updated_at"], s["created_at"]);
        let id = s["id"].as_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
        let again = c
            .app
            .get(
                &format!("/api/v1/sessions/{id}"),
                Some(&c.learner.access_token),
            )
            .await;
        assert_eq!(again.status, 200, "{}", again.text());
        assert_eq!(again.json(), s);
    }
    let all = list(&c.app, &c.learner, &c.cohort, "").await;
    assert_eq!(all["items"].as_array().unwrap().len(), KINDS.len());
}

#[actix_rt::test]
async fn every_contract_field_is_present_and_optional_fields_are_kept() {
    let c = cast(json!({})).await;
    let s = created(
        &c.app,
        &c.admin,
        &c.cohort,
        &with(
            body("master_class", "  Stratégie de contenu  "),
            json!({
                "description": "Plan éditorial, ligne 1\nligne 2",
                "online_url": "https://meet.example.org/griot-ci",
                "venue": "Plateau, Abidjan",
                "trainer_id": c.trainer.user_id,
                "counts_for_completion": false,
            }),
        ),
    )
    .await;
    for field in [
        "id",
        "cohort_id",
        "kind",
        "title",
        "description",
        "starts_at",
        "ends_at",
        "timezone",
        "local_starts_at",
        "local_ends_at",
        "online_url",
        "venue",
        "trainer_id",
        "status",
        "counts_for_completion",
        "created_at",
        "updated_at",
        "deleted_at",
    ] {
        assert!(s.get(field).is_some(), "missing {field} in {s}");
    }
    assert_eq!(s["title"], "Stratégie de contenu");
    assert_eq!(s["description"], "Plan éditorial, ligne 1\nligne 2");
    assert_eq!(s["online_url"], "https://meet.example.org/griot-ci");
    assert_eq!(s["venue"], "Plateau, Abidjan");
    assert_eq!(s["trainer_id"], c.trainer.user_id.as_str());
    assert_eq!(s["counts_for_completion"], false);
}

#[actix_rt::test]
async fn the_same_instant_reads_one_hour_apart_in_abidjan_and_douala() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin();
    let abidjan = app.cohort(&admin, json!({ "country_code": "CI" })).await;
    let douala = app
        .cohort(
            &admin,
            json!({ "country_code": "CM", "name": "Cohorte Douala" }),
        )
        .await;
    let at = json!({ "starts_at": "2026-03-09T08:00:00Z", "ends_at": "2026-03-09T10:30:00Z" });

    // Act
    let ci = created(
        &app,
        &admin,
        &abidjan,
        &with(body("veille", "CI"), at.clone()),
    )
    .await;
    let cm = created(&app, &admin, &douala, &with(body("veille", "CM"), at)).await;

    // Assert
    assert_eq!(ci["starts_at"], cm["starts_at"]);
    assert_eq!(ci["timezone"], "Africa/Abidjan");
    assert_eq!(cm["timezone"], "Africa/Douala");
    assert_eq!(ci["local_starts_at"], "2026-03-09T08:00:00+00:00");
    assert_eq!(ci["local_ends_at"], "2026-03-09T10:30:00+00:00");
    assert_eq!(cm["local_starts_at"], "2026-03-09T09:00:00+01:00");
    assert_eq!(cm["local_ends_at"], "2026-03-09T11:30:00+01:00");
}

#[actix_rt::test]
async fn instants_with_any_offset_are_stored_in_utc_to_the_microsecond() {
    let c = cast(json!({})).await;
    let s = created(
        &c.app,
        &c.trainer,
        &c.cohort,
        &with(
            body("event", "Déconnexion"),
            json!({
                "starts_at": "2026-01-30T18:00:00.123456789-05:00",
                "ends_at": "2026-01-31T01:30:00+02:00",
            }),
        ),
    )
    .await;
    assert_eq!(s["starts_at"], "2026-01-30T23:00:00.123456Z");
    assert_eq!(s["ends_at"], "2026-01-30T23:30:00Z");
    let read = c
        .app
        .get(
            &format!("/api/v1/sessions/{}", s["id"].as_str().unwrap()),
            Some(&c.trainer.access_token),
        )
        .await
        .json();
    assert_eq!(read["starts_at"], "2026-01-30T23:00:00.123456Z");
}

#[actix_rt::test]
async fn invalid_sessions_are_refused_and_nothing_is_stored() {
    let c = cast(json!({})).await;
    let cases = [
        (
            json!({ "ends_at": "2026-03-09T09:00:00+01:00" }),
            "ends_at",
            "La fin doit venir après le début.",
        ),
        (
            json!({ "ends_at": "2026-03-09T07:59:00Z" }),
            "ends_at",
            "La fin doit venir après le début.",
        ),
        (
            json!({ "trainer_id": c.learner.user_id }),
            "trainer_id",
            "Cette personne n'est pas formatrice de la cohorte.",
        ),
        (
            json!({ "trainer_id": c.outsider.user_id }),
            "trainer_id",
            "Cette personne n'est pas formatrice de la cohorte.",
        ),
        (
            json!({ "online_url": "ftp://files.example.org/x" }),
            "online_url",
            "Adresse web (URL) invalide.",
        ),
        (
            json!({ "online_url": "meet dot example" }),
            "online_url",
            "Adresse web (URL) invalide.",
        ),
        (
            json!({ "title": "   " }),
            "title",
            "Ce champ est obligatoire.",
        ),
    ];
    for (overrides, field, message) in cases {
        let res = create(
            &c.app,
            &c.trainer,
            &c.cohort,
            &with(body("master_class", "X"), overrides.clone()),
        )
        .await;
        let problem = res.assert_problem(422, "validation_failed");
        assert_eq!(
            problem["errors"][field][0], message,
            "{overrides}: {problem}"
        );
    }
    let bad_kind = create(&c.app, &c.trainer, &c.cohort, &body("lecture", "X")).await;
    let problem = bad_kind.assert_problem(422, "validation_failed");
    assert!(problem["errors"]["kind"].is_array());
    let bad_instant = create(
        &c.app,
        &c.trainer,
        &c.cohort,
        &with(
            body("meetup", "X"),
            json!({ "starts_at": "2026-03-09 09:00" }),
        ),
    )
    .await;
    bad_instant.assert_problem(422, "validation_failed");

    let all = list(&c.app, &c.admin, &c.cohort, "").await;
    assert_eq!(all["items"], json!([]));
}

#[actix_rt::test]
async fn learners_read_sessions_but_cannot_create_edit_or_delete_them() {
    let c = cast(json!({})).await;
    let s = created(
        &c.app,
        &c.trainer,
        &c.cohort,
        &body("case_study", "Campagne"),
    )
    .await;
    let id = s["id"].as_str().unwrap();
    let path = format!("/api/v1/sessions/{id}");

    create(&c.app, &c.learner, &c.cohort, &body("veille", "Mine"))
        .await
        .assert_problem(403, "forbidden");
    c.app
        .patch(
            &path,
            Some(&c.learner.access_token),
            &json!({ "title": "Hacked" }),
        )
        .await
        .assert_problem(403, "forbidden");
    c.app
        .delete(&path, Some(&c.learner.access_token))
        .await
        .assert_problem(403, "forbidden");

    let read = c.app.get(&path, Some(&c.learner.access_token)).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json(), s);
    assert_eq!(
        titles(&list(&c.app, &c.learner, &c.cohort, "").await),
        ["Campagne"]
    );
}

#[actix_rt::test]
async fn outsiders_do_not_learn_that_sessions_exist_even_in_a_public_cohort() {
    let c = cast(json!({ "status": "open" })).await;
    let s = created(&c.app, &c.trainer, &c.cohort, &body("meetup", "Rencontre")).await;
    let path = format!("/api/v1/sessions/{}", s["id"].as_str().unwrap());
    let token = Some(c.outsider.access_token.as_str());
    // The cohort itself is in the public catalogue.
    let cohort = c
        .app
        .get(&format!("/api/v1/cohorts/{}", c.cohort), token)
        .await;
    assert_eq!(cohort.status, 200);

    c.app
        .get(&format!("/api/v1/cohorts/{}/sessions", c.cohort), token)
        .await
        .assert_problem(404, "not_found");
    create(&c.app, &c.outsider, &c.cohort, &body("veille", "X"))
        .await
        .assert_problem(404, "not_found");
    c.app
        .get(&path, token)
        .await
        .assert_problem(404, "not_found");
    c.app
        .patch(&path, token, &json!({ "title": "X" }))
        .await
        .assert_problem(404, "not_found");
    c.app
        .delete(&path, token)
        .await
        .assert_problem(404, "not_found");
    // Without a token: sign in first.
    c.app
        .get(&path, None)
        .await
        .assert_problem(401, "unauthorized");
    c.app
        .get(&format!("/api/v1/cohorts/{}/sessions", c.cohort), None)
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_rt::test]
async fn pending_applicants_are_told_they_may_not_see_sessions_yet() {
    let c = cast(json!({ "auto_accept": false })).await;
    created(&c.app, &c.trainer, &c.cohort, &body("meetup", "Rencontre")).await;
    let applicant = c.app.user(UserSpec::default());
    let res = c
        .app
        .post(
            &format!("/api/v1/cohorts/{}/applications", c.cohort),
            Some(&applicant.access_token),
            &json!({}),
        )
        .await;
    assert_eq!(res.json()["status"], "pending");
    c.app
        .get(
            &format!("/api/v1/cohorts/{}/sessions", c.cohort),
            Some(&applicant.access_token),
        )
        .await
        .assert_problem(403, "forbidden");
}

#[actix_rt::test]
async fn coordinators_manage_sessions_of_their_country_only() {
    let c = cast(json!({ "country_code": "CI" })).await;
    let ci = c.app.user(UserSpec::default());
    let tg = c.app.user(UserSpec::default());
    c.app.make_coordinator(&ci, "CI");
    c.app.make_coordinator(&tg, "TG");

    let s = created(
        &c.app,
        &ci,
        &c.cohort,
        &body("meetup", "Rencontre d'Abidjan"),
    )
    .await;
    create(&c.app, &tg, &c.cohort, &body("meetup", "X"))
        .await
        .assert_problem(404, "not_found");
    let path = format!("/api/v1/sessions/{}", s["id"].as_str().unwrap());
    let res = c
        .app
        .patch(&path, Some(&ci.access_token), &json!({ "venue": "Cocody" }))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["venue"], "Cocody");
}

#[actix_rt::test]
async fn a_trainer_of_another_cohort_cannot_touch_this_one() {
    let c = cast(json!({})).await;
    let other = c.app.cohort(&c.admin, json!({ "name": "Autre" })).await;
    let elsewhere = c.app.user(UserSpec::default());
    c.app.enrol(&c.admin, &other, &elsewhere, "trainer").await;
    create(&c.app, &elsewhere, &c.cohort, &body("veille", "X"))
        .await
        .assert_problem(404, "not_found");
    // And cannot name a trainer from elsewhere as lead.
    let res = create(
        &c.app,
        &c.trainer,
        &c.cohort,
        &with(
            body("veille", "X"),
            json!({ "trainer_id": elsewhere.user_id }),
        ),
    )
    .await;
    res.assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn patch_changes_only_what_is_sent_and_null_clears() {
    // Arrange
    let c = cast(json!({})).await;
    let s = created(
        &c.app,
        &c.trainer,
        &c.cohort,
        &with(
            body("master_class", "Avant"),
            json!({
                "description": "Texte",
                "online_url": "https://meet.example.org/a",
                "venue": "Salle 1",
                "trainer_id": c.trainer.user_id,
            }),
        ),
    )
    .await;
    let path = format!("/api/v1/sessions/{}", s["id"].as_str().unwrap());
    c.app.clock.advance(Duration::minutes(5));

    // Act
    let res = c
        .app
        .patch(
            &path,
            Some(&c.trainer.access_token),
            &json!({
                "title": "Après",
                "kind": "case_study",
                "online_url": null,
                "trainer_id": null,
                "description": null,
                "ends_at": "2026-03-09T12:00:00+01:00",
                "counts_for_completion": false,
            }),
        )
        .await;

    // Assert
    assert_eq!(res.status, 200, "{}", res.text());
    let u = res.json();
    assert_eq!(u["title"], "Après");
    assert_eq!(u["kind"], "case_study");
    assert!(u["online_url"].is_null());
    assert!(u["trainer_id"].is_null());
    assert_eq!(u["description"], "");
    assert_eq!(u["venue"], "Salle 1");
    assert_eq!(u["starts_at"], s["starts_at"]);
    assert_eq!(u["ends_at"], "2026-03-09T11:00:00Z");
    assert_eq!(u["counts_for_completion"], false);
    assert_eq!(u["created_at"], s["created_at"]);
    assert_eq!(u["updated_at"], "2026-03-02T08:05:00Z");
    assert_eq!(
        c.app.get(&path, Some(&c.admin.access_token)).await.json(),
        u
    );
}

#[actix_rt::test]
async fn patch_checks_the_merged_times_and_the_new_trainer() {
    let c = cast(json!({})).await;
    let s = created(&c.app, &c.trainer, &c.cohort, &body("veille", "Veille")).await;
    let path = format!("/api/v1/sessions/{}", s["id"].as_str().unwrap());
    let token = Some(c.trainer.access_token.as_str());

    // Only the start, moved past the stored end.
    let res = c
        .app
        .patch(
            &path,
            token,
            &json!({ "starts_at": "2026-03-09T10:00:00Z" }),
        )
        .await;
    let problem = res.assert_problem(422, "validation_failed");
    assert!(problem["errors"]["ends_at"].is_array());
    let res = c
        .app
        .patch(&path, token, &json!({ "trainer_id": c.learner.user_id }))
        .await;
    let problem = res.assert_problem(422, "validation_failed");
    assert!(problem["errors"]["trainer_id"].is_array());
    let res = c
        .app
        .patch(
            &path,
            token,
            &json!({ "online_url": "javascript:alert(1)" }),
        )
        .await;
    res.assert_problem(422, "validation_failed");

    // Both moved together is fine.
    let res = c
        .app
        .patch(
            &path,
            token,
            &json!({ "starts_at": "2026-03-10T10:00:00Z", "ends_at": "2026-03-10T11:00:00Z" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let after = c.app.get(&path, token).await.json();
    assert_eq!(after["starts_at"], "2026-03-10T10:00:00Z");
    assert_eq!(after["title"], "Veille");
}

#[actix_rt::test]
async fn a_cancelled_session_keeps_its_record_and_can_be_restored() {
    let c = cast(json!({})).await;
    let s = created(
        &c.app,
        &c.trainer,
        &c.cohort,
        &body("creative_workshop", "Atelier"),
    )
    .await;
    let path = format!("/api/v1/sessions/{}", s["id"].as_str().unwrap());
    c.app.clock.advance(Duration::minutes(10));

    let res = c
        .app
        .patch(
            &path,
            Some(&c.trainer.access_token),
            &json!({ "status": "cancelled" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let cancelled = res.json();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["title"], "Atelier");
    assert_eq!(cancelled["updated_at"], "2026-03-02T08:10:00Z");
    assert!(cancelled["deleted_at"].is_null());

    let read = c.app.get(&path, Some(&c.learner.access_token)).await.json();
    assert_eq!(read["status"], "cancelled");
    let all = list(&c.app, &c.learner, &c.cohort, "").await;
    assert_eq!(all["items"][0]["status"], "cancelled");

    let res = c
        .app
        .patch(
            &path,
            Some(&c.trainer.access_token),
            &json!({ "status": "scheduled" }),
        )
        .await;
    assert_eq!(res.json()["status"], "scheduled");
}

#[actix_rt::test]
async fn a_deleted_session_is_gone_except_as_a_sync_tombstone() {
    // Arrange
    let c = cast(json!({})).await;
    let kept = created(&c.app, &c.trainer, &c.cohort, &body("veille", "Gardée")).await;
    let gone = created(&c.app, &c.trainer, &c.cohort, &body("veille", "Supprimée")).await;
    let path = format!("/api/v1/sessions/{}", gone["id"].as_str().unwrap());
    c.app.clock.advance(Duration::minutes(10));

    // Act
    let res = c.app.delete(&path, Some(&c.trainer.access_token)).await;

    // Assert
    assert_eq!(res.status, 204, "{}", res.text());
    let token = Some(c.trainer.access_token.as_str());
    c.app
        .get(&path, token)
        .await
        .assert_problem(404, "not_found");
    c.app
        .patch(&path, token, &json!({ "title": "Retour" }))
        .await
        .assert_problem(404, "not_found");
    c.app
        .delete(&path, token)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        titles(&list(&c.app, &c.learner, &c.cohort, "").await),
        ["Gardée"]
    );

    let sync = list(
        &c.app,
        &c.learner,
        &c.cohort,
        "?updated_since=2026-03-02T08:05:00Z",
    )
    .await;
    let items = sync["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{sync}");
    let tombstone = &items[0];
    assert_eq!(tombstone["id"], gone["id"]);
    assert_eq!(tombstone["title"], "Supprimée");
    assert_eq!(tombstone["deleted_at"], "2026-03-02T08:10:00Z");
    assert_eq!(tombstone["updated_at"], "2026-03-02T08:10:00Z");

    let everything = list(
        &c.app,
        &c.learner,
        &c.cohort,
        "?updated_since=2026-03-01T00:00:00Z",
    )
    .await;
    let ids: Vec<&Value> = everything["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    // Ordered by last change: the untouched one first, then the tombstone.
    assert_eq!(ids, [&kept["id"], &gone["id"]]);
}

#[actix_rt::test]
async fn sync_returns_only_what_changed_after_the_instant() {
    let c = cast(json!({})).await;
    let a = created(&c.app, &c.trainer, &c.cohort, &body("veille", "A")).await;
    created(&c.app, &c.trainer, &c.cohort, &body("veille", "B")).await;
    c.app.clock.advance(Duration::minutes(1));
    let since = "2026-03-02T08:00:30%2B00:00";
    assert_eq!(
        list(
            &c.app,
            &c.learner,
            &c.cohort,
            &format!("?updated_since={since}")
        )
        .await["items"],
        json!([])
    );
    c.app
        .patch(
            &format!("/api/v1/sessions/{}", a["id"].as_str().unwrap()),
            Some(&c.trainer.access_token),
            &json!({ "venue": "Yopougon" }),
        )
        .await;
    let changed = list(
        &c.app,
        &c.learner,
        &c.cohort,
        &format!("?updated_since={since}"),
    )
    .await;
    assert_eq!(titles(&changed), ["A"]);
    assert_eq!(changed["items"][0]["venue"], "Yopougon");
    // A `+` that was not percent-encoded arrives as a space; it still reads.
    let lenient = list(
        &c.app,
        &c.learner,
        &c.cohort,
        "?updated_since=2026-03-02T08:00:30+00:00",
    )
    .await;
    assert_eq!(titles(&lenient), ["A"]);
}

#[actix_rt::test]
async fn lists_filter_by_kind_and_time_window() {
    let c = cast(json!({})).await;
    for (kind, title, start, end) in [
        (
            "master_class",
            "Lundi",
            "2026-03-09T09:00:00Z",
            "2026-03-09T11:00:00Z",
        ),
        (
            "veille",
            "Mardi",
            "2026-03-10T09:00:00Z",
            "2026-03-10T11:00:00Z",
        ),
        (
            "master_class",
            "Mercredi",
            "2026-03-11T09:00:00Z",
            "2026-03-11T11:00:00Z",
        ),
    ] {
        created(
            &c.app,
            &c.trainer,
            &c.cohort,
            &with(
                body(kind, title),
                json!({ "starts_at": start, "ends_at": end }),
            ),
        )
        .await;
    }
    let q = |query: &'static str| list(&c.app, &c.learner, &c.cohort, query);
    assert_eq!(
        titles(&q("?kind=master_class").await),
        ["Lundi", "Mercredi"]
    );
    // `from`: still running or later; `to`: started before.
    assert_eq!(
        titles(&q("?from=2026-03-09T10:59:00Z").await),
        ["Lundi", "Mardi", "Mercredi"]
    );
    assert_eq!(
        titles(&q("?from=2026-03-09T11:00:00Z").await),
        ["Mardi", "Mercredi"]
    );
    assert_eq!(titles(&q("?to=2026-03-10T09:00:00Z").await), ["Lundi"]);
    assert_eq!(
        titles(&q("?from=2026-03-10T00:00:00Z&to=2026-03-12T00:00:00Z&kind=master_class").await),
        ["Mercredi"]
    );
    // Offsets are honoured: 10:30 in Douala is 09:30 UTC.
    assert_eq!(
        titles(&q("?to=2026-03-09T10:30:00%2B01:00").await),
        ["Lundi"]
    );

    let bad = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/sessions?kind=lecture", c.cohort),
            Some(&c.learner.access_token),
        )
        .await;
    bad.assert_problem(400, "bad_request");
    let bad = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/sessions?from=yesterday", c.cohort),
            Some(&c.learner.access_token),
        )
        .await;
    bad.assert_problem(400, "bad_request");
}

async fn walk(app: &TestApp, who: &Session, cohort: &str, query: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut q = format!("?limit=2{query}");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        let page = list(app, who, cohort, &q).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return seen,
        }
    }
    panic!("pagination did not end");
}

#[actix_rt::test]
async fn pages_of_two_cover_every_session_once_in_order() {
    // Arrange: five sessions, two of them at the same instant.
    let c = cast(json!({})).await;
    for (title, start) in [
        ("3", "2026-03-12T09:00:00Z"),
        ("1", "2026-03-10T09:00:00Z"),
        ("2a", "2026-03-11T09:00:00Z"),
        ("2b", "2026-03-11T09:00:00Z"),
        ("4", "2026-03-13T09:00:00Z"),
    ] {
        created(
            &c.app,
            &c.trainer,
            &c.cohort,
            &with(
                body("veille", title),
                json!({ "starts_at": start, "ends_at": "2026-03-20T00:00:00Z" }),
            ),
        )
        .await;
        c.app.clock.advance(Duration::seconds(1));
    }

    // Act
    let seen = walk(&c.app, &c.learner, &c.cohort, "").await;

    // Assert
    let ids: HashSet<&str> = seen.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(seen.len(), 5);
    assert_eq!(ids.len(), 5);
    let starts: Vec<&str> = seen
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
    assert_eq!(seen[0]["title"], "1");
    assert_eq!(seen[4]["title"], "4");

    // The sync order pages the same way, by last change.
    let synced = walk(
        &c.app,
        &c.learner,
        &c.cohort,
        "&updated_since=2026-03-01T00:00:00Z",
    )
    .await;
    let order: Vec<&str> = synced
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["3", "1", "2a", "2b", "4"]);
}

#[actix_rt::test]
async fn a_cursor_only_works_with_the_listing_it_came_from() {
    let c = cast(json!({})).await;
    for t in ["a", "b", "c"] {
        created(&c.app, &c.trainer, &c.cohort, &body("veille", t)).await;
    }
    let page = list(&c.app, &c.learner, &c.cohort, "?limit=1").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let res = c
        .app
        .get(
            &format!(
                "/api/v1/cohorts/{}/sessions?limit=1&updated_since=2026-03-01T00:00:00Z&cursor={cursor}",
                c.cohort
            ),
            Some(&c.learner.access_token),
        )
        .await;
    let problem = res.assert_problem(422, "validation_failed");
    assert!(problem["errors"]["cursor"].is_array());
}

#[actix_rt::test]
async fn sessions_of_an_unknown_cohort_or_id_are_not_found() {
    let app = spawn_app().await;
    let admin = app.admin();
    let unknown = uuid::Uuid::now_v7();
    app.get(
        &format!("/api/v1/cohorts/{unknown}/sessions"),
        Some(&admin.access_token),
    )
    .await
    .assert_problem(404, "not_found");
    app.get(
        &format!("/api/v1/sessions/{unknown}"),
        Some(&admin.access_token),
    )
    .await
    .assert_problem(404, "not_found");
    app.get("/api/v1/sessions/not-a-uuid", Some(&admin.access_token))
        .await
        .assert_problem(404, "not_found");
}
