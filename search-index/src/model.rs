//! What goes in and what comes out: plain structs, no tantivy types, so callers never
//! depend on the engine.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// A point in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// A price in integer minor units with its ISO 4217 currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    pub amount_minor: i64,
    pub currency: String,
}

/// One published listing as the index sees it, flattened with its organisation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListingDocument {
    pub id: String,
    /// `expertise`, `facility` or `space`.
    pub kind: String,
    /// ISO 639-1 code of the text (en, it, fr, de, es; others are analysed without stemming).
    pub language: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    /// Topic labels (free tags and EuroSciVoc titles).
    pub topics: Vec<String>,
    /// EuroSciVoc codes, for exact filtering.
    pub topic_codes: Vec<String>,
    /// Techniques, equipment and accreditations.
    pub techniques: Vec<String>,
    pub organisation_id: String,
    pub organisation_name: String,
    /// `university`, `research_centre`, `incubator`, …
    pub organisation_kind: String,
    pub verified: bool,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub region: Option<String>,
    pub city: Option<String>,
    pub location: Option<GeoPoint>,
    /// `consultancy`, `contract_research`, … (expertise).
    pub engagement_modes: Vec<String>,
    /// `hot_desk`, `private_office`, … (space).
    pub space_type: Option<String>,
    /// A facility's "from" price or a space's monthly price.
    pub headline_price: Option<Price>,
    pub capacity: Option<u32>,
    pub area_m2: Option<u32>,
    pub trl_min: Option<u8>,
    pub trl_max: Option<u8>,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Best match first; with an empty query, newest first.
    #[default]
    Relevance,
    /// Nearest first (needs `near`).
    Distance,
    Newest,
    /// Cheapest headline price first; listings without a price last.
    Price,
}

/// A search: the query text as the user typed it plus filters. Every list filter is
/// "any of" (OR within a field, AND across fields); an empty list does not filter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchRequest {
    pub query: String,
    pub kinds: Vec<String>,
    pub organisation_kinds: Vec<String>,
    pub countries: Vec<String>,
    /// Matched case- and accent-insensitively against the listing's region.
    pub regions: Vec<String>,
    /// Matched case- and accent-insensitively against the listing's city.
    pub cities: Vec<String>,
    /// A topic label (case-insensitive) or a EuroSciVoc code.
    pub topics: Vec<String>,
    pub engagement_modes: Vec<String>,
    pub space_types: Vec<String>,
    /// Only listings whose headline price is in this currency and at most this amount.
    pub max_price: Option<Price>,
    pub min_capacity: Option<u32>,
    /// Only listings available on that day (no dates = always available).
    pub available_on: Option<NaiveDate>,
    /// Only listings whose TRL range overlaps [trl_min, trl_max].
    pub trl_min: Option<u8>,
    pub trl_max: Option<u8>,
    pub verified: Option<bool>,
    /// Only listings within `radius_km` of the point.
    pub near: Option<(GeoPoint, f64)>,
    pub sort: SortOrder,
    /// 1–100.
    pub limit: usize,
    /// Hits to skip (the caller encodes it in an opaque cursor).
    pub offset: usize,
    /// Listings expiring before this instant are not found.
    pub now: DateTime<Utc>,
    /// Whether to count facets.
    pub with_facets: bool,
    /// People are searching (the API, the portal, the chat), not a saved search being
    /// matched. Then a long question needs no single word (BM25 ranks how well a
    /// listing answers it), and when several words are all required and fewer than 20
    /// listings have them all, those come first and listings with only some of the
    /// words follow them (the total and facets count both) — when none has them all,
    /// or when the words are in few enough listings that finding those stays cheap
    /// (`compile::FILL_POSTINGS_AT_MOST`). Saved-search matching leaves it off: a
    /// listing matches a saved search only with every word.
    pub for_people: bool,
}

/// How a query term matched a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    Exact,
    Stemmed,
    Synonym,
    Typo,
    Prefix,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchedTerm {
    /// The word of the query.
    pub query_term: String,
    /// The field it was found in: `title`, `topics`, `techniques`, `summary`, `description`, `organisation`.
    pub field: String,
    pub kind: MatchKind,
}

/// A piece of a field's text with the byte ranges of the matched words. Plain text,
/// never HTML: whoever shows it escapes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Snippet {
    pub field: String,
    pub text: String,
    /// Byte offsets `[start, end)` into `text`.
    pub highlights: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    pub distance_km: Option<f64>,
    pub snippets: Vec<Snippet>,
    pub matched: Vec<MatchedTerm>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResults {
    /// All listings that match, not only this page.
    pub total: u64,
    pub hits: Vec<Hit>,
    /// Field name (`kind`, `organisation_kind`, `country`, `region`, `city`, `topic`,
    /// `engagement`, `space_type`, `verified`) → value → count, over all matches.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
}
