//! The search form's query string, both ways: what a visitor typed (kept as typed, to
//! show it again) turned into a `domain::search::SearchQuery`, with a friendly message
//! naming the field when a value cannot be read; and a `SearchQuery` turned back into a
//! portal link (for the chat's "see all results").
//!
//! The parameter names are those of `GET /api/v1/search`. One difference, for people:
//! `max_price` is in whole currency units here ("350" or "350.50"), not in cents.
//! Range and consistency rules (TRL 1–9, radius needs a place...) stay the domain's.

use domain::model::{EngagementMode, ListingKind, OrganisationKind, SpaceType};
use domain::search::{SearchQuery, SearchSort};

/// Longest query string read; anything longer is refused rather than parsed.
const MAX_QUERY_STRING: usize = 8_192;
/// Most values accepted for one list parameter.
const MAX_VALUES: usize = 20;

/// The search parameters as typed: non-empty `(name, value)` pairs in order.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub pairs: Vec<(String, String)>,
}

impl Typed {
    pub fn from_query_string(raw: &str) -> Typed {
        let raw = if raw.len() > MAX_QUERY_STRING {
            ""
        } else {
            raw
        };
        Typed {
            pairs: url::form_urlencoded::parse(raw.as_bytes())
                .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
                .filter(|(name, value)| !name.is_empty() && !value.is_empty())
                .collect(),
        }
    }

    /// The first value of `name`, or "".
    pub fn value(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn values(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn has(&self, name: &str, value: &str) -> bool {
        self.pairs.iter().any(|(n, v)| n == name && v == value)
    }

    /// The pairs as a query string, without `skip` parameters.
    pub fn encode_without(&self, skip: &[&str]) -> String {
        encode(
            self.pairs
                .iter()
                .filter(|(n, _)| !skip.contains(&n.as_str()))
                .map(|(n, v)| (n.as_str(), v.as_str())),
        )
    }

    /// A link that adds `name=value` (or removes it when present), from the first page.
    pub fn toggled(&self, name: &str, value: &str) -> String {
        let present = self.has(name, value);
        let mut pairs: Vec<(&str, &str)> = self
            .pairs
            .iter()
            .filter(|(n, v)| n != "cursor" && !(n == name && v == value))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        if !present {
            pairs.push((name, value));
        }
        encode(pairs.into_iter())
    }

    /// The same search on another page.
    pub fn with_cursor(&self, cursor: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .pairs
            .iter()
            .filter(|(n, _)| n != "cursor")
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        pairs.push(("cursor", cursor));
        encode(pairs.into_iter())
    }
}

pub fn encode<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

/// A value the form could not read: which field, and the label key explaining it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    pub field: String,
    /// A label key in the Fluent files (`problem-…`).
    pub problem: &'static str,
}

fn problem(field: &str, problem: &'static str) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        problem,
    }
}

fn whole_number(field: &str, text: &str) -> Result<i64, FieldProblem> {
    text.parse::<i64>()
        .map_err(|_| problem(field, "problem-whole-number"))
}

fn list<T>(
    typed: &Typed,
    field: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, FieldProblem> {
    let values = typed.values(field);
    if values.len() > MAX_VALUES {
        return Err(problem(field, "problem-too-many-values"));
    }
    values
        .into_iter()
        .map(|v| parse(v).map_err(|_| problem(field, "problem-choice")))
        .collect()
}

fn texts(typed: &Typed, field: &str) -> Result<Vec<String>, FieldProblem> {
    list(typed, field, |v| Ok(v.to_owned()))
}

fn optional<T>(
    typed: &Typed,
    field: &str,
    parse: impl Fn(&str) -> Result<T, FieldProblem>,
) -> Result<Option<T>, FieldProblem> {
    match typed.value(field) {
        "" => Ok(None),
        text => parse(text).map(Some),
    }
}

/// "350", "350.5", "350,50" → 35050 cents; at most two decimals.
pub fn price_in_minor_units(field: &str, text: &str) -> Result<i64, FieldProblem> {
    let bad = || problem(field, "problem-price");
    let (units, fraction) = match text.split_once(['.', ',']) {
        Some((units, fraction)) => (units, fraction),
        None => (text, ""),
    };
    if units.is_empty()
        || !units.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let units: i64 = units.parse().map_err(|_| bad())?;
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().map_err(|_| bad())? * 10,
        _ => fraction.parse::<i64>().map_err(|_| bad())?,
    };
    units
        .checked_mul(100)
        .and_then(|minor| minor.checked_add(cents))
        .ok_or_else(bad)
}

