//! The `countries` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{chapter_roles, countries};
use crate::vocab::UserId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = countries)]
pub struct Country {
    pub code: String,
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub created_at: NaiveDateTime,
}

crate::text_enum!(
    /// A place in a country chapter's team.
    ChapterRole {
        Coordinator => "coordinator",
        Volunteer => "volunteer",
    }
);

/// A term in a chapter's team: who, in which role, since and until when
/// (`None`: still).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = chapter_roles, treat_none_as_default_value = false)]
pub struct Term {
    pub id: String,
    pub country_code: String,
    pub user_id: UserId,
    pub role: ChapterRole,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub since: NaiveDateTime,
    pub until: Option<NaiveDateTime>,
}
