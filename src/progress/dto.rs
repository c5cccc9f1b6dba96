//! What clients send and receive about progress and certificates.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::codes;
use super::rows::Certificate;
use crate::validation::not_blank;
use crate::vocab::{CohortId, UserId};

/// Where a learner stands in one cohort.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressDto {
    pub cohort_id: CohortId,
    /// 0–100, the attendance report's rate (`GET /cohorts/{id}/attendance`).
    #[schema(example = 87.5)]
    pub attendance_rate: f64,
    /// Ended sessions that count for completion.
    pub sessions_counted: i64,
    /// Current submissions accepted.
    pub submissions_accepted: i64,
    /// What the programme requires.
    pub required_submissions: i32,
    /// Attendance at least the programme's minimum, enough submissions
    /// accepted, and something counted (a cohort where nothing has been
    /// counted or required yet is complete for nobody).
    pub completed: bool,
    /// The learner's certificate for this cohort, if issued (printed form).
    #[schema(example = "7K2M-9QXD-4HNP-WT3R-A8C0")]
    pub certificate_code: Option<String>,
}

/// The caller's progress in one cohort, with the cohort's name.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyProgressItem {
    #[serde(flatten)]
    pub progress: ProgressDto,
    pub cohort_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyProgress {
    /// One per cohort where the caller is a learner, latest start first.
    pub items: Vec<MyProgressItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LearnerProgress {
    pub user_id: UserId,
    pub full_name: String,
    #[serde(flatten)]
    pub progress: ProgressDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CohortProgress {
    pub cohort_id: CohortId,
    /// The programme's completion rule.
    pub min_attendance_rate: i32,
    pub required_submissions: i32,
    /// By name.
    pub items: Vec<LearnerProgress>,
    /// Always null: a cohort's progress comes whole.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressParams {
    /// Only learners who have (`true`) or have not (`false`) completed:
    /// `false` lists the people to chase.
    pub completed: Option<bool>,
    /// `csv` for a spreadsheet (same as `Accept: text/csv`).
    #[param(pattern = "^(csv|json)$")]
    pub format: Option<String>,
    /// CSV separator: `comma` (default; decimals with a point, `84.3`) or
    /// `semicolon` (French Excel; decimals with a comma, `84,3`).
    #[param(pattern = "^(comma|semicolon)$")]
    pub delimiter: Option<String>,
}

/// A certificate as anyone may verify it: these facts and nothing else.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateDto {
    /// Printed form; verification ignores case and dashes.
    #[schema(example = "7K2M-9QXD-4HNP-WT3R-A8C0")]
    pub code: String,
    pub full_name: String,
    pub programme_title: String,
    pub cohort_name: String,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub issued_at: DateTime<Utc>,
    pub revoked: bool,
}

impl From<&Certificate> for CertificateDto {
    fn from(c: &Certificate) -> Self {
        Self {
            code: codes::display(&c.code),
            full_name: c.full_name.clone(),
            programme_title: c.programme_title.clone(),
            cohort_name: c.cohort_name.clone(),
            issued_at: c.issued_at.and_utc(),
            revoked: c.revoked_at.is_some(),
        }
    }
}

/// A certificate just issued, and to whom.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedCertificate {
    pub user_id: UserId,
    #[serde(flatten)]
    pub certificate: CertificateDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedCertificates {
    /// How many were issued by this call (0 when every completed learner
    /// has one already).
    pub issued: usize,
    pub items: Vec<IssuedCertificate>,
}

/// One of the caller's certificates.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyCertificate {
    #[serde(flatten)]
    pub certificate: CertificateDto,
    pub cohort_id: CohortId,
    /// The public page of the certificate (also in its QR code); add
    /// `?format=pdf` for the printable page.
    pub verification_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyCertificates {
    /// Newest first.
    pub items: Vec<MyCertificate>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateParams {
    /// `pdf` for the printable page (same as `Accept: application/pdf`).
    #[param(pattern = "^(pdf|json)$")]
    pub format: Option<String>,
}

/// `POST /certificates/{code}/revocation`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RevocationRequest {
    /// Kept with the certificate, with who revoked it and when; never shown
    /// on the public page.
    #[validate(custom(function = "not_blank"), length(max = 1000))]
    #[schema(min_length = 1, max_length = 1000, example = "Délivré par erreur")]
    pub reason: String,
}
