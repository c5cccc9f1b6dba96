//! One-page certificate of completion, rendered as a PDF (A4 landscape).
//!
//! Text is set in DejaVu Sans (regular and bold), embedded and subset by
//! `krilla`; the learner's name and every other line are shaped with
//! `rustybuzz` (the same version `krilla` uses) so that each line can be
//! measured, centred and, when too wide, shrunk to fit the page. The QR code
//! is drawn as vector squares, so it stays sharp at any zoom and prints well.
//!
//! Rendering is pure CPU work (about 2-3 ms in release builds, more in debug):
//! call [`render`] from a blocking context (`web::block`) if it is ever used in
//! a hot request path.

use std::fmt;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document;

use crate::i18n::Lang;

// Paths are relative to this file. In griot (`src/certificates/pdf.rs`)
// they become "../../assets/fonts/…".
const REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 landscape, in PostScript points.
pub const PAGE_WIDTH: f32 = 842.0;
pub const PAGE_HEIGHT: f32 = 595.0;

/// Widest a centred line may be (page width less the margins inside the frame).
const MAX_LINE_WIDTH: f32 = PAGE_WIDTH - 2.0 * 90.0;

/// One certificate page. Strings are the display values, already localised
/// where needed (programme title, country name).
#[derive(Clone, Debug)]
pub struct CertificatePage<'a> {
    pub full_name: &'a str,
    pub programme_title: &'a str,
    pub cohort_name: &'a str,
    /// `None` for a pan-African cohort.
    pub country_name: Option<&'a str>,
    pub issued_on: NaiveDate,
    /// Human-readable certificate code, e.g. "7K2M-9QXD-4HNP-WT3R".
    pub code: &'a str,
    /// The URL the QR code encodes, verbatim.
    pub verify_url: &'a str,
    /// Prints a "RÉVOQUÉ / REVOKED" stamp across the page.
    pub revoked: bool,
    pub lang: Lang,
}

/// Why a certificate could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenderError {
    /// The verification URL does not fit in a QR code (over ~2.3 kB).
    QrCode(String),
    /// The PDF writer failed (font embedding or a PDF limit).
    Pdf(String),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::QrCode(e) => write!(f, "cannot encode the QR code: {e}"),
            RenderError::Pdf(e) => write!(f, "cannot write the PDF: {e}"),
        }
    }
}

impl std::error::Error for RenderError {}

/// "12 février 2026" / "12 February 2026"; French writes the first day "1er".
pub fn long_date(date: NaiveDate, lang: Lang) -> String {
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    // month0() is always 0..=11.
    let month = date.month0() as usize;
    match lang {
        Lang::Fr if date.day() == 1 => format!("1er {} {}", FR[month], date.year()),
        Lang::Fr => format!("{} {} {}", date.day(), FR[month], date.year()),
        Lang::En => format!("{} {} {}", date.day(), EN[month], date.year()),
    }
}

