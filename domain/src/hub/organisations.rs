//! Organisations and their members.

use super::{Change, Hub, append_change, cursor, new_id, now, page_limit, parse_stored};
use crate::access::{Caller, Principal, role_suffices};
use crate::db::{account, membership, organisation};
use crate::error::{Error, ErrorKind, Result};
use crate::model::*;
use crate::validate;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// What importing one organisation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Created(String),
    /// An organisation with the same ROR id, PIC or VAT number already existed.
    Matched(String),
}

impl ImportOutcome {
    pub fn id(&self) -> &str {
        match self {
            ImportOutcome::Created(id) | ImportOutcome::Matched(id) => id,
        }
    }
}

pub(crate) fn organisation_not_found() -> Error {
    Error::not_found("organisation_not_found", "no such organisation")
}

pub(crate) struct ValidOrganisation {
    kind: OrganisationKind,
    name: String,
    description: String,
    website: Option<String>,
    ror_id: Option<String>,
    pic: Option<String>,
    vat: Option<String>,
    location: Location,
    contact: Contact,
}

fn validate_location(location: &Location) -> Result<Location> {
    validate::coordinates(location.latitude, location.longitude)?;
    Ok(Location {
        country: validate::country("country", &location.country)?,
        region: validate::optional_text("region", location.region.as_deref(), 120)?,
        nuts_code: validate::nuts_code("nuts_code", location.nuts_code.as_deref())?,
        city: validate::optional_text("city", location.city.as_deref(), 120)?,
        latitude: location.latitude,
        longitude: location.longitude,
    })
}

fn validate_contact(contact: &Contact) -> Result<Contact> {
    Ok(Contact {
        name: validate::optional_text("contact_name", contact.name.as_deref(), 120)?,
        email: match contact.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(email) => Some(validate::email("contact_email", email)?),
        },
        phone: validate::optional_text("contact_phone", contact.phone.as_deref(), 40)?,
    })
}

pub(crate) fn validate_new(new: &NewOrganisation) -> Result<ValidOrganisation> {
    let kind = new
        .kind
        .ok_or_else(|| Error::invalid("kind", "field_required", "`kind` is required"))?;
    Ok(ValidOrganisation {
        kind,
        name: validate::text("name", &new.name, 1, validate::MAX_NAME)?,
        description: validate::text(
            "description",
            &new.description,
            0,
            validate::MAX_DESCRIPTION,
        )?,
        website: validate::website("website", new.website.as_deref())?,
        ror_id: validate::ror_id("ror_id", new.ror_id.as_deref())?,
        pic: validate::pic("pic", new.pic.as_deref())?,
        vat: validate::vat("vat", new.vat.as_deref())?,
        location: validate_location(&new.location)?,
        contact: validate_contact(&new.contact)?,
    })
}

/// Maps a unique violation on an identifier to an error that names it.
async fn identifier_conflict<C: ConnectionTrait>(
    db: &C,
    valid: &ValidOrganisation,
    except: Option<&str>,
) -> Result<()> {
    for (field, column, value) in [
        ("ror_id", organisation::Column::RorId, &valid.ror_id),
        ("pic", organisation::Column::Pic, &valid.pic),
        ("vat", organisation::Column::Vat, &valid.vat),
    ] {
        let Some(value) = value else { continue };
        let mut query = organisation::Entity::find().filter(column.eq(value.clone()));
        if let Some(except) = except {
            query = query.filter(organisation::Column::Id.ne(except.to_owned()));
        }
        if query.one(db).await?.is_some() {
            return Err(Error::conflict(
                "organisation_identifier_taken",
                format!("another organisation already has this `{field}`"),
            )
            .with_field(field));
        }
    }
    Ok(())
}

