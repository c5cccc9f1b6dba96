//! Calendar feeds (RFC 5545) of a cohort's sessions and of a person's
//! cohorts. Calendar apps cannot send a bearer header, so a user may create
//! a feed token (random, shown once, stored as a SHA-256 hash, one per user:
//! a new one replaces the old) and subscribe with `?token=`. Feeds leave out
//! deleted sessions, keep cancelled ones (`STATUS:CANCELLED`), and are
//! bounded: sessions that ended at most [`FEED_PAST_DAYS`] days ago, at most
//! [`FEED_MAX_EVENTS`] of them, earliest first. Labels follow the account's
//! preferred language (apps poll in the background, with no reliable
//! `Accept-Language`).

pub mod dto;
pub mod queries;
pub mod routes;
pub mod service;

pub use queries::{FEED_MAX_EVENTS, FEED_PAST_DAYS};
