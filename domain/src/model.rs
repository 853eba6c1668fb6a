//! The marketplace's vocabulary: organisations, accounts, listings of the three kinds,
//! their write models (`New…`, `…Update`) and read models (`…View`).
//!
//! These are plain data. Rules that check them live in `validate`; who may see or change
//! them lives in `access`. Nothing here knows how it is stored or transported.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Declares a closed set of snake_case names with parsing and listing, so that every
/// edge (JSON, CSV, CLI) spells the values the same way.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the snake_case name; the error lists what is accepted.
            pub fn parse(text: &str) -> Result<Self, String> {
                match text.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "`{}` is not one of: {}",
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// What an organisation is, as a firm looking for help would group it.
    OrganisationKind {
        University => "university",
        ResearchCentre => "research_centre",
        Incubator => "incubator",
        TechnicalServiceProvider => "technical_service_provider",
        Firm => "firm",
        Cluster => "cluster",
        PublicAgency => "public_agency",
    }
);

named_enum!(
    /// An account's role on the whole platform.
    PlatformRole {
        Member => "member",
        Broker => "broker",
        Admin => "admin",
    }
);

named_enum!(
    /// An account's role inside one organisation.
    MembershipRole {
        Owner => "owner",
        Editor => "editor",
    }
);

named_enum!(
    ListingKind {
        Expertise => "expertise",
        Facility => "facility",
        Space => "space",
    }
);

named_enum!(
    ListingStatus {
        Draft => "draft",
        Published => "published",
        Archived => "archived",
    }
);

named_enum!(
    EngagementMode {
        Consultancy => "consultancy",
        ContractResearch => "contract_research",
        JointProject => "joint_project",
        StudentProject => "student_project",
        Licensing => "licensing",
        Training => "training",
    }
);

named_enum!(
    AccessMode {
        StaffOperated => "staff_operated",
        SelfService => "self_service",
    }
);

named_enum!(
    PriceUnit {
        Hour => "hour",
        Day => "day",
        Week => "week",
        Month => "month",
        Sample => "sample",
        Test => "test",
        Project => "project",
    }
);

named_enum!(
    SpaceType {
        HotDesk => "hot_desk",
        DedicatedDesk => "dedicated_desk",
        PrivateOffice => "private_office",
        LabBench => "lab_bench",
        WetLab => "wet_lab",
        Workshop => "workshop",
        MeetingRoom => "meeting_room",
    }
);

named_enum!(
    /// The stage of a firm an incubator space is meant for.
    CompanyStage {
        Idea => "idea",
        Startup => "startup",
        Scaleup => "scaleup",
        Sme => "sme",
        Any => "any",
    }
);

/// Where something is. Coordinates are WGS84 degrees.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub country: String,
    pub region: Option<String>,
    pub nuts_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// The person a firm talks to about working with an organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewOrganisation {
    pub kind: Option<OrganisationKind>,
    pub name: String,
    pub description: String,
    pub website: Option<String>,
    pub ror_id: Option<String>,
    pub pic: Option<String>,
    pub vat: Option<String>,
    pub location: Location,
    pub contact: Contact,
    /// Where an imported record came from (e.g. `ror`, `cordis`); empty for people.
    pub source: Option<String>,
}

/// A partial change: `None` leaves a field alone, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct OrganisationUpdate {
    pub kind: Option<OrganisationKind>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub website: Option<Option<String>>,
    pub ror_id: Option<Option<String>>,
    pub pic: Option<Option<String>>,
    pub vat: Option<Option<String>>,
    pub country: Option<String>,
    pub region: Option<Option<String>>,
    pub nuts_code: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub latitude: Option<Option<f64>>,
    pub longitude: Option<Option<f64>>,
    pub contact_name: Option<Option<String>>,
    pub contact_email: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
}

#[derive(Debug, Clone)]
pub struct OrganisationView {
    pub id: String,
    pub kind: OrganisationKind,
    pub name: String,
    pub description: String,
    pub website: Option<String>,
    pub ror_id: Option<String>,
    pub pic: Option<String>,
    pub vat: Option<String>,
    pub location: Location,
    /// Present only for signed-in callers.
    pub contact: Option<Contact>,
    pub verified: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub country: Option<String>,
    pub verified: Option<bool>,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct MemberView {
    pub account_id: String,
    pub display_name: String,
    pub email: String,
    pub role: MembershipRole,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct MembershipView {
    pub organisation_id: String,
    pub organisation_name: String,
    pub role: MembershipRole,
}

#[derive(Debug, Clone)]
pub struct AccountView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: PlatformRole,
    pub created_at: DateTime<Utc>,
    pub memberships: Vec<MembershipView>,
}

#[derive(Debug, Clone)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A token as created: the secret is shown this once and never stored in clear.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: TokenView,
    pub secret: String,
}

