//! What a member follows and answers: saved searches and the inbox, learning circles,
//! introductions (the firm's requests and the organisation's incoming ones, with the
//! thread), and the broker console (verification, stalled introductions, unmet demand).

use super::PortalState;
use super::members::{checked_form, member};
use super::pages::{domain_problem, field, labels, layout, problem, render, see_other};
use super::search_form::{encode, pairs_of};
use super::views::{Choice, Layout};
use askama::Template;
use domain::circles::NewCircle;
use domain::introductions::IntroductionView;
use domain::model::{
    DeclineReason, Frequency, IntroductionOutcome, IntroductionStatus, OrganisationFilter,
};
use domain::subscriptions::SubscriptionUpdate;
use domain::{Caller, ErrorKind};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};

/// Saved searches, inbox items and organisations shown per page.
const PAGE: u64 = 100;

fn date(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

pub(super) fn notice_of(request: &Request, t: &super::i18n::Tr) -> Option<String> {
    request.uri().query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "done")
            .and_then(|(_, done)| t.known_value("done", &done))
    })
}

macro_rules! signed_in {
    ($request:expr) => {
        match member($request) {
            Ok(caller) => caller,
            Err(to_login) => return to_login.response(),
        }
    };
}

macro_rules! form {
    ($state:expr, $request:expr, $body:expr) => {
        match checked_form($state, $request, $body).await {
            Ok(fields) => fields,
            Err(refused) => return refused,
        }
    };
}

// ---------------------------------------------------------------------------------------
// Saved searches

pub struct SearchRow {
    pub id: String,
    pub description: String,
    pub href: String,
    pub paused: bool,
    pub frequency: String,
    pub circle: bool,
}

#[derive(Template)]
#[template(path = "searches.html")]
struct SearchesPage {
    layout: Layout,
    notice: Option<String>,
    searches: Vec<SearchRow>,
}

