//! The `events` and `event_registrations` tables as rows, and the words
//! their statuses hold.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{event_registrations, events};
use crate::vocab::UserId;

crate::id_type!(
    /// A community event (not a cohort session).
    EventId
);

crate::id_type!(
    /// One person's registration for an event.
    RegistrationId
);

crate::text_enum!(
    /// Only published events are public; a cancelled one keeps its
    /// registrations.
    EventStatus {
        Draft => "draft",
        Published => "published",
        Cancelled => "cancelled",
    }
);

impl EventStatus {
    /// Draft → published → cancelled (a draft may also be cancelled);
    /// staying put is always allowed.
    pub fn can_move_to(self, to: EventStatus) -> bool {
        use EventStatus::*;
        self == to
            || matches!(
                (self, to),
                (Draft, Published) | (Draft, Cancelled) | (Published, Cancelled)
            )
    }
}

crate::text_enum!(
    /// Where a registration stands: a seat, a place in line, or neither.
    RegistrationStatus {
        Registered => "registered",
        Waitlisted => "waitlisted",
        Cancelled => "cancelled",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct Event {
    pub id: EventId,
    pub title: String,
    pub description: String,
    pub country_code: Option<String>,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub starts_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub ends_at: NaiveDateTime,
    pub timezone: String,
    pub venue: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub status: EventStatus,
    pub registered_count: i32,
    pub waitlisted_count: i32,
    pub last_position: i64,
    pub last_seated: bool,
    pub created_by: UserId,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub updated_at: NaiveDateTime,
}

impl Event {
    /// Whether one more registration gets a seat rather than a place in line.
    pub fn has_free_seat(&self) -> bool {
        self.capacity.is_none_or(|c| self.registered_count < c)
    }

    /// How many waitlisted people the free seats can take now.
    pub fn free_seats(&self) -> i64 {
        match self.capacity {
            None => i64::from(self.waitlisted_count),
            Some(c) => i64::from((c - self.registered_count).max(0)),
        }
    }
}

/// An edit: `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = events)]
pub struct EventChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub timezone: Option<String>,
    pub venue: Option<Option<String>>,
    pub online_url: Option<Option<String>>,
    pub capacity: Option<Option<i32>>,
    pub status: Option<EventStatus>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = event_registrations, treat_none_as_default_value = false)]
pub struct Registration {
    pub id: RegistrationId,
    pub event_id: EventId,
    pub user_id: Option<UserId>,
    pub email: String,
    pub full_name: String,
    pub status: RegistrationStatus,
    pub queue_position: i64,
    pub ticket_code: String,
    pub cancel_token_hash: Option<String>,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub updated_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancelled_by: Option<UserId>,
    pub checked_in_at: Option<NaiveDateTime>,
    pub checked_in_by: Option<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_move_forward_only() {
        use EventStatus::*;
        assert!(Draft.can_move_to(Published));
        assert!(Published.can_move_to(Cancelled));
        assert!(Draft.can_move_to(Cancelled));
        assert!(Published.can_move_to(Published));
        assert!(!Published.can_move_to(Draft));
        assert!(!Cancelled.can_move_to(Published));
        assert!(!Cancelled.can_move_to(Draft));
    }
}
