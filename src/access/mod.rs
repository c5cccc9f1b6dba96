//! Every authorisation rule, one function per rule, pure over an [`Actor`]
//! and what the request is about; no database here. The caller's rights
//! are read at request time by `users::actor` (admin flag, country
//! coordination) and `cohorts::access` (membership), so a revoked right
//! takes effect at once.

use crate::error::{AppError, Msg};
use crate::vocab::{CohortStatus, MemberRole, MemberStatus, UserId};

mod community;
#[cfg(test)]
mod matrix;

pub use community::{can_manage_team, can_view_team, runs_chapter, EventAccess};

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

    /// Listing and downloading a session's materials: staff and admitted
    /// members, current or past.
    pub fn can_see_materials(&self) -> bool {
        self.can_see_private()
    }

    /// Uploading and deleting materials: staff and the cohort's trainers.
    pub fn can_manage_materials(&self) -> bool {
        self.can_manage_sessions()
    }

    pub fn can_view_members(&self) -> bool {
        self.staff || self.is_trainer()
    }

    /// Active learner of this cohort.
    pub fn is_learner(&self) -> bool {
        matches!(
            self.membership,
            Some((MemberRole::Learner, MemberStatus::Active))
        )
    }

    /// Setting and changing a session's assignment: staff and the
    /// cohort's trainers.
    pub fn can_manage_assignments(&self) -> bool {
        self.can_manage_sessions()
    }

    /// Reading the cohort's assignments: staff and admitted members.
    pub fn can_see_assignments(&self) -> bool {
        self.can_see_private()
    }

    /// Handing in work: active learners only (a trainer or a coordinator
    /// has nothing to hand in; a past learner's cohort is closed).
    pub fn can_submit(&self) -> bool {
        self.is_learner()
    }

    /// Reading everyone's submissions and reviewing them: staff and the
    /// cohort's trainers. Learners read only their own.
    pub fn can_review(&self) -> bool {
        self.staff || self.is_trainer()
    }

    /// Everyone's progress: staff and the cohort's trainers.
    pub fn can_view_progress(&self) -> bool {
        self.can_view_members()
    }

    /// Issuing the cohort's certificates: its staff (admins, the
    /// coordinators of its country).
    pub fn can_issue_certificates(&self) -> bool {
        self.staff
    }

    /// Rating a session: its learners, current or past (whether they were
    /// there is checked against the roll call).
    pub fn can_rate_sessions(&self) -> bool {
        matches!(
            self.membership,
            Some((
                MemberRole::Learner,
                MemberStatus::Active | MemberStatus::Completed
            ))
        )
    }

    /// Reading what learners said of sessions (anonymous): staff and the
    /// cohort's trainers.
    pub fn can_read_feedback(&self) -> bool {
        self.staff || self.is_trainer()
    }

    /// Withdrawing `member` from the cohort: staff, or the member
    /// themselves.
    pub fn can_withdraw_member(&self, actor: &Actor, member: UserId) -> bool {
        actor.id == member || self.can_manage_cohort()
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

/// Revoking a certificate of a cohort of `country`: admins, and the
/// coordinators of that country.
pub fn can_revoke_certificate(actor: &Actor, country: Option<&str>) -> bool {
    is_cohort_staff(actor, country)
}

/// A cohort may be created in, or moved to, `country` (`None`:
/// pan-African) only by its staff there: admins anywhere, coordinators in
/// their own country.
pub fn require_cohort_country(actor: &Actor, country: Option<&str>) -> Result<(), AppError> {
    if is_cohort_staff(actor, country) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Some(Msg::NotYourCountry)))
    }
}

/// Moving a cohort's status: forward for its staff, any way for admins.
pub fn can_move_cohort_status(actor: &Actor, from: CohortStatus, to: CohortStatus) -> bool {
    from.can_move_to(to, actor.is_admin)
}

/// Which cohorts a listing shows the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CohortScope {
    /// Admins: every cohort.
    All,
    /// Anonymous callers: the catalogue (open and running cohorts).
    Catalogue,
    /// Signed-in callers: the catalogue, the cohorts of the countries they
    /// coordinate and those they have a membership of, even pending.
    CatalogueAndMine {
        user: UserId,
        coordinates: Vec<String>,
    },
}

/// The cohorts `actor` (`None`: anonymous) may list.
pub fn cohort_scope(actor: Option<&Actor>) -> CohortScope {
    match actor {
        Some(a) if a.is_admin => CohortScope::All,
        Some(a) => CohortScope::CatalogueAndMine {
            user: a.id,
            coordinates: a.coordinates.clone(),
        },
        None => CohortScope::Catalogue,
    }
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
    fn cohorts_are_placed_by_their_staff() {
        assert!(require_cohort_country(&actor(true, &[]), None).is_ok());
        assert!(require_cohort_country(&actor(true, &[]), Some("TG")).is_ok());
        let coordinator = actor(false, &["ML"]);
        assert!(require_cohort_country(&coordinator, Some("ML")).is_ok());
        assert!(matches!(
            require_cohort_country(&coordinator, Some("TG")),
            Err(AppError::Forbidden(Some(Msg::NotYourCountry)))
        ));
        assert!(matches!(
            require_cohort_country(&coordinator, None),
            Err(AppError::Forbidden(Some(Msg::NotYourCountry)))
        ));
    }

    #[test]
    fn only_admins_move_a_cohort_back() {
        use CohortStatus::*;
        let coordinator = actor(false, &["ML"]);
        assert!(can_move_cohort_status(&coordinator, Draft, Open));
        assert!(!can_move_cohort_status(&coordinator, Running, Open));
        assert!(can_move_cohort_status(&actor(true, &[]), Archived, Open));
    }

    #[test]
    fn members_may_withdraw_themselves_and_staff_anyone() {
        let learner = actor(false, &[]);
        let other = UserId::new();
        let as_learner = CohortAccess::of(
            &learner,
            CohortStatus::Open,
            Some("ML"),
            Some((MemberRole::Learner, MemberStatus::Active)),
        );
        assert!(as_learner.can_withdraw_member(&learner, learner.id));
        assert!(!as_learner.can_withdraw_member(&learner, other));
        let coordinator = actor(false, &["ML"]);
        let as_staff = CohortAccess::of(&coordinator, CohortStatus::Open, Some("ML"), None);
        assert!(as_staff.can_withdraw_member(&coordinator, other));
    }

    #[test]
    fn listings_show_admins_everything_and_others_the_catalogue_and_theirs() {
        assert_eq!(cohort_scope(None), CohortScope::Catalogue);
        assert_eq!(cohort_scope(Some(&actor(true, &["ML"]))), CohortScope::All);
        let coordinator = actor(false, &["ML"]);
        assert_eq!(
            cohort_scope(Some(&coordinator)),
            CohortScope::CatalogueAndMine {
                user: coordinator.id,
                coordinates: vec!["ML".to_owned()],
            }
        );
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
