//! Accounts, organisations, memberships, API tokens, sessions, listings and the
//! `change_log` outbox.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn create(name: &str) -> TableCreateStatement {
    Table::create().table(Alias::new(name)).to_owned()
}

fn id(name: &str) -> ColumnDef {
    string_len(Alias::new(name), 36).primary_key().to_owned()
}

fn fk(from_table: &str, from_column: &str, to_table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(Alias::new(from_table), Alias::new(from_column))
        .to(Alias::new(to_table), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index(table: &str, columns: &[&str], unique: bool) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement
        .name(format!("idx_{table}_{}", columns.join("_")))
        .table(Alias::new(table));
    for column in columns {
        statement.col(Alias::new(*column));
    }
    if unique {
        statement.unique();
    }
    statement.to_owned()
}

fn a(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create("account")
                    .col(id("id"))
                    .col(string_len(a("email"), 254))
                    .col(string_len(a("display_name"), 120))
                    .col(string(a("password_hash")))
                    .col(string_len(a("role"), 16))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("account", &["email"], true))
            .await?;

        manager
            .create_table(
                create("organisation")
                    .col(id("id"))
                    .col(string_len(a("kind"), 32))
                    .col(string_len(a("name"), 300))
                    .col(text(a("description")))
                    .col(string_len_null(a("website"), 500))
                    .col(string_len_null(a("ror_id"), 64))
                    .col(string_len_null(a("pic"), 16))
                    .col(string_len_null(a("vat"), 32))
                    .col(string_len(a("country"), 2))
                    .col(string_len_null(a("region"), 120))
                    .col(string_len_null(a("nuts_code"), 8))
                    .col(string_len_null(a("city"), 120))
                    .col(double_null(a("latitude")))
                    .col(double_null(a("longitude")))
                    .col(string_len_null(a("contact_name"), 120))
                    .col(string_len_null(a("contact_email"), 254))
                    .col(string_len_null(a("contact_phone"), 40))
                    .col(boolean(a("verified")))
                    .col(string_len_null(a("source"), 120))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(integer(a("version")))
                    .to_owned(),
            )
            .await?;
        for column in ["ror_id", "pic", "vat"] {
            manager
                .create_index(index("organisation", &[column], true))
                .await?;
        }
        manager
            .create_index(index("organisation", &["kind"], false))
            .await?;

        manager
            .create_table(
                create("membership")
                    .col(string_len(a("organisation_id"), 36))
                    .col(string_len(a("account_id"), 36))
                    .col(string_len(a("role"), 16))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .primary_key(
                        Index::create()
                            .col(a("organisation_id"))
                            .col(a("account_id")),
                    )
                    .foreign_key(&mut fk("membership", "organisation_id", "organisation"))
                    .foreign_key(&mut fk("membership", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("membership", &["account_id"], false))
            .await?;

        manager
            .create_table(
                create("api_token")
                    .col(id("id"))
                    .col(string_len(a("account_id"), 36))
                    .col(string_len(a("name"), 100))
                    .col(string_len(a("token_hash"), 64))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone_null(a("last_used_at")))
                    .col(timestamp_with_time_zone_null(a("revoked_at")))
                    .foreign_key(&mut fk("api_token", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("api_token", &["token_hash"], true))
            .await?;
        manager
            .create_index(index("api_token", &["account_id"], false))
            .await?;

        manager
            .create_table(
                create("session")
                    .col(string_len(a("token_hash"), 64).primary_key())
                    .col(string_len(a("account_id"), 36))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("expires_at")))
                    .foreign_key(&mut fk("session", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("session", &["account_id"], false))
            .await?;

        manager
            .create_table(
                create("listing")
                    .col(id("id"))
                    .col(string_len(a("organisation_id"), 36))
                    .col(string_len(a("kind"), 16))
                    .col(string_len(a("title"), 300))
                    .col(string_len(a("language"), 8))
                    .col(text(a("summary")))
                    .col(text(a("description")))
                    .col(text(a("topics")))
                    .col(text(a("details")))
                    .col(string_len(a("country"), 2))
                    .col(string_len_null(a("region"), 120))
                    .col(string_len_null(a("nuts_code"), 8))
                    .col(string_len_null(a("city"), 120))
                    .col(double_null(a("latitude")))
                    .col(double_null(a("longitude")))
                    .col(string_len(a("status"), 16))
                    .col(boolean(a("generated_example")))
                    .col(string_len_null(a("source_ref"), 200))
                    .col(timestamp_with_time_zone(a("expires_at")))
                    .col(timestamp_with_time_zone_null(a("published_at")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(integer(a("version")))
                    .foreign_key(&mut fk("listing", "organisation_id", "organisation"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("listing", &["organisation_id"], false))
            .await?;
        manager
            .create_index(index("listing", &["status", "kind"], false))
            .await?;
        manager
            .create_index(index("listing", &["source_ref"], true))
            .await?;

        manager
            .create_table(
                create("change_log")
                    .col(big_pk_auto(a("seq")))
                    .col(string_len(a("entity"), 16))
                    .col(string_len(a("entity_id"), 36))
                    .col(string_len(a("operation"), 16))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "change_log",
            "listing",
            "session",
            "api_token",
            "membership",
            "organisation",
            "account",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
