//! Behaviour tests of the whole index: what a person typing a query gets back. They use
//! a small hand-written catalogue in RAM, and a temporary directory for persistence.
//! They deliberately do not measure speed (benchmarks do that).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::*;
use chrono::{NaiveDate, TimeZone};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const BOLOGNA: GeoPoint = GeoPoint {
    lat: 44.4949,
    lon: 11.3426,
};
const MILAN: GeoPoint = GeoPoint {
    lat: 45.4642,
    lon: 9.19,
};
const TURIN: GeoPoint = GeoPoint {
    lat: 45.0703,
    lon: 7.6869,
};
const MODENA: GeoPoint = GeoPoint {
    lat: 44.6471,
    lon: 10.9252,
};
const MUNICH: GeoPoint = GeoPoint {
    lat: 48.1351,
    lon: 11.582,
};

fn eur(amount_minor: i64) -> Option<Price> {
    Some(Price {
        amount_minor,
        currency: "EUR".into(),
    })
}

fn listing(id: &str, language: &str, title: &str, summary: &str) -> ListingDocument {
    ListingDocument {
        id: id.into(),
        kind: "facility".into(),
        language: language.into(),
        title: title.into(),
        summary: summary.into(),
        description: String::new(),
        topics: Vec::new(),
        topic_codes: Vec::new(),
        techniques: Vec::new(),
        organisation_id: "org-1".into(),
        organisation_name: "Ateneo".into(),
        organisation_kind: "university".into(),
        verified: false,
        country: "IT".into(),
        region: None,
        city: None,
        location: None,
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

fn published(month: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, month, 1, 0, 0, 0).unwrap()
}

fn catalogue() -> Vec<ListingDocument> {
    vec![
        ListingDocument {
            description: "Our Zeiss microscope images fracture surfaces of metals and polymers."
                .into(),
            topics: vec!["Microscopy".into(), "Materials science".into()],
            topic_codes: vec!["/23/45".into()],
            techniques: vec!["SEM".into(), "EDX".into()],
            organisation_name: "Università di Bologna".into(),
            verified: true,
            region: Some("Emilia-Romagna".into()),
            city: Some("Bologna".into()),
            location: Some(BOLOGNA),
            headline_price: eur(12_000),
            trl_min: Some(2),
            trl_max: Some(4),
            published_at: published(2),
            ..listing(
                "sem",
                "en",
                "Scanning electron microscopy lab",
                "Electron imaging and EDX analysis of metal parts.",
            )
        },
        ListingDocument {
            topics: vec!["Additive manufacturing".into()],
            organisation_kind: "research_centre".into(),
            organisation_name: "Politecnico Lab".into(),
            region: Some("Lombardia".into()),
            city: Some("Milano".into()),
            location: Some(MILAN),
            headline_price: eur(50_000),
            trl_min: Some(5),
            trl_max: Some(7),
            published_at: published(3),
            ..listing(
                "am",
                "en",
                "Additive manufacturing of titanium parts",
                "Laser powder bed fusion for aerospace parts.",
            )
        },
        ListingDocument {
            kind: "expertise".into(),
            topics: vec!["Corrosione".into()],
            engagement_modes: vec!["consultancy".into(), "contract_research".into()],
            region: Some("Piemonte".into()),
            city: Some("Torino".into()),
            location: Some(TURIN),
            published_at: published(4),
            ..listing(
                "corr",
                "it",
                "Studio della corrosione dei metalli",
                "Analisi di corrosione su leghe metalliche e consulenza alle imprese.",
            )
        },
        ListingDocument {
            region: Some("Emilia-Romagna".into()),
            city: Some("Modena".into()),
            location: Some(MODENA),
            headline_price: eur(30_000),
            published_at: published(5),
            ..listing(
                "labit",
                "it",
                "Laboratorio di prove meccaniche",
                "Prove di fatica e di trazione su materiali compositi in fibra di carbonio.",
            )
        },
        ListingDocument {
            kind: "expertise".into(),
            country: "DE".into(),
            region: Some("Bayern".into()),
            city: Some("München".into()),
            location: Some(MUNICH),
            headline_price: Some(Price {
                amount_minor: 5_000,
                currency: "CHF".into(),
            }),
            engagement_modes: vec!["consultancy".into()],
            published_at: published(1),
            ..listing(
                "laser",
                "en",
                "Laser cutting and plasma cutting",
                "Cutting of sheet metal for small firms.",
            )
        },
        ListingDocument {
            kind: "space".into(),
            space_type: Some("private_office".into()),
            organisation_kind: "incubator".into(),
            capacity: Some(4),
            area_m2: Some(20),
            headline_price: eur(45_000),
            available_from: Some(day(2025, 7, 1)),
            available_until: Some(day(2025, 12, 31)),
            city: Some("Bologna".into()),
            location: Some(BOLOGNA),
            published_at: published(6),
            ..listing(
                "office",
                "en",
                "Private office in the incubator",
                "A quiet room for four people.",
            )
        },
        ListingDocument {
            kind: "space".into(),
            space_type: Some("hot_desk".into()),
            organisation_kind: "incubator".into(),
            capacity: Some(1),
            headline_price: eur(20_000),
            available_until: Some(day(2025, 5, 31)),
            city: Some("Bologna".into()),
            location: Some(BOLOGNA),
            published_at: published(5),
            ..listing(
                "desk",
                "it",
                "Scrivania in coworking",
                "Postazione in un open space luminoso.",
            )
        },
        ListingDocument {
            expires_at: Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).unwrap(),
            ..listing(
                "expired",
                "en",
                "Scanning electron microscopy services",
                "Old offer.",
            )
        },
        ListingDocument {
            published_at: published(2),
            ..listing(
                "alu",
                "en",
                "Aluminium casting",
                "Sand casting of light alloys.",
            )
        },
        ListingDocument {
            kind: "expertise".into(),
            trl_min: Some(7),
            trl_max: Some(9),
            published_at: published(3),
            ..listing(
                "ml",
                "en",
                "Machine learning for predictive maintenance",
                "Models that warn before machines fail.",
            )
        },
        ListingDocument {
            country: "FR".into(),
            published_at: published(4),
            ..listing(
                "fr",
                "fr",
                "Essais mécaniques",
                "Essais de fatigue sur éprouvettes métalliques.",
            )
        },
        ListingDocument {
            published_at: published(1),
            ..listing(
                "w1",
                "en",
                "Welding robots",
                "Robotic cells for small batches.",
            )
        },
        ListingDocument {
            published_at: published(1),
            ..listing(
                "w2",
                "en",
                "Wedding robots",
                "Robotic cells for small batches.",
            )
        },
    ]
}

fn index() -> SearchIndex {
    let index = SearchIndex::create_in_ram().unwrap();
    index.apply(&catalogue(), &[], 1).unwrap();
    index
}

fn request(query: &str) -> SearchRequest {
    SearchRequest {
        query: query.into(),
        limit: 20,
        now: now(),
        ..SearchRequest::default()
    }
}

/// The same request asked by people (API, portal, chat) rather than a saved search.
fn people_request(query: &str) -> SearchRequest {
    SearchRequest {
        for_people: true,
        ..request(query)
    }
}

fn ids(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|h| h.id.as_str()).collect()
}

fn search_ids(index: &SearchIndex, query: &str) -> Vec<String> {
    index
        .search(&request(query))
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn kind_of(hit: &Hit, term: &str) -> Option<MatchKind> {
    let kinds: Vec<MatchKind> = hit
        .matched
        .iter()
        .filter(|m| m.query_term == term)
        .map(|m| m.kind)
        .collect();
    [
        MatchKind::Exact,
        MatchKind::Stemmed,
        MatchKind::Synonym,
        MatchKind::Typo,
        MatchKind::Prefix,
    ]
    .into_iter()
    .find(|k| kinds.contains(k))
}

fn hit<'a>(results: &'a SearchResults, id: &str) -> &'a Hit {
    results
        .hits
        .iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("{id} not in {:?}", ids(results)))
}

#[test]
fn word_forms_kept_from_earlier_searches_change_no_answer() {
    let questions = [
        "laser cutting",
        "fibre laser for carbon-fibre parts",
        "stampa 3D",
        "clean room bench",
    ];
    let fresh: Vec<SearchResults> = questions
        .iter()
        .map(|q| index().search(&people_request(q)).unwrap())
        .collect();
    let shared = index();
    for _ in 0..2 {
        for (question, alone) in questions.iter().zip(&fresh) {
            assert!(!alone.hits.is_empty(), "{question} finds nothing");
            assert_eq!(&shared.search(&people_request(question)).unwrap(), alone);
        }
    }
}

