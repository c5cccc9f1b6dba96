//! The user directory, for staff: admins see and edit every account;
//! coordinators see and edit the profiles of their countries' members (not
//! admins, and not the `is_active`/`is_admin` flags). Anyone may read their
//! own entry and edit its profile, as `/me` allows. An account the caller may
//! not see is a 404, never a hint that it exists. Deactivating an account
//! signs it out everywhere at once.

use chrono::NaiveDateTime;

use crate::access::{can_move_user_to, can_view_user, Actor};
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, FieldError, Issue, Msg};
use crate::http::AuthUser;
use crate::pagination::{page_from, Page};
use crate::vocab::UserId;

use super::dto::{UpdateUserRequest, UserDto, UserFilter, MAX_QUERY_CHARS};
use super::queries;
use super::rows::{User, UserChanges};

/// A directory search, checked: blanks dropped, country upper-cased.
#[derive(Debug)]
pub struct Search {
    country: Option<String>,
    q: Option<String>,
}

/// An empty query parameter (`?country=`) is no filter.
fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Checks `?country=` and `?q=` before anything is looked up.
pub fn search(filter: UserFilter) -> Result<Search, AppError> {
    let country = non_blank(filter.country).map(|c| c.to_uppercase());
    let q = non_blank(filter.q);
    if q.as_ref()
        .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
    {
        return Err(AppError::field(
            "q",
            Issue::Length {
                min: None,
                max: Some(MAX_QUERY_CHARS as u64),
            },
        ));
    }
    Ok(Search { country, q })
}

/// Whose members the caller may list: `None` means every country.
fn listable_countries(
    actor: &Actor,
    wanted: Option<String>,
) -> Result<Option<Vec<String>>, AppError> {
    if actor.is_admin {
        return Ok(wanted.map(|c| vec![c]));
    }
    if actor.coordinates.is_empty() {
        return Err(AppError::Forbidden(Some(Msg::StaffOnly)));
    }
    match wanted {
        Some(c) if actor.coordinates_country(&c) => Ok(Some(vec![c])),
        Some(_) => Err(AppError::Forbidden(Some(Msg::NotYourCountry))),
        None => Ok(Some(actor.coordinates.clone())),
    }
}

/// One page of the accounts the caller oversees, by id.
pub fn list_users(
    conn: &mut DbConnection,
    auth: &AuthUser,
    search: Search,
    after: Option<UserId>,
    limit: i64,
) -> Result<Page<UserDto>, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let countries = listable_countries(&actor, search.country)?;
    let rows = queries::directory_page(conn, countries, search.q, after, limit)?;
    Ok(page_from(rows, limit, |u| u.id, UserDto::from))
}

/// The user `id`, if the caller may see them; otherwise not found.
fn visible_user(conn: &mut DbConnection, actor: &Actor, id: UserId) -> Result<User, AppError> {
    match queries::find(conn, id)? {
        Some(user) if can_view_user(actor, user.id, &user.country_code) => Ok(user),
        _ => Err(AppError::NotFound),
    }
}

/// One account, if the caller may see it.
pub fn get_user(conn: &mut DbConnection, auth: &AuthUser, id: UserId) -> Result<UserDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    Ok(UserDto::from(visible_user(conn, &actor, id)?))
}

/// Who may make which change to a `target` the caller can see, before
/// anything is looked up. Admins may change everything but their own
/// `is_active`/`is_admin` (so someone is always left to undo a mistake);
/// others only profile fields: their own, or as coordinator of the target's
/// country those of a non-admin.
fn check_edit(actor: &Actor, target: &User, body: &UpdateUserRequest) -> Result<(), AppError> {
    if actor.is_admin {
        let mut own = Vec::new();
        if target.id == actor.id {
            if body.is_active == Some(false) {
                own.push(FieldError::new("is_active", Issue::OwnAccount));
            }
            if body.is_admin == Some(false) {
                own.push(FieldError::new("is_admin", Issue::OwnAccount));
            }
        }
        return if own.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(own))
        };
    }
    if body.is_active.is_some() || body.is_admin.is_some() {
        return Err(AppError::Forbidden(Some(Msg::AdminOnly)));
    }
    if target.id == actor.id {
        return Ok(());
    }
    if !actor.coordinates_country(&target.country_code) {
        return Err(AppError::Forbidden(Some(Msg::StaffOnly)));
    }
    if target.is_admin {
        return Err(AppError::Forbidden(Some(Msg::AdminOnly)));
    }
    Ok(())
}

/// Edits an account the caller may see and change; deactivating it revokes
/// its refresh tokens in the same transaction.
pub fn update_user(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: UserId,
    body: UpdateUserRequest,
    now: NaiveDateTime,
) -> Result<UserDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let user = write_tx(conn, |conn| edit_user(conn, &actor, id, body, now))?;
    Ok(UserDto::from(user))
}

