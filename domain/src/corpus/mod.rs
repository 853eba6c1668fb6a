//! A synthetic marketplace for measuring Ponte at scale: organisations, listings of the
//! three kinds and saved searches, at 10k (CI smoke), 100k (developer) and 1M (full).
//!
//! Every item is a pure function of (seed, index): each comes from its own random
//! stream, so item `i` is the same whatever order or subset is generated, on every
//! machine, with every crate version (the distributions are hand-written in `random`).
//! A golden checksum test pins the output; change it only on purpose.
//!
//! The items are the domain's own write models (`NewOrganisation`, `ListingFields`,
//! `SearchQuery`) and pass the same validation the API applies. This module generates;
//! `loader` fills an empty marketplace with them (`ponte corpus load`), and timing
//! anything belongs to the benchmarks.

mod documents;
mod json;
mod loader;
mod random;
mod text;
mod words;

#[cfg(test)]
mod tests;

use crate::model::*;
use crate::search::SearchQuery;
pub use json::organisation_json;
pub use loader::{LoadOptions, LoadProgress, LoadReport};
use random::{Stream, Zipf, ZipfExponent};
use std::sync::LazyLock;
use words::{City, Phrase};

/// The three corpus sizes: listings and saved searches each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorpusSize {
    Small10k,
    Medium100k,
    Full1m,
}

impl CorpusSize {
    pub const ALL: &'static [CorpusSize] = &[
        CorpusSize::Small10k,
        CorpusSize::Medium100k,
        CorpusSize::Full1m,
    ];

    /// Parses `10k`, `100k` or `1m`; the error lists what is accepted.
    pub fn parse(text: &str) -> Result<CorpusSize, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "10k" => Ok(CorpusSize::Small10k),
            "100k" => Ok(CorpusSize::Medium100k),
            "1m" => Ok(CorpusSize::Full1m),
            other => Err(format!(
                "`{other}` is not a corpus size; use one of: 10k, 100k, 1m"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CorpusSize::Small10k => "10k",
            CorpusSize::Medium100k => "100k",
            CorpusSize::Full1m => "1m",
        }
    }

    pub fn listings(self) -> u64 {
        match self {
            CorpusSize::Small10k => 10_000,
            CorpusSize::Medium100k => 100_000,
            CorpusSize::Full1m => 1_000_000,
        }
    }

    pub fn saved_searches(self) -> u64 {
        self.listings()
    }

    pub fn organisations(self) -> u64 {
        self.listings() / LISTINGS_PER_ORGANISATION
    }
}

impl std::fmt::Display for CorpusSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Listing `i` belongs to organisation `i / 20`, so an organisation's listings are the
/// same at every size and the 10k corpus is the start of the 1M one.
pub const LISTINGS_PER_ORGANISATION: u64 = 20;

/// The date availability is counted from: the corpus never reads the clock.
pub fn epoch() -> chrono::NaiveDate {
    // 2026-01-01 is a valid date; the fallback is never taken.
    chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
}

/// An organisation is exactly what `Hub::create_organisation` takes.
pub type GeneratedOrganisation = NewOrganisation;

/// A listing: which corpus organisation owns it, and what a client would send.
#[derive(Debug, Clone)]
pub struct GeneratedListing {
    /// Index of the owning organisation in the same corpus.
    pub organisation: u64,
    pub kind: ListingKind,
    pub fields: ListingFields,
}

impl GeneratedListing {
    /// The create request, once the owning organisation has been stored as `organisation_id`.
    pub fn into_new_listing(self, organisation_id: String) -> NewListing {
        NewListing {
            organisation_id,
            kind: self.kind,
            fields: self.fields,
        }
    }
}

/// A saved search's query, as the API and saved searches take it.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedSavedSearch {
    pub search: SearchQuery,
}

/// Stream tags: one per kind of item, so organisation 5 and listing 5 draw differently.
const ORGANISATION_STREAM: u64 = 1;
const LISTING_STREAM: u64 = 2;
const SAVED_SEARCH_STREAM: u64 = 3;

