//! Programmes: what is taught and the rule for completing it. Admins manage
//! them; the public sees those with a cohort in the catalogue (open or
//! running); staff (admins, coordinators) see all.

pub mod dto;
pub mod queries;
pub mod routes;
pub mod rows;
pub mod service;

pub use crate::vocab::ProgrammeId;
pub use queries::find;
pub use rows::Programme;
