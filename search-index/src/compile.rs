//! Turns a parsed query into a tantivy query, plus the list of "matchers" that later
//! explain each hit (which query word matched which field, and how).
//!
//! Semantics. Every positive clause must match (AND); a clause matches when any of its
//! `OR` alternatives does. A word matches through any of its variants, each scored as a
//! fraction of an exact hit so that the person's own words rank first:
//!
//! | variant                                   | weight |
//! | ----------------------------------------- | ------ |
//! | exact (neutral words)                     | 1.0    |
//! | stemmed, in any language                  | 0.6    |
//! | glossary synonym                          | 0.5    |
//! | completion of the last word (as-you-type) | 0.4    |
//! | typo (1 edit from 5 letters, 2 from 9)    | 0.3    |
//!
//! Ranking is tiered, like Meilisearch's ranking rules: each required word first adds
//! a large constant for the best way it matched anywhere in the listing (exact 4,
//! stemmed 3, synonym 2, completion 1.5, typo 1, times [`TIER`]), so a listing that
//! has the person's own words always outranks one that only has a synonym or a typo of
//! them, however often it repeats those. Within a tier, BM25F decides: every variant
//! scored with its weight above over all of a listing's text, where a word counts
//! as often as its field is indexed (title 3, topics, techniques and summary 2,
//! description and organisation 1; see `schema`). Each form of a word is one posting
//! list, whatever field it is in.
//!
//! Long questions are different: from [`LONG_QUESTION_WORDS`] content words on (a
//! glossary term of several words counting as one), a query describes a need rather
//! than naming it, and no listing says it all in the same words. Then no word is
//! required; each adds BM25 score through its exact, stemmed and synonym forms (typos
//! only for words no listing has), the exact form weighted down — tuned with
//! `ponte eval-search` on SciFact's train split. Words in parentheses are read the
//! same way (an aside, not a demand), and a word joined by punctuation
//! ("Rad53-dependent") scores as its words and, on top, as a phrase; a word said
//! twice counts once. A search by people that requires
//! several words and finds nothing is asked again the same loose way. Both only when
//! people are searching (`SearchRequest::for_people`): saved-search matching always
//! requires every word.
//!
//! A word that is a stop word in one of our languages ("the", "di", "die") and has no
//! glossary entry is optional: it adds score but is not required, unless the query has
//! nothing else. Runs of words that form a glossary term ("3D printing") also match as
//! a phrase and through the term's synonyms ("additive manufacturing", "stampa 3D"), so
//! a listing need not contain every word of the query when it says the same thing in
//! other words. Quoted phrases match exactly or stemmed, and through the synonyms of
//! the whole phrase, never through typos or completions. Exclusions are literal: exact
//! or stemmed forms only.
//!
//! Typo and prefix candidates are read from the term dictionaries and capped, so a
//! short prefix or a common word cannot explode into thousands of clauses. A search by
//! people is first compiled without them ([`Reading::narrow`]) and compiled again with
//! them only when that finds fewer than 20 listings; saved-search matching always has
//! them.
//!
//! It deliberately does not apply filters, sort or page (see the collector), and does
//! not touch stored documents.

use crate::SearchError;
use crate::analysis::Analyzers;
use crate::any_of::{AnyOf, Role};
use crate::field_tokenizers::pair;
use crate::glossary::{Glossary, MAX_TERM_WORDS};
use crate::model::MatchKind;
use crate::pair_phrase::PairPhraseQuery;
use crate::query::{Clause, ParsedQuery, Unit};
use crate::schema::Fields;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::Token;
use tantivy::{Searcher, Term};

/// Score step between match kinds; larger than any realistic BM25 sum of one word.
pub(crate) const TIER: f32 = 100.0;

const EXACT: f32 = 1.0;
const STEMMED: f32 = 0.6;
const SYNONYM: f32 = 0.5;
const SYNONYM_STEMMED: f32 = 0.3;
const PREFIX: f32 = 0.4;
const TYPO: f32 = 0.3;
/// An exact word's weight in a long question (see `Compiler::weight`).
const LOOSE_EXACT: f32 = 0.2;

/// Typo candidates kept per word (the most frequent in the index).
const MAX_TYPO_TERMS: usize = 8;
/// Completions kept for the last word.
const MAX_PREFIX_TERMS: usize = 16;
/// A one-letter prefix matches too much to be useful.
const MIN_PREFIX_CHARS: usize = 2;
/// Dictionary entries read per field and segment when expanding a typo or prefix.
const MAX_SCANNED_TERMS: usize = 4096;

