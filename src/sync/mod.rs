//! Delta sync for phones: `GET /sync?since=` answers what changed that the
//! caller may see, from a change log the database writes itself
//! (migration `sync_log`), in an order that never skips a change committed
//! late (see [`queries`]).

pub mod dto;
pub mod queries;
pub mod routes;
pub mod service;