/// Renders the certificate as a one-page PDF.
pub fn render(page: &CertificatePage) -> Result<Vec<u8>, RenderError> {
    // Encode first: the only input-dependent failure, before any drawing.
    let qr = qrcode::QrCode::new(page.verify_url.as_bytes())
        .map_err(|e| RenderError::QrCode(e.to_string()))?;

    let t = Texts::for_lang(page.lang);
    let name = clean(page.full_name);

    let mut document = Document::new();
    let title = if page.revoked {
        format!("{} ({}) — {name}", t.doc_title, t.revoked_word)
    } else {
        format!("{} — {name}", t.doc_title)
    };
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title)
            .language(t.lang_tag.to_owned())
            .creator("griot".to_owned()),
    );

    // from_wh only fails on non-positive or non-finite sizes.
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).expect("A4 size is valid");
    let mut pdf_page = document.start_page_with(settings);
    let mut s = pdf_page.surface();

    draw_frame(&mut s);

    // Baselines, top to bottom (krilla's origin is the top-left corner).
    let (regular, bold) = (&*REGULAR, &*BOLD);
    centred(&mut s, bold, t.title, 105.0, 32.0, NAVY);
    draw_rect(&mut s, PAGE_WIDTH / 2.0 - 60.0, 121.0, 120.0, 1.5, GOLD);
    centred(&mut s, regular, t.awarded_to, 160.0, 15.0, GREY);
    // The name and the programme title may take two lines (up to 120 and
    // 200 characters in griot); every other line only shrinks to fit.
    centred_block(&mut s, bold, &name, (212.0, 40.0), BLACK, true);
    let programme = clean(page.programme_title);
    centred_block(&mut s, regular, &programme, (256.0, 22.0), NAVY, true);
    let cohort = format!("{}{}", t.cohort_label, clean(page.cohort_name));
    centred(&mut s, regular, &cohort, 290.0, 15.0, GREY);
    let country = page.country_name.map_or(t.pan_african.to_owned(), clean);
    centred(&mut s, regular, &country, 316.0, 15.0, GREY);
    let issued = format!("{} {}", t.issued_on, long_date(page.issued_on, page.lang));
    centred(&mut s, regular, &issued, 350.0, 15.0, BLACK);
    let code = format!("{}{}", t.code_label, clean(page.code));
    centred(&mut s, regular, &code, 384.0, 13.0, BLACK);

    draw_qr(&mut s, &qr, (PAGE_WIDTH - QR_SIDE) / 2.0, 398.0, QR_SIDE);
    let caption = format!("{}{}", t.verify_label, clean(page.verify_url));
    centred(&mut s, regular, &caption, 536.0, 8.5, GREY);

    if page.revoked {
        draw_revoked_stamp(&mut s, bold);
    }

    s.finish();
    pdf_page.finish();
    document
        .finish()
        .map_err(|e| RenderError::Pdf(e.to_string()))
}

// ---------------------------------------------------------------------------
// Wording

struct Texts {
    lang_tag: &'static str,
    doc_title: &'static str,
    revoked_word: &'static str,
    title: &'static str,
    awarded_to: &'static str,
    cohort_label: &'static str,
    pan_african: &'static str,
    issued_on: &'static str,
    code_label: &'static str,
    verify_label: &'static str,
}

impl Texts {
    fn for_lang(lang: Lang) -> Texts {
        match lang {
            Lang::Fr => Texts {
                lang_tag: "fr",
                doc_title: "Certificat",
                revoked_word: "révoqué",
                title: "Certificat de réussite",
                awarded_to: "décerné à",
                cohort_label: "Cohorte : ",
                pan_african: "Panafricain",
                issued_on: "Délivré le",
                code_label: "Code : ",
                verify_label: "Vérifier : ",
            },
            Lang::En => Texts {
                lang_tag: "en",
                doc_title: "Certificate",
                revoked_word: "revoked",
                title: "Certificate of completion",
                awarded_to: "awarded to",
                cohort_label: "Cohort: ",
                pan_african: "Pan-African",
                issued_on: "Issued on",
                code_label: "Code: ",
                verify_label: "Verify: ",
            },
        }
    }
}

/// Bilingual on purpose: a revoked certificate must read as such to anyone.
const REVOKED_STAMP: &str = "RÉVOQUÉ / REVOKED";

/// User data is one line: control characters (newlines, tabs) become spaces.
fn clean(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    one_line.trim().to_owned()
}

// ---------------------------------------------------------------------------
// Fonts and text

/// A font parsed once: `krilla`'s handle (embedding, subsetting) and the
/// `rustybuzz` face used to shape and measure.
struct Face {
    pdf: Font,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Face {
        let pdf = Font::new(data.into(), 0).expect("embedded font is a valid TrueType file");
        let shaper = rustybuzz::Face::from_slice(data, 0).expect("embedded font parses");
        let units_per_em = shaper.units_per_em() as f32;
        Face {
            pdf,
            shaper,
            units_per_em,
        }
    }
}

static REGULAR: LazyLock<Face> = LazyLock::new(|| Face::load(REGULAR_TTF));
static BOLD: LazyLock<Face> = LazyLock::new(|| Face::load(BOLD_TTF));

