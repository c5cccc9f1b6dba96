//! iCalendar (RFC 5545) rendering from plain data, with no database or HTTP
//! in sight. Text values are escaped, control characters dropped (so no
//! value can inject a property), lines end with CRLF and are folded at 75
//! octets without ever splitting a UTF-8 character.

use std::fmt::Write;

use chrono::NaiveDateTime;

/// Longest content line, in octets, CRLF excluded (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// A calendar to publish.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// `X-WR-CALNAME`: the name calendar apps show for the subscription.
    pub name: String,
    /// `X-WR-TIMEZONE`: a display hint; every instant is written in UTC.
    pub timezone: Option<String>,
    pub events: Vec<Event>,
}

/// One `VEVENT`. Instants are UTC.
#[derive(Debug, Clone)]
pub struct Event {
    /// Stable across fetches, so apps update the event instead of duplicating it.
    pub uid: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub url: Option<String>,
    pub cancelled: bool,
}

/// The whole `VCALENDAR` object, CRLF line endings, folded.
pub fn render(calendar: &Calendar) -> String {
    let mut out = String::with_capacity(512 + calendar.events.len() * 400);
    let mut line = |name: &str, value: &str| {
        out.push_str(&fold(&format!("{name}:{value}")));
        out.push_str("\r\n");
    };
    line("BEGIN", "VCALENDAR");
    line("VERSION", "2.0");
    line("PRODID", "-//griot//griot//FR");
    line("CALSCALE", "GREGORIAN");
    line("METHOD", "PUBLISH");
    line("X-WR-CALNAME", &escape_text(&calendar.name));
    if let Some(tz) = &calendar.timezone {
        line("X-WR-TIMEZONE", &escape_text(tz));
    }
    // Hints for subscribing apps on how often to poll.
    line("REFRESH-INTERVAL;VALUE=DURATION", "PT1H");
    line("X-PUBLISHED-TTL", "PT1H");
    for e in &calendar.events {
        line("BEGIN", "VEVENT");
        line("UID", &escape_text(&e.uid));
        // DTSTAMP is the last change, not the fetch time: an unchanged event
        // renders to the same bytes on every fetch.
        line("DTSTAMP", &utc_stamp(e.updated_at));
        line("SEQUENCE", &sequence(e).to_string());
        line("DTSTART", &utc_stamp(e.starts_at));
        line("DTEND", &utc_stamp(e.ends_at));
        line("CREATED", &utc_stamp(e.created_at));
        line("LAST-MODIFIED", &utc_stamp(e.updated_at));
        line("SUMMARY", &escape_text(&e.summary));
        if let Some(d) = e.description.as_deref().filter(|d| !d.is_empty()) {
            line("DESCRIPTION", &escape_text(d));
        }
        if let Some(l) = e.location.as_deref().filter(|l| !l.is_empty()) {
            line("LOCATION", &escape_text(l));
        }
        if let Some(u) = e
            .url
            .as_deref()
            .map(strip_controls)
            .filter(|u| !u.is_empty())
        {
            line("URL", &u);
        }
        line(
            "STATUS",
            if e.cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            },
        );
        line("END", "VEVENT");
    }
    line("END", "VCALENDAR");
    out
}

/// `SEQUENCE` (RFC 5545 §3.8.7.4): the revision a calendar app compares
/// to decide whether a fetched event replaces the one it holds; without a
/// larger one, some apps keep a moved session at its old time. Every
/// change of an event moves `updated_at` forward, so the seconds from its
/// creation to its last change grow with each revision, with no counter to
/// keep (and none to forget on a new way of changing an event); capped to
/// the 32-bit integer iCalendar allows.
pub fn sequence(e: &Event) -> i64 {
    (e.updated_at - e.created_at)
        .num_seconds()
        .clamp(0, i32::MAX as i64)
}

