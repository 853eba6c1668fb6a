//! Discord accounts linked to Ponte accounts, and the one-time codes that link them.

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
            .create_table(
                Table::create()
                    .table(a("discord_link_code"))
                    .col(string_len(a("code_digest"), 64).primary_key())
                    .col(string_len(a("account_id"), 36))
                    .col(timestamp_with_time_zone(a("expires_at")))
                    .col(timestamp_with_time_zone_null(a("used_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("discord_link_code"), a("account_id"))
                            .to(a("account"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("discord_account"))
                    .col(string_len(a("discord_user_id"), 20).primary_key())
                    .col(string_len(a("account_id"), 36))
                    .col(timestamp_with_time_zone(a("linked_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("discord_account"), a("account_id"))
                            .to(a("account"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_discord_account_account_id")
                    .table(a("discord_account"))
                    .col(a("account_id"))
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["discord_account", "discord_link_code"] {
            manager
                .drop_table(Table::drop().table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
