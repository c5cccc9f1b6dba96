//! Sessions: the dated activities of a cohort (master classes, case studies,
//! veille, creative workshops, meetups, events). Instants are stored in UTC,
//! truncated to microseconds, and shown with the cohort's time zone. Staff
//! and the cohort's active trainers manage them; staff and admitted members
//! read them; everyone else gets 404. Deletion is soft and every change
//! bumps `updated_at`, so syncing clients (`?updated_since=`) learn about
//! edits, cancellations and deletions (tombstones).

pub mod calendar;
pub mod ics;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, SubsecRound, TimeZone, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidateUrl, ValidationError};

use crate::access::{Actor, CohortAccess, Membership};
use crate::cache::{self, CacheKey, Cached, JSON};
use crate::cohorts::{self, Cohort, CohortId, MemberRole, MemberStatus};
use crate::db::{self, write_tx, DbConnection, MultiBackend};
use crate::error::{AppError, FieldError, Issue, Problem};
use crate::http::AuthUser;
use crate::http::Json;
use crate::i18n::Lang;
use crate::pagination::{page_from, Page, PageParams};
use crate::schema::{cohorts as cohorts_t, memberships, sessions};
use crate::state::AppState;
use crate::users::UserId;
use crate::validation::{double_option, not_blank};
pub use crate::vocab::SessionId;

crate::text_enum!(
    /// What kind of activity a session is.
    SessionKind {
        MasterClass => "master_class",
        CaseStudy => "case_study",
        Veille => "veille",
        CreativeWorkshop => "creative_workshop",
        Meetup => "meetup",
        Event => "event",
    }
);

impl SessionKind {
    /// The name people read, e.g. in calendar apps.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            SessionKind::MasterClass => "Master class",
            SessionKind::CaseStudy => lang.pick("Étude de cas", "Case study"),
            SessionKind::Veille => lang.pick("Veille & inspiration", "Trend watch & inspiration"),
            SessionKind::CreativeWorkshop => lang.pick("Atelier créatif", "Creative workshop"),
            SessionKind::Meetup => lang.pick("Rencontre", "Meetup"),
            SessionKind::Event => lang.pick("Événement", "Event"),
        }
    }
}

crate::text_enum!(
    /// A cancelled session keeps its record (and its calendar entry).
    SessionStatus {
        Scheduled => "scheduled",
        Cancelled => "cancelled",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions, treat_none_as_default_value = false)]
pub struct Session {
    pub id: SessionId,
    pub cohort_id: CohortId,
    pub kind: SessionKind,
    pub title: String,
    pub description: String,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub starts_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub ends_at: NaiveDateTime,
    pub online_url: Option<String>,
    pub venue: Option<String>,
    pub trainer_id: Option<UserId>,
    pub status: SessionStatus,
    pub counts_for_completion: bool,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sessions)]
