//! Field rules shared by request bodies, in the shape `validator` expects.

use validator::ValidationError;

/// The years an instant or a date may fall in: beyond them a value is a
/// typo, and PostgreSQL and SQLite would not agree on it.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// An instant within [`YEARS`] and not a leap second (`23:59:60`), which
/// chrono reads but PostgreSQL turns into the next minute.
pub fn sane_instant(at: &chrono::DateTime<chrono::FixedOffset>) -> Result<(), ValidationError> {
    use chrono::{Datelike, Timelike};
    let utc = at.naive_utc();
    if YEARS.contains(&utc.year()) && at.nanosecond() < 1_000_000_000 {
        Ok(())
    } else {
        Err(ValidationError::new("instant"))
    }
}

/// A calendar date within [`YEARS`].
pub fn sane_date(on: &chrono::NaiveDate) -> Result<(), ValidationError> {
    use chrono::Datelike;
    if YEARS.contains(&on.year()) {
        Ok(())
    } else {
        Err(ValidationError::new("instant"))
    }
}

pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        Err(ValidationError::new("required"))
    } else {
        Ok(())
    }
}

pub fn iana_timezone(value: &str) -> Result<(), ValidationError> {
    value
        .parse::<chrono_tz::Tz>()
        .map(|_| ())
        .map_err(|_| ValidationError::new("unknown_timezone"))
}

/// An IANA time zone name, as in the server's tz database: the schema of
/// every field [`iana_timezone`] checks, so clients and fuzzers see the
/// same list the server accepts.
pub struct TimeZoneName;

impl utoipa::PartialSchema for TimeZoneName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("IANA time zone name."))
            .enum_values(Some(chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())))
            .examples([serde_json::json!("Africa/Abidjan")])
            .into()
    }
}

impl utoipa::ToSchema for TimeZoneName {}

/// Exactly `n` ASCII upper-case letters (country and currency codes).
pub fn upper_letters(value: &str, n: usize) -> Result<(), ValidationError> {
    if value.len() == n && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(ValidationError::new("invalid"))
    }
}

/// Serde helper: strips surrounding whitespace before validation, for
/// fields people paste (emails).
pub fn trimmed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = <String as serde::Deserialize>::deserialize(d)?;
    Ok(s.trim().to_owned())
}

/// Serde helper for PATCH fields that may be set to null: absent → `None`,
/// `null` → `Some(None)`, a value → `Some(Some(v))`. Use with
/// `#[serde(default, deserialize_with = "double_option")]`.
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_must_be_plausible() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
        assert!(sane_instant(&at("2027-01-01T23:59:59Z")).is_ok());
        assert!(sane_instant(&at("1900-01-01T00:00:00Z")).is_ok());
        assert!(sane_instant(&at("2027-01-01T23:59:60Z")).is_err());
        assert!(sane_instant(&at("0001-01-01T00:00:00Z")).is_err());
        assert!(sane_instant(&at("9999-12-31T00:00:00Z")).is_err());
        let on = |y| chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        assert!(sane_date(&on(2026)).is_ok());
        assert!(sane_date(&on(1)).is_err());
    }

    #[test]
    fn rules() {
        assert!(not_blank("  ").is_err());
        assert!(not_blank(" a ").is_ok());
        assert!(iana_timezone("Africa/Douala").is_ok());
        assert!(iana_timezone("Africa/Atlantis").is_err());
        assert!(upper_letters("CI", 2).is_ok());
        assert!(upper_letters("ci", 2).is_err());
        assert!(upper_letters("XOF", 3).is_ok());
    }
}
