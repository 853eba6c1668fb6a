//! Matching: new and materially changed listings against every active saved search.
//!
//! The worker tails `change_log` like the indexer does. Saved-search changes update the
//! matcher; listing changes are matched. The notifications a batch produced and the
//! worker's checkpoint are committed in one transaction, so a crash neither loses nor
//! repeats a match; a unique key on (saved search, listing) makes a listing reach a
//! saved search at most once whatever edits, re-publications or restarts happen.

use super::{frequency_of, stored_search};
use crate::db::{
    change_log, notification, subscription, subscription_exclusion, worker_checkpoint,
};
use crate::error::{Error, Result};
use crate::hub::{Hub, new_id, now};
use crate::model::Frequency;
use crate::search::{SearchQuery, prepare_request};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use search_index::percolator::{Percolator, WordStatistics};
use search_index::{ListingDocument, SearchIndex, SearchRequest};
use std::collections::{BTreeMap, HashMap};
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

const CHECKPOINT: &str = "matcher";
/// `change_log` rows per matching transaction.
const BATCH: u64 = 500;
/// Saved-search ids per `IN (…)` query: a popular listing can match hundreds of
/// thousands of saved searches, far beyond SQLite's and PostgreSQL's bind-parameter
/// limits (32,766 and 65,535).
const IDS_PER_QUERY: usize = 500;

/// Finds the saved searches a listing satisfies. The straightforward matcher asks each
/// saved search in turn; a faster one (the percolator) must give the same answers.
pub trait SavedSearchMatcher: Send + Sync {
    /// Adds or replaces a saved search (its query already prepared for matching).
    fn upsert(&self, id: &str, search: SearchRequest);
    fn remove(&self, id: &str);
    /// Ids of the saved searches `listing` satisfies, in no particular order.
    fn matching(&self, listing: &ListingDocument) -> Result<Vec<String>>;
    /// How many saved searches it holds.
    fn len(&self) -> usize;
    /// How common words are among the listings, for matchers that organise saved
    /// searches by their rarest words; others ignore it.
    fn use_word_statistics(&self, _statistics: WordStatistics) {}
    /// Called once the saved searches are loaded at start-up: a matcher that grows its
    /// structures by doubling can release the spare room.
    fn shrink_to_fit(&self) {}
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every saved search asked one by one against a one-listing index.
#[derive(Default)]
pub struct StraightforwardMatcher {
    searches: RwLock<BTreeMap<String, SearchRequest>>,
}

impl SavedSearchMatcher for StraightforwardMatcher {
    fn upsert(&self, id: &str, search: SearchRequest) {
        self.searches
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned(), search);
    }

    fn remove(&self, id: &str) {
        self.searches
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }

    fn len(&self) -> usize {
        self.searches
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn matching(&self, listing: &ListingDocument) -> Result<Vec<String>> {
        let index = SearchIndex::of_one_listing(listing)
            .map_err(|error| Error::internal("cannot prepare matching", error))?;
        let searches = self.searches.read().unwrap_or_else(PoisonError::into_inner);
        let at = now();
        let mut found = Vec::new();
        for (id, search) in searches.iter() {
            let request = SearchRequest {
                now: at,
                ..search.clone()
            };
            match index.any_match(&request) {
                Ok(true) => found.push(id.clone()),
                Ok(false) => {}
                // One saved search that no longer runs must not stop the others.
                Err(error) => {
                    tracing::warn!(subscription = %id, %error, "saved search failed to run")
                }
            }
        }
        Ok(found)
    }
}

/// The percolator (saved searches filed under anchor words, candidates verified
/// exactly): the production matcher, giving the straightforward matcher's answers.
#[derive(Default)]
pub struct PercolatorMatcher {
    // A read-write lock: matching only reads and may run on several blocking threads at
    // once; saved-search changes are rare and short.
    percolator: RwLock<Percolator>,
}

impl SavedSearchMatcher for PercolatorMatcher {
    fn upsert(&self, id: &str, search: SearchRequest) {
        self.percolator
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .upsert(id, search);
    }

    fn remove(&self, id: &str) {
        self.percolator
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }

    fn use_word_statistics(&self, statistics: WordStatistics) {
        self.percolator
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .use_word_statistics(statistics);
    }