/// `YYYYMMDDTHHMMSSZ`; sub-second precision does not exist in iCalendar.
pub fn utc_stamp(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value: backslash, semicolon, comma, and any line break as
/// `\n`; other control characters (forbidden in TEXT) are dropped, tabs kept.
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                // CRLF is one line break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn strip_controls(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// Folds one content line (without its CRLF) into physical lines of at most
/// [`MAX_LINE_OCTETS`] octets joined by CRLF + space; a continuation's
/// leading space counts towards its length. Cuts fall on char boundaries.
pub fn fold(line: &str) -> String {
    if line.len() <= MAX_LINE_OCTETS {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len() + line.len() / 37 + 3);
    let mut rest = line;
    let mut budget = MAX_LINE_OCTETS;
    loop {
        if rest.len() <= budget {
            out.push_str(rest);
            return out;
        }
        let mut cut = budget;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        let _ = write!(out, "{head}\r\n ");
        rest = tail;
        budget = MAX_LINE_OCTETS - 1;
    }
}

/// Reverses [`fold`] (RFC 5545 §3.1: remove every CRLF followed by one
/// space or tab).
pub fn unfold(text: &str) -> String {
    text.replace("\r\n ", "").replace("\r\n\t", "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_micro_opt(h, m, 0, 250_000)
            .unwrap()
    }

    fn event() -> Event {
        Event {
            uid: "0190-abc@griot".into(),
            starts_at: at(8, 0),
            ends_at: at(10, 0),
            created_at: at(7, 0),
            updated_at: at(7, 30),
            summary: "Master class — Stratégie, contenus; et \\ mesure".into(),
            description: Some("Ligne 1\nLigne 2\r\nLigne 3".into()),
            location: Some("Plateau, Abidjan".into()),
            url: Some("https://meet.example.org/abc?x=1,2".into()),
            cancelled: false,
        }
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_text("a\\b;c,d"), "a\\\\b\\;c\\,d");
        assert_eq!(escape_text("1\n2\r\n3\r4"), "1\\n2\\n3\\n4");
        assert_eq!(escape_text("x\u{7}y\tz"), "xy\tz");
        assert_eq!(escape_text("Événement à Lomé"), "Événement à Lomé");
    }

    #[test]
    fn short_lines_are_left_alone() {
        let line = "a".repeat(MAX_LINE_OCTETS);
        assert_eq!(fold(&line), line);
    }

    #[test]
    fn long_accented_lines_fold_on_char_boundaries_and_unfold_back() {
        let line = format!(
            "SUMMARY:{}",
            "Étude de cas — « Déconnexion » à Ouagadougou, Lomé et Niamey ; ".repeat(6)
        );
        let folded = fold(&line);
        let physical: Vec<&str> = folded.split("\r\n").collect();
        assert!(physical.len() > 5, "{folded}");
        for (i, l) in physical.iter().enumerate() {
            assert!(
                l.len() <= MAX_LINE_OCTETS,
                "line {i} has {} octets",
                l.len()
            );
            if i > 0 {
                assert!(l.starts_with(' '), "continuation {i} lacks its space");
            }
        }
        // `split` on a String only yields valid UTF-8: no character was cut.
        assert_eq!(unfold(&folded), line);
    }

    #[test]
    fn multibyte_characters_at_the_fold_point_stay_whole() {
        for pad in 0..4 {
            let line = format!("{}{}", "x".repeat(70 + pad), "€".repeat(40));
            let folded = fold(&line);
            assert!(folded.split("\r\n").all(|l| l.len() <= MAX_LINE_OCTETS));
            assert_eq!(unfold(&folded), line);
        }
    }

    #[test]
    fn a_calendar_renders_with_crlf_and_every_property() {
        let text = render(&Calendar {
            name: "Cohorte CI, 2026".into(),
            timezone: Some("Africa/Abidjan".into()),
            events: vec![event()],
        });
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "bare LF in {text:?}"
        );
        let lines: Vec<String> = unfold(&text).split("\r\n").map(str::to_owned).collect();
        for expected in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//griot//griot//FR",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Cohorte CI\\, 2026",
            "X-WR-TIMEZONE:Africa/Abidjan",
            "BEGIN:VEVENT",
            "UID:0190-abc@griot",
            "DTSTAMP:20260302T073000Z",
            "SEQUENCE:1800",
            "DTSTART:20260302T080000Z",
            "DTEND:20260302T100000Z",
            "LAST-MODIFIED:20260302T073000Z",
            "SUMMARY:Master class — Stratégie\\, contenus\\; et \\\\ mesure",
            "DESCRIPTION:Ligne 1\\nLigne 2\\nLigne 3",
            "LOCATION:Plateau\\, Abidjan",
            "URL:https://meet.example.org/abc?x=1,2",
            "STATUS:CONFIRMED",
            "END:VEVENT",
        ] {
            assert!(
                lines.iter().any(|l| l == expected),
                "missing {expected:?} in {text}"
            );
        }
    }

    #[test]
    fn the_sequence_grows_with_every_revision() {
        let mut e = event();
        e.updated_at = e.created_at;
        assert_eq!(sequence(&e), 0);
        e.updated_at = at(7, 1);
        assert_eq!(sequence(&e), 60);
        e.updated_at = at(9, 0);
        assert_eq!(sequence(&e), 7_200);
        // A clock that went back never gives a negative revision.
        e.updated_at = at(6, 0);
        assert_eq!(sequence(&e), 0);
    }

    #[test]
    fn cancelled_events_and_empty_optionals() {
        let mut e = event();
        e.cancelled = true;
        e.description = Some(String::new());
        e.location = None;
        e.url = Some("https://x.example/\r\nX-EVIL:1".into());
        let text = render(&Calendar {
            name: "n".into(),
            timezone: None,
            events: vec![e],
        });
        assert!(text.contains("\r\nSTATUS:CANCELLED\r\n"));
        assert!(!text.contains("DESCRIPTION"));
        assert!(!text.contains("LOCATION"));
        assert!(!text.contains("X-WR-TIMEZONE"));
        assert!(!text.contains("\r\nX-EVIL"));
    }
}
