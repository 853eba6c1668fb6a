//! The one handle on the domain. Every operation takes the `Caller`, checks its access
//! policy here (never in a handler), validates, and writes through one transaction that
//! also appends to the `change_log` outbox.

mod accounts;
mod batch;
mod bulk;
mod listings;
mod organisations;

use crate::db::change_log;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use migrations::RunMigrations;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ActiveModelTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, Set, TransactionTrait,
};
use std::sync::Arc;
use std::time::Duration;

pub(crate) use batch::BatchWrite;
pub use listings::ImportListing;
pub(crate) use listings::listing_view;
/// The checks creating a listing or an organisation applies, for tests elsewhere in the
/// crate that must hold generated data to the same rules.
#[cfg(test)]
pub(crate) use listings::validate_fields;
pub use organisations::ImportOutcome;
#[cfg(test)]
pub(crate) use organisations::validate_new as validate_new_organisation;

/// How to open the domain.
#[derive(Debug, Clone)]
pub struct HubOptions {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// How long a sign-in lasts.
    pub session_ttl: Duration,
}

/// A cheap-to-clone handle: an `Arc` around the connection pool.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    session_ttl: chrono::Duration,
    /// Attached once at start-up; searches before that answer "starting".
    search: std::sync::OnceLock<Arc<search_index::SearchIndex>>,
    /// Why the indexer's last attempt failed, until one succeeds (for `/healthz`).
    index_failure: std::sync::Mutex<Option<String>>,
    /// Saved searches, kept in step with the database by the matching worker.
    matcher: Arc<dyn crate::subscriptions::SavedSearchMatcher>,
    /// Whether webhooks may target loopback, private and link-local addresses.
    private_webhooks_allowed: std::sync::atomic::AtomicBool,
    /// Whether a Discord bot is configured, so saved searches may choose Discord.
    discord_delivery: std::sync::atomic::AtomicBool,
    /// (working days before an unanswered introduction is escalated, open requests
    /// allowed per account).
    introduction_policy: (std::sync::atomic::AtomicU32, std::sync::atomic::AtomicU32),
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("backend", &self.inner.db.get_database_backend())
            .finish()
    }
}

/// Which change a `change_log` row records.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Change {
    Created,
    Updated,
    Published,
    Archived,
    Renewed,
    Verified,
    Deleted,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::Published => "published",
            Change::Archived => "archived",
            Change::Renewed => "renewed",
            Change::Verified => "verified",
            Change::Deleted => "deleted",
        }
    }
}

