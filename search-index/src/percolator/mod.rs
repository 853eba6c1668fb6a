//! The percolator: many saved searches against one new listing, fast, with exactly the
//! answers search would give (the Lucene Monitor technique).
//!
//! Each saved search is filed under anchor keys (see [`anchors`]): the words one of its
//! required clauses can match through, with their stems, synonyms and typo neighbours,
//! or, when its query requires no word, the values of its most selective filter. A new
//! listing's own keys select the candidates; each candidate is then verified exactly
//! (see [`verify`]: the saved search compiled once into a tree mirroring search's
//! query, walked over the listing's words analysed once). Saved searches nothing
//! narrows down are verified every time.
//!
//! It deliberately knows nothing of subscriptions, users or notifications: ids in,
//! ids out. It is not thread-safe for writes; the caller wraps it in a lock.

mod anchors;
mod verify;

use crate::analysis::Analyzers;
use crate::model::{ListingDocument, SearchRequest};
use crate::{IndexError, SearchIndex};
pub use anchors::WordStatistics;
use anchors::{Anchors, anchors_of, listing_keys};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes integers with a rotate and a multiplication. The keys here are word numbers
/// the percolator hands out and anchor keys that are already well-mixed 64-bit hashes:
/// SipHash's strength buys nothing for them and cost a third of matching time.
#[derive(Default, Clone, Copy)]
pub(crate) struct NumberHasher(u64);

const NUMBER_HASH_FACTOR: u64 = 0x517c_c1b7_2722_0a95;

impl Hasher for NumberHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(NUMBER_HASH_FACTOR);
    }
}

/// A map keyed by numbers (see [`NumberHasher`]).
pub(crate) type NumberMap<K, V> = HashMap<K, V, BuildHasherDefault<NumberHasher>>;
use verify::{ListingFacts, Plan, Verifier, Vocabulary};

/// What matching one listing found, with the work it took (for benchmarks and logs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Percolation {
    /// Ids of the saved searches the listing satisfies, sorted.
    pub matches: Vec<String>,
    /// Saved searches verified (selected by anchors, or never narrowed down).
    pub candidates: usize,
    /// Saved searches that could not run (an invalid stored query); never matches.
    pub failures: usize,
}

/// How a stored saved search is verified.
enum Check {
    Plan(Plan),
    /// A request only search itself can answer (see `verify::supported`).
    Search(Box<SearchRequest>),
}

impl Check {
    fn plan(&self) -> Option<&Plan> {
        match self {
            Check::Plan(plan) => Some(plan),
            Check::Search(_) => None,
        }
    }
}

struct Stored {
    id: String,
    check: Check,
}

/// Saved searches filed by anchor key.
pub struct Percolator {
    /// Slot → saved search; `None` marks a free slot (reused by the next insert).
    slots: Vec<Option<Stored>>,
    free: Vec<u32>,
    slot_of: HashMap<String, u32>,
    by_key: NumberMap<u64, Vec<u32>>,
    /// Saved searches verified against every listing.
    always: Vec<u32>,
    analyzers: Analyzers,
    vocabulary: Vocabulary,
    statistics: WordStatistics,
}

impl std::fmt::Debug for Percolator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Percolator")
            .field("saved_searches", &self.len())
            .finish_non_exhaustive()
    }
}

impl Default for Percolator {
    fn default() -> Self {
        Percolator::new()
    }
}

fn remove_slot(list: &mut Vec<u32>, slot: u32) {
    if let Some(position) = list.iter().position(|s| *s == slot) {
        list.swap_remove(position);
    }
}

impl Percolator {
    pub fn new() -> Percolator {
        Percolator {
            slots: Vec::new(),
            free: Vec::new(),
            slot_of: HashMap::new(),
            by_key: NumberMap::default(),
            always: Vec::new(),
            analyzers: Analyzers::new(),
            vocabulary: Vocabulary::default(),
            statistics: WordStatistics::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// Chooses anchors by how common words are among listings from now on, and files
    /// every saved search already held again under its rarest clause.
    pub fn use_word_statistics(&mut self, statistics: WordStatistics) {
        self.statistics = statistics;
        self.by_key.clear();
        self.always.clear();
        for (slot, stored) in self.slots.iter().enumerate() {
            let Some(stored) = stored else { continue };
            let slot = u32::try_from(slot).unwrap_or(u32::MAX);
            match anchors_of(stored.check.plan(), &self.vocabulary, &self.statistics) {
                Anchors::Keys(keys) => {
                    for key in keys {
                        self.by_key.entry(key).or_default().push(slot);
                    }
                }
                Anchors::Always => self.always.push(slot),
            }
        }
    }

    /// Adds a saved search, or replaces the one with the same id.
    pub fn upsert(&mut self, id: &str, request: SearchRequest) {
        self.remove(id);
        let check = if verify::supported(&request) {
            Check::Plan(verify::plan(
                &request,
                &mut self.analyzers,
                &mut self.vocabulary,
            ))
        } else {
            Check::Search(Box::new(request))
        };
        let anchors = anchors_of(check.plan(), &self.vocabulary, &self.statistics);
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                // More than four billion saved searches would need a wider slot type.
                let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                self.slots.push(None);
                slot
            }
        };
        match &anchors {
            Anchors::Keys(keys) => {
                for key in keys {
                    self.by_key.entry(*key).or_default().push(slot);
                }
            }
            Anchors::Always => self.always.push(slot),
        }
        if let Some(entry) = self.slots.get_mut(slot as usize) {
            *entry = Some(Stored {
                id: id.to_owned(),
                check,
            });
        }
        self.slot_of.insert(id.to_owned(), slot);
    }

