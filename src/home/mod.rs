//! The mobile home screen in one small answer: the caller's cohorts, their
//! next sessions, their progress and the events they registered for. It
//! reads the other areas and owns no table.

pub mod dto;
pub mod queries;
pub mod routes;
pub mod service;
