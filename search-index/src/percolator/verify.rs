//! Exact verification without an index. A saved search's query is compiled once into a
//! small tree that mirrors, node for node, what [`crate::compile`] builds for search
//! (same parsing, analysis, glossary runs, stop-word and exclusion rules, typo
//! budgets), stored in the shared [`Graph`] where equal clauses of different saved
//! searches are one; its filters become a short list of conditions. A new listing is
//! analysed once into the facts the clauses need (which words each field holds and
//! where, its filter values), and the [`Verifier`] decides each clause at most once.
//!
//! Search's semantics stay the reference: the percolator's property test checks that
//! this verifier agrees with asking search itself, listing by listing. Anything this
//! module cannot express (a request read as people's search) is left to search.

use super::NumberMap;
use crate::analysis::{Analyzers, known_language};
use crate::collect::within_km;
use crate::compile::{leading_glossary_run, typo_budget};
use crate::glossary::Glossary;
use crate::model::{GeoPoint, ListingDocument, SearchRequest};
use crate::query::{Clause, Unit};
use crate::schema::{TextField, day_number, micros};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use tantivy::tokenizer::Token;

/// Keyword filters, numbered as in [`Condition::Keyword`].
pub(super) const KEYWORD_FILTERS: usize = 8;
/// Numbers of the filters the anchors can use.
pub(super) const KIND: usize = 0;
pub(super) const COUNTRY: usize = 2;
pub(super) const REGION: usize = 3;
pub(super) const CITY: usize = 4;

/// The smallest completion search expands (see `compile`).
const MIN_PREFIX_CHARS: usize = 2;
/// tantivy drops longer tokens when indexing.
const MAX_TOKEN_BYTES: usize = u16::MAX as usize - 5;

/// Words of all saved searches, each stored once; trees refer to them by number.
#[derive(Default)]
pub(crate) struct Vocabulary {
    ids: HashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
}

impl Vocabulary {
    fn intern(&mut self, word: &str) -> u32 {
        if let Some(id) = self.ids.get(word) {
            return *id;
        }
        // Four billion distinct words would wrap; a word's id is then shared, which
        // only makes a check look at the wrong word — never in practice.
        let id = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
        self.words.push(word.into());
        self.ids.insert(word.into(), id);
        id
    }

    fn get(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    pub(super) fn word(&self, id: u32) -> &str {
        self.words.get(id as usize).map_or("", |w| w)
    }

    pub(crate) fn bytes(&self) -> usize {
        use std::mem::size_of;
        let strings: usize = self.words.iter().map(|w| w.len()).sum();
        self.words.capacity() * size_of::<Box<str>>()
            + self.ids.capacity() * (size_of::<Box<str>>() + size_of::<u32>() + 1)
            + 2 * strings
    }
}

/// What a query (or part of one) requires of a listing's text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    All,
    Nothing,
    /// Every `must` matches and no `must_not` does.
    And {
        must: Box<[Node]>,
        must_not: Box<[Node]>,
    },
    Any(Box<[Node]>),
    /// Words at these relative positions in one field: the neutral fields, or the
    /// stemmed ones. One word is a plain term.
    Words {
        stemmed: bool,
        words: Box<[(u32, u32)]>,
    },
    /// Another word of the listing within `budget` edits (transpositions count one).
    Typo {
        word: u32,
        budget: u8,
    },
    /// A longer word of the listing that starts with this one.
    Prefix {
        word: u32,
    },
}

/// One condition of a saved search's filters, normalised as search normalises it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Condition {
    /// Keyword filter `field` (kind, organisation kind, country, region, city, topic,
    /// engagement, space type) holds this word (a vocabulary number). Consecutive
    /// conditions on the same field are alternatives: one of them must hold.
    Keyword {
        field: u8,
        value: u32,
    },
    Verified(bool),
    /// A headline price in this currency (a vocabulary number) of at most `amount`.
    MaxPrice {
        currency: u32,
        amount: i64,
    },
    MinCapacity(u64),
    AvailableOn(i64),
    Trl(u64, u64),
    Near(GeoPoint, f64),
}

/// A request's filters, as a short list of conditions (most saved searches have two or
/// three, and a million of them must fit in little memory).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Filters {
    pub(super) conditions: Box<[Condition]>,
}

impl Filters {
    /// The values keyword filter `field` accepts.
    pub(super) fn keyword_values(&self, field: usize) -> impl Iterator<Item = u32> + '_ {
        self.conditions
            .iter()
            .filter_map(move |condition| match condition {
                Condition::Keyword { field: f, value } if usize::from(*f) == field => Some(*value),
                _ => None,
            })
    }
}

/// Whether `request` can be verified here; a people's search reads long questions
/// loosely and is left to search itself.
pub(crate) fn supported(request: &SearchRequest) -> bool {
    !request.for_people
}

/// Compiles a saved search's query text; `None` when search would refuse it.
pub(crate) fn text(
    query: &str,
    analyzers: &mut Analyzers,
    vocabulary: &mut Vocabulary,
) -> Option<Node> {
    let parsed = crate::query::parse(query).ok()?;
    if parsed.clauses.is_empty() {
        return Some(Node::All);
    }
    let mut compiler = PlanCompiler {
        analyzers,
        glossary: Glossary::shipped(),
        vocabulary,
    };
    Some(compiler.sequence(&parsed.clauses, false))
}

