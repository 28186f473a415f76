//! The live reader: reads subscriptions through Resource Manager into a live export
//! document (docs/live-export.md), which the scan then reads like any export file, so
//! a live scan and a scan of its saved export cannot disagree.
//!
//! `client` sends requests (concurrency, budget, throttling, retries), `plan` says what
//! to read per resource type, `read` reads, `auth` finds a credential, `progress`
//! draws the bar.

pub mod auth;
pub mod client;
pub mod plan;
pub mod progress;
pub mod read;

pub use client::{Client, ClientOptions, StatsSnapshot, TokenSource};
pub use read::{LiveOptions, LiveRead};

/// Reads `opts` on a runtime of its own and returns the document with the request
/// counters.
pub fn read_blocking(
    client_opts: ClientOptions,
    token: TokenSource,
    opts: &LiveOptions,
    progress: bool,
) -> Result<(LiveRead, StatsSnapshot), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let client = std::sync::Arc::new(Client::new(client_opts, token)?);
    let progress = progress::Progress::new(progress);
    let read = runtime.block_on(read::read(client.clone(), opts, &progress));
    Ok((read, client.stats.snapshot()))
}
