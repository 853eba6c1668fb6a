//! Linking a Discord account: the one-time code the bot's `/link` command takes.

use super::ApiState;
use crate::http::auth::SignedIn;
use crate::http::errors::ApiError;
use chrono::{DateTime, Utc};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};

#[derive(Tags)]
enum DiscordTags {
    /// Use Ponte from Discord.
    Discord,
}

pub struct DiscordApi {
    pub state: ApiState,
}

#[derive(Debug, Object)]
pub struct LinkCode {
    /// Type `/link CODE` to the Ponte bot on Discord.
    pub code: String,
    pub expires_at: DateTime<Utc>,
    /// What to do with it, in words.
    pub how: String,
}

#[derive(Debug, Object)]
pub struct DiscordLink {
    pub linked: bool,
    pub discord_user_id: Option<String>,
}

#[derive(ApiResponse)]
enum Done {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "DiscordTags::Discord")]
impl DiscordApi {
    /// A code to link Discord
    ///
    /// A one-time code, valid for 10 minutes, that links the Discord user who types
    /// `/link CODE` to the bot with your account. Access: Needs a signed-in account
    /// (session cookie or bearer token).
    #[oai(
        path = "/me/discord-link-code",
        method = "post",
        operation_id = "create_discord_link_code"
    )]
    async fn code(&self, auth: SignedIn) -> Result<Json<LinkCode>, ApiError> {
        let (code, expires_at) = self
            .state
            .hub
            .create_discord_link_code(&auth.caller())
            .await?;
        Ok(Json(LinkCode {
            how: format!("Type /link {code} to the Ponte bot on Discord within 10 minutes."),
            code,
            expires_at,
        }))
    }

    /// Your Discord link
    ///
    /// Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(
        path = "/me/discord",
        method = "get",
        operation_id = "get_discord_link"
    )]
    async fn get(&self, auth: SignedIn) -> Result<Json<DiscordLink>, ApiError> {
        let user = self.state.hub.linked_discord_user(&auth.caller()).await?;
        Ok(Json(DiscordLink {
            linked: user.is_some(),
            discord_user_id: user,
        }))
    }

    /// Unlink Discord
    ///
    /// Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(
        path = "/me/discord",
        method = "delete",
        operation_id = "unlink_discord"
    )]
    async fn unlink(&self, auth: SignedIn) -> Result<Done, ApiError> {
        self.state.hub.unlink_discord(&auth.caller()).await?;
        Ok(Done::NoContent)
    }
}