/// The requests `SearchIndex::search` refuses, other than by their query.
pub(crate) fn invalid_filters(request: &SearchRequest) -> bool {
    if let Some((point, radius)) = request.near
        && !(point.lat.is_finite()
            && point.lon.is_finite()
            && (-90.0..=90.0).contains(&point.lat)
            && (-180.0..=180.0).contains(&point.lon)
            && radius.is_finite()
            && radius > 0.0)
    {
        return true;
    }
    if let (Some(low), Some(high)) = (request.trl_min, request.trl_max)
        && low > high
    {
        return true;
    }
    request
        .max_price
        .as_ref()
        .is_some_and(|price| price.currency.trim().is_empty())
}

pub(crate) fn filters(
    request: &SearchRequest,
    analyzers: &mut Analyzers,
    vocabulary: &mut Vocabulary,
) -> Filters {
    let r = request;
    let mut conditions = Vec::new();
    let keyword_filters: [&[String]; KEYWORD_FILTERS] = [
        &r.kinds,
        &r.organisation_kinds,
        &r.countries,
        &r.regions,
        &r.cities,
        &r.topics,
        &r.engagement_modes,
        &r.space_types,
    ];
    for (field, values) in keyword_filters.into_iter().enumerate() {
        for value in values {
            let value = analyzers.keyword(value);
            if !value.is_empty() {
                conditions.push(Condition::Keyword {
                    field: u8::try_from(field).unwrap_or(u8::MAX),
                    value: vocabulary.intern(&value),
                });
            }
        }
    }
    if let Some(verified) = r.verified {
        conditions.push(Condition::Verified(verified));
    }
    if let Some(price) = &r.max_price {
        conditions.push(Condition::MaxPrice {
            currency: vocabulary.intern(&analyzers.keyword(&price.currency)),
            amount: price.amount_minor,
        });
    }
    if let Some(min) = r.min_capacity {
        conditions.push(Condition::MinCapacity(u64::from(min)));
    }
    if let Some(day) = r.available_on {
        conditions.push(Condition::AvailableOn(day_number(day)));
    }
    match (r.trl_min, r.trl_max) {
        (None, None) => {}
        (low, high) => conditions.push(Condition::Trl(
            u64::from(low.unwrap_or(0)),
            u64::from(high.unwrap_or(u8::MAX)),
        )),
    }
    if let Some((point, radius)) = r.near {
        conditions.push(Condition::Near(point, radius));
    }
    Filters {
        conditions: conditions.into(),
    }
}

fn any_of(nodes: Vec<Node>) -> Node {
    if nodes.is_empty() {
        Node::Nothing
    } else {
        Node::Any(nodes.into())
    }
}

/// Mirrors `compile::Compiler` for a strict (saved-search) reading.
struct PlanCompiler<'a> {
    analyzers: &'a mut Analyzers,
    glossary: &'a Glossary,
    vocabulary: &'a mut Vocabulary,
}

