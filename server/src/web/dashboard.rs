//! The organisation members' dashboard: their organisations, each one's listings with
//! status and expiry, the create and edit forms for each kind of listing (problems
//! shown next to the field, what was typed kept), publish, archive and renew, and the
//! organisation's members.

use super::PortalState;
use super::members::{FormPage, HOME as HOME_PAGE, checked_form, member};
use super::pages::{domain_problem, field, labels, layout, render, see_other};
use super::search_form::{minor_units_as_price, price_in_minor_units};
use super::views::{FormField, Layout};
use askama::Template;
use domain::model::{
    AccessMode, Contact, EngagementMode, ListingDetails, ListingFields, ListingFilter, ListingKind,
    ListingStatus, ListingView, Location, MembershipRole, NewListing, NewOrganisation,
    OrganisationKind, PriceUnit, SpaceType,
};
use domain::{Caller, ErrorKind};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};

/// Listings shown per organisation on its dashboard.
const DASHBOARD_LISTINGS: u64 = 100;

type Fields = [(String, String)];

fn values(fields: &Fields, name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(n, v)| n == name && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect()
}

fn optional_text(fields: &Fields, name: &str) -> Option<String> {
    Some(field(fields, name).trim().to_owned()).filter(|v| !v.is_empty())
}

