//! Stage 3: read and parse. Every input is read and parsed in parallel (file ids follow
//! the sorted input order) and its format detected.

use crate::problem::Code;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use super::{Problem, Problems, ScanOptions};
use crate::source::detect::{DocKind, detect};
use crate::source::walk::Input;
use crate::source::{SourceFile, SourceMap, json, read_text};
use crate::value::{FileId, Node, Span};

/// One input after parsing: its document (`None` when unreadable or invalid) and kind
/// (`None` when it is none of the shapes azlint reads).
pub(super) struct Loaded {
    pub(super) file: FileId,
    pub(super) doc: Option<Node>,
    pub(super) kind: Option<DocKind>,
}

/// The sources and their parsed documents, in file id order.
pub(super) fn load(inputs: &[Input], opts: &ScanOptions, p: &mut Problems) -> (SourceMap, Vec<Loaded>) {
    // Read and parse in parallel; file ids follow the sorted input order.
    let read: Vec<_> = inputs
        .par_iter()
        .map(|input| {
            let abs = std::fs::canonicalize(&input.path).unwrap_or_else(|_| input.path.clone());
            (input.display.clone(), abs, read_text(&input.path))
        })
        .collect();
    // A text no report shows is parsed from the buffer it was read into and dropped
    // after; one kept for excerpts is shared with the source map.
    let mut sources = SourceMap::new();
    let mut texts: Vec<(FileId, Option<Text>)> = Vec::new();
    for (display, abs, text) in read {
        match text {
            Ok(t) if opts.release_text => {
                let id = sources.add(SourceFile::released(display, abs, &t));
                texts.push((id, Some(Text::Owned(t))));
            }
            Ok(t) => {
                let text: Arc<str> = Arc::from(t);
                let id = sources.add(SourceFile::new(display, abs, text.clone()));
                texts.push((id, Some(Text::Shared(text))));
            }
            Err(e) => {
                let id = sources.add(SourceFile::new(display.clone(), abs, Arc::from("")));
                p.errors.push(Problem::error(Code::IoError, e.to_string(), Some(display), None));
                texts.push((id, None));
            }
        }
    }
    for d in &opts.documents {
        let text: Arc<str> = Arc::from(d.text.as_str());
        let id = sources.add(SourceFile::new(d.name.clone(), PathBuf::from(&d.name), text.clone()));
        texts.push((id, Some(Text::Shared(text))));
    }
    let parsed: Vec<(Loaded, Option<Problem>)> = texts
        .par_iter()
        .map(|(id, text)| {
            let Some(text) = text else {
                return (Loaded { file: *id, doc: None, kind: None }, None);
            };
            match json::parse(text.as_str(), *id) {
                Ok(doc) => {
                    let kind = opts.input_format.or_else(|| detect(&doc));
                    (Loaded { file: *id, doc: Some(doc), kind }, None)
                }
                Err(e) => {
                    let path = sources.get(*id).map(|f| f.path.clone());
                    let span = Span::new(*id, e.offset, e.offset);
                    (
                        Loaded { file: *id, doc: None, kind: None },
                        Some(Problem::error(Code::InvalidJson, e.message, path, Some(span))),
                    )
                }
            }
        })
        .collect();
    drop(texts);
    let mut loaded = Vec::with_capacity(parsed.len());
    for (l, e) in parsed {
        p.errors.extend(e);
        loaded.push(l);
    }
    (sources, loaded)
}

/// A text being parsed: shared with the source map, or owned and dropped after.
enum Text {
    Shared(Arc<str>),
    Owned(String),
}

impl Text {
    fn as_str(&self) -> &str {
        match self {
            Text::Shared(t) => t,
            Text::Owned(t) => t,
        }
    }
}