impl PlanCompiler<'_> {
    fn words(&mut self, stemmed: bool, words: impl Iterator<Item = (usize, String)>) -> Node {
        let words: Box<[(u32, u32)]> = words
            .map(|(offset, word)| {
                (
                    u32::try_from(offset).unwrap_or(u32::MAX),
                    self.vocabulary.intern(&word),
                )
            })
            .collect();
        if words.is_empty() {
            Node::Nothing
        } else {
            Node::Words { stemmed, words }
        }
    }

    fn neutral(&mut self, words: &[String]) -> Node {
        self.words(false, words.iter().cloned().enumerate())
    }

    fn stemmed(&mut self, tokens: Vec<Token>) -> Node {
        let first = tokens.first().map(|t| t.position).unwrap_or_default();
        self.words(
            true,
            tokens
                .into_iter()
                .map(|t| (t.position.saturating_sub(first), t.text)),
        )
    }

    fn synonyms(&mut self, words: &[String], out: &mut Vec<Node>) {
        for synonym in self.glossary.synonyms(words) {
            out.push(self.neutral(&synonym));
            for tokens in self.analyzers.all_language_tokens(&synonym.join(" ")) {
                out.push(self.stemmed(tokens));
            }
        }
    }

    fn is_optional(&mut self, clause: &Clause) -> bool {
        let [Unit::Word { text, .. }] = clause.alternatives.as_slice() else {
            return false;
        };
        if clause.negated || !self.analyzers.is_stop_word(text) {
            return false;
        }
        let neutral = self.analyzers.neutral_word(text).unwrap_or_default();
        !self.glossary.contains(&[neutral])
    }

    fn sequence(&mut self, clauses: &[Clause], strict: bool) -> Node {
        let mut required = Vec::new();
        let mut excluded = Vec::new();
        let optional_flags: Vec<bool> = clauses.iter().map(|c| self.is_optional(c)).collect();
        let all_optional = clauses
            .iter()
            .zip(&optional_flags)
            .all(|(c, optional)| c.negated || *optional);
        let mut i = 0;
        while i < clauses.len() {
            if !strict
                && let Some((len, node)) = self.glossary_run(clauses.get(i..).unwrap_or_default())
            {
                required.push(node);
                i += len;
                continue;
            }
            let Some(clause) = clauses.get(i) else { break };
            let is_optional = optional_flags.get(i).copied().unwrap_or(false) && !all_optional;
            i += 1;
            if clause.negated {
                let negated = clause
                    .alternatives
                    .iter()
                    .map(|unit| self.unit(unit, true))
                    .collect();
                excluded.push(any_of(negated));
                continue;
            }
            let mut alternatives: Vec<Node> = clause
                .alternatives
                .iter()
                .map(|unit| self.unit(unit, strict))
                .collect();
            let node = if alternatives.len() == 1 {
                alternatives.pop().unwrap_or(Node::Nothing)
            } else {
                any_of(alternatives)
            };
            // An optional word only adds score; it never decides a match.
            if !is_optional {
                required.push(node);
            }
        }
        if required.is_empty() {
            required.push(Node::All);
        }
        Node::And {
            must: required.into(),
            must_not: excluded.into(),
        }
    }

    fn glossary_run(&mut self, clauses: &[Clause]) -> Option<(usize, Node)> {
        let run = leading_glossary_run(clauses, self.analyzers, self.glossary)?;
        let each: Vec<Node> = run
            .words
            .iter()
            .map(|(text, prefix)| self.word(text, *prefix, false))
            .collect();
        let as_phrase = any_of(self.phrase_variants(&run.typed, &run.neutral, false));
        Some((
            run.words.len(),
            Node::Any(
                vec![
                    Node::And {
                        must: each.into(),
                        must_not: Box::new([]),
                    },
                    as_phrase,
                ]
                .into(),
            ),
        ))
    }

    fn unit(&mut self, unit: &Unit, strict: bool) -> Node {
        match unit {
            Unit::Word { text, prefix } => self.word(text, *prefix && !strict, strict),
            Unit::Phrase { words, .. } => {
                let typed = words.join(" ");
                let neutral: Vec<String> = words
                    .iter()
                    .filter_map(|w| self.analyzers.neutral_word(w))
                    .collect();
                any_of(self.phrase_variants(&typed, &neutral, strict))
            }
            Unit::Group(clauses) => self.sequence(clauses, strict),
        }
    }

    fn word(&mut self, text: &str, prefix: bool, strict: bool) -> Node {
        let Some(neutral) = self.analyzers.neutral_word(text) else {
            return Node::Nothing;
        };
        let mut variants = vec![self.neutral(std::slice::from_ref(&neutral))];
        let mut stems: Vec<String> = Vec::new();
        for tokens in self.analyzers.all_language_tokens(text) {
            if let [token] = tokens.as_slice()
                && !stems.contains(&token.text)
            {
                stems.push(token.text.clone());
                variants.push(self.stemmed(tokens));
            }
        }
        if !strict {
            self.synonyms(std::slice::from_ref(&neutral), &mut variants);
            let budget = typo_budget(&neutral);
            if budget > 0 && !neutral.chars().any(|c| c.is_ascii_digit()) {
                variants.push(Node::Typo {
                    word: self.vocabulary.intern(&neutral),
                    budget,
                });
            }
            if prefix && neutral.chars().count() >= MIN_PREFIX_CHARS {
                variants.push(Node::Prefix {
                    word: self.vocabulary.intern(&neutral),
                });
            }
        }
        any_of(variants)
    }

    fn phrase_variants(&mut self, typed: &str, neutral: &[String], strict: bool) -> Vec<Node> {
        let mut variants = Vec::new();
        if neutral.is_empty() {
            return variants;
        }
        variants.push(self.neutral(neutral));
        for tokens in self.analyzers.all_language_tokens(typed) {
            variants.push(self.stemmed(tokens));
        }
        if !strict {
            self.synonyms(neutral, &mut variants);
        }
        variants
    }
}

/// Word positions per field, as tantivy records them (values of a multi-valued field
/// follow each other with a gap of one position).
#[derive(Default)]
struct FieldWords {
    positions: NumberMap<u32, Vec<u32>>,
}

impl FieldWords {
    fn add_value(&mut self, tokens: &[Token], next: &mut u32, vocabulary: &Vocabulary) {
        let mut end = *next;
        for token in tokens {
            if token.text.len() > MAX_TOKEN_BYTES {
                continue;
            }
            let position = *next + u32::try_from(token.position).unwrap_or(u32::MAX);
            end = end.max(position + u32::try_from(token.position_length).unwrap_or(1));
            if let Some(id) = vocabulary.get(&token.text) {
                self.positions.entry(id).or_default().push(position);
            }
        }
        *next = end + 1;
    }

