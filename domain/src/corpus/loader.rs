//! `ponte corpus load`: fills an empty marketplace with the generated corpus — the first
//! N listings, published, and the organisations they belong to — in the database and
//! the search index in one pass.
//!
//! Three stages overlap, joined by bounded channels so memory stays flat: a generator
//! thread makes the items and checks each through the same validation as an import
//! (`hub::BatchWrite`); the async side stores each chunk in one transaction (multi-row
//! `INSERT`s plus their `change_log` entries); an index thread adds the documents to a
//! bulk load of the index (`SearchIndex::bulk_load`: a large writer, no commit until
//! the end). When the database is done, the index is committed once, with the last
//! `change_log` sequence number as its checkpoint: it then holds exactly what the
//! indexer would have made of those changes, so the server starts without re-indexing.
//!
//! The index is emptied and committed without a checkpoint before anything is
//! written, so an interrupted load leaves an index the server rebuilds from whatever
//! the database holds. The load refuses a database that already holds listings (it
//! neither resumes nor merges): start again with a new data directory or an empty
//! database.

use super::{Corpus, CorpusSize, LISTINGS_PER_ORGANISATION};
use crate::db::listing;
use crate::error::{Error, Result};
use crate::hub::{BatchWrite, Hub};
use sea_orm::{EntityTrait, PaginatorTrait};
use search_index::{ListingDocument, SearchIndex};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Listings per transaction; a multiple of `LISTINGS_PER_ORGANISATION`, so an
/// organisation and all its listings are always in the same chunk.
const CHUNK: u64 = 100 * LISTINGS_PER_ORGANISATION;
/// Chunks the generator may run ahead of the database, and the database ahead of the
/// index: enough to keep every stage busy while another waits.
const CHUNKS_IN_FLIGHT: usize = 4;
const INDEX_CHUNKS_IN_FLIGHT: usize = 16;

/// What to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub size: CorpusSize,
    pub seed: u64,
    /// Load only the first `count` listings (all of the size's when `None`).
    pub count: Option<u64>,
    /// The search index directory (`<data dir>/index` for the server).
    pub index_dir: PathBuf,
}

/// How far a load is: listings stored in the database, and added to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadProgress {
    pub stored: u64,
    pub indexed: u64,
    pub total: u64,
}

/// What a load wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    pub organisations: u64,
    pub listings: u64,
    /// The index checkpoint: the last `change_log` sequence number written.
    pub checkpoint: i64,
}

/// What the index thread is asked to do.
enum IndexWork {
    Add(Vec<ListingDocument>),
    /// Everything is stored: commit with this checkpoint.
    Commit(i64),
}

/// One chunk, made and checked by the generator.
struct Prepared {
    batch: BatchWrite,
    documents: Vec<ListingDocument>,
}

fn index_error(error: search_index::IndexError) -> Error {
    Error::internal("search index failure", std::io::Error::other(error.0))
}

fn stage_failed(stage: &'static str) -> Error {
    Error::internal(
        stage,
        std::io::Error::other("the thread stopped unexpectedly"),
    )
}

/// Makes and checks listings `first..end` (and their organisations), chunk by chunk.
fn generate(
    corpus: Corpus,
    first: u64,
    end: u64,
    out: tokio::sync::mpsc::Sender<Result<Prepared>>,
) {
    let mut start = first;
    while start < end {
        let stop = (start + CHUNK).min(end);
        let prepared = prepare_chunk(corpus, start, stop);
        let failed = prepared.is_err();
        // A closed channel means the load stopped: nothing more is wanted.
        if out.blocking_send(prepared).is_err() || failed {
            return;
        }
        start = stop;
    }
}

