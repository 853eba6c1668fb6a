//! The drift test: the schema the migrations build must be the one the entities read
//! and write — same tables, same columns, same nullability — on SQLite and PostgreSQL.

use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Iterable, Statement};
use std::collections::BTreeMap;

type Columns = BTreeMap<String, bool>;

fn entity_columns<E: EntityTrait>() -> (String, Columns) {
    let columns = E::Column::iter()
        .map(|column| {
            (
                sea_orm::IdenStatic::as_str(&column).to_owned(),
                column.def().is_null(),
            )
        })
        .collect();
    (E::default().table_name().to_owned(), columns)
}

fn entities() -> Vec<(String, Columns)> {
    vec![
        entity_columns::<super::account::Entity>(),
        entity_columns::<super::api_token::Entity>(),
        entity_columns::<super::change_log::Entity>(),
        entity_columns::<super::listing::Entity>(),
        entity_columns::<super::membership::Entity>(),
        entity_columns::<super::organisation::Entity>(),
        entity_columns::<super::search_miss::Entity>(),
        entity_columns::<super::session::Entity>(),
        entity_columns::<super::circle::Entity>(),
        entity_columns::<super::circle_member::Entity>(),
        entity_columns::<super::subscription::Entity>(),
        entity_columns::<super::subscription_exclusion::Entity>(),
        entity_columns::<super::worker_checkpoint::Entity>(),
        entity_columns::<super::delivery::Entity>(),
        entity_columns::<super::notification::Entity>(),
        entity_columns::<super::inbox_item::Entity>(),
        entity_columns::<super::conversation::Entity>(),
        entity_columns::<super::introduction::Entity>(),
        entity_columns::<super::introduction_event::Entity>(),
        entity_columns::<super::discord_account::Entity>(),
        entity_columns::<super::discord_link_code::Entity>(),
    ]
}

async fn database_columns(hub: &crate::Hub, table: &str) -> Columns {
    let db = hub.db();
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => format!(
            "SELECT column_name AS name, (is_nullable = 'YES') AS nullable \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
        _ => format!(
            "SELECT name, (\"notnull\" = 0 AND pk = 0) AS nullable FROM pragma_table_info('{table}')"
        ),
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap_or_else(|error| panic!("reading the schema of {table}: {error}"));
    rows.iter()
        .map(|row| {
            let name: String = row.try_get("", "name").unwrap_or_else(|e| panic!("{e}"));
            let nullable: bool = row
                .try_get("", "nullable")
                .unwrap_or_else(|e| panic!("{e}"));
            (name, nullable)
        })
        .collect()
}

async fn assert_no_drift(database_url: String) {
    let hub = crate::Hub::connect(crate::HubOptions {
        database_url,
        session_ttl: std::time::Duration::from_secs(60),
    })
    .await
    .unwrap_or_else(|error| panic!("connect: {error}"));
    hub.migrate()
        .await
        .unwrap_or_else(|error| panic!("migrate: {}", error.cause_chain()));
    assert!(!hub.migrations_pending().await.unwrap_or(true));
    for (table, expected) in entities() {
        let actual = database_columns(&hub, &table).await;
        assert_eq!(
            actual,
            expected,
            "table `{table}` ({}): migrated columns (left) differ from the entity (right)",
            hub.backend_name()
        );
    }
    // Migrating twice is harmless.
    hub.migrate()
        .await
        .unwrap_or_else(|error| panic!("second migrate: {error}"));
}

#[tokio::test]
async fn migrations_match_entities_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    assert_no_drift(format!(
        "sqlite://{}/drift.db?mode=rwc",
        dir.path().display()
    ))
    .await;
}

#[tokio::test]
async fn migrations_match_entities_on_postgres() {
    let Ok(admin_url) = std::env::var("PONTE_TEST_POSTGRES_URL") else {
        eprintln!(
            "SKIPPED: PONTE_TEST_POSTGRES_URL is not set, so the PostgreSQL drift test did not run"
        );
        return;
    };
    let name = format!("ponte_drift_{}", uuid::Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(admin_url.as_str())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let after_scheme = admin_url.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match admin_url[after_scheme..].find('/') {
        Some(slash) => &admin_url[..after_scheme + slash],
        None => admin_url.as_str(),
    };
    assert_no_drift(format!("{base}/{name}")).await;
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}