    pub fn remove(&mut self, id: &str) {
        let Some(slot) = self.slot_of.remove(id) else {
            return;
        };
        let Some(stored) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        // Anchors are a pure function of the compiled search (the vocabulary only
        // grows, so its word numbers never change): recomputing them here saves
        // keeping a copy of every saved search's keys.
        match anchors_of(stored.check.plan(), &self.vocabulary, &self.statistics) {
            Anchors::Keys(keys) => {
                for key in keys {
                    if let Some(list) = self.by_key.get_mut(&key) {
                        remove_slot(list, slot);
                        if list.is_empty() {
                            self.by_key.remove(&key);
                        }
                    }
                }
            }
            Anchors::Always => remove_slot(&mut self.always, slot),
        }
        self.free.push(slot);
    }

    /// The slots a listing's keys select, without duplicates.
    fn candidates(&self, facts: &ListingFacts) -> Vec<u32> {
        let mut slots: Vec<u32> = self.always.clone();
        for key in listing_keys(facts) {
            if let Some(list) = self.by_key.get(&key) {
                slots.extend_from_slice(list);
            }
        }
        slots.sort_unstable();
        slots.dedup();
        slots
    }

    /// The saved searches `listing` satisfies at time `now` (availability and expiry
    /// filters are evaluated then).
    pub fn percolate(
        &self,
        listing: &ListingDocument,
        now: DateTime<Utc>,
    ) -> Result<Percolation, IndexError> {
        let mut analyzers = self.analyzers.clone();
        let facts = ListingFacts::new(listing, &mut analyzers, &self.vocabulary);
        let slots = self.candidates(&facts);
        let mut outcome = Percolation {
            candidates: slots.len(),
            ..Percolation::default()
        };
        if slots.is_empty() {
            return Ok(outcome);
        }
        let mut verifier = Verifier::new(&facts, &self.vocabulary, now);
        // Built only if some saved search needs search itself.
        let mut one_listing: Option<SearchIndex> = None;
        for slot in slots {
            let Some(Some(stored)) = self.slots.get(slot as usize) else {
                continue;
            };
            let verdict = match &stored.check {
                Check::Plan(plan) => verifier.matches(plan),
                Check::Search(request) => {
                    let index = match one_listing {
                        Some(ref index) => index,
                        None => one_listing.insert(SearchIndex::of_one_listing(listing)?),
                    };
                    let request = SearchRequest {
                        now,
                        ..(**request).clone()
                    };
                    index.any_match(&request).ok()
                }
            };
            match verdict {
                Some(true) => outcome.matches.push(stored.id.clone()),
                Some(false) => {}
                None => outcome.failures += 1,
            }
        }
        outcome.matches.sort_unstable();
        Ok(outcome)
    }

    /// Bytes held by the anchor structures and the stored saved searches (capacities,
    /// map entries and strings), an estimate that excludes allocator overhead.
    pub fn structure_bytes(&self) -> usize {
        use std::mem::size_of;
        let strings = |values: &[String]| -> usize {
            values
                .iter()
                .map(|v| size_of::<String>() + v.capacity())
                .sum()
        };
        let mut bytes = self.slots.capacity() * size_of::<Option<Stored>>()
            + self.free.capacity() * size_of::<u32>()
            + self.always.capacity() * size_of::<u32>()
            + self.slot_of.capacity() * (size_of::<String>() + size_of::<u32>() + 1)
            + self.by_key.capacity() * (size_of::<u64>() + size_of::<Vec<u32>>() + 1);
        bytes += self
            .by_key
            .values()
            .map(|list| list.capacity() * size_of::<u32>())
            .sum::<usize>();
        bytes += self.slot_of.keys().map(String::capacity).sum::<usize>();
        bytes += self.vocabulary.bytes();
        for stored in self.slots.iter().flatten() {
            bytes += stored.id.capacity();
            bytes += match &stored.check {
                Check::Plan(plan) => plan.bytes(),
                Check::Search(request) => {
                    let r = request;
                    let mut bytes = size_of::<SearchRequest>() + r.query.capacity();
                    for values in [
                        &r.kinds,
                        &r.organisation_kinds,
                        &r.countries,
                        &r.regions,
                        &r.cities,
                        &r.topics,
                        &r.engagement_modes,
                        &r.space_types,
                    ] {
                        bytes += strings(values);
                    }
                    bytes
                }
            };
        }
        bytes
    }
}

#[cfg(test)]
mod tests;

impl SearchIndex {
    /// How common words are among the indexed listings, for the percolator's choice of
    /// anchors (see [`WordStatistics`]). Reads every term dictionary once.
    pub fn word_statistics(&self) -> Result<WordStatistics, IndexError> {
        let searcher = self.reader.searcher();
        let documents = searcher.num_docs();
        // Words in fewer listings than this count as rare; they never decide an anchor.
        let at_least = (documents / 10_000).max(2);
        let mut counts: HashMap<String, u64> = HashMap::new();
        let failed = |error: tantivy::TantivyError| IndexError(error.to_string());
        for segment in searcher.segment_readers() {
            for field in crate::schema::TextField::ALL {
                let fields = [Some(self.fields.neutral(field)), self.fields.stemmed(field)];
                for field in fields.into_iter().flatten() {
                    let inverted = segment.inverted_index(field).map_err(failed)?;
                    let mut stream = inverted
                        .terms()
                        .stream()
                        .map_err(|error| IndexError(error.to_string()))?;
                    while stream.advance() {
                        let documents = u64::from(stream.value().doc_freq);
                        if documents >= 2
                            && let Ok(word) = std::str::from_utf8(stream.key())
                        {
                            *counts.entry(word.to_owned()).or_default() += documents;
                        }
                    }
                }
            }
        }
        Ok(WordStatistics::from_counts(documents, at_least, counts))
    }
}
