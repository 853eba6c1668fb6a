//! Saved searches and what they produce: the matcher turns new and changed listings into
//! notifications (at most one per saved search and listing), delivery carries them to an
//! inbox or a webhook, and the inbox is where people read them.
//!
//! A saved search is the same `SearchQuery` as `GET /api/v1/search`, checked by the same
//! code, so it refuses the same input with the same errors.

pub(crate) mod delivery;
pub(crate) mod matcher;
pub mod webhook_target;

pub use delivery::{
    Channels, DeliveryChannel, DeliveryReport, DeliverySettings, DiscordTarget, MessageItem,
    OutgoingMessage, SendFailure,
};
pub use matcher::{
    PercolatorMatcher, SavedSearchMatcher, StraightforwardMatcher, saved_search_request,
};

use crate::access::{Caller, Principal};
use crate::db::{circle, inbox_item, subscription, subscription_exclusion};
use crate::error::{Error, Result};
use crate::hub::{Change, Hub, append_change, cursor, new_id, now, page_limit};
use crate::model::{DeliveryChannelKind, Frequency, Page};
use crate::search::{SearchQuery, prepare_request};
use crate::secrets;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

/// Listings per message unless the saved search asks otherwise.
const DEFAULT_MAX_ITEMS: i64 = 10;
const MAX_MAX_ITEMS: i64 = 50;
/// Saved searches one account may keep.
const MAX_SUBSCRIPTIONS_PER_OWNER: u64 = 200;

#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub search: SearchQuery,
    pub frequency: Frequency,
    pub channel: DeliveryChannelKind,
    pub webhook_url: Option<String>,
    pub max_items: Option<i64>,
    pub circle_id: Option<String>,
}

/// Changes to a saved search; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionUpdate {
    pub search: Option<SearchQuery>,
    pub frequency: Option<Frequency>,
    pub channel: Option<DeliveryChannelKind>,
    pub webhook_url: Option<String>,
    pub max_items: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub id: String,
    /// The account that owns it (for a circle's, the facilitator who created it).
    pub account_id: String,
    pub circle_id: Option<String>,
    pub search: SearchQuery,
    pub frequency: Frequency,
    pub channel: DeliveryChannelKind,
    pub webhook_url: Option<String>,
    /// Shown to whoever may manage the saved search, so a receiver can check signatures.
    pub webhook_secret: Option<String>,
    pub max_items: i64,
    /// The one-click unsubscribe token (also in every message).
    pub unsubscribe_token: Option<String>,
    /// Listings marked "not interested".
    pub excluded_listing_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    pub id: String,
    /// `match` (a saved search found it) or `expiry` (your listing is about to expire).
    pub kind: String,
    pub subscription_id: Option<String>,
    pub listing_id: String,
    pub title: String,
    pub organisation: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

fn subscription_not_found() -> Error {
    Error::not_found("subscription_not_found", "no such saved search")
}

fn max_items(value: Option<i64>) -> Result<i64> {
    match value {
        None => Ok(DEFAULT_MAX_ITEMS),
        Some(n) if (1..=MAX_MAX_ITEMS).contains(&n) => Ok(n),
        Some(_) => Err(Error::invalid(
            "max_items",
            "max_items_invalid",
            format!("`max_items` must be between 1 and {MAX_MAX_ITEMS}"),
        )),
    }
}

/// Checks the search part exactly as search does, and refuses what makes no sense for a
/// saved search (it has no pages or order).
pub(crate) fn saved_search(search: &SearchQuery) -> Result<SearchQuery> {
    for (field, given) in [
        ("sort", search.sort.is_some()),
        ("limit", search.limit.is_some()),
        ("cursor", search.cursor.is_some()),
    ] {
        if given {
            return Err(Error::invalid(
                &format!("search.{field}"),
                "parameter_invalid",
                format!("a saved search has no `{field}`: it reports every new match"),
            ));
        }
    }
    prepare_request(search).map_err(|error| match error.field.clone() {
        Some(field) => error.with_field(format!("search.{field}")),
        None => error,
    })?;
    Ok(search.clone())
}

/// The stored form of a saved search's query.
pub(crate) fn stored_search(row: &subscription::Model) -> Result<SearchQuery> {
    serde_json::from_str(&row.search)
        .map_err(|error| Error::internal("stored saved search no longer parses", error))
}

