//! Keeps the search index in step with the database: tails `change_log` from the
//! index's checkpoint and applies each batch together with its new checkpoint (one
//! tantivy commit), rebuilds from scratch when the index is missing, unreadable, half
//! rebuilt or ahead of the database, and reports how far behind it is.
//!
//! Appends to `change_log` are serialised until commit (see `hub::append_change`), so
//! "every row with seq > checkpoint" never skips a row that committed late.

use crate::db::{change_log, listing, organisation};
use crate::error::{Error, Result};
use crate::hub::Hub;
use crate::model::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use search_index::{ListingDocument, SearchIndex};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// `change_log` rows read per batch; one batch is one index commit.
const BATCH: u64 = 1_000;
/// Listings loaded per query (keeps `IN (…)` lists small on both databases).
const LOAD_CHUNK: usize = 500;
/// The checkpoint written while a rebuild is under way: a crash mid-rebuild leaves it,
/// and the next start sees an unfinished rebuild rather than a complete index.
const REBUILD_IN_PROGRESS: i64 = -1;
/// The longest wait between failed indexing attempts: once disk space is back,
/// indexing resumes within about this long.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(5);

/// How far the index is behind the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexStatus {
    pub checkpoint: Option<i64>,
    pub last_change: i64,
    pub caught_up: bool,
    /// Why the last indexing attempt failed (disk full, I/O error…), while it keeps
    /// failing; `None` once an attempt succeeds.
    pub failure: Option<String>,
}

/// Progress of a rebuild, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildProgress {
    pub indexed: u64,
    pub total: u64,
}

fn index_error(error: search_index::IndexError) -> Error {
    Error::internal("search index failure", std::io::Error::other(error.0))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| Error::internal("index task failed", error))?
}

/// The document the index stores for a published listing.
pub(crate) fn document(view: &ListingView, organisation: &organisation::Model) -> ListingDocument {
    let mut techniques = Vec::new();
    let (mut engagement_modes, mut space_type, mut headline_price) = (Vec::new(), None, None);
    let (mut capacity, mut area_m2, mut trl_min, mut trl_max) = (None, None, None, None);
    let (mut available_from, mut available_until) = (None, None);
    let price = |m: &Money| search_index::Price {
        amount_minor: m.amount_minor,
        currency: m.currency.clone(),
    };
    match &view.details {
        ListingDetails::Expertise(d) => {
            techniques.extend(d.techniques.iter().cloned());
            engagement_modes = d
                .engagement_modes
                .iter()
                .map(|m| m.as_str().to_owned())
                .collect();
            trl_min = d.trl_min;
            trl_max = d.trl_max;
        }
        ListingDetails::Facility(d) => {
            techniques.extend(
                d.techniques
                    .iter()
                    .chain(&d.equipment)
                    .chain(&d.accreditation)
                    .cloned(),
            );
            headline_price = d
                .price_from
                .as_ref()
                .or(d.external_price_from.as_ref())
                .map(price);
        }
        ListingDetails::Space(d) => {
            space_type = Some(d.space_type.as_str().to_owned());
            headline_price = d.monthly_price.as_ref().map(price);
            capacity = d.capacity;
            area_m2 = d.area_m2;
            available_from = d.available_from;
            available_until = d.available_until;
        }
    }
    ListingDocument {
        id: view.id.clone(),
        kind: view.kind.as_str().to_owned(),
        language: view.language.clone(),
        title: view.title.clone(),
        summary: view.summary.clone(),
        description: view.description.clone(),
        topics: view.topics.iter().map(|t| t.label.clone()).collect(),
        topic_codes: view.topics.iter().filter_map(|t| t.code.clone()).collect(),
        techniques,
        organisation_id: organisation.id.clone(),
        organisation_name: organisation.name.clone(),
        organisation_kind: organisation.kind.clone(),
        verified: organisation.verified,
        country: view.location.country.clone(),
        region: view.location.region.clone(),
        city: view.location.city.clone(),
        location: match (view.location.latitude, view.location.longitude) {
            (Some(lat), Some(lon)) => Some(search_index::GeoPoint { lat, lon }),
            _ => None,
        },
        engagement_modes,
        space_type,
        headline_price,
        capacity,
        area_m2,
        trl_min,
        trl_max,
        available_from,
        available_until,
        published_at: view.published_at.unwrap_or(view.created_at),
        updated_at: view.updated_at,
        expires_at: view.expires_at,
    }
}

