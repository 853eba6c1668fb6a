//! Text analysis: how listing text and query words are cut into terms.
//!
//! Two kinds of analysis exist side by side. The *neutral* one (split on anything that
//! is not a letter or digit, lower-case, fold accents) is language-agnostic and keeps
//! every word, so exact matches, typos and prefixes work on any language. The
//! *language* ones (en, it, fr, de, es) additionally drop stop words and stem, so
//! "laboratori" meets "laboratorio". A listing's text is stemmed in its own language
//! only; a query is stemmed in every language, because we do not know which language
//! the person searching writes in.
//!
//! It deliberately does not detect languages (the listing says which one it is in) and
//! does not know about fields, boosts or synonyms.

use std::collections::HashMap;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, StopWordFilter, TextAnalyzer, Token,
};

/// Name under which the neutral analyzer is registered with the index.
pub(crate) const NEUTRAL_TOKENIZER: &str = "ponte_neutral";

/// Words longer than this are not indexed: they are noise (hashes, URLs) and would
/// bloat the term dictionary.
const MAX_TOKEN_BYTES: usize = 60;

/// The languages with stemming and stop words, by ISO 639-1 code.
pub(crate) const LANGUAGES: [(&str, Language); 5] = [
    ("en", Language::English),
    ("it", Language::Italian),
    ("fr", Language::French),
    ("de", Language::German),
    ("es", Language::Spanish),
];

/// Splits, lower-cases and folds accents; keeps every word.
pub(crate) fn neutral_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Splits, lower-cases, drops the language's stop words, stems, then folds accents.
/// Stop words and stemming run before folding because the stop lists and the Snowball
/// stemmers expect accented letters ("però", "città").
pub(crate) fn language_analyzer(language: Language) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .dynamic();
    let builder = match StopWordFilter::new(language) {
        Some(stop) => builder.filter_dynamic(stop),
        None => builder,
    };
    builder
        .filter_dynamic(Stemmer::new(language))
        .filter_dynamic(AsciiFoldingFilter)
        .build()
}

/// The whole value as one lower-cased, accent-folded term (for keyword fields).
fn keyword_folder() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Every analyzer a search or an indexing pass needs. Analyzers need `&mut` to run, so
/// each caller clones the shared template (cheap: the stop lists are behind `Arc`s, and
/// a clone starts with an empty memo of word forms whatever the original has
/// remembered).
pub(crate) struct Analyzers {
    neutral: TextAnalyzer,
    languages: Vec<(&'static str, TextAnalyzer)>,
    /// Per language, an analyzer that only lower-cases and drops stop words, to ask
    /// "is this word a stop word there?".
    stop_checks: Vec<TextAnalyzer>,
    keyword: TextAnalyzer,
    /// Splits text into words and drops over-long ones, as every analyzer does first;
    /// the per-word analysis below then maps each word.
    splitter: TextAnalyzer,
    forms: WordForms,
}

/// Not derived: copying the memo with the analyzers made every percolated listing copy
/// the memo its saved searches had filled while loading (a memo of up to 100,000
/// entries per listing; the percolator's median at 100k went from 0.097 to 0.499 ms).
/// A copy that wants a memo is given one with [`Analyzers::use_forms`].
impl Clone for Analyzers {
    fn clone(&self) -> Self {
        Analyzers {
            neutral: self.neutral.clone(),
            languages: self.languages.clone(),
            stop_checks: self.stop_checks.clone(),
            keyword: self.keyword.clone(),
            splitter: self.splitter.clone(),
            forms: WordForms::default(),
        }
    }
}

/// How each word seen so far was analysed: the neutral form, and per language (in
/// [`LANGUAGES`] order) the stem or `None` for a stop word. Every filter after
/// splitting works on one token alone, so analysing text word by word through this
/// memo gives exactly the analyzers' tokens, positions and offsets, while stemming and
/// folding each distinct word once: the hits of one search repeat their words a lot.
/// The shared template stays empty; search keeps memos between searches (see
/// [`Analyzers::take_forms`]), since listings keep using the same words.
#[derive(Clone, Default)]
pub(crate) struct WordForms {
    neutral: Memo<String>,
    stems: [Memo<Option<String>>; LANGUAGES.len()],
    /// Query words and glossary terms analysed in every language
    /// ([`Analyzers::all_language_tokens`]): searches ask for the same ones again and
    /// again, and stemming each in every language was a tenth of a search at 100k.
    all_languages: Memo<Vec<Vec<Token>>>,
}

/// A memo of word forms. Hashed with foldhash, randomly seeded per memo: hashing the
/// words with std's SipHash was a third of looking them up, once per word of every hit
/// explained; the memo is bounded, and the seed keeps chosen words from colliding.
type Memo<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// Words remembered per memo before it starts afresh, which bounds its memory
/// whatever the texts it is given.
const REMEMBERED_WORDS: usize = 100_000;

impl Analyzers {
    pub(crate) fn new() -> Analyzers {
        let languages = LANGUAGES
            .iter()
            .map(|(code, lang)| (*code, language_analyzer(*lang)))
            .collect();
        let stop_checks = LANGUAGES
            .iter()
            .filter_map(|(_, lang)| StopWordFilter::new(*lang))
            .map(|stop| {
                TextAnalyzer::builder(RawTokenizer::default())
                    .filter(LowerCaser)
                    .filter(stop)
                    .build()
            })
            .collect();
        Analyzers {
            neutral: neutral_analyzer(),
            languages,
            stop_checks,
            keyword: keyword_folder(),
            splitter: TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
                .build(),
            forms: WordForms::default(),
        }
    }

