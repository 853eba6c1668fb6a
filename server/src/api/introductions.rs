//! Introductions through the neutral broker.

use super::ApiState;
use super::wire::ListingKind;
use crate::http::auth::SignedIn;
use crate::http::body::JsonBody;
use crate::http::errors::ApiError;
use chrono::{DateTime, Utc};
use domain::introductions::{IntroductionFigures, IntroductionView, PersonContact, Side};
use domain::model::{DeclineReason, IntroductionOutcome, IntroductionStatus};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Tags)]
enum IntroductionTags {
    /// A firm asks, the organisation answers, the broker keeps it moving.
    Introductions,
}

pub struct IntroductionsApi {
    pub state: ApiState,
}

/// not_our_field, no_capacity, not_a_fit, too_early, spam (reported to the brokers), other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum DeclineReasonParam {
    NotOurField,
    NoCapacity,
    NotAFit,
    TooEarly,
    Spam,
    Other,
}

/// met, agreement_signed, no_follow_up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OutcomeParam {
    Met,
    AgreementSigned,
    NoFollowUp,
}

impl From<DeclineReasonParam> for DeclineReason {
    fn from(value: DeclineReasonParam) -> Self {
        match value {
            DeclineReasonParam::NotOurField => DeclineReason::NotOurField,
            DeclineReasonParam::NoCapacity => DeclineReason::NoCapacity,
            DeclineReasonParam::NotAFit => DeclineReason::NotAFit,
            DeclineReasonParam::TooEarly => DeclineReason::TooEarly,
            DeclineReasonParam::Spam => DeclineReason::Spam,
            DeclineReasonParam::Other => DeclineReason::Other,
        }
    }
}

impl From<OutcomeParam> for IntroductionOutcome {
    fn from(value: OutcomeParam) -> Self {
        match value {
            OutcomeParam::Met => IntroductionOutcome::Met,
            OutcomeParam::AgreementSigned => IntroductionOutcome::AgreementSigned,
            OutcomeParam::NoFollowUp => IntroductionOutcome::NoFollowUp,
        }
    }
}

/// Ask for an introduction.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct IntroductionRequest {
    /// What you need and by when (1–2,000 characters). No contact details needed: they
    /// are exchanged once the organisation accepts.
    pub message: String,
}

