//! The OpenAPI 3.1 document, generated from the handlers' annotations. The
//! committed copy at `api-spec/openapi.json` is checked against it by a test.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{auth, countries, error, health, users};

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
    ),
    components(schemas(error::Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Registration, sign-in and tokens"),
        (name = "me", description = "The signed-in account"),
        (name = "countries", description = "Country chapters"),
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
