//! Authorisation rules, one function per rule, used by every handler. The
//! caller's rights come from the database at request time (admin flag,
//! country coordination), so a revoked right takes effect at once.

use diesel::prelude::*;

use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{AppError, Msg};
use crate::schema::{country_coordinators, users};
use crate::users::UserId;

/// The caller with the rights they hold right now.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: UserId,
    pub is_admin: bool,
    /// Countries whose chapter this user coordinates.
    pub coordinates: Vec<String>,
}

impl Actor {
    /// Loads the caller; a deleted or deactivated account is refused as if
    /// the token were invalid.
    pub fn load(conn: &mut DbConnection, auth: &AuthUser) -> Result<Actor, AppError> {
        let row: Option<(bool, bool)> = users::table
            .find(auth.id)
            .select((users::is_admin, users::is_active))
            .first(conn)
            .optional()?;
        let Some((is_admin, true)) = row else {
            return Err(AppError::Unauthorized(Msg::InvalidToken));
        };
        let coordinates = country_coordinators::table
            .filter(country_coordinators::user_id.eq(auth.id))
            .select(country_coordinators::country_code)
            .load(conn)?;
        Ok(Actor {
            id: auth.id,
            is_admin,
            coordinates,
        })
    }

    pub fn coordinates_country(&self, country: &str) -> bool {
        self.coordinates.iter().any(|c| c == country)
    }
}

pub fn require_admin(actor: &Actor) -> Result<(), AppError> {
    if actor.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(Some(Msg::AdminOnly)))
    }
}

/// Admins see everyone; coordinators see the members of their country.
pub fn can_view_user(actor: &Actor, user_id: UserId, user_country: &str) -> bool {
    actor.is_admin || actor.id == user_id || actor.coordinates_country(user_country)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(is_admin: bool, coordinates: &[&str]) -> Actor {
        Actor {
            id: UserId::new(),
            is_admin,
            coordinates: coordinates.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn admin_rule() {
        assert!(require_admin(&actor(true, &[])).is_ok());
        assert!(matches!(
            require_admin(&actor(false, &["ML"])),
            Err(AppError::Forbidden(_))
        ));
    }

    #[test]
    fn coordinators_see_only_their_country() {
        let coordinator = actor(false, &["ML"]);
        let someone = UserId::new();
        assert!(can_view_user(&coordinator, someone, "ML"));
        assert!(!can_view_user(&coordinator, someone, "TG"));
        assert!(can_view_user(&actor(true, &[]), someone, "TG"));
        assert!(can_view_user(&coordinator, coordinator.id, "TG"));
    }
}
