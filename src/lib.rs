//! griot: the cohort LMS backend. The binary in `main.rs` only parses the
//! command line; everything else lives here so tests reach it.
//!
//! Three layers, and an import only ever points down (or to an area listed
//! before it): see ARCHITECTURE.md. `scripts/check-layers.sh` guards this.

// Layer 0: infrastructure, knows no area.
pub mod access;
pub mod cache;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod http;
pub mod i18n;
pub mod idempotency;
pub mod pagination;
pub mod schema;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod validation;
pub mod vocab;

// Layer 1: the areas, in this order; each may import layer 0 and the areas
// above it, never one below.
pub mod attendance;
pub mod auth;
pub mod casework;
pub mod cohorts;
pub mod countries;
pub mod events;
pub mod home;
pub mod materials;
pub mod programmes;
pub mod progress;
pub mod sessions;
pub mod sync;
pub mod users;

// Layer 2: the application (route table, OpenAPI, middleware, commands).
pub mod app;
