//! Expands the templates of a scan with `crate::arm`: parameters files, the deployment
//! context, linked templates by `relativePath` (only files inside the scanned folders,
//! which were read and parsed already), and the expander's diagnostics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::arm::{DeploymentContext, ExpandOptions, TemplateLoader, UnknownStats, expand};
use crate::model::{OriginKind, RawResource};
use crate::source::SourceMap;
use crate::value::{FileId, Node, Span, Str};

/// Resolves `templateLink.relativePath` against the linking file's folder, to a file of
/// this scan that lies inside one of the scanned folders. Nothing is fetched or read
/// from outside them.
pub struct Loader<'a> {
    pub sources: &'a SourceMap,
    pub docs: HashMap<PathBuf, (FileId, &'a Node)>,
    /// The Bicep programs the load stage parsed, for modules and imports.
    pub programs: HashMap<FileId, std::sync::Arc<crate::bicep::Program>>,
    pub roots: Vec<PathBuf>,
}

impl TemplateLoader for Loader<'_> {
    fn load_relative(&self, from: FileId, relative_path: &str) -> Result<(FileId, Node), String> {
        let target = self.inside(from, relative_path)?;
        let (id, node) =
            self.docs.get(&target).ok_or_else(|| format!("`{relative_path}` is not among the scanned files"))?;
        Ok((*id, (*node).clone()))
    }

    fn name(&self, file: FileId) -> String {
        self.sources.get(file).map_or_else(|| format!("file {}", file.0), |f| f.path.clone())
    }
}

/// The absolute folders (or files' folders) a scan reads.
pub fn roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .map(|p| if p.is_file() { p.parent().map(Path::to_path_buf).unwrap_or(p) } else { p })
        .collect()
}

/// What one template contributed.
pub struct Expanded {
    pub raws: Vec<RawResource>,
    pub diagnostics: Vec<crate::problem::Problem>,
    pub stats: UnknownStats,
    /// Files expanded as linked templates of this one.
    pub linked: Vec<FileId>,
}

/// Expands one template into raw resources for the model.
pub fn expand_template(
    doc: &Node,
    file: FileId,
    params: Option<&Node>,
    context: &DeploymentContext,
    loader: &Loader,
) -> Expanded {
    let opts = ExpandOptions { context, parameters: params, loader: Some(loader), file };
    let exp = expand(doc, &opts);
    let raws = exp
        .resources
        .into_iter()
        .map(|r| {
            let text = |k: &str| r.node.get(k).and_then(Node::as_str).map(str::to_string);
            let full_type = text("type").unwrap_or_else(|| "[unknown type]".into());
            // A symbolic name shows as its expression and keys by its canonical form, so
            // `resourceId(…, parameters('x'))` elsewhere finds it.
            let unknown = |k: &str| r.node.get(k).and_then(|n| n.value.as_unknown());
            // A name that is unknown without a symbol (from `reference()` of runtime state)
            // still names one resource: this declaration, which nothing can refer to.
            let opaque = || {
                let at = format!("{}{}#{}", r.file.0, r.pointer, r.copy_index.unwrap_or(0));
                let mark = format!(
                    "{}?{}{}",
                    crate::value::SYMBOL_OPEN,
                    at.replace('/', "\u{2215}"),
                    crate::value::SYMBOL_CLOSE
                );
                (format!("{}/{mark}", text("type").unwrap_or_default()), mark)
            };
            let symbolic = match (unknown("name"), unknown("id")) {
                (Some(n), Some(i)) => {
                    Some(n.canonical().zip(i.canonical()).map(|(n, i)| (i, n)).unwrap_or_else(|| {
                        let (ty, mark) = opaque();
                        (format!("{}/providers/{ty}", "/unidentified"), mark)
                    }))
                }
                (Some(_), None) | (None, Some(_)) => {
                    let (ty, mark) = opaque();
                    Some((format!("/unidentified/providers/{ty}"), mark))
                }
                (None, None) => None,
            };
            let full_name = text("name")
                .or_else(|| unknown("name").map(|u| u.display()))
                .unwrap_or_else(|| "[unknown name]".into());
            let id = text("id").or_else(|| unknown("id").map(|u| u.display())).map(Str::from);
            RawResource {
                id,
                symbolic,
                symbol: r.symbolic_name.clone(),
                uncounted: r.uncounted.clone(),
                full_type,
                full_name,
                file: r.file,
                pointer: r.pointer,
                kind: OriginKind::Template,
                inventory_only: false,
                existing: r.existing,
                placeholder: false,
                node: r.node,
            }
        })
        .collect();
    Expanded { raws, diagnostics: exp.diagnostics, stats: exp.unknown_stats, linked: exp.linked }
}

