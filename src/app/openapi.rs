//! The OpenAPI 3.1 document, generated from the handlers' annotations. The
//! committed copy at `api-spec/openapi.json` is checked against it by a test.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::health;
use crate::{
    attendance, auth, casework, cohorts, countries, error, events, home, materials, programmes,
    progress, sessions, sync, users,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "griot",
        description = "Cohort LMS backend: the JSON REST API behind training programmes' web and \
                       mobile apps.\n\nErrors are `application/problem+json` (RFC 9457) with a \
                       stable `code`; messages follow `Accept-Language` (French by default). Lists \
                       return `{items, next_cursor}` with keyset pagination (`limit` ≤ 200).\n\n\
                       Every `GET` answering JSON carries a weak `ETag` and answers `304` to a \
                       matching `If-None-Match`. Every `POST`, `PUT`, `PATCH` and `DELETE` of a \
                       signed-in user takes an `Idempotency-Key` header (1–255 visible ASCII \
                       characters, a UUID say): a retry with the same key and body within 24 hours \
                       gets the first answer again with `Idempotent-Replayed: true` and changes \
                       nothing; the same key with another request is a `422`; a twin arriving \
                       while the first runs waits for it and gets its answer; after 24 hours the \
                       same request is a `409` (`idempotency_key_expired`), never run again.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    paths(
        health::live,
        health::ready,
        auth::routes::register,
        auth::routes::login,
        auth::routes::refresh_tokens,
        auth::routes::logout,
        auth::routes::get_invitation,
        auth::routes::redeem_invitation,
        users::routes::get_me,
        users::routes::update_me,
        users::routes::change_password,
        countries::routes::list_countries,
        countries::routes::create_country,
        countries::routes::list_coordinators,
        countries::routes::add_coordinator,
        countries::routes::remove_coordinator,
        countries::routes::chapter_team,
        countries::routes::add_volunteer,
        countries::routes::remove_volunteer,
        users::routes::list_users,
        users::routes::get_user,
        users::routes::update_user,
        programmes::routes::list_programmes,
        programmes::routes::create_programme,
        programmes::routes::get_programme,
        programmes::routes::update_programme,
        programmes::routes::delete_programme,
        cohorts::routes::list_cohorts,
        cohorts::routes::create_cohort,
        cohorts::routes::get_cohort,
        cohorts::routes::update_cohort,
        cohorts::members::routes::apply,
        cohorts::members::routes::list_members,
        cohorts::members::routes::add_member,
        cohorts::members::routes::update_member,
        cohorts::members::routes::remove_member,
        cohorts::members::routes::import_members,
        attendance::routes::roster,
        attendance::routes::mark,
        attendance::routes::history,
        attendance::checkin_routes::open_window,
        attendance::checkin_routes::current_code,
        attendance::checkin_routes::check_in,
        attendance::report_routes::cohort_report,
        attendance::report_routes::my_attendance,
        attendance::feedback_routes::give_feedback,
        attendance::feedback_routes::session_feedback,
        attendance::feedback_routes::cohort_feedback,
        sessions::routes::list_sessions,
        sessions::routes::create_session,
        sessions::routes::get_session,
        sessions::routes::update_session,
        sessions::routes::delete_session,
        sessions::routes::create_series,
        sessions::routes::cancel_series,
        sessions::calendar::routes::create_token,
        sessions::calendar::routes::revoke_token,
        sessions::calendar::routes::cohort_feed,
        sessions::calendar::routes::my_feed,
        materials::routes::create_material,
        materials::routes::list_materials,
        materials::routes::download,
        materials::routes::delete_material,
        materials::routes::add_variant,
        materials::uploads::routes::options,
        materials::uploads::routes::create,
        materials::uploads::routes::head,
        materials::uploads::routes::patch,
        materials::uploads::routes::terminate,
        casework::routes::create_assignment,
        casework::routes::get_assignment,
        casework::routes::update_assignment,
        casework::routes::cohort_assignments,
        casework::routes::hand_in,
        casework::routes::list_submissions,
        casework::routes::review_submission,
        casework::routes::submission_history,
        casework::routes::submission_attachment,
        progress::routes::my_progress,
        progress::routes::cohort_progress,
        progress::routes::issue_certificates,
        progress::routes::my_certificates,
        progress::routes::verify_certificate,
        progress::routes::revoke_certificate,
        events::routes::list_events,
        events::routes::create_event,
        events::routes::get_event,
        events::routes::update_event,
        events::routes::event_calendar,
        events::routes::register_for_event,
        events::routes::list_registrations,
        events::routes::get_registration,
        events::routes::cancel_registration,
        events::routes::check_in_ticket,
        events::routes::my_registrations,
        home::routes::my_home,
        sync::routes::sync,
    ),
    components(schemas(
        error::Problem,
        materials::uploads::routes::TusResumable,
        materials::uploads::UploadId
    )),
    modifiers(&BearerAuth, &IdempotencyKeys, &CommonProblems, &PlainText, &Validators, &SeveralBodies),
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
        (name = "materials", description = "Recordings, slides, documents and links of a session: streamed uploads, resumable downloads"),
        (name = "case studies", description = "Assignments of case-study sessions, work handed in, reviews"),
        (name = "progress", description = "Where learners stand against the programme's completion rule"),
        (name = "certificates", description = "Issued to learners who completed; verified by anyone from their code"),
        (name = "events", description = "Community events open to members and guests: registration with a waitlist, tickets, door check-in"),
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

