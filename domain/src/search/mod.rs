//! Search over published listings: turning a user's search into an index request
//! (places resolved, filters checked), hydrating the hits from the database so nothing
//! stale or unpublished is ever shown, and recording searches that found nothing.
//!
//! The index itself (tantivy) is `search-index`'s; keeping it in step with the
//! database is `indexer`'s.

pub mod evaluation;
pub(crate) mod indexer;
mod unmet;

pub use indexer::{IndexStatus, RebuildProgress};
pub use search_index::{MatchKind, MatchedTerm, Snippet};
pub use unmet::UnmetDemand;

use crate::access::Caller;
use crate::db::search_miss;
use crate::error::{Error, ErrorKind, Result};
use crate::hub::{Hub, new_id, now};
use crate::model::*;
use crate::places::{self, Place};
use crate::validate;
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use std::collections::{BTreeMap, HashMap};

/// Deepest page a cursor may reach; beyond it, narrow the search instead.
const MAX_OFFSET: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    #[default]
    Relevance,
    Distance,
    Newest,
    Price,
}

/// A search as a user or client asks it; every field optional. Saved searches store it
/// (without sort, limit and cursor) as JSON.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub kinds: Vec<ListingKind>,
    pub organisation_kinds: Vec<OrganisationKind>,
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    pub cities: Vec<String>,
    pub topics: Vec<String>,
    pub engagement: Vec<EngagementMode>,
    pub space_types: Vec<SpaceType>,
    pub max_price: Option<i64>,
    pub currency: Option<String>,
    pub min_capacity: Option<i64>,
    pub available_on: Option<NaiveDate>,
    pub trl_min: Option<i64>,
    pub trl_max: Option<i64>,
    pub verified: Option<bool>,
    /// A place name as typed, or `lat,lon`.
    pub near: Option<String>,
    pub radius_km: Option<f64>,
    pub sort: Option<SearchSort>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// One result: the listing as stored now, and why the index found it.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub listing: ListingView,
    pub score: f32,
    pub distance_km: Option<f64>,
    pub snippets: Vec<Snippet>,
    pub matched: Vec<MatchedTerm>,
}

#[derive(Debug, Clone)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    pub total: u64,
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    pub next_cursor: Option<String>,
    /// How `near` was understood, when given.
    pub near: Option<Place>,
    pub radius_km: Option<f64>,
}

fn unavailable() -> Error {
    Error::new(
        ErrorKind::Unavailable,
        "search_unavailable",
        "search is starting up; retry in a few seconds",
    )
}

fn search_error(error: search_index::SearchError) -> Error {
    match error {
        search_index::SearchError::QueryInvalid(message) => {
            Error::invalid("q", "query_invalid", message)
        }
        search_index::SearchError::RequestInvalid { field, message } => {
            Error::invalid(field, "parameter_invalid", message)
        }
        search_index::SearchError::Index(message) => {
            Error::internal("search failed", std::io::Error::other(message))
        }
    }
}

fn cursor_offset(cursor: Option<&str>) -> Result<usize> {
    match cursor {
        None | Some("") => Ok(0),
        Some(text) => text
            .strip_prefix('o')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|offset| *offset <= MAX_OFFSET)
            .ok_or_else(|| {
                Error::invalid(
                    "cursor",
                    "cursor_invalid",
                    "the cursor is not one this server handed out",
                )
            }),
    }
}

fn bounded_list(field: &str, values: &[String]) -> Result<Vec<String>> {
    validate::tags(field, values)
}

fn small(field: &str, value: Option<i64>, min: i64, max: i64) -> Result<Option<i64>> {
    value
        .map(|v| validate::bounded_integer(field, v, min, max))
        .transpose()
}

