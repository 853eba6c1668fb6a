//! Learning circles: groups of firms that learn together, run by a facilitator.

use super::ApiState;
use crate::http::auth::SignedIn;
use crate::http::body::JsonBody;
use crate::http::errors::ApiError;
use chrono::{DateTime, Utc};
use domain::circles::{CircleUpdate, CircleView, DiscordChannel, NewCircle};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};
use serde::Deserialize;

#[derive(Tags)]
enum CircleTags {
    /// Learning circles: firms that learn together, with a facilitator.
    Circles,
}

pub struct CirclesApi {
    pub state: ApiState,
}

/// A Discord channel the circle's notifications can go to (ids as Discord shows them
/// in developer mode).
#[derive(Debug, Clone, Object, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordChannelIds {
    pub guild_id: String,
    pub channel_id: String,
}

/// Start a learning circle; you become its facilitator.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct NewCircleBody {
    /// 1–120 characters.
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub topics: Vec<String>,
    pub discord: Option<DiscordChannelIds>,
}

impl poem_openapi::types::Example for NewCircleBody {
    fn example() -> Self {
        NewCircleBody {
            name: "Emilia composites circle".into(),
            description: "Small manufacturers learning to design and test composite parts.".into(),
            topics: vec!["composites".into(), "fatigue testing".into()],
            discord: None,
        }
    }
}

/// Changes to a circle; absent fields stay as they are, `discord: null` unlinks.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct CircleChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub topics: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[oai(default)]
    pub discord: Option<Option<DiscordChannelIds>>,
}

/// Distinguishes an absent field (`None`) from `null` (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl poem_openapi::types::Example for CircleChanges {
    fn example() -> Self {
        CircleChanges {
            name: None,
            description: Some("We meet monthly at the Bologna technopole.".into()),
            topics: None,
            discord: None,
        }
    }
}

/// Join with the code the facilitator gave you.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct JoinCircle {
    pub code: String,
}

impl poem_openapi::types::Example for JoinCircle {
    fn example() -> Self {
        JoinCircle {
            code: "circle-0123456789abcdef".into(),
        }
    }
}

#[derive(Debug, Object)]
pub struct CircleMemberOut {
    pub account_id: String,
    pub display_name: String,
    pub facilitator: bool,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct Circle {
    pub id: String,
    pub name: String,
    pub description: String,
    pub topics: Vec<String>,
    pub facilitator_id: String,
    pub discord: Option<DiscordChannelIds>,
    pub members: Vec<CircleMemberOut>,
    /// Give it to firms you invite; shown to the facilitator only.
    pub invite_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct Invitation {
    /// The new code; the previous one no longer works.
    pub code: String,
}

impl From<CircleView> for Circle {
    fn from(view: CircleView) -> Self {
        Circle {
            id: view.id,
            name: view.name,
            description: view.description,
            topics: view.topics,
            facilitator_id: view.facilitator_id,
            discord: view.discord.map(|d| DiscordChannelIds {
                guild_id: d.guild_id,
                channel_id: d.channel_id,
            }),
            members: view
                .members
                .into_iter()
                .map(|m| CircleMemberOut {
                    account_id: m.account_id,
                    display_name: m.display_name,
                    facilitator: m.facilitator,
                    joined_at: m.joined_at,
                })
                .collect(),
            invite_code: view.invite_code,
            created_at: view.created_at,
            updated_at: view.updated_at,
        }
    }
}

fn discord(ids: DiscordChannelIds) -> DiscordChannel {
    DiscordChannel {
        guild_id: ids.guild_id,
        channel_id: ids.channel_id,
    }
}

#[derive(ApiResponse)]
enum CircleCreated {
    /// Started; you are its facilitator.
    #[oai(status = 201)]
    Created(Json<Circle>),
}

#[derive(ApiResponse)]
enum Done {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "CircleTags::Circles")]
impl CirclesApi {
    /// Start a learning circle
    ///
    /// You become its facilitator: you curate it, invite firms and create its saved
    /// searches. Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(path = "/circles", method = "post", operation_id = "create_circle")]
    async fn create(
        &self,
        auth: SignedIn,
        body: JsonBody<NewCircleBody>,
    ) -> Result<CircleCreated, ApiError> {
        let body = body.0;
        let view = self
            .state
            .hub
            .create_circle(
                &auth.caller(),
                NewCircle {
                    name: body.name,
                    description: body.description,
                    topics: body.topics,
                    discord: body.discord.map(discord),
                },
            )
            .await?;
        Ok(CircleCreated::Created(Json(view.into())))
    }

