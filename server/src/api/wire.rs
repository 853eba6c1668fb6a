//! The JSON shapes of the API, converted by hand from and to domain types (the domain
//! never derives wire traits). Request bodies reject unknown fields.

use chrono::{DateTime, NaiveDate, Utc};
use domain::model as dm;
use poem_openapi::{Enum, Object};
use serde::Deserialize;

/// Mirrors a domain enum as an API enum with conversions both ways.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
        #[oai(rename_all = "snake_case")]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl From<$name> for dm::$name {
            fn from(value: $name) -> Self {
                match value { $($name::$variant => dm::$name::$variant),+ }
            }
        }

        impl From<dm::$name> for $name {
            fn from(value: dm::$name) -> Self {
                match value { $(dm::$name::$variant => $name::$variant),+ }
            }
        }
    };
}

wire_enum!(
    /// university, research_centre, incubator (or science park), technical_service_provider,
    /// firm, cluster (or association), public_agency.
    OrganisationKind { University, ResearchCentre, Incubator, TechnicalServiceProvider, Firm, Cluster, PublicAgency }
);
wire_enum!(PlatformRole {
    Member,
    Broker,
    Admin
});
wire_enum!(MembershipRole { Owner, Editor });
wire_enum!(ListingKind {
    Expertise,
    Facility,
    Space
});
wire_enum!(ListingStatus {
    Draft,
    Published,
    Archived
});
wire_enum!(EngagementMode {
    Consultancy,
    ContractResearch,
    JointProject,
    StudentProject,
    Licensing,
    Training
});
wire_enum!(AccessMode {
    StaffOperated,
    SelfService
});
wire_enum!(PriceUnit {
    Hour,
    Day,
    Week,
    Month,
    Sample,
    Test,
    Project
});
wire_enum!(SpaceType {
    HotDesk,
    DedicatedDesk,
    PrivateOffice,
    LabBench,
    WetLab,
    Workshop,
    MeetingRoom
});
wire_enum!(CompanyStage {
    Idea,
    Startup,
    Scaleup,
    Sme,
    Any
});

fn map_vec<A: Clone, B: From<A>>(values: &Option<Vec<A>>) -> Option<Vec<B>> {
    values
        .as_ref()
        .map(|values| values.iter().cloned().map(B::from).collect())
}

// ---------------------------------------------------------------- accounts

/// Sign up.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// Used to sign in; must be unique.
    pub email: String,
    /// How others see you (1–120 characters).
    pub display_name: String,
    /// At least 10 characters.
    pub password: String,
}

impl poem_openapi::types::Example for NewAccount {
    fn example() -> Self {
        NewAccount {
            email: "giulia.rossi@example.org".into(),
            display_name: "Giulia Rossi".into(),
            password: "a long passphrase".into(),
        }
    }
}

/// Sign in.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

impl poem_openapi::types::Example for Credentials {
    fn example() -> Self {
        Credentials {
            email: "giulia.rossi@example.org".into(),
            password: "a long passphrase".into(),
        }
    }
}

#[derive(Debug, Object)]
pub struct Membership {
    pub organisation_id: String,
    pub organisation_name: String,
    pub role: MembershipRole,
}

#[derive(Debug, Object)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: PlatformRole,
    pub created_at: DateTime<Utc>,
    /// The organisations you can act for.
    pub memberships: Vec<Membership>,
}

impl From<dm::AccountView> for Account {
    fn from(view: dm::AccountView) -> Self {
        Account {
            id: view.id,
            email: view.email,
            display_name: view.display_name,
            role: view.role.into(),
            created_at: view.created_at,
            memberships: view
                .memberships
                .into_iter()
                .map(|m| Membership {
                    organisation_id: m.organisation_id,
                    organisation_name: m.organisation_name,
                    role: m.role.into(),
                })
                .collect(),
        }
    }
}

/// Name a new API token.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. "CRM sync" (1–100 characters).
    pub name: String,
}

impl poem_openapi::types::Example for NewToken {
    fn example() -> Self {
        NewToken {
            name: "CRM sync".into(),
        }
    }
}

