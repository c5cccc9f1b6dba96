//! Case studies: a session's assignment (a brief, a due date, a maximum
//! score), the work its learners hand in (text, an `https` link, a file
//! streamed into the file store like materials), and reviews. A learner has
//! one current submission per assignment; work sent back for revision may
//! be handed in again, and every version and every review is kept. Late
//! work is accepted and flagged. Staff and the cohort's trainers set
//! assignments, read everyone's work and review it; a learner reads only
//! their own; everyone else gets 404.

pub mod dto;
pub mod queries;
pub mod routes;
pub mod rows;
pub mod service;

pub use rows::{AssignmentId, SubmissionId, SubmissionStatus};
