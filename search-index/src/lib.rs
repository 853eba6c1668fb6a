//! Ponte's full-text search: the tantivy schema, analyzers per language, the synonym
//! glossary, query parsing (bounded before it reaches tantivy), filters, facets,
//! distances, snippets and "why it matched". It takes plain structs in
//! ([`ListingDocument`], [`SearchRequest`]) and gives ids, scores and explanations out.
//!
//! It must know nothing of sea-orm, poem or serenity (checked by the workspace's
//! architecture test): what to index and when is the domain's business.

mod analysis;
mod any_of;
mod collect;
mod compile;
mod exclusion;
mod explain;
mod field_tokenizers;
mod glossary;
mod matching;
mod model;
mod pair_phrase;
pub mod percolator;
mod query;
mod schema;
#[cfg(test)]
mod tests;
pub mod yardstick;

pub use model::*;
pub use query::{MAX_NESTING, MAX_QUERY_BYTES, MAX_QUERY_WORDS};

use analysis::{Analyzers, NEUTRAL_TOKENIZER, WordForms, known_language, neutral_analyzer};
use chrono::{DateTime, Utc};
use collect::{ListingCollector, Plan, SortKey};
use explain::FieldText;
use field_tokenizers::field_tokenizers;
use glossary::Glossary;
use schema::{FACETS, Fields, STEM_VALUE_GAP, build_schema, day_number, micros};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, MoreLikeThisQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, OwnedValue, Schema, Value};
use tantivy::tokenizer::PreTokenizedString;
use tantivy::{
    DocAddress, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument, Term,
};

/// Hits per page at most.
pub const MAX_LIMIT: usize = 100;
/// Memos of word forms kept for later searches: one per search running at once, up to
/// this many. Each holds at most `analysis::REMEMBERED_WORDS` words per language.
const KEPT_WORD_MEMOS: usize = 4;
/// How deep paging may go: beyond this, refine the search instead.
pub const MAX_OFFSET: usize = 10_000;
/// Facet values returned per facet, most frequent first.
pub const FACET_VALUES: usize = 20;

/// Writer memory budget, shared by its threads (tantivy wants at least 15 MB each).
const WRITER_MEMORY_BYTES: usize = 50_000_000;
/// The budget for bulk loads ([`SearchIndex::add_new`]): segments grow about twenty
/// times larger before they are flushed, so a million listings leave few segments to
/// merge while loading.
const BULK_WRITER_MEMORY_BYTES: usize = 1_000_000_000;
const WRITER_THREADS: usize = 2;

/// Why a search could not run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query text is malformed or over the size and nesting bounds.
    #[error("{0}")]
    QueryInvalid(String),
    /// A parameter is out of range (e.g. `limit`).
    #[error("{message}")]
    RequestInvalid {
        field: &'static str,
        message: String,
    },
    #[error("search index error: {0}")]
    Index(String),
}

/// A failure of the index itself (I/O, disk full, corruption).
#[derive(Debug, thiserror::Error)]
#[error("search index error: {0}")]
pub struct IndexError(pub String);

/// What opening an index on disk found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// There was no index: an empty one was created.
    pub created: bool,
    /// The index could not be opened (the reason is given) and was replaced by an empty one.
    pub replaced_unreadable: Option<String>,
}

/// The index of published listings. Cheap to share behind an `Arc`; every method is
/// blocking (call it off the async runtime).
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// Created on first write and dropped after any failed write: tantivy's writer is
    /// unusable after a failed commit, and holding it only while needed keeps the lock
    /// file free for read-only use. Kept with the memory budget it was made with.
    writer: Mutex<Option<(IndexWriter, usize)>>,
    fields: Fields,
    analyzers: Analyzers,
    /// Memos of word forms kept between searches, at most [`KEPT_WORD_MEMOS`]: a hit's
    /// words are then mostly folded and stemmed already when it is explained.
    word_forms: Mutex<Vec<WordForms>>,
    /// Typo and completion candidates read for the current index generation.
    expansions: compile::Expansions,
    /// Fast-field columns opened for the current index generation.
    columns: collect::ColumnCache,
    /// The payload of the last commit, mirrored to avoid reading `meta.json` per call.
    checkpoint: Mutex<Option<i64>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves nothing half-written that we rely on (the
    // writer is replaced on error anyway), so carry on with the inner value.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Turns a tantivy or I/O failure into a message an operator can act on.
fn describe(context: &str, error: &dyn std::fmt::Display) -> String {
    let text = error.to_string();
    let lower = text.to_ascii_lowercase();
    if lower.contains("no space left on device")
        || lower.contains("os error 28")
        || lower.contains("storage full")
    {
        format!("disk full: no space left on device ({context}: {text})")
    } else {
        format!("{context}: {text}")
    }
}

fn index_error(context: &str) -> impl Fn(tantivy::TantivyError) -> IndexError + '_ {
    move |error| IndexError(describe(context, &error))
}