/// "a, b; c" → ["a", "b", "c"].
fn list_of(text: &str) -> Vec<String> {
    text.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

fn joined(values: &[String]) -> String {
    values.join(", ")
}

fn date(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------------------------------
// Dashboard

pub struct OrganisationRow {
    pub id: String,
    pub name: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    welcome: String,
    organisations: Vec<OrganisationRow>,
}

#[handler]
pub async fn show_dashboard(request: &Request, state: Data<&PortalState>) -> Response {
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    let t = labels(&state, request);
    let layout = layout(&state, request, t.t("dashboard-title"));
    let me = match state.hub.me(&caller).await {
        Ok(me) => me,
        Err(error) => return domain_problem(layout, error),
    };
    let t = &layout.t;
    let organisations = me
        .memberships
        .iter()
        .map(|m| OrganisationRow {
            id: m.organisation_id.clone(),
            name: m.organisation_name.clone(),
            role: t.value("membership", m.role.as_str()),
        })
        .collect();
    render(
        &DashboardPage {
            welcome: layout
                .t
                .with("dashboard-welcome", (("name", me.display_name),)),
            organisations,
            layout,
        },
        StatusCode::OK,
    )
}

// ---------------------------------------------------------------------------------------
// Organisations

const ORGANISATION_KINDS: [&str; 8] = [
    "",
    "university",
    "research_centre",
    "incubator",
    "technical_service_provider",
    "firm",
    "cluster",
    "public_agency",
];

/// The organisation form: empty to create one, or filled in to edit `existing`.
fn organisation_form(
    state: &PortalState,
    request: &Request,
    fields: &Fields,
    existing: Option<&str>,
) -> FormPage {
    let t = labels(state, request);
    let title_key = match existing {
        Some(_) => "organisation-edit-title",
        None => "organisation-new-title",
    };
    let layout = layout(state, request, t.t(title_key));
    let t = &layout.t;
    let typed = |name: &str| field(fields, name).to_owned();
    let country = if fields.is_empty() {
        "IT".to_owned()
    } else {
        typed("country")
    };
    let form_fields = vec![
        FormField::new(t, "kind", "select", "of-kind")
            .required()
            .options(t, "org-kind", &ORGANISATION_KINDS, &[typed("kind")]),
        FormField::new(t, "name", "text", "of-name")
            .required()
            .value(typed("name")),
        FormField::new(t, "description", "textarea", "of-description").value(typed("description")),
        FormField::new(t, "website", "url", "of-website")
            .value(typed("website"))
            .hint(t.t("of-website-hint")),
        FormField::new(t, "country", "text", "of-country")
            .required()
            .value(country)
            .hint(t.t("of-country-hint")),
        FormField::new(t, "region", "text", "of-region").value(typed("region")),
        FormField::new(t, "city", "text", "of-city").value(typed("city")),
        FormField::new(t, "contact_name", "text", "of-contact-name").value(typed("contact_name")),
        FormField::new(t, "contact_email", "email", "of-contact-email")
            .value(typed("contact_email"))
            .hint(t.t("of-contact-email-hint")),
    ];
    let mut page = match existing {
        Some(id) => {
            let submit = t.t("listing-save-button");
            FormPage::new(
                layout,
                format!("/dashboard/organisations/{id}/edit"),
                submit,
            )
        }
        None => {
            let submit = t.t("organisation-new-button");
            let intro = t.t("organisation-new-intro");
            let mut page = FormPage::new(layout, "/dashboard/organisations/new", submit);
            page.intro = Some(intro);
            page
        }
    };
    page.fields = form_fields;
    page
}

fn typed_from_organisation(
    organisation: &domain::model::OrganisationView,
) -> Vec<(String, String)> {
    let contact = organisation.contact.clone().unwrap_or_default();
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    vec![
        ("kind".into(), organisation.kind.as_str().to_owned()),
        ("name".into(), organisation.name.clone()),
        ("description".into(), organisation.description.clone()),
        ("website".into(), text(&organisation.website)),
        ("country".into(), organisation.location.country.clone()),
        ("region".into(), text(&organisation.location.region)),
        ("city".into(), text(&organisation.location.city)),
        ("contact_name".into(), text(&contact.name)),
        ("contact_email".into(), text(&contact.email)),
    ]
}

#[handler]
pub async fn show_edit_organisation(
    request: &Request,
    Path(id): Path<String>,
    state: Data<&PortalState>,
) -> Response {
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    let layout = layout(&state, request, String::new());
    // Members only, as the domain requires for any change.
    if let Err(error) = state.hub.list_members(&caller, &id).await {
        return domain_problem(layout, error);
    }
    match state.hub.get_organisation(&caller, &id).await {
        Ok(organisation) => render(
            &organisation_form(
                &state,
                request,
                &typed_from_organisation(&organisation),
                Some(&id),
            ),
            StatusCode::OK,
        ),
        Err(error) => domain_problem(layout, error),
    }
}

#[handler]
pub async fn update_organisation(
    request: &Request,
    Path(id): Path<String>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let fields = match checked_form(&state, request, body).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    let form = organisation_form(&state, request, &fields, Some(&id));
    let kind = match OrganisationKind::parse(field(&fields, "kind")) {
        Ok(kind) => kind,
        Err(_) => {
            let message = form.layout.t.t("problem-choice");
            return render(&form.field_error("kind", message), StatusCode::BAD_REQUEST);
        }
    };
    let update = domain::model::OrganisationUpdate {
        kind: Some(kind),
        name: Some(field(&fields, "name").to_owned()),
        description: Some(field(&fields, "description").to_owned()),
        website: Some(optional_text(&fields, "website")),
        country: Some(field(&fields, "country").trim().to_owned()),
        region: Some(optional_text(&fields, "region")),
        city: Some(optional_text(&fields, "city")),
        contact_name: Some(optional_text(&fields, "contact_name")),
        contact_email: Some(optional_text(&fields, "contact_email")),
        ..domain::model::OrganisationUpdate::default()
    };
    match state.hub.update_organisation(&caller, &id, update).await {
        Ok(_) => see_other(&format!(
            "/dashboard/organisations/{id}?done=organisation-saved"
        )),
        Err(error) if error.kind == ErrorKind::InvalidInput => {
            render(&form.with_error(&error), StatusCode::BAD_REQUEST)
        }
        Err(error) => domain_problem(form.layout, error),
    }
}

#[handler]
pub async fn show_new_organisation(request: &Request, state: Data<&PortalState>) -> Response {
    if let Err(to_login) = member(request) {
        return to_login.response();
    }
    render(
        &organisation_form(&state, request, &[], None),
        StatusCode::OK,
    )
}

#[handler]
pub async fn create_organisation(
    request: &Request,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let fields = match checked_form(&state, request, body).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    let form = organisation_form(&state, request, &fields, None);
    let kind = match field(&fields, "kind") {
        "" => None,
        text => match OrganisationKind::parse(text) {
            Ok(kind) => Some(kind),
            Err(_) => {
                let message = form.layout.t.t("problem-choice");
                return render(&form.field_error("kind", message), StatusCode::BAD_REQUEST);
            }
        },
    };
    let new = NewOrganisation {
        kind,
        name: field(&fields, "name").to_owned(),
        description: field(&fields, "description").to_owned(),
        website: optional_text(&fields, "website"),
        location: Location {
            country: field(&fields, "country").trim().to_owned(),
            region: optional_text(&fields, "region"),
            city: optional_text(&fields, "city"),
            ..Location::default()
        },
        contact: Contact {
            name: optional_text(&fields, "contact_name"),
            email: optional_text(&fields, "contact_email"),
            phone: None,
        },
        ..NewOrganisation::default()
    };
    match state.hub.create_organisation(&caller, new).await {
        Ok(organisation) => see_other(&format!("/dashboard/organisations/{}", organisation.id)),
        Err(error) if error.kind == ErrorKind::InvalidInput => {
            render(&form.with_error(&error), StatusCode::BAD_REQUEST)
        }
        Err(error) => domain_problem(form.layout, error),
    }
}

pub struct ListingRow {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub status: &'static str,
    pub status_label: String,
    pub expires: String,
    pub publishable: bool,
    pub archivable: bool,
}

pub struct MemberRow {
    pub account_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub is_me: bool,
}

#[derive(Template)]
#[template(path = "organisation_dashboard.html")]
struct OrganisationDashboard {
    layout: Layout,
    id: String,
    name: String,
    verified: bool,
    notice: Option<String>,
    listings: Vec<ListingRow>,
    members: Vec<MemberRow>,
    is_owner: bool,
    add_member: FormPage,
}

async fn render_organisation_dashboard(
    state: &PortalState,
    request: &Request,
    caller: &Caller,
    id: &str,
    add_member: Option<FormPage>,
    status: StatusCode,
) -> Response {
    let t = labels(state, request);
    let layout = layout(state, request, String::new());
    let organisation = match state.hub.get_organisation(caller, id).await {
        Ok(organisation) => organisation,
        Err(error) => return domain_problem(layout, error),
    };
    // Only members see the dashboard; the domain refuses anyone else the members list.
    let members = match state.hub.list_members(caller, id).await {
        Ok(members) => members,
        Err(error) => return domain_problem(layout, error),
    };
    let listings = match state
        .hub
        .list_listings(
            caller,
            ListingFilter {
                organisation_id: Some(id.to_owned()),
                limit: Some(DASHBOARD_LISTINGS),
                ..ListingFilter::default()
            },
        )
        .await
    {
        Ok(page) => page.items,
        Err(error) => return domain_problem(layout, error),
    };
    let account_id = caller
        .principal()
        .map(|p| p.account_id.clone())
        .unwrap_or_default();
    let me = members.iter().find(|m| m.account_id == account_id);
    let is_owner = me.is_some_and(|m| m.role == MembershipRole::Owner);
    let notice = super::activity::notice_of(request, &t);
    let add_member = add_member.unwrap_or_else(|| member_form(state, request, id, &[]));
    let t = &layout.t;
    let page = OrganisationDashboard {
        id: organisation.id.clone(),
        name: organisation.name.clone(),
        verified: organisation.verified,
        notice,
        listings: listings
            .iter()
            .map(|listing| ListingRow {
                id: listing.id.clone(),
                title: listing.title.clone(),
                kind: t.value("kind", listing.kind.as_str()),
                status: listing.status.as_str(),
                status_label: t.value("status", listing.status.as_str()),
                expires: t.with("dashboard-expires", (("date", date(&listing.expires_at)),)),
                publishable: listing.status != ListingStatus::Published,
                archivable: listing.status != ListingStatus::Archived,
            })
            .collect(),
        members: members
            .iter()
            .map(|m| MemberRow {
                account_id: m.account_id.clone(),
                name: m.display_name.clone(),
                email: m.email.clone(),
                role: t.value("membership", m.role.as_str()),
                is_me: m.account_id == account_id,
            })
            .collect(),
        is_owner,
        add_member,
        layout: Layout {
            title: organisation.name.clone(),
            ..layout
        },
    };
    render(&page, status)
}

#[handler]
pub async fn show_organisation_dashboard(
    request: &Request,
    Path(id): Path<String>,
    state: Data<&PortalState>,
) -> Response {
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    render_organisation_dashboard(&state, request, &caller, &id, None, StatusCode::OK).await
}

fn member_form(state: &PortalState, request: &Request, id: &str, fields: &Fields) -> FormPage {
    let layout = layout(state, request, String::new());
    let t = &layout.t;
    let role = match field(fields, "role") {
        "" => "editor".to_owned(),
        role => role.to_owned(),
    };
    let form_fields = vec![
        FormField::new(t, "email", "email", "members-email")
            .required()
            .value(field(fields, "email"))
            .hint(t.t("members-email-hint")),
        FormField::new(t, "role", "select", "members-role").options(
            t,
            "membership",
            &["editor", "owner"],
            &[role],
        ),
    ];
    let submit = t.t("members-add-button");
    let mut page = FormPage::new(
        layout,
        format!("/dashboard/organisations/{id}/members"),
        submit,
    );
    page.fields = form_fields;
    page
}

#[handler]
pub async fn add_organisation_member(
    request: &Request,
    Path(id): Path<String>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let fields = match checked_form(&state, request, body).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    let form = member_form(&state, request, &id, &fields);
    let role = MembershipRole::parse(field(&fields, "role")).unwrap_or(MembershipRole::Editor);
    match state
        .hub
        .add_member(&caller, &id, field(&fields, "email"), role)
        .await
    {
        Ok(_) => see_other(&format!("/dashboard/organisations/{id}?done=member-added")),
        Err(error)
            if matches!(
                error.kind,
                ErrorKind::InvalidInput | ErrorKind::NotFound | ErrorKind::Conflict
            ) && error.code != "organisation_not_found" =>
        {
            let mut error = error;
            if error.field.is_none() {
                error.field = Some("email".to_owned());
            }
            let form = form.with_error(&error);
            render_organisation_dashboard(
                &state,
                request,
                &caller,
                &id,
                Some(form),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(error) => domain_problem(form.layout, error),
    }
}

/// An owner removes a member; any member may leave.
#[handler]
pub async fn remove_organisation_member(
    request: &Request,
    Path((id, account_id)): Path<(String, String)>,
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
    let leaving = caller
        .principal()
        .is_some_and(|p| p.account_id == account_id);
    match state.hub.remove_member(&caller, &id, &account_id).await {
        Ok(()) if leaving => see_other(HOME_PAGE),
        Ok(()) => see_other(&format!(
            "/dashboard/organisations/{id}?done=member-removed"
        )),
        Err(error) => domain_problem(layout(&state, request, String::new()), error),
    }
}

// ---------------------------------------------------------------------------------------
// Listing forms

const LANGUAGES: [&str; 2] = ["en", "it"];
const ENGAGEMENT_MODES: [&str; 6] = [
    "consultancy",
    "contract_research",
    "joint_project",
    "student_project",
    "licensing",
    "training",
];
const ACCESS_MODES: [&str; 3] = ["", "staff_operated", "self_service"];
const PRICE_UNITS: [&str; 8] = [
    "", "hour", "day", "week", "month", "sample", "test", "project",
];
const SPACE_TYPES: [&str; 8] = [
    "",
    "hot_desk",
    "dedicated_desk",
    "private_office",
    "lab_bench",
    "wet_lab",
    "workshop",
    "meeting_room",
];

/// What a listing form shows: typed text per field name (lists comma-joined).
type Typed = Vec<(String, String)>;

fn typed_from_listing(listing: &ListingView) -> Typed {
    let mut typed: Typed = vec![
        ("title".into(), listing.title.clone()),
        ("language".into(), listing.language.clone()),
        ("summary".into(), listing.summary.clone()),
        ("description".into(), listing.description.clone()),
        (
            "topics".into(),
            listing
                .topics
                .iter()
                .map(|t| t.label.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("country".into(), listing.location.country.clone()),
        (
            "region".into(),
            listing.location.region.clone().unwrap_or_default(),
        ),
        (
            "city".into(),
            listing.location.city.clone().unwrap_or_default(),
        ),
        ("version".into(), listing.version.to_string()),
    ];
    let number = |value: Option<u32>| value.map(|v| v.to_string()).unwrap_or_default();
    match &listing.details {
        ListingDetails::Expertise(d) => {
            typed.push(("techniques".into(), joined(&d.techniques)));
            for mode in &d.engagement_modes {
                typed.push(("engagement_modes".into(), mode.as_str().to_owned()));
            }
            typed.push((
                "trl_min".into(),
                d.trl_min.map(|v| v.to_string()).unwrap_or_default(),
            ));
            typed.push((
                "trl_max".into(),
                d.trl_max.map(|v| v.to_string()).unwrap_or_default(),
            ));
        }
        ListingDetails::Facility(d) => {
            typed.push(("equipment".into(), joined(&d.equipment)));
            typed.push(("techniques".into(), joined(&d.techniques)));
            typed.push((
                "access_mode".into(),
                d.access_mode
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default(),
            ));
            typed.push((
                "external_price_from".into(),
                d.external_price_from
                    .as_ref()
                    .map(|m| minor_units_as_price(m.amount_minor))
                    .unwrap_or_default(),
            ));
            typed.push((
                "price_unit".into(),
                d.price_unit
                    .map(|u| u.as_str().to_owned())
                    .unwrap_or_default(),
            ));
            typed.push(("turnaround_days".into(), number(d.turnaround_days)));
        }
        ListingDetails::Space(d) => {
            typed.push(("space_type".into(), d.space_type.as_str().to_owned()));
            typed.push(("capacity".into(), number(d.capacity)));
            typed.push(("area_m2".into(), number(d.area_m2)));
            typed.push((
                "monthly_price".into(),
                d.monthly_price
                    .as_ref()
                    .map(|m| minor_units_as_price(m.amount_minor))
                    .unwrap_or_default(),
            ));
            typed.push((
                "available_from".into(),
                d.available_from.map(|d| d.to_string()).unwrap_or_default(),
            ));
            typed.push(("amenities".into(), joined(&d.amenities)));
        }
    }
    typed
}

fn listing_form(
    layout: Layout,
    action: String,
    kind: ListingKind,
    typed: &Fields,
    submit_key: &str,
) -> FormPage {
    let t = &layout.t;
    let text = |name: &str| field(typed, name).to_owned();
    let language = match text("language") {
        language if language.is_empty() => t.lang.code().to_owned(),
        language => language,
    };
    let mut fields = vec![
        FormField::new(t, "title", "text", "lf-title")
            .required()
            .value(text("title"))
            .hint(t.t(&format!("lf-title-hint-{}", kind.as_str()))),
        FormField::new(t, "language", "select", "lf-language").options(
            t,
            "language",
            &LANGUAGES,
            &[language],
        ),
        FormField::new(t, "summary", "textarea", "lf-summary")
            .required()
            .value(text("summary"))
            .hint(t.t("lf-summary-hint")),
        FormField::new(t, "description", "textarea", "lf-description").value(text("description")),
        FormField::new(t, "topics", "text", "lf-topics")
            .value(text("topics"))
            .hint(t.t("lf-list-hint")),
        FormField::new(t, "city", "text", "lf-city")
            .value(text("city"))
            .hint(t.t("lf-place-hint")),
        FormField::new(t, "region", "text", "lf-region").value(text("region")),
    ];
    match kind {
        ListingKind::Expertise => {
            fields.push(
                FormField::new(t, "engagement_modes", "checkboxes", "lf-engagement-modes").options(
                    t,
                    "engagement",
                    &ENGAGEMENT_MODES,
                    &values(typed, "engagement_modes"),
                ),
            );
            fields.push(
                FormField::new(t, "techniques", "text", "lf-techniques")
                    .value(text("techniques"))
                    .hint(t.t("lf-list-hint")),
            );
            fields.push(
                FormField::new(t, "trl_min", "number", "lf-trl-min")
                    .value(text("trl_min"))
                    .hint(t.t("lf-trl-hint")),
            );
            fields
                .push(FormField::new(t, "trl_max", "number", "lf-trl-max").value(text("trl_max")));
        }
        ListingKind::Facility => {
            fields.push(
                FormField::new(t, "equipment", "text", "lf-equipment")
                    .value(text("equipment"))
                    .hint(t.t("lf-list-hint")),
            );
            fields.push(
                FormField::new(t, "techniques", "text", "lf-techniques")
                    .value(text("techniques"))
                    .hint(t.t("lf-list-hint")),
            );
            fields.push(
                FormField::new(t, "access_mode", "select", "lf-access-mode").options(
                    t,
                    "access",
                    &ACCESS_MODES,
                    &[text("access_mode")],
                ),
            );
            fields.push(
                FormField::new(t, "external_price_from", "text", "lf-price-from")
                    .value(text("external_price_from"))
                    .hint(t.t("lf-price-hint")),
            );
            fields.push(
                FormField::new(t, "price_unit", "select", "lf-price-unit").options(
                    t,
                    "unit",
                    &PRICE_UNITS,
                    &[text("price_unit")],
                ),
            );
            fields.push(
                FormField::new(t, "turnaround_days", "number", "lf-turnaround-days")
                    .value(text("turnaround_days")),
            );
        }
        ListingKind::Space => {
            fields.push(
                FormField::new(t, "space_type", "select", "lf-space-type")
                    .required()
                    .options(t, "space-type", &SPACE_TYPES, &[text("space_type")]),
            );
            fields.push(
                FormField::new(t, "capacity", "number", "lf-capacity").value(text("capacity")),
            );
            fields.push(FormField::new(t, "area_m2", "number", "lf-area").value(text("area_m2")));
            fields.push(
                FormField::new(t, "monthly_price", "text", "lf-monthly-price")
                    .value(text("monthly_price"))
                    .hint(t.t("lf-price-hint")),
            );
            fields.push(
                FormField::new(t, "available_from", "date", "lf-available-from")
                    .value(text("available_from")),
            );
            fields.push(
                FormField::new(t, "amenities", "text", "lf-amenities")
                    .value(text("amenities"))
                    .hint(t.t("lf-list-hint")),
            );
        }
    }
    let submit = t.t(submit_key);
    let mut page = FormPage::new(layout, action, submit).hidden("kind", kind.as_str());
    let version = text("version");
    if !version.is_empty() {
        page = page.hidden("version", &version);
    }
    page.fields = fields;
    page
}

/// Reads a listing form into the domain's fields; values the form cannot read (a
/// number that is not one, an unknown choice) are problems named by field.
fn read_listing_fields(
    fields: &Fields,
    kind: ListingKind,
) -> (ListingFields, Vec<(&'static str, &'static str)>) {
    let mut problems = Vec::new();
    let mut whole = |name: &'static str| -> Option<i64> {
        match field(fields, name).trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(value) => Some(value),
                Err(_) => {
                    problems.push((name, "problem-whole-number"));
                    None
                }
            },
        }
    };
    let (trl_min, trl_max, turnaround_days, capacity, area_m2) = match kind {
        ListingKind::Expertise => (whole("trl_min"), whole("trl_max"), None, None, None),
        ListingKind::Facility => (None, None, whole("turnaround_days"), None, None),
        ListingKind::Space => (None, None, None, whole("capacity"), whole("area_m2")),
    };
    let mut price = |name: &'static str| -> Option<i64> {
        match field(fields, name).trim() {
            "" => None,
            text => match price_in_minor_units(name, text) {
                Ok(value) => Some(value),
                Err(_) => {
                    problems.push((name, "problem-price"));
                    None
                }
            },
        }
    };
    let (external_price_from, monthly_price) = match kind {
        ListingKind::Facility => (price("external_price_from"), None),
        ListingKind::Space => (None, price("monthly_price")),
        ListingKind::Expertise => (None, None),
    };
    let mut choice = |name: &'static str, parse: &dyn Fn(&str) -> bool| {
        let text = field(fields, name).trim();
        if !text.is_empty() && !parse(text) {
            problems.push((name, "problem-choice"));
        }
    };
    choice("access_mode", &|v| AccessMode::parse(v).is_ok());
    choice("price_unit", &|v| PriceUnit::parse(v).is_ok());
    choice("space_type", &|v| SpaceType::parse(v).is_ok());
    let available_from = match field(fields, "available_from").trim() {
        "" => None,
        text => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                problems.push(("available_from", "problem-date"));
                None
            }
        },
    };
    let engagement_modes: Vec<EngagementMode> = values(fields, "engagement_modes")
        .iter()
        .filter_map(|v| EngagementMode::parse(v).ok())
        .collect();
    let list = |name: &str| Some(list_of(field(fields, name)));
    let is = |k: ListingKind| kind == k;
    let listing_fields = ListingFields {
        title: Some(field(fields, "title").to_owned()),
        language: Some(field(fields, "language").to_owned()).filter(|v| !v.is_empty()),
        summary: Some(field(fields, "summary").to_owned()),
        description: Some(field(fields, "description").to_owned()),
        topics: list("topics"),
        region: optional_text(fields, "region"),
        city: optional_text(fields, "city"),
        techniques: if is(ListingKind::Space) {
            None
        } else {
            list("techniques")
        },
        engagement_modes: is(ListingKind::Expertise).then_some(engagement_modes),
        trl_min,
        trl_max,
        equipment: if is(ListingKind::Facility) {
            list("equipment")
        } else {
            None
        },
        access_mode: AccessMode::parse(field(fields, "access_mode")).ok(),
        external_price_from,
        price_unit: PriceUnit::parse(field(fields, "price_unit")).ok(),
        turnaround_days,
        space_type: SpaceType::parse(field(fields, "space_type")).ok(),
        capacity,
        area_m2,
        monthly_price,
        available_from,
        amenities: if is(ListingKind::Space) {
            list("amenities")
        } else {
            None
        },
        ..ListingFields::default()
    };
    (listing_fields, problems)
}

