//! CSV enrolment: files as Excel and Google Sheets export them, dry runs
//! that write nothing, all-or-nothing real runs, seats and the waitlist in
//! file order, invitations that set a password once, limits and access.

use awc::http::Method;
use chrono::Duration;
use griot::clock::Clock;
use serde_json::{json, Value};

use crate::fixtures::long_tokens;
use crate::helpers::{spawn_app_with, Session, TestApp, TestResponse, UserSpec};

struct Setup {
    app: TestApp,
    admin: Session,
    cohort: String,
}

async fn setup(capacity: i64, configure: impl FnOnce(&mut griot::config::Settings)) -> Setup {
    let app = spawn_app_with(|s| {
        long_tokens(s);
        configure(s);
    })
    .await;
    let admin = app.admin();
    let cohort = app.cohort(&admin, json!({ "capacity": capacity })).await;
    Setup { app, admin, cohort }
}

impl Setup {
    async fn import(&self, who: &Session, file: &str, dry_run: bool) -> TestResponse {
        self.import_bytes(who, file.as_bytes().to_vec(), "text/csv", dry_run)
            .await
    }

    async fn import_bytes(
        &self,
        who: &Session,
        file: Vec<u8>,
        content_type: &str,
        dry_run: bool,
    ) -> TestResponse {
        let query = if dry_run { "?dry_run=true" } else { "" };
        self.app
            .send_raw(
                Method::POST,
                &format!("/api/v1/cohorts/{}/members/import{query}", self.cohort),
                Some(&who.access_token),
                content_type,
                file,
                false,
            )
            .await
    }

