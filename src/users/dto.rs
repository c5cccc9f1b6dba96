//! What clients send and receive about accounts: [`UserDto`] (never the
//! password hash), the `/me` and directory request bodies and filters.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::crypto::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::validation::not_blank;
use crate::vocab::UserId;

use super::rows::{Language, ProfileType, User};

/// A user as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: UserId,
    pub email: String,
    pub full_name: String,
    pub country_code: String,
    pub profile_type: ProfileType,
    pub language: Language,
    pub is_admin: bool,
    /// False once an administrator deactivated the account.
    pub is_active: bool,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            full_name: u.full_name,
            country_code: u.country_code,
            profile_type: u.profile_type,
            language: u.language,
            is_admin: u.is_admin,
            is_active: u.is_active,
            created_at: u.created_at.and_utc(),
            updated_at: u.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateMeRequest {
    #[validate(custom(function = "not_blank"), length(max = 120))]
    #[schema(min_length = 1, max_length = 120)]
    pub full_name: Option<String>,
    #[validate(length(equal = 2))]
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country_code: Option<String>,
    pub profile_type: Option<ProfileType>,
    pub language: Option<Language>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = MAX_PASSWORD_CHARS))]
    #[schema(min_length = 1, max_length = 256)]
    // MAX_PASSWORD_CHARS (a literal here; a test checks)
    pub current_password: String,
    #[validate(length(min = MIN_PASSWORD_CHARS, max = MAX_PASSWORD_CHARS))]
    #[schema(min_length = 10, max_length = 256)] // MIN_, MAX_PASSWORD_CHARS (a test checks)
    pub new_password: String,
}

/// Longest accepted `?q=`: a substring search scans rows, keep it bounded.
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only members of this country (ISO 3166-1 alpha-2). A coordinator may
    /// only name a country they coordinate.
    pub country: Option<String>,
    /// Case-insensitive substring of the full name or the e-mail address.
    #[param(max_length = 100)] // MAX_QUERY_CHARS
    pub q: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateUserRequest {
    #[validate(custom(function = "not_blank"), length(max = 120))]
    #[schema(min_length = 1, max_length = 120)]
    pub full_name: Option<String>,
    /// A coordinator may only move a member to a country they coordinate.
    #[validate(length(equal = 2))]
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country_code: Option<String>,
    pub profile_type: Option<ProfileType>,
    pub language: Option<Language>,
    /// Admins only. `false` signs the account out everywhere and refuses
    /// its logins until it is set back to `true`.
    pub is_active: Option<bool>,
    /// Admins only.
    pub is_admin: Option<bool>,
}
