//! Saved searches, the inbox their matches arrive in, and one-click unsubscribe.

use super::ApiState;
use super::search::SearchParameters;
use crate::http::auth::SignedIn;
use crate::http::body::JsonBody;
use crate::http::errors::ApiError;
use chrono::{DateTime, Utc};
use domain::model::{DeliveryChannelKind, Frequency};
use domain::subscriptions::{InboxItem, NewSubscription, SubscriptionUpdate, SubscriptionView};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use serde::Deserialize;

#[derive(Tags)]
enum SubscriptionTags {
    /// Saved searches: hear about every new matching listing.
    SavedSearches,
    /// Where saved searches' matches and reminders arrive.
    Inbox,
}

pub struct SubscriptionsApi {
    pub state: ApiState,
}

/// instant (as soon as a listing appears), daily or weekly (a digest), paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FrequencyParam {
    Instant,
    Daily,
    Weekly,
    Paused,
}

/// inbox (your web inbox; for a circle, every member's), webhook (a signed POST to
/// `webhook_url`), discord_dm (a direct message from the Ponte bot to your linked Discord
/// account), discord_channel (a circle's linked Discord channel). The Discord channels
/// need a server with the Discord bot configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ChannelParam {
    Inbox,
    Webhook,
    DiscordDm,
    DiscordChannel,
}

impl From<FrequencyParam> for Frequency {
    fn from(value: FrequencyParam) -> Self {
        match value {
            FrequencyParam::Instant => Frequency::Instant,
            FrequencyParam::Daily => Frequency::Daily,
            FrequencyParam::Weekly => Frequency::Weekly,
            FrequencyParam::Paused => Frequency::Paused,
        }
    }
}

impl From<Frequency> for FrequencyParam {
    fn from(value: Frequency) -> Self {
        match value {
            Frequency::Instant => FrequencyParam::Instant,
            Frequency::Daily => FrequencyParam::Daily,
            Frequency::Weekly => FrequencyParam::Weekly,
            Frequency::Paused => FrequencyParam::Paused,
        }
    }
}

impl From<ChannelParam> for DeliveryChannelKind {
    fn from(value: ChannelParam) -> Self {
        match value {
            ChannelParam::Inbox => DeliveryChannelKind::Inbox,
            ChannelParam::Webhook => DeliveryChannelKind::Webhook,
            ChannelParam::DiscordDm => DeliveryChannelKind::DiscordDm,
            ChannelParam::DiscordChannel => DeliveryChannelKind::DiscordChannel,
        }
    }
}

impl From<DeliveryChannelKind> for ChannelParam {
    fn from(value: DeliveryChannelKind) -> Self {
        match value {
            DeliveryChannelKind::Inbox => ChannelParam::Inbox,
            DeliveryChannelKind::Webhook => ChannelParam::Webhook,
            DeliveryChannelKind::DiscordDm => ChannelParam::DiscordDm,
            DeliveryChannelKind::DiscordChannel => ChannelParam::DiscordChannel,
        }
    }
}

/// Save a search.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct NewSubscriptionBody {
    /// The parameters of `GET /search` (without sort and paging).
    pub search: SearchParameters,
    pub frequency: FrequencyParam,
    pub channel: ChannelParam,
    /// For the webhook channel: where to POST (public addresses only, unless the
    /// operator allows others).
    pub webhook_url: Option<String>,
    /// Listings per message, 1–50 (default 10); more go out in further messages.
    pub max_items: Option<i64>,
    /// Save it for a learning circle you facilitate.
    pub circle_id: Option<String>,
}

impl poem_openapi::types::Example for NewSubscriptionBody {
    fn example() -> Self {
        NewSubscriptionBody {
            search: poem_openapi::types::Example::example(),
            frequency: FrequencyParam::Instant,
            channel: ChannelParam::Inbox,
            webhook_url: None,
            max_items: None,
            circle_id: None,
        }
    }
}

/// Changes to a saved search; absent fields stay as they are.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionChanges {
    pub search: Option<SearchParameters>,
    pub frequency: Option<FrequencyParam>,
    pub channel: Option<ChannelParam>,
    pub webhook_url: Option<String>,
    pub max_items: Option<i64>,
}

impl poem_openapi::types::Example for SubscriptionChanges {
    fn example() -> Self {
        SubscriptionChanges {
            search: None,
            frequency: Some(FrequencyParam::Weekly),
            channel: None,
            webhook_url: None,
            max_items: None,
        }
    }
}

/// "Not interested" in a listing.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    pub listing_id: String,
}

impl poem_openapi::types::Example for Exclusion {
    fn example() -> Self {
        Exclusion {
            listing_id: "0193a1d2-0000-7000-8000-000000000000".into(),
        }
    }
}

