//! The stored rows of attendance: records, their audit trail, and the
//! windows of self check-in.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{attendance, attendance_changes, check_in_windows};
use crate::vocab::{SessionId, UserId};

crate::id_type!(AttendanceChangeId);

crate::text_enum!(
    /// How a learner attended a session.
    AttendanceStatus {
        Present => "present",
        Late => "late",
        Excused => "excused",
        Absent => "absent",
    }
);

crate::text_enum!(
    /// Who or what set the record.
    AttendanceMethod {
        Trainer => "trainer",
        Code => "code",
        Import => "import",
    }
);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendance, treat_none_as_default_value = false)]
pub struct Attendance {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub note: Option<String>,
    pub marked_by: UserId,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub marked_at: NaiveDateTime,
    /// When a phone scanned the code, for a check-in replayed later.
    pub scanned_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendance_changes, treat_none_as_default_value = false)]
pub struct AttendanceChange {
    pub id: AttendanceChangeId,
    pub session_id: SessionId,
    pub user_id: UserId,
    pub from_status: Option<AttendanceStatus>,
    pub to_status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub note: Option<String>,
    pub changed_by: UserId,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub changed_at: NaiveDateTime,
    /// Its place in the trail, given by the database when the row is
    /// written (commit order; migration `history_order`).
    #[diesel(skip_insertion)]
    pub seq: i64,
}

impl AttendanceChange {
    pub fn of(record: &Attendance, from: Option<AttendanceStatus>) -> Self {
        Self {
            id: AttendanceChangeId::new(),
            session_id: record.session_id,
            user_id: record.user_id,
            from_status: from,
            to_status: record.status,
            method: record.method,
            note: record.note.clone(),
            changed_by: record.marked_by,
            changed_at: record.marked_at,
            seq: 0,
        }
    }
}

/// An audit row with the number SQLite's writer gives it (PostgreSQL's
/// sequence gives it there).
#[derive(Insertable)]
#[diesel(table_name = attendance_changes)]
pub struct NumberedChange {
    #[diesel(embed)]
    pub change: AttendanceChange,
    pub seq: i64,
}

/// A self check-in window of a session (one at most).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = check_in_windows)]
pub struct Window {
    pub session_id: SessionId,
    pub opened_by: UserId,
    pub opened_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub rotate_seconds: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_as_words() {
        for s in AttendanceStatus::ALL {
            assert_eq!(s.as_str().parse::<AttendanceStatus>().unwrap(), *s);
        }
        assert!("unmarked".parse::<AttendanceStatus>().is_err());
    }
}
