//! The native Bicep parser against real Bicep: every valid program of the compiler's
//! baselines, the user-submitted programs, the `.bicepparam` baselines and the Azure
//! Verified Modules corpus parse without errors, and the compiler's invalid baselines
//! get an error where the compiler reports a syntax error.
//!
//! The data lives in `../shared` (read-only, beside the repository); without it the
//! tests say so and pass.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use azlint::bicep::{Dialect, line_col, parse_dialect};
use azlint::value::FileId;
use rayon::prelude::*;

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(rel);
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found", p.display());
        None
    }
}

fn is_bicep(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("bicep" | "bicepparam"))
}

/// The compiler's annotated copies of a program (`main.syntax.bicep`,
/// `parameters.tokens.bicepparam`): they interleave comment lines with the source,
/// even inside multi-line strings, so they are not programs. The `.diagnostics.`,
/// `.symbols.`, `.formatted.` and `.sourcemap.` copies keep their strings whole and
/// are parsed like the rest.
fn is_annotated_dump(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.contains(".syntax.") || name.contains(".tokens.")
}

/// Whether a path lies in a folder of deliberately invalid programs (`Invalid*`,
/// `Invalid_*`).
fn in_invalid_folder(root: &Path, p: &Path) -> bool {
    p.strip_prefix(root)
        .map(|rel| rel.components().any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with("Invalid"))))
        .unwrap_or(false)
}

fn files_under(root: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| is_bicep(p) && keep(p))
        .collect();
    out.sort();
    out
}

/// `file:line:col message` of the first error of each file that has one.
fn first_errors(files: &[PathBuf]) -> Vec<String> {
    files
        .par_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let program = parse_dialect(&text, FileId(0), Dialect::from_path(path));
            let e = program.errors.first()?;
            let (line, col) = line_col(&text, e.span.start as usize);
            Some(format!("{}:{line}:{col} {}", path.display(), e.message))
        })
        .collect()
}

