//! What clients send and receive about case studies.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rows::{
    Assignment, AssignmentId, Review, Submission, SubmissionId, SubmissionStatus, Verdict,
};
use crate::materials::dto::https_url;
use crate::validation::{not_blank, sane_instant};
use crate::vocab::{CohortId, SessionId, UserId};

/// The longest brief, in characters.
pub const MAX_BRIEF_CHARS: u64 = 20_000;
/// The longest text handed in, in characters.
pub const MAX_BODY_CHARS: u64 = 20_000;
/// The longest link handed in, in characters.
pub const MAX_LINK_CHARS: u64 = 2_000;
/// The highest `max_score`.
pub const MAX_SCORE: i32 = 1_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentDto {
    pub id: AssignmentId,
    pub session_id: SessionId,
    pub cohort_id: CohortId,
    #[schema(example = "Analysez la campagne #MoovAfrica : cibles, canaux, ton, résultats.")]
    pub brief: String,
    /// UTC; work handed in later is accepted and flagged `late`.
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub due_at: DateTime<Utc>,
    #[schema(example = 20)]
    pub max_score: i32,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
}

impl AssignmentDto {
    pub fn new(a: Assignment, cohort_id: CohortId) -> Self {
        Self {
            id: a.id,
            session_id: a.session_id,
            cohort_id,
            brief: a.brief,
            due_at: a.due_at.and_utc(),
            max_score: a.max_score,
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
        }
    }
}

/// An assignment in a cohort's list, with its session and, for a learner,
/// where their own work stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortAssignment {
    #[serde(flatten)]
    pub assignment: AssignmentDto,
    pub session_title: String,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub session_starts_at: DateTime<Utc>,
    /// The caller's current submission; null when they have handed in
    /// nothing (and always for staff).
    pub my_submission: Option<MySubmission>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MySubmission {
    pub id: SubmissionId,
    pub status: SubmissionStatus,
    pub score: Option<i32>,
    pub late: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentList {
    /// By due date.
    pub items: Vec<CohortAssignment>,
    /// Always null: a cohort's assignments come whole.
    pub next_cursor: Option<String>,
}

/// `POST /sessions/{id}/assignment`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateAssignmentRequest {
    #[validate(custom(function = "not_blank"), length(max = MAX_BRIEF_CHARS))]
    #[schema(min_length = 1, max_length = 20000)]
    pub brief: String,
    /// RFC 3339 with any offset; stored in UTC.
    #[validate(custom(function = "sane_instant"))]
    #[schema(example = "2026-03-09T23:59:00+00:00")]
    pub due_at: DateTime<FixedOffset>,
    #[validate(range(min = 1, max = MAX_SCORE))]
    #[schema(minimum = 1, maximum = 1000, example = 20)]
    pub max_score: i32,
}

/// `PATCH /assignments/{id}`: what is sent changes.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateAssignmentRequest {
    #[validate(custom(function = "not_blank"), length(max = MAX_BRIEF_CHARS))]
    #[schema(min_length = 1, max_length = 20000)]
    pub brief: Option<String>,
    #[validate(custom(function = "sane_instant"))]
    pub due_at: Option<DateTime<FixedOffset>>,
    /// Not below a score already given.
    #[validate(range(min = 1, max = MAX_SCORE))]
    #[schema(minimum = 1, maximum = 1000)]
    pub max_score: Option<i32>,
}

/// Work handed in as JSON: text, an `https` link, or both (at least one).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "body": "Notre analyse du cas : trois options, une recommandation.",
    "link_url": "https://docs.example.org/analyse"
}))]
pub struct SubmitRequest {
    #[validate(length(max = MAX_BODY_CHARS))]
    #[schema(max_length = 20000)]
    pub body: Option<String>,
    #[validate(custom(function = "https_url"), length(max = MAX_LINK_CHARS))]
    #[schema(
        max_length = 2000,
        pattern = "^https://[^\\s]+$",
        example = "https://docs.example.org/analyse"
    )]
    pub link_url: Option<String>,
}

