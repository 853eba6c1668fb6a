//! Listings of the three kinds: create, read, change with optimistic concurrency, and
//! the draft → published → archived life cycle with expiry and renewal.

use super::organisations::{organisation_not_found, organisation_view};
use super::{Change, Hub, append_change, cursor, new_id, now, page_limit, parse_stored};
use crate::access::{Caller, Principal};
use crate::db::{listing, organisation};
use crate::error::{Error, ErrorKind, Result};
use crate::model::*;
use crate::{validate, vocabulary};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// How long a listing stays up before its owners must renew it.
pub const LISTING_LIFETIME_DAYS: i64 = 365;

fn listing_not_found() -> Error {
    Error::not_found("listing_not_found", "no such listing")
}

/// Rejects a field that belongs to another kind of listing, naming it.
fn reject_foreign(kind: ListingKind, field: &str, present: bool) -> Result<()> {
    if present {
        Err(Error::invalid(
            field,
            "field_not_for_kind",
            format!("`{field}` does not apply to a {kind} listing"),
        ))
    } else {
        Ok(())
    }
}

fn money(field: &str, amount: Option<i64>, currency: &str) -> Result<Option<Money>> {
    amount
        .map(|amount| {
            Ok(Money {
                amount_minor: validate::bounded_integer(
                    field,
                    amount,
                    0,
                    validate::MAX_MINOR_UNITS,
                )?,
                currency: currency.to_owned(),
            })
        })
        .transpose()
}

fn small(field: &str, value: Option<i64>, min: i64, max: i64) -> Result<Option<i64>> {
    value
        .map(|v| validate::bounded_integer(field, v, min, max))
        .transpose()
}