    fn has_sequence(&self, words: &[(u32, u32)]) -> bool {
        let Some(((first_offset, first), rest)) = words.split_first() else {
            return false;
        };
        let Some(starts) = self.positions.get(first) else {
            return false;
        };
        starts.iter().any(|start| {
            let Some(base) = start.checked_sub(*first_offset) else {
                return false;
            };
            rest.iter().all(|(offset, word)| {
                self.positions
                    .get(word)
                    .is_some_and(|positions| positions.contains(&(base + offset)))
            })
        })
    }
}

/// A set of vocabulary numbers, one bit each.
#[derive(Default)]
struct WordBits(Vec<u64>);

impl WordBits {
    fn insert(&mut self, id: u32) {
        let word = (id >> 6) as usize;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        if let Some(bits) = self.0.get_mut(word) {
            *bits |= 1 << (id & 63);
        }
    }

    fn contains(&self, id: u32) -> bool {
        self.0
            .get((id >> 6) as usize)
            .is_some_and(|bits| bits & (1 << (id & 63)) != 0)
    }
}

/// One listing, analysed once for all the saved searches it is checked against.
pub(crate) struct ListingFacts {
    /// Neutral fields in [`TextField::ALL`] order, then the four stemmed fields.
    neutral: [FieldWords; 5],
    stemmed: [FieldWords; 4],
    /// One bit per vocabulary word: whether any neutral (stemmed) field holds it.
    neutral_any: WordBits,
    stemmed_any: WordBits,
    /// Every distinct word of the neutral fields, known to the vocabulary or not: typos
    /// and completions may land on any of them.
    pub(super) neutral_words: Vec<Vec<char>>,
    /// Every distinct word of the stemmed fields.
    pub(super) stem_words: Vec<String>,
    pub(super) keywords: [Vec<String>; KEYWORD_FILTERS],
    /// The same values as vocabulary numbers (a value no saved search names has none).
    keyword_ids: [Vec<u32>; KEYWORD_FILTERS],
    price_currency: Option<u32>,
    verified: bool,
    price: Option<(String, i64)>,
    capacity: Option<u64>,
    available_from: Option<i64>,
    available_until: Option<i64>,
    trl_min: Option<u64>,
    trl_max: Option<u64>,
    location: Option<GeoPoint>,
    expires_at: i64,
}

impl ListingFacts {
    pub(crate) fn new(
        listing: &ListingDocument,
        analyzers: &mut Analyzers,
        vocabulary: &Vocabulary,
    ) -> ListingFacts {
        let mut neutral: [FieldWords; 5] = Default::default();
        let mut neutral_words: HashSet<String> = HashSet::new();
        for (slot, field) in neutral.iter_mut().zip(TextField::ALL) {
            let mut next = 0;
            for value in field.values(listing) {
                let tokens = analyzers.neutral_tokens(value);
                slot.add_value(&tokens, &mut next, vocabulary);
                neutral_words.extend(
                    tokens
                        .into_iter()
                        .filter(|t| t.text.len() <= MAX_TOKEN_BYTES)
                        .map(|t| t.text),
                );
            }
        }
        let mut stemmed: [FieldWords; 4] = Default::default();
        let mut stem_words: HashSet<String> = HashSet::new();
        if let Some(language) = known_language(&listing.language) {
            for (slot, field) in stemmed.iter_mut().zip(TextField::ALL) {
                let mut next = 0;
                for value in field.values(listing) {
                    // Search's index leaves a value without stems out altogether.
                    let tokens = analyzers
                        .language_tokens(language, value)
                        .unwrap_or_default();
                    if !tokens.is_empty() {
                        slot.add_value(&tokens, &mut next, vocabulary);
                        stem_words.extend(tokens.into_iter().map(|t| t.text));
                    }
                }
            }
        }
        let any = |fields: &[FieldWords]| -> WordBits {
            let mut bits = WordBits::default();
            for id in fields.iter().flat_map(|f| f.positions.keys()) {
                bits.insert(*id);
            }
            bits
        };
        let mut keyword = |value: &str| -> Option<String> {
            Some(analyzers.keyword(value)).filter(|v| !v.is_empty())
        };
        let mut topics: Vec<String> = listing.topics.iter().filter_map(|t| keyword(t)).collect();
        topics.extend(listing.topic_codes.iter().filter_map(|c| keyword(c)));
        let keywords = [
            keyword(&listing.kind).into_iter().collect(),
            keyword(&listing.organisation_kind).into_iter().collect(),
            keyword(&listing.country).into_iter().collect(),
            listing
                .region
                .as_deref()
                .and_then(&mut keyword)
                .into_iter()
                .collect(),
            listing
                .city
                .as_deref()
                .and_then(&mut keyword)
                .into_iter()
                .collect(),
            topics,
            listing
                .engagement_modes
                .iter()
                .filter_map(|m| keyword(m))
                .collect(),
            listing
                .space_type
                .as_deref()
                .and_then(&mut keyword)
                .into_iter()
                .collect(),
        ];
        let price = listing
            .headline_price
            .as_ref()
            .map(|p| (analyzers.keyword(&p.currency), p.amount_minor));
        ListingFacts {
            neutral_any: any(&neutral),
            stemmed_any: any(&stemmed),
            neutral,
            stemmed,
            neutral_words: neutral_words
                .into_iter()
                .map(|word| word.chars().collect())
                .collect(),
            stem_words: stem_words.into_iter().collect(),
            keyword_ids: keywords.each_ref().map(|values| {
                values
                    .iter()
                    .filter_map(|value| vocabulary.get(value))
                    .collect()
            }),
            price_currency: price
                .as_ref()
                .and_then(|(currency, _)| vocabulary.get(currency)),
            keywords,
            verified: listing.verified,
            price,
            capacity: listing.capacity.map(u64::from),
            available_from: listing.available_from.map(day_number),
            available_until: listing.available_until.map(day_number),
            trl_min: listing.trl_min.map(u64::from),
            trl_max: listing.trl_max.map(u64::from),
            location: listing
                .location
                .filter(|p| p.lat.is_finite() && p.lon.is_finite()),
            expires_at: micros(listing.expires_at),
        }
    }
}

