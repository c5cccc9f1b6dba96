//! The `countries` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::countries;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = countries)]
pub struct Country {
    pub code: String,
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub created_at: NaiveDateTime,
}
