//! iCalendar feeds: format (CRLF, folding, escaping), stable UIDs,
//! cancellations, feed tokens for calendar apps, and who may read what.

use chrono::Duration;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::{Session, TestApp, TestResponse};
use crate::sessions::{body, cast, created, with};

async fn feed(app: &TestApp, path: &str, who: Option<&Session>) -> TestResponse {
    app.get(path, who.map(|s| s.access_token.as_str())).await
}

fn cohort_feed(cohort: &str) -> String {
    format!("/api/v1/cohorts/{cohort}/calendar.ics")
}

/// The calendar's logical lines (folding undone).
fn lines(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

#[track_caller]
fn assert_calendar(res: &TestResponse) -> String {
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("text/calendar; charset=utf-8")
    );
    let text = res.text();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    assert!(text.ends_with("END:VCALENDAR\r\n"), "{text}");
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "bare LF: {text:?}"
    );
    assert!(
        !text.replace("\r\n", "").contains('\r'),
        "bare CR: {text:?}"
    );
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    text
}

fn events(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in lines(text) {
        match line.as_str() {
            "BEGIN:VEVENT" => current = Some(Vec::new()),
            "END:VEVENT" => out.extend(current.take()),
            _ => {
                if let Some(c) = current.as_mut() {
                    c.push(line);
                }
            }
        }
    }
    out
}

fn prop<'a>(event: &'a [String], name: &str) -> Option<&'a str> {
    event
        .iter()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
}

#[actix_rt::test]
async fn a_cohort_feed_is_an_rfc5545_calendar() {
    // Arrange
    let c = cast(json!({ "name": "Cohorte CI, printemps" })).await;
    let s = created(
        &c.app,
        &c.trainer,
        &c.cohort,
        &with(
            body("master_class", "Stratégie; contenus, mesure"),
            json!({
                "description": "Ligne 1\nLigne 2 \\ fin",
                "venue": "Plateau, Abidjan",
                "online_url": "https://meet.example.org/ci",
            }),
        ),
    )
    .await;

    // Act
    let res = feed(&c.app, &cohort_feed(&c.cohort), Some(&c.learner)).await;

    // Assert
    let text = assert_calendar(&res);
    let all = lines(&text);
    for expected in [
        "VERSION:2.0",
        "PRODID:-//griot//griot//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Cohorte CI\\, printemps",
    ] {
        assert!(
            all.iter().any(|l| l == expected),
            "missing {expected}: {text}"
        );
    }
    let evs = events(&text);
    assert_eq!(evs.len(), 1);
    let e = &evs[0];
    let id = s["id"].as_str().unwrap();
    assert_eq!(prop(e, "UID"), Some(format!("{id}@griot").as_str()));
    assert_eq!(prop(e, "DTSTART"), Some("20260309T080000Z"));
    assert_eq!(prop(e, "DTEND"), Some("20260309T100000Z"));
    assert_eq!(prop(e, "DTSTAMP"), Some("20260302T080000Z"));
    assert_eq!(prop(e, "LAST-MODIFIED"), Some("20260302T080000Z"));
    assert_eq!(
        prop(e, "SUMMARY"),
        Some("Master class — Stratégie\\; contenus\\, mesure")
    );
    assert_eq!(prop(e, "DESCRIPTION"), Some("Ligne 1\\nLigne 2 \\\\ fin"));
    assert_eq!(prop(e, "LOCATION"), Some("Plateau\\, Abidjan"));
    assert_eq!(prop(e, "URL"), Some("https://meet.example.org/ci"));
    assert_eq!(prop(e, "STATUS"), Some("CONFIRMED"));
}

