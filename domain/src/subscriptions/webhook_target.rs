//! Which webhook targets Ponte will call. A saved search's webhook URL is chosen by
//! whoever creates it, so without a check it could make the server reach into its own
//! network (SSRF): loopback, private, link-local and other non-public addresses are
//! refused unless an operator allows them explicitly. The check here covers URLs whose
//! host is an address or `localhost`; the sender checks every address a name resolves
//! to at connection time (so a name cannot be re-pointed after it was accepted).

use crate::error::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const MAX_URL: usize = 2_048;

/// Whether an address is somewhere a webhook must not reach by default.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => non_public_v4(v4),
            None => non_public_v6(v6),
        },
    }
}

fn non_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Carrier-grade NAT 100.64.0.0/10 and benchmarking 198.18.0.0/15.
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn non_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7 and link-local fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
}

fn refused(message: impl Into<String>) -> Error {
    Error::invalid("webhook_url", "webhook_url_forbidden", message)
}

/// Checks a webhook URL and returns it normalised.
pub fn check(url: &str, allow_non_public: bool) -> Result<String> {
    let trimmed = url.trim();
    if trimmed.len() > MAX_URL {
        return Err(Error::invalid(
            "webhook_url",
            "webhook_url_invalid",
            format!("`webhook_url` must be at most {MAX_URL} characters"),
        ));
    }
    let parsed = url::Url::parse(trimmed).map_err(|error| {
        Error::invalid(
            "webhook_url",
            "webhook_url_invalid",
            format!("`webhook_url` is not a URL: {error}"),
        )
    })?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(Error::invalid(
            "webhook_url",
            "webhook_url_invalid",
            "`webhook_url` must be an http or https URL",
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::invalid(
            "webhook_url",
            "webhook_url_invalid",
            "`webhook_url` must not carry a user name or password; the signature authenticates Ponte",
        ));
    }
    let non_public = match parsed.host() {
        None => {
            return Err(Error::invalid(
                "webhook_url",
                "webhook_url_invalid",
                "`webhook_url` needs a host",
            ));
        }
        Some(url::Host::Ipv4(ip)) => is_non_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_non_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if non_public && !allow_non_public {
        return Err(refused(
            "`webhook_url` points at a private, loopback or link-local address; Ponte only calls public addresses unless its operator allows others",
        ));
    }
    Ok(parsed.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses_and_names_pass() {
        assert!(check("https://hooks.example.org/ponte", false).is_ok());
        assert!(check("http://93.184.216.34:8080/x", false).is_ok());
        assert!(!is_non_public("2a00:1450:4002::200e".parse().unwrap()));
    }

    #[test]
    fn internal_targets_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9000/",
            "http://localhost/",
            "http://api.localhost/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            let error = check(url, false).unwrap_err();
            assert_eq!(error.code, "webhook_url_forbidden", "{url}");
            assert!(
                check(url, true).is_ok(),
                "{url} with the operator's permission"
            );
        }
    }

    #[test]
    fn malformed_urls_are_named() {
        for url in [
            "not a url",
            "ftp://example.org/",
            "https://user:pw@example.org/",
        ] {
            let error = check(url, false).unwrap_err();
            assert_eq!(error.code, "webhook_url_invalid", "{url}");
            assert_eq!(error.field.as_deref(), Some("webhook_url"));
        }
    }
}
