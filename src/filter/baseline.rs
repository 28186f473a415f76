//! Baselines: the findings a repository accepted when it adopted azlint, keyed by
//! (rule, resource id, file) — never by line, so edits elsewhere in a file keep them.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub rule: String,
    /// Lower-cased resource id.
    pub resource: String,
    pub file: String,
}

/// The baseline file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

impl Baseline {
    pub fn new(mut findings: Vec<Entry>) -> Baseline {
        findings.sort();
        findings.dedup();
        Baseline { version: 1, findings }
    }

    pub fn read(path: &std::path::Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if b.version != 1 {
            return Err(format!("{}: baseline version {} is not supported (expected 1)", path.display(), b.version));
        }
        Ok(b)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Splits `keys` into those the baseline accepts (true) and new ones (false), and
    /// returns the baseline entries that no longer occur.
    pub fn matches(&self, keys: &[Entry]) -> (Vec<bool>, Vec<Entry>) {
        let known: BTreeSet<&Entry> = self.findings.iter().collect();
        let seen: BTreeSet<&Entry> = keys.iter().collect();
        let accepted = keys.iter().map(|k| known.contains(k)).collect();
        let gone = self.findings.iter().filter(|e| !seen.contains(e)).cloned().collect();
        (accepted, gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(rule: &str, res: &str) -> Entry {
        Entry { rule: rule.into(), resource: res.into(), file: "main.json".into() }
    }

    #[test]
    fn matches_by_rule_resource_and_file() {
        let b = Baseline::new(vec![e("ACL005", "/x/sites/a"), e("TLS001", "/x/sites/b")]);
        let (accepted, gone) = b.matches(&[e("ACL005", "/x/sites/a"), e("ACL005", "/x/sites/c")]);
        assert_eq!(accepted, [true, false]);
        assert_eq!(gone, [e("TLS001", "/x/sites/b")]);
    }
}
