//! Sign-up, sign-in sessions, the caller's own account and API tokens.

use super::ApiState;
use super::wire::{Account, Credentials, IssuedToken, NewAccount, NewToken, Token};
use crate::http::auth::SignedIn;
use crate::http::body::JsonBody;
use crate::http::errors::ApiError;
use poem::web::RemoteAddr;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, Tags};

#[derive(Tags)]
enum AccountTags {
    /// Sign up, sign in, API tokens.
    Accounts,
}

pub struct AccountsApi {
    pub state: ApiState,
}

#[derive(ApiResponse)]
enum AccountCreated {
    /// The account exists; sign in next.
    #[oai(status = 201)]
    Created(Json<Account>),
}

#[derive(ApiResponse)]
enum SignedInResponse {
    /// Signed in; the session cookie is set.
    #[oai(status = 200)]
    Ok(Json<Account>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum SignedOut {
    /// Signed out; the session cookie is cleared.
    #[oai(status = 204)]
    NoContent(#[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum TokenCreated {
    /// The token, shown this once.
    #[oai(status = 201)]
    Created(Json<IssuedToken>),
}

#[derive(ApiResponse)]
enum Revoked {
    /// Revoked; it no longer works.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "AccountTags::Accounts")]
impl AccountsApi {
    /// Create an account
    ///
    /// Anyone may sign up; new accounts are plain members of the network. Attempts are
    /// limited per client address. Access: Open to everyone.
    #[oai(path = "/accounts", method = "post", operation_id = "create_account")]
    async fn create_account(
        &self,
        peer: &RemoteAddr,
        body: JsonBody<NewAccount>,
    ) -> Result<AccountCreated, ApiError> {
        self.state.auth_limit.check(peer)?;
        let body = body.0;
        let account = self
            .state
            .hub
            .create_account(domain::model::NewAccount {
                email: body.email,
                display_name: body.display_name,
                password: body.password,
            })
            .await?;
        Ok(AccountCreated::Created(Json(account.into())))
    }

    /// Sign in
    ///
    /// Checks the email and password and sets a session cookie (HttpOnly, SameSite=Lax;
    /// Secure and `__Host-`-prefixed when the server is public over HTTPS). Attempts are
    /// limited per client address and per account (shared with the web sign-in form).
    /// Access: Open to everyone.
    #[oai(path = "/session", method = "post", operation_id = "sign_in")]
    async fn sign_in(
        &self,
        peer: &RemoteAddr,
        body: JsonBody<Credentials>,
    ) -> Result<SignedInResponse, ApiError> {
        self.state.auth_limit.check(peer)?;
        self.state.account_limit.check(&body.0.email)?;
        let (secret, account) = self
            .state
            .hub
            .sign_in(&body.0.email, &body.0.password)
            .await?;
        let cookie = self
            .state
            .session_cookie(&secret, self.state.session_ttl_seconds);
        Ok(SignedInResponse::Ok(Json(account.into()), cookie))
    }

    /// Sign out
    ///
    /// Ends the current session (it stops working on every device that holds the cookie).
    /// Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(path = "/session", method = "delete", operation_id = "sign_out")]
    async fn sign_out(
        &self,
        _auth: SignedIn,
        request: &poem::Request,
    ) -> Result<SignedOut, ApiError> {
        if let Some(secret) = crate::http::auth::session_secret(request) {
            self.state.hub.sign_out(secret).await?;
        }
        Ok(SignedOut::NoContent(self.state.session_cookie("", 0)))
    }

    /// Who am I
    ///
    /// Your account and the organisations you act for. Access: Needs a signed-in
    /// account (session cookie or bearer token).
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn me(&self, auth: SignedIn) -> Result<Json<Account>, ApiError> {
        Ok(Json(self.state.hub.me(&auth.caller()).await?.into()))
    }

    /// Create an API token
    ///
    /// For scripts and integrations: send it as `Authorization: Bearer <token>`. The
    /// token is shown only in this response and stored hashed. Access: Needs a signed-in
    /// account (session cookie or bearer token).
    #[oai(path = "/tokens", method = "post", operation_id = "create_token")]
    async fn create_token(
        &self,
        auth: SignedIn,
        body: JsonBody<NewToken>,
    ) -> Result<TokenCreated, ApiError> {
        let issued = self
            .state
            .hub
            .create_token(&auth.caller(), &body.0.name)
            .await?;
        Ok(TokenCreated::Created(Json(IssuedToken {
            id: issued.token.id,
            name: issued.token.name,
            created_at: issued.token.created_at,
            token: issued.secret,
        })))
    }

    /// List your API tokens
    ///
    /// Active tokens with when they were last used; never the tokens themselves.
    /// Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(path = "/tokens", method = "get", operation_id = "list_tokens")]
    async fn list_tokens(&self, auth: SignedIn) -> Result<Json<Vec<Token>>, ApiError> {
        let tokens = self.state.hub.list_tokens(&auth.caller()).await?;
        Ok(Json(tokens.into_iter().map(Into::into).collect()))
    }

    /// Revoke an API token
    ///
    /// Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(path = "/tokens/:id", method = "delete", operation_id = "revoke_token")]
    async fn revoke_token(&self, auth: SignedIn, id: Path<String>) -> Result<Revoked, ApiError> {
        self.state.hub.revoke_token(&auth.caller(), &id.0).await?;
        Ok(Revoked::NoContent)
    }
}

impl ApiState {
    /// The `Set-Cookie` value for a session (an empty secret with age 0 clears it).
    pub fn session_cookie(&self, secret: &str, max_age_seconds: i64) -> String {
        crate::http::auth::session_cookie(self.secure_cookies, secret, max_age_seconds)
    }
}
