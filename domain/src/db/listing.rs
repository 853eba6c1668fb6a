use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "listing")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organisation_id: String,
    pub kind: String,
    pub title: String,
    pub language: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// JSON array of `model::Topic`.
    #[sea_orm(column_type = "Text")]
    pub topics: String,
    /// JSON of the kind's `model::ListingDetails`.
    #[sea_orm(column_type = "Text")]
    pub details: String,
    pub country: String,
    pub region: Option<String>,
    pub nuts_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub status: String,
    pub generated_example: bool,
    /// Identity of an imported record (e.g. `cordis:101116741:999981634`), so that
    /// importing the same file twice changes nothing.
    #[sea_orm(unique)]
    pub source_ref: Option<String>,
    pub expires_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

impl ActiveModelBehavior for ActiveModel {}
