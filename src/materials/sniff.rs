//! What a file is, read from its first bytes (not from the name or the
//! type the client claims), and whether it fits the kind of material.

use super::MaterialKind;

/// Bytes read before deciding: enough for the zip-based office formats,
/// whose telling entry comes after `[Content_Types].xml`.
pub const SNIFF_BYTES: usize = 64 << 10;

/// The media type of a file starting with `head`, and its usual name for
/// messages. Plain UTF-8 text (notes, CSV, Markdown) is `text/plain`.
/// `file_name` only tells apart two formats with the same bytes (a Keynote
/// file is a zip, like many things that are not slides).
pub fn content_type(head: &[u8], file_name: &str) -> Option<&'static str> {
    if let Some(found) = infer::get(head) {
        let mime = found.mime_type();
        if mime == "application/zip" && file_name.to_ascii_lowercase().ends_with(".key") {
            return Some("application/vnd.apple.keynote");
        }
        return Some(mime);
    }
    if !head.is_empty() && looks_like_text(head) {
        return Some("text/plain; charset=utf-8");
    }
    None
}

/// UTF-8 (a character cut at the end of `head` aside) without NUL.
fn looks_like_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

const SLIDES: &[&str] = &[
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.ms-powerpoint",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.apple.keynote",
];

const DOCUMENTS: &[&str] = &[
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/rtf",
    "application/epub+zip",
    "text/plain; charset=utf-8",
    "image/png",
    "image/jpeg",
    "image/webp",
];

/// Whether a file of `content_type` may be a material of `kind`.
pub fn fits(kind: MaterialKind, content_type: &str) -> bool {
    match kind {
        MaterialKind::Recording => {
            content_type.starts_with("video/") || content_type.starts_with("audio/")
        }
        MaterialKind::Slides => SLIDES.contains(&content_type),
        MaterialKind::Document => DOCUMENTS.contains(&content_type),
        MaterialKind::Link => false,
    }
}

/// What a file being stored must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// A material of this kind.
    Material(MaterialKind),
    /// Work handed in for an assignment: a document, slides or an image.
    HandIn,
    /// A material whose kind is not known yet (a form that sends its
    /// `kind` after its `file`): what any kind of file takes; the kind is
    /// checked against the type once the form has been read.
    AnyMaterial,
}

impl Accept {
    pub fn takes(self, content_type: &str) -> bool {
        match self {
            Accept::Material(kind) => fits(kind, content_type),
            Accept::HandIn => {
                fits(MaterialKind::Document, content_type)
                    || fits(MaterialKind::Slides, content_type)
            }
            Accept::AnyMaterial => [
                MaterialKind::Recording,
                MaterialKind::Slides,
                MaterialKind::Document,
            ]
            .into_iter()
            .any(|kind| fits(kind, content_type)),
        }
    }

    /// What it takes, for messages.
    pub fn described(self) -> &'static str {
        match self {
            Accept::Material(kind) => accepted(kind),
            Accept::HandIn => {
                "PDF, DOCX, DOC, XLSX, XLS, ODT, ODS, RTF, EPUB, TXT/CSV, PNG, JPEG, WEBP, PPTX, PPT, ODP, KEY"
            }
            Accept::AnyMaterial => {
                "video, audio, PDF, PPTX, PPT, ODP, KEY, DOCX, DOC, XLSX, XLS, ODT, ODS, RTF, EPUB, TXT/CSV, PNG, JPEG, WEBP"
            }
        }
    }
}

/// What `kind` accepts, for messages.
pub fn accepted(kind: MaterialKind) -> &'static str {
    match kind {
        MaterialKind::Recording => "video, audio",
        MaterialKind::Slides => "PDF, PPTX, PPT, ODP, KEY",
        MaterialKind::Document => {
            "PDF, DOCX, DOC, XLSX, XLS, ODT, ODS, RTF, EPUB, TXT/CSV, PNG, JPEG, WEBP"
        }
        MaterialKind::Link => "https URL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj";
    /// An MP4 `ftyp` box.
    const MP4: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom";

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(content_type(PDF, "slides.mp4"), Some("application/pdf"));
        assert_eq!(content_type(MP4, "x.pdf"), Some("video/mp4"));
        assert_eq!(
            content_type("Notes de séance\nligne 2".as_bytes(), "notes.txt"),
            Some("text/plain; charset=utf-8")
        );
        // A multi-byte character cut at the end of what was read is still text.
        let cut = &"é".as_bytes()[..1];
        assert_eq!(
            content_type(&[b"ab".as_slice(), cut].concat(), "a.txt"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(content_type(b"\x00\x01\x02binary", "a.bin"), None);
        assert_eq!(content_type(b"", "empty.txt"), None);
    }

    #[test]
    fn each_kind_takes_its_formats() {
        assert!(fits(MaterialKind::Recording, "video/mp4"));
        assert!(fits(MaterialKind::Recording, "audio/mpeg"));
        assert!(!fits(MaterialKind::Recording, "application/pdf"));
        assert!(fits(MaterialKind::Slides, "application/pdf"));
        assert!(!fits(MaterialKind::Slides, "video/mp4"));
        assert!(fits(MaterialKind::Document, "text/plain; charset=utf-8"));
        assert!(!fits(MaterialKind::Document, "application/x-executable"));
        assert!(!fits(MaterialKind::Link, "application/pdf"));
    }
}
