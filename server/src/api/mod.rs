//! The REST API under `/api/v1` (poem-openapi): spec at `/api/openapi.json`, interactive
//! docs at `/api/docs`. Handlers parse, make one `Hub` call and map the answer; every
//! rule, including who may call what, is the domain's.

mod accounts;
mod chat;
mod circles;
mod discord;
mod introductions;
mod listings;
mod organisations;
mod search;
mod subscriptions;
pub mod wire;

use crate::http::auth::{AccountRateLimit, AuthRateLimit};
use domain::{Access, Hub};
use poem_openapi::OpenApiService;

/// What every handler needs.
#[derive(Clone)]
pub struct ApiState {
    pub hub: Hub,
    pub auth_limit: AuthRateLimit,
    /// Sign-in attempts per account, shared with the portal's sign-in form.
    pub account_limit: AccountRateLimit,
    /// Served over HTTPS: session cookies get `Secure` and the `__Host-` prefix.
    pub secure_cookies: bool,
    pub session_ttl_seconds: i64,
    /// Base of links handed out (unsubscribe links).
    pub public_url: String,
    /// The conversation engine behind `POST /chat`.
    pub engine: bot::Engine,
    pub chat_limit: AuthRateLimit,
}

pub type Api = (
    accounts::AccountsApi,
    organisations::OrganisationsApi,
    listings::ListingsApi,
    search::SearchApi,
    circles::CirclesApi,
    subscriptions::SubscriptionsApi,
    chat::ChatApi,
    introductions::IntroductionsApi,
    discord::DiscordApi,
);

pub fn service(state: ApiState, public_url: &str) -> OpenApiService<Api, ()> {
    OpenApiService::new(
        (
            accounts::AccountsApi {
                state: state.clone(),
            },
            organisations::OrganisationsApi {
                state: state.clone(),
            },
            listings::ListingsApi {
                state: state.clone(),
            },
            search::SearchApi {
                state: state.clone(),
            },
            circles::CirclesApi {
                state: state.clone(),
            },
            subscriptions::SubscriptionsApi {
                state: state.clone(),
            },
            chat::ChatApi {
                state: state.clone(),
            },
            introductions::IntroductionsApi {
                state: state.clone(),
            },
            discord::DiscordApi { state },
        ),
        "Ponte API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Ponte is a regional one-stop shop where universities, research centres, \
         incubators and technical-service providers list expertise, facilities and space, \
         and small firms find them. Errors are JSON `{code, message, field?}` with a \
         stable `code`. Sign in with `POST /session` (cookie) or create a token with \
         `POST /tokens` and send `Authorization: Bearer <token>`.",
    )
    .server(format!("{}/api/v1", public_url.trim_end_matches('/')))
}

/// The declared access policy of every operation, by `operation_id`. The domain enforces
/// them; the test suite calls every operation in the spec as each caller a policy
/// excludes and checks it is refused, so an operation missing here fails the tests.
pub fn access_policies() -> &'static [(&'static str, Access)] {
    &[
        ("create_account", Access::Public),
        ("sign_in", Access::Public),
        ("sign_out", Access::SignedIn),
        ("get_me", Access::SignedIn),
        ("create_token", Access::SignedIn),
        ("list_tokens", Access::SignedIn),
        ("revoke_token", Access::SignedIn),
        ("create_organisation", Access::SignedIn),
        ("get_organisation", Access::Public),
        ("list_organisations", Access::Public),
        ("update_organisation", Access::OrganisationMember),
        ("verify_organisation", Access::Broker),
        ("list_members", Access::OrganisationMember),
        ("add_member", Access::OrganisationOwner),
        ("remove_member", Access::OrganisationOwner),
        ("create_listing", Access::OrganisationMember),
        ("get_listing", Access::Public),
        ("list_listings", Access::Public),
        ("update_listing", Access::OrganisationMember),
        ("publish_listing", Access::OrganisationMember),
        ("archive_listing", Access::OrganisationMember),
        ("renew_listing", Access::OrganisationMember),
        ("delete_listing", Access::OrganisationMember),
        ("search", Access::Public),
        ("similar_listings", Access::Public),
        ("create_circle", Access::SignedIn),
        ("list_circles", Access::SignedIn),
        ("get_circle", Access::CircleMember),
        ("update_circle", Access::CircleFacilitator),
        ("renew_circle_invitation", Access::CircleFacilitator),
        ("join_circle", Access::SignedIn),
        ("leave_circle", Access::CircleMember),
        ("remove_circle_member", Access::CircleFacilitator),
        ("create_subscription", Access::SignedIn),
        ("list_subscriptions", Access::SignedIn),
        ("get_subscription", Access::SignedIn),
        ("update_subscription", Access::SubscriptionManager),
        ("delete_subscription", Access::SubscriptionManager),
        ("exclude_listing", Access::SignedIn),
        ("unsubscribe", Access::Public),
        ("get_inbox", Access::SignedIn),
        ("mark_inbox_read", Access::SignedIn),
        ("inbox_not_interested", Access::SignedIn),
        ("chat", Access::Public),
        ("request_introduction", Access::SignedIn),
        ("list_introductions", Access::SignedIn),
        ("get_introduction", Access::IntroductionParty),
        ("accept_introduction", Access::IntroductionOrganisation),
        ("decline_introduction", Access::IntroductionOrganisation),
        ("withdraw_introduction", Access::IntroductionRequester),
        ("add_introduction_message", Access::IntroductionParty),
        ("record_introduction_outcome", Access::IntroductionParty),
        ("list_stalled_introductions", Access::Broker),
        ("nudge_introduction", Access::Broker),
        ("close_introduction", Access::Broker),
        ("introduction_report", Access::Broker),
        ("create_discord_link_code", Access::SignedIn),
        ("get_discord_link", Access::SignedIn),
        ("unlink_discord", Access::SignedIn),
    ]
}