/// A shaped line: glyphs with advances in em (krilla multiplies by the size).
struct Shaped {
    glyphs: Vec<KrillaGlyph>,
    /// Width of the line at font size 1.
    width_em: f32,
    /// Byte offsets where the text may be cut without splitting a cluster
    /// (a letter and its combining accents), ascending.
    cluster_starts: Vec<usize>,
}

fn shape(face: &Face, text: &str) -> Shaped {
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    let output = rustybuzz::shape(&face.shaper, &[], buffer);

    let mut cluster_starts: Vec<usize> = output
        .glyph_infos()
        .iter()
        .map(|info| info.cluster as usize)
        .collect();
    cluster_starts.sort_unstable();
    cluster_starts.dedup();

    let em = face.units_per_em;
    let mut width_em = 0.0;
    let glyphs = output
        .glyph_infos()
        .iter()
        .zip(output.glyph_positions())
        .map(|(info, pos)| {
            // Each glyph maps back to the text of its cluster: krilla writes
            // that into the ToUnicode CMap, which is what makes copy/paste and
            // text extraction give back "é" and not "e" + a stray accent.
            let start = info.cluster as usize;
            let next = cluster_starts.partition_point(|&c| c <= start);
            let end = cluster_starts.get(next).copied().unwrap_or(text.len());
            width_em += pos.x_advance as f32 / em;
            KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                pos.x_advance as f32 / em,
                pos.x_offset as f32 / em,
                pos.y_offset as f32 / em,
                pos.y_advance as f32 / em,
                start..end,
                None,
            )
        })
        .collect();
    Shaped {
        glyphs,
        width_em,
        cluster_starts,
    }
}

/// Smallest size a line is shrunk to; beyond that it is cut with an ellipsis.
const MIN_FONT_SIZE: f32 = 6.0;

/// A line ready to draw: its (possibly truncated) text, glyphs and size.
struct Line {
    text: String,
    shaped: Shaped,
    size: f32,
}

impl Line {
    fn width(&self) -> f32 {
        self.shaped.width_em * self.size
    }
}

/// Shapes `text` at `size`, shrinking it (then truncating it) to `max_width`.
fn fit(face: &Face, text: &str, size: f32, max_width: f32) -> Line {
    let shaped = shape(face, text);
    if shaped.width_em * size <= max_width {
        let text = text.to_owned();
        return Line { text, shaped, size };
    }
    let shrunk = max_width / shaped.width_em;
    if shrunk >= MIN_FONT_SIZE {
        let text = text.to_owned();
        return Line {
            text,
            shaped,
            size: shrunk,
        };
    }
    // Still too wide at the minimum size: keep the longest prefix (cut at a
    // cluster boundary) that fits with an ellipsis. Binary search over the
    // cut points; index 0 (just "…") always "fits".
    let cuts = &shaped.cluster_starts;
    let candidate = |i: usize| format!("{}…", text[..cuts[i]].trim_end());
    let (mut lo, mut hi) = (0, cuts.len() - 1);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if shape(face, &candidate(mid)).width_em * MIN_FONT_SIZE <= max_width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let text = candidate(lo);
    let shaped = shape(face, &text);
    Line {
        text,
        shaped,
        size: MIN_FONT_SIZE,
    }
}

/// Below this share of its nominal size, a wrappable line goes on two lines.
const WRAP_BELOW: f32 = 0.6;

/// Lays out `text` as one centred line or, when `wrap` allows it and one line
/// would have to shrink below [`WRAP_BELOW`] of `size`, as two lines split
/// at the space nearest the middle, both at the same size.
fn layout(face: &Face, text: &str, size: f32, wrap: bool) -> Vec<Line> {
    let single = fit(face, text, size, MAX_LINE_WIDTH);
    if !wrap || single.size >= size * WRAP_BELOW {
        return vec![single];
    }
    let middle = text.len() / 2;
    let Some(split) = text
        .match_indices(' ')
        .map(|(i, _)| i)
        .min_by_key(|&i| i.abs_diff(middle))
    else {
        return vec![single];
    };
    let halves = [text[..split].trim(), text[split..].trim()];
    let widest = halves
        .iter()
        .map(|half| shape(face, half).width_em)
        .fold(0.0, f32::max);
    let two_size = (size * WRAP_BELOW).min(MAX_LINE_WIDTH / widest);
    if two_size <= single.size {
        // Absurdly long text: two lines would not be any bigger.
        return vec![single];
    }
    halves
        .iter()
        .map(|half| fit(face, half, two_size, MAX_LINE_WIDTH))
        .collect()
}

