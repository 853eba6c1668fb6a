//! Ponte's query language, parsed by our own small grammar so that no user text ever
//! reaches tantivy's query parser (whose recursion is unbounded, see the security notes).
//!
//! ```text
//! query   := clause*
//! clause  := '-' unit                 exclusion
//!          | unit ('OR' unit)*        alternatives
//! unit    := word | '"' words '"' | '(' query ')'
//! ```
//!
//! Precedence: `OR` binds tighter than the implicit AND between clauses, so
//! `laser OR plasma cutting` is `(laser OR plasma) AND cutting`. `OR` is an operator only
//! in capitals; "or" is a word. `-` excludes the unit right after it and cannot be an
//! operand of `OR`; a `-` straight after a parenthesis or a quote, or between spaces
//! after a word, or before a number ("-2", "-0.5"), is punctuation, as are parentheses
//! holding only punctuation. A word containing punctuation ("carbon-fibre") is a phrase
//! of its parts. Bounds: 1,024 bytes, 32 words, 4 levels of parentheses; tab and
//! newline count as spaces, other control characters are refused.
//!
//! This module deliberately knows nothing of fields, analyzers or scoring: it only turns
//! text into a small tree and refuses what is malformed or too big. The parser is
//! recursive only through parentheses, whose depth is checked before descending.

use crate::SearchError;

/// Longest query text accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 1024;
/// Most words (including those inside phrases) in one query.
pub const MAX_QUERY_WORDS: usize = 32;
/// Deepest nesting of parentheses.
pub const MAX_NESTING: usize = 4;