/// Turns what the user asked into what the index understands, rejecting bad values.
fn index_request(
    query: &SearchQuery,
    near: Option<&Place>,
    radius_km: Option<f64>,
) -> Result<search_index::SearchRequest> {
    let text = match &query.q {
        Some(q) => {
            let mut text = validate::text("q", q, 0, 1_024)?;
            // A trailing space says the last word is finished, so it is not completed
            // as one being typed; trimming must not lose that.
            if !text.is_empty()
                && q.ends_with(char::is_whitespace)
                && text.len() < search_index::MAX_QUERY_BYTES
            {
                text.push(' ');
            }
            text
        }
        None => String::new(),
    };
    search_index::validate_query(&text).map_err(search_error)?;
    let limit = match query.limit {
        None => 20,
        Some(limit) if (1..=100).contains(&limit) => limit as usize,
        Some(_) => {
            return Err(Error::invalid(
                "limit",
                "limit_invalid",
                "`limit` must be between 1 and 100",
            ));
        }
    };
    let currency = match &query.currency {
        Some(code) => validate::currency("currency", code)?,
        None => "EUR".to_owned(),
    };
    if query.currency.is_some() && query.max_price.is_none() {
        return Err(Error::invalid(
            "currency",
            "currency_without_price",
            "`currency` applies to `max_price`; give both",
        ));
    }
    let trl_min = small("trl_min", query.trl_min, 1, 9)?;
    let trl_max = small("trl_max", query.trl_max, 1, 9)?;
    if let (Some(min), Some(max)) = (trl_min, trl_max)
        && min > max
    {
        return Err(Error::invalid(
            "trl_max",
            "trl_range_invalid",
            "`trl_max` must not be below `trl_min`",
        ));
    }
    let sort = match query.sort.unwrap_or_default() {
        SearchSort::Relevance => search_index::SortOrder::Relevance,
        SearchSort::Distance if near.is_none() => {
            return Err(Error::invalid(
                "sort",
                "sort_needs_near",
                "sorting by distance needs `near`",
            ));
        }
        SearchSort::Distance => search_index::SortOrder::Distance,
        SearchSort::Newest => search_index::SortOrder::Newest,
        SearchSort::Price => search_index::SortOrder::Price,
    };
    let countries = bounded_list("country", &query.countries)?
        .iter()
        .map(|c| validate::country("country", c))
        .collect::<Result<Vec<_>>>()?;
    Ok(search_index::SearchRequest {
        query: text,
        kinds: query.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        organisation_kinds: query
            .organisation_kinds
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        countries,
        regions: bounded_list("region", &query.regions)?,
        cities: bounded_list("city", &query.cities)?,
        topics: bounded_list("topic", &query.topics)?,
        engagement_modes: query
            .engagement
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect(),
        space_types: query
            .space_types
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        max_price: query
            .max_price
            .map(|amount| -> Result<search_index::Price> {
                Ok(search_index::Price {
                    amount_minor: validate::bounded_integer(
                        "max_price",
                        amount,
                        0,
                        validate::MAX_MINOR_UNITS,
                    )?,
                    currency: currency.clone(),
                })
            })
            .transpose()?,
        min_capacity: small("min_capacity", query.min_capacity, 1, 10_000)?.map(|v| v as u32),
        available_on: query.available_on,
        trl_min: trl_min.map(|v| v as u8),
        trl_max: trl_max.map(|v| v as u8),
        verified: query.verified,
        near: near.map(|place| {
            (
                search_index::GeoPoint {
                    lat: place.latitude,
                    lon: place.longitude,
                },
                radius_km.unwrap_or(place.default_radius_km),
            )
        }),
        sort,
        limit,
        offset: cursor_offset(query.cursor.as_deref())?,
        now: now(),
        with_facets: true,
        for_people: false,
    })
}

/// What `GET /api/v1/search` asks the index for `query`, for measuring the index on its
/// own (benchmarks); the same checks and errors as the API.
pub fn index_request_for_people(query: &SearchQuery) -> Result<search_index::SearchRequest> {
    prepare_people_request(query).map(|(request, _)| request)
}

