//! Field rules shared by request bodies, in the shape `validator` expects.

use validator::ValidationError;

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
