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

/// `?dry_run=true` checks the file and answers the full report without
/// writing anything.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    pub dry_run: Option<bool>,
}

crate::text_enum!(
    /// What an import did (or, in a dry run, would do) with a line.
    ImportStatus {
        Created => "created",
        Enrolled => "enrolled",
        AlreadyMember => "already_member",
        Duplicate => "duplicate",
    }
);

/// One good line of the file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportItem {
    /// As a spreadsheet numbers it (the header is line 1).
    pub line: u64,
    pub email: String,
    /// Null for an account a dry run would create.
    pub user_id: Option<UserId>,
    /// `created`: a new account, enrolled; `enrolled`: an existing account,
    /// enrolled; `already_member`: left as it was; `duplicate`: the email
    /// is on an earlier line.
    pub status: ImportStatus,
    /// The membership's status: `active`, or `waitlisted` for a learner
    /// beyond the free seats (in file order); a member's current status.
    pub member_status: Option<MemberStatus>,
    /// For an account this import created: the single-use link that sets
    /// its password, valid `INVITATION_DAYS`. Null for an account that
    /// existed before (even one still without a password: its link is its
    /// owner's alone), for a duplicate line, and in a dry run.
    pub invite_url: Option<String>,
}

/// A line the import refuses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportError {
    pub line: u64,
    /// The column at fault, or `file`.
    pub field: String,
    pub message: String,
}

/// What an import did, or (dry run) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub created_accounts: i64,
    /// New memberships, waitlisted ones included.
    pub enrolled: i64,
    /// Of `enrolled`, learners put on the waitlist (the cohort was full).
    pub waitlisted: i64,
    pub already_members: i64,
    pub errors: Vec<ImportError>,
    pub items: Vec<ImportItem>,
}
