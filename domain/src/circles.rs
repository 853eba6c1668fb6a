//! Learning circles: groups of firms that learn together. A facilitator curates the
//! circle (its description, topics, linked Discord channel, members and saved searches);
//! firms join with an invitation code the facilitator hands out.

use crate::access::{Caller, Principal};
use crate::db::{account, circle, circle_member};
use crate::error::{Error, Result};
use crate::hub::{Hub, new_id, now};
use crate::{secrets, validate};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

const MAX_CIRCLE_NAME: usize = 120;
const MAX_CIRCLE_DESCRIPTION: usize = 5_000;

/// What a facilitator fills in to start a circle.
#[derive(Debug, Clone, Default)]
pub struct NewCircle {
    pub name: String,
    pub description: String,
    pub topics: Vec<String>,
    pub discord: Option<DiscordChannel>,
}

/// Changes to a circle; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CircleUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub topics: Option<Vec<String>>,
    /// `Some(None)` unlinks the Discord channel.
    pub discord: Option<Option<DiscordChannel>>,
}

/// A Discord channel a circle's notifications can go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscordChannel {
    pub guild_id: String,
    pub channel_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircleMember {
    pub account_id: String,
    pub display_name: String,
    pub facilitator: bool,
    pub joined_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone)]
pub struct CircleView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub topics: Vec<String>,
    pub facilitator_id: String,
    pub discord: Option<DiscordChannel>,
    pub members: Vec<CircleMember>,
    /// Shown to the facilitator only.
    pub invite_code: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

pub(crate) fn circle_not_found() -> Error {
    Error::not_found("circle_not_found", "no such circle, or you are not in it")
}

fn snowflake(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    if (1..=20).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(Error::invalid(
            field,
            "discord_id_invalid",
            format!(
                "`{field}` must be a Discord id (digits only, as Discord shows it in developer mode)"
            ),
        ))
    }
}

fn validate_discord(discord: &DiscordChannel) -> Result<DiscordChannel> {
    Ok(DiscordChannel {
        guild_id: snowflake("discord_guild_id", &discord.guild_id)?,
        channel_id: snowflake("discord_channel_id", &discord.channel_id)?,
    })
}

fn invite_code() -> Result<String> {
    // 16 hex characters of 32 random bytes' worth: short enough to type, 64 bits of entropy.
    let token = secrets::random_token("")?;
    Ok(format!("circle-{}", &token[..16]))
}

