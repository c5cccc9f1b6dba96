//! The `programmes` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::programmes;
use crate::users::Language;
use crate::vocab::ProgrammeId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = programmes)]
pub struct Programme {
    pub id: ProgrammeId,
    pub title: String,
    pub description: String,
    pub language: Language,
    pub min_attendance_rate: i32,
    pub required_submissions: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = programmes)]
pub struct ProgrammeChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub language: Option<Language>,
    pub min_attendance_rate: Option<i32>,
    pub required_submissions: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}