/// A clause as the percolator stores it: compiled once, however many saved searches
/// use it, with its children by number (see [`Graph`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    All,
    Nothing,
    And {
        must: Box<[u32]>,
        must_not: Box<[u32]>,
    },
    Any(Box<[u32]>),
    Words {
        stemmed: bool,
        words: Box<[(u32, u32)]>,
    },
    Typo {
        word: u32,
        budget: u8,
    },
    Prefix {
        word: u32,
    },
}

/// Every clause of every saved search, each distinct one stored once: saved searches
/// repeat the same topics and sectors, so the percolator keeps (and evaluates, once
/// per listing) a few thousand clauses for a million saved searches. Like the
/// vocabulary, it only grows.
#[derive(Default)]
pub(crate) struct Graph {
    ops: Vec<Op>,
    ids: HashMap<Op, u32>,
    /// The deletion neighbourhood of each typo clause's word, sorted: a listing that
    /// shares none of these keys has no word within its budget.
    typo_keys: Vec<u64>,
    /// The same clauses laid out for deciding them: sixteen bytes each, children and
    /// phrase words in shared arrays, in the order they were stored (a clause's parts
    /// next to each other).
    flat: Vec<Flat>,
    children: Vec<u32>,
    phrase_words: Vec<(u32, u32)>,
}