/// Cents back to the form's whole units: "350" or "350.50".
pub fn minor_units_as_price(minor: i64) -> String {
    if minor % 100 == 0 {
        (minor / 100).to_string()
    } else {
        format!("{}.{:02}", minor / 100, (minor % 100).abs())
    }
}

fn sort(text: &str) -> Result<SearchSort, FieldProblem> {
    match text {
        "relevance" => Ok(SearchSort::Relevance),
        "distance" => Ok(SearchSort::Distance),
        "newest" => Ok(SearchSort::Newest),
        "price" => Ok(SearchSort::Price),
        _ => Err(problem("sort", "problem-choice")),
    }
}

pub fn sort_name(sort: SearchSort) -> &'static str {
    match sort {
        SearchSort::Relevance => "relevance",
        SearchSort::Distance => "distance",
        SearchSort::Newest => "newest",
        SearchSort::Price => "price",
    }
}

/// Reads the typed parameters into a search; the first value that cannot be read is
/// reported with its field.
pub fn search_query(typed: &Typed) -> Result<SearchQuery, FieldProblem> {
    Ok(SearchQuery {
        q: optional(typed, "q", |v| Ok(v.to_owned()))?,
        kinds: list(typed, "kind", ListingKind::parse)?,
        organisation_kinds: list(typed, "org_kind", OrganisationKind::parse)?,
        countries: texts(typed, "country")?,
        regions: texts(typed, "region")?,
        cities: texts(typed, "city")?,
        topics: texts(typed, "topic")?,
        engagement: list(typed, "engagement", EngagementMode::parse)?,
        space_types: list(typed, "space_type", SpaceType::parse)?,
        max_price: optional(typed, "max_price", |v| price_in_minor_units("max_price", v))?,
        currency: optional(typed, "currency", |v| Ok(v.to_ascii_uppercase()))?
            // The form always offers a currency; it only means something with a price.
            .filter(|_| !typed.value("max_price").is_empty()),
        min_capacity: optional(typed, "min_capacity", |v| whole_number("min_capacity", v))?,
        available_on: optional(typed, "available_on", |v| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| problem("available_on", "problem-date"))
        })?,
        trl_min: optional(typed, "trl_min", |v| whole_number("trl_min", v))?,
        trl_max: optional(typed, "trl_max", |v| whole_number("trl_max", v))?,
        verified: optional(typed, "verified", |v| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(problem("verified", "problem-choice")),
        })?,
        near: optional(typed, "near", |v| Ok(v.to_owned()))?,
        radius_km: optional(typed, "radius_km", |v| {
            v.replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|r| r.is_finite())
                .ok_or_else(|| problem("radius_km", "problem-number"))
        })?,
        sort: optional(typed, "sort", sort)?,
        limit: optional(typed, "limit", |v| {
            v.parse::<u64>()
                .map_err(|_| problem("limit", "problem-whole-number"))
        })?,
        cursor: optional(typed, "cursor", |v| Ok(v.to_owned()))?,
    })
}

