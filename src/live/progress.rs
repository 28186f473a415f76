//! The progress bar of a live read: on stderr when it is a terminal, hidden otherwise
//! or with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::client::Stats;

/// Progress of a live read: reads planned and done, requests, retries, throttled waits.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar on stderr if `enabled` and stderr is a terminal; otherwise nothing is drawn.
    pub fn new(enabled: bool) -> Progress {
        let bar = if enabled && std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} reading Azure [{bar:30}] {pos}/{len} reads  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress { bar }
    }

    pub fn hidden() -> Progress {
        Progress { bar: ProgressBar::hidden() }
    }

    /// Resource Graph rows read so far.
    pub fn inventory(&self, rows: usize) {
        self.bar.set_message(format!("inventory: {rows} resources"));
    }

    /// More reads were planned.
    pub fn planned(&self, n: u64) {
        self.bar.inc_length(n);
    }

    /// One read finished.
    pub fn done(&self, stats: &Stats) {
        self.bar.inc(1);
        self.bar.set_message(summary(stats));
    }

    pub fn finish(&self, stats: &Stats) {
        self.bar.set_message(summary(stats));
        self.bar.finish_and_clear();
    }
}

fn summary(stats: &Stats) -> String {
    let s = stats.snapshot();
    format!(
        "{} requests, {} retries, {} throttled ({:.1} s waited)",
        s.requests,
        s.retries,
        s.throttled,
        s.waited_ms as f64 / 1000.0
    )
}
