//! Enrolment. Learners apply; auto-accept cohorts admit them while seats
//! last, others leave the application pending for staff; a full cohort
//! waitlists. Staff add trainers and learners, accept, reject, withdraw and
//! complete; a freed seat promotes the oldest waitlisted learner in the same
//! transaction.

pub mod dto;
pub mod import;
pub mod import_service;
pub mod queries;
pub mod routes;
pub mod rows;
pub mod service;

pub use rows::Membership;
