//! Community events: who runs them, registration with a waitlist, guests,
//! tickets, the door, and the chapter teams behind them.

use awc::http::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Session, TestApp, UserSpec};

/// A BF meetup on 2026-03-14, 09:00–13:00 UTC, in the test clock's future.
fn meetup(overrides: Value) -> Value {
    let mut body = json!({
        "title": "Meetup Ouagadougou",
        "description": "Rencontre trimestrielle du chapitre.",
        "country_code": "BF",
        "starts_at": "2026-03-14T09:00:00Z",
        "ends_at": "2026-03-14T13:00:00Z",
        "venue": "Institut français, Ouagadougou",
        "capacity": 50,
        "status": "published",
    });
    if let (Some(b), Some(o)) = (body.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

/// A coordinator of BF and an event they created with `overrides`.
async fn event_by_coordinator(app: &TestApp, overrides: Value) -> (Session, Value) {
    let coordinator = app.user(UserSpec {
        country: Some("BF"),
        ..Default::default()
    });
    app.make_coordinator(&coordinator, "BF");
    let res = app
        .post(
            "/api/v1/events",
            Some(&coordinator.access_token),
            &meetup(overrides),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    (coordinator, res.json())
}

/// Registers the signed-in `who` with an empty body.
async fn register_member(
    app: &TestApp,
    event: &str,
    who: &Session,
) -> crate::helpers::TestResponse {
    app.request(
        Method::POST,
        &format!("/api/v1/events/{event}/registrations"),
        Some(&who.access_token),
        None,
        &[],
    )
    .await
}

async fn register_guest(
    app: &TestApp,
    event: &str,
    name: &str,
    email: &str,
) -> crate::helpers::TestResponse {
    app.post(
        &format!("/api/v1/events/{event}/registrations"),
        None,
        &json!({ "full_name": name, "email": email }),
    )
    .await
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

#[actix_rt::test]
async fn a_coordinator_runs_their_countrys_events_and_only_published_ones_are_public() {
    // Arrange
    let app = spawn_app().await;
    let (coordinator, draft) = event_by_coordinator(&app, json!({ "status": "draft" })).await;
    let event = id(&draft);
    let elsewhere = app.user(UserSpec::default());
    app.make_coordinator(&elsewhere, "TG");

    // Assert: the country's zone and local times.
    assert_eq!(draft["timezone"], "Africa/Ouagadougou");
    assert_eq!(draft["local_starts_at"], "2026-03-14T09:00:00+00:00");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["registered_count"], 0);

    // A draft is hidden from the public and from other chapters.
    app.get(&format!("/api/v1/events/{event}"), None)
        .await
        .assert_problem(404, "not_found");
    let public = app.get("/api/v1/events", None).await;
    assert_eq!(public.json()["items"], json!([]));
    app.patch(
        &format!("/api/v1/events/{event}"),
        Some(&elsewhere.access_token),
        &json!({ "status": "published" }),
    )
    .await
    .assert_problem(404, "not_found");
    let staff_list = app
        .get("/api/v1/events", Some(&coordinator.access_token))
        .await;
    assert_eq!(staff_list.json()["items"][0]["id"], event.as_str());

    // Another country's coordinator cannot create a BF event.
    app.post(
        "/api/v1/events",
        Some(&elsewhere.access_token),
        &meetup(json!({})),
    )
    .await
    .assert_problem(403, "forbidden");

    // Publishing makes it public, with its calendar file.
    let published = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&coordinator.access_token),
            &json!({ "status": "published", "title": "Meetup Ouaga #3" }),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text());
    assert_eq!(published.json()["title"], "Meetup Ouaga #3");
    let got = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(got.status, 200);
    let listed = app.get("/api/v1/events?country=BF", None).await;
    assert_eq!(listed.json()["items"][0]["id"], event.as_str());
    let other_country = app.get("/api/v1/events?country=ML", None).await;
    assert_eq!(other_country.json()["items"], json!([]));
    app.get("/api/v1/events?country=bf", None)
        .await
        .assert_problem(422, "validation_failed");
    let after = app
        .get("/api/v1/events?from=2026-03-15T00:00:00Z", None)
        .await;
    assert_eq!(after.json()["items"], json!([]));
    let before = app
        .get("/api/v1/events?to=2026-03-14T09:00:00Z", None)
        .await;
    assert_eq!(before.json()["items"], json!([]));
    let ics = app
        .get(&format!("/api/v1/events/{event}/calendar.ics"), None)
        .await;
    assert_eq!(ics.status, 200);
    assert!(ics
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    let text = ics.text();
    assert!(text.contains("SUMMARY:Meetup Ouaga #3"), "{text}");
    assert!(text.contains("DTSTART:20260314T090000Z"), "{text}");

    // Lifecycle: no way back from published to draft.
    app.patch(
        &format!("/api/v1/events/{event}"),
        Some(&coordinator.access_token),
        &json!({ "status": "draft" }),
    )
    .await
    .assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn pan_african_events_are_for_admins_in_abidjan_time_unless_told() {
    let app = spawn_app().await;
    let admin = app.admin();
    let coordinator = app.user(UserSpec::default());
    app.make_coordinator(&coordinator, "BF");
    let body = meetup(json!({ "country_code": null, "title": "Déconnexion 2026" }));

    app.post("/api/v1/events", Some(&coordinator.access_token), &body)
        .await
        .assert_problem(403, "forbidden");
    let res = app
        .post("/api/v1/events", Some(&admin.access_token), &body)
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["timezone"], "Africa/Abidjan");
    assert!(res.json()["country_code"].is_null());

    let douala = meetup(json!({ "country_code": null, "timezone": "Africa/Douala" }));
    let res = app
        .post("/api/v1/events", Some(&admin.access_token), &douala)
        .await;
    assert_eq!(res.json()["local_starts_at"], "2026-03-14T10:00:00+01:00");

    // A country's event is in the country's zone.
    let wrong = meetup(json!({ "timezone": "Africa/Douala" }));
    let res = app
        .post("/api/v1/events", Some(&admin.access_token), &wrong)
        .await;
    let problem = res.assert_problem(422, "validation_failed");
    assert!(problem["errors"]["timezone"].is_array(), "{problem}");
    let backwards = meetup(json!({ "ends_at": "2026-03-14T08:00:00Z" }));
    app.post("/api/v1/events", Some(&admin.access_token), &backwards)
        .await
        .assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn members_and_guests_register_once_and_the_waitlist_moves_up_in_order() {
    // Arrange: two seats.
    let app = spawn_app().await;
    let (coordinator, event) = event_by_coordinator(&app, json!({ "capacity": 2 })).await;
    let event = id(&event);
    let awa = app.user(UserSpec {
        full_name: Some("Awa Ouédraogo"),
        ..Default::default()
    });

    // Act / Assert: a member with an empty body.
    let first = register_member(&app, &event, &awa).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first = first.json();
    assert_eq!(first["status"], "registered");
    assert_eq!(first["full_name"], "Awa Ouédraogo");
    assert_eq!(first["user_id"], awa.user_id.as_str());
    assert_eq!(first["ticket_code"].as_str().unwrap().len(), 20);
    assert!(first["qr_payload"]
        .as_str()
        .unwrap()
        .contains(first["ticket_code"].as_str().unwrap()));
    assert!(first.get("cancel_token").is_none());
    register_member(&app, &event, &awa)
        .await
        .assert_problem(409, "already_registered");

    // A guest, then the same guest in other case: one registration.
    let guest = register_guest(&app, &event, "Fatou Sawadogo", "Fatou@Example.com").await;
    assert_eq!(guest.status, 201, "{}", guest.text());
    let guest = guest.json();
    assert_eq!(guest["status"], "registered");
    assert!(guest["user_id"].is_null());
    assert!(guest["cancel_url"]
        .as_str()
        .unwrap()
        .contains("cancel_token="));
    register_guest(&app, &event, "Fatou S.", "fatou@example.COM")
        .await
        .assert_problem(409, "already_registered");

    // Full: the next two wait, in order.
    let third = register_guest(&app, &event, "Issa Kaboré", "issa@example.org").await;
    let fourth = register_guest(&app, &event, "Mariam Traoré", "mariam@example.org").await;
    assert_eq!(third.json()["status"], "waitlisted");
    assert_eq!(fourth.json()["status"], "waitlisted");
    let counted = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(counted.json()["registered_count"], 2);
    assert_eq!(counted.json()["waitlisted_count"], 2);

    // The member cancels: the first in line gets the seat at once.
    let cancel = app
        .delete(
            &format!("/api/v1/events/{event}/registrations/{}", id(&first)),
            Some(&awa.access_token),
        )
        .await;
    assert_eq!(cancel.status, 204, "{}", cancel.text());
    let again = app
        .delete(
            &format!("/api/v1/events/{event}/registrations/{}", id(&first)),
            Some(&awa.access_token),
        )
        .await;
    assert_eq!(again.status, 204);
    let third_now = app
        .get(
            &format!("/api/v1/events/{event}/registrations/{}", id(&third.json())),
            Some(&coordinator.access_token),
        )
        .await;
    assert_eq!(third_now.json()["status"], "registered");
    let fourth_now = app
        .get(
            &format!(
                "/api/v1/events/{event}/registrations/{}",
                id(&fourth.json())
            ),
            Some(&coordinator.access_token),
        )
        .await;
    assert_eq!(fourth_now.json()["status"], "waitlisted");
    let counted = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(counted.json()["registered_count"], 2);
    assert_eq!(counted.json()["waitlisted_count"], 1);

    // Cancelled, Awa may register again, at the back of the line.
    let back = register_member(&app, &event, &awa).await;
    assert_eq!(back.status, 201);
    assert_eq!(back.json()["status"], "waitlisted");

    // More seats seat the waitlist at once.
    let more = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&coordinator.access_token),
            &json!({ "capacity": 10 }),
        )
        .await;
    assert_eq!(more.status, 200, "{}", more.text());
    assert_eq!(more.json()["registered_count"], 4);
    assert_eq!(more.json()["waitlisted_count"], 0);
}

#[actix_rt::test]
async fn a_guest_sees_and_cancels_with_their_token_and_an_account_made_later_does_not_take_it() {
    let app = spawn_app().await;
    let (_, event) = event_by_coordinator(&app, json!({ "capacity": 1 })).await;
    let event = id(&event);
    let guest = register_guest(&app, &event, "Paul Zongo", "paul.zongo@example.org")
        .await
        .json();
    let token = guest["cancel_token"].as_str().unwrap().to_owned();
    let waiting = register_guest(&app, &event, "Rasmata Ilboudo", "rasmata@example.org")
        .await
        .json();
    let path = format!("/api/v1/events/{event}/registrations/{}", id(&guest));

    // Without the token, or with another, the registration is not there.
    app.get(&path, None).await.assert_problem(404, "not_found");
    app.get(&format!("{path}?cancel_token=nope"), None)
        .await
        .assert_problem(404, "not_found");
    let stranger = app.user(UserSpec::default());
    app.delete(&path, Some(&stranger.access_token))
        .await
        .assert_problem(404, "not_found");
    let seen = app.get(&format!("{path}?cancel_token={token}"), None).await;
    assert_eq!(seen.status, 200, "{}", seen.text());
    assert_eq!(seen.json()["ticket_code"], guest["ticket_code"]);

    // Someone signs up with the guest's email (not verified): the guest's
    // registration stays the guest's.
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({
                "email": "Rasmata@example.org",
                "password": "correct horse battery",
                "full_name": "Rasmata Ilboudo",
                "country_code": "BF",
                "profile_type": "student",
            }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let rasmata = crate::helpers::session_from(&res.json());
    let mine = app
        .get("/api/v1/me/registrations", Some(&rasmata.access_token))
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text());
    assert_eq!(mine.json()["items"], json!([]));
    let waiting_path = format!("/api/v1/events/{event}/registrations/{}", id(&waiting));
    app.get(&waiting_path, Some(&rasmata.access_token))
        .await
        .assert_problem(404, "not_found");
    // The account registers for itself, behind the guest.
    let own = register_member(&app, &event, &rasmata).await;
    assert_eq!(own.status, 201, "{}", own.text());
    assert_eq!(own.json()["status"], "waitlisted");

    // Paul cancels through his link; the guest, next in line, is seated.
    let cancel = app
        .delete(&format!("{path}?cancel_token={token}"), None)
        .await;
    assert_eq!(cancel.status, 204, "{}", cancel.text());
    let guest_token = waiting["cancel_token"].as_str().unwrap();
    let seated = app
        .get(&format!("{waiting_path}?cancel_token={guest_token}"), None)
        .await;
    assert_eq!(seated.json()["status"], "registered");
    let mine = app
        .get("/api/v1/me/registrations", Some(&rasmata.access_token))
        .await;
    let items = mine.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["registration"]["id"], own.json()["id"]);
    assert_eq!(items[0]["registration"]["status"], "waitlisted");
}

