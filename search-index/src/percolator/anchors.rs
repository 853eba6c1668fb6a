//! Anchor keys: which words a listing must contain for a saved search to have any chance
//! of matching it, and the same keys computed from a listing's text.
//!
//! Soundness is the only rule here: every listing a saved search matches must share at
//! least one key with it (a key that selects too much costs time, never correctness).
//! Keys are 64-bit hashes, so a collision only adds a candidate. They are read off the
//! very tree the verifier runs (see [`super::verify`]), so they cover every way search
//! lets a clause match — the exact word, its stems in every language, every glossary
//! synonym and, for typo-tolerant words, the deletion neighbourhood of the word (two
//! words within `k` edits, transpositions included, share a string obtained by deleting
//! at most `k` characters from each). Neighbourhoods are kept apart by budget, so a
//! listing's long words do not meet every short saved word they could never be a typo
//! of. The cheapest required clause is kept: a listing that misses it misses the whole
//! query.
//!
//! It deliberately does not decide matches: candidates are verified exactly.

use super::NumberMap;
use super::verify::{CITY, COUNTRY, Filters, Graph, KIND, ListingFacts, Op, REGION, Vocabulary};
use crate::analysis::Analyzers;
use crate::model::ListingDocument;

/// Namespaces keep a word, a typo neighbour of each budget and a filter value apart, so
/// that they do not select each other's saved searches.
const WORD: u64 = 0x9e37_79b9_7f4a_7c15;
const TYPO: [u64; 3] = [
    0xc2b2_ae3d_27d4_eb4f,
    0x27d4_eb2f_1656_67c5,
    0x85eb_ca77_c2b2_ae63,
];
const FILTER: u64 = 0x1656_67b1_9e37_79f9;

/// The shortest listing word that can be within one edit of a word allowed one typo
/// (5 characters), and within two of a word allowed two (9 characters).
const SHORTEST_FOR_BUDGET: [usize; 3] = [0, 4, 7];

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

/// Keys of `word` and every string made by deleting up to `deletions` (1 or 2) of its
/// characters, in the namespace of that budget.
pub(crate) fn deletion_keys(word: &str, deletions: u8, out: &mut Vec<u64>) {
    let chars: Vec<char> = word.chars().collect();
    deletion_keys_of_chars(&chars, deletions, out);
}