pub(crate) fn organisation_view(
    row: organisation::Model,
    signed_in: bool,
) -> Result<OrganisationView> {
    Ok(OrganisationView {
        kind: parse_stored("organisation.kind", &row.kind, OrganisationKind::parse)?,
        contact: signed_in.then(|| Contact {
            name: row.contact_name.clone(),
            email: row.contact_email.clone(),
            phone: row.contact_phone.clone(),
        }),
        location: Location {
            country: row.country,
            region: row.region,
            nuts_code: row.nuts_code,
            city: row.city,
            latitude: row.latitude,
            longitude: row.longitude,
        },
        id: row.id,
        name: row.name,
        description: row.description,
        website: row.website,
        ror_id: row.ror_id,
        pic: row.pic,
        vat: row.vat,
        verified: row.verified,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    })
}

impl Hub {
    /// Any signed-in account may register an organisation; it becomes its owner.
    pub async fn create_organisation(
        &self,
        caller: &Caller,
        new: NewOrganisation,
    ) -> Result<OrganisationView> {
        let principal = caller.require()?;
        let valid = validate_new(&new)?;
        let txn = self.begin().await?;
        identifier_conflict(&txn, &valid, None).await?;
        let row = insert_organisation(&txn, valid, None).await?;
        membership::ActiveModel {
            organisation_id: Set(row.id.clone()),
            account_id: Set(principal.account_id.clone()),
            role: Set(MembershipRole::Owner.as_str().to_owned()),
            created_at: Set(now()),
        }
        .insert(&txn)
        .await?;
        append_change(&txn, "organisation", &row.id, Change::Created).await?;
        txn.commit().await?;
        organisation_view(row, true)
    }

    /// For imports: creates the organisation, or finds the one that already has its ROR
    /// id, PIC or VAT number. Nobody becomes its member.
    pub async fn import_organisation(
        &self,
        new: NewOrganisation,
        dry_run: bool,
    ) -> Result<ImportOutcome> {
        let valid = validate_new(&new)?;
        let mut any = Condition::any();
        for (column, value) in [
            (organisation::Column::RorId, &valid.ror_id),
            (organisation::Column::Pic, &valid.pic),
            (organisation::Column::Vat, &valid.vat),
        ] {
            if let Some(value) = value {
                any = any.add(column.eq(value.clone()));
            }
        }
        if !any.is_empty()
            && let Some(existing) = organisation::Entity::find()
                .filter(any)
                .one(self.db())
                .await?
        {
            return Ok(ImportOutcome::Matched(existing.id));
        }
        if dry_run {
            return Ok(ImportOutcome::Created(String::new()));
        }
        let txn = self.begin().await?;
        let row = insert_organisation(&txn, valid, new.source.clone()).await?;
        append_change(&txn, "organisation", &row.id, Change::Created).await?;
        txn.commit().await?;
        Ok(ImportOutcome::Created(row.id))
    }

    pub async fn get_organisation(&self, caller: &Caller, id: &str) -> Result<OrganisationView> {
        let row = organisation::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(organisation_not_found)?;
        organisation_view(row, caller.principal().is_some())
    }