/// Samplers over the word lists, built once: demand follows Zipf's law with exponent 1,
/// supply a flatter ½ (see `random::Zipf`) over a shuffled order, so that the most
/// searched topics are not also the most offered. Were they, every listing on a popular
/// topic would reach thousands of saved searches, which is not what a marketplace sees.
struct Samplers {
    topic_demand: Zipf,
    topic_supply: Zipf,
    sector_demand: Zipf,
    sector_supply: Zipf,
    city_weights: Vec<f64>,
}

static SAMPLERS: LazyLock<Samplers> = LazyLock::new(|| Samplers {
    topic_demand: Zipf::new(words::TOPICS.len(), ZipfExponent::One),
    topic_supply: Zipf::new(words::TOPICS.len(), ZipfExponent::Half),
    sector_demand: Zipf::new(words::SECTORS.len(), ZipfExponent::One),
    sector_supply: Zipf::new(words::SECTORS.len(), ZipfExponent::Half),
    city_weights: words::CITIES.iter().map(|city| city.weight).collect(),
});

/// The corpus for one seed. Cheap to create and to copy; every method is pure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corpus {
    seed: u64,
}

/// The languages a listing is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    English,
    Italian,
    French,
    German,
    Spanish,
}

impl Language {
    fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Italian => "it",
            Language::French => "fr",
            Language::German => "de",
            Language::Spanish => "es",
        }
    }

    /// A word list's phrase in this language: Italian has its own, the others use the
    /// English technical terms, as such texts mostly do.
    fn phrase(self, phrase: &Phrase) -> &'static str {
        match self {
            Language::Italian => phrase.1,
            _ => phrase.0,
        }
    }
}

const ORGANISATION_KINDS: &[(OrganisationKind, f64)] = &[
    (OrganisationKind::University, 0.2),
    (OrganisationKind::ResearchCentre, 0.2),
    (OrganisationKind::Incubator, 0.1),
    (OrganisationKind::TechnicalServiceProvider, 0.25),
    (OrganisationKind::Firm, 0.15),
    (OrganisationKind::Cluster, 0.05),
    (OrganisationKind::PublicAgency, 0.05),
];

const LISTING_KINDS: &[(ListingKind, f64)] = &[
    (ListingKind::Expertise, 0.40),
    (ListingKind::Facility, 0.35),
    (ListingKind::Space, 0.25),
];

/// Methods an expertise or facility applies; deliberately generic, so they never make
/// a saved search match on their own.
const METHODS: &[Phrase] = &[
    ("modelling", "modellazione"),
    ("simulation", "simulazione"),
    ("prototyping", "prototipazione"),
    ("field trials", "prove sul campo"),
    ("feasibility studies", "studi di fattibilità"),
    ("design of experiments", "progettazione degli esperimenti"),
    ("statistical analysis", "analisi statistica"),
    ("validation", "validazione"),
    ("characterisation", "caratterizzazione"),
    ("certification support", "supporto alla certificazione"),
];

impl Corpus {
    pub fn new(seed: u64) -> Corpus {
        Corpus { seed }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether organisation `index` counts as verified by a broker: every third one, so
    /// searches filtered on verification find some of everything.
    pub fn organisation_verified(index: u64) -> bool {
        index.is_multiple_of(3)
    }

    fn stream(&self, tag: u64, index: u64) -> Stream {
        Stream::new(self.seed, tag, index)
    }

    /// Where organisation `index` is: the first draw of its stream, so a listing can
    /// learn its organisation's city without generating the whole organisation.
    fn organisation_city(&self, stream: &mut Stream) -> &'static City {
        let weights = &SAMPLERS.city_weights;
        &words::CITIES[stream.weighted(weights)]
    }

