//! Country chapters: the seven are seeded by migration; admins add more.

pub mod dto;
pub mod queries;
pub mod routes;
pub mod rows;
pub mod service;

pub use queries::find;
