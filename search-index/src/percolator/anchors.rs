//! Anchor keys: which words a listing must contain for a saved search to have any chance
//! of matching it, and the same keys computed from a listing's text.
//!
//! Soundness is the only rule here: every listing a saved search matches must share at
//! least one key with it (a key that selects too much costs time, never correctness).
//! Keys are 64-bit hashes, so a collision only adds a candidate. For each required
//! clause of a query the keys cover every way search lets it match — the exact word,
//! its stems in every language, every glossary synonym and, for typo-tolerant words,
//! the deletion neighbourhood of the word (two words within `k` edits, transpositions
//! included, share a string obtained by deleting at most `k` characters from each).
//! The cheapest clause is kept: a listing that misses it misses the whole query.
//!
//! It deliberately does not decide matches: candidates are verified by search itself.

use crate::analysis::{Analyzers, known_language};
use crate::compile::{leading_glossary_run, typo_budget};
use crate::glossary::Glossary;
use crate::model::{ListingDocument, SearchRequest};
use crate::query::{Clause, ParsedQuery, Unit};

/// Namespaces keep a word, a typo neighbour and a filter value apart, so that they do
/// not select each other's saved searches.
const WORD: u64 = 0x9e37_79b9_7f4a_7c15;
const TYPO: u64 = 0xc2b2_ae3d_27d4_eb4f;
const FILTER: u64 = 0x1656_67b1_9e37_79f9;

/// Listing words this long get the two-deletion neighbourhood: a word of 9 characters
/// (the shortest allowed two typos) is within two edits only of words of 7 or more.
const TWO_DELETIONS_FROM: usize = 7;
/// Shortest listing word that can be one typo away from a typo-tolerant word (5 chars).
const ONE_DELETION_FROM: usize = 4;

fn mix(mut hash: u64) -> u64 {
    // splitmix64's finaliser: spreads FNV's weak low bits over the whole word.
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

fn hash_chars(namespace: u64, chars: impl Iterator<Item = char>) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325 ^ namespace;
    for c in chars {
        hash ^= u64::from(c);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    mix(hash)
}

pub(crate) fn word_key(word: &str) -> u64 {
    hash_chars(WORD, word.chars())
}

pub(crate) fn filter_key(filter: &str, value: &str) -> u64 {
    hash_chars(FILTER, filter.chars().chain(['\u{0}']).chain(value.chars()))
}

/// Keys of `word` and every string made by deleting up to `deletions` of its characters.
pub(crate) fn deletion_keys(word: &str, deletions: u8, out: &mut Vec<u64>) {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let without = |skip_a: usize, skip_b: usize| {
        hash_chars(
            TYPO,
            chars
                .iter()
                .enumerate()
                .filter(move |(i, _)| *i != skip_a && *i != skip_b)
                .map(|(_, c)| *c),
        )
    };
    out.push(without(usize::MAX, usize::MAX));
    if deletions >= 1 {
        for a in 0..n {
            out.push(without(a, usize::MAX));
        }
    }
    if deletions >= 2 {
        for a in 0..n {
            for b in a + 1..n {
                out.push(without(a, b));
            }
        }
    }
}

/// What a saved search is filed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Anchors {
    /// A listing must contain one of these keys.
    Keys(Vec<u64>),
    /// Nothing narrows it down: verify it against every listing.
    Always,
}

/// The anchors of a saved search: the cheapest required clause of its query, or (when
/// its query requires no word) its most selective filter.
pub(crate) fn anchors_of(request: &SearchRequest, analyzers: &mut Analyzers) -> Anchors {
    if let Ok(parsed) = crate::query::parse(&request.query) {
        let mut query_anchors = QueryAnchors {
            analyzers: &mut *analyzers,
            glossary: Glossary::shipped(),
        };
        if let Some(keys) = query_anchors.sequence(&parsed) {
            return Anchors::Keys(keys);
        }
    }
    filter_anchors(request, analyzers).map_or(Anchors::Always, Anchors::Keys)
}