#[actix_rt::test]
async fn each_kind_has_its_french_label() {
    let c = cast(json!({})).await;
    for (i, kind) in crate::sessions::KINDS.iter().enumerate() {
        let start = format!("2026-03-{:02}T09:00:00Z", 10 + i);
        let end = format!("2026-03-{:02}T10:00:00Z", 10 + i);
        created(
            &c.app,
            &c.trainer,
            &c.cohort,
            &with(
                body(kind, "T"),
                json!({ "starts_at": start, "ends_at": end }),
            ),
        )
        .await;
    }
    let text = assert_calendar(&feed(&c.app, &cohort_feed(&c.cohort), Some(&c.trainer)).await);
    let summaries: Vec<String> = events(&text)
        .iter()
        .map(|e| prop(e, "SUMMARY").unwrap().to_owned())
        .collect();
    assert_eq!(
        summaries,
        [
            "Master class — T",
            "Étude de cas — T",
            "Veille & inspiration — T",
            "Atelier créatif — T",
            "Rencontre — T",
            "Événement — T",
        ]
    );
}

#[actix_rt::test]
async fn labels_follow_the_account_language() {
    let c = cast(json!({})).await;
    created(
        &c.app,
        &c.trainer,
        &c.cohort,
        &body("case_study", "Campagne"),
    )
    .await;
    let res = c
        .app
        .patch(
            "/api/v1/me",
            Some(&c.learner.access_token),
            &json!({ "language": "en" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let text = assert_calendar(&feed(&c.app, &cohort_feed(&c.cohort), Some(&c.learner)).await);
    assert_eq!(
        prop(&events(&text)[0], "SUMMARY"),
        Some("Case study — Campagne")
    );
}

#[actix_rt::test]
async fn long_titles_are_folded_at_75_octets_without_cutting_characters() {
    let c = cast(json!({})).await;
    let title = "Étude de cas « Déconnexion » : Journée mondiale du community manager à Ouagadougou, Lomé, Niamey et Porto-Novo — édition spéciale";
    assert!(title.len() <= 200);
    created(&c.app, &c.trainer, &c.cohort, &body("case_study", title)).await;

    let text = assert_calendar(&feed(&c.app, &cohort_feed(&c.cohort), Some(&c.trainer)).await);

    assert!(text.contains("\r\n "), "nothing was folded: {text}");
    // `assert_calendar` checked every physical line; the logical one is whole.
    let expected = format!(
        "Étude de cas — {}",
        title.replace(',', "\\,").replace(';', "\\;")
    );
    assert_eq!(prop(&events(&text)[0], "SUMMARY"), Some(expected.as_str()));
}

#[actix_rt::test]
async fn uids_and_content_are_stable_across_fetches() {
    let c = cast(json!({})).await;
    created(&c.app, &c.trainer, &c.cohort, &body("veille", "Veille")).await;
    let first = feed(&c.app, &cohort_feed(&c.cohort), Some(&c.learner)).await;
    // Later (access tokens live 15 minutes).
    c.app.clock.advance(Duration::minutes(10));
    let second = feed(&c.app, &cohort_feed(&c.cohort), Some(&c.learner)).await;

    let a = assert_calendar(&first);
    let b = assert_calendar(&second);
    assert_eq!(prop(&events(&a)[0], "UID"), prop(&events(&b)[0], "UID"));
    assert_eq!(a, b);

    // An app that revalidates downloads nothing when nothing changed.
    let etag = second.header("etag").expect("etag");
    let res = c
        .app
        .request(
            awc::http::Method::GET,
            &cohort_feed(&c.cohort),
            Some(&c.learner.access_token),
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(res.status, 304);
    assert!(res.body.is_empty());
}

#[actix_rt::test]
async fn cancelled_sessions_stay_in_the_feed_and_deleted_ones_leave_it() {
    let c = cast(json!({})).await;
    let cancelled = created(&c.app, &c.trainer, &c.cohort, &body("meetup", "Annulée")).await;
    let deleted = created(&c.app, &c.trainer, &c.cohort, &body("meetup", "Supprimée")).await;
    c.app.clock.advance(Duration::minutes(10));
    let res = c
        .app
        .patch(
            &format!("/api/v1/sessions/{}", cancelled["id"].as_str().unwrap()),
            Some(&c.trainer.access_token),
            &json!({ "status": "cancelled" }),
        )
        .await;
    assert_eq!(res.status, 200);
    let res = c
        .app
        .delete(
            &format!("/api/v1/sessions/{}", deleted["id"].as_str().unwrap()),
            Some(&c.trainer.access_token),
        )
        .await;
    assert_eq!(res.status, 204);

    let text = assert_calendar(&feed(&c.app, &cohort_feed(&c.cohort), Some(&c.learner)).await);
    let evs = events(&text);
    assert_eq!(evs.len(), 1, "{text}");
    assert_eq!(prop(&evs[0], "SUMMARY"), Some("Rencontre — Annulée"));
    assert_eq!(prop(&evs[0], "STATUS"), Some("CANCELLED"));
    assert_eq!(prop(&evs[0], "LAST-MODIFIED"), Some("20260302T081000Z"));
    assert_eq!(prop(&evs[0], "DTSTAMP"), Some("20260302T081000Z"));
}

#[actix_rt::test]
async fn a_moved_session_has_a_larger_sequence_so_calendar_apps_update_it() {
    // Arrange: a session as a calendar app first saw it.
    let c = cast(json!({})).await;
    let session = created(&c.app, &c.trainer, &c.cohort, &body("veille", "Veille")).await;
    let id = session["id"].as_str().unwrap().to_owned();
    let sequence = |text: &str| -> i64 {
        prop(&events(text)[0], "SEQUENCE")
            .expect("SEQUENCE")
            .parse()
            .unwrap()
    };
    let first = assert_calendar(&feed(&c.app, &cohort_feed(&c.cohort), Some(&c.learner)).await);
    assert_eq!(sequence(&first), 0);

    // Act: moved an hour later, then renamed.
    let moves = [
        json!({ "starts_at": "2026-03-10T10:00:00Z", "ends_at": "2026-03-10T12:00:00Z" }),
        json!({ "title": "Veille, nouvelle heure" }),
    ];
    let mut seen = vec![sequence(&first)];
    for change in moves {
        c.app.clock.advance(Duration::minutes(2));
        let res = c
            .app
            .patch(
                &format!("/api/v1/sessions/{id}"),
                Some(&c.trainer.access_token),
                &change,
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let text = assert_calendar(&feed(&c.app, &cohort_feed(&c.cohort), Some(&c.learner)).await);
        seen.push(sequence(&text));
    }

    // Assert: each revision a calendar shows has a larger SEQUENCE.
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
}

#[actix_rt::test]
async fn a_feed_token_lets_calendar_apps_subscribe_without_a_bearer() {
    // Arrange
    let c = cast(json!({})).await;
    created(&c.app, &c.trainer, &c.cohort, &body("veille", "Veille")).await;

    // Act
    let res = c
        .app
        .post(
            "/api/v1/me/calendar-token",
            Some(&c.learner.access_token),
            &json!({}),
        )
        .await;

    // Assert
    assert_eq!(res.status, 201, "{}", res.text());
    let t = res.json();
    let token = t["token"].as_str().unwrap();
    assert!(token.len() >= 40);
    let path = t["me_feed_path"].as_str().unwrap();
    assert_eq!(path, format!("/api/v1/me/calendar.ics?token={token}"));
    assert!(t["me_feed_url"].as_str().unwrap().ends_with(path));
    assert_eq!(
        t["cohort_feed_path_template"],
        format!("/api/v1/cohorts/{{id}}/calendar.ics?token={token}")
    );
    let mine = assert_calendar(&feed(&c.app, path, None).await);
    assert_eq!(events(&mine).len(), 1);
    let cohort = feed(
        &c.app,
        &format!("{}?token={token}", cohort_feed(&c.cohort)),
        None,
    )
    .await;
    assert_eq!(events(&assert_calendar(&cohort)).len(), 1);
    // Only a hash is stored.
    let stored: Vec<String> = c.app.db(|conn| {
        griot::schema::calendar_tokens::table
            .select(griot::schema::calendar_tokens::token_hash)
            .load(conn)
            .unwrap()
    });
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0].len(), 64);
}

#[actix_rt::test]
async fn a_new_feed_token_replaces_the_old_and_revoking_stops_it() {
    let c = cast(json!({})).await;
    let token_of = |v: Value| v["token"].as_str().unwrap().to_owned();
    let empty = json!({});
    let create = || {
        c.app.post(
            "/api/v1/me/calendar-token",
            Some(&c.learner.access_token),
            &empty,
        )
    };
    let old = token_of(create().await.json());
    let new = token_of(create().await.json());
    assert_ne!(old, new);
    let me = |t: &str| format!("/api/v1/me/calendar.ics?token={t}");

    let res = feed(&c.app, &me(&old), None).await;
    let problem = res.assert_problem(401, "unauthorized");
    assert_eq!(
        problem["detail"],
        "Ce lien d'agenda est invalide ou révoqué ; créez-en un nouveau."
    );
    assert_calendar(&feed(&c.app, &me(&new), None).await);

    let res = c
        .app
        .delete("/api/v1/me/calendar-token", Some(&c.learner.access_token))
        .await;
    assert_eq!(res.status, 204);
    feed(&c.app, &me(&new), None)
        .await
        .assert_problem(401, "unauthorized");
    feed(
        &c.app,
        &format!("{}?token={new}", cohort_feed(&c.cohort)),
        None,
    )
    .await
    .assert_problem(401, "unauthorized");
    // Revoking twice is harmless.
    let res = c
        .app
        .delete("/api/v1/me/calendar-token", Some(&c.learner.access_token))
        .await;
    assert_eq!(res.status, 204);
}

#[actix_rt::test]
async fn feeds_need_credentials_and_an_active_account() {
    let c = cast(json!({})).await;
    feed(&c.app, "/api/v1/me/calendar.ics", None)
        .await
        .assert_problem(401, "unauthorized");
    feed(&c.app, &cohort_feed(&c.cohort), None)
        .await
        .assert_problem(401, "unauthorized");
    feed(&c.app, "/api/v1/me/calendar.ics?token=made-up", None)
        .await
        .assert_problem(401, "unauthorized");

    let token = c
        .app
        .post(
            "/api/v1/me/calendar-token",
            Some(&c.learner.access_token),
            &json!({}),
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let learner_id: griot::users::UserId = c.learner.user_id.parse().unwrap();
    c.app.db(|conn| {
        use griot::schema::users;
        diesel::update(users::table.find(learner_id))
            .set(users::is_active.eq(false))
            .execute(conn)
            .unwrap();
    });
    feed(
        &c.app,
        &format!("/api/v1/me/calendar.ics?token={token}"),
        None,
    )
    .await
    .assert_problem(401, "unauthorized");
}

#[actix_rt::test]
async fn outsiders_get_404_for_a_cohort_feed() {
    let c = cast(json!({ "status": "open" })).await;
    created(&c.app, &c.trainer, &c.cohort, &body("veille", "Veille")).await;
    feed(&c.app, &cohort_feed(&c.cohort), Some(&c.outsider))
        .await
        .assert_problem(404, "not_found");
    let token = c
        .app
        .post(
            "/api/v1/me/calendar-token",
            Some(&c.outsider.access_token),
            &json!({}),
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    feed(
        &c.app,
        &format!("{}?token={token}", cohort_feed(&c.cohort)),
        None,
    )
    .await
    .assert_problem(404, "not_found");
    // Their personal feed is simply empty.
    let text = assert_calendar(
        &feed(
            &c.app,
            &format!("/api/v1/me/calendar.ics?token={token}"),
            None,
        )
        .await,
    );
    assert!(events(&text).is_empty());
}

#[actix_rt::test]
async fn the_personal_feed_gathers_every_cohort_where_one_is_admitted() {
    // Arrange: Awa learns in one cohort, teaches in another, and has only
    // applied to a third.
    let c = cast(json!({ "name": "Apprendre" })).await;
    let awa = c.learner.clone();
    let teach = c.app.cohort(&c.admin, json!({ "name": "Enseigner" })).await;
    let pending = c
        .app
        .cohort(
            &c.admin,
            json!({ "name": "En attente", "auto_accept": false }),
        )
        .await;
    c.app.enrol(&c.admin, &teach, &awa, "trainer").await;
    let res = c
        .app
        .post(
            &format!("/api/v1/cohorts/{pending}/applications"),
            Some(&awa.access_token),
            &json!({}),
        )
        .await;
    assert_eq!(res.json()["status"], "pending");
    let at = |day: u32| {
        json!({
            "starts_at": format!("2026-03-{day:02}T09:00:00Z"),
            "ends_at": format!("2026-03-{day:02}T10:00:00Z"),
        })
    };
    created(
        &c.app,
        &c.trainer,
        &c.cohort,
        &with(body("master_class", "Cours"), at(10)),
    )
    .await;
    created(
        &c.app,
        &awa,
        &teach,
        &with(body("creative_workshop", "Atelier"), at(11)),
    )
    .await;
    created(
        &c.app,
        &c.admin,
        &pending,
        &with(body("meetup", "Secret"), at(12)),
    )
    .await;

    // Act
    let text = assert_calendar(&feed(&c.app, "/api/v1/me/calendar.ics", Some(&awa)).await);

    // Assert
    let evs = events(&text);
    let summaries: Vec<&str> = evs.iter().map(|e| prop(e, "SUMMARY").unwrap()).collect();
    assert_eq!(
        summaries,
        ["Master class — Cours", "Atelier créatif — Atelier"]
    );
    assert_eq!(prop(&evs[0], "DESCRIPTION"), Some("Apprendre"));
    assert!(lines(&text)
        .iter()
        .any(|l| l == "X-WR-CALNAME:griot — Mes sessions"));

    // Once completed, past cohorts stay in the feed; withdrawn ones leave it.
    let res = c
        .app
        .patch(
            &format!("/api/v1/cohorts/{}/members/{}", c.cohort, awa.user_id),
            Some(&c.admin.access_token),
            &json!({ "status": "completed" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let res = c
        .app
        .delete(
            &format!("/api/v1/cohorts/{teach}/members/{}", awa.user_id),
            Some(&c.admin.access_token),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    let text = assert_calendar(&feed(&c.app, "/api/v1/me/calendar.ics", Some(&awa)).await);
    let evs = events(&text);
    assert_eq!(evs.len(), 1);
    assert_eq!(prop(&evs[0], "SUMMARY"), Some("Master class — Cours"));
}

#[actix_rt::test]
async fn feeds_start_ninety_days_back() {
    let c = cast(json!({})).await;
    for (title, end) in [
        ("Ancienne", "2025-11-01T10:00:00Z"), // ended ~121 days before the clock
        ("Récente", "2026-01-01T10:00:00Z"),  // ended ~60 days before
        ("À venir", "2026-03-09T10:00:00Z"),
    ] {
        let start = end.replace("T10", "T09");
        created(
            &c.app,
            &c.trainer,
            &c.cohort,
            &with(
                body("veille", title),
                json!({ "starts_at": start, "ends_at": end }),
            ),
        )
        .await;
    }
    let text = assert_calendar(&feed(&c.app, &cohort_feed(&c.cohort), Some(&c.learner)).await);
    let summaries: Vec<String> = events(&text)
        .iter()
        .map(|e| prop(e, "SUMMARY").unwrap().to_owned())
        .collect();
    assert_eq!(
        summaries,
        [
            "Veille & inspiration — Récente",
            "Veille & inspiration — À venir"
        ]
    );
    // The JSON list keeps them all.
    let res = c
        .app
        .get(
            &format!("/api/v1/cohorts/{}/sessions", c.cohort),
            Some(&c.learner.access_token),
        )
        .await;
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 3);
}
