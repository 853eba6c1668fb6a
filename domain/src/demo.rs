//! The demo data behind `ponte serve --demo`: real organisations and what they are
//! known to do, from open data shipped inside the binary (`datasets/`, see its README).
//!
//! - expertise: EU-funded projects from CORDIS (a Horizon Europe sample and a set of
//!   H2020/FP7 citizen-observatory projects), one listing per participating
//!   organisation, at most [`LISTINGS_PER_PROJECT`] per project;
//! - facilities: research facilities registered in ROR whose name says what they work
//!   on, Italian ones first;
//! - spaces: offers at the European incubators and science parks found in ROR. No open
//!   data describes such offers, so these are generated, and marked as such in their
//!   title, their text and the `generated_example` flag;
//! - organisations: the Italian organisations of ROR, without listings.
//!
//! Loading is idempotent: organisations are matched by ROR id, PIC or VAT number (by
//! exact name and country where a source has none), listings by `source_ref`, so a
//! second run creates nothing. Everything goes through the same import path and rules
//! as any other import.
//!
//! It deliberately invents nothing about real organisations — no prices, equipment or
//! people for real facilities, no researchers for projects — and it never updates or
//! removes what is already there.

mod places;
mod topics;

use crate::error::{Error, ErrorKind, Result};
use crate::hub::{Hub, ImportListing, ImportOutcome};
use crate::model::*;
use crate::validate;
use crate::vocabulary::{self, Term};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

const HE_PROJECTS: &str = include_str!("../../datasets/cordis/cordis_he_projects_sample100.csv");
const HE_ORGANISATIONS: &str =
    include_str!("../../datasets/cordis/cordis_he_organizations_sample100.csv");
const HE_FIELDS: &str = include_str!("../../datasets/cordis/cordis_he_project_titles_fields.csv");
const H2020_PARTICIPANTS: &str =
    include_str!("../../datasets/cordis/riecs_cordis_projects_and_participants.csv");
const ROR_FACILITIES: &str = include_str!("../../datasets/orgs/ror_europe_facilities.csv");
const ROR_ITALY: &str = include_str!("../../datasets/orgs/ror_italy_organisations.csv");
const ROR_INCUBATORS: &str =
    include_str!("../../datasets/incubators/ror_europe_incubators_sciparks.csv");

/// A project's listings beyond this many would fill a page of search results with the
/// same project text; its other participants are loaded as organisations only.
pub const LISTINGS_PER_PROJECT: usize = 5;
/// Facility listings to load: enough to browse, few enough to start in seconds.
pub const FACILITY_LISTINGS: usize = 200;
const MAX_TOPICS: usize = 6;

/// What one kind of record did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoCounts {
    pub created: u64,
    /// Already there from an earlier run (or an import), left unchanged.
    pub matched: u64,
    /// Refused by validation; logged, not fatal.
    pub skipped: u64,
}

impl DemoCounts {
    pub fn total(&self) -> u64 {
        self.created + self.matched
    }
}

/// What [`load_demo`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub organisations: DemoCounts,
    pub expertise: DemoCounts,
    pub facility: DemoCounts,
    pub space: DemoCounts,
}

impl DemoReport {
    /// Records created by this run; zero when the demo was already loaded.
    pub fn created(&self) -> u64 {
        self.organisations.created
            + self.expertise.created
            + self.facility.created
            + self.space.created
    }
}

/// Loads the demo data; `progress` hears the stage (`space`, `facility`, `expertise`,
/// `organisations`), the records done in it and its total. It must be `Send` so that
/// the whole load can run in a spawned task while the server starts.
pub async fn load_demo(
    hub: &Hub,
    progress: &mut (dyn FnMut(&str, u64, u64) + Send),
) -> Result<DemoReport> {
    let mut loader = Loader {
        hub,
        report: DemoReport::default(),
        by_name: HashMap::new(),
        progress,
    };
    // Incubators and facilities first, so that organisations found again in the
    // Italian ROR list keep the more telling kind.
    loader.spaces().await?;
    loader.facilities().await?;
    loader.horizon_europe_projects().await?;
    loader.h2020_projects().await?;
    loader.italian_organisations().await?;
    Ok(loader.report)
}

/// A CSV file read by column name.
struct Table {
    columns: HashMap<String, usize>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn parse(text: &str) -> Result<Table> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let columns = reader
            .headers()
            .map_err(|error| Error::internal("a shipped demo file does not parse", error))?
            .iter()
            .enumerate()
            .map(|(index, name)| (name.trim().to_owned(), index))
            .collect();
        let rows = reader
            .records()
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|error| Error::internal("a shipped demo file does not parse", error))?;
        Ok(Table { columns, rows })
    }

    fn get<'r>(&self, row: &'r csv::StringRecord, column: &str) -> &'r str {
        self.columns
            .get(column)
            .and_then(|index| row.get(*index))
            .unwrap_or_default()
            .trim()
    }
}

fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Keeps an optional value only if the domain would accept it, so that one odd field
/// (a VAT number written "NOTAPPLICABLE", a website without scheme) costs that field,
/// not the whole organisation.
fn valid<T>(value: &str, check: impl Fn(Option<&str>) -> Result<Option<T>>) -> Option<T> {
    check(Some(value)).ok().flatten()
}

fn website(value: &str) -> Option<String> {
    valid(value, |v| validate::website("website", v))
}

