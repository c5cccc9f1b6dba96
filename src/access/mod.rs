//! Every authorisation rule, one function per rule, pure over an [`Actor`]
//! and what the request is about; no database here. The caller's rights
//! are read at request time by `users::actor` (admin flag, country
//! coordination) and `cohorts::access` (membership), so a revoked right
//! takes effect at once.

use crate::error::{AppError, Msg};
use crate::vocab::{CohortStatus, MemberRole, MemberStatus, UserId};

/// The caller with the rights they hold right now.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: UserId,
    pub is_admin: bool,
    /// Countries whose chapter this user coordinates.
    pub coordinates: Vec<String>,
}

impl Actor {
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

/// Who may move the account `user_id` to `country`: admins anywhere,
/// anyone themselves anywhere (as `/me` allows), coordinators only to a
/// country they coordinate.
pub fn can_move_user_to(actor: &Actor, user_id: UserId, country: &str) -> bool {
    actor.is_admin || actor.id == user_id || actor.coordinates_country(country)
}

/// Who may see a country's coordinators: admins and those coordinators.
pub fn can_view_coordinators(actor: &Actor, country: &str) -> bool {
    actor.is_admin || actor.coordinates_country(country)
}

/// A member's role and status in a cohort.
pub type Membership = (MemberRole, MemberStatus);

/// What the caller may do with one cohort. Staff are admins and the
/// coordinators of the cohort's country (a pan-African cohort has only
/// admins as staff); trainers are active trainer members.
#[derive(Debug, Clone, Copy, Default)]
pub struct CohortAccess {
    pub staff: bool,
    pub admin: bool,
    pub membership: Option<Membership>,
    /// The cohort is in the public catalogue (open or running).
    pub public: bool,
}

impl CohortAccess {
    /// The access of `actor` (`None`: anonymous) to a cohort of `status`
    /// in `country`, given its membership of it.
    pub fn new(
        actor: Option<&Actor>,
        status: CohortStatus,
        country: Option<&str>,
        membership: Option<Membership>,
    ) -> CohortAccess {
        match actor {
            None => CohortAccess {
                public: status.is_catalogue(),
                ..Default::default()
            },
            Some(actor) => CohortAccess::of(actor, status, country, membership),
        }
    }

    /// The same from the only columns of the cohort it depends on.
    pub fn of(
        actor: &Actor,
        status: CohortStatus,
        country: Option<&str>,
        membership: Option<Membership>,
    ) -> CohortAccess {
        CohortAccess {
            staff: is_cohort_staff(actor, country),
            admin: actor.is_admin,
            membership,
            public: status.is_catalogue(),
        }
    }

    /// Active trainer of this cohort.
    pub fn is_trainer(&self) -> bool {
        matches!(
            self.membership,
            Some((MemberRole::Trainer, MemberStatus::Active))
        )
    }

    /// Admitted member (learner or trainer), current or past.
    pub fn is_member(&self) -> bool {
        matches!(
            self.membership,
            Some((_, MemberStatus::Active | MemberStatus::Completed))
        )
    }

    /// The cohort itself (name, dates): public ones to all; others to staff
    /// and to anyone with a membership, even pending.
    pub fn can_see_cohort(&self) -> bool {
        self.public || self.staff || self.membership.is_some()
    }

    /// Sessions, calendar, materials: staff and admitted members.
    pub fn can_see_private(&self) -> bool {
        self.staff || self.is_member()
    }

    pub fn can_manage_cohort(&self) -> bool {
        self.staff
    }

    pub fn can_manage_sessions(&self) -> bool {
        self.staff || self.is_trainer()
    }

    pub fn can_view_members(&self) -> bool {
        self.staff || self.is_trainer()
    }

    /// Turns a rule into a result: 404 for those who may not even know the
    /// resource exists, 403 for insiders without the right.
    pub fn require(&self, allowed: bool) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else if self.staff || self.membership.is_some() {
            Err(AppError::Forbidden(None))
        } else {
            Err(AppError::NotFound)
        }
    }
}

/// Admin, or coordinator of the cohort's country.
pub fn is_cohort_staff(actor: &Actor, country: Option<&str>) -> bool {
    actor.is_admin || country.is_some_and(|c| actor.coordinates_country(c))
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

    #[test]
    fn coordinators_move_members_only_to_their_countries() {
        let coordinator = actor(false, &["ML"]);
        let member = UserId::new();
        assert!(can_move_user_to(&coordinator, member, "ML"));
        assert!(!can_move_user_to(&coordinator, member, "TG"));
        assert!(can_move_user_to(&coordinator, coordinator.id, "TG"));
        assert!(can_move_user_to(&actor(true, &[]), member, "TG"));
    }

    #[test]
    fn coordinators_are_listed_to_admins_and_to_themselves() {
        assert!(can_view_coordinators(&actor(true, &[]), "TG"));
        assert!(can_view_coordinators(&actor(false, &["ML"]), "ML"));
        assert!(!can_view_coordinators(&actor(false, &["ML"]), "TG"));
        assert!(!can_view_coordinators(&actor(false, &[]), "ML"));
    }
}
