//! A phrase of two neighbouring words, looked up as one term of a pair field
//! (`field_tokenizers`) instead of intersecting the two words' postings and
//! comparing their positions in every listing that holds both.
//!
//! The pair field is indexed as often as the words' own field (each value repeated by
//! its weight), so a pair's frequency in a listing is the number of times the phrase
//! occurs there. Scored with the phrase's own BM25 weight (both words' statistics) and
//! the words' field lengths, the score is exactly the phrase query's.
//!
//! It deliberately knows nothing of which fields pair with which (the query compiler
//! names both terms).

use crate::any_of::explain_by_scoring;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// Matches the listings holding `words` one after the other, as `pair` records.
#[derive(Debug, Clone)]
pub(crate) struct PairPhraseQuery {
    words: [Term; 2],
    pair: Term,
}

impl PairPhraseQuery {
    pub(crate) fn new(words: [Term; 2], pair: Term) -> PairPhraseQuery {
        PairPhraseQuery { words, pair }
    }
}

impl Query for PairPhraseQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let similarity = match enable_scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => Some(Bm25Weight::for_terms(statistics_provider, &self.words)?),
            EnableScoring::Disabled { .. } => None,
        };
        Ok(Box::new(PairPhraseWeight {
            pair: self.pair.clone(),
            words_field: self.words[0].field(),
            similarity,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        // Every listing it matches holds the pair: the tightest bound on its matches.
        visitor(&self.pair, false);
    }
}

struct PairPhraseWeight {
    pair: Term,
    words_field: tantivy::schema::Field,
    similarity: Option<Bm25Weight>,
}

impl Weight for PairPhraseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let Some(postings) = reader
            .inverted_index(self.pair.field())?
            .read_postings(&self.pair, IndexRecordOption::WithFreqs)?
        else {
            return Ok(Box::new(EmptyScorer));
        };
        let lengths = match &self.similarity {
            Some(_) => reader.fieldnorms_readers().get_field(self.words_field)?,
            None => None,
        };
        Ok(Box::new(PairPhraseScorer {
            postings,
            lengths: lengths.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1)),
            similarity: self.similarity.as_ref().map(|s| s.boost_by(boost)),
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain_by_scoring(self, reader, doc, "phrase by its word pair")
    }
}

struct PairPhraseScorer {
    postings: SegmentPostings,
    lengths: FieldNormReader,
    similarity: Option<Bm25Weight>,
}

impl DocSet for PairPhraseScorer {
    fn advance(&mut self) -> DocId {
        self.postings.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.postings.seek(target)
    }

    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    fn size_hint(&self) -> u32 {
        self.postings.size_hint()
    }
}

impl Scorer for PairPhraseScorer {
    fn score(&mut self) -> Score {
        match &self.similarity {
            Some(similarity) => similarity.score(
                self.lengths.fieldnorm_id(self.postings.doc()),
                self.postings.term_freq(),
            ),
            // As a phrase query without scoring.
            None => 1.0,
        }
    }
}
