//! Serves a synthetic subscription from the fake Resource Manager, for benchmarks of the
//! live reader and for trying it by hand:
//!
//! ```text
//! cargo run --release --example fake_arm -- --resources 10000 --latency-ms 20 [--throttle-fraction 0.1] [--seed N]
//! ```
//!
//! Prints `endpoint=http://127.0.0.1:PORT subscription=<id> token=<token or none>` on one
//! line, then serves until stdin closes (or, with `--no-stdin`, until killed).

#[allow(dead_code, unused_imports)]
#[path = "../tests/support/fake_arm.rs"]
mod fake_arm;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use fake_arm::{FakeArm, FakeState, Fault, FaultKind, SYNTHETIC_SUBSCRIPTION};

const USAGE: &str = "usage: fake_arm [--resources N] [--latency-ms MS] [--throttle-fraction F] [--seed N]
                [--token TOKEN] [--graph-page-size N] [--list-page-size N] [--dump-export FILE] [--no-stdin]

  --resources N          top-level resources (Resource Graph rows) in the subscription [10000]
  --latency-ms MS        delay before every answer [0]
  --throttle-fraction F  share of requests answered 429 with Retry-After: 1 [0]
  --seed N               decides the misconfigured units and the throttled requests [1]
  --token TOKEN          require Authorization: Bearer TOKEN [none]
  --graph-page-size N    rows per Resource Graph page [1000]
  --list-page-size N     items per page of collection GETs [100]
  --dump-export FILE     also write the documents as an ARM list export to FILE
  --no-stdin             serve until killed instead of until stdin closes";

struct Args {
    resources: usize,
    latency_ms: u64,
    throttle_fraction: f64,
    seed: u64,
    token: Option<String>,
    graph_page_size: usize,
    list_page_size: usize,
    dump_export: Option<PathBuf>,
    no_stdin: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        resources: 10_000,
        latency_ms: 0,
        throttle_fraction: 0.0,
        seed: 1,
        token: None,
        graph_page_size: 1000,
        list_page_size: 100,
        dump_export: None,
        no_stdin: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--no-stdin" {
            args.no_stdin = true;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--resources" => args.resources = value.parse().map_err(|e| bad(&e))?,
            "--latency-ms" => args.latency_ms = value.parse().map_err(|e| bad(&e))?,
            "--throttle-fraction" => args.throttle_fraction = value.parse().map_err(|e| bad(&e))?,
            "--seed" => args.seed = value.parse().map_err(|e| bad(&e))?,
            "--token" => args.token = Some(value),
            "--graph-page-size" => args.graph_page_size = value.parse().map_err(|e| bad(&e))?,
            "--list-page-size" => args.list_page_size = value.parse().map_err(|e| bad(&e))?,
            "--dump-export" => args.dump_export = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    if !(0.0..=1.0).contains(&args.throttle_fraction) {
        return Err(format!("--throttle-fraction {} is not between 0 and 1", args.throttle_fraction));
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(why) => {
            if !why.is_empty() {
                eprintln!("fake_arm: {why}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut state = FakeState::synthetic(args.resources, args.seed);
    state.latency = Duration::from_millis(args.latency_ms);
    state.token = args.token.clone();
    state.graph_page_size = args.graph_page_size;
    state.list_page_size = args.list_page_size;
    if args.throttle_fraction > 0.0 {
        state.faults.push(Fault {
            path_contains: String::new(),
            method: None,
            kind: FaultKind::Throttle { retry_after_secs: 1 },
            times: None,
            probability: args.throttle_fraction,
        });
    }
    if let Some(path) = &args.dump_export {
        let text = serde_json::to_string(&state.to_export()).expect("serializing the export");
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("fake_arm: writing {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    let arm = FakeArm::start(state);
    let mut out = io::stdout().lock();
    let token = args.token.as_deref().unwrap_or("none");
    let _ = writeln!(out, "endpoint={} subscription={SYNTHETIC_SUBSCRIPTION} token={token}", arm.endpoint());
    let _ = out.flush();
    drop(out);
    if args.no_stdin {
        loop {
            std::thread::park();
        }
    }
    let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
    eprintln!("fake_arm: stdin closed after {} requests", arm.request_count());
    ExitCode::SUCCESS
}
