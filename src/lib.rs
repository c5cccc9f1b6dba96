//! griot: the cohort LMS backend. The binary in `main.rs` only parses the
//! command line; everything else lives here so tests reach it.

pub mod attendance;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod cohorts;
pub mod config;
pub mod countries;
pub mod db;
pub mod error;
pub mod extract;
pub mod health;
pub mod i18n;
pub mod instant;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod programmes;
pub mod schema;
pub mod seed;
pub mod sessions;
pub mod startup;
pub mod telemetry;
pub mod users;
pub mod validation;