impl Hub {
    /// Opens (or creates) the index in `dir`, attaches it, and rebuilds or catches up so
    /// that it reflects the database. Returns what it had to do, for the log.
    pub async fn open_search_index(
        &self,
        dir: &Path,
        progress: &mut (dyn FnMut(RebuildProgress) + Send),
    ) -> Result<String> {
        let dir = dir.to_owned();
        let (index, report) =
            blocking(move || SearchIndex::open_in_dir(&dir).map_err(index_error)).await?;
        let index = Arc::new(index);
        self.attach_search_index(index.clone());
        let last_change = self.last_change_seq().await?;
        let reason = if report.created {
            Some("there was no index".to_owned())
        } else if let Some(why) = report.replaced_unreadable {
            Some(format!("the index was unreadable ({why})"))
        } else {
            match index.checkpoint() {
                None => Some("the index has no checkpoint".to_owned()),
                Some(REBUILD_IN_PROGRESS) => Some("a rebuild was interrupted".to_owned()),
                Some(checkpoint) if checkpoint > last_change => Some(
                    "the index is ahead of the database (was the database replaced?)".to_owned(),
                ),
                Some(_) => None,
            }
        };
        match reason {
            Some(reason) => {
                let indexed = self.rebuild_search_index(progress).await?;
                Ok(format!("rebuilt {indexed} listings because {reason}"))
            }
            None => {
                let applied = self.index_catch_up().await?;
                Ok(format!("caught up on {applied} changes"))
            }
        }
    }

    /// `ponte reindex`: opens the index in `dir` and rebuilds it from the database.
    pub async fn reindex_in(
        &self,
        dir: &Path,
        progress: &mut (dyn FnMut(RebuildProgress) + Send),
    ) -> Result<u64> {
        let dir = dir.to_owned();
        let (index, _) =
            blocking(move || SearchIndex::open_in_dir(&dir).map_err(index_error)).await?;
        self.attach_search_index(Arc::new(index));
        self.rebuild_search_index(progress).await
    }

    /// Applies every `change_log` row after the index's checkpoint. Returns how many rows.
    pub async fn index_catch_up(&self) -> Result<u64> {
        let index = self.attached_index()?;
        let mut applied = 0;
        loop {
            let checkpoint = index.checkpoint().unwrap_or(0).max(0);
            let rows = change_log::Entity::find()
                .filter(change_log::Column::Seq.gt(checkpoint))
                .order_by_asc(change_log::Column::Seq)
                .limit(BATCH)
                .all(self.db())
                .await?;
            let Some(last_seq) = rows.last().map(|row| row.seq) else {
                return Ok(applied);
            };
            let mut listing_ids: BTreeSet<String> = BTreeSet::new();
            let mut organisation_ids: BTreeSet<String> = BTreeSet::new();
            for row in &rows {
                match row.entity.as_str() {
                    "listing" => {
                        listing_ids.insert(row.entity_id.clone());
                    }
                    "organisation" => {
                        organisation_ids.insert(row.entity_id.clone());
                    }
                    _ => {}
                }
            }
            // An organisation's name, kind or verification is part of its listings' documents.
            if !organisation_ids.is_empty() {
                let owned = listing::Entity::find()
                    .select_only()
                    .column(listing::Column::Id)
                    .filter(listing::Column::OrganisationId.is_in(organisation_ids.iter().cloned()))
                    .into_tuple::<String>()
                    .all(self.db())
                    .await?;
                listing_ids.extend(owned);
            }
            let ids: Vec<String> = listing_ids.into_iter().collect();
            let upserts = self.documents_for(&ids).await?;
            let indexed: BTreeSet<&str> = upserts.iter().map(|d| d.id.as_str()).collect();
            let deletes: Vec<String> = ids
                .iter()
                .filter(|id| !indexed.contains(id.as_str()))
                .cloned()
                .collect();
            let index = index.clone();
            blocking(move || {
                index
                    .apply(&upserts, &deletes, last_seq)
                    .map_err(index_error)
            })
            .await?;
            applied += rows.len() as u64;
        }
    }

