//! Bodies of the reports, and the CSV form of a cohort's.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::rows::{AttendanceMethod, AttendanceStatus};
use crate::error::{AppError, Issue};
use crate::vocab::{CohortId, SessionId, UserId};

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRow {
    pub user_id: UserId,
    pub full_name: String,
    pub present: i64,
    pub late: i64,
    pub excused: i64,
    pub absent: i64,
    pub unmarked: i64,
    /// 0–100.
    pub attendance_rate: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CohortReport {
    pub cohort_id: CohortId,
    /// Sessions counted: counting for completion, not cancelled, ended.
    pub sessions_counted: i64,
    pub late_weight: f64,
    /// The programme's minimum rate, for comparison.
    pub minimum_rate: i32,
    pub items: Vec<ReportRow>,
    /// Always null: a report comes whole.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Only learners whose rate is below this (0–100).
    #[param(minimum = 0, maximum = 100)]
    pub below: Option<f64>,
    /// Only learners below the programme's minimum rate.
    pub at_risk: Option<bool>,
    /// `csv` for a spreadsheet (same as `Accept: text/csv`).
    pub format: Option<String>,
    /// CSV separator: `comma` (default; decimals with a point, `84.3`) or
    /// `semicolon` (French Excel; decimals with a comma, `84,3`).
    #[param(pattern = "^(comma|semicolon)$")]
    pub delimiter: Option<String>,
}

impl ReportParams {
    /// `below`, if it is a rate (0–100).
    pub fn checked_below(&self) -> Result<Option<f64>, AppError> {
        if self.below.is_some_and(|b| !(0.0..=100.0).contains(&b)) {
            return Err(AppError::field(
                "below",
                Issue::Range {
                    min: Some(0.0),
                    max: Some(100.0),
                },
            ));
        }
        Ok(self.below)
    }

    /// The CSV separator asked for.
    pub fn separator(&self) -> Result<char, AppError> {
        csv_separator(self.delimiter.as_deref())
    }
}

/// The CSV separator `?delimiter=` asks for: `comma` (default) or
/// `semicolon` (French Excel).
pub fn csv_separator(delimiter: Option<&str>) -> Result<char, AppError> {
    match delimiter {
        None | Some("comma") => Ok(','),
        Some("semicolon") => Ok(';'),
        Some(_) => Err(AppError::field(
            "delimiter",
            Issue::OneOf(vec!["comma".into(), "semicolon".into()]),
        )),
    }
}

/// Excel shows accents with a BOM; a cell that starts like a formula is
/// neutralised so opening the file never runs it.
pub fn to_csv(rows: &[ReportRow], delimiter: char) -> String {
    let mut out = String::from("\u{feff}");
    let header = [
        "user_id",
        "full_name",
        "present",
        "late",
        "excused",
        "absent",
        "unmarked",
        "attendance_rate",
    ];
    push_row(&mut out, header.iter().map(|h| h.to_string()), delimiter);
    for r in rows {
        push_row(
            &mut out,
            [
                r.user_id.to_string(),
                r.full_name.clone(),
                r.present.to_string(),
                r.late.to_string(),
                r.excused.to_string(),
                r.absent.to_string(),
                r.unmarked.to_string(),
                csv_decimal(r.attendance_rate, delimiter),
            ]
            .into_iter(),
            delimiter,
        );
    }
    out
}

/// A decimal as the spreadsheet that asked for `delimiter` reads it: with
/// `;` (French Excel, LibreOffice in French) the decimal mark is a comma
/// (`84,3`), else French Excel takes the cell for text; with `,` a point.
pub fn csv_decimal(value: f64, delimiter: char) -> String {
    let text = format!("{value:.1}");
    if delimiter == ';' {
        text.replace('.', ",")
    } else {
        text
    }
}

pub fn push_row(out: &mut String, cells: impl Iterator<Item = String>, delimiter: char) {
    let mut first = true;
    for cell in cells {
        if !first {
            out.push(delimiter);
        }
        first = false;
        out.push_str(&csv_cell(&cell, delimiter));
    }
    out.push_str("\r\n");
}

pub fn csv_cell(value: &str, delimiter: char) -> String {
    let mut v = value.to_owned();
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.insert(0, '\'');
    }
    if v.contains([delimiter, '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyRecord {
    pub session_id: SessionId,
    pub session_title: String,
    pub starts_at: DateTime<Utc>,
    pub status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub marked_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyCohortAttendance {
    pub cohort_id: CohortId,
    pub cohort_name: String,
    pub sessions_counted: i64,
    pub present: i64,
    pub late: i64,
    pub excused: i64,
    pub absent: i64,
    pub unmarked: i64,
    pub attendance_rate: f64,
    /// Every record of the learner in this cohort, by session start.
    pub records: Vec<MyRecord>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyAttendance {
    pub items: Vec<MyCohortAttendance>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("Awa Traoré", ','), "Awa Traoré");
        assert_eq!(
            csv_cell("=HYPERLINK(\"x\")", ','),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(csv_cell("+225 07", ','), "'+225 07");
        assert_eq!(csv_cell("-1", ','), "'-1");
        assert_eq!(csv_cell("@cmd", ','), "'@cmd");
        assert_eq!(csv_cell("Diallo, Aminata", ','), "\"Diallo, Aminata\"");
        assert_eq!(csv_cell("Diallo, Aminata", ';'), "Diallo, Aminata");
    }
}
