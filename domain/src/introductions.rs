//! Introductions through a neutral broker. A member of a firm asks the organisation
//! behind a listing for an introduction; the organisation accepts (then, and only then,
//! both sides see each other's contacts, and the listing's researchers who agreed to be
//! contacted) or declines with a reason. Both sides may write while it is open; either
//! records the outcome. Unanswered requests are escalated to the brokers, who nudge or
//! close them and see figures, never message bodies.

use crate::access::{Caller, Principal};
use crate::db::{
    account, inbox_item, introduction, introduction_event, listing, membership, organisation,
};
use crate::error::{Error, Result};
use crate::hub::{Hub, listing_view, new_id, now};
use crate::model::*;
use crate::validate;
use chrono::{DateTime, Datelike, Utc, Weekday};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

const MAX_MESSAGE: usize = 2_000;
const MAX_NOTE: usize = 1_000;

/// Which side of an introduction someone is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Firm,
    Organisation,
    Broker,
}

impl Side {
    fn as_str(self) -> &'static str {
        match self {
            Side::Firm => "firm",
            Side::Organisation => "organisation",
            Side::Broker => "broker",
        }
    }
}

/// A person's contact, revealed once an introduction is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonContact {
    pub name: Option<String>,
    pub role: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealedContacts {
    /// The account that asked, and its firm.
    pub firm: PersonContact,
    pub firm_name: String,
    /// The organisation's business-engagement contact.
    pub organisation: PersonContact,
    /// The listing's researchers who agreed to be named, with their contacts.
    pub researchers: Vec<PersonContact>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntroductionEvent {
    pub kind: String,
    pub side: String,
    /// A message's text or a decline's note; shown to the two sides only.
    pub body: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct IntroductionView {
    pub id: String,
    pub listing_id: String,
    pub listing_title: String,
    pub listing_kind: ListingKind,
    pub organisation_id: String,
    pub organisation_name: String,
    /// The firm's name: shown to the organisation only once it accepts.
    pub firm_name: Option<String>,
    pub firm_place: String,
    pub status: IntroductionStatus,
    pub decline_reason: Option<DeclineReason>,
    pub outcome: Option<IntroductionOutcome>,
    pub your_side: Side,
    pub contacts: Option<RevealedContacts>,
    pub events: Vec<IntroductionEvent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
}

/// Counts and rates for one group of introductions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntroductionFigures {
    pub requests: u64,
    pub open: u64,
    pub accepted: u64,
    pub declined: u64,
    pub withdrawn: u64,
    pub expired: u64,
    /// Median hours from request to answer, over answered requests.
    pub median_response_hours: Option<f64>,
    /// Accepted over answered (accepted + declined).
    pub acceptance_rate: Option<f64>,
    /// Outcome → share of accepted introductions.
    pub outcome_rates: BTreeMap<String, f64>,
    pub declined_as_spam: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntroductionReport {
    pub overall: IntroductionFigures,
    pub by_kind: BTreeMap<String, IntroductionFigures>,
    pub by_region: BTreeMap<String, IntroductionFigures>,
    pub by_topic: BTreeMap<String, IntroductionFigures>,
}

/// A request waiting too long, as brokers see it (no message bodies, no names of people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StalledIntroduction {
    pub id: String,
    pub listing_id: String,
    pub listing_title: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub created_at: DateTime<Utc>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub working_days_waiting: i64,
}

fn not_found() -> Error {
    Error::not_found("introduction_not_found", "no such introduction")
}

fn stored<T>(
    what: &str,
    text: &str,
    parse: impl Fn(&str) -> std::result::Result<T, String>,
) -> Result<T> {
    parse(text).map_err(|message| {
        Error::internal(
            "a stored value no longer parses",
            std::io::Error::other(format!("{what}: {message}")),
        )
    })
}

/// Monday-to-Friday days from `start` to `end`.
pub fn working_days_between(start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    let mut day = start.date_naive();
    let last = end.date_naive();
    let mut count = 0;
    while day < last {
        day = day.succ_opt().unwrap_or(last);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            count += 1;
        }
    }
    count
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    })
}

