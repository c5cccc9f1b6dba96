//! Authentication (who is calling) and authorisation (what they may do).
//! Handlers take an [`AuthUser`] extractor, load an [`perm::Actor`] inside
//! their database closure and call one rule of [`perm`] near the top.

pub mod extractor;
pub mod jwt;
pub mod password;
pub mod perm;
pub mod refresh;
pub mod routes;

pub use extractor::{AuthUser, MaybeAuthUser};