#[test]
fn typo_candidates_follow_the_index_as_it_changes() {
    let index = index();
    let typed = people_request("zirconya");
    assert!(index.search(&typed).unwrap().hits.is_empty());
    let ceramics = listing(
        "ceramics",
        "en",
        "Zirconia ceramics lab",
        "Sintering and testing of technical ceramics.",
    );
    index.apply(&[ceramics], &[], 2).unwrap();
    let found = index.search(&typed).unwrap();
    assert_eq!(ids(&found), vec!["ceramics"]);
    assert_eq!(
        kind_of(hit(&found, "ceramics"), "zirconya"),
        Some(MatchKind::Typo)
    );
}

#[test]
fn search_index_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SearchIndex>();
}

#[test]
fn finds_by_title_word() {
    let index = index();
    let results = index.search(&request("microscopy ")).unwrap();
    assert_eq!(ids(&results), vec!["sem"]);
    assert_eq!(results.total, 1);
    assert_eq!(
        kind_of(&results.hits[0], "microscopy"),
        Some(MatchKind::Exact)
    );
}

#[test]
fn typos_follow_word_length() {
    let index = index();
    let results = index.search(&request("microscpy ")).unwrap();
    assert_eq!(ids(&results), vec!["sem"]);
    assert_eq!(
        kind_of(&results.hits[0], "microscpy"),
        Some(MatchKind::Typo)
    );
    // Four letters: no typo allowed, and "lasr" is no prefix of "laser".
    assert!(search_ids(&index, "lasr").is_empty());
    assert!(search_ids(&index, "lasr ").is_empty());
    // One edit from five letters.
    assert!(search_ids(&index, "fatige ").contains(&"fr".to_string()));
    // Spelling variants are found (glossary and typo tolerance both cover this one).
    assert_eq!(search_ids(&index, "aluminum "), vec!["alu"]);
    assert_eq!(search_ids(&index, "aluminim "), vec!["alu"]);
}

#[test]
fn last_word_is_completed_while_typing() {
    let index = index();
    let results = index.search(&request("electron microsc")).unwrap();
    assert_eq!(ids(&results), vec!["sem"]);
    assert_eq!(
        kind_of(&results.hits[0], "microsc"),
        Some(MatchKind::Prefix)
    );
    // A trailing space means the word is finished.
    assert!(search_ids(&index, "microsc ").is_empty());
    // Quoted or excluded words are never completed.
    assert!(search_ids(&index, "\"microsc\"").is_empty());
}

#[test]
fn synonyms_from_the_glossary() {
    let index = index();
    let results = index.search(&request("3D printing ")).unwrap();
    assert_eq!(ids(&results), vec!["am"]);
    assert_eq!(
        kind_of(&results.hits[0], "3d printing"),
        Some(MatchKind::Synonym)
    );
    assert_eq!(search_ids(&index, "stampa 3D "), vec!["am"]);
    let rust = index.search(&request("rust ")).unwrap();
    assert_eq!(ids(&rust), vec!["corr"]);
    assert_eq!(kind_of(&rust.hits[0], "rust"), Some(MatchKind::Synonym));
    assert_eq!(
        search_ids(&index, "\"scanning electron microscope\""),
        vec!["sem"]
    );
    assert!(search_ids(&index, "carbon fiber ").contains(&"labit".to_string()));
}

#[test]
fn italian_stemming_and_english_queries_for_italian_listings() {
    let index = index();
    let results = index.search(&request("laboratori ")).unwrap();
    assert!(ids(&results).contains(&"labit"));
    assert_eq!(
        kind_of(hit(&results, "labit"), "laboratori"),
        Some(MatchKind::Stemmed)
    );
    // "fatigue testing" is in the glossary with "prove di fatica".
    let results = index.search(&request("fatigue testing ")).unwrap();
    assert!(ids(&results).contains(&"labit"), "{:?}", ids(&results));
    // Word by word through the glossary: corrosion ~ corrosione, consultancy ~ consulenza.
    let results = index.search(&request("corrosion consultancy ")).unwrap();
    assert_eq!(ids(&results), vec!["corr"]);
    assert_eq!(
        kind_of(&results.hits[0], "consultancy"),
        Some(MatchKind::Synonym)
    );
}

#[test]
fn french_german_and_spanish_listings_are_stemmed_and_folded() {
    let index = SearchIndex::create_in_ram().unwrap();
    index
        .apply(
            &[
                listing(
                    "fr",
                    "fr",
                    "Essais mécaniques",
                    "Nous réalisons des essais de fatigue.",
                ),
                listing(
                    "de",
                    "de",
                    "Werkstoffprüfungen",
                    "Prüfungen von Bauteilen aus Kunststoffen.",
                ),
                listing(
                    "es",
                    "es",
                    "Ensayos de materiales",
                    "Análisis térmicos de polímeros.",
                ),
            ],
            &[],
            1,
        )
        .unwrap();
    // Singular and plural meet through each language's stemmer; accents fold away.
    assert_eq!(search_ids(&index, "essai mecanique "), vec!["fr"]);
    assert_eq!(search_ids(&index, "werkstoffprufung "), vec!["de"]);
    assert_eq!(search_ids(&index, "Kunststoff "), vec!["de"]);
    assert_eq!(search_ids(&index, "ensayo material "), vec!["es"]);
    assert_eq!(search_ids(&index, "analisis termico "), vec!["es"]);
    let results = index.search(&request("ensayo ")).unwrap();
    assert_eq!(
        kind_of(hit(&results, "es"), "ensayo"),
        Some(MatchKind::Stemmed)
    );
}

#[test]
fn exact_ranks_above_typo_prefix_and_synonym() {
    let index = index();
    let results = index.search(&request("welding ")).unwrap();
    assert_eq!(ids(&results), vec!["w1", "w2"]);
    assert_eq!(kind_of(&results.hits[1], "welding"), Some(MatchKind::Typo));
    assert!(results.hits[0].score > results.hits[1].score);

    let extra = ListingDocument {
        published_at: published(1),
        ..listing("micro", "en", "Micro machining", "Tiny parts.")
    };
    index.apply(&[extra], &[], 2).unwrap();
    let results = index.search(&request("micro")).unwrap();
    assert_eq!(ids(&results), vec!["micro", "sem"]);
    assert_eq!(
        kind_of(hit(&results, "sem"), "micro"),
        Some(MatchKind::Prefix)
    );

    let extra = ListingDocument {
        published_at: published(1),
        ..listing("corr-en", "en", "Corrosion studies", "Salt spray chamber.")
    };
    index.apply(&[extra], &[], 3).unwrap();
    let results = index.search(&request("corrosion ")).unwrap();
    assert_eq!(ids(&results), vec!["corr-en", "corr"]);
    assert_ne!(
        kind_of(&results.hits[1], "corrosion"),
        Some(MatchKind::Exact)
    );
}

#[test]
fn every_plain_word_must_match_but_stop_words_are_optional() {
    let index = index();
    assert_eq!(search_ids(&index, "titanium parts "), vec!["am"]);
    assert!(search_ids(&index, "titanium banana ").is_empty());
    // "the" and "in" are stop words: they do not have to be in the listing.
    assert_eq!(search_ids(&index, "the titanium "), vec!["am"]);
}

#[test]
fn phrases_exclusions_and_or() {
    let index = index();
    assert_eq!(search_ids(&index, "\"sheet metal\""), vec!["laser"]);
    assert!(search_ids(&index, "\"metal sheet\"").is_empty());
    assert!(!search_ids(&index, "cutting -plasma").contains(&"laser".to_string()));
    assert!(!search_ids(&index, "cutting -\"plasma cutting\"").contains(&"laser".to_string()));
    let mut both = search_ids(&index, "titanium OR corrosione ");
    both.sort();
    assert_eq!(both, vec!["am", "corr"]);
    assert_eq!(
        search_ids(&index, "laser OR plasma cutting "),
        vec!["laser"]
    );
    assert_eq!(
        search_ids(&index, "(titanium OR corrosione) aerospace "),
        vec!["am"]
    );
    // Only exclusions: everything else, newest first.
    let rest = search_ids(&index, "-robots");
    assert!(!rest.contains(&"w1".to_string()) && rest.contains(&"sem".to_string()));
}

