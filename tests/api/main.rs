//! One black-box test binary: every module drives the real server over HTTP.
// Helpers serve the modules of later issues too.
#![allow(dead_code)]

mod attendance;
mod auth;
mod authz;
mod caching;
mod calendar;
mod casework;
mod cli;
mod cohorts;
mod conformance;
mod coordinators;
mod countries;
mod errors;
mod events;
mod feedback;
mod fixtures;
mod health;
mod helpers;
mod home;
mod housekeeping;
mod idempotency;
mod imports;
mod materials;
mod me;
mod members;
mod openapi;
mod pdf_check;
mod programmes;
mod progress;
mod s3;
mod security;
mod seed;
mod series;
mod sessions;
mod spec_bodies;
mod sync;
mod throttle;
mod uploads;
mod users;
