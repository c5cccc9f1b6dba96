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
        use utoipa::openapi::extensions::ExtensionsBuilder;
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
        // `GMT+0`, `GMT-0` and `GMT0` would all be `GMT0` in a generated
        // client: the names of the enum's members are given.
        let members: Vec<String> = names.iter().map(|n| enum_member(n)).collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("IANA time zone name."))
            .enum_values(Some(names))
            .examples([serde_json::json!("Africa/Abidjan")])
            .extensions(Some(
                ExtensionsBuilder::new()
                    .add("x-enum-varnames", members)
                    .build(),
            ))
            .into()
    }
}

/// A time zone's name as an identifier: `Etc/GMT+1` → `Etc_GMT_PLUS_1`,
/// `Etc/GMT-1` → `Etc_GMT_MINUS_1`, `America/Port-au-Prince` →
/// `America_Port_au_Prince`.
fn enum_member(name: &str) -> String {
    let mut out = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        let before_digit = chars.peek().is_some_and(|n| n.is_ascii_digit());
        match c {
            '+' => out.push_str("_PLUS_"),
            '-' if before_digit => out.push_str("_MINUS_"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => out.push('_'),
        }
    }
    out
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

    /// Generated clients name enum members from `x-enum-varnames`: they
    /// must be distinct even where the names differ only by `+`, `-` or
    /// case.
    #[test]
    fn time_zone_members_are_distinct_identifiers() {
        let mut seen = std::collections::HashSet::new();
        for tz in chrono_tz::TZ_VARIANTS.iter() {
            let member = enum_member(tz.name());
            assert!(member
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'));
            assert!(
                seen.insert(member.to_ascii_uppercase()),
                "{} twice",
                tz.name()
            );
        }
    }

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
