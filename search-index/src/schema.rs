//! The index schema and how a [`ListingDocument`] becomes a tantivy document.
//!
//! Text is indexed twice, each time with every text field of the listing in one
//! indexed field: in `text` (every word, lower-cased and accent-folded) and in
//! `text_stem` (the listing's own language's stems; each value carries its language,
//! see `field_tokenizers`, because tantivy fixes one analyzer per field while the
//! language varies per listing). A field's
//! weight is how many times its words are indexed ([`TextField::repeats`]), which is
//! BM25F: term frequencies and lengths are weighted per field and then saturated once,
//! so a word is one posting list per form, not one per field. Values are kept apart by
//! position gaps, so a phrase never runs from one field into the next. Each of the two
//! also has a field of neighbouring word pairs, which lets a two-word phrase be looked
//! up (see `pair_phrase`) rather than checked position by position in every listing
//! that has both words. The original
//! texts are stored separately, for snippets and explanations. Every filter has a keyword field holding normalised
//! values; every facet has a fast string column with the original display value.
//! Numbers and instants are fast fields read by the collector.
//!
//! It deliberately does not decide what is published or when to index (the domain's
//! business), and holds no query logic.

use crate::analysis::{Analyzers, NEUTRAL_TOKENIZER, known_language};
use crate::field_tokenizers::{
    STEM_PAIR_TOKENIZER, STEM_TOKENIZER, WORD_PAIR_TOKENIZER, mark_language,
};
use crate::model::ListingDocument;
use chrono::{DateTime, NaiveDate, Utc};
use tantivy::TantivyDocument;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};

/// The searchable text fields, each with its neutral and (if any) stemmed field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextField {
    Title,
    /// Topics and techniques share one indexed field: they weigh the same.
    Tags,
    Summary,
    Description,
    Organisation,
}

impl TextField {
    pub(crate) const ALL: [TextField; 5] = [
        TextField::Title,
        TextField::Tags,
        TextField::Summary,
        TextField::Description,
        TextField::Organisation,
    ];

    /// How many times the field's words are indexed, which is how much a match in it
    /// counts: a title says what a listing is about, a description mentions many
    /// things in passing.
    pub(crate) fn repeats(self) -> usize {
        match self {
            TextField::Title => TITLE_REPEATS,
            TextField::Tags | TextField::Summary => 2,
            TextField::Description | TextField::Organisation => 1,
        }
    }

    /// The listing's values of this field.
    pub(crate) fn values(self, listing: &ListingDocument) -> Vec<&str> {
        match self {
            TextField::Title => vec![listing.title.as_str()],
            TextField::Tags => listing
                .topics
                .iter()
                .chain(&listing.techniques)
                .map(String::as_str)
                .collect(),
            TextField::Summary => vec![listing.summary.as_str()],
            TextField::Description => vec![listing.description.as_str()],
            TextField::Organisation => vec![listing.organisation_name.as_str()],
        }
    }
}

/// See [`TextField::repeats`].
const TITLE_REPEATS: usize = 3;

/// Positions left empty before each value in `text_stem`. Stemmed phrases skip the
/// positions of stop words, so a gap of one position (tantivy's) would let "a _ b"
/// match across two values; no phrase has this many stop words in a row.
pub(crate) const STEM_VALUE_GAP: usize = 16;

/// Keyword fields used as filters, and the facet columns keyed by display value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keyword {
    pub(crate) indexed: Field,
    /// Name of the fast column with display values, for facets.
    pub(crate) facet: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub(crate) id: Field,
    pub(crate) language: Field,
    /// Every text field's words, neutral (see the module docs).
    pub(crate) text: Field,
    /// Every text field's stems in the listing's language.
    pub(crate) text_stem: Field,
    /// The neighbouring word pairs of `text` (see `field_tokenizers::pair`).
    pub(crate) text_pairs: Field,
    /// The neighbouring stem pairs of `text_stem`.
    pub(crate) text_stem_pairs: Field,
    pub(crate) title: Field,
    pub(crate) summary: Field,
    pub(crate) description: Field,
    pub(crate) organisation: Field,
    pub(crate) topics_text: Field,
    pub(crate) techniques_text: Field,
    pub(crate) kind: Keyword,
    pub(crate) organisation_kind: Keyword,
    pub(crate) organisation_id: Keyword,
    pub(crate) country: Keyword,
    pub(crate) region: Keyword,
    pub(crate) city: Keyword,
    pub(crate) topic: Keyword,
    pub(crate) engagement: Keyword,
    pub(crate) space_type: Keyword,
    pub(crate) verified: Keyword,
    pub(crate) currency: Keyword,
    facet_fields: Vec<(&'static str, Field)>,
    price: Field,
    capacity: Field,
    area: Field,
    trl_min: Field,
    trl_max: Field,
    pub(crate) lat: Field,
    pub(crate) lon: Field,
    available_from: Field,
    available_until: Field,
    published_at: Field,
    updated_at: Field,
    expires_at: Field,
}

