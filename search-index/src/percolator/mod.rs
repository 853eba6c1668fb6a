//! The percolator: many saved searches against one new listing, fast, with exactly the
//! answers search would give (the Lucene Monitor technique).
//!
//! Each saved search is filed under anchor keys (see [`anchors`]): the words one of its
//! required clauses can match through, with their stems, synonyms and typo neighbours,
//! or, when its query requires no word, the values of its most selective filter. A new
//! listing's own keys select the candidates; each candidate is then verified by running
//! it as a search against an index holding only that listing, so matching can never
//! drift from search's semantics. Saved searches nothing narrows down are verified
//! every time.
//!
//! It deliberately knows nothing of subscriptions, users or notifications: ids in,
//! ids out. It is not thread-safe for writes; the caller wraps it in a lock.

mod anchors;

use crate::analysis::Analyzers;
use crate::model::{ListingDocument, SearchRequest};
use crate::{IndexError, SearchIndex};
use anchors::{Anchors, anchors_of, listing_keys};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

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

struct Stored {
    id: String,
    request: SearchRequest,
}

/// Saved searches filed by anchor key.
pub struct Percolator {
    /// Slot → saved search; `None` marks a free slot (reused by the next insert).
    slots: Vec<Option<Stored>>,
    free: Vec<u32>,
    slot_of: HashMap<String, u32>,
    by_key: HashMap<u64, Vec<u32>>,
    /// Saved searches verified against every listing.
    always: Vec<u32>,
    analyzers: Analyzers,
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
            by_key: HashMap::new(),
            always: Vec::new(),
            analyzers: Analyzers::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// Adds a saved search, or replaces the one with the same id.
    pub fn upsert(&mut self, id: &str, request: SearchRequest) {
        self.remove(id);
        let anchors = anchors_of(&request, &mut self.analyzers);
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
                request,
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
        // Anchors are a pure function of the request, so recomputing them here saves
        // keeping a copy of every saved search's keys.
        match anchors_of(&stored.request, &mut self.analyzers) {
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
    fn candidates(&self, listing: &ListingDocument) -> Vec<u32> {
        let mut analyzers = self.analyzers.clone();
        let mut slots: Vec<u32> = self.always.clone();
        for key in listing_keys(listing, &mut analyzers) {
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
        let slots = self.candidates(listing);
        let mut outcome = Percolation {
            candidates: slots.len(),
            ..Percolation::default()
        };
        if slots.is_empty() {
            return Ok(outcome);
        }
        let index = SearchIndex::of_one_listing(listing)?;
        for slot in slots {
            let Some(Some(stored)) = self.slots.get(slot as usize) else {
                continue;
            };
            let request = SearchRequest {
                now,
                ..stored.request.clone()
            };
            match index.any_match(&request) {
                Ok(true) => outcome.matches.push(stored.id.clone()),
                Ok(false) => {}
                Err(_) => outcome.failures += 1,
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
        for stored in self.slots.iter().flatten() {
            let r = &stored.request;
            bytes += stored.id.capacity() + r.query.capacity();
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
        }
        bytes
    }
}

#[cfg(test)]
mod tests;
