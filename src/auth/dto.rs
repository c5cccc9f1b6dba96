//! What clients send to sign in and what they get back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::crypto::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::users::{Language, ProfileType, UserDto};
use crate::validation::{not_blank, trimmed};

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RegisterRequest {
    #[validate(email, length(max = 254))]
    #[serde(deserialize_with = "trimmed")]
    #[schema(example = "awa.traore@example.com", max_length = 254, format = Email)]
    pub email: String,
    /// At least 10 characters.
    #[validate(length(min = MIN_PASSWORD_CHARS, max = MAX_PASSWORD_CHARS))]
    #[schema(min_length = 10, max_length = 256)] // MIN_, MAX_PASSWORD_CHARS (a test checks)
    pub password: String,
    #[validate(custom(function = "not_blank"), length(max = 120))]
    #[schema(min_length = 1, max_length = 120)]
    pub full_name: String,
    /// ISO 3166-1 alpha-2 code of a known country, e.g. `CI`.
    #[validate(length(equal = 2))]
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country_code: String,
    pub profile_type: ProfileType,
    /// Defaults to `fr`.
    pub language: Option<Language>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    #[serde(deserialize_with = "trimmed")]
    pub email: String,
    #[validate(length(min = 1, max = MAX_PASSWORD_CHARS))]
    #[schema(min_length = 1, max_length = 256)]
    // MAX_PASSWORD_CHARS (a literal here; a test checks)
    pub password: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: String,
}

/// Tokens for a session, with the account they belong to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthResponse {
    pub user: UserDto,
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque; single use: every refresh returns a new one.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// The password of an invited account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RedeemInvitationRequest {
    /// At least 10 characters.
    #[validate(length(min = MIN_PASSWORD_CHARS, max = MAX_PASSWORD_CHARS))]
    #[schema(min_length = 10, max_length = 256)] // MIN_, MAX_PASSWORD_CHARS (a test checks)
    pub password: String,
}

/// Whose invitation a link is, for the page that asks for a password.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationDto {
    pub email: String,
    pub full_name: String,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub expires_at: DateTime<Utc>,
}
