//! Stage 3: read and parse. Every input is read and parsed in parallel (file ids follow
//! the sorted input order) and its format detected.

use crate::problem::Code;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use super::{Problem, Problems, ScanOptions};
use crate::source::detect::{DocKind, detect, is_bicep, is_bicepparam};
use crate::source::walk::Input;
use crate::source::{SourceFile, SourceMap, json, read_text};
use crate::value::{FileId, Node, Span};

/// One input after parsing: its document (`None` when unreadable or invalid) and kind
/// (`None` when it is none of the shapes azlint reads).
pub(super) struct Loaded {
    pub(super) file: FileId,
    pub(super) doc: Option<Node>,
    pub(super) kind: Option<DocKind>,
    /// A Bicep program or parameters file, parsed (its statements that parse).
    pub(super) program: Option<Arc<crate::bicep::Program>>,
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
        // Bicep texts stay: modules are lowered from them later.
        let bicep = is_bicep(&abs) || is_bicepparam(&abs);
        match text {
            Ok(t) if opts.release_text && !bicep => {
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
    let parsed: Vec<(Loaded, Vec<Problem>)> = texts
        .par_iter()
        .map(|(id, text)| {
            let none = Loaded { file: *id, doc: None, kind: None, program: None };
            let Some(text) = text else {
                return (none, Vec::new());
            };
            let path = sources.get(*id).map(|f| f.path.clone());
            if let Some(dialect) = sources.get(*id).and_then(|f| bicep_dialect(&f.abs_path)) {
                // A Bicep file with a syntax error still gives the statements that parse;
                // each error is reported where it is.
                let program = crate::bicep::parse_dialect(text.as_str(), *id, dialect);
                let errors = program
                    .errors
                    .iter()
                    .map(|e| Problem::error(Code::BicepSyntax, e.message.clone(), path.clone(), Some(e.span)))
                    .collect();
                let kind = match dialect {
                    crate::bicep::Dialect::Bicep => DocKind::Bicep,
                    crate::bicep::Dialect::BicepParam => DocKind::BicepParams,
                };
                return (Loaded { kind: Some(kind), program: Some(Arc::new(program)), ..none }, errors);
            }
            match json::parse(text.as_str(), *id) {
                Ok(doc) => {
                    let kind = opts.input_format.filter(|k| !matches!(k, DocKind::Bicep | DocKind::BicepParams));
                    let kind = kind.or_else(|| detect(&doc));
                    (Loaded { doc: Some(doc), kind, ..none }, Vec::new())
                }
                Err(e) => {
                    let span = Span::new(*id, e.offset, e.offset);
                    (none, vec![Problem::error(Code::InvalidJson, e.message, path, Some(span))])
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
    bring_modules(&mut sources, &mut loaded, opts, p);
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

/// The Bicep dialect of a file, by its extension.
fn bicep_dialect(path: &std::path::Path) -> Option<crate::bicep::Dialect> {
    if is_bicep(path) {
        Some(crate::bicep::Dialect::Bicep)
    } else if is_bicepparam(path) {
        Some(crate::bicep::Dialect::BicepParam)
    } else {
        None
    }
}

/// A Bicep program named on the command line brings its local modules and the files it
/// imports along (a
/// pre-commit hook passes only the changed file): every `.bicep` or `.json` module
/// inside the scanned folders that was not read is read and parsed too, until no new
/// one appears. Modules outside the folders are left to the lowering, which reports them.
fn bring_modules(sources: &mut SourceMap, loaded: &mut Vec<Loaded>, opts: &ScanOptions, p: &mut Problems) {
    let roots = trusted_roots(opts);
    let aliases = module_aliases(opts);
    let mut seen = 0;
    while seen < loaded.len() {
        let mut wanted: Vec<PathBuf> = Vec::new();
        for l in &loaded[seen..] {
            let Some(program) = &l.program else { continue };
            let Some(dir) = sources.get(l.file).and_then(|f| f.abs_path.parent()) else { continue };
            for st in &program.statements {
                let path = match &st.kind {
                    crate::bicep::StmtKind::Module { path, .. } => path,
                    crate::bicep::StmtKind::Import { from, .. } => from,
                    _ => continue,
                };
                let Some(rel) = path.as_literal() else { continue };
                // A registry module mapped to a local folder by azlint.toml is read from
                // there (the configuration is trusted like the scanned paths).
                let (target, trusted) = match crate::bicep::lower::resolve_alias(&rel, &aliases) {
                    Some(local) => (local, true),
                    None if rel.contains(':') => continue,
                    None => (dir.join(&rel), false),
                };
                let Ok(abs) = std::fs::canonicalize(target) else { continue };
                let inside = trusted || roots.iter().any(|r| abs.starts_with(r));
                if inside && sources.find_abs(&abs).is_none() && !wanted.contains(&abs) {
                    wanted.push(abs);
                }
            }
        }
        seen = loaded.len();
        for abs in wanted {
            let display = pathdiff(&abs);
            let text = match read_text(&abs) {
                Ok(t) => Arc::<str>::from(t),
                Err(_) => continue,
            };
            let id = sources.add(SourceFile::new(display.clone(), abs.clone(), text.clone()));
            if is_bicep(&abs) {
                let program = crate::bicep::parse(&text, id);
                for e in &program.errors {
                    p.errors.push(Problem::error(
                        Code::BicepSyntax,
                        e.message.clone(),
                        Some(display.clone()),
                        Some(e.span),
                    ));
                }
                loaded.push(Loaded {
                    file: id,
                    doc: None,
                    kind: Some(DocKind::Bicep),
                    program: Some(Arc::new(program)),
                });
            } else {
                match json::parse(&text, id) {
                    Ok(doc) => {
                        let kind = detect(&doc);
                        loaded.push(Loaded { file: id, doc: Some(doc), kind, program: None });
                    }
                    Err(e) => {
                        let span = Span::new(id, e.offset, e.offset);
                        p.errors.push(Problem::error(Code::InvalidJson, e.message, Some(display), Some(span)));
                        loaded.push(Loaded { file: id, doc: None, kind: None, program: None });
                    }
                }
            }
        }
    }
}

/// How a file brought along is named: relative to the working directory when it is
/// below it, as the walk names files.
fn pathdiff(abs: &std::path::Path) -> String {
    let cwd = std::env::current_dir().ok().and_then(|d| std::fs::canonicalize(d).ok());
    match cwd.as_deref().and_then(|c| abs.strip_prefix(c).ok()) {
        Some(rel) => rel.to_string_lossy().to_string(),
        None => abs.to_string_lossy().to_string(),
    }
}

/// The folders a scan reads modules and loaded files from: the scanned paths and the
/// folders azlint.toml maps registry modules to (an aliased module's own local modules
/// sit beside it).
pub(super) fn trusted_roots(opts: &ScanOptions) -> Vec<PathBuf> {
    let mut roots = super::templates::roots(&opts.paths);
    roots.extend(module_aliases(opts).into_iter().map(|(_, folder)| folder));
    roots
}

/// azlint.toml `[bicep] module-aliases`, with folders made absolute against the
/// configuration file's folder.
pub(super) fn module_aliases(opts: &ScanOptions) -> Vec<(String, PathBuf)> {
    let base = opts
        .config_path
        .as_deref()
        .and_then(|p| std::path::Path::new(p).parent().map(std::path::Path::to_path_buf))
        .unwrap_or_default();
    opts.config.bicep.aliases(&base)
}
