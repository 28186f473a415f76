//! Helpers shared by the integration tests. Each test binary uses only some of them.
#![allow(dead_code, unused_imports)]

pub mod fake_arm;

use std::process::Command;

/// Runs the azlint binary from the repository root with `args` (colour by default,
/// 100 columns): exit code, standard output, standard error.
pub fn azlint(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_azlint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100")
        .output()
        .expect("azlint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
