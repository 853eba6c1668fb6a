//! The percolator must give exactly the answers of asking each saved search in turn
//! (search against a one-listing index). A seeded random walk over listings and saved
//! searches — words, phrases, OR, groups, exclusions, stop words, typos, synonyms, five
//! languages, filters and places — checks that, plus the upkeep of the anchor index.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::model::GeoPoint;
use chrono::TimeZone;

/// xorshift64*: a tiny deterministic generator, so a failure replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len()))
            .copied()
            .unwrap_or_default()
    }
}

const WORDS: &[&str] = &[
    "laser",
    "cutting",
    "fatigue",
    "testing",
    "tests",
    "carbon",
    "fibre",
    "composites",
    "spectroscopy",
    "microscopy",
    "electron",
    "scanning",
    "printing",
    "additive",
    "manufacturing",
    "3D",
    "stampa",
    "prove",
    "fatica",
    "materiali",
    "materiale",
    "laboratorio",
    "Prüfstand",
    "Werkstoffe",
    "ensayos",
    "fabrication",
    "robotics",
    "vision",
    "clean",
    "room",
    "bioreactor",
    "chromatography",
    "mass",
    "spectrometry",
    "SEM",
    "HPLC",
    "XRD",
    "the",
    "di",
    "and",
    "for",
    "città",
    "analysis",
    "analisi",
    "sensor",
    "sensors",
    "drone",
    "wind",
    "tunnel",
];

const LANGUAGES: &[&str] = &["en", "it", "de", "fr", "es", "xx"];
const KINDS: &[&str] = &["facility", "expertise", "space"];
const REGIONS: &[&str] = &["Emilia-Romagna", "Lombardia", "Piemonte", "Bayern"];
const PLACES: &[GeoPoint] = &[
    GeoPoint {
        lat: 44.4949,
        lon: 11.3426,
    },
    GeoPoint {
        lat: 45.4642,
        lon: 9.19,
    },
    GeoPoint {
        lat: 48.1351,
        lon: 11.582,
    },
];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

