//! Search over HTTP: `GET /api/v1/search` from concurrent keep-alive connections on
//! loopback against the real server (in-process, SQLite, the production index on disk)
//! holding the generated corpus, hydration from the database included because the API
//! does it. The query mix is the search-speed benchmark's (the corpus's saved searches,
//! top 20). The same load generator against `/healthz` (a database ping and the index
//! status, no search) runs first in the same process as the anchor: what the generator
//! and the HTTP stack can do on this machine at all.
//!
//! The corpus is loaded once with `ponte corpus load`'s code path into a data directory
//! kept between runs (`PONTE_BENCH_DIR`, default under the target directory).
//!
//! `PONTE_BENCH_SIZE=1m cargo bench -p tests --bench http_search`; also
//! `PONTE_BENCH_CONNECTIONS` (16), `PONTE_BENCH_SECONDS` (30, after
//! `PONTE_BENCH_WARMUP_SECONDS`, 5), `PONTE_BENCH_ANCHOR_SECONDS` (10),
//! `PONTE_BENCH_QUERIES` (2,000).
//!
//! The server and the load generator share the machine: the server runs on a runtime
//! with one worker per core, as `ponte serve` does, and the generator on one thread of
//! its own.

use domain::corpus::{Corpus, CorpusSize};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tests::bench::{self, ms, percentile};

/// What one load run measured.
struct Measured {
    latencies: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
    window: Duration,
    bytes: u64,
}

/// One connection: asks `paths` in turn (shared position, so the connections together
/// walk the mix in order) until `end`, recording requests that complete inside the
/// measurement window.
async fn connection(
    base: Arc<String>,
    paths: Arc<Vec<String>>,
    position: Arc<AtomicUsize>,
    measure_from: Instant,
    end: Instant,
) -> Measured {
    // One client per connection, at most one idle connection: keep-alive on exactly one
    // socket, so N tasks are N connections.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .http1_only()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|error| panic!("http client: {error}"));
    let mut measured = Measured {
        latencies: Vec::new(),
        errors: 0,
        first_error: None,
        window: end.saturating_duration_since(measure_from),
        bytes: 0,
    };
    loop {
        let now = Instant::now();
        if now >= end {
            return measured;
        }
        let path = &paths[position.fetch_add(1, Ordering::Relaxed) % paths.len()];
        let begun = Instant::now();
        let outcome = match client.get(format!("{base}{path}")).send().await {
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Ok(body) if status.is_success() => Ok(body.len() as u64),
                    Ok(body) => Err(format!(
                        "{status} for {path}: {}",
                        String::from_utf8_lossy(&body)
                    )),
                    Err(error) => Err(format!("reading {path}: {error}")),
                }
            }
            Err(error) => Err(format!("{path}: {error}")),
        };
        let done = Instant::now();
        if begun < measure_from || done > end {
            continue;
        }
        match outcome {
            Ok(bytes) => {
                measured.latencies.push(done - begun);
                measured.bytes += bytes;
            }
            Err(error) => {
                measured.errors += 1;
                measured.first_error.get_or_insert(error);
            }
        }
    }
}

/// Drives `paths` from `connections` connections: `warm_up`, then `window` measured.
async fn drive(
    base: &str,
    paths: Vec<String>,
    connections: usize,
    warm_up: Duration,
    window: Duration,
) -> Measured {
    let base = Arc::new(base.to_owned());
    let paths = Arc::new(paths);
    let position = Arc::new(AtomicUsize::new(0));
    let measure_from = Instant::now() + warm_up;
    let end = measure_from + window;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            tokio::spawn(connection(
                base.clone(),
                paths.clone(),
                position.clone(),
                measure_from,
                end,
            ))
        })
        .collect();
    let mut all = Measured {
        latencies: Vec::new(),
        errors: 0,
        first_error: None,
        window,
        bytes: 0,
    };
    for task in tasks {
        let one = task
            .await
            .unwrap_or_else(|error| panic!("a connection failed: {error}"));
        all.latencies.extend(one.latencies);
        all.errors += one.errors;
        all.bytes += one.bytes;
        if all.first_error.is_none() {
            all.first_error = one.first_error;
        }
    }
    all.latencies.sort();
    all
}