/// The probe kind of a completion (typo probes are told apart by their edit distance).
const PREFIX_PROBE: u8 = u8::MAX;

/// Expansions remembered before the memo starts afresh.
const REMEMBERED_EXPANSIONS: usize = 20_000;

/// A word and its probe kind (see [`Compiler::expand`]).
type ExpansionKey = (String, u8);

/// Typo and completion candidates already read from the term dictionaries, for the
/// index generation they were read from. Reading them walks every segment's dictionary
/// with an automaton, a tenth of a typical search; popular words come back often, and
/// any commit makes a new generation, which empties the memo.
#[derive(Default)]
pub(crate) struct Expansions {
    memo: Mutex<(u64, HashMap<ExpansionKey, Vec<String>>)>,
}

impl Expansions {
    fn get(&self, generation: u64, key: &ExpansionKey) -> Option<Vec<String>> {
        let memo = self.memo.lock().unwrap_or_else(PoisonError::into_inner);
        if memo.0 != generation {
            return None;
        }
        memo.1.get(key).cloned()
    }

    fn keep(&self, generation: u64, key: ExpansionKey, candidates: Vec<String>) {
        let mut memo = self.memo.lock().unwrap_or_else(PoisonError::into_inner);
        if memo.0 != generation || memo.1.len() >= REMEMBERED_EXPANSIONS {
            memo.0 = generation;
            memo.1.clear();
        }
        memo.1.insert(key, candidates);
    }
}

/// A run of query clauses compiled together: how many, and the query.
type Run = (usize, Box<dyn Query>);

/// How one query word (or phrase) can show up in a listing's text, for explaining hits.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Matcher {
    /// The query word or phrase as the person typed it (lower-cased).
    pub(crate) query_term: String,
    pub(crate) kind: MatchKind,
    /// Consecutive words to find.
    pub(crate) words: Vec<String>,
    /// Compare with the listing's stemmed words rather than its neutral words.
    pub(crate) stemmed: bool,
    /// The single word is a prefix of the listing's word.
    pub(crate) prefix: bool,
}

pub(crate) struct CompiledQuery {
    pub(crate) query: Box<dyn Query>,
    /// Whether there is anything to rank by (false for match-all).
    pub(crate) scored: bool,
    pub(crate) matchers: Vec<Matcher>,
    /// Every word was required, and there were several: compiling it loosened would
    /// find more.
    pub(crate) could_loosen: bool,
    /// Typos or completions were left out (a narrow reading): compiling it wide would
    /// find more.
    pub(crate) could_widen: bool,
}

/// Allowed typos for a word of `chars` characters (Meilisearch's defaults).
pub(crate) fn typo_budget(word: &str) -> u8 {
    let chars = word.chars().count();
    if chars >= 9 {
        2
    } else if chars >= 5 {
        1
    } else {
        0
    }
}

/// How to read a query's words.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Reading {
    /// Read long questions loosely (people searching; never saved-search matching).
    pub(crate) long_questions_loose: bool,
    /// Read it loosely (no word required) whatever its length.
    pub(crate) loosen: bool,
    /// Leave out typos and completions of required words: the words as typed, their
    /// stems and synonyms only. A search by people is read narrowly first and widened
    /// only when that does not fill the page, as Typesense's typo threshold does: a
    /// typo of a word the index knows well is mostly another word ("layer" for
    /// "laser"), and expanding every word into its typos and completions over every
    /// field multiplies the postings a search walks.
    pub(crate) narrow: bool,
}

