//! Templates as they are checked in (issue 11): for every template of `fixtures/`, the
//! variant whose resource names are unknown (tests/support/metamorphic.rs) must give
//! back every finding of the original, on the same resource (JSON pointer): as a
//! finding, or, where the finding really rested on a name's literal value, at least as
//! an undetermined result, and those cases are listed here by name. No finding may
//! vanish. `AZLINT_METAMORPHIC_CORPUS=1 cargo test --release --test metamorphic -- --ignored`
//! runs the same over `../shared/corpus` and prints the counts by rule.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use azlint::report::Report;
use azlint::scan::{ScanOptions, scan};
use support::metamorphic::names_unknown;

/// Findings that come back only as undetermined, because they rest on the literal value
/// of a parameter that also feeds a name: "file: rule", sorted.
const ONLY_UNDETERMINED: &[&str] = &[
    // The default action comes from a map keyed by `environment`, which also names the plan.
    "rules/ACL009/fail-expansion-default-action-from-environment-map.json: ACL001",
    "rules/ACL009/fail-expansion-default-action-from-environment-map.json: ACL009",
    // The backend's literal host `api-orders-staging` is the site's name joined with `-`,
    // which the variant cannot rewrite: the slot `[name]/staging` may be it.
    "rules/APIM001/fail-slot-target-without-restrictions.json: APIM001",
    // The plan's SKU is chosen by `environment`, which also names the plan.
    "rules/NET004/fail-expansion-sku-chosen-by-environment.json: NET004",
    // The subnets are a copy loop over a name array: how many there are is not known.
    "rules/NET005/fail-expansion-symbolic-subnets-cidr-overlap.json: NET005",
    // The finding is the zone's name itself: a zone named by a parameter may be right.
    "rules/PE003/fail-keyvault-endpoint-in-blob-zone.json: PE003",
    // The zone's links are a copy loop over VNet names: which VNets are linked is not known.
    "rules/PE004/fail-expansion-zone-links-from-copy-loop.json: PE004",
    "rules/PE004/fail-expansion-zone-links-from-copy-loop.json: PE006",
];

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().ends_with(".parameters.json") {
            out.push(p);
        }
    }
}

fn is_template(text: &str) -> bool {
    azlint::source::json::parse(text, azlint::value::FileId(0))
        .ok()
        .and_then(|d| azlint::source::detect::detect(&d))
        .is_some_and(|k| k == azlint::source::detect::DocKind::Template)
}

/// (rule, pointer) -> count of findings, the (rule, pointer) of undetermined results, and
/// the pointers of copy loops whose count is unknown (one instance stands for the loop).
type Results = (BTreeMap<(String, String), usize>, Vec<(String, String)>, Vec<String>);

fn results(opts: ScanOptions) -> Results {
    let out = scan(&opts);
    let r = Report::new(&out, false);
    let mut findings = BTreeMap::new();
    for f in &r.findings {
        let ptr = f.location.as_ref().and_then(|l| l.pointer.clone()).unwrap_or_default();
        *findings.entry((f.code.clone(), ptr)).or_default() += 1;
    }
    let und = r
        .undetermined
        .iter()
        .map(|u| (u.code.clone(), u.location.as_ref().and_then(|l| l.pointer.clone()).unwrap_or_default()))
        .collect();
    let m = &out.model;
    let uncounted = out
        .warnings
        .iter()
        .filter(|w| w.message.starts_with("The copy count is unknown offline"))
        .filter_map(|w| w.span)
        .flat_map(|w| {
            (0..m.len() as u32)
                .map(azlint::model::ResIdx)
                .map(|i| m.res(i))
                .filter(move |x| x.file == w.file && x.node.span.start <= w.start && w.end <= x.node.span.end)
        })
        .map(|x| x.pointer.clone())
        .collect();
    (findings, und, uncounted)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for e in std::fs::read_dir(from).expect("read").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// Kept as findings, kept only as undetermined, lost: (rule, pointer) each.
#[derive(Default)]
struct Tally {
    kept: Vec<(String, String)>,
    undetermined: Vec<(String, String)>,
    lost: Vec<(String, String)>,
}

fn related(a: &str, b: &str) -> bool {
    a == b || (!b.is_empty() && a.starts_with(&format!("{b}/"))) || (!a.is_empty() && b.starts_with(&format!("{a}/")))
}

/// Compares one template with its variant.
fn compare(template: &Path, tmp: &Path) -> Tally {
    let text = std::fs::read_to_string(template).expect("read");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|_| {
        // JSON with comments: the lenient parser's value.
        azlint::source::json::parse(&text, azlint::value::FileId(0)).map(|n| n.value.to_json()).unwrap_or_default()
    });
    let params_path = PathBuf::from(template.to_string_lossy().replace(".json", ".parameters.json"));
    let params: Option<serde_json::Value> =
        std::fs::read_to_string(&params_path).ok().and_then(|t| serde_json::from_str(&t).ok());
    let variant = names_unknown(&doc, params.as_ref());
    let dir = template.parent().expect("folder");
    let copy = tmp.join(dir.file_name().expect("name"));
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(dir, &copy);
    let variant_path = copy.join(template.file_name().expect("name"));
    std::fs::write(&variant_path, &variant.text).expect("write");
    if let Some(dump) = std::env::var_os("AZLINT_METAMORPHIC_DUMP") {
        // For looking at a variant: `AZLINT_METAMORPHIC_DUMP=/tmp/v cargo test --test metamorphic`.
        // Only the plain components: a corpus path (`../shared/…`, absolute) stays inside `dump`.
        let rel = template.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_or(template);
        let rel: PathBuf = rel.components().filter(|c| matches!(c, std::path::Component::Normal(_))).collect();
        let to = Path::new(&dump).join(rel);
        std::fs::create_dir_all(to.parent().expect("folder")).ok();
        std::fs::write(to, &variant.text).ok();
    }
    let (orig, _, _) = results(ScanOptions { paths: vec![template.to_path_buf()], ..Default::default() });
    let (var_f, var_u, uncounted) =
        results(ScanOptions { paths: vec![variant_path], no_parameters: true, ..Default::default() });
    let mut t = Tally::default();
    for ((rule, ptr), n) in orig {
        let m = var_f.get(&(rule.clone(), ptr.clone())).copied().unwrap_or(0);
        // A copy loop of unknown count is one instance: its one finding stands for all.
        let folded = m > 0 && uncounted.iter().any(|u| related(u, &ptr));
        for i in 0..n {
            if i < m || folded {
                t.kept.push((rule.clone(), ptr.clone()));
            } else if var_u.iter().any(|(r, p)| *r == rule && related(p, &ptr)) {
                t.undetermined.push((rule.clone(), ptr.clone()));
            } else {
                t.lost.push((rule.clone(), ptr.clone()));
            }
        }
    }
    t
}