    /// This copy's memo of word forms, leaving it an empty one.
    pub(crate) fn take_forms(&mut self) -> WordForms {
        std::mem::take(&mut self.forms)
    }

    /// Analyses through `forms`, a memo an earlier copy filled.
    pub(crate) fn use_forms(&mut self, forms: WordForms) {
        self.forms = forms;
    }

    /// The neutral tokens of `text`, and its tokens in `language` (none without
    /// one), exactly as [`Analyzers::neutral_tokens`] and [`Analyzers::language_tokens`]
    /// make them, through the memo of word forms.
    pub(crate) fn text_tokens(
        &mut self,
        language: Option<&str>,
        text: &str,
    ) -> (Vec<Token>, Vec<Token>) {
        let language = language.and_then(|code| LANGUAGES.iter().position(|(c, _)| *c == code));
        let mut neutral = Vec::new();
        let mut stemmed = Vec::new();
        let mut stream = self.splitter.token_stream(text);
        while stream.advance() {
            let word = stream.token();
            let form = remembered(&mut self.forms.neutral, &word.text, || {
                collect_tokens(&mut self.neutral, &word.text)
                    .pop()
                    .map(|t| t.text)
                    .unwrap_or_default()
            });
            neutral.push(with_text(word, form));
            if let Some(language) = language {
                push_stem(
                    &mut self.forms,
                    &mut self.languages,
                    language,
                    word,
                    &mut stemmed,
                );
            }
        }
        (neutral, stemmed)
    }

    /// The tokens of `text` in `language` (none for a language without stemming),
    /// exactly as [`Analyzers::language_tokens`] makes them, through the memo of word
    /// forms. The index's writer threads stem listings this way.
    pub(crate) fn stem_tokens(&mut self, language: &str, text: &str) -> Vec<Token> {
        let mut stemmed = Vec::new();
        let Some(language) = LANGUAGES.iter().position(|(c, _)| *c == language) else {
            return stemmed;
        };
        let mut stream = self.splitter.token_stream(text);
        while stream.advance() {
            push_stem(
                &mut self.forms,
                &mut self.languages,
                language,
                stream.token(),
                &mut stemmed,
            );
        }
        stemmed
    }

    /// Neutral tokens with byte offsets into `text`.
    pub(crate) fn neutral_tokens(&mut self, text: &str) -> Vec<Token> {
        collect_tokens(&mut self.neutral, text)
    }

    /// The neutral form of one word (`None` when nothing of it is searchable).
    pub(crate) fn neutral_word(&mut self, word: &str) -> Option<String> {
        let mut tokens = collect_tokens(&mut self.neutral, word);
        if tokens.len() == 1 {
            tokens.pop().map(|t| t.text)
        } else {
            None
        }
    }