/// Asserts every file parses without errors, listing the first 20 that do not.
fn assert_all_parse(label: &str, files: &[PathBuf]) {
    assert!(!files.is_empty(), "{label}: no files found");
    let failures = first_errors(files);
    eprintln!("{label}: {} files, {} parsed with zero errors", files.len(), files.len() - failures.len());
    assert!(
        failures.is_empty(),
        "{label}: {} of {} files have parse errors; first 20:\n{}",
        failures.len(),
        files.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn valid_baselines_parse() {
    let Some(root) = shared("bicep/baselines") else { return };
    let files = files_under(&root, |p| !in_invalid_folder(&root, p) && !is_annotated_dump(p));
    assert_all_parse("baselines", &files);
}

#[test]
fn user_submitted_programs_parse() {
    let Some(root) = shared("bicep/user_submitted") else { return };
    assert_all_parse("user_submitted", &files_under(&root, |_| true));
}

#[test]
fn bicepparam_baselines_parse() {
    let Some(root) = shared("bicep/baselines_bicepparam") else { return };
    let files = files_under(&root, |p| !in_invalid_folder(&root, p) && !is_annotated_dump(p));
    assert_all_parse("baselines_bicepparam", &files);
}

#[test]
fn avm_corpus_parses() {
    let Some(root) = shared("corpus/avm") else { return };
    assert_all_parse("avm", &files_under(&root, |_| true));
}

/// The compiler's diagnostic codes that come from its lexer and parser (the rest are
/// semantic: types, names, scopes, cycles). Chosen from the messages in the baselines:
/// each of these says a token or construct is missing, malformed or unexpected.
const SYNTAX_CODES: &[&str] = &[
    "BCP001", // unrecognized token
    "BCP002", // unterminated multi-line comment
    "BCP004", // string not terminated (new line)
    "BCP005", // string not terminated (end of file)
    "BCP006", // unknown escape sequence
    "BCP007", // unknown declaration type
    "BCP008", // expected `=` or a newline
    "BCP009", // expected an expression
    "BCP010", // expected a 64-bit integer
    "BCP011", // not a valid type
    "BCP012", // expected `for`
    "BCP013", // expected a parameter name
    "BCP015", // expected a variable name
    "BCP016", // expected an output name
    "BCP017", // expected a resource name
    "BCP018", // expected a specific character
    "BCP019", // expected a newline
    "BCP020", // expected a function or property name
    "BCP022", // expected a property name
    "BCP023", // expected a variable or function name
    "BCP064", // unexpected tokens in an interpolated expression
    "BCP068", // expected a resource type string
    "BCP090", // module without a path
    "BCP096", // expected a module name
    "BCP097", // expected a module path string
    "BCP103", // `"` is not a string delimiter
    "BCP117", // empty indexer
    "BCP118", // expected `{`, `[` or `if`
    "BCP123", // expected a decorator name
    "BCP132", // decorator without a declaration
    "BCP140", // unterminated multi-line string
    "BCP162", // expected a loop variable or `(`
    "BCP167", // expected `{` or `if`
    "BCP226", // pragma without codes
    "BCP236", // expected a newline or comma
    "BCP238", // newline after a comma
    "BCP243", // parentheses with not exactly one expression
    "BCP249", // loop variable block without exactly two names
    "BCP266", // expected a metadata name
    "BCP279", // expected a type
    "BCP325", // expected a type name
    "BCP346", // expected a test name
    "BCP347", // expected a test path string
    "BCP358", // declaration without a template path
];

/// Invalid programs whose first parse error the test does not hold to the compiler's
/// lines, each with the reason.
const KNOWN_EXCEPTIONS: &[(&str, &str)] = &[];

/// The compiler's errors of an annotated `*.diagnostics.*` file: the code and the
/// source lines (1-based) each `(Error)` diagnostic may start on. An annotation goes
/// below its line, but below the end of a multi-line string it starts in (a comment
/// cannot go inside one), so a span whose excerpt `|...|` holds `n` line breaks may
/// start up to `n` lines above its annotation.
fn compiler_errors(annotated: &str) -> Vec<(Vec<usize>, String)> {
    let mut out = Vec::new();
    let mut line = 0usize;
    for raw in annotated.split('\n') {
        let l = raw.trim_end_matches('\r');
        if let Some(rest) = l.strip_prefix("//@[") {
            let Some(i) = rest.find("[BCP") else { continue };
            let tag = &rest[i + 1..];
            if let Some(code) = tag.split(' ').next()
                && tag.contains(" (Error)]")
            {
                let excerpt = tag.split_once(") |").map_or("", |(_, e)| e);
                let breaks = excerpt.matches("\\n").count();
                out.push(((line.saturating_sub(breaks)..=line).collect(), code.to_string()));
            }
        } else {
            line += 1;
        }
    }
    out
}

#[test]
fn invalid_baselines_fail_where_the_compiler_does() {
    let mut programs = Vec::new();
    if let Some(root) = shared("bicep/baselines") {
        for dir in std::fs::read_dir(&root).into_iter().flatten().filter_map(Result::ok) {
            let name = dir.file_name().to_string_lossy().to_string();
            if name.starts_with("Invalid") {
                programs.push((dir.path().join("main.bicep"), dir.path().join("main.diagnostics.bicep")));
            }
        }
    }
    if let Some(root) = shared("bicep/baselines_bicepparam") {
        for dir in std::fs::read_dir(&root).into_iter().flatten().filter_map(Result::ok) {
            let name = dir.file_name().to_string_lossy().to_string();
            if name.starts_with("Invalid") {
                programs.push((
                    dir.path().join("parameters.bicepparam"),
                    dir.path().join("parameters.diagnostics.bicepparam"),
                ));
            }
        }
    }
    programs.sort();
    let mut with_syntax = 0;
    let mut matched = 0;
    let mut clean = 0;
    let (mut ours_total, mut ours_flagged) = (0, 0);
    let mut problems = Vec::new();
    for (program, diagnostics) in &programs {
        let (Ok(text), Ok(annotated)) = (std::fs::read_to_string(program), std::fs::read_to_string(diagnostics)) else {
            continue;
        };
        let errors = compiler_errors(&annotated);
        let error_lines: BTreeSet<usize> = errors.iter().flat_map(|(l, _)| l.iter().copied()).collect();
        let syntax: Vec<_> = errors.iter().filter(|(_, c)| SYNTAX_CODES.contains(&c.as_str())).collect();
        let parsed = parse_dialect(&text, FileId(0), Dialect::from_path(program));
        let folder = program.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().to_string());
        let folder = folder.unwrap_or_default();
        let exception = KNOWN_EXCEPTIONS.iter().find(|(f, _)| *f == folder);
        let first = parsed.errors.first().map(|e| (line_col(&text, e.span.start as usize).0, e.message.clone()));
        if syntax.is_empty() {
            // No syntax error: the parser must not invent one.
            match &first {
                None => clean += 1,
                Some((line, msg)) if exception.is_none() => {
                    problems.push(format!("{folder}: no syntax error in the compiler, but {line}: {msg}"))
                }
                Some(_) => {}
            }
            continue;
        }
        with_syntax += 1;
        // Beyond the first error: how many of our errors are on lines the compiler flags.
        let our_lines: BTreeSet<usize> =
            parsed.errors.iter().map(|e| line_col(&text, e.span.start as usize).0).collect();
        ours_total += our_lines.len();
        ours_flagged += our_lines.iter().filter(|l| error_lines.contains(l)).count();
        match &first {
            Some((line, _)) if error_lines.contains(line) => matched += 1,
            _ if exception.is_some() => {}
            Some((line, msg)) => problems.push(format!(
                "{folder}: first parse error at line {line} ({msg}), not a line the compiler flags (first syntax error: line {} {})",
                syntax[0].0.last().unwrap_or(&0), syntax[0].1
            )),
            None => problems.push(format!(
                "{folder}: no parse error, the compiler reports {} at line {}",
                syntax[0].1, syntax[0].0.last().unwrap_or(&0)
            )),
        }
    }
    eprintln!(
        "invalid baselines: {} programs, {with_syntax} with syntax errors, {matched} matched; {clean} without syntax errors parsed clean; {ours_flagged} of {ours_total} lines with parse errors are lines the compiler flags",
        programs.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
