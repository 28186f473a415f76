//! The Bicep conformance oracle (`azlint::scan::oracle`) over the shared Bicep data
//! (`../shared/bicep`, `../shared/corpus/avm`; skipped with a message when absent).
//!
//! Two checks, one per pair of forms of the same program:
//! - classic vs symbolic names: `main.json` against `main.symbolicnames.json`, the
//!   compiler's two JSON forms of one program. Both are ARM templates azlint already
//!   expands, so they must agree today; where they do not, it is an expander bug, listed
//!   with its reason in `tests/oracle/known-differences.txt`.
//! - Bicep vs compiled: `main.bicep` against `main.json`. Until azlint reads Bicep every
//!   `.bicep` fails to expand and the check says so; once it reads them it must agree on
//!   at least [`BICEP_AGREEMENT`] of each data set, the rest listed in
//!   `tests/oracle/bicep-known-differences.txt`.
//!
//! Both lists may only shrink: a program that differs must be listed (with every class
//! of difference it shows), and a listed program that agrees must be taken off.
//! The AVM modules (535) run in full with `AZLINT_ORACLE_AVM=1`, otherwise a fixed
//! sample of [`AVM_SAMPLE`], so the file stays well under a minute in a debug build.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use azlint::arm::DeploymentContext;
use azlint::scan::expand_file;
use azlint::scan::oracle::{Class, Comparison, Outcome, compare_outcomes};
use rayon::prelude::*;

/// Share of each data set the Bicep reading must agree on once it is supported.
const BICEP_AGREEMENT: f64 = 0.97;
/// AVM modules checked without `AZLINT_ORACLE_AVM=1`.
const AVM_SAMPLE: usize = 60;
/// Differences listed per data set in the report.
const SHOWN: usize = 8;

/// One program: its id in the lists (`<data set>/<program>`) and its folder.
#[derive(Clone, Debug)]
struct Program {
    id: String,
    dir: PathBuf,
}

/// A named set of programs.
struct DataSet {
    name: &'static str,
    programs: Vec<Program>,
}

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("bicep").is_dir() {
        // Canonical, so diagnostics name `/…/shared/bicep/…`, not `…/../shared/…`.
        Some(dir.canonicalize().unwrap_or(dir))
    } else {
        eprintln!("skipped: {} not present", dir.join("bicep").display());
        None
    }
}

/// Every folder under `root` holding all of `files`, as programs named by their path
/// relative to `root`, sorted so reports and samples are stable.
fn programs_under(set: &str, root: &Path, files: &[&str]) -> Vec<Program> {
    let mut out: Vec<Program> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir() && files.iter().all(|f| e.path().join(f).is_file()))
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap_or(e.path()).to_string_lossy().replace('\\', "/");
            Program { id: format!("{set}/{rel}"), dir: e.path().to_path_buf() }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// The compiler's baselines: only the valid programs (`Invalid*` folders hold programs
/// it rejects, without a compiled form), one level deep (modules beside them are not
/// programs of their own).
fn baselines(shared: &Path, files: &[&str]) -> Vec<Program> {
    let root = shared.join("bicep/baselines");
    let mut out: Vec<Program> = std::fs::read_dir(&root)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| !n.to_string_lossy().starts_with("Invalid")))
        .filter(|p| files.iter().all(|f| p.join(f).is_file()))
        .map(|p| Program { id: format!("baselines/{}", p.file_name().unwrap_or_default().to_string_lossy()), dir: p })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Every `step`-th module, so the sample spreads over the whole (sorted) corpus and is
/// the same on every run.
fn sample(all: Vec<Program>, n: usize) -> Vec<Program> {
    if std::env::var("AZLINT_ORACLE_AVM").is_ok_and(|v| v == "1") || all.len() <= n {
        return all;
    }
    let step = all.len() as f64 / n as f64;
    (0..n).map(|i| all[(i as f64 * step) as usize].clone()).collect()
}

/// The data sets whose programs all hold `files`.
fn data_sets(shared: &Path, files: &[&str], with_avm: bool) -> Vec<DataSet> {
    let mut sets = vec![
        DataSet { name: "baselines", programs: baselines(shared, files) },
        DataSet {
            name: "user_submitted",
            programs: programs_under("user_submitted", &shared.join("bicep/user_submitted"), files),
        },
    ];
    if with_avm {
        let avm = programs_under("avm", &shared.join("corpus/avm"), files);
        sets.push(DataSet { name: "avm", programs: sample(avm, AVM_SAMPLE) });
    }
    sets
}

