//! Certificate codes: 100 random bits as 20 characters of Crockford's
//! base 32 (digits and capitals without I, L, O, U), printed in five
//! groups of four. Unguessable, yet easy to read aloud or type from
//! paper: reading ignores case, dashes and spaces, and takes O for 0 and
//! I or L for 1, as Crockford's alphabet says.

use rand::RngCore;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a code, without dashes.
pub const CODE_CHARS: usize = 20;

/// A new random code (stored form: no dashes).
pub fn generate() -> String {
    let mut bytes = [0u8; 13];
    rand::rng().fill_bytes(&mut bytes);
    // 100 bits: the first 12 bytes and the high nibble of the 13th.
    let mut bits: u128 = 0;
    for b in &bytes[..12] {
        bits = (bits << 8) | u128::from(*b);
    }
    bits = (bits << 4) | u128::from(bytes[12] >> 4);
    (0..CODE_CHARS)
        .rev()
        .map(|i| ALPHABET[((bits >> (5 * i)) & 31) as usize] as char)
        .collect()
}

/// The printed form: `7K2M-9QXD-4HNP-WT3R-A8C0`.
pub fn display(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

/// The stored form of what someone typed, or `None` if it cannot be a
/// code.
pub fn normalize(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_CHARS);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
        if out.len() > CODE_CHARS {
            return None;
        }
    }
    (out.len() == CODE_CHARS).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_twenty_crockford_characters_and_differ() {
        let a = generate();
        assert_eq!(a.len(), CODE_CHARS);
        assert!(a.bytes().all(|b| ALPHABET.contains(&b)), "{a}");
        let many: std::collections::HashSet<String> = (0..1000).map(|_| generate()).collect();
        assert_eq!(many.len(), 1000);
    }

    #[test]
    fn every_character_position_varies() {
        // 100 bits fill all 20 positions: none is stuck at one value.
        let codes: Vec<String> = (0..200).map(|_| generate()).collect();
        for i in 0..CODE_CHARS {
            let first = codes[0].as_bytes()[i];
            assert!(
                codes.iter().any(|c| c.as_bytes()[i] != first),
                "position {i}"
            );
        }
    }

    #[test]
    fn typed_codes_are_read_forgivingly() {
        let code = "7K2M9QXD4HNPWT3RA8C0";
        assert_eq!(display(code), "7K2M-9QXD-4HNP-WT3R-A8C0");
        assert_eq!(normalize("7k2m-9qxd-4hnp-wt3r-a8c0").as_deref(), Some(code));
        assert_eq!(
            normalize(" 7K2M 9QXD 4HNP WT3R A8CO ").as_deref(),
            Some(code)
        );
        assert_eq!(
            normalize("IL00-0000-0000-0000-0000").as_deref(),
            Some("11000000000000000000")
        );
        assert_eq!(normalize("7K2M-9QXD"), None, "too short");
        assert_eq!(normalize("7K2M9QXD4HNPWT3RA8C0X"), None, "too long");
        assert_eq!(normalize("UK2M9QXD4HNPWT3RA8C0"), None, "U is not a digit");
        assert_eq!(normalize("7K2M9QXD4HNPWT3RA8Cé"), None);
    }
}