/// A topic of a listing: a free tag, or a EuroSciVoc term with its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A named researcher on an expertise listing. Personal data: the name is public only
/// once the researcher has been informed; the contacts never appear in listing views.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Researcher {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub informed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Money {
    /// Integer minor units (cents).
    pub amount_minor: i64,
    /// ISO 4217 code, upper case.
    pub currency: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExpertiseDetails {
    pub techniques: Vec<String>,
    /// NACE codes of the industries served.
    pub industries: Vec<String>,
    pub engagement_modes: Vec<EngagementMode>,
    pub trl_min: Option<u8>,
    pub trl_max: Option<u8>,
    /// Languages spoken with clients (ISO 639-1).
    pub languages: Vec<String>,
    pub researchers: Vec<Researcher>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FacilityDetails {
    pub equipment: Vec<String>,
    pub techniques: Vec<String>,
    pub accreditation: Vec<String>,
    pub access_mode: Option<AccessMode>,
    pub price_from: Option<Money>,
    pub external_price_from: Option<Money>,
    pub price_unit: Option<PriceUnit>,
    pub turnaround_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpaceDetails {
    pub space_type: SpaceType,
    pub capacity: Option<u32>,
    pub area_m2: Option<u32>,
    pub monthly_price: Option<Money>,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
    pub amenities: Vec<String>,
    pub eligible_stages: Vec<CompanyStage>,
    pub eligible_sectors: Vec<String>,
}

/// The fields that belong to one kind of listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ListingDetails {
    Expertise(ExpertiseDetails),
    Facility(FacilityDetails),
    Space(SpaceDetails),
}

impl ListingDetails {
    pub fn kind(&self) -> ListingKind {
        match self {
            ListingDetails::Expertise(_) => ListingKind::Expertise,
            ListingDetails::Facility(_) => ListingKind::Facility,
            ListingDetails::Space(_) => ListingKind::Space,
        }
    }
}

/// Every field a listing may carry, each optional, as a client sends it. The domain
/// decides which belong to which kind (`validate::listing_fields`), so that every edge
/// gets the same answer to "may a space have a TRL?".
#[derive(Debug, Clone, Default)]
pub struct ListingFields {
    pub title: Option<String>,
    pub language: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub topics: Option<Vec<String>>,
    pub topic_codes: Option<Vec<String>>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub nuts_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub expires_at: Option<DateTime<Utc>>,
    // expertise
    pub techniques: Option<Vec<String>>,
    pub industries: Option<Vec<String>>,
    pub engagement_modes: Option<Vec<EngagementMode>>,
    pub trl_min: Option<i64>,
    pub trl_max: Option<i64>,
    pub languages: Option<Vec<String>>,
    pub researchers: Option<Vec<Researcher>>,
    // facility
    pub equipment: Option<Vec<String>>,
    pub accreditation: Option<Vec<String>>,
    pub access_mode: Option<AccessMode>,
    pub price_from: Option<i64>,
    pub external_price_from: Option<i64>,
    pub price_unit: Option<PriceUnit>,
    pub currency: Option<String>,
    pub turnaround_days: Option<i64>,
    // space
    pub space_type: Option<SpaceType>,
    pub capacity: Option<i64>,
    pub area_m2: Option<i64>,
    pub monthly_price: Option<i64>,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
    pub amenities: Option<Vec<String>>,
    pub eligible_stages: Option<Vec<CompanyStage>>,
    pub eligible_sectors: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct NewListing {
    pub organisation_id: String,
    pub kind: ListingKind,
    pub fields: ListingFields,
}

#[derive(Debug, Clone)]
pub struct ListingView {
    pub id: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub organisation_verified: bool,
    pub kind: ListingKind,
    pub title: String,
    pub language: String,
    pub summary: String,
    pub description: String,
    pub topics: Vec<Topic>,
    pub location: Location,
    pub details: ListingDetails,
    pub status: ListingStatus,
    /// Made up for the demo (no open data of such offers exists); shown as such.
    pub generated_example: bool,
    pub expires_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, Default)]
pub struct ListingFilter {
    pub organisation_id: Option<String>,
    pub kind: Option<ListingKind>,
    pub status: Option<ListingStatus>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

named_enum!(
    /// How often a saved search reports what it found.
    Frequency {
        Instant => "instant",
        Daily => "daily",
        Weekly => "weekly",
        Paused => "paused",
    }
);

named_enum!(
    /// Where a saved search's matches are delivered: the web inbox, a webhook, a direct
    /// message to the owner's linked Discord account, or the circle's linked Discord
    /// channel.
    DeliveryChannelKind {
        Inbox => "inbox",
        Webhook => "webhook",
        DiscordDm => "discord_dm",
        DiscordChannel => "discord_channel",
    }
);

named_enum!(
    /// Where an introduction stands.
    IntroductionStatus {
        Requested => "requested",
        Accepted => "accepted",
        Declined => "declined",
        Withdrawn => "withdrawn",
        Expired => "expired",
    }
);

named_enum!(
    /// Why an organisation declines an introduction.
    DeclineReason {
        NotOurField => "not_our_field",
        NoCapacity => "no_capacity",
        NotAFit => "not_a_fit",
        TooEarly => "too_early",
        Spam => "spam",
        Other => "other",
    }
);

named_enum!(
    /// What came of an accepted introduction.
    IntroductionOutcome {
        Met => "met",
        AgreementSigned => "agreement_signed",
        NoFollowUp => "no_follow_up",
    }
);
