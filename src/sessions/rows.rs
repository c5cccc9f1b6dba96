//! The `sessions` table as rows, and the kinds and statuses its columns hold.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::i18n::Lang;
use crate::schema::{session_series, sessions};
use crate::vocab::{CohortId, SessionId, UserId};

/// The longest a session may last: a residential bootcamp, not a season.
/// Services check it; queries bound their ranges with it.
pub const MAX_SESSION_DAYS: i64 = 31;

crate::id_type!(
    /// A series of sessions created at once by a repeat rule.
    SeriesId
);

crate::text_enum!(
    /// How often a series repeats.
    Frequency {
        Daily => "daily",
        Weekly => "weekly",
    }
);

crate::text_enum!(
    /// What kind of activity a session is.
    SessionKind {
        MasterClass => "master_class",
        CaseStudy => "case_study",
        Veille => "veille",
        CreativeWorkshop => "creative_workshop",
        Meetup => "meetup",
        Event => "event",
    }
);

impl SessionKind {
    /// The name people read, e.g. in calendar apps.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            SessionKind::MasterClass => "Master class",
            SessionKind::CaseStudy => lang.pick("Étude de cas", "Case study"),
            SessionKind::Veille => lang.pick("Veille & inspiration", "Trend watch & inspiration"),
            SessionKind::CreativeWorkshop => lang.pick("Atelier créatif", "Creative workshop"),
            SessionKind::Meetup => lang.pick("Rencontre", "Meetup"),
            SessionKind::Event => lang.pick("Événement", "Event"),
        }
    }
}

crate::text_enum!(
    /// A cancelled session keeps its record (and its calendar entry).
    SessionStatus {
        Scheduled => "scheduled",
        Cancelled => "cancelled",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions, treat_none_as_default_value = false)]
pub struct Session {
    pub id: SessionId,
    pub cohort_id: CohortId,
    pub kind: SessionKind,
    pub title: String,
    pub description: String,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub starts_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub ends_at: NaiveDateTime,
    pub online_url: Option<String>,
    pub venue: Option<String>,
    pub trainer_id: Option<UserId>,
    pub status: SessionStatus,
    pub counts_for_completion: bool,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// The series it was created in, if any.
    pub series_id: Option<SeriesId>,
}

/// A series: the rule it was made with; its occurrences are sessions.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = session_series)]
pub struct Series {
    pub id: SeriesId,
    pub cohort_id: CohortId,
    pub frequency: Frequency,
    pub repeat_interval: i32,
    pub occurrences: i32,
    pub created_by: UserId,
    #[diesel(deserialize_as = crate::db::instants::Ts)]
    pub created_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
}

/// An edit: `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sessions)]
pub struct SessionChanges {
    pub kind: Option<SessionKind>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub online_url: Option<Option<String>>,
    pub venue: Option<Option<String>>,
    pub trainer_id: Option<Option<UserId>>,
    pub status: Option<SessionStatus>,
    pub counts_for_completion: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
    pub deleted_at: Option<Option<NaiveDateTime>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_label_in_both_languages() {
        for kind in SessionKind::ALL {
            assert!(!kind.label(Lang::Fr).is_empty());
            assert!(!kind.label(Lang::En).is_empty());
        }
        assert_eq!(SessionKind::CaseStudy.label(Lang::Fr), "Étude de cas");
    }
}