impl Hub {
    /// Connects (creating the SQLite file if needed). Does not migrate: see [`Hub::migrate`].
    pub async fn connect(options: HubOptions) -> Result<Hub> {
        let mut connect = ConnectOptions::new(options.database_url.clone());
        connect
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30));
        if options.database_url.starts_with("sqlite:") {
            // PRAGMAs must be part of the connect options: a PRAGMA statement would
            // reach only one pooled connection.
            connect.map_sqlx_sqlite_opts(|sqlite: SqliteConnectOptions| {
                sqlite
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .pragma("secure_delete", "ON")
            });
        }
        let db = Database::connect(connect)
            .await
            .map_err(|error| Error::internal("cannot connect to the database", error))?;
        Ok(Hub {
            inner: Arc::new(Inner {
                db,
                session_ttl: chrono::Duration::from_std(options.session_ttl)
                    .unwrap_or(chrono::Duration::days(30)),
                search: std::sync::OnceLock::new(),
                index_failure: std::sync::Mutex::new(None),
                matcher: Arc::new(crate::subscriptions::PercolatorMatcher::default()),
                private_webhooks_allowed: std::sync::atomic::AtomicBool::new(false),
                discord_delivery: std::sync::atomic::AtomicBool::new(false),
                introduction_policy: (
                    std::sync::atomic::AtomicU32::new(5),
                    std::sync::atomic::AtomicU32::new(5),
                ),
            }),
        })
    }

    /// Applies every pending migration; safe to call on every start.
    pub async fn migrate(&self) -> Result<()> {
        migrations::Migrator::up(&self.inner.db, None)
            .await
            .map_err(|error| Error::internal("migration failed", error))
    }

    /// Whether every migration this build knows is applied.
    pub async fn migrations_pending(&self) -> Result<bool> {
        let pending = migrations::Migrator::get_pending_migrations(&self.inner.db)
            .await
            .map_err(|error| Error::internal("cannot read migration state", error))?;
        Ok(!pending.is_empty())
    }

    /// A cheap round trip to the database.
    pub async fn ping(&self) -> Result<()> {
        self.inner
            .db
            .ping()
            .await
            .map_err(|error| Error::internal("database unreachable", error))
    }

    pub fn backend_name(&self) -> &'static str {
        match self.inner.db.get_database_backend() {
            DbBackend::Postgres => "postgresql",
            DbBackend::Sqlite => "sqlite",
            _ => "other",
        }
    }

    /// Closes the pool so that SQLite's WAL is checkpointed and nothing is half-written.
    pub async fn close(self) -> Result<()> {
        match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner
                .db
                .close()
                .await
                .map_err(|error| Error::internal("closing the database failed", error)),
            // Other clones still hold the pool; it closes when the last one drops.
            Err(_) => Ok(()),
        }
    }

    /// The highest `change_log` sequence number, for tests and health reports.
    pub async fn last_change_seq(&self) -> Result<i64> {
        use sea_orm::{EntityTrait, QueryOrder};
        let last = change_log::Entity::find()
            .order_by_desc(change_log::Column::Seq)
            .one(&self.inner.db)
            .await?;
        Ok(last.map(|row| row.seq).unwrap_or(0))
    }

    /// Attaches the search index; the first one attached stays.
    pub fn attach_search_index(&self, index: Arc<search_index::SearchIndex>) {
        let _ = self.inner.search.set(index);
    }

    pub(crate) fn search_index(&self) -> Option<Arc<search_index::SearchIndex>> {
        self.inner.search.get().cloned()
    }

    pub(crate) fn set_index_failure(&self, failure: Option<String>) {
        *self
            .inner
            .index_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = failure;
    }

    pub(crate) fn index_failure(&self) -> Option<String> {
        self.inner
            .index_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn matcher(&self) -> Arc<dyn crate::subscriptions::SavedSearchMatcher> {
        self.inner.matcher.clone()
    }

    /// Lets webhooks target loopback, private and link-local addresses (an operator's
    /// choice, e.g. for a receiver on the same host).
    pub fn allow_private_webhooks(&self, allowed: bool) {
        self.inner
            .private_webhooks_allowed
            .store(allowed, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn private_webhooks_allowed(&self) -> bool {
        self.inner
            .private_webhooks_allowed
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Declares that a Discord bot runs, so saved searches may deliver to Discord.
    pub fn enable_discord_delivery(&self, enabled: bool) {
        self.inner
            .discord_delivery
            .store(enabled, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn discord_delivery_enabled(&self) -> bool {
        self.inner
            .discord_delivery
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn introduction_policy(
        &self,
    ) -> &(std::sync::atomic::AtomicU32, std::sync::atomic::AtomicU32) {
        &self.inner.introduction_policy
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    async fn begin(&self) -> Result<DatabaseTransaction> {
        Ok(self.inner.db.begin().await?)
    }
}

pub(crate) fn now() -> DateTime<Utc> {
    // Stored timestamps keep microseconds on both databases; trimming here keeps what
    // was written equal to what is read back.
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Time-ordered (UUIDv7), so ids sort by creation and serve as pagination cursors.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub(crate) fn cursor(field: &str, value: Option<&str>) -> Result<Option<String>> {
    match value {
        None | Some("") => Ok(None),
        Some(value) if uuid::Uuid::parse_str(value).is_ok() => Ok(Some(value.to_owned())),
        Some(_) => Err(Error::invalid(
            field,
            "cursor_invalid",
            "the cursor is not one this server handed out",
        )),
    }
}

pub(crate) fn page_limit(limit: Option<u64>) -> Result<u64> {
    match limit {
        None => Ok(20),
        Some(limit) if (1..=100).contains(&limit) => Ok(limit),
        Some(_) => Err(Error::invalid(
            "limit",
            "limit_invalid",
            "`limit` must be between 1 and 100",
        )),
    }
}

/// Appends to the outbox inside the caller's transaction.
///
/// On PostgreSQL a sequence value is taken before commit, so a reader tailing
/// "seq > checkpoint" could skip a row that commits late. A transaction-scoped advisory
/// lock serialises appenders until they commit, which makes sequence order commit
/// order. SQLite has a single writer, so the order is already that.
pub(crate) async fn append_change(
    txn: &DatabaseTransaction,
    entity: &str,
    entity_id: &str,
    change: Change,
) -> Result<()> {
    serialise_change_log_appends(txn).await?;
    change_log::ActiveModel {
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id.to_owned()),
        operation: Set(change.as_str().to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// On PostgreSQL, takes the transaction-scoped lock that makes `change_log` sequence
/// order commit order (see [`append_change`]); SQLite needs nothing.
async fn serialise_change_log_appends(txn: &DatabaseTransaction) -> Result<()> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(72046853)")
            .await?;
    }
    Ok(())
}

fn parse_stored<T>(
    field: &'static str,
    text: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T> {
    parse(text).map_err(|message| {
        Error::internal(
            "stored value no longer parses",
            std::io::Error::other(format!("{field}: {message}")),
        )
    })
}
