//! The cohort rules as one table: each kind of caller against each rule,
//! and what a refusal answers (404 to outsiders, 403 to insiders). A change
//! to a rule shows here as a changed row.

use super::*;

/// `(caller, [can_see_cohort, can_see_private, can_manage_cohort,
/// can_manage_sessions, can_view_members, can_see_materials,
/// can_manage_materials, can_manage_assignments, can_see_assignments,
/// can_submit, can_review, can_view_progress, can_issue_certificates,
/// can_rate_sessions, can_read_feedback],
/// refusal status)` for a draft
/// cohort in Mali, then for the same cohort open (in the catalogue).
#[test]
fn cohort_rules_for_every_kind_of_caller() {
    use MemberRole::{Learner, Trainer};
    use MemberStatus::{Active, Completed, Pending, Waitlisted, Withdrawn};
    let user = |admin: bool, countries: &[&str]| Actor {
        id: UserId::new(),
        is_admin: admin,
        coordinates: countries.iter().map(|c| c.to_string()).collect(),
    };
    let (admin, coordinator, elsewhere, member) = (
        user(true, &[]),
        user(false, &["ML"]),
        user(false, &["TG"]),
        user(false, &[]),
    );
    type Row<'a> = (
        &'a str,
        Option<&'a Actor>,
        Option<Membership>,
        [bool; 15],
        u16,
    );
    #[rustfmt::skip]
    let draft: [Row; 10] = [
        ("admin",                 Some(&admin),       None,                      [true,  true,  true,  true,  true , true,  true , true,  true,  false, true,  true,  true , false, true ], 403),
        ("coordinator of ML",     Some(&coordinator), None,                      [true,  true,  true,  true,  true , true,  true , true,  true,  false, true,  true,  true , false, true ], 403),
        ("coordinator elsewhere", Some(&elsewhere),   None,                      [false, false, false, false, false, false, false, false, false, false, false, false, false, false, false], 404),
        ("active trainer",        Some(&member),      Some((Trainer, Active)),   [true,  true,  false, true,  true , true,  true , true,  true,  false, true,  true,  false, false, true ], 403),
        ("active learner",        Some(&member),      Some((Learner, Active)),   [true,  true,  false, false, false, true,  false, false, true,  true,  false, false, false, true,  false], 403),
        ("past learner",          Some(&member),      Some((Learner, Completed)),[true,  true,  false, false, false, true,  false, false, true,  false, false, false, false, true,  false], 403),
        ("applicant",             Some(&member),      Some((Learner, Pending)),  [true,  false, false, false, false, false, false, false, false, false, false, false, false, false, false], 403),
        ("waitlisted",            Some(&member),      Some((Learner, Waitlisted)),[true,  false, false, false, false, false, false, false, false, false, false, false, false, false, false], 403),
        ("withdrawn",             Some(&member),      Some((Learner, Withdrawn)),[true,  false, false, false, false, false, false, false, false, false, false, false, false, false, false], 403),
        ("anonymous",             None,               None,                      [false, false, false, false, false, false, false, false, false, false, false, false, false, false, false], 404),
    ];
    for status in [CohortStatus::Draft, CohortStatus::Open] {
        for (who, actor, membership, rules, refusal) in draft {
            let access = CohortAccess::new(actor, status, Some("ML"), membership);
            // An open cohort is in the catalogue: everyone may see it.
            let see_cohort = rules[0] || status == CohortStatus::Open;
            let got = [
                access.can_see_cohort(),
                access.can_see_private(),
                access.can_manage_cohort(),
                access.can_manage_sessions(),
                access.can_view_members(),
                access.can_see_materials(),
                access.can_manage_materials(),
                access.can_manage_assignments(),
                access.can_see_assignments(),
                access.can_submit(),
                access.can_review(),
                access.can_view_progress(),
                access.can_issue_certificates(),
                access.can_rate_sessions(),
                access.can_read_feedback(),
            ];
            let mut want = rules;
            want[0] = see_cohort;
            assert_eq!(got, want, "{who}, {status}");
            let refused = match access.require(false) {
                Err(AppError::Forbidden(_)) => 403,
                Err(AppError::NotFound) => 404,
                other => panic!("{who}: {other:?}"),
            };
            assert_eq!(refused, refusal, "{who}, {status}");
            assert!(access.require(true).is_ok());
        }
    }
}

/// A pan-African cohort (no country) has only admins as staff.
#[test]
fn a_pan_african_cohort_is_staffed_by_admins_only() {
    let coordinator = Actor {
        id: UserId::new(),
        is_admin: false,
        coordinates: vec!["ML".into()],
    };
    let admin = Actor {
        is_admin: true,
        coordinates: vec![],
        ..coordinator.clone()
    };
    assert!(!CohortAccess::new(Some(&coordinator), CohortStatus::Draft, None, None).staff);
    assert!(CohortAccess::new(Some(&admin), CohortStatus::Draft, None, None).staff);
    assert!(!can_revoke_certificate(&coordinator, None));
    assert!(can_revoke_certificate(&admin, None));
}

/// Certificates are revoked by admins and the coordinators of the
/// cohort's country, nobody else.
#[test]
fn certificates_are_revoked_by_the_country_staff() {
    let user = |admin: bool, countries: &[&str]| Actor {
        id: UserId::new(),
        is_admin: admin,
        coordinates: countries.iter().map(|c| c.to_string()).collect(),
    };
    assert!(can_revoke_certificate(&user(true, &[]), Some("ML")));
    assert!(can_revoke_certificate(&user(false, &["ML"]), Some("ML")));
    assert!(!can_revoke_certificate(&user(false, &["TG"]), Some("ML")));
    assert!(!can_revoke_certificate(&user(false, &[]), Some("ML")));
}