pub(crate) fn compile(
    parsed: &ParsedQuery,
    fields: &Fields,
    analyzers: &mut Analyzers,
    glossary: &Glossary,
    searcher: &Searcher,
    expansions: &Expansions,
    reading: Reading,
) -> Result<CompiledQuery, SearchError> {
    let loosen = reading.loosen;
    if parsed.clauses.is_empty() {
        return Ok(CompiledQuery {
            query: Box::new(AllQuery),
            scored: false,
            matchers: Vec::new(),
            could_loosen: false,
            could_widen: false,
        });
    }
    let mut compiler = Compiler {
        loose: false,
        narrow: reading.narrow,
        left_out: false,
        top_level: false,
        narrow_bound: None,
        fields,
        analyzers,
        glossary,
        searcher,
        expansions,
        matchers: Vec::new(),
        record: true,
    };
    let (content_words, named_things) =
        content_words(&parsed.clauses, compiler.analyzers, glossary);
    let long = reading.long_questions_loose && named_things >= LONG_QUESTION_WORDS;
    let query = if long || loosen {
        // A loose reading has its own rule for typos (only for words no listing has).
        compiler.loose = true;
        compiler.narrow = false;
        compiler.loose(&parsed.clauses)?
    } else {
        compiler.top_level = true;
        let narrow = compiler.sequence(&parsed.clauses, false)?;
        if compiler
            .narrow_bound
            .is_some_and(|bound| bound < WIDEN_BELOW)
        {
            // The narrow reading cannot find a page: read it widely straight away
            // rather than search twice.
            compiler.narrow = false;
            compiler.left_out = false;
            compiler.matchers.clear();
            compiler.top_level = true;
            compiler.sequence(&parsed.clauses, false)?
        } else {
            narrow
        }
    };
    Ok(CompiledQuery {
        query,
        scored: !parsed.is_match_all(),
        matchers: compiler.matchers,
        could_loosen: !long && !loosen && content_words >= 2,
        could_widen: compiler.left_out,
    })
}

/// At most how many listings `query` matches, and so how many postings walking it
/// reads at most: each listing it matches holds one of its terms.
pub(crate) fn documents_at_most(
    searcher: &Searcher,
    query: &dyn Query,
) -> Result<u64, SearchError> {
    let mut terms: Vec<&Term> = Vec::new();
    query.query_terms(&mut |term, _| terms.push(term));
    let mut total = 0u64;
    for term in terms {
        total = total.saturating_add(searcher.doc_freq(term).map_err(index_error)?);
    }
    Ok(total)
}

/// A page that too few listings with every word leave short is filled with listings
/// having some of them only when the search's terms (every variant of its words) are
/// in at most this many listings together (see `AllWords`): the filling reading is
/// asked about every listing holding any of the words, and without a bound common
/// words made a tenth of the searches at a million listings twice as slow
/// (BENCHMARKS.md). Beyond it, the listings with every word are shown alone.
pub(crate) const FILL_POSTINGS_AT_MOST: u64 = 5_000;

/// A search by people is widened with typos and completions when the words as typed
/// find fewer listings than this (see [`Reading::narrow`]). A constant rather than the
/// page size, so that every page of one search reads it the same way.
pub(crate) const WIDEN_BELOW: u64 = 20;

/// Content words from which a query reads as a question or a description of a need
/// rather than a handful of keywords: then no word is required, and BM25 decides.
pub(crate) const LONG_QUESTION_WORDS: usize = 5;

/// Plain, positive, non-stop words at the query's top level (a word joined by
/// punctuation counting as one): how many, and how many
/// when a glossary term of several words ("mass spectrometry") counts as one — a
/// query naming three topics names them, it does not describe a need.
fn content_words(
    clauses: &[Clause],
    analyzers: &mut Analyzers,
    glossary: &Glossary,
) -> (usize, usize) {
    let (mut words, mut count) = (0, 0);
    let mut i = 0;
    while let Some(rest) = clauses.get(i..).filter(|rest| !rest.is_empty()) {
        if let Some(run) = leading_glossary_run(rest, analyzers, glossary) {
            words += run.words.len();
            count += 1;
            i += run.words.len();
            continue;
        }
        // A word joined by punctuation ("birth-weight") is one word to the person.
        let is_content = rest.first().is_some_and(|clause| {
            !clause.negated
                && match clause.alternatives.as_slice() {
                    [Unit::Word { text, .. }] => !analyzers.is_stop_word(text),
                    [Unit::Phrase { quoted, .. }] => !quoted,
                    _ => false,
                }
        });
        words += usize::from(is_content);
        count += usize::from(is_content);
        i += 1;
    }
    (words, count)
}

struct Compiler<'a> {
    loose: bool,
    /// See [`Reading::narrow`].
    narrow: bool,
    /// A typo or completion was left out because of `narrow`.
    left_out: bool,
    /// The word being compiled is required by the whole query (not an alternative,
    /// not inside a group or a glossary run).
    top_level: bool,
    /// In a narrow reading, the fewest listings a required word that left out typos
    /// or completions can match at most (the sum of its terms' document counts). The
    /// whole query finds no more than that.
    narrow_bound: Option<u64>,
    fields: &'a Fields,
    analyzers: &'a mut Analyzers,
    glossary: &'a Glossary,
    searcher: &'a Searcher,
    expansions: &'a Expansions,
    matchers: Vec<Matcher>,
    /// False while compiling exclusions: they explain nothing.
    record: bool,
}