/// The index request for a person searching (the API, the portal, the chat): as
/// `prepare_request`, and when several words are all required and too few listings
/// have them all to fill a page, listings with some of them follow those (see
/// `search_index::SearchRequest::for_people`).
pub(crate) fn prepare_people_request(
    query: &SearchQuery,
) -> Result<(search_index::SearchRequest, Option<Place>)> {
    let (mut request, near) = prepare_request(query)?;
    request.for_people = true;
    Ok((request, near))
}

/// Checks a search and turns it into an index request, resolving `near` to a place.
/// Search and saved searches both come through here, so both refuse the same input
/// with the same errors.
pub(crate) fn prepare_request(
    query: &SearchQuery,
) -> Result<(search_index::SearchRequest, Option<Place>)> {
    let radius_km = match query.radius_km {
        Some(radius) if radius.is_finite() && radius > 0.0 && radius <= 2_000.0 => Some(radius),
        Some(_) => {
            return Err(Error::invalid(
                "radius_km",
                "radius_invalid",
                "`radius_km` must be more than 0 and at most 2000",
            ));
        }
        None => None,
    };
    if radius_km.is_some() && query.near.is_none() {
        return Err(Error::invalid(
            "radius_km",
            "radius_without_near",
            "`radius_km` applies to `near`; give both",
        ));
    }
    let near = query.near.as_deref().map(places::resolve).transpose()?;
    let request = index_request(query, near.as_ref(), radius_km)?;
    Ok((request, near))
}

impl Hub {
    /// Full-text search over published listings. Open to everyone; what a hit shows
    /// depends on the caller like any listing view.
    pub async fn search(&self, caller: &Caller, query: SearchQuery) -> Result<SearchPage> {
        let (request, near) = prepare_people_request(&query)?;
        let index = self.search_index().ok_or_else(unavailable)?;
        let offset = request.offset;
        let limit = request.limit;
        let found = {
            let request = request.clone();
            tokio::task::spawn_blocking(move || index.search(&request))
                .await
                .map_err(|error| Error::internal("search task failed", error))?
                .map_err(search_error)?
        };
        let ids: Vec<String> = found.hits.iter().map(|hit| hit.id.clone()).collect();
        let listings = self.published_views(caller, &ids).await?;
        let hits: Vec<SearchHit> = found
            .hits
            .into_iter()
            .filter_map(|hit| {
                let listing = listings.get(&hit.id)?.clone();
                Some(SearchHit {
                    listing,
                    score: hit.score,
                    distance_km: hit.distance_km,
                    snippets: hit.snippets,
                    matched: hit.matched,
                })
            })
            .collect();
        if found.total == 0 {
            self.record_miss(&request).await;
        }
        let next_offset = offset + limit;
        let next_cursor = (found.total > next_offset as u64 && next_offset <= MAX_OFFSET)
            .then(|| format!("o{next_offset}"));
        Ok(SearchPage {
            hits,
            total: found.total,
            facets: found.facets,
            next_cursor,
            radius_km: request.near.map(|(_, radius)| radius),
            near,
        })
    }

    /// Listings like a published one ("more like this").
    pub async fn similar_listings(
        &self,
        caller: &Caller,
        id: &str,
        limit: Option<u64>,
    ) -> Result<Vec<SearchHit>> {
        let listing = self.get_listing(caller, id).await?;
        if listing.status != ListingStatus::Published {
            return Err(Error::not_found("listing_not_found", "no such listing"));
        }
        let limit = match limit {
            None => 10,
            Some(limit) if (1..=50).contains(&limit) => limit as usize,
            Some(_) => {
                return Err(Error::invalid(
                    "limit",
                    "limit_invalid",
                    "`limit` must be between 1 and 50",
                ));
            }
        };
        let index = self.search_index().ok_or_else(unavailable)?;
        let id_owned = id.to_owned();
        let found = tokio::task::spawn_blocking(move || index.similar(&id_owned, limit, now()))
            .await
            .map_err(|error| Error::internal("search task failed", error))?
            .map_err(search_error)?;
        let ids: Vec<String> = found.iter().map(|hit| hit.id.clone()).collect();
        let listings = self.published_views(caller, &ids).await?;
        Ok(found
            .into_iter()
            .filter_map(|hit| {
                Some(SearchHit {
                    listing: listings.get(&hit.id)?.clone(),
                    score: hit.score,
                    distance_km: hit.distance_km,
                    snippets: hit.snippets,
                    matched: hit.matched,
                })
            })
            .collect())
    }

