//! Request and response bodies of community events and their
//! registrations.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rows::{Event, EventId, EventStatus, Registration, RegistrationId, RegistrationStatus};
use crate::progress::codes;
use crate::sessions::dto::{http_url, local_time};
use crate::validation::{
    double_option, iana_timezone, not_blank, sane_instant, trimmed, TimeZoneName,
};
use crate::vocab::UserId;

#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    pub id: EventId,
    pub title: String,
    pub description: String,
    /// Null for a pan-African event.
    #[schema(example = "BF")]
    pub country_code: Option<String>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub starts_at: DateTime<Utc>,
    /// Always after `starts_at`.
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub ends_at: DateTime<Utc>,
    /// The country's zone (pan-African: Africa/Abidjan unless set).
    #[schema(example = "Africa/Ouagadougou")]
    pub timezone: String,
    #[schema(format = DateTime, example = "2026-07-18T09:00:00+00:00")]
    pub local_starts_at: String,
    #[schema(format = DateTime, example = "2026-07-18T17:00:00+00:00")]
    pub local_ends_at: String,
    pub venue: Option<String>,
    pub online_url: Option<String>,
    /// Seats; null for no limit. Beyond it, registrations are waitlisted.
    pub capacity: Option<i32>,
    pub status: EventStatus,
    pub registered_count: i32,
    pub waitlisted_count: i32,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<Event> for EventDto {
    fn from(e: Event) -> Self {
        Self {
            local_starts_at: local_time(e.starts_at, &e.timezone),
            local_ends_at: local_time(e.ends_at, &e.timezone),
            id: e.id,
            title: e.title,
            description: e.description,
            country_code: e.country_code,
            starts_at: e.starts_at.and_utc(),
            ends_at: e.ends_at.and_utc(),
            timezone: e.timezone,
            venue: e.venue,
            online_url: e.online_url,
            capacity: e.capacity,
            status: e.status,
            registered_count: e.registered_count,
            waitlisted_count: e.waitlisted_count,
            created_at: e.created_at.and_utc(),
            updated_at: e.updated_at.and_utc(),
        }
    }
}

/// The most seats an event may offer.
pub const MAX_CAPACITY: i32 = 100_000;

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateEventRequest {
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Déconnexion 2027")]
    pub title: String,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Omit (or null) for a pan-African event (admins only).
    #[validate(length(equal = 2))]
    #[schema(pattern = "^[A-Z]{2}$", example = "BF")]
    pub country_code: Option<String>,
    /// RFC 3339 with any offset; stored in UTC.
    #[validate(custom(function = "sane_instant"))]
    #[schema(example = "2027-07-17T09:00:00+00:00")]
    pub starts_at: DateTime<FixedOffset>,
    /// After `starts_at`, at most 31 days later.
    #[validate(custom(function = "sane_instant"))]
    #[schema(example = "2027-07-17T17:00:00+00:00")]
    pub ends_at: DateTime<FixedOffset>,
    /// Pan-African events only (default Africa/Abidjan); a country's
    /// event is in the country's zone, and another one here is refused.
    #[validate(custom(function = "iana_timezone"))]
    #[schema(value_type = Option<TimeZoneName>)]
    pub timezone: Option<String>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub venue: Option<String>,
    #[validate(custom(function = "http_url"), length(max = 2000))]
    #[schema(max_length = 2000)]
    pub online_url: Option<String>,
    /// Seats (1–100000); omit for no limit.
    #[validate(range(min = 1, max = 100_000))]
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<i32>,
    /// `draft` (default) or `published`.
    pub status: Option<EventStatus>,
}

/// Absent fields stay as they are; `null` clears the nullable ones.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateEventRequest {
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub description: Option<Option<String>>,
    #[validate(custom(function = "sane_instant"))]
    pub starts_at: Option<DateTime<FixedOffset>>,
    #[validate(custom(function = "sane_instant"))]
    pub ends_at: Option<DateTime<FixedOffset>>,
    /// Pan-African events only.
    #[validate(custom(function = "iana_timezone"))]
    #[schema(value_type = Option<TimeZoneName>)]
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 300))]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub venue: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "http_url"), length(max = 2000))]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub online_url: Option<Option<String>>,
    /// Null removes the limit; more seats promote the waitlist at once;
    /// fewer seats take no one's away.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 1, max = 100_000))]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 100000)]
    pub capacity: Option<Option<i32>>,
    /// draft → published → cancelled (a draft may be cancelled too).
    pub status: Option<EventStatus>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFilters {
    /// Only this country's events (its code, upper case).
    #[param(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
    /// Only events that end after this instant (RFC 3339).
    #[serde(default, deserialize_with = "crate::sessions::dto::query_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<NaiveDateTime>,
    /// Only events that start before this instant (RFC 3339).
    #[serde(default, deserialize_with = "crate::sessions::dto::query_instant")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<NaiveDateTime>,
    /// Only events with this status (staff see drafts and cancelled events
    /// of the chapters they run; others only published ones).
    pub status: Option<EventStatus>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
}

