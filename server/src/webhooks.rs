//! The webhook channel: each message is POSTed as JSON to the saved search's URL,
//! signed so the receiver can tell it came from Ponte and was not replayed.
//!
//! Headers (documented for receivers in the API description):
//! - `Ponte-Signature: v1=<hex>`: HMAC-SHA256 with the saved search's `webhook_secret`
//!   over `<Ponte-Timestamp>.<raw body>`;
//! - `Ponte-Timestamp`: Unix seconds when this attempt was signed (reject old ones);
//! - `Idempotency-Key` (also `Ponte-Delivery`): the same for every attempt of one
//!   message, so a receiver can drop repeats.
//!
//! Only public addresses are called unless the operator allows others: names are
//! resolved here and every address checked at connection time, so a name cannot be
//! pointed at an internal address after the URL was accepted. Redirects are not
//! followed.

use domain::subscriptions::webhook_target::is_non_public;
use domain::subscriptions::{DeliveryChannel, OutgoingMessage, SendFailure};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub struct WebhookChannel {
    client: reqwest::Client,
    allow_non_public: bool,
}

/// Resolves names, keeping only the addresses webhooks may reach.
struct PublicOnlyResolver {
    allow_non_public: bool,
}

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_non_public = self.allow_non_public;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| allow_non_public || !is_non_public(address.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "{host} resolves to no public address; webhooks to private networks need the operator's permission"
                )
                .into());
            }
            let addresses: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addresses)
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex(&mac.finalize().into_bytes()))
}

/// The JSON a receiver gets.
pub fn payload(message: &OutgoingMessage) -> serde_json::Value {
    serde_json::json!({
        "type": if message.digest { "ponte.digest" } else { "ponte.match" },
        "idempotency_key": message.delivery_id,
        "subscription_id": message.subscription_id,
        "circle_id": message.circle_id,
        "attempt": message.attempt,
        "items": message.items.iter().map(|item| serde_json::json!({
            "notification_id": item.notification_id,
            "listing_id": item.listing_id,
            "kind": item.kind,
            "title": item.title,
            "organisation": item.organisation,
            "city": item.city,
            "country": item.country,
            "url": item.url,
        })).collect::<Vec<_>>(),
        "unsubscribe_url": message.unsubscribe_url,
    })
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
}

impl WebhookChannel {
    pub fn new(timeout: Duration, allow_non_public: bool) -> Result<WebhookChannel, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(PublicOnlyResolver { allow_non_public }))
            .user_agent(concat!("Ponte/", env!("CARGO_PKG_VERSION"), " (webhooks)"))
            .build()
            .map_err(|error| format!("cannot build the webhook client: {error}"))?;
        Ok(WebhookChannel {
            client,
            allow_non_public,
        })
    }
}

#[async_trait::async_trait]
impl DeliveryChannel for WebhookChannel {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), SendFailure> {
        let (Some(url), Some(secret)) = (&message.webhook_url, &message.webhook_secret) else {
            return Err(SendFailure::Permanent {
                reason: "the saved search has no webhook URL any more".to_owned(),
            });
        };
        // Addresses written into the URL are not resolved, so check them here.
        if let Ok(parsed) = reqwest::Url::parse(url) {
            let literal = match parsed.host() {
                Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
                _ => None,
            };
            if let Some(ip) = literal
                && !self.allow_non_public
                && is_non_public(ip)
            {
                return Err(SendFailure::Permanent {
                    reason: format!(
                        "{ip} is not a public address; webhooks to private networks need the operator's permission"
                    ),
                });
            }
        }
        let body =
            serde_json::to_vec(&payload(message)).map_err(|error| SendFailure::Permanent {
                reason: format!("cannot encode the message: {error}"),
            })?;
        let timestamp = chrono::Utc::now().timestamp();
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", &message.delivery_id)
            .header("Ponte-Delivery", &message.delivery_id)
            .header("Ponte-Timestamp", timestamp.to_string())
            .header("Ponte-Signature", signature(secret, timestamp, &body))
            .body(body)
            .send()
            .await
            .map_err(|error| SendFailure::Retry {
                reason: if error.is_timeout() {
                    "the receiver did not answer in time".to_owned()
                } else {
                    format!("cannot reach the receiver: {error}")
                },
                retry_after: None,
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let reason = format!("the receiver answered {status}");
        if status == reqwest::StatusCode::GONE {
            return Err(SendFailure::Permanent { reason });
        }
        Err(SendFailure::Retry {
            reason,
            retry_after: retry_after(response.headers()),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_over_timestamp_and_body() {
        // Known answer from OpenSSL:
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac ponte_whsec_test
        assert_eq!(
            signature("ponte_whsec_test", 1_700_000_000, br#"{"a":1}"#),
            "v1=b76add6821a0c1777aff26d981a262f4da8aead0578ae6949d116e51093d00ca"
        );
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        headers.insert(reqwest::header::RETRY_AFTER, later.parse().unwrap());
        let parsed = retry_after(&headers).unwrap();
        assert!(parsed > Duration::from_secs(100) && parsed <= Duration::from_secs(120));
        headers.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