#[actix_rt::test]
async fn a_guest_typing_a_members_email_never_touches_their_account() {
    // Arrange: a member, and a stranger who types her email as a guest
    // before she registers.
    let app = spawn_app().await;
    let (coordinator, event) = event_by_coordinator(&app, json!({ "capacity": 5 })).await;
    let event = id(&event);
    let awa = app.user(UserSpec {
        email: Some("awa@example.org"),
        full_name: Some("Awa Ouédraogo"),
        ..Default::default()
    });

    // Act
    let intruder = register_guest(&app, &event, "Intrus", "AWA@example.org").await;
    let own = register_member(&app, &event, &awa).await;

    // Assert: the guest's row is nobody's; hers is hers alone.
    assert_eq!(intruder.status, 201, "{}", intruder.text());
    let intruder = intruder.json();
    assert!(intruder["user_id"].is_null(), "{intruder}");
    assert_eq!(own.status, 201, "her own registration: {}", own.text());
    let own = own.json();
    assert_eq!(own["user_id"], awa.user_id.as_str());
    assert_eq!(own["full_name"], "Awa Ouédraogo");
    let mine = app
        .get("/api/v1/me/registrations", Some(&awa.access_token))
        .await
        .json();
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{mine}");
    assert_eq!(items[0]["registration"]["id"], own["id"]);
    app.get(
        &format!("/api/v1/events/{event}/registrations/{}", id(&intruder)),
        Some(&awa.access_token),
    )
    .await
    .assert_problem(404, "not_found");

    // The guest's token reaches neither her ticket nor her seat.
    let token = intruder["cancel_token"].as_str().unwrap();
    let hers = format!("/api/v1/events/{event}/registrations/{}", id(&own));
    app.get(&format!("{hers}?cancel_token={token}"), None)
        .await
        .assert_problem(404, "not_found");
    app.delete(&format!("{hers}?cancel_token={token}"), None)
        .await
        .assert_problem(404, "not_found");
    let still = app.get(&hers, Some(&awa.access_token)).await;
    assert_eq!(still.json()["status"], "registered", "{}", still.text());

    // Her registration does not block or show through the guest form
    // either: once the first guest row is cancelled, another may be made.
    let theirs = format!("/api/v1/events/{event}/registrations/{}", id(&intruder));
    let cancel = app
        .delete(&format!("{theirs}?cancel_token={token}"), None)
        .await;
    assert_eq!(cancel.status, 204, "{}", cancel.text());
    let again = register_guest(&app, &event, "Intrus", "awa@example.org").await;
    assert_eq!(again.status, 201, "{}", again.text());
    register_guest(&app, &event, "Intrus", "awa@example.org")
        .await
        .assert_problem(409, "already_registered");
    let still = app.get(&hers, Some(&awa.access_token)).await;
    assert_eq!(still.json()["status"], "registered");
    let list = app
        .get(
            &format!("/api/v1/events/{event}/registrations"),
            Some(&coordinator.access_token),
        )
        .await
        .json();
    assert_eq!(list["counts"]["registered"], 2, "{list}");
}