/// `azlint expand` of one file as the CLI runs it with `--no-parameters` and no context
/// options: the default deployment context.
fn expand(path: &Path) -> Outcome {
    expand_file(path, None, true, &DeploymentContext::default())
}

/// One known difference: the classes it may show and why.
#[derive(Debug)]
struct Known {
    classes: BTreeSet<Class>,
    reason: String,
}

/// A list of known differences: `<data set>/<program> <class>[,<class>...] <reason>` per
/// line, `#` comments and blank lines ignored. A malformed line fails the test.
fn known(file: &str) -> BTreeMap<String, Known> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    {
        let mut parts = line.trim().splitn(3, ' ');
        let (program, classes, reason) = (parts.next(), parts.next(), parts.next().map(str::trim));
        let (Some(program), Some(classes), Some(reason)) = (program, classes, reason.filter(|r| !r.is_empty())) else {
            panic!("{file}:{}: want `<data set>/<program> <class>[,<class>] <reason>`: {line}", n + 1)
        };
        let classes = classes
            .split(',')
            .map(|c| Class::parse(c).unwrap_or_else(|| panic!("{file}:{}: unknown class {c}", n + 1)))
            .collect();
        let dup = out.insert(program.to_string(), Known { classes, reason: reason.to_string() });
        assert!(dup.is_none(), "{file}:{}: {program} listed twice", n + 1);
    }
    out
}

/// The comparisons of one data set, in program order.
struct Checked {
    name: &'static str,
    results: Vec<(Program, Comparison)>,
    /// Programs whose right side returned `Err` (a `.bicep` azlint cannot read yet).
    unreadable: usize,
}

impl Checked {
    fn differing(&self) -> impl Iterator<Item = &(Program, Comparison)> {
        self.results.iter().filter(|(_, c)| !c.agrees())
    }

    fn agreement(&self) -> f64 {
        if self.results.is_empty() {
            return 1.0;
        }
        let agreeing = self.results.len() - self.differing().count();
        agreeing as f64 / self.results.len() as f64
    }

    /// Differing programs counted by class (a program counts once per class it shows),
    /// and differences counted by class.
    fn by_class(&self) -> (BTreeMap<Class, usize>, BTreeMap<Class, usize>) {
        let (mut programs, mut diffs) = (BTreeMap::new(), BTreeMap::new());
        for (_, c) in self.differing() {
            for (class, n) in c.by_class() {
                *programs.entry(class).or_insert(0) += 1;
                *diffs.entry(class).or_insert(0) += n;
            }
        }
        (programs, diffs)
    }

    /// The report: counts, agreement, classes, and the first differences of each program.
    fn report(&self) -> String {
        let differing = self.differing().count();
        let mut s = format!(
            "{}: {} programs, {} agree, {} differ ({:.1}% agreement)\n",
            self.name,
            self.results.len(),
            self.results.len() - differing,
            differing,
            self.agreement() * 100.0
        );
        let (programs, diffs) = self.by_class();
        for (class, n) in &programs {
            s += &format!("  {class}: {n} programs, {} differences\n", diffs[class]);
        }
        for (p, c) in self.differing() {
            s += &format!("  {} ({} differences)\n", p.id, c.differences.len());
            for d in c.differences.iter().take(SHOWN) {
                s += &format!("    {d}\n");
            }
        }
        s
    }
}

/// Compares `left` against `right` in every program of `set`, in parallel.
fn check(set: DataSet, left: &str, right: &str) -> Checked {
    let results = set
        .programs
        .into_par_iter()
        .map(|p| {
            let c = compare_outcomes(&expand(&p.dir.join(left)), &expand(&p.dir.join(right)));
            (p, c)
        })
        .collect();
    Checked { name: set.name, results, unreadable: 0 }
}