/// A clause as [`Verifier::holds`] reads it (see [`Graph::flat`]); `a`, `b` and `c`
/// mean what its kind says.
#[derive(Debug, Clone, Copy)]
struct Flat {
    kind: FlatKind,
    /// Stemmed fields (a word or phrase), or the typo budget.
    flag: u8,
    a: u32,
    b: u32,
    c: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlatKind {
    All,
    Nothing,
    /// `b` required children from `a` in `children`, then `c` excluded ones.
    And,
    /// `b` children from `a` in `children`.
    Any,
    /// Word `a`.
    Word,
    /// `b` words from `a` in `phrase_words`.
    Phrase,
    /// Word `a`, its deletion keys `b..b + c` in `typo_keys`.
    Typo,
    /// Word `a`.
    Prefix,
}

fn arena_index(len: usize) -> u32 {
    // Four billion clause parts would wrap; nothing near that fits in memory anyway.
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl Graph {
    pub(crate) fn len(&self) -> usize {
        self.ops.len()
    }

    pub(crate) fn op(&self, id: u32) -> &Op {
        self.ops.get(id as usize).unwrap_or(&Op::Nothing)
    }

    fn add(&mut self, op: Op, vocabulary: &Vocabulary) -> u32 {
        if let Some(id) = self.ids.get(&op) {
            return *id;
        }
        let id = u32::try_from(self.ops.len()).unwrap_or(u32::MAX);
        let flat = |kind, flag, a, b, c| Flat {
            kind,
            flag,
            a,
            b,
            c,
        };
        let laid_out = match &op {
            Op::All => flat(FlatKind::All, 0, 0, 0, 0),
            Op::Nothing => flat(FlatKind::Nothing, 0, 0, 0, 0),
            Op::And { must, must_not } => {
                let start = arena_index(self.children.len());
                self.children.extend(must.iter().chain(must_not.iter()));
                let (b, c) = (arena_index(must.len()), arena_index(must_not.len()));
                flat(FlatKind::And, 0, start, b, c)
            }
            Op::Any(children) => {
                let start = arena_index(self.children.len());
                self.children.extend(children.iter());
                flat(FlatKind::Any, 0, start, arena_index(children.len()), 0)
            }
            Op::Words { stemmed, words } => match words.as_ref() {
                [(_, word)] => flat(FlatKind::Word, u8::from(*stemmed), *word, 0, 0),
                _ => {
                    let start = arena_index(self.phrase_words.len());
                    self.phrase_words.extend(words.iter());
                    let len = arena_index(words.len());
                    flat(FlatKind::Phrase, u8::from(*stemmed), start, len, 0)
                }
            },
            Op::Typo { word, budget } => {
                let mut keys = Vec::new();
                super::anchors::deletion_keys(vocabulary.word(*word), *budget, &mut keys);
                keys.sort_unstable();
                keys.dedup();
                let start = arena_index(self.typo_keys.len());
                self.typo_keys.extend(&keys);
                let len = arena_index(keys.len());
                flat(FlatKind::Typo, *budget, *word, start, len)
            }
            Op::Prefix { word } => flat(FlatKind::Prefix, 0, *word, 0, 0),
        };
        self.flat.push(laid_out);
        self.ops.push(op.clone());
        self.ids.insert(op, id);
        id
    }

    /// Stores `node` and its children, each once, and returns its number. Children of
    /// `And` and `Any` are sorted, and one-child groups collapse, so that equal clauses
    /// written differently share a number.
    pub(crate) fn intern(&mut self, node: &Node, vocabulary: &Vocabulary) -> u32 {
        let op = match node {
            Node::All => Op::All,
            Node::Nothing => Op::Nothing,
            Node::And { must, must_not } => {
                let (must, must_not) = self.intern_and(must, must_not, vocabulary);
                match (must.as_slice(), must_not.is_empty()) {
                    ([only], true) => return *only,
                    ([], true) => Op::All,
                    _ => Op::And {
                        must: must.into(),
                        must_not: must_not.into(),
                    },
                }
            }
            Node::Any(nodes) => {
                let mut children: Vec<u32> =
                    nodes.iter().map(|n| self.intern(n, vocabulary)).collect();
                children.sort_unstable();
                children.dedup();
                match children.as_slice() {
                    [] => Op::Nothing,
                    [only] => return *only,
                    _ => Op::Any(children.into()),
                }
            }
            Node::Words { stemmed, words } => Op::Words {
                stemmed: *stemmed,
                words: words.clone(),
            },
            Node::Typo { word, budget } => Op::Typo {
                word: *word,
                budget: *budget,
            },
            Node::Prefix { word } => Op::Prefix { word: *word },
        };
        self.add(op, vocabulary)
    }

    /// The clauses of an `And`, stored, sorted and without match-alls among the
    /// required ones (they decide nothing).
    pub(crate) fn intern_and(
        &mut self,
        must: &[Node],
        must_not: &[Node],
        vocabulary: &Vocabulary,
    ) -> (Vec<u32>, Vec<u32>) {
        let mut required: Vec<u32> = must.iter().map(|n| self.intern(n, vocabulary)).collect();
        required.retain(|id| *self.op(*id) != Op::All);
        required.sort_unstable();
        required.dedup();
        let mut excluded: Vec<u32> = must_not
            .iter()
            .map(|n| self.intern(n, vocabulary))
            .collect();
        excluded.sort_unstable();
        excluded.dedup();
        (required, excluded)
    }

    pub(crate) fn bytes(&self) -> usize {
        use std::mem::size_of;
        let children = |op: &Op| match op {
            Op::And { must, must_not } => (must.len() + must_not.len()) * 4,
            Op::Any(nodes) => nodes.len() * 4,
            Op::Words { words, .. } => words.len() * 8,
            _ => 0,
        };
        let heap: usize = self.ops.iter().map(children).sum();

        self.ops.capacity() * size_of::<Op>()
            + self.ids.capacity() * (size_of::<Op>() + size_of::<u32>() + 1)
            + 2 * heap
            + self.typo_keys.capacity() * size_of::<u64>()
            + self.flat.capacity() * size_of::<Flat>()
            + self.children.capacity() * size_of::<u32>()
            + self.phrase_words.capacity() * size_of::<(u32, u32)>()
    }
}

impl Filters {
    /// A hash of every condition, for sharing equal filter sets.
    pub(crate) fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for condition in &self.conditions {
            match condition {
                Condition::Keyword { field, value } => (0u8, field, value).hash(&mut hasher),
                Condition::Verified(verified) => (1u8, verified).hash(&mut hasher),
                Condition::MaxPrice { currency, amount } => {
                    (2u8, currency, amount).hash(&mut hasher);
                }
                Condition::MinCapacity(min) => (3u8, min).hash(&mut hasher),
                Condition::AvailableOn(day) => (4u8, day).hash(&mut hasher),
                Condition::Trl(low, high) => (5u8, low, high).hash(&mut hasher),
                Condition::Near(point, radius) => {
                    (
                        6u8,
                        point.lat.to_bits(),
                        point.lon.to_bits(),
                        radius.to_bits(),
                    )
                        .hash(&mut hasher);
                }
            }
        }
        hasher.finish()
    }

    /// Whether these filters let every listing through.
    pub(crate) fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.conditions.len() * std::mem::size_of::<Condition>()
    }
}

/// A clause's state for one listing: its answer in the low bits, once decided, and
/// whether the listing has one of its keys.
const UNKNOWN: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const ANSWER: u8 = 3;
const KEY_HIT: u8 = 4;

/// Checks clauses and filters against one listing, remembering each clause's answer:
/// many saved searches share clauses, and each is decided once per listing.
pub(crate) struct Verifier<'a> {
    facts: &'a ListingFacts,
    vocabulary: &'a Vocabulary,
    graph: &'a Graph,
    /// The listing's anchor keys, sorted (see `anchors::listing_keys`).
    listing_keys: &'a [u64],
    /// One bit per range of key hashes the listing has a key in: most keys of a typo
    /// clause are ruled out here before a search of `listing_keys`.
    listing_key_bits: Vec<u64>,
    now_micros: i64,
    /// Per clause: its answer and whether the listing has one of its keys (below).
    answers: Vec<u8>,
    /// Clauses decided so far (each once).
    pub(crate) decided: usize,
    /// Answers per shared filter set, as for clauses.
    filter_answers: Vec<u8>,
}

