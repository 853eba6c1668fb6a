//! Published → searchable under a steady write load: the real server (in-process,
//! SQLite) on a copy of the loaded corpus, a member creating and publishing listings
//! through the API at a fixed rate, and for each listing the time from its publish
//! call returning to the first search that finds it (searched by a word only its
//! title has, polled every few milliseconds).
//!
//! `cargo bench -p tests --bench publish_latency` (100k listings); also
//! `PONTE_BENCH_SIZE`, `PONTE_BENCH_WRITES_PER_SECOND` (10 listings, each a create and
//! a publish), `PONTE_BENCH_SECONDS` (30), `PONTE_BENCH_POLL_MS` (10) and
//! `PONTE_BENCH_DIR` (where the loaded corpus is kept between runs).

use domain::corpus::CorpusSize;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};
use tests::bench::{self, ms, percentile};
use tests::{Auth, Client};

/// How long a listing may take to become searchable before it counts as not found.
const GIVE_UP: Duration = Duration::from_secs(30);

/// A word of ten letters no corpus text has, different for every `n`: search by it
/// finds this listing and nothing else that matters.
fn unique_word(n: u64) -> String {
    // splitmix64: consecutive numbers give unrelated letters, so no two words are a
    // typo apart in any way that matters.
    let mut x = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (0..10)
        .map(|i| char::from(b'a' + ((x >> (i * 6)) % 26) as u8))
        .collect()
}

/// One listing's life: created, published, then searched for until found.
struct Published {
    /// Create + publish, as the member sees it.
    write: Duration,
    /// From the publish call returning to the first search that found it; `None` if not
    /// found within `GIVE_UP`.
    searchable: Option<Duration>,
    searches: u32,
}

async fn publish_and_find(
    client: Client,
    auth: Auth,
    organisation: String,
    n: u64,
    poll: Duration,
) -> Published {
    let word = unique_word(n);
    let begun = Instant::now();
    let created = client
        .post(
            "/api/v1/listings",
            &auth,
            &json!({
                "organisation_id": organisation,
                "kind": "facility",
                "title": format!("Climate chamber testing {word}"),
                "language": "en",
                "summary": "Temperature and humidity cycling of components and small assemblies.",
                "topics": ["environmental testing"],
            }),
        )
        .await;
    created.expect(201);
    let id = created.id();
    client
        .post(&format!("/api/v1/listings/{id}/publish"), &auth, &json!({}))
        .await
        .expect(200);
    let published = Instant::now();
    let mut searches = 0;
    let path = format!("/api/v1/search?q={word}&limit=5");
    let searchable = loop {
        searches += 1;
        let reply = client.get(&path, &Auth::Anonymous).await;
        let found = reply.body["hits"]
            .as_array()
            .is_some_and(|hits| hits.iter().any(|hit| hit["id"] == id.as_str()));
        if found {
            break Some(published.elapsed());
        }
        if published.elapsed() > GIVE_UP {
            break None;
        }
        tokio::time::sleep(poll).await;
    };
    Published {
        write: published - begun,
        searchable,
        searches,
    }
}

#[allow(clippy::expect_used)]
fn main() {
    let size = bench::size_from_env(CorpusSize::Medium100k).expect("a corpus size");
    let number = |name, default| bench::number_from_env(name, default).expect("a number");
    let rate = number("PONTE_BENCH_WRITES_PER_SECOND", 10).max(1);
    let seconds = number("PONTE_BENCH_SECONDS", 30);
    let poll = Duration::from_millis(number("PONTE_BENCH_POLL_MS", 10));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let (kept, _) = bench::loaded_corpus(size, Path::new(env!("CARGO_TARGET_TMPDIR")))
            .await
            .expect("the corpus is loaded");
        // Writes go to a copy, so the kept corpus stays as loaded.
        let scratch = tempfile::tempdir().expect("a temporary directory");
        bench::copy_data_dir(&kept, scratch.path()).expect("the corpus is copied");
        let running = server::start(tests::test_settings(scratch.path(), None))
            .await
            .expect("the server starts");
        let client = Client::new(running.address);
        client.wait_ready(Duration::from_secs(600)).await;
        let (_, member) = client.account("publisher@example.org").await;
        let organisation = client.organisation(&member, "Publishing Test Lab").await;

        let total = rate * seconds;
        let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
        let started = Instant::now();
        let mut tasks = Vec::with_capacity(total as usize);
        for n in 0..total {
            ticks.tick().await;
            tasks.push(tokio::spawn(publish_and_find(
                client.clone(),
                member.clone(),
                organisation.clone(),
                n,
                poll,
            )));
        }
        let offered = started.elapsed();
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(task.await.expect("a publishing task"));
        }

        let mut writes: Vec<Duration> = results.iter().map(|r| r.write).collect();
        writes.sort();
        let mut searchable: Vec<Duration> = results.iter().filter_map(|r| r.searchable).collect();
        searchable.sort();
        let lost = results.len() - searchable.len();
        let searches: u32 = results.iter().map(|r| r.searches).sum();
        println!();
        println!(
            "Published → searchable: {} generated listings (seed {}), SQLite, {total} listings created and published through the API at {rate}/s ({:.1}/s achieved over {:.1} s), each searched for every {} ms by a word only its title has ({:.1} searches per listing).",
            size.listings(),
            bench::SEED,
            total as f64 / offered.as_secs_f64().max(1e-9),
            offered.as_secs_f64(),
            poll.as_millis(),
            searches as f64 / results.len().max(1) as f64,
        );
        println!();
        println!("| measure | listings | p50 ms | p95 ms | p99 ms | max ms |");
        println!("| --- | --- | --- | --- | --- | --- |");
        for (name, times) in [
            ("publish call returned → found by search", &searchable),
            ("create + publish calls", &writes),
        ] {
            println!(
                "| {name} | {} | {} | {} | {} | {} |",
                times.len(),
                ms(percentile(times, 50.0)),
                ms(percentile(times, 95.0)),
                ms(percentile(times, 99.0)),
                ms(times.last().copied().unwrap_or_default()),
            );
        }
        println!();
        println!(
            "not found within {} s: {lost}",
            GIVE_UP.as_secs()
        );
        running.stop().await.expect("the server stops");
    });
}