#[test]
fn phrases_do_not_run_from_one_field_into_the_next() {
    // All of a listing's text is indexed in one field (see `schema`); a phrase must
    // still be within one of its fields, as the percolator's verifier reads them.
    let index = SearchIndex::create_in_ram().unwrap();
    // The fields in the order they are indexed: title, topics and techniques,
    // summary, description.
    let mut split = listing("split", "en", "Innovation centre for", "Laser");
    split.topics = vec!["arts".into(), "welding".into()];
    split.techniques = vec!["robots".into()];
    split.description = "cutting services.".into();
    let whole = listing(
        "whole",
        "en",
        "Centre for arts",
        "Laser cutting and welding robots.",
    );
    index.apply(&[split, whole], &[], 1).unwrap();

    // Neutral words, stems with a stop word between them, and two topics.
    for phrase in [
        "\"laser cutting\"",
        "\"centre for arts\"",
        "\"welding robots\"",
    ] {
        assert_eq!(search_ids(&index, phrase), vec!["whole"], "{phrase}");
    }
    // Each word is still found wherever it is.
    assert_eq!(search_ids(&index, "laser cutting ").len(), 2);
}

/// The listings (addresses) and scores a text query finds, best first.
fn scored_matches(
    index: &SearchIndex,
    query: &dyn tantivy::query::Query,
) -> Vec<(tantivy::DocAddress, u32)> {
    let searcher = index.reader.searcher();
    let mut found: Vec<(tantivy::DocAddress, u32)> = searcher
        .search(
            query,
            &tantivy::collector::TopDocs::with_limit(1_000).order_by_score(),
        )
        .unwrap()
        .into_iter()
        .map(|(score, address)| (address, score.to_bits()))
        .collect();
    found.sort();
    found
}

#[test]
fn phrases_looked_up_by_word_pair_find_and_score_what_positions_do() {
    // Every phrase of two to four words in the catalogue's texts (neutral and stemmed),
    // and phrases spanning two values, with and without the pair fields.
    let mut listings = catalogue();
    let mut gaps = listing(
        "gaps",
        "it",
        "Valutazione del ciclo di vita per la stampa 3D",
        "Stampa 3D, stampa 3d e ancora stampa 3D del ciclo di vita",
    );
    gaps.description = format!("laser {} cutting laser cutting", "x".repeat(70));
    gaps.topics = vec!["laser".into(), "cutting".into(), "vita".into()];
    listings.push(gaps);
    let index = SearchIndex::create_in_ram().unwrap();
    index.apply(&listings, &[], 1).unwrap();
    let fields = &index.fields;
    let mut analyzers = Analyzers::new();
    // (the words' field and its pair field, the words with their relative positions)
    type Phrase = ((Field, Field), Vec<(usize, String)>);
    let mut phrases: Vec<Phrase> = Vec::new();
    let mut joined = Vec::new();
    for listing in &listings {
        for field in crate::schema::TextField::ALL {
            for value in field.values(listing) {
                joined.push(value.to_owned());
                let neutral: Vec<(usize, String)> = analyzers
                    .neutral_tokens(value)
                    .into_iter()
                    .map(|t| (t.position, t.text))
                    .collect();
                let stemmed: Vec<(usize, String)> = analyzers
                    .language_tokens(&listing.language, value)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| (t.position, t.text))
                    .collect();
                for (pair_fields, tokens) in [
                    ((fields.text, fields.text_pairs), neutral),
                    ((fields.text_stem, fields.text_stem_pairs), stemmed),
                ] {
                    for width in 2..=4 {
                        for window in tokens.windows(width) {
                            let first = window[0].0;
                            let words =
                                window.iter().map(|(p, w)| (p - first, w.clone())).collect();
                            phrases.push((pair_fields, words));
                        }
                    }
                }
            }
        }
    }
    // The last word of one value and the first of the next.
    for two in joined.windows(2) {
        let last = analyzers.neutral_tokens(&two[0]).pop();
        let first = analyzers.neutral_tokens(&two[1]).into_iter().next();
        if let (Some(last), Some(first)) = (last, first) {
            phrases.push((
                (fields.text, fields.text_pairs),
                vec![(0, last.text), (1, first.text)],
            ));
        }
    }
    assert!(phrases.len() > 500, "{} phrases", phrases.len());
    let mut led_by_pairs = 0;
    let mut found_somewhere = 0;
    for ((field, pair_field), words) in &phrases {
        let borrowed: Vec<(usize, &str)> = words.iter().map(|(p, w)| (*p, w.as_str())).collect();
        let with_pairs =
            crate::compile::phrase_or_term((*field, *pair_field), borrowed.clone()).unwrap();
        let positions_alone = tantivy::query::PhraseQuery::new_with_offset(
            borrowed
                .iter()
                .map(|(p, w)| (*p, Term::from_field_text(*field, w)))
                .collect(),
        );
        let expected = scored_matches(&index, &positions_alone);
        assert_eq!(
            scored_matches(&index, with_pairs.as_ref()),
            expected,
            "{words:?}"
        );
        found_somewhere += usize::from(!expected.is_empty());
        let mut terms = 0;
        with_pairs.query_terms(&mut |term, _| terms += usize::from(term.field() == *pair_field));
        led_by_pairs += usize::from(terms > 0);
    }
    // The comparison means something: most phrases are found, and the two-word ones
    // (about a third; not stemmed ones with a stop word between) are looked up by pair.
    assert!(
        found_somewhere * 10 > phrases.len() * 9,
        "{found_somewhere} of {}",
        phrases.len()
    );
    assert!(
        led_by_pairs * 4 > phrases.len(),
        "{led_by_pairs} of {}",
        phrases.len()
    );
}

#[test]
fn empty_query_matches_all_newest_first_and_hides_expired() {
    let index = index();
    let results = index.search(&request("")).unwrap();
    assert_eq!(results.total, 12);
    assert_eq!(results.hits.first().map(|h| h.id.as_str()), Some("office"));
    assert!(!ids(&results).contains(&"expired"));
    assert!(
        search_ids(&index, "scanning electron microscopy ")
            .iter()
            .all(|id| id != "expired")
    );
}

#[test]
fn expiry_is_checked_per_segment_and_per_listing() {
    // One segment where every listing is still valid, one with an expired listing:
    // the collector may skip the check only for the first.
    let index = SearchIndex::create_in_ram().unwrap();
    let live = listing("live", "en", "Fatigue rig", "Coupons.");
    index.apply(&[live], &[], 1).unwrap();
    let mut gone = listing("gone", "en", "Fatigue lab", "Coupons.");
    gone.expires_at = now() - chrono::Duration::days(1);
    let soon = listing("soon", "en", "Fatigue bench", "Coupons.");
    index.apply(&[gone, soon], &[], 2).unwrap();
    let mut found = search_ids(&index, "fatigue ");
    found.sort_unstable();
    assert_eq!(found, vec!["live", "soon"]);
    // Once every listing has expired, none is found.
    let later = SearchRequest {
        now: Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(),
        ..request("fatigue ")
    };
    assert!(index.search(&later).unwrap().hits.is_empty());
}

#[test]
fn keyword_filters() {
    let index = index();
    let with = |f: &dyn Fn(&mut SearchRequest)| {
        let mut r = request("");
        f(&mut r);
        let mut v: Vec<String> = index
            .search(&r)
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        with(&|r| r.kinds = vec!["space".into()]),
        vec!["desk", "office"]
    );
    assert_eq!(
        with(&|r| r.kinds = vec!["space".into(), "Expertise".into()]).len(),
        5
    );
    assert_eq!(
        with(&|r| r.organisation_kinds = vec!["research_centre".into()]),
        vec!["am"]
    );
    assert_eq!(with(&|r| r.countries = vec!["de".into()]), vec!["laser"]);
    assert_eq!(
        with(&|r| r.regions = vec!["emilia romagna".into()]),
        vec!["labit", "sem"]
    );
    assert_eq!(with(&|r| r.cities = vec!["MUNCHEN".into()]), vec!["laser"]);
    assert_eq!(with(&|r| r.cities = vec!["torino".into()]), vec!["corr"]);
    assert_eq!(with(&|r| r.topics = vec!["microscopy".into()]), vec!["sem"]);
    assert_eq!(with(&|r| r.topics = vec!["/23/45".into()]), vec!["sem"]);
    assert_eq!(
        with(&|r| r.engagement_modes = vec!["consultancy".into()]),
        vec!["corr", "laser"]
    );
    assert_eq!(
        with(&|r| r.space_types = vec!["hot_desk".into()]),
        vec!["desk"]
    );
    assert_eq!(with(&|r| r.verified = Some(true)), vec!["sem"]);
    assert_eq!(with(&|r| r.verified = Some(false)).len(), 11);
    assert_eq!(with(&|r| r.min_capacity = Some(2)), vec!["office"]);
    assert_eq!(
        with(&|r| {
            r.kinds = vec!["space".into()];
            r.cities = vec!["bologna".into()];
            r.max_price = eur(30_000);
        }),
        vec!["desk"]
    );
}