/// Builds the kind's details from the client's fields, on top of what is stored (for
/// a change) or from nothing (for a new listing).
fn build_details(
    kind: ListingKind,
    fields: &ListingFields,
    existing: Option<&ListingDetails>,
) -> Result<ListingDetails> {
    let f = fields;
    let expertise_fields = [
        ("industries", f.industries.is_some()),
        ("engagement_modes", f.engagement_modes.is_some()),
        ("trl_min", f.trl_min.is_some()),
        ("trl_max", f.trl_max.is_some()),
        ("languages", f.languages.is_some()),
        ("researchers", f.researchers.is_some()),
    ];
    let facility_fields = [
        ("equipment", f.equipment.is_some()),
        ("accreditation", f.accreditation.is_some()),
        ("access_mode", f.access_mode.is_some()),
        ("price_from", f.price_from.is_some()),
        ("external_price_from", f.external_price_from.is_some()),
        ("price_unit", f.price_unit.is_some()),
        ("turnaround_days", f.turnaround_days.is_some()),
    ];
    let space_fields = [
        ("space_type", f.space_type.is_some()),
        ("capacity", f.capacity.is_some()),
        ("area_m2", f.area_m2.is_some()),
        ("monthly_price", f.monthly_price.is_some()),
        ("available_from", f.available_from.is_some()),
        ("available_until", f.available_until.is_some()),
        ("amenities", f.amenities.is_some()),
        ("eligible_stages", f.eligible_stages.is_some()),
        ("eligible_sectors", f.eligible_sectors.is_some()),
    ];
    let foreign: Vec<(&str, bool)> = match kind {
        ListingKind::Expertise => facility_fields
            .iter()
            .chain(space_fields.iter())
            .copied()
            .chain([("currency", f.currency.is_some())])
            .collect(),
        ListingKind::Facility => expertise_fields
            .iter()
            .chain(space_fields.iter())
            .copied()
            .collect(),
        ListingKind::Space => expertise_fields
            .iter()
            .chain(facility_fields.iter())
            .copied()
            .chain([("techniques", f.techniques.is_some())])
            .collect(),
    };
    for (field, present) in foreign {
        reject_foreign(kind, field, present)?;
    }
    let list = |field: &str, value: &Option<Vec<String>>, old: &[String]| -> Result<Vec<String>> {
        match value {
            Some(values) => validate::tags(field, values),
            None => Ok(old.to_vec()),
        }
    };
    match kind {
        ListingKind::Expertise => {
            let old = match existing {
                Some(ListingDetails::Expertise(old)) => old.clone(),
                _ => ExpertiseDetails::default(),
            };
            let trl_min = small("trl_min", f.trl_min, 1, 9)?
                .map(|v| v as u8)
                .or(old.trl_min);
            let trl_max = small("trl_max", f.trl_max, 1, 9)?
                .map(|v| v as u8)
                .or(old.trl_max);
            if let (Some(min), Some(max)) = (trl_min, trl_max)
                && min > max
            {
                return Err(Error::invalid(
                    "trl_max",
                    "trl_range_invalid",
                    "`trl_max` must not be below `trl_min`",
                ));
            }
            let languages = match &f.languages {
                Some(values) => validate::tags("languages", values)?
                    .iter()
                    .map(|code| validate::language("languages", code))
                    .collect::<Result<Vec<_>>>()?,
                None => old.languages.clone(),
            };
            Ok(ListingDetails::Expertise(ExpertiseDetails {
                techniques: list("techniques", &f.techniques, &old.techniques)?,
                industries: match &f.industries {
                    Some(values) => validate::nace_codes("industries", values)?,
                    None => old.industries.clone(),
                },
                engagement_modes: match &f.engagement_modes {
                    Some(modes) => {
                        let mut unique = modes.clone();
                        unique.dedup();
                        unique
                    }
                    None => old.engagement_modes.clone(),
                },
                trl_min,
                trl_max,
                languages,
                researchers: match &f.researchers {
                    Some(values) => validate::researchers(values)?,
                    None => old.researchers.clone(),
                },
            }))
        }
        ListingKind::Facility => {
            let old = match existing {
                Some(ListingDetails::Facility(old)) => old.clone(),
                _ => FacilityDetails::default(),
            };
            let currency = match &f.currency {
                Some(code) => validate::currency("currency", code)?,
                None => old
                    .price_from
                    .as_ref()
                    .or(old.external_price_from.as_ref())
                    .map(|m| m.currency.clone())
                    .unwrap_or_else(|| "EUR".to_owned()),
            };
            let price_from = match f.price_from {
                Some(_) => money("price_from", f.price_from, &currency)?,
                None => old.price_from.clone().map(|m| Money {
                    currency: currency.clone(),
                    ..m
                }),
            };
            let external_price_from = match f.external_price_from {
                Some(_) => money("external_price_from", f.external_price_from, &currency)?,
                None => old.external_price_from.clone().map(|m| Money {
                    currency: currency.clone(),
                    ..m
                }),
            };
            Ok(ListingDetails::Facility(FacilityDetails {
                equipment: list("equipment", &f.equipment, &old.equipment)?,
                techniques: list("techniques", &f.techniques, &old.techniques)?,
                accreditation: list("accreditation", &f.accreditation, &old.accreditation)?,
                access_mode: f.access_mode.or(old.access_mode),
                price_from,
                external_price_from,
                price_unit: f.price_unit.or(old.price_unit),
                turnaround_days: small("turnaround_days", f.turnaround_days, 0, 3650)?
                    .map(|v| v as u32)
                    .or(old.turnaround_days),
            }))
        }
        ListingKind::Space => {
            let old = match existing {
                Some(ListingDetails::Space(old)) => Some(old.clone()),
                _ => None,
            };
            let space_type = f
                .space_type
                .or(old.as_ref().map(|o| o.space_type))
                .ok_or_else(|| {
                    Error::invalid(
                        "space_type",
                        "field_required",
                        "`space_type` is required for a space listing",
                    )
                })?;
            let currency = match &f.currency {
                Some(code) => validate::currency("currency", code)?,
                None => old
                    .as_ref()
                    .and_then(|o| o.monthly_price.as_ref())
                    .map(|m| m.currency.clone())
                    .unwrap_or_else(|| "EUR".to_owned()),
            };
            let monthly_price = match f.monthly_price {
                Some(_) => money("monthly_price", f.monthly_price, &currency)?,
                None => old
                    .as_ref()
                    .and_then(|o| o.monthly_price.clone())
                    .map(|m| Money {
                        currency: currency.clone(),
                        ..m
                    }),
            };
            let available_from = f
                .available_from
                .or(old.as_ref().and_then(|o| o.available_from));
            let available_until = f
                .available_until
                .or(old.as_ref().and_then(|o| o.available_until));
            if let (Some(from), Some(until)) = (available_from, available_until)
                && until < from
            {
                return Err(Error::invalid(
                    "available_until",
                    "availability_invalid",
                    "`available_until` must not be before `available_from`",
                ));
            }
            let empty = Vec::new();
            Ok(ListingDetails::Space(SpaceDetails {
                space_type,
                capacity: small("capacity", f.capacity, 1, 10_000)?
                    .map(|v| v as u32)
                    .or(old.as_ref().and_then(|o| o.capacity)),
                area_m2: small("area_m2", f.area_m2, 1, 1_000_000)?
                    .map(|v| v as u32)
                    .or(old.as_ref().and_then(|o| o.area_m2)),
                monthly_price,
                available_from,
                available_until,
                amenities: list(
                    "amenities",
                    &f.amenities,
                    old.as_ref().map(|o| &o.amenities).unwrap_or(&empty),
                )?,
                eligible_stages: f
                    .eligible_stages
                    .clone()
                    .or(old.as_ref().map(|o| o.eligible_stages.clone()))
                    .unwrap_or_default(),
                eligible_sectors: list(
                    "eligible_sectors",
                    &f.eligible_sectors,
                    old.as_ref().map(|o| &o.eligible_sectors).unwrap_or(&empty),
                )?,
            }))
        }
    }
}