    pub fn organisation(&self, index: u64) -> GeneratedOrganisation {
        let mut stream = self.stream(ORGANISATION_STREAM, index);
        let city = self.organisation_city(&mut stream);
        let weights: Vec<f64> = ORGANISATION_KINDS.iter().map(|(_, w)| *w).collect();
        let kind = ORGANISATION_KINDS[stream.weighted(&weights)].0;
        let field = words::TOPICS[supplied(
            SAMPLERS.topic_supply.sample(&mut stream),
            words::TOPICS.len(),
        )];
        let italian = city.country == "IT" && stream.chance(0.6);
        let name = text::organisation_name(kind, field, city, italian, index);
        let slug = format!("org{index}");
        NewOrganisation {
            kind: Some(kind),
            description: text::organisation_description(kind, field, city, italian),
            website: Some(format!("https://{slug}.example.org")),
            ror_id: None,
            pic: None,
            vat: None,
            location: Location {
                country: city.country.to_owned(),
                region: Some(city.region.to_owned()),
                nuts_code: Some(city.nuts_code.to_owned()),
                city: Some(city.name.to_owned()),
                latitude: Some(city.latitude),
                longitude: Some(city.longitude),
            },
            contact: Contact {
                name: Some(text::person_name(&mut stream, italian)),
                email: Some(format!("contact@{slug}.example.org")),
                phone: None,
            },
            source: Some("corpus".to_owned()),
            name,
        }
    }

    pub fn listing(&self, index: u64) -> GeneratedListing {
        let organisation = index / LISTINGS_PER_ORGANISATION;
        let city = self.organisation_city(&mut self.stream(ORGANISATION_STREAM, organisation));
        let mut stream = self.stream(LISTING_STREAM, index);
        let weights: Vec<f64> = LISTING_KINDS.iter().map(|(_, w)| *w).collect();
        let kind = LISTING_KINDS[stream.weighted(&weights)].0;
        let language = listing_language(&mut stream, city);
        let samplers = &*SAMPLERS;
        let topic_count = stream.between(2, 4) as usize;
        let topics: Vec<&'static Phrase> = stream
            .distinct(topic_count, words::TOPICS.len(), |s| {
                supplied(samplers.topic_supply.sample(s), words::TOPICS.len())
            })
            .into_iter()
            .map(|i| &words::TOPICS[i])
            .collect();
        let sector_count = stream.between(1, 2) as usize;
        let sectors: Vec<&'static Phrase> = stream
            .distinct(sector_count, words::SECTORS.len(), |s| {
                supplied(samplers.sector_supply.sample(s), words::SECTORS.len())
            })
            .into_iter()
            .map(|i| &words::SECTORS[i])
            .collect();
        let words_in = |list: &[&'static Phrase]| -> Vec<String> {
            list.iter().map(|p| language.phrase(p).to_owned()).collect()
        };
        let mut fields = ListingFields {
            language: Some(language.code().to_owned()),
            topics: Some(words_in(&topics)),
            country: Some(city.country.to_owned()),
            region: Some(city.region.to_owned()),
            nuts_code: Some(city.nuts_code.to_owned()),
            city: Some(city.name.to_owned()),
            latitude: Some(city.latitude),
            longitude: Some(city.longitude),
            ..ListingFields::default()
        };
        let content = text::Content {
            language,
            topics: words_in(&topics),
            sectors: words_in(&sectors),
            city: city.name_in(language),
        };
        match kind {
            ListingKind::Expertise => expertise(&mut stream, &mut fields, &content, city),
            ListingKind::Facility => facility(&mut stream, &mut fields, &content),
            ListingKind::Space => space(&mut stream, &mut fields, &content, &sectors),
        }
        GeneratedListing {
            organisation,
            kind,
            fields,
        }
    }

    pub fn saved_search(&self, index: u64) -> GeneratedSavedSearch {
        let mut stream = self.stream(SAVED_SEARCH_STREAM, index);
        GeneratedSavedSearch {
            search: text::saved_search(&mut stream),
        }
    }
}

pub(crate) const SUPPLY_SHUFFLE: usize = 97;

/// The word list position of the `rank`-th most offered entry: a fixed shuffle (a
/// multiplier prime to the length) of the demand order.
/// (The tests check that no word list's length is a multiple of the prime `SUPPLY_SHUFFLE`.)
fn supplied(rank: usize, length: usize) -> usize {
    (rank * SUPPLY_SHUFFLE + 13) % length.max(1)
}

