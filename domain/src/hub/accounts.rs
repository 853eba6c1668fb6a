//! Accounts, sign-in sessions and API tokens.

use super::{Hub, new_id, now};
use crate::access::{Caller, Principal};
use crate::db::{account, api_token, membership, organisation, session};
use crate::error::{Error, ErrorKind, Result};
use crate::model::*;
use crate::{secrets, validate};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

const SESSION_PREFIX: &str = "ponte_s_";
const TOKEN_PREFIX: &str = "ponte_t_";

/// The answer to a bad email or a bad password is the same, so sign-in does not reveal
/// which addresses have accounts.
fn bad_credentials() -> Error {
    Error::new(
        ErrorKind::Unauthenticated,
        "credentials_invalid",
        "the email or the password is wrong",
    )
}

async fn hash_off_runtime(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(|error| Error::internal("password hashing task failed", error))?
}

impl Hub {
    /// Signs up a member account. Anyone may.
    pub async fn create_account(&self, new: NewAccount) -> Result<AccountView> {
        self.create_account_with_role(new, PlatformRole::Member)
            .await
    }

    /// For the operator's shell (`ponte user create`): any role.
    pub async fn create_account_with_role(
        &self,
        new: NewAccount,
        role: PlatformRole,
    ) -> Result<AccountView> {
        let email = validate::email("email", &new.email)?;
        let display_name = validate::text("display_name", &new.display_name, 1, 120)?;
        validate::password(&new.password)?;
        let password_hash = hash_off_runtime(new.password).await?;
        let row = account::ActiveModel {
            id: Set(new_id()),
            email: Set(email),
            display_name: Set(display_name),
            password_hash: Set(password_hash),
            role: Set(role.as_str().to_owned()),
            created_at: Set(now()),
        }
        .insert(self.db())
        .await
        .map_err(|error| match Error::from(error) {
            conflict if conflict.kind == ErrorKind::Conflict => {
                Error::conflict("email_taken", "an account with this email already exists")
                    .with_field("email")
            }
            other => other,
        })?;
        self.account_view(row).await
    }

    /// For the operator's shell (`ponte user grant-role`).
    pub async fn grant_role(&self, email: &str, role: PlatformRole) -> Result<AccountView> {
        let row = self.account_by_email(email).await?.ok_or_else(|| {
            Error::not_found(
                "account_not_found",
                format!("no account has the email {email}"),
            )
        })?;
        let mut active = row.into_active_model();
        active.role = Set(role.as_str().to_owned());
        let row = active.update(self.db()).await?;
        self.account_view(row).await
    }