impl poem_openapi::types::Example for IntroductionRequest {
    fn example() -> Self {
        IntroductionRequest {
            message:
                "We make carbon-fibre bicycle frames and need fatigue tests on 20 samples by March."
                    .into(),
        }
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct Decline {
    pub reason: DeclineReasonParam,
    /// Optional, at most 1,000 characters; the firm sees it.
    pub note: Option<String>,
}

impl poem_openapi::types::Example for Decline {
    fn example() -> Self {
        Decline {
            reason: DeclineReasonParam::NoCapacity,
            note: Some("Our rigs are booked until June.".into()),
        }
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct ThreadMessage {
    /// 1–2,000 characters.
    pub text: String,
}

impl poem_openapi::types::Example for ThreadMessage {
    fn example() -> Self {
        ThreadMessage {
            text: "Could the samples be 300 mm long?".into(),
        }
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub outcome: OutcomeParam,
}

impl poem_openapi::types::Example for Outcome {
    fn example() -> Self {
        Outcome {
            outcome: OutcomeParam::Met,
        }
    }
}

#[derive(Debug, Object)]
pub struct ContactOut {
    pub name: Option<String>,
    pub role: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl From<PersonContact> for ContactOut {
    fn from(c: PersonContact) -> Self {
        ContactOut {
            name: c.name,
            role: c.role,
            email: c.email,
            phone: c.phone,
        }
    }
}

/// Shown to both sides once the organisation accepts.
#[derive(Debug, Object)]
pub struct ContactsOut {
    pub firm_name: String,
    pub firm: ContactOut,
    pub organisation: ContactOut,
    /// The listing's researchers who agreed to be named.
    pub researchers: Vec<ContactOut>,
}

#[derive(Debug, Object)]
pub struct EventOut {
    /// requested, accepted, declined, withdrawn, expired, message, outcome, escalated, nudged.
    pub kind: String,
    /// firm, organisation or broker.
    pub side: String,
    pub body: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct Introduction {
    pub id: String,
    /// requested, accepted, declined, withdrawn or expired.
    pub status: String,
    pub listing_id: String,
    pub listing_title: String,
    pub listing_kind: ListingKind,
    pub organisation_id: String,
    pub organisation_name: String,
    /// The firm's name; the organisation sees it once it accepts.
    pub firm_name: Option<String>,
    pub firm_place: String,
    pub decline_reason: Option<String>,
    pub outcome: Option<String>,
    /// firm or organisation: which side you are on.
    pub your_side: String,
    pub contacts: Option<ContactsOut>,
    /// The thread, oldest first (in the single view only).
    pub events: Vec<EventOut>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
}

fn side(side: Side) -> String {
    match side {
        Side::Firm => "firm",
        Side::Organisation => "organisation",
        Side::Broker => "broker",
    }
    .to_owned()
}

fn status(status: IntroductionStatus) -> String {
    status.as_str().to_owned()
}

impl From<IntroductionView> for Introduction {
    fn from(v: IntroductionView) -> Self {
        Introduction {
            id: v.id,
            status: status(v.status),
            listing_id: v.listing_id,
            listing_title: v.listing_title,
            listing_kind: v.listing_kind.into(),
            organisation_id: v.organisation_id,
            organisation_name: v.organisation_name,
            firm_name: v.firm_name,
            firm_place: v.firm_place,
            decline_reason: v.decline_reason.map(|r| r.as_str().to_owned()),
            outcome: v.outcome.map(|o| o.as_str().to_owned()),
            your_side: side(v.your_side),
            contacts: v.contacts.map(|c| ContactsOut {
                firm_name: c.firm_name,
                firm: c.firm.into(),
                organisation: c.organisation.into(),
                researchers: c.researchers.into_iter().map(Into::into).collect(),
            }),
            events: v
                .events
                .into_iter()
                .map(|e| EventOut {
                    kind: e.kind,
                    side: e.side,
                    body: e.body,
                    at: e.at,
                })
                .collect(),
            created_at: v.created_at,
            updated_at: v.updated_at,
            responded_at: v.responded_at,
            escalated_at: v.escalated_at,
        }
    }
}

#[derive(Debug, Object)]
pub struct StalledOut {
    pub id: String,
    pub listing_id: String,
    pub listing_title: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub created_at: DateTime<Utc>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub working_days_waiting: i64,
}

#[derive(Debug, Object)]
pub struct FiguresOut {
    pub requests: u64,
    pub open: u64,
    pub accepted: u64,
    pub declined: u64,
    pub withdrawn: u64,
    pub expired: u64,
    pub median_response_hours: Option<f64>,
    pub acceptance_rate: Option<f64>,
    pub outcome_rates: BTreeMap<String, f64>,
    pub declined_as_spam: u64,
}

impl From<IntroductionFigures> for FiguresOut {
    fn from(f: IntroductionFigures) -> Self {
        FiguresOut {
            requests: f.requests,
            open: f.open,
            accepted: f.accepted,
            declined: f.declined,
            withdrawn: f.withdrawn,
            expired: f.expired,
            median_response_hours: f.median_response_hours,
            acceptance_rate: f.acceptance_rate,
            outcome_rates: f.outcome_rates,
            declined_as_spam: f.declined_as_spam,
        }
    }
}

#[derive(Debug, Object)]
pub struct ReportOut {
    pub overall: FiguresOut,
    pub by_kind: BTreeMap<String, FiguresOut>,
    pub by_region: BTreeMap<String, FiguresOut>,
    pub by_topic: BTreeMap<String, FiguresOut>,
}

#[derive(ApiResponse)]
enum Requested {
    /// Sent; the organisation's members are told.
    #[oai(status = 201)]
    Created(Json<Introduction>),
}

#[derive(ApiResponse)]
enum Done {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "IntroductionTags::Introductions")]
impl IntroductionsApi {
    /// Ask for an introduction
    ///
    /// On behalf of your firm (you must belong to an organisation of kind `firm`), to the
    /// organisation behind a published listing. Neither side sees the other's contacts
    /// until the organisation accepts. Each account may have a limited number of open
    /// requests. Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(
        path = "/listings/:id/introductions",
        method = "post",
        operation_id = "request_introduction"
    )]
    async fn request(
        &self,
        auth: SignedIn,
        id: Path<String>,
        body: JsonBody<IntroductionRequest>,
    ) -> Result<Requested, ApiError> {
        let view = self
            .state
            .hub
            .request_introduction(&auth.caller(), &id.0, &body.0.message)
            .await?;
        Ok(Requested::Created(Json(view.into())))
    }

    /// Your introductions
    ///
    /// The ones you asked for and the ones asked of your organisations, newest first.
    /// Access: Needs a signed-in account (session cookie or bearer token).
    #[oai(
        path = "/introductions",
        method = "get",
        operation_id = "list_introductions"
    )]
    async fn list(&self, auth: SignedIn) -> Result<Json<Vec<Introduction>>, ApiError> {
        let views = self.state.hub.list_introductions(&auth.caller()).await?;
        Ok(Json(views.into_iter().map(Into::into).collect()))
    }

    /// Get an introduction
    ///
    /// With its thread, and both sides' contacts once accepted. Access: Needs the
    /// signed-in firm member who asked or a member of the organisation asked.
    #[oai(
        path = "/introductions/:id",
        method = "get",
        operation_id = "get_introduction"
    )]
    async fn get(&self, auth: SignedIn, id: Path<String>) -> Result<Json<Introduction>, ApiError> {
        Ok(Json(
            self.state
                .hub
                .get_introduction(&auth.caller(), &id.0)
                .await?
                .into(),
        ))
    }

