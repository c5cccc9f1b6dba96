//! The use cases of community events: who may see and run them, the line
//! of registrations (seats, then a first-come waitlist), and the door.
//!
//! Every change to who holds a seat runs in one write transaction that
//! first locks the event row, so seats are never over-given, and a freed
//! seat goes to the longest-waiting person in the same transaction.

use chrono::{Duration, NaiveDateTime};

use super::dto::{
    CheckInDto, CreateEventRequest, EventDto, EventFilters, GuestRegistration, MyRegistration,
    MyRegistrations, RegistrationCounts, RegistrationDto, RegistrationList, TicketCheckInRequest,
    UpdateEventRequest,
};
use super::queries::{self, EventCursor, EventQuery, Shown};
use super::rows::{
    Event, EventChanges, EventId, EventStatus, Registration, RegistrationId, RegistrationStatus,
};
use crate::access::{runs_chapter, Actor, EventAccess};
use crate::attendance::checkin_service::CLOCK_SKEW_SECONDS;
use crate::attendance::report_dto::push_row;
use crate::auth::throttle::{self, ClientAction};
use crate::config::Throttle;
use crate::db::{write_tx, DbConnection};
use crate::error::{AppError, FieldError, Issue, Msg};
use crate::http::AuthUser;
use crate::pagination::{page_from, Page, PageParams};
use crate::progress::codes;
use crate::sessions::dto::to_utc;
use crate::sessions::ics::{self, Calendar};

/// Where pan-African events are shown when no zone is given.
pub const PAN_AFRICAN_TIMEZONE: &str = "Africa/Abidjan";

/// The longest an event may last.
pub const MAX_EVENT_DAYS: i64 = 31;

/// How far from the event a door scan may be dated: the door opens this
/// long before the start and closes this long after the end.
const DOOR_MARGIN_HOURS: i64 = 12;

/// How far ahead of the server's clock a scan may be dated.
const DOOR_AHEAD_MINUTES: i64 = 5;

/// The access of `actor` to `event`, asking the database whether they
/// volunteer for its country only when that could change the answer.
fn access_to(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    event: &Event,
) -> Result<EventAccess, AppError> {
    let country = event.country_code.as_deref();
    let published = event.status == EventStatus::Published;
    let volunteer = match (actor, country) {
        (Some(a), Some(c)) if !runs_chapter(a, Some(c)) => {
            crate::countries::queries::is_volunteer(conn, a.id, c)?
        }
        _ => false,
    };
    Ok(EventAccess::new(actor, country, published, volunteer))
}

/// The event and the caller's access to it; 404 when they may not see it.
fn event_for(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    id: EventId,
    lock: bool,
) -> Result<(Event, EventAccess), AppError> {
    let event = if lock {
        queries::event_for_update(conn, id)?
    } else {
        queries::find_event(conn, id)?
    }
    .ok_or(AppError::NotFound)?;
    let access = access_to(conn, actor, &event)?;
    access.require(access.see)?;
    Ok((event, access))
}