#[actix_rt::test]
async fn anonymous_registrations_are_limited_per_client_address_in_the_database() {
    // Arrange: five guest registrations per address and minute.
    let app = spawn_app_with(|s| {
        s.throttle.client_max_guest_registrations = 5;
        s.throttle.client_window_seconds = 60;
    })
    .await;
    let (_, event) = event_by_coordinator(&app, json!({ "capacity": 100 })).await;
    let event = id(&event);
    let member = app.user(UserSpec::default());

    // Act: twenty at once from one address.
    let burst = futures_util::future::join_all((0..20).map(|i| {
        let (app, event) = (&app, &event);
        async move { register_guest(app, event, "G", &format!("g{i}@example.org")).await }
    }))
    .await;

    // Assert: exactly five got in; the rest wait for the window's end.
    let created = burst.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 5);
    for r in burst.iter().filter(|r| r.status != 201) {
        r.assert_problem(429, "rate_limited");
        assert_eq!(r.header("retry-after").as_deref(), Some("60"));
    }
    let got = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(got.json()["registered_count"], 5);
    // A member is not a guest: not counted, not refused.
    let own = register_member(&app, &event, &member).await;
    assert_eq!(own.status, 201, "{}", own.text());
    app.clock.advance(chrono::Duration::seconds(60));
    let later = register_guest(&app, &event, "G", "later@example.org").await;
    assert_eq!(later.status, 201, "{}", later.text());
}

