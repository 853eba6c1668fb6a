//! Search speed on the generated corpus, in-process, one thread: Ponte's production
//! query path (the request `GET /api/v1/search` prepares — typos, synonyms, filters,
//! places, facets, snippets and "why it matched" — on the production index on disk)
//! next to plain tantivy BM25 over the same listings' titles and descriptions with the
//! same query words and no filters, typos or synonyms. Hydration from the database is
//! not included (the HTTP benchmark's job).
//!
//! The query mix is the corpus's saved searches — single terms, AND, OR, phrases,
//! exclusions, filters and places, a quarter in Italian — asked for the top 20.
//!
//! `PONTE_BENCH_SIZE=10k|100k|1m cargo bench -p tests --bench search_speed`
//! (default 100k; `PONTE_BENCH_QUERIES` sets the mix size, default 2,000).

use domain::corpus::{Corpus, CorpusSize};
use domain::search::index_request_for_people;
use search_index::SearchIndex;
use search_index::yardstick::PlainBm25;
use std::time::{Duration, Instant};
use tests::bench::{SEED, Spread, ms, query_mix, resident_megabytes};

const BATCH: u64 = 20_000;

fn report(name: &str, times: Vec<Duration>, found: u64) {
    let spread = Spread::of(times);
    println!(
        "| {name} | {} | {} | {} | {} | {} | {:.0} | {:.1} |",
        spread.count,
        ms(spread.p50),
        ms(spread.p90),
        ms(spread.p99),
        ms(spread.max),
        spread.per_second,
        found as f64 / spread.count.max(1) as f64,
    );
}

#[allow(clippy::expect_used)]
fn main() {
    let size = tests::bench::size_from_env(CorpusSize::Medium100k).expect("a corpus size");
    let queries =
        tests::bench::number_from_env("PONTE_BENCH_QUERIES", 2_000).expect("a number of queries");
    let corpus = Corpus::new(SEED);
    let listings = size.listings();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (index, _) = SearchIndex::open_in_dir(dir.path()).expect("an index");

    let started = Instant::now();
    let mut plain_documents: Vec<(String, String, String)> = Vec::with_capacity(listings as usize);
    // As `ponte corpus load` does: one bulk load, one commit.
    let mut bulk = index.bulk_load().expect("a bulk load");
    let mut first = 0;
    while first < listings {
        let last = (first + BATCH).min(listings);
        let batch: Vec<_> = (first..last).map(|i| corpus.listing_document(i)).collect();
        plain_documents.extend(batch.iter().map(|d| {
            (
                d.id.clone(),
                d.title.clone(),
                format!("{}\n{}", d.summary, d.description),
            )
        }));
        bulk.add(&batch).expect("the batch is indexed");
        first = last;
        eprint!("\r{last}/{listings} listings indexed");
    }
    bulk.commit(listings as i64)
        .expect("the bulk load is committed");
    eprintln!(
        "\rproduction index: {listings} listings in {:.1} s, {} segments",
        started.elapsed().as_secs_f64(),
        index.segment_count()
    );
    let started = Instant::now();
    let plain = PlainBm25::build(
        plain_documents
            .iter()
            .map(|(id, title, text)| (id.as_str(), title.as_str(), text.as_str())),
    )
    .expect("the plain index");
    drop(plain_documents);
    eprintln!(
        "plain index: {listings} listings in {:.1} s; resident memory {:.0} MB",
        started.elapsed().as_secs_f64(),
        resident_megabytes()
    );

    let mix = query_mix(&corpus, queries);
    let requests: Vec<_> = mix
        .iter()
        .filter_map(|query| index_request_for_people(query).ok())
        .collect();
    let texts: Vec<String> = mix
        .iter()
        .map(|query| query.q.clone().unwrap_or_default())
        .collect();

    // Warm the page cache and the readers once, then measure.
    for request in &requests {
        let _ = index.search(request);
    }
    let mut production = Vec::with_capacity(requests.len());
    let mut production_found = 0;
    let mut failed = 0;
    for request in &requests {
        let begun = Instant::now();
        match index.search(request) {
            Ok(results) => production_found += results.total,
            Err(_) => failed += 1,
        }
        production.push(begun.elapsed());
    }
    for text in &texts {
        let _ = plain.search(text, 20);
    }
    let mut plain_times = Vec::with_capacity(texts.len());
    let mut plain_found = 0;
    for text in &texts {
        let begun = Instant::now();
        plain_found += plain.search(text, 20).map(|r| r.len() as u64).unwrap_or(0);
        plain_times.push(begun.elapsed());
    }

    println!();
    println!(
        "Search speed, one thread, {listings} generated listings (seed {SEED}), {} queries from the corpus's saved searches ({} refused by the API's checks, {failed} failed).",
        requests.len(),
        mix.len() - requests.len(),
    );
    println!();
    println!("| path | queries | p50 ms | p90 ms | p99 ms | max ms | queries/s | mean hits |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    report(
        "Ponte (typos, synonyms, filters, places, facets, snippets; mean total matches)",
        production,
        production_found,
    );
    report(
        "plain tantivy BM25 (same words, top 20, no filters; mean hits returned)",
        plain_times,
        plain_found,
    );
    println!();
    println!("resident memory at the end: {:.0} MB", resident_megabytes());
}
