use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "circle_member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub circle_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: String,
    pub joined_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
