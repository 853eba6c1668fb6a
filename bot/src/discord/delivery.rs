//! Saved-search messages to Discord: a direct message to the owner's linked account or a
//! post in a circle's linked channel, paced below Discord's limits, with 429 and 5xx
//! answers turned into retries the delivery worker schedules.

use super::render::{self, no_mentions};
use super::{DiscordSettings, rest_client};
use domain::introductions::IntroductionNotice;
use domain::subscriptions::{DeliveryChannel, DiscordTarget, OutgoingMessage, SendFailure};
use serenity::all::CreateMessage;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Requests per second this adapter makes with the bot's token: below Discord's 50, so
/// the bot's own replies keep some room.
pub const REQUESTS_PER_SECOND: u32 = 40;
/// Messages per channel in [`CHANNEL_WINDOW`]: Discord allows about five.
pub const MESSAGES_PER_CHANNEL_WINDOW: usize = 5;
pub const CHANNEL_WINDOW: Duration = Duration::from_secs(5);
/// How long one request may take before the message is retried later.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Paces requests: at most [`REQUESTS_PER_SECOND`] in any second overall, at most
/// [`MESSAGES_PER_CHANNEL_WINDOW`] per channel in any [`CHANNEL_WINDOW`], and nothing
/// while Discord asked the whole token (a global 429) or a channel's bucket to wait.
/// Nothing is reserved ahead: a request waiting for its channel holds up no other.
#[derive(Default)]
struct Limits {
    recent: VecDeque<Instant>,
    global_pause_until: Option<Instant>,
    channels: HashMap<String, ChannelLimit>,
}

#[derive(Default)]
struct ChannelLimit {
    recent: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

/// The earliest moment another event fits in a sliding window, or `None` if it fits now.
fn window_full(
    recent: &mut VecDeque<Instant>,
    size: usize,
    window: Duration,
    now: Instant,
) -> Option<Instant> {
    while recent.front().is_some_and(|at| *at + window <= now) {
        recent.pop_front();
    }
    (recent.len() >= size).then(|| recent.front().map_or(now, |oldest| *oldest + window))
}

impl Limits {
    /// Takes a slot for a request to `channel` now, or says when to ask again.
    fn try_acquire(&mut self, channel: Option<&str>, now: Instant) -> Result<(), Instant> {
        let mut wait_until: Option<Instant> = None;
        let mut later = |at: Instant| {
            if at > now {
                wait_until = Some(wait_until.map_or(at, |w| w.max(at)));
            }
        };
        if let Some(until) = self.global_pause_until {
            later(until);
        }
        if let Some(at) = window_full(
            &mut self.recent,
            REQUESTS_PER_SECOND as usize,
            Duration::from_secs(1),
            now,
        ) {
            later(at);
        }
        if let Some(channel) = channel {
            let limit = self.channels.entry(channel.to_owned()).or_default();
            if let Some(until) = limit.paused_until {
                later(until);
            }
            if let Some(at) = window_full(
                &mut limit.recent,
                MESSAGES_PER_CHANNEL_WINDOW,
                CHANNEL_WINDOW,
                now,
            ) {
                later(at);
            }
        }
        if let Some(at) = wait_until {
            return Err(at);
        }
        self.recent.push_back(now);
        if let Some(channel) = channel {
            self.channels
                .entry(channel.to_owned())
                .or_default()
                .recent
                .push_back(now);
        }
        Ok(())
    }
}

/// The Discord adapter for the delivery worker.
pub struct DiscordDelivery {
    client: reqwest::Client,
    api: String,
    authorization: String,
    limits: Mutex<Limits>,
    /// Direct-message channel of each Discord user, found once.
    dm_channels: Mutex<HashMap<String, String>>,
}

impl DiscordDelivery {
    pub fn new(settings: &DiscordSettings) -> Result<DiscordDelivery, String> {
        Ok(DiscordDelivery {
            client: rest_client(settings)?,
            api: format!("{}/api/v10", settings.api_base()),
            authorization: format!("Bot {}", settings.token),
            limits: Mutex::new(Limits::default()),
            dm_channels: Mutex::new(HashMap::new()),
        })
    }

    async fn wait_turn(&self, channel: Option<&str>) {
        loop {
            let acquired = self
                .limits
                .lock()
                .await
                .try_acquire(channel, Instant::now());
            match acquired {
                Ok(()) => return,
                Err(at) => tokio::time::sleep_until(at).await,
            }
        }
    }