/// Adds the problems any operation can answer, so each handler documents
/// only its own: 401 when it needs a token; 400, 408, 413, 415 and 422 when it
/// takes a body; 400, 404 and 422 when it takes path or query parameters;
/// 500 and 503 everywhere.
struct CommonProblems;

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for op in ops.into_iter().flatten() {
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem_response(description).into());
                };
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = op.request_body.is_some();
                let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                if secured {
                    add(
                        "401",
                        "Missing, invalid or expired access token (`unauthorized`)",
                    );
                }
                if has_body {
                    add("400", "Malformed JSON (`bad_request`)");
                    add(
                        "408",
                        "Body not received within `BODY_READ_TIMEOUT_SECONDS` (`request_timeout`)",
                    );
                    add("413", "Body too large (`payload_too_large`)");
                    add("415", "Body is not JSON (`unsupported_media_type`)");
                    add("422", "Invalid fields (`validation_failed`, see `errors`)");
                }
                if has_params {
                    add("400", "Malformed query parameter (`bad_request`)");
                    add(
                        "404",
                        "Not found, or not visible to the caller (`not_found`)",
                    );
                    add(
                        "422",
                        "Invalid parameter such as `limit` or `cursor` (`validation_failed`)",
                    );
                }
                add(
                    "500",
                    "Unexpected error; the cause is only logged (`internal_error`)",
                );
                add(
                    "503",
                    "Database unreachable or overloaded (`service_unavailable`)",
                );
                // Every response object needs a description (OpenAPI 3.1
                // requires it; generators refuse the document without).
                for (status, response) in op.responses.responses.iter_mut() {
                    if let utoipa::openapi::RefOr::T(response) = response {
                        if response.description.is_empty() {
                            response.description = default_description(status).to_owned();
                        }
                    }
                }
            }
        }
    }
}

/// Every write of a signed-in user takes an `Idempotency-Key`
/// (`app::idempotency`, described in the document's introduction): the
/// 409 of a twin still running and the 422 of a key reused for another
/// request. The header is not listed per operation: a fuzzer drawing keys
/// would reuse them across bodies and test the replay, not the operation.
/// Runs before [`CommonProblems`], which leaves an operation's own 409 and
/// 422 alone.
struct IdempotencyKeys;

impl Modify for IdempotencyKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for op in ops.into_iter().flatten() {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                if !secured {
                    continue;
                }
                let responses = &mut op.responses.responses;
                responses.entry("409".to_owned()).or_insert_with(|| {
                    problem_response("A conflict, or this request already ran with this `Idempotency-Key` more than 24 hours ago (`idempotency_key_expired`): its answer is no longer kept").into()
                });
                responses.entry("422".to_owned()).or_insert_with(|| {
                    problem_response("Invalid fields, or an `Idempotency-Key` already used for another request (`validation_failed`)").into()
                });
            }
        }
    }
}

/// Every `GET` answering JSON has a validator (`app::validators`): its
/// `200` carries an `ETag`, it takes `If-None-Match`, and it may answer
/// `304`.
struct Validators;

impl Modify for Validators {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{RefOr, Required, ResponseBuilder};
        let string = || ObjectBuilder::new().schema_type(Type::String).build();
        for item in openapi.paths.paths.values_mut() {
            let Some(op) = item.get.as_mut() else {
                continue;
            };
            let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") else {
                continue;
            };
            if !ok.content.contains_key("application/json") {
                continue;
            }
            ok.headers.entry("ETag".to_owned()).or_insert_with(|| {
                RefOr::T(
                    HeaderBuilder::new()
                        .schema(Some(string()))
                        .description(Some(
                            "Weak validator of this answer; send it back in `If-None-Match`",
                        ))
                        .build(),
                )
            });
            op.responses
                .responses
                .entry("304".to_owned())
                .or_insert_with(|| {
                    ResponseBuilder::new()
                        .description("Unchanged since the ETag sent in `If-None-Match`")
                        .build()
                        .into()
                });
            let params = op.parameters.get_or_insert_with(Vec::new);
            let named = params
                .iter()
                .any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("If-None-Match")));
            if !named {
                params.push(RefOr::T(
                    ParameterBuilder::new()
                        .name("If-None-Match")
                        .parameter_in(ParameterIn::Header)
                        .required(Required::False)
                        .description(Some("The `ETag` of an answer the client holds"))
                        .schema(Some(string()))
                        .build(),
                ));
            }
        }
    }
}

