//! The body of `/sync`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cohorts::members::Membership;
use crate::vocab::{CohortId, MemberRole, MemberStatus, UserId};

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeType {
    /// `id` is the cohort's.
    Cohort,
    /// The caller's membership; `id` is the cohort's.
    Membership,
    Session,
    /// The caller's attendance record; `id` is the session's.
    Attendance,
    Material,
    Assignment,
    /// One of the caller's submissions (every version).
    Submission,
}

impl ChangeType {
    pub const FIRST_SYNC_ORDER: [ChangeType; 7] = [
        ChangeType::Membership,
        ChangeType::Cohort,
        ChangeType::Session,
        ChangeType::Material,
        ChangeType::Assignment,
        ChangeType::Attendance,
        ChangeType::Submission,
    ];

    pub fn from_kind(kind: &str) -> Option<ChangeType> {
        Some(match kind {
            "cohort" => ChangeType::Cohort,
            "membership" => ChangeType::Membership,
            "session" => ChangeType::Session,
            "attendance" => ChangeType::Attendance,
            "material" => ChangeType::Material,
            "assignment" => ChangeType::Assignment,
            "submission" => ChangeType::Submission,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Upsert,
    /// Gone, or no longer the caller's to see. A deleted cohort takes
    /// everything under it (its sessions, materials, assignments, the
    /// caller's records) with it.
    Delete,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    #[serde(rename = "type")]
    pub kind: ChangeType,
    pub id: String,
    pub op: ChangeOp,
    /// The thing as its own endpoint shows it; null for a delete.
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncPage {
    pub changes: Vec<Change>,
    /// Pass as `?since=` next time (or at once when `more`).
    pub next: String,
    /// More changes wait: ask again with `next` now.
    pub more: bool,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// The `next` of the previous answer; none for everything. Opaque,
    /// like a list's cursor (and, like it, at most 512 characters).
    pub since: Option<String>,
    /// Changes per answer, 1–500 (default 200).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The caller's membership, as a sync change carries it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncMembership {
    pub cohort_id: CohortId,
    pub user_id: UserId,
    pub role: MemberRole,
    pub status: MemberStatus,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<&Membership> for SyncMembership {
    fn from(m: &Membership) -> Self {
        Self {
            cohort_id: m.cohort_id,
            user_id: m.user_id,
            role: m.role,
            status: m.status,
            created_at: m.created_at.and_utc(),
            updated_at: m.updated_at.and_utc(),
        }
    }
}
