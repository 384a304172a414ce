//! Big mail without big memory. A mail of 50 MiB is almost all attachment; holding it, its
//! parsed form and the decoded attachment at once would cost three times its size per mail
//! in flight. The spooler reads a mail as a stream, line by line, follows its MIME structure,
//! and decodes every large non-text part straight into the blob store. What it hands on is a
//! skeleton: the same mail with those parts' bodies left out and a header naming where each
//! went, small enough to parse whole. Text bodies are kept (up to a cap: nobody reads more).

use std::io::{self, BufRead};

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::blobs::{BlobStore, BlobWriter};

/// The header the spooler adds to a part whose body it moved: `<reference> <decoded size>`,
/// the reference `-` when the part was over the attachment limit and not kept. The same
/// header arriving from outside is removed, so only the spooler's own can be read.
pub const SPOOL_HEADER: &str = "X-Switchboard-Spooled";

/// Longest piece of a line handled at once: a line longer than this (a base64 body without
/// line breaks) comes in pieces, which are never taken for a boundary.
const LINE_PIECE: usize = 64 * 1024;

/// A part's header block is kept up to this size; further header lines are dropped.
const HEADERS_MAX: usize = 1024 * 1024;

/// What the spooler keeps in memory and what it moves.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A non-text part larger than this is decoded into the blob store.
    pub spool_above: usize,
    /// Once the skeleton is this large, every further non-text part is moved, however small.
    pub inline_budget: usize,
    /// Text bodies (plain and HTML) are kept up to this many bytes each; the rest is cut.
    pub text_max: usize,
    /// Decoded parts larger than this are measured but not kept (`max_attachment_bytes`).
    pub keep_max: u64,
}

impl Limits {
    /// The usual limits for attachments kept up to `keep_max` bytes.
    pub fn new(keep_max: u64) -> Self {
        Self {
            spool_above: 256 * 1024,
            inline_budget: 8 * 1024 * 1024,
            text_max: 4 * 1024 * 1024,
            keep_max,
        }
    }
}

/// A part the spooler moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spooled {
    /// The blob reference; empty when the part was over `keep_max`.
    pub reference: String,
    /// Its decoded size in bytes.
    pub size: u64,
}

/// The mail without its large parts, and where those went.
#[derive(Debug)]
pub struct Skeleton {
    pub raw: Vec<u8>,
    pub parts: Vec<Spooled>,
}

impl Skeleton {
    /// The moved part behind `part` of the parsed skeleton, if the spooler moved it.
    pub fn part_of(&self, part: &mail_parser::MessagePart<'_>) -> Option<&Spooled> {
        part.headers()
            .iter()
            .find(|header| header.name.as_str().eq_ignore_ascii_case(SPOOL_HEADER))
            .and_then(|header| header.value.as_text())
            .and_then(|value| self.part(value))
    }

    /// The moved part a [`SPOOL_HEADER`] value names, if the spooler wrote it.
    pub fn part(&self, header_value: &str) -> Option<&Spooled> {
        let (reference, size) = header_value.trim().split_once(' ')?;
        let reference = if reference == "-" { "" } else { reference };
        let size: u64 = size.trim().parse().ok()?;
        self.parts
            .iter()
            .find(|part| part.reference == reference && part.size == size)
    }
}

/// Reads the mail from `input`, moving its large parts into `blobs`.
///
/// # Errors
/// When reading the input or writing a blob fails.
pub fn skeletonize(input: impl BufRead, blobs: &BlobStore, limits: Limits) -> io::Result<Skeleton> {
    let mut spooler = Spooler {
        input,
        line: Vec::with_capacity(1024),
        continued: false,
        out: Vec::new(),
        parts: Vec::new(),
        blobs,
        limits,
    };
    let mut boundaries = Vec::new();
    // The top level ends at the end of the input; a stray delimiter there is content.
    loop {
        match spooler.entity(&mut boundaries)? {
            Ended::Eof => break,
            Ended::Delimiter { line, .. } => spooler.out.extend_from_slice(&line),
        }
    }
    Ok(Skeleton {
        raw: spooler.out,
        parts: spooler.parts,
    })
}

