//! Random tokens, their stored digests, and password hashing. Secrets are compared by
//! digest lookup, so no secret is ever stored or logged in clear.

use crate::error::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// 32 random bytes from the operating system, hex-encoded, with a readable prefix so a
/// leaked token is recognisable in logs and secret scanners.
pub fn random_token(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| {
        Error::internal(
            "no randomness available",
            std::io::Error::other(error.to_string()),
        )
    })?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// argon2id with the crate's defaults (m=19456, t=2, p=1, OWASP's recommendation).
/// Slow on purpose: call it off the async runtime.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes).map_err(|error| {
        Error::internal(
            "no randomness available",
            std::io::Error::other(error.to_string()),
        )
    })?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|error| {
        Error::internal(
            "salt encoding failed",
            std::io::Error::other(error.to_string()),
        )
    })?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| {
            Error::internal(
                "password hashing failed",
                std::io::Error::other(error.to_string()),
            )
        })
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() -> Result<()> {
        let hash = hash_password("correct horse battery")?;
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("anything", "not a hash"));
        Ok(())
    }

    #[test]
    fn tokens_are_unique_and_digests_stable() -> Result<()> {
        let first = random_token("ponte_")?;
        let second = random_token("ponte_")?;
        assert_ne!(first, second);
        assert_eq!(first.len(), "ponte_".len() + 64);
        assert_eq!(digest(&first), digest(&first));
        assert_ne!(digest(&first), digest(&second));
        Ok(())
    }
}