    /// Checks the password and opens a session; returns the session secret for the cookie.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<(String, AccountView)> {
        let email = email.trim().to_lowercase();
        let row = self.account_by_email(&email).await?;
        let stored_hash = row.as_ref().map(|row| row.password_hash.clone());
        let password = password.to_owned();
        // Verify even for unknown emails so the timing does not tell accounts apart.
        let verified = tokio::task::spawn_blocking(move || match stored_hash {
            Some(hash) => secrets::verify_password(&password, &hash),
            None => {
                let _ = secrets::hash_password(&password);
                false
            }
        })
        .await
        .map_err(|error| Error::internal("password check task failed", error))?;
        let row = match (row, verified) {
            (Some(row), true) => row,
            _ => return Err(bad_credentials()),
        };
        let secret = secrets::random_token(SESSION_PREFIX)?;
        let created_at = now();
        session::ActiveModel {
            token_hash: Set(secrets::digest(&secret)),
            account_id: Set(row.id.clone()),
            created_at: Set(created_at),
            expires_at: Set(created_at + self.inner.session_ttl),
        }
        .insert(self.db())
        .await?;
        Ok((secret, self.account_view(row).await?))
    }

    /// Ends the session the secret belongs to; unknown secrets are ignored.
    pub async fn sign_out(&self, session_secret: &str) -> Result<()> {
        session::Entity::delete_many()
            .filter(session::Column::TokenHash.eq(secrets::digest(session_secret)))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Resolves a session cookie or a bearer token to the account behind it.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Principal>> {
        let digest = secrets::digest(secret);
        let account_id = if secret.starts_with(SESSION_PREFIX) {
            let found = session::Entity::find_by_id(digest).one(self.db()).await?;
            match found {
                Some(row) if row.expires_at > now() => row.account_id,
                _ => return Ok(None),
            }
        } else if secret.starts_with(TOKEN_PREFIX) {
            let found = api_token::Entity::find()
                .filter(api_token::Column::TokenHash.eq(digest))
                .filter(api_token::Column::RevokedAt.is_null())
                .one(self.db())
                .await?;
            let Some(row) = found else { return Ok(None) };
            let account_id = row.account_id.clone();
            // Minute resolution is enough for "last used" and spares a write per request.
            let stale = row
                .last_used_at
                .is_none_or(|at| now() - at > chrono::Duration::minutes(1));
            if stale {
                let mut active = row.into_active_model();
                active.last_used_at = Set(Some(now()));
                active.update(self.db()).await?;
            }
            account_id
        } else {
            return Ok(None);
        };
        let account = account::Entity::find_by_id(account_id)
            .one(self.db())
            .await?;
        Ok(match account {
            Some(row) => Some(Principal {
                account_id: row.id,
                role: PlatformRole::parse(&row.role).unwrap_or(PlatformRole::Member),
            }),
            None => None,
        })
    }

    pub async fn me(&self, caller: &Caller) -> Result<AccountView> {
        let principal = caller.require()?;
        let row = account::Entity::find_by_id(principal.account_id.clone())
            .one(self.db())
            .await?
            .ok_or_else(Error::unauthenticated)?;
        self.account_view(row).await
    }

    pub async fn create_token(&self, caller: &Caller, name: &str) -> Result<IssuedToken> {
        let principal = caller.require()?;
        let name = validate::text("name", name, 1, 100)?;
        let secret = secrets::random_token(TOKEN_PREFIX)?;
        let row = api_token::ActiveModel {
            id: Set(new_id()),
            account_id: Set(principal.account_id.clone()),
            name: Set(name),
            token_hash: Set(secrets::digest(&secret)),
            created_at: Set(now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(self.db())
        .await?;
        Ok(IssuedToken {
            token: token_view(row),
            secret,
        })
    }

    pub async fn list_tokens(&self, caller: &Caller) -> Result<Vec<TokenView>> {
        let principal = caller.require()?;
        let rows = api_token::Entity::find()
            .filter(api_token::Column::AccountId.eq(principal.account_id.clone()))
            .filter(api_token::Column::RevokedAt.is_null())
            .order_by_asc(api_token::Column::Id)
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(token_view).collect())
    }

    /// Revokes one of the caller's own tokens. Someone else's token is "not found".
    pub async fn revoke_token(&self, caller: &Caller, token_id: &str) -> Result<()> {
        let principal = caller.require()?;
        let row = api_token::Entity::find_by_id(token_id.to_owned())
            .one(self.db())
            .await?
            .filter(|row| row.account_id == principal.account_id && row.revoked_at.is_none())
            .ok_or_else(|| Error::not_found("token_not_found", "no such token"))?;
        let mut active = row.into_active_model();
        active.revoked_at = Set(Some(now()));
        active.update(self.db()).await?;
        Ok(())
    }

    pub(super) async fn account_by_email(&self, email: &str) -> Result<Option<account::Model>> {
        Ok(account::Entity::find()
            .filter(account::Column::Email.eq(email.trim().to_lowercase()))
            .one(self.db())
            .await?)
    }

    async fn account_view(&self, row: account::Model) -> Result<AccountView> {
        let memberships = membership::Entity::find()
            .filter(membership::Column::AccountId.eq(row.id.clone()))
            .all(self.db())
            .await?;
        let organisation_ids: Vec<String> = memberships
            .iter()
            .map(|m| m.organisation_id.clone())
            .collect();
        let organisations = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(organisation_ids))
            .all(self.db())
            .await?;
        let memberships = memberships
            .into_iter()
            .map(|m| MembershipView {
                organisation_name: organisations
                    .iter()
                    .find(|o| o.id == m.organisation_id)
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
                organisation_id: m.organisation_id,
                role: MembershipRole::parse(&m.role).unwrap_or(MembershipRole::Editor),
            })
            .collect();
        Ok(AccountView {
            role: PlatformRole::parse(&row.role).unwrap_or(PlatformRole::Member),
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            created_at: row.created_at,
            memberships,
        })
    }
}

fn token_view(row: api_token::Model) -> TokenView {
    TokenView {
        id: row.id,
        name: row.name,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
    }
}