/// About a quarter of Italian organisations' listings are in Italian; a quarter of
/// French, German and Spanish ones in their language; the rest in English.
fn listing_language(stream: &mut Stream, city: &City) -> Language {
    let local = match city.country {
        "IT" => Language::Italian,
        "FR" | "BE" => Language::French,
        "DE" | "AT" => Language::German,
        "ES" => Language::Spanish,
        _ => Language::English,
    };
    let local_share = if local == Language::Italian {
        0.28
    } else {
        0.25
    };
    if stream.chance(local_share) {
        local
    } else {
        Language::English
    }
}

fn pick_phrases(
    stream: &mut Stream,
    list: &'static [Phrase],
    low: i64,
    high: i64,
    language: Language,
) -> Vec<String> {
    let count = stream.between(low, high) as usize;
    stream
        .distinct(count, list.len(), |s| s.below(list.len() as u64) as usize)
        .into_iter()
        .map(|i| language.phrase(&list[i]).to_owned())
        .collect()
}

/// Rounds a price in cents to what people write: whole euros, and multiples of €5
/// above €100.
fn round_price(cents: f64) -> i64 {
    let step = if cents >= 10_000.0 { 500.0 } else { 100.0 };
    (((cents / step) + 0.5) as i64).max(1) * step as i64
}

fn expertise(
    stream: &mut Stream,
    fields: &mut ListingFields,
    content: &text::Content,
    city: &City,
) {
    let (title, summary, description) = text::expertise_text(stream, content);
    fields.title = Some(title);
    fields.summary = Some(summary);
    fields.description = Some(description);
    fields.techniques = Some(pick_phrases(stream, METHODS, 1, 3, content.language));
    let nace_count = stream.between(1, 3) as usize;
    fields.industries = Some(
        stream
            .distinct(nace_count, words::NACE_CODES.len(), |s| {
                s.below(words::NACE_CODES.len() as u64) as usize
            })
            .into_iter()
            .map(|i| words::NACE_CODES[i].to_owned())
            .collect(),
    );
    let mode_count = stream.between(1, 3) as usize;
    let mut modes: Vec<usize> = stream.distinct(mode_count, EngagementMode::ALL.len(), |s| {
        s.below(EngagementMode::ALL.len() as u64) as usize
    });
    modes.sort_unstable();
    fields.engagement_modes = Some(modes.into_iter().map(|i| EngagementMode::ALL[i]).collect());
    let trl_min = stream.between(1, 6);
    fields.trl_min = Some(trl_min);
    fields.trl_max = Some((trl_min + stream.between(1, 4)).min(9));
    let mut languages = vec!["en".to_owned()];
    let local = match city.country {
        "IT" => "it",
        "FR" | "BE" => "fr",
        "DE" | "AT" => "de",
        "ES" => "es",
        "PT" => "pt",
        "NL" => "nl",
        "SI" => "sl",
        _ => "en",
    };
    if local != "en" {
        languages.push(local.to_owned());
    }
    fields.languages = Some(languages);
}

fn facility(stream: &mut Stream, fields: &mut ListingFields, content: &text::Content) {
    let equipment = pick_phrases(stream, words::EQUIPMENT, 1, 3, content.language);
    let (title, summary, description) = text::facility_text(stream, content, &equipment);
    fields.title = Some(title);
    fields.summary = Some(summary);
    fields.description = Some(description);
    fields.equipment = Some(equipment);
    fields.techniques = Some(pick_phrases(stream, METHODS, 1, 2, content.language));
    if stream.chance(0.3) {
        let count = stream.between(1, 2) as usize;
        fields.accreditation = Some(
            stream
                .distinct(count, words::ACCREDITATIONS.len(), |s| {
                    s.below(words::ACCREDITATIONS.len() as u64) as usize
                })
                .into_iter()
                .map(|i| words::ACCREDITATIONS[i].to_owned())
                .collect(),
        );
    }
    fields.access_mode = Some(if stream.chance(0.7) {
        AccessMode::StaffOperated
    } else {
        AccessMode::SelfService
    });
    // (unit, median price in cents, weight)
    const UNITS: &[(PriceUnit, f64, f64)] = &[
        (PriceUnit::Hour, 8_000.0, 0.30),
        (PriceUnit::Day, 60_000.0, 0.20),
        (PriceUnit::Sample, 5_000.0, 0.25),
        (PriceUnit::Test, 30_000.0, 0.15),
        (PriceUnit::Project, 500_000.0, 0.10),
    ];
    let weights: Vec<f64> = UNITS.iter().map(|u| u.2).collect();
    let (unit, median, _) = UNITS[stream.weighted(&weights)];
    if stream.chance(0.85) {
        let price = round_price(stream.log_normal(median, 0.7));
        fields.price_from = Some(price);
        if stream.chance(0.5) {
            let markup = 1.2 + stream.unit() * 0.8;
            fields.external_price_from = Some(round_price(price as f64 * markup));
        }
        fields.price_unit = Some(unit);
        fields.currency = Some("EUR".to_owned());
    }
    if stream.chance(0.6) {
        fields.turnaround_days = Some(stream.between(1, 30));
    }
}