fn coordinate(latitude: &str, longitude: &str) -> (Option<f64>, Option<f64>) {
    match (
        latitude.trim().parse::<f64>(),
        longitude.trim().parse::<f64>(),
    ) {
        (Ok(lat), Ok(lng)) if validate::coordinates(Some(lat), Some(lng)).is_ok() => {
            (Some(lat), Some(lng))
        }
        _ => (None, None),
    }
}

/// At most `max` characters, cut at a word boundary with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > cut.len() / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([' ', ',', ';', ':', '.']))
}

/// The first sentences of a text, as many as fit in `max` characters.
fn first_sentences(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut end = 0;
    for (count, (index, c)) in flat.char_indices().enumerate() {
        if count >= max {
            break;
        }
        if matches!(c, '.' | '!' | '?') && flat[index + 1..].starts_with(' ') {
            end = index + 1;
        }
    }
    if end == 0 {
        clip(&flat, max)
    } else {
        flat[..end].to_owned()
    }
}

/// Topics as the listing fields take them: EuroSciVoc codes, and free labels for what
/// the vocabulary does not know.
#[derive(Debug, Default)]
struct Topics {
    codes: Vec<String>,
    labels: Vec<String>,
}

impl Topics {
    fn from_terms(terms: impl IntoIterator<Item = &'static Term>) -> Topics {
        let mut topics = Topics::default();
        for term in terms {
            topics.add_term(term);
        }
        topics
    }

    fn add_term(&mut self, term: &Term) {
        if self.len() < MAX_TOPICS && !self.codes.contains(&term.code) {
            self.codes.push(term.code.clone());
        }
    }

    /// A free label, coded when it happens to be a EuroSciVoc title.
    fn add_label(&mut self, label: &str) {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > validate::MAX_TAG || self.len() >= MAX_TOPICS
        {
            return;
        }
        match vocabulary::euroscivoc_by_title(label) {
            Some(term) => self.add_term(term),
            None if !self.labels.iter().any(|l| l.eq_ignore_ascii_case(label)) => {
                self.labels.push(label.to_owned());
            }
            None => {}
        }
    }

    fn len(&self) -> usize {
        self.codes.len() + self.labels.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn into_fields(self, fields: &mut ListingFields) {
        fields.topic_codes = Some(self.codes);
        fields.topics = Some(self.labels);
    }
}

/// A participant's kind from CORDIS's activity type.
fn kind_from_activity(activity: &str) -> OrganisationKind {
    match activity {
        "HES" => OrganisationKind::University,
        "REC" => OrganisationKind::ResearchCentre,
        "PRC" => OrganisationKind::Firm,
        "PUB" => OrganisationKind::PublicAgency,
        _ => OrganisationKind::Cluster,
    }
}

/// A participant's kind from its name, for the older CORDIS exports that lack the
/// activity type: universities, then companies by legal form, then research bodies,
/// then public bodies; associations and everything else count as clusters.
fn kind_from_name(name: &str) -> OrganisationKind {
    let upper = name.to_uppercase().replace('.', "");
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |needles: &[&str]| needles.iter().any(|n| upper.contains(n));
    let word = |needles: &[&str]| words.iter().any(|w| needles.contains(w));
    if has(&[
        "UNIVERS",
        "UNIVERZ",
        "UNIWERSYTET",
        "EGYETEM",
        "PANEPISTIM",
        "YLIOPISTO",
        "HOCHSCHULE",
        "HOGESCHOOL",
        "COLLEGE",
        "ECOLE",
        "POLITECN",
        "POLYTECHN",
        "TECHNION",
        "VYSOKE UCENI",
        "SCHOOL",
    ]) {
        OrganisationKind::University
    } else if word(&[
        "GMBH", "SL", "SA", "SAS", "SARL", "SRL", "SPA", "BV", "BVBA", "NV", "LTD", "LIMITED",
        "AS", "AB", "OY", "AG", "SRO", "SPOL", "KFT", "TARSASAG", "PLC", "INC", "IKE", "OE", "EPE",
        "AE", "KOOP", "SLU", "OU", "DOO",
    ]) {
        OrganisationKind::Firm
    } else if has(&[
        "INSTITU",
        "ISTITUTO",
        "RESEARCH",
        "RECHERCHE",
        "RICERCA",
        "RECERCA",
        "INVESTIGA",
        "FORSCHUNG",
        "ONDERZOEK",
        "AKADEMI",
        "ACADEMY",
        "CENTRE",
        "CENTER",
        "CENTRO",
        "CONSIGLIO NAZIONALE",
        "DELTARES",
        "TNO",
    ]) {
        OrganisationKind::ResearchCentre
    } else if has(&[
        "MUNICIP",
        "AJUNTAMENT",
        "AYUNTAMIENTO",
        "GEMEENTE",
        "GEMEINDE",
        "COMUNE DI",
        "CITY OF",
        "COUNCIL",
        "OBSHTINA",
        "MINIST",
        "AGENCY",
        "AGENCIA",
        "AGENZIA",
        "GOVERNMENT",
    ]) || word(&[
        "REGION",
        "REGIONE",
        "PROVINCIA",
        "PROVINCE",
        "STADT",
        "KOMMUNE",
        "DIMOS",
    ]) {
        OrganisationKind::PublicAgency
    } else {
        OrganisationKind::Cluster
    }
}

fn kind_label(kind: OrganisationKind) -> &'static str {
    match kind {
        OrganisationKind::University => "a university",
        OrganisationKind::ResearchCentre => "a research organisation",
        OrganisationKind::Incubator => "an incubator",
        OrganisationKind::TechnicalServiceProvider => "a technical service provider",
        OrganisationKind::Firm => "a company",
        OrganisationKind::Cluster => "an association or network",
        OrganisationKind::PublicAgency => "a public body",
    }
}

