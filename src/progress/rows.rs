//! The `certificates` table as rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::certificates;
use crate::vocab::{CohortId, UserId};

crate::id_type!(
    /// A certificate (never shown: the public knows it by its code).
    CertificateId
);

/// What a certificate states is kept as it was at issue.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificates, treat_none_as_default_value = false)]
pub struct Certificate {
    pub id: CertificateId,
    /// 20 Crockford base-32 characters, without dashes.
    pub code: String,
    pub cohort_id: CohortId,
    pub user_id: UserId,
    pub full_name: String,
    pub programme_title: String,
    pub cohort_name: String,
    pub country_code: Option<String>,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub issued_at: NaiveDateTime,
    pub issued_by: UserId,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<UserId>,
    pub revocation_reason: Option<String>,
}