    async fn members(&self) -> Vec<Value> {
        let res = self
            .app
            .get(
                &format!("/api/v1/cohorts/{}/members?limit=200", self.cohort),
                Some(&self.admin.access_token),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["items"].as_array().unwrap().clone()
    }
}

/// As Excel saves "CSV UTF-8" in French: BOM, semicolons, CRLF, quotes,
/// accents, stray spaces, a blank line, a duplicate and an existing
/// account in other case.
const EXCEL: &str = "\u{feff}Email;Full name;Country code;Role\r\n\
    awa@example.org; Awa Traoré ;ci;\r\n\
    \"koffi@example.org\";\"Kouassi, Koffi\";CI;trainer\r\n\
    KNOWN@Example.ORG;Déjà Inscrite;BF;learner\r\n\
    ;;;\r\n\
    binta@example.org;=Binta Ouédraogo;BF;learner\r\n\
    AWA@example.org;Awa Traoré;CI;learner\r\n\
    chris@example.org;=Chris;TG;\r\n";

fn statuses(report: &Value) -> Vec<(u64, String, Option<String>)> {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["line"].as_u64().unwrap(),
                i["status"].as_str().unwrap().to_owned(),
                i["member_status"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[actix_rt::test]
async fn an_excel_file_enrols_existing_accounts_and_invites_new_ones() {
    // Two seats: Awa and the known learner take them; Binta and Chris wait.
    let s = setup(2, |_| {}).await;
    let known = s.app.user(UserSpec {
        email: Some("known@example.org"),
        ..Default::default()
    });

    let dry = s.import(&s.admin, EXCEL, true).await;
    assert_eq!(dry.status, 200, "{}", dry.text());
    let report = dry.json();
    let expected = vec![
        (2, "created".to_owned(), Some("active".to_owned())),
        (3, "created".to_owned(), Some("active".to_owned())),
        (4, "enrolled".to_owned(), Some("active".to_owned())),
        (6, "created".to_owned(), Some("waitlisted".to_owned())),
        (7, "duplicate".to_owned(), None),
        (8, "created".to_owned(), Some("waitlisted".to_owned())),
    ];
    assert_eq!(statuses(&report), expected);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["created_accounts"], 4);
    assert_eq!(report["enrolled"], 5);
    assert_eq!(report["waitlisted"], 2);
    assert_eq!(report["errors"], json!([]));
    // A dry run names existing accounts only, and invites nobody.
    assert_eq!(report["items"][2]["user_id"], known.user_id.as_str());
    assert!(report["items"][0]["user_id"].is_null() && report["items"][0]["invite_url"].is_null());
    assert!(s.members().await.is_empty(), "a dry run writes nothing");

    let real = s.import(&s.admin, EXCEL, false).await;
    assert_eq!(real.status, 200, "{}", real.text());
    let report = real.json();
    assert_eq!(
        statuses(&report),
        expected,
        "the dry run said what the real run did"
    );
    assert_eq!(report["dry_run"], false);
    let awa = &report["items"][0];
    assert!(awa["user_id"].is_string());
    let invite = awa["invite_url"].as_str().unwrap();
    assert!(invite.contains("/api/v1/auth/invitations/"), "{invite}");
    assert!(
        report["items"][2]["invite_url"].is_null(),
        "the known account has a password"
    );

    let members = s.members().await;
    assert_eq!(members.len(), 5);
    let awa_member = members
        .iter()
        .find(|m| m["email"] == "awa@example.org")
        .unwrap();
    assert_eq!(awa_member["full_name"], "Awa Traoré");
    let koffi = members
        .iter()
        .find(|m| m["email"] == "koffi@example.org")
        .unwrap();
    assert_eq!(
        (koffi["role"].as_str(), koffi["status"].as_str()),
        (Some("trainer"), Some("active"))
    );

    // Twice is harmless.
    let again = s.import(&s.admin, EXCEL, false).await.json();
    assert_eq!(again["created_accounts"], 0);
    assert_eq!(again["enrolled"], 0);
    assert_eq!(again["already_members"], 5);
    assert_eq!(s.members().await.len(), 5);

    // A freed seat goes to the waitlist in file order: Binta before Chris.
    let res = s
        .app
        .delete(
            &format!("/api/v1/cohorts/{}/members/{}", s.cohort, known.user_id),
            Some(&s.admin.access_token),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    let members = s.members().await;
    let status_of =
        |email: &str| members.iter().find(|m| m["email"] == email).unwrap()["status"].clone();
    assert_eq!(status_of("binta@example.org"), "active");
    assert_eq!(status_of("chris@example.org"), "waitlisted");

    // A name that looks like a formula is kept as typed, and guarded in CSV out.
    let csv = s
        .app
        .request(
            Method::GET,
            &format!("/api/v1/cohorts/{}/attendance?format=csv", s.cohort),
            Some(&s.admin.access_token),
            None,
            &[],
        )
        .await;
    assert_eq!(csv.status, 200);
    let text = csv.text();
    assert!(
        text.contains("'=Binta Ouédraogo") && !text.contains(",=Binta"),
        "{text}"
    );
}

#[actix_rt::test]
async fn an_invitation_sets_a_password_once_and_signs_in() {
    let s = setup(10, |_| {}).await;
    let file =
        "email,full_name,country_code\nawa@example.org,Awa Traoré,CI\nbinta@example.org,Binta,BF\n";
    let report = s.import(&s.admin, file, false).await.json();
    let path = |i: usize| {
        let url = report["items"][i]["invite_url"].as_str().unwrap();
        url[url.find("/api/v1/").unwrap()..].to_owned()
    };
    let (awa, binta) = (path(0), path(1));

    // No password yet: signing in fails like a wrong password.
    s.app
        .login("awa@example.org", "whatever password")
        .await
        .assert_problem(401, "unauthorized");
    let peek = s.app.get(&awa, None).await;
    assert_eq!(peek.status, 200, "{}", peek.text());
    assert_eq!(peek.json()["full_name"], "Awa Traoré");
    assert_eq!(peek.json()["email"], "awa@example.org");

    s.app
        .post(&awa, None, &json!({ "password": "short" }))
        .await
        .assert_problem(422, "validation_failed");
    let password = json!({ "password": "un mot de passe solide" });
    let results =
        futures_util::future::join_all((0..4).map(|_| s.app.post(&awa, None, &password))).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 410),
        "{statuses:?}"
    );
    let signed_in = results.iter().find(|r| r.status == 200).unwrap().json();
    assert!(signed_in["access_token"].is_string() && signed_in["refresh_token"].is_string());
    assert_eq!(signed_in["user"]["email"], "awa@example.org");
    assert_eq!(
        s.app
            .login("awa@example.org", "un mot de passe solide")
            .await
            .status,
        200
    );
    s.app
        .get(&awa, None)
        .await
        .assert_problem(410, "invitation_used");

    // Fourteen days, then gone.
    s.app
        .clock
        .advance(Duration::days(14) + Duration::seconds(1));
    s.app
        .post(
            &binta,
            None,
            &json!({ "password": "un mot de passe solide" }),
        )
        .await
        .assert_problem(410, "invitation_expired");
    s.app
        .get("/api/v1/auth/invitations/nope", None)
        .await
        .assert_problem(404, "not_found");
    // Importing again hands out no link: neither account is new.
    let admin = s.app.admin();
    let again = s.import(&admin, file, false).await.json();
    assert_eq!(again["already_members"], 2);
    assert!(
        again["items"][0]["invite_url"].is_null() && again["items"][1]["invite_url"].is_null(),
        "{again}"
    );

    // Housekeeping forgets spent and expired links a month on, not before.
    let now = s.app.clock.now_naive();
    let run = |at| {
        s.app
            .db(|conn| griot::app::housekeeping::run_once(conn, &s.app.settings, at))
            .unwrap()
    };
    assert_eq!(run(now).invitations, 0);
    assert_eq!(run(now + Duration::days(31)).invitations, 2);
    s.app
        .get(&binta, None)
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn another_countrys_import_of_an_invited_learner_yields_no_sign_in_link() {
    // Arrange: the BF coordinator imports a learner, whose link is theirs.
    let s = setup(10, |_| {}).await;
    let bf = s.app.user(UserSpec {
        country: Some("BF"),
        ..Default::default()
    });
    s.app.make_coordinator(&bf, "BF");
    let bf_cohort = s
        .app
        .cohort(
            &bf,
            json!({ "country_code": "BF", "name": "Cohorte Ouaga" }),
        )
        .await;
    let ci = s.app.user(UserSpec::default());
    s.app.make_coordinator(&ci, "CI");
    let file = "email,full_name,country_code\nawa@example.org,Awa Traoré,BF\n";
    let bf_report = s
        .app
        .send_raw(
            Method::POST,
            &format!("/api/v1/cohorts/{bf_cohort}/members/import"),
            Some(&bf.access_token),
            "text/csv",
            file.as_bytes().to_vec(),
            false,
        )
        .await;
    assert_eq!(bf_report.status, 200, "{}", bf_report.text());
    let own = bf_report.json()["items"][0]["invite_url"]
        .as_str()
        .expect("the new account's link")
        .to_owned();
    let own = &own[own.find("/api/v1/").unwrap()..];

    // Act: the CI coordinator imports the same email, in any case, into a
    // CI cohort, then a dry run and a real run again.
    let upper = "email,full_name,country_code\nAWA@Example.org,Awa T,CI\n";
    let dry = s.import(&ci, upper, true).await;
    let real = s.import(&ci, upper, false).await;
    let again = s.import(&ci, upper, false).await;

    // Assert: enrolled, but no link to the account; the owner's link works.
    for res in [&dry, &real, &again] {
        assert_eq!(res.status, 200, "{}", res.text());
        let item = &res.json()["items"][0];
        assert!(item["invite_url"].is_null(), "{item}");
    }
    let item = &real.json()["items"][0];
    assert_eq!(item["status"], "enrolled");
    assert_eq!(item["member_status"], "active");
    assert_eq!(real.json()["created_accounts"], 0);
    let peek = s.app.get(own, None).await;
    assert_eq!(peek.status, 200, "{}", peek.text());
    let redeemed = s
        .app
        .post(own, None, &json!({ "password": "un mot de passe solide" }))
        .await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.text());
    assert_eq!(redeemed.json()["user"]["email"], "awa@example.org");
    let invitations: i64 = s.app.db(|conn| {
        use diesel::{QueryDsl, RunQueryDsl};
        griot::schema::invitations::table
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(invitations, 1, "the CI imports minted no invitation");
}

#[actix_rt::test]
async fn a_real_run_with_any_error_writes_nothing() {
    let s = setup(10, |_| {}).await;
    let file = "email;full_name;country_code;role\n\
        awa@example.org;Awa;CI;\n\
        not-an-email;Binta;BF;\n\
        chris@example.org;Chris;ZZ;\n\
        dede@example.org;;CI;boss\n";
    let res = s.import(&s.admin, file, false).await;
    let problem = res.assert_problem(422, "validation_failed");
    let fields: Vec<String> = problem["errors"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        fields,
        [
            "line 3: email",
            "line 4: country_code",
            "line 5: full_name",
            "line 5: role"
        ]
    );
    assert!(s.members().await.is_empty());
    // Awa's account was not created either: a dry run would still create it.
    let dry = s.import(&s.admin, file, true).await;
    assert_eq!(dry.status, 200, "{}", dry.text());
    let report = dry.json();
    assert_eq!(
        statuses(&report),
        vec![(2, "created".to_owned(), Some("active".to_owned()))]
    );
    let errors: Vec<(u64, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (3, "email"),
            (4, "country_code"),
            (5, "full_name"),
            (5, "role")
        ]
    );
    assert_eq!(report["errors"][0]["message"], "Adresse e-mail invalide.");
    let english = s
        .app
        .send(
            Method::POST,
            &format!("/api/v1/cohorts/{}/members/import?dry_run=true", s.cohort),
            Some(&s.admin.access_token),
            &[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Accept-Language", "en"),
            ],
            Some(file.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(
        english.json()["errors"][0]["message"],
        "Invalid email address."
    );
}

#[actix_rt::test]
async fn limits_types_and_encodings_are_refused_with_their_lines() {
    let s = setup(10, |st| {
        st.import_max_rows = 3;
        st.import_max_bytes = 1024;
    })
    .await;
    let mut file = String::from("email,full_name,country_code\n");
    for i in 0..4 {
        file.push_str(&format!("u{i}@example.org,U {i},CI\n"));
    }
    let problem = s
        .import(&s.admin, &file, false)
        .await
        .assert_problem(422, "validation_failed");
    assert!(problem["errors"]["line 5: file"].is_array(), "{problem}");
    let big = format!(
        "email,full_name,country_code\n{}",
        "a@example.org,A,CI\n".repeat(60)
    );
    s.import(&s.admin, &big, true)
        .await
        .assert_problem(413, "payload_too_large");
    let latin1 = b"email,full_name,country_code\na@example.org,Aw\xe9,CI\n".to_vec();
    let problem = s
        .import_bytes(&s.admin, latin1, "text/csv", false)
        .await
        .assert_problem(422, "validation_failed");
    assert!(problem["errors"]["line 2: file"].is_array(), "{problem}");
    // A header without its columns leaves nothing to preview: even a dry
    // run is refused, naming the missing columns.
    let missing = s
        .import(&s.admin, "email,name\na@example.org,A\n", true)
        .await
        .assert_problem(422, "validation_failed");
    assert!(
        missing["errors"]["line 1: country_code"].is_array(),
        "{missing}"
    );
    let number = s.import(&s.admin, "-8420317579912144.0", true).await;
    number.assert_problem(422, "validation_failed");
    let json_body = s
        .import_bytes(&s.admin, b"{}".to_vec(), "application/json", false)
        .await;
    json_body.assert_problem(415, "unsupported_media_type");
    // Excel's own type, as browsers on Windows send a .csv, is a CSV.
    let ok = s
        .import_bytes(
            &s.admin,
            b"email,full_name,country_code\na@example.org,A,CI\n".to_vec(),
            "application/vnd.ms-excel",
            false,
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(s.members().await.len() == 1);
}

#[actix_rt::test]
async fn only_the_cohorts_staff_import() {
    let s = setup(10, |_| {}).await;
    let file = "email,full_name,country_code\na@example.org,A,CI\n";
    let learner = s.app.user(UserSpec::default());
    s.app.enrol(&s.admin, &s.cohort, &learner, "learner").await;
    s.import(&learner, file, true)
        .await
        .assert_problem(403, "forbidden");
    let outsider = s.app.user(UserSpec::default());
    s.import(&outsider, file, true)
        .await
        .assert_problem(404, "not_found");
    let elsewhere = s.app.user(UserSpec {
        country: Some("BF"),
        ..Default::default()
    });
    s.app.make_coordinator(&elsewhere, "BF");
    s.import(&elsewhere, file, true)
        .await
        .assert_problem(404, "not_found");
    let coordinator = s.app.user(UserSpec::default());
    s.app.make_coordinator(&coordinator, "CI");
    let res = s.import(&coordinator, file, false).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["created_accounts"], 1);
}