fn figures(rows: &[&introduction::Model]) -> IntroductionFigures {
    let count = |status: IntroductionStatus| {
        rows.iter().filter(|r| r.status == status.as_str()).count() as u64
    };
    let accepted = count(IntroductionStatus::Accepted);
    let declined = count(IntroductionStatus::Declined);
    let mut outcome_rates = BTreeMap::new();
    if accepted > 0 {
        for outcome in IntroductionOutcome::ALL {
            let with = rows
                .iter()
                .filter(|r| r.outcome.as_deref() == Some(outcome.as_str()))
                .count();
            outcome_rates.insert(outcome.as_str().to_owned(), with as f64 / accepted as f64);
        }
    }
    IntroductionFigures {
        requests: rows.len() as u64,
        open: count(IntroductionStatus::Requested),
        accepted,
        declined,
        withdrawn: count(IntroductionStatus::Withdrawn),
        expired: count(IntroductionStatus::Expired),
        median_response_hours: median(
            rows.iter()
                .filter_map(|r| {
                    r.responded_at
                        .map(|at| (at - r.created_at).num_seconds() as f64 / 3_600.0)
                })
                .collect(),
        ),
        acceptance_rate: (accepted + declined > 0)
            .then(|| accepted as f64 / (accepted + declined) as f64),
        outcome_rates,
        declined_as_spam: rows
            .iter()
            .filter(|r| r.decline_reason.as_deref() == Some(DeclineReason::Spam.as_str()))
            .count() as u64,
    }
}

async fn record_event<C: ConnectionTrait>(
    db: &C,
    introduction_id: &str,
    kind: &str,
    actor: Option<&str>,
    side: Side,
    body: Option<String>,
) -> Result<String> {
    let id = new_id();
    introduction_event::ActiveModel {
        id: Set(id.clone()),
        introduction_id: Set(introduction_id.to_owned()),
        kind: Set(kind.to_owned()),
        actor_account_id: Set(actor.map(str::to_owned)),
        side: Set(side.as_str().to_owned()),
        body: Set(body),
        created_at: Set(now()),
    }
    .insert(db)
    .await?;
    Ok(id)
}

impl Hub {
    /// Sets how long requests may wait before brokers hear of them, and how many open
    /// requests one account may have.
    pub fn set_introduction_policy(
        &self,
        escalate_after_working_days: u32,
        max_open_per_account: u32,
    ) {
        self.introduction_policy()
            .0
            .store(escalate_after_working_days, Ordering::Relaxed);
        self.introduction_policy()
            .1
            .store(max_open_per_account.max(1), Ordering::Relaxed);
    }