#[test]
fn price_filter_only_compares_the_same_currency() {
    let index = index();
    let mut r = request("");
    r.max_price = eur(20_000);
    let mut found: Vec<String> = index
        .search(&r)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect();
    found.sort();
    // The CHF listing is cheaper in number but not in euros; it is left out.
    assert_eq!(found, vec!["desk", "sem"]);
    r.max_price = Some(Price {
        amount_minor: 10_000,
        currency: "chf".into(),
    });
    assert_eq!(ids(&index.search(&r).unwrap()), vec!["laser"]);
}

#[test]
fn availability_and_trl() {
    let index = index();
    let mut r = request("");
    r.kinds = vec!["space".into()];
    r.available_on = Some(day(2025, 8, 1));
    assert_eq!(ids(&index.search(&r).unwrap()), vec!["office"]);
    r.available_on = Some(day(2025, 5, 1));
    assert_eq!(ids(&index.search(&r).unwrap()), vec!["desk"]);
    r.available_on = Some(day(2025, 12, 31));
    assert_eq!(ids(&index.search(&r).unwrap()), vec!["office"]);

    let mut r = request("");
    r.trl_min = Some(4);
    r.trl_max = Some(5);
    let mut found: Vec<String> = index
        .search(&r)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect();
    found.sort();
    // sem (2–4) and am (5–7) overlap; ml (7–9) does not; listings without TRL are open.
    assert!(found.contains(&"sem".to_string()) && found.contains(&"am".to_string()));
    assert!(!found.contains(&"ml".to_string()));
    r.trl_min = Some(8);
    r.trl_max = None;
    let found: Vec<String> = index
        .search(&r)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert!(found.contains(&"ml".to_string()) && !found.contains(&"am".to_string()));
    r.trl_min = Some(6);
    r.trl_max = Some(3);
    assert!(matches!(
        index.search(&r),
        Err(SearchError::RequestInvalid {
            field: "trl_min",
            ..
        })
    ));
}

#[test]
fn radius_filter_and_distance_sort() {
    let index = index();
    let mut r = request("");
    r.near = Some((BOLOGNA, 60.0));
    r.sort = SortOrder::Distance;
    let results = index.search(&r).unwrap();
    let found = ids(&results);
    // Three listings in Bologna itself, one in Modena; Milan and Turin are too far.
    assert_eq!(found, vec!["desk", "office", "sem", "labit"]);
    assert_eq!(results.total, 4);
    let modena = hit(&results, "labit").distance_km.unwrap();
    assert!((modena - 37.0).abs() < 3.0, "{modena}");
    assert!(results.hits.iter().all(|h| h.distance_km.is_some()));

    r.near = Some((BOLOGNA, 250.0));
    let found = ids(&index.search(&r).unwrap())
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    assert!(found.contains(&"am".to_string()) && !found.contains(&"laser".to_string()));

    let mut r = request("");
    r.sort = SortOrder::Distance;
    assert!(matches!(
        index.search(&r),
        Err(SearchError::RequestInvalid { field: "sort", .. })
    ));
}

#[test]
fn radius_with_words_is_exact_inside_and_outside_the_box() {
    // With words, the query no longer narrows to the bounding box: the collector's
    // check alone must keep the box's corners, far latitudes and listings without a
    // place out, exactly as the box and the check together do without words.
    let index = SearchIndex::create_in_ram().unwrap();
    let km_per_degree = 111.195;
    let at = |north_km: f64, east_km: f64| GeoPoint {
        lat: BOLOGNA.lat + north_km / km_per_degree,
        lon: BOLOGNA.lon + east_km / (km_per_degree * BOLOGNA.lat.to_radians().cos()),
    };
    let diagonal = std::f64::consts::FRAC_1_SQRT_2;
    let places = [
        ("near-corner", Some(at(48.0 * diagonal, 48.0 * diagonal))),
        ("box-corner", Some(at(60.0 * diagonal, 60.0 * diagonal))),
        ("north-edge", Some(at(49.5, 0.0))),
        ("too-far-north", Some(at(51.0, 0.0))),
        ("too-far-east", Some(at(0.0, -52.0))),
        ("nowhere", None),
    ];
    let listings: Vec<_> = places
        .iter()
        .map(|(id, place)| {
            let mut l = listing(id, "en", "Fatigue rig", "Coupons.");
            l.location = *place;
            l
        })
        .collect();
    index.apply(&listings, &[], 1).unwrap();
    for query in ["", "fatigue", "rig OR bench"] {
        let mut r = request(query);
        r.near = Some((BOLOGNA, 50.0));
        r.sort = SortOrder::Distance;
        r.with_facets = true;
        let results = index.search(&r).unwrap();
        assert_eq!(ids(&results), vec!["near-corner", "north-edge"], "{query}");
        assert_eq!(results.total, 2, "{query}");
        assert_eq!(results.facets["kind"].get("facility"), Some(&2), "{query}");
    }
}

#[test]
fn distance_ties_are_broken_by_id() {
    let index = index();
    let mut r = request("");
    r.near = Some((BOLOGNA, 10.0));
    r.sort = SortOrder::Distance;
    assert_eq!(
        ids(&index.search(&r).unwrap()),
        vec!["desk", "office", "sem"]
    );
}