#[actix_rt::test]
async fn behind_a_proxy_the_guest_limit_follows_the_address_the_proxy_wrote() {
    // Arrange
    let app = spawn_app_with(|s| {
        s.throttle.client_max_guest_registrations = 2;
        s.trust_forwarded_for = true;
    })
    .await;
    let (_, event) = event_by_coordinator(&app, json!({})).await;
    let path = format!("/api/v1/events/{}/registrations", id(&event));
    let from = |forwarded: &str, k: usize| {
        let (app, path) = (&app, &path);
        let forwarded = forwarded.to_owned();
        async move {
            let body = json!({ "full_name": "G", "email": format!("p{k}@example.org") });
            app.request(
                Method::POST,
                path,
                None,
                Some(&body),
                &[("X-Forwarded-For", forwarded.as_str())],
            )
            .await
        }
    };

    // Act: one client writes a new first address each time; the proxy
    // appends the one it saw.
    let mut answers = Vec::new();
    for k in 0..3 {
        answers.push(from(&format!("10.9.9.{k}, 203.0.113.7"), k).await.status);
    }
    let other = from("203.0.113.8", 9).await;

    // Assert: counted as 203.0.113.7 whatever it wrote first.
    assert_eq!(answers, vec![201, 201, 429]);
    assert_eq!(other.status, 201, "{}", other.text());
}