/// Matches when any of `queries` does; scores their sum.
fn any_of(mut queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        0 => Box::new(EmptyQuery),
        1 => queries.pop().unwrap_or_else(|| Box::new(EmptyQuery)),
        _ => Box::new(AnyOf::new(
            queries.into_iter().map(|q| (q, Role::SCORED)).collect(),
        )),
    }
}

fn boosted(query: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, weight))
}

fn tier(kind: MatchKind) -> f32 {
    TIER * match kind {
        MatchKind::Exact => 4.0,
        MatchKind::Stemmed => 3.0,
        MatchKind::Synonym => 2.0,
        MatchKind::Prefix => 1.5,
        MatchKind::Typo => 1.0,
    }
}

/// The ways one query word or phrase can match, grouped by kind.
#[derive(Default)]
struct Variants {
    by_kind: Vec<(MatchKind, Vec<Box<dyn Query>>)>,
}

impl Variants {
    fn add(&mut self, kind: MatchKind, queries: Vec<Box<dyn Query>>) {
        if queries.is_empty() {
            return;
        }
        match self.by_kind.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, existing)) => existing.extend(queries),
            None => self.by_kind.push((kind, queries)),
        }
    }

    fn is_empty(&self) -> bool {
        self.by_kind.is_empty()
    }

    /// Matches when any variant does.
    ///
    /// Tiered: the best kind's constant (a maximum, so several weak variants never add
    /// up to a better kind), plus BM25 over every variant, each weighted by its kind.
    /// One union holds every variant, so each posting list is walked once for both.
    ///
    /// Untiered (optional words, exclusions): BM25 over every variant.
    fn build(self, tiered: bool) -> Box<dyn Query> {
        if !tiered {
            return any_of(self.by_kind.into_iter().flat_map(|(_, q)| q).collect());
        }
        let mut variants: Vec<(Box<dyn Query>, Role)> = Vec::new();
        for (kind, queries) in self.by_kind {
            for query in queries {
                let role = Role {
                    tier: tier(kind),
                    scored: true,
                };
                variants.push((query, role));
            }
        }
        if variants.is_empty() {
            return Box::new(EmptyQuery);
        }
        Box::new(AnyOf::new(variants))
    }
}

fn index_error(error: impl std::fmt::Display) -> SearchError {
    SearchError::Index(error.to_string())
}

