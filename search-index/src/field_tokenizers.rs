//! Tokenizers registered with the index for the fields the writer's threads analyse
//! beyond plain neutral words: stems in a listing's own language, and neighbouring
//! word pairs.
//!
//! Tantivy names one tokenizer per field, while a listing's language varies: a stemmed
//! value therefore carries its language code in front ([`mark_language`]), and the
//! stem tokenizer reads it. Analysing here rather than feeding pre-tokenized text
//! matters for bulk imports: tantivy keeps pre-tokenized text as JSON inside the
//! document and parses it back in the writer's thread.
//!
//! It deliberately knows nothing of fields, weights or queries; `schema` decides what
//! goes where.

use crate::analysis::{Analyzers, neutral_analyzer};
use tantivy::tokenizer::{
    BoxTokenStream, PreTokenizedStream, PreTokenizedString, TextAnalyzer, Token, TokenStream,
    Tokenizer,
};

/// Name of the tokenizer of stems in the language marked on each value.
pub(crate) const STEM_TOKENIZER: &str = "ponte_stem_marked";
/// Name of the tokenizer of neighbouring neutral word pairs.
pub(crate) const WORD_PAIR_TOKENIZER: &str = "ponte_word_pairs";
/// Name of the tokenizer of neighbouring stem pairs, in the marked language.
pub(crate) const STEM_PAIR_TOKENIZER: &str = "ponte_stem_pairs_marked";

/// Separates the language code from the text in a value for [`STEM_TOKENIZER`]; a
/// control character no analyzer keeps as part of a word.
const LANGUAGE_MARK: char = '\u{1f}';

/// `text` marked as being in `language` (a code of `analysis::LANGUAGES`).
pub(crate) fn mark_language(language: &str, text: &str) -> String {
    let mut marked = String::with_capacity(language.len() + 1 + text.len());
    marked.push_str(language);
    marked.push(LANGUAGE_MARK);
    marked.push_str(text);
    marked
}

/// The pair token for `first` followed at the next position by `second`. Analysed
/// words never hold a space, so a pair cannot be mistaken for a word.
pub(crate) fn pair(first: &str, second: &str) -> String {
    let mut pair = String::with_capacity(first.len() + 1 + second.len());
    write_pair(&mut pair, first, second);
    pair
}

/// Writes the pair token for `first` and `second` into `out`, replacing what it held.
fn write_pair(out: &mut String, first: &str, second: &str) {
    out.clear();
    out.push_str(first);
    out.push(' ');
    out.push_str(second);
}

/// Every tokenizer of this module, by the name fields give it.
pub(crate) fn field_tokenizers(stem_value_gap: usize) -> [(&'static str, TextAnalyzer); 3] {
    let stems = StemsInMarkedLanguage::new(stem_value_gap);
    [
        (STEM_TOKENIZER, TextAnalyzer::from(stems.clone())),
        (
            WORD_PAIR_TOKENIZER,
            TextAnalyzer::from(NeighbourPairs {
                words: neutral_analyzer(),
            }),
        ),
        (
            STEM_PAIR_TOKENIZER,
            TextAnalyzer::from(NeighbourPairs {
                words: TextAnalyzer::from(stems),
            }),
        ),
    ]
}

/// Stems of a value marked by [`mark_language`], in that language, each position moved
/// on by a gap (see `schema`). An unmarked value, or one in a language without
/// stemming, has no stems. Each writer thread has its own copy, whose memo stems each
/// distinct word once: stemming is most of the analysis, and listings repeat words.
#[derive(Clone)]
struct StemsInMarkedLanguage {
    analyzers: Analyzers,
    value_gap: usize,
}

impl StemsInMarkedLanguage {
    fn new(value_gap: usize) -> StemsInMarkedLanguage {
        StemsInMarkedLanguage {
            analyzers: Analyzers::new(),
            value_gap,
        }
    }
}

impl Tokenizer for StemsInMarkedLanguage {
    type TokenStream<'a> = PreTokenizedStream;

    fn token_stream<'a>(&'a mut self, value: &'a str) -> PreTokenizedStream {
        let mut tokens = match value.split_once(LANGUAGE_MARK) {
            Some((language, text)) => self.analyzers.stem_tokens(language, text),
            None => Vec::new(),
        };
        for token in &mut tokens {
            token.position += self.value_gap;
        }
        PreTokenizedStream::from(PreTokenizedString {
            text: String::new(),
            tokens,
        })
    }
}

/// Every two tokens of `words` at neighbouring positions, as one [`pair`] token: a
/// phrase of two words is then one term to look up. Pairs never span two values, which
/// tantivy analyses separately.
#[derive(Clone)]
struct NeighbourPairs {
    words: TextAnalyzer,
}

impl Tokenizer for NeighbourPairs {
    type TokenStream<'a> = PairStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairStream<'a> {
        PairStream {
            words: self.words.token_stream(text),
            previous: None,
            pair: Token::default(),
        }
    }
}

struct PairStream<'a> {
    words: BoxTokenStream<'a>,
    /// The last word seen and its position.
    previous: Option<(String, usize)>,
    pair: Token,
}

impl TokenStream for PairStream<'_> {
    fn advance(&mut self) -> bool {
        while self.words.advance() {
            let word = self.words.token();
            let Some((first, position)) = &mut self.previous else {
                self.previous = Some((word.text.clone(), word.position));
                continue;
            };
            let neighbours = word.position == *position + 1;
            if neighbours {
                write_pair(&mut self.pair.text, first, &word.text);
                self.pair.position = *position;
            }
            first.clone_from(&word.text);
            *position = word.position;
            if neighbours {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.pair
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.pair
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn tokens(name: &str, value: &str) -> Vec<(String, usize)> {
        let (_, mut analyzer) = field_tokenizers(16)
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap();
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(value);
        while let Some(token) = stream.next() {
            out.push((token.text.clone(), token.position));
        }
        out
    }

    #[test]
    fn stems_follow_the_marked_language_and_skip_the_gap() {
        let text = "I laboratori della città e le stampanti";
        let mut analyzers = Analyzers::new();
        let expected: Vec<(String, usize)> = analyzers
            .language_tokens("it", text)
            .unwrap()
            .into_iter()
            .map(|t| (t.text, t.position + 16))
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(tokens(STEM_TOKENIZER, &mark_language("it", text)), expected);
        // Another language stems the same words otherwise.
        assert_ne!(tokens(STEM_TOKENIZER, &mark_language("en", text)), expected);
        assert!(tokens(STEM_TOKENIZER, text).is_empty());
        assert!(tokens(STEM_TOKENIZER, &mark_language("xx", text)).is_empty());
    }

    #[test]
    fn pairs_are_neighbouring_words_only() {
        assert_eq!(
            tokens(WORD_PAIR_TOKENIZER, "Stampa 3D, di metalli"),
            vec![
                ("stampa 3d".to_string(), 0),
                ("3d di".to_string(), 1),
                ("di metalli".to_string(), 2),
            ]
        );
        assert!(tokens(WORD_PAIR_TOKENIZER, "solo").is_empty());
        // "di" is an Italian stop word: its stems' neighbours are not next to each
        // other, so they make no pair.
        assert_eq!(
            tokens(
                STEM_PAIR_TOKENIZER,
                &mark_language("it", "stampa 3D di metalli")
            ),
            vec![(pair("stamp", "3d"), 16)]
        );
    }
}
