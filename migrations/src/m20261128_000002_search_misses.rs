//! Searches that found nothing, for the brokers' unmet-demand report. No account is
//! recorded: only what was asked and when.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("search_miss"))
                    .col(string_len(Alias::new("id"), 36).primary_key())
                    .col(text(Alias::new("query")))
                    .col(text(Alias::new("filters")))
                    .col(string_len(Alias::new("source"), 16))
                    .col(timestamp_with_time_zone(Alias::new("created_at")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_miss_created_at")
                    .table(Alias::new("search_miss"))
                    .col(Alias::new("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("search_miss")).to_owned())
            .await
    }
}
