//! The members' pages: sign-up, sign-in and sign-out, and the account (API tokens, the
//! Discord link code). Every post checks the form token first and changes nothing
//! without a valid one; every rule is the domain's, called as the API calls it.

use super::PortalState;
use super::pages::{
    caller_of, domain_problem, field, form_fields, form_refused, labels, layout, local_path,
    problem, render, see_other, status_of,
};
use super::views::{Choice, FormField, Layout, login_href};
use crate::http::auth::session_cookie;
use askama::Template;
use domain::{Caller, ErrorKind};
use poem::http::StatusCode;
use poem::web::{Data, Path, RemoteAddr};
use poem::{Body, Request, Response, handler};

/// Where a member lands after signing in or up, unless they came from somewhere.
pub(super) const HOME: &str = "/dashboard";

/// A members' form page: heading, fields with what was typed and what is wrong.
#[derive(Template)]
#[template(path = "form.html")]
pub(super) struct FormPage {
    pub layout: Layout,
    pub intro: Option<String>,
    pub action: String,
    /// Hidden inputs: `value` is the name, `label` the value.
    pub hidden: Vec<Choice>,
    pub fields: Vec<FormField>,
    pub submit: String,
    pub problem: Option<String>,
    /// Links to the fields at fault: `value` is the field name.
    pub errors: Vec<Choice>,
    /// Links under the form: `value` is the address.
    pub links: Vec<Choice>,
}

impl FormPage {
    pub fn new(layout: Layout, action: impl Into<String>, submit: String) -> FormPage {
        FormPage {
            layout,
            intro: None,
            action: action.into(),
            hidden: Vec::new(),
            fields: Vec::new(),
            submit,
            problem: None,
            errors: Vec::new(),
            links: Vec::new(),
        }
    }

    pub fn hidden(mut self, name: &str, value: &str) -> FormPage {
        self.hidden.push(Choice {
            value: name.to_owned(),
            label: value.to_owned(),
            checked: false,
        });
        self
    }

    pub fn link(mut self, href: &str, label: String) -> FormPage {
        self.links.push(Choice {
            value: href.to_owned(),
            label,
            checked: false,
        });
        self
    }

    /// Shows a domain error: next to its field when it names one of this form's
    /// fields (the field's label and the domain's words), else above the form.
    pub fn with_error(mut self, error: &domain::Error) -> FormPage {
        let t = &self.layout.t;
        let general = t.t("form-problem");
        let named = error
            .field
            .as_deref()
            .and_then(|name| self.fields.iter_mut().find(|f| f.name == name));
        match named {
            Some(field) => {
                field.error = Some(t.with(
                    "problem-field",
                    (
                        ("field", field.label.clone()),
                        ("problem", error.message.clone()),
                    ),
                ));
                self.errors.push(Choice {
                    value: field.name.to_owned(),
                    label: field.error.clone().unwrap_or_default(),
                    checked: false,
                });
                self.problem = Some(general);
            }
            None => self.problem = Some(error.message.clone()),
        }
        self
    }

    /// Marks `name` as wrong with `message` (a problem found before the domain is asked).
    pub fn field_error(mut self, name: &str, message: String) -> FormPage {
        if let Some(field) = self.fields.iter_mut().find(|f| f.name == name) {
            let text = self.layout.t.with(
                "problem-field",
                (("field", field.label.clone()), ("problem", message)),
            );
            field.error = Some(text.clone());
            self.errors.push(Choice {
                value: field.name.to_owned(),
                label: text,
                checked: false,
            });
            self.problem = Some(self.layout.t.t("form-problem"));
        }
        self
    }
}

/// The way to the sign-in page, coming back afterwards.
pub(super) struct ToLogin(String);

impl ToLogin {
    pub fn response(self) -> Response {
        see_other(&self.0)
    }
}

