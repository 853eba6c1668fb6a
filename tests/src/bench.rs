//! What the benchmark binaries share.

use std::time::Duration;

/// The `p`th percentile (0–100) of durations sorted ascending, by nearest rank; zero
/// for none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
