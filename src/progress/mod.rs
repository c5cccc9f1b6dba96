//! Progress and certificates. A learner's progress in a cohort is the
//! attendance report's rate (one formula, `attendance::report_service`)
//! and the submissions accepted, against the programme's completion rule.
//! Staff issue certificates to every learner who has completed; each has a
//! code that is unguessable (100 random bits) yet easy to type from paper,
//! and anyone may verify it, as JSON or as a printable PDF page with a QR
//! code of its public address. Staff and trainers see a cohort's progress;
//! learners see their own.

pub mod certificates;
pub mod codes;
pub mod dto;
pub mod pdf;
pub mod queries;
pub mod routes;
pub mod rows;
pub mod rule;
pub mod service;
