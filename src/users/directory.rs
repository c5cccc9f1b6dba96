//! The user directory, for staff: admins see and edit every account;
//! coordinators see and edit the profiles of their countries' members (not
//! admins, and not the `is_active`/`is_admin` flags). Anyone may read their
//! own entry and edit its profile, as `/me` allows. An account the caller may
//! not see is a 404, never a hint that it exists. Deactivating an account
//! signs it out everywhere at once.

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::access::{can_view_user, Actor};
use crate::db::{self, write_tx, DbConnection, MultiBackend};
use crate::error::{AppError, FieldError, Issue, Msg, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::pagination::{page_from, Page, PageParams};
use crate::schema::users;
use crate::state::AppState;
use crate::validation::not_blank;

use super::{Language, ProfileType, User, UserChanges, UserDto, UserId};

// Portable case folding: `ilike` does not exist on the multi backend.
diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Longest accepted `?q=`: a substring search scans rows, keep it bounded.
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only members of this country (ISO 3166-1 alpha-2). A coordinator may
    /// only name a country they coordinate.
    pub country: Option<String>,
    /// Case-insensitive substring of the full name or the e-mail address.
    pub q: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateUserRequest {
    #[validate(custom(function = "not_blank"), length(max = 120))]
    pub full_name: Option<String>,
    /// A coordinator may only move a member to a country they coordinate.
    #[validate(length(equal = 2))]
    pub country_code: Option<String>,
    pub profile_type: Option<ProfileType>,
    pub language: Option<Language>,
    /// Admins only. `false` signs the account out everywhere and refuses
    /// its logins until it is set back to `true`.
    pub is_active: Option<bool>,
    /// Admins only.
    pub is_admin: Option<bool>,
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

/// A `LIKE` pattern matching `q` anywhere, lower-cased, with the wildcards
/// `%` and `_` (and the escape `\` itself) taken literally.
fn contains_pattern(q: &str) -> String {
    let mut pattern = String::with_capacity(q.len() + 2);
    pattern.push('%');
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// An empty query parameter (`?country=`) is no filter.
fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `GET /api/v1/users`: accounts the caller oversees (admin: all; coordinator: their countries).
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    params(UserFilter, PageParams),
    responses(
        (status = 200, description = "Ordered by id (creation order)", body = Page<UserDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither admin nor coordinator, or a country the caller does not coordinate", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: AuthUser,
    filter: web::Query<UserFilter>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let limit = params.limit()?;
    let after: Option<UserId> = params.cursor()?;
    let filter = filter.into_inner();
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
    let page = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        let countries = listable_countries(&actor, country)?;
        let mut query = users::table.into_boxed::<MultiBackend>();
        if let Some(countries) = countries {
            query = query.filter(users::country_code.eq_any(countries));
        }
        if let Some(q) = q {
            let pattern = contains_pattern(&q);
            query = query.filter(
                lower(users::full_name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(users::email).like(pattern).escape('\\')),
            );
        }
        if let Some(after) = after {
            query = query.filter(users::id.gt(after));
        }
        let rows = query
            .order(users::id.asc())
            .limit(limit + 1)
            .select(User::as_select())
            .load(conn)?;
        Ok(page_from(rows, limit, |u| u.id, UserDto::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The user `id`, if the caller may see them; otherwise not found.
fn visible_user(conn: &mut DbConnection, actor: &Actor, id: UserId) -> Result<User, AppError> {
    match super::find(conn, id)? {
        Some(user) if can_view_user(actor, user.id, &user.country_code) => Ok(user),
        _ => Err(AppError::NotFound),
    }
}

/// `GET /api/v1/users/{id}`: one account (admin, its country's coordinator, or oneself).
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = UserId, Path)),
    responses(
        (status = 200, body = UserDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        visible_user(conn, &actor, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserDto::from(user)))
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

/// `PATCH /api/v1/users/{id}`: edit an account (staff, or one's own profile); deactivating signs it out.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = UserId, Path)),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, body = UserDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin-only field, an admin's account, or a country the coordinator does not coordinate", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, unknown country, or an admin deactivating or demoting themselves", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<UserId>,
    Json(body): Json<UpdateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let now = state.clock.now_naive();
    let user = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            let target = visible_user(conn, &actor, id)?;
            check_edit(&actor, &target, &body)?;
            let country_code = body.country_code.map(|c| c.to_uppercase());
            if let Some(code) = &country_code {
                if !super::country_exists(conn, code)? {
                    return Err(AppError::field("country_code", Issue::UnknownCountry));
                }
                // Oneself may move anywhere, as with `/me`.
                let own = target.id == actor.id;
                if !actor.is_admin && !own && !actor.coordinates_country(code) {
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
            let user = super::update(conn, id, &changes)?;
            if body.is_active == Some(false) {
                // Access tokens die with the flag (every request re-reads
                // it); refresh tokens are revoked so none can be renewed.
                let revoked = crate::users::revoke_sessions(conn, id, None, now)?;
                tracing::info!(user_id = %id, by = %actor.id, revoked, "account deactivated");
            }
            Ok(user)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserDto::from(user)))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;

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
    fn patterns_match_substrings_literally() {
        assert_eq!(contains_pattern("TraORé"), "%traoré%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
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