/// Where a diagnostic is reported.
pub fn diagnostic_span(d: &crate::problem::Problem, file: FileId) -> Span {
    d.span.filter(|s| !s.is_none()).unwrap_or(Span::new(file, 0, 0))
}

/// Reads linked templates from disk on demand, only below `root` (for `azlint expand`,
/// which has no scan to take them from).
pub struct DiskLoader {
    /// The folders files may be read from.
    pub roots: Vec<PathBuf>,
    /// Files read so far; file ids continue after `first_id`.
    pub files: Mutex<Vec<(PathBuf, std::sync::Arc<str>)>>,
    pub first_id: u32,
    pub template: (FileId, PathBuf),
}

impl TemplateLoader for DiskLoader {
    fn load_relative(&self, from: FileId, relative_path: &str) -> Result<(FileId, Node), String> {
        let target = self.target(from, relative_path)?;
        let mut files = self.files.lock().map_err(|_| "loader poisoned")?;
        // A file read before keeps its id, so a link back to it is seen as a cycle.
        let known = if target == self.template.1 {
            Some(self.template.0)
        } else {
            files.iter().position(|f| f.0 == target).map(|i| FileId(self.first_id + i as u32))
        };
        if let Some(id) = known {
            let text: std::sync::Arc<str> = crate::source::read_text(&target).map_err(|e| e.to_string())?.into();
            let node =
                crate::source::json::parse(&text, id).map_err(|e| format!("`{relative_path}`: {}", e.message))?;
            return Ok((id, node));
        }
        let text: std::sync::Arc<str> = crate::source::read_text(&target).map_err(|e| e.to_string())?.into();
        let id = FileId(self.first_id + files.len() as u32);
        let node = crate::source::json::parse(&text, id).map_err(|e| format!("`{relative_path}`: {}", e.message))?;
        files.push((target, text));
        Ok((id, node))
    }

    fn name(&self, file: FileId) -> String {
        if file == self.template.0 {
            return self.template.1.display().to_string();
        }
        let files = self.files.lock().map(|f| f.clone()).unwrap_or_default();
        file.0
            .checked_sub(self.first_id)
            .and_then(|i| files.get(i as usize))
            .map_or_else(|| format!("file {}", file.0), |f| f.0.display().to_string())
    }
}

/// Bicep modules and `load*Content` files for `azlint expand`, read from disk below the
/// same root as linked templates.
impl crate::bicep::lower::Files for DiskLoader {
    fn module(&self, from: FileId, relative: &str) -> Result<crate::bicep::lower::ModuleFile, String> {
        let target = self.target(from, relative)?;
        self.module_at(&target)
    }

    fn module_at(&self, target: &Path) -> Result<crate::bicep::lower::ModuleFile, String> {
        use crate::bicep::lower::ModuleFile;
        let target =
            std::fs::canonicalize(target).map_err(|e| format!("`{}` cannot be read: {e}", target.display()))?;
        let relative = target.display().to_string();
        let mut files = self.files.lock().map_err(|_| "loader poisoned")?;
        let (file, text) = if target == self.template.1 {
            let text = crate::source::read_text(&target).map_err(|e| e.to_string())?;
            (self.template.0, std::sync::Arc::from(text))
        } else if let Some(i) = files.iter().position(|f| f.0 == target) {
            (FileId(self.first_id + i as u32), files[i].1.clone())
        } else {
            let text: std::sync::Arc<str> = crate::source::read_text(&target).map_err(|e| e.to_string())?.into();
            let id = FileId(self.first_id + files.len() as u32);
            files.push((target.clone(), text.clone()));
            (id, text)
        };
        if crate::source::detect::is_bicep(&target) {
            let program = std::sync::Arc::new(crate::bicep::parse(&text, file));
            return Ok(ModuleFile::Bicep { file, program, new: true });
        }
        let template = crate::source::json::parse(&text, file).map_err(|e| format!("`{relative}`: {}", e.message))?;
        Ok(ModuleFile::Json { file, template })
    }

