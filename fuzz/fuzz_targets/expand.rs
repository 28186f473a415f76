//! Fuzzes the template expander: any text that parses as JSON goes through `expand`,
//! which must report problems as diagnostics, never panic.
#![no_main]

use azlint::arm::{DeploymentContext, ExpandOptions, expand};
use azlint::source::json::parse;
use azlint::value::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(node) = parse(text, FileId(0)) else { return };
    let ctx = DeploymentContext::default();
    let opts = ExpandOptions { context: &ctx, parameters: None, loader: None, file: FileId(0) };
    let _ = expand(&node, &opts);
});
