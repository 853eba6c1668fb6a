//! The portal's handlers: each reads the request, makes its domain calls and renders a
//! template. Client mistakes get a page that says what to change, with the right status;
//! our own failures are logged and shown with a request id.

use super::PortalState;
use super::i18n::{LANGUAGE_COOKIE, Lang, Tr, language_of};
use super::search_form::{self, FieldProblem, Typed};
use super::views::{self, Card, Choice, Layout, Row, login_href};
use crate::http::errors::current_request_id;
use askama::Template;
use domain::model::{
    DeliveryChannelKind, EngagementMode, Frequency, ListingFilter, ListingKind, ListingStatus,
    OrganisationKind, SpaceType,
};
use domain::search::{SearchPage, SearchQuery, SearchSort};
use domain::subscriptions::NewSubscription;
use domain::{Caller, ErrorKind};
use poem::http::StatusCode;
use poem::web::{Data, Path, RemoteAddr};
use poem::{Body, IntoResponse, Request, Response, handler};

const STYLE_SHEET: &str = include_str!("../../static/portal.css");

/// Newest listings on the home page.
const HOME_NEWEST: u64 = 6;
/// Regions listed on the home page.
const HOME_REGIONS: usize = 10;
/// Similar listings under a listing.
const SIMILAR: u64 = 4;
/// Listings shown on an organisation's page.
const ORGANISATION_LISTINGS: u64 = 50;
/// Longest form body read by a portal handler.
const MAX_FORM_BYTES: usize = 16 * 1024;

// ---------------------------------------------------------------------------------------
// Request helpers

pub(super) fn caller_of(request: &Request) -> Caller {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or_default()
}

pub(super) fn labels(state: &PortalState, request: &Request) -> Tr {
    Tr::new(&state.labels, language_of(request))
}

pub(super) fn here(request: &Request) -> String {
    request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned())
}

pub(super) fn layout(state: &PortalState, request: &Request, title: String) -> Layout {
    let t = labels(state, request);
    let caller = caller_of(request);
    let mut layout = Layout::new(t, title, here(request), caller.principal().is_some());
    layout.is_broker = caller.principal().is_some_and(|p| p.is_broker());
    layout.csrf_token = state.form_key.token_for(request);
    layout
}

/// Refuses a post from another site or without this session's form token.
pub(super) fn form_refused(
    state: &PortalState,
    request: &Request,
    fields: &[(String, String)],
) -> bool {
    super::csrf::cross_site(request) || !state.form_key.accepts(request, fields)
}

pub(super) async fn form_fields(body: Body) -> Option<Vec<(String, String)>> {
    let bytes = body.into_bytes_limit(MAX_FORM_BYTES).await.ok()?;
    Some(
        url::form_urlencoded::parse(&bytes)
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect(),
    )
}