/// The signed-in caller, or the way to the sign-in page and back here.
pub(super) fn member(request: &Request) -> Result<Caller, ToLogin> {
    let caller = caller_of(request);
    if caller.principal().is_some() {
        Ok(caller)
    } else {
        let back = if request.method() == poem::http::Method::GET {
            super::pages::here(request)
        } else {
            HOME.to_owned()
        };
        Err(ToLogin(login_href(&back)))
    }
}

/// A post's fields once its form token is checked, or the page refusing it.
pub(super) async fn checked_form(
    state: &PortalState,
    request: &Request,
    body: Body,
) -> Result<Vec<(String, String)>, Response> {
    let Some(fields) = form_fields(body).await else {
        return Err(problem(
            layout(state, request, String::new()),
            StatusCode::BAD_REQUEST,
            None,
        ));
    };
    if form_refused(state, request, &fields) {
        return Err(problem(
            layout(state, request, String::new()),
            StatusCode::FORBIDDEN,
            None,
        ));
    }
    Ok(fields)
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = cookie.parse() {
        response
            .headers_mut()
            .append(poem::http::header::SET_COOKIE, value);
    }
    response
}

fn next_of(fields: &[(String, String)]) -> String {
    local_path(field(fields, "next")).unwrap_or(HOME).to_owned()
}

fn query_next(request: &Request) -> String {
    request
        .uri()
        .query()
        .and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(name, _)| name == "next")
                .map(|(_, value)| value.into_owned())
        })
        .and_then(|next| local_path(&next).map(str::to_owned))
        .unwrap_or_else(|| HOME.to_owned())
}

// ---------------------------------------------------------------------------------------
// Sign-up

fn signup_form(
    state: &PortalState,
    request: &Request,
    email: &str,
    name: &str,
    next: &str,
) -> FormPage {
    let t = labels(state, request);
    let title = t.t("signup-title");
    let layout = layout(state, request, title);
    let t = &layout.t;
    let fields = vec![
        FormField::new(t, "email", "email", "field-email")
            .required()
            .value(email)
            .autocomplete("email"),
        FormField::new(t, "display_name", "text", "field-display-name")
            .required()
            .value(name)
            .autocomplete("name")
            .hint(t.t("field-display-name-hint")),
        FormField::new(t, "password", "password", "field-password")
            .required()
            .autocomplete("new-password")
            .hint(t.t("field-password-hint")),
    ];
    let submit = t.t("signup-button");
    let intro = t.t("signup-intro");
    let login = t.t("signup-have-account");
    let mut page = FormPage::new(layout, "/signup", submit)
        .hidden("next", next)
        .link(&login_href(next), login);
    page.intro = Some(intro);
    page.fields = fields;
    page
}

#[handler]
pub async fn show_signup(request: &Request, state: Data<&PortalState>) -> Response {
    if caller_of(request).principal().is_some() {
        return see_other(HOME);
    }
    let next = query_next(request);
    render(&signup_form(&state, request, "", "", &next), StatusCode::OK)
}

#[handler]
pub async fn sign_up(
    request: &Request,
    peer: &RemoteAddr,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let fields = match checked_form(&state, request, body).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let (email, name, password) = (
        field(&fields, "email"),
        field(&fields, "display_name"),
        field(&fields, "password"),
    );
    let next = next_of(&fields);
    let form = signup_form(&state, request, email, name, &next);
    if !state.auth_limit.allows(peer) {
        let mut form = form;
        form.problem = Some(form.layout.t.t("sign-in-too-many"));
        return render(&form, StatusCode::TOO_MANY_REQUESTS);
    }
    let created = state
        .hub
        .create_account(domain::model::NewAccount {
            email: email.to_owned(),
            display_name: name.to_owned(),
            password: password.to_owned(),
        })
        .await;
    match created {
        Ok(_) => match state.hub.sign_in(email, password).await {
            Ok((secret, _)) => with_cookie(
                see_other(&next),
                &session_cookie(state.secure_cookies, &secret, state.session_ttl_seconds),
            ),
            Err(error) => domain_problem(form.layout, error),
        },
        Err(error) if error.kind == ErrorKind::Conflict => {
            let message = form.layout.t.t("signup-email-taken");
            render(&form.field_error("email", message), StatusCode::CONFLICT)
        }
        Err(error) if error.kind == ErrorKind::InvalidInput => {
            render(&form.with_error(&error), StatusCode::BAD_REQUEST)
        }
        Err(error) => domain_problem(form.layout, error),
    }
}