/// Draws `text` centred horizontally, on one line whose baseline is
/// `baseline` from the top or, if wrapped, on two lines centred vertically on
/// where that one line would have been.
fn centred_block(
    s: &mut Surface,
    face: &Face,
    text: &str,
    (baseline, size): (f32, f32),
    color: Rgb,
    wrap: bool,
) {
    if text.is_empty() {
        return;
    }
    let lines = layout(face, text, size, wrap);
    // Cap height of DejaVu Sans is 0.73 em: centre the block's ink (cap top of
    // the first line to the baseline of the last) on the single line's.
    let middle = baseline - 0.365 * size;
    let line_size = lines.iter().map(|l| l.size).fold(0.0, f32::max);
    let gap = 1.2 * line_size;
    let block = 0.73 * line_size + gap * (lines.len() - 1) as f32;
    let mut y = middle - block / 2.0 + 0.73 * line_size;
    s.set_fill(Some(solid(color)));
    for line in &lines {
        let x = (PAGE_WIDTH - line.width()) / 2.0;
        s.draw_glyphs(
            Point::from_xy(x, y),
            &line.shaped.glyphs,
            face.pdf.clone(),
            &line.text,
            line.size,
            false,
        );
        y += gap;
    }
}

/// One line, centred horizontally, `baseline` from the top of the page.
fn centred(s: &mut Surface, face: &Face, text: &str, baseline: f32, size: f32, color: Rgb) {
    centred_block(s, face, text, (baseline, size), color, false);
}

// ---------------------------------------------------------------------------
// Shapes

/// An sRGB colour (krilla's `rgb::Color::new` is not `const`).
type Rgb = (u8, u8, u8);

const BLACK: Rgb = (0, 0, 0);
const WHITE: Rgb = (255, 255, 255);
const NAVY: Rgb = (0x1f, 0x2a, 0x44);
const GREY: Rgb = (0x55, 0x5b, 0x66);
const GOLD: Rgb = (0xb0, 0x85, 0x2f);
const RED: Rgb = (0xc0, 0x1c, 0x28);

fn paint((r, g, b): Rgb) -> krilla::paint::Paint {
    rgb::Color::new(r, g, b).into()
}

fn solid(color: Rgb) -> Fill {
    Fill {
        paint: paint(color),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw_rect(s: &mut Surface, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
    let mut pb = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
        pb.push_rect(rect);
    }
    if let Some(path) = pb.finish() {
        s.set_fill(Some(solid(color)));
        s.set_stroke(None);
        s.draw_path(&path);
    }
}

fn stroke_rect(s: &mut Surface, inset: f32, width: f32, color: Rgb) {
    let mut pb = PathBuilder::new();
    if let Some(rect) = Rect::from_ltrb(inset, inset, PAGE_WIDTH - inset, PAGE_HEIGHT - inset) {
        pb.push_rect(rect);
    }
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            paint: paint(color),
            width,
            ..Default::default()
        }));
        s.draw_path(&path);
        s.set_stroke(None);
    }
}

/// A double frame: a thick navy line and a thin gold one inside it.
fn draw_frame(s: &mut Surface) {
    stroke_rect(s, 22.0, 2.5, NAVY);
    stroke_rect(s, 30.0, 0.75, GOLD);
}

/// Side of the QR square, quiet zone included, in points.
const QR_SIDE: f32 = 120.0;
/// Light modules around the code, as the QR specification requires.
const QUIET_ZONE: usize = 4;