fn row(name: &str, connections: usize, measured: &Measured) {
    let count = measured.latencies.len();
    println!(
        "| {name} | {connections} | {:.0} | {count} | {:.0} | {} | {} | {} | {} | {} | {:.0} |",
        measured.window.as_secs_f64(),
        count as f64 / measured.window.as_secs_f64().max(1e-9),
        ms(percentile(&measured.latencies, 50.0)),
        ms(percentile(&measured.latencies, 90.0)),
        ms(percentile(&measured.latencies, 99.0)),
        ms(measured.latencies.last().copied().unwrap_or_default()),
        measured.errors,
        measured.bytes as f64 / count.max(1) as f64,
    );
}

#[allow(clippy::expect_used)]
fn main() {
    let size = bench::size_from_env(CorpusSize::Medium100k).expect("a corpus size");
    let number = |name, default| bench::number_from_env(name, default).expect("a number");
    let connections = number("PONTE_BENCH_CONNECTIONS", 16) as usize;
    let window = Duration::from_secs(number("PONTE_BENCH_SECONDS", 30));
    let warm_up = Duration::from_secs(number("PONTE_BENCH_WARMUP_SECONDS", 5));
    let anchor_window = Duration::from_secs(number("PONTE_BENCH_ANCHOR_SECONDS", 10));
    let queries = number("PONTE_BENCH_QUERIES", 2_000);

    // The server's runtime: one worker per core, as `ponte serve` has.
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the server's runtime");
    let (dir, load_time) = server_runtime
        .block_on(bench::loaded_corpus(
            size,
            Path::new(env!("CARGO_TARGET_TMPDIR")),
        ))
        .expect("the corpus is loaded");
    let started = Instant::now();
    let running = server_runtime
        .block_on(server::start(tests::test_settings(&dir, None)))
        .expect("the server starts");
    let base = format!("http://{}", running.address);
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the load generator's runtime");
    client_runtime.block_on(async {
        tests::Client::new(running.address)
            .wait_ready(Duration::from_secs(600))
            .await;
    });
    eprintln!(
        "server ready on {} listings in {:.1} s",
        size.listings(),
        started.elapsed().as_secs_f64()
    );

    let corpus = Corpus::new(bench::SEED);
    let mix = bench::query_mix(&corpus, queries);
    let asked = mix.len();
    let paths: Vec<String> = mix
        .iter()
        .filter(|query| domain::search::index_request_for_people(query).is_ok())
        .map(bench::search_path)
        .collect();

    // What the mix finds, once, so the table's speed is of searches that find things.
    let sample = client_runtime.block_on(async {
        let client = tests::Client::new(running.address);
        let mut totals = Vec::new();
        for path in paths.iter().take(200) {
            let reply = client.get(path, &tests::Auth::Anonymous).await;
            reply.expect(200);
            totals.push(reply.body["total"].as_u64().unwrap_or_default());
        }
        totals
    });
    let mean_total = sample.iter().sum::<u64>() as f64 / sample.len().max(1) as f64;
    let found_something =
        sample.iter().filter(|&&total| total > 0).count() as f64 / sample.len().max(1) as f64;

    let anchor = client_runtime.block_on(drive(
        &base,
        vec!["/healthz".to_owned()],
        connections,
        Duration::from_secs(1),
        anchor_window,
    ));
    let searches =
        client_runtime.block_on(drive(&base, paths.clone(), connections, warm_up, window));

    println!();
    println!(
        "Search over HTTP: {} generated listings (seed {}), SQLite, {connections} keep-alive connections on loopback, {} queries from the corpus's saved searches ({} refused by the API's checks left out), top 20, hydration included.",
        size.listings(),
        bench::SEED,
        paths.len(),
        asked - paths.len(),
    );
    if let Some(took) = load_time {
        println!(
            "The corpus was loaded for this run in {:.1} s.",
            took.as_secs_f64()
        );
    }
    println!(
        "First 200 queries of the mix: mean total matches {mean_total:.1}; {:.0}% find something.",
        found_something * 100.0
    );
    println!();
    println!(
        "| endpoint | connections | seconds | requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors | mean bytes |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    row("/healthz (anchor)", connections, &anchor);
    row("/api/v1/search (mix)", connections, &searches);
    for (name, measured) in [("healthz", &anchor), ("search", &searches)] {
        if let Some(error) = &measured.first_error {
            println!();
            println!("first {name} error: {error}");
        }
    }
    println!();
    println!(
        "resident memory at the end (server and generator): {:.0} MB",
        bench::resident_megabytes()
    );
    server_runtime
        .block_on(running.stop())
        .expect("the server stops");
}
