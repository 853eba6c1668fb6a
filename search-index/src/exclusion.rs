//! A wrapper for excluded clauses (`-"carbon fibre"`) that tolerates being asked about a
//! document it has already moved past.
//!
//! tantivy's exclusion asks the excluded scorer "do you contain document d?" through
//! `seek_danger`, starting with the first candidate document. A phrase scorer positions
//! itself on its first match as soon as it is built, which may already be beyond that
//! candidate (or exhausted); its `seek_danger` then trips a debug assertion. A scorer
//! only moves forward, so being past `d` proves it does not contain `d`: this wrapper
//! answers that directly and forwards every other call.
//!
//! It changes no result, only avoids relying on release-mode behaviour of tantivy.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader};

#[derive(Debug)]
pub(crate) struct Excluded(pub(crate) Box<dyn Query>);

impl Clone for Excluded {
    fn clone(&self) -> Self {
        Excluded(self.0.box_clone())
    }
}

impl Query for Excluded {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExcludedWeight(self.0.weight(enable_scoring)?)))
    }
}

struct ExcludedWeight(Box<dyn Weight>);

impl Weight for ExcludedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardOnly(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ForwardOnly(Box<dyn Scorer>);

impl DocSet for ForwardOnly {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.0.doc() >= target {
            return self.0.doc();
        }
        self.0.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        let doc = self.0.doc();
        if doc > target {
            // Scorers never move backwards: having passed `target`, it does not hold it.
            return SeekDangerResult::SeekLowerBound(doc);
        }
        if doc == target {
            return SeekDangerResult::Found;
        }
        self.0.seek_danger(target)
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl Scorer for ForwardOnly {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}