fn kind_from_query(request: &Request) -> Option<ListingKind> {
    request.uri().query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "kind")
            .and_then(|(_, kind)| ListingKind::parse(&kind).ok())
    })
}

fn new_listing_layout(state: &PortalState, request: &Request, kind: ListingKind) -> Layout {
    let t = labels(state, request);
    layout(
        state,
        request,
        t.t(&format!("listing-new-title-{}", kind.as_str())),
    )
}

#[handler]
pub async fn show_new_listing(
    request: &Request,
    Path(organisation_id): Path<String>,
    state: Data<&PortalState>,
) -> Response {
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    let Some(kind) = kind_from_query(request) else {
        let layout = layout(&state, request, String::new());
        return super::pages::problem(layout, StatusCode::BAD_REQUEST, None);
    };
    // Members only: the same check the domain makes before any change.
    if let Err(error) = state.hub.list_members(&caller, &organisation_id).await {
        return domain_problem(layout(&state, request, String::new()), error);
    }
    let page = listing_form(
        new_listing_layout(&state, request, kind),
        format!("/dashboard/organisations/{organisation_id}/listings"),
        kind,
        &[],
        "listing-create-button",
    );
    render(&page, StatusCode::OK)
}

fn with_problems(mut page: FormPage, problems: &[(&'static str, &'static str)]) -> FormPage {
    for (name, key) in problems {
        let message = page.layout.t.t(key);
        page = page.field_error(name, message);
    }
    page
}

