//! Cohorts: runs of a programme, in one country or pan-African, with a
//! lifecycle `draft → open → running → completed → archived` that only
//! moves forward (admins may move it back). The catalogue (open and running
//! cohorts) is public; drafts are for staff and members.

pub mod dto;
pub mod members;
pub mod queries;
pub mod routes;
pub mod rows;
pub mod seats;
pub mod service;

pub use crate::vocab::{CohortId, CohortStatus, MemberRole, MemberStatus};
pub use rows::Cohort;
pub use service::{access, cohort_for, load_visible};