struct SessionChanges {
    kind: Option<SessionKind>,
    title: Option<String>,
    description: Option<String>,
    starts_at: Option<NaiveDateTime>,
    ends_at: Option<NaiveDateTime>,
    online_url: Option<Option<String>>,
    venue: Option<Option<String>>,
    trainer_id: Option<Option<UserId>>,
    status: Option<SessionStatus>,
    counts_for_completion: Option<bool>,
    updated_at: Option<NaiveDateTime>,
    deleted_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    pub id: SessionId,
    pub cohort_id: CohortId,
    pub kind: SessionKind,
    pub title: String,
    pub description: String,
    /// UTC.
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub starts_at: DateTime<Utc>,
    /// UTC; always after `starts_at`.
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub ends_at: DateTime<Utc>,
    /// The cohort's IANA zone.
    #[schema(example = "Africa/Douala")]
    pub timezone: String,
    /// `starts_at` with the offset of `timezone`.
    #[schema(format = DateTime, example = "2026-03-02T09:00:00+01:00")]
    pub local_starts_at: String,
    /// `ends_at` with the offset of `timezone`.
    #[schema(format = DateTime, example = "2026-03-02T11:00:00+01:00")]
    pub local_ends_at: String,
    pub online_url: Option<String>,
    pub venue: Option<String>,
    /// Lead trainer (an active trainer of the cohort when set).
    pub trainer_id: Option<UserId>,
    pub status: SessionStatus,
    /// Whether attendance counts towards completing the programme.
    pub counts_for_completion: bool,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
    /// Null unless deleted; deleted sessions only appear as tombstones in
    /// `?updated_since=` lists.
    #[serde(serialize_with = "crate::db::instants::utc_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl SessionDto {
    pub fn new(s: Session, timezone: &str) -> Self {
        Self {
            id: s.id,
            cohort_id: s.cohort_id,
            kind: s.kind,
            title: s.title,
            description: s.description,
            starts_at: s.starts_at.and_utc(),
            ends_at: s.ends_at.and_utc(),
            timezone: timezone.to_owned(),
            local_starts_at: local_time(s.starts_at, timezone),
            local_ends_at: local_time(s.ends_at, timezone),
            online_url: s.online_url,
            venue: s.venue,
            trainer_id: s.trainer_id,
            status: s.status,
            counts_for_completion: s.counts_for_completion,
            created_at: s.created_at.and_utc(),
            updated_at: s.updated_at.and_utc(),
            deleted_at: s.deleted_at.map(|d| d.and_utc()),
        }
    }
}

/// A UTC instant as RFC 3339 with the zone's offset at that instant
/// (`+00:00` rather than `Z`, so clients read the offset the same way for
/// every zone). An unknown zone, which validation keeps out, falls back to UTC.
pub fn local_time(at: NaiveDateTime, timezone: &str) -> String {
    let offset = match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => tz.offset_from_utc_datetime(&at).fix(),
        Err(_) => FixedOffset::east_opt(0).expect("zero is a valid offset"),
    };
    crate::db::instants::with_offset(at, offset)
}

/// An instant from a client, in UTC at the precision both databases keep.
pub fn to_utc(at: DateTime<FixedOffset>) -> NaiveDateTime {
    at.with_timezone(&Utc).trunc_subsecs(6).naive_utc()
}

/// An absolute `http` or `https` URL without control characters.
pub fn http_url(value: &str) -> Result<(), ValidationError> {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    let http = lower.starts_with("http://") || lower.starts_with("https://");
    // The URL parser silently drops tabs and line breaks; we store the raw
    // text, so refuse them (they would otherwise reach calendar files).
    if http && value.validate_url() && !value.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(ValidationError::new("url"))
    }
}

/// Trimmed, and empty means none.
fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateSessionRequest {
    pub kind: SessionKind,
    #[validate(custom(function = "not_blank"), length(max = 200))]
    pub title: String,
    #[validate(length(max = 10000))]
    pub description: Option<String>,
    /// RFC 3339 with any offset; stored in UTC.
    #[schema(example = "2026-03-02T09:00:00+01:00")]
    pub starts_at: DateTime<FixedOffset>,
    /// After `starts_at`.
    #[schema(example = "2026-03-02T11:00:00+01:00")]
    pub ends_at: DateTime<FixedOffset>,
    /// `http` or `https` link to join online.
    #[validate(custom(function = "http_url"), length(max = 2000))]
    pub online_url: Option<String>,
    /// Where to meet in person.
    #[validate(length(max = 300))]
    pub venue: Option<String>,
    /// An active trainer of the cohort.
    pub trainer_id: Option<UserId>,
    /// Default true.
    pub counts_for_completion: Option<bool>,
}

