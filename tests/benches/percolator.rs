//! Saved-search matching: the percolator against the corpus's saved searches, with the
//! straightforward matcher (each saved search asked in turn) as the baseline.
//!
//! ```text
//! PONTE_BENCH_SAVED_SEARCHES=10k|100k|1m cargo bench -p tests --bench percolator
//! ```
//!
//! Loads the corpus's first N saved searches (seed 42) as the matching worker would,
//! then matches 10,000 listings (`PONTE_BENCH_LISTINGS`) the corpus never uses at that size (indices from N on):
//! per-listing time on one thread (p50/p90/p99, wall time of a thread that does nothing
//! else), listings per second on two threads, the bytes of the saved-search structures
//! (counted, and the process's resident-set growth), and candidates and matches per
//! listing. The straightforward matcher runs on a sample of listings against the first
//! 10,000 saved searches (`PONTE_BENCH_BASELINE_LISTINGS`, default 10); its time is
//! extrapolated linearly to N, and its answers are checked against the percolator's.

use chrono::{Duration as Days, Utc};
use cpu_time::ThreadTime;
use domain::corpus::{Corpus, CorpusSize, GeneratedListing};
use domain::subscriptions::{SavedSearchMatcher, StraightforwardMatcher, saved_search_request};
use search_index::percolator::{Percolator, WordStatistics};
use search_index::{GeoPoint, ListingDocument, Price};
use std::time::{Duration, Instant};
use tests::bench::{SEED, Spread, ms, percentile, resident_bytes};

const BASELINE_SEARCHES: u64 = 10_000;
/// Published listings the word statistics are taken over.
const STATISTICS_SAMPLE: u64 = 5_000;

