//! Calendar feeds (RFC 5545) of a cohort's sessions and of a person's
//! cohorts. Calendar apps cannot send a bearer header, so a user may create
//! a feed token (random, shown once, stored as a SHA-256 hash, one per user:
//! a new one replaces the old) and subscribe with `?token=`. Feeds leave out
//! deleted sessions, keep cancelled ones (`STATUS:CANCELLED`), and are
//! bounded: sessions that ended at most [`FEED_PAST_DAYS`] days ago, at most
//! [`FEED_MAX_EVENTS`] of them, earliest first. Labels follow the account's
//! preferred language (apps poll in the background, with no reliable
//! `Accept-Language`).

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ics::{self, Calendar, Event};
use super::Session;
use crate::access::{Actor, CohortAccess};
use crate::cache::{self, Cached};
use crate::cohorts::{CohortId, MemberStatus};
use crate::crypto::hash_token;
use crate::db::{self, write_tx, DbConnection};
use crate::error::{AppError, Msg, Problem};
use crate::http::{AuthUser, MaybeAuthUser};
use crate::i18n::Lang;
use crate::schema::{calendar_tokens, cohorts, memberships, sessions, users};
use crate::state::AppState;
use crate::users::{Language, UserId};

/// Feeds start with sessions that ended up to this many days ago.
pub const FEED_PAST_DAYS: i64 = 90;
/// And hold at most this many events.
pub const FEED_MAX_EVENTS: i64 = 1000;

const ICS_CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarTokenDto {
    /// Shown once; only its hash is stored. Creating another one revokes it.
    pub token: String,
    /// Path of the personal feed, token included.
    #[schema(example = "/api/v1/me/calendar.ics?token=…")]
    pub me_feed_path: String,
    /// The same as an absolute URL, as this server was reached (swap
    /// `https://` for `webcal://` to open a subscription dialog).
    pub me_feed_url: String,
    /// Path of a cohort's feed with this token; replace `{id}`.
    #[schema(example = "/api/v1/cohorts/{id}/calendar.ics?token=…")]
    pub cohort_feed_path_template: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Feed token from `POST /api/v1/me/calendar-token`, for apps that
    /// cannot send `Authorization: Bearer`.
    pub token: Option<String>,
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `POST /api/v1/me/calendar-token`: a new feed token for calendar apps, replacing any previous one.
#[utoipa::path(
    post, path = "/api/v1/me/calendar-token", tag = "calendar",
    security(("bearer" = [])),
    responses(
        (status = 201, body = CalendarTokenDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_token(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let token = new_token();
    let hash = hash_token(&token);
    db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            // One per user: the old token stops working now.
            diesel::delete(calendar_tokens::table.find(actor.id)).execute(conn)?;
            diesel::insert_into(calendar_tokens::table)
                .values((
                    calendar_tokens::user_id.eq(actor.id),
                    calendar_tokens::token_hash.eq(&hash),
                    calendar_tokens::created_at.eq(now),
                ))
                .execute(conn)?;
            Ok::<_, AppError>(())
        })
    })
    .await?;
    let me_feed_path = format!("/api/v1/me/calendar.ics?token={token}");
    let info = req.connection_info();
    let me_feed_url = format!("{}://{}{me_feed_path}", info.scheme(), info.host());
    Ok(HttpResponse::Created().json(CalendarTokenDto {
        cohort_feed_path_template: format!("/api/v1/cohorts/{{id}}/calendar.ics?token={token}"),
        me_feed_path,
        me_feed_url,
        token,
        created_at: now.and_utc(),
    }))
}

