//! Every query of community events: the events, the line of registrations
//! behind each, the door, and who volunteers for a chapter.
//!
//! Seats are counted on the event row. Every statement that changes a
//! registration's status first locks that row ([`event_for_update`]:
//! `FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already admits
//! one writer), then moves the counters in the database (`SET n = n + 1`),
//! so parallel registrations never overfill an event.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::rows::{
    Event, EventChanges, EventId, EventStatus, Registration, RegistrationId, RegistrationStatus,
};
use crate::db::{DbConnection, MultiBackend};
use crate::schema::{event_registrations as regs, events};
use crate::vocab::UserId;

pub fn insert_event(conn: &mut DbConnection, row: &Event) -> QueryResult<()> {
    diesel::insert_into(events::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_event(conn: &mut DbConnection, id: EventId) -> QueryResult<Option<Event>> {
    events::table
        .find(id)
        .select(Event::as_select())
        .first(conn)
        .optional()
}

/// The event, its row locked until the transaction ends (PostgreSQL;
/// SQLite's write transaction holds the whole file).
pub fn event_for_update(conn: &mut DbConnection, id: EventId) -> QueryResult<Option<Event>> {
    let q = events::table.find(id);
    match conn {
        DbConnection::Pg(pg) => q
            .select(Event::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(lite) => q.select(Event::as_select()).first(lite).optional(),
    }
}

pub fn update_event(
    conn: &mut DbConnection,
    id: EventId,
    changes: &EventChanges,
) -> QueryResult<Event> {
    diesel::update(events::table.find(id))
        .set(changes)
        .returning(<Event as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
}

/// Which events a listing may show the caller.
#[derive(Debug, Clone)]
pub enum Shown {
    /// Every event (admins).
    All,
    /// Published ones, and every one of these countries (their coordinators).
    PublishedAnd(Vec<String>),
}

/// The sort key of the last event of a page: `(starts_at, id)`.
pub type EventCursor = (NaiveDateTime, EventId);

pub struct EventQuery<'a> {
    pub shown: &'a Shown,
    pub country: Option<&'a str>,
    /// Only events that end after this.
    pub from: Option<NaiveDateTime>,
    /// Only events that start before this.
    pub to: Option<NaiveDateTime>,
    pub status: Option<EventStatus>,
    pub limit: i64,
    pub after: Option<EventCursor>,
}

/// One page of events by `(starts_at, id)`, one row more than `limit` to
/// tell whether another page follows.
pub fn page_of_events(conn: &mut DbConnection, q: &EventQuery<'_>) -> QueryResult<Vec<Event>> {
    let mut query = events::table
        .select(Event::as_select())
        .into_boxed::<MultiBackend>();
    match q.shown {
        Shown::All => {}
        Shown::PublishedAnd(countries) if countries.is_empty() => {
            query = query.filter(events::status.eq(EventStatus::Published));
        }
        Shown::PublishedAnd(countries) => {
            query = query.filter(
                events::status
                    .eq(EventStatus::Published)
                    .or(events::country_code.eq_any(countries.clone())),
            );
        }
    }
    if let Some(country) = q.country {
        query = query.filter(events::country_code.eq(country.to_owned()));
    }
    if let Some(from) = q.from {
        query = query.filter(events::ends_at.gt(from));
    }
    if let Some(to) = q.to {
        query = query.filter(events::starts_at.lt(to));
    }
    if let Some(status) = q.status {
        query = query.filter(events::status.eq(status));
    }
    if let Some((at, id)) = q.after {
        query = query.filter(
            events::starts_at
                .gt(at)
                .or(events::starts_at.eq(at).and(events::id.gt(id))),
        );
    }
    query
        .order((events::starts_at.asc(), events::id.asc()))
        .limit(q.limit + 1)
        .load(conn)
}

/// Takes the next place in the line of a published event that has not
/// ended, and inserts `row` there, seated or waitlisted as the event's
/// counters say: `None` when the event is not open (the caller finds out
/// why). The seat is decided by the `UPDATE` from the row as it was
/// (`last_seated`), under the row's lock; on PostgreSQL the insert rides
/// in the same statement, so the lock is held for one statement and the
/// commit. A person already in line breaks the unique index: the error
/// rolls the place back with the statement.
pub fn register(
    conn: &mut DbConnection,
    row: &Registration,
    now: NaiveDateTime,
) -> QueryResult<Option<Registration>> {
    use diesel::sql_types::{Nullable, Text, Timestamp};
    const PLACE: &str = "UPDATE events SET \
            last_position = last_position + 1, \
            last_seated = (capacity IS NULL OR registered_count < capacity), \
            registered_count = registered_count \
                + CASE WHEN capacity IS NULL OR registered_count < capacity THEN 1 ELSE 0 END, \
            waitlisted_count = waitlisted_count \
                + CASE WHEN capacity IS NULL OR registered_count < capacity THEN 0 ELSE 1 END \
        WHERE id = $1 AND status = 'published' AND ends_at > $2 \
        RETURNING last_position, last_seated";
    #[derive(QueryableByName)]
    struct Placed {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        last_position: i64,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        last_seated: bool,
    }
    let placed = |position: i64, seated: bool| Registration {
        status: if seated {
            RegistrationStatus::Registered
        } else {
            RegistrationStatus::Waitlisted
        },
        queue_position: position,
        ..row.clone()
    };
    if conn.is_postgres() {
        let sql = format!(
            "WITH place AS ({PLACE}) \
             INSERT INTO event_registrations (id, event_id, user_id, email, full_name, status, \
                 queue_position, ticket_code, cancel_token_hash, created_at, updated_at) \
             SELECT $3, $1, $4, $5, $6, \
                 CASE WHEN last_seated THEN 'registered' ELSE 'waitlisted' END, \
                 last_position, $7, $8, $2, $2 FROM place \
             RETURNING queue_position AS last_position, status = 'registered' AS last_seated"
        );
        let inserted = diesel::sql_query(sql)
            .bind::<Text, _>(row.event_id.to_string())
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(row.id.to_string())
            .bind::<Nullable<Text>, _>(row.user_id.map(|u| u.to_string()))
            .bind::<Text, _>(&row.email)
            .bind::<Text, _>(&row.full_name)
            .bind::<Text, _>(&row.ticket_code)
            .bind::<Nullable<Text>, _>(row.cancel_token_hash.as_deref())
            .get_result::<Placed>(conn)
            .optional()?;
        return Ok(inserted.map(|p| placed(p.last_position, p.last_seated)));
    }
    let Some(p) = diesel::sql_query(PLACE.replace('$', "?"))
        .bind::<Text, _>(row.event_id.to_string())
        .bind::<Timestamp, _>(now)
        .get_result::<Placed>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let row = placed(p.last_position, p.last_seated);
    diesel::insert_into(regs::table)
        .values(&row)
        .execute(conn)?;
    Ok(Some(row))
}

/// Moves the event's counters by these amounts, in the database.
pub fn shift_counts(
    conn: &mut DbConnection,
    id: EventId,
    registered: i32,
    waitlisted: i32,
) -> QueryResult<()> {
    diesel::update(events::table.find(id))
        .set((
            events::registered_count.eq(events::registered_count + registered),
            events::waitlisted_count.eq(events::waitlisted_count + waitlisted),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_registration(
    conn: &mut DbConnection,
    event: EventId,
    id: RegistrationId,
) -> QueryResult<Option<Registration>> {
    regs::table
        .find(id)
        .filter(regs::event_id.eq(event))
        .select(Registration::as_select())
        .first(conn)
        .optional()
}

pub fn registration_by_ticket(
    conn: &mut DbConnection,
    event: EventId,
    ticket: &str,
) -> QueryResult<Option<Registration>> {
    regs::table
        .filter(regs::ticket_code.eq(ticket))
        .filter(regs::event_id.eq(event))
        .select(Registration::as_select())
        .first(conn)
        .optional()
}

/// Marks a live registration cancelled.
pub fn cancel_registration(
    conn: &mut DbConnection,
    id: RegistrationId,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> QueryResult<Registration> {
    diesel::update(regs::table.find(id))
        .set((
            regs::status.eq(RegistrationStatus::Cancelled),
            regs::cancelled_at.eq(now),
            regs::cancelled_by.eq(by),
            regs::updated_at.eq(now),
        ))
        .returning(<Registration as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
}

/// Gives seats to the `n` longest-waiting people of the event's line: the
/// rows promoted. Run under the event's lock.
pub fn promote(
    conn: &mut DbConnection,
    event: EventId,
    n: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    if n <= 0 {
        return Ok(0);
    }
    let next: Vec<RegistrationId> = regs::table
        .filter(regs::event_id.eq(event))
        .filter(regs::status.eq(RegistrationStatus::Waitlisted))
        .order(regs::queue_position.asc())
        .limit(n)
        .select(regs::id)
        .load(conn)?;
    if next.is_empty() {
        return Ok(0);
    }
    diesel::update(regs::table.filter(regs::id.eq_any(&next)))
        .set((
            regs::status.eq(RegistrationStatus::Registered),
            regs::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Records the first scan of a seated ticket, at `at`: one statement, so
/// of any number of scans at once exactly one finds the ticket unscanned
/// and gets the row back (PostgreSQL re-checks `checked_in_at IS NULL` on
/// the row a concurrent scan just wrote; SQLite runs one writer at a time).
/// `None` when it was scanned before, or is no seated ticket of the event.
pub fn first_check_in(
    conn: &mut DbConnection,
    event: EventId,
    ticket: &str,
    at: NaiveDateTime,
    by: UserId,
) -> QueryResult<Option<Registration>> {
    diesel::update(
        regs::table
            .filter(regs::ticket_code.eq(ticket))
            .filter(regs::event_id.eq(event))
            .filter(regs::status.eq(RegistrationStatus::Registered))
            .filter(regs::checked_in_at.is_null()),
    )
    .set((regs::checked_in_at.eq(at), regs::checked_in_by.eq(by)))
    .returning(<Registration as Selectable<MultiBackend>>::construct_selection())
    .get_result(conn)
    .optional()
}

/// Moves a ticket's check-in back to `at` if that is earlier: an offline
/// scan replayed after a later one. Rows changed (0 or 1).
pub fn backdate_check_in(
    conn: &mut DbConnection,
    event: EventId,
    ticket: &str,
    at: NaiveDateTime,
    by: UserId,
) -> QueryResult<usize> {
    diesel::update(
        regs::table
            .filter(regs::ticket_code.eq(ticket))
            .filter(regs::event_id.eq(event))
            .filter(regs::status.eq(RegistrationStatus::Registered))
            .filter(regs::checked_in_at.gt(at)),
    )
    .set((regs::checked_in_at.eq(at), regs::checked_in_by.eq(by)))
    .execute(conn)
}

/// A page of an event's registrations in line order, one more than `limit`.
pub fn page_of_registrations(
    conn: &mut DbConnection,
    event: EventId,
    status: Option<RegistrationStatus>,
    limit: Option<i64>,
    after: Option<i64>,
) -> QueryResult<Vec<Registration>> {
    let mut query = regs::table
        .filter(regs::event_id.eq(event))
        .select(Registration::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(status) = status {
        query = query.filter(regs::status.eq(status));
    }
    if let Some(after) = after {
        query = query.filter(regs::queue_position.gt(after));
    }
    query = query.order(regs::queue_position.asc());
    if let Some(limit) = limit {
        query = query.limit(limit + 1);
    }
    query.load(conn)
}

/// `(status, rows, rows checked in)` for each status the event's
/// registrations have.
pub fn counts(
    conn: &mut DbConnection,
    event: EventId,
) -> QueryResult<Vec<(RegistrationStatus, i64, i64)>> {
    regs::table
        .filter(regs::event_id.eq(event))
        .group_by(regs::status)
        .select((
            regs::status,
            count_star(),
            diesel::dsl::count(regs::checked_in_at),
        ))
        .load(conn)
}

/// The caller's live registrations with their events, soonest event first.
pub fn registrations_of(
    conn: &mut DbConnection,
    user: UserId,
) -> QueryResult<Vec<(Registration, Event)>> {
    regs::table
        .inner_join(events::table)
        .filter(regs::user_id.eq(user))
        .filter(regs::status.ne(RegistrationStatus::Cancelled))
        .order((events::starts_at.asc(), events::id.asc()))
        .select((Registration::as_select(), Event::as_select()))
        .load(conn)
}