#[handler]
pub async fn show_searches(request: &Request, state: Data<&PortalState>) -> Response {
    let caller = signed_in!(request);
    let t = labels(&state, request);
    let layout = layout(&state, request, t.t("searches-title"));
    let saved = match state
        .hub
        .list_subscriptions(&caller, Some(PAGE), None)
        .await
    {
        Ok(page) => page.items,
        Err(error) => return domain_problem(layout, error),
    };
    let t = &layout.t;
    let searches = saved
        .iter()
        .map(|s| {
            let pairs = pairs_of(&s.search);
            let description = pairs
                .iter()
                .map(|(name, value)| {
                    if name == "q" {
                        format!("“{value}”")
                    } else {
                        format!("{}: {value}", t.value("field-name", name))
                    }
                })
                .collect::<Vec<_>>()
                .join(" · ");
            SearchRow {
                id: s.id.clone(),
                description: if description.is_empty() {
                    t.t("searches-everything")
                } else {
                    description
                },
                href: format!(
                    "/search?{}",
                    encode(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
                ),
                paused: s.frequency == Frequency::Paused,
                frequency: t.value("frequency", s.frequency.as_str()),
                circle: s.circle_id.is_some(),
            }
        })
        .collect();
    let notice = notice_of(request, t);
    render(
        &SearchesPage {
            layout,
            notice,
            searches,
        },
        StatusCode::OK,
    )
}

#[handler]
pub async fn change_search(
    request: &Request,
    Path((id, action)): Path<(String, String)>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let _ = form!(&state, request, body);
    let caller = signed_in!(request);
    let layout = layout(&state, request, String::new());
    let frequency = match action.as_str() {
        "pause" => Some(Frequency::Paused),
        "resume" => Some(Frequency::Instant),
        "delete" => None,
        _ => return problem(layout, StatusCode::NOT_FOUND, None),
    };
    let done = match frequency {
        Some(frequency) => state
            .hub
            .update_subscription(
                &caller,
                &id,
                SubscriptionUpdate {
                    frequency: Some(frequency),
                    ..SubscriptionUpdate::default()
                },
            )
            .await
            .map(|_| ()),
        None => state.hub.delete_subscription(&caller, &id).await,
    };
    match done {
        Ok(()) => see_other(&format!("/dashboard/searches?done=search-{action}")),
        Err(error) => domain_problem(layout, error),
    }
}

// ---------------------------------------------------------------------------------------
// Inbox

pub struct InboxRow {
    pub id: String,
    pub listing_id: String,
    pub title: String,
    pub organisation: String,
    pub why: String,
    pub at: String,
    pub read: bool,
    pub from_search: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    layout: Layout,
    notice: Option<String>,
    items: Vec<InboxRow>,
}

#[handler]
pub async fn show_inbox(request: &Request, state: Data<&PortalState>) -> Response {
    let caller = signed_in!(request);
    let t = labels(&state, request);
    let layout = layout(&state, request, t.t("inbox-title"));
    let items = match state.hub.inbox(&caller, Some(PAGE), None, false).await {
        Ok(page) => page.items,
        Err(error) => return domain_problem(layout, error),
    };
    let t = &layout.t;
    let items = items
        .iter()
        .map(|item| InboxRow {
            id: item.id.clone(),
            listing_id: item.listing_id.clone(),
            title: item.title.clone(),
            organisation: item.organisation.clone(),
            why: t.value("inbox-kind", &item.kind),
            at: when(&item.created_at),
            read: item.read,
            from_search: item.subscription_id.is_some(),
        })
        .collect();
    let notice = notice_of(request, t);
    render(
        &InboxPage {
            layout,
            notice,
            items,
        },
        StatusCode::OK,
    )
}

#[handler]
pub async fn change_inbox_item(
    request: &Request,
    Path((id, action)): Path<(String, String)>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let _ = form!(&state, request, body);
    let caller = signed_in!(request);
    let layout = layout(&state, request, String::new());
    let done = match action.as_str() {
        "read" => state.hub.mark_inbox_read(&caller, &id).await,
        "not-interested" => state.hub.inbox_not_interested(&caller, &id).await,
        _ => return problem(layout, StatusCode::NOT_FOUND, None),
    };
    match done {
        Ok(()) => see_other(&format!("/dashboard/inbox?done=inbox-{action}")),
        Err(error) => domain_problem(layout, error),
    }
}

// ---------------------------------------------------------------------------------------
// Learning circles

pub struct CircleRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub topics: String,
    pub members: String,
    pub invite_code: Option<String>,
    pub facilitator: bool,
}

#[derive(Template)]
#[template(path = "circles.html")]
struct CirclesPage {
    layout: Layout,
    notice: Option<String>,
    problem: Option<String>,
    circles: Vec<CircleRow>,
    typed_name: String,
    typed_description: String,
    typed_topics: String,
    typed_code: String,
}

async fn render_circles(
    state: &PortalState,
    request: &Request,
    caller: &Caller,
    fields: &[(String, String)],
    problem_text: Option<String>,
    status: StatusCode,
) -> Response {
    let t = labels(state, request);
    let layout = layout(state, request, t.t("circles-title"));
    let circles = match state.hub.list_circles(caller).await {
        Ok(circles) => circles,
        Err(error) => return domain_problem(layout, error),
    };
    let account_id = caller
        .principal()
        .map(|p| p.account_id.clone())
        .unwrap_or_default();
    let t = &layout.t;
    let circles = circles
        .iter()
        .map(|c| CircleRow {
            id: c.id.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            topics: c.topics.join(", "),
            members: c
                .members
                .iter()
                .map(|m| m.display_name.clone())
                .collect::<Vec<_>>()
                .join(", "),
            invite_code: c.invite_code.clone(),
            facilitator: c.facilitator_id == account_id,
        })
        .collect();
    let notice = notice_of(request, t);
    let page = CirclesPage {
        layout,
        notice,
        problem: problem_text,
        circles,
        typed_name: field(fields, "name").to_owned(),
        typed_description: field(fields, "description").to_owned(),
        typed_topics: field(fields, "topics").to_owned(),
        typed_code: field(fields, "code").to_owned(),
    };
    render(&page, status)
}

#[handler]
pub async fn show_circles(request: &Request, state: Data<&PortalState>) -> Response {
    let caller = signed_in!(request);
    render_circles(&state, request, &caller, &[], None, StatusCode::OK).await
}

