//! What clients send and receive about programmes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::users::Language;
use crate::validation::not_blank;
use crate::vocab::ProgrammeId;

use super::rows::Programme;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeDto {
    pub id: ProgrammeId,
    pub title: String,
    pub description: String,
    pub language: Language,
    /// Minimum attendance rate (0–100) to complete the programme.
    pub min_attendance_rate: i32,
    /// Case-study submissions that must be accepted to complete it.
    pub required_submissions: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Programme> for ProgrammeDto {
    fn from(p: Programme) -> Self {
        Self {
            id: p.id,
            title: p.title,
            description: p.description,
            language: p.language,
            min_attendance_rate: p.min_attendance_rate,
            required_submissions: p.required_submissions,
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateProgrammeRequest {
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    #[serde(default)]
    pub description: String,
    /// Defaults to `fr`.
    pub language: Option<Language>,
    /// 0–100, default 75.
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub min_attendance_rate: Option<i32>,
    /// Default 0.
    #[validate(range(min = 0, max = 1000))]
    #[schema(minimum = 0, maximum = 1000)]
    pub required_submissions: Option<i32>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateProgrammeRequest {
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    pub language: Option<Language>,
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub min_attendance_rate: Option<i32>,
    #[validate(range(min = 0, max = 1000))]
    #[schema(minimum = 0, maximum = 1000)]
    pub required_submissions: Option<i32>,
}