/// An operation that takes its body in several types (a file as a form or
/// a link as JSON; work handed in either way) lists `Accept-Language`, the
/// language of its problems' messages, which every operation honours.
/// Generated Python clients need it: openapi-python-client (0.29.1, its
/// issue 1451) writes such an operation's `body` as optional without
/// importing `Unset` unless some parameter is optional, and the module then
/// fails on import.
struct SeveralBodies;

impl Modify for SeveralBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{RefOr, Required};
        for item in openapi.paths.paths.values_mut() {
            let ops = [item.post.as_mut(), item.put.as_mut(), item.patch.as_mut()];
            for op in ops.into_iter().flatten() {
                let several = matches!(&op.request_body, Some(RefOr::T(b)) if b.content.len() > 1);
                if !several {
                    continue;
                }
                let params = op.parameters.get_or_insert_with(Vec::new);
                let named = params.iter().any(
                    |p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("Accept-Language")),
                );
                if !named {
                    params.push(RefOr::T(
                        ParameterBuilder::new()
                            .name("Accept-Language")
                            .parameter_in(ParameterIn::Header)
                            .required(Required::False)
                            .description(Some(
                                "The language of problem messages: `fr` (the default) or `en`",
                            ))
                            .schema(Some(ObjectBuilder::new().schema_type(Type::String).build()))
                            .build(),
                    ));
                }
            }
        }
    }
}

/// The text rules of the server in the schema of every string a client
/// sends (request bodies, query parameters):
/// - plain text (no format, no list of values) follows `http::control_free`:
///   no NUL or other control character, tab and line breaks aside;
/// - dates and instants follow `validation::sane_date` and `sane_instant`:
///   years 1900–2200, no leap second.
///
/// Generated clients and fuzzers then agree with the server.
struct PlainText;

/// ECMA-262 and Python both read `\uXXXX` in a character class.
const PLAIN_TEXT: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// A `date` within `validation::YEARS` (the day of the month is checked
/// by the format).
const SANE_DATE: &str = "^(19\\d\\d|2[01]\\d\\d|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$";

/// A `date-time` (RFC 3339) whose instant is within `validation::YEARS`
/// whatever its offset (so years 1901–2199), seconds 00–59.
const SANE_INSTANT: &str = "^(190[1-9]|19[1-9]\\d|2[01]\\d\\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$";

impl Modify for PlainText {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::RefOr;
        let mut sent: Vec<String> = Vec::new();
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for op in ops.into_iter().flatten() {
                // Query strings are checked (`http::query_with_control`);
                // headers are read for what they name and ignored otherwise.
                for param in op.parameters.iter_mut().flatten() {
                    if let RefOr::T(param) = param {
                        if param.parameter_in != ParameterIn::Query {
                            continue;
                        }
                        if let Some(RefOr::T(schema)) = param.schema.as_mut() {
                            plain_text(schema);
                        }
                    }
                }
                let bodies = op.request_body.iter().flat_map(|b| match b {
                    RefOr::T(body) => body.content.values().collect::<Vec<_>>(),
                    RefOr::Ref(_) => Vec::new(),
                });
                for content in bodies {
                    let RefOr::T(content) = content else { continue };
                    if let Some(RefOr::Ref(r)) = &content.schema {
                        sent.push(r.ref_location.rsplit('/').next().unwrap_or("").to_owned());
                    }
                }
            }
        }
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        // The schemas sent, and those they name (a roll call's records).
        while let Some(name) = sent.pop() {
            let Some(RefOr::T(schema)) = components.schemas.get_mut(&name) else {
                continue;
            };
            sent.extend(plain_text(schema));
        }
    }
}