fn field_problem(t: &super::i18n::Tr, error: &domain::Error, label_key: &str) -> String {
    match &error.field {
        Some(_) => t.with(
            "problem-field",
            (
                ("field", t.t(label_key)),
                ("problem", error.message.clone()),
            ),
        ),
        None => error.message.clone(),
    }
}

#[handler]
pub async fn create_circle(request: &Request, body: Body, state: Data<&PortalState>) -> Response {
    let fields = form!(&state, request, body);
    let caller = signed_in!(request);
    let topics = field(&fields, "topics")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let created = state
        .hub
        .create_circle(
            &caller,
            NewCircle {
                name: field(&fields, "name").to_owned(),
                description: field(&fields, "description").to_owned(),
                topics,
                discord: None,
            },
        )
        .await;
    match created {
        Ok(_) => see_other("/dashboard/circles?done=circle-created"),
        Err(error) if error.kind == ErrorKind::InvalidInput => {
            let t = labels(&state, request);
            let key = match error.field.as_deref() {
                Some("description") => "circles-description",
                Some("topics") => "circles-topics",
                _ => "circles-name",
            };
            let text = field_problem(&t, &error, key);
            render_circles(
                &state,
                request,
                &caller,
                &fields,
                Some(text),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(error) => domain_problem(layout(&state, request, String::new()), error),
    }
}

#[handler]
pub async fn join_circle(request: &Request, body: Body, state: Data<&PortalState>) -> Response {
    let fields = form!(&state, request, body);
    let caller = signed_in!(request);
    match state.hub.join_circle(&caller, field(&fields, "code")).await {
        Ok(_) => see_other("/dashboard/circles?done=circle-joined"),
        Err(error) if matches!(error.kind, ErrorKind::InvalidInput | ErrorKind::NotFound) => {
            let t = labels(&state, request);
            let text = t.with(
                "problem-field",
                (
                    ("field", t.t("circles-code")),
                    ("problem", error.message.clone()),
                ),
            );
            render_circles(
                &state,
                request,
                &caller,
                &fields,
                Some(text),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(error) => domain_problem(layout(&state, request, String::new()), error),
    }
}

/// A facilitator follows a search for the whole circle: matches reach every member.
#[handler]
pub async fn create_circle_search(
    request: &Request,
    Path(id): Path<String>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let fields = form!(&state, request, body);
    let caller = signed_in!(request);
    let words = field(&fields, "q").trim().to_owned();
    let saved = state
        .hub
        .create_subscription(
            &caller,
            domain::subscriptions::NewSubscription {
                search: domain::search::SearchQuery {
                    q: Some(words).filter(|q| !q.is_empty()),
                    ..domain::search::SearchQuery::default()
                },
                frequency: Frequency::Instant,
                channel: domain::model::DeliveryChannelKind::Inbox,
                webhook_url: None,
                max_items: None,
                circle_id: Some(id),
            },
        )
        .await;
    match saved {
        Ok(_) => see_other("/dashboard/circles?done=circle-search"),
        Err(error) if error.kind == ErrorKind::InvalidInput => {
            let t = labels(&state, request);
            let text = t.with(
                "problem-field",
                (
                    ("field", t.t("circles-search")),
                    ("problem", error.message.clone()),
                ),
            );
            render_circles(
                &state,
                request,
                &caller,
                &[],
                Some(text),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(error) => domain_problem(layout(&state, request, String::new()), error),
    }
}

// ---------------------------------------------------------------------------------------
// Introductions

pub struct IntroductionRow {
    pub id: String,
    pub listing_title: String,
    pub other_side: String,
    pub status: &'static str,
    pub status_label: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "introductions.html")]
struct IntroductionsPage {
    layout: Layout,
    requested: Vec<IntroductionRow>,
    incoming: Vec<IntroductionRow>,
}

fn introduction_row(
    t: &super::i18n::Tr,
    view: &IntroductionView,
    firm_side: bool,
) -> IntroductionRow {
    IntroductionRow {
        id: view.id.clone(),
        listing_title: view.listing_title.clone(),
        other_side: if firm_side {
            view.organisation_name.clone()
        } else {
            view.firm_name.clone().unwrap_or_else(|| {
                t.with(
                    "introduction-a-firm-in",
                    (("place", view.firm_place.clone()),),
                )
            })
        },
        status: view.status.as_str(),
        status_label: t.value("introduction-status", view.status.as_str()),
        at: date(&view.created_at),
    }
}

#[handler]
pub async fn show_introductions(request: &Request, state: Data<&PortalState>) -> Response {
    let caller = signed_in!(request);
    let t = labels(&state, request);
    let layout = layout(&state, request, t.t("introductions-title"));
    let all = match state.hub.list_introductions(&caller).await {
        Ok(all) => all,
        Err(error) => return domain_problem(layout, error),
    };
    let t = &layout.t;
    let requested = all
        .iter()
        .filter(|i| i.your_side == domain::introductions::Side::Firm)
        .map(|i| introduction_row(t, i, true))
        .collect();
    let incoming = all
        .iter()
        .filter(|i| i.your_side == domain::introductions::Side::Organisation)
        .map(|i| introduction_row(t, i, false))
        .collect();
    render(
        &IntroductionsPage {
            layout,
            requested,
            incoming,
        },
        StatusCode::OK,
    )
}

pub struct EventRow {
    pub what: String,
    pub body: Option<String>,
    pub at: String,
}

#[derive(Template)]
#[template(path = "introduction.html")]
struct IntroductionPage {
    layout: Layout,
    id: String,
    listing_id: String,
    listing_title: String,
    organisation_name: String,
    firm: String,
    status_label: String,
    decline_reason: Option<String>,
    contacts: Vec<Choice>,
    events: Vec<EventRow>,
    can_answer: bool,
    can_withdraw: bool,
    can_write: bool,
    /// Accepted and not yet told what came of it: the outcome form.
    can_record_outcome: bool,
    outcome: Option<String>,
    outcomes: Vec<Choice>,
    reasons: Vec<Choice>,
    problem: Option<String>,
    typed_message: String,
    notice: Option<String>,
}

async fn render_introduction(
    state: &PortalState,
    request: &Request,
    caller: &Caller,
    id: &str,
    problem_text: Option<String>,
    typed_message: String,
    status: StatusCode,
) -> Response {
    let t = labels(state, request);
    let layout = layout(state, request, t.t("introduction-title"));
    let view = match state.hub.get_introduction(caller, id).await {
        Ok(view) => view,
        Err(error) => return domain_problem(layout, error),
    };
    let t = &layout.t;
    use domain::introductions::Side;
    let open = view.status == IntroductionStatus::Requested;
    let mut contacts = Vec::new();
    if let Some(revealed) = &view.contacts {
        let person = |p: &domain::introductions::PersonContact| {
            [
                p.name.clone(),
                p.role.clone(),
                p.email.clone(),
                p.phone.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
        };
        contacts.push(Choice {
            value: revealed.firm_name.clone(),
            label: person(&revealed.firm),
            checked: false,
        });
        contacts.push(Choice {
            value: view.organisation_name.clone(),
            label: person(&revealed.organisation),
            checked: false,
        });
        for researcher in &revealed.researchers {
            contacts.push(Choice {
                value: t.t("introduction-researcher"),
                label: person(researcher),
                checked: false,
            });
        }
    }
    let page = IntroductionPage {
        id: view.id.clone(),
        listing_id: view.listing_id.clone(),
        listing_title: view.listing_title.clone(),
        organisation_name: view.organisation_name.clone(),
        firm: view.firm_name.clone().unwrap_or_else(|| {
            t.with(
                "introduction-a-firm-in",
                (("place", view.firm_place.clone()),),
            )
        }),
        status_label: t.value("introduction-status", view.status.as_str()),
        decline_reason: view
            .decline_reason
            .map(|reason| t.value("decline-reason", reason.as_str())),
        contacts,
        events: view
            .events
            .iter()
            .map(|event| EventRow {
                what: t.with(
                    "introduction-event",
                    (
                        ("kind", t.value("introduction-event", &event.kind)),
                        ("side", t.value("side", &event.side)),
                    ),
                ),
                body: event.body.clone(),
                at: when(&event.at),
            })
            .collect(),
        can_answer: open && view.your_side == Side::Organisation,
        can_withdraw: open && view.your_side == Side::Firm,
        can_write: matches!(
            view.status,
            IntroductionStatus::Requested | IntroductionStatus::Accepted
        ) && view.your_side != Side::Broker,
        can_record_outcome: view.status == IntroductionStatus::Accepted
            && view.outcome.is_none()
            && view.your_side != Side::Broker,
        outcome: view
            .outcome
            .map(|outcome| t.value("introduction-outcome", outcome.as_str())),
        outcomes: IntroductionOutcome::ALL
            .iter()
            .map(|outcome| Choice {
                value: outcome.as_str().to_owned(),
                label: t.value("introduction-outcome", outcome.as_str()),
                checked: false,
            })
            .collect(),
        reasons: DeclineReason::ALL
            .iter()
            .map(|reason| Choice {
                value: reason.as_str().to_owned(),
                label: t.value("decline-reason", reason.as_str()),
                checked: false,
            })
            .collect(),
        problem: problem_text,
        typed_message,
        notice: notice_of(request, t),
        layout,
    };
    render(&page, status)
}

#[handler]
pub async fn show_introduction(
    request: &Request,
    Path(id): Path<String>,
    state: Data<&PortalState>,
) -> Response {
    let caller = signed_in!(request);
    render_introduction(
        &state,
        request,
        &caller,
        &id,
        None,
        String::new(),
        StatusCode::OK,
    )
    .await
}

#[handler]
pub async fn answer_introduction(
    request: &Request,
    Path((id, action)): Path<(String, String)>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let fields = form!(&state, request, body);
    let caller = signed_in!(request);
    let layout = layout(&state, request, String::new());
    let done = match action.as_str() {
        "accept" => state
            .hub
            .accept_introduction(&caller, &id)
            .await
            .map(|_| ()),
        "decline" => {
            let Ok(reason) = DeclineReason::parse(field(&fields, "reason")) else {
                let text = layout.t.with(
                    "problem-field",
                    (
                        ("field", layout.t.t("introduction-reason")),
                        ("problem", layout.t.t("problem-choice")),
                    ),
                );
                return render_introduction(
                    &state,
                    request,
                    &caller,
                    &id,
                    Some(text),
                    String::new(),
                    StatusCode::BAD_REQUEST,
                )
                .await;
            };
            let note = Some(field(&fields, "note").trim()).filter(|n| !n.is_empty());
            state
                .hub
                .decline_introduction(&caller, &id, reason, note)
                .await
                .map(|_| ())
        }
        "withdraw" => state
            .hub
            .withdraw_introduction(&caller, &id)
            .await
            .map(|_| ()),
        "outcome" => match IntroductionOutcome::parse(field(&fields, "outcome")) {
            Ok(outcome) => state
                .hub
                .record_introduction_outcome(&caller, &id, outcome)
                .await
                .map(|_| ()),
            Err(_) => return problem(layout, StatusCode::BAD_REQUEST, None),
        },
        "messages" => {
            let text = field(&fields, "text").to_owned();
            match state
                .hub
                .add_introduction_message(&caller, &id, &text)
                .await
            {
                Ok(_) => Ok(()),
                Err(error) if error.kind == ErrorKind::InvalidInput => {
                    let message = layout.t.with(
                        "problem-field",
                        (
                            ("field", layout.t.t("introduction-message-label")),
                            ("problem", error.message.clone()),
                        ),
                    );
                    return render_introduction(
                        &state,
                        request,
                        &caller,
                        &id,
                        Some(message),
                        text,
                        StatusCode::BAD_REQUEST,
                    )
                    .await;
                }
                Err(error) => Err(error),
            }
        }
        _ => return problem(layout, StatusCode::NOT_FOUND, None),
    };
    match done {
        Ok(()) => see_other(&format!("/introductions/{id}?done=introduction-{action}")),
        Err(error) => domain_problem(layout, error),
    }
}

// ---------------------------------------------------------------------------------------
// Broker console

pub struct OrganisationToVerify {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub place: String,
    pub created: String,
}

pub struct StalledRow {
    pub id: String,
    pub listing_id: String,
    pub listing_title: String,
    pub organisation_name: String,
    pub waiting: String,
    pub escalated: bool,
}

pub struct DemandRow {
    pub topic: String,
    pub region: String,
    pub searches: u64,
    pub chat_questions: u64,
    pub examples: String,
    pub last: String,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage {
    layout: Layout,
    notice: Option<String>,
    unverified: Vec<OrganisationToVerify>,
    stalled: Vec<StalledRow>,
    demand: Vec<DemandRow>,
}

#[handler]
pub async fn show_console(request: &Request, state: Data<&PortalState>) -> Response {
    let caller = signed_in!(request);
    // Brokers only: the domain refuses the rest anyway, this says so plainly.
    if !caller.principal().is_some_and(|p| p.is_broker()) {
        return problem(
            layout(&state, request, String::new()),
            StatusCode::FORBIDDEN,
            None,
        );
    }
    let t = labels(&state, request);
    let layout = layout(&state, request, t.t("console-title"));
    let unverified = match state
        .hub
        .list_organisations(
            &caller,
            OrganisationFilter {
                verified: Some(false),
                limit: Some(PAGE),
                ..OrganisationFilter::default()
            },
        )
        .await
    {
        Ok(page) => page.items,
        Err(error) => return domain_problem(layout, error),
    };
    let stalled = match state.hub.stalled_introductions(&caller).await {
        Ok(stalled) => stalled,
        Err(error) => return domain_problem(layout, error),
    };
    let demand = match state.hub.unmet_demand(&caller).await {
        Ok(demand) => demand,
        Err(error) => return domain_problem(layout, error),
    };
    let t = &layout.t;
    let anywhere = t.t("console-anywhere");
    let page = ConsolePage {
        notice: notice_of(request, t),
        unverified: unverified
            .iter()
            .map(|o| OrganisationToVerify {
                id: o.id.clone(),
                name: o.name.clone(),
                kind: t.value("org-kind", o.kind.as_str()),
                place: super::views::place(&o.location),
                created: date(&o.created_at),
            })
            .collect(),
        stalled: stalled
            .iter()
            .map(|s| StalledRow {
                id: s.id.clone(),
                listing_id: s.listing_id.clone(),
                listing_title: s.listing_title.clone(),
                organisation_name: s.organisation_name.clone(),
                waiting: t.count("console-working-days", s.working_days_waiting.max(0) as u64),
                escalated: s.escalated_at.is_some(),
            })
            .collect(),
        demand: demand
            .iter()
            .map(|d| DemandRow {
                topic: if d.topic.is_empty() {
                    t.t("console-no-topic")
                } else {
                    d.topic.clone()
                },
                region: if d.region.is_empty() {
                    anywhere.clone()
                } else {
                    d.region.clone()
                },
                searches: d.searches,
                chat_questions: d.chat_questions,
                examples: d.examples.join(" · "),
                last: date(&d.last_at),
            })
            .collect(),
        layout,
    };
    render(&page, StatusCode::OK)
}

#[handler]
pub async fn console_action(
    request: &Request,
    Path((what, id, action)): Path<(String, String, String)>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let _ = form!(&state, request, body);
    let caller = signed_in!(request);
    let layout = layout(&state, request, String::new());
    // The domain refuses every one of these to anyone but a broker.
    let done = match (what.as_str(), action.as_str()) {
        ("organisations", "verify") => state
            .hub
            .set_organisation_verified(&caller, &id, true)
            .await
            .map(|_| ()),
        ("introductions", "nudge") => state.hub.nudge_introduction(&caller, &id).await,
        ("introductions", "close") => state.hub.close_introduction(&caller, &id).await,
        _ => return problem(layout, StatusCode::NOT_FOUND, None),
    };
    match done {
        Ok(()) => see_other(&format!("/console?done=console-{action}")),
        Err(error) => domain_problem(layout, error),
    }
}
