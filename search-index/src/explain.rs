//! Explains the hits that are returned: which query word matched which field and how
//! (exact, stemmed, synonym, typo, prefix), and plain-text snippets with the byte
//! ranges of the matched words.
//!
//! It works by re-analysing the stored text of each returned listing with the same
//! analyzers as indexing and comparing with the compiled query's matchers, so it costs
//! a few microseconds per returned hit and nothing per match. It deliberately never
//! produces HTML (whoever displays a snippet escapes it) and does not rank.

use crate::analysis::Analyzers;
use crate::compile::Matcher;
use crate::model::{MatchKind, MatchedTerm, Snippet};
use tantivy::tokenizer::Token;

/// Fragments of longer texts are cut to about this many characters.
pub(crate) const SNIPPET_CHARS: usize = 200;
const ELLIPSIS: &str = "…";

/// One field of a listing as stored, ready to be explained.
pub(crate) struct FieldText<'a> {
    /// The caller-facing field name (`title`, `topics`, …).
    pub(crate) name: &'static str,
    /// The values (several for topics and techniques).
    pub(crate) values: Vec<&'a str>,
    /// Whether a snippet may be made from it.
    pub(crate) snippet: bool,
}

fn rank(kind: MatchKind) -> u8 {
    match kind {
        MatchKind::Exact => 0,
        MatchKind::Stemmed => 1,
        MatchKind::Synonym => 2,
        MatchKind::Typo => 3,
        MatchKind::Prefix => 4,
    }
}

/// Byte ranges in `text` where the matcher's words occur consecutively.
fn find(matcher: &Matcher, neutral: &[Token], stemmed: &[Token]) -> Vec<(usize, usize)> {
    let tokens = if matcher.stemmed { stemmed } else { neutral };
    let n = matcher.words.len();
    if n == 0 || tokens.len() < n {
        return Vec::new();
    }
    let mut out = Vec::new();
    for window in tokens.windows(n) {
        let hit = if matcher.prefix {
            // Strictly longer: the word itself is an exact match, found by another matcher.
            window
                .first()
                .zip(matcher.words.first())
                .is_some_and(|(t, w)| t.text.len() > w.len() && t.text.starts_with(w.as_str()))
        } else {
            window.iter().zip(&matcher.words).all(|(t, w)| t.text == *w)
        };
        if hit && let (Some(a), Some(b)) = (window.first(), window.last()) {
            out.push((a.offset_from, b.offset_to));
        }
    }
    out
}

