//! The public web portal: server-rendered pages for visitors and signed-in members —
//! home, search with filters and facets, listing and organisation pages, the chat — in
//! English and Italian.
//!
//! Pages call the domain (`Hub`) and the chat engine directly, never the HTTP API, and
//! every page works without JavaScript. Templates (askama, escaping on) live in
//! `server/templates/`, labels in `server/locales/`, the style sheet in `server/static/`;
//! all three are compiled into the binary, so the portal needs no files at run time and
//! loads nothing from elsewhere. It owns presentation only: every rule (who sees a
//! contact, what a valid search is) stays in `domain`.
//!
//! The members' and brokers' pages (`members`): sign-up, sign-in, the account, the
//! organisation dashboard and listing forms, saved searches and the inbox, circles,
//! introductions and the broker console. Every form carries a CSRF token (`csrf`).

mod activity;
pub mod csrf;
mod dashboard;
mod i18n;
mod members;
mod pages;
mod search_form;
mod views;

pub use i18n::{LANGUAGE_COOKIE, Lang};

use crate::http::auth::{AccountRateLimit, AuthRateLimit};
use domain::Hub;
use poem::http::{Method, StatusCode};
use poem::i18n::I18NResources;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, post};

/// What the portal's handlers share.
#[derive(Clone)]
pub struct PortalState {
    pub hub: Hub,
    pub engine: bot::Engine,
    pub labels: I18NResources,
    /// Shared with `POST /api/v1/chat`: one quota per address whichever door is used.
    pub chat_limit: AuthRateLimit,
    /// Sign-in and sign-up attempts per address, shared with the API.
    pub auth_limit: AuthRateLimit,
    /// Sign-in attempts per account, shared with the API.
    pub account_limit: AccountRateLimit,
    /// Signs the forms' CSRF tokens.
    pub form_key: csrf::FormKey,
    /// Served over HTTPS: cookies get `Secure` and the `__Host-` prefix.
    pub secure_cookies: bool,
    pub session_ttl_seconds: i64,
}

/// Both languages' labels, loaded once at start-up (they are compiled in).
pub fn labels() -> Result<I18NResources, poem::error::I18NError> {
    i18n::resources()
}

/// The policy for every portal page: only our own style sheet (and script, if ever),
/// forms only to ourselves, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Adds the portal's pages to `route`.
pub fn mount(route: Route, state: PortalState) -> Route {
    route
        .at("/", page(get(pages::show_home), &state))
        .at("/search", page(get(pages::show_search), &state))
        .at("/search/save", page(post(pages::save_search), &state))
        .at("/listings/:id", page(get(pages::show_listing), &state))
        .at(
            "/listings/:id/introductions",
            page(post(pages::request_introduction), &state),
        )
        .at(
            "/organisations/:id",
            page(get(pages::show_organisation), &state),
        )
        .at(
            "/chat",
            page(get(pages::show_chat).post(pages::answer_chat), &state),
        )
        .at("/language", page(post(pages::switch_language), &state))
        .at(
            "/signup",
            page(get(members::show_signup).post(members::sign_up), &state),
        )
        .at(
            "/login",
            page(get(members::show_login).post(members::sign_in), &state),
        )
        .at("/logout", page(post(members::sign_out), &state))
        .at("/account", page(get(members::show_account), &state))
        .at("/account/tokens", page(post(members::create_token), &state))
        .at(
            "/account/tokens/:id/revoke",
            page(post(members::revoke_token), &state),
        )
        .at(
            "/account/discord-code",
            page(post(members::create_discord_code), &state),
        )
        .at("/dashboard", page(get(dashboard::show_dashboard), &state))
        .at(
            "/dashboard/organisations/new",
            page(
                get(dashboard::show_new_organisation).post(dashboard::create_organisation),
                &state,
            ),
        )
        .at(
            "/dashboard/organisations/:id",
            page(get(dashboard::show_organisation_dashboard), &state),
        )
        .at(
            "/dashboard/organisations/:id/edit",
            page(
                get(dashboard::show_edit_organisation).post(dashboard::update_organisation),
                &state,
            ),
        )
        .at(
            "/dashboard/organisations/:id/members",
            page(post(dashboard::add_organisation_member), &state),
        )
        .at(
            "/dashboard/organisations/:id/members/:account/remove",
            page(post(dashboard::remove_organisation_member), &state),
        )
        .at(
            "/dashboard/organisations/:id/listings/new",
            page(get(dashboard::show_new_listing), &state),
        )
        .at(
            "/dashboard/organisations/:id/listings",
            page(post(dashboard::create_listing), &state),
        )
        .at(
            "/dashboard/listings/:id/edit",
            page(
                get(dashboard::show_edit_listing).post(dashboard::update_listing),
                &state,
            ),
        )
        .at(
            "/dashboard/listings/:id/:action",
            page(post(dashboard::change_listing), &state),
        )
        .at(
            "/dashboard/searches",
            page(get(activity::show_searches), &state),
        )
        .at(
            "/dashboard/searches/:id/:action",
            page(post(activity::change_search), &state),
        )
        .at("/dashboard/inbox", page(get(activity::show_inbox), &state))
        .at(
            "/dashboard/inbox/:id/:action",
            page(post(activity::change_inbox_item), &state),
        )
        .at(
            "/dashboard/circles",
            page(
                get(activity::show_circles).post(activity::create_circle),
                &state,
            ),
        )
        .at(
            "/dashboard/circles/join",
            page(post(activity::join_circle), &state),
        )
        .at(
            "/dashboard/circles/:id/searches",
            page(post(activity::create_circle_search), &state),
        )
        .at(
            "/introductions",
            page(get(activity::show_introductions), &state),
        )
        .at(
            "/introductions/:id",
            page(get(activity::show_introduction), &state),
        )
        .at(
            "/introductions/:id/:action",
            page(post(activity::answer_introduction), &state),
        )
        .at("/console", page(get(activity::show_console), &state))
        .at(
            "/console/:what/:id/:action",
            page(post(activity::console_action), &state),
        )
        .at("/static/portal.css", get(pages::style_sheet))
}