#[handler]
pub async fn create_listing(
    request: &Request,
    Path(organisation_id): Path<String>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let fields = match checked_form(&state, request, body).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    let Ok(kind) = ListingKind::parse(field(&fields, "kind")) else {
        let layout = layout(&state, request, String::new());
        return super::pages::problem(layout, StatusCode::BAD_REQUEST, None);
    };
    let form = listing_form(
        new_listing_layout(&state, request, kind),
        format!("/dashboard/organisations/{organisation_id}/listings"),
        kind,
        &fields,
        "listing-create-button",
    );
    let (listing_fields, problems) = read_listing_fields(&fields, kind);
    if !problems.is_empty() {
        return render(&with_problems(form, &problems), StatusCode::BAD_REQUEST);
    }
    let created = state
        .hub
        .create_listing(
            &caller,
            NewListing {
                organisation_id: organisation_id.clone(),
                kind,
                fields: listing_fields,
            },
        )
        .await;
    match created {
        Ok(listing) => see_other(&format!(
            "/dashboard/organisations/{}?done=created#listing-{}",
            listing.organisation_id, listing.id
        )),
        Err(error) if error.kind == ErrorKind::InvalidInput => {
            render(&form.with_error(&error), StatusCode::BAD_REQUEST)
        }
        Err(error) => domain_problem(form.layout, error),
    }
}