/// A parsed query: clauses combined with AND (exclusions as AND NOT).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ParsedQuery {
    pub(crate) clauses: Vec<Clause>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clause {
    pub(crate) negated: bool,
    /// At least one; more than one means `a OR b`.
    pub(crate) alternatives: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Unit {
    /// One word, lower-cased. `prefix` marks the last word of a query still being typed.
    Word {
        text: String,
        prefix: bool,
    },
    /// Words that must appear in this order (quoted, or a word with inner punctuation).
    /// `quoted` tells the two apart: only quoted phrases are taken literally.
    Phrase {
        words: Vec<String>,
        quoted: bool,
    },
    Group(Vec<Clause>),
}

impl ParsedQuery {
    /// True when the query has no positive term at all (empty, or only exclusions).
    pub(crate) fn is_match_all(&self) -> bool {
        self.clauses.iter().all(|c| c.negated)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Lexeme {
    /// The words of an unquoted token (empty when it is only punctuation).
    Word(Vec<String>),
    Quoted(Vec<String>),
    Open,
    Close,
    Or,
    Minus,
}

fn invalid(message: impl Into<String>) -> SearchError {
    SearchError::QueryInvalid(message.into())
}

/// Splits like the indexing tokenizer (anything not alphanumeric separates words) and
/// lower-cases, so word counts and phrases line up with what is indexed.
fn words_of(raw: &str) -> Vec<String> {
    raw.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Whether `rest` starts with a number: digits and punctuation up to the next space,
/// quote or parenthesis, no letters ("2,", "0.5", but not "3d").
fn starts_a_number(rest: &str) -> bool {
    let token = rest
        .split(|c| is_space(c) || matches!(c, '"' | '(' | ')'))
        .next()
        .unwrap_or_default();
    token.starts_with(|c: char| c.is_ascii_digit()) && !token.chars().any(char::is_alphabetic)
}

fn lex(text: &str) -> Result<Vec<Lexeme>, SearchError> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if is_space(c) {
            chars.next();
            continue;
        }
        match c {
            '"' => {
                chars.next();
                let content_start = start + 1;
                let mut end = None;
                for (i, ch) in chars.by_ref() {
                    if ch == '"' {
                        end = Some(i);
                        break;
                    }
                }
                let end = end.ok_or_else(|| invalid("a quote is not closed"))?;
                out.push(Lexeme::Quoted(words_of(
                    text.get(content_start..end).unwrap_or_default(),
                )));
            }
            '(' => {
                chars.next();
                out.push(Lexeme::Open);
            }
            ')' => {
                chars.next();
                out.push(Lexeme::Close);
            }
            '-' => {
                chars.next();
                // "(H2A)-histone": a dash straight after a parenthesis or a quote joins,
                // as it does inside a word; an exclusion starts after a space.
                let joins = text
                    .get(..start)
                    .and_then(|before| before.chars().next_back())
                    .is_some_and(|before| !is_space(before));
                match chars.peek() {
                    _ if joins => {}
                    None => return Err(invalid("'-' must be followed by what to exclude")),
                    // "IL-6 - a marker": a dash between words, set off by spaces, is
                    // punctuation, as people write it; only a leading one is a mistake.
                    Some(&(_, next)) if is_space(next) && !out.is_empty() => {}
                    Some(&(_, next)) if is_space(next) || next == ')' || next == '-' => {
                        return Err(invalid("'-' must be followed by what to exclude"));
                    }
                    // "E2f-1, -2, -3", "-20 °C": a number's sign, not an exclusion.
                    Some(_) if starts_a_number(text.get(start + 1..).unwrap_or_default()) => {}
                    Some(_) => out.push(Lexeme::Minus),
                }
            }
            _ => {
                let mut end = text.len();
                while let Some(&(i, ch)) = chars.peek() {
                    if is_space(ch) || ch == '"' || ch == '(' || ch == ')' {
                        end = i;
                        break;
                    }
                    chars.next();
                }
                let raw = text.get(start..end).unwrap_or_default();
                if raw == "OR" {
                    out.push(Lexeme::Or);
                } else {
                    out.push(Lexeme::Word(words_of(raw)));
                }
            }
        }
    }
    Ok(out)
}

struct Parser {
    lexemes: Vec<Lexeme>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.pos)
    }

    fn next(&mut self) -> Option<Lexeme> {
        let lexeme = self.lexemes.get(self.pos).cloned();
        self.pos += 1;
        lexeme
    }

    fn sequence(&mut self, depth: usize) -> Result<Vec<Clause>, SearchError> {
        let mut clauses = Vec::new();
        loop {
            match self.peek() {
                None => {
                    if depth > 0 {
                        return Err(invalid("a parenthesis is not closed"));
                    }
                    return Ok(clauses);
                }
                Some(Lexeme::Close) => {
                    if depth == 0 {
                        return Err(invalid("')' without a matching '('"));
                    }
                    self.pos += 1;
                    return Ok(clauses);
                }
                Some(Lexeme::Or) => return Err(invalid("OR needs a word or phrase on both sides")),
                Some(Lexeme::Minus) => {
                    self.pos += 1;
                    let unit = self
                        .unit(depth)?
                        .ok_or_else(|| invalid("'-' must be followed by what to exclude"))?;
                    if self.peek() == Some(&Lexeme::Or) {
                        return Err(invalid("an exclusion cannot be combined with OR"));
                    }
                    clauses.push(Clause {
                        negated: true,
                        alternatives: vec![unit],
                    });
                }
                Some(_) => {
                    let first = self.unit(depth)?;
                    let mut alternatives: Vec<Unit> = first.into_iter().collect();
                    let had_first = !alternatives.is_empty();
                    while self.peek() == Some(&Lexeme::Or) {
                        self.pos += 1;
                        if !had_first {
                            return Err(invalid("OR needs a word or phrase on both sides"));
                        }
                        match self.peek() {
                            None | Some(Lexeme::Or) | Some(Lexeme::Close) => {
                                return Err(invalid("OR needs a word or phrase on both sides"));
                            }
                            Some(Lexeme::Minus) => {
                                return Err(invalid("an exclusion cannot be combined with OR"));
                            }
                            Some(_) => {}
                        }
                        let unit = self
                            .unit(depth)?
                            .ok_or_else(|| invalid("OR needs a word or phrase on both sides"))?;
                        alternatives.push(unit);
                    }
                    if had_first {
                        clauses.push(Clause {
                            negated: false,
                            alternatives,
                        });
                    }
                }
            }
        }
    }

    /// One unit; `None` for a token with nothing searchable in it (punctuation, `""`).
    fn unit(&mut self, depth: usize) -> Result<Option<Unit>, SearchError> {
        match self.next() {
            Some(Lexeme::Word(mut words)) => Ok(match words.len() {
                0 => None,
                1 => words.pop().map(|text| Unit::Word {
                    text,
                    prefix: false,
                }),
                _ => Some(Unit::Phrase {
                    words,
                    quoted: false,
                }),
            }),
            Some(Lexeme::Quoted(words)) => Ok(if words.is_empty() {
                None
            } else {
                Some(Unit::Phrase {
                    words,
                    quoted: true,
                })
            }),
            Some(Lexeme::Open) => {
                if depth + 1 > MAX_NESTING {
                    return Err(invalid(format!(
                        "parentheses are nested more than {MAX_NESTING} deep"
                    )));
                }
                let opened_at = self.pos;
                let inner = self.sequence(depth + 1)?;
                if !inner.is_empty() {
                    return Ok(Some(Unit::Group(inner)));
                }
                // "alpha (+)-thalassemia": parentheses around punctuation are
                // punctuation, like a word with nothing searchable in it; only "()" is a
                // mistake.
                if self.pos - opened_at > 1 {
                    Ok(None)
                } else {
                    Err(invalid("empty parentheses"))
                }
            }
            Some(Lexeme::Close) => Err(invalid("')' without a matching '('")),
            Some(Lexeme::Or) => Err(invalid("OR needs a word or phrase on both sides")),
            Some(Lexeme::Minus) => Err(invalid("'-' must be followed by what to exclude")),
            None => Ok(None),
        }
    }
}

