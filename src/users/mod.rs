//! Accounts. Emails are stored trimmed and lower-cased, so the unique index
//! makes them unique regardless of case. Password hashes never leave this
//! module's row type: responses use [`UserDto`].

pub mod directory_service;
pub mod dto;
pub mod queries;
pub mod routes;
pub mod rows;
pub mod service;

pub use crate::vocab::UserId;
pub use dto::UserDto;
pub use queries::{
    country_exists, find, find_by_email, insert, insert_many, lock_account, record_revoked,
    session_revoked, update,
};
pub use rows::{normalize_email, Language, NewUser, ProfileType, User, UserChanges};
pub use service::{actor, actor_by_id, optional_actor};
