//! Chat conversations: the state a follow-up question refines, kept until it expires.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("conversation"))
                    .col(string_len(Alias::new("id"), 36).primary_key())
                    .col(text(Alias::new("state")))
                    .col(timestamp_with_time_zone(Alias::new("updated_at")))
                    .col(timestamp_with_time_zone(Alias::new("expires_at")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_conversation_expires_at")
                    .table(Alias::new("conversation"))
                    .col(Alias::new("expires_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("conversation")).to_owned())
            .await
    }
}
