//! The tables of case studies as rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{assignments, submission_reviews, submissions};
use crate::vocab::{SessionId, UserId};

crate::id_type!(
    /// A session's assignment (the brief of a case study).
    AssignmentId
);

crate::id_type!(
    /// One version of a learner's work for an assignment.
    SubmissionId
);

crate::id_type!(
    /// One review of a submission.
    ReviewId
);

crate::text_enum!(
    /// Where a submission stands.
    SubmissionStatus {
        Submitted => "submitted",
        Accepted => "accepted",
        NeedsRevision => "needs_revision",
    }
);

crate::text_enum!(
    /// A reviewer's verdict.
    Verdict {
        Accepted => "accepted",
        NeedsRevision => "needs_revision",
    }
);

impl From<Verdict> for SubmissionStatus {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Accepted => SubmissionStatus::Accepted,
            Verdict::NeedsRevision => SubmissionStatus::NeedsRevision,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assignments, treat_none_as_default_value = false)]
pub struct Assignment {
    pub id: AssignmentId,
    pub session_id: SessionId,
    pub brief: String,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub due_at: NaiveDateTime,
    pub max_score: i32,
    pub created_by: UserId,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = submissions, treat_none_as_default_value = false)]
pub struct Submission {
    pub id: SubmissionId,
    pub assignment_id: AssignmentId,
    pub user_id: UserId,
    pub version: i32,
    pub body: Option<String>,
    pub link_url: Option<String>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub storage_key: Option<String>,
    pub status: SubmissionStatus,
    pub score: Option<i32>,
    pub feedback: Option<String>,
    pub late: bool,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub submitted_at: NaiveDateTime,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub superseded_at: Option<NaiveDateTime>,
}

impl Submission {
    /// Where the bytes of attachments are kept: `submissions/<id>`.
    pub const KEY_PREFIX: &'static str = "submissions";
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = submission_reviews, treat_none_as_default_value = false)]
pub struct Review {
    pub id: ReviewId,
    pub submission_id: SubmissionId,
    pub reviewer_id: UserId,
    pub status: Verdict,
    pub score: Option<i32>,
    pub feedback: Option<String>,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub reviewed_at: NaiveDateTime,
}