    /// Sends one request, honouring what Discord says about limits.
    async fn call(
        &self,
        channel: Option<&str>,
        url: String,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, SendFailure> {
        self.wait_turn(channel).await;
        let sent = self
            .client
            .post(&url)
            .header(reqwest::header::AUTHORIZATION, &self.authorization)
            .json(&body)
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                return Err(SendFailure::Retry {
                    reason: format!("Discord could not be reached: {error}"),
                    retry_after: None,
                });
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let seconds = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| Duration::from_secs_f64(s.min(3_600.0)))
        };
        let remaining = headers
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u32>().ok());
        if let (Some(0), Some(reset_after), Some(channel)) =
            (remaining, seconds("x-ratelimit-reset-after"), channel)
        {
            let mut limits = self.limits.lock().await;
            limits
                .channels
                .entry(channel.to_owned())
                .or_default()
                .paused_until = Some(Instant::now() + reset_after);
        }
        let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        if status.as_u16() == 429 {
            let retry_after = body["retry_after"]
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| Duration::from_secs_f64(s.min(3_600.0)))
                .or_else(|| seconds("retry-after"))
                .unwrap_or(Duration::from_secs(1));
            let global = body["global"].as_bool().unwrap_or(false)
                || headers
                    .get("x-ratelimit-global")
                    .is_some_and(|v| v.as_bytes() == b"true");
            let until = Instant::now() + retry_after;
            let mut limits = self.limits.lock().await;
            if global {
                limits.global_pause_until = Some(until);
            } else if let Some(channel) = channel {
                limits
                    .channels
                    .entry(channel.to_owned())
                    .or_default()
                    .paused_until = Some(until);
            }
            return Err(SendFailure::Retry {
                reason: format!(
                    "Discord asked to slow down ({} limit, retry after {:.1} s)",
                    if global { "global" } else { "route" },
                    retry_after.as_secs_f64()
                ),
                retry_after: Some(retry_after),
            });
        }
        let detail = body["message"].as_str().unwrap_or("").to_owned();
        if status.is_server_error() {
            return Err(SendFailure::Retry {
                reason: format!("Discord answered {status} {detail}"),
                retry_after: None,
            });
        }
        Err(SendFailure::Permanent {
            reason: format!("Discord refused the message: {status} {detail}"),
        })
    }

    async fn channel_for(&self, target: &DiscordTarget) -> Result<String, SendFailure> {
        match target {
            DiscordTarget::Channel { channel_id } => Ok(channel_id.clone()),
            DiscordTarget::DirectMessage { user_id } => {
                if let Some(channel) = self.dm_channels.lock().await.get(user_id) {
                    return Ok(channel.clone());
                }
                let created = self
                    .call(
                        None,
                        format!("{}/users/@me/channels", self.api),
                        serde_json::json!({ "recipient_id": user_id }),
                    )
                    .await?;
                let channel = created["id"]
                    .as_str()
                    .ok_or_else(|| SendFailure::Retry {
                        reason: "Discord's direct-message channel had no id".into(),
                        retry_after: None,
                    })?
                    .to_owned();
                self.dm_channels
                    .lock()
                    .await
                    .insert(user_id.clone(), channel.clone());
                Ok(channel)
            }
        }
    }
}

/// The same message always carries the same nonce, so Discord drops a resend of a
/// message it already has (within the few minutes it remembers nonces).
pub fn nonce_of(delivery_id: &str) -> String {
    let digest = Sha256::digest(delivery_id.as_bytes());
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .take(25)
        .collect()
}

/// The JSON body of a digest message, as serenity's builder writes it.
pub fn message_body(message: &OutgoingMessage) -> Result<serde_json::Value, SendFailure> {
    let rendered = render::digest(message);
    let create = CreateMessage::new()
        .content(rendered.content)
        .embeds(rendered.embeds)
        .allowed_mentions(no_mentions())
        .nonce(serenity::all::Nonce::String(nonce_of(&message.delivery_id)))
        .enforce_nonce(true);
    serde_json::to_value(&create).map_err(|error| SendFailure::Permanent {
        reason: format!("cannot write the message: {error}"),
    })
}

impl DiscordDelivery {
    /// Tells one member of the organisation about an introduction request, by direct
    /// message with accept and decline buttons.
    pub async fn send_introduction_notice(
        &self,
        notice: &IntroductionNotice,
        discord_user_id: &str,
    ) -> Result<(), SendFailure> {
        let target = DiscordTarget::DirectMessage {
            user_id: discord_user_id.to_owned(),
        };
        let channel = self.channel_for(&target).await?;
        let (content, embeds, components) = render::introduction_notice(notice);
        let create = CreateMessage::new()
            .content(content)
            .embeds(embeds)
            .components(components)
            .allowed_mentions(no_mentions())
            .nonce(serenity::all::Nonce::String(nonce_of(&format!(
                "{}:{discord_user_id}",
                notice.introduction_id
            ))))
            .enforce_nonce(true);
        let body = serde_json::to_value(&create).map_err(|error| SendFailure::Permanent {
            reason: format!("cannot write the message: {error}"),
        })?;
        self.call(
            Some(&channel),
            format!("{}/channels/{channel}/messages", self.api),
            body,
        )
        .await
        .map(|_| ())
    }
}