/// Work handed in as `multipart/form-data`: the text parts `body` and
/// `link_url` (both optional), then the part `file`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SubmissionForm {
    #[schema(max_length = 20000)]
    body: Option<String>,
    #[schema(max_length = 2000, pattern = "^https://[^\\s]+$")]
    link_url: Option<String>,
    /// A document, slides or an image (PDF, DOCX, XLSX, PPTX, ODT, PNG,
    /// JPEG…); its type is read from its bytes.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The file handed in with a submission; its bytes are at
/// `GET /api/v1/submissions/{id}/attachment`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub file_name: String,
    #[schema(example = "application/pdf")]
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionDto {
    pub id: SubmissionId,
    pub assignment_id: AssignmentId,
    pub user_id: UserId,
    pub full_name: String,
    /// 1 for the first hand-in, one more for each resubmission.
    pub version: i32,
    pub body: Option<String>,
    pub link_url: Option<String>,
    pub attachment: Option<AttachmentDto>,
    pub status: SubmissionStatus,
    /// From 0 to the assignment's `max_score`; null until scored.
    pub score: Option<i32>,
    /// The latest review's words.
    pub feedback: Option<String>,
    /// Handed in after `due_at`.
    pub late: bool,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub submitted_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc_opt")]
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl SubmissionDto {
    pub fn new(s: Submission, full_name: String) -> Self {
        let attachment = match (s.file_name, s.content_type, s.size_bytes, s.sha256) {
            (Some(file_name), Some(content_type), Some(size_bytes), Some(sha256)) => {
                Some(AttachmentDto {
                    file_name: crate::materials::ranges::strip_invisible(&file_name),
                    content_type,
                    size_bytes,
                    sha256,
                })
            }
            _ => None,
        };
        Self {
            id: s.id,
            assignment_id: s.assignment_id,
            user_id: s.user_id,
            full_name,
            version: s.version,
            body: s.body,
            link_url: s.link_url,
            attachment,
            status: s.status,
            score: s.score,
            feedback: s.feedback,
            late: s.late,
            submitted_at: s.submitted_at.and_utc(),
            reviewed_at: s.reviewed_at.map(|t| t.and_utc()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionList {
    /// Current submissions, by learner name; a learner sees only their own.
    pub items: Vec<SubmissionDto>,
    /// Always null: bounded by the cohort's learners, a list comes whole.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionFilter {
    /// Only submissions in this state (e.g. `submitted`: waiting for review).
    pub status: Option<SubmissionStatus>,
}

/// `PATCH /submissions/{id}/review`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ReviewRequest {
    pub status: Verdict,
    /// From 0 to the assignment's `max_score`.
    #[validate(range(min = 0, max = MAX_SCORE))]
    #[schema(minimum = 0, maximum = 1000)]
    pub score: Option<i32>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub feedback: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDto {
    pub status: Verdict,
    pub score: Option<i32>,
    pub feedback: Option<String>,
    pub reviewer_id: UserId,
    pub reviewer_name: String,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub reviewed_at: DateTime<Utc>,
}

impl ReviewDto {
    pub fn new(r: Review, reviewer_name: String) -> Self {
        Self {
            status: r.status,
            score: r.score,
            feedback: r.feedback,
            reviewer_id: r.reviewer_id,
            reviewer_name,
            reviewed_at: r.reviewed_at.and_utc(),
        }
    }
}

/// One version of a learner's work, with every review it received.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionVersion {
    #[serde(flatten)]
    pub submission: SubmissionDto,
    /// When a resubmission replaced it; null for the current version.
    #[serde(serialize_with = "crate::db::instants::utc_opt")]
    pub superseded_at: Option<DateTime<Utc>>,
    /// Oldest first.
    pub reviews: Vec<ReviewDto>,
}

impl SubmissionVersion {
    pub fn new(s: Submission, full_name: String, reviews: Vec<ReviewDto>) -> Self {
        let superseded_at = s.superseded_at.map(|t: NaiveDateTime| t.and_utc());
        Self {
            submission: SubmissionDto::new(s, full_name),
            superseded_at,
            reviews,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionHistory {
    /// Every version the learner handed in for the assignment, newest first.
    pub items: Vec<SubmissionVersion>,
}