impl Compiler<'_> {
    fn note(
        &mut self,
        query_term: &str,
        kind: MatchKind,
        words: Vec<String>,
        stemmed: bool,
        prefix: bool,
    ) {
        if !self.record || words.is_empty() {
            return;
        }
        let matcher = Matcher {
            query_term: query_term.to_string(),
            kind,
            words,
            stemmed,
            prefix,
        };
        if !self.matchers.contains(&matcher) {
            self.matchers.push(matcher);
        }
    }

    /// `words` (neutral forms) in the listings' words: a term query or a phrase.
    fn neutral_queries(&self, words: &[String], weight: f32) -> Vec<Box<dyn Query>> {
        phrase_or_term(
            (self.fields.text, self.fields.text_pairs),
            words
                .iter()
                .enumerate()
                .map(|(i, w)| (i, w.as_str()))
                .collect(),
        )
        .map(|q| boosted(q, self.weight(weight)))
        .into_iter()
        .collect()
    }

    /// A variant's weight. In a long question, which describes a need in sentences,
    /// an exact word counts a fifth as much as usual (its stem already counts it);
    /// tuned on SciFact's train split with `ponte eval-search` (see BENCHMARKS.md).
    fn weight(&self, kind_weight: f32) -> f32 {
        if self.loose && kind_weight == EXACT {
            LOOSE_EXACT
        } else {
            kind_weight
        }
    }

    /// Analysed tokens (with their positions, which keep stop-word gaps) in the
    /// listings' stems.
    fn stemmed_queries(&self, tokens: &[Token], weight: f32) -> Vec<Box<dyn Query>> {
        let first = tokens.first().map(|t| t.position).unwrap_or_default();
        phrase_or_term(
            (self.fields.text_stem, self.fields.text_stem_pairs),
            tokens
                .iter()
                .map(|t| (t.position.saturating_sub(first), t.text.as_str()))
                .collect(),
        )
        .map(|q| boosted(q, self.weight(weight)))
        .into_iter()
        .collect()
    }

    fn synonym_queries(&mut self, query_term: &str, words: &[String]) -> Vec<Box<dyn Query>> {
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        for synonym in self.glossary.synonyms(words) {
            out.extend(self.neutral_queries(&synonym, SYNONYM));
            self.note(
                query_term,
                MatchKind::Synonym,
                synonym.clone(),
                false,
                false,
            );
            for tokens in self.analyzers.all_language_tokens(&synonym.join(" ")) {
                out.extend(self.stemmed_queries(&tokens, SYNONYM_STEMMED));
                self.note(
                    query_term,
                    MatchKind::Synonym,
                    tokens.into_iter().map(|t| t.text).collect(),
                    true,
                    false,
                );
            }
        }
        out
    }

    fn sequence(
        &mut self,
        clauses: &[Clause],
        strict: bool,
    ) -> Result<Box<dyn Query>, SearchError> {
        let top_level = std::mem::replace(&mut self.top_level, false);
        let mut required: Vec<Box<dyn Query>> = Vec::new();
        let mut optional: Vec<Box<dyn Query>> = Vec::new();
        let mut excluded: Vec<Box<dyn Query>> = Vec::new();
        let optional_flags: Vec<bool> = clauses.iter().map(|c| self.is_optional(c)).collect();
        // Only stop words: they are what the person is looking for.
        let all_optional = clauses
            .iter()
            .zip(&optional_flags)
            .all(|(c, optional)| c.negated || *optional);
        let mut i = 0;
        while i < clauses.len() {
            if !strict
                && let Some((len, query)) =
                    self.glossary_run(clauses.get(i..).unwrap_or_default())?
            {
                required.push(query);
                i += len;
                continue;
            }
            let Some(clause) = clauses.get(i) else { break };
            let is_optional = optional_flags.get(i).copied().unwrap_or(false) && !all_optional;
            i += 1;
            if clause.negated {
                let saved = std::mem::replace(&mut self.record, false);
                let mut negated = Vec::new();
                for unit in &clause.alternatives {
                    negated.push(self.unit(unit, true, false)?);
                }
                self.record = saved;
                excluded.push(Box::new(crate::exclusion::Excluded(any_of(negated))));
                continue;
            }
            let mut alternatives = Vec::new();
            self.top_level = top_level && !is_optional && clause.alternatives.len() == 1;
            for unit in &clause.alternatives {
                alternatives.push(self.unit(unit, strict, !strict && !is_optional)?);
            }
            self.top_level = false;
            let query = if alternatives.len() == 1 {
                alternatives.pop().unwrap_or_else(|| Box::new(EmptyQuery))
            } else {
                any_of(alternatives)
            };
            if is_optional {
                optional.push(query);
            } else {
                required.push(query);
            }
        }
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if required.is_empty() {
            parts.push((Occur::Must, Box::new(AllQuery)));
        }
        parts.extend(required.into_iter().map(|q| (Occur::Must, q)));
        parts.extend(optional.into_iter().map(|q| (Occur::Should, q)));
        parts.extend(excluded.into_iter().map(|q| (Occur::MustNot, q)));
        Ok(Box::new(BooleanQuery::new(parts)))
    }

    /// A long question: every positive clause optional and scored by BM25 alone, so a
    /// listing that answers most of it ranks by how well, not only one that has every
    /// word. Exclusions still exclude; words are matched exactly, stemmed or through the
    /// glossary, and through typos only when the index has never seen the word; no
    /// completion of the last word, which a long question has finished typing.
    fn loose(&mut self, clauses: &[Clause]) -> Result<Box<dyn Query>, SearchError> {
        let mut wanted: Vec<Box<dyn Query>> = Vec::new();
        let mut excluded: Vec<Box<dyn Query>> = Vec::new();
        self.loose_clauses(clauses, &mut wanted, &mut excluded, &mut Vec::new())?;
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if wanted.is_empty() {
            parts.push((Occur::Must, Box::new(AllQuery)));
        }
        parts.extend(wanted.into_iter().map(|q| (Occur::Should, q)));
        parts.extend(excluded.into_iter().map(|q| (Occur::MustNot, q)));
        Ok(Box::new(BooleanQuery::new(parts)))
    }

    /// The optional and excluded parts of a loose reading. Words in parentheses are
    /// read as loosely as the rest: in a question they are mostly asides ("scanning
    /// electron microscopy (SEM)"), and reading them as required words would rank
    /// every listing that has the aside above one that answers the question.
    fn loose_clauses(
        &mut self,
        clauses: &[Clause],
        wanted: &mut Vec<Box<dyn Query>>,
        excluded: &mut Vec<Box<dyn Query>>,
        seen: &mut Vec<String>,
    ) -> Result<(), SearchError> {
        for clause in clauses {
            match (clause.negated, clause.alternatives.as_slice()) {
                (false, [Unit::Group(inner)]) => {
                    self.loose_clauses(inner, wanted, excluded, seen)?;
                    continue;
                }
                // A word said twice in a question is asked about once.
                (false, [Unit::Word { text, .. }]) => {
                    if let Some(neutral) = self.analyzers.neutral_word(text) {
                        if seen.contains(&neutral) {
                            continue;
                        }
                        seen.push(neutral);
                    }
                }
                _ => {}
            }
            if clause.negated {
                let saved = std::mem::replace(&mut self.record, false);
                let mut negated = Vec::new();
                for unit in &clause.alternatives {
                    negated.push(self.unit(unit, true, false)?);
                }
                self.record = saved;
                excluded.push(any_of(negated));
                continue;
            }
            let mut alternatives = Vec::new();
            for unit in &clause.alternatives {
                alternatives.push(match unit {
                    Unit::Word { text, .. } => self.loose_word(text)?,
                    Unit::Group(inner) => self.loose(inner)?,
                    Unit::Phrase {
                        words,
                        quoted: false,
                    } => self.loose_compound(words)?,
                    other => self.unit(other, false, false)?,
                });
            }
            wanted.push(any_of(alternatives));
        }
        Ok(())
    }

    /// A word joined by punctuation ("Rad53-dependent", "IL-10") in a long question:
    /// each of its words on its own. A listing about "Rad53 kinase-dependent"
    /// degradation answers a question about "Rad53-dependent" degradation; reading the
    /// compound as a phrase would score nothing of it, and a phrase bonus on top of
    /// the words ranked worse on SciFact's train split (see BENCHMARKS.md).
    fn loose_compound(&mut self, words: &[String]) -> Result<Box<dyn Query>, SearchError> {
        let mut parts = Vec::with_capacity(words.len());
        for word in words {
            parts.push(self.loose_word(word)?);
        }
        Ok(any_of(parts))
    }

    /// A word of a loose reading: exact, stemmed or through the glossary, and through
    /// typos only when no listing has it; no completion.
    fn loose_word(&mut self, text: &str) -> Result<Box<dyn Query>, SearchError> {
        let known = self.in_vocabulary(text)?;
        self.word_with(text, false, false, false, !known)
    }

    /// Whether any listing has `text` (in its neutral form) in any text field.
    fn in_vocabulary(&mut self, text: &str) -> Result<bool, SearchError> {
        let Some(neutral) = self.analyzers.neutral_word(text) else {
            return Ok(false);
        };
        let term = Term::from_field_text(self.fields.text, &neutral);
        Ok(self.searcher.doc_freq(&term).map_err(index_error)? > 0)
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

    /// If the clauses start with plain words that together form a glossary term of two
    /// words or more, the query for that run and its length: every word (each with its
    /// own variants), or the term as a phrase, or one of its synonyms.
    fn glossary_run(&mut self, clauses: &[Clause]) -> Result<Option<Run>, SearchError> {
        let Some(run) = leading_glossary_run(clauses, self.analyzers, self.glossary) else {
            return Ok(None);
        };
        let mut each = Vec::new();
        for (text, prefix) in &run.words {
            each.push((Occur::Must, self.word(text, *prefix, false, true)?));
        }
        let as_phrase = self.phrase_variants(&run.typed, &run.neutral, false);
        let alternatives: Vec<Box<dyn Query>> =
            vec![Box::new(BooleanQuery::new(each)), as_phrase.build(true)];
        Ok(Some((run.words.len(), any_of(alternatives))))
    }

    fn unit(
        &mut self,
        unit: &Unit,
        strict: bool,
        tiered: bool,
    ) -> Result<Box<dyn Query>, SearchError> {
        match unit {
            Unit::Word { text, prefix } => self.word(text, *prefix && !strict, strict, tiered),
            Unit::Phrase { words, .. } => Ok(self.phrase(words, strict, tiered)),
            Unit::Group(clauses) => self.sequence(clauses, strict),
        }
    }

    /// Words one after the other (see [`Compiler::phrase_variants`]).
    fn phrase(&mut self, words: &[String], strict: bool, tiered: bool) -> Box<dyn Query> {
        let typed = words.join(" ");
        let neutral: Vec<String> = words
            .iter()
            .filter_map(|w| self.analyzers.neutral_word(w))
            .collect();
        let variants = self.phrase_variants(&typed, &neutral, strict);
        if variants.is_empty() {
            Box::new(EmptyQuery)
        } else {
            variants.build(tiered)
        }
    }

    fn word(
        &mut self,
        text: &str,
        prefix: bool,
        strict: bool,
        tiered: bool,
    ) -> Result<Box<dyn Query>, SearchError> {
        self.word_with(text, prefix, strict, tiered, true)
    }

    fn word_with(
        &mut self,
        text: &str,
        prefix: bool,
        strict: bool,
        tiered: bool,
        typos: bool,
    ) -> Result<Box<dyn Query>, SearchError> {
        let Some(neutral) = self.analyzers.neutral_word(text) else {
            return Ok(Box::new(EmptyQuery));
        };
        let mut variants = Variants::default();
        variants.add(
            MatchKind::Exact,
            self.neutral_queries(std::slice::from_ref(&neutral), EXACT),
        );
        self.note(text, MatchKind::Exact, vec![neutral.clone()], false, false);
        let mut stems: Vec<String> = Vec::new();
        for tokens in self.analyzers.all_language_tokens(text) {
            if let [token] = tokens.as_slice()
                && !stems.contains(&token.text)
            {
                stems.push(token.text.clone());
                variants.add(MatchKind::Stemmed, self.stemmed_queries(&tokens, STEMMED));
            }
        }
        for stem in stems {
            self.note(text, MatchKind::Stemmed, vec![stem], true, false);
        }
        if !strict {
            let synonyms = self.synonym_queries(text, std::slice::from_ref(&neutral));
            variants.add(MatchKind::Synonym, synonyms);
            let budget = if typos { typo_budget(&neutral) } else { 0 };
            let prefix = prefix && neutral.chars().count() >= MIN_PREFIX_CHARS;
            let typos = budget > 0 && !neutral.chars().any(|c| c.is_ascii_digit());
            if self.narrow && (typos || prefix) {
                self.left_out = true;
                let query = variants.build(tiered);
                if self.top_level {
                    let bound = documents_at_most(self.searcher, query.as_ref())?;
                    self.narrow_bound = Some(self.narrow_bound.map_or(bound, |b| b.min(bound)));
                }
                return Ok(query);
            }
            if typos {
                let probe = FuzzyTermQuery::new(
                    Term::from_field_text(self.fields.text, &neutral),
                    budget,
                    true,
                );
                for candidate in self.expand(&probe, &neutral, budget, MAX_TYPO_TERMS)? {
                    variants.add(
                        MatchKind::Typo,
                        self.neutral_queries(std::slice::from_ref(&candidate), TYPO),
                    );
                    self.note(text, MatchKind::Typo, vec![candidate], false, false);
                }
            }
            if prefix {
                let probe = FuzzyTermQuery::new_prefix(
                    Term::from_field_text(self.fields.text, &neutral),
                    0,
                    true,
                );
                for candidate in self.expand(&probe, &neutral, PREFIX_PROBE, MAX_PREFIX_TERMS)? {
                    variants.add(
                        MatchKind::Prefix,
                        self.neutral_queries(std::slice::from_ref(&candidate), PREFIX),
                    );
                }
                self.note(text, MatchKind::Prefix, vec![neutral.clone()], false, true);
            }
        }
        Ok(variants.build(tiered))
    }

    /// A phrase matches exactly or stemmed, and (unless `strict`) through the synonyms
    /// of the whole phrase; never through typos or completions.
    fn phrase_variants(&mut self, typed: &str, neutral: &[String], strict: bool) -> Variants {
        let mut variants = Variants::default();
        if neutral.is_empty() {
            return variants;
        }
        variants.add(MatchKind::Exact, self.neutral_queries(neutral, EXACT));
        self.note(typed, MatchKind::Exact, neutral.to_vec(), false, false);
        for tokens in self.analyzers.all_language_tokens(typed) {
            variants.add(MatchKind::Stemmed, self.stemmed_queries(&tokens, STEMMED));
            self.note(
                typed,
                MatchKind::Stemmed,
                tokens.into_iter().map(|t| t.text).collect(),
                true,
                false,
            );
        }
        if !strict {
            let synonyms = self.synonym_queries(typed, neutral);
            variants.add(MatchKind::Synonym, synonyms);
        }
        variants
    }

    /// The listings' words accepted by the probe's automaton, most frequent first,
    /// without `exclude` (the word itself, matched exactly elsewhere). `probe_kind`
    /// tells probes of the same word apart: the edit distance, or [`PREFIX_PROBE`].
    fn expand(
        &self,
        probe: &FuzzyTermQuery,
        exclude: &str,
        probe_kind: u8,
        max: usize,
    ) -> Result<Vec<String>, SearchError> {
        let generation = self.searcher.generation().generation_id();
        let key = (exclude.to_owned(), probe_kind);
        if let Some(known) = self.expansions.get(generation, &key) {
            return Ok(known);
        }
        let found = self.expand_afresh(probe, exclude, max)?;
        self.expansions.keep(generation, key, found.clone());
        Ok(found)
    }

    fn expand_afresh(
        &self,
        probe: &FuzzyTermQuery,
        exclude: &str,
        max: usize,
    ) -> Result<Vec<String>, SearchError> {
        let automaton = probe.automaton().map_err(index_error)?;
        let mut frequency: HashMap<String, u64> = HashMap::new();
        for segment in self.searcher.segment_readers() {
            let inverted = segment
                .inverted_index(self.fields.text)
                .map_err(index_error)?;
            let mut stream = inverted
                .terms()
                .search(&automaton)
                .into_stream()
                .map_err(index_error)?;
            let mut scanned = 0;
            while scanned < MAX_SCANNED_TERMS && stream.advance() {
                scanned += 1;
                if let Ok(term) = std::str::from_utf8(stream.key())
                    && term != exclude
                {
                    *frequency.entry(term.to_string()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
        let mut ranked: Vec<(String, u64)> = frequency.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(ranked.into_iter().take(max).map(|(term, _)| term).collect())
    }
}

/// Plain words at the start of a query that together form a glossary term of two words
/// or more (the longest such run).
pub(crate) struct GlossaryRun {
    /// Each word as typed, and whether it is being typed (the query's last word).
    pub(crate) words: Vec<(String, bool)>,
    /// The words in their neutral forms: the glossary's key.
    pub(crate) neutral: Vec<String>,
    /// The words as typed, joined by spaces.
    pub(crate) typed: String,
}

/// The glossary run `clauses` start with, if any. Search and the percolator's anchors
/// both read runs this way, so a saved search is filed under what search will match.
pub(crate) fn leading_glossary_run(
    clauses: &[Clause],
    analyzers: &mut Analyzers,
    glossary: &Glossary,
) -> Option<GlossaryRun> {
    let mut words: Vec<(String, String, bool)> = Vec::new(); // (typed, neutral, prefix)
    for clause in clauses.iter().take(MAX_TERM_WORDS) {
        match (clause.negated, clause.alternatives.as_slice()) {
            (false, [Unit::Word { text, prefix }]) => match analyzers.neutral_word(text) {
                Some(neutral) => words.push((text.clone(), neutral, *prefix)),
                None => break,
            },
            _ => break,
        }
    }
    (2..=words.len()).rev().find_map(|len| {
        let run = words.get(..len)?;
        let neutral: Vec<String> = run.iter().map(|(_, n, _)| n.clone()).collect();
        glossary.contains(&neutral).then(|| GlossaryRun {
            typed: run
                .iter()
                .map(|(t, _, _)| t.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            words: run.iter().map(|(t, _, p)| (t.clone(), *p)).collect(),
            neutral,
        })
    })
}

/// A term query for one word, a phrase query (with relative positions) for several.
/// Two neighbouring words are looked up in `pair_field` (see [`PairPhraseQuery`]),
/// which finds and scores the same listings without reading positions.
pub(crate) fn phrase_or_term(
    (field, pair_field): (Field, Field),
    words: Vec<(usize, &str)>,
) -> Option<Box<dyn Query>> {
    match words.as_slice() {
        [] => None,
        [(_, word)] => Some(Box::new(TermQuery::new(
            Term::from_field_text(field, word),
            IndexRecordOption::WithFreqs,
        ))),
        [(at, first), (next, second)] if *next == at + 1 => Some(Box::new(PairPhraseQuery::new(
            [
                Term::from_field_text(field, first),
                Term::from_field_text(field, second),
            ],
            Term::from_field_text(pair_field, &pair(first, second)),
        ))),
        _ => Some(Box::new(PhraseQuery::new_with_offset(
            words
                .into_iter()
                .map(|(position, word)| (position, Term::from_field_text(field, word)))
                .collect(),
        ))),
    }
}
