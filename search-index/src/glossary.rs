//! The synonym and plain-language glossary (`data/glossary.tsv`), used to expand
//! queries: "3D printing" also looks for "additive manufacturing" and "stampa 3D".
//!
//! Expansion happens at query time only, so editing the glossary needs no reindex. It
//! deliberately does not rank (the query builder weighs synonyms below the user's own
//! words) and does not chain: a term's synonyms are the other members of its groups,
//! never their groups' members.

use crate::analysis::Analyzers;
use std::collections::HashMap;
use std::sync::OnceLock;

const GLOSSARY_TSV: &str = include_str!("../data/glossary.tsv");

/// Longest glossary term, in words, worth looking for in a query.
pub(crate) const MAX_TERM_WORDS: usize = 6;

/// A term as analysed words (neutral analysis).
pub(crate) type Words = Vec<String>;

#[derive(Debug, Default)]
pub(crate) struct Glossary {
    groups: Vec<Vec<Words>>,
    by_term: HashMap<Words, Vec<usize>>,
}

impl Glossary {
    pub(crate) fn parse(text: &str, analyzers: &mut Analyzers) -> Glossary {
        let mut glossary = Glossary::default();
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let mut group: Vec<Words> = Vec::new();
            for term in line.split('\t') {
                let words: Words = analyzers
                    .neutral_tokens(term)
                    .into_iter()
                    .map(|t| t.text)
                    .collect();
                if !words.is_empty() && words.len() <= MAX_TERM_WORDS && !group.contains(&words) {
                    group.push(words);
                }
            }
            if group.len() < 2 {
                // A group of one expands to nothing; skip rather than fail the process.
                continue;
            }
            let index = glossary.groups.len();
            for words in &group {
                glossary
                    .by_term
                    .entry(words.clone())
                    .or_default()
                    .push(index);
            }
            glossary.groups.push(group);
        }
        glossary
    }

    /// The glossary shipped with Ponte, parsed once.
    pub(crate) fn shipped() -> &'static Glossary {
        static GLOSSARY: OnceLock<Glossary> = OnceLock::new();
        GLOSSARY.get_or_init(|| Glossary::parse(GLOSSARY_TSV, &mut Analyzers::new()))
    }

    pub(crate) fn contains(&self, words: &[String]) -> bool {
        self.by_term.contains_key(words)
    }

    /// The other members of every group `words` belongs to, without duplicates.
    pub(crate) fn synonyms(&self, words: &[String]) -> Vec<Words> {
        let mut out: Vec<Words> = Vec::new();
        for &group in self
            .by_term
            .get(words)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            for member in self
                .groups
                .get(group)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if member.as_slice() != words && !out.contains(member) {
                    out.push(member.clone());
                }
            }
        }
        out
    }

    #[cfg(test)]
    pub(crate) fn group_count(&self) -> usize {
        self.groups.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn words(text: &str) -> Words {
        text.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn shipped_glossary_is_large_and_has_the_key_groups() {
        let g = Glossary::shipped();
        assert!(g.group_count() >= 150, "only {} groups", g.group_count());
        let printing = g.synonyms(&words("3d printing"));
        assert!(printing.contains(&words("additive manufacturing")));
        assert!(printing.contains(&words("stampa 3d")));
        assert!(printing.contains(&words("manifattura additiva")));
        let sem = g.synonyms(&words("sem"));
        assert!(sem.contains(&words("scanning electron microscope")));
        assert!(sem.contains(&words("microscopio elettronico a scansione")));
        assert!(g.synonyms(&words("rust")).contains(&words("corrosione")));
        assert!(g.synonyms(&words("fatigue")).contains(&words("fatica")));
        assert!(
            g.synonyms(&words("carbon fiber"))
                .contains(&words("fibra di carbonio"))
        );
        assert!(g.synonyms(&words("office")).contains(&words("ufficio")));
        assert!(g.synonyms(&words("desk")).contains(&words("scrivania")));
        assert!(g.synonyms(&words("lab")).contains(&words("laboratorio")));
        assert!(g.synonyms(&words("testing")).contains(&words("collaudo")));
        assert!(
            g.synonyms(&words("machine learning"))
                .contains(&words("apprendimento automatico"))
        );
        assert!(
            g.synonyms(&words("ai"))
                .contains(&words("intelligenza artificiale"))
        );
    }

    #[test]
    fn parsing_ignores_comments_blank_lines_and_singletons() {
        let mut a = Analyzers::new();
        let g = Glossary::parse("# note\n\nalone\nCittà\tcity\r\n", &mut a);
        assert_eq!(g.group_count(), 1);
        assert_eq!(g.synonyms(&words("citta")), vec![words("city")]);
        assert!(g.synonyms(&words("alone")).is_empty());
    }
}
