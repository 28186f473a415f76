//! Entry points for the fuzz targets (`fuzz/`) and their replay in the test suite
//! (`tests/fuzz_replay.rs`): each takes arbitrary bytes, runs one stage of azlint on them
//! and checks what must hold for any input. A violation panics, which is what libFuzzer
//! and the replay report.

use crate::arm::budget::{self, MAX_EXPANSION_BYTES};
use crate::arm::{DeploymentContext, ExpandOptions, eval_expression, expand};
use crate::report::text::TextOptions;
use crate::report::{FailOn, Format, Report, render};
use crate::scan::{Document, ScanOptions, scan};
use crate::source::json::parse;
use crate::value::FileId;

/// The expression parser and evaluator: any string, as a JSON string value and wrapped
/// in brackets, evaluates or fails with an error, never panics.
pub fn expression(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let ctx = DeploymentContext::default();
    let _ = eval_expression(s, &ctx);
    if !s.starts_with('[') {
        let _ = eval_expression(&format!("[{s}]"), &ctx);
    }
}

/// The template expander: any JSON expands with problems as diagnostics, and what it
/// expands to stays within the budget, whatever the input does to grow it.
pub fn expansion(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(node) = parse(text, FileId(0)) else { return };
    let ctx = DeploymentContext::default();
    let opts = ExpandOptions { context: &ctx, parameters: None, loader: None, file: FileId(0) };
    let x = expand(&node, &opts);
    let mut total = 0u64;
    for r in &x.resources {
        let (size, _) = budget::measure(&r.node.value, MAX_EXPANSION_BYTES);
        match size {
            Ok(s) => total += s.bytes,
            Err(e) => panic!("a resource escaped the budget: {e:?}"),
        }
    }
    // Properties the budget cut off are replaced by a short unknown value: the sum may
    // pass the limit by those markers only.
    assert!(total <= MAX_EXPANSION_BYTES + 64 * 1024, "the expansion is {total} bytes");
}

/// A whole scan of one document and every report format: no panic, and no value that
/// the input marks as secret (`Password=…`, `AccountKey=…`, `--password …`, URL user
/// information; at least 8 characters, appearing once in the input) in any report.
pub fn whole_scan(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let opts = ScanOptions {
        documents: vec![Document { name: "fuzz.json".into(), text: text.to_string() }],
        ..Default::default()
    };
    let out = scan(&opts);
    let secrets: Vec<&str> = crate::redact::secret_ranges(text)
        .into_iter()
        .map(|r| &text[r])
        .filter(|s| s.len() >= 8 && text.matches(*s).count() == 1)
        .collect();
    for strict in [false, true] {
        let report = Report::new(&out, strict).with_suppressed(&out, true);
        for format in Format::ALL {
            let options = TextOptions { color: false, width: 100, quiet: false };
            let rendered = render(&report, format, options, FailOn::None);
            for s in &secrets {
                assert!(!rendered.contains(s), "the {} report shows the secret `{s}`", format.as_str());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_on_the_line_of_a_finding_stays_out_of_every_report() {
        // The oracle sees the secret, and the scan keeps it out of the reports.
        let text = "run --password Hunter2Hunter2";
        let found: Vec<&str> = crate::redact::secret_ranges(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, ["Hunter2Hunter2"]);
        whole_scan(
            br#"{"resources": [{"type": "Microsoft.Web/sites", "apiVersion": "2023-12-01", "name": "a",
            "properties": {"siteConfig": {"appCommandLine": "run --password Hunter2Hunter2"}}}]}"#,
        );
    }
}