const LISTING_KEY_BITS_LOG2: u32 = 15;

fn key_bit(key: u64) -> (usize, u64) {
    let bit = key >> (64 - LISTING_KEY_BITS_LOG2);
    ((bit >> 6) as usize, 1 << (bit & 63))
}

impl<'a> Verifier<'a> {
    pub(crate) fn new(
        facts: &'a ListingFacts,
        listing_keys: &'a [u64],
        vocabulary: &'a Vocabulary,
        graph: &'a Graph,
        filter_sets: usize,
        now: DateTime<Utc>,
    ) -> Verifier<'a> {
        let mut listing_key_bits = vec![0u64; 1 << (LISTING_KEY_BITS_LOG2 - 6)];
        for key in listing_keys {
            let (word, bit) = key_bit(*key);
            if let Some(word) = listing_key_bits.get_mut(word) {
                *word |= bit;
            }
        }
        Verifier {
            facts,
            vocabulary,
            graph,
            listing_keys,
            listing_key_bits,
            now_micros: micros(now),
            answers: vec![UNKNOWN; graph.len()],
            decided: 0,
            filter_answers: vec![UNKNOWN; filter_sets],
        }
    }

    /// Whether the listing is still live at `now`: an expired listing matches nothing.
    pub(crate) fn live(&self) -> bool {
        self.facts.expires_at > self.now_micros
    }

    /// Records that the listing has a key of clause `id`; false when already known.
    pub(crate) fn mark_key_hit(&mut self, id: u32) -> bool {
        self.answers.get_mut(id as usize).is_some_and(|state| {
            let first = *state & KEY_HIT == 0;
            *state |= KEY_HIT;
            first
        })
    }

    /// Whether the listing has a key of clause `id` (a watched clause without one
    /// cannot hold).
    pub(crate) fn key_hit(&self, id: u32) -> bool {
        self.answers
            .get(id as usize)
            .is_some_and(|state| state & KEY_HIT != 0)
    }

    /// Whether every `must` clause holds and no `must_not` does.
    pub(crate) fn all_hold(&mut self, must: &[u32], must_not: &[u32]) -> bool {
        must.iter().all(|id| self.holds(*id)) && !must_not.iter().any(|id| self.holds(*id))
    }

    pub(crate) fn holds(&mut self, id: u32) -> bool {
        match self.answers.get(id as usize).map(|state| state & ANSWER) {
            Some(TRUE) => return true,
            Some(FALSE) => return false,
            _ => {}
        }
        let graph = self.graph;
        self.decided += 1;
        let Some(&Flat {
            kind,
            flag,
            a,
            b,
            c,
        }) = graph.flat.get(id as usize)
        else {
            return false;
        };
        let span = |start: u32, len: u32| (start as usize)..(start as usize + len as usize);
        let answer = match kind {
            FlatKind::All => true,
            FlatKind::Nothing => false,
            FlatKind::And => {
                let must = graph.children.get(span(a, b)).unwrap_or_default();
                let must_not = graph.children.get(span(a + b, c)).unwrap_or_default();
                self.all_hold(must, must_not)
            }
            FlatKind::Any => graph
                .children
                .get(span(a, b))
                .unwrap_or_default()
                .iter()
                .any(|child| self.holds(*child)),
            FlatKind::Word if flag != 0 => self.facts.stemmed_any.contains(a),
            FlatKind::Word => self.facts.neutral_any.contains(a),
            FlatKind::Phrase => {
                let words = graph.phrase_words.get(span(a, b)).unwrap_or_default();
                self.phrase(flag != 0, words)
            }
            FlatKind::Typo => {
                let keys = graph.typo_keys.get(span(b, c)).unwrap_or_default();
                self.typo(keys, a, flag)
            }
            FlatKind::Prefix => self.completion(a),
        };
        if let Some(state) = self.answers.get_mut(id as usize) {
            *state |= if answer { TRUE } else { FALSE };
        }
        answer
    }

    /// Whether shared filter set number `set` lets the listing through, decided once per
    /// listing. The set itself (elsewhere in memory) is read through `filters` only the
    /// first time.
    pub(crate) fn passes_set<'f>(
        &mut self,
        set: u32,
        filters: impl FnOnce() -> Option<&'f Filters>,
    ) -> bool {
        match self.filter_answers.get(set as usize) {
            Some(&TRUE) => return true,
            Some(&FALSE) => return false,
            _ => {}
        }
        let answer = filters().is_some_and(|filters| self.passes(filters));
        if let Some(slot) = self.filter_answers.get_mut(set as usize) {
            *slot = if answer { TRUE } else { FALSE };
        }
        answer
    }

    /// The filters alone (expiry is checked once, by [`Self::live`]).
    fn passes(&self, filters: &Filters) -> bool {
        let f = self.facts;
        let conditions = &filters.conditions[..];
        let mut at = 0;
        while let Some(condition) = conditions.get(at) {
            at += 1;
            let holds = match condition {
                Condition::Keyword { field, value } => {
                    let have = f
                        .keyword_ids
                        .get(usize::from(*field))
                        .map_or(&[][..], |v| &v[..]);
                    let mut any = have.contains(value);
                    // The other values of the same filter are alternatives.
                    while let Some(Condition::Keyword {
                        field: next_field,
                        value: next,
                    }) = conditions.get(at)
                        && next_field == field
                    {
                        any = any || have.contains(next);
                        at += 1;
                    }
                    any
                }
                Condition::Verified(verified) => *verified == f.verified,
                Condition::MaxPrice { currency, amount } => {
                    f.price_currency == Some(*currency)
                        && f.price.as_ref().is_some_and(|(_, price)| price <= amount)
                }
                Condition::MinCapacity(min) => f.capacity.is_some_and(|capacity| capacity >= *min),
                Condition::AvailableOn(day) => {
                    !(f.available_from.is_some_and(|from| from > *day)
                        || f.available_until.is_some_and(|until| until < *day))
                }
                Condition::Trl(low, high) => {
                    !(f.trl_min.is_some_and(|min| min > *high)
                        || f.trl_max.is_some_and(|max| max < *low))
                }
                Condition::Near(center, radius) => f
                    .location
                    .is_some_and(|point| within_km(*center, point, *radius)),
            };
            if !holds {
                return false;
            }
        }
        true
    }

    fn phrase(&self, stemmed: bool, words: &[(u32, u32)]) -> bool {
        let f = self.facts;
        if stemmed {
            f.stemmed.iter().any(|field| field.has_sequence(words))
        } else {
            f.neutral.iter().any(|field| field.has_sequence(words))
        }
    }

    fn typo(&self, keys: &[u64], word: u32, budget: u8) -> bool {
        // Two words within the budget share a deletion key; most listings share none
        // with a given word, and are answered without computing a single distance.
        let shares_a_key = keys.iter().any(|key| {
            let (word, bit) = key_bit(*key);
            self.listing_key_bits
                .get(word)
                .is_some_and(|bits| bits & bit != 0)
                && self.listing_keys.binary_search(key).is_ok()
        });
        if !shares_a_key {
            return false;
        }
        let target: Vec<char> = self.vocabulary.word(word).chars().collect();
        self.facts
            .neutral_words
            .iter()
            .any(|candidate| *candidate != target && within_edits(candidate, &target, budget))
    }

    fn completion(&self, word: u32) -> bool {
        let start: Vec<char> = self.vocabulary.word(word).chars().collect();
        self.facts
            .neutral_words
            .iter()
            .any(|candidate| candidate.len() > start.len() && candidate.starts_with(&start))
    }
}

