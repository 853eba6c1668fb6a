//! Settings, resolved in one order everywhere: defaults in code, then an optional TOML
//! file, then `PONTE_*` environment variables, then command-line flags.

use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";

/// Everything `ponte serve` needs, fully resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
    pub bind: String,
    /// Holds the SQLite file and, later, the search index.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; `None` uses `<data_dir>/ponte.db`.
    pub database_url: Option<String>,
    /// The base of every link Ponte sends out; defaults to `http://<bind>`.
    pub public_url: Option<String>,
    /// Load the demo data at start (idempotent).
    pub demo: bool,
    /// Sign-in and sign-up attempts per minute per client address.
    pub auth_attempts_per_minute: u32,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a sign-in lasts.
    pub session_days: u32,
    /// How long in-flight requests may take to finish on shutdown.
    pub shutdown_grace_seconds: u64,
    /// Let webhooks target loopback, private and link-local addresses.
    pub webhook_allow_private: bool,
    /// How long a webhook receiver gets to answer.
    pub webhook_timeout_seconds: u64,
    /// Attempts before a message is dead-lettered.
    pub delivery_max_attempts: u32,
    /// The first retry waits up to this long, each further one up to twice as long.
    pub delivery_retry_base_ms: u64,
    /// Chat messages per minute per client address.
    pub chat_messages_per_minute: u32,
    /// Working days an introduction may wait for an answer before brokers are told.
    pub introduction_escalation_working_days: u32,
    /// Open introduction requests allowed per account.
    pub max_open_introductions: u32,
    /// The Discord bot's token; without one nothing Discord-related starts.
    pub discord_token: Option<String>,
    /// Replaces https://discord.com for the bot (a stand-in on loopback in tests).
    pub discord_api_base: Option<String>,
    /// The key that signs the portal's form tokens (at least 32 characters); without
    /// one, a random key is generated once and kept in `<data_dir>/form.key`.
    pub form_key: Option<String>,
}

impl Settings {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Settings {
            bind: DEFAULT_BIND.to_owned(),
            data_dir: data_dir.into(),
            database_url: None,
            public_url: None,
            demo: false,
            auth_attempts_per_minute: 10,
            max_body_bytes: 1024 * 1024,
            session_days: 30,
            shutdown_grace_seconds: 30,
            webhook_allow_private: false,
            webhook_timeout_seconds: 10,
            delivery_max_attempts: 8,
            delivery_retry_base_ms: 2_000,
            chat_messages_per_minute: 30,
            introduction_escalation_working_days: 5,
            max_open_introductions: 5,
            discord_token: None,
            discord_api_base: None,
            form_key: None,
        }
    }

    /// The database to open: the configured URL, or the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("ponte.db").display()
            ),
        }
    }

    pub fn uses_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }
}

/// The optional TOML file (`--config` / `PONTE_CONFIG`); every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub demo: Option<bool>,
    pub auth_attempts_per_minute: Option<u32>,
    pub max_body_bytes: Option<usize>,
    pub session_days: Option<u32>,
    pub shutdown_grace_seconds: Option<u64>,
    pub webhook_allow_private: Option<bool>,
    pub webhook_timeout_seconds: Option<u64>,
    pub delivery_max_attempts: Option<u32>,
    pub delivery_retry_base_ms: Option<u64>,
    pub chat_messages_per_minute: Option<u32>,
    pub introduction_escalation_working_days: Option<u32>,
    pub max_open_introductions: Option<u32>,
    pub discord_token: Option<String>,
    pub discord_api_base: Option<String>,
    pub form_key: Option<String>,
}

impl FileSettings {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            format!(
                "cannot read the configuration file {}: {error}",
                path.display()
            )
        })?;
        toml::from_str(&text).map_err(|error| {
            format!(
                "the configuration file {} is invalid: {error}",
                path.display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_lives_in_the_data_directory_unless_a_url_is_given() {
        let mut settings = Settings::new("/tmp/ponte-data");
        assert_eq!(
            settings.database_url(),
            "sqlite:///tmp/ponte-data/ponte.db?mode=rwc"
        );
        settings.database_url = Some("postgres://postgres@127.0.0.1/test".into());
        assert!(!settings.uses_sqlite());
    }

    #[test]
    fn unknown_keys_in_the_file_are_errors() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("ponte-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("ponte.toml");
        std::fs::write(&path, "bind = \"0.0.0.0:9000\"\ndemo = true\n")?;
        let file = FileSettings::load(&path)?;
        assert_eq!(file.bind.as_deref(), Some("0.0.0.0:9000"));
        std::fs::write(&path, "bnid = \"x\"\n")?;
        let error = FileSettings::load(&path).err().unwrap_or_default();
        assert!(error.contains("bnid"), "{error}");
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
