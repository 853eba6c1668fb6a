//! Ponte on Discord: slash commands and direct messages answered by the conversation
//! engine, buttons on result cards, account linking, and the delivery adapter that
//! pushes saved-search matches to direct messages and circles' channels.
//!
//! Everything Discord-specific lives here; the engine and the domain know nothing of it.

mod commands;
pub mod delivery;
pub mod render;

use crate::engine::Engine;
use poise::serenity_prelude as serenity;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

pub use delivery::DiscordDelivery;

/// Where Discord is. Production talks to discord.com; tests point `api_base` at a
/// stand-in on loopback.
#[derive(Clone)]
pub struct DiscordSettings {
    pub token: String,
    /// Replaces `https://discord.com` (keeping `/api/v10/…`), e.g. `http://127.0.0.1:4000`.
    /// When set, discord.com itself becomes unreachable from the bot, so nothing can
    /// leak to the real service.
    pub api_base: Option<String>,
    /// Base of the links the bot shows (listing pages).
    pub public_url: String,
}

impl std::fmt::Debug for DiscordSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordSettings")
            .field("token", &"…")
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// Where a request that tried to reach the real Discord ends up when a stand-in is
/// configured: a port nothing listens on, so the request fails at once.
pub const LEAK_GUARD: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9);

const DISCORD_HOSTS: [&str; 4] = [
    "discord.com",
    "gateway.discord.gg",
    "discordapp.com",
    "cdn.discordapp.com",
];

impl DiscordSettings {
    pub fn api_base(&self) -> String {
        self.api_base
            .as_deref()
            .unwrap_or("https://discord.com")
            .trim_end_matches('/')
            .to_owned()
    }
}

/// The HTTP client for Discord's REST API; with a stand-in configured, Discord's own
/// hosts resolve to [`LEAK_GUARD`].
pub fn rest_client(settings: &DiscordSettings) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent("DiscordBot (https://github.com/ponte-marketplace/ponte, 1.0)")
        .connect_timeout(Duration::from_secs(10));
    if settings.api_base.is_some() {
        for host in DISCORD_HOSTS {
            builder = builder.resolve(host, LEAK_GUARD);
        }
    }
    builder
        .build()
        .map_err(|error| format!("cannot build the Discord HTTP client: {error}"))
}

/// What every command and event handler shares.
pub struct BotState {
    engine: Engine,
    /// The conversation each (user, channel) pair is in, so follow-ups refine it.
    conversations: tokio::sync::Mutex<HashMap<(u64, u64), String>>,
    public_url: String,
}

pub type BotError = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, BotState, BotError>;

/// Runs the bot until `stop` flips: connects to the gateway, registers the commands
/// (a bulk overwrite, so registering again after a restart changes nothing) and answers.
pub async fn run(
    engine: Engine,
    settings: DiscordSettings,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    let mut http = serenity::HttpBuilder::new(&settings.token).client(rest_client(&settings)?);
    if let Some(base) = &settings.api_base {
        // serenity honours the proxy only without its own rate limiter.
        http = http
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    let http = http.default_allowed_mentions(render::no_mentions()).build();
    let state = BotState {
        engine: engine.saving_to_discord(),
        conversations: tokio::sync::Mutex::new(HashMap::new()),
        public_url: settings.public_url.trim_end_matches('/').to_owned(),
    };
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |error| Box::pin(commands::on_error(error)),
            event_handler: |framework, event| Box::pin(commands::on_event(framework, event)),
            // Ponte has no owner-only commands: no need to ask Discord who owns the bot.
            initialize_owners: false,
            ..Default::default()
        })
        .setup(|ctx, ready, framework| {
            Box::pin(async move {
                tracing::info!(user = %ready.user.name, "Discord bot connected");
                poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                tracing::info!(
                    commands = framework.options().commands.len(),
                    "Discord commands registered"
                );
                Ok(state)
            })
        })
        .build();
    let intents = serenity::GatewayIntents::GUILDS | serenity::GatewayIntents::DIRECT_MESSAGES;
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .map_err(|error| format!("cannot start the Discord bot: {error}"))?;
    let shards = client.shard_manager.clone();
    let stopper = tokio::spawn(async move {
        while !*stop.borrow() {
            if stop.changed().await.is_err() {
                break;
            }
        }
        shards.shutdown_all().await;
    });
    let result = client
        .start()
        .await
        .map_err(|error| format!("the Discord bot stopped: {error}"));
    stopper.abort();
    result
}

/// Runs the bot, starting it again after a failure (Discord unreachable, a bad
/// answer), until `stop` flips.
pub async fn run_until_stopped(
    engine: Engine,
    settings: DiscordSettings,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut delay = Duration::from_secs(1);
    loop {
        if *stop.borrow() {
            return;
        }
        match run(engine.clone(), settings.clone(), stop.clone()).await {
            Ok(()) if *stop.borrow() => return,
            Ok(()) => tracing::warn!("the Discord bot disconnected; reconnecting"),
            Err(reason) => tracing::error!(%reason, "the Discord bot failed; retrying"),
        }
        let mut stop = stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => {}
        }
        delay = (delay * 2).min(Duration::from_secs(60));
    }
}
