//! The batched write path, for bulk loads such as `ponte corpus load`: organisations
//! and published listings gathered into one [`BatchWrite`], then stored with multi-row
//! `INSERT`s in one transaction.
//!
//! It saves round trips, not rules: every item passes the checks `import_organisation`
//! and `import_listing` apply (the same validation functions, then what publishing
//! asks), and every row gets its `change_log` entry in the same transaction, so the
//! outbox invariant holds and the indexer and matcher see these rows like any others.
//! It does not look for duplicates (no source references, no identifier matching):
//! it is for filling an empty marketplace, and a clash on a unique identifier fails
//! the whole batch.

use super::listings::published_listing;
use super::organisations::new_organisation_row;
use super::{Change, Hub, serialise_change_log_appends};
use crate::db::{change_log, listing, organisation};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{ListingFields, ListingKind, NewOrganisation};
use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel, Iterable, QueryOrder, Set,
    TransactionTrait,
};
use search_index::ListingDocument;

/// The most bind parameters one statement may carry: SQLite's default limit since 3.32
/// (the bundled SQLite is newer) and PostgreSQL's protocol limit.
const SQLITE_MAX_BIND_PARAMETERS: usize = 32_766;
const POSTGRES_MAX_BIND_PARAMETERS: usize = 65_535;

/// Rows and their `change_log` entries waiting to be written together.
#[derive(Debug, Default)]
pub(crate) struct BatchWrite {
    organisations: Vec<organisation::Model>,
    listings: Vec<listing::Model>,
}

impl BatchWrite {
    /// Checks a new organisation and adds it; returns the row listings can belong to.
    pub(crate) fn add_organisation(
        &mut self,
        new: &NewOrganisation,
        verified: bool,
        at: DateTime<Utc>,
    ) -> Result<organisation::Model> {
        let row = new_organisation_row(new, verified, at)?;
        self.organisations.push(row.clone());
        Ok(row)
    }

    /// Checks a new listing of `organisation` (stored already or added to this batch)
    /// and adds it, published at `at`; returns the index document the indexer would
    /// make of the stored row.
    pub(crate) fn add_published_listing(
        &mut self,
        organisation: &organisation::Model,
        kind: ListingKind,
        fields: &ListingFields,
        at: DateTime<Utc>,
    ) -> Result<ListingDocument> {
        let (row, view) = published_listing(organisation, kind, fields, at)?;
        self.listings.push(row);
        Ok(crate::search::indexer::document(&view, organisation))
    }

    pub(crate) fn listings(&self) -> usize {
        self.listings.len()
    }

    pub(crate) fn organisations(&self) -> usize {
        self.organisations.len()
    }
}

/// How many rows of `columns` columns fit in one statement on `backend`.
fn rows_per_statement(backend: DbBackend, columns: usize) -> usize {
    let limit = match backend {
        DbBackend::Postgres => POSTGRES_MAX_BIND_PARAMETERS,
        _ => SQLITE_MAX_BIND_PARAMETERS,
    };
    (limit / columns.max(1)).max(1)
}

/// Inserts `rows` with as few statements as the bind-parameter limit allows.
async fn insert_rows<E, C>(txn: &C, rows: Vec<E::Model>, columns: usize) -> Result<()>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
    C: ConnectionTrait,
{
    let per_statement = rows_per_statement(txn.get_database_backend(), columns);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let statement: Vec<E::ActiveModel> = rows
            .by_ref()
            .take(per_statement)
            .map(IntoActiveModel::into_active_model)
            .collect();
        E::insert_many(statement)
            .exec_without_returning(txn)
            .await
            .map_err(|error| match Error::from(error) {
                error if error.kind == ErrorKind::Conflict => Error::conflict(
                    "batch_conflict",
                    "a row of the batch clashes with one already stored (an id, ROR id, PIC, VAT number or source reference)",
                ),
                error => error,
            })?;
    }
    Ok(())
}

impl Hub {
    /// Writes the batch in one transaction: organisations, then listings, then one
    /// `change_log` entry per row (organisations `created`, listings `published`).
    /// Returns the last `change_log` sequence number it wrote, if it wrote any.
    pub(crate) async fn write_batch(&self, batch: BatchWrite) -> Result<Option<i64>> {
        let at = super::now();
        let changes: Vec<change_log::Model> = batch
            .organisations
            .iter()
            .map(|row| ("organisation", row.id.as_str(), Change::Created))
            .chain(
                batch
                    .listings
                    .iter()
                    .map(|row| ("listing", row.id.as_str(), Change::Published)),
            )
            .map(|(entity, id, change)| change_log::Model {
                seq: 0,
                entity: entity.to_owned(),
                entity_id: id.to_owned(),
                operation: change.as_str().to_owned(),
                created_at: at,
            })
            .collect();
        if changes.is_empty() {
            return Ok(None);
        }
        let txn = self.db().begin().await?;
        serialise_change_log_appends(&txn).await?;
        insert_rows::<organisation::Entity, _>(
            &txn,
            batch.organisations,
            organisation::Column::iter().count(),
        )
        .await?;
        insert_rows::<listing::Entity, _>(&txn, batch.listings, listing::Column::iter().count())
            .await?;
        // The sequence number is the database's to give: leave it out of the insert.
        let per_statement = rows_per_statement(txn.get_database_backend(), 4);
        for statement in changes.chunks(per_statement) {
            change_log::Entity::insert_many(statement.iter().map(|row| change_log::ActiveModel {
                entity: Set(row.entity.clone()),
                entity_id: Set(row.entity_id.clone()),
                operation: Set(row.operation.clone()),
                created_at: Set(row.created_at),
                ..Default::default()
            }))
            .exec_without_returning(&txn)
            .await?;
        }
        // Read inside the transaction: on PostgreSQL the advisory lock is still held, so
        // nobody else's entry can come after ours before we commit.
        let last = change_log::Entity::find()
            .order_by_desc(change_log::Column::Seq)
            .one(&txn)
            .await?
            .map(|row| row.seq);
        txn.commit().await?;
        Ok(last)
    }

    /// Refreshes the query planner's statistics, as one should after a bulk load.
    /// Without them SQLite (which never gathers any by itself) guesses that
    /// `status = 'published'` is selective and, for the hydration of search hits
    /// (`id IN (…) AND status = …`), walks every published listing through the
    /// status index instead of looking the twenty ids up: seconds per search at a
    /// million listings instead of a millisecond. SQLite samples at most 1,000 rows per
    /// index (`analysis_limit`), so this takes well under a second.
    pub(crate) async fn refresh_planner_statistics(&self) -> Result<()> {
        // One connection for both statements: `analysis_limit` is per connection.
        let txn = self.db().begin().await?;
        match txn.get_database_backend() {
            DbBackend::Postgres => {
                txn.execute_unprepared("ANALYZE listing, organisation, change_log")
                    .await?;
            }
            _ => {
                txn.execute_unprepared("PRAGMA analysis_limit = 1000")
                    .await?;
                txn.execute_unprepared("ANALYZE").await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }
}