fn prepare_chunk(corpus: Corpus, start: u64, stop: u64) -> Result<Prepared> {
    let at = crate::hub::now();
    let mut batch = BatchWrite::default();
    let mut documents = Vec::with_capacity((stop - start) as usize);
    let mut owner = None;
    for index in start..stop {
        let listing = corpus.listing(index);
        let organisation = match &owner {
            Some((number, row)) if *number == listing.organisation => row,
            _ => {
                let new = corpus.organisation(listing.organisation);
                let verified = Corpus::organisation_verified(listing.organisation);
                let row = batch
                    .add_organisation(&new, verified, at)
                    .map_err(|error| refused("organisation", listing.organisation, error))?;
                &owner.insert((listing.organisation, row)).1
            }
        };
        let document = batch
            .add_published_listing(organisation, listing.kind, &listing.fields, at)
            .map_err(|error| refused("listing", index, error))?;
        documents.push(document);
    }
    Ok(Prepared { batch, documents })
}

/// A generated item the validation refused: a generator bug, reported as such.
fn refused(what: &str, index: u64, error: Error) -> Error {
    Error::new(
        error.kind,
        error.code,
        format!(
            "generated {what} {index} does not pass validation: {}",
            error.message
        ),
    )
}

/// Adds documents to a bulk load of the index as they come, and commits it when told.
/// Returns whether it committed: without a `Commit` (the load failed elsewhere) the
/// bulk load is dropped and the index stays empty, without a checkpoint.
fn index_documents(
    index: Arc<SearchIndex>,
    work: std::sync::mpsc::Receiver<IndexWork>,
    indexed: Arc<AtomicU64>,
) -> Result<bool> {
    let mut load = index.bulk_load().map_err(index_error)?;
    for step in work {
        match step {
            IndexWork::Add(documents) => {
                load.add(&documents).map_err(index_error)?;
                indexed.fetch_add(documents.len() as u64, Ordering::Relaxed);
            }
            IndexWork::Commit(checkpoint) => {
                load.commit(checkpoint).map_err(index_error)?;
                return Ok(true);
            }
        }
    }
    Ok(false)
}

