//! Request and response bodies of the member endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rows::MemberRow;
use crate::users::UserId;
use crate::vocab::{CohortId, MemberRole, MemberStatus};

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipDto {
    pub cohort_id: CohortId,
    pub user_id: UserId,
    pub role: MemberRole,
    pub status: MemberStatus,
    pub full_name: String,
    pub email: String,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<MemberRow> for MembershipDto {
    fn from((m, full_name, email): MemberRow) -> Self {
        MembershipDto {
            cohort_id: m.cohort_id,
            user_id: m.user_id,
            role: m.role,
            status: m.status,
            full_name,
            email,
            created_at: m.created_at.and_utc(),
            updated_at: m.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberFilters {
    pub role: Option<MemberRole>,
    pub status: Option<MemberStatus>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct AddMemberRequest {
    pub user_id: UserId,
    pub role: MemberRole,
    /// For learners: `active` (default; waitlisted if full), `pending` or
    /// `waitlisted`. Trainers are always `active`.
    pub status: Option<MemberStatus>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateMemberRequest {
    /// `active` admits (or waitlists if full), `rejected`, `withdrawn`,
    /// `completed`, `pending`, `waitlisted`.
    pub status: Option<MemberStatus>,
    pub role: Option<MemberRole>,
}