/// A ROR record's kind: its first type other than `funder`, read with its name where
/// the type alone is too broad.
fn kind_from_ror(types: &str, name: &str) -> OrganisationKind {
    let lower = topics::normalise(name);
    if ["parco tecnologico", "science park", "incubat", "tecnopolo"]
        .iter()
        .any(|n| lower.contains(n))
    {
        return OrganisationKind::Incubator;
    }
    if [
        "cluster",
        "distretto tecnologico",
        "consorzio",
        "associazione",
    ]
    .iter()
    .any(|n| lower.contains(n))
    {
        return OrganisationKind::Cluster;
    }
    let first = types
        .split('|')
        .map(str::trim)
        .find(|t| *t != "funder")
        .unwrap_or("funder");
    match first {
        "education" => OrganisationKind::University,
        "facility" | "nonprofit" | "other" => OrganisationKind::ResearchCentre,
        "healthcare"
            if ["irccs", "istituto", "institute", "ricerca", "research"]
                .iter()
                .any(|n| lower.contains(n)) =>
        {
            OrganisationKind::ResearchCentre
        }
        "company" => OrganisationKind::Firm,
        _ => OrganisationKind::PublicAgency,
    }
}

fn bare_ror(ror_id: &str) -> String {
    ror_id
        .trim()
        .trim_start_matches("https://ror.org/")
        .to_owned()
}

fn ror_organisation(
    table: &Table,
    row: &csv::StringRecord,
    kind: OrganisationKind,
    description: String,
) -> NewOrganisation {
    let country = table.get(row, "country_code").to_uppercase();
    let city = table.get(row, "city");
    let region = if country == "IT" {
        places::italian_region(city, table.get(row, "region"))
    } else {
        some(table.get(row, "region"))
    };
    let (latitude, longitude) = coordinate(table.get(row, "lat"), table.get(row, "lng"));
    NewOrganisation {
        kind: Some(kind),
        name: clip(table.get(row, "name"), validate::MAX_NAME),
        description,
        website: website(table.get(row, "website")),
        ror_id: valid(table.get(row, "ror_id"), |v| validate::ror_id("ror_id", v)),
        location: Location {
            country,
            region,
            nuts_code: None,
            city: some(city),
            latitude,
            longitude,
        },
        source: Some("ror".to_owned()),
        ..NewOrganisation::default()
    }
}

/// "Name (ACR), in City, part of Parent": what a ROR record says about where and what.
fn ror_identity(table: &Table, row: &csv::StringRecord) -> String {
    let mut text = table.get(row, "name").to_owned();
    if let Some(acronym) = table
        .get(row, "acronyms")
        .split('|')
        .find(|a| !a.trim().is_empty())
    {
        text.push_str(&format!(" ({})", acronym.trim()));
    }
    let city = table.get(row, "city");
    if !city.is_empty() {
        text.push_str(&format!(", in {city} ({})", table.get(row, "country_code")));
    }
    let parent = table
        .get(row, "parent")
        .split('|')
        .next()
        .unwrap_or_default()
        .trim();
    if !parent.is_empty() {
        text.push_str(&format!(", part of {parent}"));
    }
    text
}

struct Loader<'h, 'p> {
    hub: &'h Hub,
    report: DemoReport,
    /// (name, country) → id, for organisations without any identifier.
    by_name: HashMap<(String, String), String>,
    progress: &'p mut (dyn FnMut(&str, u64, u64) + Send),
}

/// Whether an error is about the record (skip it) or about the database (stop).
fn record_error(error: &Error) -> bool {
    !matches!(error.kind, ErrorKind::Internal | ErrorKind::Unavailable)
}

