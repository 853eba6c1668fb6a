//! Who is calling: a session cookie or a bearer token, resolved once per request by
//! [`resolve_caller`] into a `domain::Caller`; the security schemes the OpenAPI spec
//! shows; and the per-address limit on sign-in and sign-up attempts.

use super::errors::{ApiError, ErrorBody};
use domain::{Caller, Hub, Principal};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use poem::{Endpoint, FromRequest, Request, RequestBody};
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};
use poem_openapi::payload::Json;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "ponte_session";
/// The cookie's name when served over HTTPS: the `__Host-` prefix makes browsers
/// refuse it unless it is Secure, host-only and path `/`.
pub const SECURE_SESSION_COOKIE: &str = "__Host-ponte_session";

fn cookie_value<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get_all(poem::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

pub fn session_secret(request: &Request) -> Option<&str> {
    cookie_value(request, SECURE_SESSION_COOKIE).or_else(|| cookie_value(request, SESSION_COOKIE))
}

fn bearer_secret(request: &Request) -> Option<&str> {
    let header = request
        .headers()
        .get(poem::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Resolves the caller before any handler runs and stores it in the request.
pub async fn resolve_caller<E: Endpoint>(
    endpoint: E,
    mut request: Request,
    hub: Hub,
) -> poem::Result<E::Output> {
    let secret = bearer_secret(&request)
        .or_else(|| session_secret(&request))
        .map(str::to_owned);
    let caller = match secret {
        Some(secret) if secret.len() <= 256 => match hub.authenticate(&secret).await {
            Ok(principal) => Caller(principal),
            Err(error) => {
                return Err(poem::Error::from(ApiError::from(error)));
            }
        },
        _ => Caller::anonymous(),
    };
    // The spec's cookie scheme names `ponte_session`; over HTTPS the cookie is
    // `__Host-ponte_session`, so expose it under the plain name too.
    if cookie_value(&request, SESSION_COOKIE).is_none()
        && let Some(value) = cookie_value(&request, SECURE_SESSION_COOKIE)
        && let Ok(header) = format!("{SESSION_COOKIE}={value}").parse()
    {
        request
            .headers_mut()
            .append(poem::http::header::COOKIE, header);
    }
    request.extensions_mut().insert(caller);
    endpoint.call(request).await
}

fn resolved(request: &Request) -> Option<Principal> {
    request
        .extensions()
        .get::<Caller>()
        .and_then(|caller| caller.0.clone())
}

async fn bearer_checker(request: &Request, _bearer: Bearer) -> Option<Principal> {
    resolved(request)
}

async fn cookie_checker(request: &Request, _cookie: ApiKey) -> Option<Principal> {
    resolved(request)
}

/// `Authorization: Bearer <token>` with a token from `POST /api/v1/tokens`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "bearer_checker")]
pub struct BearerToken(Principal);

/// The session cookie set by `POST /api/v1/session`.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "ponte_session",
    key_in = "cookie",
    checker = "cookie_checker"
)]
pub struct SessionCookie(Principal);

/// A signed-in caller, by token or by session. Declared first in every operation that
/// needs an account, so an anonymous call gets 401 whatever its body.
#[derive(SecurityScheme)]
pub enum SignedIn {
    Bearer(BearerToken),
    Session(SessionCookie),
}

impl SignedIn {
    pub fn caller(&self) -> Caller {
        match self {
            SignedIn::Bearer(BearerToken(principal))
            | SignedIn::Session(SessionCookie(principal)) => Caller::account(principal.clone()),
        }
    }
}

/// Whoever is calling, signed in or not, for operations open to everyone whose answer
/// depends on who asks.
#[derive(Debug, Clone)]
pub struct AnyCaller(pub Caller);

impl<'a> FromRequest<'a> for AnyCaller {
    async fn from_request(request: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(AnyCaller(
            request
                .extensions()
                .get::<Caller>()
                .cloned()
                .unwrap_or_default(),
        ))
    }
}

/// Attempts per minute per client address for sign-in and sign-up. Keyed on the TCP
/// peer, never on `X-Forwarded-For`, which any client can forge.
#[derive(Clone)]
pub struct AuthRateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    refusal: &'static str,
}

impl AuthRateLimit {
    pub fn per_minute(attempts: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(attempts.max(1)).unwrap_or(NonZeroU32::MIN));
        AuthRateLimit {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            refusal: "too many sign-in or sign-up attempts from your address; wait a minute and try again",
        }
    }

    /// The same per-address limit, refusing with `refusal`.
    pub fn per_minute_saying(attempts: u32, refusal: &'static str) -> Self {
        AuthRateLimit {
            refusal,
            ..Self::per_minute(attempts)
        }
    }

    pub fn check(&self, peer: &poem::web::RemoteAddr) -> Result<(), ApiError> {
        let Some(address) = peer.as_socket_addr().map(|a| a.ip()) else {
            return Ok(());
        };
        // Forget idle addresses now and then so the table cannot grow without bound.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&address).map_err(|_| {
            ApiError::TooManyRequests(Json(ErrorBody::new("rate_limited", self.refusal)))
        })
    }
}

/// The `Set-Cookie` value for a session (an empty secret with age 0 clears it):
/// HttpOnly and SameSite=Lax always; over HTTPS also Secure, under the `__Host-` name.
pub fn session_cookie(secure: bool, secret: &str, max_age_seconds: i64) -> String {
    if secure {
        format!(
            "{SECURE_SESSION_COOKIE}={secret}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax; Secure"
        )
    } else {
        format!(
            "{SESSION_COOKIE}={secret}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax"
        )
    }
}

/// Sign-in attempts per minute per account (by its email, whatever the address they
/// come from), so guessing one account's password from many addresses stays slow.
#[derive(Clone)]
pub struct AccountRateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
}

impl AccountRateLimit {
    pub fn per_minute(attempts: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(attempts.max(1)).unwrap_or(NonZeroU32::MIN));
        AccountRateLimit {
            limiter: Arc::new(RateLimiter::keyed(quota)),
        }
    }

    /// Whether another attempt on `email` is allowed now (and counts it).
    pub fn allows(&self, email: &str) -> bool {
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        let key: String = email.trim().to_lowercase().chars().take(320).collect();
        self.limiter.check_key(&key).is_ok()
    }

    pub fn check(&self, email: &str) -> Result<(), ApiError> {
        if self.allows(email) {
            Ok(())
        } else {
            Err(ApiError::TooManyRequests(Json(ErrorBody::new(
                "rate_limited",
                "too many sign-in attempts for this account; wait a minute and try again",
            ))))
        }
    }
}

impl AuthRateLimit {
    /// Whether another attempt from this address is allowed now (and counts it).
    pub fn allows(&self, peer: &poem::web::RemoteAddr) -> bool {
        self.check(peer).is_ok()
    }
}
