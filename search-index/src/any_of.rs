//! A disjunction ("any of these variants") that only looks at the documents it is asked
//! about.
//!
//! A word or phrase matches through many variants — exact, stemmed, synonyms, typos,
//! completions — each in several fields. tantivy's union buffers the next 4,096
//! documents of every variant whenever it moves, so a variant that is a phrase checks
//! word positions in every document holding its words, even when the rest of the query
//! (a rare word, a filter) rules those documents out. Like Lucene's two-phase
//! iteration, this union answers "do you hold document d?" (`seek_danger`) by asking
//! each variant about d alone, so phrase positions are read only for documents every
//! other required clause already holds. It also avoids the buffered union's 4,096-slot
//! score table per union and segment.
//!
//! Each variant is in one of three states: positioned on a document (`valid`), or only
//! known not to hold anything before `bound` (after `seek_danger` said "not found";
//! tantivy then allows nothing but further `seek_danger` calls with larger targets
//! until one is found). Every variant's next document is at or after its `bound`, and
//! every variant that could hold the union's current document has been asked about it.
//!
//! Each variant has a role in the score: a tier (a constant for the kind of match; the
//! best tier among the variants holding a document counts) and whether its own BM25
//! score is added. One union thus scores a word as "best kind of match, plus BM25 of
//! its exact and stemmed forms" without walking the same postings twice.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, TERMINATED};

/// What a variant adds to the score of a document it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Role {
    /// The variant's tier: the largest tier among the variants holding a document is
    /// added once. Zero for none.
    pub(crate) tier: f32,
    /// Whether the variant's own score is added.
    pub(crate) scored: bool,
}

impl Role {
    /// Adds its own score, no tier: a plain disjunction sums its variants.
    pub(crate) const SCORED: Role = Role {
        tier: 0.0,
        scored: true,
    };
}

/// Matches the documents any of its queries matches.
#[derive(Debug)]
pub(crate) struct AnyOf {
    queries: Vec<(Box<dyn Query>, Role)>,
}

impl AnyOf {
    pub(crate) fn new(queries: Vec<(Box<dyn Query>, Role)>) -> AnyOf {
        AnyOf { queries }
    }
}

impl Clone for AnyOf {
    fn clone(&self) -> Self {
        AnyOf {
            queries: self
                .queries
                .iter()
                .map(|(q, role)| (q.box_clone(), *role))
                .collect(),
        }
    }
}

impl Query for AnyOf {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .queries
            .iter()
            .map(|(q, role)| {
                // A variant counted by its tier alone needs no statistics for scoring.
                let scoring = match (role.scored, enable_scoring.searcher()) {
                    (false, Some(searcher)) => EnableScoring::disabled_from_searcher(searcher),
                    (false, None) => EnableScoring::disabled_from_schema(enable_scoring.schema()),
                    (true, _) => enable_scoring,
                };
                Ok((q.weight(scoring)?, *role))
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(AnyOfWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for (query, _) in &self.queries {
            query.query_terms(visitor);
        }
    }
}

struct AnyOfWeight {
    weights: Vec<(Box<dyn Weight>, Role)>,
}

impl Weight for AnyOfWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut variants = Vec::with_capacity(self.weights.len());
        for (weight, role) in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            let doc = scorer.doc();
            if doc != TERMINATED {
                variants.push(Variant {
                    scorer,
                    role: Role {
                        tier: role.tier * boost,
                        scored: role.scored,
                    },
                    valid: true,
                    bound: doc,
                });
            }
        }
        Ok(Box::new(AnyOfScorer::new(variants)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain_by_scoring(self, reader, doc, "any of")
    }
}

/// An explanation of `doc`'s score under one of this crate's own weights: the score
/// its scorer gives, labelled `what` (they have no parts worth listing).
pub(crate) fn explain_by_scoring(
    weight: &dyn Weight,
    reader: &SegmentReader,
    doc: DocId,
    what: &'static str,
) -> tantivy::Result<Explanation> {
    let mut scorer = weight.scorer(reader, 1.0)?;
    if scorer.seek(doc) != doc {
        return Err(tantivy::TantivyError::InvalidArgument(format!(
            "document {doc} does not match ({what})"
        )));
    }
    Ok(Explanation::new(what, scorer.score()))
}

struct Variant {
    scorer: Box<dyn Scorer>,
    role: Role,
    /// Positioned on `bound`; otherwise only known to hold nothing before `bound`.
    valid: bool,
    bound: DocId,
}

impl Variant {
    /// Asks whether the variant holds `target` (at or after its bound).
    fn probe(&mut self, target: DocId) -> bool {
        debug_assert!(self.bound <= target);
        if self.valid && self.bound == target {
            return true;
        }
        match self.scorer.seek_danger(target) {
            SeekDangerResult::Found => {
                self.valid = true;
                self.bound = target;
                true
            }
            SeekDangerResult::SeekLowerBound(bound) => {
                self.valid = false;
                // Strictly after the target, and never past the end marker.
                self.bound = bound.max(target.saturating_add(1)).min(TERMINATED);
                false
            }
        }
    }

