//! One table: every endpoint of cohorts, enrolment (CSV imports too),
//! sessions (and series), feedback, the user directory, community events
//! and chapter teams, called by each role,
//! with the status each must get. Outsiders
//! get 404 for a cohort's private resources; insiders without the right 403.

use awc::http::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Session, TestApp, UserSpec};

const ROLES: [&str; 7] = [
    "anonymous",
    "learner",
    "trainer",
    "other_trainer",
    "coordinator",
    "other_coordinator",
    "admin",
];

struct World {
    app: TestApp,
    sessions: Vec<Option<Session>>,
    admin: Session,
    cohort: String,
    draft: String,
    programme: String,
    learner: Session,
    class: String,
    assignment: String,
    submission: String,
    past: String,
    series: String,
    event: String,
    draft_event: String,
    registration: String,
    ticket: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.admin();
    let learner = app.user(UserSpec {
        country: Some("CI"),
        ..Default::default()
    });
    let trainer = app.user(UserSpec {
        country: Some("CI"),
        ..Default::default()
    });
    let other_trainer = app.user(UserSpec {
        country: Some("ML"),
        ..Default::default()
    });
    let coordinator = app.user(UserSpec {
        country: Some("CI"),
        ..Default::default()
    });
    app.make_coordinator(&coordinator, "CI");
    let other_coordinator = app.user(UserSpec {
        country: Some("TG"),
        ..Default::default()
    });
    app.make_coordinator(&other_coordinator, "TG");

