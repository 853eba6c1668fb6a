//! The percolator: many saved searches against one new listing, fast, with exactly the
//! answers search would give (the Lucene Monitor technique, shared work added).
//!
//! A saved search is compiled into clauses mirroring search's query (see [`verify`]).
//! Saved searches repeat each other — a million of them ask about a few hundred topics
//! in a few dozen sectors — so every distinct clause is stored once in a [`Graph`], and
//! saved searches with the same clauses and the same anchoring filter share one
//! *template*; each saved search keeps only its id, its template and its filters.
//!
//! Each template is filed under its *anchor clause*: the required clause whose words
//! (with their stems, synonyms and typo neighbours, see [`anchors`]) are rarest among
//! listings. A new listing's keys select the anchor clauses it could satisfy; each is
//! decided exactly, and only when it holds are the templates filed under it checked —
//! their other clauses decided once per listing and remembered, their saved searches'
//! filters last. Templates with no required word are filed under their most selective
//! filter value instead.
//!
//! It deliberately knows nothing of subscriptions, users or notifications: ids in,
//! ids out. It is not thread-safe for writes; the caller wraps it in a lock.

mod anchors;
mod ids;
mod verify;

use crate::analysis::Analyzers;
use crate::model::{ListingDocument, SearchRequest};
use crate::{IndexError, SearchIndex};
pub use anchors::WordStatistics;
use anchors::{clause_keys, filter_anchor, listing_keys};
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
use verify::{Filters, Graph, ListingFacts, Node, Verifier, Vocabulary};

/// What matching one listing found, with the work it took (for benchmarks and logs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Percolation {
    /// Ids of the saved searches the listing satisfies, in no particular order: those
    /// who need an order sort them (at a million saved searches a listing matches
    /// hundreds, and sorting their ids cost a tenth of matching).
    pub matches: Vec<String>,
    /// Templates verified: distinct saved-search queries (each shared by one saved
    /// search or many) whose anchor clause and second clause the listing satisfies, and
    /// whose remaining clauses were therefore checked.
    pub candidates: usize,
    /// Saved searches that could not run (an invalid stored query); never matches.
    pub failures: usize,
    /// Keys of the listing (words, stems, typo neighbourhoods, filter values).
    pub listing_keys: usize,
    /// Keys the key filter let through to the anchor map, and those found there.
    pub keys_looked_up: usize,
    pub keys_found: usize,
    /// Entries of the anchor lists looked at (templates filed under an anchor clause the
    /// listing satisfies).
    pub anchored_entries: usize,
    /// Distinct clauses decided (each at most once per listing, however many saved
    /// searches share it).
    pub clauses_decided: usize,
}

/// A slot's `template` when the slot is free, holds a query search would refuse, or
/// holds a request only search itself can answer.
const FREE: u32 = u32::MAX;
const INVALID: u32 = u32::MAX - 1;
const BY_SEARCH: u32 = u32::MAX - 2;
/// A slot's `filters` when its saved search has none.
const NO_FILTERS: u32 = u32::MAX;
/// A template's `anchor` when no required clause has keys.
const NO_ANCHOR: u32 = u32::MAX;
/// Bits of the filter that skips map look-ups for keys nothing is filed under.
const KEY_BITS_LOG2: u32 = 20;

/// Where `key` sits in the key filter: a word of `key_bits` and the bit within it.
fn key_filter_bit(key: u64) -> (usize, u64) {
    let bit = key >> (64 - KEY_BITS_LOG2);
    ((bit >> 6) as usize, 1 << (bit & 63))
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    template: u32,
    filters: u32,
    /// The next slot of the same template (`NO_SLOT` ends the list).
    next: u32,
}

/// A query's required and excluded clauses.
type CompiledText = (Box<[u32]>, Box<[u32]>);

/// Distinct query texts whose compiled clauses are remembered.
const COMPILED_CACHE: usize = 100_000;
/// Ends a template's list of slots.
const NO_SLOT: u32 = u32::MAX;
/// Clauses a template holds inline; longer queries keep theirs in `long_clauses`.
const INLINE_CLAUSES: usize = 4;

/// Saved searches with the same clauses and the same anchoring filter value.
struct Template {
    filter_anchor: u64,
    /// Required clauses, then excluded ones, when they fit.
    inline: [u32; INLINE_CLAUSES],
    anchor: u32,
    /// Another required clause, checked before the template is (see [`Percolator::anchored`]).
    second: u32,
    /// The first slot of the saved searches using it; `NO_SLOT` marks a free template.
    first_slot: u32,
    required: u16,
    total: u16,
}

