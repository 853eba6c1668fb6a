//! Full-text search over published listings, and "more like this".

use super::ApiState;
use super::wire::{EngagementMode, ListingKind, Money, OrganisationKind, SpaceType};
use crate::http::auth::AnyCaller;
use crate::http::errors::ApiError;
use chrono::NaiveDate;
use domain::search::{MatchKind, SearchHit, SearchQuery, SearchSort};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi, Tags};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Tags)]
enum SearchTags {
    /// Find expertise, facilities and space.
    Search,
}

pub struct SearchApi {
    pub state: ApiState,
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum SortParam {
    Relevance,
    Distance,
    Newest,
    Price,
}

/// Part of a field's text with the matched words' byte ranges. Plain text: escape it
/// when you show it.
#[derive(Debug, Object)]
pub struct SnippetOut {
    pub field: String,
    pub text: String,
    /// `[start, end)` byte offsets into `text`.
    pub highlights: Vec<Vec<u64>>,
}

#[derive(Debug, Object)]
pub struct MatchedTermOut {
    /// The word of your query.
    pub term: String,
    /// Where it was found: title, topics, techniques, summary, description, organisation.
    pub field: String,
    /// exact, stemmed (another form of the word), synonym, typo or prefix.
    pub how: String,
}

/// Why a listing was found.
#[derive(Debug, Object)]
pub struct WhyOut {
    /// One sentence for people.
    pub summary: String,
    pub terms: Vec<MatchedTermOut>,
    /// Distance from `near`, when given.
    pub distance_km: Option<f64>,
}

/// What to look for: the parameters of `GET /search` (without sort and paging), used as
/// is by saved searches, checked by the same code with the same errors. Lists accept one
/// value or an array.
#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(example)]
#[serde(default, deny_unknown_fields)]
pub struct SearchParameters {
    /// Plain words, "phrases", -exclusions, OR.
    pub q: Option<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub kind: Vec<ListingKind>,
    #[serde(deserialize_with = "one_or_many")]
    pub org_kind: Vec<OrganisationKind>,
    #[serde(deserialize_with = "one_or_many")]
    pub country: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub region: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub city: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub topic: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub engagement: Vec<EngagementMode>,
    #[serde(deserialize_with = "one_or_many")]
    pub space_type: Vec<SpaceType>,
    /// Minor units (cents), compared in `currency` (default EUR).
    pub max_price: Option<i64>,
    pub currency: Option<String>,
    pub min_capacity: Option<i64>,
    pub available_on: Option<NaiveDate>,
    pub trl_min: Option<i64>,
    pub trl_max: Option<i64>,
    pub verified: Option<bool>,
    /// A place name as you would write it, or `lat,lon`.
    pub near: Option<String>,
    pub radius_km: Option<f64>,
}

impl poem_openapi::types::Example for SearchParameters {
    fn example() -> Self {
        SearchParameters {
            q: Some("fatigue testing carbon fibre".into()),
            kind: vec![ListingKind::Facility, ListingKind::Expertise],
            near: Some("Bologna".into()),
            radius_km: Some(80.0),
            ..Default::default()
        }
    }
}

fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::Many(values) => values,
        OneOrMany::One(value) => vec![value],
    })
}

impl From<SearchParameters> for SearchQuery {
    fn from(p: SearchParameters) -> Self {
        SearchQuery {
            q: p.q,
            kinds: p.kind.into_iter().map(Into::into).collect(),
            organisation_kinds: p.org_kind.into_iter().map(Into::into).collect(),
            countries: p.country,
            regions: p.region,
            cities: p.city,
            topics: p.topic,
            engagement: p.engagement.into_iter().map(Into::into).collect(),
            space_types: p.space_type.into_iter().map(Into::into).collect(),
            max_price: p.max_price,
            currency: p.currency,
            min_capacity: p.min_capacity,
            available_on: p.available_on,
            trl_min: p.trl_min,
            trl_max: p.trl_max,
            verified: p.verified,
            near: p.near,
            radius_km: p.radius_km,
            sort: None,
            limit: None,
            cursor: None,
        }
    }
}

impl From<SearchQuery> for SearchParameters {
    fn from(q: SearchQuery) -> Self {
        SearchParameters {
            q: q.q,
            kind: q.kinds.into_iter().map(Into::into).collect(),
            org_kind: q.organisation_kinds.into_iter().map(Into::into).collect(),
            country: q.countries,
            region: q.regions,
            city: q.cities,
            topic: q.topics,
            engagement: q.engagement.into_iter().map(Into::into).collect(),
            space_type: q.space_types.into_iter().map(Into::into).collect(),
            max_price: q.max_price,
            currency: q.currency,
            min_capacity: q.min_capacity,
            available_on: q.available_on,
            trl_min: q.trl_min,
            trl_max: q.trl_max,
            verified: q.verified,
            near: q.near,
            radius_km: q.radius_km,
        }
    }
}

