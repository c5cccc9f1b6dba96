//! Accounts. Emails are stored trimmed and lower-cased, so the unique index
//! makes them unique regardless of case. Password hashes never leave this
//! module's row type: responses use [`UserDto`].

pub mod directory;
pub mod routes;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::Actor;
use crate::db::{DbConnection, MultiBackend};
use crate::error::{AppError, Msg};
use crate::http::{AuthUser, MaybeAuthUser};
use crate::schema::{countries, country_coordinators, refresh_tokens, users};
use crate::vocab::LoginSessionId;
pub use crate::vocab::UserId;

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

/// A user as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: UserId,
    pub email: String,
    pub full_name: String,
    pub country_code: String,
    pub profile_type: ProfileType,
    pub language: Language,
    pub is_admin: bool,
    /// False once an administrator deactivated the account.
    pub is_active: bool,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            full_name: u.full_name,
            country_code: u.country_code,
            profile_type: u.profile_type,
            language: u.language,
            is_admin: u.is_admin,
            is_active: u.is_active,
            created_at: u.created_at.and_utc(),
            updated_at: u.updated_at.and_utc(),
        }
    }
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn find(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<User>> {
    // On the concrete connection: see `db::on_backend!` (hot path).
    crate::on_backend!(conn, c => users::table
        .find(id)
        .select(User::as_select())
        .first(c)
        .optional())
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(<User as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
}

pub fn update(conn: &mut DbConnection, id: UserId, changes: &UserChanges) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(<User as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
}

pub fn country_exists(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(countries::table.find(code))).get_result(conn)
}

/// Revokes every live token of `user` except those of `keep` (the session
/// that asked, e.g. when changing the password).
pub fn revoke_sessions(
    conn: &mut DbConnection,
    user: UserId,
    keep: Option<LoginSessionId>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut q = diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::user_id.eq(user))
        .filter(refresh_tokens::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        q = q.filter(refresh_tokens::family_id.ne(keep));
    }
    q.set(refresh_tokens::revoked_at.eq(now)).execute(conn)
}

/// The caller with the rights they hold now; a deleted or deactivated
/// account is refused as if the token were invalid.
pub fn actor(conn: &mut DbConnection, auth: &AuthUser) -> Result<Actor, AppError> {
    actor_by_id(conn, auth.id)
}

/// The caller of an endpoint open to everyone: `None` when anonymous.
pub fn optional_actor(
    conn: &mut DbConnection,
    auth: MaybeAuthUser,
) -> Result<Option<Actor>, AppError> {
    auth.0.map(|a| actor(conn, &a)).transpose()
}

/// The same for a user identified otherwise (e.g. by a calendar feed token).
pub fn actor_by_id(conn: &mut DbConnection, id: UserId) -> Result<Actor, AppError> {
    // One round trip: the account's flags, once per country it coordinates.
    let query = users::table
        .left_join(country_coordinators::table)
        .filter(users::id.eq(id))
        .select((
            users::is_admin,
            users::is_active,
            country_coordinators::country_code.nullable(),
        ));
    // On the concrete connection: see `db::on_backend!` (every request).
    let rows: Vec<(bool, bool, Option<String>)> = crate::on_backend!(conn, c => query.load(c))?;
    let Some(&(is_admin, true, _)) = rows.first() else {
        return Err(AppError::Unauthorized(Msg::InvalidToken));
    };
    let coordinates = rows.into_iter().filter_map(|(_, _, c)| c).collect();
    Ok(Actor {
        id,
        is_admin,
        coordinates,
    })
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