#[test]
fn ties_are_broken_by_id_across_segments_and_pages() {
    let index = SearchIndex::create_in_ram().unwrap();
    // One commit per listing: each lands in a segment of its own, in this order.
    for (checkpoint, id) in (1..).zip(["m", "c", "x", "a", "k"]) {
        let mut desk = listing(id, "en", "Hot desk", "A desk in the incubator.");
        desk.location = Some(BOLOGNA);
        index.apply(&[desk], &[], checkpoint).unwrap();
    }
    assert!(index.segment_count() > 1);
    let page = |offset: usize, limit: usize| {
        let mut r = request("desk");
        r.near = Some((BOLOGNA, 10.0));
        r.sort = SortOrder::Distance;
        r.offset = offset;
        r.limit = limit;
        let results = index.search(&r).unwrap();
        assert_eq!(results.total, 5);
        ids(&results)
            .iter()
            .map(|id| id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(page(0, 5), ["a", "c", "k", "m", "x"]);
    assert_eq!(page(0, 2), ["a", "c"]);
    assert_eq!(page(2, 2), ["k", "m"]);
    assert_eq!(page(4, 2), ["x"]);
}

#[test]
fn newest_and_price_sorts() {
    let index = index();
    let mut r = request("");
    r.sort = SortOrder::Newest;
    let results = index.search(&r).unwrap();
    assert_eq!(results.hits.first().map(|h| h.id.as_str()), Some("office"));
    assert_eq!(ids(&results).get(1..3), Some(&["desk", "labit"][..]));

    r.sort = SortOrder::Price;
    let results = index.search(&r).unwrap();
    // Amounts in order; listings without a price come last, by id.
    assert_eq!(
        ids(&results).get(..6),
        Some(&["laser", "sem", "desk", "labit", "office", "am"][..])
    );
    assert_eq!(ids(&results).last(), Some(&"w2"));
}

#[test]
fn paging_is_stable() {
    let index = index();
    let mut all = request("");
    all.limit = 100;
    let everything = index.search(&all).unwrap();
    let mut paged = Vec::new();
    for page in 0..5 {
        let mut r = request("");
        r.limit = 3;
        r.offset = page * 3;
        let results = index.search(&r).unwrap();
        assert_eq!(results.total, everything.total);
        paged.extend(results.hits.into_iter().map(|h| h.id));
    }
    let expected: Vec<String> = everything.hits.into_iter().map(|h| h.id).collect();
    assert_eq!(paged, expected);
}

#[test]
fn facets_count_all_matches_by_display_value() {
    let index = index();
    let mut r = request("");
    r.limit = 1;
    r.with_facets = true;
    r.regions = vec!["Emilia-Romagna".into()];
    let results = index.search(&r).unwrap();
    assert_eq!(results.total, 2);
    assert_eq!(results.hits.len(), 1);
    let f = &results.facets;
    assert_eq!(f["kind"].get("facility"), Some(&2));
    assert_eq!(f["city"].get("Bologna"), Some(&1));
    assert_eq!(f["city"].get("Modena"), Some(&1));
    assert_eq!(f["region"].get("Emilia-Romagna"), Some(&2));
    assert_eq!(f["topic"].get("Microscopy"), Some(&1));
    assert_eq!(f["verified"].get("true"), Some(&1));
    assert_eq!(f["verified"].get("false"), Some(&1));
    assert_eq!(f["country"].get("IT"), Some(&2));
    assert!(
        f.contains_key("engagement")
            && f.contains_key("space_type")
            && f.contains_key("organisation_kind")
    );

    let mut r = request("");
    r.with_facets = true;
    let f = index.search(&r).unwrap().facets;
    assert_eq!(f["engagement"].get("consultancy"), Some(&2));
    assert_eq!(f["space_type"].get("hot_desk"), Some(&1));
    assert_eq!(f["organisation_kind"].get("incubator"), Some(&2));
    // Not asked for, not counted.
    assert!(index.search(&request("")).unwrap().facets.is_empty());
}

#[test]
fn facets_are_counted_over_many_matches_and_segments() {
    // More matches per segment than one batch of facet counting, with a multi-valued
    // facet (topics), an optional one (city) and one every listing has (verified).
    let index = SearchIndex::create_in_ram().unwrap();
    let count = 3 * crate::collect::FACET_BATCH + 17;
    let make = |i: usize| {
        let mut l = listing(
            &format!("l{i:05}"),
            "en",
            if i.is_multiple_of(2) {
                "Fatigue rig"
            } else {
                "Fatigue lab"
            },
            "Coupons.",
        );
        l.city = i.is_multiple_of(3).then(|| "Bologna".to_string());
        l.topics = if i.is_multiple_of(2) {
            vec!["Microscopy".into(), "Welding".into()]
        } else {
            vec!["Welding".into()]
        };
        l.verified = i.is_multiple_of(5);
        l
    };
    let first: Vec<_> = (0..count / 2).map(make).collect();
    let second: Vec<_> = (count / 2..count).map(make).collect();
    index.apply(&first, &[], 1).unwrap();
    index.apply(&second, &[], 2).unwrap();
    let expect = |query: &str, keep: &dyn Fn(usize) -> bool| {
        let mut r = request(query);
        r.with_facets = true;
        let found = index.search(&r).unwrap();
        let matching: Vec<usize> = (0..count).filter(|&i| keep(i)).collect();
        let counted = |f: &dyn Fn(usize) -> bool| matching.iter().filter(|&&i| f(i)).count() as u64;
        assert_eq!(found.total, matching.len() as u64, "{query}");
        // A value no match has is not listed.
        let facet = |name: &str, value: &str| found.facets[name].get(value).copied().unwrap_or(0);
        assert_eq!(
            facet("city", "Bologna"),
            counted(&|i| i.is_multiple_of(3)),
            "{query}"
        );
        assert_eq!(facet("topic", "Welding"), matching.len() as u64, "{query}");
        assert_eq!(
            facet("topic", "Microscopy"),
            counted(&|i| i.is_multiple_of(2)),
            "{query}"
        );
        assert_eq!(
            facet("verified", "true"),
            counted(&|i| i.is_multiple_of(5)),
            "{query}"
        );
        assert_eq!(
            facet("verified", "false"),
            counted(&|i| !i.is_multiple_of(5)),
            "{query}"
        );
    };
    expect("", &|_| true);
    expect("fatigue", &|_| true);
    expect("rig", &|i| i.is_multiple_of(2));
    expect("lab", &|i| i % 2 == 1);
}

#[test]
fn facets_with_many_values_are_named_and_merged_across_segments() {
    // More distinct cities than a segment's values are read for in advance
    // (`NAMED_FACET_TERMS`): with at most two segments, one of them names its counted
    // cities from its dictionary instead. Cities 0 to 99 are held twice.
    let index = SearchIndex::create_in_ram().unwrap();
    let cities = 2 * crate::collect::NAMED_FACET_TERMS + 100;
    let listings: Vec<_> = (0..cities + 100)
        .map(|i| {
            let mut l = listing(&format!("l{i:05}"), "en", "Fatigue rig", "Coupons.");
            l.city = Some(format!("City {}", i % cities));
            l
        })
        .collect();
    index.apply(&listings, &[], 1).unwrap();
    assert!(index.segment_count() <= 2);
    let mut r = request("fatigue");
    r.with_facets = true;
    let found = index.search(&r).unwrap();
    assert_eq!(found.total, listings.len() as u64);
    let mut twice: Vec<String> = (0..100).map(|k| format!("City {k}")).collect();
    twice.sort_unstable();
    let expected: BTreeMap<String, u64> = twice
        .into_iter()
        .take(FACET_VALUES)
        .map(|city| (city, 2))
        .collect();
    assert_eq!(found.facets["city"], expected);
}

#[test]
fn filters_and_facets_follow_the_index_as_it_changes() {
    // Columns are opened once per index generation: every commit must be seen.
    let index = SearchIndex::create_in_ram().unwrap();
    let mut cheap = listing("cheap", "en", "Fatigue rig", "Coupons.");
    cheap.headline_price = eur(10_000);
    cheap.city = Some("Bologna".into());
    index.apply(&[cheap], &[], 1).unwrap();
    let mut r = request("fatigue");
    r.with_facets = true;
    r.max_price = eur(50_000);
    let before = index.search(&r).unwrap();
    assert_eq!(ids(&before), vec!["cheap"]);
    assert_eq!(before.facets["city"].get("Modena"), None);

    let mut also_cheap = listing("also-cheap", "en", "Fatigue bench", "Coupons.");
    also_cheap.headline_price = eur(20_000);
    also_cheap.city = Some("Modena".into());
    let mut dear = listing("dear", "en", "Fatigue lab", "Coupons.");
    dear.headline_price = eur(90_000);
    dear.city = Some("Modena".into());
    index.apply(&[also_cheap, dear], &[], 2).unwrap();
    let after = index.search(&r).unwrap();
    let mut found = ids(&after);
    found.sort_unstable();
    assert_eq!(found, vec!["also-cheap", "cheap"]);
    assert_eq!(after.facets["city"].get("Modena"), Some(&1));

    // A price change is a new version of the listing in a new segment.
    let mut dearer = listing("cheap", "en", "Fatigue rig", "Coupons.");
    dearer.headline_price = eur(80_000);
    dearer.city = Some("Bologna".into());
    index
        .apply(&[dearer], &["also-cheap".to_string()], 3)
        .unwrap();
    let last = index.search(&r).unwrap();
    assert!(last.hits.is_empty(), "{:?}", ids(&last));
    assert_eq!(last.total, 0);
    assert_eq!(last.facets["city"].get("Bologna"), None);
}

#[test]
fn snippets_are_plain_text_with_valid_highlights() {
    let index = SearchIndex::create_in_ram().unwrap();
    let long_tail = " Prove ripetute su provini.".repeat(20);
    let listing = ListingDocument {
        description: format!(
            "{} La città di Forlì ospita il nostro laboratorio di qualità.{long_tail}",
            "Più è già.".repeat(30)
        ),
        topics: vec!["Qualità".into(), "Città intelligenti".into()],
        ..listing(
            "q",
            "it",
            "Qualità <b>e</b> città",
            "Università della città di Forlì",
        )
    };
    index.apply(&[listing], &[], 1).unwrap();
    let results = index.search(&request("citta laboratorio ")).unwrap();
    let hit = hit(&results, "q");
    assert!(!hit.snippets.is_empty());
    for snippet in &hit.snippets {
        for &(a, b) in &snippet.highlights {
            let word = snippet
                .text
                .get(a..b)
                .expect("highlight on char boundaries");
            let folded = word.to_lowercase();
            assert!(
                folded == "città" || folded == "laboratorio",
                "{word:?} in {:?}",
                snippet.field
            );
        }
    }
    let title = hit.snippets.iter().find(|s| s.field == "title").unwrap();
    assert_eq!(title.text, "Qualità <b>e</b> città");
    assert_eq!(title.highlights.len(), 1);
    let description = hit
        .snippets
        .iter()
        .find(|s| s.field == "description")
        .unwrap();
    assert!(description.text.chars().count() <= 210);
    assert!(
        description
            .highlights
            .iter()
            .any(|&(a, b)| &description.text[a..b] == "laboratorio")
    );
    let topics = hit.snippets.iter().find(|s| s.field == "topics").unwrap();
    assert_eq!(topics.text, "Qualità, Città intelligenti");
    assert_eq!(
        &topics.text[topics.highlights[0].0..topics.highlights[0].1],
        "Città"
    );
}

#[test]
fn matched_reports_fields_and_kinds() {
    let index = index();
    let results = index.search(&request("electron microscopes ")).unwrap();
    let sem = hit(&results, "sem");
    assert!(
        sem.matched.iter().any(|m| m.query_term == "electron"
            && m.field == "title"
            && m.kind == MatchKind::Exact)
    );
    assert!(
        sem.matched.iter().any(|m| m.query_term == "microscopes"
            && m.field == "description"
            && m.kind == MatchKind::Stemmed),
        "{:?}",
        sem.matched
    );
    let results = index.search(&request("SEM ")).unwrap();
    let sem = hit(&results, "sem");
    assert!(
        sem.matched.iter().any(|m| m.query_term == "sem"
            && m.field == "techniques"
            && m.kind == MatchKind::Exact)
    );
}

#[test]
fn invalid_requests_are_refused_without_panicking() {
    let index = index();
    for bad in [
        "\"unbalanced",
        "((((((deep))))))",
        "-",
        "OR x",
        "x OR",
        "a\u{0}b",
    ] {
        assert!(
            matches!(
                index.search(&request(bad)),
                Err(SearchError::QueryInvalid(_))
            ),
            "{bad}"
        );
        assert!(
            matches!(validate_query(bad), Err(SearchError::QueryInvalid(_))),
            "{bad}"
        );
    }
    let ten_kb = "word ".repeat(2_048);
    assert!(matches!(
        index.search(&request(&ten_kb)),
        Err(SearchError::QueryInvalid(_))
    ));
    for unit in ["(", "((((\"", "-", "\"", "( - \" OR )"] {
        let hostile = unit.repeat(100_000 / unit.len());
        assert!(matches!(
            index.search(&request(&hostile)),
            Err(SearchError::QueryInvalid(_))
        ));
    }
    // Within the bounds, the deepest nesting is fine.
    assert!(index.search(&request("((((microscopy))))")).is_ok());
    assert!(validate_query("laser OR plasma -rust \"sheet metal\"").is_ok());

    let mut r = request("x");
    r.limit = 0;
    assert!(matches!(
        index.search(&r),
        Err(SearchError::RequestInvalid { field: "limit", .. })
    ));
    r.limit = 101;
    assert!(matches!(
        index.search(&r),
        Err(SearchError::RequestInvalid { field: "limit", .. })
    ));
    r.limit = 10;
    r.offset = 10_001;
    assert!(matches!(
        index.search(&r),
        Err(SearchError::RequestInvalid {
            field: "cursor",
            ..
        })
    ));
    assert!(matches!(
        index.similar("sem", 0, now()),
        Err(SearchError::RequestInvalid { field: "limit", .. })
    ));
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let index = index();
    let renamed = ListingDocument {
        title: "Transmission microscopy lab".into(),
        ..catalogue().remove(0)
    };
    index.apply(&[renamed.clone(), renamed], &[], 2).unwrap();
    let ids_now = index.indexed_ids().unwrap();
    assert_eq!(ids_now.iter().filter(|id| *id == "sem").count(), 1);
    assert_eq!(ids_now.len(), 13);
    assert!(search_ids(&index, "scanning ").is_empty());
    assert_eq!(search_ids(&index, "transmission "), vec!["sem"]);
    index.apply(&[], &["sem".to_string()], 3).unwrap();
    assert!(search_ids(&index, "transmission ").is_empty());
    assert!(!index.indexed_ids().unwrap().contains(&"sem".to_string()));
    assert_eq!(index.checkpoint(), Some(3));
    index.reset().unwrap();
    assert!(index.indexed_ids().unwrap().is_empty());
    assert_eq!(index.checkpoint(), None);
}

#[test]
fn similar_listings() {
    let index = index();
    let extra = ListingDocument {
        topics: vec!["Microscopy".into()],
        ..listing(
            "sem2",
            "en",
            "Electron microscopy for failure analysis",
            "Imaging of fracture surfaces.",
        )
    };
    index.apply(&[extra], &[], 2).unwrap();
    let similar = index.similar("sem", 5, now()).unwrap();
    assert_eq!(similar.first().map(|h| h.id.as_str()), Some("sem2"));
    assert!(similar.iter().all(|h| h.id != "sem" && h.id != "expired"));
    assert!(index.similar("unknown", 5, now()).unwrap().is_empty());
}

#[test]
fn persists_checkpoint_and_documents_across_reopen() -> TestResult {
    let dir = tempfile::tempdir()?;
    {
        let (index, report) = SearchIndex::open_in_dir(dir.path())?;
        assert!(report.created);
        assert_eq!(index.checkpoint(), None);
        index.apply(&catalogue(), &[], 42)?;
    }
    // A lock file left by a killed process must not block reopening and writing.
    std::fs::write(dir.path().join(".tantivy-writer.lock"), b"")?;
    let (index, report) = SearchIndex::open_in_dir(dir.path())?;
    assert_eq!(report, OpenReport::default());
    assert_eq!(index.checkpoint(), Some(42));
    assert_eq!(search_ids(&index, "microscopy "), vec!["sem"]);
    index.apply(&[], &["sem".to_string()], 43)?;
    drop(index);
    let (index, _) = SearchIndex::open_in_dir(dir.path())?;
    assert_eq!(index.checkpoint(), Some(43));
    assert!(search_ids(&index, "microscopy ").is_empty());
    Ok(())
}

#[test]
fn a_bulk_load_is_seen_only_once_committed_and_persists_with_its_checkpoint() -> TestResult {
    let dir = tempfile::tempdir()?;
    let catalogue = catalogue();
    let (first, rest) = catalogue.split_at(catalogue.len() / 2);
    {
        let (index, _) = SearchIndex::open_in_dir(dir.path())?;
        let mut load = index.bulk_load()?;
        load.add(first)?;
        load.add(rest)?;
        // Nothing is searchable, and the checkpoint is unchanged, before the commit.
        assert_eq!(index.checkpoint(), None);
        assert!(index.indexed_ids()?.is_empty());
        load.commit(99)?;
        assert_eq!(index.checkpoint(), Some(99));
        assert_eq!(index.indexed_ids()?.len(), catalogue.len());
        assert_eq!(search_ids(&index, "microscopy "), vec!["sem"]);
        // Ordinary writes work after a bulk load.
        index.apply(&[], &["sem".to_string()], 100)?;
    }
    let (index, _) = SearchIndex::open_in_dir(dir.path())?;
    assert_eq!(index.checkpoint(), Some(100));
    assert_eq!(index.indexed_ids()?.len(), catalogue.len() - 1);
    Ok(())
}

#[test]
fn a_bulk_load_dropped_before_its_commit_leaves_the_index_as_it_was() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (index, _) = SearchIndex::open_in_dir(dir.path())?;
    index.apply(&catalogue()[..1], &[], 5)?;
    {
        let mut load = index.bulk_load()?;
        load.add(&catalogue()[1..])?;
    }
    assert_eq!(index.checkpoint(), Some(5));
    assert_eq!(index.indexed_ids()?.len(), 1);
    index.apply(&catalogue()[1..2], &[], 6)?;
    drop(index);
    let (index, _) = SearchIndex::open_in_dir(dir.path())?;
    assert_eq!(index.checkpoint(), Some(6));
    assert_eq!(index.indexed_ids()?.len(), 2);
    Ok(())
}

#[test]
fn corrupt_index_is_replaced_and_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    {
        let (index, _) = SearchIndex::open_in_dir(dir.path())?;
        index.apply(&catalogue(), &[], 7)?;
    }
    std::fs::write(dir.path().join("meta.json"), b"{ this is not json")?;
    let (index, report) = SearchIndex::open_in_dir(dir.path())?;
    assert!(report.replaced_unreadable.is_some(), "{report:?}");
    assert_eq!(index.checkpoint(), None);
    assert!(index.indexed_ids()?.is_empty());
    index.apply(&catalogue(), &[], 8)?;
    assert_eq!(search_ids(&index, "microscopy "), vec!["sem"]);
    Ok(())
}

