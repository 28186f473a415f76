//! Meta-tests: every rule is complete (docs headings, fixtures, file name), native checks
//! are all used, and the README's rule table is what `azlint rules` prints.

use std::path::Path;

use azlint::engine::RuleKind;

const HEADINGS: &[&str] = &["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References"];

#[test]
fn every_rule_is_documented_and_named_after_its_file() {
    let reg = azlint::rules::registry().expect("rules load");
    assert!(!reg.rules.is_empty());
    for r in &reg.rules {
        let mut last = 0;
        for h in HEADINGS {
            let at = r.docs.find(h).unwrap_or_else(|| panic!("{}: docs lack `{h}`", r.code));
            assert!(at >= last, "{}: `{h}` is out of order", r.code);
            last = at;
        }
        assert!(r.docs.contains("az "), "{}: docs need an `az` CLI fix", r.code);
        let expected = format!("rules/{}/{}-{}.toml", r.area().to_ascii_lowercase(), r.code, r.name);
        assert_eq!(r.source, expected, "{}: rule file location", r.code);
        assert!(
            r.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}: names are kebab-case",
            r.code
        );
        assert!(!r.title.ends_with('.'), "{}: titles have no trailing period", r.code);
    }
}

#[test]
fn every_native_check_is_used_by_exactly_one_rule() {
    let reg = azlint::rules::registry().expect("rules load");
    for (name, f) in azlint::rules::NATIVE {
        let users =
            reg.rules.iter().filter(|r| matches!(r.kind, RuleKind::Native(g) if std::ptr::fn_addr_eq(g, *f))).count();
        assert_eq!(users, 1, "native check `{name}` is used by {users} rules");
    }
}

#[test]
fn readme_rule_table_is_current() {
    let reg = azlint::rules::registry().expect("rules load");
    let mut table = String::from("| code | name | severity | title |\n|---|---|---|---|\n");
    for r in &reg.rules {
        table.push_str(&format!("| {} | `{}` | {} | {} |\n", r.code, r.name, r.severity, r.title));
    }
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
    let a = readme.find(start).expect("README has the rules:start marker") + start.len();
    let b = readme.find(end).expect("README has the rules:end marker");
    if readme[a..b] != table {
        if std::env::var_os("AZLINT_BLESS").is_some() {
            std::fs::write(&readme_path, format!("{}{table}{}", &readme[..a], &readme[b..])).expect("write README");
        } else {
            panic!("the README's rule table is stale; run the tests with AZLINT_BLESS=1\nexpected:\n{table}");
        }
    }
}

/// Rule options are declared with the rules that read them, with their defaults; the
/// command line and azlint.toml set them by these names.
#[test]
fn options_are_declared_by_the_rules_that_read_them() {
    let reg = azlint::rules::registry().expect("rules load");
    let declared = |code: &str| -> Vec<String> {
        let r = reg.rules.iter().find(|r| r.code == code).unwrap();
        r.options.keys().cloned().collect()
    };
    assert_eq!(declared("NET002"), ["headroom", "integration-prefix"]);
    assert_eq!(declared("ACL001"), ["allow-all-tags"]);
    assert_eq!(declared("ACL004"), ["allow-all-tags"]);
    let net002 = reg.rules.iter().find(|r| r.code == "NET002").unwrap();
    assert_eq!(net002.options["integration-prefix"].as_integer(), Some(26));
    assert_eq!(net002.options["headroom"].as_integer(), Some(2));
}

/// An option no rule reads is a bad option, not silently ignored.
#[test]
fn an_option_no_rule_reads_is_an_error() {
    let mut opts = azlint::scan::ScanOptions::default();
    opts.rule_options.set("headroom-typo", 3i64);
    let out = azlint::scan::scan(&opts);
    assert!(out.errors.iter().any(|e| e.code == "bad-option" && e.message.contains("headroom-typo")));
}
