//! Look-ups that bulk loaders need and interactive use does not: finding an existing
//! organisation from whatever reference a file carries (Ponte id, ROR id, PIC or VAT
//! number), or by name when a source has no identifier at all.
//!
//! Read-only on purpose: writes still go through `import_organisation` and
//! `import_listing`, so an import obeys exactly the rules a member does.

use super::Hub;
use crate::db::organisation;
use crate::error::Result;
use crate::validate;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

impl Hub {
    /// The id of the organisation a file's `organisation` cell points at: a Ponte id, a
    /// ROR id (bare or as URL), a nine-digit PIC, or a VAT number with its country
    /// prefix. Every reading that is well-formed is tried at once, so a value that
    /// could be a PIC or a VAT number finds either.
    pub(crate) async fn organisation_id_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<String>> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Ok(None);
        }
        let mut any = Condition::any();
        if uuid::Uuid::parse_str(reference).is_ok() {
            any = any.add(organisation::Column::Id.eq(reference.to_lowercase()));
        }
        if let Ok(Some(ror)) = validate::ror_id("organisation", Some(reference)) {
            any = any.add(organisation::Column::RorId.eq(ror));
        }
        if let Ok(Some(pic)) = validate::pic("organisation", Some(reference)) {
            any = any.add(organisation::Column::Pic.eq(pic));
        }
        if let Ok(Some(vat)) = validate::vat("organisation", Some(reference)) {
            any = any.add(organisation::Column::Vat.eq(vat));
        }
        if any.is_empty() {
            return Ok(None);
        }
        // Oldest first, so that an ambiguous reference always resolves the same way.
        Ok(organisation::Entity::find()
            .filter(any)
            .order_by_asc(organisation::Column::Id)
            .one(self.db())
            .await?
            .map(|row| row.id))
    }

    /// The oldest organisation with exactly this name in this country. Only for sources
    /// that carry no ROR id, PIC or VAT number, where the name is the only way to avoid
    /// creating the same organisation twice. The match is exact, not case-folded: SQLite
    /// and PostgreSQL fold non-ASCII letters differently, and a loader that writes a name
    /// finds it again spelled the same way.
    pub(crate) async fn organisation_id_by_name(
        &self,
        name: &str,
        country: &str,
    ) -> Result<Option<String>> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(None);
        }
        Ok(organisation::Entity::find()
            .filter(organisation::Column::Country.eq(country.trim().to_uppercase()))
            .filter(organisation::Column::Name.eq(name.to_owned()))
            .order_by_asc(organisation::Column::Id)
            .one(self.db())
            .await?
            .map(|row| row.id))
    }
}