    /// Asks the organisation behind a published listing for an introduction, on behalf
    /// of the caller's firm.
    pub async fn request_introduction(
        &self,
        caller: &Caller,
        listing_id: &str,
        message: &str,
    ) -> Result<IntroductionView> {
        let principal = caller.require()?;
        let message = validate::text("message", message, 1, MAX_MESSAGE)?;
        let listing = listing::Entity::find_by_id(listing_id.to_owned())
            .one(self.db())
            .await?
            .filter(|l| l.status == ListingStatus::Published.as_str())
            .ok_or_else(|| Error::not_found("listing_not_found", "no such listing"))?;
        let memberships = self.member_organisation_ids(principal).await?;
        if memberships.contains(&listing.organisation_id) {
            return Err(Error::conflict(
                "introduction_to_self",
                "this listing belongs to your own organisation",
            ));
        }
        let firm = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(memberships))
            .filter(organisation::Column::Kind.eq(OrganisationKind::Firm.as_str()))
            .order_by_asc(organisation::Column::CreatedAt)
            .one(self.db())
            .await?
            .ok_or_else(|| {
                Error::new(
                    crate::ErrorKind::Forbidden,
                    "firm_required",
                    "introductions are asked for on behalf of a firm: register your firm first (an organisation of kind `firm`)",
                )
            })?;
        let open = introduction::Entity::find()
            .filter(introduction::Column::RequesterAccountId.eq(principal.account_id.clone()))
            .filter(introduction::Column::Status.eq(IntroductionStatus::Requested.as_str()))
            .all(self.db())
            .await?;
        if open.iter().any(|i| i.listing_id == listing.id) {
            return Err(Error::conflict(
                "introduction_exists",
                "you already asked for an introduction to this listing; it is still open",
            ));
        }
        let limit = self.introduction_policy().1.load(Ordering::Relaxed) as usize;
        if open.len() >= limit {
            return Err(Error::conflict(
                "too_many_open_introductions",
                format!(
                    "you may have at most {limit} open requests; wait for answers or withdraw one"
                ),
            ));
        }
        let id = new_id();
        let at = now();
        let txn = self.db().begin().await?;
        introduction::ActiveModel {
            id: Set(id.clone()),
            listing_id: Set(listing.id.clone()),
            organisation_id: Set(listing.organisation_id.clone()),
            requester_account_id: Set(principal.account_id.clone()),
            requester_organisation_id: Set(firm.id.clone()),
            status: Set(IntroductionStatus::Requested.as_str().to_owned()),
            decline_reason: Set(None),
            outcome: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
            responded_at: Set(None),
            escalated_at: Set(None),
            discord_noticed_at: Set(None),
        }
        .insert(&txn)
        .await?;
        record_event(
            &txn,
            &id,
            "requested",
            Some(&principal.account_id),
            Side::Firm,
            Some(message),
        )
        .await?;
        let recipients = organisation_members(&txn, &listing.organisation_id).await?;
        let organisation_name = organisation_name(&txn, &listing.organisation_id).await?;
        notify(
            &txn,
            &recipients,
            &id,
            "requested",
            &listing,
            &format!("A firm asks for an introduction: {}", listing.title),
            &organisation_name,
        )
        .await?;
        txn.commit().await?;
        self.get_introduction(caller, &id).await
    }

    /// The caller's introductions, both sides, newest first (without their threads).
    pub async fn list_introductions(&self, caller: &Caller) -> Result<Vec<IntroductionView>> {
        let principal = caller.require()?;
        let organisations = self.member_organisation_ids(principal).await?;
        let rows = introduction::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(introduction::Column::RequesterAccountId.eq(principal.account_id.clone()))
                    .add(introduction::Column::OrganisationId.is_in(organisations)),
            )
            .order_by_desc(introduction::Column::Id)
            .all(self.db())
            .await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            let side = self.side_of(&row, principal).await?.ok_or_else(not_found)?;
            views.push(self.introduction_view(row, side, false).await?);
        }
        Ok(views)
    }

    pub async fn get_introduction(&self, caller: &Caller, id: &str) -> Result<IntroductionView> {
        let principal = caller.require()?;
        let (row, side) = self.party_to(id, principal).await?;
        self.introduction_view(row, side, true).await
    }

    pub async fn accept_introduction(&self, caller: &Caller, id: &str) -> Result<IntroductionView> {
        self.answer(caller, id, IntroductionStatus::Accepted, None, None)
            .await
    }

    pub async fn decline_introduction(
        &self,
        caller: &Caller,
        id: &str,
        reason: DeclineReason,
        note: Option<&str>,
    ) -> Result<IntroductionView> {
        let note = validate::optional_text("note", note, MAX_NOTE)?;
        self.answer(caller, id, IntroductionStatus::Declined, Some(reason), note)
            .await
    }

    async fn answer(
        &self,
        caller: &Caller,
        id: &str,
        status: IntroductionStatus,
        reason: Option<DeclineReason>,
        note: Option<String>,
    ) -> Result<IntroductionView> {
        let principal = caller.require()?;
        let (row, side) = self.party_to(id, principal).await?;
        if side != Side::Organisation {
            return Err(Error::forbidden(
                "only the organisation asked may accept or decline",
            ));
        }
        if row.status != IntroductionStatus::Requested.as_str() {
            return Err(Error::conflict(
                "introduction_not_open",
                format!("this introduction is already {}", row.status),
            ));
        }
        let at = now();
        let listing = self.listing_row(&row.listing_id).await?;
        let txn = self.db().begin().await?;
        let changed = introduction::Entity::update_many()
            .col_expr(
                introduction::Column::Status,
                sea_orm::sea_query::Expr::value(status.as_str()),
            )
            .col_expr(
                introduction::Column::DeclineReason,
                sea_orm::sea_query::Expr::value(reason.map(|r| r.as_str())),
            )
            .col_expr(
                introduction::Column::RespondedAt,
                sea_orm::sea_query::Expr::value(Some(at)),
            )
            .col_expr(
                introduction::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(at),
            )
            .filter(introduction::Column::Id.eq(row.id.clone()))
            .filter(introduction::Column::Status.eq(IntroductionStatus::Requested.as_str()))
            .exec(&txn)
            .await?;
        if changed.rows_affected != 1 {
            return Err(Error::conflict(
                "introduction_not_open",
                "this introduction was answered meanwhile",
            ));
        }
        let body = reason.map(|reason| match &note {
            Some(note) => format!("{}: {note}", reason.as_str()),
            None => reason.as_str().to_owned(),
        });
        record_event(
            &txn,
            &row.id,
            status.as_str(),
            Some(&principal.account_id),
            Side::Organisation,
            body,
        )
        .await?;
        let organisation_name = organisation_name(&txn, &row.organisation_id).await?;
        let title = match status {
            IntroductionStatus::Accepted => format!("Introduction accepted: {}", listing.title),
            _ => format!("Introduction declined: {}", listing.title),
        };
        notify(
            &txn,
            std::slice::from_ref(&row.requester_account_id),
            &row.id,
            status.as_str(),
            &listing,
            &title,
            &organisation_name,
        )
        .await?;
        if reason == Some(DeclineReason::Spam) {
            let brokers = broker_ids(&txn).await?;
            notify(
                &txn,
                &brokers,
                &row.id,
                "spam",
                &listing,
                &format!("Request declined as spam: {}", listing.title),
                &organisation_name,
            )
            .await?;
        }
        txn.commit().await?;
        self.get_introduction(caller, id).await
    }

    pub async fn withdraw_introduction(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<IntroductionView> {
        let principal = caller.require()?;
        let (row, side) = self.party_to(id, principal).await?;
        if side != Side::Firm {
            return Err(Error::forbidden("only the firm that asked may withdraw"));
        }
        if row.status != IntroductionStatus::Requested.as_str() {
            return Err(Error::conflict(
                "introduction_not_open",
                format!("this introduction is already {}", row.status),
            ));
        }
        let listing = self.listing_row(&row.listing_id).await?;
        let txn = self.db().begin().await?;
        self.set_status(&txn, &row, IntroductionStatus::Withdrawn)
            .await?;
        record_event(
            &txn,
            &row.id,
            "withdrawn",
            Some(&principal.account_id),
            Side::Firm,
            None,
        )
        .await?;
        let organisation_name = organisation_name(&txn, &row.organisation_id).await?;
        let members = organisation_members(&txn, &row.organisation_id).await?;
        notify(
            &txn,
            &members,
            &row.id,
            "withdrawn",
            &listing,
            &format!("Request withdrawn: {}", listing.title),
            &organisation_name,
        )
        .await?;
        txn.commit().await?;
        self.get_introduction(caller, id).await
    }

    /// Adds a message to the thread while it is open (requested or accepted).
    pub async fn add_introduction_message(
        &self,
        caller: &Caller,
        id: &str,
        text: &str,
    ) -> Result<IntroductionView> {
        let principal = caller.require()?;
        let text = validate::text("text", text, 1, MAX_MESSAGE)?;
        let (row, side) = self.party_to(id, principal).await?;
        if side == Side::Broker {
            return Err(not_found());
        }
        let open = [
            IntroductionStatus::Requested.as_str(),
            IntroductionStatus::Accepted.as_str(),
        ];
        if !open.contains(&row.status.as_str()) {
            return Err(Error::conflict(
                "introduction_closed",
                format!("this introduction is {}; its thread is closed", row.status),
            ));
        }
        let listing = self.listing_row(&row.listing_id).await?;
        let txn = self.db().begin().await?;
        record_event(
            &txn,
            &row.id,
            "message",
            Some(&principal.account_id),
            side,
            Some(text),
        )
        .await?;
        let organisation_name = organisation_name(&txn, &row.organisation_id).await?;
        let others = match side {
            Side::Firm => organisation_members(&txn, &row.organisation_id).await?,
            _ => vec![row.requester_account_id.clone()],
        };
        notify(
            &txn,
            &others,
            &row.id,
            "message",
            &listing,
            &format!("New message about: {}", listing.title),
            &organisation_name,
        )
        .await?;
        txn.commit().await?;
        self.get_introduction(caller, id).await
    }

    /// Either side records what came of an accepted introduction.
    pub async fn record_introduction_outcome(
        &self,
        caller: &Caller,
        id: &str,
        outcome: IntroductionOutcome,
    ) -> Result<IntroductionView> {
        let principal = caller.require()?;
        let (row, side) = self.party_to(id, principal).await?;
        if side == Side::Broker {
            return Err(not_found());
        }
        if row.status != IntroductionStatus::Accepted.as_str() {
            return Err(Error::conflict(
                "introduction_not_accepted",
                "an outcome can be recorded only for an accepted introduction",
            ));
        }
        let txn = self.db().begin().await?;
        let mut active = row.clone().into_active_model();
        active.outcome = Set(Some(outcome.as_str().to_owned()));
        active.updated_at = Set(now());
        active.update(&txn).await?;
        record_event(
            &txn,
            &row.id,
            "outcome",
            Some(&principal.account_id),
            side,
            Some(outcome.as_str().to_owned()),
        )
        .await?;
        txn.commit().await?;
        self.get_introduction(caller, id).await
    }

    /// Requests still unanswered, oldest first (brokers only).
    pub async fn stalled_introductions(&self, caller: &Caller) -> Result<Vec<StalledIntroduction>> {
        self.require_broker(caller)?;
        let rows = introduction::Entity::find()
            .filter(introduction::Column::Status.eq(IntroductionStatus::Requested.as_str()))
            .order_by_asc(introduction::Column::CreatedAt)
            .all(self.db())
            .await?;
        let at = now();
        let mut stalled = Vec::new();
        for row in rows {
            let listing = self.listing_row(&row.listing_id).await?;
            stalled.push(StalledIntroduction {
                working_days_waiting: working_days_between(row.created_at, at),
                organisation_name: organisation_name(self.db(), &row.organisation_id).await?,
                id: row.id,
                listing_id: row.listing_id,
                listing_title: listing.title,
                organisation_id: row.organisation_id,
                created_at: row.created_at,
                escalated_at: row.escalated_at,
            });
        }
        Ok(stalled)
    }

    /// A broker reminds the organisation of an unanswered request.
    pub async fn nudge_introduction(&self, caller: &Caller, id: &str) -> Result<()> {
        let principal = self.require_broker(caller)?.clone();
        let row = introduction::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        if row.status != IntroductionStatus::Requested.as_str() {
            return Err(Error::conflict(
                "introduction_not_open",
                format!("this introduction is already {}", row.status),
            ));
        }
        let listing = self.listing_row(&row.listing_id).await?;
        let txn = self.db().begin().await?;
        let event = record_event(
            &txn,
            &row.id,
            "nudged",
            Some(&principal.account_id),
            Side::Broker,
            None,
        )
        .await?;
        let organisation_name = organisation_name(&txn, &row.organisation_id).await?;
        let members = organisation_members(&txn, &row.organisation_id).await?;
        notify(
            &txn,
            &members,
            &row.id,
            &format!("nudged:{event}"),
            &listing,
            &format!(
                "Reminder: a firm is waiting for your answer about {}",
                listing.title
            ),
            &organisation_name,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// A broker closes an unanswered request: it expires.
    pub async fn close_introduction(&self, caller: &Caller, id: &str) -> Result<()> {
        let principal = self.require_broker(caller)?.clone();
        let row = introduction::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        if row.status != IntroductionStatus::Requested.as_str() {
            return Err(Error::conflict(
                "introduction_not_open",
                format!("this introduction is already {}", row.status),
            ));
        }
        let listing = self.listing_row(&row.listing_id).await?;
        let txn = self.db().begin().await?;
        self.set_status(&txn, &row, IntroductionStatus::Expired)
            .await?;
        record_event(
            &txn,
            &row.id,
            "expired",
            Some(&principal.account_id),
            Side::Broker,
            None,
        )
        .await?;
        let organisation_name = organisation_name(&txn, &row.organisation_id).await?;
        notify(
            &txn,
            std::slice::from_ref(&row.requester_account_id),
            &row.id,
            "expired",
            &listing,
            &format!(
                "No answer came; the broker closed your request about {}",
                listing.title
            ),
            &organisation_name,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Figures for brokers: counts, response times, acceptance and outcome rates, by
    /// listing kind, region and topic. No message bodies, no people.
    pub async fn introduction_report(&self, caller: &Caller) -> Result<IntroductionReport> {
        self.require_broker(caller)?;
        let rows = introduction::Entity::find().all(self.db()).await?;
        let listings: BTreeMap<String, listing::Model> = listing::Entity::find()
            .filter(listing::Column::Id.is_in(rows.iter().map(|r| r.listing_id.clone())))
            .all(self.db())
            .await?
            .into_iter()
            .map(|l| (l.id.clone(), l))
            .collect();
        let mut by_kind: BTreeMap<String, Vec<&introduction::Model>> = BTreeMap::new();
        let mut by_region: BTreeMap<String, Vec<&introduction::Model>> = BTreeMap::new();
        let mut by_topic: BTreeMap<String, Vec<&introduction::Model>> = BTreeMap::new();
        for row in &rows {
            let Some(listing) = listings.get(&row.listing_id) else {
                continue;
            };
            by_kind.entry(listing.kind.clone()).or_default().push(row);
            let region = listing
                .region
                .clone()
                .unwrap_or_else(|| listing.country.clone());
            by_region.entry(region).or_default().push(row);
            let topics: Vec<Topic> = serde_json::from_str(&listing.topics).unwrap_or_default();
            for topic in topics {
                by_topic.entry(topic.label).or_default().push(row);
            }
        }
        let all: Vec<&introduction::Model> = rows.iter().collect();
        let group = |groups: BTreeMap<String, Vec<&introduction::Model>>| {
            groups
                .into_iter()
                .map(|(key, rows)| (key, figures(&rows)))
                .collect()
        };
        Ok(IntroductionReport {
            overall: figures(&all),
            by_kind: group(by_kind),
            by_region: group(by_region),
            by_topic: group(by_topic),
        })
    }

    /// Marks requests unanswered for longer than the configured working days as
    /// escalated and tells the brokers (once per request).
    pub async fn escalate_stalled_introductions(&self) -> Result<u64> {
        let days = i64::from(self.introduction_policy().0.load(Ordering::Relaxed));
        let rows = introduction::Entity::find()
            .filter(introduction::Column::Status.eq(IntroductionStatus::Requested.as_str()))
            .filter(introduction::Column::EscalatedAt.is_null())
            .all(self.db())
            .await?;
        let at = now();
        let mut escalated = 0;
        for row in rows {
            if working_days_between(row.created_at, at) < days {
                continue;
            }
            let listing = self.listing_row(&row.listing_id).await?;
            let txn = self.db().begin().await?;
            let changed = introduction::Entity::update_many()
                .col_expr(
                    introduction::Column::EscalatedAt,
                    sea_orm::sea_query::Expr::value(Some(at)),
                )
                .filter(introduction::Column::Id.eq(row.id.clone()))
                .filter(introduction::Column::EscalatedAt.is_null())
                .exec(&txn)
                .await?;
            if changed.rows_affected == 1 {
                record_event(&txn, &row.id, "escalated", None, Side::Broker, None).await?;
                let organisation_name = organisation_name(&txn, &row.organisation_id).await?;
                let brokers = broker_ids(&txn).await?;
                notify(
                    &txn,
                    &brokers,
                    &row.id,
                    "escalated",
                    &listing,
                    &format!("Unanswered for {days} working days: {}", listing.title),
                    &organisation_name,
                )
                .await?;
                escalated += 1;
            }
            txn.commit().await?;
        }
        Ok(escalated)
    }

    fn require_broker<'c>(&self, caller: &'c Caller) -> Result<&'c Principal> {
        let principal = caller.require()?;
        if principal.is_broker() {
            Ok(principal)
        } else {
            Err(Error::forbidden("only brokers may do this"))
        }
    }

    async fn set_status<C: ConnectionTrait>(
        &self,
        db: &C,
        row: &introduction::Model,
        status: IntroductionStatus,
    ) -> Result<()> {
        let mut active = row.clone().into_active_model();
        active.status = Set(status.as_str().to_owned());
        active.updated_at = Set(now());
        active.update(db).await?;
        Ok(())
    }

    async fn listing_row(&self, id: &str) -> Result<listing::Model> {
        listing::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(|| Error::not_found("listing_not_found", "the listing no longer exists"))
    }

    async fn side_of(
        &self,
        row: &introduction::Model,
        principal: &Principal,
    ) -> Result<Option<Side>> {
        if row.requester_account_id == principal.account_id {
            return Ok(Some(Side::Firm));
        }
        let member = membership::Entity::find_by_id((
            row.organisation_id.clone(),
            principal.account_id.clone(),
        ))
        .one(self.db())
        .await?
        .is_some();
        Ok(member.then_some(Side::Organisation))
    }

    /// The introduction, if the caller is one of its two sides; otherwise "not found".
    async fn party_to(
        &self,
        id: &str,
        principal: &Principal,
    ) -> Result<(introduction::Model, Side)> {
        let row = introduction::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        match self.side_of(&row, principal).await? {
            Some(side) => Ok((row, side)),
            None => Err(not_found()),
        }
    }

    async fn introduction_view(
        &self,
        row: introduction::Model,
        side: Side,
        with_thread: bool,
    ) -> Result<IntroductionView> {
        let listing = self.listing_row(&row.listing_id).await?;
        let organisation = organisation::Entity::find_by_id(row.organisation_id.clone())
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        let firm = organisation::Entity::find_by_id(row.requester_organisation_id.clone())
            .one(self.db())
            .await?;
        let status = stored(
            "introduction status",
            &row.status,
            IntroductionStatus::parse,
        )?;
        let accepted = status == IntroductionStatus::Accepted;
        let firm_place = firm
            .as_ref()
            .map(|f| {
                [f.city.clone(), f.region.clone(), Some(f.country.clone())]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let firm_name = firm
            .as_ref()
            .filter(|_| side == Side::Firm || accepted)
            .map(|f| f.name.clone());
        let contacts = if accepted {
            let requester = account::Entity::find_by_id(row.requester_account_id.clone())
                .one(self.db())
                .await?;
            let view = listing_view(listing.clone(), &organisation, true)?;
            let researchers = match view.details {
                ListingDetails::Expertise(details) => details
                    .researchers
                    .into_iter()
                    .filter(|r| r.informed)
                    .map(|r| PersonContact {
                        name: Some(r.name),
                        role: r.role,
                        email: r.email,
                        phone: r.phone,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Some(RevealedContacts {
                firm: PersonContact {
                    name: requester.as_ref().map(|a| a.display_name.clone()),
                    role: None,
                    email: requester.map(|a| a.email),
                    phone: None,
                },
                firm_name: firm.as_ref().map(|f| f.name.clone()).unwrap_or_default(),
                organisation: PersonContact {
                    name: organisation.contact_name.clone(),
                    role: None,
                    email: organisation.contact_email.clone(),
                    phone: organisation.contact_phone.clone(),
                },
                researchers,
            })
        } else {
            None
        };
        let events = if with_thread {
            introduction_event::Entity::find()
                .filter(introduction_event::Column::IntroductionId.eq(row.id.clone()))
                .order_by_asc(introduction_event::Column::Id)
                .all(self.db())
                .await?
                .into_iter()
                .map(|e| IntroductionEvent {
                    kind: e.kind,
                    side: e.side,
                    body: e.body,
                    at: e.created_at,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(IntroductionView {
            listing_title: listing.title.clone(),
            listing_kind: stored("listing kind", &listing.kind, ListingKind::parse)?,
            organisation_name: organisation.name.clone(),
            firm_name,
            firm_place,
            decline_reason: row
                .decline_reason
                .as_deref()
                .map(|r| stored("decline reason", r, DeclineReason::parse))
                .transpose()?,
            outcome: row
                .outcome
                .as_deref()
                .map(|o| stored("outcome", o, IntroductionOutcome::parse))
                .transpose()?,
            status,
            your_side: side,
            contacts,
            events,
            id: row.id,
            listing_id: row.listing_id,
            organisation_id: row.organisation_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            responded_at: row.responded_at,
            escalated_at: row.escalated_at,
        })
    }
}

async fn organisation_members<C: ConnectionTrait>(
    db: &C,
    organisation_id: &str,
) -> Result<Vec<String>> {
    Ok(membership::Entity::find()
        .filter(membership::Column::OrganisationId.eq(organisation_id.to_owned()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.account_id)
        .collect())
}

async fn organisation_name<C: ConnectionTrait>(db: &C, organisation_id: &str) -> Result<String> {
    Ok(organisation::Entity::find_by_id(organisation_id.to_owned())
        .one(db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default())
}

async fn broker_ids<C: ConnectionTrait>(db: &C) -> Result<Vec<String>> {
    Ok(account::Entity::find()
        .filter(
            account::Column::Role
                .is_in([PlatformRole::Broker.as_str(), PlatformRole::Admin.as_str()]),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect())
}

/// Puts an item about an introduction in each recipient's inbox, once per event.
async fn notify<C: ConnectionTrait>(
    db: &C,
    recipients: &[String],
    introduction_id: &str,
    event: &str,
    listing: &listing::Model,
    title: &str,
    organisation: &str,
) -> Result<()> {
    let at = now();
    for account_id in recipients {
        inbox_item::Entity::insert(inbox_item::ActiveModel {
            id: Set(new_id()),
            account_id: Set(account_id.clone()),
            kind: Set("introduction".to_owned()),
            dedupe_key: Set(format!(
                "intro:{introduction_id}:{event}:{}:{account_id}",
                at.timestamp_micros()
            )),
            subscription_id: Set(None),
            notification_id: Set(Some(introduction_id.to_owned())),
            listing_id: Set(listing.id.clone()),
            title: Set(title.chars().take(300).collect()),
            organisation: Set(organisation.chars().take(300).collect()),
            created_at: Set(at),
            read_at: Set(None),
        })
        .on_conflict(
            OnConflict::column(inbox_item::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

impl Hub {
    /// Escalates stalled introductions every `interval` until `stop` flips.
    pub async fn run_escalations(
        &self,
        interval: std::time::Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(error) = self.escalate_stalled_introductions().await {
                tracing::error!(cause = %error.cause_chain(), "escalating introductions failed; retrying");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn working_days_skip_weekends() {
        // Friday 2026-11-27 to Monday 2026-11-30: one working day (Monday).
        let friday = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        let monday = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        assert_eq!(working_days_between(friday, monday), 1);
        assert_eq!(
            working_days_between(friday, friday + chrono::Duration::days(7)),
            5
        );
        assert_eq!(working_days_between(monday, monday), 0);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}

/// An open request to announce on Discord to the organisation's linked members.
#[derive(Debug, Clone, PartialEq)]
pub struct IntroductionNotice {
    pub introduction_id: String,
    pub listing_title: String,
    pub listing_kind: String,
    /// Where the firm is; its name stays hidden until the organisation accepts.
    pub firm_place: String,
    pub message: String,
    /// The organisation's members who linked a Discord account.
    pub discord_user_ids: Vec<String>,
}

impl Hub {
    /// Open requests not yet announced on Discord, oldest first.
    pub async fn introductions_awaiting_discord_notice(
        &self,
        limit: u64,
    ) -> Result<Vec<IntroductionNotice>> {
        use sea_orm::QuerySelect;
        let rows = introduction::Entity::find()
            .filter(introduction::Column::Status.eq(IntroductionStatus::Requested.as_str()))
            .filter(introduction::Column::DiscordNoticedAt.is_null())
            .order_by_asc(introduction::Column::CreatedAt)
            .limit(limit)
            .all(self.db())
            .await?;
        let mut notices = Vec::with_capacity(rows.len());
        for row in rows {
            let listing = listing::Entity::find_by_id(row.listing_id.clone())
                .one(self.db())
                .await?;
            let firm = organisation::Entity::find_by_id(row.requester_organisation_id.clone())
                .one(self.db())
                .await?;
            let message = introduction_event::Entity::find()
                .filter(introduction_event::Column::IntroductionId.eq(row.id.clone()))
                .filter(introduction_event::Column::Kind.eq("requested"))
                .one(self.db())
                .await?
                .and_then(|event| event.body)
                .unwrap_or_default();
            let members = organisation_members(self.db(), &row.organisation_id).await?;
            let discord_user_ids = crate::db::discord_account::Entity::find()
                .filter(crate::db::discord_account::Column::AccountId.is_in(members))
                .order_by_asc(crate::db::discord_account::Column::DiscordUserId)
                .all(self.db())
                .await?
                .into_iter()
                .map(|link| link.discord_user_id)
                .collect();
            notices.push(IntroductionNotice {
                introduction_id: row.id,
                listing_title: listing
                    .as_ref()
                    .map(|l| l.title.clone())
                    .unwrap_or_default(),
                listing_kind: listing.map(|l| l.kind).unwrap_or_default(),
                firm_place: firm
                    .map(|f| {
                        [f.city, f.region, Some(f.country)]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                message,
                discord_user_ids,
            });
        }
        Ok(notices)
    }

    /// Records that a request was announced on Discord (to everyone who could be told).
    pub async fn mark_introduction_discord_noticed(&self, id: &str) -> Result<()> {
        introduction::Entity::update_many()
            .col_expr(
                introduction::Column::DiscordNoticedAt,
                sea_orm::sea_query::Expr::value(now()),
            )
            .filter(introduction::Column::Id.eq(id.to_owned()))
            .exec(self.db())
            .await?;
        Ok(())
    }
}