fn build_topics(fields: &ListingFields, existing: &[Topic]) -> Result<Vec<Topic>> {
    if fields.topics.is_none() && fields.topic_codes.is_none() {
        return Ok(existing.to_vec());
    }
    let mut topics = Vec::new();
    let free = match &fields.topics {
        Some(values) => validate::tags("topics", values)?,
        None => existing
            .iter()
            .filter(|t| t.code.is_none())
            .map(|t| t.label.clone())
            .collect(),
    };
    let coded: Vec<Topic> = match &fields.topic_codes {
        Some(codes) => validate::tags("topic_codes", codes)?
            .iter()
            .map(|code| {
                vocabulary::euroscivoc_by_code(code)
                    .map(|term| Topic { label: term.title.clone(), code: Some(term.code.clone()) })
                    .ok_or_else(|| {
                        Error::invalid(
                            "topic_codes",
                            "topic_code_unknown",
                            format!("`{code}` is not a EuroSciVoc code (see the vocabulary in datasets/cordis)"),
                        )
                    })
            })
            .collect::<Result<_>>()?,
        None => existing.iter().filter(|t| t.code.is_some()).cloned().collect(),
    };
    topics.extend(coded);
    for label in free {
        if !topics.iter().any(|t| t.label.eq_ignore_ascii_case(&label)) {
            topics.push(Topic { label, code: None });
        }
    }
    if topics.len() > validate::MAX_TAGS {
        return Err(Error::invalid(
            "topics",
            "too_many_items",
            format!("a listing may have at most {} topics", validate::MAX_TAGS),
        ));
    }
    Ok(topics)
}

/// Everything a listing stores, validated.
pub(crate) struct ValidListing {
    title: String,
    language: String,
    summary: String,
    description: String,
    topics: Vec<Topic>,
    location: Location,
    details: ListingDetails,
    expires_at: Option<DateTime<Utc>>,
}

