//! Linking a Discord user to a Ponte account: the account asks for a one-time code (on
//! the web or over the API) and the person types it to the bot (`/link CODE`). Codes
//! expire after ten minutes, work once, and are stored only as digests.

use crate::access::{Caller, Principal};
use crate::db::{account, discord_account, discord_link_code};
use crate::error::{Error, Result};
use crate::hub::{Hub, now};
use crate::model::PlatformRole;
use crate::secrets;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

const CODE_LIFETIME_MINUTES: i64 = 10;

/// Letters and digits that cannot be mistaken for one another when typed.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn new_code() -> Result<String> {
    let token = secrets::random_token("")?;
    let bytes: Vec<u8> = token
        .as_bytes()
        .chunks(2)
        .take(8)
        .map(|pair| {
            let value =
                u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("00"), 16).unwrap_or(0);
            ALPHABET[usize::from(value) % ALPHABET.len()]
        })
        .collect();
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn normalise_code(code: &str) -> String {
    code.trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn invalid_code() -> Error {
    Error::invalid(
        "code",
        "link_code_invalid",
        "this code is not valid: it may have expired (codes last 10 minutes) or been used; ask for a new one on your Ponte account page",
    )
}

impl Hub {
    /// A fresh one-time code for the caller to give the bot, and when it expires.
    pub async fn create_discord_link_code(
        &self,
        caller: &Caller,
    ) -> Result<(String, DateTime<Utc>)> {
        let principal = caller.require()?;
        let code = new_code()?;
        let expires_at = now() + chrono::Duration::minutes(CODE_LIFETIME_MINUTES);
        discord_link_code::ActiveModel {
            code_digest: Set(secrets::digest(&code)),
            account_id: Set(principal.account_id.clone()),
            expires_at: Set(expires_at),
            used_at: Set(None),
        }
        .insert(self.db())
        .await?;
        Ok((code, expires_at))
    }

    /// Binds a Discord user to the account that made `code` (the bot calls this for
    /// `/link CODE`). A Discord user links to one account; linking again moves it.
    pub async fn link_discord_user(&self, code: &str, discord_user_id: &str) -> Result<Principal> {
        let discord_user_id = discord_user_id.trim();
        if discord_user_id.is_empty()
            || discord_user_id.len() > 20
            || !discord_user_id.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Error::invalid(
                "discord_user_id",
                "discord_id_invalid",
                "not a Discord user id",
            ));
        }
        let digest = secrets::digest(&normalise_code(code));
        let at = now();
        let txn = self.db().begin().await?;
        let row = discord_link_code::Entity::find_by_id(digest.clone())
            .one(&txn)
            .await?
            .filter(|row| row.used_at.is_none() && row.expires_at > at)
            .ok_or_else(invalid_code)?;
        // Single use even when two people type the same code at once.
        let used = discord_link_code::Entity::update_many()
            .col_expr(discord_link_code::Column::UsedAt, Expr::value(Some(at)))
            .filter(discord_link_code::Column::CodeDigest.eq(digest))
            .filter(discord_link_code::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        if used.rows_affected != 1 {
            return Err(invalid_code());
        }
        discord_account::Entity::delete_many()
            .filter(discord_account::Column::AccountId.eq(row.account_id.clone()))
            .exec(&txn)
            .await?;
        discord_account::Entity::insert(discord_account::ActiveModel {
            discord_user_id: Set(discord_user_id.to_owned()),
            account_id: Set(row.account_id.clone()),
            linked_at: Set(at),
        })
        .on_conflict(
            OnConflict::column(discord_account::Column::DiscordUserId)
                .update_columns([
                    discord_account::Column::AccountId,
                    discord_account::Column::LinkedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        let account = account::Entity::find_by_id(row.account_id.clone())
            .one(&txn)
            .await?
            .ok_or_else(invalid_code)?;
        txn.commit().await?;
        Ok(Principal {
            account_id: account.id,
            role: PlatformRole::parse(&account.role).unwrap_or(PlatformRole::Member),
        })
    }

    /// The Ponte account a Discord user is linked to, if any.
    pub async fn discord_principal(&self, discord_user_id: &str) -> Result<Option<Principal>> {
        let Some(link) = discord_account::Entity::find_by_id(discord_user_id.to_owned())
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        Ok(account::Entity::find_by_id(link.account_id)
            .one(self.db())
            .await?
            .map(|account| Principal {
                account_id: account.id,
                role: PlatformRole::parse(&account.role).unwrap_or(PlatformRole::Member),
            }))
    }

    /// The Discord user linked to the caller's account, if any.
    pub async fn linked_discord_user(&self, caller: &Caller) -> Result<Option<String>> {
        let principal = caller.require()?;
        Ok(discord_account::Entity::find()
            .filter(discord_account::Column::AccountId.eq(principal.account_id.clone()))
            .one(self.db())
            .await?
            .map(|link| link.discord_user_id))
    }

    /// Removes the caller's link to Discord.
    pub async fn unlink_discord(&self, caller: &Caller) -> Result<()> {
        let principal = caller.require()?;
        discord_account::Entity::delete_many()
            .filter(discord_account::Column::AccountId.eq(principal.account_id.clone()))
            .exec(self.db())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_unambiguous_characters_and_typing_is_forgiving() {
        let code = new_code().unwrap();
        assert_eq!(code.len(), 8);
        assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
        assert_ne!(code, new_code().unwrap());
        assert_eq!(normalise_code(" abcd-2345 "), "ABCD2345");
    }
}