impl Loader<'_, '_> {
    /// Creates or finds the organisation; `None` if it is not valid.
    async fn organisation(&mut self, new: NewOrganisation) -> Result<Option<String>> {
        let anonymous = new.ror_id.is_none() && new.pic.is_none() && new.vat.is_none();
        let key = (new.name.trim().to_owned(), new.location.country.clone());
        if anonymous {
            if let Some(id) = self.by_name.get(&key) {
                self.report.organisations.matched += 1;
                return Ok(Some(id.clone()));
            }
            if let Some(id) = self.hub.organisation_id_by_name(&key.0, &key.1).await? {
                self.report.organisations.matched += 1;
                self.by_name.insert(key, id.clone());
                return Ok(Some(id));
            }
        }
        let name = new.name.clone();
        match self.hub.import_organisation(new, false).await {
            Ok(outcome) => {
                match &outcome {
                    ImportOutcome::Created(_) => self.report.organisations.created += 1,
                    ImportOutcome::Matched(_) => self.report.organisations.matched += 1,
                }
                if anonymous {
                    self.by_name.insert(key, outcome.id().to_owned());
                }
                Ok(Some(outcome.id().to_owned()))
            }
            Err(error) if record_error(&error) => {
                tracing::warn!(organisation = %name, error = %error, "demo organisation skipped");
                self.report.organisations.skipped += 1;
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    async fn listing(&mut self, import: ImportListing) -> Result<()> {
        let source_ref = import.source_ref.clone().unwrap_or_default();
        let outcome = self.hub.import_listing(import.clone(), false).await;
        let counts = match import.kind {
            Some(ListingKind::Expertise) => &mut self.report.expertise,
            Some(ListingKind::Facility) => &mut self.report.facility,
            _ => &mut self.report.space,
        };
        match outcome {
            Ok(ImportOutcome::Created(_)) => counts.created += 1,
            Ok(ImportOutcome::Matched(_)) => counts.matched += 1,
            Err(error) if record_error(&error) => {
                tracing::warn!(source_ref = %source_ref, error = %error, "demo listing skipped");
                counts.skipped += 1;
            }
            Err(error) => return Err(error),
        }
        Ok(())
    }

    /// Generated space offers at the active incubators and science parks.
    async fn spaces(&mut self) -> Result<()> {
        let table = Table::parse(ROR_INCUBATORS)?;
        // Withdrawn or inactive records may no longer exist: no offers for them.
        let rows: Vec<&csv::StringRecord> = table
            .rows
            .iter()
            .filter(|row| table.get(row, "status") == "active")
            .collect();
        let total = rows.len() as u64;
        for (index, row) in rows.into_iter().enumerate() {
            let description = format!(
                "{}: an incubator, science park or innovation centre registered in the \
                 Research Organization Registry (ROR).",
                table.get(row, "name")
            );
            let new = ror_organisation(&table, row, OrganisationKind::Incubator, description);
            if let Some(organisation_id) = self.organisation(new).await? {
                // One offer each, a second at every other one: varied, still small.
                for offer in 0..(1 + usize::from(index.is_multiple_of(2))) {
                    let import = space_offer(&table, row, index, offer, &organisation_id);
                    self.listing(import).await?;
                }
            }
            (self.progress)("space", index as u64 + 1, total);
        }
        Ok(())
    }

    /// ROR facilities whose name yields topics: all Italian ones, then the others by
    /// country in turn, up to [`FACILITY_LISTINGS`].
    async fn facilities(&mut self) -> Result<()> {
        let europe = Table::parse(ROR_FACILITIES)?;
        let italy = Table::parse(ROR_ITALY)?;
        let mut chosen: Vec<(&Table, &csv::StringRecord, Vec<&'static Term>)> = Vec::new();
        let mut seen = HashSet::new();
        let with_topics = |table: &Table, row: &csv::StringRecord| {
            let text = format!(
                "{} {}",
                table.get(row, "name"),
                table.get(row, "aliases").replace('|', " ")
            );
            topics::terms_in_name(&text, 3)
        };
        let active = |table: &Table, row: &csv::StringRecord| table.get(row, "status") == "active";
        // Italian facilities first: those of the Italian list (some are missing from the
        // European one), then the European list's Italian rows.
        for table in [&italy, &europe] {
            for row in &table.rows {
                let italian = table.get(row, "country_code") == "IT";
                let facility = table.get(row, "types").split('|').any(|t| t == "facility");
                if !(italian && facility && active(table, row)) {
                    continue;
                }
                let terms = with_topics(table, row);
                if !terms.is_empty() && seen.insert(table.get(row, "ror_id").to_owned()) {
                    chosen.push((table, row, terms));
                }
            }
        }
        // The rest of Europe, one country at a time in turn, so no country's long list
        // (France has thousands of lab units) crowds out the others.
        let mut by_country: BTreeMap<&str, Vec<&csv::StringRecord>> = BTreeMap::new();
        for row in &europe.rows {
            if europe.get(row, "country_code") != "IT" && active(&europe, row) {
                by_country
                    .entry(europe.get(row, "country_code"))
                    .or_default()
                    .push(row);
            }
        }
        let mut queues: Vec<std::collections::VecDeque<&csv::StringRecord>> =
            by_country.into_values().map(Into::into).collect();
        while chosen.len() < FACILITY_LISTINGS && queues.iter().any(|q| !q.is_empty()) {
            for queue in &mut queues {
                if chosen.len() >= FACILITY_LISTINGS {
                    break;
                }
                while let Some(row) = queue.pop_front() {
                    let terms = with_topics(&europe, row);
                    if !terms.is_empty() && seen.insert(europe.get(row, "ror_id").to_owned()) {
                        chosen.push((&europe, row, terms));
                        break;
                    }
                }
            }
        }
        chosen.truncate(FACILITY_LISTINGS);
        let total = chosen.len() as u64;
        for (index, (table, row, terms)) in chosen.into_iter().enumerate() {
            let identity = ror_identity(table, row);
            let description = format!(
                "{identity}. A research facility registered in the Research Organization \
                 Registry (ROR)."
            );
            let new = ror_organisation(table, row, OrganisationKind::ResearchCentre, description);
            if let Some(organisation_id) = self.organisation(new).await? {
                let import = facility_listing(table, row, &identity, terms, &organisation_id);
                self.listing(import).await?;
            }
            (self.progress)("facility", index as u64 + 1, total);
        }
        Ok(())
    }

    /// Horizon Europe: projects with their objectives, participants with PIC, VAT,
    /// NUTS region and coordinates, fields of science from the project-titles file.
    async fn horizon_europe_projects(&mut self) -> Result<()> {
        let projects = Table::parse(HE_PROJECTS)?;
        let participants = Table::parse(HE_ORGANISATIONS)?;
        let fields = Table::parse(HE_FIELDS)?;
        let project_by_id: HashMap<&str, &csv::StringRecord> = projects
            .rows
            .iter()
            .map(|row| (projects.get(row, "id"), row))
            .collect();
        let fields_by_id: HashMap<&str, &str> = fields
            .rows
            .iter()
            .map(|row| {
                (
                    fields.get(row, "project_id"),
                    fields.get(row, "euroscivoc_titles"),
                )
            })
            .collect();
        // Coordinator first, then partners in CORDIS's order; linked third parties last.
        let role_rank = |role: &str| match role {
            "coordinator" => 0,
            "participant" => 1,
            "associatedPartner" => 2,
            _ => 3,
        };
        let mut rows: Vec<&csv::StringRecord> = participants.rows.iter().collect();
        rows.sort_by_key(|row| {
            (
                participants.get(row, "projectID").to_owned(),
                role_rank(participants.get(row, "role")),
                participants
                    .get(row, "order")
                    .parse::<u32>()
                    .unwrap_or(u32::MAX),
            )
        });
        let total = rows.len() as u64;
        // Project → organisations listed for it: one listing per organisation and
        // project, however often CORDIS repeats the participant.
        let mut per_project: HashMap<String, HashSet<String>> = HashMap::new();
        for (index, row) in rows.into_iter().enumerate() {
            let get = |column: &str| participants.get(row, column);
            let kind = kind_from_activity(get("activityType"));
            let country = places::iso_country(get("country"));
            let (latitude, longitude) = match get("geolocation").split_once(',') {
                Some((lat, lng)) => coordinate(lat, lng),
                None => (None, None),
            };
            let mut description = format!(
                "{} is {}{} that takes part in EU-funded research and innovation projects.",
                get("name"),
                kind_label(kind),
                if get("SME") == "True" {
                    " (an SME)"
                } else {
                    ""
                }
            );
            description.push_str(" Listed from CORDIS open data (Horizon Europe).");
            let new = NewOrganisation {
                kind: Some(kind),
                name: clip(get("name"), validate::MAX_NAME),
                description,
                website: website(get("organizationURL")),
                pic: valid(get("organisationID"), |v| validate::pic("pic", v)),
                vat: valid(get("vatNumber"), |v| validate::vat("vat", v)),
                location: Location {
                    country,
                    region: None,
                    // A bare country code is no region; NUTS keeps the EU's EL/UK.
                    nuts_code: valid(get("nutsCode"), |v| validate::nuts_code("nuts_code", v))
                        .filter(|code: &String| code.len() > 2),
                    city: some(&places::title_case(get("city"))),
                    latitude,
                    longitude,
                },
                source: Some("cordis".to_owned()),
                ..NewOrganisation::default()
            };
            let Some(organisation_id) = self.organisation(new).await? else {
                continue;
            };
            let project_id = get("projectID");
            let listed = per_project.entry(project_id.to_owned()).or_default();
            if listed.len() < LISTINGS_PER_PROJECT
                && listed.insert(organisation_id.clone())
                && let Some(project) = project_by_id.get(project_id)
            {
                let p = |column: &str| projects.get(project, column);
                let mut topics = Topics::from_terms(
                    fields_by_id
                        .get(project_id)
                        .copied()
                        .unwrap_or_default()
                        .split('|')
                        .filter_map(vocabulary::euroscivoc_by_title),
                );
                if topics.is_empty() {
                    topics = text_topics(p("title"), p("objective"));
                }
                if topics.is_empty() {
                    // Nothing in its text names a field: no listing a firm could find.
                    tracing::debug!(project = project_id, "demo project without topics");
                    continue;
                }
                let project = Project {
                    id: project_id,
                    acronym: p("acronym"),
                    title: p("title"),
                    objective: p("objective"),
                    programme: "Horizon Europe",
                    start: p("startDate"),
                    end: p("endDate"),
                };
                let import = project_listing(
                    &project,
                    get("name"),
                    get("role") == "coordinator",
                    &format!("cordis:{project_id}:{}", get("organisationID")),
                    topics,
                    &organisation_id,
                );
                self.listing(import).await?;
            }
            (self.progress)("expertise", index as u64 + 1, total);
        }
        Ok(())
    }

    /// H2020 and FP7 citizen-observatory projects, with keywords and participants
    /// named in text ("NAME   Country", a postal address): no PIC, so organisations
    /// are matched by name and country.
    async fn h2020_projects(&mut self) -> Result<()> {
        let table = Table::parse(H2020_PARTICIPANTS)?;
        // Rows come grouped by project; keep CORDIS's order of projects and partners.
        let mut projects: Vec<(String, Vec<&csv::StringRecord>)> = Vec::new();
        for row in &table.rows {
            let acronym = table.get(row, "short title").to_owned();
            match projects.last_mut() {
                Some((last, rows)) if *last == acronym => rows.push(row),
                _ => projects.push((acronym, vec![row])),
            }
        }
        let total = projects.len() as u64;
        for (index, (_, rows)) in projects.iter().enumerate() {
            let Some(first) = rows.first() else { continue };
            let get = |column: &str| table.get(first, column);
            let id = match get("project id").trim_end_matches(".0") {
                "" => get("url").rsplit('/').next().unwrap_or_default().to_owned(),
                id => id.to_owned(),
            };
            if id.is_empty() {
                continue;
            }
            let topics_of =
                || h2020_topics(get("keywords"), get("project title"), get("objective"));
            let project = Project {
                id: &id,
                acronym: get("short title"),
                title: get("project title"),
                objective: get("objective").trim_matches('"'),
                programme: match get("program") {
                    "" => "an EU framework programme",
                    programme => programme,
                },
                start: get("start_date"),
                end: get("end_date"),
            };
            // The coordinator, then every participant in order.
            let mut members: Vec<(String, String, String, String)> = Vec::new();
            let (coordinator_country, _) = name_and_country(get("coordinated_by"));
            members.push((
                get("coordinator").to_owned(),
                coordinator_country.clone(),
                strip_country(get("coordinator_adress"), &coordinator_country),
                get("coordinator_website").to_owned(),
            ));
            for row in rows {
                let (name, country) = name_and_country(table.get(row, "participant_name"));
                members.push((
                    name,
                    country,
                    table.get(row, "participant_address").to_owned(),
                    table.get(row, "participant_website").to_owned(),
                ));
            }
            let mut listed: HashSet<String> = HashSet::new();
            for (position, (name, country_name, address, site)) in members.iter().enumerate() {
                let Some(country) = places::country_code(country_name) else {
                    continue;
                };
                let kind = kind_from_name(name);
                let (city, place) = places::city_in_address(address, country).unwrap_or_default();
                let new = NewOrganisation {
                    kind: Some(kind),
                    name: clip(name, validate::MAX_NAME),
                    description: format!(
                        "{name} is {} that took part in EU-funded research and innovation \
                         projects. Listed from CORDIS open data.",
                        kind_label(kind)
                    ),
                    website: website(site),
                    location: Location {
                        country: country.to_owned(),
                        city: some(&city),
                        latitude: place.map(|p| p.latitude),
                        longitude: place.map(|p| p.longitude),
                        ..Location::default()
                    },
                    source: Some("cordis".to_owned()),
                    ..NewOrganisation::default()
                };
                let Some(organisation_id) = self.organisation(new).await? else {
                    continue;
                };
                if listed.len() >= LISTINGS_PER_PROJECT || !listed.insert(organisation_id.clone()) {
                    continue;
                }
                let source_ref = if position == 0 {
                    format!("cordis:{id}:coordinator")
                } else {
                    format!("cordis:{id}:p{position}")
                };
                let topics = topics_of();
                if topics.is_empty() {
                    continue;
                }
                let import = project_listing(
                    &project,
                    name,
                    position == 0,
                    &source_ref,
                    topics,
                    &organisation_id,
                );
                self.listing(import).await?;
            }
            (self.progress)("expertise", index as u64 + 1, total);
        }
        Ok(())
    }

    /// The Italian organisations of ROR, as organisations without listings.
    async fn italian_organisations(&mut self) -> Result<()> {
        let table = Table::parse(ROR_ITALY)?;
        let rows: Vec<&csv::StringRecord> = table
            .rows
            .iter()
            .filter(|row| table.get(row, "status") == "active")
            .collect();
        let total = rows.len() as u64;
        for (index, row) in rows.into_iter().enumerate() {
            let kind = kind_from_ror(table.get(row, "types"), table.get(row, "name"));
            let established = table.get(row, "established");
            let description = format!(
                "{}: {} registered in the Research Organization Registry (ROR){}.",
                ror_identity(&table, row),
                kind_label(kind),
                if established.is_empty() {
                    String::new()
                } else {
                    format!(", established {established}")
                }
            );
            let new = ror_organisation(&table, row, kind, description);
            self.organisation(new).await?;
            (self.progress)("organisations", index as u64 + 1, total);
        }
        Ok(())
    }
}

/// "NAME OF ORG   Participation ended   Spain" → ("NAME OF ORG", "Spain").
fn name_and_country(text: &str) -> (String, String) {
    let parts: Vec<&str> = text
        .split("   ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [name, .., country] => ((*name).to_owned(), (*country).to_owned()),
        [name] => ((*name).to_owned(), String::new()),
        [] => (String::new(), String::new()),
    }
}

fn strip_country(address: &str, country: &str) -> String {
    let address = address.trim();
    match address.strip_suffix(country) {
        Some(rest) if !country.is_empty() => rest.trim().to_owned(),
        _ => address.to_owned(),
    }
}

/// Topics of an H2020/FP7 project: its EuroSciVoc fields where the export kept them,
/// else its keywords, else vocabulary terms found in its title and objective.
fn h2020_topics(keywords: &str, title: &str, objective: &str) -> Topics {
    const FIELDS: &str = "Fields of science (EuroSciVoc)";
    if keywords.starts_with(FIELDS) {
        // The list sits between CORDIS's boilerplate and its "Suggest" button.
        let list = keywords
            .split_once("euroscivoc.")
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        let list = list.split("Suggest new fields").next().unwrap_or_default();
        let topics = Topics::from_terms(topics::terms_from_run_together(list.trim()));
        if !topics.is_empty() {
            return topics;
        }
    } else if !keywords.starts_with("Programme(s)") {
        let mut topics = Topics::default();
        keywords
            .split("  ")
            .filter(|k| !k.trim().is_empty())
            .for_each(|k| topics.add_label(k));
        if !topics.is_empty() {
            return topics;
        }
    }
    text_topics(title, objective)
}

/// Topics for a project known only by its words: EuroSciVoc titles found in them,
/// topped up from the keyword table's word beginnings ("economies" → economics) in
/// the title, and — only if still nothing — from those its objective names at least
/// twice: word beginnings meant for names misfire on single words of prose
/// ("acceleration programme").
fn text_topics(title: &str, objective: &str) -> Topics {
    let mut topics = Topics::from_terms(topics::terms_in_text(title, objective, 5));
    if topics.len() < 2 {
        for term in topics::terms_in_name(title, 3) {
            topics.add_term(term);
        }
    }
    if topics.is_empty() {
        topics::keyword_terms(objective)
            .into_iter()
            .filter(|(count, _)| *count >= 2)
            .take(3)
            .for_each(|(_, term)| topics.add_term(term));
    }
    topics
}

/// The facts of a funded project that its listings quote.
struct Project<'a> {
    id: &'a str,
    acronym: &'a str,
    title: &'a str,
    objective: &'a str,
    programme: &'a str,
    start: &'a str,
    end: &'a str,
}

fn project_listing(
    project: &Project<'_>,
    organisation: &str,
    coordinator: bool,
    source_ref: &str,
    topics: Topics,
    organisation_id: &str,
) -> ImportListing {
    let title = match (project.acronym, project.title) {
        ("", title) => title.to_owned(),
        (acronym, "") => format!("{acronym} (EU-funded project)"),
        (acronym, title) if title.to_lowercase().starts_with(&acronym.to_lowercase()) => {
            title.to_owned()
        }
        (acronym, title) => format!("{acronym}: {title}"),
    };
    let role = if coordinator {
        "coordinates"
    } else {
        "takes part in"
    };
    let period = match (project.start, project.end) {
        ("", _) | (_, "") => String::new(),
        (start, end) => format!(" ({start} – {end})"),
    };
    let name = if project.acronym.is_empty() {
        "the project"
    } else {
        project.acronym
    };
    let description = format!(
        "{}\n\n{organisation} {role} {name}, funded under {}{period}. \
         Source: CORDIS, https://cordis.europa.eu/project/id/{} (CC BY 4.0).",
        project.objective.trim(),
        project.programme,
        project.id
    );
    let mut fields = ListingFields {
        title: Some(clip(&title, validate::MAX_TITLE)),
        language: Some("en".to_owned()),
        summary: Some(first_sentences(project.objective, 300)),
        description: Some(clip(&description, validate::MAX_DESCRIPTION)),
        engagement_modes: Some(vec![
            EngagementMode::JointProject,
            EngagementMode::ContractResearch,
        ]),
        languages: Some(vec!["en".to_owned()]),
        ..ListingFields::default()
    };
    topics.into_fields(&mut fields);
    ImportListing {
        organisation_id: organisation_id.to_owned(),
        kind: Some(ListingKind::Expertise),
        fields,
        source_ref: Some(source_ref.to_owned()),
        publish: true,
        generated_example: false,
    }
}

fn facility_listing(
    table: &Table,
    row: &csv::StringRecord,
    identity: &str,
    terms: Vec<&'static Term>,
    organisation_id: &str,
) -> ImportListing {
    let name = table.get(row, "name");
    let ror_id = table.get(row, "ror_id");
    let site = website(table.get(row, "website"));
    let fields_text = terms
        .iter()
        .map(|t| t.title.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let summary = format!("{identity}: a research facility working in {fields_text}.");
    let contact = match &site {
        Some(site) => format!("Ask the facility through its website, {site}."),
        None => "ROR lists no website for it.".to_owned(),
    };
    let description = format!(
        "{identity}. It is registered as a research facility in the Research Organization \
         Registry ({ror_id}){}. Its fields ({fields_text}) are read from its name.\n\n\
         ROR records name and place only: the services, equipment, access rules and \
         prices of the facility are not described there, so Ponte shows none. {contact}",
        match table.get(row, "established") {
            "" => String::new(),
            year => format!(", established {year}"),
        }
    );
    let mut fields = ListingFields {
        title: Some(clip(name, validate::MAX_TITLE)),
        language: Some("en".to_owned()),
        summary: Some(clip(&summary, validate::MAX_SUMMARY)),
        description: Some(description),
        ..ListingFields::default()
    };
    Topics::from_terms(terms).into_fields(&mut fields);
    ImportListing {
        organisation_id: organisation_id.to_owned(),
        kind: Some(ListingKind::Facility),
        fields,
        source_ref: Some(format!("ror:{}:facility", bare_ror(ror_id))),
        publish: true,
        generated_example: false,
    }
}

/// One kind of generated space offer: what it is called, its size and price ranges.
struct SpaceKind {
    space_type: SpaceType,
    label: &'static str,
    /// Seats or benches (min, span).
    capacity: (i64, i64),
    /// Square metres per seat or bench.
    area_per_unit: i64,
    /// Monthly price in euro cents (min, span), per seat for desks, per unit otherwise.
    price: (i64, i64),
    per_seat: bool,
    amenities: &'static [&'static str],
    stages: &'static [CompanyStage],
}

const SPACE_KINDS: &[SpaceKind] = &[
    SpaceKind {
        space_type: SpaceType::HotDesk,
        label: "Hot desks",
        capacity: (10, 21),
        area_per_unit: 4,
        price: (12_000, 9_000),
        per_seat: true,
        amenities: &["wifi", "meeting rooms", "kitchen", "events"],
        stages: &[CompanyStage::Idea, CompanyStage::Startup],
    },
    SpaceKind {
        space_type: SpaceType::DedicatedDesk,
        label: "Dedicated desks",
        capacity: (4, 13),
        area_per_unit: 6,
        price: (25_000, 15_000),
        per_seat: true,
        amenities: &["wifi", "lockers", "meeting rooms", "24/7 access"],
        stages: &[CompanyStage::Startup],
    },
    SpaceKind {
        space_type: SpaceType::PrivateOffice,
        label: "Private office",
        capacity: (2, 7),
        area_per_unit: 7,
        price: (50_000, 110_000),
        per_seat: false,
        amenities: &[
            "wifi",
            "furnished",
            "reception",
            "24/7 access",
            "meeting rooms",
        ],
        stages: &[
            CompanyStage::Startup,
            CompanyStage::Scaleup,
            CompanyStage::Sme,
        ],
    },
    SpaceKind {
        space_type: SpaceType::LabBench,
        label: "Lab bench",
        capacity: (1, 2),
        area_per_unit: 8,
        price: (40_000, 50_000),
        per_seat: false,
        amenities: &[
            "fume hood access",
            "cold storage",
            "shared lab equipment",
            "waste disposal",
        ],
        stages: &[CompanyStage::Idea, CompanyStage::Startup],
    },
    SpaceKind {
        space_type: SpaceType::WetLab,
        label: "Wet lab unit",
        capacity: (2, 5),
        area_per_unit: 12,
        price: (150_000, 200_000),
        per_seat: false,
        amenities: &[
            "fume hoods",
            "autoclave",
            "cold room",
            "gas supply",
            "biosafety cabinet",
        ],
        stages: &[CompanyStage::Startup, CompanyStage::Scaleup],
    },
    SpaceKind {
        space_type: SpaceType::Workshop,
        label: "Prototyping workshop",
        capacity: (2, 5),
        area_per_unit: 20,
        price: (80_000, 120_000),
        per_seat: false,
        amenities: &[
            "3D printers",
            "laser cutter",
            "CNC mill",
            "electronics bench",
            "loading bay",
        ],
        stages: &[CompanyStage::Startup, CompanyStage::Sme],
    },
];

/// A made-up but plausible offer, derived from the row index alone so every run and
/// every machine loads the same one.
fn space_offer(
    table: &Table,
    row: &csv::StringRecord,
    index: usize,
    offer: usize,
    organisation_id: &str,
) -> ImportListing {
    let kind = &SPACE_KINDS[(index * 2 + offer * 3) % SPACE_KINDS.len()];
    let seed = (index * 7 + offer * 13) as i64;
    let capacity = kind.capacity.0 + seed % kind.capacity.1;
    let area = capacity * kind.area_per_unit;
    // Round to whole euros.
    let price = (kind.price.0 + (seed * 1_100) % kind.price.1) / 100 * 100;
    let name = table.get(row, "name");
    let city = table.get(row, "city");
    let base = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap_or_default();
    let available_from = base + chrono::Duration::days((seed * 5) % 120);
    let available_until = (index + offer)
        .is_multiple_of(3)
        .then(|| available_from + chrono::Duration::days(365));
    let price_text = format!(
        "€{} a month{}",
        price / 100,
        if kind.per_seat { " per desk" } else { "" }
    );
    let unit = match kind.space_type {
        SpaceType::HotDesk | SpaceType::DedicatedDesk => "desks",
        SpaceType::LabBench => "benches",
        _ => "people",
    };
    let site = website(table.get(row, "website"));
    let summary = format!(
        "Generated example, not a real offer: {} at {name}{} — {capacity} {unit}, {area} m², \
         from {price_text}.",
        kind.label.to_lowercase(),
        if city.is_empty() {
            String::new()
        } else {
            format!(", {city}")
        },
    );
    let description = format!(
        "This offer is a generated example. No open data describes the spaces that \
         incubators rent out, so Ponte's demo attaches made-up offers to real incubators \
         and science parks. {name} did not publish it: its real spaces, prices and dates \
         may differ{}.\n\n{}: room for {capacity} {unit} on {area} m², {price_text}. \
         Amenities: {}.",
        match &site {
            Some(site) => format!(" — see {site}"),
            None => String::new(),
        },
        kind.label,
        kind.amenities.join(", ")
    );
    let mut topics = Topics::default();
    topics.add_label("entrepreneurship");
    topics.add_label("innovation management");
    for term in topics::terms_in_name(name, 2) {
        topics.add_term(term);
    }
    let sectors: Vec<String> = topics::terms_in_name(name, 2)
        .into_iter()
        .filter(|t| t.title != "innovation management" && t.title != "entrepreneurship")
        .map(|t| t.title.clone())
        .collect();
    let mut fields = ListingFields {
        title: Some(clip(
            &format!("{} at {name} (generated example)", kind.label),
            validate::MAX_TITLE,
        )),
        language: Some("en".to_owned()),
        summary: Some(clip(&summary, validate::MAX_SUMMARY)),
        description: Some(description),
        space_type: Some(kind.space_type),
        capacity: Some(capacity),
        area_m2: Some(area),
        monthly_price: Some(price),
        currency: Some("EUR".to_owned()),
        available_from: Some(available_from),
        available_until,
        amenities: Some(kind.amenities.iter().map(|a| (*a).to_owned()).collect()),
        eligible_stages: Some(kind.stages.to_vec()),
        eligible_sectors: Some(sectors),
        ..ListingFields::default()
    };
    topics.into_fields(&mut fields);
    ImportListing {
        organisation_id: organisation_id.to_owned(),
        kind: Some(ListingKind::Space),
        fields,
        source_ref: Some(format!(
            "demo:space:{}:{offer}",
            bare_ror(table.get(row, "ror_id"))
        )),
        publish: true,
        generated_example: true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