/// Draws `qr` (dark modules black, on a white square with its quiet zone)
/// with its top-left corner at (`x`, `y`).
fn draw_qr(s: &mut Surface, qr: &qrcode::QrCode, x: f32, y: f32, side: f32) {
    let n = qr.width();
    let module = side / (n + 2 * QUIET_ZONE) as f32;
    draw_rect(s, x, y, side, side, WHITE);

    // One rectangle per horizontal run of dark modules: fewer path segments
    // than one square per module, and no hairline seams between neighbours
    // in anti-aliasing viewers.
    let mut pb = PathBuilder::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if qr[(col, row)] != qrcode::Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && qr[(col, row)] == qrcode::Color::Dark {
                col += 1;
            }
            let left = x + (start + QUIET_ZONE) as f32 * module;
            let top = y + (row + QUIET_ZONE) as f32 * module;
            if let Some(rect) = Rect::from_xywh(left, top, (col - start) as f32 * module, module) {
                pb.push_rect(rect);
            }
        }
    }
    if let Some(path) = pb.finish() {
        s.set_fill(Some(solid(BLACK)));
        s.set_stroke(None);
        s.draw_path(&path);
    }
}

/// A red, translucent, tilted "RÉVOQUÉ / REVOKED" stamp over the middle of the
/// page (above the QR code, which stays scannable).
fn draw_revoked_stamp(s: &mut Surface, bold: &Face) {
    let size = 46.0;
    let shaped = shape(bold, REVOKED_STAMP);
    let width = shaped.width_em * size;
    let (cx, cy) = (PAGE_WIDTH / 2.0, 250.0);
    // Capitals only: the ink spans the cap height (0.73 em), centred on cy.
    let half_cap = 0.365 * size;
    let opacity = NormalizedF32::new(0.6).unwrap_or(NormalizedF32::ONE);

    s.push_transform(&Transform::from_rotate_at(-16.0, cx, cy));
    let (pad_x, pad_y) = (18.0, 16.0);
    let mut pb = PathBuilder::new();
    if let Some(rect) = Rect::from_ltrb(
        cx - width / 2.0 - pad_x,
        cy - half_cap - pad_y,
        cx + width / 2.0 + pad_x,
        cy + half_cap + pad_y,
    ) {
        pb.push_rect(rect);
    }
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            paint: paint(RED),
            width: 4.0,
            opacity,
            ..Default::default()
        }));
        s.draw_path(&path);
        s.set_stroke(None);
    }
    s.set_fill(Some(Fill {
        opacity,
        ..solid(RED)
    }));
    s.draw_glyphs(
        Point::from_xy(cx - width / 2.0, cy + half_cap),
        &shaped.glyphs,
        bold.pdf.clone(),
        REVOKED_STAMP,
        size,
        false,
    );
    s.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn sample(lang: Lang) -> CertificatePage<'static> {
        CertificatePage {
            full_name: "Aïcha Koné-Ouédraogo",
            programme_title: "Développement web full-stack",
            cohort_name: "Ouagadougou — printemps 2026",
            country_name: Some("Burkina Faso"),
            issued_on: date(2026, 2, 12),
            code: "7K2M-9QXD-4HNP-WT3R",
            verify_url: "https://griot.example/api/v1/certificates/7K2M-9QXD-4HNP-WT3R",
            revoked: false,
            lang,
        }
    }

    /// Counts page objects (`/Type/Page`, not `/Pages`) in the object
    /// dictionaries, which krilla writes uncompressed (only streams are
    /// compressed). Good enough for our own output with fixed test strings.
    fn page_count(pdf: &[u8]) -> usize {
        let mut count = 0;
        for (i, w) in pdf.windows(5).enumerate() {
            if w != b"/Type" {
                continue;
            }
            let rest = &pdf[i + 5..];
            let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
            if rest.starts_with(b"/Page") && !rest[5..].first().is_some_and(u8::is_ascii_alphabetic)
            {
                count += 1;
            }
        }
        count
    }

    #[test]
    fn long_date_french_months() {
        let months = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        for (i, month) in months.iter().enumerate() {
            let d = date(2026, i as u32 + 1, 12);
            assert_eq!(long_date(d, Lang::Fr), format!("12 {month} 2026"));
        }
        assert_eq!(long_date(date(2026, 3, 1), Lang::Fr), "1er mars 2026");
        assert_eq!(long_date(date(2026, 8, 2), Lang::Fr), "2 août 2026");
        assert_eq!(long_date(date(2026, 12, 31), Lang::Fr), "31 décembre 2026");
    }

    #[test]
    fn long_date_english_months() {
        let months = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        for (i, month) in months.iter().enumerate() {
            let d = date(2026, i as u32 + 1, 12);
            assert_eq!(long_date(d, Lang::En), format!("12 {month} 2026"));
        }
        assert_eq!(long_date(date(2026, 3, 1), Lang::En), "1 March 2026");
    }

    #[test]
    fn renders_one_page_pdf() {
        for lang in [Lang::Fr, Lang::En] {
            let pdf = render(&sample(lang)).expect("renders");
            assert!(pdf.starts_with(b"%PDF-"));
            assert_eq!(page_count(&pdf), 1);
        }
    }

    #[test]
    fn same_input_gives_same_bytes() {
        // No timestamps: a certificate's PDF can be cached or ETagged.
        let page = sample(Lang::Fr);
        assert_eq!(render(&page), render(&page));
    }

    #[test]
    fn very_long_name_still_renders_and_fits() {
        let long_name = "Aïcha Koné-Ouédraogo ".repeat(40);
        let page = CertificatePage {
            full_name: &long_name,
            programme_title: &long_name,
            revoked: true,
            ..sample(Lang::Fr)
        };
        let pdf = render(&page).expect("renders");
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(page_count(&pdf), 1);

        // Absurd lengths: one line at the minimum size, cut with an ellipsis.
        let lines = layout(&BOLD, &clean(&long_name), 40.0, true);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].width() <= MAX_LINE_WIDTH + 0.01);
        assert_eq!(lines[0].size, MIN_FONT_SIZE);
        assert!(lines[0].text.ends_with('…'));
        assert!(lines[0].text.starts_with("Aïcha Koné-Ouédraogo"));
    }

    #[test]
    fn long_lines_shrink_then_wrap() {
        // A somewhat long name only shrinks, to exactly the line width.
        let name = "Marie-Françoise Nkansah-Ouédraogo";
        let lines = layout(&BOLD, name, 40.0, true);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text, name);
        assert!(lines[0].size < 40.0 && lines[0].size >= 40.0 * WRAP_BELOW);
        assert!((lines[0].width() - MAX_LINE_WIDTH).abs() < 0.01);

        // griot's longest name (120 characters) goes on two readable lines.
        let name = "Marie-Françoise Adjoa Nkansah-Ouédraogo Diallo de Saint-Exupéry \
                    Kouassi-Bamba N'Guessan Traoré Coulibaly Konaté Ba Sylla";
        assert_eq!(name.chars().count(), 120);
        let lines = layout(&BOLD, name, 40.0, true);
        assert_eq!(lines.len(), 2);
        assert_eq!(format!("{} {}", lines[0].text, lines[1].text), name);
        for line in &lines {
            assert!(line.size >= 14.0, "{}", line.size);
            assert!(line.width() <= MAX_LINE_WIDTH + 0.01);
        }
        // Without wrapping, the same name would be tiny.
        assert!(layout(&BOLD, name, 40.0, false)[0].size < 10.0);

        // A single word cannot wrap: it shrinks.
        let word = "x".repeat(150);
        let lines = layout(&REGULAR, &word, 22.0, true);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].width() <= MAX_LINE_WIDTH + 0.01);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let page = CertificatePage {
            full_name: "",
            programme_title: "\n\t",
            cohort_name: "a\u{301}\u{301}\u{301}",
            country_name: None,
            code: "",
            ..sample(Lang::En)
        };
        assert!(render(&page).is_ok());

        // Right-to-left (Arabic, in DejaVu), and a script DejaVu lacks
        // (Ethiopic: drawn as .notdef boxes, but no failure).
        for name in ["عائشة كوني", "አበበ ቢቂላ"] {
            let page = CertificatePage {
                full_name: name,
                ..sample(Lang::Fr)
            };
            assert!(render(&page).is_ok(), "{name}");
        }
    }

    #[test]
    fn oversized_url_is_an_error() {
        let url = "x".repeat(5000);
        let page = CertificatePage {
            verify_url: &url,
            ..sample(Lang::En)
        };
        assert!(matches!(render(&page), Err(RenderError::QrCode(_))));
    }
}
