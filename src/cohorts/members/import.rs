//! Reading a member import: a CSV as coordinators export it from Excel or
//! Google Sheets (UTF-8 with or without a byte-order mark, comma,
//! semicolon or tab, quoted fields, Windows line ends, spaces around
//! values, blank lines). Pure: the database checks (countries, accounts,
//! seats) are the service's.

use validator::ValidateEmail;

use crate::error::{FieldError, Issue};
use crate::vocab::MemberRole;

/// The columns a file must have, and the optional one.
pub const REQUIRED: [&str; 3] = ["email", "full_name", "country_code"];
pub const OPTIONAL_ROLE: &str = "role";

/// The longest name an account takes (as at registration).
const MAX_NAME_CHARS: usize = 120;

/// One line of the file, read and checked on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// As a spreadsheet numbers it: the header is line 1.
    pub line: u64,
    /// Trimmed and lower-cased.
    pub email: String,
    pub full_name: String,
    /// Upper-cased.
    pub country_code: String,
    pub role: MemberRole,
}

/// A problem at a line (`field`: a column, or `file`).
#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    pub line: u64,
    pub error: FieldError,
}

impl LineError {
    fn new(line: u64, field: &str, issue: Issue) -> Self {
        Self {
            line,
            error: FieldError::new(field, issue),
        }
    }
}

/// What the file holds: its good lines and the errors of the others (a
/// line has at most one error per column).
#[derive(Debug, Default)]
pub struct Parsed {
    pub lines: Vec<Line>,
    pub errors: Vec<LineError>,
}

impl Parsed {
    /// Whether the file cannot be read line by line at all (not UTF-8, or
    /// a header without a required column): even a dry run refuses it.
    pub fn unreadable(&self) -> bool {
        self.errors
            .iter()
            .any(|e| matches!(e.error.issue, Issue::NotUtf8 | Issue::MissingColumn))
    }
}

/// Reads `bytes`, taking at most `max_rows` lines of data.
pub fn parse(bytes: &[u8], max_rows: usize) -> Parsed {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Parsed::default();
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        out.errors
            .push(LineError::new(line, "file", Issue::NotUtf8));
        return out;
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(bytes))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let columns = match reader.headers() {
        Ok(headers) => Columns::of(headers),
        Err(_) => Columns::default(),
    };
    let missing: Vec<&str> = REQUIRED
        .iter()
        .zip([columns.email, columns.full_name, columns.country_code])
        .filter(|(_, at)| at.is_none())
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        for name in missing {
            out.errors
                .push(LineError::new(1, name, Issue::MissingColumn));
        }
        return out;
    }
    let mut rows = 0usize;
    let mut lines = LineCounter::new(bytes);
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                out.errors
                    .push(LineError::new(line, "file", Issue::Invalid));
                break;
            }
        };
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        if record.iter().all(str::is_empty) {
            continue;
        }
        rows += 1;
        if rows > max_rows {
            out.errors.push(LineError::new(
                line,
                "file",
                Issue::TooMany { max: max_rows },
            ));
            break;
        }
        let cell = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or("");
        match read_line(
            line,
            cell(columns.email),
            cell(columns.full_name),
            cell(columns.country_code),
            cell(columns.role),
        ) {
            Ok(l) => out.lines.push(l),
            Err(mut errors) => out.errors.append(&mut errors),
        }
    }
    out
}

/// Line numbers from byte offsets, counted forward once. The csv crate's
/// own line count is one short after a CRLF line end (its record starts at
/// the LF), so the offset first skips line ends to the record's text.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    fn at(&mut self, byte: u64) -> u64 {
        let mut at = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while at < self.bytes.len() && matches!(self.bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at > self.offset {
            self.line += self.bytes[self.offset..at]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.offset = at;
        }
        self.line
    }
}

/// Where each column is, from the header line (names compared without
/// case, spaces or dashes, with a few French aliases).
#[derive(Debug, Default)]
struct Columns {
    email: Option<usize>,
    full_name: Option<usize>,
    country_code: Option<usize>,
    role: Option<usize>,
}

impl Columns {
    fn of(headers: &csv::StringRecord) -> Self {
        let mut c = Columns::default();
        for (i, name) in headers.iter().enumerate() {
            let name: String = name
                .trim()
                .to_lowercase()
                .chars()
                .map(|ch| if ch == ' ' || ch == '-' { '_' } else { ch })
                .collect();
            let slot = match name.as_str() {
                "email" | "e_mail" | "mail" | "courriel" => &mut c.email,
                "full_name" | "fullname" | "name" | "nom" | "nom_complet" => &mut c.full_name,
                "country_code" | "country" | "pays" => &mut c.country_code,
                "role" | "rôle" => &mut c.role,
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        c
    }
}

/// The separator of the file: whichever of `;`, `,` and tab its first line
/// holds most of outside quotes (a comma when none).
fn delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in bytes {
        match b {
            b'\n' if !quoted => break,
            b'"' => quoted = !quoted,
            b';' if !quoted => counts[0] += 1,
            b',' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], *i == 1)).unwrap_or(1);
    if counts[best] == 0 {
        b','
    } else {
        [b';', b',', b'\t'][best]
    }
}