    /// Empties the index and indexes every published listing again.
    pub async fn rebuild_search_index(
        &self,
        progress: &mut (dyn FnMut(RebuildProgress) + Send),
    ) -> Result<u64> {
        let index = self.attached_index()?;
        // Read the high-water mark first: changes made during the rebuild have higher
        // numbers and are caught up afterwards (applying one twice is harmless).
        let start = self.last_change_seq().await?;
        {
            let index = index.clone();
            blocking(move || index.reset().map_err(index_error)).await?;
        }
        let ids: Vec<String> = listing::Entity::find()
            .select_only()
            .column(listing::Column::Id)
            .filter(listing::Column::Status.eq(ListingStatus::Published.as_str()))
            .order_by_asc(listing::Column::Id)
            .into_tuple::<String>()
            .all(self.db())
            .await?;
        let total = ids.len() as u64;
        let mut indexed = 0;
        progress(RebuildProgress { indexed, total });
        let chunks: Vec<&[String]> = ids.chunks(LOAD_CHUNK).collect();
        for (position, chunk) in chunks.iter().enumerate() {
            let upserts = self.documents_for(chunk).await?;
            indexed += upserts.len() as u64;
            let checkpoint = if position + 1 == chunks.len() {
                start
            } else {
                REBUILD_IN_PROGRESS
            };
            let index = index.clone();
            blocking(move || index.apply(&upserts, &[], checkpoint).map_err(index_error)).await?;
            progress(RebuildProgress { indexed, total });
        }
        if chunks.is_empty() {
            let index = index.clone();
            blocking(move || index.apply(&[], &[], start).map_err(index_error)).await?;
        }
        self.index_catch_up().await?;
        Ok(indexed)
    }

    /// Where the index stands against the database.
    pub async fn index_status(&self) -> Result<Option<IndexStatus>> {
        let Some(index) = self.search_index() else {
            return Ok(None);
        };
        let last_change = self.last_change_seq().await?;
        let checkpoint = index.checkpoint();
        Ok(Some(IndexStatus {
            checkpoint,
            last_change,
            caught_up: checkpoint.is_some_and(|c| c >= last_change),
            failure: self.index_failure(),
        }))
    }

    /// Every listing id in the index (for consistency checks and tests).
    pub async fn indexed_listing_ids(&self) -> Result<Vec<String>> {
        let index = self.attached_index()?;
        blocking(move || index.indexed_ids().map_err(index_error)).await
    }

    /// Runs until `stop` flips: catches up every `interval`, so a change is searchable
    /// within about that long. An index failure is logged and retried with back-off;
    /// nothing is lost, since the checkpoint only moves with a successful commit.
    pub async fn run_indexer(
        &self,
        interval: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut delay = interval;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
            match self.index_catch_up().await {
                Ok(_) => {
                    if self.index_failure().is_some() {
                        tracing::info!("indexing works again; the index is catching up");
                        self.set_index_failure(None);
                    }
                    delay = interval;
                }
                Err(error) => {
                    let cause = error.cause_chain();
                    tracing::error!(%cause, "indexing failed; retrying");
                    self.set_index_failure(Some(cause));
                    delay = (delay * 2).min(MAX_RETRY_DELAY);
                }
            }
        }
    }

    /// Index documents for the published listings among `ids` (others are absent).
    async fn documents_for(&self, ids: &[String]) -> Result<Vec<ListingDocument>> {
        let mut documents = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(LOAD_CHUNK) {
            for (row, organisation) in self.published_with_organisations(chunk, None).await? {
                let view = crate::hub::listing_view(row, &organisation, false)?;
                documents.push(document(&view, &organisation));
            }
        }
        Ok(documents)
    }

    fn attached_index(&self) -> Result<Arc<SearchIndex>> {
        self.search_index().ok_or_else(|| {
            Error::internal(
                "no search index attached",
                std::io::Error::other("index missing"),
            )
        })
    }

    /// The published listings among `ids` with their organisations; with `unexpired_at`,
    /// only those not yet expired then. One query for each table.
    pub(crate) async fn published_with_organisations(
        &self,
        ids: &[String],
        unexpired_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<(listing::Model, organisation::Model)>> {
        let mut query = listing::Entity::find()
            .filter(listing::Column::Id.is_in(ids.to_vec()))
            .filter(listing::Column::Status.eq(ListingStatus::Published.as_str()));
        if let Some(now) = unexpired_at {
            query = query.filter(listing::Column::ExpiresAt.gt(now));
        }
        let rows = query.all(self.db()).await?;
        let organisations: HashMap<String, organisation::Model> = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(rows.iter().map(|r| r.organisation_id.clone())))
            .all(self.db())
            .await?
            .into_iter()
            .map(|o| (o.id.clone(), o))
            .collect();
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let organisation = organisations.get(&row.organisation_id)?.clone();
                Some((row, organisation))
            })
            .collect())
    }
}