pub(crate) fn validate_fields(
    kind: ListingKind,
    fields: &ListingFields,
    current: Option<&ListingView>,
    organisation: &organisation::Model,
) -> Result<ValidListing> {
    let title = match (&fields.title, current) {
        (Some(title), _) => validate::text("title", title, 1, validate::MAX_TITLE)?,
        (None, Some(current)) => current.title.clone(),
        (None, None) => {
            return Err(Error::invalid(
                "title",
                "field_required",
                "`title` is required",
            ));
        }
    };
    let language = match (&fields.language, current) {
        (Some(language), _) => validate::language("language", language)?,
        (None, Some(current)) => current.language.clone(),
        (None, None) => {
            return Err(Error::invalid(
                "language",
                "field_required",
                "`language` is required (e.g. en or it)",
            ));
        }
    };
    let summary = match &fields.summary {
        Some(summary) => validate::text("summary", summary, 0, validate::MAX_SUMMARY)?,
        None => current.map(|c| c.summary.clone()).unwrap_or_default(),
    };
    let description = match &fields.description {
        Some(description) => {
            validate::text("description", description, 0, validate::MAX_DESCRIPTION)?
        }
        None => current.map(|c| c.description.clone()).unwrap_or_default(),
    };
    let topics = build_topics(fields, current.map(|c| c.topics.as_slice()).unwrap_or(&[]))?;
    let details = build_details(kind, fields, current.map(|c| &c.details))?;
    let base = match current {
        Some(current) => current.location.clone(),
        None => Location {
            country: organisation.country.clone(),
            region: organisation.region.clone(),
            nuts_code: organisation.nuts_code.clone(),
            city: organisation.city.clone(),
            latitude: organisation.latitude,
            longitude: organisation.longitude,
        },
    };
    let place_given = fields.city.is_some() || fields.region.is_some() || fields.country.is_some();
    let coordinates_given = fields.latitude.is_some() || fields.longitude.is_some();
    // A new place without coordinates must not keep the old place's coordinates.
    let (latitude, longitude) = if coordinates_given {
        (fields.latitude, fields.longitude)
    } else if place_given {
        (None, None)
    } else {
        (base.latitude, base.longitude)
    };
    validate::coordinates(latitude, longitude)?;
    let location = Location {
        country: validate::country(
            "country",
            fields.country.as_deref().unwrap_or(&base.country),
        )?,
        region: match &fields.region {
            Some(region) => validate::optional_text("region", Some(region), 120)?,
            None => base.region,
        },
        nuts_code: match &fields.nuts_code {
            Some(code) => validate::nuts_code("nuts_code", Some(code))?,
            None => base.nuts_code,
        },
        city: match &fields.city {
            Some(city) => validate::optional_text("city", Some(city), 120)?,
            None => base.city,
        },
        latitude,
        longitude,
    };
    let expires_at = fields
        .expires_at
        .map(|at| validate::expiry("expires_at", at, now()))
        .transpose()?;
    Ok(ValidListing {
        title,
        language,
        summary,
        description,
        topics,
        location,
        details,
        expires_at,
    })
}

/// What publishing needs beyond a valid draft: something to read and to find it by.
fn check_publishable(view: &ListingView) -> Result<()> {
    check_publishable_parts(&view.summary, &view.description, &view.topics)
}

fn check_publishable_parts(summary: &str, description: &str, topics: &[Topic]) -> Result<()> {
    if summary.is_empty() && description.is_empty() {
        return Err(Error::invalid(
            "description",
            "listing_incomplete",
            "add a summary or a description before publishing",
        ));
    }
    if topics.is_empty() {
        return Err(Error::invalid(
            "topics",
            "listing_incomplete",
            "add at least one topic before publishing, so firms can find the listing",
        ));
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|error| Error::internal("cannot encode listing", error))
}

/// What a caller may see of a stored listing.
pub(crate) fn listing_view(
    row: listing::Model,
    organisation: &organisation::Model,
    caller_is_member: bool,
) -> Result<ListingView> {
    let kind = parse_stored("listing.kind", &row.kind, ListingKind::parse)?;
    let topics: Vec<Topic> = serde_json::from_str(&row.topics)
        .map_err(|error| Error::internal("stored topics no longer parse", error))?;
    let mut details: ListingDetails = match kind {
        ListingKind::Expertise => serde_json::from_str(&row.details).map(ListingDetails::Expertise),
        ListingKind::Facility => serde_json::from_str(&row.details).map(ListingDetails::Facility),
        ListingKind::Space => serde_json::from_str(&row.details).map(ListingDetails::Space),
    }
    .map_err(|error| Error::internal("stored details no longer parse", error))?;
    if !caller_is_member && let ListingDetails::Expertise(expertise) = &mut details {
        // Researchers are personal data: outsiders see only those who were informed,
        // and never their contacts (those come through an accepted introduction).
        expertise.researchers.retain(|r| r.informed);
        for researcher in &mut expertise.researchers {
            researcher.email = None;
            researcher.phone = None;
        }
    }
    Ok(ListingView {
        status: parse_stored("listing.status", &row.status, ListingStatus::parse)?,
        organisation_name: organisation.name.clone(),
        organisation_verified: organisation.verified,
        location: Location {
            country: row.country,
            region: row.region,
            nuts_code: row.nuts_code,
            city: row.city,
            latitude: row.latitude,
            longitude: row.longitude,
        },
        id: row.id,
        organisation_id: row.organisation_id,
        kind,
        title: row.title,
        language: row.language,
        summary: row.summary,
        description: row.description,
        topics,
        details,
        generated_example: row.generated_example,
        expires_at: row.expires_at,
        published_at: row.published_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    })
}