    fn holds(&self, doc: DocId) -> bool {
        self.valid && self.bound == doc
    }
}

struct AnyOfScorer {
    variants: Vec<Variant>,
    doc: DocId,
}

impl AnyOfScorer {
    fn new(variants: Vec<Variant>) -> AnyOfScorer {
        let mut scorer = AnyOfScorer { variants, doc: 0 };
        scorer.doc = scorer.settle();
        scorer
    }

    /// The smallest document some variant holds, every variant that could hold it
    /// asked about it.
    fn settle(&mut self) -> DocId {
        loop {
            let Some(least) = self.variants.iter().map(|v| v.bound).min() else {
                return TERMINATED;
            };
            if least >= TERMINATED {
                return TERMINATED;
            }
            let mut found = false;
            for variant in &mut self.variants {
                if variant.bound == least {
                    found |= variant.probe(least);
                }
            }
            if found {
                return least;
            }
        }
    }
}

impl DocSet for AnyOfScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let current = self.doc;
        for variant in &mut self.variants {
            if variant.holds(current) {
                variant.bound = variant.scorer.advance();
            }
        }
        self.doc = self.settle();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        if target >= TERMINATED {
            self.doc = TERMINATED;
            return TERMINATED;
        }
        for variant in &mut self.variants {
            if variant.bound < target {
                variant.probe(target);
            }
        }
        self.doc = self.settle();
        self.doc
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        if target >= TERMINATED {
            self.doc = TERMINATED;
            return SeekDangerResult::SeekLowerBound(TERMINATED);
        }
        let mut found = false;
        for variant in &mut self.variants {
            if variant.bound <= target {
                found |= variant.probe(target);
            }
        }
        if found {
            self.doc = target;
            return SeekDangerResult::Found;
        }
        let bound = self
            .variants
            .iter()
            .map(|v| v.bound)
            .min()
            .unwrap_or(TERMINATED);
        // Between documents until a later call finds one; nothing is held before this.
        self.doc = bound;
        SeekDangerResult::SeekLowerBound(bound)
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.variants
            .iter()
            .map(|v| v.scorer.size_hint())
            .fold(0u32, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.variants
            .iter()
            .map(|v| v.scorer.cost())
            .fold(0u64, u64::saturating_add)
    }
}