/// Announces new introduction requests to the organisations' members on Discord, until
/// `stop` flips. A request is marked announced once every linked member was told (or
/// refused for good, e.g. closed DMs); a passing failure tries them all again later,
/// under the same nonces.
pub async fn run_introduction_notices(
    hub: domain::Hub,
    delivery: std::sync::Arc<DiscordDelivery>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(NOTICE_INTERVAL) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
        let notices = match hub.introductions_awaiting_discord_notice(20).await {
            Ok(notices) => notices,
            Err(error) => {
                tracing::error!(cause = %error.cause_chain(), "introduction notices failed; retrying");
                continue;
            }
        };
        for notice in notices {
            let mut told_everyone = true;
            for user in &notice.discord_user_ids {
                match delivery.send_introduction_notice(&notice, user).await {
                    Ok(()) => {}
                    Err(SendFailure::Permanent { reason }) => {
                        tracing::warn!(%reason, introduction = %notice.introduction_id, "a member cannot be told on Discord");
                    }
                    Err(SendFailure::Retry { reason, .. }) => {
                        tracing::warn!(%reason, introduction = %notice.introduction_id, "introduction notice will be retried");
                        told_everyone = false;
                    }
                }
            }
            if told_everyone
                && let Err(error) = hub
                    .mark_introduction_discord_noticed(&notice.introduction_id)
                    .await
            {
                tracing::error!(cause = %error.cause_chain(), "cannot record an introduction notice");
            }
        }
    }
}

/// How often new introduction requests are looked for.
const NOTICE_INTERVAL: Duration = Duration::from_secs(1);

#[async_trait::async_trait]
impl DeliveryChannel for DiscordDelivery {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), SendFailure> {
        let Some(target) = &message.discord_target else {
            return Err(SendFailure::Permanent {
                reason: "the Discord account or channel is no longer linked".into(),
            });
        };
        let channel = self.channel_for(target).await?;
        let body = message_body(message)?;
        let sent = self
            .call(
                Some(&channel),
                format!("{}/channels/{channel}/messages", self.api),
                body,
            )
            .await;
        if let (Err(SendFailure::Permanent { .. }), DiscordTarget::DirectMessage { user_id }) =
            (&sent, target)
        {
            // The DM channel may be gone; find it again next time.
            self.dm_channels.lock().await.remove(user_id);
        }
        sent.map(|_| ())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// When each of `count` requests to the channels `channel_of(i)` goes out, asking
    /// again whenever told to wait (time is simulated).
    fn send_times(
        limits: &mut Limits,
        count: usize,
        channel_of: impl Fn(usize) -> String,
    ) -> Vec<Duration> {
        let start = Instant::now();
        let mut now = start;
        (0..count)
            .map(|i| {
                loop {
                    match limits.try_acquire(Some(&channel_of(i)), now) {
                        Ok(()) => break now - start,
                        Err(at) => {
                            assert!(at > now, "asked to wait for a moment already past");
                            now = at;
                        }
                    }
                }
            })
            .collect()
    }

    #[test]
    fn a_channel_gets_at_most_five_messages_in_five_seconds() {
        let mut limits = Limits::default();
        let sent = send_times(&mut limits, 11, |_| "c1".into());
        for window in sent.windows(MESSAGES_PER_CHANNEL_WINDOW + 1) {
            let span = window[MESSAGES_PER_CHANNEL_WINDOW] - window[0];
            assert!(span >= CHANNEL_WINDOW, "six messages within {span:?}");
        }
        assert!(sent[10] >= CHANNEL_WINDOW * 2, "{sent:?}");
        // Another channel is not held up by the first one's window.
        let other = limits.try_acquire(Some("c2"), Instant::now());
        assert_eq!(other, Ok(()));
    }

    #[test]
    fn requests_stay_below_forty_a_second() {
        let mut limits = Limits::default();
        let sent = send_times(&mut limits, 121, |i| format!("c{i}"));
        for window in sent.windows(REQUESTS_PER_SECOND as usize + 1) {
            let span = window[REQUESTS_PER_SECOND as usize] - window[0];
            assert!(
                span >= Duration::from_secs(1),
                "41 requests within {span:?}"
            );
        }
    }

    #[test]
    fn a_global_pause_holds_every_channel() {
        let mut limits = Limits::default();
        let start = Instant::now();
        limits.global_pause_until = Some(start + Duration::from_secs(3));
        assert_eq!(
            limits.try_acquire(Some("c9"), start),
            Err(start + Duration::from_secs(3))
        );
        assert!(limits.try_acquire(None, start).is_err());
        assert_eq!(
            limits.try_acquire(None, start + Duration::from_secs(3)),
            Ok(())
        );
    }

    #[test]
    fn nonces_are_stable_and_short() {
        assert_eq!(nonce_of("abc"), nonce_of("abc"));
        assert_ne!(nonce_of("abc"), nonce_of("abd"));
        assert_eq!(nonce_of("0191c8a0-0000-7000-8000-000000000000").len(), 25);
    }
}
