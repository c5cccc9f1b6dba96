//! The HTTP rules of a download, as pure functions: which bytes a `Range`
//! asks for (RFC 9110 §14), validators, and the file name a browser saves
//! (RFC 6266).

/// What part of a file of `size` bytes to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranged {
    /// The whole file (no range, an unreadable one, or several: a server
    /// may answer those with the whole representation).
    Full,
    /// Bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// A range that starts past the end: 416.
    Unsatisfiable,
}

/// Reads a `Range` header for a file of `size` bytes.
pub fn range_for(header: Option<&str>, size: u64) -> Ranged {
    let Some(spec) = header.and_then(|h| {
        let (unit, spec) = h.trim().split_once('=')?;
        unit.trim()
            .eq_ignore_ascii_case("bytes")
            .then_some(spec.trim())
    }) else {
        return Ranged::Full;
    };
    if spec.contains(',') {
        return Ranged::Full;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Ranged::Full;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // `-n`: the last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || size == 0 {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part {
                    start: size.saturating_sub(n),
                    end: size - 1,
                }
            }
        }
        (false, Some(start), None) if last.trim().is_empty() => {
            if start >= size {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part {
                    start,
                    end: size - 1,
                }
            }
        }
        (false, Some(start), Some(end)) if start <= end => {
            if start >= size {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part {
                    start,
                    end: end.min(size - 1),
                }
            }
        }
        _ => Ranged::Full,
    }
}

/// The strong validator of a file: its SHA-256.
pub fn etag(sha256: &str) -> String {
    format!("\"{sha256}\"")
}

/// `If-None-Match`: whether the client holds this very file (weak
/// comparison, as RFC 9110 §13.1.2 says).
pub fn none_match_holds(header: &str, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    header.trim() == "*"
        || header
            .split(',')
            .any(|tag| tag.trim().trim_start_matches("W/") == bare)
}

/// `If-Range`: the range is sent only if the client's validator is this
/// file's, compared strongly; a date or a weak tag means the whole file.
pub fn if_range_holds(header: Option<&str>, etag: &str) -> bool {
    header.is_none_or(|h| h.trim() == etag)
}

/// `Content-Disposition: attachment` with the original name: an ASCII
/// fallback for old clients, and the exact name in UTF-8 (RFC 6266, 8187).
pub fn content_disposition(file_name: &str) -> String {
    // Names kept before format characters were stripped on the way in.
    let file_name = &strip_invisible(file_name);
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A file name as the client's file part gives it, made safe to keep and to
/// send back: the last path segment, no control or format characters (see
/// [`is_invisible`]), at most 255 bytes; `material` when nothing is left.
pub fn clean_file_name(raw: Option<&str>) -> String {
    let last = strip_invisible(raw.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or(""));
    let mut name = last.trim().to_owned();
    while name.len() > 255 {
        name.pop();
    }
    if name.is_empty() || name == "." || name == ".." {
        "material".to_owned()
    } else {
        name
    }
}

/// `text` without control characters nor format characters.
pub fn strip_invisible(text: &str) -> String {
    text.chars()
        .filter(|&c| !c.is_control() && !is_invisible(c))
        .collect()
}

/// Whether `c` is a format character (Unicode general category Cf): the
/// bidirectional overrides and isolates that make `facture\u{202E}fdp.exe.pdf`
/// display as `facturefdp.exe.pdf`… reversed, zero-width spaces and joiners,
/// the byte-order mark, soft hyphens, tag characters. None belongs in a file
/// name: each can make the name shown differ from the name saved.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{0600}'..='\u{0605}'
        | '\u{061C}'
        | '\u{06DD}'
        | '\u{070F}'
        | '\u{0890}'..='\u{0891}'
        | '\u{08E2}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{110BD}'
        | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_of_a_hundred_bytes() {
        let r = |h| range_for(Some(h), 100);
        assert_eq!(range_for(None, 100), Ranged::Full);
        assert_eq!(r("bytes=0-9"), Ranged::Part { start: 0, end: 9 });
        assert_eq!(r("bytes=90-"), Ranged::Part { start: 90, end: 99 });
        assert_eq!(r("bytes=-10"), Ranged::Part { start: 90, end: 99 });
        assert_eq!(r("bytes=-500"), Ranged::Part { start: 0, end: 99 });
        assert_eq!(r("bytes=50-5000"), Ranged::Part { start: 50, end: 99 });
        assert_eq!(r("bytes=100-"), Ranged::Unsatisfiable);
        assert_eq!(r("bytes=100-200"), Ranged::Unsatisfiable);
        assert_eq!(r("bytes=-0"), Ranged::Unsatisfiable);
        // Unreadable or several ranges: the whole file.
        assert_eq!(r("bytes=9-0"), Ranged::Full);
        assert_eq!(r("bytes=a-b"), Ranged::Full);
        assert_eq!(r("bytes=0-1,5-6"), Ranged::Full);
        assert_eq!(r("lines=0-1"), Ranged::Full);
        assert_eq!(r("bytes=+1-2"), Ranged::Full);
    }

    #[test]
    fn validators() {
        let tag = etag("ab12");
        assert_eq!(tag, "\"ab12\"");
        assert!(none_match_holds("\"ab12\"", &tag));
        assert!(none_match_holds("W/\"ab12\", \"zz\"", &tag));
        assert!(none_match_holds("*", &tag));
        assert!(!none_match_holds("\"zz\"", &tag));
        assert!(if_range_holds(None, &tag));
        assert!(if_range_holds(Some("\"ab12\""), &tag));
        assert!(!if_range_holds(Some("W/\"ab12\""), &tag));
        assert!(!if_range_holds(Some("Tue, 01 Dec 2026 10:00:00 GMT"), &tag));
    }

    #[test]
    fn file_names_survive_the_trip() {
        assert_eq!(
            content_disposition("Séance 1 \"intro\".pdf"),
            "attachment; filename=\"S_ance 1 _intro_.pdf\"; \
             filename*=UTF-8''S%C3%A9ance%201%20%22intro%22.pdf"
        );
        assert_eq!(
            clean_file_name(Some("C:\\Users\\awa\\cours.pdf")),
            "cours.pdf"
        );
        assert_eq!(clean_file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_file_name(Some("a\u{0}b\nc.txt")), "abc.txt");
        assert_eq!(
            clean_file_name(Some("facture\u{202e}fdp.exe.pdf")),
            "facturefdp.exe.pdf"
        );
        assert_eq!(
            clean_file_name(Some("\u{feff}co\u{200b}urs\u{2067}.pdf\u{2069}")),
            "cours.pdf"
        );
        assert_eq!(clean_file_name(Some("\u{202e}\u{200d}")), "material");
        assert!(!content_disposition("a\u{202e}b.pdf").contains("%E2%80%AE"));
        // Letters of every script stay.
        assert_eq!(
            clean_file_name(Some("cours_été_دورة.pdf")),
            "cours_été_دورة.pdf"
        );
        assert_eq!(clean_file_name(None), "material");
        assert_eq!(clean_file_name(Some("..")), "material");
        assert!(clean_file_name(Some(&"é".repeat(300))).len() <= 255);
    }
}