/// How an entity ended: with the input, or at a delimiter line of an enclosing multipart.
enum Ended {
    Eof,
    Delimiter {
        /// Index of the boundary in the stack (0 = outermost).
        depth: usize,
        closing: bool,
        line: Vec<u8>,
    },
}

struct Spooler<'a, R> {
    input: R,
    /// The current line (or piece of a long line), with its line break.
    line: Vec<u8>,
    /// The current piece continues a longer line.
    continued: bool,
    out: Vec<u8>,
    parts: Vec<Spooled>,
    blobs: &'a BlobStore,
    limits: Limits,
}

impl<R: BufRead> Spooler<'_, R> {
    /// Reads the next line, or the next piece of a long one. False at the end of the input.
    fn next_line(&mut self) -> io::Result<bool> {
        self.continued = !self.line.is_empty() && !self.line.ends_with(b"\n");
        self.line.clear();
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                return Ok(!self.line.is_empty());
            }
            let room = LINE_PIECE - self.line.len();
            let window = &available[..available.len().min(room)];
            if let Some(end) = window.iter().position(|&b| b == b'\n') {
                self.line.extend_from_slice(&window[..=end]);
                self.input.consume(end + 1);
                return Ok(true);
            }
            let taken = window.len();
            self.line.extend_from_slice(window);
            self.input.consume(taken);
            if self.line.len() >= LINE_PIECE {
                return Ok(true);
            }
        }
    }

    /// The delimiter the current line is, innermost boundary first.
    fn delimiter(&self, boundaries: &[Vec<u8>]) -> Option<Ended> {
        if self.continued || !self.line.starts_with(b"--") {
            return None;
        }
        let text = trim_end_whitespace(&self.line[2..]);
        boundaries
            .iter()
            .enumerate()
            .rev()
            .find_map(|(depth, boundary)| {
                let rest = text.strip_prefix(boundary.as_slice())?;
                let closing = match rest {
                    b"" => false,
                    b"--" => true,
                    _ => return None,
                };
                Some(Ended::Delimiter {
                    depth,
                    closing,
                    line: self.line.clone(),
                })
            })
    }

    /// One entity: its header block, then a multipart's children or a leaf's body.
    fn entity(&mut self, boundaries: &mut Vec<Vec<u8>>) -> io::Result<Ended> {
        let mut headers = Vec::new();
        let mut dropping = false;
        let blank = loop {
            if !self.next_line()? {
                self.out.extend_from_slice(&headers);
                return Ok(Ended::Eof);
            }
            if let Some(ended) = self.delimiter(boundaries) {
                self.out.extend_from_slice(&headers);
                return Ok(ended);
            }
            if !self.continued && is_blank(&self.line) {
                break self.line.clone();
            }
            // A header line, or the folded continuation of the one before.
            let folded =
                self.continued || self.line.starts_with(b" ") || self.line.starts_with(b"\t");
            if !folded {
                dropping = is_header(&self.line, SPOOL_HEADER);
            }
            if !dropping && headers.len() + self.line.len() <= HEADERS_MAX {
                headers.extend_from_slice(&self.line);
            }
        };
        let info = PartInfo::read(&headers);
        match info.boundary {
            Some(boundary) => {
                self.out.extend_from_slice(&headers);
                self.out.extend_from_slice(&blank);
                self.multipart(boundaries, boundary)
            }
            None => self.leaf(&headers, &blank, &info, boundaries),
        }
    }

    /// A multipart's preamble, children and epilogue, copied but for the large leaves.
    fn multipart(&mut self, boundaries: &mut Vec<Vec<u8>>, boundary: Vec<u8>) -> io::Result<Ended> {
        boundaries.push(boundary);
        let depth = boundaries.len() - 1;
        let mut ended = self.copy_until_delimiter(boundaries)?;
        loop {
            match ended {
                Ended::Delimiter {
                    depth: at,
                    closing,
                    line,
                } if at == depth => {
                    self.out.extend_from_slice(&line);
                    if closing {
                        boundaries.pop();
                        // The epilogue, up to a delimiter of an enclosing multipart.
                        return self.copy_until_delimiter(boundaries);
                    }
                    ended = self.entity(boundaries)?;
                }
                other => {
                    // The input ended, or an enclosing multipart went on without closing
                    // this one: it ends here.
                    boundaries.pop();
                    return Ok(other);
                }
            }
        }
    }

    fn copy_until_delimiter(&mut self, boundaries: &[Vec<u8>]) -> io::Result<Ended> {
        loop {
            if !self.next_line()? {
                return Ok(Ended::Eof);
            }
            if let Some(ended) = self.delimiter(boundaries) {
                return Ok(ended);
            }
            self.out.extend_from_slice(&self.line);
        }
    }

    /// A leaf: text is kept (up to the cap), anything else larger than the limit is decoded
    /// into the blob store as it streams by.
    fn leaf(
        &mut self,
        headers: &[u8],
        blank: &[u8],
        info: &PartInfo,
        boundaries: &[Vec<u8>],
    ) -> io::Result<Ended> {
        let mut body = Vec::new();
        let mut spool: Option<Decoding> = None;
        let spool_above = if self.out.len() > self.limits.inline_budget {
            0
        } else {
            self.limits.spool_above
        };
        let ended = loop {
            if !self.next_line()? {
                break Ended::Eof;
            }
            if let Some(ended) = self.delimiter(boundaries) {
                break ended;
            }
            if let Some(decoding) = &mut spool {
                decoding.feed(&self.line)?;
            } else if info.is_text {
                // Whole lines only, so an encoding is never cut inside a unit.
                if body.len() + self.line.len() <= self.limits.text_max {
                    body.extend_from_slice(&self.line);
                }
            } else {
                body.extend_from_slice(&self.line);
                if body.len() > spool_above {
                    let mut decoding =
                        Decoding::new(info.encoding, self.blobs, self.limits.keep_max)?;
                    for line in body.split_inclusive(|&b| b == b'\n') {
                        decoding.feed(line)?;
                    }
                    body.clear();
                    spool = Some(decoding);
                }
            }
        };
        self.out.extend_from_slice(headers);
        if let Some(decoding) = spool {
            let part = decoding.finish()?;
            let reference = if part.reference.is_empty() {
                "-"
            } else {
                part.reference.as_str()
            };
            self.out.extend_from_slice(
                format!("{SPOOL_HEADER}: {reference} {}\r\n", part.size).as_bytes(),
            );
            self.parts.push(part);
        }
        self.out.extend_from_slice(blank);
        self.out.extend_from_slice(&body);
        Ok(ended)
    }
}

