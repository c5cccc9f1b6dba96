//! The use cases of calendar feeds: feed tokens, who is reading a feed,
//! and the calendars themselves, as plain data for [`ics`](crate::sessions::ics).

use base64::Engine;
use chrono::{Duration, NaiveDateTime};

use super::dto::CalendarTokenDto;
use super::queries::{self, FEED_PAST_DAYS};
use crate::access::{Actor, CohortAccess};
use crate::cohorts::CohortId;
use crate::crypto::hash_token;
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, Msg};
use crate::http::{AuthUser, MaybeAuthUser};
use crate::i18n::Lang;
use crate::sessions::ics::{Calendar, Event};
use crate::sessions::rows::{Session, SessionStatus};
use crate::users::{Language, UserId};

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A new feed token for the caller, replacing any previous one. `origin`
/// is `scheme://host` as this server was reached, for the feed's URL.
pub fn create_token(
    conn: &mut DbConnection,
    auth: &AuthUser,
    origin: &str,
    now: NaiveDateTime,
) -> Result<CalendarTokenDto, AppError> {
    let token = new_token();
    let hash = hash_token(&token);
    let actor = crate::users::actor(conn, auth)?;
    write_tx(conn, |conn| {
        // One per user: the old token stops working now.
        queries::delete_token(conn, actor.id)?;
        queries::insert_token(conn, actor.id, &hash, now)?;
        Ok::<_, AppError>(())
    })?;
    let me_feed_path = format!("/api/v1/me/calendar.ics?token={token}");
    let me_feed_url = format!("{origin}{me_feed_path}");
    Ok(CalendarTokenDto {
        cohort_feed_path_template: format!("/api/v1/cohorts/{{id}}/calendar.ics?token={token}"),
        me_feed_path,
        me_feed_url,
        token,
        created_at: now.and_utc(),
    })
}

/// Revokes the caller's feed token (also when there was none).
pub fn revoke_token(conn: &mut DbConnection, auth: &AuthUser) -> Result<(), AppError> {
    let actor = crate::users::actor(conn, auth)?;
    queries::delete_token(conn, actor.id)?;
    Ok(())
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
    let user = queries::token_owner(conn, &hash_token(token))?
        .ok_or(AppError::Unauthorized(Msg::InvalidCalendarToken))?;
    crate::users::actor_by_id(conn, user).map_err(|e| match e {
        AppError::Unauthorized(_) => AppError::Unauthorized(Msg::InvalidCalendarToken),
        other => other,
    })
}

fn language_of(conn: &mut DbConnection, user: UserId) -> Result<Lang, AppError> {
    Ok(match queries::language_of(conn, user)? {
        Language::Fr => Lang::Fr,
        Language::En => Lang::En,
    })
}

/// The oldest end a feed read at `now` still shows.
fn feed_start(now: NaiveDateTime) -> NaiveDateTime {
    now - Duration::days(FEED_PAST_DAYS)
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
        cancelled: session.status == SessionStatus::Cancelled,
    }
}

/// A cohort's sessions as a calendar (staff and admitted members).
pub fn cohort_feed(
    conn: &mut DbConnection,
    auth: MaybeAuthUser,
    token: Option<&str>,
    id: CohortId,
    now: NaiveDateTime,
) -> Result<Calendar, AppError> {
    let since = feed_start(now);
    let actor = feed_actor(conn, auth, token)?;
    let (cohort, _) =
        crate::cohorts::cohort_for(conn, &actor, id, false, CohortAccess::can_see_private)?;
    let lang = language_of(conn, actor.id)?;
    let rows = queries::cohort_feed_sessions(conn, id, since)?;
    Ok(Calendar {
        name: cohort.name,
        timezone: Some(cohort.timezone),
        events: rows.into_iter().map(|s| event(s, lang, None)).collect(),
    })
}

/// The sessions of every cohort the caller is an admitted learner or
/// trainer of, as one calendar.
pub fn my_feed(
    conn: &mut DbConnection,
    auth: MaybeAuthUser,
    token: Option<&str>,
    now: NaiveDateTime,
) -> Result<Calendar, AppError> {
    let since = feed_start(now);
    let actor = feed_actor(conn, auth, token)?;
    let lang = language_of(conn, actor.id)?;
    let rows = queries::my_feed_sessions(conn, actor.id, since)?;
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
}
