//! Form tokens against cross-site request forgery. Every portal form carries a hidden
//! `csrf_token`: an HMAC-SHA256, under a server key, of the session the form was shown
//! in (the session cookie, or for visitors not signed in a random visitor cookie). A
//! post is accepted only when its token matches the session it arrives with, so another
//! site can neither read nor forge one.
//!
//! The key comes from the configuration (`form_key`) or is generated once and kept in
//! the data directory, so tokens in open pages survive a restart.

use crate::http::auth::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
use hmac::{Hmac, Mac};
use poem::Request;
use sha2::Sha256;
use std::path::Path;
use std::sync::Arc;

/// The form field every portal form carries.
pub const FIELD: &str = "csrf_token";
/// The cookie that identifies a visitor who is not signed in, so their forms (sign-in,
/// sign-up, the language switch) have something to be bound to.
pub const VISITOR_COOKIE: &str = "ponte_visitor";
pub const SECURE_VISITOR_COOKIE: &str = "__Host-ponte_visitor";
const KEY_FILE: &str = "form.key";

#[derive(Clone)]
pub struct FormKey {
    key: Arc<Vec<u8>>,
}

impl std::fmt::Debug for FormKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormKey(..)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// 32 random bytes, hex-encoded.
pub fn random_hex() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| format!("no randomness available: {error}"))?;
    Ok(hex(&bytes))
}

impl FormKey {
    /// The configured key, else the one kept in `data_dir`, else a new one written there.
    pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> Result<FormKey, String> {
        if let Some(key) = configured.map(str::trim).filter(|key| !key.is_empty()) {
            if key.len() < 32 {
                return Err("the form key must be at least 32 characters long".to_owned());
            }
            return Ok(FormKey::from_bytes(key.as_bytes()));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let bytes = unhex(text.trim())
                    .filter(|bytes| bytes.len() >= 32)
                    .ok_or_else(|| {
                        format!(
                            "{} is not a form key (64 hexadecimal digits); delete it to make a new one",
                            path.display()
                        )
                    })?;
                Ok(FormKey::from_bytes(&bytes))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let text = random_hex()?;
                write_private(&path, &text)
                    .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
                let bytes = unhex(&text).unwrap_or_default();
                Ok(FormKey::from_bytes(&bytes))
            }
            Err(error) => Err(format!("cannot read {}: {error}", path.display())),
        }
    }

    pub fn from_bytes(bytes: &[u8]) -> FormKey {
        FormKey {
            key: Arc::new(bytes.to_vec()),
        }
    }

    fn mac(&self, binding: &str) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).ok()?;
        mac.update(b"ponte form token\0");
        mac.update(binding.as_bytes());
        Some(mac)
    }

    /// The token for forms shown in the session `binding`.
    pub fn token(&self, binding: &str) -> String {
        self.mac(binding)
            .map(|mac| hex(&mac.finalize().into_bytes()))
            .unwrap_or_default()
    }

    /// Whether `token` was made for `binding` under this key (in constant time).
    pub fn verify(&self, binding: &str, token: &str) -> bool {
        if binding.is_empty() {
            return false;
        }
        match (self.mac(binding), unhex(token.trim())) {
            (Some(mac), Some(bytes)) => mac.verify_slice(&bytes).is_ok(),
            _ => false,
        }
    }

    /// The token for the session this request arrives with; empty when it has none.
    pub fn token_for(&self, request: &Request) -> String {
        match binding(request) {
            Some(binding) => self.token(&binding),
            None => String::new(),
        }
    }

    /// Whether the request carries a valid token for its own session in `fields`.
    pub fn accepts(&self, request: &Request, fields: &[(String, String)]) -> bool {
        let token = fields
            .iter()
            .find(|(name, _)| name == FIELD)
            .map(|(_, value)| value.as_str())
            .unwrap_or("");
        binding(request).is_some_and(|binding| self.verify(&binding, token))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

pub fn cookie_value<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get_all(poem::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty() && value.len() <= 256)
}

