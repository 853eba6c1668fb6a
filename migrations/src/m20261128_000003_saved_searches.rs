//! Learning circles, saved searches and everything that carries their matches to people:
//! the matcher's checkpoint, one notification per (saved search, listing), the deliveries
//! that group notifications into messages, and the web inbox.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

fn create(name: &str) -> TableCreateStatement {
    Table::create().table(a(name)).to_owned()
}

fn id(name: &str) -> ColumnDef {
    string_len(a(name), 36).primary_key().to_owned()
}

fn fk(from_table: &str, from_column: &str, to_table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(a(from_table), a(from_column))
        .to(a(to_table), a("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index(table: &str, columns: &[&str], unique: bool) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement
        .name(format!("idx_{table}_{}", columns.join("_")))
        .table(a(table));
    for column in columns {
        statement.col(a(column));
    }
    if unique {
        statement.unique();
    }
    statement.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create("circle")
                    .col(id("id"))
                    .col(string_len(a("name"), 120))
                    .col(text(a("description")))
                    .col(text(a("topics")))
                    .col(string_len(a("facilitator_id"), 36))
                    .col(string_len_null(a("discord_guild_id"), 20))
                    .col(string_len_null(a("discord_channel_id"), 20))
                    .col(string_len(a("invite_code"), 64))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(integer(a("version")))
                    .foreign_key(&mut fk("circle", "facilitator_id", "account"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("circle", &["invite_code"], true))
            .await?;

        manager
            .create_table(
                create("circle_member")
                    .col(string_len(a("circle_id"), 36))
                    .col(string_len(a("account_id"), 36))
                    .col(timestamp_with_time_zone(a("joined_at")))
                    .primary_key(Index::create().col(a("circle_id")).col(a("account_id")))
                    .foreign_key(&mut fk("circle_member", "circle_id", "circle"))
                    .foreign_key(&mut fk("circle_member", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("circle_member", &["account_id"], false))
            .await?;

        manager
            .create_table(
                create("subscription")
                    .col(id("id"))
                    .col(string_len(a("account_id"), 36))
                    .col(string_len_null(a("circle_id"), 36))
                    .col(text(a("search")))
                    .col(string_len(a("frequency"), 16))
                    .col(string_len(a("channel"), 24))
                    .col(string_len_null(a("webhook_url"), 2048))
                    .col(string_len_null(a("webhook_secret"), 80))
                    .col(integer(a("max_items")))
                    .col(string_len(a("unsubscribe_token"), 80))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(integer(a("version")))
                    .foreign_key(&mut fk("subscription", "account_id", "account"))
                    .foreign_key(&mut fk("subscription", "circle_id", "circle"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("subscription", &["account_id"], false))
            .await?;
        manager
            .create_index(index("subscription", &["circle_id"], false))
            .await?;
        manager
            .create_index(index("subscription", &["unsubscribe_token"], true))
            .await?;

        manager
            .create_table(
                create("subscription_exclusion")
                    .col(string_len(a("subscription_id"), 36))
                    .col(string_len(a("listing_id"), 36))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .primary_key(
                        Index::create()
                            .col(a("subscription_id"))
                            .col(a("listing_id")),
                    )
                    .foreign_key(&mut fk(
                        "subscription_exclusion",
                        "subscription_id",
                        "subscription",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                create("worker_checkpoint")
                    .col(string_len(a("name"), 32).primary_key())
                    .col(big_integer(a("seq")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                create("delivery")
                    .col(id("id"))
                    .col(string_len(a("subscription_id"), 36))
                    .col(string_len(a("channel"), 24))
                    .col(string_len(a("status"), 16))
                    .col(integer(a("attempts")))
                    .col(timestamp_with_time_zone(a("next_attempt_at")))
                    .col(timestamp_with_time_zone_null(a("lease_until")))
                    .col(text_null(a("last_error")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone_null(a("sent_at")))
                    .foreign_key(&mut fk("delivery", "subscription_id", "subscription"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("delivery", &["status", "next_attempt_at"], false))
            .await?;
        manager
            .create_index(index("delivery", &["subscription_id"], false))
            .await?;

        manager
            .create_table(
                create("notification")
                    .col(id("id"))
                    .col(string_len(a("subscription_id"), 36))
                    .col(string_len(a("listing_id"), 36))
                    .col(string_len(a("status"), 16))
                    .col(timestamp_with_time_zone(a("due_at")))
                    .col(string_len_null(a("delivery_id"), 36))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(&mut fk("notification", "subscription_id", "subscription"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "notification",
                &["subscription_id", "listing_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index("notification", &["status", "due_at"], false))
            .await?;
        manager
            .create_index(index("notification", &["delivery_id"], false))
            .await?;

        manager
            .create_table(
                create("inbox_item")
                    .col(id("id"))
                    .col(string_len(a("account_id"), 36))
                    .col(string_len(a("kind"), 16))
                    .col(string_len(a("dedupe_key"), 160))
                    .col(string_len_null(a("subscription_id"), 36))
                    .col(string_len_null(a("notification_id"), 36))
                    .col(string_len(a("listing_id"), 36))
                    .col(string_len(a("title"), 300))
                    .col(string_len(a("organisation"), 300))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone_null(a("read_at")))
                    .foreign_key(&mut fk("inbox_item", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("inbox_item", &["dedupe_key"], true))
            .await?;
        manager
            .create_index(index("inbox_item", &["account_id", "created_at"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "inbox_item",
            "notification",
            "delivery",
            "worker_checkpoint",
            "subscription_exclusion",
            "subscription",
            "circle_member",
            "circle",
        ] {
            manager
                .drop_table(Table::drop().table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