pub(super) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub(super) fn render(page: &impl Template, status: StatusCode) -> Response {
    match page.render() {
        Ok(html) => Response::builder()
            .status(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(error) => {
            tracing::error!(request_id = %current_request_id(), %error, "page rendering failed");
            plain_problem(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

pub(super) fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(poem::http::header::LOCATION, location)
        .finish()
}

/// A local path to come back to: never another site (`//host`, `/\host`, a scheme).
pub(super) fn local_path(path: &str) -> Option<&str> {
    (path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(char::is_control))
    .then_some(path)
}

// ---------------------------------------------------------------------------------------
// Problems

#[derive(Template)]
#[template(path = "problem.html")]
struct ProblemPage {
    layout: Layout,
    heading: String,
    message: String,
}

/// A page saying what went wrong, for a domain error or a status.
pub(super) fn problem(layout: Layout, status: StatusCode, message: Option<String>) -> Response {
    let t = &layout.t;
    let (heading, default_message) = match status.as_u16() {
        401 => (t.t("problem-sign-in"), t.t("problem-sign-in-text")),
        403 => (t.t("problem-forbidden"), t.t("problem-forbidden-text")),
        404 => (t.t("problem-not-found"), t.t("problem-not-found-text")),
        409 => (t.t("problem-conflict"), String::new()),
        429 => (t.t("problem-too-many"), t.t("problem-too-many-text")),
        503 => (t.t("problem-unavailable"), t.t("problem-unavailable-text")),
        400..=499 => (t.t("problem-bad-request"), t.t("problem-bad-request-text")),
        _ => (
            t.t("problem-ours"),
            t.with("problem-ours-text", (("id", current_request_id()),)),
        ),
    };
    let page = ProblemPage {
        heading: heading.clone(),
        message: message.filter(|m| !m.is_empty()).unwrap_or(default_message),
        layout: Layout {
            title: heading,
            ..layout
        },
    };
    render(&page, status)
}

pub(super) fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The message to show for a domain error: its own words for client mistakes (they
/// name what to change), nothing of ours for internal failures.
pub(super) fn domain_problem(layout: Layout, error: domain::Error) -> Response {
    let status = status_of(error.kind);
    let message = match error.kind {
        ErrorKind::Internal => {
            tracing::error!(request_id = %current_request_id(), cause = %error.cause_chain(), "page failed");
            None
        }
        ErrorKind::NotFound | ErrorKind::Unavailable => None,
        _ => Some(error.message),
    };
    problem(layout, status, message)
}

/// A problem page when there is no request at hand (a failing extractor).
pub fn plain_problem(status: StatusCode) -> Response {
    let resources = match super::i18n::resources() {
        Ok(resources) => resources,
        Err(_) => return status.into_response(),
    };
    let t = Tr::new(&resources, Lang::En);
    problem(
        Layout::new(t, String::new(), "/".to_owned(), false),
        status,
        None,
    )
}

/// "Page not found", for paths no page answers.
pub fn not_found_page(t: Tr, here: String, signed_in: bool, csrf_token: String) -> Response {
    let mut layout = Layout::new(t, String::new(), here, signed_in);
    layout.csrf_token = csrf_token;
    problem(layout, StatusCode::NOT_FOUND, None)
}

#[handler]
pub fn style_sheet() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(poem::http::header::CACHE_CONTROL, "public, max-age=3600")
        .body(STYLE_SHEET)
}

// ---------------------------------------------------------------------------------------
// Home

/// A facet value as a link: with its count, and whether it is already applied.
pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    total: u64,
    kinds: Vec<FacetLink>,
    regions: Vec<FacetLink>,
    newest: Vec<Card>,
}

#[handler]
pub async fn show_home(request: &Request, state: Data<&PortalState>) -> Response {
    let caller = caller_of(request);
    let layout = layout(&state, request, String::new());
    let everything = SearchQuery {
        sort: Some(SearchSort::Newest),
        limit: Some(HOME_NEWEST),
        ..SearchQuery::default()
    };
    let page = match state.hub.search(&caller, everything).await {
        Ok(page) => page,
        Err(error) => return domain_problem(layout, error),
    };
    let t = &layout.t;
    let link = |name: &str, value: &str, label: String, count: u64| FacetLink {
        label,
        count,
        href: format!(
            "/search?{}",
            search_form::encode(std::iter::once((name, value)))
        ),
        active: false,
    };
    let kinds = ListingKind::ALL
        .iter()
        .map(|kind| {
            let count = page
                .facets
                .get("kind")
                .and_then(|counts| counts.get(kind.as_str()))
                .copied()
                .unwrap_or(0);
            link(
                "kind",
                kind.as_str(),
                t.value("kind-plural", kind.as_str()),
                count,
            )
        })
        .collect();
    let regions = page
        .facets
        .get("region")
        .map(|counts| {
            let mut counts: Vec<(&String, &u64)> = counts.iter().collect();
            counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            counts
                .into_iter()
                .take(HOME_REGIONS)
                .map(|(region, count)| link("region", region, region.clone(), *count))
                .collect()
        })
        .unwrap_or_default();
    let newest = page
        .hits
        .iter()
        .map(|hit| views::card(t, &hit.listing))
        .collect();
    let page = HomePage {
        total: page.total,
        kinds,
        regions,
        newest,
        layout,
    };
    render(&page, StatusCode::OK)
}

// ---------------------------------------------------------------------------------------
// Search

pub struct FacetGroup {
    pub label: String,
    pub links: Vec<FacetLink>,
}

/// A free-text list filter (country, region, city, topic): one box to type a value in,
/// and the values already applied as boxes to untick.
pub struct TextFilter {
    pub name: &'static str,
    pub label: String,
    pub hint: String,
    pub value: String,
    pub others: Vec<String>,
}

/// Saving a search that found nothing: a form for members, a sign-in link for others.
pub struct SaveOffer {
    pub query: String,
    pub login_href: String,
    pub saved: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPageView {
    layout: Layout,
    typed: Typed,
    kinds: Vec<Choice>,
    org_kinds: Vec<Choice>,
    engagements: Vec<Choice>,
    space_types: Vec<Choice>,
    verified: Vec<Choice>,
    sorts: Vec<Choice>,
    limits: Vec<Choice>,
    text_filters: Vec<TextFilter>,
    /// What to change, when a value could not be used.
    problem: Option<String>,
    problem_field: String,
    results: Option<Results>,
    save: SaveOffer,
}

struct Results {
    total: u64,
    heading: String,
    cards: Vec<Card>,
    facets: Vec<FacetGroup>,
    near: Option<String>,
    next_href: Option<String>,
    first_href: Option<String>,
    without_filters_href: Option<String>,
}

fn choices<T: Copy>(
    all: &[T],
    name: &str,
    typed: &Typed,
    label: impl Fn(T) -> (String, String),
) -> Vec<Choice> {
    all.iter()
        .map(|item| {
            let (value, label) = label(*item);
            Choice {
                checked: typed.has(name, &value),
                value,
                label,
            }
        })
        .collect()
}

fn option_list(values: &[&str], name: &str, typed: &Typed, t: &Tr, prefix: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|value| Choice {
            value: (*value).to_owned(),
            label: t.value(prefix, if value.is_empty() { "any" } else { value }),
            checked: typed.value(name) == *value,
        })
        .collect()
}

fn search_form_page(layout: Layout, typed: Typed) -> SearchPageView {
    let t = &layout.t;
    let kinds = choices(ListingKind::ALL, "kind", &typed, |k| {
        (k.as_str().to_owned(), t.value("kind", k.as_str()))
    });
    let org_kinds = choices(OrganisationKind::ALL, "org_kind", &typed, |k| {
        (k.as_str().to_owned(), t.value("org-kind", k.as_str()))
    });
    let engagements = choices(EngagementMode::ALL, "engagement", &typed, |k| {
        (k.as_str().to_owned(), t.value("engagement", k.as_str()))
    });
    let space_types = choices(SpaceType::ALL, "space_type", &typed, |k| {
        (k.as_str().to_owned(), t.value("space-type", k.as_str()))
    });
    let verified = option_list(&["", "true", "false"], "verified", &typed, t, "verified");
    let sorts = option_list(
        &["relevance", "distance", "newest", "price"],
        "sort",
        &typed,
        t,
        "sort",
    );
    let limits = ["10", "20", "50", "100"]
        .iter()
        .map(|value| Choice {
            value: (*value).to_owned(),
            label: (*value).to_owned(),
            checked: typed.value("limit") == *value
                || (typed.value("limit").is_empty() && *value == "20"),
        })
        .collect();
    let text_filters = [
        ("country", "filter-country", "filter-country-hint"),
        ("region", "filter-region", "filter-region-hint"),
        ("city", "filter-city", "filter-city-hint"),
        ("topic", "filter-topic", "filter-topic-hint"),
    ]
    .into_iter()
    .map(|(name, label, hint)| {
        let values = typed.values(name);
        TextFilter {
            name,
            label: t.t(label),
            hint: t.t(hint),
            value: String::new(),
            others: values.into_iter().map(str::to_owned).collect(),
        }
    })
    .collect();
    let query = typed.encode_without(&["cursor", "saved"]);
    let save = SaveOffer {
        login_href: login_href(&format!("/search?{query}")),
        query,
        saved: typed.value("saved") == "1",
    };
    SearchPageView {
        layout,
        typed,
        kinds,
        org_kinds,
        engagements,
        space_types,
        verified,
        sorts,
        limits,
        text_filters,
        problem: None,
        problem_field: String::new(),
        results: None,
        save,
    }
}

fn field_label(t: &Tr, field: &str) -> String {
    t.value("field-name", field)
}

const FACET_ORDER: [(&str, &str, &str); 9] = [
    ("kind", "kind", "facet-kind"),
    ("organisation_kind", "org_kind", "facet-org-kind"),
    ("country", "country", "facet-country"),
    ("region", "region", "facet-region"),
    ("city", "city", "facet-city"),
    ("topic", "topic", "facet-topic"),
    ("engagement", "engagement", "facet-engagement"),
    ("space_type", "space_type", "facet-space-type"),
    ("verified", "verified", "facet-verified"),
];

/// Most values listed per facet.
const FACET_LINKS: usize = 8;

fn facet_value_label(t: &Tr, parameter: &str, value: &str) -> String {
    match parameter {
        "kind" => t.value("kind", value),
        "org_kind" => t.value("org-kind", value),
        "engagement" => t.value("engagement", value),
        "space_type" => t.value("space-type", value),
        "verified" => t.value("verified", value),
        _ => value.to_owned(),
    }
}

fn results(t: &Tr, typed: &Typed, page: &SearchPage) -> Results {
    let near = page.near.as_ref().map(|place| {
        t.with(
            "near-understood",
            (
                ("place", place.name.clone()),
                (
                    "km",
                    format!("{:.0}", page.radius_km.unwrap_or(place.default_radius_km)),
                ),
            ),
        )
    });
    let near_name = page.near.as_ref().map(|p| p.name.as_str());
    let facets = FACET_ORDER
        .iter()
        .filter_map(|(facet, parameter, label)| {
            let counts = page.facets.get(*facet)?;
            let mut counts: Vec<(&String, &u64)> = counts.iter().filter(|(_, c)| **c > 0).collect();
            counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let links: Vec<FacetLink> = counts
                .into_iter()
                .take(FACET_LINKS)
                .map(|(value, count)| FacetLink {
                    label: facet_value_label(t, parameter, value),
                    count: *count,
                    href: format!("/search?{}", typed.toggled(parameter, value)),
                    active: typed.has(parameter, value),
                })
                .collect();
            (!links.is_empty()).then(|| FacetGroup {
                label: t.t(label),
                links,
            })
        })
        .collect();
    let filtered = typed
        .pairs
        .iter()
        .any(|(name, _)| !matches!(name.as_str(), "q" | "sort" | "limit" | "cursor" | "saved"));
    Results {
        total: page.total,
        heading: t.count("results-count", page.total),
        cards: page
            .hits
            .iter()
            .map(|hit| views::hit_card(t, hit, near_name))
            .collect(),
        facets,
        near,
        next_href: page
            .next_cursor
            .as_ref()
            .map(|cursor| format!("/search?{}", typed.with_cursor(cursor))),
        first_href: (!typed.value("cursor").is_empty())
            .then(|| format!("/search?{}", typed.encode_without(&["cursor", "saved"]))),
        without_filters_href: (filtered && page.total == 0).then(|| {
            format!(
                "/search?{}",
                search_form::encode(std::iter::once(("q", typed.value("q"))))
            )
        }),
    }
}

#[handler]
pub async fn show_search(request: &Request, state: Data<&PortalState>) -> Response {
    let typed = Typed::from_query_string(request.uri().query().unwrap_or(""));
    let caller = caller_of(request);
    let title = match typed.value("q") {
        "" => labels(&state, request).t("search-title"),
        q => q.to_owned(),
    };
    let mut view = search_form_page(layout(&state, request, title), typed);
    let outcome = match search_form::search_query(&view.typed) {
        Ok(query) => state.hub.search(&caller, query).await.map_err(Err),
        Err(problem) => Err(Ok(problem)),
    };
    let t = &view.layout.t;
    match outcome {
        Ok(page) => {
            view.results = Some(results(t, &view.typed, &page));
            render(&view, StatusCode::OK)
        }
        Err(Ok(FieldProblem { field, problem })) => {
            view.problem = Some(t.with(
                "problem-field",
                (("field", field_label(t, &field)), ("problem", t.t(problem))),
            ));
            view.problem_field = field;
            render(&view, StatusCode::BAD_REQUEST)
        }
        Err(Err(error)) if error.kind == ErrorKind::InvalidInput => {
            let field = error.field.clone().unwrap_or_default();
            view.problem = Some(if field.is_empty() {
                error.message.clone()
            } else {
                t.with(
                    "problem-field",
                    (
                        ("field", field_label(t, &field)),
                        ("problem", error.message.clone()),
                    ),
                )
            });
            view.problem_field = field;
            render(&view, StatusCode::BAD_REQUEST)
        }
        Err(Err(error)) => domain_problem(view.layout, error),
    }
}

#[handler]
pub async fn save_search(request: &Request, body: Body, state: Data<&PortalState>) -> Response {
    let layout = layout(&state, request, String::new());
    let Some(fields) = form_fields(body).await else {
        return problem(layout, StatusCode::BAD_REQUEST, None);
    };
    if form_refused(&state, request, &fields) {
        return problem(layout, StatusCode::FORBIDDEN, None);
    }
    let query_string = field(&fields, "query").to_owned();
    let back = format!("/search?{query_string}");
    let caller = caller_of(request);
    if caller.principal().is_none() {
        return see_other(&login_href(&back));
    }
    let typed = Typed::from_query_string(&query_string);
    let search = match search_form::search_query(&typed) {
        Ok(search) => SearchQuery {
            sort: None,
            limit: None,
            cursor: None,
            ..search
        },
        Err(_) => return problem(layout, StatusCode::BAD_REQUEST, None),
    };
    let saved = state
        .hub
        .create_subscription(
            &caller,
            NewSubscription {
                search,
                // The inbox is quiet by nature: a new match lands there as it happens.
                frequency: Frequency::Instant,
                channel: DeliveryChannelKind::Inbox,
                webhook_url: None,
                max_items: None,
                circle_id: None,
            },
        )
        .await;
    match saved {
        Ok(_) => {
            let separator = if query_string.is_empty() { "" } else { "&" };
            see_other(&format!("/search?{query_string}{separator}saved=1"))
        }
        Err(error) => domain_problem(layout, error),
    }
}

// ---------------------------------------------------------------------------------------
// Listings and organisations

#[derive(Template)]
#[template(path = "listing.html")]
struct ListingPage {
    layout: Layout,
    id: String,
    kind_label: String,
    title: String,
    language: String,
    summary: String,
    description: Vec<String>,
    topics: Vec<String>,
    organisation_id: String,
    organisation_name: String,
    verified: bool,
    generated_example: bool,
    rows: Vec<Row>,
    contact: Vec<Row>,
    similar: Vec<Card>,
    draft: bool,
    introduction: IntroductionForm,
}

#[derive(Default)]
struct IntroductionForm {
    message: String,
    sent: bool,
    problem: Option<String>,
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn render_listing(
    state: &PortalState,
    request: &Request,
    id: &str,
    introduction: IntroductionForm,
    status: StatusCode,
) -> Response {
    let caller = caller_of(request);
    let layout = layout(state, request, String::new());
    let listing = match state.hub.get_listing(&caller, id).await {
        Ok(listing) => listing,
        Err(error) => return domain_problem(layout, error),
    };
    let organisation = match state.hub.listing_organisation(&caller, id).await {
        Ok(organisation) => organisation,
        Err(error) => return domain_problem(layout, error),
    };
    let published = listing.status == ListingStatus::Published;
    let similar = if published {
        match state.hub.similar_listings(&caller, id, Some(SIMILAR)).await {
            Ok(hits) => hits,
            // The page is still worth showing without its "similar" box.
            Err(error) => {
                tracing::warn!(cause = %error.cause_chain(), "similar listings unavailable");
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let t = &layout.t;
    let page = ListingPage {
        id: listing.id.clone(),
        kind_label: t.value("kind", listing.kind.as_str()),
        title: listing.title.clone(),
        language: listing.language.clone(),
        summary: listing.summary.clone(),
        description: paragraphs(&listing.description),
        topics: listing.topics.iter().map(|t| t.label.clone()).collect(),
        organisation_id: listing.organisation_id.clone(),
        organisation_name: listing.organisation_name.clone(),
        verified: listing.organisation_verified,
        generated_example: listing.generated_example,
        rows: views::detail_rows(t, &listing),
        contact: views::contact_rows(t, &organisation),
        similar: similar
            .iter()
            .map(|hit| views::card(t, &hit.listing))
            .collect(),
        draft: !published,
        introduction,
        layout: Layout {
            title: listing.title.clone(),
            ..layout
        },
    };
    render(&page, status)
}

#[handler]
pub async fn show_listing(
    request: &Request,
    Path(id): Path<String>,
    state: Data<&PortalState>,
) -> Response {
    let sent = request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair == "introduction=sent"));
    let form = IntroductionForm {
        sent,
        ..IntroductionForm::default()
    };
    render_listing(&state, request, &id, form, StatusCode::OK).await
}

#[handler]
pub async fn request_introduction(
    request: &Request,
    Path(id): Path<String>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let Some(fields) = form_fields(body).await else {
        let layout = layout(&state, request, String::new());
        return problem(layout, StatusCode::BAD_REQUEST, None);
    };
    if form_refused(&state, request, &fields) {
        let layout = layout(&state, request, String::new());
        return problem(layout, StatusCode::FORBIDDEN, None);
    }
    let caller = caller_of(request);
    let back = format!(
        "/listings/{}",
        url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    );
    if caller.principal().is_none() {
        return see_other(&login_href(&back));
    }
    let message = field(&fields, "message").to_owned();
    match state.hub.request_introduction(&caller, &id, &message).await {
        Ok(_) => see_other(&format!("{back}?introduction=sent")),
        Err(error) if error.kind == ErrorKind::NotFound => {
            domain_problem(layout(&state, request, String::new()), error)
        }
        Err(error) if error.kind == ErrorKind::Internal => {
            domain_problem(layout(&state, request, String::new()), error)
        }
        Err(error) => {
            let t = labels(&state, request);
            let explanation = match error.code {
                "firm_required" => t.t("introduction-firm-required"),
                "introduction_to_self" => t.t("introduction-to-self"),
                _ => error.message.clone(),
            };
            let form = IntroductionForm {
                message,
                sent: false,
                problem: Some(explanation),
            };
            render_listing(&state, request, &id, form, status_of(error.kind)).await
        }
    }
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    layout: Layout,
    name: String,
    kind_label: String,
    verified: bool,
    description: Vec<String>,
    website: Option<String>,
    website_text: Option<String>,
    place: String,
    contact: Vec<Row>,
    listings: Vec<Card>,
    total: u64,
}

#[handler]
pub async fn show_organisation(
    request: &Request,
    Path(id): Path<String>,
    state: Data<&PortalState>,
) -> Response {
    let caller = caller_of(request);
    let layout = layout(&state, request, String::new());
    let organisation = match state.hub.get_organisation(&caller, &id).await {
        Ok(organisation) => organisation,
        Err(error) => return domain_problem(layout, error),
    };
    let listings = state
        .hub
        .list_listings(
            &caller,
            ListingFilter {
                organisation_id: Some(organisation.id.clone()),
                status: Some(ListingStatus::Published),
                limit: Some(ORGANISATION_LISTINGS),
                ..ListingFilter::default()
            },
        )
        .await;
    let listings = match listings {
        Ok(listings) => listings,
        Err(error) => return domain_problem(layout, error),
    };
    let t = &layout.t;
    let page = OrganisationPage {
        kind_label: t.value("org-kind", organisation.kind.as_str()),
        verified: organisation.verified,
        description: paragraphs(&organisation.description),
        website: organisation.website.as_deref().and_then(views::web_link),
        website_text: organisation.website.clone(),
        place: views::place(&organisation.location),
        contact: views::contact_rows(t, &organisation),
        listings: listings.items.iter().map(|l| views::card(t, l)).collect(),
        total: listings.total,
        name: organisation.name.clone(),
        layout: Layout {
            title: organisation.name.clone(),
            ..layout
        },
    };
    render(&page, StatusCode::OK)
}

// ---------------------------------------------------------------------------------------
// Chat

#[derive(Template)]
#[template(path = "chat.html")]
struct ChatPage {
    layout: Layout,
    message: String,
    conversation: String,
    problem: Option<String>,
    answer: Option<ChatAnswer>,
}

struct ChatAnswer {
    asked: String,
    understood: String,
    text: Vec<String>,
    cards: Vec<ChatCard>,
    relaxed: Vec<String>,
    /// The cards come from a relaxed search, so the link opens the search as asked.
    search_as_asked: bool,
    all_results_href: Option<String>,
    total: u64,
    follow_ups: Vec<Choice>,
    sign_in_to_save: bool,
    saved: bool,
}

struct ChatCard {
    id: String,
    kind_label: String,
    title: String,
    organisation: String,
    place: String,
    price_or_availability: Option<String>,
    why: String,
}

fn empty_chat(layout: Layout) -> ChatPage {
    ChatPage {
        layout,
        message: String::new(),
        conversation: String::new(),
        problem: None,
        answer: None,
    }
}

#[handler]
pub async fn show_chat(request: &Request, state: Data<&PortalState>) -> Response {
    let t = labels(&state, request);
    let title = t.t("chat-title");
    render(&empty_chat(layout(&state, request, title)), StatusCode::OK)
}

#[handler]
pub async fn answer_chat(
    request: &Request,
    peer: &RemoteAddr,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let t = labels(&state, request);
    let title = t.t("chat-title");
    let mut page = empty_chat(layout(&state, request, title));
    let Some(fields) = form_fields(body).await else {
        return problem(page.layout, StatusCode::BAD_REQUEST, None);
    };
    if form_refused(&state, request, &fields) {
        return problem(page.layout, StatusCode::FORBIDDEN, None);
    }
    let message = field(&fields, "message").trim().to_owned();
    let conversation = field(&fields, "conversation").trim().to_owned();
    page.conversation = conversation.clone();
    if message.is_empty() {
        page.problem = Some(page.layout.t.t("chat-empty"));
        return render(&page, StatusCode::BAD_REQUEST);
    }
    if state.chat_limit.check(peer).is_err() {
        page.message = message;
        page.problem = Some(page.layout.t.t("problem-too-many-text"));
        return render(&page, StatusCode::TOO_MANY_REQUESTS);
    }
    let caller = caller_of(request);
    let conversation = (!conversation.is_empty()).then_some(conversation.as_str());
    let answer = match state.engine.reply(&caller, conversation, &message).await {
        Ok(answer) => answer,
        Err(error)
            if error.kind == ErrorKind::InvalidInput || error.kind == ErrorKind::NotFound =>
        {
            // An unknown or expired conversation, or a message too long: say so and
            // keep what was typed.
            page.message = message;
            page.conversation = String::new();
            page.problem = Some(error.message);
            return render(&page, StatusCode::BAD_REQUEST);
        }
        Err(error) => return domain_problem(page.layout, error),
    };
    let t = &page.layout.t;
    let italian = answer.language == bot::understand::Language::Italian;
    let phrase = |english: &'static str, italian_text: &'static str| {
        if italian { italian_text } else { english }
    };
    let mut follow_ups = Vec::new();
    let mut sign_in_to_save = false;
    for suggestion in &answer.suggestions {
        let (value, label) = match suggestion {
            bot::Suggestion::More => (phrase("more", "altri"), t.t("chat-more")),
            bot::Suggestion::MoreLikeThis => (
                phrase("more like this", "simili"),
                t.t("chat-more-like-this"),
            ),
            bot::Suggestion::SaveSearch => (
                phrase("save this search", "salva questa ricerca"),
                t.t("chat-save"),
            ),
            bot::Suggestion::SignInToSave => {
                sign_in_to_save = true;
                continue;
            }
        };
        follow_ups.push(Choice {
            value: value.to_owned(),
            label,
            checked: false,
        });
    }
    page.conversation = answer.conversation.clone();
    page.answer = Some(ChatAnswer {
        asked: message,
        understood: answer.understood.clone(),
        // The answer opens with how it understood the question, which the page shows
        // in its own box.
        text: paragraphs(
            answer
                .text
                .strip_prefix(answer.understood.as_str())
                .unwrap_or(&answer.text),
        ),
        cards: answer
            .cards
            .iter()
            .map(|card| ChatCard {
                id: card.listing_id.clone(),
                kind_label: t.value("kind", card.kind.as_str()),
                title: card.title.clone(),
                organisation: card.organisation.clone(),
                place: card.place.clone(),
                price_or_availability: card.price_or_availability.clone(),
                why: card.why.clone(),
            })
            .collect(),
        relaxed: answer.relaxed.clone(),
        search_as_asked: !answer.relaxed.is_empty(),
        all_results_href: answer.search.as_ref().map(|search| {
            let pairs = search_form::pairs_of(search);
            format!(
                "/search?{}",
                search_form::encode(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            )
        }),
        total: answer.total,
        follow_ups,
        sign_in_to_save,
        saved: answer.saved_subscription_id.is_some(),
    });
    render(&page, StatusCode::OK)
}

// ---------------------------------------------------------------------------------------
// Language

#[handler]
pub async fn switch_language(request: &Request, body: Body, state: Data<&PortalState>) -> Response {
    let fields = form_fields(body).await.unwrap_or_default();
    if form_refused(&state, request, &fields) {
        let layout = layout(&state, request, String::new());
        return problem(layout, StatusCode::FORBIDDEN, None);
    }
    let back = local_path(field(&fields, "back")).unwrap_or("/").to_owned();
    let Some(lang) = Lang::from_code(field(&fields, "lang")) else {
        let layout = layout(&state, request, String::new());
        return problem(layout, StatusCode::BAD_REQUEST, None);
    };
    let mut response = see_other(&back);
    let cookie = format!(
        "{LANGUAGE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    );
    if let Ok(value) = cookie.parse() {
        response
            .headers_mut()
            .insert(poem::http::header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_back() {
        assert_eq!(local_path("/search?q=x"), Some("/search?q=x"));
        assert_eq!(local_path("//evil.example/"), None);
        assert_eq!(local_path("/\\evil.example/"), None);
        assert_eq!(local_path("https://evil.example/"), None);
        assert_eq!(local_path("/x\r\nSet-Cookie: a=b"), None);
        assert_eq!(local_path(""), None);
    }
}
