//! The portal's two interface languages: which one a request gets (the `ponte_lang`
//! cookie set by the language switch, else the browser's `Accept-Language`, else
//! English) and the translated labels, from the Fluent files in `server/locales/`,
//! compiled into the binary.
//!
//! Listing and organisation texts are shown in the language they were written in; only
//! the interface is translated here.

use poem::Request;
use poem::i18n::unic_langid::LanguageIdentifier;
use poem::i18n::{I18NArgs, I18NBundle, I18NResources};

/// The cookie that remembers the language chosen with the switch.
pub const LANGUAGE_COOKIE: &str = "ponte_lang";

const ENGLISH_FTL: &str = include_str!("../../locales/en/portal.ftl");
const ITALIAN_FTL: &str = include_str!("../../locales/it/portal.ftl");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    It,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::It];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::It => "it",
        }
    }

    /// The language's name in itself, for the switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::It => "Italiano",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "it" => Some(Lang::It),
            _ => None,
        }
    }

    fn identifier(self) -> LanguageIdentifier {
        // Both codes are valid BCP 47 tags; the default ("und") is never reached.
        self.code().parse().unwrap_or_default()
    }
}

/// The first supported language in an `Accept-Language` header, by quality (ties keep
/// the header's order); languages with `q=0` are refused, not chosen.
pub fn negotiate(accept_language: &str) -> Option<Lang> {
    let mut offered: Vec<(f32, usize, Lang)> = accept_language
        .split(',')
        .enumerate()
        .filter_map(|(position, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = Lang::from_code(tag)?;
            (quality > 0.0 && quality.is_finite()).then_some((quality, position, lang))
        })
        .collect();
    offered.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    offered.first().map(|(_, _, lang)| *lang)
}

/// The language for this request: the remembered choice, else the browser's.
pub fn language_of(request: &Request) -> Lang {
    let chosen = request
        .headers()
        .get_all(poem::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANGUAGE_COOKIE)
        .and_then(|(_, value)| Lang::from_code(value));
    chosen
        .or_else(|| {
            request
                .headers()
                .get(poem::http::header::ACCEPT_LANGUAGE)
                .and_then(|value| value.to_str().ok())
                .and_then(negotiate)
        })
        .unwrap_or(Lang::En)
}

/// Both languages' labels, loaded once.
pub fn resources() -> Result<I18NResources, poem::error::I18NError> {
    I18NResources::builder()
        .add_ftl("en", ENGLISH_FTL)
        .add_ftl("it", ITALIAN_FTL)
        .default_language(Lang::En.identifier())
        .build()
}

/// The labels of one language, for one page.
pub struct Tr {
    pub lang: Lang,
    bundle: I18NBundle,
}

impl Tr {
    pub fn new(resources: &I18NResources, lang: Lang) -> Tr {
        // English comes second so a label missing in Italian still reads as something.
        let bundle = resources.negotiate_languages(&[lang.identifier(), Lang::En.identifier()]);
        Tr { lang, bundle }
    }

    /// The label `key`; the key itself when it is missing (a test keeps both files
    /// complete, so this only shows during development).
    pub fn t(&self, key: &str) -> String {
        match self.bundle.text(key) {
            Ok(text) => text,
            Err(error) => {
                tracing::warn!(key, %error, "label missing");
                key.to_owned()
            }
        }
    }

    /// The label `key` with arguments, e.g. `("count", 3)`.
    pub fn with<'a>(&self, key: &str, args: impl Into<I18NArgs<'a>>) -> String {
        match self.bundle.text_with_args(key, args) {
            // Fluent wraps arguments in bidi isolation marks; the page sets its own
            // direction, and the marks only get in the way of copying and testing.
            Ok(text) => text.replace(['\u{2068}', '\u{2069}'], ""),
            Err(error) => {
                tracing::warn!(key, %error, "label missing");
                key.to_owned()
            }
        }
    }

    /// `with` for the common single count.
    pub fn count(&self, key: &str, count: impl std::borrow::Borrow<u64>) -> String {
        self.with(key, (("count", *count.borrow()),))
    }

    /// The label of a snake_case value only when there is one: for text chosen by a
    /// link (`?done=…`), which must never put words of the link's own on the page.
    pub fn known_value(&self, prefix: &str, value: &str) -> Option<String> {
        let key = format!("{prefix}-{}", value.replace('_', "-"));
        self.bundle.text(&key).ok()
    }

    /// The label of a snake_case value, e.g. `kind-facility`, falling back to the value.
    pub fn value(&self, prefix: &str, value: &str) -> String {
        let key = format!("{prefix}-{}", value.replace('_', "-"));
        match self.bundle.text(&key) {
            Ok(text) => text,
            Err(_) => value.to_owned(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn message_ids(ftl: &str) -> BTreeSet<String> {
        ftl.lines()
            .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
            .filter_map(|line| line.split_once('=').map(|(id, _)| id.trim().to_owned()))
            .collect()
    }

    #[test]
    fn every_label_exists_in_both_languages() {
        let english = message_ids(ENGLISH_FTL);
        let italian = message_ids(ITALIAN_FTL);
        assert!(english.len() > 50, "too few labels: {}", english.len());
        let only_english: Vec<_> = english.difference(&italian).collect();
        let only_italian: Vec<_> = italian.difference(&english).collect();
        assert!(only_english.is_empty(), "not translated: {only_english:?}");
        assert!(only_italian.is_empty(), "not in English: {only_italian:?}");
    }

    #[test]
    fn both_files_parse_and_the_search_button_reads_in_each_language() {
        let resources = resources().expect("the Fluent files parse");
        assert_eq!(Tr::new(&resources, Lang::En).t("search-button"), "Search");
        assert_eq!(Tr::new(&resources, Lang::It).t("search-button"), "Cerca");
        assert_eq!(
            Tr::new(&resources, Lang::It).count("results-count", 1),
            "1 risultato"
        );
        assert_eq!(
            Tr::new(&resources, Lang::En).count("results-count", 12),
            "12 results"
        );
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(negotiate("it-IT,it;q=0.9,en;q=0.8"), Some(Lang::It));
        assert_eq!(negotiate("de-DE, en;q=0.5, it;q=0.7"), Some(Lang::It));
        assert_eq!(negotiate("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(negotiate("fr, it;q=0"), None);
        assert_eq!(negotiate("de"), None);
        assert_eq!(negotiate(""), None);
        assert_eq!(negotiate("it;q=abc"), Some(Lang::It));
    }
}
