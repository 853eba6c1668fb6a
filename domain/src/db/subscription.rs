use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "subscription")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The owner, or for a circle's saved search the facilitator who created it.
    pub account_id: String,
    pub circle_id: Option<String>,
    /// JSON of `subscriptions::SavedSearch`.
    #[sea_orm(column_type = "Text")]
    pub search: String,
    pub frequency: String,
    pub channel: String,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub max_items: i32,
    pub unsubscribe_token: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

impl ActiveModelBehavior for ActiveModel {}
