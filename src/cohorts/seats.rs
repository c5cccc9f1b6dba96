//! Capacity: active and completed learners hold a seat; a full cohort
//! waitlists; a freed seat goes to the oldest waitlisted learner. Every
//! check-then-write runs in a write transaction with the cohort row locked
//! (`FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already admits one
//! writer), so parallel applications never overfill a cohort.
//!
//! The counting and the promotion are in [`super::queries`] and
//! [`super::service`]; this file holds what a seat is.

use crate::vocab::{MemberRole, MemberStatus};

pub const SEAT_HOLDERS: [MemberStatus; 2] = [MemberStatus::Active, MemberStatus::Completed];

/// A membership with this role and status holds a seat.
pub fn holds_seat(role: MemberRole, status: MemberStatus) -> bool {
    role == MemberRole::Learner && SEAT_HOLDERS.contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admitted_learners_hold_seats() {
        assert!(holds_seat(MemberRole::Learner, MemberStatus::Active));
        assert!(holds_seat(MemberRole::Learner, MemberStatus::Completed));
        assert!(!holds_seat(MemberRole::Learner, MemberStatus::Waitlisted));
        assert!(!holds_seat(MemberRole::Trainer, MemberStatus::Active));
    }
}