    pub async fn list_organisations(
        &self,
        caller: &Caller,
        filter: OrganisationFilter,
    ) -> Result<Page<OrganisationView>> {
        let limit = page_limit(filter.limit)?;
        let after = cursor("cursor", filter.cursor.as_deref())?;
        let mut query = organisation::Entity::find();
        if let Some(kind) = filter.kind {
            query = query.filter(organisation::Column::Kind.eq(kind.as_str()));
        }
        if let Some(country) = filter.country.as_deref() {
            query = query
                .filter(organisation::Column::Country.eq(validate::country("country", country)?));
        }
        if let Some(verified) = filter.verified {
            query = query.filter(organisation::Column::Verified.eq(verified));
        }
        if let Some(needle) = filter.name_contains.as_deref() {
            let needle = validate::text("q", needle, 1, 100)?.to_lowercase();
            // sea-orm's `contains` does not escape LIKE's wildcards: a user typing `%`
            // would match everything. Escape them and match case-insensitively.
            let escaped = needle
                .replace('!', "!!")
                .replace('%', "!%")
                .replace('_', "!_");
            query = query.filter(
                sea_orm::sea_query::Expr::expr(sea_orm::sea_query::Func::lower(
                    sea_orm::sea_query::Expr::col(organisation::Column::Name),
                ))
                .like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('!')),
            );
        }
        let total = query.clone().count(self.db()).await?;
        if let Some(after) = after {
            query = query.filter(organisation::Column::Id.lt(after));
        }
        let rows = query
            .order_by_desc(organisation::Column::Id)
            .limit(limit + 1)
            .all(self.db())
            .await?;
        let signed_in = caller.principal().is_some();
        let has_more = rows.len() as u64 > limit;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(|row| organisation_view(row, signed_in))
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = has_more
            .then(|| items.last().map(|o| o.id.clone()))
            .flatten();
        Ok(Page {
            items,
            total,
            next_cursor,
        })
    }

    pub async fn update_organisation(
        &self,
        caller: &Caller,
        id: &str,
        update: OrganisationUpdate,
    ) -> Result<OrganisationView> {
        let principal = caller.require()?;
        let row = organisation::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(organisation_not_found)?;
        self.require_membership(principal, &row.id, MembershipRole::Editor)
            .await?;
        let current = organisation_view(row.clone(), true)?;
        let contact = current.contact.clone().unwrap_or_default();
        let merged = NewOrganisation {
            kind: Some(update.kind.unwrap_or(current.kind)),
            name: update.name.unwrap_or(current.name),
            description: update.description.unwrap_or(current.description),
            website: update.website.unwrap_or(current.website),
            ror_id: update.ror_id.unwrap_or(current.ror_id),
            pic: update.pic.unwrap_or(current.pic),
            vat: update.vat.unwrap_or(current.vat),
            location: Location {
                country: update.country.unwrap_or(current.location.country),
                region: update.region.unwrap_or(current.location.region),
                nuts_code: update.nuts_code.unwrap_or(current.location.nuts_code),
                city: update.city.unwrap_or(current.location.city),
                latitude: update.latitude.unwrap_or(current.location.latitude),
                longitude: update.longitude.unwrap_or(current.location.longitude),
            },
            contact: Contact {
                name: update.contact_name.unwrap_or(contact.name),
                email: update.contact_email.unwrap_or(contact.email),
                phone: update.contact_phone.unwrap_or(contact.phone),
            },
            source: None,
        };
        let valid = validate_new(&merged)?;
        let txn = self.begin().await?;
        identifier_conflict(&txn, &valid, Some(&row.id)).await?;
        let version = row.version;
        let mut active = row.into_active_model();
        active.kind = Set(valid.kind.as_str().to_owned());
        active.name = Set(valid.name);
        active.description = Set(valid.description);
        active.website = Set(valid.website);
        active.ror_id = Set(valid.ror_id);
        active.pic = Set(valid.pic);
        active.vat = Set(valid.vat);
        active.country = Set(valid.location.country);
        active.region = Set(valid.location.region);
        active.nuts_code = Set(valid.location.nuts_code);
        active.city = Set(valid.location.city);
        active.latitude = Set(valid.location.latitude);
        active.longitude = Set(valid.location.longitude);
        active.contact_name = Set(valid.contact.name);
        active.contact_email = Set(valid.contact.email);
        active.contact_phone = Set(valid.contact.phone);
        active.updated_at = Set(now());
        active.version = Set(version + 1);
        let row = active.update(&txn).await?;
        append_change(&txn, "organisation", &row.id, Change::Updated).await?;
        txn.commit().await?;
        organisation_view(row, true)
    }

    /// Only brokers vouch for an organisation.
    pub async fn set_organisation_verified(
        &self,
        caller: &Caller,
        id: &str,
        verified: bool,
    ) -> Result<OrganisationView> {
        let principal = caller.require()?;
        if !principal.is_broker() {
            return Err(Error::forbidden("only brokers verify organisations"));
        }
        let row = organisation::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(organisation_not_found)?;
        let txn = self.begin().await?;
        let version = row.version;
        let mut active = row.into_active_model();
        active.verified = Set(verified);
        active.updated_at = Set(now());
        active.version = Set(version + 1);
        let row = active.update(&txn).await?;
        append_change(&txn, "organisation", &row.id, Change::Verified).await?;
        txn.commit().await?;
        organisation_view(row, true)
    }

    pub async fn list_members(
        &self,
        caller: &Caller,
        organisation_id: &str,
    ) -> Result<Vec<MemberView>> {
        let principal = caller.require()?;
        self.require_organisation(organisation_id).await?;
        self.require_membership(principal, organisation_id, MembershipRole::Editor)
            .await?;
        let memberships = membership::Entity::find()
            .filter(membership::Column::OrganisationId.eq(organisation_id.to_owned()))
            .order_by_asc(membership::Column::CreatedAt)
            .all(self.db())
            .await?;
        let accounts = account::Entity::find()
            .filter(account::Column::Id.is_in(memberships.iter().map(|m| m.account_id.clone())))
            .all(self.db())
            .await?;
        memberships
            .into_iter()
            .filter_map(|m| {
                let account = accounts.iter().find(|a| a.id == m.account_id)?;
                Some(Ok(MemberView {
                    account_id: m.account_id.clone(),
                    display_name: account.display_name.clone(),
                    email: account.email.clone(),
                    role: MembershipRole::parse(&m.role).unwrap_or(MembershipRole::Editor),
                    joined_at: m.created_at,
                }))
            })
            .collect()
    }

    /// Owners add an existing account (by email) as owner or editor, or change its role.
    pub async fn add_member(
        &self,
        caller: &Caller,
        organisation_id: &str,
        email: &str,
        role: MembershipRole,
    ) -> Result<MemberView> {
        let principal = caller.require()?;
        self.require_organisation(organisation_id).await?;
        self.require_membership(principal, organisation_id, MembershipRole::Owner)
            .await?;
        let email = validate::email("email", email)?;
        let account = self.account_by_email(&email).await?.ok_or_else(|| {
            Error::not_found(
                "account_not_found",
                "no account has this email; ask the person to sign up first",
            )
            .with_field("email")
        })?;
        let existing =
            membership::Entity::find_by_id((organisation_id.to_owned(), account.id.clone()))
                .one(self.db())
                .await?;
        let row = match existing {
            Some(row) => {
                if row.role == MembershipRole::Owner.as_str() && role != MembershipRole::Owner {
                    self.require_another_owner(organisation_id, &account.id)
                        .await?;
                }
                let mut active = row.into_active_model();
                active.role = Set(role.as_str().to_owned());
                active.update(self.db()).await?
            }
            None => {
                membership::ActiveModel {
                    organisation_id: Set(organisation_id.to_owned()),
                    account_id: Set(account.id.clone()),
                    role: Set(role.as_str().to_owned()),
                    created_at: Set(now()),
                }
                .insert(self.db())
                .await?
            }
        };
        Ok(MemberView {
            account_id: account.id,
            display_name: account.display_name,
            email: account.email,
            role,
            joined_at: row.created_at,
        })
    }

    /// Owners remove members; anyone may leave. The last owner cannot leave.
    pub async fn remove_member(
        &self,
        caller: &Caller,
        organisation_id: &str,
        account_id: &str,
    ) -> Result<()> {
        let principal = caller.require()?;
        self.require_organisation(organisation_id).await?;
        if principal.account_id != account_id {
            self.require_membership(principal, organisation_id, MembershipRole::Owner)
                .await?;
        }
        let row =
            membership::Entity::find_by_id((organisation_id.to_owned(), account_id.to_owned()))
                .one(self.db())
                .await?
                .ok_or_else(|| {
                    Error::not_found("member_not_found", "this account is not a member")
                })?;
        if row.role == MembershipRole::Owner.as_str() {
            self.require_another_owner(organisation_id, account_id)
                .await?;
        }
        membership::Entity::delete_by_id((organisation_id.to_owned(), account_id.to_owned()))
            .exec(self.db())
            .await?;
        Ok(())
    }

    async fn require_another_owner(&self, organisation_id: &str, account_id: &str) -> Result<()> {
        let other_owners = membership::Entity::find()
            .filter(membership::Column::OrganisationId.eq(organisation_id.to_owned()))
            .filter(membership::Column::Role.eq(MembershipRole::Owner.as_str()))
            .filter(membership::Column::AccountId.ne(account_id.to_owned()))
            .count(self.db())
            .await?;
        if other_owners == 0 {
            return Err(Error::conflict(
                "last_owner",
                "an organisation needs at least one owner; appoint another owner first",
            ));
        }
        Ok(())
    }

    pub(super) async fn require_organisation(
        &self,
        organisation_id: &str,
    ) -> Result<organisation::Model> {
        organisation::Entity::find_by_id(organisation_id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(organisation_not_found)
    }

    /// The caller's role in the organisation, if any.
    pub(super) async fn membership_role(
        &self,
        principal: &Principal,
        organisation_id: &str,
    ) -> Result<Option<MembershipRole>> {
        let row = membership::Entity::find_by_id((
            organisation_id.to_owned(),
            principal.account_id.clone(),
        ))
        .one(self.db())
        .await?;
        Ok(row.and_then(|row| MembershipRole::parse(&row.role).ok()))
    }

    pub(super) async fn require_membership(
        &self,
        principal: &Principal,
        organisation_id: &str,
        needed: MembershipRole,
    ) -> Result<MembershipRole> {
        match self.membership_role(principal, organisation_id).await? {
            Some(held) if role_suffices(held, needed) => Ok(held),
            Some(_) => Err(Error::forbidden(
                "only an owner of the organisation may do this",
            )),
            None => Err(Error::forbidden(
                "only members of the organisation may do this",
            )),
        }
    }

    pub(crate) async fn member_organisation_ids(
        &self,
        principal: &Principal,
    ) -> Result<Vec<String>> {
        Ok(membership::Entity::find()
            .filter(membership::Column::AccountId.eq(principal.account_id.clone()))
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| m.organisation_id)
            .collect())
    }
}