/// Trimmed, and empty means none.
fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Start before end, a bounded length, and the zone of the event's
/// country.
fn check(
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    timezone: Option<&str>,
    country_zone: Option<&str>,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if ends_at <= starts_at {
        errors.push(FieldError::new("ends_at", Issue::EndBeforeStart));
    } else if ends_at - starts_at > Duration::days(MAX_EVENT_DAYS) {
        errors.push(FieldError::new(
            "ends_at",
            Issue::LongerThan {
                days: MAX_EVENT_DAYS,
            },
        ));
    }
    if let (Some(given), Some(zone)) = (timezone, country_zone) {
        if given != zone {
            errors.push(FieldError::new("timezone", Issue::Invalid));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Creates an event (admins anywhere; coordinators in their country).
pub fn create_event(
    conn: &mut DbConnection,
    auth: &AuthUser,
    body: CreateEventRequest,
    now: NaiveDateTime,
) -> Result<EventDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let country = match body.country_code.as_deref() {
        Some(code) => Some(
            crate::countries::find(conn, code)?
                .ok_or_else(|| AppError::field("country_code", Issue::UnknownCountry))?,
        ),
        None => None,
    };
    if !runs_chapter(&actor, body.country_code.as_deref()) {
        return Err(AppError::Forbidden(Some(Msg::NotYourCountry)));
    }
    let (starts_at, ends_at) = (to_utc(body.starts_at), to_utc(body.ends_at));
    let country_zone = country.as_ref().map(|c| c.timezone.as_str());
    check(starts_at, ends_at, body.timezone.as_deref(), country_zone)?;
    let status = body.status.unwrap_or(EventStatus::Draft);
    if status == EventStatus::Cancelled {
        return Err(AppError::field(
            "status",
            Issue::OneOf(vec!["draft".into(), "published".into()]),
        ));
    }
    let row = Event {
        id: EventId::new(),
        title: body.title.trim().to_owned(),
        description: body.description.unwrap_or_default(),
        timezone: country_zone
            .map(str::to_owned)
            .or(body.timezone)
            .unwrap_or_else(|| PAN_AFRICAN_TIMEZONE.to_owned()),
        country_code: body.country_code,
        starts_at,
        ends_at,
        venue: optional_text(body.venue),
        online_url: optional_text(body.online_url),
        capacity: body.capacity,
        status,
        registered_count: 0,
        waitlisted_count: 0,
        last_position: 0,
        last_seated: false,
        created_by: actor.id,
        created_at: now,
        updated_at: now,
    };
    queries::insert_event(conn, &row)?;
    tracing::info!(event_id = %row.id, by = %actor.id, "event created");
    Ok(EventDto::from(row))
}

/// One event: published ones to anyone, others to those who run it or
/// keep its door.
pub fn get_event(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    id: EventId,
) -> Result<EventDto, AppError> {
    let (event, _) = event_for(conn, actor, id, false)?;
    Ok(EventDto::from(event))
}

/// The page size and cursor of an event listing, read first.
pub fn page_request(filters: &EventFilters) -> Result<(i64, Option<EventCursor>), AppError> {
    let paging = PageParams::new(filters.limit, filters.cursor.clone());
    let (limit, after) = (paging.limit()?, paging.cursor()?);
    if let Some(country) = filters.country.as_deref() {
        if crate::validation::upper_letters(country, 2).is_err() {
            return Err(AppError::field("country", Issue::UnknownCountry));
        }
    }
    Ok((limit, after))
}

/// Events by start: published ones for everyone, and for staff also the
/// drafts and cancelled events of the chapters they run.
pub fn list_events(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    filters: &EventFilters,
    limit: i64,
    after: Option<EventCursor>,
) -> Result<Page<EventDto>, AppError> {
    let shown = match actor {
        Some(a) if a.is_admin => Shown::All,
        Some(a) => Shown::PublishedAnd(a.coordinates.clone()),
        None => Shown::PublishedAnd(Vec::new()),
    };
    let rows = queries::page_of_events(
        conn,
        &EventQuery {
            shown: &shown,
            country: filters.country.as_deref(),
            from: filters.from,
            to: filters.to,
            status: filters.status,
            limit,
            after,
        },
    )?;
    Ok(page_from(
        rows,
        limit,
        |e| (e.starts_at, e.id),
        EventDto::from,
    ))
}

/// Edits, publishes or cancels an event (those who run its chapter).
/// More seats, or none, seat the waitlist at once.
pub fn update_event(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: EventId,
    body: UpdateEventRequest,
    now: NaiveDateTime,
) -> Result<EventDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    write_tx(conn, |conn| {
        let (current, access) = event_for(conn, Some(&actor), id, true)?;
        access.require(access.manage)?;
        let starts_at = body.starts_at.map(to_utc);
        let ends_at = body.ends_at.map(to_utc);
        let country_zone = current
            .country_code
            .as_ref()
            .map(|_| current.timezone.as_str());
        check(
            starts_at.unwrap_or(current.starts_at),
            ends_at.unwrap_or(current.ends_at),
            body.timezone.as_deref(),
            country_zone,
        )?;
        if let Some(to) = body.status {
            if !current.status.can_move_to(to) {
                return Err(AppError::field(
                    "status",
                    Issue::Transition {
                        from: current.status.to_string(),
                        to: to.to_string(),
                    },
                ));
            }
        }
        let changes = EventChanges {
            title: body.title.map(|t| t.trim().to_owned()),
            description: body.description.map(Option::unwrap_or_default),
            starts_at,
            ends_at,
            timezone: body.timezone.filter(|_| current.country_code.is_none()),
            venue: body.venue.map(optional_text),
            online_url: body.online_url.map(optional_text),
            capacity: body.capacity,
            status: body.status,
            updated_at: Some(now),
        };
        let updated = queries::update_event(conn, id, &changes)?;
        let seated = seat_waitlist(conn, &updated, now)?;
        let updated = if seated > 0 {
            queries::find_event(conn, id)?.ok_or(AppError::NotFound)?
        } else {
            updated
        };
        Ok(EventDto::from(updated))
    })
}

/// Gives the free seats of `event` (its counters as read under its lock)
/// to the longest-waiting people: how many were seated. Only a published
/// event that has not ended seats anyone.
fn seat_waitlist(
    conn: &mut DbConnection,
    event: &Event,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    if event.status != EventStatus::Published || event.ends_at <= now || event.waitlisted_count == 0
    {
        return Ok(0);
    }
    let n = event.free_seats().min(i64::from(event.waitlisted_count));
    let seated = queries::promote(conn, event.id, n, now)? as i32;
    if seated > 0 {
        queries::shift_counts(conn, event.id, seated, -seated)?;
        tracing::info!(event_id = %event.id, seated, "waitlist seated");
    }
    Ok(i64::from(seated))
}

/// The event as an iCalendar file (published events; staff see others).
pub fn event_calendar(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    id: EventId,
) -> Result<String, AppError> {
    let (event, _) = event_for(conn, actor, id, false)?;
    let calendar = Calendar {
        name: event.title.clone(),
        timezone: Some(event.timezone.clone()),
        events: vec![ics::Event {
            uid: format!("{}@griot", event.id),
            starts_at: event.starts_at,
            ends_at: event.ends_at,
            created_at: event.created_at,
            updated_at: event.updated_at,
            summary: event.title,
            description: Some(event.description),
            location: event.venue,
            url: event.online_url,
            cancelled: event.status == EventStatus::Cancelled,
        }],
    };
    Ok(ics::render(&calendar))
}

/// Who registers: the signed-in caller, or a guest.
pub enum Registrant {
    Member(AuthUser),
    /// A guest's form, sent from this client address.
    Guest {
        form: GuestRegistration,
        client: String,
    },
}

/// Registers a member or a guest for a published event that has not
/// ended: a seat while there are some, else a place on the waitlist. A
/// guest gets the token that cancels the registration, once. Guests are
/// counted per client address first (`limits`), in the database, and
/// refused with a 429 past `GUEST_REGISTRATIONS_PER_CLIENT` per window.
pub fn register(
    conn: &mut DbConnection,
    limits: &Throttle,
    who: Registrant,
    id: EventId,
    now: NaiveDateTime,
    base_url: &str,
) -> Result<RegistrationDto, AppError> {
    let (actor, user, email, full_name, token) = match who {
        Registrant::Member(auth) => {
            let actor = crate::users::actor(conn, &auth)?;
            let user = crate::users::find(conn, actor.id)?.ok_or(AppError::NotFound)?;
            (Some(actor), Some(user.id), user.email, user.full_name, None)
        }
        Registrant::Guest {
            form: guest,
            client,
        } => {
            throttle::client_acts(
                conn,
                limits,
                ClientAction::GuestRegistration,
                &client,
                now.and_utc().timestamp(),
            )?;
            // Anyone may type any email here: a guest's registration never
            // belongs to an account, even one with this email, so it never
            // shows in a member's app, blocks their own registration, or
            // lets its token touch their seat.
            let email = crate::users::normalize_email(&guest.email);
            let token = crate::crypto::random_token();
            (
                None,
                None,
                email,
                guest.full_name.trim().to_owned(),
                Some(token),
            )
        }
    };
    let row = Registration {
        id: RegistrationId::new(),
        event_id: id,
        user_id: user,
        email,
        full_name,
        status: RegistrationStatus::Waitlisted,
        queue_position: 0,
        ticket_code: codes::generate(),
        cancel_token_hash: token.as_deref().map(crate::crypto::hash_token),
        created_at: now,
        updated_at: now,
        cancelled_at: None,
        cancelled_by: None,
        checked_in_at: None,
        checked_in_by: None,
    };
    let placed = write_tx(conn, |conn| match queries::register(conn, &row, now) {
        Ok(placed) => Ok(placed),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Err(AppError::Conflict(Msg::AlreadyRegistered)),
        Err(e) => Err(e.into()),
    })?;
    let row = match placed {
        Some(row) => row,
        // Not open: say why, as the caller may be told.
        None => {
            let (event, _) = event_for(conn, actor.as_ref(), id, false)?;
            return Err(AppError::Conflict(
                if event.status != EventStatus::Published {
                    Msg::EventNotOpen
                } else {
                    Msg::EventOver
                },
            ));
        }
    };
    tracing::info!(event_id = %id, registration_id = %row.id, status = %row.status, "registered");
    let mut dto = RegistrationDto::new(row, true);
    if let Some(token) = token {
        dto.cancel_url = Some(format!(
            "{}/api/v1/events/{}/registrations/{}?cancel_token={token}",
            base_url.trim_end_matches('/'),
            dto.event_id,
            dto.id
        ));
        dto.cancel_token = Some(token);
    }
    Ok(dto)
}

/// Whether the caller may handle the registration: its owner, the
/// event's managers, or a guest holding its token.
fn may_handle(
    access: &EventAccess,
    actor: Option<&Actor>,
    row: &Registration,
    token: Option<&str>,
) -> bool {
    let guest_proof = match (token, row.cancel_token_hash.as_deref()) {
        (Some(t), Some(hash)) => crate::crypto::hash_token(t) == hash,
        _ => false,
    };
    guest_proof || access.can_handle_registration(actor, row.user_id)
}

/// One registration with its ticket: to its owner (or a guest with the
/// token), and to the event's managers.
pub fn get_registration(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    id: EventId,
    registration: RegistrationId,
    token: Option<&str>,
) -> Result<RegistrationDto, AppError> {
    let event = queries::find_event(conn, id)?.ok_or(AppError::NotFound)?;
    let access = access_to(conn, actor, &event)?;
    let row = queries::find_registration(conn, id, registration)?.ok_or(AppError::NotFound)?;
    if !may_handle(&access, actor, &row, token) {
        // Someone else's registration is not shown to exist.
        return Err(AppError::NotFound);
    }
    Ok(RegistrationDto::new(row, true))
}

/// Cancels a registration (its owner, a guest with the token, the event's
/// managers); the seat it held goes to the longest-waiting person in the
/// same transaction. Cancelling twice is harmless.
pub fn cancel_registration(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    id: EventId,
    registration: RegistrationId,
    token: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let event = queries::event_for_update(conn, id)?.ok_or(AppError::NotFound)?;
        let access = access_to(conn, actor, &event)?;
        let row = queries::find_registration(conn, id, registration)?.ok_or(AppError::NotFound)?;
        if !may_handle(&access, actor, &row, token) {
            return Err(AppError::NotFound);
        }
        let (registered, waitlisted) = match row.status {
            RegistrationStatus::Cancelled => return Ok(()),
            RegistrationStatus::Registered => (-1, 0),
            RegistrationStatus::Waitlisted => (0, -1),
        };
        queries::cancel_registration(conn, row.id, actor.map(|a| a.id), now)?;
        queries::shift_counts(conn, id, registered, waitlisted)?;
        let after = Event {
            registered_count: event.registered_count + registered,
            waitlisted_count: event.waitlisted_count + waitlisted,
            ..event
        };
        seat_waitlist(conn, &after, now)?;
        tracing::info!(event_id = %id, registration_id = %row.id, "registration cancelled");
        Ok(())
    })
}

