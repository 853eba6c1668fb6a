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
//! Asked again about a document it said it does not hold (tantivy's exclusion does
//! that after a `seek` that did not move), a scorer that checks documents one by one
//! may be left between documents; the wrapper remembers the answer instead of reading
//! the scorer's position.
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
        Ok(Box::new(ForwardOnly::new(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

/// The excluded scorer, and what it last said when it was not positioned on a match.
struct ForwardOnly {
    scorer: Box<dyn Scorer>,
    /// After "not found" the scorer may be left between documents (tantivy's
    /// `seek_danger` contract): then only this bound is known, and its `doc()` means
    /// nothing until a later target is found.
    not_before: Option<DocId>,
}

impl ForwardOnly {
    fn new(scorer: Box<dyn Scorer>) -> ForwardOnly {
        ForwardOnly {
            scorer,
            not_before: None,
        }
    }
}

impl DocSet for ForwardOnly {
    fn advance(&mut self) -> DocId {
        self.not_before = None;
        self.scorer.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.not_before = None;
        if self.scorer.doc() >= target {
            return self.scorer.doc();
        }
        self.scorer.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        match self.not_before {
            // tantivy's exclusion may ask about the same document twice.
            Some(bound) if target < bound => return SeekDangerResult::SeekLowerBound(bound),
            Some(_) => {}
            None => {
                let doc = self.scorer.doc();
                if doc > target {
                    // Scorers never move backwards: having passed `target`, it does not
                    // hold it.
                    return SeekDangerResult::SeekLowerBound(doc);
                }
                if doc == target {
                    return SeekDangerResult::Found;
                }
            }
        }
        let answer = self.scorer.seek_danger(target);
        self.not_before = match answer {
            SeekDangerResult::Found => None,
            SeekDangerResult::SeekLowerBound(bound) => Some(bound.max(target.saturating_add(1))),
        };
        answer
    }

    fn doc(&self) -> DocId {
        self.scorer.doc()
    }

    fn size_hint(&self) -> u32 {
        self.scorer.size_hint()
    }
}

impl Scorer for ForwardOnly {
    fn score(&mut self) -> Score {
        self.scorer.score()
    }
}