fn search_error(error: tantivy::TantivyError) -> SearchError {
    SearchError::Index(error.to_string())
}

fn parse_checkpoint(payload: Option<&str>) -> Result<Option<i64>, String> {
    match payload.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| format!("commit payload {text:?} is not a checkpoint")),
    }
}

/// A bulk load in progress (see [`SearchIndex::bulk_load`]): holds the index's writer.
pub struct BulkLoad<'a> {
    index: &'a SearchIndex,
    writer: MutexGuard<'a, Option<(IndexWriter, usize)>>,
    analyzers: Analyzers,
    committed: bool,
}

impl std::fmt::Debug for BulkLoad<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkLoad").finish_non_exhaustive()
    }
}

impl BulkLoad<'_> {
    /// Adds listings the index does not hold yet. After an error the load is over:
    /// drop it (nothing it added is kept).
    pub fn add(&mut self, documents: &[ListingDocument]) -> Result<(), IndexError> {
        let Some((writer, _)) = self.writer.as_mut() else {
            return Err(IndexError(
                "the bulk load failed earlier and holds no writer".to_owned(),
            ));
        };
        for listing in documents {
            let added =
                writer.add_document(self.index.fields.document(listing, &mut self.analyzers));
            if let Err(error) = added {
                *self.writer = None;
                return Err(index_error("cannot add a listing to the index")(error));
            }
        }
        Ok(())
    }

    /// Commits everything added, with `checkpoint` as the commit payload, and makes it
    /// searchable.
    pub fn commit(mut self, checkpoint: i64) -> Result<(), IndexError> {
        let Some((writer, _)) = self.writer.as_mut() else {
            return Err(IndexError(
                "the bulk load failed earlier and holds no writer".to_owned(),
            ));
        };
        let committed = writer
            .prepare_commit()
            .and_then(|mut prepared| {
                prepared.set_payload(&checkpoint.to_string());
                prepared.commit()
            })
            .map_err(index_error("cannot commit the index"));
        if let Err(error) = committed {
            *self.writer = None;
            return Err(error);
        }
        self.committed = true;
        *lock(&self.index.checkpoint) = Some(checkpoint);
        self.index
            .reader
            .reload()
            .map_err(index_error("cannot reload the index after a commit"))
    }
}

impl Drop for BulkLoad<'_> {
    fn drop(&mut self) {
        if !self.committed {
            // Dropping the writer discards what it added and not committed.
            *self.writer = None;
        }
    }
}

impl SearchIndex {
    fn from_index(index: Index, fields: Fields) -> Result<(SearchIndex, Option<i64>), String> {
        let tokenizers = index.tokenizers();
        tokenizers.register(NEUTRAL_TOKENIZER, neutral_analyzer());
        for (name, tokenizer) in field_tokenizers(STEM_VALUE_GAP) {
            tokenizers.register(name, tokenizer);
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| format!("cannot read the index: {e}"))?;
        let metas = index
            .load_metas()
            .map_err(|e| format!("cannot read the index metadata: {e}"))?;
        let checkpoint = parse_checkpoint(metas.payload.as_deref())?;
        let search_index = SearchIndex {
            index,
            reader,
            writer: Mutex::new(None),
            fields,
            analyzers: Analyzers::new(),
            word_forms: Mutex::new(Vec::new()),
            expansions: compile::Expansions::default(),
            columns: collect::ColumnCache::default(),
            checkpoint: Mutex::new(checkpoint),
        };
        Ok((search_index, checkpoint))
    }

