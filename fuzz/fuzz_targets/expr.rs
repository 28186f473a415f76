//! Fuzzes the expression parser and evaluator (`azlint::fuzzing::expression`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| azlint::fuzzing::expression(data));