#[derive(Debug, Object)]
pub struct Token {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<dm::TokenView> for Token {
    fn from(view: dm::TokenView) -> Self {
        Token {
            id: view.id,
            name: view.name,
            created_at: view.created_at,
            last_used_at: view.last_used_at,
        }
    }
}

/// A new token. `token` is shown only in this response: store it now.
#[derive(Debug, Object)]
pub struct IssuedToken {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

// ---------------------------------------------------------------- organisations

/// Register an organisation; you become its owner.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub kind: OrganisationKind,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub website: Option<String>,
    /// ROR identifier, e.g. https://ror.org/01111rn36 (unique when present).
    pub ror_id: Option<String>,
    /// EU Participant Identification Code, nine digits (unique when present).
    pub pic: Option<String>,
    /// VAT number with country prefix (unique when present).
    pub vat: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. IT.
    pub country: String,
    pub region: Option<String>,
    /// NUTS code where known, e.g. ITH55.
    pub nuts_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Business-engagement contact, shown to signed-in users only.
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

impl poem_openapi::types::Example for NewOrganisation {
    fn example() -> Self {
        NewOrganisation {
            kind: OrganisationKind::University,
            name: "Università di Esempio".into(),
            description: Some("Technology transfer office of a multi-campus university.".into()),
            website: Some("https://www.example.org".into()),
            ror_id: None,
            pic: None,
            vat: None,
            country: "IT".into(),
            region: Some("Emilia-Romagna".into()),
            nuts_code: Some("ITH55".into()),
            city: Some("Bologna".into()),
            latitude: Some(44.4938),
            longitude: Some(11.3387),
            contact_name: Some("Technology transfer office".into()),
            contact_email: Some("ttoffice@example.org".into()),
            contact_phone: None,
        }
    }
}

impl From<NewOrganisation> for dm::NewOrganisation {
    fn from(body: NewOrganisation) -> Self {
        dm::NewOrganisation {
            kind: Some(body.kind.into()),
            name: body.name,
            description: body.description.unwrap_or_default(),
            website: body.website,
            ror_id: body.ror_id,
            pic: body.pic,
            vat: body.vat,
            location: dm::Location {
                country: body.country,
                region: body.region,
                nuts_code: body.nuts_code,
                city: body.city,
                latitude: body.latitude,
                longitude: body.longitude,
            },
            contact: dm::Contact {
                name: body.contact_name,
                email: body.contact_email,
                phone: body.contact_phone,
            },
            source: None,
        }
    }
}

/// Change an organisation: send only what changes; an empty string clears a text field.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct OrganisationChanges {
    pub kind: Option<OrganisationKind>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub ror_id: Option<String>,
    pub pic: Option<String>,
    pub vat: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub nuts_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

impl poem_openapi::types::Example for OrganisationChanges {
    fn example() -> Self {
        OrganisationChanges {
            kind: None,
            name: None,
            description: Some("Now also offering contract research.".into()),
            website: None,
            ror_id: None,
            pic: None,
            vat: None,
            country: None,
            region: None,
            nuts_code: None,
            city: None,
            latitude: None,
            longitude: None,
            contact_name: None,
            contact_email: None,
            contact_phone: None,
        }
    }
}

fn clearable(value: Option<String>) -> Option<Option<String>> {
    value.map(|text| {
        if text.trim().is_empty() {
            None
        } else {
            Some(text)
        }
    })
}

impl From<OrganisationChanges> for dm::OrganisationUpdate {
    fn from(body: OrganisationChanges) -> Self {
        dm::OrganisationUpdate {
            kind: body.kind.map(Into::into),
            name: body.name,
            description: body.description,
            website: clearable(body.website),
            ror_id: clearable(body.ror_id),
            pic: clearable(body.pic),
            vat: clearable(body.vat),
            country: body.country,
            region: clearable(body.region),
            nuts_code: clearable(body.nuts_code),
            city: clearable(body.city),
            latitude: body.latitude.map(Some),
            longitude: body.longitude.map(Some),
            contact_name: clearable(body.contact_name),
            contact_email: clearable(body.contact_email),
            contact_phone: clearable(body.contact_phone),
        }
    }
}

#[derive(Debug, Object)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Object)]
pub struct Organisation {
    pub id: String,
    pub kind: OrganisationKind,
    pub name: String,
    pub description: String,
    pub website: Option<String>,
    pub ror_id: Option<String>,
    pub pic: Option<String>,
    pub vat: Option<String>,
    pub country: String,
    pub region: Option<String>,
    pub nuts_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Business-engagement contact; present only when you are signed in.
    #[oai(skip_serializing_if_is_none)]
    pub contact: Option<Contact>,
    /// Set by a broker of the network after checking the organisation.
    pub verified: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<dm::OrganisationView> for Organisation {
    fn from(view: dm::OrganisationView) -> Self {
        Organisation {
            id: view.id,
            kind: view.kind.into(),
            name: view.name,
            description: view.description,
            website: view.website,
            ror_id: view.ror_id,
            pic: view.pic,
            vat: view.vat,
            country: view.location.country,
            region: view.location.region,
            nuts_code: view.location.nuts_code,
            city: view.location.city,
            latitude: view.location.latitude,
            longitude: view.location.longitude,
            contact: view.contact.map(|c| Contact {
                name: c.name,
                email: c.email,
                phone: c.phone,
            }),
            verified: view.verified,
            created_at: view.created_at,
            updated_at: view.updated_at,
            version: view.version,
        }
    }
}

#[derive(Debug, Object)]
pub struct OrganisationPage {
    pub items: Vec<Organisation>,
    /// How many match the filters in all.
    pub total: u64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A broker's verdict.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// true to verify, false to withdraw verification. Defaults to true.
    #[serde(default)]
    pub verified: Option<bool>,
}

impl poem_openapi::types::Example for Verification {
    fn example() -> Self {
        Verification {
            verified: Some(true),
        }
    }
}

/// Add an existing account to the organisation, or change its role.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub email: String,
    pub role: MembershipRole,
}

impl poem_openapi::types::Example for NewMember {
    fn example() -> Self {
        NewMember {
            email: "marco.bianchi@example.org".into(),
            role: MembershipRole::Editor,
        }
    }
}

#[derive(Debug, Object)]
pub struct Member {
    pub account_id: String,
    pub display_name: String,
    pub email: String,
    pub role: MembershipRole,
    pub joined_at: DateTime<Utc>,
}

impl From<dm::MemberView> for Member {
    fn from(view: dm::MemberView) -> Self {
        Member {
            account_id: view.account_id,
            display_name: view.display_name,
            email: view.email,
            role: view.role.into(),
            joined_at: view.joined_at,
        }
    }
}

// ---------------------------------------------------------------- listings

/// A researcher named on an expertise listing. Personal data: the name is public only
/// once `informed` is true; email and phone are never shown publicly.
#[derive(Debug, Clone, Object, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Researcher {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// The researcher has been told they are listed.
    #[serde(default)]
    pub informed: Option<bool>,
}

impl From<Researcher> for dm::Researcher {
    fn from(r: Researcher) -> Self {
        dm::Researcher {
            name: r.name,
            role: r.role,
            email: r.email,
            phone: r.phone,
            informed: r.informed.unwrap_or(false),
        }
    }
}

impl From<dm::Researcher> for Researcher {
    fn from(r: dm::Researcher) -> Self {
        Researcher {
            name: r.name,
            role: r.role,
            email: r.email,
            phone: r.phone,
            informed: Some(r.informed),
        }
    }
}

/// Declares the listing body types with the fields every kind may carry, once for
/// creation (with `organisation_id` and `kind`) and once for changes.
macro_rules! listing_fields_object {
    ($(#[$meta:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Default, Object, Deserialize)]
        #[oai(example)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($extra)*
            /// 1–200 characters.
            #[serde(default)]
            pub title: Option<String>,
            /// ISO 639-1 code of the text, e.g. en or it.
            #[serde(default)]
            pub language: Option<String>,
            /// Up to 1,000 characters.
            #[serde(default)]
            pub summary: Option<String>,
            /// Up to 20,000 characters.
            #[serde(default)]
            pub description: Option<String>,
            /// Free tags (up to 50, each up to 100 characters).
            #[serde(default)]
            pub topics: Option<Vec<String>>,
            /// EuroSciVoc codes, e.g. /23/37/195.
            #[serde(default)]
            pub topic_codes: Option<Vec<String>>,
            /// Where it is; defaults to the organisation's place.
            #[serde(default)]
            pub country: Option<String>,
            #[serde(default)]
            pub region: Option<String>,
            #[serde(default)]
            pub nuts_code: Option<String>,
            #[serde(default)]
            pub city: Option<String>,
            #[serde(default)]
            pub latitude: Option<f64>,
            #[serde(default)]
            pub longitude: Option<f64>,
            /// Defaults to a year after creation; at most three years ahead.
            #[serde(default)]
            pub expires_at: Option<DateTime<Utc>>,
            /// expertise and facility: techniques mastered or offered.
            #[serde(default)]
            pub techniques: Option<Vec<String>>,
            /// expertise: NACE codes of industries served, e.g. C26.
            #[serde(default)]
            pub industries: Option<Vec<String>>,
            /// expertise: how a firm can work with you.
            #[serde(default)]
            pub engagement_modes: Option<Vec<EngagementMode>>,
            /// expertise: technology readiness levels covered, 1–9.
            #[serde(default)]
            pub trl_min: Option<i64>,
            #[serde(default)]
            pub trl_max: Option<i64>,
            /// expertise: languages spoken with clients (ISO 639-1).
            #[serde(default)]
            pub languages: Option<Vec<String>>,
            /// expertise: named researchers (personal data, see `Researcher`).
            #[serde(default)]
            pub researchers: Option<Vec<Researcher>>,
            /// facility: instruments and machines.
            #[serde(default)]
            pub equipment: Option<Vec<String>>,
            /// facility: accreditations, e.g. ISO/IEC 17025.
            #[serde(default)]
            pub accreditation: Option<Vec<String>>,
            /// facility: who operates the equipment.
            #[serde(default)]
            pub access_mode: Option<AccessMode>,
            /// facility: starting price in minor units (cents) for academic users.
            #[serde(default)]
            pub price_from: Option<i64>,
            /// facility: starting price in minor units for external customers (firms).
            #[serde(default)]
            pub external_price_from: Option<i64>,
            /// facility: what the price is per.
            #[serde(default)]
            pub price_unit: Option<PriceUnit>,
            /// facility and space: ISO 4217 currency of the prices; defaults to EUR.
            #[serde(default)]
            pub currency: Option<String>,
            /// facility: typical days until results.
            #[serde(default)]
            pub turnaround_days: Option<i64>,
            /// space: required for a space listing.
            #[serde(default)]
            pub space_type: Option<SpaceType>,
            /// space: people it fits.
            #[serde(default)]
            pub capacity: Option<i64>,
            /// space: square metres.
            #[serde(default)]
            pub area_m2: Option<i64>,
            /// space: monthly price in minor units (cents).
            #[serde(default)]
            pub monthly_price: Option<i64>,
            /// space: first and last day it can be taken (YYYY-MM-DD).
            #[serde(default)]
            pub available_from: Option<NaiveDate>,
            #[serde(default)]
            pub available_until: Option<NaiveDate>,
            /// space: e.g. fibre, 24/7 access, fume hood.
            #[serde(default)]
            pub amenities: Option<Vec<String>>,
            /// space: which firms may apply.
            #[serde(default)]
            pub eligible_stages: Option<Vec<CompanyStage>>,
            #[serde(default)]
            pub eligible_sectors: Option<Vec<String>>,
        }

        impl $name {
            fn fields(&self) -> dm::ListingFields {
                dm::ListingFields {
                    title: self.title.clone(),
                    language: self.language.clone(),
                    summary: self.summary.clone(),
                    description: self.description.clone(),
                    topics: self.topics.clone(),
                    topic_codes: self.topic_codes.clone(),
                    country: self.country.clone(),
                    region: self.region.clone(),
                    nuts_code: self.nuts_code.clone(),
                    city: self.city.clone(),
                    latitude: self.latitude,
                    longitude: self.longitude,
                    expires_at: self.expires_at,
                    techniques: self.techniques.clone(),
                    industries: self.industries.clone(),
                    engagement_modes: map_vec(&self.engagement_modes),
                    trl_min: self.trl_min,
                    trl_max: self.trl_max,
                    languages: self.languages.clone(),
                    researchers: map_vec(&self.researchers),
                    equipment: self.equipment.clone(),
                    accreditation: self.accreditation.clone(),
                    access_mode: self.access_mode.map(Into::into),
                    price_from: self.price_from,
                    external_price_from: self.external_price_from,
                    price_unit: self.price_unit.map(Into::into),
                    currency: self.currency.clone(),
                    turnaround_days: self.turnaround_days,
                    space_type: self.space_type.map(Into::into),
                    capacity: self.capacity,
                    area_m2: self.area_m2,
                    monthly_price: self.monthly_price,
                    available_from: self.available_from,
                    available_until: self.available_until,
                    amenities: self.amenities.clone(),
                    eligible_stages: map_vec(&self.eligible_stages),
                    eligible_sectors: self.eligible_sectors.clone(),
                }
            }
        }
    };
}

listing_fields_object!(
    /// A new listing, created as a draft. `organisation_id`, `kind`, `title` and
    /// `language` are required; the other fields depend on the kind (each field's
    /// description says which kinds it applies to).
    NewListing {
        pub organisation_id: String,
        pub kind: ListingKind,
    }
);

listing_fields_object!(
    /// Change a listing: send only what changes. The kind cannot change.
    ListingChanges {}
);

impl NewListing {
    pub fn into_domain(self) -> dm::NewListing {
        dm::NewListing {
            fields: self.fields(),
            organisation_id: self.organisation_id,
            kind: self.kind.into(),
        }
    }
}

impl ListingChanges {
    pub fn into_domain(self) -> dm::ListingFields {
        self.fields()
    }
}

impl poem_openapi::types::Example for NewListing {
    fn example() -> Self {
        NewListing {
            organisation_id: "0192f1c4-0000-7000-8000-000000000000".into(),
            kind: ListingKind::Facility,
            title: Some("Fatigue testing of composite parts".into()),
            language: Some("en".into()),
            summary: Some("Servo-hydraulic fatigue rigs for carbon-fibre parts up to 250 kN.".into()),
            description: Some("Our laboratory runs axial and bending fatigue tests on composite and metal parts, with reports to ISO 13003.".into()),
            topics: Some(vec!["fatigue testing".into(), "carbon fibre".into()]),
            topic_codes: None,
            equipment: Some(vec!["servo-hydraulic test rig 250 kN".into()]),
            techniques: Some(vec!["axial fatigue".into()]),
            access_mode: Some(AccessMode::StaffOperated),
            price_from: Some(45_000),
            external_price_from: Some(60_000),
            price_unit: Some(PriceUnit::Day),
            currency: Some("EUR".into()),
            turnaround_days: Some(10),
            ..NewListing::default()
        }
    }
}

// `wire_enum!` serves enums without a natural default too, so the default is spelled out.
#[allow(clippy::derivable_impls)]
impl Default for ListingKind {
    fn default() -> Self {
        ListingKind::Expertise
    }
}

impl poem_openapi::types::Example for ListingChanges {
    fn example() -> Self {
        ListingChanges {
            summary: Some("Now also offering thermal cycling.".into()),
            ..ListingChanges::default()
        }
    }
}

#[derive(Debug, Object)]
pub struct TopicOut {
    pub label: String,
    /// The EuroSciVoc code, for vocabulary topics.
    #[oai(skip_serializing_if_is_none)]
    pub code: Option<String>,
}

#[derive(Debug, Object)]
pub struct Money {
    /// Minor units (cents).
    pub amount_minor: i64,
    pub currency: String,
}

impl From<dm::Money> for Money {
    fn from(m: dm::Money) -> Self {
        Money {
            amount_minor: m.amount_minor,
            currency: m.currency,
        }
    }
}

/// A listing. The kind's own fields appear only on listings of that kind.
#[derive(Debug, Object, Default)]
pub struct Listing {
    pub id: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub organisation_verified: bool,
    pub kind: ListingKind,
    pub title: String,
    pub language: String,
    pub summary: String,
    pub description: String,
    pub topics: Vec<TopicOut>,
    pub country: String,
    pub region: Option<String>,
    pub nuts_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub status: ListingStatus,
    /// A made-up example offer shipped with the demo data, not a real one.
    pub generated_example: bool,
    pub expires_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back in `If-Match` when changing the listing.
    pub version: i32,
    #[oai(skip_serializing_if_is_none)]
    pub techniques: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    pub industries: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    pub engagement_modes: Option<Vec<EngagementMode>>,
    #[oai(skip_serializing_if_is_none)]
    pub trl_min: Option<u8>,
    #[oai(skip_serializing_if_is_none)]
    pub trl_max: Option<u8>,
    #[oai(skip_serializing_if_is_none)]
    pub languages: Option<Vec<String>>,
    /// Public: only informed researchers, without contacts. Members see all.
    #[oai(skip_serializing_if_is_none)]
    pub researchers: Option<Vec<Researcher>>,
    #[oai(skip_serializing_if_is_none)]
    pub equipment: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    pub accreditation: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    pub access_mode: Option<AccessMode>,
    #[oai(skip_serializing_if_is_none)]
    pub price_from: Option<Money>,
    #[oai(skip_serializing_if_is_none)]
    pub external_price_from: Option<Money>,
    #[oai(skip_serializing_if_is_none)]
    pub price_unit: Option<PriceUnit>,
    #[oai(skip_serializing_if_is_none)]
    pub turnaround_days: Option<u32>,
    #[oai(skip_serializing_if_is_none)]
    pub space_type: Option<SpaceType>,
    #[oai(skip_serializing_if_is_none)]
    pub capacity: Option<u32>,
    #[oai(skip_serializing_if_is_none)]
    pub area_m2: Option<u32>,
    #[oai(skip_serializing_if_is_none)]
    pub monthly_price: Option<Money>,
    #[oai(skip_serializing_if_is_none)]
    pub available_from: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub available_until: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub amenities: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    pub eligible_stages: Option<Vec<CompanyStage>>,
    #[oai(skip_serializing_if_is_none)]
    pub eligible_sectors: Option<Vec<String>>,
}

// `wire_enum!` serves enums without a natural default too, so the default is spelled out.
#[allow(clippy::derivable_impls)]
impl Default for ListingStatus {
    fn default() -> Self {
        ListingStatus::Draft
    }
}

impl From<dm::ListingView> for Listing {
    fn from(view: dm::ListingView) -> Self {
        let mut out = Listing {
            id: view.id,
            organisation_id: view.organisation_id,
            organisation_name: view.organisation_name,
            organisation_verified: view.organisation_verified,
            kind: view.kind.into(),
            title: view.title,
            language: view.language,
            summary: view.summary,
            description: view.description,
            topics: view
                .topics
                .into_iter()
                .map(|t| TopicOut {
                    label: t.label,
                    code: t.code,
                })
                .collect(),
            country: view.location.country,
            region: view.location.region,
            nuts_code: view.location.nuts_code,
            city: view.location.city,
            latitude: view.location.latitude,
            longitude: view.location.longitude,
            status: view.status.into(),
            generated_example: view.generated_example,
            expires_at: view.expires_at,
            published_at: view.published_at,
            created_at: view.created_at,
            updated_at: view.updated_at,
            version: view.version,
            ..Listing::default()
        };
        match view.details {
            dm::ListingDetails::Expertise(d) => {
                out.techniques = Some(d.techniques);
                out.industries = Some(d.industries);
                out.engagement_modes =
                    Some(d.engagement_modes.into_iter().map(Into::into).collect());
                out.trl_min = d.trl_min;
                out.trl_max = d.trl_max;
                out.languages = Some(d.languages);
                out.researchers = Some(d.researchers.into_iter().map(Into::into).collect());
            }
            dm::ListingDetails::Facility(d) => {
                out.equipment = Some(d.equipment);
                out.techniques = Some(d.techniques);
                out.accreditation = Some(d.accreditation);
                out.access_mode = d.access_mode.map(Into::into);
                out.price_from = d.price_from.map(Into::into);
                out.external_price_from = d.external_price_from.map(Into::into);
                out.price_unit = d.price_unit.map(Into::into);
                out.turnaround_days = d.turnaround_days;
            }
            dm::ListingDetails::Space(d) => {
                out.space_type = Some(d.space_type.into());
                out.capacity = d.capacity;
                out.area_m2 = d.area_m2;
                out.monthly_price = d.monthly_price.map(Into::into);
                out.available_from = d.available_from;
                out.available_until = d.available_until;
                out.amenities = Some(d.amenities);
                out.eligible_stages = Some(d.eligible_stages.into_iter().map(Into::into).collect());
                out.eligible_sectors = Some(d.eligible_sectors);
            }
        }
        out
    }
}

#[derive(Debug, Object)]
pub struct ListingPage {
    pub items: Vec<Listing>,
    /// How many match the filters in all.
    pub total: u64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