#[actix_rt::test]
async fn registration_needs_a_published_event_that_is_not_over() {
    let app = spawn_app().await;
    let (coordinator, draft) = event_by_coordinator(&app, json!({ "status": "draft" })).await;
    let draft = id(&draft);
    let member = app.user(UserSpec::default());

    register_guest(&app, &draft, "Ali", "ali@example.org")
        .await
        .assert_problem(404, "not_found");
    register_member(&app, &draft, &coordinator)
        .await
        .assert_problem(409, "event_not_open");
    app.request(
        Method::POST,
        &format!("/api/v1/events/{draft}/registrations"),
        None,
        None,
        &[],
    )
    .await
    .assert_problem(401, "unauthorized");
    register_guest(&app, &draft, "Ali", "not an email")
        .await
        .assert_problem(422, "validation_failed");

    let (_, past) = event_by_coordinator(
        &app,
        json!({ "starts_at": "2026-02-01T09:00:00Z", "ends_at": "2026-02-01T12:00:00Z" }),
    )
    .await;
    register_member(&app, &id(&past), &member)
        .await
        .assert_problem(409, "event_over");
}

#[actix_rt::test]
async fn staff_and_volunteers_get_the_check_in_list_as_json_and_csv() {
    let app = spawn_app().await;
    let (coordinator, event) = event_by_coordinator(&app, json!({ "capacity": 2 })).await;
    let event = id(&event);
    let volunteer = app.user(UserSpec::default());
    let put = app
        .put(
            &format!("/api/v1/countries/BF/volunteers/{}", volunteer.user_id),
            Some(&coordinator.access_token),
            &Value::Null,
        )
        .await;
    assert_eq!(put.status, 204, "{}", put.text());
    register_guest(&app, &event, "=HYPERLINK(\"x\")", "formula@example.org").await;
    register_guest(&app, &event, "Koné; Adama", "adama@example.org").await;
    register_guest(&app, &event, "Salif", "salif@example.org").await;
    let member = app.user(UserSpec::default());

    // Staff: emails, counts, line order, pages.
    let path = format!("/api/v1/events/{event}/registrations");
    let list = app
        .get(&format!("{path}?limit=2"), Some(&coordinator.access_token))
        .await;
    assert_eq!(list.status, 200, "{}", list.text());
    let body = list.json();
    assert_eq!(
        body["counts"],
        json!({ "registered": 2, "waitlisted": 1, "cancelled": 0, "checked_in": 0 })
    );
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert_eq!(body["items"][0]["email"], "formula@example.org");
    assert_eq!(body["items"][0]["position"], 1);
    let cursor = body["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .get(
            &format!("{path}?limit=2&cursor={cursor}"),
            Some(&coordinator.access_token),
        )
        .await;
    assert_eq!(rest.json()["items"][0]["full_name"], "Salif");
    assert!(rest.json()["next_cursor"].is_null());

    // A volunteer: tickets, no emails.
    let list = app.get(&path, Some(&volunteer.access_token)).await;
    assert_eq!(list.status, 200, "{}", list.text());
    assert!(list.json()["items"][0]["email"].is_null());
    assert!(list.json()["items"][0]["ticket_code"].is_string());

    // Anyone else is refused.
    app.get(&path, Some(&member.access_token))
        .await
        .assert_problem(403, "forbidden");

    // CSV: BOM, semicolons, formulas neutralised.
    let csv = app
        .get(
            &format!("{path}?format=csv&delimiter=semicolon"),
            Some(&coordinator.access_token),
        )
        .await;
    assert_eq!(csv.status, 200);
    let text = csv.text();
    assert!(text.starts_with('\u{feff}'), "{text}");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("position;status;full_name;email;ticket_code"));
    assert!(lines[1].contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
    assert!(lines[2].contains("\"Koné; Adama\""), "{text}");
    app.get(
        &format!("{path}?format=xml"),
        Some(&coordinator.access_token),
    )
    .await
    .assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn the_door_checks_tickets_in_once_whatever_order_scans_arrive_in() {
    // Arrange
    let app = spawn_app().await;
    let (coordinator, event) = event_by_coordinator(&app, json!({ "capacity": 1 })).await;
    let event = id(&event);
    let (_, other) = event_by_coordinator(&app, json!({})).await;
    let seated = register_guest(&app, &event, "Seated", "seated@example.org")
        .await
        .json();
    let waiting = register_guest(&app, &event, "Waiting", "waiting@example.org")
        .await
        .json();
    let elsewhere = register_guest(&app, &id(&other), "Other", "other@example.org")
        .await
        .json();
    let volunteer = app.user(UserSpec::default());
    app.put(
        &format!("/api/v1/countries/BF/volunteers/{}", volunteer.user_id),
        Some(&coordinator.access_token),
        &Value::Null,
    )
    .await;
    let tg_volunteer = app.user(UserSpec::default());
    let admin = app.admin();
    app.put(
        &format!("/api/v1/countries/TG/volunteers/{}", tg_volunteer.user_id),
        Some(&admin.access_token),
        &Value::Null,
    )
    .await;
    let door = format!("/api/v1/events/{event}/check-ins");
    let scan = |code: &str, at: Option<&str>| match at {
        Some(at) => json!({ "ticket_code": code, "scanned_at": at }),
        None => json!({ "ticket_code": code }),
    };
    let code = seated["ticket_code"].as_str().unwrap();
    let typed = seated["ticket_display"].as_str().unwrap().to_lowercase();

    // Offline scans replayed late and out of order: the earliest stays.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-03-14T12:00:00Z")
            .unwrap()
            .into(),
    );
    let token = app.token_for(volunteer.user_id.parse().unwrap());
    let later = app
        .post(
            &door,
            Some(&token),
            &scan(code, Some("2026-03-14T09:20:00Z")),
        )
        .await;
    assert_eq!(later.status, 200, "{}", later.text());
    assert_eq!(later.json()["already_checked_in"], false);
    let earlier = app
        .post(
            &door,
            Some(&token),
            &scan(&typed, Some("2026-03-14T09:05:00+00:00")),
        )
        .await;
    assert_eq!(earlier.json()["checked_in_at"], "2026-03-14T09:05:00Z");
    assert_eq!(earlier.json()["already_checked_in"], true);
    let now = app.post(&door, Some(&token), &scan(code, None)).await;
    assert_eq!(now.status, 200);
    assert_eq!(now.json()["checked_in_at"], "2026-03-14T09:05:00Z");
    assert_eq!(now.json()["already_checked_in"], true);

    // Wrong tickets.
    app.post(&door, Some(&token), &scan("0000-0000-0000-0000-0000", None))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &door,
        Some(&token),
        &scan(elsewhere["ticket_code"].as_str().unwrap(), None),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        &door,
        Some(&token),
        &scan(waiting["ticket_code"].as_str().unwrap(), None),
    )
    .await
    .assert_problem(409, "ticket_waitlisted");
    let admin_token = app.token_for(admin.user_id.parse().unwrap());
    app.delete(
        &format!("/api/v1/events/{event}/registrations/{}", id(&waiting)),
        Some(&admin_token),
    )
    .await;
    app.post(
        &door,
        Some(&token),
        &scan(waiting["ticket_code"].as_str().unwrap(), None),
    )
    .await
    .assert_problem(409, "ticket_cancelled");
    app.post(
        &door,
        Some(&token),
        &scan(code, Some("2026-03-20T09:00:00Z")),
    )
    .await
    .assert_problem(422, "validation_failed");

    // Only the event's staff and its country's volunteers keep the door.
    let tg = app.token_for(tg_volunteer.user_id.parse().unwrap());
    app.post(&door, Some(&tg), &scan(code, None))
        .await
        .assert_problem(403, "forbidden");

    // The list shows who came.
    let list = app
        .get(
            &format!("/api/v1/events/{event}/registrations"),
            Some(&admin_token),
        )
        .await;
    assert_eq!(list.json()["counts"]["checked_in"], 1);
    assert_eq!(
        list.json()["items"][0]["checked_in_at"],
        "2026-03-14T09:05:00Z"
    );
}