/// Who reads a registration list, and so what it shows.
fn door_access(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: EventId,
) -> Result<EventAccess, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (_, access) = event_for(conn, Some(&actor), id, false)?;
    access.require(access.door)?;
    Ok(access)
}

/// Counts per status, and checked-in seats.
fn counts(conn: &mut DbConnection, id: EventId) -> Result<RegistrationCounts, AppError> {
    let mut out = RegistrationCounts::default();
    for (status, n, checked_in) in queries::counts(conn, id)? {
        match status {
            RegistrationStatus::Registered => {
                out.registered = n;
                out.checked_in = checked_in;
            }
            RegistrationStatus::Waitlisted => out.waitlisted = n,
            RegistrationStatus::Cancelled => out.cancelled = n,
        }
    }
    Ok(out)
}

/// A page of the event's registrations in line order, with the ticket
/// codes a door needs offline (managers and the country's volunteers;
/// emails to managers only), and the counts per status.
pub fn list_registrations(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: EventId,
    status: Option<RegistrationStatus>,
    paging: &PageParams,
) -> Result<RegistrationList, AppError> {
    let limit = paging.limit()?;
    let after: Option<i64> = paging.cursor()?;
    let access = door_access(conn, auth, id)?;
    let rows = queries::page_of_registrations(conn, id, status, Some(limit), after)?;
    let page = page_from(
        rows,
        limit,
        |r| r.queue_position,
        |r| RegistrationDto::new(r, access.manage),
    );
    Ok(RegistrationList {
        counts: counts(conn, id)?,
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

/// Every registration as CSV (byte-order mark, formula guard), in line
/// order.
pub fn registrations_csv(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: EventId,
    status: Option<RegistrationStatus>,
    delimiter: char,
) -> Result<String, AppError> {
    let access = door_access(conn, auth, id)?;
    let rows = queries::page_of_registrations(conn, id, status, None, None)?;
    let mut out = String::from("\u{feff}");
    let header = [
        "position",
        "status",
        "full_name",
        "email",
        "ticket_code",
        "registered_at",
        "checked_in_at",
        "user_id",
    ];
    push_row(&mut out, header.iter().map(|h| h.to_string()), delimiter);
    let stamp = |t: NaiveDateTime| t.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    for r in rows {
        push_row(
            &mut out,
            [
                r.queue_position.to_string(),
                r.status.to_string(),
                r.full_name,
                if access.manage {
                    r.email
                } else {
                    String::new()
                },
                codes::display(&r.ticket_code),
                stamp(r.created_at),
                r.checked_in_at.map(stamp).unwrap_or_default(),
                r.user_id.map(|u| u.to_string()).unwrap_or_default(),
            ]
            .into_iter(),
            delimiter,
        );
    }
    Ok(out)
}

/// Checks a ticket in at the door (the event's managers, the country's
/// volunteers). Exactly one scan of a ticket is the first
/// (`already_checked_in: false`), decided by the database in one
/// statement, however many arrive at once: the door's way to spot a copied
/// ticket. The earliest scan's time is kept: an offline scan replayed late
/// with an earlier `scanned_at` moves it back; a live scan never moves it,
/// so scans at once all answer the same time.
///
/// A live scan before the door opens (`DOOR_MARGIN_HOURS` before the start)
/// is a 409 saying when it opens, one after it closes a 409 `event_over`.
/// A replayed scan may be dated up to [`CLOCK_SKEW_SECONDS`] outside those
/// (phone clocks drift), and no further (422 on `scanned_at`).
pub fn check_in(
    conn: &mut DbConnection,
    auth: &AuthUser,
    id: EventId,
    body: TicketCheckInRequest,
    now: NaiveDateTime,
) -> Result<CheckInDto, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let (event, access) = event_for(conn, Some(&actor), id, false)?;
    access.require(access.door)?;
    if event.status != EventStatus::Published {
        return Err(AppError::Conflict(Msg::EventNotOpen));
    }
    let margin = Duration::hours(DOOR_MARGIN_HOURS);
    let (opens, closes) = (event.starts_at - margin, event.ends_at + margin);
    let replayed = body.scanned_at.is_some();
    let at = match body.scanned_at.map(to_utc) {
        None if now < opens => {
            return Err(AppError::DoorNotOpen {
                opens_at: opens.and_utc(),
                local: crate::sessions::dto::local_time(opens, &event.timezone),
            })
        }
        None if now > closes => return Err(AppError::Conflict(Msg::EventOver)),
        None => now,
        Some(at) => {
            let skew = Duration::seconds(CLOCK_SKEW_SECONDS);
            if at > now + Duration::minutes(DOOR_AHEAD_MINUTES)
                || at < opens - skew
                || at > closes + skew
            {
                return Err(AppError::field("scanned_at", Issue::OutsideEvent));
            }
            at
        }
    };
    let code = codes::normalize(&body.ticket_code).ok_or(AppError::NotFound)?;
    let before = queries::registration_by_ticket(conn, id, &code)?.ok_or(AppError::NotFound)?;
    seated(&before)?;
    let (row, already) = match queries::first_check_in(conn, id, &code, at, actor.id)? {
        Some(row) => (row, false),
        None => {
            if replayed {
                queries::backdate_check_in(conn, id, &code, at, actor.id)?;
            }
            let row =
                queries::registration_by_ticket(conn, id, &code)?.ok_or(AppError::NotFound)?;
            // Cancelled between the two statements: no check-in to show.
            seated(&row)?;
            (row, true)
        }
    };
    let first = row.checked_in_at.unwrap_or(at);
    Ok(CheckInDto {
        registration: RegistrationDto::new(row, access.manage),
        checked_in_at: first.and_utc(),
        already_checked_in: already,
    })
}

/// A 409 unless the registration holds a seat.
fn seated(row: &Registration) -> Result<(), AppError> {
    match row.status {
        RegistrationStatus::Registered => Ok(()),
        RegistrationStatus::Waitlisted => Err(AppError::Conflict(Msg::TicketWaitlisted)),
        RegistrationStatus::Cancelled => Err(AppError::Conflict(Msg::TicketCancelled)),
    }
}

/// The caller's live registrations with their events, soonest first.
pub fn my_registrations(
    conn: &mut DbConnection,
    auth: &AuthUser,
) -> Result<MyRegistrations, AppError> {
    let actor = crate::users::actor(conn, auth)?;
    let rows = queries::registrations_of(conn, actor.id)?;
    Ok(MyRegistrations {
        items: rows
            .into_iter()
            .map(|(r, e)| MyRegistration {
                registration: RegistrationDto::new(r, true),
                event: EventDto::from(e),
            })
            .collect(),
    })
}