/// One line's cells, checked.
fn read_line(
    line: u64,
    email: &str,
    full_name: &str,
    country: &str,
    role: &str,
) -> Result<Line, Vec<LineError>> {
    let mut errors = Vec::new();
    let email = crate::users::normalize_email(email);
    if email.is_empty() {
        errors.push(LineError::new(line, "email", Issue::Required));
    } else if email.chars().count() > 254 || !email.validate_email() {
        errors.push(LineError::new(line, "email", Issue::Email));
    }
    let name_chars = full_name.chars().count();
    if name_chars == 0 {
        errors.push(LineError::new(line, "full_name", Issue::Required));
    } else if name_chars > MAX_NAME_CHARS {
        errors.push(LineError::new(
            line,
            "full_name",
            Issue::Length {
                min: None,
                max: Some(MAX_NAME_CHARS as u64),
            },
        ));
    } else if !crate::http::control_free(full_name) || full_name.contains(['\n', '\r', '\t']) {
        errors.push(LineError::new(line, "full_name", Issue::ControlCharacter));
    }
    let country = country.to_uppercase();
    if country.is_empty() {
        errors.push(LineError::new(line, "country_code", Issue::Required));
    } else if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.push(LineError::new(line, "country_code", Issue::UnknownCountry));
    }
    let role = match role.to_lowercase().as_str() {
        "" | "learner" | "apprenant" | "apprenante" => Some(MemberRole::Learner),
        "trainer" | "formateur" | "formatrice" => Some(MemberRole::Trainer),
        _ => None,
    };
    if role.is_none() {
        errors.push(LineError::new(
            line,
            "role",
            Issue::OneOf(vec!["learner".into(), "trainer".into()]),
        ));
    }
    match role {
        Some(role) if errors.is_empty() => Ok(Line {
            line,
            email,
            full_name: full_name.to_owned(),
            country_code: country,
            role,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8]) -> Parsed {
        parse(text, 2000)
    }

    #[test]
    fn an_excel_export_with_bom_semicolons_and_crlf_reads() {
        let file = "\u{feff}Email;Full name;Country code;Role\r\n \
            AWA@Example.org ; Awa Traoré ;ci;\r\n\
            \"koffi@example.org\";\"Kouassi, Koffi\";CI;Trainer\r\n\
            ;;;\r\n\
            \r\n\
            binta@example.org;Binta Ouédraogo;bf;learner\r\n";
        let parsed = lines(file.as_bytes());
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.lines.len(), 3);
        assert_eq!(
            parsed.lines[0],
            Line {
                line: 2,
                email: "awa@example.org".into(),
                full_name: "Awa Traoré".into(),
                country_code: "CI".into(),
                role: MemberRole::Learner,
            }
        );
        assert_eq!(parsed.lines[1].full_name, "Kouassi, Koffi");
        assert_eq!(parsed.lines[1].role, MemberRole::Trainer);
        // Blank lines keep their numbers: Binta is on line 6.
        assert_eq!(parsed.lines[2].line, 6);
    }

    #[test]
    fn a_google_sheets_export_with_commas_and_a_multi_line_cell_reads() {
        let file = "email,full_name,country_code\n\
            a@example.org,\"Awa\nTraoré\",CI\n\
            b@example.org,Binta,BF\n";
        let parsed = lines(file.as_bytes());
        // A line break inside a name is refused, and numbers stay right.
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert_eq!(parsed.errors[0].line, 2);
        assert_eq!(parsed.errors[0].error.field, "full_name");
        assert_eq!(parsed.lines[0].line, 4);
    }

    #[test]
    fn every_bad_cell_is_named_with_its_line() {
        let file = "email;full_name;country_code;role\n\
            not-an-email;Awa;CI;learner\n\
            b@example.org;;C1;boss\n";
        let parsed = lines(file.as_bytes());
        let found: Vec<(u64, &str)> = parsed
            .errors
            .iter()
            .map(|e| (e.line, e.error.field.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (2, "email"),
                (3, "full_name"),
                (3, "country_code"),
                (3, "role")
            ]
        );
        assert!(parsed.lines.is_empty());
    }

    #[test]
    fn missing_columns_bad_bytes_and_too_many_rows_are_refused() {
        let parsed = lines(b"email,name\na@example.org,Awa\n");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].error.field, "country_code");
        assert_eq!(parsed.errors[0].error.issue, Issue::MissingColumn);

        let parsed = lines(b"email,full_name,country_code\na@example.org,Aw\xe9,CI\n");
        assert_eq!(parsed.errors[0].line, 2);
        assert_eq!(parsed.errors[0].error.issue, Issue::NotUtf8);

        let mut file = String::from("email,full_name,country_code\n");
        for i in 0..4 {
            file.push_str(&format!("u{i}@example.org,U {i},CI\n"));
        }
        let parsed = parse(file.as_bytes(), 3);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 5);
        assert_eq!(parsed.errors[0].error.issue, Issue::TooMany { max: 3 });
    }

    #[test]
    fn the_separator_is_the_most_frequent_outside_quotes() {
        assert_eq!(delimiter(b"a;b;c\n"), b';');
        assert_eq!(delimiter(b"a,b,c\n"), b',');
        assert_eq!(delimiter(b"\"x;y;z\",b,c\n"), b',');
        assert_eq!(delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(delimiter(b"email\n"), b',');
    }
}
