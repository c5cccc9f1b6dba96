//! The completion rule of a programme, as a pure function.

use crate::programmes::Programme;

/// What completing a cohort asks.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub min_attendance_rate: i32,
    pub required_submissions: i32,
}

impl From<&Programme> for Rule {
    fn from(p: &Programme) -> Self {
        Rule {
            min_attendance_rate: p.min_attendance_rate,
            required_submissions: p.required_submissions,
        }
    }
}

impl Rule {
    /// Whether a learner with this rate and these accepted submissions,
    /// over `counted` ended sessions, has completed. With nothing counted
    /// and nothing required, nobody has: a certificate at the first day
    /// would certify nothing.
    pub fn completed(&self, rate: f64, counted: i64, accepted: i64) -> bool {
        (counted > 0 || self.required_submissions > 0)
            && rate >= f64::from(self.min_attendance_rate)
            && accepted >= i64::from(self.required_submissions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_needs_the_rate_the_submissions_and_something_counted() {
        let rule = Rule {
            min_attendance_rate: 75,
            required_submissions: 2,
        };
        assert!(rule.completed(75.0, 8, 2));
        assert!(!rule.completed(74.9, 8, 2), "rate below the minimum");
        assert!(!rule.completed(100.0, 8, 1), "one submission short");
        let attendance_only = Rule {
            min_attendance_rate: 80,
            required_submissions: 0,
        };
        assert!(attendance_only.completed(80.0, 3, 0));
        assert!(
            !attendance_only.completed(100.0, 0, 0),
            "nothing counted yet"
        );
        let work_only = Rule {
            min_attendance_rate: 0,
            required_submissions: 1,
        };
        assert!(work_only.completed(100.0, 0, 1));
    }
}
