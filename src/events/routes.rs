//! The HTTP handlers of community events: extract, call [`service`], answer.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::dto::{
    CheckInDto, CreateEventRequest, EventDto, EventFilters, GuestRegistration, GuestToken,
    MyRegistrations, RegistrationDto, RegistrationFilters, RegistrationList, TicketCheckInRequest,
    UpdateEventRequest,
};
use super::rows::{EventId, RegistrationId};
use super::service::{self, Registrant};
use crate::attendance::report_routes::csv_asked;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{AuthUser, ClientAddr, Json, MaybeAuthUser, OptionalJson};
use crate::pagination::{Page, PageParams};
use crate::state::AppState;

/// `GET /api/v1/events`: published events by start, for anyone; staff also see the drafts and cancelled events of the chapters they run.
#[utoipa::path(
    get, path = "/api/v1/events", tag = "events",
    security((), ("bearer" = [])),
    params(EventFilters),
    responses(
        (status = 200, description = "Ordered by `(starts_at, id)`", body = Page<EventDto>),
        (status = 400, description = "Unreadable filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A bearer token was sent and is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_events(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    filters: web::Query<EventFilters>,
) -> Result<HttpResponse, AppError> {
    let filters = filters.into_inner();
    let (limit, after) = service::page_request(&filters)?;
    let page = db::run(&state.pool, move |conn| {
        let actor = crate::users::optional_actor(conn, auth)?;
        service::list_events(conn, actor.as_ref(), &filters, limit, after)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `POST /api/v1/events`: create an event (admins; coordinators in their country).
#[utoipa::path(
    post, path = "/api/v1/events", tag = "events",
    security(("bearer" = [])),
    request_body = CreateEventRequest,
    responses(
        (status = 201, body = EventDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, nor a coordinator of the event's country", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, unknown country, end not after start, a zone other than the country's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_event(
    state: web::Data<AppState>,
    auth: AuthUser,
    Json(body): Json<CreateEventRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_naive();
    let event = db::run(&state.pool, move |conn| {
        service::create_event(conn, &auth, body, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(event))
}

/// `GET /api/v1/events/{id}`: one event (published: anyone; others: its staff and volunteers).
#[utoipa::path(
    get, path = "/api/v1/events/{id}", tag = "events",
    security((), ("bearer" = [])),
    params(("id" = EventId, Path)),
    responses(
        (status = 200, body = EventDto),
        (status = 401, description = "A bearer token was sent and is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not published and not the caller's to run", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_event(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    id: web::Path<EventId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let event = db::run(&state.pool, move |conn| {
        let actor = crate::users::optional_actor(conn, auth)?;
        service::get_event(conn, actor.as_ref(), id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(event))
}

/// `PATCH /api/v1/events/{id}`: edit, publish or cancel an event (admins; coordinators of its country).
#[utoipa::path(
    patch, path = "/api/v1/events/{id}", tag = "events",
    security(("bearer" = [])),
    params(("id" = EventId, Path)),
    request_body = UpdateEventRequest,
    responses(
        (status = 200, body = EventDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, end not after start, a status move the lifecycle forbids, a zone other than the country's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_event(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<EventId>,
    Json(body): Json<UpdateEventRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let event = db::run(&state.pool, move |conn| {
        service::update_event(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(event))
}

/// `GET /api/v1/events/{id}/calendar.ics`: the event as an iCalendar file, to add to a phone's calendar.
#[utoipa::path(
    get, path = "/api/v1/events/{id}/calendar.ics", tag = "events",
    security((), ("bearer" = [])),
    params(("id" = EventId, Path)),
    responses(
        (status = 200, description = "One VEVENT, instants in UTC", body = String, content_type = "text/calendar"),
        (status = 401, description = "A bearer token was sent and is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn event_calendar(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    id: web::Path<EventId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = db::run(&state.pool, move |conn| {
        let actor = crate::users::optional_actor(conn, auth)?;
        service::event_calendar(conn, actor.as_ref(), id)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"event-{id}.ics\""),
        ))
        .body(body))
}

/// `POST /api/v1/events/{id}/registrations`: register for a published event, as the signed-in member (no body) or as a guest (`{full_name, email}`).
#[utoipa::path(
    post, path = "/api/v1/events/{id}/registrations", tag = "events",
    security((), ("bearer" = [])),
    params(("id" = EventId, Path)),
    request_body(content = Option<GuestRegistration>, description = "Empty for the signed-in member; a guest's name and email otherwise"),
    responses(
        (status = 201, description = "A seat (`registered`) or a place on the waitlist (`waitlisted`); a guest's answer carries `cancel_token` and `cancel_url`, once", body = RegistrationDto),
        (status = 400, description = "Unreadable JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No body and no valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or unpublished event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already registered (`already_registered`), or the event is not open (`event_not_open`) or over (`event_over`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body that is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or email", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many guest registrations from this client address (`rate_limited`): `GUEST_REGISTRATIONS_PER_CLIENT` per `CLIENT_WINDOW_SECONDS`; members are not counted", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until a new registration is counted"))),
    )
)]
pub async fn register_for_event(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    client: ClientAddr,
    id: web::Path<EventId>,
    OptionalJson(guest): OptionalJson<GuestRegistration>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let who = match (guest, auth.0) {
        (Some(form), _) => Registrant::Guest {
            form,
            client: client.0,
        },
        (None, Some(auth)) => Registrant::Member(auth),
        (None, None) => return Err(AppError::Unauthorized(crate::error::Msg::MissingToken)),
    };
    let now = state.clock.now_naive();
    let base = state.settings.public_base_url.clone().unwrap_or_default();
    let limits = state.settings.throttle;
    let registration = db::run(&state.pool, move |conn| {
        service::register(conn, &limits, who, id, now, &base)
    })
    .await?;
    Ok(HttpResponse::Created().json(registration))
}

/// `GET /api/v1/events/{id}/registrations`: the registrations in line order with their tickets and counts per status, as JSON or CSV (the event's staff and its country's volunteers).
#[utoipa::path(
    get, path = "/api/v1/events/{id}/registrations", tag = "events",
    security(("bearer" = [])),
    description = "The check-in list a door needs offline: ticket codes for staff and the \
        country's volunteers, emails for staff only. `Accept: text/csv` or `?format=csv` \
        returns every registration as UTF-8 CSV with a byte-order mark; cells starting \
        with = + - @ are prefixed with `'`.",
    params(("id" = EventId, Path), RegistrationFilters),
    responses(
        (status = 200, description = "A page of registrations, or all of them as CSV", content(
            (RegistrationList = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `limit`, `cursor`, `format` or `delimiter`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_registrations(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<EventId>,
    params: web::Query<RegistrationFilters>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (id, params) = (id.into_inner(), params.into_inner());
    let status = params.status;
    if let Some(delimiter) = csv_asked(params.format.as_deref(), params.delimiter.as_deref(), &req)?
    {
        let csv = db::run(&state.pool, move |conn| {
            service::registrations_csv(conn, &auth, id, status, delimiter)
        })
        .await?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"registrations-{id}.csv\""),
            ))
            .body(csv));
    }
    let paging = PageParams::new(params.limit, params.cursor);
    let list = db::run(&state.pool, move |conn| {
        service::list_registrations(conn, &auth, id, status, &paging)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `GET /api/v1/events/{id}/registrations/{registration_id}`: one registration with its ticket (its owner, a guest with `?cancel_token=`, the event's staff).
#[utoipa::path(
    get, path = "/api/v1/events/{id}/registrations/{registration_id}", tag = "events",
    security((), ("bearer" = [])),
    params(("id" = EventId, Path), ("registration_id" = RegistrationId, Path), GuestToken),
    responses(
        (status = 200, body = RegistrationDto),
        (status = 401, description = "A bearer token was sent and is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_registration(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    path: web::Path<(EventId, RegistrationId)>,
    token: web::Query<GuestToken>,
) -> Result<HttpResponse, AppError> {
    let (id, registration) = path.into_inner();
    let token = token.into_inner().cancel_token;
    let body = db::run(&state.pool, move |conn| {
        let actor = crate::users::optional_actor(conn, auth)?;
        service::get_registration(conn, actor.as_ref(), id, registration, token.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// `DELETE /api/v1/events/{id}/registrations/{registration_id}`: cancel a registration (its owner, a guest with `?cancel_token=`, the event's staff); the seat goes to the longest-waiting person.
#[utoipa::path(
    delete, path = "/api/v1/events/{id}/registrations/{registration_id}", tag = "events",
    security((), ("bearer" = [])),
    params(("id" = EventId, Path), ("registration_id" = RegistrationId, Path), GuestToken),
    responses(
        (status = 204, description = "Cancelled (or already was)"),
        (status = 401, description = "A bearer token was sent and is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel_registration(
    state: web::Data<AppState>,
    auth: MaybeAuthUser,
    path: web::Path<(EventId, RegistrationId)>,
    token: web::Query<GuestToken>,
) -> Result<HttpResponse, AppError> {
    let (id, registration) = path.into_inner();
    let token = token.into_inner().cancel_token;
    let now = state.clock.now_naive();
    db::run(&state.pool, move |conn| {
        let actor = crate::users::optional_actor(conn, auth)?;
        service::cancel_registration(
            conn,
            actor.as_ref(),
            id,
            registration,
            token.as_deref(),
            now,
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/events/{id}/check-ins`: check a ticket in at the door, now or as replayed from an offline scan (the event's staff and its country's volunteers).
#[utoipa::path(
    post, path = "/api/v1/events/{id}/check-ins", tag = "events",
    security(("bearer" = [])),
    params(("id" = EventId, Path)),
    request_body = TicketCheckInRequest,
    responses(
        (status = 200, description = "Checked in; a repeated or replayed scan answers the first check-in's time", body = CheckInDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown event, or no ticket of this event has this code", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A waitlisted (`ticket_waitlisted`) or cancelled (`ticket_cancelled`) ticket, an event not published (`event_not_open`), or a live scan (no `scanned_at`) before the door opens, 12 hours before the start (`door_not_open`: `opens_at` and `detail` say when) or after it closes, 12 hours after the end (`event_over`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, or a `scanned_at` outside the door's hours by more than the clock skew allowed (120 s) or more than 5 minutes ahead of the server's clock", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn check_in_ticket(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<EventId>,
    Json(body): Json<TicketCheckInRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let body = db::run(&state.pool, move |conn| {
        service::check_in(conn, &auth, id, body, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /api/v1/me/registrations`: the caller's live event registrations with their tickets, soonest event first.
#[utoipa::path(
    get, path = "/api/v1/me/registrations", tag = "events",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MyRegistrations),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_registrations(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, AppError> {
    let body = db::run(&state.pool, move |conn| {
        service::my_registrations(conn, &auth)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