/// One distinct set of filters, shared by the saved searches that use it.
struct FilterSet {
    filters: Filters,
    fingerprint: u64,
    uses: u32,
}

/// Saved searches filed by anchor clause.
pub struct Percolator {
    slots: Vec<Slot>,
    free_slots: Vec<u32>,
    ids: ids::SlotIds,
    templates: Vec<Template>,
    free_templates: Vec<u32>,
    template_of: NumberMap<u64, u32>,
    filter_sets: Vec<FilterSet>,
    free_filter_sets: Vec<u32>,
    filter_set_of: NumberMap<u64, u32>,
    /// Clauses of templates with more than [`INLINE_CLAUSES`].
    long_clauses: NumberMap<u32, Box<[u32]>>,
    /// Anchor clause → the templates filed under it, each beside its second clause and
    /// its filter anchor: most templates a listing's anchor clauses select fail on one
    /// of those, and deciding that from these lists saves reaching for the template.
    /// Indexed by clause number: looked up for every clause a listing has a key of.
    anchored: Vec<Vec<Anchored>>,
    /// Key → the anchor and second clauses a listing with that key may satisfy.
    by_key: NumberMap<u64, Vec<u32>>,
    /// Anchor and second clauses whose keys are in `by_key`, with how many templates
    /// use each so.
    watched: NumberMap<u32, u32>,
    /// One bit per key hash range: clear means no anchor clause has a key there.
    key_bits: Vec<u64>,
    /// Filter anchor (0: none) → templates without an anchor clause.
    unanchored: NumberMap<u64, Vec<u32>>,
    /// Slot → a request only search itself can answer.
    searches: NumberMap<u32, Box<SearchRequest>>,
    graph: Graph,
    /// Query text → its required and excluded clauses: saved searches repeat the same
    /// queries, and compiling one (five languages' stems, synonyms) is most of the cost
    /// of adding it. Bounded; emptied by [`Percolator::shrink_to_fit`].
    compiled: HashMap<String, CompiledText>,
    analyzers: Analyzers,
    vocabulary: Vocabulary,
    statistics: WordStatistics,
}

impl std::fmt::Debug for Percolator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Percolator")
            .field("saved_searches", &self.len())
            .field("templates", &self.templates())
            .field("clauses", &self.graph.len())
            .field("filter_sets", &self.filter_sets())
            .finish_non_exhaustive()
    }
}

impl Default for Percolator {
    fn default() -> Self {
        Percolator::new()
    }
}

/// A template as filed under its anchor clause.
#[derive(Debug, Clone, Copy)]
struct Anchored {
    filter_anchor: u64,
    second: u32,
    template: u32,
    /// Whether `second` has keys and is watched: then a listing without any of them
    /// is known not to satisfy it without deciding it.
    second_watched: bool,
}

/// Puts `record` in a free place of `records` (one `free` lists), or at the end, and
/// returns its number.
fn store<T>(records: &mut Vec<T>, free: &mut Vec<u32>, record: T) -> u32 {
    if let Some(number) = free.pop()
        && let Some(entry) = records.get_mut(number as usize)
    {
        *entry = record;
        return number;
    }
    records.push(record);
    // Four billion records would need wider numbers.
    u32::try_from(records.len() - 1).unwrap_or(u32::MAX)
}

fn remove_value(list: &mut Vec<u32>, value: u32) {
    if let Some(position) = list.iter().position(|v| *v == value) {
        list.swap_remove(position);
    }
}

fn fingerprint_of(required: &[u32], excluded: &[u32], filter_anchor: u64) -> u64 {
    let mut hasher = NumberHasher::default();
    for clause in required {
        hasher.write_u32(*clause);
    }
    hasher.write_u64(u64::MAX);
    for clause in excluded {
        hasher.write_u32(*clause);
    }
    hasher.write_u64(filter_anchor);
    hasher.finish()
}

