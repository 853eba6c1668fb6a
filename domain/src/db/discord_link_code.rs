use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "discord_link_code")]
pub struct Model {
    /// SHA-256 of the code: the code itself is shown once and never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_digest: String,
    pub account_id: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
