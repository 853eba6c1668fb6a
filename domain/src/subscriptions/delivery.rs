//! Delivery: due notifications are grouped into messages (one listing for an instant
//! saved search, digests of up to `max_items` for daily and weekly ones and whenever
//! instant volume would flood the recipient), and each message is sent through its
//! channel.
//!
//! A message is a `delivery` row whose id is the idempotency key the channel receives.
//! A notification joins exactly one delivery, for good, so a retry after a crash sends
//! the same key again and never a second one. Workers claim deliveries with a lease
//! (compare-and-set on the attempt count), so several instances never send one at once.
//! Failures are retried with full-jitter exponential back-off, honouring `Retry-After`,
//! until a dead-letter state after `max_attempts` with the reason kept.
//!
//! The inbox is delivered here, inside the database transaction that marks it sent, so
//! it is exactly once. Other channels are adapters the composition root provides.

use super::frequency_of;
use crate::db::{delivery, inbox_item, listing, membership, notification, subscription};
use crate::error::{Error, Result};
use crate::hub::{Hub, new_id, now};
use crate::model::{DeliveryChannelKind, Frequency, ListingStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// How delivery behaves; the defaults suit production.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Base of every link in a message (listing pages, unsubscribe).
    pub public_url: String,
    /// Attempts before a message is dead-lettered.
    pub max_attempts: u32,
    /// First retry waits up to this long; each further one up to twice as long.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// How long a claimed message is reserved for the worker sending it.
    pub lease: Duration,
    /// More instant matches than this for one saved search at once go out as a digest.
    pub instant_burst: usize,
    /// Messages per second through each channel other than the inbox.
    pub channel_messages_per_second: u32,
    /// Owners are reminded this long before their listing expires.
    pub expiry_notice: chrono::Duration,
    /// How often to look for listings about to expire.
    pub expiry_scan_every: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            public_url: "http://127.0.0.1:8080".to_owned(),
            max_attempts: 8,
            retry_base: Duration::from_secs(2),
            retry_cap: Duration::from_secs(3_600),
            lease: Duration::from_secs(60),
            instant_burst: 3,
            channel_messages_per_second: 20,
            expiry_notice: chrono::Duration::days(14),
            expiry_scan_every: Duration::from_secs(600),
        }
    }
}

/// One listing in a message: titles, organisations and links, never people's names.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageItem {
    pub notification_id: String,
    pub listing_id: String,
    pub kind: String,
    pub title: String,
    pub organisation: String,
    pub city: Option<String>,
    pub country: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage {
    /// Also the idempotency key: the same message always carries the same one.
    pub delivery_id: String,
    pub subscription_id: String,
    pub circle_id: Option<String>,
    pub channel: DeliveryChannelKind,
    /// More than one listing, or a daily or weekly digest.
    pub digest: bool,
    pub items: Vec<MessageItem>,
    pub unsubscribe_url: String,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    /// Where a Discord message goes: the owner's linked Discord user (`discord_dm`) or
    /// the circle's linked channel (`discord_channel`); `None` when that link is gone.
    pub discord_target: Option<DiscordTarget>,
    /// 1 for the first try.
    pub attempt: u32,
}

/// Where on Discord a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscordTarget {
    DirectMessage { user_id: String },
    Channel { channel_id: String },
}

/// Why a send failed, and whether trying again may help.
#[derive(Debug, Clone, PartialEq)]
pub enum SendFailure {
    Retry {
        reason: String,
        /// What the receiver asked for (`Retry-After`).
        retry_after: Option<Duration>,
    },
    Permanent {
        reason: String,
    },
}

/// A way out for messages (webhook, Discord…), provided by the composition root.
#[async_trait::async_trait]
pub trait DeliveryChannel: Send + Sync {
    async fn send(&self, message: &OutgoingMessage) -> std::result::Result<(), SendFailure>;
}

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub messages_created: u64,
    pub sent: u64,
    pub retried: u64,
    pub dead: u64,
}

/// The adapters for channels other than the inbox; a channel without one waits.
pub type Channels = HashMap<DeliveryChannelKind, Arc<dyn DeliveryChannel>>;

/// Spaces sends through one channel evenly.
struct Pace {
    interval: Duration,
    next: tokio::sync::Mutex<tokio::time::Instant>,
}