#[test]
fn unknown_languages_use_neutral_analysis() {
    let index = SearchIndex::create_in_ram().unwrap();
    index
        .apply(
            &[listing("pt", "pt", "Ensaios de corrosão", "Laboratório")],
            &[],
            1,
        )
        .unwrap();
    assert_eq!(search_ids(&index, "corrosao "), vec!["pt"]);
    assert_eq!(search_ids(&index, "laboratorio "), vec!["pt"]);
}

#[test]
fn purge_leaves_no_deleted_listings_in_segments() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (index, _) = SearchIndex::open_in_dir(dir.path())?;
    index.apply(&catalogue(), &[], 1)?;
    index.apply(&[], &["sem".to_string(), "am".to_string()], 2)?;
    let deleted = |index: &SearchIndex| -> u32 {
        index
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|s| s.num_deleted_docs())
            .sum()
    };
    // (A segment whose listings are all deleted is dropped at commit; others keep them.)
    assert!(deleted(&index) > 0);
    index.purge_deleted()?;
    assert_eq!(deleted(&index), 0);
    assert_eq!(index.indexed_ids()?.len(), 11);
    assert_eq!(index.checkpoint(), Some(2));
    // Writing still works afterwards, and the checkpoint survived the merge on disk.
    index.apply(&[], &["alu".to_string()], 3)?;
    drop(index);
    let (index, _) = SearchIndex::open_in_dir(dir.path())?;
    assert_eq!(index.checkpoint(), Some(3));
    assert_eq!(index.indexed_ids()?.len(), 10);
    Ok(())
}