#[actix_rt::test]
async fn twenty_scans_of_one_ticket_at_once_make_exactly_one_first_entry() {
    // Arrange: five seated tickets, the door open.
    let app = spawn_app().await;
    let (coordinator, event) = event_by_coordinator(&app, json!({})).await;
    let event = id(&event);
    let mut codes = Vec::new();
    for k in 0..5 {
        let guest = register_guest(&app, &event, "G", &format!("g{k}@example.org")).await;
        codes.push(guest.json()["ticket_code"].as_str().unwrap().to_owned());
    }
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-03-14T09:30:00Z")
            .unwrap()
            .into(),
    );
    let door = format!("/api/v1/events/{event}/check-ins");
    let token = app.token_for(coordinator.user_id.parse().unwrap());

    // Act: each ticket scanned twenty times at once, the clock moving on
    // while they arrive.
    let scans = futures_util::future::join_all(codes.iter().flat_map(|code| {
        let (app, door, token) = (&app, &door, &token);
        (0..20).map(move |_| async move {
            app.clock.advance(chrono::Duration::seconds(1));
            let res = app
                .post(door, Some(token), &json!({ "ticket_code": code }))
                .await;
            (code, res)
        })
    }))
    .await;

    // Assert: per ticket, one first entry and one time in every answer.
    for code in &codes {
        let answers: Vec<Value> = scans
            .iter()
            .filter(|(c, _)| *c == code)
            .map(|(_, r)| {
                assert_eq!(r.status, 200, "{}", r.text());
                r.json()
            })
            .collect();
        assert_eq!(answers.len(), 20);
        let first = answers
            .iter()
            .filter(|a| a["already_checked_in"] == false)
            .count();
        assert_eq!(first, 1, "{answers:?}");
        let times: std::collections::HashSet<String> = answers
            .iter()
            .map(|a| a["checked_in_at"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(times.len(), 1, "{times:?}");
        let time = times.into_iter().next().unwrap();
        assert!(answers
            .iter()
            .all(|a| a["registration"]["checked_in_at"] == time));
    }
    let list = app
        .get(
            &format!("/api/v1/events/{event}/registrations"),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(list["counts"]["checked_in"], 5);
}

#[actix_rt::test]
async fn the_door_says_when_it_opens_and_allows_replays_a_little_clock_drift() {
    // Arrange: the meetup starts 2026-03-14T09:00Z; the door opens twelve
    // hours before. The test clock is on 2026-03-02.
    let app = spawn_app().await;
    let (coordinator, event) = event_by_coordinator(&app, json!({})).await;
    let event = id(&event);
    let mut codes = Vec::new();
    for k in 0..3 {
        let guest = register_guest(&app, &event, "G", &format!("d{k}@example.org")).await;
        codes.push(guest.json()["ticket_code"].as_str().unwrap().to_owned());
    }
    let door = format!("/api/v1/events/{event}/check-ins");
    let token = coordinator.access_token.clone();
    let token = token.as_str();
    let scan = |code: &str, at: Option<&str>| match at {
        Some(at) => json!({ "ticket_code": code, "scanned_at": at }),
        None => json!({ "ticket_code": code }),
    };

    // Act / Assert: a live scan too early is a conflict saying when.
    let early = app.post(&door, Some(token), &scan(&codes[0], None)).await;
    let body = early.assert_problem(409, "door_not_open");
    assert_eq!(body["opens_at"], "2026-03-13T21:00:00Z");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("2026-03-13T21:00:00+00:00"),
        "{body}"
    );
    assert!(body.get("errors").is_none(), "{body}");
    let english = app
        .request(
            Method::POST,
            &door,
            Some(token),
            Some(&scan(&codes[0], None)),
            &[("Accept-Language", "en")],
        )
        .await;
    let body = english.assert_problem(409, "door_not_open");
    assert!(body["detail"].as_str().unwrap().starts_with("The door"));

    // Replayed the next day: a minute before the opening counts (phone
    // clocks drift), three minutes before does not.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-03-14T10:00:00Z")
            .unwrap()
            .into(),
    );
    let token = app.token_for(coordinator.user_id.parse().unwrap());
    let token = token.as_str();
    let drifted = app
        .post(
            &door,
            Some(token),
            &scan(&codes[0], Some("2026-03-13T20:59:00Z")),
        )
        .await;
    assert_eq!(drifted.status, 200, "{}", drifted.text());
    assert_eq!(drifted.json()["checked_in_at"], "2026-03-13T20:59:00Z");
    assert_eq!(drifted.json()["already_checked_in"], false);
    app.post(
        &door,
        Some(token),
        &scan(&codes[1], Some("2026-03-13T20:57:00Z")),
    )
    .await
    .assert_problem(422, "validation_failed");

    // Long after the door closed, a live scan says the event is over.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-03-15T02:00:00Z")
            .unwrap()
            .into(),
    );
    let token = app.token_for(coordinator.user_id.parse().unwrap());
    app.post(&door, Some(&token), &scan(&codes[2], None))
        .await
        .assert_problem(409, "event_over");
}