/// Puts the pattern on the plain strings of `schema`, its properties and
/// array items; returns the names of the component schemas it refers to.
fn plain_text(schema: &mut utoipa::openapi::schema::Schema) -> Vec<String> {
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    use utoipa::openapi::RefOr;
    let mut refs = Vec::new();
    let walk = |child: &mut RefOr<Schema>, refs: &mut Vec<String>| match child {
        RefOr::T(s) => refs.extend(plain_text(s)),
        RefOr::Ref(r) => refs.push(r.ref_location.rsplit('/').next().unwrap_or("").to_owned()),
    };
    match schema {
        Schema::Object(object) => {
            let is_string = match &object.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(types) => types.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if is_string && object.enum_values.is_none() && object.pattern.is_none() {
                use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
                object.pattern = match &object.format {
                    None => Some(PLAIN_TEXT.to_owned()),
                    Some(SchemaFormat::KnownFormat(KnownFormat::Date)) => {
                        Some(SANE_DATE.to_owned())
                    }
                    Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)) => {
                        Some(SANE_INSTANT.to_owned())
                    }
                    Some(_) => None,
                };
            }
            for property in object.properties.values_mut() {
                walk(property, &mut refs);
            }
        }
        Schema::Array(array) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut array.items {
                walk(items, &mut refs);
            }
        }
        Schema::OneOf(one) => {
            for item in &mut one.items {
                walk(item, &mut refs);
            }
        }
        _ => {}
    }
    refs
}

/// A response of `application/problem+json` with this description.
fn problem_response(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::error::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// What a status means, for responses whose handler says no more.
fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "Done; no content",
        "304" => "Not modified since the ETag sent in `If-None-Match`",
        "400" => "Bad request (`bad_request`)",
        "401" => "Missing, invalid or expired access token (`unauthorized`)",
        "403" => "Not allowed to the caller (`forbidden`)",
        "404" => "Not found, or not visible to the caller (`not_found`)",
        "409" => "Conflicts with the current state (`conflict`)",
        "422" => "Invalid fields (`validation_failed`, see `errors`)",
        "429" => "Too many attempts (`rate_limited`); see `Retry-After`",
        _ => "See the problem's `code`",
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

#[cfg(test)]
mod tests {
    use crate::crypto::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};

    /// utoipa takes only literals for lengths: the password bounds in the
    /// document must follow the constants the server checks.
    #[test]
    fn password_bounds_in_the_document_are_the_servers() {
        let doc: serde_json::Value = serde_json::from_str(&super::spec_json()).unwrap();
        let field = |schema: &str, name: &str| {
            doc["components"]["schemas"][schema]["properties"][name].clone()
        };
        for (schema, name, min) in [
            ("RegisterRequest", "password", MIN_PASSWORD_CHARS),
            ("ChangePasswordRequest", "new_password", MIN_PASSWORD_CHARS),
            ("ChangePasswordRequest", "current_password", 1),
            ("LoginRequest", "password", 1),
        ] {
            let f = field(schema, name);
            assert_eq!(f["minLength"], min, "{schema}.{name}");
            assert_eq!(f["maxLength"], MAX_PASSWORD_CHARS, "{schema}.{name}");
        }
    }

    /// Every `$ref` names a component of the document (a type used only as
    /// a path parameter is not registered by itself).
    #[test]
    fn every_reference_resolves() {
        fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    if let Some(serde_json::Value::String(r)) = m.get("$ref") {
                        out.push(r.clone());
                    }
                    m.values().for_each(|v| refs(v, out));
                }
                serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let doc: serde_json::Value = serde_json::from_str(&super::spec_json()).unwrap();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        for r in found {
            let name = r.trim_start_matches("#/components/schemas/");
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "unresolved {r}"
            );
        }
    }

    /// A date or instant the document's pattern allows, the server accepts:
    /// a fuzzer drawing from the pattern is never refused for the range.
    #[test]
    fn date_patterns_are_within_what_the_server_accepts() {
        use crate::validation::{sane_date, sane_instant};
        let matches = |pattern: &str, value: &str| {
            let schema = serde_json::json!({"type": "string", "pattern": pattern});
            jsonschema::is_valid(&schema, &serde_json::json!(value))
        };
        for (value, allowed) in [
            ("1900-01-01", true),
            ("2200-12-31", true),
            ("1899-12-31", false),
            ("2201-01-01", false),
            ("2026-13-01", false),
            ("", false),
        ] {
            assert_eq!(matches(super::SANE_DATE, value), allowed, "{value}");
            if allowed {
                let on: chrono::NaiveDate = value.parse().unwrap();
                assert!(sane_date(&on).is_ok(), "{value}");
            }
        }
        for (value, allowed) in [
            ("1901-01-01T00:00:00-23:59", true),
            ("1901-01-01T00:00:00+23:59", true),
            ("2199-12-31T23:59:59.999999999+23:59", true),
            ("2199-12-31T23:59:59-23:59", true),
            ("2026-03-02T09:00:00Z", true),
            ("2026-12-31T23:59:60Z", false),
            ("1900-06-01T00:00:00Z", false),
            ("2026-03-02T09:00:00", false),
            ("", false),
        ] {
            assert_eq!(matches(super::SANE_INSTANT, value), allowed, "{value}");
            if allowed {
                let at = chrono::DateTime::parse_from_rfc3339(value).unwrap();
                assert!(sane_instant(&at).is_ok(), "{value}");
            }
        }
    }
}
