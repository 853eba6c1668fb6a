//! The corpus's items as JSON, for people and scripts to look at (`ponte corpus
//! sample`). Fields that are absent or empty are left out, so each line shows what the
//! item actually sets. This is a view for reading, not an import format.

use super::{GeneratedListing, GeneratedOrganisation, GeneratedSavedSearch};
use serde_json::{Map, Value, json};

/// Drops nulls and empty lists from an object, recursively.
fn compact(value: Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k, compact(v)))
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

pub fn organisation_json(organisation: &GeneratedOrganisation) -> Value {
    let location = &organisation.location;
    compact(json!({
        "kind": organisation.kind.map(|k| k.as_str()),
        "name": organisation.name,
        "description": organisation.description,
        "website": organisation.website,
        "ror_id": organisation.ror_id,
        "pic": organisation.pic,
        "vat": organisation.vat,
        "country": location.country,
        "region": location.region,
        "nuts_code": location.nuts_code,
        "city": location.city,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "contact_name": organisation.contact.name,
        "contact_email": organisation.contact.email,
        "contact_phone": organisation.contact.phone,
        "source": organisation.source,
    }))
}

impl GeneratedListing {
    /// The listing in the shape the API's create request takes (enumerations in their
    /// snake_case names), plus its kind and the index of its organisation in the corpus.
    pub fn to_json(&self) -> Value {
        let f = &self.fields;
        compact(json!({
            "organisation": self.organisation,
            "kind": self.kind.as_str(),
            "title": f.title,
            "language": f.language,
            "summary": f.summary,
            "description": f.description,
            "topics": f.topics,
            "topic_codes": f.topic_codes,
            "country": f.country,
            "region": f.region,
            "nuts_code": f.nuts_code,
            "city": f.city,
            "latitude": f.latitude,
            "longitude": f.longitude,
            "expires_at": f.expires_at,
            "techniques": f.techniques,
            "industries": f.industries,
            "engagement_modes": f.engagement_modes,
            "trl_min": f.trl_min,
            "trl_max": f.trl_max,
            "languages": f.languages,
            "researchers": f.researchers,
            "equipment": f.equipment,
            "accreditation": f.accreditation,
            "access_mode": f.access_mode,
            "price_from": f.price_from,
            "external_price_from": f.external_price_from,
            "price_unit": f.price_unit,
            "currency": f.currency,
            "turnaround_days": f.turnaround_days,
            "space_type": f.space_type,
            "capacity": f.capacity,
            "area_m2": f.area_m2,
            "monthly_price": f.monthly_price,
            "available_from": f.available_from,
            "available_until": f.available_until,
            "amenities": f.amenities,
            "eligible_stages": f.eligible_stages,
            "eligible_sectors": f.eligible_sectors,
        }))
    }
}

impl GeneratedSavedSearch {
    /// The search as a saved search stores it.
    pub fn to_json(&self) -> Value {
        compact(serde_json::to_value(&self.search).unwrap_or(Value::Null))
    }
}
