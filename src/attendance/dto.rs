//! Request and response bodies of the roll call and its audit trail.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rows::{
    Attendance, AttendanceChange, AttendanceChangeId, AttendanceMethod, AttendanceStatus,
};
use crate::error::{AppError, FieldError, Issue};
use crate::vocab::{SessionId, UserId};

/// A record as clients see it; `status` is `unmarked` on a roster line
/// with no record yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceDto {
    pub session_id: SessionId,
    pub user_id: UserId,
    /// `present`, `late`, `excused`, `absent`, or `unmarked` (roster only).
    #[schema(example = "present")]
    pub status: String,
    pub method: Option<AttendanceMethod>,
    pub note: Option<String>,
    pub marked_by: Option<UserId>,
    #[serde(serialize_with = "crate::db::instants::utc_opt")]
    pub marked_at: Option<DateTime<Utc>>,
    /// For a self check-in made offline and replayed: when the code was
    /// scanned (`marked_at` is when it reached the server).
    #[serde(serialize_with = "crate::db::instants::utc_opt")]
    pub scanned_at: Option<DateTime<Utc>>,
}

impl From<Attendance> for AttendanceDto {
    fn from(a: Attendance) -> Self {
        Self {
            session_id: a.session_id,
            user_id: a.user_id,
            status: a.status.to_string(),
            method: Some(a.method),
            note: a.note,
            marked_by: Some(a.marked_by),
            marked_at: Some(a.marked_at.and_utc()),
            scanned_at: a.scanned_at.map(|t| t.and_utc()),
        }
    }
}

impl AttendanceDto {
    /// The roster line of a learner with no record yet.
    pub fn unmarked(session_id: SessionId, user_id: UserId) -> Self {
        AttendanceDto {
            session_id,
            user_id,
            status: "unmarked".into(),
            method: None,
            note: None,
            marked_by: None,
            marked_at: None,
            scanned_at: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RosterLine {
    #[serde(flatten)]
    pub record: AttendanceDto,
    pub full_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Roster {
    pub items: Vec<RosterLine>,
    /// Always null: a roster comes whole.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct MarkRecord {
    pub user_id: UserId,
    pub status: AttendanceStatus,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

impl MarkRecord {
    /// The note as stored: trimmed, none if blank.
    pub fn clean_note(&self) -> Option<String> {
        self.note
            .as_ref()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct MarkRequest {
    #[validate(length(min = 1, max = 1000), nested)]
    #[schema(min_items = 1, max_items = 1000)]
    pub records: Vec<MarkRecord>,
}

impl MarkRequest {
    /// Every record names a different learner of the cohort: otherwise a
    /// 422 naming each bad `records[i].user_id`, and nothing is written.
    pub fn check_learners(&self, learners: &HashSet<UserId>) -> Result<(), AppError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, r) in self.records.iter().enumerate() {
            if !seen.insert(r.user_id) {
                errors.push(FieldError::new(
                    format!("records[{i}].user_id"),
                    Issue::Duplicate,
                ));
            } else if !learners.contains(&r.user_id) {
                errors.push(FieldError::new(
                    format!("records[{i}].user_id"),
                    Issue::NotALearner,
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceChangeDto {
    pub id: AttendanceChangeId,
    pub session_id: SessionId,
    pub user_id: UserId,
    /// Null when the learner was unmarked.
    pub from_status: Option<AttendanceStatus>,
    pub to_status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub note: Option<String>,
    pub changed_by: UserId,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub changed_at: DateTime<Utc>,
}

impl From<AttendanceChange> for AttendanceChangeDto {
    fn from(c: AttendanceChange) -> Self {
        Self {
            id: c.id,
            session_id: c.session_id,
            user_id: c.user_id,
            from_status: c.from_status,
            to_status: c.to_status,
            method: c.method,
            note: c.note,
            changed_by: c.changed_by,
            changed_at: c.changed_at.and_utc(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Only the changes of one learner.
    pub user_id: Option<UserId>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
}