/// Fast column names read by the collector.
pub(crate) mod col {
    pub(crate) const ID: &str = "id";
    pub(crate) const PRICE: &str = "price_minor";
    pub(crate) const CAPACITY: &str = "capacity";
    pub(crate) const AREA: &str = "area_m2";
    pub(crate) const TRL_MIN: &str = "trl_min";
    pub(crate) const TRL_MAX: &str = "trl_max";
    pub(crate) const LAT: &str = "lat";
    pub(crate) const LON: &str = "lon";
    /// Days since 1970-01-01.
    pub(crate) const AVAILABLE_FROM: &str = "available_from_day";
    pub(crate) const AVAILABLE_UNTIL: &str = "available_until_day";
    /// Microseconds since the epoch. Plain i64 rather than tantivy dates so that
    /// "expires_at <= now" is exact, not truncated to tantivy's date precision.
    pub(crate) const PUBLISHED_AT: &str = "published_at_us";
    pub(crate) const UPDATED_AT: &str = "updated_at_us";
    pub(crate) const EXPIRES_AT: &str = "expires_at_us";
}

/// Facet names (as callers see them) and their fast columns.
pub(crate) const FACETS: [(&str, &str); 9] = [
    ("kind", "facet_kind"),
    ("organisation_kind", "facet_organisation_kind"),
    ("country", "facet_country"),
    ("region", "facet_region"),
    ("city", "facet_city"),
    ("topic", "facet_topic"),
    ("engagement", "facet_engagement"),
    ("space_type", "facet_space_type"),
    ("verified", "facet_verified"),
];

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexed = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    // A pair's frequency is its phrase's; lengths are read from the words' field.
    let pairs = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs)
                .set_fieldnorms(false),
        )
    };
    let fast = NumericOptions::default().set_fast();

    let id = b.add_text_field(col::ID, (STRING | STORED).set_fast("raw"));
    let language = b.add_text_field("language", STRING | STORED);
    let text = b.add_text_field("text", indexed(NEUTRAL_TOKENIZER));
    let text_stem = b.add_text_field("text_stem", indexed(STEM_TOKENIZER));
    let text_pairs = b.add_text_field("text_pairs", pairs(WORD_PAIR_TOKENIZER));
    let text_stem_pairs = b.add_text_field("text_stem_pairs", pairs(STEM_PAIR_TOKENIZER));
    let title = b.add_text_field("title", STORED);
    let summary = b.add_text_field("summary", STORED);
    let description = b.add_text_field("description", STORED);
    let organisation = b.add_text_field("organisation", STORED);
    let topics_text = b.add_text_field("topics_text", STORED);
    let techniques_text = b.add_text_field("techniques_text", STORED);

    let mut keyword = |name: &str, facet: Option<&'static str>| Keyword {
        indexed: b.add_text_field(name, STRING),
        facet,
    };
    let kind = keyword("kind", Some("facet_kind"));
    let organisation_kind = keyword("organisation_kind", Some("facet_organisation_kind"));
    let organisation_id = keyword("organisation_id", None);
    let country = keyword("country", Some("facet_country"));
    let region = keyword("region", Some("facet_region"));
    let city = keyword("city", Some("facet_city"));
    let topic = keyword("topic", Some("facet_topic"));
    let engagement = keyword("engagement", Some("facet_engagement"));
    let space_type = keyword("space_type", Some("facet_space_type"));
    let verified = keyword("verified", Some("facet_verified"));
    let currency = keyword("currency", None);

    let facet_fields = FACETS
        .iter()
        .map(|(_, column)| {
            (
                *column,
                b.add_text_field(column, TextOptions::default().set_fast("raw")),
            )
        })
        .collect();

    let price = b.add_i64_field(col::PRICE, fast.clone());
    let capacity = b.add_u64_field(col::CAPACITY, fast.clone());
    let area = b.add_u64_field(col::AREA, fast.clone());
    let trl_min = b.add_u64_field(col::TRL_MIN, fast.clone());
    let trl_max = b.add_u64_field(col::TRL_MAX, fast.clone());
    let lat = b.add_f64_field(col::LAT, fast.clone());
    let lon = b.add_f64_field(col::LON, fast.clone());
    let available_from = b.add_i64_field(col::AVAILABLE_FROM, fast.clone());
    let available_until = b.add_i64_field(col::AVAILABLE_UNTIL, fast.clone());
    let published_at = b.add_i64_field(col::PUBLISHED_AT, fast.clone());
    let updated_at = b.add_i64_field(col::UPDATED_AT, fast.clone());
    let expires_at = b.add_i64_field(col::EXPIRES_AT, fast);

    let fields = Fields {
        id,
        language,
        text,
        text_stem,
        text_pairs,
        text_stem_pairs,
        title,
        summary,
        description,
        organisation,
        topics_text,
        techniques_text,
        kind,
        organisation_kind,
        organisation_id,
        country,
        region,
        city,
        topic,
        engagement,
        space_type,
        verified,
        currency,
        facet_fields,
        price,
        capacity,
        area,
        trl_min,
        trl_max,
        lat,
        lon,
        available_from,
        available_until,
        published_at,
        updated_at,
        expires_at,
    };
    (b.build(), fields)
}

