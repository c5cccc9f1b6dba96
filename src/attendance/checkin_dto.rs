//! Request and response bodies of self check-in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct OpenWindowRequest {
    /// How long learners may check in, 1–240 minutes.
    #[validate(range(min = 1, max = 240))]
    #[schema(minimum = 1, maximum = 240)]
    pub minutes: i64,
}

/// The code to show learners, e.g. on a projector.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInCode {
    #[schema(example = "042917")]
    pub code: String,
    pub rotates_every_seconds: i32,
    /// When this code gives way to the next (the previous one stays valid one more period).
    pub code_valid_until: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// Text for a QR code: `griot:check-in?session_id=…&code=…`.
    pub qr_payload: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CheckInRequest {
    #[validate(length(min = 1, max = 12))]
    #[schema(example = "042917", min_length = 1, max_length = 12)]
    pub code: String,
    /// For a check-in made offline and sent later: when the phone scanned
    /// the code. It counts if the code was valid then, the instant lies in
    /// the check-in window (give or take 120 s: phone clocks drift) and is
    /// at most 120 s ahead of the server's clock, and the replay arrives
    /// within `CHECK_IN_REPLAY_HOURS` of the window's close.
    #[validate(custom(function = "crate::validation::sane_instant"))]
    pub scanned_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}