#[actix_rt::test]
async fn three_hundred_parallel_registrations_fill_a_hundred_seats_exactly() {
    // Arrange: all from one address, above the default guest limit.
    let app = spawn_app_with(|s| s.throttle.client_max_guest_registrations = 300).await;
    let (coordinator, event) = event_by_coordinator(&app, json!({ "capacity": 100 })).await;
    let event = id(&event);

    // Act
    let results = futures_util::future::join_all((0..300).map(|i| {
        let app = &app;
        let event = &event;
        async move {
            register_guest(
                app,
                event,
                &format!("Guest {i}"),
                &format!("guest{i}@example.org"),
            )
            .await
        }
    }))
    .await;

    // Assert
    let mut statuses = std::collections::HashMap::new();
    for r in &results {
        assert_eq!(r.status, 201, "{}", r.text());
        *statuses
            .entry(r.json()["status"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    assert_eq!(statuses["registered"], 100);
    assert_eq!(statuses["waitlisted"], 200);
    let mut positions: Vec<i64> = results
        .iter()
        .map(|r| r.json()["position"].as_i64().unwrap())
        .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=300).collect::<Vec<_>>());
    let got = app
        .get(&format!("/api/v1/events/{event}"), None)
        .await
        .json();
    assert_eq!(got["registered_count"], 100);
    assert_eq!(got["waitlisted_count"], 200);
    let list = app
        .get(
            &format!("/api/v1/events/{event}/registrations?limit=1"),
            Some(&coordinator.access_token),
        )
        .await
        .json();
    assert_eq!(list["counts"]["registered"], 100);
    assert_eq!(list["counts"]["waitlisted"], 200);
    // Seats went to the first hundred in line.
    for r in &results {
        let body = r.json();
        let seated = body["status"] == "registered";
        assert_eq!(seated, body["position"].as_i64().unwrap() <= 100, "{body}");
    }
}

#[actix_rt::test]
async fn parallel_cancellations_seat_as_many_from_the_waitlist() {
    let app = spawn_app().await;
    let (coordinator, event) = event_by_coordinator(&app, json!({ "capacity": 10 })).await;
    let event = id(&event);
    let mut seated = Vec::new();
    for i in 0..20 {
        let r = register_guest(&app, &event, "G", &format!("g{i}@example.org"))
            .await
            .json();
        if r["status"] == "registered" {
            seated.push(id(&r));
        }
    }
    let paths: Vec<String> = seated
        .iter()
        .take(5)
        .map(|r| format!("/api/v1/events/{event}/registrations/{r}"))
        .collect();
    let cancels = futures_util::future::join_all(
        paths
            .iter()
            .map(|p| app.delete(p, Some(&coordinator.access_token))),
    )
    .await;
    assert!(cancels.iter().all(|c| c.status == 204));
    let got = app
        .get(&format!("/api/v1/events/{event}"), None)
        .await
        .json();
    assert_eq!(got["registered_count"], 10);
    assert_eq!(got["waitlisted_count"], 5);
    let list = app
        .get(
            &format!("/api/v1/events/{event}/registrations?status=registered&limit=200"),
            Some(&coordinator.access_token),
        )
        .await
        .json();
    let positions: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, vec![6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
}

#[actix_rt::test]
async fn chapter_teams_keep_their_history() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin();
    let coordinator = app.user(UserSpec {
        full_name: Some("Coordinatrice"),
        ..Default::default()
    });
    let appointed = app
        .put(
            &format!("/api/v1/countries/BF/coordinators/{}", coordinator.user_id),
            Some(&admin.access_token),
            &Value::Null,
        )
        .await;
    assert_eq!(appointed.status, 204);
    let volunteer = app.user(UserSpec {
        full_name: Some("Bénévole"),
        ..Default::default()
    });
    let other = app.user(UserSpec::default());
    let team = "/api/v1/countries/BF/team";
    let put = format!("/api/v1/countries/BF/volunteers/{}", volunteer.user_id);

    // Act: a coordinator appoints a volunteer (twice is once).
    for _ in 0..2 {
        let res = app
            .put(&put, Some(&coordinator.access_token), &Value::Null)
            .await;
        assert_eq!(res.status, 204, "{}", res.text());
    }
    app.put(
        &format!("/api/v1/countries/TG/volunteers/{}", volunteer.user_id),
        Some(&coordinator.access_token),
        &Value::Null,
    )
    .await
    .assert_problem(403, "forbidden");
    app.put(&put, Some(&other.access_token), &Value::Null)
        .await
        .assert_problem(403, "forbidden");

    // Assert: the volunteer sees the team; outsiders do not.
    let seen = app.get(team, Some(&volunteer.access_token)).await;
    assert_eq!(seen.status, 200, "{}", seen.text());
    let items = seen.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["role"], "coordinator");
    assert_eq!(items[1]["role"], "volunteer");
    assert_eq!(items[1]["full_name"], "Bénévole");
    assert!(items[1]["until"].is_null());
    app.get(team, Some(&other.access_token))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/countries/ZZ/team", Some(&admin.access_token))
        .await
        .assert_problem(404, "not_found");

    // Leaving keeps the term, with its end; coordinators too.
    app.clock.advance(chrono::Duration::days(3));
    let coordinator_id = coordinator.user_id.clone();
    let coordinator = app.token_for(coordinator_id.parse().unwrap());
    let admin = app.token_for(admin.user_id.parse().unwrap());
    let removed = app.delete(&put, Some(&coordinator)).await;
    assert_eq!(removed.status, 204);
    app.delete(&put, Some(&coordinator))
        .await
        .assert_problem(404, "not_found");
    let removed = app
        .delete(
            &format!("/api/v1/countries/BF/coordinators/{coordinator_id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(removed.status, 204);
    let history = app.get(team, Some(&admin)).await.json();
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{history}");
    assert!(
        items.iter().all(|t| t["until"] == "2026-03-05T08:00:00Z"),
        "{history}"
    );
    assert!(
        items.iter().all(|t| t["since"] == "2026-03-02T08:00:00Z"),
        "{history}"
    );

    // Back again: a new term, the old one kept.
    app.put(&put, Some(&admin), &Value::Null).await;
    let history = app.get(team, Some(&admin)).await.json();
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items[0]["until"].is_null());
    assert_eq!(items[0]["since"], "2026-03-05T08:00:00Z");
}