impl Fields {
    fn facet_field(&self, column: &str) -> Option<Field> {
        self.facet_fields
            .iter()
            .find(|(name, _)| *name == column)
            .map(|(_, f)| *f)
    }

    /// Indexes every text field's words into `text` and, for a language with stems,
    /// its stems into `text_stem`, each value as many times as its field counts, and
    /// their pairs as often. Organisation names are proper nouns: they are not stemmed.
    /// The index's writer threads analyse them all (see `field_tokenizers`).
    fn add_text_fields(
        &self,
        doc: &mut TantivyDocument,
        listing: &ListingDocument,
        language: Option<&'static str>,
    ) {
        for field in TextField::ALL {
            let times = field.repeats();
            for value in field.values(listing) {
                if value.trim().is_empty() {
                    continue;
                }
                for _ in 0..times {
                    doc.add_text(self.text, value);
                    doc.add_text(self.text_pairs, value);
                }
                let Some(language) = language.filter(|_| field != TextField::Organisation) else {
                    continue;
                };
                let marked = mark_language(language, value);
                for _ in 0..times {
                    doc.add_text(self.text_stem, &marked);
                    doc.add_text(self.text_stem_pairs, &marked);
                }
            }
        }
    }

    /// Builds the tantivy document for a listing.
    pub(crate) fn document(
        &self,
        listing: &ListingDocument,
        analyzers: &mut Analyzers,
    ) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, &listing.id);
        let language = known_language(&listing.language);
        doc.add_text(self.language, language.unwrap_or_default());

        doc.add_text(self.title, &listing.title);
        doc.add_text(self.summary, &listing.summary);
        doc.add_text(self.description, &listing.description);
        doc.add_text(self.organisation, &listing.organisation_name);
        self.add_text_fields(&mut doc, listing, language);
        for topic in &listing.topics {
            doc.add_text(self.topics_text, topic);
        }
        for technique in &listing.techniques {
            doc.add_text(self.techniques_text, technique);
        }

        let mut keyword = |kw: Keyword, value: &str| {
            let normalised = analyzers.keyword(value);
            if !normalised.is_empty() {
                doc.add_text(kw.indexed, normalised);
            }
            if let Some(field) = kw.facet.and_then(|column| self.facet_field(column))
                && !value.trim().is_empty()
            {
                doc.add_text(field, value.trim());
            }
        };
        keyword(self.kind, &listing.kind);
        keyword(self.organisation_kind, &listing.organisation_kind);
        keyword(self.organisation_id, &listing.organisation_id);
        keyword(self.country, &listing.country);
        if let Some(region) = &listing.region {
            keyword(self.region, region);
        }
        if let Some(city) = &listing.city {
            keyword(self.city, city);
        }
        for topic in &listing.topics {
            keyword(self.topic, topic);
        }
        for mode in &listing.engagement_modes {
            keyword(self.engagement, mode);
        }
        if let Some(space_type) = &listing.space_type {
            keyword(self.space_type, space_type);
        }
        keyword(
            self.verified,
            if listing.verified { "true" } else { "false" },
        );
        // Codes are filterable but not facets: facets show labels.
        for code in &listing.topic_codes {
            let normalised = analyzers.keyword(code);
            if !normalised.is_empty() {
                doc.add_text(self.topic.indexed, normalised);
            }
        }

        if let Some(price) = &listing.headline_price {
            doc.add_i64(self.price, price.amount_minor);
            let currency = analyzers.keyword(&price.currency);
            doc.add_text(self.currency.indexed, currency);
        }
        if let Some(capacity) = listing.capacity {
            doc.add_u64(self.capacity, u64::from(capacity));
        }
        if let Some(area) = listing.area_m2 {
            doc.add_u64(self.area, u64::from(area));
        }
        if let Some(trl) = listing.trl_min {
            doc.add_u64(self.trl_min, u64::from(trl));
        }
        if let Some(trl) = listing.trl_max {
            doc.add_u64(self.trl_max, u64::from(trl));
        }
        if let Some(point) = listing.location
            && point.lat.is_finite()
            && point.lon.is_finite()
        {
            doc.add_f64(self.lat, point.lat);
            doc.add_f64(self.lon, point.lon);
        }
        if let Some(day) = listing.available_from {
            doc.add_i64(self.available_from, day_number(day));
        }
        if let Some(day) = listing.available_until {
            doc.add_i64(self.available_until, day_number(day));
        }
        doc.add_i64(self.published_at, micros(listing.published_at));
        doc.add_i64(self.updated_at, micros(listing.updated_at));
        doc.add_i64(self.expires_at, micros(listing.expires_at));
        doc
    }
}

pub(crate) fn micros(instant: DateTime<Utc>) -> i64 {
    instant.timestamp_micros()
}

/// Days since 1970-01-01 (negative before).
pub(crate) fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.to_epoch_days())
}