    /// Your learning circles
    ///
    /// The circles you belong to, newest first. Access: Needs a signed-in account
    /// (session cookie or bearer token).
    #[oai(path = "/circles", method = "get", operation_id = "list_circles")]
    async fn list(&self, auth: SignedIn) -> Result<Json<Vec<Circle>>, ApiError> {
        let circles = self.state.hub.list_circles(&auth.caller()).await?;
        Ok(Json(circles.into_iter().map(Into::into).collect()))
    }

    /// Get a learning circle
    ///
    /// Its description, topics and members. Access: Needs a signed-in member of the
    /// learning circle.
    #[oai(path = "/circles/:id", method = "get", operation_id = "get_circle")]
    async fn get(&self, auth: SignedIn, id: Path<String>) -> Result<Json<Circle>, ApiError> {
        Ok(Json(
            self.state
                .hub
                .get_circle(&auth.caller(), &id.0)
                .await?
                .into(),
        ))
    }

    /// Update a learning circle
    ///
    /// Name, description, topics, linked Discord channel. Access: Needs the signed-in
    /// facilitator of the learning circle.
    #[oai(
        path = "/circles/:id",
        method = "patch",
        operation_id = "update_circle"
    )]
    async fn update(
        &self,
        auth: SignedIn,
        id: Path<String>,
        body: JsonBody<CircleChanges>,
    ) -> Result<Json<Circle>, ApiError> {
        let body = body.0;
        let view = self
            .state
            .hub
            .update_circle(
                &auth.caller(),
                &id.0,
                CircleUpdate {
                    name: body.name,
                    description: body.description,
                    topics: body.topics,
                    discord: body.discord.map(|d| d.map(discord)),
                },
            )
            .await?;
        Ok(Json(view.into()))
    }

    /// New invitation code
    ///
    /// Replaces the circle's invitation code (the old one stops working). Access: Needs
    /// the signed-in facilitator of the learning circle.
    #[oai(
        path = "/circles/:id/invitations",
        method = "post",
        operation_id = "renew_circle_invitation"
    )]
    async fn invite(&self, auth: SignedIn, id: Path<String>) -> Result<Json<Invitation>, ApiError> {
        let code = self
            .state
            .hub
            .renew_circle_invitation(&auth.caller(), &id.0)
            .await?;
        Ok(Json(Invitation { code }))
    }

    /// Join a learning circle
    ///
    /// With the invitation code its facilitator gave you; joining twice is harmless.
    /// Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(path = "/circles/join", method = "post", operation_id = "join_circle")]
    async fn join(
        &self,
        auth: SignedIn,
        body: JsonBody<JoinCircle>,
    ) -> Result<Json<Circle>, ApiError> {
        Ok(Json(
            self.state
                .hub
                .join_circle(&auth.caller(), &body.0.code)
                .await?
                .into(),
        ))
    }

    /// Leave a learning circle
    ///
    /// The facilitator cannot leave the circle they run. Access: Needs a signed-in
    /// member of the learning circle.
    #[oai(
        path = "/circles/:id/leave",
        method = "post",
        operation_id = "leave_circle"
    )]
    async fn leave(&self, auth: SignedIn, id: Path<String>) -> Result<Done, ApiError> {
        self.state.hub.leave_circle(&auth.caller(), &id.0).await?;
        Ok(Done::NoContent)
    }

    /// Remove a member
    ///
    /// Access: Needs the signed-in facilitator of the learning circle.
    #[oai(
        path = "/circles/:id/members/:account_id",
        method = "delete",
        operation_id = "remove_circle_member"
    )]
    async fn remove_member(
        &self,
        auth: SignedIn,
        id: Path<String>,
        account_id: Path<String>,
    ) -> Result<Done, ApiError> {
        self.state
            .hub
            .remove_circle_member(&auth.caller(), &id.0, &account_id.0)
            .await?;
        Ok(Done::NoContent)
    }
}