impl Pace {
    fn new(per_second: u32) -> Pace {
        Pace {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: tokio::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    async fn wait(&self) {
        let at = {
            let mut next = self.next.lock().await;
            let at = (*next).max(tokio::time::Instant::now());
            *next = at + self.interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// Full-jitter exponential back-off, never sooner than the receiver asked.
pub(crate) fn retry_delay(
    settings: &DeliverySettings,
    attempt: u32,
    retry_after: Option<Duration>,
    unit: f64,
) -> Duration {
    let ceiling = settings
        .retry_base
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(30)))
        .min(settings.retry_cap);
    let jittered = ceiling.mul_f64(unit.clamp(0.0, 1.0));
    match retry_after {
        Some(asked) => jittered.max(asked.min(settings.retry_cap)),
        None => jittered,
    }
}

fn at_plus(at: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    at + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::hours(1))
}

enum Outcome {
    Sent,
    Retry(String, Option<Duration>),
    Dead(String),
    /// Every listing in it was withdrawn before it went out.
    Dropped,
}

impl Hub {
    /// Runs delivery until `stop` flips.
    pub async fn run_deliveries(
        &self,
        settings: DeliverySettings,
        channels: Channels,
        interval: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let paces: HashMap<DeliveryChannelKind, Arc<Pace>> = channels
            .keys()
            .map(|kind| {
                (
                    *kind,
                    Arc::new(Pace::new(settings.channel_messages_per_second)),
                )
            })
            .collect();
        let mut last_expiry_scan: Option<tokio::time::Instant> = None;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
            if last_expiry_scan.is_none_or(|at| at.elapsed() >= settings.expiry_scan_every) {
                match self.remind_expiring_listings(settings.expiry_notice).await {
                    Ok(_) => last_expiry_scan = Some(tokio::time::Instant::now()),
                    Err(error) => {
                        tracing::error!(cause = %error.cause_chain(), "expiry reminders failed; retrying")
                    }
                }
            }
            if let Err(error) = self.deliver_due(&settings, &channels, &paces).await {
                tracing::error!(cause = %error.cause_chain(), "delivery pass failed; retrying");
            }
        }
    }

    /// Groups due notifications into messages and sends the messages that are due.
    async fn deliver_due(
        &self,
        settings: &DeliverySettings,
        channels: &Channels,
        paces: &HashMap<DeliveryChannelKind, Arc<Pace>>,
    ) -> Result<DeliveryReport> {
        let mut report = DeliveryReport {
            messages_created: self.group_due(settings).await?,
            ..Default::default()
        };
        let at = now();
        let candidates = delivery::Entity::find()
            .filter(delivery::Column::Status.eq("pending"))
            .filter(delivery::Column::NextAttemptAt.lte(at))
            .filter(
                Condition::any()
                    .add(delivery::Column::LeaseUntil.is_null())
                    .add(delivery::Column::LeaseUntil.lt(at)),
            )
            .order_by_asc(delivery::Column::NextAttemptAt)
            .limit(32)
            .all(self.db())
            .await?;
        let mut sends = tokio::task::JoinSet::new();
        for candidate in candidates {
            let kind = DeliveryChannelKind::parse(&candidate.channel)
                .map_err(|m| Error::internal("stored channel", std::io::Error::other(m)))?;
            let adapter = match kind {
                DeliveryChannelKind::Inbox => None,
                other => match channels.get(&other) {
                    Some(adapter) => Some(adapter.clone()),
                    // No adapter configured: the message waits, its attempts untouched.
                    None => continue,
                },
            };
            let Some(claimed) = self.claim(&candidate, settings).await? else {
                continue;
            };
            let hub = self.clone();
            let settings = settings.clone();
            let pace = paces.get(&kind).cloned();
            sends.spawn(async move {
                let outcome = hub.send_one(&claimed, kind, adapter, pace, &settings).await;
                (hub, claimed, outcome, settings)
            });
        }
        while let Some(joined) = sends.join_next().await {
            let (hub, claimed, outcome, settings) =
                joined.map_err(|error| Error::internal("delivery task failed", error))?;
            let outcome = match outcome {
                Ok(outcome) => outcome,
                Err(error) => Outcome::Retry(error.cause_chain(), None),
            };
            match hub.record(&claimed, outcome, &settings).await? {
                "sent" | "dropped" => report.sent += 1,
                "dead" => report.dead += 1,
                _ => report.retried += 1,
            }
        }
        Ok(report)
    }

    /// Puts due notifications that are in no message yet into messages.
    async fn group_due(&self, settings: &DeliverySettings) -> Result<u64> {
        let at = now();
        let due = notification::Entity::find()
            .filter(notification::Column::Status.eq("pending"))
            .filter(notification::Column::DeliveryId.is_null())
            .filter(notification::Column::DueAt.lte(at))
            .order_by_asc(notification::Column::SubscriptionId)
            .order_by_asc(notification::Column::Id)
            .limit(1_000)
            .all(self.db())
            .await?;
        let mut by_subscription: BTreeMap<String, Vec<notification::Model>> = BTreeMap::new();
        for row in due {
            by_subscription
                .entry(row.subscription_id.clone())
                .or_default()
                .push(row);
        }
        let subscriptions: HashMap<String, subscription::Model> = subscription::Entity::find()
            .filter(subscription::Column::Id.is_in(by_subscription.keys().cloned()))
            .all(self.db())
            .await?
            .into_iter()
            .map(|row| (row.id.clone(), row))
            .collect();
        let mut created = 0;
        for (subscription_id, rows) in by_subscription {
            let Some(subscription) = subscriptions.get(&subscription_id) else {
                continue;
            };
            let frequency = frequency_of(subscription)?;
            if frequency == Frequency::Paused {
                continue;
            }
            let per_message =
                if frequency == Frequency::Instant && rows.len() <= settings.instant_burst {
                    1
                } else {
                    subscription.max_items.max(1) as usize
                };
            for chunk in rows.chunks(per_message) {
                if self.start_message(subscription, chunk, at).await? {
                    created += 1;
                }
            }
        }
        Ok(created)
    }

    /// Creates one message for `chunk`, unless another worker took any of it first.
    async fn start_message(
        &self,
        subscription: &subscription::Model,
        chunk: &[notification::Model],
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let id = new_id();
        let txn = self.db().begin().await?;
        delivery::Entity::insert(delivery::ActiveModel {
            id: Set(id.clone()),
            subscription_id: Set(subscription.id.clone()),
            channel: Set(subscription.channel.clone()),
            status: Set("pending".to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(at),
            lease_until: Set(None),
            last_error: Set(None),
            created_at: Set(at),
            sent_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        let taken = notification::Entity::update_many()
            .col_expr(notification::Column::DeliveryId, Expr::value(id))
            .col_expr(notification::Column::Status, Expr::value("queued"))
            .filter(notification::Column::Id.is_in(chunk.iter().map(|n| n.id.clone())))
            .filter(notification::Column::DeliveryId.is_null())
            .exec(&txn)
            .await?;
        if taken.rows_affected == chunk.len() as u64 {
            txn.commit().await?;
            Ok(true)
        } else {
            txn.rollback().await?;
            Ok(false)
        }
    }

    /// Reserves a message for this worker; `None` if another worker has it.
    async fn claim(
        &self,
        candidate: &delivery::Model,
        settings: &DeliverySettings,
    ) -> Result<Option<delivery::Model>> {
        let at = now();
        let lease_until = at_plus(at, settings.lease);
        let claimed = delivery::Entity::update_many()
            .col_expr(delivery::Column::LeaseUntil, Expr::value(lease_until))
            .col_expr(
                delivery::Column::Attempts,
                Expr::value(candidate.attempts + 1),
            )
            .filter(delivery::Column::Id.eq(candidate.id.clone()))
            .filter(delivery::Column::Status.eq("pending"))
            .filter(delivery::Column::Attempts.eq(candidate.attempts))
            .exec(self.db())
            .await?;
        Ok((claimed.rows_affected == 1).then(|| delivery::Model {
            attempts: candidate.attempts + 1,
            lease_until: Some(lease_until),
            ..candidate.clone()
        }))
    }

    async fn send_one(
        &self,
        claimed: &delivery::Model,
        kind: DeliveryChannelKind,
        adapter: Option<Arc<dyn DeliveryChannel>>,
        pace: Option<Arc<Pace>>,
        settings: &DeliverySettings,
    ) -> Result<Outcome> {
        let Some(message) = self.message(claimed, kind, settings).await? else {
            return Ok(Outcome::Dropped);
        };
        let Some(adapter) = adapter else {
            self.deliver_to_inbox(claimed, &message).await?;
            return Ok(Outcome::Sent);
        };
        if let Some(pace) = pace {
            pace.wait().await;
        }
        Ok(match adapter.send(&message).await {
            Ok(()) => Outcome::Sent,
            Err(SendFailure::Retry {
                reason,
                retry_after,
            }) => Outcome::Retry(reason, retry_after),
            Err(SendFailure::Permanent { reason }) => Outcome::Dead(reason),
        })
    }

    /// The message a delivery carries, with the listings still published now.
    async fn message(
        &self,
        claimed: &delivery::Model,
        channel: DeliveryChannelKind,
        settings: &DeliverySettings,
    ) -> Result<Option<OutgoingMessage>> {
        let Some(subscription) = subscription::Entity::find_by_id(claimed.subscription_id.clone())
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        let notifications = notification::Entity::find()
            .filter(notification::Column::DeliveryId.eq(claimed.id.clone()))
            .order_by_asc(notification::Column::Id)
            .all(self.db())
            .await?;
        let listing_ids: Vec<String> = notifications.iter().map(|n| n.listing_id.clone()).collect();
        let published: HashMap<String, (listing::Model, crate::db::organisation::Model)> = self
            .published_with_organisations(&listing_ids, Some(now()))
            .await?
            .into_iter()
            .map(|(row, organisation)| (row.id.clone(), (row, organisation)))
            .collect();
        let base = settings.public_url.trim_end_matches('/');
        let items: Vec<MessageItem> = notifications
            .iter()
            .filter_map(|n| {
                let (row, organisation) = published.get(&n.listing_id)?;
                Some(MessageItem {
                    notification_id: n.id.clone(),
                    listing_id: row.id.clone(),
                    kind: row.kind.clone(),
                    title: row.title.clone(),
                    organisation: organisation.name.clone(),
                    city: row.city.clone().or_else(|| organisation.city.clone()),
                    country: row.country.clone(),
                    url: format!("{base}/listings/{}", row.id),
                })
            })
            .collect();
        if items.is_empty() {
            return Ok(None);
        }
        let frequency = frequency_of(&subscription)?;
        let discord_target = match channel {
            DeliveryChannelKind::DiscordDm => crate::db::discord_account::Entity::find()
                .filter(
                    crate::db::discord_account::Column::AccountId
                        .eq(subscription.account_id.clone()),
                )
                .one(self.db())
                .await?
                .map(|link| DiscordTarget::DirectMessage {
                    user_id: link.discord_user_id,
                }),
            DeliveryChannelKind::DiscordChannel => match &subscription.circle_id {
                Some(circle_id) => crate::db::circle::Entity::find_by_id(circle_id.clone())
                    .one(self.db())
                    .await?
                    .and_then(|circle| circle.discord_channel_id)
                    .map(|channel_id| DiscordTarget::Channel { channel_id }),
                None => None,
            },
            DeliveryChannelKind::Inbox | DeliveryChannelKind::Webhook => None,
        };
        Ok(Some(OutgoingMessage {
            delivery_id: claimed.id.clone(),
            subscription_id: subscription.id.clone(),
            circle_id: subscription.circle_id.clone(),
            channel,
            digest: items.len() > 1 || matches!(frequency, Frequency::Daily | Frequency::Weekly),
            items,
            unsubscribe_url: format!("{base}/unsubscribe/{}", subscription.unsubscribe_token),
            webhook_url: subscription.webhook_url.clone(),
            webhook_secret: subscription.webhook_secret.clone(),
            discord_target,
            attempt: claimed.attempts.max(0) as u32,
        }))
    }

    /// Puts a message in the inbox of its saved search's owner, or of every member of
    /// its circle, and marks it sent — in one transaction, so exactly once.
    async fn deliver_to_inbox(
        &self,
        claimed: &delivery::Model,
        message: &OutgoingMessage,
    ) -> Result<()> {
        let recipients = match &message.circle_id {
            Some(circle_id) => self.circle_member_ids(circle_id).await?,
            None => subscription::Entity::find_by_id(message.subscription_id.clone())
                .one(self.db())
                .await?
                .map(|s| vec![s.account_id])
                .unwrap_or_default(),
        };
        let at = now();
        let txn = self.db().begin().await?;
        for account_id in &recipients {
            for item in &message.items {
                insert_inbox_item(
                    &txn,
                    inbox_item::ActiveModel {
                        id: Set(new_id()),
                        account_id: Set(account_id.clone()),
                        kind: Set("match".to_owned()),
                        dedupe_key: Set(format!("n:{}:{account_id}", item.notification_id)),
                        subscription_id: Set(Some(message.subscription_id.clone())),
                        notification_id: Set(Some(item.notification_id.clone())),
                        listing_id: Set(item.listing_id.clone()),
                        title: Set(item.title.clone()),
                        organisation: Set(item.organisation.clone()),
                        created_at: Set(at),
                        read_at: Set(None),
                    },
                )
                .await?;
            }
        }
        if mark(&txn, claimed, "sent", None, None).await? {
            txn.commit().await?;
        } else {
            txn.rollback().await?;
        }
        Ok(())
    }

    /// Records how a send went; returns the message's new status.
    async fn record(
        &self,
        claimed: &delivery::Model,
        outcome: Outcome,
        settings: &DeliverySettings,
    ) -> Result<&'static str> {
        if let Ok(kind) = DeliveryChannelKind::parse(&claimed.channel)
            && kind == DeliveryChannelKind::Inbox
            && matches!(outcome, Outcome::Sent)
        {
            // Marked sent with the inbox items themselves.
            return Ok("sent");
        }
        let attempts = claimed.attempts.max(0) as u32;
        let (status, error, next) = match outcome {
            Outcome::Sent => ("sent", None, None),
            Outcome::Dropped => (
                "dropped",
                Some("every listing in it was withdrawn before it went out".to_owned()),
                None,
            ),
            Outcome::Dead(reason) => ("dead", Some(reason), None),
            Outcome::Retry(reason, _) if attempts >= settings.max_attempts => (
                "dead",
                Some(format!("gave up after {attempts} attempts; last: {reason}")),
                None,
            ),
            Outcome::Retry(reason, retry_after) => {
                let delay = retry_delay(settings, attempts, retry_after, random_unit());
                ("pending", Some(reason), Some(at_plus(now(), delay)))
            }
        };
        if status == "dead" {
            tracing::warn!(delivery = %claimed.id, reason = error.as_deref().unwrap_or(""), "message dead-lettered");
        }
        let txn = self.db().begin().await?;
        if mark(&txn, claimed, status, error, next).await? {
            txn.commit().await?;
        } else {
            txn.rollback().await?;
        }
        Ok(status)
    }

    /// Reminds the members of organisations whose published listings expire within
    /// `notice` to confirm, update or withdraw them: once per listing and expiry date.
    pub async fn remind_expiring_listings(&self, notice: chrono::Duration) -> Result<u64> {
        let at = now();
        let expiring = listing::Entity::find()
            .filter(listing::Column::Status.eq(ListingStatus::Published.as_str()))
            .filter(listing::Column::ExpiresAt.gt(at))
            .filter(listing::Column::ExpiresAt.lte(at + notice))
            .limit(5_000)
            .all(self.db())
            .await?;
        if expiring.is_empty() {
            return Ok(0);
        }
        let organisations: HashMap<String, crate::db::organisation::Model> =
            crate::db::organisation::Entity::find()
                .filter(
                    crate::db::organisation::Column::Id
                        .is_in(expiring.iter().map(|l| l.organisation_id.clone())),
                )
                .all(self.db())
                .await?
                .into_iter()
                .map(|o| (o.id.clone(), o))
                .collect();
        let members = membership::Entity::find()
            .filter(
                membership::Column::OrganisationId
                    .is_in(expiring.iter().map(|l| l.organisation_id.clone())),
            )
            .all(self.db())
            .await?;
        let txn = self.db().begin().await?;
        let mut reminded = 0;
        for row in &expiring {
            let organisation = organisations
                .get(&row.organisation_id)
                .map(|o| o.name.clone())
                .unwrap_or_default();
            for member in members
                .iter()
                .filter(|m| m.organisation_id == row.organisation_id)
            {
                reminded += insert_inbox_item(
                    &txn,
                    inbox_item::ActiveModel {
                        id: Set(new_id()),
                        account_id: Set(member.account_id.clone()),
                        kind: Set("expiry".to_owned()),
                        dedupe_key: Set(format!(
                            "expiry:{}:{}:{}",
                            row.id,
                            row.expires_at.timestamp(),
                            member.account_id
                        )),
                        subscription_id: Set(None),
                        notification_id: Set(None),
                        listing_id: Set(row.id.clone()),
                        title: Set(format!(
                            "Expires on {}: {} — renew, update or archive it",
                            row.expires_at.format("%Y-%m-%d"),
                            row.title
                        )
                        .chars()
                        .take(300)
                        .collect()),
                        organisation: Set(organisation.clone()),
                        created_at: Set(at),
                        read_at: Set(None),
                    },
                )
                .await?;
            }
        }
        txn.commit().await?;
        Ok(reminded)
    }

    /// Messages of a saved search with their status, newest first (for its manager and
    /// for tests of delivery).
    pub async fn delivery_log(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<(String, String, i32, Option<String>)>> {
        Ok(delivery::Entity::find()
            .filter(delivery::Column::SubscriptionId.eq(subscription_id.to_owned()))
            .order_by_desc(delivery::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(|d| (d.id, d.status, d.attempts, d.last_error))
            .collect())
    }

    /// (notification id, listing id, status, delivery id) of every notification of a
    /// saved search, in creation order.
    pub async fn notifications_of(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<(String, String, String, Option<String>)>> {
        Ok(notification::Entity::find()
            .filter(notification::Column::SubscriptionId.eq(subscription_id.to_owned()))
            .order_by_asc(notification::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(|n| (n.id, n.listing_id, n.status, n.delivery_id))
            .collect())
    }
}

async fn insert_inbox_item(
    txn: &DatabaseTransaction,
    item: inbox_item::ActiveModel,
) -> Result<u64> {
    Ok(inbox_item::Entity::insert(item)
        .on_conflict(
            OnConflict::column(inbox_item::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?)
}

/// Sets a claimed message's status (and its notifications'), fenced on the attempt this
/// worker claimed: a worker whose lease ran out cannot overwrite a newer attempt.
async fn mark(
    txn: &DatabaseTransaction,
    claimed: &delivery::Model,
    status: &str,
    error: Option<String>,
    next_attempt_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    let at = now();
    let mut update = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(status))
        .col_expr(delivery::Column::LastError, Expr::value(error))
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    if let Some(next) = next_attempt_at {
        update = update.col_expr(delivery::Column::NextAttemptAt, Expr::value(next));
    }
    if status == "sent" {
        update = update.col_expr(delivery::Column::SentAt, Expr::value(Some(at)));
    }
    let updated = update
        .filter(delivery::Column::Id.eq(claimed.id.clone()))
        .filter(delivery::Column::Attempts.eq(claimed.attempts))
        .filter(delivery::Column::Status.eq("pending"))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(false);
    }
    if status != "pending" {
        notification::Entity::update_many()
            .col_expr(notification::Column::Status, Expr::value(status))
            .filter(notification::Column::DeliveryId.eq(claimed.id.clone()))
            .exec(txn)
            .await?;
    }
    Ok(true)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_is_capped_and_honours_retry_after() {
        let settings = DeliverySettings {
            retry_base: Duration::from_secs(2),
            retry_cap: Duration::from_secs(60),
            ..Default::default()
        };
        assert_eq!(retry_delay(&settings, 1, None, 1.0), Duration::from_secs(2));
        assert_eq!(retry_delay(&settings, 3, None, 1.0), Duration::from_secs(8));
        assert_eq!(retry_delay(&settings, 3, None, 0.5), Duration::from_secs(4));
        assert_eq!(
            retry_delay(&settings, 20, None, 1.0),
            Duration::from_secs(60)
        );
        assert_eq!(retry_delay(&settings, 1, None, 0.0), Duration::ZERO);
        assert_eq!(
            retry_delay(&settings, 1, Some(Duration::from_secs(30)), 0.1),
            Duration::from_secs(30)
        );
        assert_eq!(
            retry_delay(&settings, 1, Some(Duration::from_secs(99_999)), 0.1),
            Duration::from_secs(60)
        );
        let unit = random_unit();
        assert!((0.0..1.0).contains(&unit));
    }
}
