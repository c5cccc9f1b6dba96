//! The rows of the `memberships` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::memberships;
use crate::users::UserId;
use crate::vocab::{CohortId, MemberRole, MemberStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub cohort_id: CohortId,
    pub user_id: UserId,
    pub role: MemberRole,
    pub status: MemberStatus,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub updated_at: NaiveDateTime,
}

/// A membership with the member's full name and e-mail.
pub type MemberRow = (Membership, String, String);
