//! Fuzzes the expression parser and evaluator: any string, as a JSON string value and
//! wrapped in brackets, must evaluate or fail with an `ArmError`, never panic.
#![no_main]

use azlint::arm::{DeploymentContext, eval_expression};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let ctx = DeploymentContext::default();
    let _ = eval_expression(s, &ctx);
    if !s.starts_with('[') {
        let _ = eval_expression(&format!("[{s}]"), &ctx);
    }
});
