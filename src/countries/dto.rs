//! What clients send and receive about country chapters.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::validation::{iana_timezone, not_blank, upper_letters, TimeZoneName};

use super::rows::{ChapterRole, Country, Term};
use crate::vocab::UserId;

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
    #[schema(example = "SN", pattern = "^[A-Z]{2}$")]
    pub code: String,
    #[validate(custom(function = "not_blank"), length(max = 100))]
    #[schema(example = "Sénégal", min_length = 1, max_length = 100)]
    pub name: String,
    /// IANA time zone.
    #[validate(custom(function = "iana_timezone"))]
    #[schema(value_type = TimeZoneName)]
    pub timezone: String,
    /// ISO 4217, upper case.
    #[validate(custom(function = "currency_code"))]
    #[schema(example = "XOF", pattern = "^[A-Z]{3}$")]
    pub currency: String,
}

/// One term in a chapter's team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberDto {
    pub user_id: UserId,
    pub full_name: String,
    pub role: ChapterRole,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub since: DateTime<Utc>,
    /// Null while the person still holds the role.
    #[serde(serialize_with = "crate::db::instants::utc_opt")]
    pub until: Option<DateTime<Utc>>,
}

impl TeamMemberDto {
    pub fn new(term: Term, full_name: String) -> Self {
        Self {
            user_id: term.user_id,
            full_name,
            role: term.role,
            since: term.since.and_utc(),
            until: term.until.map(|u| u.and_utc()),
        }
    }
}