/// The checks and writes of [`update_user`], inside its transaction.
fn edit_user(
    conn: &mut DbConnection,
    actor: &Actor,
    id: UserId,
    body: UpdateUserRequest,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    let target = visible_user(conn, actor, id)?;
    check_edit(actor, &target, &body)?;
    let country_code = body.country_code.map(|c| c.to_uppercase());
    if let Some(code) = &country_code {
        if !queries::country_exists(conn, code)? {
            return Err(AppError::field("country_code", Issue::UnknownCountry));
        }
        // Oneself may move anywhere, as with `/me`.
        if !can_move_user_to(actor, target.id, code) {
            return Err(AppError::Forbidden(Some(Msg::NotYourCountry)));
        }
    }
    let changes = UserChanges {
        full_name: body.full_name.map(|n| n.trim().to_owned()),
        country_code,
        profile_type: body.profile_type,
        language: body.language,
        is_active: body.is_active,
        is_admin: body.is_admin,
        updated_at: Some(now),
        ..Default::default()
    };
    let user = queries::update(conn, id, &changes)?;
    if body.is_active == Some(false) {
        // Access tokens die with the flag (every request re-reads
        // it); refresh tokens are revoked so none can be renewed.
        let revoked = queries::revoke_sessions(conn, id, None, now)?;
        tracing::info!(user_id = %id, by = %actor.id, revoked, "account deactivated");
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::rows::{Language, ProfileType};

    fn actor(is_admin: bool, coordinates: &[&str]) -> Actor {
        Actor {
            id: UserId::new(),
            is_admin,
            coordinates: coordinates.iter().map(|c| c.to_string()).collect(),
        }
    }

    fn user(id: UserId, country: &str, is_admin: bool) -> User {
        User {
            id,
            email: "a@example.org".into(),
            password_hash: String::new(),
            full_name: "A".into(),
            country_code: country.into(),
            profile_type: ProfileType::Other,
            language: Language::Fr,
            is_admin,
            is_active: true,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
        }
    }

    fn body(is_active: Option<bool>, is_admin: Option<bool>) -> UpdateUserRequest {
        UpdateUserRequest {
            full_name: Some("B".into()),
            country_code: None,
            profile_type: None,
            language: None,
            is_active,
            is_admin,
        }
    }

    #[test]
    fn listing_is_scoped_to_coordinated_countries() {
        let admin = actor(true, &[]);
        assert_eq!(listable_countries(&admin, None).unwrap(), None);
        assert_eq!(
            listable_countries(&admin, Some("TG".into())).unwrap(),
            Some(vec!["TG".to_owned()])
        );
        let coordinator = actor(false, &["ML", "BF"]);
        assert_eq!(
            listable_countries(&coordinator, None).unwrap(),
            Some(vec!["ML".to_owned(), "BF".to_owned()])
        );
        assert!(matches!(
            listable_countries(&coordinator, Some("TG".into())),
            Err(AppError::Forbidden(Some(Msg::NotYourCountry)))
        ));
        assert!(matches!(
            listable_countries(&actor(false, &[]), None),
            Err(AppError::Forbidden(_))
        ));
    }

    #[test]
    fn edit_rights_by_role() {
        let admin = actor(true, &[]);
        let member = user(UserId::new(), "ML", false);
        assert!(check_edit(&admin, &member, &body(Some(false), Some(true))).is_ok());
        let me = user(admin.id, "CI", true);
        assert!(check_edit(&admin, &me, &body(Some(true), Some(true))).is_ok());
        match check_edit(&admin, &me, &body(Some(false), Some(false))) {
            Err(AppError::Validation(fields)) => assert_eq!(fields.len(), 2),
            other => panic!("expected 422, got {other:?}"),
        }

        let coordinator = actor(false, &["ML"]);
        assert!(check_edit(&coordinator, &member, &body(None, None)).is_ok());
        for (active, admin_flag) in [(Some(false), None), (None, Some(true)), (Some(true), None)] {
            assert!(matches!(
                check_edit(&coordinator, &member, &body(active, admin_flag)),
                Err(AppError::Forbidden(_))
            ));
        }
        let admin_in_ml = user(UserId::new(), "ML", true);
        assert!(check_edit(&coordinator, &admin_in_ml, &body(None, None)).is_err());
        let togolese = user(UserId::new(), "TG", false);
        assert!(check_edit(&coordinator, &togolese, &body(None, None)).is_err());
        let plain = actor(false, &[]);
        let own = user(plain.id, "CI", false);
        assert!(check_edit(&plain, &own, &body(None, None)).is_ok());
        assert!(check_edit(&plain, &own, &body(Some(true), None)).is_err());
    }
}