// ---------------------------------------------------------------------------------------
// Sign-in and sign-out

fn login_form(state: &PortalState, request: &Request, email: &str, next: &str) -> FormPage {
    let t = labels(state, request);
    let title = t.t("login-title");
    let layout = layout(state, request, title);
    let t = &layout.t;
    let fields = vec![
        FormField::new(t, "email", "email", "field-email")
            .required()
            .value(email)
            .autocomplete("username"),
        FormField::new(t, "password", "password", "field-password")
            .required()
            .autocomplete("current-password"),
    ];
    let submit = t.t("login-button");
    let signup = t.t("login-no-account");
    let signup_href = format!(
        "/signup?{}",
        super::search_form::encode(std::iter::once(("next", next)))
    );
    let mut page = FormPage::new(layout, "/login", submit)
        .hidden("next", next)
        .link(&signup_href, signup);
    page.fields = fields;
    page
}

#[handler]
pub async fn show_login(request: &Request, state: Data<&PortalState>) -> Response {
    let next = query_next(request);
    if caller_of(request).principal().is_some() {
        return see_other(&next);
    }
    render(&login_form(&state, request, "", &next), StatusCode::OK)
}

#[handler]
pub async fn sign_in(
    request: &Request,
    peer: &RemoteAddr,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let fields = match checked_form(&state, request, body).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let (email, password) = (field(&fields, "email"), field(&fields, "password"));
    let next = next_of(&fields);
    let mut form = login_form(&state, request, email, &next);
    // Both limits count every attempt, so neither one address nor one account can
    // be used to guess passwords quickly.
    let address_allowed = state.auth_limit.allows(peer);
    let account_allowed = state.account_limit.allows(email);
    if !(address_allowed && account_allowed) {
        form.problem = Some(form.layout.t.t("sign-in-too-many"));
        return render(&form, StatusCode::TOO_MANY_REQUESTS);
    }
    match state.hub.sign_in(email, password).await {
        Ok((secret, _)) => with_cookie(
            see_other(&next),
            &session_cookie(state.secure_cookies, &secret, state.session_ttl_seconds),
        ),
        Err(error) if error.kind == ErrorKind::Internal || error.kind == ErrorKind::Unavailable => {
            domain_problem(form.layout, error)
        }
        Err(error) => {
            form.problem = Some(form.layout.t.t("login-wrong"));
            let status = match status_of(error.kind) {
                StatusCode::BAD_REQUEST => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNAUTHORIZED,
            };
            render(&form, status)
        }
    }
}

#[handler]
pub async fn sign_out(request: &Request, body: Body, state: Data<&PortalState>) -> Response {
    if let Err(refused) = checked_form(&state, request, body).await {
        return refused;
    }
    if let Some(secret) = crate::http::auth::session_secret(request)
        && let Err(error) = state.hub.sign_out(secret).await
    {
        return domain_problem(layout(&state, request, String::new()), error);
    }
    with_cookie(see_other("/"), &session_cookie(state.secure_cookies, "", 0))
}

// ---------------------------------------------------------------------------------------
// Account

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    display_name: String,
    email: String,
    role: String,
    organisations: Vec<Choice>,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    token_name: String,
    token_problem: Option<String>,
    discord_user: Option<String>,
    discord_code: Option<String>,
    discord_how: String,
}

#[derive(Default)]
struct AccountExtras {
    new_token: Option<String>,
    token_name: String,
    token_problem: Option<String>,
    discord_code: Option<(String, String)>,
}

