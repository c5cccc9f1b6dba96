//! Session materials: recordings, slides and documents trainers upload, and
//! links. Bytes go to the file store (`storage`) as they arrive, hashed on
//! the way, their type read from the bytes themselves; the row is written
//! once they are all stored, so a failed upload leaves nothing. Members
//! download with byte ranges and validators, so a dropped download resumes
//! and a held copy is revalidated for free. The cohort's staff and trainers
//! upload and delete; its staff and admitted members list and download;
//! everyone else gets 404.

pub mod dto;
pub mod form;
pub mod queries;
pub mod ranges;
pub mod routes;
pub mod rows;
pub mod serve;
pub mod service;
pub mod sniff;
pub mod upload;
pub mod uploads;

pub use rows::{Material, MaterialId, MaterialKind};