/// `DELETE /api/v1/me/calendar-token`: revoke the feed token; subscribed apps get 401.
#[utoipa::path(
    delete, path = "/api/v1/me/calendar-token", tag = "calendar",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked (also when there was none)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_token(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, AppError> {
    db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        diesel::delete(calendar_tokens::table.find(actor.id)).execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller of a feed: a bearer token if one is sent (a bad one is 401
/// even with a feed token), else the feed token. The account must be active.
fn feed_actor(
    conn: &mut DbConnection,
    auth: MaybeAuthUser,
    token: Option<&str>,
) -> Result<Actor, AppError> {
    if let Some(auth) = auth.0 {
        return crate::users::actor(conn, &auth);
    }
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthorized(Msg::MissingToken))?;
    let user: UserId = calendar_tokens::table
        .filter(calendar_tokens::token_hash.eq(hash_token(token)))
        .select(calendar_tokens::user_id)
        .first(conn)
        .optional()?
        .ok_or(AppError::Unauthorized(Msg::InvalidCalendarToken))?;
    crate::users::actor_by_id(conn, user).map_err(|e| match e {
        AppError::Unauthorized(_) => AppError::Unauthorized(Msg::InvalidCalendarToken),
        other => other,
    })
}

fn language_of(conn: &mut DbConnection, user: UserId) -> QueryResult<Lang> {
    let language: Language = users::table
        .find(user)
        .select(users::language)
        .first(conn)?;
    Ok(match language {
        Language::Fr => Lang::Fr,
        Language::En => Lang::En,
    })
}

fn event(session: Session, lang: Lang, cohort_name: Option<&str>) -> Event {
    let description = match cohort_name {
        Some(name) if session.description.is_empty() => name.to_owned(),
        Some(name) => format!("{name}\n\n{}", session.description),
        None => session.description,
    };
    Event {
        uid: format!("{}@griot", session.id),
        starts_at: session.starts_at,
        ends_at: session.ends_at,
        created_at: session.created_at,
        updated_at: session.updated_at,
        summary: format!("{} — {}", session.kind.label(lang), session.title),
        description: Some(description),
        location: session.venue,
        url: session.online_url,
        cancelled: session.status == super::SessionStatus::Cancelled,
    }
}

/// The feed as an HTTP response, with a weak ETag so polling apps that
/// revalidate download nothing when nothing changed.
fn ics_response(req: &HttpRequest, calendar: &Calendar) -> HttpResponse {
    let answer = Cached::new(ics::render(calendar).into());
    cache::respond(req, &answer, ICS_CONTENT_TYPE)
}

/// `GET /api/v1/cohorts/{id}/calendar.ics`: the cohort's sessions as an iCalendar feed (staff and admitted members).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/calendar.ics", tag = "calendar",
    security((), ("bearer" = [])),
    params(("id" = CohortId, Path), FeedParams),
    responses(
        (status = 200, description = "RFC 5545 calendar", body = String, content_type = "text/calendar"),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 401, description = "No credentials, or a bad or revoked token", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cohort_feed(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    id: web::Path<CohortId>,
    params: web::Query<FeedParams>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let token = params.into_inner().token;
    let since = state.clock.now_naive() - Duration::days(FEED_PAST_DAYS);
    let calendar = db::run(&state.pool, move |conn| {
        let actor = feed_actor(conn, auth, token.as_deref())?;
        let (cohort, _) =
            crate::cohorts::cohort_for(conn, &actor, id, false, CohortAccess::can_see_private)?;
        let lang = language_of(conn, actor.id)?;
        let rows: Vec<Session> = sessions::table
            .filter(sessions::cohort_id.eq(id))
            .filter(sessions::deleted_at.is_null())
            .filter(sessions::ends_at.ge(since))
            .order((sessions::starts_at.asc(), sessions::id.asc()))
            .limit(FEED_MAX_EVENTS)
            .select(Session::as_select())
            .load(conn)?;
        Ok(Calendar {
            name: cohort.name,
            timezone: Some(cohort.timezone),
            events: rows.into_iter().map(|s| event(s, lang, None)).collect(),
        })
    })
    .await?;
    Ok(ics_response(&req, &calendar))
}

/// `GET /api/v1/me/calendar.ics`: sessions of every cohort the caller is an admitted learner or trainer of.
#[utoipa::path(
    get, path = "/api/v1/me/calendar.ics", tag = "calendar",
    security((), ("bearer" = [])),
    params(FeedParams),
    responses(
        (status = 200, description = "RFC 5545 calendar; each event's description starts with its cohort's name", body = String, content_type = "text/calendar"),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 401, description = "No credentials, or a bad or revoked token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_feed(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    params: web::Query<FeedParams>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let token = params.into_inner().token;
    let since = state.clock.now_naive() - Duration::days(FEED_PAST_DAYS);
    let calendar = db::run(&state.pool, move |conn| {
        let actor = feed_actor(conn, auth, token.as_deref())?;
        let lang = language_of(conn, actor.id)?;
        let mine = memberships::table
            .filter(memberships::user_id.eq(actor.id))
            .filter(memberships::status.eq_any([MemberStatus::Active, MemberStatus::Completed]))
            .select(memberships::cohort_id);
        let rows: Vec<(Session, String)> = sessions::table
            .inner_join(cohorts::table)
            .filter(sessions::cohort_id.eq_any(mine))
            .filter(sessions::deleted_at.is_null())
            .filter(sessions::ends_at.ge(since))
            .order((sessions::starts_at.asc(), sessions::id.asc()))
            .limit(FEED_MAX_EVENTS)
            .select((Session::as_select(), cohorts::name))
            .load(conn)?;
        Ok(Calendar {
            name: lang
                .pick("griot — Mes sessions", "griot — My sessions")
                .to_owned(),
            timezone: None,
            events: rows
                .into_iter()
                .map(|(s, cohort)| event(s, lang, Some(&cohort)))
                .collect(),
        })
    })
    .await?;
    Ok(ics_response(&req, &calendar))
}