/// Absent fields stay as they are; `null` clears the nullable ones.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateSessionRequest {
    pub kind: Option<SessionKind>,
    #[validate(custom(function = "not_blank"), length(max = 200))]
    pub title: Option<String>,
    /// Null empties it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub starts_at: Option<DateTime<FixedOffset>>,
    pub ends_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "http_url"), length(max = 2000))]
    #[schema(value_type = Option<String>)]
    pub online_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 300))]
    #[schema(value_type = Option<String>)]
    pub venue: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<UserId>)]
    pub trainer_id: Option<Option<UserId>>,
    /// `cancelled` cancels; `scheduled` restores.
    pub status: Option<SessionStatus>,
    pub counts_for_completion: Option<bool>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionFilters {
    pub kind: Option<SessionKind>,
    /// Only sessions that end after this instant (RFC 3339).
    #[serde(default, deserialize_with = "query_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<NaiveDateTime>,
    /// Only sessions that start before this instant (RFC 3339).
    #[serde(default, deserialize_with = "query_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<NaiveDateTime>,
    /// Sync: only sessions changed after this instant, deleted ones included
    /// as tombstones (`deleted_at` set), ordered by `updated_at`.
    #[serde(default, deserialize_with = "query_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_since: Option<NaiveDateTime>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page (of the same kind of listing).
    pub cursor: Option<String>,
}

/// An RFC 3339 instant in a query string, as UTC. A `+` that the query
/// string turned into a space (`…T09:00:00 01:00`) is read as the `+` the
/// client meant.
fn query_instant<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    let raw = String::deserialize(d)?;
    let parsed =
        DateTime::parse_from_rfc3339(raw.trim()).or_else(|e| match raw.trim().rsplit_once(' ') {
            Some((head, tail)) if head.len() >= 19 => {
                DateTime::parse_from_rfc3339(&format!("{head}+{tail}"))
            }
            _ => Err(e),
        });
    parsed
        .map(|at| Some(to_utc(at)))
        .map_err(serde::de::Error::custom)
}

/// A live session, its cohort and the caller's access, checked against
/// `rule` like [`cohort_for`], in one round trip. For other modules hanging
/// things off sessions (attendance, materials).
pub fn session_for(
    conn: &mut DbConnection,
    actor: &Actor,
    id: SessionId,
    rule: impl Fn(&CohortAccess) -> bool,
) -> Result<(Session, Cohort, CohortAccess), AppError> {
    let query = sessions::table
        .inner_join(cohorts_t::table)
        .left_join(
            memberships::table.on(memberships::cohort_id
                .eq(cohorts_t::id)
                .and(memberships::user_id.eq(actor.id))),
        )
        .filter(sessions::id.eq(id))
        .filter(sessions::deleted_at.is_null());
    let membership = (memberships::role, memberships::status).nullable();
    // Hot path: on the concrete connection (see `db::on_backend!`).
    let row: Option<(Session, Cohort, Option<Membership>)> = crate::on_backend!(conn, c => query
            .select((Session::as_select(), Cohort::as_select(), membership))
            .first(c)
            .optional())?;
    let (session, cohort, membership) = row.ok_or(AppError::NotFound)?;
    let access = cohort.access_of(Some(actor), membership);
    access.require(rule(&access))?;
    Ok((session, cohort, access))
}

/// The same for an edit: on PostgreSQL the session row stays locked until
/// the end of the transaction (SQLite's write transaction already excludes
/// other writers).
fn session_for_update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: SessionId,
    rule: impl Fn(&CohortAccess) -> bool,
) -> Result<(Session, Cohort, CohortAccess), AppError> {
    let live = sessions::table
        .find(id)
        .filter(sessions::deleted_at.is_null());
    let session = match conn {
        DbConnection::Pg(pg) => live
            .select(Session::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(lite) => live.select(Session::as_select()).first(lite).optional(),
    }?
    .ok_or(AppError::NotFound)?;
    let (cohort, access) = cohorts::cohort_for(conn, actor, session.cohort_id, false, rule)?;
    Ok((session, cohort, access))
}

fn is_active_trainer(conn: &mut DbConnection, cohort: CohortId, user: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        memberships::table
            .filter(memberships::cohort_id.eq(cohort))
            .filter(memberships::user_id.eq(user))
            .filter(memberships::role.eq(MemberRole::Trainer))
            .filter(memberships::status.eq(MemberStatus::Active)),
    ))
    .get_result(conn)
}