/// What the spooler needs to know of a part from its headers.
struct PartInfo {
    /// The boundary of a multipart.
    boundary: Option<Vec<u8>>,
    /// A body text (plain or HTML, not an attachment): kept, never moved.
    is_text: bool,
    encoding: Encoding,
}

impl PartInfo {
    fn read(headers: &[u8]) -> Self {
        let text = String::from_utf8_lossy(headers);
        let unfolded = text
            .replace("\r\n", "\n")
            .replace("\n ", " ")
            .replace("\n\t", " ");
        let value = |name: &str| {
            unfolded.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
        };
        let content_type = value("Content-Type").unwrap_or_else(|| "text/plain".into());
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let boundary = mime
            .starts_with("multipart/")
            .then(|| parameter(&content_type, "boundary"))
            .flatten()
            .map(String::into_bytes)
            .filter(|b| !b.is_empty());
        let attachment = value("Content-Disposition")
            .is_some_and(|d| d.trim().to_ascii_lowercase().starts_with("attachment"));
        let encoding = match value("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "base64" => Encoding::Base64,
            "quoted-printable" => Encoding::QuotedPrintable,
            _ => Encoding::Raw,
        };
        Self {
            boundary,
            is_text: (mime == "text/plain" || mime == "text/html") && !attachment,
            encoding,
        }
    }
}

/// Parameter `name` of a header value (`multipart/mixed; boundary="b1"`).
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (key, raw) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case(name) {
            return None;
        }
        let raw = raw.trim();
        Some(
            raw.strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or(raw)
                .to_owned(),
        )
    })
}

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Base64,
    QuotedPrintable,
    /// 7bit, 8bit, binary: the bytes are the content.
    Raw,
}

/// A part being decoded into a blob.
struct Decoding {
    encoding: Encoding,
    /// Base64 characters not yet decoded (fewer than four).
    quad: Vec<u8>,
    /// The line break of the previous line: content only if another line follows (the one
    /// before a delimiter belongs to the delimiter).
    pending_break: Vec<u8>,
    writer: Option<BlobWriter>,
    size: u64,
    keep_max: u64,
}