/// Options for listings that arrive by import rather than from a member.
#[derive(Debug, Clone, Default)]
pub struct ImportListing {
    pub organisation_id: String,
    pub kind: Option<ListingKind>,
    pub fields: ListingFields,
    /// The record's identity in its source; importing it again changes nothing.
    pub source_ref: Option<String>,
    pub publish: bool,
    pub generated_example: bool,
}

impl Hub {
    pub async fn create_listing(&self, caller: &Caller, new: NewListing) -> Result<ListingView> {
        let principal = caller.require()?;
        let organisation = self
            .organisation_for_write(principal, &new.organisation_id)
            .await?;
        let valid = validate_fields(new.kind, &new.fields, None, &organisation)?;
        let txn = self.begin().await?;
        let row = insert_listing(&txn, &organisation, new.kind, valid, None, false, false).await?;
        append_change(&txn, "listing", &row.id, Change::Created).await?;
        txn.commit().await?;
        listing_view(row, &organisation, true)
    }

    /// For imports: creates a listing owned by an organisation without a caller, or
    /// reports the one that already has the same `source_ref`.
    pub async fn import_listing(
        &self,
        import: ImportListing,
        dry_run: bool,
    ) -> Result<super::ImportOutcome> {
        let kind = import
            .kind
            .ok_or_else(|| Error::invalid("kind", "field_required", "`kind` is required"))?;
        let organisation = self.require_organisation(&import.organisation_id).await?;
        let valid = validate_fields(kind, &import.fields, None, &organisation)?;
        if let Some(source_ref) = &import.source_ref {
            let existing = listing::Entity::find()
                .filter(listing::Column::SourceRef.eq(source_ref.clone()))
                .one(self.db())
                .await?;
            if let Some(existing) = existing {
                return Ok(super::ImportOutcome::Matched(existing.id));
            }
        }
        if import.publish {
            let mut probe =
                listing_view(probe_row(&organisation, kind, &valid)?, &organisation, true)?;
            probe.status = ListingStatus::Draft;
            check_publishable(&probe)?;
        }
        if dry_run {
            return Ok(super::ImportOutcome::Created(String::new()));
        }
        let txn = self.begin().await?;
        let row = insert_listing(
            &txn,
            &organisation,
            kind,
            valid,
            import.source_ref,
            import.publish,
            import.generated_example,
        )
        .await?;
        append_change(
            &txn,
            "listing",
            &row.id,
            if import.publish {
                Change::Published
            } else {
                Change::Created
            },
        )
        .await?;
        txn.commit().await?;
        Ok(super::ImportOutcome::Created(row.id))
    }

    /// Published listings are public; drafts and archived ones only for their
    /// organisation's members (to anyone else they do not exist).
    pub async fn get_listing(&self, caller: &Caller, id: &str) -> Result<ListingView> {
        let (row, organisation) = self.find_listing(id).await?;
        let is_member = self
            .is_member(caller.principal(), &row.organisation_id)
            .await?;
        if row.status != ListingStatus::Published.as_str() && !is_member {
            return Err(listing_not_found());
        }
        listing_view(row, &organisation, is_member)
    }