#[derive(Debug, Object)]
pub struct Subscription {
    pub id: String,
    pub account_id: String,
    pub circle_id: Option<String>,
    pub search: SearchParameters,
    pub frequency: FrequencyParam,
    pub channel: ChannelParam,
    pub webhook_url: Option<String>,
    /// Verify `Ponte-Signature` with it (shown to whoever manages the saved search).
    pub webhook_secret: Option<String>,
    pub max_items: i64,
    /// One-click unsubscribe link (also in every message; shown to whoever manages it).
    pub unsubscribe_url: Option<String>,
    /// Listings marked "not interested".
    pub excluded_listing_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct SubscriptionPage {
    pub items: Vec<Subscription>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Object)]
pub struct InboxItemOut {
    pub id: String,
    /// `match` (a saved search found it) or `expiry` (a listing of yours is about to
    /// expire: renew, update or archive it).
    pub kind: String,
    pub subscription_id: Option<String>,
    pub listing_id: String,
    pub title: String,
    pub organisation: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Debug, Object)]
pub struct InboxPage {
    pub items: Vec<InboxItemOut>,
    /// Items in all (unread only, with `unread=true`).
    pub total: u64,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Object)]
pub struct Unsubscribed {
    pub subscription_id: String,
    pub frequency: FrequencyParam,
}

impl From<InboxItem> for InboxItemOut {
    fn from(item: InboxItem) -> Self {
        InboxItemOut {
            id: item.id,
            kind: item.kind,
            subscription_id: item.subscription_id,
            listing_id: item.listing_id,
            title: item.title,
            organisation: item.organisation,
            created_at: item.created_at,
            read: item.read,
        }
    }
}

impl SubscriptionsApi {
    fn out(&self, view: SubscriptionView) -> Subscription {
        let base = self.state.public_url.trim_end_matches('/');
        Subscription {
            unsubscribe_url: view
                .unsubscribe_token
                .map(|token| format!("{base}/unsubscribe/{token}")),
            id: view.id,
            account_id: view.account_id,
            circle_id: view.circle_id,
            search: view.search.into(),
            frequency: view.frequency.into(),
            channel: view.channel.into(),
            webhook_url: view.webhook_url,
            webhook_secret: view.webhook_secret,
            max_items: view.max_items,
            excluded_listing_ids: view.excluded_listing_ids,
            created_at: view.created_at,
            updated_at: view.updated_at,
        }
    }
}

#[derive(ApiResponse)]
enum SubscriptionCreated {
    /// Saved; new matching listings will reach you.
    #[oai(status = 201)]
    Created(Json<Subscription>),
}

