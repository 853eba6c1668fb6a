use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub website: Option<String>,
    #[sea_orm(unique)]
    pub ror_id: Option<String>,
    #[sea_orm(unique)]
    pub pic: Option<String>,
    #[sea_orm(unique)]
    pub vat: Option<String>,
    pub country: String,
    pub region: Option<String>,
    pub nuts_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub verified: bool,
    pub source: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

impl ActiveModelBehavior for ActiveModel {}
