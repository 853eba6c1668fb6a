use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "introduction_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub introduction_id: String,
    /// `requested`, `accepted`, `declined`, `withdrawn`, `expired`, `message`, `outcome`,
    /// `escalated`, `nudged`.
    pub kind: String,
    pub actor_account_id: Option<String>,
    /// `firm`, `organisation` or `broker`.
    pub side: String,
    /// A message's text, a decline's note, an outcome.
    #[sea_orm(column_type = "Text", nullable)]
    pub body: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