#[derive(Debug, Object)]
pub struct OrganisationRef {
    pub id: String,
    pub name: String,
    pub verified: bool,
}

#[derive(Debug, Object)]
pub struct PlaceOut {
    pub country: String,
    pub region: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Object)]
pub struct AvailabilityOut {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

#[derive(Debug, Object)]
pub struct SearchHitOut {
    pub id: String,
    pub kind: ListingKind,
    pub title: String,
    pub summary: String,
    pub organisation: OrganisationRef,
    pub place: PlaceOut,
    /// A facility's "from" price or a space's monthly price.
    pub price: Option<Money>,
    /// For spaces.
    pub availability: Option<AvailabilityOut>,
    pub topics: Vec<String>,
    /// Shown as a generated example, not a real offer.
    pub generated_example: bool,
    pub snippets: Vec<SnippetOut>,
    pub why: WhyOut,
    pub score: f32,
}

#[derive(Debug, Object)]
pub struct NearOut {
    /// The place as understood, e.g. "Milan" for "Milano".
    pub name: String,
    pub country: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_km: f64,
}

#[derive(Debug, Object)]
pub struct SearchReply {
    pub hits: Vec<SearchHitOut>,
    /// How many listings match in all.
    pub total: u64,
    /// Filter field → value → number of matching listings.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// How `near` was understood.
    pub near: Option<NearOut>,
}

fn how(kind: MatchKind) -> &'static str {
    match kind {
        MatchKind::Exact => "exact",
        MatchKind::Stemmed => "stemmed",
        MatchKind::Synonym => "synonym",
        MatchKind::Typo => "typo",
        MatchKind::Prefix => "prefix",
    }
}

fn why_summary(hit: &SearchHit, near: Option<&str>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for term in &hit.matched {
        if seen.insert((term.query_term.clone(), term.field.clone())) && parts.len() < 4 {
            let manner = match term.kind {
                MatchKind::Exact => String::new(),
                other => format!(" ({})", how(other)),
            };
            parts.push(format!("“{}” in {}{}", term.query_term, term.field, manner));
        }
    }
    let mut summary = if parts.is_empty() {
        "matches your filters".to_owned()
    } else {
        format!("matched {}", parts.join(", "))
    };
    if let (Some(distance), Some(near)) = (hit.distance_km, near) {
        summary.push_str(&format!("; {distance:.0} km from {near}"));
    }
    summary
}

fn hit_out(hit: SearchHit, near: Option<&str>) -> SearchHitOut {
    let summary = why_summary(&hit, near);
    let listing = hit.listing;
    let (price, availability) = match &listing.details {
        domain::model::ListingDetails::Facility(d) => (
            d.price_from
                .clone()
                .or(d.external_price_from.clone())
                .map(Money::from),
            None,
        ),
        domain::model::ListingDetails::Space(d) => (
            d.monthly_price.clone().map(Money::from),
            Some(AvailabilityOut {
                from: d.available_from,
                until: d.available_until,
            }),
        ),
        domain::model::ListingDetails::Expertise(_) => (None, None),
    };
    SearchHitOut {
        id: listing.id,
        kind: listing.kind.into(),
        title: listing.title,
        summary: listing.summary,
        organisation: OrganisationRef {
            id: listing.organisation_id,
            name: listing.organisation_name,
            verified: listing.organisation_verified,
        },
        place: PlaceOut {
            country: listing.location.country,
            region: listing.location.region,
            city: listing.location.city,
            latitude: listing.location.latitude,
            longitude: listing.location.longitude,
        },
        price,
        availability,
        topics: listing.topics.into_iter().map(|t| t.label).collect(),
        generated_example: listing.generated_example,
        snippets: hit
            .snippets
            .into_iter()
            .map(|s| SnippetOut {
                field: s.field,
                text: s.text,
                highlights: s
                    .highlights
                    .into_iter()
                    .map(|(a, b)| vec![a as u64, b as u64])
                    .collect(),
            })
            .collect(),
        why: WhyOut {
            summary,
            terms: hit
                .matched
                .into_iter()
                .map(|m| MatchedTermOut {
                    term: m.query_term,
                    field: m.field,
                    how: how(m.kind).to_owned(),
                })
                .collect(),
            distance_km: hit.distance_km,
        },
        score: hit.score,
    }
}

