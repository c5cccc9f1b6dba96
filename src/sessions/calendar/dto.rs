//! Request and response bodies of calendar feeds and their tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarTokenDto {
    /// Shown once; only its hash is stored. Creating another one revokes it.
    pub token: String,
    /// Path of the personal feed, token included.
    #[schema(example = "/api/v1/me/calendar.ics?token=…")]
    pub me_feed_path: String,
    /// The same as an absolute URL, as this server was reached (swap
    /// `https://` for `webcal://` to open a subscription dialog).
    pub me_feed_url: String,
    /// Path of a cohort's feed with this token; replace `{id}`.
    #[schema(example = "/api/v1/cohorts/{id}/calendar.ics?token=…")]
    pub cohort_feed_path_template: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Feed token from `POST /api/v1/me/calendar-token`, for apps that
    /// cannot send `Authorization: Bearer`.
    pub token: Option<String>,
}
