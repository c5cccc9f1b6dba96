//! The rules of community events and chapter teams: events belong to a
//! country chapter (or to none: pan-African); admins and the chapter's
//! coordinators run them; the chapter's volunteers keep the door.

use super::Actor;
use crate::error::AppError;

/// Admins, and the coordinators of `country` (a pan-African event or
/// chapter-less thing has only admins).
pub fn runs_chapter(actor: &Actor, country: Option<&str>) -> bool {
    actor.is_admin || country.is_some_and(|c| actor.coordinates_country(c))
}

/// What the caller may do with one event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventAccess {
    /// Edit it, see every registration with emails, cancel any of them.
    pub manage: bool,
    /// Check tickets in and download the check-in list.
    pub door: bool,
    /// See it at all.
    pub see: bool,
}

impl EventAccess {
    /// The access of `actor` (`None`: anonymous) to an event of `country`
    /// that is `published` or not; `volunteer` says whether the caller is
    /// a current volunteer of that country.
    pub fn new(
        actor: Option<&Actor>,
        country: Option<&str>,
        published: bool,
        volunteer: bool,
    ) -> EventAccess {
        let manage = actor.is_some_and(|a| runs_chapter(a, country));
        let door = manage || (actor.is_some() && country.is_some() && volunteer);
        EventAccess {
            manage,
            door,
            see: published || door,
        }
    }

    /// Refuses like the cohort rules do: 404 to whoever may not see the
    /// event, 403 to those who may.
    pub fn require(&self, allowed: bool) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else if self.see {
            Err(AppError::Forbidden(None))
        } else {
            Err(AppError::NotFound)
        }
    }

    /// A registration is its owner's and the event managers' to see or
    /// cancel.
    pub fn can_handle_registration(
        &self,
        actor: Option<&Actor>,
        owner: Option<crate::vocab::UserId>,
    ) -> bool {
        self.manage || actor.is_some_and(|a| owner == Some(a.id))
    }
}

/// Appointing and removing a chapter's volunteers: admins and the
/// chapter's coordinators.
pub fn can_manage_team(actor: &Actor, country: &str) -> bool {
    runs_chapter(actor, Some(country))
}

/// Seeing a chapter's team: those who run it and its current volunteers.
pub fn can_view_team(actor: &Actor, country: &str, volunteer: bool) -> bool {
    can_manage_team(actor, country) || volunteer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::UserId;

    fn user(admin: bool, countries: &[&str]) -> Actor {
        Actor {
            id: UserId::new(),
            is_admin: admin,
            coordinates: countries.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// `(caller, volunteer of BF, [manage, door, see] of a BF event in
    /// draft, the same published, a pan-African draft)`.
    #[test]
    fn event_rules_for_every_kind_of_caller() {
        let admin = user(true, &[]);
        let coordinator = user(false, &["BF"]);
        let elsewhere = user(false, &["TG"]);
        let member = user(false, &[]);
        type Row<'a> = (&'a str, Option<&'a Actor>, bool, [[bool; 3]; 3]);
        let rows: [Row; 6] = [
            (
                "admin",
                Some(&admin),
                false,
                [[true, true, true], [true, true, true], [true, true, true]],
            ),
            (
                "coordinator",
                Some(&coordinator),
                false,
                [
                    [true, true, true],
                    [true, true, true],
                    [false, false, false],
                ],
            ),
            (
                "other coordinator",
                Some(&elsewhere),
                false,
                [
                    [false, false, false],
                    [false, false, true],
                    [false, false, false],
                ],
            ),
            (
                "volunteer",
                Some(&member),
                true,
                [
                    [false, true, true],
                    [false, true, true],
                    [false, false, false],
                ],
            ),
            (
                "member",
                Some(&member),
                false,
                [
                    [false, false, false],
                    [false, false, true],
                    [false, false, false],
                ],
            ),
            (
                "anonymous",
                None,
                false,
                [
                    [false, false, false],
                    [false, false, true],
                    [false, false, false],
                ],
            ),
        ];
        for (who, actor, volunteer, expected) in rows {
            let cases = [(Some("BF"), false), (Some("BF"), true), (None, false)];
            for ((country, published), want) in cases.into_iter().zip(expected) {
                let a = EventAccess::new(actor, country, published, volunteer);
                assert_eq!(
                    [a.manage, a.door, a.see],
                    want,
                    "{who} {country:?} published={published}"
                );
            }
        }
    }

    #[test]
    fn refusals_hide_what_the_caller_may_not_see() {
        let hidden = EventAccess::new(None, Some("BF"), false, false);
        assert!(matches!(hidden.require(false), Err(AppError::NotFound)));
        let public = EventAccess::new(None, Some("BF"), true, false);
        assert!(matches!(
            public.require(false),
            Err(AppError::Forbidden(None))
        ));
        assert!(public.require(true).is_ok());
    }

    #[test]
    fn registrations_are_their_owners_and_the_managers() {
        let owner = user(false, &[]);
        let other = user(false, &[]);
        let coordinator = user(false, &["BF"]);
        let access = |a: &Actor| EventAccess::new(Some(a), Some("BF"), true, false);
        assert!(access(&owner).can_handle_registration(Some(&owner), Some(owner.id)));
        assert!(!access(&other).can_handle_registration(Some(&other), Some(owner.id)));
        assert!(access(&coordinator).can_handle_registration(Some(&coordinator), Some(owner.id)));
        assert!(!access(&other).can_handle_registration(None, None));
    }

    #[test]
    fn teams_are_run_by_admins_and_coordinators_and_seen_by_volunteers() {
        let admin = user(true, &[]);
        let coordinator = user(false, &["BF"]);
        let member = user(false, &[]);
        assert!(can_manage_team(&admin, "BF"));
        assert!(can_manage_team(&coordinator, "BF"));
        assert!(!can_manage_team(&coordinator, "TG"));
        assert!(!can_manage_team(&member, "BF"));
        assert!(can_view_team(&member, "BF", true));
        assert!(!can_view_team(&member, "BF", false));
        assert!(!can_view_team(&coordinator, "TG", false));
    }
}