impl Hub {
    pub async fn create_circle(&self, caller: &Caller, new: NewCircle) -> Result<CircleView> {
        let principal = caller.require()?;
        let name = validate::text("name", &new.name, 1, MAX_CIRCLE_NAME)?;
        let description =
            validate::text("description", &new.description, 0, MAX_CIRCLE_DESCRIPTION)?;
        let topics = validate::tags("topics", &new.topics)?;
        let discord = new.discord.as_ref().map(validate_discord).transpose()?;
        let id = new_id();
        let at = now();
        let txn = self.db().begin().await?;
        circle::ActiveModel {
            id: Set(id.clone()),
            name: Set(name),
            description: Set(description),
            topics: Set(serde_json::to_string(&topics).unwrap_or_else(|_| "[]".into())),
            facilitator_id: Set(principal.account_id.clone()),
            discord_guild_id: Set(discord.as_ref().map(|d| d.guild_id.clone())),
            discord_channel_id: Set(discord.as_ref().map(|d| d.channel_id.clone())),
            invite_code: Set(invite_code()?),
            created_at: Set(at),
            updated_at: Set(at),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        circle_member::ActiveModel {
            circle_id: Set(id.clone()),
            account_id: Set(principal.account_id.clone()),
            joined_at: Set(at),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        self.get_circle(caller, &id).await
    }

    /// A circle as its members see it (the facilitator also sees the invitation code).
    pub async fn get_circle(&self, caller: &Caller, id: &str) -> Result<CircleView> {
        let principal = caller.require()?;
        let row = self.circle_row(id).await?;
        if !self.is_circle_member(id, principal).await? {
            return Err(circle_not_found());
        }
        self.circle_view(row, principal).await
    }

    /// The circles the caller belongs to, newest first.
    pub async fn list_circles(&self, caller: &Caller) -> Result<Vec<CircleView>> {
        let principal = caller.require()?;
        let memberships = circle_member::Entity::find()
            .filter(circle_member::Column::AccountId.eq(principal.account_id.clone()))
            .all(self.db())
            .await?;
        let rows = circle::Entity::find()
            .filter(circle::Column::Id.is_in(memberships.into_iter().map(|m| m.circle_id)))
            .order_by_desc(circle::Column::Id)
            .all(self.db())
            .await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            views.push(self.circle_view(row, principal).await?);
        }
        Ok(views)
    }

    pub async fn update_circle(
        &self,
        caller: &Caller,
        id: &str,
        update: CircleUpdate,
    ) -> Result<CircleView> {
        let principal = caller.require()?;
        let row = self.facilitated_circle(id, principal).await?;
        let mut active = row.clone().into_active_model();
        if let Some(name) = &update.name {
            active.name = Set(validate::text("name", name, 1, MAX_CIRCLE_NAME)?);
        }
        if let Some(description) = &update.description {
            active.description = Set(validate::text(
                "description",
                description,
                0,
                MAX_CIRCLE_DESCRIPTION,
            )?);
        }
        if let Some(topics) = &update.topics {
            let topics = validate::tags("topics", topics)?;
            active.topics = Set(serde_json::to_string(&topics).unwrap_or_else(|_| "[]".into()));
        }
        if let Some(discord) = &update.discord {
            let discord = discord.as_ref().map(validate_discord).transpose()?;
            active.discord_guild_id = Set(discord.as_ref().map(|d| d.guild_id.clone()));
            active.discord_channel_id = Set(discord.as_ref().map(|d| d.channel_id.clone()));
        }
        active.updated_at = Set(now());
        active.version = Set(row.version + 1);
        active.update(self.db()).await?;
        self.get_circle(caller, id).await
    }

    /// A fresh invitation code; the previous one stops working.
    pub async fn renew_circle_invitation(&self, caller: &Caller, id: &str) -> Result<String> {
        let principal = caller.require()?;
        let row = self.facilitated_circle(id, principal).await?;
        let code = invite_code()?;
        let mut active = row.into_active_model();
        active.invite_code = Set(code.clone());
        active.updated_at = Set(now());
        active.update(self.db()).await?;
        Ok(code)
    }

    /// Joins the circle whose invitation code this is; joining twice is harmless.
    pub async fn join_circle(&self, caller: &Caller, code: &str) -> Result<CircleView> {
        let principal = caller.require()?;
        let code = code.trim();
        let row = circle::Entity::find()
            .filter(circle::Column::InviteCode.eq(code.to_owned()))
            .one(self.db())
            .await?
            .ok_or_else(|| {
                Error::not_found(
                    "invitation_invalid",
                    "this invitation code is not valid (it may have been replaced); ask the facilitator for a new one",
                )
                .with_field("code")
            })?;
        if !self.is_circle_member(&row.id, principal).await? {
            let inserted = circle_member::ActiveModel {
                circle_id: Set(row.id.clone()),
                account_id: Set(principal.account_id.clone()),
                joined_at: Set(now()),
            }
            .insert(self.db())
            .await;
            // A concurrent join of the same account already added the row.
            if let Err(error) = inserted
                && !matches!(
                    error.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                )
            {
                return Err(error.into());
            }
        }
        self.circle_view(row, principal).await
    }

    /// Leaves a circle. The facilitator cannot leave the circle they run.
    pub async fn leave_circle(&self, caller: &Caller, id: &str) -> Result<()> {
        let principal = caller.require()?;
        let row = self.circle_row(id).await?;
        if !self.is_circle_member(id, principal).await? {
            return Err(circle_not_found());
        }
        if row.facilitator_id == principal.account_id {
            return Err(Error::conflict(
                "facilitator_cannot_leave",
                "the facilitator cannot leave the circle they run",
            ));
        }
        self.remove_circle_member_row(id, &principal.account_id)
            .await
    }

    /// The facilitator removes a member.
    pub async fn remove_circle_member(
        &self,
        caller: &Caller,
        id: &str,
        account_id: &str,
    ) -> Result<()> {
        let principal = caller.require()?;
        let row = self.facilitated_circle(id, principal).await?;
        if row.facilitator_id == account_id {
            return Err(Error::conflict(
                "facilitator_cannot_leave",
                "the facilitator cannot be removed from the circle they run",
            ));
        }
        let found = circle_member::Entity::find_by_id((id.to_owned(), account_id.to_owned()))
            .one(self.db())
            .await?;
        if found.is_none() {
            return Err(Error::not_found(
                "member_not_found",
                "that account is not a member of this circle",
            ));
        }
        self.remove_circle_member_row(id, account_id).await
    }

    async fn remove_circle_member_row(&self, id: &str, account_id: &str) -> Result<()> {
        circle_member::Entity::delete_by_id((id.to_owned(), account_id.to_owned()))
            .exec(self.db())
            .await?;
        Ok(())
    }

    pub(crate) async fn circle_row(&self, id: &str) -> Result<circle::Model> {
        circle::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(circle_not_found)
    }

    pub(crate) async fn is_circle_member(&self, id: &str, principal: &Principal) -> Result<bool> {
        Ok(
            circle_member::Entity::find_by_id((id.to_owned(), principal.account_id.clone()))
                .one(self.db())
                .await?
                .is_some(),
        )
    }

    /// The circle, if the caller facilitates it; members who do not get 403, others 404.
    pub(crate) async fn facilitated_circle(
        &self,
        id: &str,
        principal: &Principal,
    ) -> Result<circle::Model> {
        let row = self.circle_row(id).await?;
        if row.facilitator_id == principal.account_id {
            return Ok(row);
        }
        if self.is_circle_member(id, principal).await? {
            return Err(Error::forbidden(
                "only the circle's facilitator may do this",
            ));
        }
        Err(circle_not_found())
    }

    /// Account ids of every member of a circle.
    pub(crate) async fn circle_member_ids(&self, id: &str) -> Result<Vec<String>> {
        Ok(circle_member::Entity::find()
            .filter(circle_member::Column::CircleId.eq(id.to_owned()))
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| m.account_id)
            .collect())
    }