    let cohort = app.cohort(&admin, json!({ "country_code": "CI" })).await;
    let draft = app
        .cohort(&admin, json!({ "country_code": "CI", "status": "draft" }))
        .await;
    let elsewhere = app.cohort(&admin, json!({ "country_code": "ML" })).await;
    app.enrol(&admin, &cohort, &learner, "learner").await;
    app.enrol(&admin, &cohort, &trainer, "trainer").await;
    app.enrol(&admin, &elsewhere, &other_trainer, "trainer")
        .await;
    let programme = app
        .get(&format!("/api/v1/cohorts/{cohort}"), None)
        .await
        .json()["programme_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let class = create_session(&app, &admin, &cohort).await;
    let past = app
        .post(
            &format!("/api/v1/cohorts/{cohort}/sessions"),
            Some(&admin.access_token),
            &json!({
                "kind": "veille", "title": "Veille",
                "starts_at": "2026-03-01T09:00:00Z", "ends_at": "2026-03-01T10:00:00Z"
            }),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let marked = app
        .put(
            &format!("/api/v1/sessions/{past}/attendance"),
            Some(&admin.access_token),
            &json!({ "records": [{ "user_id": learner.user_id, "status": "present" }] }),
        )
        .await;
    assert_eq!(marked.status, 200, "{}", marked.text());
    let series = app
        .post(
            &format!("/api/v1/cohorts/{cohort}/sessions/series"),
            Some(&admin.access_token),
            &json!({
                "kind": "veille", "title": "Veille hebdo",
                "starts_at": "2026-04-01T09:00:00Z", "ends_at": "2026-04-01T10:00:00Z",
                "repeat": { "frequency": "weekly", "count": 3 }
            }),
        )
        .await
        .json()["series_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let assignment = app
        .post(
            &format!("/api/v1/sessions/{class}/assignment"),
            Some(&admin.access_token),
            &json!({ "brief": "Brief", "due_at": "2026-03-11T09:00:00Z", "max_score": 20 }),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let submission = app
        .post(
            &format!("/api/v1/assignments/{assignment}/submissions"),
            Some(&learner.access_token),
            &json!({ "body": "Mon analyse" }),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_event = |status: &str| {
        json!({
            "title": "Meetup Abidjan", "country_code": "CI", "status": status,
            "starts_at": "2026-03-02T12:00:00Z", "ends_at": "2026-03-02T18:00:00Z"
        })
    };
    let event = app
        .post(
            "/api/v1/events",
            Some(&admin.access_token),
            &new_event("published"),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let draft_event = app
        .post(
            "/api/v1/events",
            Some(&admin.access_token),
            &new_event("draft"),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let guest = app
        .post(
            &format!("/api/v1/events/{event}/registrations"),
            None,
            &json!({ "full_name": "Invitée", "email": "invitee@example.org" }),
        )
        .await
        .json();
    World {
        event,
        draft_event,
        registration: guest["id"].as_str().unwrap().to_owned(),
        ticket: guest["ticket_code"].as_str().unwrap().to_owned(),
        sessions: vec![
            None,
            Some(learner.clone()),
            Some(trainer),
            Some(other_trainer),
            Some(coordinator),
            Some(other_coordinator),
            Some(admin.clone()),
        ],
        app,
        admin,
        cohort,
        draft,
        programme,
        learner,
        class,
        assignment,
        submission,
        past,
        series,
    }
}

async fn create_session(app: &TestApp, staff: &Session, cohort: &str) -> String {
    let res = app
        .post(
            &format!("/api/v1/cohorts/{cohort}/sessions"),
            Some(&staff.access_token),
            &json!({
                "kind": "master_class", "title": "Storytelling",
                "starts_at": "2026-03-10T09:00:00Z", "ends_at": "2026-03-10T11:00:00Z"
            }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

/// A placeholder in a path or body, filled in per call.
enum Fresh {
    None,
    /// A new user, enrolled as an active learner of the cohort.
    Learner,
    /// A new user, not enrolled anywhere.
    User,
    /// A new session of the cohort.
    Session,
}

struct Case {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    fresh: Fresh,
    /// Statuses for ROLES, in order.
    expect: [u16; 7],
}

fn case(
    method: Method,
    path: &'static str,
    body: Option<Value>,
    fresh: Fresh,
    expect: [u16; 7],
) -> Case {
    Case {
        method,
        path,
        body,
        fresh,
        expect,
    }
}

fn cases() -> Vec<Case> {
    use Method as M;
    let new_session = json!({
        "kind": "veille", "title": "Tendances TikTok",
        "starts_at": "2026-03-12T16:00:00Z", "ends_at": "2026-03-12T17:00:00Z"
    });
    vec![
        // Programmes
        case(
            M::GET,
            "/api/v1/programmes",
            None,
            Fresh::None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        case(
            M::POST,
            "/api/v1/programmes",
            Some(json!({ "title": "P" })),
            Fresh::None,
            [401, 403, 403, 403, 403, 403, 201],
        ),
        case(
            M::GET,
            "/api/v1/programmes/{programme}",
            None,
            Fresh::None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        case(
            M::PATCH,
            "/api/v1/programmes/{programme}",
            Some(json!({ "title": "P2" })),
            Fresh::None,
            [401, 403, 403, 403, 403, 403, 200],
        ),
        // Cohorts
        case(
            M::GET,
            "/api/v1/cohorts",
            None,
            Fresh::None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        case(
            M::POST,
            "/api/v1/cohorts",
            Some(json!({
                "programme_id": "{programme}", "name": "C", "country_code": "CI",
                "starts_on": "2026-03-01", "ends_on": "2026-04-01", "capacity": 5
            })),
            Fresh::None,
            [401, 403, 403, 403, 201, 403, 201],
        ),
        case(
            M::GET,
            "/api/v1/cohorts/{cohort}",
            None,
            Fresh::None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        case(
            M::GET,
            "/api/v1/cohorts/{draft}",
            None,
            Fresh::None,
            [404, 404, 404, 404, 200, 404, 200],
        ),
        case(
            M::PATCH,
            "/api/v1/cohorts/{cohort}",
            Some(json!({ "name": "Renamed" })),
            Fresh::None,
            [401, 403, 403, 404, 200, 404, 200],
        ),
        case(
            M::PATCH,
            "/api/v1/cohorts/{draft}",
            Some(json!({ "name": "Renamed" })),
            Fresh::None,
            [401, 404, 404, 404, 200, 404, 200],
        ),
        // Enrolment
        case(
            M::GET,
            "/api/v1/cohorts/{cohort}/members",
            None,
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::POST,
            "/api/v1/cohorts/{cohort}/members",
            Some(json!({ "user_id": "{user}", "role": "learner" })),
            Fresh::User,
            [401, 403, 403, 404, 201, 404, 201],
        ),
        case(
            M::PATCH,
            "/api/v1/cohorts/{cohort}/members/{learner}",
            Some(json!({ "status": "active" })),
            Fresh::None,
            [401, 403, 403, 404, 200, 404, 200],
        ),
        case(
            M::DELETE,
            "/api/v1/cohorts/{cohort}/members/{user}",
            None,
            Fresh::Learner,
            [401, 403, 403, 404, 204, 404, 204],
        ),
        // Sessions and calendar
        case(
            M::GET,
            "/api/v1/cohorts/{cohort}/sessions",
            None,
            Fresh::None,
            [401, 200, 200, 404, 200, 404, 200],
        ),
        case(
            M::POST,
            "/api/v1/cohorts/{cohort}/sessions",
            Some(new_session),
            Fresh::None,
            [401, 403, 201, 404, 201, 404, 201],
        ),
        case(
            M::GET,
            "/api/v1/sessions/{class}",
            None,
            Fresh::None,
            [401, 200, 200, 404, 200, 404, 200],
        ),
        case(
            M::PATCH,
            "/api/v1/sessions/{class}",
            Some(json!({ "title": "Storytelling 2" })),
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::DELETE,
            "/api/v1/sessions/{session}",
            None,
            Fresh::Session,
            [401, 403, 204, 404, 204, 404, 204],
        ),
        case(
            M::GET,
            "/api/v1/cohorts/{cohort}/calendar.ics",
            None,
            Fresh::None,
            [401, 200, 200, 404, 200, 404, 200],
        ),
        // Users and coordinators
        case(
            M::GET,
            "/api/v1/users",
            None,
            Fresh::None,
            [401, 403, 403, 403, 200, 200, 200],
        ),
        case(
            M::GET,
            "/api/v1/users/{learner}",
            None,
            Fresh::None,
            [401, 200, 404, 404, 200, 404, 200],
        ),
        case(
            M::PATCH,
            "/api/v1/users/{learner}",
            Some(json!({ "full_name": "Awa K." })),
            Fresh::None,
            [401, 200, 404, 404, 200, 404, 200],
        ),
        case(
            M::PUT,
            "/api/v1/countries/CI/coordinators/{user}",
            None,
            Fresh::User,
            [401, 403, 403, 403, 403, 403, 204],
        ),
        // Chapter teams
        case(
            M::GET,
            "/api/v1/countries/CI/team",
            None,
            Fresh::None,
            [401, 403, 403, 403, 200, 403, 200],
        ),
        case(
            M::PUT,
            "/api/v1/countries/CI/volunteers/{user}",
            None,
            Fresh::User,
            [401, 403, 403, 403, 204, 403, 204],
        ),
        case(
            M::DELETE,
            "/api/v1/countries/CI/volunteers/{user}",
            None,
            Fresh::User,
            [401, 403, 403, 403, 404, 403, 404],
        ),
        // Community events
        case(
            M::GET,
            "/api/v1/events",
            None,
            Fresh::None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        case(
            M::POST,
            "/api/v1/events",
            Some(json!({
                "title": "Meetup", "country_code": "CI",
                "starts_at": "2026-04-02T12:00:00Z", "ends_at": "2026-04-02T18:00:00Z"
            })),
            Fresh::None,
            [401, 403, 403, 403, 201, 403, 201],
        ),
        case(
            M::GET,
            "/api/v1/events/{event}",
            None,
            Fresh::None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        case(
            M::GET,
            "/api/v1/events/{draft_event}",
            None,
            Fresh::None,
            [404, 404, 404, 404, 200, 404, 200],
        ),
        case(
            M::PATCH,
            "/api/v1/events/{event}",
            Some(json!({ "title": "Meetup Abidjan #2" })),
            Fresh::None,
            [401, 403, 403, 403, 200, 403, 200],
        ),
        case(
            M::PATCH,
            "/api/v1/events/{draft_event}",
            Some(json!({ "title": "Brouillon" })),
            Fresh::None,
            [401, 404, 404, 404, 200, 404, 200],
        ),
        case(
            M::GET,
            "/api/v1/events/{event}/calendar.ics",
            None,
            Fresh::None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        case(
            M::POST,
            "/api/v1/events/{event}/registrations",
            None,
            Fresh::None,
            [401, 201, 201, 201, 201, 201, 201],
        ),
        case(
            M::GET,
            "/api/v1/events/{event}/registrations",
            None,
            Fresh::None,
            [401, 403, 403, 403, 200, 403, 200],
        ),
        case(
            M::POST,
            "/api/v1/events/{event}/check-ins",
            Some(json!({ "ticket_code": "{ticket}" })),
            Fresh::None,
            [401, 403, 403, 403, 200, 403, 200],
        ),
        case(
            M::GET,
            "/api/v1/events/{event}/registrations/{registration}",
            None,
            Fresh::None,
            [404, 404, 404, 404, 200, 404, 200],
        ),
        case(
            M::DELETE,
            "/api/v1/events/{event}/registrations/{registration}",
            None,
            Fresh::None,
            [404, 404, 404, 404, 204, 404, 204],
        ),
        case(
            M::GET,
            "/api/v1/me/registrations",
            None,
            Fresh::None,
            [401, 200, 200, 200, 200, 200, 200],
        ),
        // Recurring sessions, feedback and CSV enrolment
        case(
            M::POST,
            "/api/v1/cohorts/{cohort}/sessions/series",
            Some(json!({
                "kind": "veille", "title": "Veille",
                "starts_at": "2026-05-04T09:00:00Z", "ends_at": "2026-05-04T09:30:00Z",
                "repeat": { "frequency": "daily", "count": 2 }
            })),
            Fresh::None,
            [401, 403, 201, 404, 201, 404, 201],
        ),
        case(
            M::DELETE,
            "/api/v1/series/{series}",
            None,
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::PUT,
            "/api/v1/sessions/{past}/feedback",
            Some(json!({ "rating": 4, "comment": "Utile" })),
            Fresh::None,
            [401, 200, 403, 404, 403, 404, 403],
        ),
        case(
            M::GET,
            "/api/v1/sessions/{past}/feedback",
            None,
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::GET,
            "/api/v1/cohorts/{cohort}/feedback",
            None,
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::POST,
            "/api/v1/cohorts/{cohort}/members/import?dry_run=true",
            Some(json!(
                "email,full_name,country_code\nnew@example.org,Nouvelle,CI\n"
            )),
            Fresh::None,
            [401, 403, 403, 404, 200, 404, 200],
        ),
        // Attendance
        case(
            M::GET,
            "/api/v1/sessions/{class}/attendance",
            None,
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::PUT,
            "/api/v1/sessions/{class}/attendance",
            Some(json!({ "records": [{ "user_id": "{learner}", "status": "present" }] })),
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::GET,
            "/api/v1/sessions/{class}/attendance/history",
            None,
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::POST,
            "/api/v1/sessions/{class}/check-in-window",
            Some(json!({ "minutes": 30 })),
            Fresh::None,
            [401, 403, 201, 404, 201, 404, 201],
        ),
        case(
            M::GET,
            "/api/v1/sessions/{class}/check-in-code",
            None,
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        // A wrong code for the learner; staff and trainers do not check in.
        case(
            M::POST,
            "/api/v1/sessions/{class}/check-in",
            Some(json!({ "code": "not-it" })),
            Fresh::None,
            [401, 422, 403, 404, 403, 404, 403],
        ),
        case(
            M::GET,
            "/api/v1/cohorts/{cohort}/attendance",
            None,
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::GET,
            "/api/v1/me/attendance",
            None,
            Fresh::None,
            [401, 200, 200, 200, 200, 200, 200],
        ),
        // Case studies
        case(
            M::POST,
            "/api/v1/sessions/{session}/assignment",
            Some(json!({ "brief": "B", "due_at": "2026-03-20T09:00:00Z", "max_score": 10 })),
            Fresh::Session,
            [401, 403, 201, 404, 201, 404, 201],
        ),
        case(
            M::GET,
            "/api/v1/assignments/{assignment}",
            None,
            Fresh::None,
            [401, 200, 200, 404, 200, 404, 200],
        ),
        case(
            M::PATCH,
            "/api/v1/assignments/{assignment}",
            Some(json!({ "brief": "Brief 2" })),
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::GET,
            "/api/v1/cohorts/{cohort}/assignments",
            None,
            Fresh::None,
            [401, 200, 200, 404, 200, 404, 200],
        ),
        case(
            M::GET,
            "/api/v1/assignments/{assignment}/submissions",
            None,
            Fresh::None,
            [401, 200, 200, 404, 200, 404, 200],
        ),
        // The learner has handed in already; only learners hand in.
        case(
            M::POST,
            "/api/v1/assignments/{assignment}/submissions",
            Some(json!({ "body": "Encore" })),
            Fresh::None,
            [401, 409, 403, 404, 403, 404, 403],
        ),
        case(
            M::GET,
            "/api/v1/submissions/{submission}/history",
            None,
            Fresh::None,
            [401, 200, 200, 404, 200, 404, 200],
        ),
        case(
            M::PATCH,
            "/api/v1/submissions/{submission}/review",
            Some(json!({ "status": "accepted", "score": 15 })),
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        // Progress and certificates
        case(
            M::GET,
            "/api/v1/me/progress",
            None,
            Fresh::None,
            [401, 200, 200, 200, 200, 200, 200],
        ),
        case(
            M::GET,
            "/api/v1/cohorts/{cohort}/progress",
            None,
            Fresh::None,
            [401, 403, 200, 404, 200, 404, 200],
        ),
        case(
            M::POST,
            "/api/v1/cohorts/{cohort}/certificates",
            None,
            Fresh::None,
            [401, 403, 403, 404, 200, 404, 200],
        ),
        case(
            M::GET,
            "/api/v1/me/certificates",
            None,
            Fresh::None,
            [401, 200, 200, 200, 200, 200, 200],
        ),
        // Public; nothing has this code.
        case(
            M::GET,
            "/api/v1/certificates/0000-0000-0000-0000-0000",
            None,
            Fresh::None,
            [404, 404, 404, 404, 404, 404, 404],
        ),
        case(
            M::POST,
            "/api/v1/certificates/0000-0000-0000-0000-0000/revocation",
            Some(json!({ "reason": "erreur" })),
            Fresh::None,
            [401, 404, 404, 404, 404, 404, 404],
        ),
        // Last: applying makes the outsiders members.
        case(
            M::POST,
            "/api/v1/cohorts/{cohort}/applications",
            None,
            Fresh::None,
            [401, 409, 409, 201, 201, 201, 201],
        ),
    ]
}

fn fill(text: &str, w: &World, fresh: Option<&str>) -> String {
    let mut out = text
        .replace("{cohort}", &w.cohort)
        .replace("{draft}", &w.draft)
        .replace("{programme}", &w.programme)
        .replace("{learner}", &w.learner.user_id)
        .replace("{class}", &w.class)
        .replace("{past}", &w.past)
        .replace("{series}", &w.series)
        .replace("{assignment}", &w.assignment)
        .replace("{submission}", &w.submission)
        .replace("{draft_event}", &w.draft_event)
        .replace("{event}", &w.event)
        .replace("{registration}", &w.registration)
        .replace("{ticket}", &w.ticket);
    if let Some(f) = fresh {
        out = out.replace("{user}", f).replace("{session}", f);
    }
    out
}

#[actix_rt::test]
async fn every_role_gets_the_right_status_on_every_endpoint() {
    let w = world().await;
    let mut failures = Vec::new();
    for c in cases() {
        for (i, role) in ROLES.iter().enumerate() {
            let fresh = match c.fresh {
                Fresh::None => None,
                Fresh::User => Some(w.app.user(UserSpec::default()).user_id),
                Fresh::Learner => {
                    let u = w.app.user(UserSpec::default());
                    w.app.enrol(&w.admin, &w.cohort, &u, "learner").await;
                    Some(u.user_id)
                }
                Fresh::Session => Some(create_session(&w.app, &w.admin, &w.cohort).await),
            };
            let path = fill(c.path, &w, fresh.as_deref());
            let body = c.body.as_ref().map(|b| {
                serde_json::from_str::<Value>(&fill(&b.to_string(), &w, fresh.as_deref())).unwrap()
            });
            let token = w.sessions[i].as_ref().map(|s| s.access_token.as_str());
            // A string body is a CSV file.
            let res = match body {
                Some(Value::String(csv)) => {
                    w.app
                        .send_raw(
                            c.method.clone(),
                            &path,
                            token,
                            "text/csv",
                            csv.into_bytes(),
                            false,
                        )
                        .await
                }
                body => {
                    w.app
                        .request(c.method.clone(), &path, token, body.as_ref(), &[])
                        .await
                }
            };
            if res.status != c.expect[i] {
                failures.push(format!(
                    "{} {} as {role}: expected {}, got {} {}",
                    c.method,
                    c.path,
                    c.expect[i],
                    res.status,
                    res.text().chars().take(160).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