async fn insert_organisation<C: ConnectionTrait>(
    db: &C,
    valid: ValidOrganisation,
    source: Option<String>,
) -> Result<organisation::Model> {
    let created_at = now();
    organisation::ActiveModel {
        id: Set(new_id()),
        kind: Set(valid.kind.as_str().to_owned()),
        name: Set(valid.name),
        description: Set(valid.description),
        website: Set(valid.website),
        ror_id: Set(valid.ror_id),
        pic: Set(valid.pic),
        vat: Set(valid.vat),
        country: Set(valid.location.country),
        region: Set(valid.location.region),
        nuts_code: Set(valid.location.nuts_code),
        city: Set(valid.location.city),
        latitude: Set(valid.location.latitude),
        longitude: Set(valid.location.longitude),
        contact_name: Set(valid.contact.name),
        contact_email: Set(valid.contact.email),
        contact_phone: Set(valid.contact.phone),
        verified: Set(false),
        source: Set(source),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        version: Set(1),
    }
    .insert(db)
    .await
    .map_err(|error| match Error::from(error) {
        error if error.kind == ErrorKind::Conflict => Error::conflict(
            "organisation_identifier_taken",
            "another organisation already has this ROR id, PIC or VAT number",
        ),
        error => error,
    })
}

/// A new organisation for the batched write path: checked exactly as
/// `import_organisation` checks one, returned as the row to insert. `verified` is the
/// broker's mark, for loads of data whose verification is already known.
pub(super) fn new_organisation_row(
    new: &NewOrganisation,
    verified: bool,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<organisation::Model> {
    let valid = validate_new(new)?;
    Ok(organisation::Model {
        id: new_id(),
        kind: valid.kind.as_str().to_owned(),
        name: valid.name,
        description: valid.description,
        website: valid.website,
        ror_id: valid.ror_id,
        pic: valid.pic,
        vat: valid.vat,
        country: valid.location.country,
        region: valid.location.region,
        nuts_code: valid.location.nuts_code,
        city: valid.location.city,
        latitude: valid.location.latitude,
        longitude: valid.location.longitude,
        contact_name: valid.contact.name,
        contact_email: valid.contact.email,
        contact_phone: valid.contact.phone,
        verified,
        source: new.source.clone(),
        created_at: at,
        updated_at: at,
        version: 1,
    })
}
