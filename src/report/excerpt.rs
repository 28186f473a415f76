//! What the text report shows of a source file around its labels: a few lines, with
//! every secret masked and every long line cut to a readable window around the label
//! (minified templates and exports are one line of megabytes, which no terminal shows
//! and miette cannot lay out past 65,535 columns).
//!
//! An excerpt is a list of windows, one per group of nearby labels; each keeps its
//! first line number. Labels are moved into the excerpt's own offsets, where windows
//! follow each other with a gap, so a renderer shows each window as its own snippet.

use std::ops::Range;

use crate::redact;
use crate::source::SourceFile;

/// Longest line shown, in characters; longer lines are cut around the label.
pub const MAX_LINE_CHARS: usize = 240;
/// Most lines of one label shown; a longer label is shown by its first lines.
pub const MAX_LABEL_LINES: usize = 8;
/// Lines shown before and after a label.
pub const CONTEXT_LINES: usize = 1;
/// Characters kept before a label when its line is cut.
const LEAD_CHARS: usize = 40;
const ELLIPSIS: &str = "…";

/// Consecutive lines of the file, masked and cut.
#[derive(Debug, Clone)]
pub struct Window {
    /// 0-based number of the first line.
    pub first_line: usize,
    /// Number of lines.
    pub lines: usize,
    /// Where the window starts in the excerpt's offsets.
    pub base: usize,
    pub text: String,
    /// Each line: its offset in `text`, the bytes of the cut mark before it, and the
    /// 0-based column (in characters) of the file that its first shown character has.
    rows: Vec<(usize, usize, usize)>,
}

impl Window {
    /// 0-based line and column in the file of excerpt offset `at` in this window.
    pub fn position(&self, at: usize) -> (usize, usize) {
        let local = at.saturating_sub(self.base).min(self.text.len());
        let i = self.rows.partition_point(|r| r.0 <= local).saturating_sub(1);
        let Some(&(start, mark, col0)) = self.rows.get(i) else { return (self.first_line, 0) };
        let from = (start + mark).min(local);
        let chars = self.text.get(from..local).map_or(0, |t| t.chars().count());
        (self.first_line + i, col0 + chars)
    }
}

/// Windows of one file and the labels placed in them.
#[derive(Debug, Clone)]
pub struct Excerpt {
    pub windows: Vec<Window>,
    /// Each label's range in the excerpt's offsets, in the order given.
    pub labels: Vec<Range<usize>>,
}

impl Excerpt {
    /// The window holding the excerpt range `r`, if one does.
    pub fn window(&self, r: Range<usize>) -> Option<&Window> {
        self.windows.iter().find(|w| w.base <= r.start && r.end <= w.base + w.text.len())
    }
}

/// What to hide in a file's windows.
#[derive(Debug, Clone, Copy)]
pub struct Masks<'a> {
    /// Byte ranges of known secrets (the model's literal secrets).
    pub known: &'a [Range<usize>],
    /// The file does not parse: hide every string value shown (keys stay), because a
    /// secret on a broken line was never recognised as one.
    pub every_value: bool,
}

fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Builds the excerpt of `file` that shows `labels` (byte ranges of the file).
pub fn build(file: &SourceFile, labels: &[Range<usize>], masks: Masks) -> Excerpt {
    let text: &str = &file.text;
    let last_line = file.line_count().saturating_sub(1);
    // Each label's lines, capped, with context.
    let mut spans = Vec::with_capacity(labels.len());
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for l in labels {
        let start = floor(text, l.start);
        let mut end = ceil(text, l.end.max(start));
        let l0 = file.line_of(start);
        let mut l1 = file.line_of(end.saturating_sub(1).max(start));
        if l1 >= l0 + MAX_LABEL_LINES {
            l1 = l0 + MAX_LABEL_LINES - 1;
            end = end.min(file.line_range(l1).end).max(start);
        }
        spans.push(start..end);
        groups.push((l0.saturating_sub(CONTEXT_LINES), (l1 + CONTEXT_LINES).min(last_line)));
    }
    groups.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in groups {
        match merged.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let values = if masks.every_value {
        let upto = merged.last().map_or(0, |&(_, b)| file.line_range(b).end);
        value_literals(text, upto)
    } else {
        Vec::new()
    };
    let mut windows = Vec::with_capacity(merged.len());
    // Per shown line: (original line range, kept original range, excerpt offset of the kept start).
    let mut placed: Vec<(Range<usize>, Range<usize>, usize)> = Vec::new();
    let mut base = 0;
    for (a, b) in merged {
        let region = file.line_range(a).start..file.line_range(b).end;
        let mut bytes = text.as_bytes()[region.clone()].to_vec();
        let local = |r: &Range<usize>| {
            let s = ceil(text, r.start.max(region.start)).max(region.start);
            let e = ceil(text, r.end.min(region.end)).min(region.end);
            (s < e).then(|| s - region.start..e - region.start)
        };
        redact::mask_bytes(&mut bytes, masks.known.iter().filter_map(local));
        redact::mask_bytes(&mut bytes, values.iter().filter_map(local));
        for line in a..=b {
            let lr = file.line_range(line);
            let line_text = &text[lr.clone()];
            let found = redact::secret_ranges(line_text);
            redact::mask_bytes(
                &mut bytes,
                found.into_iter().map(|r| r.start + lr.start - region.start..r.end + lr.start - region.start),
            );
        }
        // Masking writes ASCII over whole characters, so the text stays UTF-8.
        let masked = String::from_utf8_lossy(&bytes).into_owned();
        let mut out = String::new();
        let mut rows = Vec::with_capacity(b - a + 1);
        for line in a..=b {
            let lr = file.line_range(line);
            let line_text = &masked[lr.start - region.start..lr.end - region.start];
            let anchor = spans.iter().find(|s| s.start >= lr.start && s.start <= lr.end).map(|s| s.start - lr.start);
            let keep = kept(line_text, anchor);
            if line > a {
                out.push('\n');
            }
            let row_start = out.len();
            if keep.start > 0 {
                out.push_str(ELLIPSIS);
            }
            rows.push((row_start, out.len() - row_start, line_text[..keep.start].chars().count()));
            placed.push((lr.clone(), lr.start + keep.start..lr.start + keep.end, base + out.len()));
            out.push_str(&line_text[keep.clone()]);
            if keep.end < line_text.len() {
                out.push_str(ELLIPSIS);
            }
        }
        windows.push(Window { first_line: a, lines: b - a + 1, base, text: out, rows });
        base = windows.last().map_or(0, |w| w.base + w.text.len() + 1);
    }
    let place = |o: usize| -> usize {
        let i = placed.partition_point(|(lr, _, _)| lr.end < o).min(placed.len().saturating_sub(1));
        let Some((_, keep, at)) = placed.get(i) else { return 0 };
        at + o.clamp(keep.start, keep.end) - keep.start
    };
    let labels = spans.iter().map(|s| place(s.start)..place(s.end).max(place(s.start))).collect();
    Excerpt { windows, labels }
}

/// The part of a line that is shown: all of it when short, else about
/// [`MAX_LINE_CHARS`] characters starting a little before `anchor`.
fn kept(line: &str, anchor: Option<usize>) -> Range<usize> {
    if line.chars().count() <= MAX_LINE_CHARS {
        return 0..line.len();
    }
    let anchor = floor(line, anchor.unwrap_or(0));
    let before: Vec<usize> = line[..anchor].char_indices().map(|(i, _)| i).collect();
    let start = before.len().checked_sub(LEAD_CHARS).map_or(0, |k| before[k]);
    let end = line[start..].char_indices().nth(MAX_LINE_CHARS).map_or(line.len(), |(i, _)| start + i);
    start..end
}

/// Contents of the string values (not keys) of a JSON-with-comments text up to `upto`;
/// a string that is not closed runs to the end. Read from the start of the file, which
/// parsed this far, so a window that opens inside a string or comment is read right.
fn value_literals(text: &str, upto: usize) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && i < upto {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            q @ (b'"' | b'\'') => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                let end = i.min(b.len());
                i += 1;
                let mut j = i;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if b.get(j) != Some(&b':') && end > start {
                    out.push(start..end);
                }
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::Arc;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("t.json".into(), PathBuf::from("t.json"), Arc::from(text))
    }

    fn shown(e: &Excerpt) -> Vec<String> {
        e.windows.iter().map(|w| format!("{}:{}", w.first_line, w.text)).collect()
    }

    #[test]
    fn shows_the_label_lines_with_context_and_maps_the_label() {
        let f = file("a\nb\n\"x\": 1\nd\ne\nf\ng\n\"y\": 2\ni");
        let x = f.text.find("1").unwrap();
        let y = f.text.find("2").unwrap();
        let e = build(&f, &[x..x + 1, y..y + 1], Masks { known: &[], every_value: false });
        assert_eq!(shown(&e), ["1:b\n\"x\": 1\nd", "6:g\n\"y\": 2\ni"]);
        let w1 = &e.windows[1];
        assert_eq!(&e.windows[0].text[e.labels[0].clone()], "1");
        assert_eq!(&w1.text[e.labels[1].start - w1.base..e.labels[1].end - w1.base], "2");
    }

    #[test]
    fn cuts_long_lines_around_the_label() {
        let line =
            format!("{{\"pad\": \"{}\", \"httpsOnly\": false, \"more\": \"{}\"}}", "p".repeat(70_000), "q".repeat(500));
        let f = file(&line);
        let at = line.find("false").unwrap();
        let e = build(&f, &[at..at + 5], Masks { known: &[], every_value: false });
        let w = &e.windows[0];
        assert!(w.text.chars().count() <= MAX_LINE_CHARS + 2, "{}", w.text.len());
        assert!(w.text.starts_with(ELLIPSIS) && w.text.ends_with(ELLIPSIS));
        assert_eq!(&w.text[e.labels[0].clone()], "false");
        let column = line[..at].chars().count();
        assert_eq!(w.position(e.labels[0].start), (0, column));
    }

    #[test]
    fn masks_known_secrets_secret_text_and_broken_values() {
        let text =
            "{\n  // password=Hunter2\n  \"cmd\": \"run --password Hunter2\",\n  \"DB\": \"Known-Secret\" \"oops\"\n}";
        let f = file(text);
        let known = text.find("Known").unwrap();
        let oops = text.find("oops").unwrap();
        let e = build(&f, &[oops..oops + 1], Masks { known: &[known..known + 12], every_value: false });
        let all = shown(&e).join("\n");
        assert!(!all.contains("Hunter2") && !all.contains("Known-Secret"), "{all}");
        let e = build(&f, &[oops..oops + 1], Masks { known: &[], every_value: true });
        let all = shown(&e).join("\n");
        assert!(!all.contains("Known-Secret") && !all.contains("oops") && all.contains("\"DB\""), "{all}");
        let unterminated = file("{\"a\": \"b\",\n \"DB_PASSWORD\": \"Open-Secret\n}");
        let at = unterminated.text.find("\"Open").unwrap();
        let e = build(&unterminated, &[at..at + 1], Masks { known: &[], every_value: true });
        assert!(!shown(&e).join("").contains("Open-Secret"));
    }

    #[test]
    fn long_labels_show_their_first_lines() {
        let text: String = (0..40).map(|i| format!("line{i}\n")).collect();
        let f = file(&text);
        let e = build(&f, &[0..text.len()], Masks { known: &[], every_value: false });
        assert_eq!(e.windows[0].lines, MAX_LABEL_LINES + CONTEXT_LINES);
    }
}