impl Scorer for AnyOfScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let mut tier: Score = 0.0;
        let mut total: Score = 0.0;
        for variant in &mut self.variants {
            if variant.holds(doc) {
                tier = tier.max(variant.role.tier);
                if variant.role.scored {
                    total += variant.scorer.score();
                }
            }
        }
        tier + total
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tantivy::collector::{Collector, SegmentCollector};
    use tantivy::query::{
        BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, TermQuery,
    };
    use tantivy::schema::{Field, IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, SegmentOrdinal, Term, doc};

    /// Every matching document with its score, in document order.
    struct Everything;

    struct SegmentEverything(Vec<(DocId, Score)>);

    impl Collector for Everything {
        type Fruit = Vec<(DocId, Score)>;
        type Child = SegmentEverything;

        fn for_segment(
            &self,
            _: SegmentOrdinal,
            _: &SegmentReader,
        ) -> tantivy::Result<SegmentEverything> {
            Ok(SegmentEverything(Vec::new()))
        }

        fn requires_scoring(&self) -> bool {
            true
        }

        fn merge_fruits(&self, fruits: Vec<Vec<(DocId, Score)>>) -> tantivy::Result<Self::Fruit> {
            Ok(fruits.into_iter().flatten().collect())
        }
    }

    impl SegmentCollector for SegmentEverything {
        type Fruit = Vec<(DocId, Score)>;

        fn collect(&mut self, doc: DocId, score: Score) {
            self.0.push((doc, score));
        }

        fn harvest(self) -> Self::Fruit {
            self.0
        }
    }

    /// xorshift64*: deterministic, so a failure replays.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
        }
    }

    const WORDS: [&str; 10] = [
        "alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa",
    ];

    /// A word, skewed towards the first ones so that some variants are dense and some
    /// rare.
    fn word(rng: &mut Rng) -> &'static str {
        let a = rng.below(WORDS.len() as u64);
        WORDS[rng.below(a + 1) as usize]
    }

    fn variant(rng: &mut Rng, field: Field) -> Box<dyn Query> {
        if rng.below(3) == 0 {
            Box::new(PhraseQuery::new(vec![
                Term::from_field_text(field, word(rng)),
                Term::from_field_text(field, word(rng)),
            ]))
        } else {
            Box::new(TermQuery::new(
                Term::from_field_text(field, word(rng)),
                IndexRecordOption::WithFreqs,
            ))
        }
    }

    /// The same disjunction built by tantivy: the best tier (a disjunction-max of
    /// constant scores), plus a boolean "should" of the scored variants.
    fn tantivy_union(variants: &[(Box<dyn Query>, Role)]) -> Box<dyn Query> {
        let scored: Vec<(Occur, Box<dyn Query>)> = variants
            .iter()
            .filter(|(_, role)| role.scored)
            .map(|(q, _)| (Occur::Should, q.box_clone()))
            .collect();
        if variants.iter().all(|(_, role)| *role == Role::SCORED) {
            return Box::new(BooleanQuery::new(scored));
        }
        let best = Box::new(DisjunctionMaxQuery::new(
            variants
                .iter()
                .map(|(q, role)| {
                    Box::new(ConstScoreQuery::new(q.box_clone(), role.tier)) as Box<dyn Query>
                })
                .collect(),
        ));
        if scored.is_empty() {
            return best;
        }
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, best),
            (Occur::Should, Box::new(BooleanQuery::new(scored))),
        ]))
    }

    #[test]
    fn matches_and_scores_like_tantivy_unions_inside_intersections_and_exclusions() {
        let mut builder = Schema::builder();
        let text = builder.add_text_field("text", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        {
            let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
            // More than one buffered-union window (4,096 documents), two segments.
            for i in 0..12_000 {
                let len = 1 + rng.below(12);
                let words: Vec<&str> = (0..len).map(|_| word(&mut rng)).collect();
                writer.add_document(doc!(text => words.join(" "))).unwrap();
                if i == 7_000 {
                    writer.commit().unwrap();
                }
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        for round in 0..60 {
            let tiered = round % 2 == 1;
            let count = 2 + rng.below(5) as usize;
            let variants: Vec<(Box<dyn Query>, Role)> = (0..count)
                .map(|_| {
                    let role = if tiered {
                        Role {
                            tier: 100.0 * (1 + rng.below(4)) as f32,
                            scored: rng.below(2) == 0,
                        }
                    } else {
                        Role::SCORED
                    };
                    (variant(&mut rng, text), role)
                })
                .collect();
            let ours: Box<dyn Query> = Box::new(AnyOf::new(
                variants.iter().map(|(q, r)| (q.box_clone(), *r)).collect(),
            ));
            let theirs = tantivy_union(&variants);
            // Alone (driving), required beside a rarer clause (asked about single
            // documents), optional beside a required clause (sought), excluded.
            let other = variant(&mut rng, text);
            let third = variant(&mut rng, text);
            let shapes = |union: Box<dyn Query>| -> Vec<Box<dyn Query>> {
                vec![
                    union.box_clone(),
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Must, union.box_clone()),
                        (Occur::Must, other.box_clone()),
                    ])),
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Must, other.box_clone()),
                        (Occur::Should, union.box_clone()),
                    ])),
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Must, other.box_clone()),
                        (Occur::MustNot, union.box_clone()),
                    ])),
                    // As search nests an exclusion: inside the text query, the text query
                    // beside a filter.
                    Box::new(BooleanQuery::new(vec![
                        (
                            Occur::Must,
                            Box::new(BooleanQuery::new(vec![
                                (Occur::Must, other.box_clone()),
                                (Occur::MustNot, Box::new(crate::exclusion::Excluded(union))),
                            ])),
                        ),
                        (Occur::Must, third.box_clone()),
                    ])),
                ]
            };
            for (shape, (ours, theirs)) in shapes(ours).into_iter().zip(shapes(theirs)).enumerate()
            {
                let ours = searcher.search(&ours, &Everything).unwrap();
                let theirs = searcher.search(&theirs, &Everything).unwrap();
                let docs = |found: &[(DocId, Score)]| found.iter().map(|f| f.0).collect::<Vec<_>>();
                assert_eq!(docs(&ours), docs(&theirs), "round {round}, shape {shape}");
                for ((doc, a), (_, b)) in ours.iter().zip(&theirs) {
                    assert!(
                        (a - b).abs() <= 1e-4 * b.abs().max(1.0),
                        "round {round}, shape {shape}, doc {doc}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