    async fn circle_view(&self, row: circle::Model, principal: &Principal) -> Result<CircleView> {
        let members = circle_member::Entity::find()
            .filter(circle_member::Column::CircleId.eq(row.id.clone()))
            .order_by_asc(circle_member::Column::JoinedAt)
            .all(self.db())
            .await?;
        let accounts = account::Entity::find()
            .filter(account::Column::Id.is_in(members.iter().map(|m| m.account_id.clone())))
            .all(self.db())
            .await?;
        let name_of = |id: &str| {
            accounts
                .iter()
                .find(|a| a.id == id)
                .map(|a| a.display_name.clone())
                .unwrap_or_default()
        };
        let facilitator = row.facilitator_id == principal.account_id;
        Ok(CircleView {
            members: members
                .iter()
                .map(|m| CircleMember {
                    display_name: name_of(&m.account_id),
                    facilitator: m.account_id == row.facilitator_id,
                    account_id: m.account_id.clone(),
                    joined_at: m.joined_at,
                })
                .collect(),
            topics: serde_json::from_str(&row.topics).unwrap_or_default(),
            discord: match (row.discord_guild_id, row.discord_channel_id) {
                (Some(guild_id), Some(channel_id)) => Some(DiscordChannel {
                    guild_id,
                    channel_id,
                }),
                _ => None,
            },
            invite_code: facilitator.then_some(row.invite_code),
            id: row.id,
            name: row.name,
            description: row.description,
            facilitator_id: row.facilitator_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