/// Explains one hit: the matched terms (best kind per query term and field) and
/// snippets for the fields that matched.
pub(crate) fn explain(
    matchers: &[Matcher],
    language: Option<&str>,
    fields: &[FieldText<'_>],
    analyzers: &mut Analyzers,
) -> (Vec<MatchedTerm>, Vec<Snippet>) {
    let mut matched: Vec<MatchedTerm> = Vec::new();
    let mut snippets = Vec::new();
    for field in fields {
        let mut highlights_per_value: Vec<Vec<(usize, usize)>> =
            Vec::with_capacity(field.values.len());
        for value in &field.values {
            let (neutral, stemmed) = analyzers.text_tokens(language, value);
            let mut highlights = Vec::new();
            for matcher in matchers {
                let found = find(matcher, &neutral, &stemmed);
                if found.is_empty() {
                    continue;
                }
                let kind = matcher.kind;
                highlights.extend(found);
                match matched
                    .iter_mut()
                    .find(|m| m.query_term == matcher.query_term && m.field == field.name)
                {
                    Some(existing) if rank(kind) < rank(existing.kind) => existing.kind = kind,
                    Some(_) => {}
                    None => matched.push(MatchedTerm {
                        query_term: matcher.query_term.clone(),
                        field: field.name.to_string(),
                        kind,
                    }),
                }
            }
            highlights_per_value.push(merge(highlights));
        }
        if field.snippet && highlights_per_value.iter().any(|h| !h.is_empty()) {
            snippets.push(snippet(field.name, &field.values, &highlights_per_value));
        }
    }
    // Report in query order, then field order, as the matchers were listed.
    matched.sort_by_key(|m| {
        matchers
            .iter()
            .position(|x| x.query_term == m.query_term)
            .unwrap_or(usize::MAX)
    });
    (matched, snippets)
}

/// Sorts and merges overlapping or touching ranges.
fn merge(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// A snippet of a field: its values joined with ", " (topics), cut around the densest
/// cluster of highlights when longer than [`SNIPPET_CHARS`].
pub(crate) fn snippet(name: &str, values: &[&str], highlights: &[Vec<(usize, usize)>]) -> Snippet {
    let mut text = String::new();
    let mut ranges = Vec::new();
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        let base = text.len();
        text.push_str(value);
        for &(a, b) in highlights.get(i).map(Vec::as_slice).unwrap_or_default() {
            ranges.push((base + a, base + b));
        }
    }
    fragment(name, &text, &ranges)
}

/// Cuts `text` to about [`SNIPPET_CHARS`] characters around the highlights, on word
/// boundaries where possible, and rebases the ranges.
pub(crate) fn fragment(name: &str, text: &str, ranges: &[(usize, usize)]) -> Snippet {
    if text.chars().count() <= SNIPPET_CHARS {
        return Snippet {
            field: name.to_string(),
            text: text.to_string(),
            highlights: ranges.to_vec(),
        };
    }
    // The window (in bytes) that starts at some highlight and covers the most others.
    let window_bytes = text
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let anchor = ranges
        .iter()
        .map(|&(start, _)| {
            let covered = ranges
                .iter()
                .filter(|&&(s, e)| s >= start && e <= start + window_bytes)
                .count();
            (covered, std::cmp::Reverse(start))
        })
        .max()
        .map_or(0, |(_, std::cmp::Reverse(start))| start);
    // Start a little before the anchor so the highlighted word has some context.
    let context = SNIPPET_CHARS / 5;
    let mut start = text.get(..anchor).map_or(0, |before| {
        before
            .char_indices()
            .rev()
            .nth(context.saturating_sub(1))
            .map_or(0, |(i, _)| i)
    });
    if start > 0 {
        // Move forward to the beginning of a word.
        if let Some(space) = text
            .get(start..anchor)
            .and_then(|s| s.find(char::is_whitespace))
        {
            start += space;
            start += text
                .get(start..)
                .and_then(|s| s.chars().next())
                .map_or(0, char::len_utf8);
        }
    }
    let rest = text.get(start..).unwrap_or_default();
    let mut end = start
        + rest
            .char_indices()
            .nth(SNIPPET_CHARS)
            .map_or(rest.len(), |(i, _)| i);
    if end < text.len() {
        // Back off to the end of a word, unless that would drop a highlight.
        if let Some(space) = text
            .get(start..end)
            .and_then(|s| s.rfind(char::is_whitespace))
        {
            let cut = start + space;
            if cut > start && ranges.iter().all(|&(s, e)| e <= cut || s >= end) {
                end = cut;
            }
        }
    }
    let mut out = String::new();
    let mut shift = 0usize;
    if start > 0 {
        out.push_str(ELLIPSIS);
        shift = ELLIPSIS.len();
    }
    out.push_str(text.get(start..end).unwrap_or_default());
    if end < text.len() {
        out.push_str(ELLIPSIS);
    }
    let highlights = ranges
        .iter()
        .filter(|&&(s, e)| s >= start && e <= end)
        .map(|&(s, e)| (s - start + shift, e - start + shift))
        .collect();
    Snippet {
        field: name.to_string(),
        text: out,
        highlights,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_whole() {
        let s = fragment("title", "Laboratorio di prove", &[(0, 11)]);
        assert_eq!(s.text, "Laboratorio di prove");
        assert_eq!(&s.text[0..11], "Laboratorio");
    }

    #[test]
    fn long_texts_are_cut_around_the_highlight_on_char_boundaries() {
        let text = format!(
            "{} microscopia elettronica {}",
            "è già città ".repeat(40),
            "più ".repeat(80)
        );
        let start = text.find("microscopia").unwrap();
        let s = fragment(
            "description",
            &text,
            &[(start, start + "microscopia".len())],
        );
        assert!(s.text.chars().count() <= SNIPPET_CHARS + 2);
        let (a, b) = s.highlights[0];
        assert_eq!(&s.text[a..b], "microscopia");
        assert!(s.text.starts_with(ELLIPSIS) && s.text.ends_with(ELLIPSIS));
    }

    #[test]
    fn merge_joins_overlaps() {
        assert_eq!(
            merge(vec![(5, 9), (0, 3), (2, 4), (9, 12)]),
            vec![(0, 4), (5, 12)]
        );
    }
}