/// Whether `a` is within `budget` edits of `b`, counting insertions, deletions,
/// substitutions and swaps of neighbours as one each (the restricted Damerau–Levenshtein
/// distance tantivy's typo automata accept).
pub(crate) fn within_edits(a: &[char], b: &[char], budget: u8) -> bool {
    let budget = usize::from(budget);
    if a.len().abs_diff(b.len()) > budget {
        return false;
    }
    let width = b.len() + 1;
    let mut rows = vec![vec![0usize; width]; a.len() + 1];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i][0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
            row_min = row_min.min(best);
        }
        if row_min > budget {
            return false;
        }
    }
    rows[a.len()][b.len()] <= budget
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::within_edits;
    use tantivy::Term;
    use tantivy::query::FuzzyTermQuery;
    use tantivy::schema::{Schema, TEXT};
    use tantivy_fst::Automaton;

    /// The distance here and the one search's typo automata compute must agree exactly,
    /// accents and swaps included.
    #[test]
    fn edit_distance_agrees_with_searchs_typo_automata() {
        let mut schema = Schema::builder();
        let field = schema.add_text_field("text", TEXT);
        let alphabet = ['a', 'b', 'c', 'é'];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let word = |next: &mut dyn FnMut() -> u64| -> String {
            let len = (next() % 9) as usize;
            (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect()
        };
        let mut accepted = 0;
        for _ in 0..4_000 {
            let target = word(&mut next);
            let candidate = word(&mut next);
            for budget in [1u8, 2] {
                let automaton =
                    FuzzyTermQuery::new(Term::from_field_text(field, &target), budget, true)
                        .automaton()
                        .unwrap();
                let mut at = automaton.start();
                for byte in candidate.as_bytes() {
                    at = automaton.accept(&at, *byte);
                }
                let by_automaton = automaton.is_match(&at);
                let a: Vec<char> = candidate.chars().collect();
                let b: Vec<char> = target.chars().collect();
                assert_eq!(
                    within_edits(&a, &b, budget),
                    by_automaton,
                    "{candidate:?} vs {target:?} within {budget}"
                );
                accepted += usize::from(by_automaton);
            }
        }
        assert!(accepted > 500, "too few accepted pairs: {accepted}");
    }
}
