//! Country chapters: the seven are seeded by migration; admins add more.

pub mod coordinators;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::access::require_admin;
use crate::db::{self, write_tx};
use crate::error::{AppError, Msg, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::pagination::Page;
use crate::schema::countries;
use crate::state::AppState;
use crate::validation::{iana_timezone, not_blank, upper_letters};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = countries)]
pub struct Country {
    pub code: String,
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountryDto {
    #[schema(example = "CI")]
    pub code: String,
    #[schema(example = "Côte d'Ivoire")]
    pub name: String,
    #[schema(example = "Africa/Abidjan")]
    pub timezone: String,
    #[schema(example = "XOF")]
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

impl From<Country> for CountryDto {
    fn from(c: Country) -> Self {
        Self {
            code: c.code,
            name: c.name,
            timezone: c.timezone,
            currency: c.currency,
            created_at: c.created_at.and_utc(),
        }
    }
}

fn country_code(v: &str) -> Result<(), ValidationError> {
    upper_letters(v, 2)
}

fn currency_code(v: &str) -> Result<(), ValidationError> {
    upper_letters(v, 3)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateCountryRequest {
    /// ISO 3166-1 alpha-2, upper case.
    #[validate(custom(function = "country_code"))]
    #[schema(example = "SN")]
    pub code: String,
    #[validate(custom(function = "not_blank"), length(max = 100))]
    #[schema(example = "Sénégal")]
    pub name: String,
    /// IANA time zone.
    #[validate(custom(function = "iana_timezone"))]
    #[schema(example = "Africa/Dakar")]
    pub timezone: String,
    /// ISO 4217, upper case.
    #[validate(custom(function = "currency_code"))]
    #[schema(example = "XOF")]
    pub currency: String,
}

pub fn find(conn: &mut db::DbConnection, code: &str) -> QueryResult<Option<Country>> {
    countries::table
        .find(code)
        .select(Country::as_select())
        .first(conn)
        .optional()
}

/// `GET /api/v1/countries`: every country chapter (public).
#[utoipa::path(
    get, path = "/api/v1/countries", tag = "countries",
    responses((status = 200, body = Page<CountryDto>))
)]
pub async fn list_countries(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, |conn| {
        Ok(countries::table
            .order(countries::code.asc())
            .select(Country::as_select())
            .load(conn)?)
    })
    .await?;
    let page = Page {
        items: rows.into_iter().map(CountryDto::from).collect(),
        next_cursor: None,
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(page))
}

/// `POST /api/v1/countries`: add a country chapter (admin).
#[utoipa::path(
    post, path = "/api/v1/countries", tag = "countries",
    security(("bearer" = [])),
    request_body = CreateCountryRequest,
    responses(
        (status = 201, body = CountryDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_country(
    state: web::Data<AppState>,
    auth: AuthUser,
    Json(body): Json<CreateCountryRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let country = db::run(&state.pool, move |conn| {
        require_admin(&crate::users::actor(conn, &auth)?)?;
        write_tx(conn, |conn| {
            if find(conn, &body.code)?.is_some() {
                return Err(AppError::Conflict(Msg::CountryExists));
            }
            let row = Country {
                code: body.code,
                name: body.name.trim().to_owned(),
                timezone: body.timezone,
                currency: body.currency,
                created_at: now,
            };
            diesel::insert_into(countries::table)
                .values(&row)
                .execute(conn)?;
            Ok(row)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(CountryDto::from(country)))
}
