//! Request and response bodies of session feedback.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::sessions::SessionKind;
use crate::vocab::SessionId;

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct FeedbackRequest {
    /// 1 (poor) to 5 (excellent).
    #[validate(range(min = 1, max = 5))]
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i32,
    /// Shown to staff and trainers without the author's name; blank means none.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

/// The caller's feedback as saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyFeedback {
    pub session_id: SessionId,
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i32,
    pub comment: Option<String>,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub updated_at: DateTime<Utc>,
}

/// Counts of each rating, `"1"` to `"5"` (all five keys, zeros included).
pub type Distribution = BTreeMap<String, i64>;

/// What learners said of one session, with no names.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackSummary {
    pub session_id: SessionId,
    /// How many learners rated it.
    pub count: i64,
    /// Mean rating, to two decimals; null when nobody rated it.
    pub average: Option<f64>,
    #[schema(example = json!({"1": 0, "2": 1, "3": 2, "4": 5, "5": 4}))]
    pub distribution: Distribution,
    /// The comments, ordered by their text: the order says nothing of who
    /// wrote them or when.
    pub comments: Vec<String>,
}

/// Ratings of one kind of session, or of one session, in a cohort.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindFeedback {
    pub kind: SessionKind,
    /// Sessions of this kind with at least one rating.
    pub sessions: i64,
    pub count: i64,
    pub average: Option<f64>,
    pub distribution: Distribution,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionFeedbackLine {
    pub session_id: SessionId,
    pub title: String,
    pub kind: SessionKind,
    #[serde(serialize_with = "crate::db::instants::utc")]
    pub starts_at: DateTime<Utc>,
    pub count: i64,
    pub average: Option<f64>,
}

/// A cohort's feedback per kind of session, and per session rated.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortFeedback {
    /// Every kind with at least one rating, in the order of the kinds.
    pub kinds: Vec<KindFeedback>,
    /// Every session with at least one rating, by start.
    pub sessions: Vec<SessionFeedbackLine>,
}

/// Count, mean (two decimals) and distribution of `(rating, count)` pairs.
pub fn tally(pairs: impl IntoIterator<Item = (i32, i64)>) -> (i64, Option<f64>, Distribution) {
    let mut distribution: Distribution = (1..=5).map(|r| (r.to_string(), 0)).collect();
    let (mut count, mut sum) = (0i64, 0i64);
    for (rating, n) in pairs {
        if let Some(slot) = distribution.get_mut(&rating.to_string()) {
            *slot += n;
            count += n;
            sum += i64::from(rating) * n;
        }
    }
    let average = (count > 0).then(|| (sum as f64 / count as f64 * 100.0).round() / 100.0);
    (count, average, distribution)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_every_rating_and_rounds_the_mean() {
        let (count, average, dist) = tally([(5, 2), (4, 1), (2, 0)]);
        assert_eq!(count, 3);
        assert_eq!(average, Some(4.67));
        assert_eq!(dist.len(), 5);
        assert_eq!(dist["5"], 2);
        assert_eq!(dist["1"], 0);
        assert_eq!(tally([]).1, None);
    }
}
