//! Fuzzes a whole scan of one document and every report (`azlint::fuzzing::whole_scan`):
//! no panic, no secret of the input in any report. Run with a budget per input, e.g.
//! `cargo fuzz run scan -- -timeout=10 -rss_limit_mb=2048`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| azlint::fuzzing::whole_scan(data));
