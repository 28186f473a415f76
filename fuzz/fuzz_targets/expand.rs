//! Fuzzes the template expander and its budget (`azlint::fuzzing::expansion`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| azlint::fuzzing::expansion(data));