    /// The current, published, unexpired listings among `ids`, as the caller may see them.
    async fn published_views(
        &self,
        caller: &Caller,
        ids: &[String],
    ) -> Result<HashMap<String, ListingView>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = self.published_with_organisations(ids, Some(now())).await?;
        let member_of = match caller.principal() {
            Some(principal) => self.member_organisation_ids(principal).await?,
            None => Vec::new(),
        };
        let mut views = HashMap::new();
        for (row, organisation) in rows {
            let is_member = member_of.contains(&row.organisation_id);
            let view = crate::hub::listing_view(row, &organisation, is_member)?;
            views.insert(view.id.clone(), view);
        }
        Ok(views)
    }

    /// Remembers a search that found nothing. Best effort: a failure here must not fail
    /// the search, so it is logged instead.
    async fn record_miss(&self, request: &search_index::SearchRequest) {
        let filters = serde_json::json!({
            "kind": request.kinds, "org_kind": request.organisation_kinds, "country": request.countries,
            "region": request.regions, "city": request.cities, "topic": request.topics,
            "engagement": request.engagement_modes, "space_type": request.space_types,
            "max_price": request.max_price.as_ref().map(|p| serde_json::json!({"amount_minor": p.amount_minor, "currency": p.currency})),
            "min_capacity": request.min_capacity, "available_on": request.available_on,
            "trl_min": request.trl_min, "trl_max": request.trl_max, "verified": request.verified,
            "near": request.near.map(|(point, radius)| serde_json::json!({"lat": point.lat, "lon": point.lon, "radius_km": radius})),
        });
        let row = search_miss::ActiveModel {
            id: Set(new_id()),
            query: Set(request.query.trim().to_owned()),
            filters: Set(filters.to_string()),
            source: Set("api".to_owned()),
            created_at: Set(now()),
        };
        if let Err(error) = row.insert(self.db()).await {
            tracing::warn!(%error, "could not record a search that found nothing");
        }
    }

    /// The most recent searches that found nothing (query, filters as JSON, when), newest first.
    pub async fn recent_search_misses(
        &self,
        limit: u64,
    ) -> Result<Vec<(String, String, chrono::DateTime<chrono::Utc>)>> {
        use sea_orm::{QueryOrder, QuerySelect};
        let rows = search_miss::Entity::find()
            .order_by_desc(search_miss::Column::CreatedAt)
            .limit(limit)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.query, r.filters, r.created_at))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn asked(q: &str) -> String {
        let query = SearchQuery {
            q: Some(q.into()),
            ..SearchQuery::default()
        };
        index_request_for_people(&query).unwrap().query
    }

    #[test]
    fn a_finished_last_word_stays_finished() {
        // The index completes a last word still being typed; a trailing space (or
        // several, or a newline) says it is finished.
        assert_eq!(asked("  laser cut"), "laser cut");
        assert_eq!(asked("laser cutting "), "laser cutting ");
        assert_eq!(asked("laser cutting \n "), "laser cutting ");
        assert_eq!(asked("   "), "");
        // At the length limit the space is dropped rather than the query refused.
        let longest = "a".repeat(search_index::MAX_QUERY_BYTES);
        assert_eq!(asked(&format!("{longest} ")), longest);
    }
}