#[handler]
pub async fn show_edit_listing(
    request: &Request,
    Path(id): Path<String>,
    state: Data<&PortalState>,
) -> Response {
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    let t = labels(&state, request);
    let layout = layout(&state, request, t.t("listing-edit-title"));
    let listing = match editable_listing(&state, &caller, &id).await {
        Ok(listing) => listing,
        Err(error) => return domain_problem(layout, error),
    };
    let typed = typed_from_listing(&listing);
    let page = listing_form(
        layout,
        format!("/dashboard/listings/{id}/edit"),
        listing.kind,
        &typed,
        "listing-save-button",
    );
    render(&page, StatusCode::OK)
}

/// The listing, if the caller may change it: the domain's write check, made by asking
/// for the organisation's members (editors and owners only).
async fn editable_listing(
    state: &PortalState,
    caller: &Caller,
    id: &str,
) -> domain::Result<ListingView> {
    let listing = state.hub.get_listing(caller, id).await?;
    state
        .hub
        .list_members(caller, &listing.organisation_id)
        .await?;
    Ok(listing)
}

#[handler]
pub async fn update_listing(
    request: &Request,
    Path(id): Path<String>,
    body: Body,
    state: Data<&PortalState>,
) -> Response {
    let fields = match checked_form(&state, request, body).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let caller = match member(request) {
        Ok(caller) => caller,
        Err(to_login) => return to_login.response(),
    };
    let t = labels(&state, request);
    let layout = layout(&state, request, t.t("listing-edit-title"));
    let listing = match editable_listing(&state, &caller, &id).await {
        Ok(listing) => listing,
        Err(error) => return domain_problem(layout, error),
    };
    let form = listing_form(
        layout,
        format!("/dashboard/listings/{id}/edit"),
        listing.kind,
        &fields,
        "listing-save-button",
    );
    let (listing_fields, problems) = read_listing_fields(&fields, listing.kind);
    if !problems.is_empty() {
        return render(&with_problems(form, &problems), StatusCode::BAD_REQUEST);
    }
    let version = field(&fields, "version")
        .parse::<i32>()
        .unwrap_or(listing.version);
    match state
        .hub
        .update_listing(&caller, &id, version, listing_fields)
        .await
    {
        Ok(listing) => see_other(&format!(
            "/dashboard/organisations/{}?done=saved#listing-{}",
            listing.organisation_id, listing.id
        )),
        Err(error) if error.kind == ErrorKind::InvalidInput => {
            render(&form.with_error(&error), StatusCode::BAD_REQUEST)
        }
        Err(error) if error.kind == ErrorKind::PreconditionFailed => {
            let mut form = form;
            form.problem = Some(form.layout.t.t("listing-changed-meanwhile"));
            render(&form, StatusCode::CONFLICT)
        }
        Err(error) => domain_problem(form.layout, error),
    }
}