/// Parses and bounds-checks a query. Empty or blank text parses to no clauses.
pub(crate) fn parse(text: &str) -> Result<ParsedQuery, SearchError> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(invalid(format!(
            "the query is longer than {MAX_QUERY_BYTES} bytes"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(invalid("the query contains control characters"));
    }
    let lexemes = lex(text)?;
    let word_count: usize = lexemes
        .iter()
        .map(|l| match l {
            Lexeme::Word(w) | Lexeme::Quoted(w) => w.len(),
            _ => 0,
        })
        .sum();
    if word_count > MAX_QUERY_WORDS {
        return Err(invalid(format!(
            "the query has more than {MAX_QUERY_WORDS} words"
        )));
    }
    // As-you-type: the last word is a prefix unless the person has finished it (a
    // trailing space), quoted it, excluded it or closed a parenthesis after it.
    let typing_last_word = !text.ends_with(is_space)
        && matches!(lexemes.last(), Some(Lexeme::Word(w)) if w.len() == 1)
        && !(lexemes.len() >= 2 && lexemes.get(lexemes.len() - 2) == Some(&Lexeme::Minus));
    let mut parser = Parser { lexemes, pos: 0 };
    let mut clauses = parser.sequence(0)?;
    if typing_last_word && let Some(last) = clauses.last_mut() {
        mark_prefix(last);
    }
    Ok(ParsedQuery { clauses })
}

fn mark_prefix(clause: &mut Clause) {
    if clause.negated {
        return;
    }
    if let Some(Unit::Word { prefix, .. }) = clause.alternatives.last_mut() {
        *prefix = true;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn word(text: &str) -> Unit {
        Unit::Word {
            text: text.into(),
            prefix: false,
        }
    }

    #[test]
    fn plain_words_and_prefix() {
        let q = parse("Laser cutt").unwrap();
        assert_eq!(q.clauses.len(), 2);
        assert_eq!(q.clauses[0].alternatives, vec![word("laser")]);
        assert_eq!(
            q.clauses[1].alternatives,
            vec![Unit::Word {
                text: "cutt".into(),
                prefix: true
            }]
        );
        let q = parse("laser cutting ").unwrap();
        assert_eq!(q.clauses[1].alternatives, vec![word("cutting")]);
    }

    #[test]
    fn or_binds_tighter_than_and() {
        let q = parse("laser OR plasma cutting ").unwrap();
        assert_eq!(q.clauses.len(), 2);
        assert_eq!(
            q.clauses[0].alternatives,
            vec![word("laser"), word("plasma")]
        );
        assert_eq!(q.clauses[1].alternatives, vec![word("cutting")]);
    }

    #[test]
    fn phrases_exclusions_groups() {
        let q = parse(
            r#""Scanning electron microscope" -rust -"heat treatment" (a OR b) carbon-fibre"#,
        )
        .unwrap();
        assert_eq!(q.clauses.len(), 5);
        assert_eq!(
            q.clauses[0].alternatives,
            vec![Unit::Phrase {
                words: vec!["scanning".into(), "electron".into(), "microscope".into()],
                quoted: true
            }]
        );
        assert!(q.clauses[1].negated && q.clauses[2].negated);
        assert!(matches!(q.clauses[3].alternatives[0], Unit::Group(_)));
        assert_eq!(
            q.clauses[4].alternatives,
            vec![Unit::Phrase {
                words: vec!["carbon".into(), "fibre".into()],
                quoted: false
            }]
        );
    }

    #[test]
    fn malformed_queries_are_refused() {
        for bad in [
            "\"open",
            "laser -",
            "- laser",
            "OR laser",
            "laser OR",
            "laser OR OR plasma",
            "a OR -b",
            "-a OR b",
            "(laser",
            "laser)",
            "()",
            "((((( deep )))))",
            "tab\u{7}bell",
        ] {
            assert!(
                matches!(parse(bad), Err(SearchError::QueryInvalid(_))),
                "accepted {bad:?}"
            );
        }
        assert!(parse("((((ok))))").is_ok());
    }

    #[test]
    fn bounds() {
        let long = "a".repeat(MAX_QUERY_BYTES + 1);
        assert!(matches!(parse(&long), Err(SearchError::QueryInvalid(_))));
        let many = vec!["w"; MAX_QUERY_WORDS + 1].join(" ");
        assert!(matches!(parse(&many), Err(SearchError::QueryInvalid(_))));
        let ok = vec!["w"; MAX_QUERY_WORDS].join(" ");
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn a_dash_between_words_is_punctuation() {
        let parsed = parse("bone density - vitamin D").unwrap();
        assert_eq!(parsed.clauses.len(), 4);
        assert!(parsed.clauses.iter().all(|clause| !clause.negated));
        assert!(parse("- vitamin").is_err());
        assert!(parse("vitamin -").is_err());
        assert!(parse("vitamin -bone").unwrap().clauses[1].negated);
    }

    #[test]
    fn parentheses_around_punctuation_are_punctuation() {
        let parsed = parse("alpha (+)- thalassemia").unwrap();
        let words: Vec<&Unit> = parsed
            .clauses
            .iter()
            .flat_map(|c| &c.alternatives)
            .collect();
        assert_eq!(
            words,
            [
                &Unit::Word {
                    text: "alpha".into(),
                    prefix: false
                },
                &Unit::Word {
                    text: "thalassemia".into(),
                    prefix: true
                }
            ]
        );
        assert!(parse("( - )").is_err());
        let joined = parse("(H2A)-histone dimer").unwrap();
        assert!(joined.clauses.iter().all(|clause| !clause.negated));
        assert_eq!(joined.clauses.len(), 3);
        assert!(parse("(H2A) -histone").unwrap().clauses[1].negated);
        assert!(parse("laser ( )").is_err());
        // A dash before a number is its sign or a list going on, not an exclusion…
        let listed = parse("E2f-1, -2, -3 TKO cells").unwrap();
        assert!(listed.clauses.iter().all(|clause| !clause.negated));
        assert_eq!(listed.clauses.len(), 5);
        assert!(!parse("storage at -20.5 degrees").unwrap().clauses[2].negated);
        // …but one before a word starting with a digit still excludes it.
        assert!(parse("printing -3d").unwrap().clauses[1].negated);
    }

    #[test]
    fn empty_and_punctuation_match_all() {
        assert!(parse("").unwrap().is_match_all());
        assert!(parse("   ").unwrap().is_match_all());
        assert!(parse("!!! ?").unwrap().is_match_all());
        assert!(parse("-rust").unwrap().is_match_all());
        assert!(parse("\"\"").unwrap().is_match_all());
    }

    #[test]
    fn huge_hostile_inputs_do_not_overflow() {
        for unit in ["(", "((((\"", "-", "\"", ")", "- ( \" OR "] {
            let text = unit.repeat(100_000 / unit.len());
            assert!(parse(&text).is_err());
        }
    }
}