    fn bytes(&self, from: FileId, relative: &str) -> Result<Vec<u8>, String> {
        let target = self.target(from, relative)?;
        std::fs::read(&target).map_err(|e| format!("`{relative}` cannot be read: {e}"))
    }

    fn name(&self, file: FileId) -> String {
        TemplateLoader::name(self, file)
    }
}

impl DiskLoader {
    /// The file `relative` names from `from`, when it is inside the root.
    fn target(&self, from: FileId, relative: &str) -> Result<PathBuf, String> {
        let base = if from == self.template.0 {
            self.template.1.clone()
        } else {
            let files = self.files.lock().map_err(|_| "loader poisoned")?;
            from.0
                .checked_sub(self.first_id)
                .and_then(|i| files.get(i as usize))
                .map(|f| f.0.clone())
                .ok_or("unknown linking file")?
        };
        let target = base.parent().ok_or("the linking file has no folder")?.join(relative);
        let target = std::fs::canonicalize(&target).map_err(|e| format!("`{relative}` cannot be read: {e}"))?;
        if !self.roots.iter().any(|r| target.starts_with(r)) {
            return Err(format!("`{relative}` is outside the folder `azlint expand` reads; it is not read"));
        }
        Ok(target)
    }
}

/// Bicep modules and `load*Content` files of a scan: a module must be one of the
/// scanned files (its findings point in it); a loaded file must be inside the
/// scanned folders.
impl crate::bicep::lower::Files for Loader<'_> {
    fn module(&self, from: FileId, relative: &str) -> Result<crate::bicep::lower::ModuleFile, String> {
        let target = self.inside(from, relative)?;
        self.module_at(&target)
    }

    fn module_at(&self, target: &Path) -> Result<crate::bicep::lower::ModuleFile, String> {
        use crate::bicep::lower::ModuleFile;
        let target =
            std::fs::canonicalize(target).map_err(|e| format!("`{}` cannot be read: {e}", target.display()))?;
        let relative = target.display().to_string();
        let file =
            self.sources.find_abs(&target).ok_or_else(|| format!("`{relative}` is not among the scanned files"))?;
        if crate::source::detect::is_bicep(&target) {
            let program = self.programs.get(&file).cloned().ok_or("not read")?;
            return Ok(ModuleFile::Bicep { file, program, new: false });
        }
        let (_, node) = self.docs.get(&target).ok_or_else(|| format!("`{relative}` is not a JSON template"))?;
        Ok(ModuleFile::Json { file, template: (*node).clone() })
    }

    fn bytes(&self, from: FileId, relative: &str) -> Result<Vec<u8>, String> {
        let target = self.inside(from, relative)?;
        std::fs::read(&target).map_err(|e| format!("`{relative}` cannot be read: {e}"))
    }

    fn name(&self, file: FileId) -> String {
        TemplateLoader::name(self, file)
    }
}

impl Loader<'_> {
    /// The file `relative` names from `from`, when it is inside the scanned folders.
    fn inside(&self, from: FileId, relative: &str) -> Result<PathBuf, String> {
        let base = self.sources.get(from).and_then(|f| f.abs_path.parent()).ok_or("the file has no folder")?;
        let target =
            std::fs::canonicalize(base.join(relative)).map_err(|e| format!("`{relative}` cannot be read: {e}"))?;
        if !self.roots.iter().any(|r| target.starts_with(r)) {
            return Err(format!("`{relative}` is outside the scanned folders; it is not read"));
        }
        Ok(target)
    }
}