/// The rules a request cannot check on its own: lead trainer and order of
/// start and end.
fn check(
    conn: &mut DbConnection,
    cohort: CohortId,
    trainer: Option<UserId>,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if ends_at <= starts_at {
        errors.push(FieldError::new("ends_at", Issue::EndBeforeStart));
    }
    if let Some(trainer) = trainer {
        if !is_active_trainer(conn, cohort, trainer)? {
            errors.push(FieldError::new("trainer_id", Issue::NotATrainer));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Which order a listing walks; the cursor carries it so that a cursor
/// from one kind of listing is refused by the other.
const BY_START: &str = "s";
const BY_UPDATE: &str = "u";

/// `GET /api/v1/cohorts/{id}/sessions`: sessions by start time, or changes since an instant (staff and admitted members).
#[utoipa::path(
    get, path = "/api/v1/cohorts/{id}/sessions", tag = "sessions",
    security(("bearer" = [])),
    params(
        ("id" = CohortId, Path),
        SessionFilters,
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a page the client holds"),
    ),
    responses(
        (status = 200, description = "Ordered by `(starts_at, id)`; with `updated_since`, by `(updated_at, id)` with tombstones", body = Page<SessionDto>,
            headers(("ETag" = String, description = "Weak validator of this answer; send it back in `If-None-Match`"))),
        (status = 304, description = "Unchanged since the ETag sent in `If-None-Match`"),
        (status = 400, description = "Unreadable filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    id: web::Path<CohortId>,
    filters: web::Query<SessionFilters>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let filters = filters.into_inner();
    let paging = PageParams::new(filters.limit, filters.cursor.clone());
    let limit = paging.limit()?;
    let order = if filters.updated_since.is_some() {
        BY_UPDATE
    } else {
        BY_START
    };
    let after: Option<(String, NaiveDateTime, SessionId)> = paging.cursor()?;
    if after.as_ref().is_some_and(|(o, _, _)| o != order) {
        return Err(AppError::field("cursor", Issue::Invalid));
    }
    let cache = state.cache.clone();
    let answer = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        let (cohort, _) =
            cohorts::cohort_for(conn, &actor, id, false, CohortAccess::can_see_private)?;
        let key = SessionPageKey {
            cohort: id,
            version: cohort.sessions_version,
            timezone: cohort.timezone.clone(),
            kind: filters.kind,
            window: (filters.from, filters.to, filters.updated_since),
            limit,
            after: after.clone(),
        };
        cache.get_or_make_for(&key, || -> Result<Cached, AppError> {
            let page = page_of_sessions(conn, &cohort, &filters, limit, order, after)?;
            Ok(Cached::json(&page)?)
        })
    })
    .await?;
    Ok(cache::respond(&req, &answer, JSON))
}

/// Everything a page of sessions is made of: the cohort's sessions, its
/// time zone, and the request's filters.
// Its fields are read by `Debug`, which makes the key text.
#[allow(dead_code)]
#[derive(Debug)]
struct SessionPageKey {
    cohort: CohortId,
    version: i64,
    timezone: String,
    kind: Option<SessionKind>,
    /// `from`, `to` and `updated_since`.
    window: (
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    ),
    limit: i64,
    after: Option<(String, NaiveDateTime, SessionId)>,
}

impl CacheKey for SessionPageKey {}

/// One page of a cohort's sessions, as [`list_sessions`] describes.
fn page_of_sessions(
    conn: &mut DbConnection,
    cohort: &Cohort,
    filters: &SessionFilters,
    limit: i64,
    order: &'static str,
    after: Option<(String, NaiveDateTime, SessionId)>,
) -> QueryResult<Page<SessionDto>> {
    let id = cohort.id;
    let mut query = sessions::table
        .filter(sessions::cohort_id.eq(id))
        .into_boxed::<MultiBackend>();
    if let Some(kind) = filters.kind {
        query = query.filter(sessions::kind.eq(kind));
    }
    if let Some(from) = filters.from {
        query = query.filter(sessions::ends_at.gt(from));
    }
    if let Some(to) = filters.to {
        query = query.filter(sessions::starts_at.lt(to));
    }
    if let Some(since) = filters.updated_since {
        query = query
            .filter(sessions::updated_at.gt(since))
            .order((sessions::updated_at.asc(), sessions::id.asc()));
        if let Some((_, at, last)) = after {
            query = query.filter(
                sessions::updated_at
                    .gt(at)
                    .or(sessions::updated_at.eq(at).and(sessions::id.gt(last))),
            );
        }
    } else {
        query = query
            .filter(sessions::deleted_at.is_null())
            .order((sessions::starts_at.asc(), sessions::id.asc()));
        if let Some((_, at, last)) = after {
            query = query.filter(
                sessions::starts_at
                    .gt(at)
                    .or(sessions::starts_at.eq(at).and(sessions::id.gt(last))),
            );
        }
    }
    let rows = query
        .limit(limit + 1)
        .select(Session::as_select())
        .load(conn)?;
    Ok(page_from(
        rows,
        limit,
        |s| {
            let at = if order == BY_UPDATE {
                s.updated_at
            } else {
                s.starts_at
            };
            (order, at, s.id)
        },
        |s| SessionDto::new(s, &cohort.timezone),
    ))
}

/// `POST /api/v1/cohorts/{id}/sessions`: schedule a session (staff, the cohort's trainers).
#[utoipa::path(
    post, path = "/api/v1/cohorts/{id}/sessions", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = CohortId, Path)),
    request_body = CreateSessionRequest,
    responses(
        (status = 201, body = SessionDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, end not after start, lead trainer not a trainer of the cohort", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_session(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<CohortId>,
    Json(body): Json<CreateSessionRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let (session, timezone) = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            let (cohort, _) =
                cohorts::cohort_for(conn, &actor, id, false, CohortAccess::can_manage_sessions)?;
            let starts_at = to_utc(body.starts_at);
            let ends_at = to_utc(body.ends_at);
            check(conn, id, body.trainer_id, starts_at, ends_at)?;
            let row = Session {
                id: SessionId::new(),
                cohort_id: id,
                kind: body.kind,
                title: body.title.trim().to_owned(),
                description: body.description.unwrap_or_default(),
                starts_at,
                ends_at,
                online_url: optional_text(body.online_url),
                venue: optional_text(body.venue),
                trainer_id: body.trainer_id,
                status: SessionStatus::Scheduled,
                counts_for_completion: body.counts_for_completion.unwrap_or(true),
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            diesel::insert_into(sessions::table)
                .values(&row)
                .execute(conn)?;
            Ok((row, cohort.timezone))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(SessionDto::new(session, &timezone)))
}

/// `GET /api/v1/sessions/{id}`: one session (staff and admitted members).
#[utoipa::path(
    get, path = "/api/v1/sessions/{id}", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    responses(
        (status = 200, body = SessionDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, deleted, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_session(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (session, cohort) = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        let (session, cohort, _) = session_for(conn, &actor, id, CohortAccess::can_see_private)?;
        Ok((session, cohort))
    })
    .await?;
    Ok(HttpResponse::Ok().json(SessionDto::new(session, &cohort.timezone)))
}

/// `PATCH /api/v1/sessions/{id}`: edit, cancel or restore a session (staff, the cohort's trainers).
#[utoipa::path(
    patch, path = "/api/v1/sessions/{id}", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    request_body = UpdateSessionRequest,
    responses(
        (status = 200, body = SessionDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, end not after start, lead trainer not a trainer of the cohort", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_session(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
    Json(body): Json<UpdateSessionRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let (session, timezone) = db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            let (current, cohort, _) =
                session_for_update(conn, &actor, id, CohortAccess::can_manage_sessions)?;
            let starts_at = body.starts_at.map(to_utc);
            let ends_at = body.ends_at.map(to_utc);
            let new_trainer = body.trainer_id.flatten().filter(|t| {
                // Re-checking an unchanged lead trainer would block edits
                // after they left the cohort; only a new one must qualify.
                Some(*t) != current.trainer_id
            });
            check(
                conn,
                current.cohort_id,
                new_trainer,
                starts_at.unwrap_or(current.starts_at),
                ends_at.unwrap_or(current.ends_at),
            )?;
            let changes = SessionChanges {
                kind: body.kind,
                title: body.title.map(|t| t.trim().to_owned()),
                description: body.description.map(Option::unwrap_or_default),
                starts_at,
                ends_at,
                online_url: body.online_url.map(optional_text),
                venue: body.venue.map(optional_text),
                trainer_id: body.trainer_id,
                status: body.status,
                counts_for_completion: body.counts_for_completion,
                updated_at: Some(now),
                deleted_at: None,
            };
            let updated: Session = diesel::update(sessions::table.find(id))
                .set(&changes)
                .returning(<Session as Selectable<MultiBackend>>::construct_selection())
                .get_result(conn)?;
            Ok((updated, cohort.timezone))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(SessionDto::new(session, &timezone)))
}

/// `DELETE /api/v1/sessions/{id}`: delete a session (staff, the cohort's trainers).
#[utoipa::path(
    delete, path = "/api/v1/sessions/{id}", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = SessionId, Path)),
    responses(
        (status = 204, description = "Deleted; syncing clients see a tombstone"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_session(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        let actor = crate::users::actor(conn, &auth)?;
        write_tx(conn, |conn| {
            session_for_update(conn, &actor, id, CohortAccess::can_manage_sessions)?;
            diesel::update(sessions::table.find(id))
                .set(&SessionChanges {
                    updated_at: Some(now),
                    deleted_at: Some(Some(now)),
                    ..Default::default()
                })
                .execute(conn)?;
            Ok::<_, AppError>(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn local_times_carry_the_zone_offset() {
        assert_eq!(
            local_time(at(8), "Africa/Douala"),
            "2026-03-02T09:00:00+01:00"
        );
        assert_eq!(
            local_time(at(8), "Africa/Abidjan"),
            "2026-03-02T08:00:00+00:00"
        );
        assert_eq!(
            local_time(at(8), "Nowhere/Atlantis"),
            "2026-03-02T08:00:00+00:00"
        );
    }

    #[test]
    fn client_instants_become_utc_microseconds() {
        let parsed = DateTime::parse_from_rfc3339("2026-03-02T09:00:00.123456789+01:00").unwrap();
        assert_eq!(to_utc(parsed).to_string(), "2026-03-02 08:00:00.123456");
    }

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(http_url("https://meet.example.org/abc").is_ok());
        assert!(http_url("HTTP://example.org").is_ok());
        assert!(http_url("ftp://example.org").is_err());
        assert!(http_url("javascript:alert(1)").is_err());
        assert!(http_url("not a url").is_err());
        assert!(http_url("https://example.org/\r\nX-EVIL:1").is_err());
    }

    #[test]
    fn query_instants_accept_a_plus_turned_space() {
        #[derive(Deserialize)]
        struct Q {
            #[serde(default, deserialize_with = "query_instant")]
            from: Option<NaiveDateTime>,
        }
        let q: Q = serde_urlencoded_like("2026-03-02T09:00:00 01:00");
        assert_eq!(q.from, Some(at(8)));
        let q: Q = serde_urlencoded_like("2026-03-02T08:00:00Z");
        assert_eq!(q.from, Some(at(8)));

        fn serde_urlencoded_like<T: serde::de::DeserializeOwned>(v: &str) -> T {
            serde_json::from_value(serde_json::json!({ "from": v })).unwrap()
        }
    }

    #[test]
    fn every_kind_has_a_label_in_both_languages() {
        for kind in SessionKind::ALL {
            assert!(!kind.label(Lang::Fr).is_empty());
            assert!(!kind.label(Lang::En).is_empty());
        }
        assert_eq!(SessionKind::CaseStudy.label(Lang::Fr), "Étude de cas");
    }
}