/// A guest without an account; a signed-in member sends no body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct GuestRegistration {
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Fatou Sawadogo")]
    pub full_name: String,
    /// Compared without regard to case.
    #[validate(email, length(max = 254))]
    #[serde(deserialize_with = "trimmed")]
    #[schema(max_length = 254, format = Email, example = "fatou@example.com")]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationDto {
    pub id: RegistrationId,
    pub event_id: EventId,
    /// The member's account; null for a guest (a guest's registration
    /// never belongs to an account, even one with the same email).
    pub user_id: Option<UserId>,
    pub status: RegistrationStatus,
    /// Shown at the door: 20 characters of Crockford base 32 (volunteers
    /// may type it with or without the dashes of `ticket_display`).
    #[schema(example = "7K2M9QXD4HNPWT3RA8C0")]
    pub ticket_code: String,
    #[schema(example = "7K2M-9QXD-4HNP-WT3R-A8C0")]
    pub ticket_display: String,
    /// What the ticket's QR code holds.
    #[schema(example = "griot:ticket?event_id=0192…&code=7K2M9QXD4HNPWT3RA8C0")]
    pub qr_payload: String,
    pub full_name: String,
    /// To the event's managers and the person only.
    pub email: Option<String>,
    /// Place in the line of the event: the waitlist is served in this order.
    pub position: i64,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::instants::utc_opt")]
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Only in the answer that created a guest's registration: the secret
    /// that cancels it or shows the ticket again (`?cancel_token=`). It is
    /// not kept in readable form, so it cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_token: Option<String>,
    /// The same, as the link to put in a confirmation message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
}

impl RegistrationDto {
    /// `with_email`: whether the reader may see the email.
    pub fn new(r: Registration, with_email: bool) -> Self {
        Self {
            qr_payload: format!(
                "griot:ticket?event_id={}&code={}",
                r.event_id, r.ticket_code
            ),
            ticket_display: codes::display(&r.ticket_code),
            id: r.id,
            event_id: r.event_id,
            user_id: r.user_id,
            status: r.status,
            ticket_code: r.ticket_code,
            full_name: r.full_name,
            email: with_email.then_some(r.email),
            position: r.queue_position,
            created_at: r.created_at.and_utc(),
            checked_in_at: r.checked_in_at.map(|t| t.and_utc()),
            cancel_token: None,
            cancel_url: None,
        }
    }
}

/// How many registrations are in each state.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RegistrationCounts {
    pub registered: i64,
    pub waitlisted: i64,
    pub cancelled: i64,
    /// Seated people checked in at the door.
    pub checked_in: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationList {
    pub counts: RegistrationCounts,
    /// In line order.
    pub items: Vec<RegistrationDto>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationFilters {
    pub status: Option<RegistrationStatus>,
    /// `csv` for a spreadsheet of every registration (same as `Accept: text/csv`).
    #[param(pattern = "^(csv|json)$")]
    pub format: Option<String>,
    /// CSV separator: `comma` (default; decimals with a point, `84.3`) or
    /// `semicolon` (French Excel; decimals with a comma, `84,3`).
    #[param(pattern = "^(comma|semicolon)$")]
    pub delimiter: Option<String>,
    /// Page size, 1–200 (default 50); CSV is never paginated.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
}

/// A guest proves the registration is theirs with the token given at
/// registration.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GuestToken {
    /// The `cancel_token` of a guest's registration.
    pub cancel_token: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct TicketCheckInRequest {
    /// The ticket's code, as scanned or typed (case, dashes and spaces do
    /// not matter).
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40, example = "7K2M-9QXD-4HNP-WT3R-A8C0")]
    pub ticket_code: String,
    /// When a phone without data scanned the ticket; replayed later, the
    /// earliest scan is kept. Default: now. Within the door's hours (12 h
    /// either side of the event), give or take 120 s of phone clock drift,
    /// and at most 5 minutes ahead of the server's clock.
    #[validate(custom(function = "sane_instant"))]
    pub scanned_at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInDto {
    pub registration: RegistrationDto,
    /// The ticket's check-in (its earliest scan); every answer to scans
    /// made at once carries the same.
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub checked_in_at: DateTime<Utc>,
    /// False for exactly one scan of a ticket, the first, however many
    /// arrive at once: a door seeing `true` on a new face holds a copied
    /// ticket.
    pub already_checked_in: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyRegistration {
    pub registration: RegistrationDto,
    pub event: EventDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyRegistrations {
    /// Live registrations (not cancelled), soonest event first.
    pub items: Vec<MyRegistration>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_are_bounded_when_set_and_may_be_cleared() {
        let edit =
            |v: serde_json::Value| -> UpdateEventRequest { serde_json::from_value(v).unwrap() };
        assert!(edit(serde_json::json!({ "capacity": 0 }))
            .validate()
            .is_err());
        assert!(edit(serde_json::json!({ "capacity": 100_001 }))
            .validate()
            .is_err());
        assert!(edit(serde_json::json!({ "capacity": 100 }))
            .validate()
            .is_ok());
        let cleared = edit(serde_json::json!({ "capacity": null }));
        assert!(cleared.validate().is_ok());
        assert_eq!(cleared.capacity, Some(None));
        assert_eq!(edit(serde_json::json!({})).capacity, None);
    }
}
