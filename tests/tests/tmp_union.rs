use domain::corpus::Corpus;
use domain::search::index_request_for_people;
use search_index::SearchIndex;
use std::sync::atomic::Ordering;

#[test]
fn tmp_union_totals() {
    let corpus = Corpus::new(tests::bench::SEED);
    let index = SearchIndex::create_in_ram().unwrap();
    let mut bulk = index.bulk_load().unwrap();
    let docs: Vec<_> = (0..10_000).map(|i| corpus.listing_document(i)).collect();
    bulk.add(&docs).unwrap();
    bulk.commit(1).unwrap();
    let mix = tests::bench::query_mix(&corpus, 1000);
    let mut differ = 0;
    let mut scores = 0;
    for query in &mix {
        let Ok(request) = index_request_for_people(query) else {
            continue;
        };
        for people in [true, false] {
            let request = search_index::SearchRequest {
                for_people: people,
                ..request.clone()
            };
            search_index::TMP_TANTIVY_UNION.store(false, Ordering::Relaxed);
            let ours = index.search(&request).unwrap();
            search_index::TMP_TANTIVY_UNION.store(true, Ordering::Relaxed);
            let theirs = index.search(&request).unwrap();
            if ours.total != theirs.total || ours.facets != theirs.facets {
                differ += 1;
                println!(
                    "{:?} ours {} theirs {}",
                    request.query, ours.total, theirs.total
                );
            }
            for (a, b) in ours.hits.iter().zip(&theirs.hits) {
                if (a.score - b.score).abs() > 1e-3 * b.score.abs().max(1.0) {
                    scores += 1;
                    println!(
                        "{:?} {} {} {} {}",
                        request.query, a.id, a.score, b.id, b.score
                    );
                    break;
                }
            }
        }
    }
    println!("differ {differ} scores {scores}");
    assert_eq!(differ + scores, 0);
}