#[OpenApi(tag = "SearchTags::Search")]
impl SearchApi {
    /// Search listings
    ///
    /// Plain words find listings that contain them all (in English, Italian, French,
    /// German or Spanish, with synonyms and other word forms); when that finds fewer
    /// than 20 listings, small typos and completions of the last word count too. A
    /// question or a description of five words or more (a term such as "mass
    /// spectrometry" counts as one) finds the listings that answer most of it, best
    /// first; a shorter search that no listing answers with every word finds those
    /// with any of them, and one that fewer than 20 listings answer with every word
    /// shows them first and, where its words are in at most 5,000 listings, those
    /// with some of the words after them (counted in `total` and the facets).
    /// `"a phrase"` must appear as written; `-word` excludes (a `-` before a number is
    /// its sign); `OR` between two words accepts either.
    /// An empty `q` lists everything that passes the filters, newest first. Places in
    /// `near` are European cities or Italian regions as you would write them (Milano,
    /// Lombardy) or `lat,lon`. Searches that find nothing are recorded anonymously so
    /// brokers can see unmet demand. Access: Open to everyone.
    #[oai(path = "/search", method = "get", operation_id = "search")]
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        caller: AnyCaller,
        /// What you are looking for, in plain words.
        q: Query<Option<String>>,
        /// Only these kinds (repeat the parameter for several).
        kind: Query<Vec<ListingKind>>,
        /// Only listings of these kinds of organisation.
        org_kind: Query<Vec<OrganisationKind>>,
        /// ISO 3166-1 alpha-2 country codes, e.g. IT.
        country: Query<Vec<String>>,
        region: Query<Vec<String>>,
        city: Query<Vec<String>>,
        /// A topic label or a EuroSciVoc code.
        topic: Query<Vec<String>>,
        /// How you want to work with an expert.
        engagement: Query<Vec<EngagementMode>>,
        space_type: Query<Vec<SpaceType>>,
        /// Highest headline price in minor units (cents): a facility's "from" price or a
        /// space's monthly price, compared only in the same `currency`.
        max_price: Query<Option<i64>>,
        /// ISO 4217 code for `max_price`; default EUR.
        currency: Query<Option<String>>,
        /// Spaces for at least this many people.
        min_capacity: Query<Option<i64>>,
        /// Spaces available on this day (YYYY-MM-DD).
        available_on: Query<Option<NaiveDate>>,
        /// Expertise whose technology-readiness range overlaps trl_min..trl_max (1–9).
        trl_min: Query<Option<i64>>,
        trl_max: Query<Option<i64>>,
        /// Only listings of verified (true) or unverified (false) organisations.
        verified: Query<Option<bool>>,
        /// A place name as you would write it, or `lat,lon`.
        near: Query<Option<String>>,
        /// Radius around `near`; defaults to 25 km for a city, 120 km for a region.
        radius_km: Query<Option<f64>>,
        /// relevance (default), distance (needs `near`), newest, price (cheapest first).
        sort: Query<Option<SortParam>>,
        /// 1–100, default 20.
        limit: Query<Option<u64>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<SearchReply>, ApiError> {
        let parameters = SearchParameters {
            q: q.0,
            kind: kind.0,
            org_kind: org_kind.0,
            country: country.0,
            region: region.0,
            city: city.0,
            topic: topic.0,
            engagement: engagement.0,
            space_type: space_type.0,
            max_price: max_price.0,
            currency: currency.0,
            min_capacity: min_capacity.0,
            available_on: available_on.0,
            trl_min: trl_min.0,
            trl_max: trl_max.0,
            verified: verified.0,
            near: near.0,
            radius_km: radius_km.0,
        };
        let query = SearchQuery {
            sort: sort.0.map(|s| match s {
                SortParam::Relevance => SearchSort::Relevance,
                SortParam::Distance => SearchSort::Distance,
                SortParam::Newest => SearchSort::Newest,
                SortParam::Price => SearchSort::Price,
            }),
            limit: limit.0,
            cursor: cursor.0,
            ..parameters.into()
        };
        let page = self.state.hub.search(&caller.0, query).await?;
        let near_name = page.near.as_ref().map(|p| p.name.clone());
        Ok(Json(SearchReply {
            total: page.total,
            facets: page.facets,
            next_cursor: page.next_cursor,
            near: page.near.map(|place| NearOut {
                name: place.name,
                country: place.country,
                latitude: place.latitude,
                longitude: place.longitude,
                radius_km: page.radius_km.unwrap_or(place.default_radius_km),
            }),
            hits: page
                .hits
                .into_iter()
                .map(|hit| hit_out(hit, near_name.as_deref()))
                .collect(),
        }))
    }

    /// Similar listings
    ///
    /// Published listings most like this one ("more like this"). Access: Open to everyone.
    #[oai(
        path = "/listings/:id/similar",
        method = "get",
        operation_id = "similar_listings"
    )]
    async fn similar(
        &self,
        caller: AnyCaller,
        id: Path<String>,
        /// 1–50, default 10.
        limit: Query<Option<u64>>,
    ) -> Result<Json<Vec<SearchHitOut>>, ApiError> {
        let hits = self
            .state
            .hub
            .similar_listings(&caller.0, &id.0, limit.0)
            .await?;
        Ok(Json(
            hits.into_iter().map(|hit| hit_out(hit, None)).collect(),
        ))
    }
}