/// A word as a person might type it: sometimes with one or two typos.
fn typed_word(rng: &mut Rng) -> String {
    let word = rng.pick(WORDS).to_string();
    if !rng.chance(20) {
        return word;
    }
    let mut chars: Vec<char> = word.chars().collect();
    for _ in 0..1 + rng.below(2) {
        let n = chars.len();
        if n < 2 {
            break;
        }
        let at = rng.below(n - 1);
        match rng.below(4) {
            0 => chars.swap(at, at + 1),
            1 => {
                chars.remove(at);
            }
            2 => chars.insert(at, 'e'),
            _ => {
                if let Some(c) = chars.get_mut(at) {
                    *c = 'a';
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// Between `fewest` and `fewest + spread - 1` words.
fn text(rng: &mut Rng, fewest: usize, spread: usize) -> String {
    let words = fewest + rng.below(spread);
    (0..words)
        .map(|_| typed_word(rng))
        .collect::<Vec<_>>()
        .join(" ")
}

fn random_listing(rng: &mut Rng, id: usize) -> ListingDocument {
    let place = rng.below(PLACES.len());
    ListingDocument {
        id: format!("listing-{id}"),
        kind: rng.pick(KINDS).into(),
        language: rng.pick(LANGUAGES).into(),
        title: text(rng, 2, 4),
        summary: text(rng, 0, 8),
        description: text(rng, 0, 12),
        topics: {
            let count = rng.below(3);
            (0..count).map(|_| text(rng, 1, 3)).collect()
        },
        topic_codes: Vec::new(),
        techniques: {
            let count = rng.below(2);
            (0..count).map(|_| text(rng, 1, 2)).collect()
        },
        organisation_id: "org".into(),
        organisation_name: text(rng, 1, 2),
        organisation_kind: "university".into(),
        verified: rng.chance(50),
        country: if place == 2 { "DE" } else { "IT" }.into(),
        region: rng.chance(80).then(|| rng.pick(REGIONS).into()),
        city: None,
        location: PLACES.get(place).copied(),
        engagement_modes: Vec::new(),
        space_type: None,
        headline_price: None,
        capacity: None,
        area_m2: None,
        trl_min: None,
        trl_max: None,
        available_from: None,
        available_until: None,
        published_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        updated_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        expires_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    }
}

fn unit(rng: &mut Rng, depth: usize) -> String {
    match rng.below(10) {
        0 | 1 => format!("\"{}\"", text(rng, 2, 2)),
        2 if depth < 2 => format!("({})", query(rng, depth + 1)),
        3 => "carbon-fibre".into(),
        _ => typed_word(rng),
    }
}

fn query(rng: &mut Rng, depth: usize) -> String {
    let mut clauses = Vec::new();
    for _ in 0..rng.below(4) {
        let clause = match rng.below(10) {
            0 | 1 => format!("-{}", unit(rng, depth)),
            2 | 3 => format!("{} OR {}", unit(rng, depth), unit(rng, depth)),
            _ => unit(rng, depth),
        };
        clauses.push(clause);
    }
    clauses.join(" ")
}

fn random_search(rng: &mut Rng) -> SearchRequest {
    let mut request = SearchRequest {
        // Saved searches are finished queries: the trailing space turns completion off.
        query: format!("{} ", query(rng, 0)),
        limit: 10,
        now: now(),
        ..SearchRequest::default()
    };
    if rng.chance(20) {
        request.kinds = vec![rng.pick(KINDS).into()];
    }
    if rng.chance(15) {
        request.regions = vec![rng.pick(REGIONS).into()];
    }
    if rng.chance(10) {
        request.countries = vec!["IT".into()];
    }
    if rng.chance(10) {
        request.verified = Some(true);
    }
    if rng.chance(10)
        && let Some(place) = PLACES.get(rng.below(PLACES.len()))
    {
        request.near = Some((*place, 50.0));
    }
    request
}

fn straightforward(searches: &[(String, SearchRequest)], listing: &ListingDocument) -> Vec<String> {
    let index = SearchIndex::of_one_listing(listing).unwrap();
    let mut found: Vec<String> = searches
        .iter()
        .filter(|(_, request)| index.any_match(request).unwrap_or(false))
        .map(|(id, _)| id.clone())
        .collect();
    found.sort_unstable();
    found
}

#[test]
fn percolator_matches_exactly_what_asking_each_saved_search_matches() {
    let mut rng = Rng(0x005e_ed0f_9e1c_0a7e);
    let searches: Vec<(String, SearchRequest)> = (0..400)
        .map(|i| (format!("search-{i:03}"), random_search(&mut rng)))
        .collect();
    let mut percolator = Percolator::new();
    for (id, request) in &searches {
        percolator.upsert(id, request.clone());
    }
    assert_eq!(percolator.len(), searches.len());
    let mut total_matches = 0;
    let mut total_candidates = 0;
    for i in 0..60 {
        let found = percolate_as_asked(&percolator, &searches, random_listing(&mut rng, i));
        assert!(found.candidates <= percolator.templates() + 1);
        total_matches += found.matches.len();
        total_candidates += found.candidates;
    }
    // The walk must exercise both outcomes, and anchoring must narrow things even with
    // this small vocabulary (every listing holds a good part of it; a quarter of the
    // saved searches are filter-only or empty).
    assert!(
        total_matches > 20,
        "too few matches to prove much: {total_matches}"
    );
    assert!(
        total_candidates < 60 * searches.len() * 3 / 4,
        "anchors select too much: {total_candidates} candidates"
    );

    // Saved searches share templates, clauses and filters: removing and replacing some
    // must leave the others' answers intact.
    let mut searches = searches;
    for (i, (id, request)) in searches.iter_mut().enumerate() {
        if i % 5 == 0 {
            *request = random_search(&mut rng);
            percolator.upsert(id, request.clone());
        }
    }
    let (kept, removed): (Vec<_>, Vec<_>) = searches
        .into_iter()
        .enumerate()
        .partition(|(i, _)| i % 3 != 0);
    for (_, (id, _)) in &removed {
        percolator.remove(id);
    }
    let mut searches: Vec<(String, SearchRequest)> = kept.into_iter().map(|(_, s)| s).collect();
    assert_eq!(percolator.len(), searches.len());
    // Renumbering after a load must keep every saved search reachable, and slots
    // freed before it must not be reused wrongly after it.
    percolator.shrink_to_fit();
    for (_, (id, request)) in removed.iter().take(20) {
        percolator.upsert(id, request.clone());
        searches.push((id.clone(), request.clone()));
    }
    let dropped = searches.swap_remove(3);
    percolator.remove(&dropped.0);
    assert_eq!(percolator.len(), searches.len());
    for i in 60..90 {
        percolate_as_asked(&percolator, &searches, random_listing(&mut rng, i));
    }
}

/// Percolates `listing`, its matches sorted (the percolator gives them in no order).
fn percolate_sorted(percolator: &Percolator, listing: &ListingDocument) -> Percolation {
    let mut found = percolator.percolate(listing, now()).unwrap();
    found.matches.sort_unstable();
    found
}

/// Percolates `listing`, asserting the matches are those of asking each saved search.
fn percolate_as_asked(
    percolator: &Percolator,
    searches: &[(String, SearchRequest)],
    listing: ListingDocument,
) -> Percolation {
    let expected = straightforward(searches, &listing);
    let found = percolate_sorted(percolator, &listing);
    assert_eq!(
        found.matches, expected,
        "listing {listing:?}: percolator and straightforward matcher disagree"
    );
    found
}

#[test]
fn typos_synonyms_and_stems_still_select_the_saved_search() {
    let mut percolator = Percolator::new();
    let search = |query: &str| SearchRequest {
        query: format!("{query} "),
        limit: 10,
        now: now(),
        ..SearchRequest::default()
    };
    percolator.upsert("typo", search("spectroscpy"));
    percolator.upsert("synonym", search("\"additive manufacturing\""));
    percolator.upsert("stem", search("materiale"));
    percolator.upsert("unrelated", search("bioreactor"));
    let mut rng = Rng(7);
    let mut listing = random_listing(&mut rng, 1);
    listing.language = "it".into();
    listing.title = "Spectroscopy and stampa 3D".into();
    listing.summary = "Prove sui materiali".into();
    listing.description = String::new();
    listing.topics.clear();
    listing.techniques.clear();
    listing.organisation_name = "Ateneo".into();
    let found = percolate_sorted(&percolator, &listing);
    assert_eq!(found.matches, vec!["stem", "synonym", "typo"]);
    assert_eq!(
        found.candidates, 3,
        "the unrelated saved search is not even a candidate"
    );
}

#[test]
fn replaced_and_removed_saved_searches_stop_matching() {
    let mut percolator = Percolator::new();
    let search = |query: &str, regions: Vec<String>| SearchRequest {
        query: format!("{query} "),
        regions,
        limit: 10,
        now: now(),
        ..SearchRequest::default()
    };
    percolator.upsert("a", search("laser", Vec::new()));
    percolator.upsert("b", search("", vec!["Lombardia".into()]));
    percolator.upsert("c", search("", Vec::new()));
    let mut rng = Rng(11);
    let mut listing = random_listing(&mut rng, 1);
    listing.title = "Laser cutting".into();
    listing.region = Some("Lombardia".into());
    let found = percolate_sorted(&percolator, &listing);
    assert_eq!(found.matches, vec!["a", "b", "c"]);

    percolator.upsert("a", search("bioreactor", Vec::new()));
    percolator.remove("c");
    let found = percolate_sorted(&percolator, &listing);
    assert_eq!(found.matches, vec!["b"]);
    assert_eq!(percolator.len(), 2);

    listing.region = Some("Piemonte".into());
    let found = percolate_sorted(&percolator, &listing);
    assert!(found.matches.is_empty());
    assert_eq!(
        found.candidates, 0,
        "a region filter anchors a filter-only search"
    );
}
