//! Checks a PDF for real, in pure Rust (no system tools): the text a reader
//! would copy out of it, and the payloads of the QR codes a phone would scan
//! off the rendered page.
//!
//! Both go through `hayro` (a PDF interpreter and CPU rasteriser by krilla's
//! author): text from each glyph's ToUnicode mapping, QR codes by rendering
//! every page to pixels and scanning them with `rqrr`.
//!
//! Helpers panic (with a message) on an unreadable PDF: they are for tests.

use hayro::hayro_interpret::font::GlyphRun;
use hayro::hayro_interpret::hayro_cmap::BfString;
use hayro::hayro_interpret::{
    interpret_page, BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image,
    ImageDrawProps, InterpreterCache, InterpreterSettings, SoftMask,
};
use hayro::hayro_syntax::Pdf;
use hayro::kurbo::{Affine, BezPath, Point, Rect};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};

/// Text of every page, one line per baseline, in content order (for our
/// generator: top to bottom). Pages are separated by a form feed.
pub fn pdf_text(pdf: &[u8]) -> String {
    let pdf = Pdf::new(pdf.to_vec()).expect("PDF parses");
    let mut pages = Vec::new();
    for page in pdf.pages().iter() {
        let cache = InterpreterCache::new();
        let (w, h) = page.render_dimensions();
        let mut ctx = Context::new(
            Affine::IDENTITY,
            Rect::new(0.0, 0.0, f64::from(w), f64::from(h)),
            &cache,
            page.xref(),
            InterpreterSettings::default(),
        );
        let mut text = TextCollector::default();
        interpret_page(page, &mut ctx, &mut text);
        pages.push(text.out);
    }
    pages.join("\u{c}")
}

/// Payloads of the QR codes found on the pages rendered at 3 px per point.
pub fn pdf_qr_payloads(pdf: &[u8]) -> Vec<String> {
    let pdf = Pdf::new(pdf.to_vec()).expect("PDF parses");
    let cache = RenderCache::new();
    let pixmap_settings = PixmapSettings {
        x_scale: 3.0,
        y_scale: 3.0,
        bg_color: WHITE,
    };
    let mut payloads = Vec::new();
    for page in pdf.pages().iter() {
        let pixmap = hayro::render(
            page,
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &pixmap_settings,
        );
        let (w, h) = (usize::from(pixmap.width()), usize::from(pixmap.height()));
        let pixels = pixmap.data();
        // Opaque white background, so premultiplied RGB is plain RGB.
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
            let p = pixels[y * w + x];
            ((u32::from(p.r) * 299 + u32::from(p.g) * 587 + u32::from(p.b) * 114) / 1000) as u8
        });
        for grid in image.detect_grids() {
            if let Ok((_, payload)) = grid.decode() {
                payloads.push(payload);
            }
        }
    }
    payloads
}

/// A `hayro` device that only keeps the Unicode text of the glyphs drawn.
#[derive(Default)]
struct TextCollector {
    out: String,
    /// Where the last glyph drawn ended, to tell a new line from a next run
    /// on the same line; and the last run, to skip the stroke pass of
    /// fill-and-stroke text (drawn twice).
    last: Option<(Point, String)>,
}

impl<'a> Device<'a> for TextCollector {
    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, mode: &DrawMode) {
        let Some(first) = run.glyphs().first() else {
            return;
        };
        let origin = (props.transform * first.transform()) * Point::ORIGIN;
        let text: String = run
            .glyphs()
            .iter()
            .map(|g| match g.as_unicode() {
                Some(BfString::Char(c)) => c.to_string(),
                Some(BfString::String(s)) => s,
                None => '\u{fffd}'.to_string(),
            })
            .collect();
        if let Some((last_origin, last_text)) = &self.last {
            if matches!(mode, DrawMode::Stroke(_)) && *last_origin == origin && *last_text == text {
                return;
            }
            // Same baseline (within a point): continue the line.
            if (last_origin.y - origin.y).abs() > 1.0 {
                self.out.push('\n');
            }
        }
        self.out.push_str(&text);
        self.last = Some((origin, text));
    }

    fn draw_path(&mut self, _: &BezPath, _: DrawProps<'a>, _: &DrawMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_image(&mut self, _: Image<'a, '_>, _: ImageDrawProps<'a>) {}
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}
