//! Sessions: the dated activities of a cohort (master classes, case studies,
//! veille, creative workshops, meetups, events). Instants are stored in UTC,
//! truncated to microseconds, and shown with the cohort's time zone. Staff
//! and the cohort's active trainers manage them; staff and admitted members
//! read them; everyone else gets 404. Deletion is soft and every change
//! bumps `updated_at`, so syncing clients (`?updated_since=`) learn about
//! edits, cancellations and deletions (tombstones).

pub mod calendar;
pub mod dto;
pub mod ics;
pub mod queries;
pub mod routes;
pub mod rows;
pub mod series;
pub mod service;

pub use crate::vocab::SessionId;
pub use dto::{http_url, local_time, to_utc};
pub use rows::{SeriesId, Session, SessionKind, SessionStatus};
pub use service::session_for;