/// The problems with a list against what was found: differing programs it does not
/// list (or with classes it does not name), and listed programs that now agree.
fn list_problems(checked: &[Checked], list: &BTreeMap<String, Known>, file: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for set in checked {
        for (p, c) in &set.results {
            let classes: BTreeSet<Class> = c.by_class().into_keys().collect();
            match list.get(&p.id) {
                None if !c.agrees() => problems.push(format!(
                    "{} differs ({}) and is not in {file}: {}",
                    p.id,
                    names(&classes),
                    c.differences.first().map(ToString::to_string).unwrap_or_default()
                )),
                Some(_) if c.agrees() => problems.push(format!("{} agrees now: take it off {file}", p.id)),
                Some(k) if !classes.is_subset(&k.classes) => problems.push(format!(
                    "{} shows {} but {file} lists {} ({})",
                    p.id,
                    names(&classes),
                    names(&k.classes),
                    k.reason
                )),
                _ => {}
            }
        }
    }
    let seen: BTreeSet<&str> = checked.iter().flat_map(|s| s.results.iter().map(|(p, _)| p.id.as_str())).collect();
    let sets: BTreeSet<&str> = checked.iter().map(|s| s.name).collect();
    for id in list.keys() {
        let set = id.split('/').next().unwrap_or_default();
        // An AVM module outside this run's sample is not stale, only not checked.
        if !seen.contains(id.as_str()) && (set != "avm" || sample_is_full()) && sets.contains(set) {
            problems.push(format!("{id} is listed in {file} but is not a program"));
        }
    }
    problems
}

fn sample_is_full() -> bool {
    std::env::var("AZLINT_ORACLE_AVM").is_ok_and(|v| v == "1")
}

fn names(classes: &BTreeSet<Class>) -> String {
    classes.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
}

/// The compiler's two JSON forms of one program expand to the same resources.
#[test]
fn classic_and_symbolic_names_forms_expand_alike() {
    let Some(shared) = shared() else { return };
    let list = known("known-differences.txt");
    let sets = data_sets(&shared, &["main.json", "main.symbolicnames.json"], false);
    let checked: Vec<Checked> = sets.into_iter().map(|s| check(s, "main.json", "main.symbolicnames.json")).collect();
    for c in &checked {
        eprint!("{}", c.report());
        assert!(c.results.len() > 30, "{}: only {} programs found", c.name, c.results.len());
    }
    let problems = list_problems(&checked, &list, "known-differences.txt");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Reading `main.bicep` gives what expanding the compiled `main.json` gives: until
/// Bicep is read at all, every `.bicep` fails to expand (and the test says so);
/// afterwards each data set agrees on at least [`BICEP_AGREEMENT`], the rest listed.
#[test]
fn bicep_sources_expand_like_their_compiled_json() {
    let Some(shared) = shared() else { return };
    let list = known("bicep-known-differences.txt");
    let sets = data_sets(&shared, &["main.bicep", "main.json"], true);
    let checked: Vec<Checked> = sets.into_iter().map(check_bicep).collect();
    let total: usize = checked.iter().map(|c| c.results.len()).sum();
    assert!(total > 200, "only {total} programs found");
    let unsupported: usize = checked.iter().map(|c| c.unreadable).sum();
    if unsupported == total {
        eprintln!(
            "Bicep not supported yet: all {total} programs ({}) are expand-failed on the .bicep side",
            checked.iter().map(|c| format!("{} {}", c.name, c.results.len())).collect::<Vec<_>>().join(", ")
        );
        return;
    }
    let mut low = Vec::new();
    for c in &checked {
        eprint!("{}", c.report());
        if c.agreement() < BICEP_AGREEMENT {
            low.push(format!(
                "{}: {:.1}% agreement, want {:.0}%",
                c.name,
                c.agreement() * 100.0,
                BICEP_AGREEMENT * 100.0
            ));
        }
    }
    let mut problems = list_problems(&checked, &list, "bicep-known-differences.txt");
    problems.extend(low);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The Bicep side of one data set: `main.json` (left, the compiler's answer) against
/// `main.bicep`. A `.bicep` that does not expand is not compared further, so the
/// not-yet-supported run stays fast.
fn check_bicep(set: DataSet) -> Checked {
    let results = set
        .programs
        .into_par_iter()
        .map(|p| {
            let bicep = expand(&p.dir.join("main.bicep"));
            let json = match &bicep {
                Err(_) => Ok((serde_json::json!({}), Vec::new(), false)),
                Ok(_) => expand(&p.dir.join("main.json")),
            };
            let c = compare_outcomes(&json, &bicep);
            (p, c, bicep.is_err())
        })
        .collect::<Vec<_>>();
    let unreadable = results.iter().filter(|r| r.2).count();
    Checked { name: set.name, results: results.into_iter().map(|(p, c, _)| (p, c)).collect(), unreadable }
}