fn deletion_keys_of_chars(chars: &[char], deletions: u8, out: &mut Vec<u64>) {
    let n = chars.len();
    let namespace = TYPO[usize::from(deletions.min(2))];
    let without = |skip_a: usize, skip_b: usize| {
        hash_chars(
            namespace,
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

/// The key of the most selective filter `filters` holds with a single value (city,
/// region, kind, country), or 0 when it has none: a listing lacking that value fails
/// the filters whatever its text.
pub(crate) fn filter_anchor(filters: &Filters, vocabulary: &Vocabulary) -> u64 {
    for (name, position) in [
        ("city", CITY),
        ("region", REGION),
        ("kind", KIND),
        ("country", COUNTRY),
    ] {
        let mut values = filters.keyword_values(position);
        if let (Some(value), None) = (values.next(), values.next()) {
            return filter_key(name, vocabulary.word(value));
        }
    }
    0
}

/// A key that no statistics cover still costs a little, so that among clauses of
/// equally rare words the one with fewer keys wins.
const KEY_COST: f64 = 1e-7;

/// Keys one of which every listing satisfying clause `id` has, and the expected share
/// of listings they select; `None` when it can hold without any (match-all, an
/// exclusion alone, or a completion, which could be any longer word).
pub(crate) fn clause_keys(
    graph: &Graph,
    id: u32,
    vocabulary: &Vocabulary,
    statistics: &WordStatistics,
) -> Option<(Vec<u64>, f64)> {
    match graph.op(id) {
        Op::All | Op::Prefix { .. } => None,
        Op::Nothing => Some((Vec::new(), 0.0)),
        // Every word of a phrase is in a listing that has the phrase: the rarest will do.
        Op::Words { words, .. } => words
            .iter()
            .map(|(_, word)| {
                let key = word_key(vocabulary.word(*word));
                (vec![key], statistics.share(key) + KEY_COST)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1)),
        Op::Typo { word, budget } => {
            let mut keys = Vec::new();
            deletion_keys(vocabulary.word(*word), *budget, &mut keys);
            // Listings holding the word itself carry all its deletion keys; its true
            // typo neighbours are rarer still.
            let cost =
                statistics.share(word_key(vocabulary.word(*word))) + KEY_COST * keys.len() as f64;
            Some((keys, cost))
        }
        Op::Any(children) => {
            let mut keys = Vec::new();
            let mut cost = 0.0;
            for child in children.iter() {
                let (child_keys, child_cost) = clause_keys(graph, *child, vocabulary, statistics)?;
                keys.extend(child_keys);
                cost += child_cost;
            }
            keys.sort_unstable();
            keys.dedup();
            Some((keys, cost))
        }
        Op::And { must, .. } => must
            .iter()
            .filter_map(|child| clause_keys(graph, *child, vocabulary, statistics))
            .min_by(|a, b| a.1.total_cmp(&b.1)),
    }
}

/// How common words are among listings (neutral words and stems alike), to file each
/// saved search under its rarest required clause. Rare words are left out: a word
/// without a count is taken as rare.
#[derive(Debug, Clone, Default)]
pub struct WordStatistics {
    listings: u64,
    counts: NumberMap<u64, u32>,
}

impl WordStatistics {
    /// Counts over sample listings, each word once per listing.
    pub fn from_listings<'a>(listings: impl IntoIterator<Item = &'a ListingDocument>) -> Self {
        let mut analyzers = Analyzers::new();
        let vocabulary = Vocabulary::default();
        let mut statistics = WordStatistics::default();
        for listing in listings {
            let facts = ListingFacts::new(listing, &mut analyzers, &vocabulary);
            let mut keys: Vec<u64> = facts
                .neutral_words
                .iter()
                .map(|word| hash_chars(WORD, word.iter().copied()))
                .chain(facts.stem_words.iter().map(|stem| word_key(stem)))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            for key in keys {
                *statistics.counts.entry(key).or_default() += 1;
            }
            statistics.listings += 1;
        }
        statistics
    }

    /// Counts of `documents` listings, keeping words in at least `at_least` of them.
    pub(crate) fn from_counts(
        documents: u64,
        at_least: u64,
        counts: impl IntoIterator<Item = (String, u64)>,
    ) -> Self {
        let mut statistics = WordStatistics {
            listings: documents,
            counts: NumberMap::default(),
        };
        for (word, count) in counts {
            if count >= at_least {
                let count = u32::try_from(count).unwrap_or(u32::MAX);
                let entry = statistics.counts.entry(word_key(&word)).or_default();
                *entry = entry.saturating_add(count);
            }
        }
        statistics
    }

    /// Listings the statistics were taken over.
    pub fn listings(&self) -> u64 {
        self.listings
    }

    /// Words counted.
    pub fn words(&self) -> usize {
        self.counts.len()
    }

    pub(crate) fn share(&self, key: u64) -> f64 {
        match self.counts.get(&key) {
            Some(count) if self.listings > 0 => f64::from(*count) / self.listings as f64,
            _ => 0.0,
        }
    }
}

/// The keys of a listing's single-valued filter values (see [`filter_anchor`]).
pub(crate) fn listing_filter_keys(facts: &ListingFacts) -> impl Iterator<Item = u64> + '_ {
    [
        ("kind", KIND),
        ("country", COUNTRY),
        ("region", REGION),
        ("city", CITY),
    ]
    .into_iter()
    .flat_map(move |(name, position)| {
        facts
            .keywords
            .get(position)
            .into_iter()
            .flatten()
            .map(move |value| filter_key(name, value))
    })
}

/// Every key a listing offers: its neutral words, its stems, the deletion
/// neighbourhoods of its words and its filter values.
pub(crate) fn listing_keys(facts: &ListingFacts) -> Vec<u64> {
    let mut keys = Vec::new();
    for word in &facts.neutral_words {
        keys.push(hash_chars(WORD, word.iter().copied()));
        for budget in [1u8, 2] {
            if word.len() >= SHORTEST_FOR_BUDGET[usize::from(budget)] {
                deletion_keys_of_chars(word, budget, &mut keys);
            }
        }
    }
    keys.extend(facts.stem_words.iter().map(|stem| word_key(stem)));
    keys.extend(listing_filter_keys(facts));
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
