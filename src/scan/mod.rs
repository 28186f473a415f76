//! One scan, end to end, as a short pipeline over named stages, one file each:
//! [`select`] (the rules that run), [`inputs`] (walk, pairing siblings), [`load`] (read,
//! parse, detect, in parallel), [`units`] (expand templates, ingest exported state),
//! the model and the rules run, [`filter`] (suppressions, baseline). Every file ends up
//! scanned, skipped (with the reason) or in error. [`expand`] is `azlint expand`;
//! [`oracle`] compares two of its expansions (the conformance tests use it).

mod expand;
mod filter;
mod inputs;
mod load;
pub mod oracle;
mod pairing;
mod select;
pub mod templates;
mod units;

use std::path::PathBuf;

pub use expand::expand_file;

use crate::arm::{DeploymentContext, UnknownStats};
use crate::engine::{Registry, Results, RuleOptions};
use crate::model::Model;
use crate::problem::Problem;
use crate::source::SourceMap;
use crate::source::detect::DocKind;
use crate::value::Span;

/// An input that is not a file on disk: the document a live read produced.
#[derive(Clone, Debug)]
pub struct Document {
    /// The name reports give it (the `--save-export` file, or `live:<subscriptions>`).
    pub name: String,
    pub text: String,
}

/// What to scan and how.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    /// Inputs read elsewhere (a live read), scanned after the files.
    pub documents: Vec<Document>,
    pub exclude: Vec<String>,
    /// Overrides format detection for every file.
    pub input_format: Option<DocKind>,
    /// A parameters file for the templates, instead of `X.parameters.json` pairing.
    pub parameters: Option<PathBuf>,
    pub no_parameters: bool,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub rule_dirs: Vec<PathBuf>,
    pub rule_options: RuleOptions,
    /// The deployment context templates are expanded in (`--context`, `--subscription-id`, ...).
    pub context: DeploymentContext,
    /// `azlint.toml`, already merged with the command line by the caller.
    pub config: crate::filter::config::Config,
    /// Where the config file was found, for messages.
    pub config_path: Option<String>,
    /// Report only findings that this baseline does not list.
    pub baseline: Option<PathBuf>,
    /// Write the current findings as a baseline instead of filtering by one.
    pub write_baseline: Option<PathBuf>,
    /// Coverage gaps (reads of a live export that failed) do not make the scan
    /// incomplete: the exit code follows the findings; the gaps are still reported.
    pub allow_partial: bool,
    /// No report of this scan shows source excerpts (only the text format does): each
    /// file's text is let go once it is parsed, as [`crate::source::SourceFile::released`] says.
    pub release_text: bool,
}

/// A live read that failed after retries (403, 404 of a listed resource, timeout,
/// malformed body), as a live export's `gaps` records it: the rules that depend on it
/// report the resource as undetermined, and the scan is incomplete unless
/// `--allow-partial`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageGap {
    /// The resource whose rules depend on the read (a subscription id for `inventory`).
    pub resource: String,
    /// What was read, relative to `resource` (`config/web`, `subnets`, `inventory`).
    pub read: String,
    /// Why it failed, on one line: `HTTP 403 AuthorizationFailed: ...`, `timed out after 4 attempts`.
    pub reason: String,
    /// The export file that records the gap.
    pub file: Option<String>,
    /// The gap's entry in that file.
    pub span: Option<Span>,
}

/// Why a JSON file that parsed is skipped: none of the shapes azlint reads.
pub const NOT_AZURE: &str = "not an Azure configuration";

pub use crate::problem::Skipped;

/// Everything a report needs.
pub struct ScanOutput {
    pub sources: SourceMap,
    pub registry: Registry,
    /// Indexes of the rules that ran.
    pub enabled: Vec<usize>,
    pub model: Model,
    pub results: Results,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// Reads of live exports that failed, sorted by resource (ignoring case), read and file.
    pub gaps: Vec<CoverageGap>,
    /// Whether gaps leave the exit code to the findings (`--allow-partial`).
    pub allow_partial: bool,
    pub skipped: Vec<Skipped>,
    /// Property values of expanded templates that stayed unknown, by cause.
    pub unknown_stats: UnknownStats,
    /// Findings a suppression accepted, with the reason.
    pub suppressed: Vec<crate::filter::Suppressed>,
    /// Findings the baseline accepted.
    pub baselined: usize,
    /// Baseline entries that no longer occur.
    pub baseline_gone: Vec<crate::filter::baseline::Entry>,
    /// Files read (scanned, skipped or in error).
    pub files: usize,
}

/// What the stages report besides their result, in the order met.
#[derive(Default)]
struct Problems {
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
    skipped: Vec<Skipped>,
    gaps: Vec<CoverageGap>,
}

impl Problems {
    /// Keeps a problem in the list its level says.
    fn push(&mut self, p: Problem) {
        if p.is_error() { self.errors.push(p) } else { self.warnings.push(p) }
    }
}

/// Runs a scan: rules, inputs, read and parse, units, model, rules run, filter. Errors
/// in individual inputs are collected, never fatal.
pub fn scan(opts: &ScanOptions) -> ScanOutput {
    let mut p = Problems::default();
    let (registry, enabled) = select::rules(opts, &mut p);
    let inputs = inputs::inputs(opts, &mut p);
    let (sources, loaded) = load::load(&inputs, opts, &mut p);
    let (units, unknown_stats) = units::units(loaded, &sources, opts, &mut p);
    let mut model = Model::build(units);
    let roles = &opts.config.roles;
    model.apply_role_globs(&roles.backends, &roles.frontends, &roles.app_auth_in_code);
    let mut results = registry.run(&model, &opts.rule_options, &enabled);
    let filtered = filter::filter(&mut results, &model, &sources, &registry, opts, &mut p);
    p.errors.sort_by(|a, b| {
        (a.file.as_deref(), a.span.map(|s| s.start)).cmp(&(b.file.as_deref(), b.span.map(|s| s.start)))
    });
    p.warnings.sort_by(|a, b| {
        (a.file.as_deref(), a.span.map(|s| s.start)).cmp(&(b.file.as_deref(), b.span.map(|s| s.start)))
    });
    let gap_key = |g: &CoverageGap| {
        (g.resource.to_ascii_lowercase(), g.read.to_ascii_lowercase(), g.file.clone(), g.span.map(|s| s.start))
    };
    p.gaps.sort_by_key(gap_key);
    ScanOutput {
        files: sources.len(),
        sources,
        registry,
        enabled,
        model,
        results,
        errors: p.errors,
        warnings: p.warnings,
        gaps: p.gaps,
        allow_partial: opts.allow_partial,
        skipped: p.skipped,
        unknown_stats,
        suppressed: filtered.suppressed,
        baselined: filtered.baselined,
        baseline_gone: filtered.baseline_gone,
    }
}