/// Answers unknown paths outside the API with the portal's "page not found" rather
/// than the API's JSON error; the API keeps its own.
pub async fn unknown_paths_as_pages<E: Endpoint>(
    endpoint: E,
    request: Request,
    labels: I18NResources,
    form_key: csrf::FormKey,
    secure_cookies: bool,
) -> poem::Result<Response> {
    let path = request.uri().path();
    let is_api = path == "/api" || path.starts_with("/api/");
    if is_api || !matches!(*request.method(), Method::GET | Method::HEAD) {
        return endpoint
            .call(request)
            .await
            .map(IntoResponse::into_response);
    }
    let lang = i18n::language_of(&request);
    let (csrf_token, visitor_cookie) = form_key.token_or_new_visitor(&request, secure_cookies);
    let signed_in = request
        .extensions()
        .get::<domain::Caller>()
        .is_some_and(|caller| caller.principal().is_some());
    let here = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    match endpoint.call(request).await {
        Err(error) if error.status() == StatusCode::NOT_FOUND && !error.is_from_response() => {
            let t = i18n::Tr::new(&labels, lang);
            let mut response = pages::not_found_page(t, here, signed_in, csrf_token);
            if let Some(cookie) = visitor_cookie
                && let Ok(value) = cookie.parse()
            {
                response
                    .headers_mut()
                    .append(poem::http::header::SET_COOKIE, value);
            }
            Ok(with_page_headers(response))
        }
        other => other.map(IntoResponse::into_response),
    }
}

fn page<E>(endpoint: E, state: &PortalState) -> impl Endpoint<Output = Response> + use<E>
where
    E: Endpoint + 'static,
{
    let secure_cookies = state.secure_cookies;
    let endpoint = endpoint.data(state.clone()).map_to_response();
    let endpoint = endpoint.around(move |endpoint, mut request: Request| async move {
        // A visitor's first page gives them a cookie for their forms' tokens to be
        // bound to; a post never does (its token could not match anyway).
        let visitor_cookie = if matches!(*request.method(), Method::GET | Method::HEAD) {
            csrf::ensure_visitor(&mut request, secure_cookies)
        } else {
            None
        };
        let mut response = endpoint.call(request).await?;
        if let Some(cookie) = visitor_cookie
            && let Ok(value) = cookie.parse()
        {
            response
                .headers_mut()
                .append(poem::http::header::SET_COOKIE, value);
        }
        Ok::<Response, poem::Error>(response)
    });
    endpoint.after(|result: poem::Result<Response>| async move {
        // A failing extractor (a path that is not valid UTF-8) is a client mistake;
        // answer it with a page, not the API's JSON.
        let response = match result {
            Ok(response) => response,
            Err(error) if error.status().is_client_error() => pages::plain_problem(error.status()),
            Err(error) => return Err(error),
        };
        Ok(with_page_headers(response))
    })
}

/// The headers every HTML page carries, beyond those every response gets.
pub fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        // Pages differ by language and by who is signed in.
        ("vary", "Accept-Language, Cookie"),
    ] {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    }
    if !headers.contains_key(poem::http::header::CACHE_CONTROL)
        && let Ok(value) = "no-cache".parse()
    {
        headers.insert(poem::http::header::CACHE_CONTROL, value);
    }
    response.into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    /// Escaping is only as good as its exceptions: no template may switch it off.
    #[test]
    fn no_template_marks_text_safe() {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut checked = 0;
        for entry in std::fs::read_dir(directory).expect("the templates directory") {
            let path = entry.expect("a directory entry").path();
            let text = std::fs::read_to_string(&path).expect("a readable template");
            let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            for marker in ["|safe", "|escape(\"none\")", "|e(\"none\")", "{%autoescape"] {
                assert!(
                    !squeezed.contains(marker),
                    "{} switches escaping off ({marker})",
                    path.display()
                );
            }
            checked += 1;
        }
        assert!(checked >= 7, "only {checked} templates found");
    }
}
