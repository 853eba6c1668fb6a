//! When an introduction request was announced to the organisation's members on Discord,
//! so each request is announced once, after a restart too.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(a("introduction"))
                    .add_column(timestamp_with_time_zone_null(a("discord_noticed_at")))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(a("introduction"))
                    .drop_column(a("discord_noticed_at"))
                    .to_owned(),
            )
            .await
    }
}
