//! Introductions brokered between a firm and the organisation behind a listing, and
//! every event of each (status changes, messages, nudges), kept with its time.

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
                    .table(a("introduction"))
                    .col(string_len(a("id"), 36).primary_key())
                    .col(string_len(a("listing_id"), 36))
                    .col(string_len(a("organisation_id"), 36))
                    .col(string_len(a("requester_account_id"), 36))
                    .col(string_len(a("requester_organisation_id"), 36))
                    .col(string_len(a("status"), 16))
                    .col(string_len_null(a("decline_reason"), 32))
                    .col(string_len_null(a("outcome"), 32))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(timestamp_with_time_zone_null(a("responded_at")))
                    .col(timestamp_with_time_zone_null(a("escalated_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("introduction"), a("requester_account_id"))
                            .to(a("account"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_introduction_requester",
                vec!["requester_account_id", "status"],
            ),
            (
                "idx_introduction_organisation",
                vec!["organisation_id", "status"],
            ),
            (
                "idx_introduction_status_created",
                vec!["status", "created_at"],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(a("introduction"));
            for column in columns {
                index.col(a(column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(a("introduction_event"))
                    .col(string_len(a("id"), 36).primary_key())
                    .col(string_len(a("introduction_id"), 36))
                    .col(string_len(a("kind"), 16))
                    .col(string_len_null(a("actor_account_id"), 36))
                    .col(string_len(a("side"), 16))
                    .col(text_null(a("body")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("introduction_event"), a("introduction_id"))
                            .to(a("introduction"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_introduction_event_introduction")
                    .table(a("introduction_event"))
                    .col(a("introduction_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["introduction_event", "introduction"] {
            manager
                .drop_table(Table::drop().table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
