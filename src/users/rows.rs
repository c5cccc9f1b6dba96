//! The `users` table as diesel sees it: the stored row (with its password
//! hash, which never leaves this area), the insert and the partial update.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::users;
use crate::vocab::UserId;

crate::text_enum!(
    /// What the member does for a living.
    ProfileType {
        Professional => "professional",
        Student => "student",
        Entrepreneur => "entrepreneur",
        Other => "other",
    }
);

crate::text_enum!(
    /// Preferred language for messages and e-mails.
    Language {
        Fr => "fr",
        En => "en",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub password_hash: String,
    pub full_name: String,
    pub country_code: String,
    pub profile_type: ProfileType,
    pub language: Language,
    pub is_admin: bool,
    pub is_active: bool,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub full_name: &'a str,
    pub country_code: &'a str,
    pub profile_type: ProfileType,
    pub language: Language,
    pub is_admin: bool,
    pub is_active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partial update; `None` leaves the column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub full_name: Option<String>,
    pub country_code: Option<String>,
    pub profile_type: Option<ProfileType>,
    pub language: Option<Language>,
    pub password_hash: Option<String>,
    pub is_admin: Option<bool>,
    pub is_active: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

/// An e-mail address as stored: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Awa.Traore@Example.COM "),
            "awa.traore@example.com"
        );
    }
}
