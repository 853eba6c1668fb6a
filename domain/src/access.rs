//! Who may do what. Every operation the product exposes declares one `Access` policy;
//! the hub enforces it, and the edges publish it so tests can check every endpoint
//! against its declaration.

use crate::model::{MembershipRole, PlatformRole};

/// The access policy of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Anyone, signed in or not. What they see may still depend on who they are.
    Public,
    /// Any signed-in account (session cookie or bearer token).
    SignedIn,
    /// A member (owner or editor) of the organisation the target belongs to.
    OrganisationMember,
    /// An owner of the organisation the target belongs to.
    OrganisationOwner,
    /// A broker (or admin) of the platform.
    Broker,
    /// A member (or the facilitator) of the learning circle.
    CircleMember,
    /// The facilitator of the learning circle.
    CircleFacilitator,
    /// Whoever may change the saved search: its owner, or its circle's facilitator.
    SubscriptionManager,
    /// One of the two sides of an introduction: the firm that asked, or a member of the
    /// organisation asked.
    IntroductionParty,
    /// A member of the organisation an introduction was asked of.
    IntroductionOrganisation,
    /// The account that asked for the introduction.
    IntroductionRequester,
}

impl Access {
    pub const ALL: &'static [Access] = &[
        Access::Public,
        Access::SignedIn,
        Access::OrganisationMember,
        Access::OrganisationOwner,
        Access::Broker,
        Access::CircleMember,
        Access::CircleFacilitator,
        Access::SubscriptionManager,
        Access::IntroductionParty,
        Access::IntroductionOrganisation,
        Access::IntroductionRequester,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::SignedIn => "signed_in",
            Access::OrganisationMember => "organisation_member",
            Access::OrganisationOwner => "organisation_owner",
            Access::Broker => "broker",
            Access::CircleMember => "circle_member",
            Access::CircleFacilitator => "circle_facilitator",
            Access::SubscriptionManager => "subscription_manager",
            Access::IntroductionParty => "introduction_party",
            Access::IntroductionOrganisation => "introduction_organisation",
            Access::IntroductionRequester => "introduction_requester",
        }
    }

    /// A sentence for API documentation.
    pub fn describe(self) -> &'static str {
        match self {
            Access::Public => "Open to everyone.",
            Access::SignedIn => "Needs a signed-in account (session cookie or bearer token).",
            Access::OrganisationMember => {
                "Needs a signed-in member (owner or editor) of the owning organisation."
            }
            Access::OrganisationOwner => "Needs a signed-in owner of the organisation.",
            Access::Broker => "Needs a signed-in broker of the network.",
            Access::CircleMember => "Needs a signed-in member of the learning circle.",
            Access::CircleFacilitator => "Needs the signed-in facilitator of the learning circle.",
            Access::SubscriptionManager => {
                "Needs the signed-in owner of the saved search (for a circle's, its facilitator)."
            }
            Access::IntroductionParty => {
                "Needs the signed-in firm member who asked or a member of the organisation asked."
            }
            Access::IntroductionOrganisation => {
                "Needs a signed-in member of the organisation the introduction was asked of."
            }
            Access::IntroductionRequester => {
                "Needs the signed-in account that asked for the introduction."
            }
        }
    }
}

/// An authenticated account, as resolved from a session or a bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: String,
    pub role: PlatformRole,
}

impl Principal {
    pub fn is_broker(&self) -> bool {
        matches!(self.role, PlatformRole::Broker | PlatformRole::Admin)
    }
}

/// Whoever is asking: nobody in particular, or an account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller(pub Option<Principal>);

impl Caller {
    pub fn anonymous() -> Self {
        Caller(None)
    }

    pub fn account(principal: Principal) -> Self {
        Caller(Some(principal))
    }

    pub fn principal(&self) -> Option<&Principal> {
        self.0.as_ref()
    }

    /// The account, or the error every signed-in-only operation answers without one.
    pub fn require(&self) -> crate::Result<&Principal> {
        self.0.as_ref().ok_or_else(crate::Error::unauthenticated)
    }
}

/// Whether a membership role satisfies the least role an action needs.
pub fn role_suffices(held: MembershipRole, needed: MembershipRole) -> bool {
    match needed {
        MembershipRole::Editor => true,
        MembershipRole::Owner => held == MembershipRole::Owner,
    }
}
