//! The schema's history: every table Ponte stores, as versioned sea-orm migrations that
//! run unchanged on SQLite and PostgreSQL.
//!
//! An applied migration is never edited; a change is a new migration. Migrations do not
//! import the entities in `domain` (they must stay frozen while entities move on), so
//! every name here is spelled out. This crate knows nothing of the domain's rules.

use sea_orm_migration::prelude::*;

mod m20261128_000001_marketplace_core;
mod m20261128_000002_search_misses;
mod m20261128_000003_saved_searches;
mod m20261128_000004_conversations;
mod m20261128_000005_introductions;
mod m20261128_000006_discord_links;
mod m20261128_000007_introduction_discord_notices;

/// Every migration in application order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_marketplace_core::Migration),
            Box::new(m20261128_000002_search_misses::Migration),
            Box::new(m20261128_000003_saved_searches::Migration),
            Box::new(m20261128_000004_conversations::Migration),
            Box::new(m20261128_000005_introductions::Migration),
            Box::new(m20261128_000006_discord_links::Migration),
            Box::new(m20261128_000007_introduction_discord_notices::Migration),
        ]
    }
}

pub use sea_orm_migration::MigratorTrait as RunMigrations;