    fn shrink_to_fit(&self) {
        self.percolator
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.percolator
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn matching(&self, listing: &ListingDocument) -> Result<Vec<String>> {
        let percolator = self
            .percolator
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let outcome = percolator
            .percolate(listing, now())
            .map_err(|error| Error::internal("cannot prepare matching", error))?;
        if outcome.failures > 0 {
            tracing::warn!(failures = outcome.failures, "saved searches failed to run");
        }
        Ok(outcome.matches)
    }
}

/// A saved search as the matcher runs it: search's request, with prefix matching off
/// (a saved search is a finished query, not one being typed).
pub(crate) fn matching_request(row: &subscription::Model) -> Result<SearchRequest> {
    saved_search_request(&stored_search(row)?)
}

/// The index request a saved search with this query runs as (public so that benchmarks
/// feed matchers exactly what the matching worker does).
pub fn saved_search_request(query: &SearchQuery) -> Result<SearchRequest> {
    let (mut request, _) = prepare_request(query)?;
    // A trailing space marks the last word finished; validation trims the text, so it
    // goes on after it.
    if !request.query.is_empty() {
        request.query.push(' ');
    }
    Ok(request)
}

/// When a notification for this saved search is due: now for instant ones, the saved
/// search's next digest slot for daily and weekly ones.
pub(crate) fn due_at(
    frequency: Frequency,
    created_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> DateTime<Utc> {
    let period = match frequency {
        Frequency::Daily => chrono::Duration::days(1),
        Frequency::Weekly => chrono::Duration::weeks(1),
        Frequency::Instant | Frequency::Paused => return at,
    };
    let elapsed = (at - created_at).num_seconds().max(0);
    let slots = elapsed / period.num_seconds() + 1;
    created_at + period * (slots as i32)
}

impl Hub {
    /// Loads every active saved search into the matcher (at start-up, before the server
    /// says it is ready). On the very first start it also records where matching
    /// begins: with the changes made from then on.
    pub async fn load_saved_searches(&self) -> Result<usize> {
        self.matcher_checkpoint().await?;
        let matcher = self.matcher();
        if let Some(index) = self.search_index() {
            // Before the saved searches go in, so that each is filed once, under its
            // rarest words. Matching stays exact without them, only slower.
            let statistics = tokio::task::spawn_blocking(move || index.word_statistics()).await;
            match statistics {
                Ok(Ok(statistics)) => {
                    tracing::info!(
                        listings = statistics.listings(),
                        words = statistics.words(),
                        "word statistics for saved-search matching"
                    );
                    matcher.use_word_statistics(statistics);
                }
                Ok(Err(error)) => tracing::warn!(%error, "no word statistics for matching"),
                Err(error) => tracing::warn!(%error, "no word statistics for matching"),
            }
        }
        let rows = subscription::Entity::find()
            .filter(subscription::Column::Frequency.ne(Frequency::Paused.as_str()))
            .all(self.db())
            .await?;
        let mut loaded = 0;
        for row in rows {
            match matching_request(&row) {
                Ok(request) => {
                    matcher.upsert(&row.id, request);
                    loaded += 1;
                }
                Err(error) => {
                    tracing::warn!(subscription = %row.id, cause = %error.cause_chain(), "saved search cannot run; skipped")
                }
            }
        }
        matcher.shrink_to_fit();
        Ok(loaded)
    }

    async fn matcher_checkpoint(&self) -> Result<i64> {
        if let Some(row) = worker_checkpoint::Entity::find_by_id(CHECKPOINT.to_owned())
            .one(self.db())
            .await?
        {
            return Ok(row.seq);
        }
        // First start: matching begins with the changes made from now on.
        let start = self.last_change_seq().await?;
        worker_checkpoint::Entity::insert(worker_checkpoint::ActiveModel {
            name: Set(CHECKPOINT.to_owned()),
            seq: Set(start),
            updated_at: Set(now()),
        })
        .on_conflict(
            OnConflict::column(worker_checkpoint::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(worker_checkpoint::Entity::find_by_id(CHECKPOINT.to_owned())
            .one(self.db())
            .await?
            .map(|row| row.seq)
            .unwrap_or(start))
    }

    /// Matches every change after the checkpoint; returns how many notifications it made.
    pub async fn match_catch_up(&self) -> Result<u64> {
        let mut created = 0;
        loop {
            let checkpoint = self.matcher_checkpoint().await?;
            let rows = change_log::Entity::find()
                .filter(change_log::Column::Seq.gt(checkpoint))
                .order_by_asc(change_log::Column::Seq)
                .limit(BATCH)
                .all(self.db())
                .await?;
            let Some(last_seq) = rows.last().map(|row| row.seq) else {
                return Ok(created);
            };
            created += self.match_batch(checkpoint, last_seq, &rows).await?;
        }
    }

    async fn match_batch(
        &self,
        checkpoint: i64,
        last_seq: i64,
        rows: &[change_log::Model],
    ) -> Result<u64> {
        let matcher = self.matcher();
        // Listing id → when it last changed materially in this batch. A saved search
        // only hears of listings that change after it was created.
        let mut changed_at: HashMap<String, DateTime<Utc>> = HashMap::new();
        for row in rows {
            match (row.entity.as_str(), row.operation.as_str()) {
                ("listing", "published" | "updated") => {
                    changed_at.insert(row.entity_id.clone(), row.created_at);
                }
                ("subscription", _) => self.refresh_saved_search(&row.entity_id).await?,
                _ => {}
            }
        }
        let mut notifications = Vec::new();
        // With no saved search there is nothing to match; the checkpoint still moves.
        let ids: Vec<String> = if matcher.is_empty() {
            Vec::new()
        } else {
            changed_at.keys().cloned().collect()
        };
        let at = now();
        let mut documents = Vec::new();
        for chunk in ids.chunks(200) {
            for (row, organisation) in self.published_with_organisations(chunk, Some(at)).await? {
                let view = crate::hub::listing_view(row, &organisation, false)?;
                documents.push(crate::search::indexer::document(&view, &organisation));
            }
        }
        for document in documents {
            let matcher = matcher.clone();
            let listing_id = document.id.clone();
            let found = tokio::task::spawn_blocking(move || matcher.matching(&document))
                .await
                .map_err(|error| Error::internal("matching task failed", error))??;
            if found.is_empty() {
                continue;
            }
            let subscriptions = self.subscriptions_by_id(&found).await?;
            let excluded: Vec<String> = subscription_exclusion::Entity::find()
                .filter(subscription_exclusion::Column::ListingId.eq(listing_id.clone()))
                .all(self.db())
                .await?
                .into_iter()
                .map(|e| e.subscription_id)
                .collect();
            let changed = changed_at.get(&listing_id).copied().unwrap_or(at);
            for subscription in subscriptions {
                let frequency = frequency_of(&subscription)?;
                if frequency == Frequency::Paused
                    || subscription.created_at > changed
                    || excluded.contains(&subscription.id)
                {
                    continue;
                }
                notifications.push(notification::ActiveModel {
                    id: Set(new_id()),
                    due_at: Set(due_at(frequency, subscription.created_at, at)),
                    subscription_id: Set(subscription.id),
                    listing_id: Set(listing_id.clone()),
                    status: Set("pending".to_owned()),
                    delivery_id: Set(None),
                    created_at: Set(at),
                });
            }
        }
        let txn = self.db().begin().await?;
        let mut inserted = 0;
        for model in notifications {
            let result = notification::Entity::insert(model)
                .on_conflict(
                    OnConflict::columns([
                        notification::Column::SubscriptionId,
                        notification::Column::ListingId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
            inserted += result;
        }
        // Another instance may have matched this batch already: then ours is discarded.
        let moved = worker_checkpoint::Entity::update_many()
            .col_expr(worker_checkpoint::Column::Seq, Expr::value(last_seq))
            .col_expr(worker_checkpoint::Column::UpdatedAt, Expr::value(at))
            .filter(worker_checkpoint::Column::Name.eq(CHECKPOINT))
            .filter(worker_checkpoint::Column::Seq.eq(checkpoint))
            .exec(&txn)
            .await?;
        if moved.rows_affected == 1 {
            txn.commit().await?;
            Ok(inserted)
        } else {
            txn.rollback().await?;
            Ok(0)
        }
    }

    /// The saved searches with these ids, asked in chunks so that any number of matches
    /// stays within the databases' bind-parameter limits.
    async fn subscriptions_by_id(&self, ids: &[String]) -> Result<Vec<subscription::Model>> {
        let mut rows = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            rows.extend(
                subscription::Entity::find()
                    .filter(subscription::Column::Id.is_in(chunk.iter().cloned()))
                    .all(self.db())
                    .await?,
            );
        }
        Ok(rows)
    }

    async fn refresh_saved_search(&self, id: &str) -> Result<()> {
        let matcher = self.matcher();
        let row = subscription::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?;
        match row {
            Some(row) if row.frequency != Frequency::Paused.as_str() => {
                match matching_request(&row) {
                    Ok(request) => matcher.upsert(id, request),
                    Err(error) => {
                        tracing::warn!(subscription = %id, cause = %error.cause_chain(), "saved search cannot run; skipped");
                        matcher.remove(id);
                    }
                }
            }
            _ => matcher.remove(id),
        }
        Ok(())
    }

    /// Runs until `stop` flips, matching every `interval`; failures are logged and
    /// retried (nothing is lost: the checkpoint only moves with the notifications).
    pub async fn run_matcher(
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
            match self.match_catch_up().await {
                Ok(_) => delay = interval,
                Err(error) => {
                    tracing::error!(cause = %error.cause_chain(), "matching saved searches failed; retrying");
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Issue 6: a listing matching more saved searches than a statement may bind
    /// (SQLite allows 32,766 parameters) must still be looked up.
    #[tokio::test]
    async fn a_listing_matching_more_saved_searches_than_a_statement_can_bind_is_looked_up()
    -> crate::import::tests::TestResult {
        let (hub, _dir) = crate::import::tests::hub().await?;
        let ids: Vec<String> = (0..40_000).map(|i| format!("saved-search-{i}")).collect();
        let rows = hub.subscriptions_by_id(&ids).await?;
        assert!(rows.is_empty(), "none of these saved searches exist");
        Ok(())
    }

    fn laser_cutting_listing() -> ListingDocument {
        ListingDocument {
            id: "listing".into(),
            kind: "facility".into(),
            language: "en".into(),
            title: "Laser cutting of composites".into(),
            summary: String::new(),
            description: String::new(),
            topics: Vec::new(),
            topic_codes: Vec::new(),
            techniques: Vec::new(),
            organisation_id: "org".into(),
            organisation_name: "Ateneo".into(),
            organisation_kind: "university".into(),
            verified: false,
            country: "IT".into(),
            region: None,
            city: None,
            location: None,
            engagement_modes: Vec::new(),
            space_type: None,
            headline_price: None,
            capacity: None,
            area_m2: None,
            trl_min: None,
            trl_max: None,
            available_from: None,
            available_until: None,
            published_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            expires_at: Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_percolator_is_the_production_matcher_and_agrees_with_the_straightforward_one() {
        let percolator = PercolatorMatcher::default();
        let straightforward = StraightforwardMatcher::default();
        let request = |query: &str| SearchRequest {
            query: format!("{query} "),
            limit: 1,
            ..SearchRequest::default()
        };
        for (id, query) in [("a", "laser"), ("b", "lazer cutting"), ("c", "fatigue")] {
            percolator.upsert(id, request(query));
            straightforward.upsert(id, request(query));
        }
        percolator.remove("c");
        straightforward.remove("c");
        assert_eq!(percolator.len(), 2);
        let listing = laser_cutting_listing();
        let mut found = percolator.matching(&listing).unwrap();
        found.sort_unstable();
        assert_eq!(found, vec!["a", "b"]);
        assert_eq!(found, straightforward.matching(&listing).unwrap());
    }

    #[test]
    fn a_saved_search_s_last_word_is_finished_not_a_prefix() {
        let percolator = PercolatorMatcher::default();
        let straightforward = StraightforwardMatcher::default();
        for (id, q) in [("finished", "laser composites"), ("prefix", "laser compo")] {
            let query = SearchQuery {
                q: Some(q.to_owned()),
                ..SearchQuery::default()
            };
            let request = saved_search_request(&query).unwrap();
            assert_eq!(request.query, format!("{q} "));
            percolator.upsert(id, request.clone());
            straightforward.upsert(id, request);
        }
        let listing = laser_cutting_listing();
        assert_eq!(percolator.matching(&listing).unwrap(), vec!["finished"]);
        assert_eq!(
            straightforward.matching(&listing).unwrap(),
            vec!["finished"]
        );
    }

    #[test]
    fn digests_fall_on_the_saved_search_s_own_slots() {
        let created = Utc.with_ymd_and_hms(2026, 1, 1, 9, 30, 0).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 1, 3, 8, 0, 0).unwrap();
        assert_eq!(due_at(Frequency::Instant, created, at), at);
        assert_eq!(
            due_at(Frequency::Daily, created, at),
            Utc.with_ymd_and_hms(2026, 1, 3, 9, 30, 0).unwrap()
        );
        assert_eq!(
            due_at(Frequency::Weekly, created, at),
            Utc.with_ymd_and_hms(2026, 1, 8, 9, 30, 0).unwrap()
        );
    }
}