/// The filters a listing document has exactly one value for, in order of selectivity.
fn filter_anchors(request: &SearchRequest, analyzers: &mut Analyzers) -> Option<Vec<u64>> {
    let filters: [(&str, &[String]); 4] = [
        ("city", &request.cities),
        ("region", &request.regions),
        ("kind", &request.kinds),
        ("country", &request.countries),
    ];
    for (name, values) in filters {
        let keys: Vec<u64> = values
            .iter()
            .map(|v| analyzers.keyword(v))
            .filter(|v| !v.is_empty())
            .map(|v| filter_key(name, &v))
            .collect();
        if !keys.is_empty() {
            return Some(keys);
        }
    }
    None
}

struct QueryAnchors<'a> {
    analyzers: &'a mut Analyzers,
    glossary: &'a Glossary,
}

impl QueryAnchors<'_> {
    /// Keys for the cheapest clause every match must satisfy; `None` when no clause is
    /// required (only stop words, exclusions or completions).
    fn sequence(&mut self, parsed: &ParsedQuery) -> Option<Vec<u64>> {
        self.clauses(&parsed.clauses)
    }

    fn clauses(&mut self, clauses: &[Clause]) -> Option<Vec<u64>> {
        let mut best: Option<Vec<u64>> = None;
        let mut consider = |keys: Vec<u64>| {
            if best.as_ref().is_none_or(|b| keys.len() < b.len()) {
                best = Some(keys);
            }
        };
        let mut i = 0;
        while i < clauses.len() {
            if let Some((len, keys)) = self.glossary_run(clauses.get(i..).unwrap_or_default()) {
                if let Some(keys) = keys {
                    consider(keys);
                }
                i += len;
                continue;
            }
            let Some(clause) = clauses.get(i) else { break };
            i += 1;
            if clause.negated {
                continue;
            }
            // A stop word may be optional (search decides with the whole query in view);
            // skipping it only costs selectivity.
            if let [Unit::Word { text, .. }] = clause.alternatives.as_slice()
                && self.analyzers.is_stop_word(text)
            {
                continue;
            }
            let mut keys = Vec::new();
            let mut anchorable = true;
            for unit in &clause.alternatives {
                match self.unit(unit) {
                    Some(unit_keys) => keys.extend(unit_keys),
                    None => anchorable = false,
                }
            }
            if anchorable {
                keys.sort_unstable();
                keys.dedup();
                consider(keys);
            }
        }
        best
    }

    /// Mirrors the compiler's glossary runs: the run's length, and its keys (those of
    /// its first word, of the run as a phrase and of the run's synonyms).
    fn glossary_run(&mut self, clauses: &[Clause]) -> Option<(usize, Option<Vec<u64>>)> {
        let run = leading_glossary_run(clauses, self.analyzers, self.glossary)?;
        let (first_text, first_prefix) = run.words.first()?;
        let keys = self.word(first_text, *first_prefix).map(|mut keys| {
            keys.extend(self.phrase(&run.typed, &run.neutral));
            keys.sort_unstable();
            keys.dedup();
            keys
        });
        Some((run.words.len(), keys))
    }

    fn unit(&mut self, unit: &Unit) -> Option<Vec<u64>> {
        match unit {
            Unit::Word { text, prefix } => self.word(text, *prefix),
            Unit::Phrase { words, .. } => {
                let typed = words.join(" ");
                let neutral: Vec<String> = words
                    .iter()
                    .filter_map(|w| self.analyzers.neutral_word(w))
                    .collect();
                Some(self.phrase(&typed, &neutral))
            }
            Unit::Group(clauses) => self.clauses(clauses),
        }
    }

    /// Every way a word matches: exact, stemmed, synonym, typo. A completion could be
    /// any longer word, so a word still being typed cannot anchor.
    fn word(&mut self, text: &str, prefix: bool) -> Option<Vec<u64>> {
        if prefix {
            return None;
        }
        // A word with no neutral form compiles to nothing: it never matches.
        let Some(neutral) = self.analyzers.neutral_word(text) else {
            return Some(Vec::new());
        };
        let mut keys = vec![word_key(&neutral)];
        for tokens in self.analyzers.all_language_tokens(text) {
            keys.extend(tokens.first().map(|t| word_key(&t.text)));
        }
        self.synonyms(std::slice::from_ref(&neutral), &mut keys);
        let budget = typo_budget(&neutral);
        if budget > 0 && !neutral.chars().any(|c| c.is_ascii_digit()) {
            deletion_keys(&neutral, budget, &mut keys);
        }
        Some(keys)
    }

    /// A phrase matches exactly or stemmed (one of its words then appears in the
    /// listing), or through a synonym of the whole phrase.
    fn phrase(&mut self, typed: &str, neutral: &[String]) -> Vec<u64> {
        let Some(first) = neutral.first() else {
            return Vec::new();
        };
        let mut keys = vec![word_key(first)];
        for tokens in self.analyzers.all_language_tokens(typed) {
            keys.extend(tokens.first().map(|t| word_key(&t.text)));
        }
        self.synonyms(neutral, &mut keys);
        keys
    }

    fn synonyms(&mut self, words: &[String], keys: &mut Vec<u64>) {
        for synonym in self.glossary.synonyms(words) {
            keys.extend(synonym.first().map(|w| word_key(w)));
            for tokens in self.analyzers.all_language_tokens(&synonym.join(" ")) {
                keys.extend(tokens.first().map(|t| word_key(&t.text)));
            }
        }
    }
}

