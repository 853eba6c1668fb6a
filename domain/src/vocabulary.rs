//! The EuroSciVoc field-of-science vocabulary (as published with CORDIS, CC BY 4.0),
//! shipped inside the binary so topic codes can be checked and labelled offline.

use std::collections::HashMap;
use std::sync::LazyLock;

const EUROSCIVOC_CSV: &str =
    include_str!("../../datasets/cordis/euroscivoc_vocabulary_from_cordis.csv");

#[derive(Debug, Clone)]
pub struct Term {
    pub code: String,
    pub path: String,
    pub title: String,
}

static TERMS: LazyLock<Vec<Term>> = LazyLock::new(|| {
    let mut reader = csv::Reader::from_reader(EUROSCIVOC_CSV.as_bytes());
    reader
        .records()
        .filter_map(|record| record.ok())
        .filter_map(|record| {
            Some(Term {
                code: record.get(0)?.trim().to_owned(),
                path: record.get(1)?.trim().to_owned(),
                title: record.get(2)?.trim().to_owned(),
            })
        })
        .filter(|term| !term.code.is_empty() && !term.title.is_empty())
        .collect()
});

static BY_CODE: LazyLock<HashMap<&'static str, &'static Term>> = LazyLock::new(|| {
    TERMS
        .iter()
        .map(|term| (term.code.as_str(), term))
        .collect()
});

static BY_TITLE: LazyLock<HashMap<String, &'static Term>> = LazyLock::new(|| {
    TERMS
        .iter()
        .map(|term| (term.title.to_lowercase(), term))
        .collect()
});

/// Every term, in the published order.
pub fn euroscivoc_terms() -> &'static [Term] {
    &TERMS
}

pub fn euroscivoc_by_code(code: &str) -> Option<&'static Term> {
    BY_CODE.get(code.trim()).copied()
}

pub fn euroscivoc_by_title(title: &str) -> Option<&'static Term> {
    BY_TITLE.get(&title.trim().to_lowercase()).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_vocabulary_resolves_codes_and_titles() {
        assert!(euroscivoc_terms().len() > 900);
        let nutrition = euroscivoc_by_code("/21/33/117").map(|t| t.title.as_str());
        assert_eq!(nutrition, Some("nutrition"));
        assert_eq!(
            euroscivoc_by_title("Nutrition").map(|t| t.code.as_str()),
            Some("/21/33/117")
        );
        assert!(euroscivoc_by_code("/99/nope").is_none());
    }
}