fn run(root: &Path, name: &str) -> BTreeMap<String, Tally> {
    let mut files = Vec::new();
    walk(root, &mut files);
    let tmp = std::env::temp_dir().join(format!("azlint-metamorphic-{name}-{}", std::process::id()));
    let mut out = BTreeMap::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        if !is_template(&text) {
            continue;
        }
        let rel = f.strip_prefix(root).unwrap_or(&f).to_string_lossy().to_string();
        out.insert(rel, compare(&f, &tmp));
    }
    std::fs::remove_dir_all(&tmp).ok();
    out
}

fn by_rule(all: &BTreeMap<String, Tally>) -> BTreeMap<String, [usize; 3]> {
    let mut out: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for t in all.values() {
        for (i, list) in [&t.kept, &t.undetermined, &t.lost].into_iter().enumerate() {
            for (rule, _) in list {
                out.entry(rule.clone()).or_default()[i] += 1;
            }
        }
    }
    out
}

fn table(all: &BTreeMap<String, Tally>) -> String {
    let mut s = String::from("| rule | kept | undetermined | lost |\n|---|---:|---:|---:|\n");
    let mut total = [0; 3];
    for (rule, n) in by_rule(all) {
        s.push_str(&format!("| {rule} | {} | {} | {} |\n", n[0], n[1], n[2]));
        for i in 0..3 {
            total[i] += n[i];
        }
    }
    s.push_str(&format!("| all | {} | {} | {} |\n", total[0], total[1], total[2]));
    s
}

#[test]
fn names_made_unknown_lose_no_finding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let all = run(&root, "fixtures");
    println!("{}", table(&all));
    let mut lost = Vec::new();
    let mut undetermined = Vec::new();
    for (file, t) in &all {
        lost.extend(t.lost.iter().map(|(r, p)| format!("{file}: {r} at {p}")));
        undetermined.extend(t.undetermined.iter().map(|(r, _)| format!("{file}: {r}")));
    }
    let kept: usize = all.values().map(|t| t.kept.len()).sum();
    let total: usize = kept + all.values().map(|t| t.undetermined.len() + t.lost.len()).sum::<usize>();
    assert!(kept > 300, "the fixtures must have findings to keep, got {kept}");
    assert!(kept * 100 >= total * 95, "fewer than 95% of findings kept: {kept} of {total}");
    assert!(lost.is_empty(), "findings lost when names are unknown:\n{}", lost.join("\n"));
    undetermined.sort();
    undetermined.dedup();
    let expected: Vec<String> = ONLY_UNDETERMINED.iter().map(|s| s.to_string()).collect();
    assert_eq!(undetermined, expected, "the findings that come back only as undetermined changed");
}

#[test]
#[ignore = "the corpus: run with AZLINT_METAMORPHIC_CORPUS=1 in release mode"]
fn corpus_names_made_unknown() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if std::env::var_os("AZLINT_METAMORPHIC_CORPUS").is_none() || !root.is_dir() {
        eprintln!("skipped: set AZLINT_METAMORPHIC_CORPUS=1 and keep ../shared/corpus");
        return;
    }
    let all = run(&root, "corpus");
    println!("{}", table(&all));
    for (file, t) in &all {
        for (r, p) in &t.lost {
            println!("LOST {file}: {r} at {p}");
        }
    }
}