impl Decoding {
    fn new(encoding: Encoding, blobs: &BlobStore, keep_max: u64) -> io::Result<Self> {
        Ok(Self {
            encoding,
            quad: Vec::with_capacity(4096),
            pending_break: Vec::new(),
            writer: Some(blobs.writer()?),
            size: 0,
            keep_max,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.size += bytes.len() as u64;
        if self.size > self.keep_max {
            // Over the limit: measured to the end, but not kept (dropping removes the file).
            self.writer = None;
        }
        match &mut self.writer {
            Some(writer) => writer.write(bytes),
            None => Ok(()),
        }
    }

    fn feed(&mut self, line: &[u8]) -> io::Result<()> {
        match self.encoding {
            Encoding::Base64 => {
                self.quad
                    .extend(line.iter().copied().filter(|&b| is_base64(b)));
                let whole = self.quad.len() / 4 * 4;
                if whole >= 4096 || whole > 0 && line.is_empty() {
                    self.flush_base64(whole)?;
                }
                Ok(())
            }
            Encoding::QuotedPrintable => {
                let (content, newline) = split_line_break(line);
                let content = trim_end_whitespace(content);
                let pending = std::mem::take(&mut self.pending_break);
                self.write(&pending)?;
                match content.strip_suffix(b"=") {
                    // A soft line break joins this line to the next.
                    Some(joined) => self.write(&decode_quoted_printable(joined)),
                    None => {
                        self.write(&decode_quoted_printable(content))?;
                        if !newline.is_empty() {
                            self.pending_break = b"\r\n".to_vec();
                        }
                        Ok(())
                    }
                }
            }
            Encoding::Raw => {
                let (content, newline) = split_line_break(line);
                let pending = std::mem::take(&mut self.pending_break);
                self.write(&pending)?;
                self.write(content)?;
                self.pending_break = newline.to_vec();
                Ok(())
            }
        }
    }

    fn flush_base64(&mut self, count: usize) -> io::Result<()> {
        let decoded = LENIENT_BASE64
            .decode(&self.quad[..count])
            .unwrap_or_default();
        self.quad.drain(..count);
        self.write(&decoded)
    }

    fn finish(mut self) -> io::Result<Spooled> {
        if matches!(self.encoding, Encoding::Base64) {
            let whole = self.quad.len() / 4 * 4;
            self.flush_base64(whole)?;
            // A tail of two or three characters is a last byte or two without padding.
            if self.quad.len() >= 2 {
                let tail = std::mem::take(&mut self.quad);
                self.write(&LENIENT_BASE64.decode(&tail).unwrap_or_default())?;
            }
        }
        let size = self.size;
        let reference = match self.writer.take() {
            Some(writer) => writer.finish()?,
            None => String::new(),
        };
        Ok(Spooled { reference, size })
    }
}

/// Base64 as mail writes it: padding optional (it is filtered out before decoding) and
/// stray trailing bits tolerated.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

fn decode_quoted_printable(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut index = 0;
    while index < line.len() {
        let byte = line[index];
        if byte == b'=' && index + 2 < line.len() {
            let hex = std::str::from_utf8(&line[index + 1..index + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(value) = hex {
                out.push(value);
                index += 3;
                continue;
            }
        }
        out.push(byte);
        index += 1;
    }
    out
}

/// `(content, line break)` of a line.
fn split_line_break(line: &[u8]) -> (&[u8], &[u8]) {
    let content = line
        .strip_suffix(b"\r\n")
        .or_else(|| line.strip_suffix(b"\n"))
        .unwrap_or(line);
    (content, &line[content.len()..])
}

fn trim_end_whitespace(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |last| last + 1);
    &bytes[..end]
}

fn is_blank(line: &[u8]) -> bool {
    line == b"\r\n" || line == b"\n"
}

/// True when `line` is header `name` (`Name:` at its start, any case).
fn is_header(line: &[u8], name: &str) -> bool {
    line.split(|&b| b == b':').next().is_some_and(|key| {
        key.len() < line.len() && trim_end_whitespace(key).eq_ignore_ascii_case(name.as_bytes())
    })
}

#[cfg(test)]
#[path = "spool_tests.rs"]
mod tests;
