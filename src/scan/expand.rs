//! `azlint expand`: one template expanded as the scan expands it, for a user to see
//! what azlint made of it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{pairing, templates};
use crate::arm::DeploymentContext;
use crate::source::detect::{DocKind, detect};
use crate::source::{SourceFile, SourceMap, json, read_text};
use crate::value::{FileId, Node};

/// `azlint expand`: the template at `path` with its parameters (given, paired or none),
/// as `{"resources": [...], "outputs": {...}}` with unknown values as
/// `{"$unknown": cause, "detail": ...}`; also the diagnostics as `file:line:col: message`
/// lines and whether any was an error. `aliases` are azlint.toml's Bicep module aliases.
pub fn expand_file(
    path: &Path,
    parameters: Option<&Path>,
    no_parameters: bool,
    context: &DeploymentContext,
    aliases: &crate::bicep::lower::Aliases,
) -> Result<(serde_json::Value, Vec<String>, bool), String> {
    let read = |p: &Path, id: FileId| -> Result<(Arc<str>, Node), String> {
        let text: Arc<str> = read_text(p).map_err(|e| format!("{}: {e}", p.display()))?.into();
        let node = json::parse(&text, id).map_err(|e| format!("{}: byte {}: {}", p.display(), e.offset, e.message))?;
        Ok((text, node))
    };
    let abs = std::fs::canonicalize(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bicep = crate::source::detect::is_bicep(path);
    let (ttext, tdoc) = if bicep {
        let text: Arc<str> = read_text(path).map_err(|e| format!("{}: {e}", path.display()))?.into();
        (text, Node::bare(crate::value::Value::Null))
    } else {
        read(path, FileId(0))?
    };
    // `X.parameters.json` beside `X.json`, `X.bicepparam` beside `X.bicep`.
    let paired = pairing::parameters_of(path);
    let params_path =
        if no_parameters { None } else { parameters.map(Path::to_path_buf).or(paired.filter(|p| p.is_file())) };
    // Bicep modules and loaded files may sit in sibling folders of the program (AVM's
    // `../../` tests): below the working directory when the program is, else its folder.
    let cwd = std::env::current_dir().ok().and_then(|d| std::fs::canonicalize(d).ok());
    let folder = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let loader = templates::DiskLoader {
        roots: std::iter::once(if bicep { cwd.filter(|d| abs.starts_with(d)).unwrap_or(folder) } else { folder })
            .chain(aliases.iter().map(|(_, folder)| folder.clone()))
            .collect(),
        files: std::sync::Mutex::new(Vec::new()),
        first_id: 2,
        template: (FileId(0), abs.clone()),
    };
    let mut lowered_problems = Vec::new();
    // A `.bicepparam` is lowered to the parameters document its `using` program reads.
    let params = match params_path.as_deref() {
        Some(p) if crate::source::detect::is_bicepparam(p) => {
            let text: Arc<str> = read_text(p).map_err(|e| format!("{}: {e}", p.display()))?.into();
            let program = crate::bicep::parse_bicepparam(&text, FileId(1));
            lowered_problems.extend(syntax_problems(&program, p));
            let l = crate::bicep::lower::parameters(&program, FileId(1), &loader);
            lowered_problems.extend(l.problems);
            Some((text, l.template))
        }
        Some(p) => Some(read(p, FileId(1))?),
        None => None,
    };
    let tpl = if detect(&tdoc) == Some(DocKind::ExportTemplateResponse) {
        tdoc.get("template").unwrap_or(&tdoc)
    } else {
        &tdoc
    };
    let opts = crate::arm::ExpandOptions {
        context,
        parameters: params.as_ref().map(|p| &p.1),
        loader: Some(&loader),
        file: FileId(0),
    };
    let lowered;
    let tpl = if bicep {
        let program = crate::bicep::parse(&ttext, FileId(0));
        lowered_problems.extend(syntax_problems(&program, path));
        let l = crate::bicep::lower::lower(&program, FileId(0), &loader, aliases);
        lowered_problems.extend(l.problems);
        lowered = l.template;
        &lowered
    } else {
        tpl
    };
    let mut exp = crate::arm::expand(tpl, &opts);
    lowered_problems.append(&mut exp.diagnostics);
    exp.diagnostics = lowered_problems;
    let mut sources = SourceMap::new();
    sources.add(SourceFile::new(path.to_string_lossy().into(), abs.clone(), ttext));
    let (pp, ptext) = match (&params_path, params) {
        (Some(p), Some((t, _))) => (p.clone(), t),
        _ => (PathBuf::new(), Arc::from("")),
    };
    sources.add(SourceFile::new(pp.to_string_lossy().into(), pp.clone(), ptext));
    for (p, t) in loader.files.lock().map(|f| f.clone()).unwrap_or_default() {
        sources.add(SourceFile::new(p.to_string_lossy().into(), p, t));
    }
    let mut failed = false;
    let diagnostics = exp
        .diagnostics
        .iter()
        .map(|d| {
            failed |= d.is_error();
            let at = d
                .span
                .and_then(|s| sources.locate(s))
                .map_or_else(String::new, |(f, s, _)| format!("{f}:{}:{}: ", s.line, s.column));
            format!("{at}{} [{}]", d.message, d.code)
        })
        .collect();
    let resources: Vec<serde_json::Value> = exp
        .resources
        .iter()
        .filter(|r| !r.existing)
        .map(|r| {
            let mut json = r.node.value.to_json();
            // languageVersion 2.0: the resource's symbolic name (`myStorages[0]` in a loop).
            if let (Some(name), Some(o)) = (&r.symbolic_name, json.as_object_mut()) {
                o.insert("symbolicName".into(), serde_json::Value::from(name.as_str()));
            }
            json
        })
        .collect();
    let outputs: serde_json::Map<String, serde_json::Value> =
        exp.outputs.iter().map(|(k, v)| (k.clone(), v.value.to_json())).collect();
    Ok((serde_json::json!({"resources": resources, "outputs": outputs}), diagnostics, failed))
}

/// A Bicep file's syntax errors as problems of `path`.
fn syntax_problems(program: &crate::bicep::Program, path: &Path) -> Vec<crate::problem::Problem> {
    let name = path.to_string_lossy().to_string();
    program
        .errors
        .iter()
        .map(|e| {
            crate::problem::Problem::error(
                crate::problem::Code::BicepSyntax,
                e.message.clone(),
                Some(name.clone()),
                Some(e.span),
            )
        })
        .collect()
}