fn date(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

async fn render_account(
    state: &PortalState,
    request: &Request,
    caller: &Caller,
    extras: AccountExtras,
    status: StatusCode,
) -> Response {
    let t = labels(state, request);
    let layout = layout(state, request, t.t("account-title"));
    let me = match state.hub.me(caller).await {
        Ok(me) => me,
        Err(error) => return domain_problem(layout, error),
    };
    let tokens = match state.hub.list_tokens(caller).await {
        Ok(tokens) => tokens,
        Err(error) => return domain_problem(layout, error),
    };
    let discord_user = match state.hub.linked_discord_user(caller).await {
        Ok(user) => user,
        Err(error) => return domain_problem(layout, error),
    };
    let t = &layout.t;
    let never = t.t("account-token-never");
    let (discord_code, discord_how) = match extras.discord_code {
        Some((code, expires)) => {
            let how = t.with(
                "account-discord-how",
                (("code", code.clone()), ("expires", expires)),
            );
            (Some(code), how)
        }
        None => (None, String::new()),
    };
    let page = AccountPage {
        display_name: me.display_name.clone(),
        email: me.email.clone(),
        role: t.value("role", me.role.as_str()),
        organisations: me
            .memberships
            .iter()
            .map(|m| Choice {
                value: m.organisation_id.clone(),
                label: format!(
                    "{} ({})",
                    m.organisation_name,
                    t.value("membership", m.role.as_str())
                ),
                checked: false,
            })
            .collect(),
        tokens: tokens
            .iter()
            .map(|token| TokenRow {
                id: token.id.clone(),
                name: token.name.clone(),
                created: date(&token.created_at),
                last_used: token
                    .last_used_at
                    .as_ref()
                    .map(date)
                    .unwrap_or_else(|| never.clone()),
            })
            .collect(),
        new_token: extras.new_token,
        token_name: extras.token_name,
        token_problem: extras.token_problem,
        discord_user,
        discord_code,
        discord_how,
        layout,
    };
    render(&page, status)
}

#[handler]
pub async fn show_account(request: &Request, state: Data<&PortalState>) -> Response {
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    render_account(
        &state,
        request,
        &caller,
        AccountExtras::default(),
        StatusCode::OK,
    )
    .await
}

#[handler]
pub async fn create_token(request: &Request, body: Body, state: Data<&PortalState>) -> Response {
    let fields = match checked_form(&state, request, body).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    let name = field(&fields, "name").to_owned();
    match state.hub.create_token(&caller, &name).await {
        Ok(issued) => {
            let extras = AccountExtras {
                new_token: Some(issued.secret),
                ..AccountExtras::default()
            };
            render_account(&state, request, &caller, extras, StatusCode::CREATED).await
        }
        Err(error) if error.kind == ErrorKind::InvalidInput => {
            let t = labels(&state, request);
            let extras = AccountExtras {
                token_problem: Some(t.with(
                    "problem-field",
                    (
                        ("field", t.t("account-token-name")),
                        ("problem", error.message.clone()),
                    ),
                )),
                token_name: name,
                ..AccountExtras::default()
            };
            render_account(&state, request, &caller, extras, StatusCode::BAD_REQUEST).await
        }
        Err(error) => domain_problem(layout(&state, request, String::new()), error),
    }
}

#[handler]
pub async fn revoke_token(
    request: &Request,
    Path(id): Path<String>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    if let Err(refused) = checked_form(&state, request, body).await {
        return refused;
    }
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    match state.hub.revoke_token(&caller, &id).await {
        Ok(()) => see_other("/account"),
        Err(error) => domain_problem(layout(&state, request, String::new()), error),
    }
}

#[handler]
pub async fn create_discord_code(
    request: &Request,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    if let Err(refused) = checked_form(&state, request, body).await {
        return refused;
    }
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    match state.hub.create_discord_link_code(&caller).await {
        Ok((code, expires_at)) => {
            let extras = AccountExtras {
                discord_code: Some((code, expires_at.format("%H:%M UTC").to_string())),
                ..AccountExtras::default()
            };
            render_account(&state, request, &caller, extras, StatusCode::OK).await
        }
        Err(error) => domain_problem(layout(&state, request, String::new()), error),
    }
}