    pub async fn list_listings(
        &self,
        caller: &Caller,
        filter: ListingFilter,
    ) -> Result<Page<ListingView>> {
        let limit = page_limit(filter.limit)?;
        let after = cursor("cursor", filter.cursor.as_deref())?;
        let member_of = match caller.principal() {
            Some(principal) => self.member_organisation_ids(principal).await?,
            None => Vec::new(),
        };
        let mut query = listing::Entity::find();
        if let Some(organisation_id) = &filter.organisation_id {
            query = query.filter(listing::Column::OrganisationId.eq(organisation_id.clone()));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(listing::Column::Kind.eq(kind.as_str()));
        }
        if let Some(status) = filter.status {
            query = query.filter(listing::Column::Status.eq(status.as_str()));
        }
        query = query.filter(
            Condition::any()
                .add(listing::Column::Status.eq(ListingStatus::Published.as_str()))
                .add(listing::Column::OrganisationId.is_in(member_of.clone())),
        );
        let total = query.clone().count(self.db()).await?;
        if let Some(after) = after {
            query = query.filter(listing::Column::Id.lt(after));
        }
        let rows = query
            .order_by_desc(listing::Column::Id)
            .limit(limit + 1)
            .all(self.db())
            .await?;
        let has_more = rows.len() as u64 > limit;
        let rows: Vec<listing::Model> = rows.into_iter().take(limit as usize).collect();
        let organisations = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(rows.iter().map(|r| r.organisation_id.clone())))
            .all(self.db())
            .await?;
        let items = rows
            .into_iter()
            .map(|row| {
                let organisation = organisations
                    .iter()
                    .find(|o| o.id == row.organisation_id)
                    .ok_or_else(organisation_not_found)?;
                let is_member = member_of.contains(&row.organisation_id);
                listing_view(row, organisation, is_member)
            })
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = has_more
            .then(|| items.last().map(|l| l.id.clone()))
            .flatten();
        Ok(Page {
            items,
            total,
            next_cursor,
        })
    }

    /// Changes a listing if `expected_version` is still the stored one.
    pub async fn update_listing(
        &self,
        caller: &Caller,
        id: &str,
        expected_version: i32,
        fields: ListingFields,
    ) -> Result<ListingView> {
        let principal = caller.require()?;
        let (row, organisation) = self.find_listing_for_write(principal, id).await?;
        check_version(&row, expected_version)?;
        let current = listing_view(row.clone(), &organisation, true)?;
        let valid = validate_fields(current.kind, &fields, Some(&current), &organisation)?;
        let updated = ListingView {
            title: valid.title.clone(),
            summary: valid.summary.clone(),
            description: valid.description.clone(),
            topics: valid.topics.clone(),
            ..current.clone()
        };
        if current.status == ListingStatus::Published {
            check_publishable(&updated)?;
        }
        let txn = self.begin().await?;
        let mut active = row.into_active_model();
        active.title = Set(valid.title);
        active.language = Set(valid.language);
        active.summary = Set(valid.summary);
        active.description = Set(valid.description);
        active.topics = Set(to_json(&valid.topics)?);
        active.details = Set(details_json(&valid.details)?);
        active.country = Set(valid.location.country);
        active.region = Set(valid.location.region);
        active.nuts_code = Set(valid.location.nuts_code);
        active.city = Set(valid.location.city);
        active.latitude = Set(valid.location.latitude);
        active.longitude = Set(valid.location.longitude);
        if let Some(expires_at) = valid.expires_at {
            active.expires_at = Set(expires_at);
        }
        let row = self
            .save_versioned(&txn, active, current.version, Change::Updated)
            .await?;
        txn.commit().await?;
        listing_view(row, &organisation, true)
    }

    pub async fn publish_listing(&self, caller: &Caller, id: &str) -> Result<ListingView> {
        let principal = caller.require()?;
        let (row, organisation) = self.find_listing_for_write(principal, id).await?;
        let current = listing_view(row.clone(), &organisation, true)?;
        check_publishable(&current)?;
        let txn = self.begin().await?;
        let mut active = row.into_active_model();
        active.status = Set(ListingStatus::Published.as_str().to_owned());
        active.published_at = Set(Some(current.published_at.unwrap_or_else(now)));
        if current.expires_at <= now() {
            active.expires_at = Set(now() + chrono::Duration::days(LISTING_LIFETIME_DAYS));
        }
        let row = self
            .save_versioned(&txn, active, current.version, Change::Published)
            .await?;
        txn.commit().await?;
        listing_view(row, &organisation, true)
    }

    pub async fn archive_listing(&self, caller: &Caller, id: &str) -> Result<ListingView> {
        let principal = caller.require()?;
        let (row, organisation) = self.find_listing_for_write(principal, id).await?;
        let version = row.version;
        let txn = self.begin().await?;
        let mut active = row.into_active_model();
        active.status = Set(ListingStatus::Archived.as_str().to_owned());
        let row = self
            .save_versioned(&txn, active, version, Change::Archived)
            .await?;
        txn.commit().await?;
        listing_view(row, &organisation, true)
    }

    /// Pushes the expiry a full lifetime ahead of now.
    pub async fn renew_listing(&self, caller: &Caller, id: &str) -> Result<ListingView> {
        let principal = caller.require()?;
        let (row, organisation) = self.find_listing_for_write(principal, id).await?;
        let version = row.version;
        let txn = self.begin().await?;
        let mut active = row.into_active_model();
        active.expires_at = Set(now() + chrono::Duration::days(LISTING_LIFETIME_DAYS));
        let row = self
            .save_versioned(&txn, active, version, Change::Renewed)
            .await?;
        txn.commit().await?;
        listing_view(row, &organisation, true)
    }

    pub async fn delete_listing(&self, caller: &Caller, id: &str) -> Result<()> {
        let principal = caller.require()?;
        let (row, _) = self.find_listing_for_write(principal, id).await?;
        let txn = self.begin().await?;
        listing::Entity::delete_by_id(row.id.clone())
            .exec(&txn)
            .await?;
        append_change(&txn, "listing", &row.id, Change::Deleted).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Writes the change only if nobody else did in between (compare-and-set on version).
    async fn save_versioned(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        mut active: listing::ActiveModel,
        version: i32,
        change: Change,
    ) -> Result<listing::Model> {
        let id = match &active.id {
            sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => id.clone(),
            sea_orm::ActiveValue::NotSet => return Err(listing_not_found()),
        };
        active.version = Set(version + 1);
        active.updated_at = Set(now());
        let result = listing::Entity::update_many()
            .set(active)
            .filter(listing::Column::Id.eq(id.clone()))
            .filter(listing::Column::Version.eq(version))
            .exec(txn)
            .await?;
        if result.rows_affected != 1 {
            return Err(stale_version());
        }
        append_change(txn, "listing", &id, change).await?;
        listing::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(listing_not_found)
    }

    async fn find_listing(&self, id: &str) -> Result<(listing::Model, organisation::Model)> {
        let row = listing::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(listing_not_found)?;
        let organisation = self.require_organisation(&row.organisation_id).await?;
        Ok((row, organisation))
    }

    /// The listing, if the caller may change it. A draft of someone else's organisation is
    /// "not found", a published one "forbidden".
    async fn find_listing_for_write(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<(listing::Model, organisation::Model)> {
        let (row, organisation) = self.find_listing(id).await?;
        if self
            .membership_role(principal, &row.organisation_id)
            .await?
            .is_none()
        {
            return Err(if row.status == ListingStatus::Published.as_str() {
                Error::forbidden("only members of the owning organisation may change this listing")
            } else {
                listing_not_found()
            });
        }
        Ok((row, organisation))
    }

    async fn organisation_for_write(
        &self,
        principal: &Principal,
        organisation_id: &str,
    ) -> Result<organisation::Model> {
        let organisation = organisation::Entity::find_by_id(organisation_id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(|| organisation_not_found().with_field("organisation_id"))?;
        if self
            .membership_role(principal, organisation_id)
            .await?
            .is_none()
        {
            return Err(Error::forbidden(
                "only members of the organisation may publish listings for it",
            ));
        }
        Ok(organisation)
    }

    async fn is_member(
        &self,
        principal: Option<&Principal>,
        organisation_id: &str,
    ) -> Result<bool> {
        Ok(match principal {
            Some(principal) => self
                .membership_role(principal, organisation_id)
                .await?
                .is_some(),
            None => false,
        })
    }

    /// The organisation a listing belongs to, for views that show both.
    pub async fn listing_organisation(
        &self,
        caller: &Caller,
        listing_id: &str,
    ) -> Result<OrganisationView> {
        let listing = self.get_listing(caller, listing_id).await?;
        let organisation = self.require_organisation(&listing.organisation_id).await?;
        organisation_view(organisation, caller.principal().is_some())
    }
}

fn check_version(row: &listing::Model, expected_version: i32) -> Result<()> {
    if row.version != expected_version {
        return Err(stale_version());
    }
    Ok(())
}

fn stale_version() -> Error {
    Error::new(
        ErrorKind::PreconditionFailed,
        "version_stale",
        "the listing changed since you read it; fetch it again and reapply your change",
    )
}

fn details_json(details: &ListingDetails) -> Result<String> {
    match details {
        ListingDetails::Expertise(d) => to_json(d),
        ListingDetails::Facility(d) => to_json(d),
        ListingDetails::Space(d) => to_json(d),
    }
}

/// An unsaved row, so an import can check publishability before writing anything.
fn probe_row(
    organisation: &organisation::Model,
    kind: ListingKind,
    valid: &ValidListing,
) -> Result<listing::Model> {
    let at = now();
    Ok(listing::Model {
        id: String::new(),
        organisation_id: organisation.id.clone(),
        kind: kind.as_str().to_owned(),
        title: valid.title.clone(),
        language: valid.language.clone(),
        summary: valid.summary.clone(),
        description: valid.description.clone(),
        topics: to_json(&valid.topics)?,
        details: details_json(&valid.details)?,
        country: valid.location.country.clone(),
        region: None,
        nuts_code: None,
        city: None,
        latitude: None,
        longitude: None,
        status: ListingStatus::Draft.as_str().to_owned(),
        generated_example: false,
        source_ref: None,
        expires_at: at,
        published_at: None,
        created_at: at,
        updated_at: at,
        version: 1,
    })
}

async fn insert_listing<C: ConnectionTrait>(
    db: &C,
    organisation: &organisation::Model,
    kind: ListingKind,
    valid: ValidListing,
    source_ref: Option<String>,
    publish: bool,
    generated_example: bool,
) -> Result<listing::Model> {
    let created_at = now();
    let status = if publish {
        ListingStatus::Published
    } else {
        ListingStatus::Draft
    };
    Ok(listing::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(organisation.id.clone()),
        kind: Set(kind.as_str().to_owned()),
        title: Set(valid.title),
        language: Set(valid.language),
        summary: Set(valid.summary),
        description: Set(valid.description),
        topics: Set(to_json(&valid.topics)?),
        details: Set(details_json(&valid.details)?),
        country: Set(valid.location.country),
        region: Set(valid.location.region),
        nuts_code: Set(valid.location.nuts_code),
        city: Set(valid.location.city),
        latitude: Set(valid.location.latitude),
        longitude: Set(valid.location.longitude),
        status: Set(status.as_str().to_owned()),
        generated_example: Set(generated_example),
        source_ref: Set(source_ref),
        expires_at: Set(valid
            .expires_at
            .unwrap_or(created_at + chrono::Duration::days(LISTING_LIFETIME_DAYS))),
        published_at: Set(publish.then_some(created_at)),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        version: Set(1),
    }
    .insert(db)
    .await?)
}

/// A new published listing for the batched write path: checked exactly as
/// `import_listing` checks a listing it publishes (every field's validation, then what
/// publishing asks), and returned both as the row to insert and as the view the index
/// document is made from, so nothing is parsed back from JSON.
pub(super) fn published_listing(
    organisation: &organisation::Model,
    kind: ListingKind,
    fields: &ListingFields,
    at: DateTime<Utc>,
) -> Result<(listing::Model, ListingView)> {
    let valid = validate_fields(kind, fields, None, organisation)?;
    check_publishable_parts(&valid.summary, &valid.description, &valid.topics)?;
    let expires_at = valid
        .expires_at
        .unwrap_or(at + chrono::Duration::days(LISTING_LIFETIME_DAYS));
    let row = listing::Model {
        id: new_id(),
        organisation_id: organisation.id.clone(),
        kind: kind.as_str().to_owned(),
        title: valid.title,
        language: valid.language,
        summary: valid.summary,
        description: valid.description,
        topics: to_json(&valid.topics)?,
        details: details_json(&valid.details)?,
        country: valid.location.country.clone(),
        region: valid.location.region.clone(),
        nuts_code: valid.location.nuts_code.clone(),
        city: valid.location.city.clone(),
        latitude: valid.location.latitude,
        longitude: valid.location.longitude,
        status: ListingStatus::Published.as_str().to_owned(),
        generated_example: false,
        source_ref: None,
        expires_at,
        published_at: Some(at),
        created_at: at,
        updated_at: at,
        version: 1,
    };
    let view = ListingView {
        id: row.id.clone(),
        organisation_id: row.organisation_id.clone(),
        organisation_name: organisation.name.clone(),
        organisation_verified: organisation.verified,
        kind,
        title: row.title.clone(),
        language: row.language.clone(),
        summary: row.summary.clone(),
        description: row.description.clone(),
        topics: valid.topics,
        location: valid.location,
        details: valid.details,
        status: ListingStatus::Published,
        generated_example: false,
        expires_at,
        published_at: Some(at),
        created_at: at,
        updated_at: at,
        version: 1,
    };
    Ok((row, view))
}