#[test]
fn a_failed_write_is_reported_and_the_next_one_recovers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (first, _) = SearchIndex::open_in_dir(dir.path())?;
    first.apply(&catalogue(), &[], 1)?;
    // The first instance holds the writer lock, so the second cannot write yet.
    let (second, _) = SearchIndex::open_in_dir(dir.path())?;
    let error = second.apply(&[], &["sem".to_string()], 2).unwrap_err();
    assert!(
        error.0.contains("cannot open the index for writing"),
        "{error}"
    );
    assert_eq!(second.checkpoint(), Some(1));
    drop(first);
    second.apply(&[], &["sem".to_string()], 2)?;
    assert_eq!(second.checkpoint(), Some(2));
    assert!(!second.indexed_ids()?.contains(&"sem".to_string()));
    Ok(())
}

#[test]
fn disk_full_is_named_as_such() {
    let error = std::io::Error::from_raw_os_error(28);
    let message = crate::describe("cannot commit the index", &error);
    assert!(
        message.starts_with("disk full: no space left on device"),
        "{message}"
    );
    let other = crate::describe("cannot commit the index", &"permission denied");
    assert_eq!(other, "cannot commit the index: permission denied");
}

#[test]
fn one_listing_index_matches_like_search() {
    let tensile = ListingDocument {
        kind: "facility".into(),
        topics: vec!["materials testing".into()],
        ..listing("t", "en", "Tensile machine", "A test listing.")
    };
    let index = SearchIndex::of_one_listing(&tensile).unwrap();
    let mut probe = request("corrosion ");
    probe.kinds = vec!["facility".into()];
    assert!(
        !index.any_match(&probe).unwrap(),
        "{:?}",
        index.search(&probe).unwrap()
    );
    let rust = ListingDocument {
        kind: "facility".into(),
        ..listing("r", "en", "Salt spray chamber for rust", "A test listing.")
    };
    let index = SearchIndex::of_one_listing(&rust).unwrap();
    assert!(index.any_match(&probe).unwrap());
}

#[test]
fn an_aside_in_parentheses_or_a_repeated_word_weighs_no_more_than_the_rest_of_a_question() {
    let index = SearchIndex::create_in_ram().unwrap();
    let answer = listing(
        "answer",
        "en",
        "Fatigue testing of composite helicopter blades",
        "Vibration rigs for rotor blades and composite coupons.",
    );
    let aside = listing(
        "aside",
        "en",
        "Non-destructive testing services",
        "NDT for welds.",
    );
    index.apply(&[answer, aside], &[], 1).unwrap();
    let asked = |query: &str| index.search(&people_request(query)).unwrap();
    // The question names what it wants in words, and in parentheses an abbreviation
    // only the other listing has: the listing that answers the question comes first,
    // as it does without the parentheses.
    let plain = asked("fatigue testing composite helicopter blades vibration NDT");
    let with_aside = asked("fatigue testing composite helicopter blades vibration (NDT)");
    assert_eq!(ids(&plain), vec!["answer", "aside"]);
    assert_eq!(ids(&with_aside), ids(&plain));
    let scores = |results: &SearchResults| -> Vec<u32> {
        results.hits.iter().map(|h| h.score.to_bits()).collect()
    };
    assert_eq!(scores(&with_aside), scores(&plain));
    // A word said twice counts once.
    let repeated = asked("fatigue testing composite helicopter blades vibration NDT blades");
    assert_eq!(scores(&repeated), scores(&plain));
    // A group of alternatives inside a question is read loosely too.
    let alternatives =
        asked("fatigue testing composite helicopter rotor blades (vibration OR NDT)");
    assert_eq!(ids(&alternatives), vec!["answer", "aside"]);
}

#[test]
fn a_word_joined_by_punctuation_in_a_question_counts_its_words_too() {
    let index = SearchIndex::create_in_ram().unwrap();
    let mut listings = vec![listing(
        "kinase",
        "en",
        "Histone turnover in yeast",
        "Excess histones are degraded in a Rad53 kinase-dependent manner.",
    )];
    for n in 0..3 {
        listings.push(listing(
            &format!("proteins-{n}"),
            "en",
            "Protein degradation mechanisms",
            "Proteins, free radicals and their degradation mechanisms.",
        ));
    }
    index.apply(&listings, &[], 1).unwrap();
    let request = people_request(
        "proteins induce degradation of free histones via Rad53-dependent mechanisms",
    );
    // The listing never says "Rad53-dependent", but it is the one about Rad53: the
    // compound's words count on their own.
    let results = index.search(&request).unwrap();
    let found = ids(&results);
    assert_eq!(found.first().copied(), Some("kinase"), "{found:?}");
    assert_eq!(found.len(), 4);

    // The same words joined or apart score the same: no phrase bonus on top.
    let index = SearchIndex::create_in_ram().unwrap();
    let joined = listing(
        "joined",
        "en",
        "Yeast",
        "Degraded in a Rad53-dependent manner.",
    );
    let apart = listing(
        "apart",
        "en",
        "Yeast",
        "Rad53 degraded in a dependent manner.",
    );
    index.apply(&[joined, apart], &[], 1).unwrap();
    let results = index
        .search(&people_request(
            "histones degraded via Rad53-dependent mechanisms in yeast",
        ))
        .unwrap();
    let scores: Vec<f32> = results.hits.iter().map(|hit| hit.score).collect();
    assert_eq!(scores.len(), 2);
    assert_eq!(scores.first(), scores.last(), "{:?}", ids(&results));
}

