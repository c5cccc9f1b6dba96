//! The OpenAPI 3.1 document, generated from the handlers' annotations. The
//! committed copy at `api-spec/openapi.json` is checked against it by a test.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{attendance, auth, cohorts, countries, error, health, programmes, sessions, users};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "griot",
        description = "Cohort LMS backend: the JSON REST API behind training programmes' web and \
                       mobile apps.\n\nErrors are `application/problem+json` (RFC 9457) with a \
                       stable `code`; messages follow `Accept-Language` (French by default). Lists \
                       return `{items, next_cursor}` with keyset pagination (`limit` ≤ 200).",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(
        health::live,
        health::ready,
        auth::routes::register,
        auth::routes::login,
        auth::routes::refresh_tokens,
        auth::routes::logout,
        users::routes::get_me,
        users::routes::update_me,
        users::routes::change_password,
        countries::list_countries,
        countries::create_country,
        countries::coordinators::list_coordinators,
        countries::coordinators::add_coordinator,
        countries::coordinators::remove_coordinator,
        users::directory::list_users,
        users::directory::get_user,
        users::directory::update_user,
        programmes::list_programmes,
        programmes::create_programme,
        programmes::get_programme,
        programmes::update_programme,
        programmes::delete_programme,
        cohorts::list_cohorts,
        cohorts::create_cohort,
        cohorts::get_cohort,
        cohorts::update_cohort,
        cohorts::members::apply,
        cohorts::members::list_members,
        cohorts::members::add_member,
        cohorts::members::update_member,
        cohorts::members::remove_member,
        attendance::roster,
        attendance::mark,
        attendance::history,
        attendance::checkin::open_window,
        attendance::checkin::current_code,
        attendance::checkin::check_in,
        attendance::report::cohort_report,
        attendance::report::my_attendance,
        sessions::list_sessions,
        sessions::create_session,
        sessions::get_session,
        sessions::update_session,
        sessions::delete_session,
        sessions::calendar::create_token,
        sessions::calendar::revoke_token,
        sessions::calendar::cohort_feed,
        sessions::calendar::my_feed,
    ),
    components(schemas(error::Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Registration, sign-in and tokens"),
        (name = "me", description = "The signed-in account"),
        (name = "countries", description = "Country chapters"),
        (name = "users", description = "The user directory, for admins and country coordinators"),
        (name = "programmes", description = "Programmes and their completion rules"),
        (name = "cohorts", description = "Runs of a programme, per country or pan-African"),
        (name = "members", description = "Applications, enrolment, waitlist"),
        (name = "sessions", description = "Master classes, case studies, workshops, meetups and events of a cohort"),
        (name = "calendar", description = "iCalendar (RFC 5545) feeds for calendar apps, and their tokens"),
        (name = "attendance", description = "Roll call, self check-in with rotating codes, reports"),
        (name = "health", description = "Probes for orchestrators"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as committed: pretty JSON with a final newline.
pub fn spec_json() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}