    /// Tokens of `text` in the given language, or `None` for a language without stemming.
    pub(crate) fn language_tokens(&mut self, language: &str, text: &str) -> Option<Vec<Token>> {
        let analyzer = self
            .languages
            .iter_mut()
            .find(|(code, _)| *code == language)
            .map(|(_, a)| a)?;
        Some(collect_tokens(analyzer, text))
    }

    /// The distinct analysed forms of `text` over every language (stop words removed
    /// per language, so a language in which it is all stop words contributes nothing).
    pub(crate) fn all_language_tokens(&mut self, text: &str) -> Vec<Vec<Token>> {
        let languages = &mut self.languages;
        remembered(&mut self.forms.all_languages, text, || {
            let mut variants: Vec<Vec<Token>> = Vec::new();
            for (_, analyzer) in languages.iter_mut() {
                let tokens = collect_tokens(analyzer, text);
                if tokens.is_empty() {
                    continue;
                }
                let same = |other: &Vec<Token>| {
                    other.len() == tokens.len()
                        && other
                            .iter()
                            .zip(&tokens)
                            .all(|(a, b)| a.text == b.text && a.position == b.position)
                };
                if !variants.iter().any(same) {
                    variants.push(tokens);
                }
            }
            variants
        })
    }

    /// Whether `word` (already lower-cased, not folded) is a stop word in any language.
    pub(crate) fn is_stop_word(&mut self, word: &str) -> bool {
        self.stop_checks.iter_mut().any(|analyzer| {
            let mut stream = analyzer.token_stream(word);
            !stream.advance()
        })
    }

    /// A filter value or keyword in its comparable form: words lower-cased, accents
    /// folded, punctuation and spacing collapsed to one space ("Emilia-Romagna" and
    /// "emilia romagna" compare equal).
    pub(crate) fn keyword(&mut self, value: &str) -> String {
        let words: Vec<String> = collect_tokens(&mut self.neutral, value)
            .into_iter()
            .map(|t| t.text)
            .collect();
        if words.is_empty() {
            // Values made only of punctuation still need a stable key.
            collect_tokens(&mut self.keyword, value.trim())
                .into_iter()
                .map(|t| t.text)
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            words.join(" ")
        }
    }
}

/// Appends `word`'s stem in the language at `language` (an index of [`LANGUAGES`]) to
/// `stemmed`, unless it is a stop word there.
fn push_stem(
    forms: &mut WordForms,
    languages: &mut [(&'static str, TextAnalyzer)],
    language: usize,
    word: &Token,
    stemmed: &mut Vec<Token>,
) {
    let (Some(stems), Some((_, analyzer))) =
        (forms.stems.get_mut(language), languages.get_mut(language))
    else {
        return;
    };
    let stem = remembered(stems, &word.text, || {
        collect_tokens(analyzer, &word.text).pop().map(|t| t.text)
    });
    if let Some(stem) = stem {
        stemmed.push(with_text(word, stem));
    }
}

/// `word` with another text: its position and offsets, without copying its own text.
fn with_text(word: &Token, text: String) -> Token {
    Token {
        offset_from: word.offset_from,
        offset_to: word.offset_to,
        position: word.position,
        text,
        position_length: word.position_length,
    }
}

/// `word`'s entry in `memo`, analysed and remembered first if missing.
fn remembered<V: Clone>(memo: &mut Memo<V>, word: &str, analyse: impl FnOnce() -> V) -> V {
    if let Some(known) = memo.get(word) {
        return known.clone();
    }
    let value = analyse();
    if memo.len() >= REMEMBERED_WORDS {
        memo.clear();
    }
    memo.insert(word.to_owned(), value.clone());
    value
}

fn collect_tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().clone());
    }
    out
}