    /// Opens the index in `dir`, creating it if missing and replacing it if unreadable.
    pub fn open_in_dir(dir: &Path) -> Result<(SearchIndex, OpenReport), IndexError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| IndexError(describe(&format!("cannot create {}", dir.display()), &e)))?;
        let (schema, fields) = build_schema();
        match open_existing(dir, &schema, &fields) {
            Ok(Some(index)) => Ok((index, OpenReport::default())),
            Ok(None) => {
                let index = create_in(dir, schema, fields)?;
                Ok((
                    index,
                    OpenReport {
                        created: true,
                        replaced_unreadable: None,
                    },
                ))
            }
            Err(reason) => {
                tracing::warn!(dir = %dir.display(), %reason, "search index unreadable; replacing it with an empty one");
                wipe(dir)?;
                let index = create_in(dir, schema, fields)?;
                Ok((
                    index,
                    OpenReport {
                        created: false,
                        replaced_unreadable: Some(reason),
                    },
                ))
            }
        }
    }

    /// An index in memory, for tests.
    pub fn create_in_ram() -> Result<SearchIndex, IndexError> {
        let (schema, fields) = build_schema();
        let index = Index::create(
            tantivy::directory::RamDirectory::create(),
            schema,
            index_settings(),
        )
        .map_err(index_error("cannot create the index"))?;
        SearchIndex::from_index(index, fields)
            .map(|(index, _)| index)
            .map_err(IndexError)
    }

    /// The `change_log` sequence number the last commit included, if any.
    pub fn checkpoint(&self) -> Option<i64> {
        *lock(&self.checkpoint)
    }

    /// Adds or replaces `upserts`, removes `deletes` (listing ids), and commits them
    /// together with `checkpoint` in the commit payload, atomically. After an I/O error
    /// the writer is replaced, so the next call can succeed once the cause is gone.
    pub fn apply(
        &self,
        upserts: &[ListingDocument],
        deletes: &[String],
        checkpoint: i64,
    ) -> Result<(), IndexError> {
        let payload = checkpoint.to_string();
        self.write(&payload, |writer, fields, analyzers| {
            for listing in upserts {
                writer.delete_term(Term::from_field_text(fields.id, &listing.id));
                writer
                    .add_document(fields.document(listing, analyzers))
                    .map_err(index_error("cannot add a listing to the index"))?;
            }
            for id in deletes {
                writer.delete_term(Term::from_field_text(fields.id, id));
            }
            Ok(())
        })?;
        *lock(&self.checkpoint) = Some(checkpoint);
        Ok(())
    }

    /// Starts a bulk load: listings are added with [`BulkLoad::add`] as they come and
    /// become visible together with their checkpoint at [`BulkLoad::commit`]. The writer
    /// has a large memory budget and nothing is deleted per listing, so a million
    /// listings make a few big segments rather than many small ones to merge; the
    /// loader must know the index does not hold them (empty it with
    /// [`SearchIndex::reset`] first). Other writes wait until the load is committed or
    /// dropped; dropping it uncommitted discards everything it added.
    pub fn bulk_load(&self) -> Result<BulkLoad<'_>, IndexError> {
        let mut guard = lock(&self.writer);
        if guard
            .as_ref()
            .is_none_or(|(_, budget)| *budget != BULK_WRITER_MEMORY_BYTES)
        {
            // Any writer held has nothing uncommitted: every other write commits.
            *guard = None;
            let writer = self
                .index
                .writer_with_num_threads(WRITER_THREADS, BULK_WRITER_MEMORY_BYTES)
                .map_err(index_error("cannot open the index for writing"))?;
            *guard = Some((writer, BULK_WRITER_MEMORY_BYTES));
        }
        Ok(BulkLoad {
            index: self,
            writer: guard,
            analyzers: self.analyzers.clone(),
            committed: false,
        })
    }

    /// Removes every document and the checkpoint (before a rebuild).
    pub fn reset(&self) -> Result<(), IndexError> {
        self.write("", |writer, _, _| {
            writer
                .delete_all_documents()
                .map_err(index_error("cannot clear the index"))?;
            Ok(())
        })?;
        *lock(&self.checkpoint) = None;
        Ok(())
    }

    /// Runs `changes` on the writer and commits them with `payload`; on any failure
    /// drops the writer (and with it every uncommitted change).
    fn write(
        &self,
        payload: &str,
        changes: impl FnOnce(&mut IndexWriter, &Fields, &mut Analyzers) -> Result<(), IndexError>,
    ) -> Result<(), IndexError> {
        self.write_with(WRITER_MEMORY_BYTES, payload, changes)
    }

    /// [`SearchIndex::write`] with a writer of `memory_bytes`: one made with another
    /// budget (a bulk load's) is replaced; it holds nothing uncommitted, since every
    /// write commits and an uncommitted bulk load drops its writer.
    fn write_with(
        &self,
        memory_bytes: usize,
        payload: &str,
        changes: impl FnOnce(&mut IndexWriter, &Fields, &mut Analyzers) -> Result<(), IndexError>,
    ) -> Result<(), IndexError> {
        let mut guard = lock(&self.writer);
        let result = (|| {
            let writer = match guard.take() {
                Some((writer, budget)) if budget == memory_bytes => writer,
                other => {
                    drop(other);
                    self.index
                        .writer_with_num_threads(WRITER_THREADS, memory_bytes)
                        .map_err(index_error("cannot open the index for writing"))?
                }
            };
            let (writer, _) = guard.insert((writer, memory_bytes));
            let mut analyzers = self.analyzers.clone();
            changes(writer, &self.fields, &mut analyzers)?;
            let mut prepared = writer
                .prepare_commit()
                .map_err(index_error("cannot commit the index"))?;
            prepared.set_payload(payload);
            prepared
                .commit()
                .map_err(index_error("cannot commit the index"))?;
            Ok(())
        })();
        if let Err(error) = result {
            // The writer is dead after a failed commit; a fresh one is made next time.
            *guard = None;
            tracing::error!(%error, "search index write failed");
            return Err(error);
        }
        drop(guard);
        self.reader
            .reload()
            .map_err(index_error("cannot reload the index after a commit"))
    }

    /// Rewrites the index without deleted listings and removes the files that held
    /// them. A delete only marks a listing as gone: its text stays in the segment files
    /// until they are merged, so erasure of personal data calls this afterwards. It
    /// rewrites everything, so call it after erasures, not after every change.
    pub fn purge_deleted(&self) -> Result<(), IndexError> {
        let mut guard = lock(&self.writer);
        let result = (|| {
            // Let merges already running finish, so ours does not race them.
            if let Some((writer, _)) = guard.take() {
                writer
                    .wait_merging_threads()
                    .map_err(index_error("cannot finish pending merges"))?;
            }
            let (writer, _) = guard.insert((
                self.index
                    .writer_with_num_threads(WRITER_THREADS, WRITER_MEMORY_BYTES)
                    .map_err(index_error("cannot open the index for writing"))?,
                WRITER_MEMORY_BYTES,
            ));
            let deleted: u64 = self
                .reader
                .searcher()
                .segment_readers()
                .iter()
                .map(|s| u64::from(s.num_deleted_docs()))
                .sum();
            let segments = self
                .index
                .searchable_segment_ids()
                .map_err(index_error("cannot list segments"))?;
            if deleted > 0 && !segments.is_empty() {
                writer
                    .merge(&segments)
                    .wait()
                    .map_err(index_error("cannot merge segments"))?;
            }
            writer
                .garbage_collect_files()
                .wait()
                .map_err(index_error("cannot remove obsolete index files"))?;
            Ok(())
        })();
        if let Err(error) = result {
            *guard = None;
            return Err(error);
        }
        drop(guard);
        self.reader
            .reload()
            .map_err(index_error("cannot reload the index after a merge"))
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        if request.limit == 0 || request.limit > MAX_LIMIT {
            return Err(SearchError::RequestInvalid {
                field: "limit",
                message: format!("limit must be between 1 and {MAX_LIMIT}"),
            });
        }
        if request.offset > MAX_OFFSET {
            return Err(SearchError::RequestInvalid {
                field: "cursor",
                message: format!(
                    "cannot page past {MAX_OFFSET} results; refine the search instead"
                ),
            });
        }
        if request.sort == SortOrder::Distance && request.near.is_none() {
            return Err(SearchError::RequestInvalid {
                field: "sort",
                message: "sorting by distance needs a place to measure from".into(),
            });
        }
        if let Some((point, radius)) = request.near
            && !(point.lat.is_finite()
                && point.lon.is_finite()
                && (-90.0..=90.0).contains(&point.lat)
                && (-180.0..=180.0).contains(&point.lon)
                && radius.is_finite()
                && radius > 0.0)
        {
            return Err(SearchError::RequestInvalid {
                field: "near",
                message: "the place must have a latitude in [-90, 90], a longitude in [-180, 180] and a positive radius"
                    .into(),
            });
        }
        if let (Some(low), Some(high)) = (request.trl_min, request.trl_max)
            && low > high
        {
            return Err(SearchError::RequestInvalid {
                field: "trl_min",
                message: "the minimum TRL is above the maximum".into(),
            });
        }
        if let Some(price) = &request.max_price
            && price.currency.trim().is_empty()
        {
            return Err(SearchError::RequestInvalid {
                field: "max_price",
                message: "a maximum price needs a currency".into(),
            });
        }
        let parsed = query::parse(&request.query)?;

        let searcher = self.reader.searcher();
        let columns = self.columns.for_searcher(&searcher).map_err(search_error)?;
        let mut analyzers = self.analyzers.clone();
        if let Some(forms) = lock(&self.word_forms).pop() {
            analyzers.use_forms(forms);
        }
        let mut loosen = false;
        let mut narrow = request.for_people;
        // The listings with every word, kept when too few of them to fill a page: they
        // come first, and the loose reading fills the page after them.
        let mut all_words: Option<AllWords> = None;
        let (matchers, collected) = loop {
            let compiled = compile::compile(
                &parsed,
                &self.fields,
                &mut analyzers,
                Glossary::shipped(),
                &searcher,
                &self.expansions,
                compile::Reading {
                    long_questions_loose: request.for_people,
                    loosen,
                    narrow,
                },
            )?;
            let compile::CompiledQuery {
                query: text_query,
                scored,
                matchers,
                could_loosen,
                could_widen,
            } = compiled;
            let fills_page = request.for_people && could_loosen;
            let text_query = match &all_words {
                // Every listing with all the words is counted and faceted with the
                // rest, whatever typos the loose reading leaves out.
                Some(strict) => Box::new(BooleanQuery::union(vec![
                    text_query,
                    strict.query.box_clone(),
                ])),
                None => text_query,
            };
            // The words' query is the first part: `all_words` takes it from there.
            let mut parts: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query)];
            let f = &self.fields;
            let keyword_filters: [(Field, &[String]); 8] = [
                (f.kind.indexed, &request.kinds),
                (f.organisation_kind.indexed, &request.organisation_kinds),
                (f.country.indexed, &request.countries),
                (f.region.indexed, &request.regions),
                (f.city.indexed, &request.cities),
                (f.topic.indexed, &request.topics),
                (f.engagement.indexed, &request.engagement_modes),
                (f.space_type.indexed, &request.space_types),
            ];
            for (field, values) in keyword_filters {
                let terms: Vec<Term> = values
                    .iter()
                    .map(|v| analyzers.keyword(v))
                    .filter(|v| !v.is_empty())
                    .map(|v| Term::from_field_text(field, &v))
                    .collect();
                parts.extend(any_term_filter(terms).map(|any| (Occur::Must, any)));
            }
            if let Some(verified) = request.verified {
                let term = Term::from_field_text(
                    f.verified.indexed,
                    if verified { "true" } else { "false" },
                );
                parts.extend(any_term_filter(vec![term]).map(|any| (Occur::Must, any)));
            }
            // The box narrows a search without words; with words, the words lead and
            // the box would be asked about each of their matches, reading a window of
            // coordinates each time: the collector's exact check is cheaper then.
            if let Some((center, radius)) = request.near.filter(|_| !scored) {
                let ((south, north), longitudes) = collect::bounding_box(center, radius);
                let mut ranges = vec![(f.lat, south, north)];
                ranges.extend(longitudes.map(|(west, east)| (f.lon, west, east)));
                for (field, low, high) in ranges {
                    parts.push((
                        Occur::Must,
                        filter(Box::new(RangeQuery::new(
                            Bound::Included(Term::from_field_f64(field, low)),
                            Bound::Included(Term::from_field_f64(field, high)),
                        ))),
                    ));
                }
            }
            if let Some(price) = &request.max_price {
                // Amounts in different currencies are not comparable: only the same currency.
                let term =
                    Term::from_field_text(f.currency.indexed, &analyzers.keyword(&price.currency));
                parts.extend(any_term_filter(vec![term]).map(|any| (Occur::Must, any)));
            }

            let sort = match request.sort {
                SortOrder::Relevance if scored => SortKey::Score,
                SortOrder::Relevance | SortOrder::Newest => SortKey::Newest,
                SortOrder::Distance => SortKey::Distance,
                SortOrder::Price => SortKey::Price,
            };
            let trl = match (request.trl_min, request.trl_max) {
                (None, None) => None,
                (low, high) => Some((
                    u64::from(low.unwrap_or(0)),
                    u64::from(high.unwrap_or(u8::MAX)),
                )),
            };
            let plan = Plan {
                now_micros: micros(request.now),
                max_price: request.max_price.as_ref().map(|p| p.amount_minor),
                min_capacity: request.min_capacity.map(u64::from),
                available_on: request.available_on.map(day_number),
                trl,
                near: request.near,
                sort,
                scored,
                keep: match &all_words {
                    Some(strict) => request.offset + request.limit + strict.hits.len(),
                    // Every listing with all the words is kept when they may not fill
                    // a page, so that the loose reading can follow them.
                    None if fills_page => {
                        (request.offset + request.limit).max(compile::WIDEN_BELOW as usize)
                    }
                    None => request.offset + request.limit,
                },
                facets: request.with_facets,
            };
            let query = BooleanQuery::new(parts);
            let collected = searcher
                .search(
                    &query,
                    &ListingCollector {
                        plan,
                        columns: Arc::clone(&columns),
                    },
                )
                .map_err(search_error)?;
            if could_widen && collected.total < compile::WIDEN_BELOW {
                narrow = false;
                continue;
            }
            if fills_page && collected.total == 0 {
                loosen = true;
                continue;
            }
            let words_query = query.clauses().first().map(|(_, words)| words);
            if let Some(words_query) = words_query.filter(|words| {
                fills_page
                    && collected.total < compile::WIDEN_BELOW
                    && compile::documents_at_most(&searcher, words.as_ref())
                        .is_ok_and(|bound| bound <= compile::FILL_POSTINGS_AT_MOST)
            }) {
                all_words = Some(AllWords {
                    query: words_query.box_clone(),
                    matchers,
                    hits: collected.hits,
                });
                loosen = true;
                continue;
            }
            break (matchers, collected);
        };
        let f = &self.fields;

        // Listings with every word first (when the page was filled), then the last
        // reading's others, each explained by the reading that found it.
        let (first_hits, first_matchers) = all_words
            .map(|strict| (strict.hits, strict.matchers))
            .unwrap_or_default();
        let first: HashSet<DocAddress> = first_hits.iter().map(|found| found.address).collect();
        let ranked: Vec<(collect::Found, &[compile::Matcher])> = first_hits
            .into_iter()
            .map(|found| (found, first_matchers.as_slice()))
            .chain(
                collected
                    .hits
                    .into_iter()
                    .filter(|found| !first.contains(&found.address))
                    .map(|found| (found, matchers.as_slice())),
            )
            .take(request.offset + request.limit)
            .collect();
        let mut hits = Vec::with_capacity(request.limit);
        for (found, matchers) in ranked.into_iter().skip(request.offset) {
            let doc: TantivyDocument = searcher.doc(found.address).map_err(search_error)?;
            let (matched, snippets) = if matchers.is_empty() {
                (Vec::new(), Vec::new())
            } else {
                let language = text_of(&doc, f.language).and_then(known_language);
                let title = texts_of(&doc, f.title);
                let topics = texts_of(&doc, f.topics_text);
                let techniques = texts_of(&doc, f.techniques_text);
                let summary = texts_of(&doc, f.summary);
                let description = texts_of(&doc, f.description);
                let organisation = texts_of(&doc, f.organisation);
                let texts = [
                    FieldText {
                        name: "title",
                        values: title,
                        snippet: true,
                    },
                    FieldText {
                        name: "topics",
                        values: topics,
                        snippet: true,
                    },
                    FieldText {
                        name: "techniques",
                        values: techniques,
                        snippet: true,
                    },
                    FieldText {
                        name: "summary",
                        values: summary,
                        snippet: true,
                    },
                    FieldText {
                        name: "description",
                        values: description,
                        snippet: true,
                    },
                    FieldText {
                        name: "organisation",
                        values: organisation,
                        snippet: false,
                    },
                ];
                explain::explain(matchers, language, &texts, &mut analyzers)
            };
            let id = found
                .id
                .or_else(|| text_of(&doc, f.id).map(str::to_owned))
                .unwrap_or_default();
            hits.push(Hit {
                id,
                score: found.score,
                distance_km: found.distance_km,
                snippets,
                matched,
            });
        }

        let mut facets = BTreeMap::new();
        if request.with_facets {
            for (name, _) in FACETS {
                let counts = collected.facets.get(name).cloned().unwrap_or_default();
                facets.insert(name.to_string(), top_values(counts));
            }
        }
        let mut kept = lock(&self.word_forms);
        if kept.len() < KEPT_WORD_MEMOS {
            kept.push(analyzers.take_forms());
        }
        drop(kept);
        Ok(SearchResults {
            total: collected.total,
            hits,
            facets,
        })
    }

    /// Listings like the given one ("more like this"), best first, excluding itself.
    /// An unknown id gives no listings.
    pub fn similar(
        &self,
        id: &str,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<Hit>, SearchError> {
        if limit == 0 || limit > MAX_LIMIT {
            return Err(SearchError::RequestInvalid {
                field: "limit",
                message: format!("limit must be between 1 and {MAX_LIMIT}"),
            });
        }
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let id_term = Term::from_field_text(f.id, id);
        let found = searcher
            .search(
                &TermQuery::new(id_term.clone(), IndexRecordOption::Basic),
                &TopDocs::with_limit(1).order_by_score(),
            )
            .map_err(search_error)?;
        let Some((_, address)) = found.into_iter().next() else {
            return Ok(Vec::new());
        };
        let doc: TantivyDocument = searcher.doc(address).map_err(search_error)?;
        let language = text_of(&doc, f.language).and_then(known_language);
        let mut analyzers = self.analyzers.clone();

        // The title, topics, techniques and summary say what a listing is about; in
        // the listing's language's stems they find listings that say it differently,
        // without a known language in their neutral words.
        let values: Vec<&str> = [f.title, f.topics_text, f.techniques_text, f.summary]
            .into_iter()
            .flat_map(|field| texts_of(&doc, field))
            .filter(|v| !v.trim().is_empty())
            .collect();
        let (field, values): (Field, Vec<OwnedValue>) = match language {
            Some(language) => (
                f.text_stem,
                values
                    .iter()
                    .filter_map(|v| {
                        let tokens = analyzers.language_tokens(language, v)?;
                        Some(OwnedValue::PreTokStr(PreTokenizedString {
                            text: v.to_string(),
                            tokens,
                        }))
                    })
                    .collect(),
            ),
            None => (
                f.text,
                values
                    .iter()
                    .map(|v| OwnedValue::Str(v.to_string()))
                    .collect(),
            ),
        };
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let more_like_this = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_min_term_frequency(1)
            .with_max_query_terms(25)
            .with_min_word_length(2)
            .with_document_fields(vec![(field, values)]);
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(more_like_this)),
            (
                Occur::MustNot,
                Box::new(TermQuery::new(id_term, IndexRecordOption::Basic)),
            ),
        ]);
        let plan = Plan {
            now_micros: micros(now),
            max_price: None,
            min_capacity: None,
            available_on: None,
            trl: None,
            near: None,
            sort: SortKey::Score,
            scored: true,
            keep: limit,
            facets: false,
        };
        let columns = self.columns.for_searcher(&searcher).map_err(search_error)?;
        let collected = searcher
            .search(
                &query,
                &ListingCollector {
                    plan,
                    columns: Arc::clone(&columns),
                },
            )
            .map_err(search_error)?;
        let mut found = collected.hits;
        collect::resolve_ids(&mut found, &columns).map_err(search_error)?;
        Ok(found
            .into_iter()
            .map(|found| Hit {
                id: found.id.unwrap_or_default(),
                score: found.score,
                distance_km: None,
                snippets: Vec::new(),
                matched: Vec::new(),
            })
            .collect())
    }

    /// How many segments the index searches (each is searched on its own: typo and
    /// completion expansion and query weights are built per segment).
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Every indexed listing id (for consistency checks).
    pub fn indexed_ids(&self) -> Result<Vec<String>, IndexError> {
        let searcher = self.reader.searcher();
        let mut ids = Vec::with_capacity(usize::try_from(searcher.num_docs()).unwrap_or_default());
        for segment in searcher.segment_readers() {
            let Some(column) = segment
                .fast_fields()
                .str(schema::col::ID)
                .map_err(index_error("cannot read ids"))?
            else {
                continue;
            };
            let mut id = String::new();
            for doc in segment.doc_ids_alive() {
                for ord in column.term_ords(doc) {
                    id.clear();
                    if column
                        .ord_to_str(ord, &mut id)
                        .map_err(|e| IndexError(describe("cannot read ids", &e)))?
                    {
                        ids.push(id.clone());
                    }
                }
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }
}

/// A search's reading with every word required, when it found too few listings to
/// fill a page (see `compile::WIDEN_BELOW`): they are shown first, and the listings
/// with only some of the words, ranked by BM25 as a long question is, after them
/// rather than leave the page nearly empty. On searches of two or three keywords
/// derived from SciFact this ranked better by 0.03-0.045 nDCG@10 (BENCHMARKS.md).
struct AllWords {
    /// The words' query, without the filters.
    query: Box<dyn Query>,
    matchers: Vec<compile::Matcher>,
    /// Every listing found with all the words (fewer than a page).
    hits: Vec<collect::Found>,
}

/// Wraps a filter so it restricts matches without adding to the score.
fn filter(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

/// A filter matching the listings with any of `terms`; `None` for no terms. Term
/// queries rather than a `TermSetQuery`, which builds an FST of its terms on every
/// search (a tenth of a typical search's time); several values are a plain boolean
/// disjunction, since `compile::any_of`, made for a word's variants, was slower here
/// (100k median 8% more, two runs of three).
fn any_term_filter(mut terms: Vec<Term>) -> Option<Box<dyn Query>> {
    let term_query =
        |term| -> Box<dyn Query> { Box::new(TermQuery::new(term, IndexRecordOption::Basic)) };
    let any: Box<dyn Query> = match terms.len() {
        0 => return None,
        1 => term_query(terms.pop()?),
        _ => Box::new(BooleanQuery::new(
            terms
                .into_iter()
                .map(|term| (Occur::Should, term_query(term)))
                .collect(),
        )),
    };
    Some(filter(any))
}

fn text_of(doc: &TantivyDocument, field: Field) -> Option<&str> {
    doc.get_first(field).and_then(|v| v.as_str())
}

fn texts_of(doc: &TantivyDocument, field: Field) -> Vec<&str> {
    doc.get_all(field).filter_map(|v| v.as_str()).collect()
}

/// The most frequent values first (ties alphabetically), at most [`FACET_VALUES`].
fn top_values(counts: HashMap<String, u64>) -> BTreeMap<String, u64> {
    let mut ranked: Vec<(String, u64)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.into_iter().take(FACET_VALUES).collect()
}

/// Opens the index in `dir` if there is one. `Err` carries why it is unusable.
fn open_existing(
    dir: &Path,
    schema: &Schema,
    fields: &Fields,
) -> Result<Option<SearchIndex>, String> {
    let directory =
        MmapDirectory::open(dir).map_err(|e| format!("cannot open the directory: {e}"))?;
    if !Index::exists(&directory).map_err(|e| format!("cannot read the index metadata: {e}"))? {
        return Ok(None);
    }
    let index = Index::open(directory).map_err(|e| format!("cannot open the index: {e}"))?;
    if index.schema() != *schema {
        return Err("the index was built by another version of Ponte (different schema)".into());
    }
    SearchIndex::from_index(index, fields.clone()).map(|(index, _)| Some(index))
}

/// Stored listings are compressed in blocks of 4 KB rather than tantivy's 16 KB: every
/// search reads its 20 hits from random blocks and decompresses each whole, which was a
/// tenth of a search at 100k listings; the store is a little larger for it.
const DOCSTORE_BLOCK_BYTES: usize = 4_096;

fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK_BYTES,
        ..IndexSettings::default()
    }
}

fn create_in(dir: &Path, schema: Schema, fields: Fields) -> Result<SearchIndex, IndexError> {
    let directory = MmapDirectory::open(dir)
        .map_err(|e| IndexError(describe(&format!("cannot open {}", dir.display()), &e)))?;
    let index = Index::create(directory, schema, index_settings())
        .map_err(index_error("cannot create the index"))?;
    SearchIndex::from_index(index, fields)
        .map(|(index, _)| index)
        .map_err(IndexError)
}

/// Removes everything inside `dir` (not `dir` itself, which may be a mount point).
fn wipe(dir: &Path) -> Result<(), IndexError> {
    let failed =
        |e: std::io::Error| IndexError(describe(&format!("cannot clear {}", dir.display()), &e));
    for entry in std::fs::read_dir(dir).map_err(failed)? {
        let path = entry.map_err(failed)?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(failed)?;
        } else {
            std::fs::remove_file(&path).map_err(failed)?;
        }
    }
    Ok(())
}

/// Checks a query string against the grammar and the bounds without searching, so
/// saved searches and chat questions get the same `query_invalid` errors as search.
pub fn validate_query(query: &str) -> Result<(), SearchError> {
    query::parse(query).map(|_| ())
}