/// What a form token is bound to: the session, else the visitor cookie.
fn binding(request: &Request) -> Option<String> {
    if let Some(session) = cookie_value(request, SECURE_SESSION_COOKIE)
        .or_else(|| cookie_value(request, SESSION_COOKIE))
    {
        return Some(format!("session:{session}"));
    }
    cookie_value(request, SECURE_VISITOR_COOKIE)
        .or_else(|| cookie_value(request, VISITOR_COOKIE))
        .map(|visitor| format!("visitor:{visitor}"))
}

/// Gives a visitor with neither a session nor a visitor cookie a visitor cookie, both
/// on this request (so the page's forms get a token) and, returned, for the response.
pub fn ensure_visitor(request: &mut Request, secure: bool) -> Option<String> {
    if binding(request).is_some() {
        return None;
    }
    let (name, visitor, set_cookie) = new_visitor(secure)?;
    let header = format!("{name}={visitor}").parse().ok()?;
    request
        .headers_mut()
        .append(poem::http::header::COOKIE, header);
    Some(set_cookie)
}

/// A new visitor: the cookie's name, its value and the `Set-Cookie` that hands it out.
fn new_visitor(secure: bool) -> Option<(&'static str, String, String)> {
    let visitor = random_hex().ok()?;
    let name = if secure {
        SECURE_VISITOR_COOKIE
    } else {
        VISITOR_COOKIE
    };
    let set_cookie = if secure {
        format!("{name}={visitor}; Path=/; HttpOnly; SameSite=Lax; Secure")
    } else {
        format!("{name}={visitor}; Path=/; HttpOnly; SameSite=Lax")
    };
    Some((name, visitor, set_cookie))
}

impl FormKey {
    /// The token for this request's session, or for a new visitor (with the
    /// `Set-Cookie` to send) when it has none.
    pub fn token_or_new_visitor(
        &self,
        request: &Request,
        secure: bool,
    ) -> (String, Option<String>) {
        if let Some(binding) = binding(request) {
            return (self.token(&binding), None);
        }
        match new_visitor(secure) {
            Some((_, visitor, set_cookie)) => {
                (self.token(&format!("visitor:{visitor}")), Some(set_cookie))
            }
            None => (String::new(), None),
        }
    }
}

/// Refuses a form posted from another site by what the browser says about where the
/// post comes from (`Sec-Fetch-Site`, `Origin`); the token check comes on top.
pub fn cross_site(request: &Request) -> bool {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    if let Some(site) = header("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    match (header("origin"), header("host")) {
        (Some(origin), Some(host)) => {
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or(origin);
            origin_host != host
        }
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_token_fits_only_its_own_session_and_key() {
        let key = FormKey::from_bytes(&[7u8; 32]);
        let other_key = FormKey::from_bytes(&[8u8; 32]);
        let token = key.token("session:abc");
        assert_eq!(token.len(), 64);
        assert!(key.verify("session:abc", &token));
        assert!(!key.verify("session:abd", &token));
        assert!(!other_key.verify("session:abc", &token));
        assert!(!key.verify("session:abc", ""));
        assert!(!key.verify("session:abc", "zz"));
        assert!(!key.verify("", &key.token("")));
    }

    #[test]
    fn a_generated_key_is_kept_and_reused() {
        let dir = tempdir();
        let first = FormKey::load_or_create(None, &dir).unwrap();
        let second = FormKey::load_or_create(None, &dir).unwrap();
        assert_eq!(first.token("visitor:x"), second.token("visitor:x"));
        let configured =
            FormKey::load_or_create(Some("a configured key of at least 32 chars"), &dir).unwrap();
        assert_ne!(configured.token("visitor:x"), first.token("visitor:x"));
        assert!(FormKey::load_or_create(Some("short"), &dir).is_err());
        std::fs::write(dir.join(KEY_FILE), "not hex").unwrap();
        assert!(FormKey::load_or_create(None, &dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ponte-form-key-{}", random_hex().unwrap()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