impl Percolator {
    pub fn new() -> Percolator {
        Percolator {
            slots: Vec::new(),
            free_slots: Vec::new(),
            ids: ids::SlotIds::default(),
            templates: Vec::new(),
            free_templates: Vec::new(),
            template_of: NumberMap::default(),
            long_clauses: NumberMap::default(),
            filter_sets: Vec::new(),
            free_filter_sets: Vec::new(),
            filter_set_of: NumberMap::default(),
            anchored: Vec::new(),
            by_key: NumberMap::default(),
            watched: NumberMap::default(),
            key_bits: vec![0; 1 << (KEY_BITS_LOG2 - 6)],
            unanchored: NumberMap::default(),
            searches: NumberMap::default(),
            graph: Graph::default(),
            compiled: HashMap::new(),
            analyzers: Analyzers::new(),
            vocabulary: Vocabulary::default(),
            statistics: WordStatistics::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.len() == 0
    }

    /// Distinct templates in use (saved searches sharing clauses and anchoring filter).
    pub fn templates(&self) -> usize {
        self.templates.len() - self.free_templates.len()
    }

    /// Distinct filter sets in use.
    pub fn filter_sets(&self) -> usize {
        self.filter_sets.len() - self.free_filter_sets.len()
    }

    /// Distinct clauses stored.
    pub fn clauses(&self) -> usize {
        self.graph.len()
    }

    /// Releases spare capacity (after loading many saved searches at once, when the
    /// structures have grown by doubling) and forgets the compiled-query cache.
    pub fn shrink_to_fit(&mut self) {
        self.compiled = HashMap::new();
        // The word forms the load remembered; later saved searches are few.
        drop(self.analyzers.take_forms());
        self.renumber_templates();
        self.renumber_slots();
        self.slots.shrink_to_fit();
        self.free_slots.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.templates.shrink_to_fit();
        self.free_templates.shrink_to_fit();
        self.template_of.shrink_to_fit();
        self.long_clauses.shrink_to_fit();
        self.filter_sets.shrink_to_fit();
        self.free_filter_sets.shrink_to_fit();
        self.filter_set_of.shrink_to_fit();
        self.anchored.iter_mut().for_each(Vec::shrink_to_fit);
        self.anchored.shrink_to_fit();
        self.by_key.shrink_to_fit();
        self.watched.shrink_to_fit();
        self.by_key.values_mut().for_each(Vec::shrink_to_fit);
        self.unanchored.shrink_to_fit();
        self.unanchored.values_mut().for_each(Vec::shrink_to_fit);
        self.searches.shrink_to_fit();
    }

    /// Renumbers the templates in the order of the anchor lists, so that the templates
    /// one anchor clause selects are next to each other in memory.
    fn renumber_templates(&mut self) {
        let mut order: Vec<u32> = Vec::with_capacity(self.templates());
        for entries in &mut self.anchored {
            // Grouped by second clause, so that a listing decides each second once per
            // anchor list and passes over the rest of its run.
            entries
                .sort_unstable_by_key(|entry| (entry.second, entry.filter_anchor, entry.template));
            order.extend(entries.iter().map(|entry| entry.template));
        }
        let mut filter_anchors: Vec<u64> = self.unanchored.keys().copied().collect();
        filter_anchors.sort_unstable();
        for filter_anchor in &filter_anchors {
            order.extend(self.unanchored.get(filter_anchor).into_iter().flatten());
        }
        let mut renumbered = vec![NO_ANCHOR; self.templates.len()];
        for (new, old) in order.iter().enumerate() {
            if let Some(entry) = renumbered.get_mut(*old as usize) {
                *entry = u32::try_from(new).unwrap_or(u32::MAX);
            }
        }
        let new_number = |old: u32| renumbered.get(old as usize).copied().unwrap_or(old);
        let mut old_templates: Vec<Option<Template>> = std::mem::take(&mut self.templates)
            .into_iter()
            .map(Some)
            .collect();
        self.templates = order
            .iter()
            .filter_map(|old| old_templates.get_mut(*old as usize).and_then(Option::take))
            .collect();
        self.free_templates = Vec::new();
        for entries in &mut self.anchored {
            for entry in entries.iter_mut() {
                entry.template = new_number(entry.template);
            }
        }
        for templates in self.unanchored.values_mut() {
            for template in templates.iter_mut() {
                *template = new_number(*template);
            }
        }
        for template in self.template_of.values_mut() {
            *template = new_number(*template);
        }
        self.long_clauses = std::mem::take(&mut self.long_clauses)
            .into_iter()
            .map(|(template, clauses)| (new_number(template), clauses))
            .collect();
        for slot in &mut self.slots {
            if !matches!(slot.template, FREE | INVALID | BY_SEARCH) {
                slot.template = new_number(slot.template);
            }
        }
    }

    /// Renumbers the slots so that each template's saved searches are next to each
    /// other, in the slot records and in the id buffer alike: checking a template then
    /// reads one stretch of memory instead of one scattered record per saved search.
    fn renumber_slots(&mut self) {
        let mut order: Vec<u32> = Vec::with_capacity(self.ids.len());
        for record in &self.templates {
            let mut slot = record.first_slot;
            while let Some(entry) = self.slots.get(slot as usize) {
                order.push(slot);
                slot = entry.next;
            }
        }
        // Saved searches outside templates: refused ones and those search answers.
        for (slot, entry) in self.slots.iter().enumerate() {
            if matches!(entry.template, INVALID | BY_SEARCH) {
                order.push(u32::try_from(slot).unwrap_or(u32::MAX));
            }
        }
        let mut renumbered = vec![NO_SLOT; self.slots.len()];
        for (new, old) in order.iter().enumerate() {
            if let Some(entry) = renumbered.get_mut(*old as usize) {
                *entry = u32::try_from(new).unwrap_or(u32::MAX);
            }
        }
        let new_number = |old: u32| renumbered.get(old as usize).copied().unwrap_or(NO_SLOT);
        self.ids.renumber(&order);
        let mut slots = Vec::with_capacity(order.len());
        for old in &order {
            let Some(entry) = self.slots.get(*old as usize) else {
                continue;
            };
            slots.push(Slot {
                next: new_number(entry.next),
                ..*entry
            });
        }
        for record in &mut self.templates {
            record.first_slot = new_number(record.first_slot);
        }
        self.searches = std::mem::take(&mut self.searches)
            .into_iter()
            .map(|(slot, request)| (new_number(slot), request))
            .collect();
        self.slots = slots;
        self.free_slots = Vec::new();
    }

    /// Chooses anchors by how common words are among listings from now on, and files
    /// every template again under its rarest clause.
    pub fn use_word_statistics(&mut self, statistics: WordStatistics) {
        self.statistics = statistics;
        self.by_key.clear();
        self.watched.clear();
        self.key_bits.fill(0);
        self.anchored.clear();
        self.unanchored.clear();
        for template in 0..self.templates.len() {
            let Some(record) = self.templates.get(template) else {
                continue;
            };
            if record.first_slot == NO_SLOT {
                continue;
            }
            let template_id = u32::try_from(template).unwrap_or(u32::MAX);
            let required = self.template_clauses(template_id).0.to_vec();
            let (anchor, second) = self.choose_anchors(&required);
            if let Some(record) = self.templates.get_mut(template) {
                record.anchor = anchor;
                record.second = second;
            }
            self.file(u32::try_from(template).unwrap_or(u32::MAX));
        }
    }

    /// Adds a saved search, or replaces the one with the same id.
    pub fn upsert(&mut self, id: &str, request: SearchRequest) {
        self.remove(id);
        let slot = match self.free_slots.pop() {
            Some(slot) => slot,
            None => {
                // More than four billion saved searches would need a wider slot type.
                let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                self.slots.push(Slot {
                    template: FREE,
                    filters: NO_FILTERS,
                    next: NO_SLOT,
                });
                slot
            }
        };
        self.ids.insert(slot, id);
        let record = if !verify::supported(&request) {
            self.searches.insert(slot, Box::new(request));
            Slot {
                template: BY_SEARCH,
                filters: NO_FILTERS,
                next: NO_SLOT,
            }
        } else {
            match self.compile_text(&request) {
                None => Slot {
                    template: INVALID,
                    filters: NO_FILTERS,
                    next: NO_SLOT,
                },
                Some((required, excluded)) => {
                    let filters =
                        verify::filters(&request, &mut self.analyzers, &mut self.vocabulary);
                    let template = self.template(
                        required,
                        excluded,
                        filter_anchor(&filters, &self.vocabulary),
                    );
                    let next = self
                        .templates
                        .get_mut(template as usize)
                        .map_or(NO_SLOT, |record| {
                            std::mem::replace(&mut record.first_slot, slot)
                        });
                    Slot {
                        template,
                        filters: self.filter_set(filters),
                        next,
                    }
                }
            }
        };
        if let Some(entry) = self.slots.get_mut(slot as usize) {
            *entry = record;
        }
    }

    pub fn remove(&mut self, id: &str) {
        let Some(slot) = self.ids.remove(id) else {
            return;
        };
        let Some(record) = self.slots.get_mut(slot as usize) else {
            return;
        };
        let Slot {
            template,
            filters,
            next,
        } = *record;
        *record = Slot {
            template: FREE,
            filters: NO_FILTERS,
            next: NO_SLOT,
        };
        self.free_slots.push(slot);
        match template {
            FREE | INVALID => {}
            BY_SEARCH => {
                self.searches.remove(&slot);
            }
            template => {
                self.unlink_slot(template, slot, next);
                let now_unused = self
                    .templates
                    .get(template as usize)
                    .is_some_and(|t| t.first_slot == NO_SLOT);
                if now_unused {
                    self.drop_template(template);
                }
            }
        }
        if filters != NO_FILTERS {
            self.release_filter_set(filters);
        }
    }

    /// The required and excluded clauses of a request's query, or `None` for a request
    /// search would refuse.
    fn compile_text(&mut self, request: &SearchRequest) -> Option<(Vec<u32>, Vec<u32>)> {
        if verify::invalid_filters(request) {
            return None;
        }
        if let Some((required, excluded)) = self.compiled.get(&request.query) {
            return Some((required.to_vec(), excluded.to_vec()));
        }
        let text = verify::text(&request.query, &mut self.analyzers, &mut self.vocabulary)?;
        let (must, must_not) = match &text {
            Node::And { must, must_not } => (&must[..], &must_not[..]),
            other => (std::slice::from_ref(other), &[][..]),
        };
        let (required, excluded) = self.graph.intern_and(must, must_not, &self.vocabulary);
        if self.compiled.len() >= COMPILED_CACHE {
            self.compiled.clear();
        }
        self.compiled.insert(
            request.query.clone(),
            (required.clone().into(), excluded.clone().into()),
        );
        Some((required, excluded))
    }

    /// Takes `slot` (followed by `next`) out of its template's list.
    fn unlink_slot(&mut self, template: u32, slot: u32, next: u32) {
        let Some(record) = self.templates.get_mut(template as usize) else {
            return;
        };
        if record.first_slot == slot {
            record.first_slot = next;
            return;
        }
        let mut at = record.first_slot;
        while let Some(entry) = self.slots.get_mut(at as usize) {
            if entry.next == slot {
                entry.next = next;
                return;
            }
            at = entry.next;
        }
    }

    /// A template's required and excluded clauses.
    fn template_clauses(&self, template: u32) -> (&[u32], &[u32]) {
        let Some(record) = self.templates.get(template as usize) else {
            return (&[], &[]);
        };
        let all = if usize::from(record.total) <= INLINE_CLAUSES {
            record
                .inline
                .get(..usize::from(record.total))
                .unwrap_or_default()
        } else {
            self.long_clauses.get(&template).map_or(&[][..], |c| &c[..])
        };
        all.split_at(usize::from(record.required).min(all.len()))
    }

    /// The template for these clauses, shared when it exists.
    fn template(&mut self, required: Vec<u32>, excluded: Vec<u32>, filter_anchor: u64) -> u32 {
        let fingerprint = fingerprint_of(&required, &excluded, filter_anchor);
        if let Some(&existing) = self.template_of.get(&fingerprint)
            && self
                .templates
                .get(existing as usize)
                .is_some_and(|record| record.filter_anchor == filter_anchor)
            && self.template_clauses(existing) == (&required[..], &excluded[..])
        {
            return existing;
        }
        let (anchor, second) = self.choose_anchors(&required);
        let all: Vec<u32> = required.iter().chain(&excluded).copied().collect();
        let mut inline = [NO_ANCHOR; INLINE_CLAUSES];
        for (cell, clause) in inline.iter_mut().zip(&all) {
            *cell = *clause;
        }
        let record = Template {
            filter_anchor,
            inline,
            anchor,
            second,
            first_slot: NO_SLOT,
            // A query of more than 65,535 clauses is refused by search long before.
            required: u16::try_from(required.len()).unwrap_or(u16::MAX),
            total: u16::try_from(all.len()).unwrap_or(u16::MAX),
        };
        let template = store(&mut self.templates, &mut self.free_templates, record);
        if all.len() > INLINE_CLAUSES {
            self.long_clauses.insert(template, all.into());
        }
        // A different template with the same fingerprint keeps the entry; this one is
        // then simply not shared.
        self.template_of.entry(fingerprint).or_insert(template);
        self.file(template);
        template
    }

    fn drop_template(&mut self, template: u32) {
        self.unfile(template);
        let (required, excluded) = self.template_clauses(template);
        let filter_anchor = self
            .templates
            .get(template as usize)
            .map_or(0, |record| record.filter_anchor);
        let fingerprint = fingerprint_of(required, excluded, filter_anchor);
        if self.template_of.get(&fingerprint) == Some(&template) {
            self.template_of.remove(&fingerprint);
        }
        self.long_clauses.remove(&template);
        if let Some(record) = self.templates.get_mut(template as usize) {
            record.total = 0;
            record.first_slot = NO_SLOT;
        }
        self.free_templates.push(template);
    }

    /// The required clause whose keys select the fewest listings, if any has keys, and
    /// the next most selective required clause, if there is another.
    fn choose_anchors(&self, required: &[u32]) -> (u32, u32) {
        let mut costs: Vec<(u32, f64)> = required
            .iter()
            .map(|clause| {
                let cost = clause_keys(&self.graph, *clause, &self.vocabulary, &self.statistics)
                    .map_or(f64::INFINITY, |(_, cost)| cost);
                (*clause, cost)
            })
            .collect();
        costs.sort_by(|a, b| a.1.total_cmp(&b.1));
        match costs.as_slice() {
            [(anchor, cost), rest @ ..] if cost.is_finite() => (
                *anchor,
                rest.first().map_or(NO_ANCHOR, |(second, _)| *second),
            ),
            _ => (NO_ANCHOR, NO_ANCHOR),
        }
    }

    fn file(&mut self, template: u32) {
        let Some(record) = self.templates.get(template as usize) else {
            return;
        };
        if record.anchor == NO_ANCHOR {
            self.unanchored
                .entry(record.filter_anchor)
                .or_default()
                .push(template);
            return;
        }
        let (anchor, second, filter_anchor) = (record.anchor, record.second, record.filter_anchor);
        let second_watched = second != NO_ANCHOR && self.has_keys(second);
        if self.anchored.len() <= anchor as usize {
            self.anchored.resize_with(anchor as usize + 1, Vec::new);
        }
        let Some(entries) = self.anchored.get_mut(anchor as usize) else {
            return;
        };
        entries.push(Anchored {
            filter_anchor,
            second,
            template,
            second_watched,
        });
        self.watch(anchor);
        if second_watched {
            self.watch(second);
        }
    }

    fn has_keys(&self, clause: u32) -> bool {
        clause_keys(&self.graph, clause, &self.vocabulary, &self.statistics).is_some()
    }

    /// Files `clause`'s keys (once, however many templates watch it), so that a
    /// listing learns whether it has any of them.
    fn watch(&mut self, clause: u32) {
        let watchers = self.watched.entry(clause).or_default();
        *watchers += 1;
        if *watchers > 1 {
            return;
        }
        let keys = clause_keys(&self.graph, clause, &self.vocabulary, &self.statistics)
            .map(|(keys, _)| keys)
            .unwrap_or_default();
        for key in keys {
            self.by_key.entry(key).or_default().push(clause);
            let (word, bit) = key_filter_bit(key);
            if let Some(bits) = self.key_bits.get_mut(word) {
                *bits |= bit;
            }
        }
    }

    fn unwatch(&mut self, clause: u32) {
        let Some(watchers) = self.watched.get_mut(&clause) else {
            return;
        };
        *watchers -= 1;
        if *watchers > 0 {
            return;
        }
        self.watched.remove(&clause);
        // Keys are a pure function of the clause and the statistics in force when it
        // was filed (re-filing clears everything first): recomputing them saves
        // keeping a copy. Bits of the key filter stay set; they only cost a look-up.
        let keys = clause_keys(&self.graph, clause, &self.vocabulary, &self.statistics)
            .map(|(keys, _)| keys)
            .unwrap_or_default();
        for key in keys {
            if let Some(clauses) = self.by_key.get_mut(&key) {
                remove_value(clauses, clause);
                if clauses.is_empty() {
                    self.by_key.remove(&key);
                }
            }
        }
    }

    fn unfile(&mut self, template: u32) {
        let Some(record) = self.templates.get(template as usize) else {
            return;
        };
        if record.anchor == NO_ANCHOR {
            let filter_anchor = record.filter_anchor;
            if let Some(list) = self.unanchored.get_mut(&filter_anchor) {
                remove_value(list, template);
                if list.is_empty() {
                    self.unanchored.remove(&filter_anchor);
                }
            }
            return;
        }
        let anchor = record.anchor;
        let mut second_watched = None;
        if let Some(list) = self.anchored.get_mut(anchor as usize)
            && let Some(position) = list.iter().position(|entry| entry.template == template)
        {
            let entry = list.swap_remove(position);
            second_watched = Some(entry.second).filter(|_| entry.second_watched);
            if list.is_empty() {
                *list = Vec::new();
            }
        }
        self.unwatch(anchor);
        if let Some(second) = second_watched {
            self.unwatch(second);
        }
    }

    fn filter_set(&mut self, filters: Filters) -> u32 {
        if filters.is_empty() {
            return NO_FILTERS;
        }
        let fingerprint = filters.fingerprint();
        if let Some(&existing) = self.filter_set_of.get(&fingerprint)
            && let Some(record) = self.filter_sets.get_mut(existing as usize)
            && record.filters == filters
        {
            record.uses += 1;
            return existing;
        }
        let record = FilterSet {
            filters,
            fingerprint,
            uses: 1,
        };
        let set = store(&mut self.filter_sets, &mut self.free_filter_sets, record);
        self.filter_set_of.entry(fingerprint).or_insert(set);
        set
    }

    fn release_filter_set(&mut self, set: u32) {
        let Some(record) = self.filter_sets.get_mut(set as usize) else {
            return;
        };
        record.uses = record.uses.saturating_sub(1);
        if record.uses > 0 {
            return;
        }
        let fingerprint = record.fingerprint;
        record.filters = Filters::default();
        if self.filter_set_of.get(&fingerprint) == Some(&set) {
            self.filter_set_of.remove(&fingerprint);
        }
        self.free_filter_sets.push(set);
    }

    fn may_be_filed(&self, key: u64) -> bool {
        let (word, bit) = key_filter_bit(key);
        self.key_bits.get(word).is_some_and(|bits| bits & bit != 0)
    }

    /// Checks one template's clauses, then the filters of each saved search using it;
    /// the slots of those that match go to `matched`.
    fn check_template(
        &self,
        template: u32,
        verifier: &mut Verifier,
        outcome: &mut Percolation,
        matched: &mut Vec<u32>,
    ) {
        let Some(record) = self.templates.get(template as usize) else {
            return;
        };
        outcome.candidates += 1;
        let (required, excluded) = self.template_clauses(template);
        if !verifier.all_hold(required, excluded) {
            return;
        }
        let mut slot = record.first_slot;
        while let Some(entry) = self.slots.get(slot as usize) {
            let passes = entry.filters == NO_FILTERS
                || verifier.passes_set(entry.filters, || {
                    self.filter_sets
                        .get(entry.filters as usize)
                        .map(|set| &set.filters)
                });
            if passes {
                matched.push(slot);
            }
            slot = entry.next;
        }
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
        let keys = listing_keys(&facts);
        let mut verifier = Verifier::new(
            &facts,
            &keys,
            &self.vocabulary,
            &self.graph,
            self.filter_sets.len(),
            now,
        );
        let mut outcome = Percolation::default();
        let mut matched: Vec<u32> = Vec::new();
        if verifier.live() {
            let filter_keys: Vec<u64> = std::iter::once(0)
                .chain(anchors::listing_filter_keys(&facts))
                .collect();
            outcome.listing_keys = keys.len();
            // First every watched clause the listing has a key of, so that a second
            // clause without one is known false before any anchor list is read.
            let mut hit: Vec<u32> = Vec::new();
            for key in &keys {
                if !self.may_be_filed(*key) {
                    continue;
                }
                outcome.keys_looked_up += 1;
                let clauses = self.by_key.get(key).map_or(&[][..], |c| &c[..]);
                outcome.keys_found += usize::from(!clauses.is_empty());
                for clause in clauses {
                    if verifier.mark_key_hit(*clause) {
                        hit.push(*clause);
                    }
                }
            }
            for clause in hit {
                let Some(entries) = self.anchored.get(clause as usize).filter(|e| !e.is_empty())
                else {
                    continue;
                };
                if !verifier.holds(clause) {
                    continue;
                }
                outcome.anchored_entries += entries.len();
                // Entries come grouped by second clause (see `renumber_templates`).
                let mut run_second = NO_ANCHOR;
                let mut second_holds = true;
                let mut run_filter_anchor = 0;
                let mut filter_anchor_held = true;
                for entry in entries {
                    if entry.second != run_second {
                        run_second = entry.second;
                        second_holds = entry.second == NO_ANCHOR
                            || ((!entry.second_watched || verifier.key_hit(entry.second))
                                && verifier.holds(entry.second));
                    }
                    if !second_holds {
                        continue;
                    }
                    if entry.filter_anchor != run_filter_anchor {
                        run_filter_anchor = entry.filter_anchor;
                        filter_anchor_held = filter_keys.contains(&run_filter_anchor);
                    }
                    if filter_anchor_held {
                        self.check_template(
                            entry.template,
                            &mut verifier,
                            &mut outcome,
                            &mut matched,
                        );
                    }
                }
            }
            for filter_key in &filter_keys {
                for template in self.unanchored.get(filter_key).into_iter().flatten() {
                    self.check_template(*template, &mut verifier, &mut outcome, &mut matched);
                }
            }
        }
        outcome.clauses_decided = verifier.decided;
        // Built only if some saved search needs search itself.
        let mut one_listing: Option<SearchIndex> = None;
        for (slot, request) in &self.searches {
            outcome.candidates += 1;
            let index = match one_listing {
                Some(ref index) => index,
                None => one_listing.insert(SearchIndex::of_one_listing(listing)?),
            };
            let request = SearchRequest {
                now,
                ..(**request).clone()
            };
            match index.any_match(&request) {
                Ok(true) => matched.push(*slot),
                Ok(false) => {}
                Err(_) => outcome.failures += 1,
            }
        }
        outcome.matches = matched
            .iter()
            .map(|slot| self.ids.id(*slot).to_owned())
            .collect();
        Ok(outcome)
    }

    /// Bytes held by the saved-search structures (capacities, map entries, strings and
    /// the shared clauses), an estimate that excludes allocator overhead.
    pub fn structure_bytes(&self) -> usize {
        use std::mem::size_of;
        let map = |capacity: usize, entry: usize| capacity * (entry + 1);
        let lists = |lists: &mut dyn Iterator<Item = &Vec<u32>>| -> usize {
            lists.map(|list| list.capacity() * size_of::<u32>()).sum()
        };
        let mut bytes = self.slots.capacity() * size_of::<Slot>()
            + self.free_slots.capacity() * size_of::<u32>()
            + self.ids.bytes()
            + self.templates.capacity() * size_of::<Template>()
            + self.free_templates.capacity() * size_of::<u32>()
            + map(self.template_of.capacity(), size_of::<(u64, u32)>())
            + self.filter_sets.capacity() * size_of::<FilterSet>()
            + self.free_filter_sets.capacity() * size_of::<u32>()
            + map(self.filter_set_of.capacity(), size_of::<(u64, u32)>())
            + self.anchored.capacity() * size_of::<Vec<Anchored>>()
            + map(self.by_key.capacity(), size_of::<(u64, Vec<u32>)>())
            + map(self.watched.capacity(), size_of::<(u32, u32)>())
            + self.key_bits.capacity() * size_of::<u64>()
            + map(self.unanchored.capacity(), size_of::<(u64, Vec<u32>)>())
            + map(
                self.searches.capacity(),
                size_of::<(u32, Box<SearchRequest>)>(),
            )
            + self.graph.bytes()
            + self.vocabulary.bytes();
        bytes += map(self.long_clauses.capacity(), size_of::<(u32, Box<[u32]>)>())
            + self
                .long_clauses
                .values()
                .map(|clauses| clauses.len() * size_of::<u32>())
                .sum::<usize>();
        bytes += self
            .filter_sets
            .iter()
            .map(|set| set.filters.bytes())
            .sum::<usize>();
        bytes += self
            .anchored
            .iter()
            .map(|list| list.capacity() * size_of::<Anchored>())
            .sum::<usize>();
        bytes += lists(&mut self.by_key.values());
        bytes += lists(&mut self.unanchored.values());
        bytes += self.searches.len() * size_of::<SearchRequest>();
        bytes += map(
            self.compiled.capacity(),
            size_of::<(String, CompiledText)>(),
        );
        bytes += self
            .compiled
            .iter()
            .map(|(query, (required, excluded))| {
                query.capacity() + (required.len() + excluded.len()) * size_of::<u32>()
            })
            .sum::<usize>();
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
            for field in [self.fields.text, self.fields.text_stem] {
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
        Ok(WordStatistics::from_counts(documents, at_least, counts))
    }
}