impl Hub {
    /// Loads the first `options.count` listings of the corpus (and their organisations)
    /// into this database and a fresh index in `options.index_dir`, reporting progress
    /// after every stored chunk. Refuses a database that already holds listings.
    pub async fn load_corpus(
        &self,
        options: &LoadOptions,
        progress: &mut (dyn FnMut(LoadProgress) + Send),
    ) -> Result<LoadReport> {
        let available = options.size.listings();
        let total = options.count.unwrap_or(available);
        if total > available {
            return Err(Error::invalid(
                "count",
                "count_too_large",
                format!(
                    "the {} corpus has {available} listings; --count {total} asks for more",
                    options.size
                ),
            ));
        }
        let existing = listing::Entity::find().count(self.db()).await?;
        if existing > 0 {
            return Err(Error::conflict(
                "marketplace_not_empty",
                format!(
                    "the database already holds {existing} listings; corpus load only fills an empty marketplace (use a new data directory or an empty database)"
                ),
            ));
        }

        let index_dir = options.index_dir.clone();
        let index = tokio::task::spawn_blocking(move || -> Result<Arc<SearchIndex>> {
            let (index, _) = SearchIndex::open_in_dir(&index_dir).map_err(index_error)?;
            index.reset().map_err(index_error)?;
            Ok(Arc::new(index))
        })
        .await
        .map_err(|error| Error::internal("index task failed", error))??;

        let corpus = Corpus::new(options.seed);
        let (prepared_sender, mut prepared) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
        let generator = std::thread::Builder::new()
            .name("corpus-generator".to_owned())
            .spawn(move || generate(corpus, 0, total, prepared_sender))
            .map_err(|error| Error::internal("cannot start the generator thread", error))?;
        let (index_sender, index_work) = std::sync::mpsc::sync_channel(INDEX_CHUNKS_IN_FLIGHT);
        let indexed = Arc::new(AtomicU64::new(0));
        let indexer = {
            let (index, indexed) = (index.clone(), indexed.clone());
            std::thread::Builder::new()
                .name("corpus-indexer".to_owned())
                .spawn(move || index_documents(index, index_work, indexed))
                .map_err(|error| Error::internal("cannot start the index thread", error))?
        };

        let mut report = LoadReport {
            organisations: 0,
            listings: 0,
            checkpoint: 0,
        };
        let mut stored_outcome = Ok(());
        while let Some(chunk) = prepared.recv().await {
            let step = async {
                let Prepared { batch, documents } = chunk?;
                let (organisations, listings) = (batch.organisations(), batch.listings());
                let index_sender = index_sender.clone();
                // The index thread may be behind; wait for room off the runtime.
                let handed_over = tokio::task::spawn_blocking(move || {
                    index_sender.send(IndexWork::Add(documents)).is_ok()
                })
                .await
                .map_err(|error| Error::internal("index hand-over failed", error))?;
                if !handed_over {
                    return Err(stage_failed("the index thread stopped"));
                }
                if let Some(last) = self.write_batch(batch).await? {
                    report.checkpoint = last;
                }
                report.organisations += organisations as u64;
                report.listings += listings as u64;
                Ok(())
            };
            if let Err(error) = step.await {
                stored_outcome = Err(error);
                break;
            }
            progress(LoadProgress {
                stored: report.listings,
                indexed: indexed.load(Ordering::Relaxed),
                total,
            });
        }
        // Stop the generator (it sees a closed channel); the index thread commits only
        // if everything was stored, with the last change as its checkpoint (a database
        // without any change at all has checkpoint 0, as the indexer reads it).
        drop(prepared);
        let mut commit_with = None;
        if stored_outcome.is_ok() && report.listings == total {
            // While the index thread finishes, give the planner its statistics.
            if let Err(error) = self.refresh_planner_statistics().await {
                stored_outcome = Err(error);
            }
        }
        if stored_outcome.is_ok() && report.listings == total {
            match self.last_change_seq().await {
                Ok(last) => {
                    report.checkpoint = report.checkpoint.max(last);
                    commit_with = Some(report.checkpoint);
                }
                Err(error) => stored_outcome = Err(error),
            }
        }
        // Sending may wait for the index thread to catch up, and the generator may be
        // finishing a chunk: wait for both off the runtime.
        let (generated, index_outcome) = tokio::task::spawn_blocking(move || {
            if let Some(checkpoint) = commit_with {
                let _ = index_sender.send(IndexWork::Commit(checkpoint));
            }
            drop(index_sender);
            (generator.join(), indexer.join())
        })
        .await
        .map_err(|error| Error::internal("index task failed", error))?;
        // The index thread's own failure first: it explains a failed hand-over.
        let committed = index_outcome.map_err(|_| stage_failed("the index thread panicked"))??;
        stored_outcome?;
        generated.map_err(|_| stage_failed("the generator thread panicked"))?;
        if report.listings != total {
            return Err(stage_failed("the generator stopped early"));
        }
        if !committed {
            return Err(stage_failed("the index thread stopped before committing"));
        }
        progress(LoadProgress {
            stored: report.listings,
            indexed: indexed.load(Ordering::Relaxed),
            total,
        });
        Ok(report)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::hub::HubOptions;
    use std::time::Duration;

    /// A migrated hub on a fresh SQLite file; keep the directory alive as long as the hub.
    async fn hub() -> (Hub, tempfile::TempDir) {
        let dir = tempfile::TempDir::new().unwrap();
        let hub = Hub::connect(HubOptions {
            database_url: format!("sqlite://{}/t.db?mode=rwc", dir.path().display()),
            session_ttl: Duration::from_secs(3600),
        })
        .await
        .unwrap();
        hub.migrate().await.unwrap();
        (hub, dir)
    }

    /// What the load puts in the index is what the indexer would make of the stored
    /// rows, so an index written by the load and one rebuilt later cannot differ.
    #[tokio::test]
    async fn batched_documents_are_what_the_indexer_makes_of_the_stored_rows() {
        let (hub, _dir) = hub().await;
        let count = 130;
        let prepared = prepare_chunk(Corpus::new(42), 0, count).unwrap();
        assert_eq!(prepared.batch.organisations(), 7);
        let mut documents = prepared.documents.clone();
        let last = hub.write_batch(prepared.batch).await.unwrap();
        // One change per organisation and per listing, the last one ours.
        assert_eq!(last, Some(137));
        assert_eq!(hub.last_change_seq().await.unwrap(), 137);

        let ids: Vec<String> = documents.iter().map(|d| d.id.clone()).collect();
        let stored = hub
            .published_with_organisations(&ids, Some(crate::hub::now()))
            .await
            .unwrap();
        assert_eq!(stored.len(), count as usize);
        let mut from_rows: Vec<ListingDocument> = stored
            .into_iter()
            .map(|(row, organisation)| {
                let view = crate::hub::listing_view(row, &organisation, false).unwrap();
                crate::search::indexer::document(&view, &organisation)
            })
            .collect();
        from_rows.sort_by(|a, b| a.id.cmp(&b.id));
        documents.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(from_rows, documents);
        // Every third corpus organisation is verified, as the index-only documents say.
        assert!(documents.iter().any(|d| d.verified));
        assert!(documents.iter().any(|d| !d.verified));
    }

    #[tokio::test]
    async fn a_load_fills_database_and_index_and_a_second_is_refused() {
        let (hub, dir) = hub().await;
        let options = LoadOptions {
            size: CorpusSize::Small10k,
            seed: 42,
            count: Some(45),
            index_dir: dir.path().join("index"),
        };
        let mut steps = Vec::new();
        let report = hub
            .load_corpus(&options, &mut |step| steps.push(step))
            .await
            .unwrap();
        assert_eq!(report.listings, 45);
        assert_eq!(report.organisations, 3);
        assert_eq!(report.checkpoint, hub.last_change_seq().await.unwrap());
        assert_eq!(
            steps.last(),
            Some(&LoadProgress {
                stored: 45,
                indexed: 45,
                total: 45
            })
        );

        // The server's start-up decision: nothing to rebuild, nothing to catch up on.
        let outcome = hub
            .open_search_index(&options.index_dir, &mut |_| {})
            .await
            .unwrap();
        assert_eq!(outcome, "caught up on 0 changes");
        let mut indexed = hub.indexed_listing_ids().await.unwrap();
        indexed.sort();
        let mut stored: Vec<String> = listing::Entity::find()
            .all(hub.db())
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.id)
            .collect();
        stored.sort();
        assert_eq!(indexed, stored);

        // The planner has statistics: hydrating hits looks the ids up rather than
        // walking every published listing through the status index.
        use sea_orm::{ConnectionTrait, Statement};
        let plan = hub
            .db()
            .query_all_raw(Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "EXPLAIN QUERY PLAN SELECT * FROM listing WHERE id IN ('a', 'b') AND status = 'published'",
            ))
            .await
            .unwrap();
        let steps: Vec<String> = plan
            .iter()
            .map(|row| row.try_get::<String>("", "detail").unwrap())
            .collect();
        assert!(
            steps.iter().any(|step| step.contains("(id=?)")),
            "hydration does not look ids up: {steps:?}"
        );

        let again = hub.load_corpus(&options, &mut |_| {}).await.unwrap_err();
        assert_eq!(again.code, "marketplace_not_empty");
        assert!(again.message.contains("already holds 45 listings"));
    }

    #[tokio::test]
    async fn more_listings_than_the_size_has_are_refused_before_anything_is_written() {
        let (hub, dir) = hub().await;
        let options = LoadOptions {
            size: CorpusSize::Small10k,
            seed: 42,
            count: Some(10_001),
            index_dir: dir.path().join("index"),
        };
        let error = hub.load_corpus(&options, &mut |_| {}).await.unwrap_err();
        assert_eq!(error.code, "count_too_large");
        assert_eq!(error.field.as_deref(), Some("count"));
        assert_eq!(hub.last_change_seq().await.unwrap(), 0);
        assert!(!options.index_dir.exists());
    }
}