/// The language code the index knows for a listing's `language` ("en-GB" → "en"), or
/// `None` when it has no stemming for it.
pub(crate) fn known_language(language: &str) -> Option<&'static str> {
    let lower = language.trim().to_ascii_lowercase();
    let primary = lower.split(['-', '_']).next().unwrap_or_default();
    LANGUAGES
        .iter()
        .map(|(code, _)| *code)
        .find(|code| *code == primary)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_starts_without_the_word_forms_the_original_remembered() {
        let mut template = Analyzers::new();
        let _ = template.all_language_tokens("laser cutting");
        let _ = template.text_tokens(Some("en"), "Laser cutting of steel");
        assert!(!template.forms.all_languages.is_empty());
        assert!(!template.forms.neutral.is_empty());
        let mut copy = template.clone();
        assert!(copy.forms.all_languages.is_empty());
        assert!(copy.forms.neutral.is_empty());
        assert!(copy.forms.stems.iter().all(HashMap::is_empty));
        // The copy analyses as the original does.
        assert_eq!(
            copy.all_language_tokens("laser cutting").len(),
            template.all_language_tokens("laser cutting").len()
        );
        drop(template.take_forms());
        assert!(template.forms.all_languages.is_empty());
    }

    #[test]
    fn neutral_folds_and_keeps_stop_words() {
        let mut a = Analyzers::new();
        let t: Vec<String> = a
            .neutral_tokens("Città della Scienza")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(t, vec!["citta", "della", "scienza"]);
    }

    #[test]
    fn italian_stems_plural_and_singular_alike() {
        let mut a = Analyzers::new();
        let one = a.language_tokens("it", "materiale").unwrap();
        let many = a.language_tokens("it", "materiali").unwrap();
        assert_eq!(one[0].text, many[0].text);
        // Stop words go, and the gap they leave is kept in the positions.
        let tokens = a.language_tokens("it", "prove di fatica").unwrap();
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens[1].position - tokens[0].position, 2);
    }

    #[test]
    fn word_by_word_analysis_gives_the_analyzers_tokens() {
        let mut a = Analyzers::new();
        let long = "x".repeat(MAX_TOKEN_BYTES);
        let texts = [
            "Città della Scienza: prove di fatica, PROVE DI FATICA e laboratori!".to_owned(),
            "The testing of composites, tested by the labs; Straße, Ärzte and naïve café"
                .to_owned(),
            format!("laser {long} cutting {}", &long[1..]),
            "Essais de fatigue à l'université; análisis de materiales en España".to_owned(),
            "3D-Druck 42 Prüfstände ΑΒΓ δέλτα 東京 and İstanbul".to_owned(),
            String::new(),
        ];
        // Twice, so the second pass reads every word from the memo.
        for _ in 0..2 {
            for text in &texts {
                for language in [
                    None,
                    Some("en"),
                    Some("it"),
                    Some("fr"),
                    Some("de"),
                    Some("es"),
                ] {
                    let (neutral, stemmed) = a.text_tokens(language, text);
                    let expected_neutral = a.neutral_tokens(text);
                    let expected_stemmed = language
                        .and_then(|l| a.language_tokens(l, text))
                        .unwrap_or_default();
                    let key = |t: &Token| (t.text.clone(), t.position, t.offset_from, t.offset_to);
                    assert_eq!(
                        neutral.iter().map(key).collect::<Vec<_>>(),
                        expected_neutral.iter().map(key).collect::<Vec<_>>(),
                        "{text}"
                    );
                    assert_eq!(
                        stemmed.iter().map(key).collect::<Vec<_>>(),
                        expected_stemmed.iter().map(key).collect::<Vec<_>>(),
                        "{language:?} {text}"
                    );
                }
            }
        }
        assert!(a.forms.stems.iter().all(|stems| !stems.is_empty()));
    }

    #[test]
    fn stop_words_are_recognised_in_any_language() {
        let mut a = Analyzers::new();
        assert!(a.is_stop_word("the"));
        assert!(a.is_stop_word("della"));
        assert!(!a.is_stop_word("laser"));
    }

    #[test]
    fn keywords_collapse_case_accents_and_punctuation() {
        let mut a = Analyzers::new();
        assert_eq!(a.keyword("Emilia-Romagna"), a.keyword("emilia romagna"));
        assert_eq!(a.keyword("Forlì"), "forli");
    }

    #[test]
    fn language_codes() {
        assert_eq!(known_language("en-GB"), Some("en"));
        assert_eq!(known_language("IT"), Some("it"));
        assert_eq!(known_language("pt"), None);
    }
}
