use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "introduction")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub listing_id: String,
    /// The organisation behind the listing.
    pub organisation_id: String,
    pub requester_account_id: String,
    /// The firm the requester asks for.
    pub requester_organisation_id: String,
    pub status: String,
    pub decline_reason: Option<String>,
    pub outcome: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub responded_at: Option<DateTimeUtc>,
    pub escalated_at: Option<DateTimeUtc>,
    /// When the request was announced to the organisation's members on Discord.
    pub discord_noticed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