fn frequency_of(row: &subscription::Model) -> Result<Frequency> {
    Frequency::parse(&row.frequency)
        .map_err(|message| Error::internal("stored frequency", std::io::Error::other(message)))
}

fn channel_of(row: &subscription::Model) -> Result<DeliveryChannelKind> {
    DeliveryChannelKind::parse(&row.channel)
        .map_err(|message| Error::internal("stored channel", std::io::Error::other(message)))
}

impl Hub {
    pub async fn create_subscription(
        &self,
        caller: &Caller,
        new: NewSubscription,
    ) -> Result<SubscriptionView> {
        let principal = caller.require()?;
        let search = saved_search(&new.search)?;
        let max_items = max_items(new.max_items)?;
        if let Some(circle_id) = &new.circle_id {
            self.facilitated_circle(circle_id, principal)
                .await
                .map_err(|error| error.with_field("circle_id"))?;
        }
        let webhook_url = self
            .channel_target(
                &principal.account_id,
                new.circle_id.as_deref(),
                new.channel,
                new.webhook_url.as_deref(),
            )
            .await?;
        let owned = subscription::Entity::find()
            .filter(subscription::Column::AccountId.eq(principal.account_id.clone()))
            .count(self.db())
            .await?;
        if owned >= MAX_SUBSCRIPTIONS_PER_OWNER {
            return Err(Error::conflict(
                "subscription_limit",
                format!(
                    "an account may keep at most {MAX_SUBSCRIPTIONS_PER_OWNER} saved searches; delete some first"
                ),
            ));
        }
        let id = new_id();
        let at = now();
        let txn = self.db().begin().await?;
        subscription::ActiveModel {
            id: Set(id.clone()),
            account_id: Set(principal.account_id.clone()),
            circle_id: Set(new.circle_id.clone()),
            search: Set(serde_json::to_string(&search)
                .map_err(|error| Error::internal("cannot store the search", error))?),
            frequency: Set(new.frequency.as_str().to_owned()),
            channel: Set(new.channel.as_str().to_owned()),
            webhook_secret: Set(match webhook_url {
                Some(_) => Some(secrets::random_token("ponte_whsec_")?),
                None => None,
            }),
            webhook_url: Set(webhook_url),
            max_items: Set(max_items as i32),
            unsubscribe_token: Set(secrets::random_token("ponte_u_")?),
            created_at: Set(at),
            updated_at: Set(at),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        append_change(&txn, "subscription", &id, Change::Created).await?;
        txn.commit().await?;
        self.get_subscription(caller, &id).await
    }

    pub async fn get_subscription(&self, caller: &Caller, id: &str) -> Result<SubscriptionView> {
        let principal = caller.require()?;
        let row = self.visible_subscription(id, principal).await?;
        let manage = self.may_manage(&row, principal).await?;
        self.subscription_view(row, manage).await
    }

    /// The caller's saved searches and those of the circles they belong to, newest first.
    pub async fn list_subscriptions(
        &self,
        caller: &Caller,
        limit: Option<u64>,
        after: Option<String>,
    ) -> Result<Page<SubscriptionView>> {
        let principal = caller.require()?;
        let limit = page_limit(limit)?;
        let after = cursor("cursor", after.as_deref())?;
        let circles = self.circles_of(principal).await?;
        let mut query = subscription::Entity::find().filter(
            Condition::any()
                .add(subscription::Column::AccountId.eq(principal.account_id.clone()))
                .add(subscription::Column::CircleId.is_in(circles)),
        );
        let total = PaginatorTrait::count(query.clone(), self.db()).await?;
        if let Some(after) = after {
            query = query.filter(subscription::Column::Id.lt(after));
        }
        let rows = query
            .order_by_desc(subscription::Column::Id)
            .limit(limit + 1)
            .all(self.db())
            .await?;
        let has_more = rows.len() as u64 > limit;
        let mut items = Vec::new();
        for row in rows.into_iter().take(limit as usize) {
            let manage = self.may_manage(&row, principal).await?;
            items.push(self.subscription_view(row, manage).await?);
        }
        let next_cursor = has_more
            .then(|| items.last().map(|s| s.id.clone()))
            .flatten();
        Ok(Page {
            items,
            total,
            next_cursor,
        })
    }

    pub async fn update_subscription(
        &self,
        caller: &Caller,
        id: &str,
        update: SubscriptionUpdate,
    ) -> Result<SubscriptionView> {
        let principal = caller.require()?;
        let row = self.managed_subscription(id, principal).await?;
        let mut active = row.clone().into_active_model();
        if let Some(search) = &update.search {
            let search = saved_search(search)?;
            active.search = Set(serde_json::to_string(&search)
                .map_err(|error| Error::internal("cannot store the search", error))?);
        }
        if let Some(frequency) = update.frequency {
            active.frequency = Set(frequency.as_str().to_owned());
        }
        if let Some(limit) = update.max_items {
            active.max_items = Set(max_items(Some(limit))? as i32);
        }
        let channel = match update.channel {
            Some(channel) => channel,
            None => channel_of(&row)?,
        };
        if update.channel.is_some() || update.webhook_url.is_some() {
            let url = match (&update.webhook_url, channel) {
                (Some(url), _) => Some(url.as_str()),
                (None, DeliveryChannelKind::Webhook) => row.webhook_url.as_deref(),
                (None, _) => None,
            };
            let target = self
                .channel_target(&row.account_id, row.circle_id.as_deref(), channel, url)
                .await?;
            if target.is_some() && row.webhook_secret.is_none() {
                active.webhook_secret = Set(Some(secrets::random_token("ponte_whsec_")?));
            }
            active.webhook_url = Set(target);
            active.channel = Set(channel.as_str().to_owned());
        }
        active.updated_at = Set(now());
        active.version = Set(row.version + 1);
        let txn = self.db().begin().await?;
        active.update(&txn).await?;
        append_change(&txn, "subscription", id, Change::Updated).await?;
        txn.commit().await?;
        self.get_subscription(caller, id).await
    }

    pub async fn delete_subscription(&self, caller: &Caller, id: &str) -> Result<()> {
        let principal = caller.require()?;
        self.managed_subscription(id, principal).await?;
        let txn = self.db().begin().await?;
        subscription::Entity::delete_by_id(id.to_owned())
            .exec(&txn)
            .await?;
        append_change(&txn, "subscription", id, Change::Deleted).await?;
        txn.commit().await?;
        Ok(())
    }

    /// "Not interested": this listing is never reported to this saved search again.
    pub async fn exclude_listing(
        &self,
        caller: &Caller,
        subscription_id: &str,
        listing_id: &str,
    ) -> Result<()> {
        let principal = caller.require()?;
        self.visible_subscription(subscription_id, principal)
            .await?;
        self.insert_exclusion(subscription_id, listing_id).await
    }

    async fn insert_exclusion(&self, subscription_id: &str, listing_id: &str) -> Result<()> {
        let listing_id = listing_id.trim();
        if uuid::Uuid::parse_str(listing_id).is_err() {
            return Err(Error::invalid(
                "listing_id",
                "listing_id_invalid",
                "`listing_id` must be a listing's id",
            ));
        }
        subscription_exclusion::Entity::insert(subscription_exclusion::ActiveModel {
            subscription_id: Set(subscription_id.to_owned()),
            listing_id: Set(listing_id.to_owned()),
            created_at: Set(now()),
        })
        .on_conflict(
            OnConflict::columns([
                subscription_exclusion::Column::SubscriptionId,
                subscription_exclusion::Column::ListingId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(())
    }

    /// One-click unsubscribe from a link in a message: pauses the saved search. Needs no
    /// sign-in; the token is the proof. Repeating it is harmless.
    pub async fn unsubscribe(&self, token: &str) -> Result<SubscriptionView> {
        let row = subscription::Entity::find()
            .filter(subscription::Column::UnsubscribeToken.eq(token.trim().to_owned()))
            .one(self.db())
            .await?
            .ok_or_else(|| {
                Error::not_found(
                    "unsubscribe_link_invalid",
                    "this unsubscribe link is not valid (the saved search may have been deleted)",
                )
            })?;
        if row.frequency != Frequency::Paused.as_str() {
            let id = row.id.clone();
            let mut active = row.clone().into_active_model();
            active.frequency = Set(Frequency::Paused.as_str().to_owned());
            active.updated_at = Set(now());
            active.version = Set(row.version + 1);
            let txn = self.db().begin().await?;
            active.update(&txn).await?;
            append_change(&txn, "subscription", &id, Change::Updated).await?;
            txn.commit().await?;
        }
        let row = subscription::Entity::find_by_id(row.id)
            .one(self.db())
            .await?
            .ok_or_else(subscription_not_found)?;
        self.subscription_view(row, false).await
    }

    /// The caller's inbox, newest first.
    pub async fn inbox(
        &self,
        caller: &Caller,
        limit: Option<u64>,
        after: Option<String>,
        unread_only: bool,
    ) -> Result<Page<InboxItem>> {
        let principal = caller.require()?;
        let limit = page_limit(limit)?;
        let after = cursor("cursor", after.as_deref())?;
        let mut query = inbox_item::Entity::find()
            .filter(inbox_item::Column::AccountId.eq(principal.account_id.clone()));
        if unread_only {
            query = query.filter(inbox_item::Column::ReadAt.is_null());
        }
        let total = PaginatorTrait::count(query.clone(), self.db()).await?;
        if let Some(after) = after {
            query = query.filter(inbox_item::Column::Id.lt(after));
        }
        let rows = query
            .order_by_desc(inbox_item::Column::Id)
            .limit(limit + 1)
            .all(self.db())
            .await?;
        let has_more = rows.len() as u64 > limit;
        let items: Vec<InboxItem> = rows
            .into_iter()
            .take(limit as usize)
            .map(|row| InboxItem {
                read: row.read_at.is_some(),
                id: row.id,
                kind: row.kind,
                subscription_id: row.subscription_id,
                listing_id: row.listing_id,
                title: row.title,
                organisation: row.organisation,
                created_at: row.created_at,
            })
            .collect();
        let next_cursor = has_more
            .then(|| items.last().map(|i| i.id.clone()))
            .flatten();
        Ok(Page {
            items,
            total,
            next_cursor,
        })
    }

    pub async fn mark_inbox_read(&self, caller: &Caller, id: &str) -> Result<()> {
        let principal = caller.require()?;
        let row = self.own_inbox_item(id, principal).await?;
        if row.read_at.is_none() {
            let mut active = row.into_active_model();
            active.read_at = Set(Some(now()));
            active.update(self.db()).await?;
        }
        Ok(())
    }

    /// "Not interested" on an inbox item: its saved search will not report that listing
    /// again (for everyone it reaches), and the item is marked read.
    pub async fn inbox_not_interested(&self, caller: &Caller, id: &str) -> Result<()> {
        let principal = caller.require()?;
        let row = self.own_inbox_item(id, principal).await?;
        let Some(subscription_id) = row.subscription_id.clone() else {
            return Err(Error::conflict(
                "not_a_match",
                "this inbox item was not found by a saved search",
            ));
        };
        // The saved search may have been deleted since; then there is nothing to exclude.
        if subscription::Entity::find_by_id(subscription_id.clone())
            .one(self.db())
            .await?
            .is_some()
        {
            self.insert_exclusion(&subscription_id, &row.listing_id)
                .await?;
        }
        self.mark_inbox_read(caller, id).await
    }

    async fn own_inbox_item(&self, id: &str, principal: &Principal) -> Result<inbox_item::Model> {
        inbox_item::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .filter(|row| row.account_id == principal.account_id)
            .ok_or_else(|| Error::not_found("inbox_item_not_found", "no such inbox item"))
    }

    /// Checks the channel's target and returns the webhook URL to store (if any).
    async fn channel_target(
        &self,
        account_id: &str,
        circle_id: Option<&str>,
        channel: DeliveryChannelKind,
        webhook_url: Option<&str>,
    ) -> Result<Option<String>> {
        if webhook_url.is_some() && channel != DeliveryChannelKind::Webhook {
            return Err(Error::invalid(
                "webhook_url",
                "parameter_invalid",
                "`webhook_url` applies to the webhook channel only",
            ));
        }
        match channel {
            DeliveryChannelKind::Inbox => Ok(None),
            DeliveryChannelKind::Webhook => match webhook_url {
                Some(url) => Ok(Some(webhook_target::check(
                    url,
                    self.private_webhooks_allowed(),
                )?)),
                None => Err(Error::invalid(
                    "webhook_url",
                    "field_required",
                    "the webhook channel needs `webhook_url`",
                )),
            },
            DeliveryChannelKind::DiscordDm | DeliveryChannelKind::DiscordChannel
                if !self.discord_delivery_enabled() =>
            {
                Err(Error::invalid(
                    "channel",
                    "discord_not_configured",
                    "this Ponte server has no Discord bot configured; choose `inbox` or `webhook`",
                ))
            }
            DeliveryChannelKind::DiscordDm => {
                if circle_id.is_some() {
                    return Err(Error::invalid(
                        "channel",
                        "parameter_invalid",
                        "a circle's saved search goes to the circle's Discord channel: choose `discord_channel`",
                    ));
                }
                let linked = crate::db::discord_account::Entity::find()
                    .filter(crate::db::discord_account::Column::AccountId.eq(account_id.to_owned()))
                    .one(self.db())
                    .await?;
                match linked {
                    Some(_) => Ok(None),
                    None => Err(Error::invalid(
                        "channel",
                        "discord_not_linked",
                        "link your Discord account first: get a code from POST /api/v1/me/discord-link-code and send `/link CODE` to the Ponte bot",
                    )),
                }
            }
            DeliveryChannelKind::DiscordChannel => {
                let Some(circle_id) = circle_id else {
                    return Err(Error::invalid(
                        "channel",
                        "parameter_invalid",
                        "`discord_channel` delivers to a circle's linked channel: give `circle_id`, or choose `discord_dm`",
                    ));
                };
                let linked = circle::Entity::find_by_id(circle_id.to_owned())
                    .one(self.db())
                    .await?
                    .is_some_and(|c| c.discord_channel_id.is_some());
                if linked {
                    Ok(None)
                } else {
                    Err(Error::invalid(
                        "channel",
                        "circle_channel_not_linked",
                        "the circle has no linked Discord channel; its facilitator links one first",
                    ))
                }
            }
        }
    }

    async fn circles_of(&self, principal: &Principal) -> Result<Vec<String>> {
        Ok(crate::db::circle_member::Entity::find()
            .filter(crate::db::circle_member::Column::AccountId.eq(principal.account_id.clone()))
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| m.circle_id)
            .collect())
    }

    /// Whether the caller may change the saved search: its owner, or the facilitator of
    /// its circle.
    async fn may_manage(&self, row: &subscription::Model, principal: &Principal) -> Result<bool> {
        if row.account_id == principal.account_id && row.circle_id.is_none() {
            return Ok(true);
        }
        match &row.circle_id {
            Some(circle_id) => Ok(circle::Entity::find_by_id(circle_id.clone())
                .one(self.db())
                .await?
                .is_some_and(|c| c.facilitator_id == principal.account_id)),
            None => Ok(false),
        }
    }

    /// The saved search, if the caller owns it or belongs to its circle.
    async fn visible_subscription(
        &self,
        id: &str,
        principal: &Principal,
    ) -> Result<subscription::Model> {
        let row = subscription::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(subscription_not_found)?;
        let visible = match &row.circle_id {
            None => row.account_id == principal.account_id,
            Some(circle_id) => self.is_circle_member(circle_id, principal).await?,
        };
        if visible {
            Ok(row)
        } else {
            Err(subscription_not_found())
        }
    }

    async fn managed_subscription(
        &self,
        id: &str,
        principal: &Principal,
    ) -> Result<subscription::Model> {
        let row = self.visible_subscription(id, principal).await?;
        if self.may_manage(&row, principal).await? {
            Ok(row)
        } else {
            Err(Error::forbidden(
                "only the circle's facilitator may change its saved searches",
            ))
        }
    }

    async fn subscription_view(
        &self,
        row: subscription::Model,
        manage: bool,
    ) -> Result<SubscriptionView> {
        let excluded = subscription_exclusion::Entity::find()
            .filter(subscription_exclusion::Column::SubscriptionId.eq(row.id.clone()))
            .all(self.db())
            .await?
            .into_iter()
            .map(|e| e.listing_id)
            .collect();
        Ok(SubscriptionView {
            search: stored_search(&row)?,
            frequency: frequency_of(&row)?,
            channel: channel_of(&row)?,
            webhook_secret: if manage { row.webhook_secret } else { None },
            unsubscribe_token: manage.then_some(row.unsubscribe_token),
            excluded_listing_ids: excluded,
            id: row.id,
            account_id: row.account_id,
            circle_id: row.circle_id,
            webhook_url: row.webhook_url,
            max_items: i64::from(row.max_items),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