fn space(
    stream: &mut Stream,
    fields: &mut ListingFields,
    content: &text::Content,
    sectors: &[&'static Phrase],
) {
    /// What one type of space is like: how many people, how many m² each, the median
    /// monthly price in cents, and how common it is.
    struct Offer {
        space_type: SpaceType,
        capacity: (i64, i64),
        area_per_person: (i64, i64),
        median_price: f64,
        weight: f64,
    }
    const fn offer(
        space_type: SpaceType,
        capacity: (i64, i64),
        area_per_person: (i64, i64),
        median_price: f64,
        weight: f64,
    ) -> Offer {
        Offer {
            space_type,
            capacity,
            area_per_person,
            median_price,
            weight,
        }
    }
    const OFFERS: &[Offer] = &[
        offer(SpaceType::HotDesk, (1, 40), (4, 8), 20_000.0, 0.20),
        offer(SpaceType::DedicatedDesk, (1, 20), (5, 10), 30_000.0, 0.20),
        offer(SpaceType::PrivateOffice, (2, 20), (8, 15), 90_000.0, 0.25),
        offer(SpaceType::LabBench, (1, 6), (10, 20), 60_000.0, 0.10),
        offer(SpaceType::WetLab, (2, 12), (12, 25), 250_000.0, 0.08),
        offer(SpaceType::Workshop, (2, 30), (15, 40), 200_000.0, 0.07),
        offer(SpaceType::MeetingRoom, (4, 40), (2, 4), 80_000.0, 0.10),
    ];
    let weights: Vec<f64> = OFFERS.iter().map(|o| o.weight).collect();
    let Offer {
        space_type,
        capacity: capacity_range,
        area_per_person: area_range,
        median_price: median,
        ..
    } = OFFERS[stream.weighted(&weights)];
    let (title, summary, description) = text::space_text(stream, content, space_type);
    fields.title = Some(title);
    fields.summary = Some(summary);
    fields.description = Some(description);
    fields.space_type = Some(space_type);
    let capacity = stream.between(capacity_range.0, capacity_range.1);
    fields.capacity = Some(capacity);
    fields.area_m2 = Some(capacity * stream.between(area_range.0, area_range.1));
    if stream.chance(0.9) {
        fields.monthly_price = Some(round_price(stream.log_normal(median, 0.5)));
        fields.currency = Some("EUR".to_owned());
    }
    let from = epoch() + chrono::Duration::days(stream.between(0, 540));
    fields.available_from = Some(from);
    if stream.chance(0.5) {
        fields.available_until = Some(from + chrono::Duration::days(stream.between(90, 730)));
    }
    fields.amenities = Some(pick_phrases(
        stream,
        words::AMENITIES,
        2,
        4,
        content.language,
    ));
    let stage_count = stream.between(1, 3) as usize;
    let mut stages = stream.distinct(stage_count, CompanyStage::ALL.len(), |s| {
        s.below(CompanyStage::ALL.len() as u64) as usize
    });
    stages.sort_unstable();
    fields.eligible_stages = Some(stages.into_iter().map(|i| CompanyStage::ALL[i]).collect());
    fields.eligible_sectors = Some(
        sectors
            .iter()
            .map(|p| content.language.phrase(p).to_owned())
            .collect(),
    );
}
