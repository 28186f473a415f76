//! Helpers shared by the integration tests. Each test binary uses only some of them.
#![allow(dead_code, unused_imports)]

pub mod fake_arm;