#[derive(ApiResponse)]
enum Done {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi]
impl SubscriptionsApi {
    /// Save a search
    ///
    /// Every listing published or materially changed from now on that matches `search`
    /// (with search's own rules: other word forms, synonyms, small typos, filters,
    /// places) reaches you once, through `channel`, at `frequency`. Webhook messages
    /// are JSON POSTs with headers `Idempotency-Key` (the same on every retry of one
    /// message), `Ponte-Timestamp` (Unix seconds) and `Ponte-Signature: v1=<hex>`, the
    /// HMAC-SHA256 with `webhook_secret` of `<Ponte-Timestamp>.<raw body>`. Access:
    /// Needs a signed-in account (session cookie or bearer token).
    #[oai(
        path = "/subscriptions",
        method = "post",
        operation_id = "create_subscription",
        tag = "SubscriptionTags::SavedSearches"
    )]
    async fn create(
        &self,
        auth: SignedIn,
        body: JsonBody<NewSubscriptionBody>,
    ) -> Result<SubscriptionCreated, ApiError> {
        let body = body.0;
        let view = self
            .state
            .hub
            .create_subscription(
                &auth.caller(),
                NewSubscription {
                    search: body.search.into(),
                    frequency: body.frequency.into(),
                    channel: body.channel.into(),
                    webhook_url: body.webhook_url,
                    max_items: body.max_items,
                    circle_id: body.circle_id,
                },
            )
            .await?;
        Ok(SubscriptionCreated::Created(Json(self.out(view))))
    }

    /// Your saved searches
    ///
    /// Yours and those of the circles you belong to, newest first. Access: Needs a
    /// signed-in account (session cookie or bearer token).
    #[oai(
        path = "/subscriptions",
        method = "get",
        operation_id = "list_subscriptions",
        tag = "SubscriptionTags::SavedSearches"
    )]
    async fn list(
        &self,
        auth: SignedIn,
        /// 1–100, default 20.
        limit: Query<Option<u64>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<SubscriptionPage>, ApiError> {
        let page = self
            .state
            .hub
            .list_subscriptions(&auth.caller(), limit.0, cursor.0)
            .await?;
        Ok(Json(SubscriptionPage {
            items: page.items.into_iter().map(|v| self.out(v)).collect(),
            total: page.total,
            next_cursor: page.next_cursor,
        }))
    }

    /// Get a saved search
    ///
    /// Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(
        path = "/subscriptions/:id",
        method = "get",
        operation_id = "get_subscription",
        tag = "SubscriptionTags::SavedSearches"
    )]
    async fn get(&self, auth: SignedIn, id: Path<String>) -> Result<Json<Subscription>, ApiError> {
        let view = self
            .state
            .hub
            .get_subscription(&auth.caller(), &id.0)
            .await?;
        Ok(Json(self.out(view)))
    }

    /// Update a saved search
    ///
    /// Change what it looks for, how often, or where it reports; `frequency: paused`
    /// pauses it. Access: Needs the signed-in owner of the saved search (for a circle's,
    /// its facilitator).
    #[oai(
        path = "/subscriptions/:id",
        method = "patch",
        operation_id = "update_subscription",
        tag = "SubscriptionTags::SavedSearches"
    )]
    async fn update(
        &self,
        auth: SignedIn,
        id: Path<String>,
        body: JsonBody<SubscriptionChanges>,
    ) -> Result<Json<Subscription>, ApiError> {
        let body = body.0;
        let view = self
            .state
            .hub
            .update_subscription(
                &auth.caller(),
                &id.0,
                SubscriptionUpdate {
                    search: body.search.map(Into::into),
                    frequency: body.frequency.map(Into::into),
                    channel: body.channel.map(Into::into),
                    webhook_url: body.webhook_url,
                    max_items: body.max_items,
                },
            )
            .await?;
        Ok(Json(self.out(view)))
    }

    /// Delete a saved search
    ///
    /// Access: Needs the signed-in owner of the saved search (for a circle's, its
    /// facilitator).
    #[oai(
        path = "/subscriptions/:id",
        method = "delete",
        operation_id = "delete_subscription",
        tag = "SubscriptionTags::SavedSearches"
    )]
    async fn delete(&self, auth: SignedIn, id: Path<String>) -> Result<Done, ApiError> {
        self.state
            .hub
            .delete_subscription(&auth.caller(), &id.0)
            .await?;
        Ok(Done::NoContent)
    }

    /// Not interested
    ///
    /// This saved search will never report this listing again. Access: Needs a
    /// signed-in account (session cookie or bearer token).
    #[oai(
        path = "/subscriptions/:id/exclusions",
        method = "post",
        operation_id = "exclude_listing",
        tag = "SubscriptionTags::SavedSearches"
    )]
    async fn exclude(
        &self,
        auth: SignedIn,
        id: Path<String>,
        body: JsonBody<Exclusion>,
    ) -> Result<Done, ApiError> {
        self.state
            .hub
            .exclude_listing(&auth.caller(), &id.0, &body.0.listing_id)
            .await?;
        Ok(Done::NoContent)
    }

    /// Unsubscribe by link
    ///
    /// Pauses the saved search the link belongs to; the token in every message is the
    /// proof, so no sign-in is needed. Repeating it is harmless. Access: Open to
    /// everyone.
    #[oai(
        path = "/unsubscribe/:token",
        method = "post",
        operation_id = "unsubscribe",
        tag = "SubscriptionTags::SavedSearches"
    )]
    async fn unsubscribe(&self, token: Path<String>) -> Result<Json<Unsubscribed>, ApiError> {
        let view = self.state.hub.unsubscribe(&token.0).await?;
        Ok(Json(Unsubscribed {
            subscription_id: view.id,
            frequency: view.frequency.into(),
        }))
    }

    /// Your inbox
    ///
    /// What your saved searches (and your circles') found, and reminders about your
    /// listings, newest first. Access: Needs a signed-in account (session cookie or
    /// bearer token).
    #[oai(
        path = "/inbox",
        method = "get",
        operation_id = "get_inbox",
        tag = "SubscriptionTags::Inbox"
    )]
    async fn inbox(
        &self,
        auth: SignedIn,
        /// Only unread items.
        unread: Query<Option<bool>>,
        /// 1–100, default 20.
        limit: Query<Option<u64>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<InboxPage>, ApiError> {
        let page = self
            .state
            .hub
            .inbox(&auth.caller(), limit.0, cursor.0, unread.0.unwrap_or(false))
            .await?;
        Ok(Json(InboxPage {
            items: page.items.into_iter().map(Into::into).collect(),
            total: page.total,
            next_cursor: page.next_cursor,
        }))
    }

    /// Mark read
    ///
    /// Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(
        path = "/inbox/:id/read",
        method = "post",
        operation_id = "mark_inbox_read",
        tag = "SubscriptionTags::Inbox"
    )]
    async fn read(&self, auth: SignedIn, id: Path<String>) -> Result<Done, ApiError> {
        self.state
            .hub
            .mark_inbox_read(&auth.caller(), &id.0)
            .await?;
        Ok(Done::NoContent)
    }

    /// Not interested in this item
    ///
    /// Its saved search will not report that listing again; the item is marked read.
    /// Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(
        path = "/inbox/:id/not-interested",
        method = "post",
        operation_id = "inbox_not_interested",
        tag = "SubscriptionTags::Inbox"
    )]
    async fn not_interested(&self, auth: SignedIn, id: Path<String>) -> Result<Done, ApiError> {
        self.state
            .hub
            .inbox_not_interested(&auth.caller(), &id.0)
            .await?;
        Ok(Done::NoContent)
    }
}