/// Every key a listing offers: its neutral words, its stems in its own language, the
/// deletion neighbourhoods of its words and its filter values.
pub(crate) fn listing_keys(listing: &ListingDocument, analyzers: &mut Analyzers) -> Vec<u64> {
    let mut keys = Vec::new();
    let texts = [
        listing.title.as_str(),
        listing.summary.as_str(),
        listing.description.as_str(),
        listing.organisation_name.as_str(),
    ]
    .into_iter()
    .chain(listing.topics.iter().map(String::as_str))
    .chain(listing.techniques.iter().map(String::as_str));
    let mut words: Vec<String> = Vec::new();
    for text in texts.clone() {
        words.extend(analyzers.neutral_tokens(text).into_iter().map(|t| t.text));
    }
    words.sort_unstable();
    words.dedup();
    for word in &words {
        keys.push(word_key(word));
        let length = word.chars().count();
        if length >= TWO_DELETIONS_FROM {
            deletion_keys(word, 2, &mut keys);
        } else if length >= ONE_DELETION_FROM {
            deletion_keys(word, 1, &mut keys);
        }
    }
    if let Some(language) = known_language(&listing.language) {
        for text in texts {
            for token in analyzers
                .language_tokens(language, text)
                .unwrap_or_default()
            {
                keys.push(word_key(&token.text));
            }
        }
    }
    let filters = [
        ("kind", Some(&listing.kind)),
        ("country", Some(&listing.country)),
        ("region", listing.region.as_ref()),
        ("city", listing.city.as_ref()),
    ];
    for (name, value) in filters {
        if let Some(value) = value {
            let normalised = analyzers.keyword(value);
            if !normalised.is_empty() {
                keys.push(filter_key(name, &normalised));
            }
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn shares_key(a: &str, a_deletions: u8, b: &str, b_deletions: u8) -> bool {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        deletion_keys(a, a_deletions, &mut x);
        deletion_keys(b, b_deletions, &mut y);
        x.iter().any(|k| y.contains(k))
    }

    #[test]
    fn words_within_the_typo_budget_share_a_deletion_key() {
        assert!(shares_key("fatigue", 1, "fatigeu", 1), "transposition");
        assert!(shares_key("fatigue", 1, "fatique", 1), "substitution");
        assert!(shares_key("fatigue", 1, "fatigues", 1), "insertion");
        assert!(
            shares_key("spectroscopy", 2, "spektroskopy", 2),
            "two edits"
        );
        assert!(!shares_key("fatigue", 1, "fortune", 1), "far apart");
    }
}