/// Publish, archive or renew: one button each on the dashboard.
#[handler]
pub async fn change_listing(
    request: &Request,
    Path((id, action)): Path<(String, String)>,
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
    let layout = layout(&state, request, String::new());
    let changed = match action.as_str() {
        "publish" => state.hub.publish_listing(&caller, &id).await,
        "archive" => state.hub.archive_listing(&caller, &id).await,
        "renew" => state.hub.renew_listing(&caller, &id).await,
        _ => return super::pages::problem(layout, StatusCode::NOT_FOUND, None),
    };
    match changed {
        Ok(listing) => see_other(&format!(
            "/dashboard/organisations/{}?done={action}#listing-{}",
            listing.organisation_id, listing.id
        )),
        // Not ready to publish: the edit form, with what is missing next to its field.
        Err(error) if error.kind == ErrorKind::InvalidInput => {
            match state.hub.get_listing(&caller, &id).await {
                Ok(listing) => {
                    let title = layout.t.t("listing-edit-title");
                    let form = listing_form(
                        Layout { title, ..layout },
                        format!("/dashboard/listings/{id}/edit"),
                        listing.kind,
                        &typed_from_listing(&listing),
                        "listing-save-button",
                    );
                    render(&form.with_error(&error), StatusCode::BAD_REQUEST)
                }
                Err(_) => domain_problem(layout, error),
            }
        }
        Err(error) => domain_problem(layout, error),
    }
}
