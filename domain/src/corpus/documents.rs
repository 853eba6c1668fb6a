//! A generated listing as the search index would hold it once published, without the
//! database: for benchmarks of the index alone. Field for field what the indexer
//! writes (see `search::indexer::document`), with ids made from the item's index.

use super::Corpus;
use crate::model::ListingKind;
use chrono::{TimeZone, Utc};
use search_index::{GeoPoint, ListingDocument, Price};

impl Corpus {
    /// Listing `index` as an index document, published at a fixed instant and far from
    /// expiry, owned by organisation `index / 20` (id `org-<n>`).
    pub fn listing_document(&self, index: u64) -> ListingDocument {
        let listing = self.listing(index);
        let organisation = self.organisation(listing.organisation);
        let fields = listing.fields;
        let published = Utc
            .timestamp_opt(1_767_225_600 + (index % 86_400) as i64, 0)
            .single()
            .unwrap_or_default();
        let expires = Utc
            .timestamp_opt(4_102_444_800, 0)
            .single()
            .unwrap_or_default();
        let currency = fields.currency.clone().unwrap_or_else(|| "EUR".to_owned());
        let price = |amount: Option<i64>| {
            amount.map(|amount_minor| Price {
                amount_minor,
                currency: currency.clone(),
            })
        };
        let techniques: Vec<String> =
            [&fields.techniques, &fields.equipment, &fields.accreditation]
                .into_iter()
                .flatten()
                .flatten()
                .cloned()
                .collect();
        let (headline_price, space_type) = match listing.kind {
            ListingKind::Facility => (
                price(fields.price_from.or(fields.external_price_from)),
                None,
            ),
            ListingKind::Space => (
                price(fields.monthly_price),
                fields.space_type.map(|t| t.as_str().to_owned()),
            ),
            ListingKind::Expertise => (None, None),
        };
        let small = |value: Option<i64>| value.and_then(|v| u32::try_from(v).ok());
        ListingDocument {
            id: format!("listing-{index}"),
            kind: listing.kind.as_str().to_owned(),
            language: fields.language.clone().unwrap_or_else(|| "en".to_owned()),
            title: fields.title.clone().unwrap_or_default(),
            summary: fields.summary.clone().unwrap_or_default(),
            description: fields.description.clone().unwrap_or_default(),
            topics: fields.topics.clone().unwrap_or_default(),
            topic_codes: fields.topic_codes.clone().unwrap_or_default(),
            techniques,
            organisation_id: format!("org-{}", listing.organisation),
            organisation_name: organisation.name.clone(),
            organisation_kind: organisation
                .kind
                .map(|k| k.as_str().to_owned())
                .unwrap_or_default(),
            verified: Corpus::organisation_verified(listing.organisation),
            country: fields.country.clone().unwrap_or_default(),
            region: fields.region.clone(),
            city: fields.city.clone(),
            location: match (fields.latitude, fields.longitude) {
                (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
                _ => None,
            },
            engagement_modes: fields
                .engagement_modes
                .iter()
                .flatten()
                .map(|m| m.as_str().to_owned())
                .collect(),
            space_type,
            headline_price,
            capacity: small(fields.capacity),
            area_m2: small(fields.area_m2),
            trl_min: fields.trl_min.and_then(|v| u8::try_from(v).ok()),
            trl_max: fields.trl_max.and_then(|v| u8::try_from(v).ok()),
            available_from: fields.available_from,
            available_until: fields.available_until,
            published_at: published,
            updated_at: published,
            expires_at: expires,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_carry_the_generated_listing_and_its_organisation() {
        let corpus = Corpus::new(42);
        for index in [0, 1, 19, 20, 12_345] {
            let listing = corpus.listing(index);
            let document = corpus.listing_document(index);
            assert_eq!(document.id, format!("listing-{index}"));
            assert_eq!(Some(&document.title), listing.fields.title.as_ref());
            assert_eq!(document.kind, listing.kind.as_str());
            assert_eq!(document.organisation_id, format!("org-{}", index / 20));
            assert_eq!(
                document.organisation_name,
                corpus.organisation(listing.organisation).name
            );
            assert!(document.expires_at > Utc::now());
            assert_eq!(document, corpus.listing_document(index));
        }
    }
}