    /// Accept
    ///
    /// Both sides' contacts are revealed to each other. Access: Needs a signed-in member
    /// of the organisation the introduction was asked of.
    #[oai(
        path = "/introductions/:id/accept",
        method = "post",
        operation_id = "accept_introduction"
    )]
    async fn accept(
        &self,
        auth: SignedIn,
        id: Path<String>,
    ) -> Result<Json<Introduction>, ApiError> {
        Ok(Json(
            self.state
                .hub
                .accept_introduction(&auth.caller(), &id.0)
                .await?
                .into(),
        ))
    }

    /// Decline
    ///
    /// With one of the fixed reasons and an optional note; `spam` is reported to the
    /// brokers. Access: Needs a signed-in member of the organisation the introduction
    /// was asked of.
    #[oai(
        path = "/introductions/:id/decline",
        method = "post",
        operation_id = "decline_introduction"
    )]
    async fn decline(
        &self,
        auth: SignedIn,
        id: Path<String>,
        body: JsonBody<Decline>,
    ) -> Result<Json<Introduction>, ApiError> {
        let body = body.0;
        Ok(Json(
            self.state
                .hub
                .decline_introduction(
                    &auth.caller(),
                    &id.0,
                    body.reason.into(),
                    body.note.as_deref(),
                )
                .await?
                .into(),
        ))
    }

    /// Withdraw
    ///
    /// Access: Needs the signed-in account that asked for the introduction.
    #[oai(
        path = "/introductions/:id/withdraw",
        method = "post",
        operation_id = "withdraw_introduction"
    )]
    async fn withdraw(
        &self,
        auth: SignedIn,
        id: Path<String>,
    ) -> Result<Json<Introduction>, ApiError> {
        Ok(Json(
            self.state
                .hub
                .withdraw_introduction(&auth.caller(), &id.0)
                .await?
                .into(),
        ))
    }

    /// Write in the thread
    ///
    /// While the introduction is requested or accepted. Access: Needs the signed-in firm
    /// member who asked or a member of the organisation asked.
    #[oai(
        path = "/introductions/:id/messages",
        method = "post",
        operation_id = "add_introduction_message"
    )]
    async fn message(
        &self,
        auth: SignedIn,
        id: Path<String>,
        body: JsonBody<ThreadMessage>,
    ) -> Result<Json<Introduction>, ApiError> {
        Ok(Json(
            self.state
                .hub
                .add_introduction_message(&auth.caller(), &id.0, &body.0.text)
                .await?
                .into(),
        ))
    }

    /// Record the outcome
    ///
    /// Of an accepted introduction: met, agreement_signed or no_follow_up. Access: Needs
    /// the signed-in firm member who asked or a member of the organisation asked.
    #[oai(
        path = "/introductions/:id/outcome",
        method = "post",
        operation_id = "record_introduction_outcome"
    )]
    async fn outcome(
        &self,
        auth: SignedIn,
        id: Path<String>,
        body: JsonBody<Outcome>,
    ) -> Result<Json<Introduction>, ApiError> {
        Ok(Json(
            self.state
                .hub
                .record_introduction_outcome(&auth.caller(), &id.0, body.0.outcome.into())
                .await?
                .into(),
        ))
    }

    /// Stalled requests
    ///
    /// Unanswered requests, oldest first, without message bodies. Access: Needs a
    /// signed-in broker of the network.
    #[oai(
        path = "/broker/introductions/stalled",
        method = "get",
        operation_id = "list_stalled_introductions"
    )]
    async fn stalled(&self, auth: SignedIn) -> Result<Json<Vec<StalledOut>>, ApiError> {
        let stalled = self.state.hub.stalled_introductions(&auth.caller()).await?;
        Ok(Json(
            stalled
                .into_iter()
                .map(|s| StalledOut {
                    id: s.id,
                    listing_id: s.listing_id,
                    listing_title: s.listing_title,
                    organisation_id: s.organisation_id,
                    organisation_name: s.organisation_name,
                    created_at: s.created_at,
                    escalated_at: s.escalated_at,
                    working_days_waiting: s.working_days_waiting,
                })
                .collect(),
        ))
    }

    /// Nudge the organisation
    ///
    /// Reminds its members of an unanswered request. Access: Needs a signed-in broker of
    /// the network.
    #[oai(
        path = "/introductions/:id/nudge",
        method = "post",
        operation_id = "nudge_introduction"
    )]
    async fn nudge(&self, auth: SignedIn, id: Path<String>) -> Result<Done, ApiError> {
        self.state
            .hub
            .nudge_introduction(&auth.caller(), &id.0)
            .await?;
        Ok(Done::NoContent)
    }

    /// Close an unanswered request
    ///
    /// It expires and the firm is told. Access: Needs a signed-in broker of the network.
    #[oai(
        path = "/introductions/:id/close",
        method = "post",
        operation_id = "close_introduction"
    )]
    async fn close(&self, auth: SignedIn, id: Path<String>) -> Result<Done, ApiError> {
        self.state
            .hub
            .close_introduction(&auth.caller(), &id.0)
            .await?;
        Ok(Done::NoContent)
    }

    /// What the network produced
    ///
    /// Requests, response times, acceptance and outcome rates overall and by listing
    /// kind, region and topic; no message bodies or people. Access: Needs a signed-in
    /// broker of the network.
    #[oai(
        path = "/broker/introductions/report",
        method = "get",
        operation_id = "introduction_report"
    )]
    async fn report(&self, auth: SignedIn) -> Result<Json<ReportOut>, ApiError> {
        let report = self.state.hub.introduction_report(&auth.caller()).await?;
        let group = |groups: BTreeMap<String, IntroductionFigures>| {
            groups.into_iter().map(|(k, v)| (k, v.into())).collect()
        };
        Ok(Json(ReportOut {
            overall: report.overall.into(),
            by_kind: group(report.by_kind),
            by_region: group(report.by_region),
            by_topic: group(report.by_topic),
        }))
    }
}
