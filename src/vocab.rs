//! Words several areas share: the ids of the main records and the closed
//! sets of words that the access rules read. An area's own words stay in
//! the area; only what a lower layer or several areas need lives here.

crate::id_type!(UserId);

crate::id_type!(ProgrammeId);

crate::id_type!(CohortId);

crate::text_enum!(
    /// Lifecycle of a cohort.
    CohortStatus {
        Draft => "draft",
        Open => "open",
        Running => "running",
        Completed => "completed",
        Archived => "archived",
    }
);

impl CohortStatus {
    /// Statuses listed in the public catalogue.
    pub const CATALOGUE: [CohortStatus; 2] = [CohortStatus::Open, CohortStatus::Running];

    pub fn is_catalogue(self) -> bool {
        Self::CATALOGUE.contains(&self)
    }

    fn rank(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// Forward moves (skipping steps allowed) for everyone; back only for admins.
    pub fn can_move_to(self, to: CohortStatus, admin: bool) -> bool {
        to.rank() >= self.rank() || admin
    }
}

crate::text_enum!(
    /// Role of a member in a cohort.
    MemberRole {
        Learner => "learner",
        Trainer => "trainer",
    }
);

crate::text_enum!(
    /// Where a membership stands.
    MemberStatus {
        Pending => "pending",
        Active => "active",
        Waitlisted => "waitlisted",
        Withdrawn => "withdrawn",
        Rejected => "rejected",
        Completed => "completed",
    }
);

crate::id_type!(
    /// A session of a cohort (not a login session, which is
    /// [`LoginSessionId`]).
    SessionId
);

crate::id_type!(
    /// A login session: the family of refresh tokens rotated from one login.
    LoginSessionId
);
