//! What the benchmark binaries share: percentiles, the query mix, and a data directory
//! holding a loaded corpus that is kept between runs.

use domain::corpus::{Corpus, CorpusSize, LoadOptions};
use domain::search::SearchQuery;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The corpus seed every benchmark uses.
pub const SEED: u64 = 42;

/// Saved searches used as queries start here, away from those a percolator bench
/// would load first.
pub const FIRST_QUERY: u64 = 5_000_000;

/// The `p`th percentile (0–100) of values sorted ascending, by nearest rank; the
/// default (zero) for none.
pub fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted
        .get(rank.min(sorted.len() - 1))
        .copied()
        .unwrap_or_default()
}

/// Milliseconds with three decimals, for report tables.
pub fn ms(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1_000.0)
}

/// A series of timings summed up for a report.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub count: usize,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Items per second, one after another.
    pub per_second: f64,
}

impl Spread {
    pub fn of(mut times: Vec<Duration>) -> Spread {
        times.sort_unstable();
        let total: Duration = times.iter().sum();
        Spread {
            count: times.len(),
            p50: percentile(&times, 50.0),
            p90: percentile(&times, 90.0),
            p99: percentile(&times, 99.0),
            max: times.last().copied().unwrap_or_default(),
            per_second: times.len() as f64 / total.as_secs_f64().max(1e-9),
        }
    }
}

/// This process's resident memory in bytes (0 where `/proc` is missing).
pub fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// This process's resident memory in MB (0 where `/proc` is missing).
pub fn resident_megabytes() -> f64 {
    resident_bytes() as f64 / (1024.0 * 1024.0)
}

/// The benchmark corpus size from `PONTE_BENCH_SIZE` (`10k`, `100k`, `1m`), or `default`.
pub fn size_from_env(default: CorpusSize) -> Result<CorpusSize, String> {
    match std::env::var("PONTE_BENCH_SIZE") {
        Ok(text) => CorpusSize::parse(&text).map_err(|error| format!("PONTE_BENCH_SIZE: {error}")),
        Err(_) => Ok(default),
    }
}

/// A number from the environment variable `name`, or `default`.
pub fn number_from_env(name: &str, default: u64) -> Result<u64, String> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("{name}: `{text}` is not a whole number")),
        Err(_) => Ok(default),
    }
}

/// The query mix: `count` of the corpus's saved searches (terms, AND, OR, phrases,
/// exclusions, filters and places; a quarter in Italian), each asked for the top 20.
/// A few are refused by the API's checks (`domain::search::index_request_for_people`
/// says which); benchmarks leave those out.
pub fn query_mix(corpus: &Corpus, count: u64) -> Vec<SearchQuery> {
    (FIRST_QUERY..FIRST_QUERY + count)
        .map(|index| {
            let mut query = corpus.saved_search(index).search;
            query.limit = Some(20);
            query
        })
        .collect()
}

/// `GET /api/v1/search` with the query's parameters, spelled as the API takes them
/// (lists as repeated parameters, `max_price` in minor units).
pub fn search_path(query: &SearchQuery) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    if let Some(q) = &query.q {
        out.append_pair("q", q);
    }
    for kind in &query.kinds {
        out.append_pair("kind", kind.as_str());
    }
    for kind in &query.organisation_kinds {
        out.append_pair("org_kind", kind.as_str());
    }
    for (name, values) in [
        ("country", &query.countries),
        ("region", &query.regions),
        ("city", &query.cities),
        ("topic", &query.topics),
    ] {
        for value in values {
            out.append_pair(name, value);
        }
    }
    for mode in &query.engagement {
        out.append_pair("engagement", mode.as_str());
    }
    for space_type in &query.space_types {
        out.append_pair("space_type", space_type.as_str());
    }
    let numbers = [
        ("max_price", query.max_price),
        ("min_capacity", query.min_capacity),
        ("trl_min", query.trl_min),
        ("trl_max", query.trl_max),
    ];
    for (name, value) in numbers {
        if let Some(value) = value {
            out.append_pair(name, &value.to_string());
        }
    }
    if let Some(currency) = &query.currency {
        out.append_pair("currency", currency);
    }
    if let Some(date) = query.available_on {
        out.append_pair("available_on", &date.format("%Y-%m-%d").to_string());
    }
    if let Some(verified) = query.verified {
        out.append_pair("verified", if verified { "true" } else { "false" });
    }
    if let Some(near) = &query.near {
        out.append_pair("near", near);
    }
    if let Some(radius) = query.radius_km {
        out.append_pair("radius_km", &radius.to_string());
    }
    if let Some(limit) = query.limit {
        out.append_pair("limit", &limit.to_string());
    }
    format!("/api/v1/search?{}", out.finish())
}

/// The file a finished load leaves in its data directory; without it the directory is
/// loaded again from scratch.
const LOADED_MARKER: &str = "corpus-loaded.txt";

/// Where the benchmarks keep the loaded corpus of `size`: under `PONTE_BENCH_DIR`, or
/// else under `default_base` (benchmarks pass the target directory's scratch space).
pub fn corpus_dir(size: CorpusSize, default_base: &Path) -> PathBuf {
    let base = std::env::var_os("PONTE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| default_base.join("ponte-bench"));
    base.join(format!("{size}-seed{SEED}"))
}

/// A data directory (SQLite file and index) holding the whole corpus of `size`, loaded
/// with `ponte corpus load`'s code path unless an earlier run finished loading it.
/// Returns the directory and, when it loaded now, how long that took.
pub async fn loaded_corpus(
    size: CorpusSize,
    default_base: &Path,
) -> Result<(PathBuf, Option<Duration>), String> {
    let dir = corpus_dir(size, default_base);
    if dir.join(LOADED_MARKER).is_file() {
        return Ok((dir, None));
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    eprintln!(
        "loading the {size} corpus into {} (kept for later runs)",
        dir.display()
    );
    let settings = crate::test_settings(&dir, None);
    let hub = domain::Hub::connect(domain::HubOptions {
        database_url: settings.database_url(),
        session_ttl: Duration::from_secs(3600),
    })
    .await
    .map_err(|error| error.cause_chain())?;
    hub.migrate().await.map_err(|error| error.cause_chain())?;
    let started = Instant::now();
    let mut last_line = Instant::now();
    let mut progress = |step: domain::corpus::LoadProgress| {
        if last_line.elapsed() >= Duration::from_secs(10) {
            last_line = Instant::now();
            eprintln!(
                "  {}/{} listings stored, {} indexed",
                step.stored, step.total, step.indexed
            );
        }
    };
    let report = hub
        .load_corpus(
            &LoadOptions {
                size,
                seed: SEED,
                count: None,
                index_dir: dir.join("index"),
            },
            &mut progress,
        )
        .await
        .map_err(|error| error.cause_chain())?;
    let took = started.elapsed();
    hub.close().await.map_err(|error| error.cause_chain())?;
    std::fs::write(
        dir.join(LOADED_MARKER),
        format!("{report:?} in {:.1} s\n", took.as_secs_f64()),
    )
    .map_err(|error| format!("{}: {error}", dir.display()))?;
    eprintln!(
        "loaded {} listings in {:.1} s",
        report.listings,
        took.as_secs_f64()
    );
    Ok((dir, Some(took)))
}

/// Copies a data directory (for benchmarks that write, so the kept corpus stays as
/// loaded). Flat files and one level of subdirectories: the SQLite file and the index.
pub fn copy_data_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_data_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