/// The index document of a generated listing, field by field as the indexer builds it
/// from the stored listing and its organisation.
fn document(corpus: &Corpus, index: u64, generated: GeneratedListing) -> ListingDocument {
    let organisation = corpus.organisation(generated.organisation);
    let f = generated.fields;
    let now = Utc::now();
    let currency = f.currency.clone().unwrap_or_else(|| "EUR".into());
    let price = |amount: Option<i64>| {
        amount.map(|amount_minor| Price {
            amount_minor,
            currency: currency.clone(),
        })
    };
    let techniques: Vec<String> = f
        .techniques
        .iter()
        .chain(&f.equipment)
        .chain(&f.accreditation)
        .flatten()
        .cloned()
        .collect();
    ListingDocument {
        id: format!("listing-{index}"),
        kind: generated.kind.as_str().into(),
        language: f.language.clone().unwrap_or_else(|| "en".into()),
        title: f.title.clone().unwrap_or_default(),
        summary: f.summary.clone().unwrap_or_default(),
        description: f.description.clone().unwrap_or_default(),
        topics: f.topics.clone().unwrap_or_default(),
        topic_codes: f.topic_codes.clone().unwrap_or_default(),
        techniques,
        organisation_id: format!("organisation-{}", generated.organisation),
        organisation_name: organisation.name.clone(),
        organisation_kind: organisation
            .kind
            .map(|k| k.as_str().to_owned())
            .unwrap_or_default(),
        verified: false,
        country: f.country.clone().unwrap_or_default(),
        region: f.region.clone(),
        city: f.city.clone(),
        location: match (f.latitude, f.longitude) {
            (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
            _ => None,
        },
        engagement_modes: f
            .engagement_modes
            .iter()
            .flatten()
            .map(|m| m.as_str().to_owned())
            .collect(),
        space_type: f.space_type.map(|s| s.as_str().to_owned()),
        headline_price: price(f.price_from.or(f.external_price_from).or(f.monthly_price)),
        capacity: f.capacity.and_then(|c| u32::try_from(c).ok()),
        area_m2: f.area_m2.and_then(|a| u32::try_from(a).ok()),
        trl_min: f.trl_min.and_then(|t| u8::try_from(t).ok()),
        trl_max: f.trl_max.and_then(|t| u8::try_from(t).ok()),
        available_from: f.available_from,
        available_until: f.available_until,
        published_at: now,
        updated_at: now,
        expires_at: f.expires_at.unwrap_or(now + Days::days(365)),
    }
}

struct PerListing {
    /// This thread's CPU time: what the percolator costs, whatever else the machine runs.
    cpu: Duration,
    wall: Duration,
    candidates: usize,
    matches: usize,
    anchored_entries: usize,
    clauses_decided: usize,
    keys: [usize; 3],
}

fn summary(label: &str, mut values: Vec<usize>) {
    values.sort_unstable();
    let mean = values.iter().sum::<usize>() as f64 / values.len().max(1) as f64;
    println!(
        "{label} per listing: mean {mean:.1}, p50 {}, p99 {}, max {}",
        percentile(&values, 50.0),
        percentile(&values, 99.0),
        values.last().copied().unwrap_or_default()
    );
}

#[allow(clippy::expect_used)]
fn main() {
    let size = std::env::var("PONTE_BENCH_SAVED_SEARCHES")
        .map(|text| CorpusSize::parse(&text).expect("PONTE_BENCH_SAVED_SEARCHES: 10k, 100k or 1m"))
        .unwrap_or(CorpusSize::Small10k);
    let baseline_listings: usize = std::env::var("PONTE_BENCH_BASELINE_LISTINGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let new_listings: u64 = std::env::var("PONTE_BENCH_LISTINGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let corpus = Corpus::new(SEED);
    let saved_searches = size.saved_searches();

    // As the server does from its index at start-up: how common words are among the
    // listings already published (here a sample of them), so that each saved search is
    // filed under its rarest words.
    let sample: Vec<ListingDocument> = (0..STATISTICS_SAMPLE.min(size.listings()))
        .map(|i| document(&corpus, i, corpus.listing(i)))
        .collect();
    let statistics = WordStatistics::from_listings(&sample);
    println!(
        "word statistics: {} words counted over {} published listings",
        statistics.words(),
        statistics.listings()
    );
    drop(sample);

    let resident_before = resident_bytes();
    let started = Instant::now();
    let mut percolator = Percolator::new();
    percolator.use_word_statistics(statistics);
    let mut refused = 0;
    for i in 0..saved_searches {
        match saved_search_request(&corpus.saved_search(i).search) {
            Ok(request) => percolator.upsert(&format!("saved-search-{i}"), request),
            Err(_) => refused += 1,
        }
    }
    // As the server does once its start-up load is done.
    percolator.shrink_to_fit();
    let load_time = started.elapsed();
    let resident_growth = resident_bytes().saturating_sub(resident_before);
    println!(
        "saved searches: {} loaded ({refused} refused by validation) in {:.1} s",
        percolator.len(),
        load_time.as_secs_f64()
    );
    println!(
        "shared: {} templates (saved searches with the same clauses and anchoring filter), \
         {} distinct clauses, {} distinct filter sets",
        percolator.templates(),
        percolator.clauses(),
        percolator.filter_sets()
    );
    println!(
        "saved-search structures: {:.1} MB counted, {:.1} MB resident-set growth",
        percolator.structure_bytes() as f64 / 1e6,
        resident_growth as f64 / 1e6
    );

    let first_unseen = size.listings();
    let listings: Vec<ListingDocument> = (first_unseen..first_unseen + new_listings)
        .map(|i| document(&corpus, i, corpus.listing(i)))
        .collect();

    // Warm-up: fill caches and the glossary before timing.
    for listing in listings.iter().take(100) {
        percolator
            .percolate(listing, Utc::now())
            .expect("matching in memory");
    }

    let mut measured = Vec::with_capacity(listings.len());
    for listing in &listings {
        let at = Utc::now();
        let started = Instant::now();
        let cpu_started = ThreadTime::now();
        let outcome = percolator
            .percolate(listing, at)
            .expect("matching in memory");
        measured.push(PerListing {
            cpu: cpu_started.elapsed(),
            wall: started.elapsed(),
            candidates: outcome.candidates,
            matches: outcome.matches.len(),
            anchored_entries: outcome.anchored_entries,
            clauses_decided: outcome.clauses_decided,
            keys: [
                outcome.listing_keys,
                outcome.keys_looked_up,
                outcome.keys_found,
            ],
        });
    }
    for (clock, times) in [
        ("CPU time", measured.iter().map(|m| m.cpu).collect()),
        ("wall time", measured.iter().map(|m| m.wall).collect()),
    ] {
        let spread = Spread::of(times);
        println!(
            "one thread, {} listings, {clock}: p50 {} ms, p90 {} ms, p99 {} ms, max {} ms ({:.0} listings/s)",
            spread.count,
            ms(spread.p50),
            ms(spread.p90),
            ms(spread.p99),
            ms(spread.max),
            spread.per_second
        );
    }
    summary(
        "candidates (templates verified)",
        measured.iter().map(|m| m.candidates).collect(),
    );
    summary("matches", measured.iter().map(|m| m.matches).collect());
    summary(
        "anchor-list entries looked at",
        measured.iter().map(|m| m.anchored_entries).collect(),
    );
    for (label, at) in [
        ("listing keys", 0),
        ("keys looked up in the anchor map", 1),
        ("keys found there", 2),
    ] {
        summary(label, measured.iter().map(|m| m.keys[at]).collect());
    }
    summary(
        "clauses decided",
        measured.iter().map(|m| m.clauses_decided).collect(),
    );

    // Two threads share the percolator read-only, as the matching worker's blocking
    // tasks do behind their read lock.
    let started = Instant::now();
    let (left, right) = listings.split_at(listings.len() / 2);
    std::thread::scope(|scope| {
        for half in [left, right] {
            let percolator = &percolator;
            scope.spawn(move || {
                for listing in half {
                    percolator
                        .percolate(listing, Utc::now())
                        .expect("matching in memory");
                }
            });
        }
    });
    let elapsed = started.elapsed();
    println!(
        "two threads: {} listings in {:.2} s = {:.0} listings/s",
        listings.len(),
        elapsed.as_secs_f64(),
        listings.len() as f64 / elapsed.as_secs_f64()
    );

    // Baseline: the straightforward matcher on a sample, on the first 10,000 saved
    // searches; it must agree with the percolator on those.
    let baseline_searches = BASELINE_SEARCHES.min(saved_searches);
    let straightforward = StraightforwardMatcher::default();
    for i in 0..baseline_searches {
        if let Ok(request) = saved_search_request(&corpus.saved_search(i).search) {
            straightforward.upsert(&format!("saved-search-{i}"), request);
        }
    }
    let in_baseline = |id: &String| {
        id.strip_prefix("saved-search-")
            .and_then(|n| n.parse::<u64>().ok())
            .is_some_and(|n| n < baseline_searches)
    };
    let mut baseline_times = Vec::new();
    for listing in listings.iter().take(baseline_listings) {
        let started = Instant::now();
        let mut expected = straightforward
            .matching(listing)
            .expect("matching in memory");
        baseline_times.push(started.elapsed());
        expected.sort_unstable();
        let mut found: Vec<String> = percolator
            .percolate(listing, Utc::now())
            .expect("matching in memory")
            .matches
            .into_iter()
            .filter(in_baseline)
            .collect();
        found.sort_unstable();
        assert_eq!(found, expected, "{}: the matchers disagree", listing.id);
    }
    baseline_times.sort_unstable();
    let median = percentile(&baseline_times, 50.0);
    let per_million = median.as_secs_f64() * 1_000_000.0 / baseline_searches as f64;
    println!(
        "straightforward matcher, {} listings x {} saved searches: p50 {} ms per listing \
         (extrapolated: {:.1} s per listing at {} saved searches, {:.0} s at 1M); same matches",
        baseline_times.len(),
        baseline_searches,
        ms(median),
        per_million * saved_searches as f64 / 1_000_000.0,
        saved_searches,
        per_million
    );
}