/// A search as portal parameters (the inverse of [`search_query`]).
pub fn pairs_of(query: &SearchQuery) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut push = |name: &str, value: String| pairs.push((name.to_owned(), value));
    if let Some(q) = &query.q {
        push("q", q.clone());
    }
    query
        .kinds
        .iter()
        .for_each(|k| push("kind", k.as_str().into()));
    query
        .organisation_kinds
        .iter()
        .for_each(|k| push("org_kind", k.as_str().into()));
    query
        .countries
        .iter()
        .for_each(|v| push("country", v.clone()));
    query.regions.iter().for_each(|v| push("region", v.clone()));
    query.cities.iter().for_each(|v| push("city", v.clone()));
    query.topics.iter().for_each(|v| push("topic", v.clone()));
    query
        .engagement
        .iter()
        .for_each(|v| push("engagement", v.as_str().into()));
    query
        .space_types
        .iter()
        .for_each(|v| push("space_type", v.as_str().into()));
    if let Some(price) = query.max_price {
        push("max_price", minor_units_as_price(price));
    }
    if let Some(currency) = &query.currency {
        push("currency", currency.clone());
    }
    if let Some(v) = query.min_capacity {
        push("min_capacity", v.to_string());
    }
    if let Some(v) = query.available_on {
        push("available_on", v.format("%Y-%m-%d").to_string());
    }
    if let Some(v) = query.trl_min {
        push("trl_min", v.to_string());
    }
    if let Some(v) = query.trl_max {
        push("trl_max", v.to_string());
    }
    if let Some(v) = query.verified {
        push("verified", v.to_string());
    }
    if let Some(v) = &query.near {
        push("near", v.clone());
    }
    if let Some(v) = query.radius_km {
        push("radius_km", v.to_string());
    }
    if let Some(v) = query.sort {
        push("sort", sort_name(v).to_owned());
    }
    pairs
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_full_form_reads_into_the_search_and_back() {
        let typed = Typed::from_query_string(
            "q=fatigue+testing&kind=facility&kind=expertise&org_kind=university&region=Emilia-Romagna\
             &engagement=consultancy&space_type=lab_bench&max_price=350.5&currency=eur&min_capacity=4\
             &available_on=2027-01-15&trl_min=3&trl_max=6&verified=true&near=Bologna&radius_km=40\
             &sort=distance&limit=50&cursor=o20&topic=&city=",
        );
        let query = search_query(&typed).unwrap();
        assert_eq!(query.q.as_deref(), Some("fatigue testing"));
        assert_eq!(
            query.kinds,
            vec![ListingKind::Facility, ListingKind::Expertise]
        );
        assert_eq!(query.max_price, Some(35_050));
        assert_eq!(query.currency.as_deref(), Some("EUR"));
        assert_eq!(query.radius_km, Some(40.0));
        assert_eq!(query.sort, Some(SearchSort::Distance));
        assert_eq!(query.limit, Some(50));
        assert_eq!(query.cursor.as_deref(), Some("o20"));
        assert!(query.topics.is_empty() && query.cities.is_empty());
        let back = pairs_of(&query);
        assert!(back.contains(&("max_price".into(), "350.50".into())));
        assert!(back.contains(&("kind".into(), "expertise".into())));
    }

    #[test]
    fn unreadable_values_name_their_field() {
        for (raw, field) in [
            ("kind=castle", "kind"),
            ("max_price=12abc", "max_price"),
            ("max_price=1.234", "max_price"),
            ("max_price=-5", "max_price"),
            ("min_capacity=four", "min_capacity"),
            ("available_on=31/12/2026", "available_on"),
            ("verified=maybe", "verified"),
            ("radius_km=NaN", "radius_km"),
            ("sort=random", "sort"),
            ("limit=-1", "limit"),
        ] {
            let error = search_query(&Typed::from_query_string(raw)).unwrap_err();
            assert_eq!(error.field, field, "{raw}");
        }
    }

    #[test]
    fn a_currency_without_a_price_is_ignored() {
        let query = search_query(&Typed::from_query_string("currency=EUR&q=x")).unwrap();
        assert_eq!(query.currency, None);
    }

    #[test]
    fn facet_links_toggle_a_value_and_restart_paging() {
        let typed = Typed::from_query_string("q=laser&region=Lombardia&cursor=o20");
        assert_eq!(typed.toggled("region", "Lombardia"), "q=laser");
        assert_eq!(
            typed.toggled("kind", "space"),
            "q=laser&region=Lombardia&kind=space"
        );
        assert_eq!(
            typed.with_cursor("o40"),
            "q=laser&region=Lombardia&cursor=o40"
        );
    }
}