#[test]
fn long_questions_rank_partial_answers_and_people_searches_loosen_when_too_few() {
    let index = SearchIndex::create_in_ram().unwrap();
    index
        .apply(
            &[
                listing(
                    "fatigue",
                    "en",
                    "Fatigue testing of carbon fibre parts",
                    "Servo-hydraulic rigs for composite coupons.",
                ),
                listing(
                    "bread",
                    "en",
                    "Bread shelf life",
                    "Packaging trials for bakeries.",
                ),
            ],
            &[],
            1,
        )
        .unwrap();
    // Five content words, not all in any listing: people get the one that answers
    // most of it; a saved search of the same words matches only with every word.
    let question = "fatigue testing composite helicopter blades vibration";
    let asked = people_request(question);
    assert_eq!(ids(&index.search(&asked).unwrap()), vec!["fatigue"]);
    assert!(search_ids(&index, question).is_empty());
    // Five words naming three things ("fatigue testing" and "carbon fibre" are
    // glossary terms) are keywords, not a question: every one is required, so a
    // listing without one of them comes only after one with them all.
    let rotor = listing(
        "rotor",
        "en",
        "Fatigue testing of carbon fibre rotors",
        "Spin pits.",
    );
    index.apply(&[rotor], &[], 2).unwrap();
    let by_people = people_request;
    let named = index
        .search(&by_people("fatigue testing carbon fibre rigs"))
        .unwrap();
    // The one with them all comes first; too few have them all to fill a page, so
    // listings with some of them follow.
    assert_eq!(ids(&named), vec!["fatigue", "rotor"]);
    // When no listing has them all, people get those with any of them.
    let question = index
        .search(&by_people("fatigue testing carbon fibre rigs pits"))
        .unwrap();
    let mut found = ids(&question);
    found.sort_unstable();
    assert_eq!(found, vec!["fatigue", "rotor"]);
    // Two words both required: nothing has both, so nothing matches…
    let strict = request("bread titanium");
    assert!(index.search(&strict).unwrap().hits.is_empty());
    // …unless people are searching: then any of them.
    let people = SearchRequest {
        for_people: true,
        ..strict
    };
    let loosened = index.search(&people).unwrap();
    assert_eq!(ids(&loosened), vec!["bread"]);
    // A single word that nothing has stays empty even for people.
    let nothing = people_request("unobtainium");
    assert!(index.search(&nothing).unwrap().hits.is_empty());
}

#[test]
fn people_get_typos_and_completions_only_when_the_words_as_typed_do_not_fill_a_page() {
    let index = SearchIndex::create_in_ram().unwrap();
    let mut listings: Vec<ListingDocument> = (0..compile::WIDEN_BELOW)
        .map(|i| listing(&format!("laser-{i}"), "en", "Laser cutting", "Sheet metal."))
        .collect();
    listings.push(listing("layer", "en", "Layer analysis", "Coatings."));
    listings.push(listing("lasers", "en", "Laserscanning service", "Surveys."));
    index.apply(&listings, &[], 1).unwrap();
    let people = |query: &str| SearchRequest {
        limit: 50,
        ..people_request(query)
    };

    // Enough listings have "laser" itself: its typo "layer" and its completion
    // "laserscanning" are left out, for people searching…
    let found = index.search(&people("laser")).unwrap();
    assert_eq!(found.total, compile::WIDEN_BELOW);
    assert!(found.hits.iter().all(|hit| hit.id.starts_with("laser-")));
    // …but not for saved-search matching, which always reads every variant.
    let matched = index.search(&request("laser")).unwrap();
    assert_eq!(matched.total, compile::WIDEN_BELOW + 2);

    // Too few listings have the words as typed: widened, with typos and completions
    // ranked below them.
    let found = index.search(&people("analysys coatings")).unwrap();
    assert_eq!(ids(&found), vec!["layer"]);
    let found = index.search(&people("laserscan")).unwrap();
    assert_eq!(ids(&found), vec!["lasers"]);
    let found = index.search(&people("sheet metal lazer")).unwrap();
    assert_eq!(found.total, compile::WIDEN_BELOW);

    // A word whose forms are in too few listings to fill a page is read widely at
    // once, without a narrow search first; one in enough listings is read narrowly.
    let searcher = index.reader.searcher();
    let narrowly = |query: &str| {
        compile::compile(
            &query::parse(query).unwrap(),
            &index.fields,
            &mut index.analyzers.clone(),
            Glossary::shipped(),
            &searcher,
            &compile::Expansions::default(),
            compile::Reading {
                long_questions_loose: true,
                loosen: false,
                narrow: true,
            },
        )
        .unwrap()
    };
    let rare = narrowly("analysys coatings");
    assert!(!rare.could_widen);
    assert!(rare.matchers.iter().any(|m| m.kind == MatchKind::Typo));
    let common = narrowly("sheet laser");
    assert!(common.could_widen);
    assert!(common.matchers.iter().all(|m| m.kind != MatchKind::Typo));
}

#[test]
fn people_see_listings_with_every_word_first_then_those_with_some_until_a_page_is_full() {
    let index = SearchIndex::create_in_ram().unwrap();
    // The one listing with both words says them once, in passing; the others say one
    // of them over and over in the title, so by score alone they would come first.
    let mut listings = vec![listing(
        "both",
        "en",
        "Services",
        "Bread and titanium, among much else we can offer to firms of any kind.",
    )];
    for i in 0..5 {
        let mut bakery = listing(&format!("bread-{i}"), "en", "Bread bread bread", "Bread.");
        bakery.kind = "space".into();
        listings.push(bakery);
    }
    listings.push(listing("titanium", "en", "Titanium titanium", "Titanium."));
    listings.push(listing("neither", "en", "Wool", "Sheep."));
    index.apply(&listings, &[], 1).unwrap();
    let people = |offset: usize, limit: usize| SearchRequest {
        offset,
        limit,
        with_facets: true,
        ..people_request("bread titanium")
    };

    let page = index.search(&people(0, 20)).unwrap();
    let found = ids(&page);
    assert_eq!(found.first().copied(), Some("both"), "{found:?}");
    assert_eq!(found.len(), 7, "{found:?}");
    assert!(!found.contains(&"neither"));
    let both = &page.hits[0];
    // By its words alone it would come after them.
    let titanium_alone = index.search(&people_request("titanium")).unwrap();
    assert_eq!(ids(&titanium_alone), vec!["titanium", "both"]);
    // The total and the facets count every listing shown, not only those with both.
    assert_eq!(page.total, 7);
    assert_eq!(page.facets["kind"].get("space"), Some(&5));
    assert_eq!(page.facets["kind"].get("facility"), Some(&2));
    // Each is explained by the words it has.
    let words = |hit: &Hit| {
        let mut words: Vec<String> = hit.matched.iter().map(|m| m.query_term.clone()).collect();
        words.sort_unstable();
        words.dedup();
        words
    };
    assert_eq!(words(both), vec!["bread", "titanium"]);
    let titanium = page.hits.iter().find(|hit| hit.id == "titanium").unwrap();
    assert_eq!(words(titanium), vec!["titanium"]);
    // Page by page, the same listings in the same order.
    let paged: Vec<String> = (0..4)
        .flat_map(|n| index.search(&people(n * 2, 2)).unwrap().hits)
        .map(|hit| hit.id)
        .collect();
    assert_eq!(paged, found);
    // A saved search of the same words matches only the listing with both.
    assert_eq!(search_ids(&index, "bread titanium"), vec!["both"]);

    // Once enough listings have every word to fill a page, only they are found.
    let full: Vec<ListingDocument> = (0..compile::WIDEN_BELOW)
        .map(|i| listing(&format!("full-{i}"), "en", "Bread", "Titanium tins."))
        .collect();
    index.apply(&full, &[], 2).unwrap();
    let page = index.search(&people(0, 50)).unwrap();
    assert_eq!(page.total, compile::WIDEN_BELOW + 1);
    assert!(
        ids(&page)
            .iter()
            .all(|id| *id == "both" || id.starts_with("full-"))
    );
}

#[test]
fn a_page_is_filled_only_when_the_words_are_in_few_enough_listings() {
    let index = SearchIndex::create_in_ram().unwrap();
    let mut listings = vec![
        listing("both", "en", "Bread", "Titanium tins."),
        listing("titanium", "en", "Titanium", "Foil."),
    ];
    let common = compile::FILL_POSTINGS_AT_MOST as usize;
    listings.extend((0..common).map(|i| listing(&format!("loaf-{i}"), "en", "Bread", "Rye.")));
    index.apply(&listings, &[], 1).unwrap();
    // "bread" alone is in more listings than the bound: filling the page would ask
    // about every one of them, so the one listing with both words is shown alone.
    let page = index.search(&people_request("bread titanium")).unwrap();
    assert_eq!(ids(&page), vec!["both"]);
    assert_eq!(page.total, 1);
    // When none has them all, people still get those with any of them.
    let page = index.search(&people_request("rye titanium")).unwrap();
    assert_eq!(page.total, common as u64 + 2);
}
