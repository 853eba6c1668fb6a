use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "discord_account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub discord_user_id: String,
    pub account_id: String,
    pub linked_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
