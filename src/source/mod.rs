//! Reading input files: text, line index, JSON-with-comments parsing keeping spans, and
//! detection of which Azure format a document is.

pub mod detect;
pub mod json;
pub mod walk;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::value::{FileId, Span};

/// Largest file read (a 200,000-resource export is ~120 MB); larger inputs are reported
/// as errors rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// One file's text and the offsets where its lines start.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it (or as the walk found it below a given folder).
    pub path: String,
    /// Absolute form, for resolving linked templates.
    pub abs_path: PathBuf,
    /// The text; empty for a file made [`SourceFile::released`].
    pub text: Arc<str>,
    /// Length of the text in bytes (kept when the text is released).
    len: u32,
    line_starts: Vec<u32>,
    /// Characters before each 4 KiB block, for columns on long lines (minified exports
    /// are one line); empty when the text is ASCII and columns are byte offsets.
    block_chars: Vec<u32>,
}

const BLOCK: usize = 4096;

/// A 1-based line and column (columns count Unicode scalar values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl SourceFile {
    pub fn new(path: String, abs_path: PathBuf, text: Arc<str>) -> SourceFile {
        let (line_starts, block_chars) = index(&text);
        let len = text.len() as u32;
        SourceFile { path, abs_path, text, len, line_starts, block_chars }
    }

    /// The file of `text` without keeping the text, for scans whose reports show no
    /// excerpts: a tenant export's text is a fifth of the scan's memory, and the line
    /// index alone gives every line and column (an ASCII file's columns are byte
    /// offsets). A file with other characters keeps its text, which its columns are
    /// counted in.
    pub fn released(path: String, abs_path: PathBuf, text: &str) -> SourceFile {
        let (line_starts, block_chars) = index(text);
        let len = text.len() as u32;
        let text = if block_chars.is_empty() { Arc::from("") } else { Arc::from(text) };
        SourceFile { path, abs_path, text, len, line_starts, block_chars }
    }

    /// Whether the text is here to show (not released).
    pub fn has_text(&self) -> bool {
        self.text.len() as u32 == self.len
    }

    /// Characters before byte `offset` (which must be a char boundary).
    fn chars_before(&self, offset: usize) -> usize {
        if self.block_chars.is_empty() {
            return offset;
        }
        let block = offset / BLOCK;
        let start = block * BLOCK;
        self.block_chars[block.min(self.block_chars.len() - 1)] as usize
            + self.text.as_bytes()[start..offset].iter().filter(|b| (**b & 0xC0) != 0x80).count()
    }

    /// The 0-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = (offset as u32).min(self.len);
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte range of 0-based line `line`, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = self.line_starts.get(line).map_or(self.text.len(), |&s| s as usize);
        let next = self.line_starts.get(line + 1).map_or(self.text.len(), |&s| s as usize);
        let bytes = self.text.as_bytes();
        let mut end = next;
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    /// Line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.len);
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line] as usize;
        if self.block_chars.is_empty() {
            // ASCII (or released, which only an ASCII file is): a column is a byte count.
            return LineCol { line: line as u32 + 1, column: (offset as usize - start) as u32 + 1 };
        }
        let end = floor_char_boundary(&self.text, offset as usize).max(start);
        let column = (self.chars_before(end) - self.chars_before(start)) as u32 + 1;
        LineCol { line: line as u32 + 1, column }
    }
}

/// Where each line starts, and the characters before each block of a non-ASCII text.
fn index(text: &str) -> (Vec<u32>, Vec<u32>) {
    // Counted first so that the index of a 5-million-line export is allocated once,
    // at its size, not grown by doubling.
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    let mut line_starts = Vec::with_capacity(lines + 1);
    line_starts.push(0u32);
    line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
    let block_chars = if text.is_ascii() {
        Vec::new()
    } else {
        let bytes = text.as_bytes();
        let mut counts = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let mut chars = 0u32;
        for block in bytes.chunks(BLOCK) {
            counts.push(chars);
            chars += block.iter().filter(|b| (**b & 0xC0) != 0x80).count() as u32;
        }
        counts
    };
    (line_starts, block_chars)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// All files of a scan, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// The first file read at each absolute path: module and link resolution asks for
    /// every reference, so a scan over files would be quadratic.
    by_abs: std::collections::HashMap<PathBuf, FileId>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.by_abs.entry(file.abs_path.clone()).or_insert(id);
        self.files.push(file);
        id
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    /// File path, start and end (line, column) of a span; `None` for synthesized spans.
    pub fn locate(&self, span: Span) -> Option<(&str, LineCol, LineCol)> {
        let f = self.get(span.file)?;
        Some((&f.path, f.line_col(span.start), f.line_col(span.end)))
    }

    /// The file whose absolute path is `abs`, if it was read.
    pub fn find_abs(&self, abs: &Path) -> Option<FileId> {
        self.by_abs.get(abs).copied()
    }
}

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is {0} bytes, larger than the {MAX_FILE_BYTES}-byte limit")]
    TooLarge(u64),
    #[error("the file is not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    #[error("the file is UTF-16 text with an odd number of bytes")]
    BadUtf16,
    #[error("not read: it is {0}")]
    NotAFile(&'static str),
}

/// Reads a file as text: UTF-8 (with or without a byte-order mark) or UTF-16 with a BOM,
/// which Windows tooling (PowerShell's `Out-File`) writes.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    use std::io::Read;
    if path == Path::new(walk::STDIN) {
        return read_limited(std::io::stdin().lock(), 0);
    }
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile(walk::file_kind(&meta.file_type())));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path)?;
    read_limited(file.take(MAX_FILE_BYTES + 1), meta.len() as usize)
}

/// Reads at most [`MAX_FILE_BYTES`] (a file may be larger than its size said, and
/// standard input has none), into a buffer of the expected size.
fn read_limited(r: impl std::io::Read, expected: usize) -> Result<String, ReadError> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(expected + 1);
    r.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    decode(bytes)
}

/// Decodes bytes as [`read_text`] does.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    let utf16 = |b: &[u8], le: bool| -> Result<String, ReadError> {
        if !b.len().is_multiple_of(2) {
            return Err(ReadError::BadUtf16);
        }
        let units = b
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
        Ok(char::decode_utf16(units).map(|r| r.unwrap_or('\u{fffd}')).collect())
    };
    match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_in_characters() {
        let f = SourceFile::new("a.json".into(), PathBuf::from("a.json"), Arc::from("{\n  \"é\": 1\n}"));
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(4), LineCol { line: 2, column: 3 });
        // After the two-byte `é` and the closing quote, `:` is the 6th character.
        assert_eq!(f.line_col(8), LineCol { line: 2, column: 6 });
    }

    #[test]
    fn columns_on_long_non_ascii_lines() {
        let line = "é".repeat(5000) + "x";
        let f = SourceFile::new("a.json".into(), PathBuf::from("a.json"), Arc::from(line.as_str()));
        assert_eq!(f.line_col(10_000), LineCol { line: 1, column: 5001 });
        assert_eq!(f.line_col(8193), LineCol { line: 1, column: 4097 });
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "{}".encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        assert_eq!(decode(b).unwrap(), "{}");
        assert!(matches!(decode(vec![b'a', 0xFF]), Err(ReadError::NotUtf8(1))));
    }
}
