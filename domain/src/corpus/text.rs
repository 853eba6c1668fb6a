//! The corpus's prose and queries: listing titles, summaries and descriptions assembled
//! from templates in five languages, organisation names, and saved searches in the
//! query language of `search_index::query`.
//!
//! Templates only arrange words from `words`; they add no vocabulary a search could
//! match on by accident.

use super::Language;
use super::SAMPLERS;
use super::random::Stream;
use super::words::{self, City, Phrase};
use crate::model::*;
use crate::search::SearchQuery;

/// What a listing's text talks about, already in its language.
pub(super) struct Content {
    pub(super) language: Language,
    pub(super) topics: Vec<String>,
    pub(super) sectors: Vec<String>,
    pub(super) city: &'static str,
}

impl Content {
    fn topic(&self, n: usize) -> &str {
        self.topics
            .get(n)
            .or(self.topics.first())
            .map_or("", String::as_str)
    }

    fn sector(&self, n: usize) -> &str {
        self.sectors
            .get(n)
            .or(self.sectors.first())
            .map_or("", String::as_str)
    }

    fn all_topics(&self) -> String {
        list(&self.topics, self.language)
    }

    fn all_sectors(&self) -> String {
        list(&self.sectors, self.language)
    }
}

/// "a, b and c" in the language.
fn list(items: &[String], language: Language) -> String {
    let and = match language {
        Language::English => "and",
        Language::Italian => "e",
        Language::French => "et",
        Language::German => "und",
        Language::Spanish => "y",
    };
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Fills `{t0}`, `{t1}`, `{s0}`, `{s1}`, `{topics}`, `{sectors}`, `{city}` and `{e}`.
fn fill(template: &str, content: &Content, extra: &str) -> String {
    capitalise(
        &template
            .replace("{t0}", content.topic(0))
            .replace("{t1}", content.topic(1))
            .replace("{s0}", content.sector(0))
            .replace("{s1}", content.sector(1))
            .replace("{topics}", &content.all_topics())
            .replace("{sectors}", &content.all_sectors())
            .replace("{city}", content.city)
            .replace("{e}", extra),
    )
}

/// (titles, summaries, description sentences) for one kind in one language.
type Templates = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

fn compose(
    stream: &mut Stream,
    content: &Content,
    templates: Templates,
    extra: &str,
) -> (String, String, String) {
    let (titles, summaries, sentences) = templates;
    let title_template = stream.pick(titles);
    let title = fill(title_template, content, extra);
    let summary_template = stream.pick(summaries);
    let summary = fill(summary_template, content, extra);
    let count = stream.between(2, 4) as usize;
    let chosen = stream.distinct(count, sentences.len(), |s| {
        s.below(sentences.len() as u64) as usize
    });
    let description = chosen
        .into_iter()
        .map(|i| fill(sentences[i], content, extra))
        .collect::<Vec<_>>()
        .join(" ");
    (title, summary, description)
}

pub(super) fn expertise_text(stream: &mut Stream, content: &Content) -> (String, String, String) {
    let templates: Templates = match content.language {
        Language::English => (
            &[
                "{t0} for the {s0} industry",
                "applied research in {t0} and {t1}",
                "{t0}: consultancy for {s0} firms",
                "expertise in {t0} for {s0}",
            ],
            &[
                "We help {sectors} firms with {topics}.",
                "Our group works on {topics} with partners in {sectors}.",
            ],
            &[
                "The team has worked on {t0} with firms in {s0} for over ten years.",
                "Projects range from feasibility studies to pilots on {t1}.",
                "We take on contract research, joint projects and theses on {topics}.",
                "Based in {city}, we work across Europe.",
                "Typical partners are small firms in {sectors}.",
            ],
        ),
        Language::Italian => (
            &[
                "{t0} per il settore {s0}",
                "ricerca applicata in {t0} e {t1}",
                "consulenza in {t0} per imprese del settore {s0}",
                "competenze in {t0} per il settore {s0}",
            ],
            &[
                "Aiutiamo le imprese dei settori {sectors} su {topics}.",
                "Il gruppo lavora su {topics} con partner del settore {s0}.",
            ],
            &[
                "Il gruppo lavora da oltre dieci anni su {t0} con imprese del settore {s0}.",
                "I progetti vanno dagli studi di fattibilità ai piloti su {t1}.",
                "Svolgiamo ricerca su commessa, progetti congiunti e tesi su {topics}.",
                "Abbiamo sede a {city} e lavoriamo in tutta Europa.",
                "I partner tipici sono piccole imprese dei settori {sectors}.",
            ],
        ),
        Language::French => (
            &[
                "expertise en {t0} pour le secteur {s0}",
                "recherche appliquée en {t0} et {t1}",
            ],
            &["Nous accompagnons les entreprises du secteur {s0} en {topics}."],
            &[
                "L'équipe travaille sur {t0} depuis plus de dix ans.",
                "Nous sommes basés à {city}.",
                "Partenaires typiques : PME des secteurs {sectors}.",
            ],
        ),
        Language::German => (
            &[
                "Expertise in {t0} für die Branche {s0}",
                "angewandte Forschung in {t0} und {t1}",
            ],
            &["Wir unterstützen Unternehmen der Branche {s0} bei {topics}."],
            &[
                "Das Team arbeitet seit über zehn Jahren an {t0}.",
                "Wir sitzen in {city}.",
                "Typische Partner sind KMU aus {sectors}.",
            ],
        ),
        Language::Spanish => (
            &[
                "experiencia en {t0} para el sector {s0}",
                "investigación aplicada en {t0} y {t1}",
            ],
            &["Ayudamos a las empresas del sector {s0} con {topics}."],
            &[
                "El equipo trabaja en {t0} desde hace más de diez años.",
                "Estamos en {city}.",
                "Socios típicos: pymes de {sectors}.",
            ],
        ),
    };
    compose(stream, content, templates, "")
}

pub(super) fn facility_text(
    stream: &mut Stream,
    content: &Content,
    equipment: &[String],
) -> (String, String, String) {
    let first = equipment.first().map_or("", String::as_str);
    let templates: Templates = match content.language {
        Language::English => (
            &[
                "{e} for {t0}",
                "{t0} laboratory with {e}",
                "{t0} testing service for {s0}",
            ],
            &[
                "A {t0} laboratory in {city} with {e}, open to {sectors} firms.",
                "Measurements and tests in {topics} for the {s0} industry.",
            ],
            &[
                "The laboratory runs a {e} for {t0}.",
                "Samples from {sectors} firms are welcome.",
                "Our staff can help design tests on {t1}.",
                "Results come with a written report.",
            ],
        ),
        Language::Italian => (
            &[
                "{e} per {t0}",
                "laboratorio di {t0} con {e}",
                "servizio di prove di {t0} per il settore {s0}",
            ],
            &[
                "Un laboratorio di {t0} a {city} con {e}, aperto alle imprese dei settori {sectors}.",
                "Misure e prove di {topics} per il settore {s0}.",
            ],
            &[
                "Il laboratorio dispone di {e} per {t0}.",
                "Accettiamo campioni dalle imprese dei settori {sectors}.",
                "Il personale aiuta a progettare le prove su {t1}.",
                "I risultati sono accompagnati da un rapporto scritto.",
            ],
        ),
        Language::French => (
            &["laboratoire de {t0} avec {e}", "{e} pour {t0}"],
            &["Un laboratoire de {t0} à {city}, ouvert aux entreprises du secteur {s0}."],
            &[
                "Le laboratoire dispose d'un {e}.",
                "Résultats avec rapport écrit.",
                "Échantillons des secteurs {sectors} bienvenus.",
            ],
        ),
        Language::German => (
            &["Labor für {t0} mit {e}", "{e} für {t0}"],
            &["Ein Labor für {t0} in {city}, offen für Unternehmen der Branche {s0}."],
            &[
                "Das Labor betreibt ein {e}.",
                "Ergebnisse mit schriftlichem Bericht.",
                "Proben aus {sectors} sind willkommen.",
            ],
        ),
        Language::Spanish => (
            &["laboratorio de {t0} con {e}", "{e} para {t0}"],
            &["Un laboratorio de {t0} en {city}, abierto a empresas del sector {s0}."],
            &[
                "El laboratorio cuenta con {e}.",
                "Resultados con informe escrito.",
                "Se aceptan muestras de {sectors}.",
            ],
        ),
    };
    compose(stream, content, templates, first)
}

fn space_type_label(space_type: SpaceType, language: Language) -> &'static str {
    match (space_type, language == Language::Italian) {
        (SpaceType::HotDesk, false) => "hot desks",
        (SpaceType::HotDesk, true) => "postazioni flessibili",
        (SpaceType::DedicatedDesk, false) => "dedicated desks",
        (SpaceType::DedicatedDesk, true) => "postazioni dedicate",
        (SpaceType::PrivateOffice, false) => "private office",
        (SpaceType::PrivateOffice, true) => "ufficio privato",
        (SpaceType::LabBench, false) => "lab bench",
        (SpaceType::LabBench, true) => "banco di laboratorio",
        (SpaceType::WetLab, false) => "wet lab",
        (SpaceType::WetLab, true) => "laboratorio umido",
        (SpaceType::Workshop, false) => "workshop",
        (SpaceType::Workshop, true) => "officina",
        (SpaceType::MeetingRoom, false) => "meeting room",
        (SpaceType::MeetingRoom, true) => "sala riunioni",
    }
}

pub(super) fn space_text(
    stream: &mut Stream,
    content: &Content,
    space_type: SpaceType,
) -> (String, String, String) {
    let label = space_type_label(space_type, content.language);
    let templates: Templates = match content.language {
        Language::English => (
            &[
                "{e} for {s0} start-ups in {city}",
                "{e} in {city} near {t0} labs",
                "{e} for teams working on {t0}",
            ],
            &[
                "A {e} in {city} for young firms in {sectors}.",
                "Space for start-ups on {topics}, next to our {t0} groups.",
            ],
            &[
                "Tenants share the building with research groups on {topics}.",
                "Mentoring and introductions to {s0} firms are part of the offer.",
                "The space is a short walk from {city} station.",
                "Short and long stays are possible.",
            ],
        ),
        Language::Italian => (
            &[
                "{e} per start-up del settore {s0} a {city}",
                "{e} a {city} vicino ai laboratori di {t0}",
                "{e} per team che lavorano su {t0}",
            ],
            &[
                "{e} a {city} per giovani imprese dei settori {sectors}.",
                "Spazi per start-up su {topics}, accanto ai gruppi di {t0}.",
            ],
            &[
                "Gli ospiti condividono l'edificio con gruppi di ricerca su {topics}.",
                "L'offerta include mentoring e contatti con imprese del settore {s0}.",
                "Lo spazio è a pochi minuti dalla stazione di {city}.",
                "Sono possibili permanenze brevi e lunghe.",
            ],
        ),
        Language::French => (
            &["{e} pour start-ups du secteur {s0} à {city}"],
            &["{e} à {city} pour jeunes entreprises en {topics}."],
            &[
                "Mentorat inclus.",
                "À deux pas de la gare de {city}.",
                "Séjours courts et longs possibles.",
            ],
        ),
        Language::German => (
            &["{e} für Start-ups der Branche {s0} in {city}"],
            &["{e} in {city} für junge Unternehmen in {topics}."],
            &[
                "Mentoring inklusive.",
                "Wenige Minuten vom Bahnhof {city}.",
                "Kurze und lange Aufenthalte möglich.",
            ],
        ),
        Language::Spanish => (
            &["{e} para start-ups del sector {s0} en {city}"],
            &["{e} en {city} para empresas jóvenes en {topics}."],
            &[
                "Mentoría incluida.",
                "A pocos minutos de la estación de {city}.",
                "Estancias cortas y largas.",
            ],
        ),
    };
    compose(stream, content, templates, label)
}

pub(super) fn organisation_name(
    kind: OrganisationKind,
    field: Phrase,
    city: &City,
    italian: bool,
    index: u64,
) -> String {
    let field = capitalise(if italian { field.1 } else { field.0 });
    let city = city.name;
    // The index keeps names apart, as real registers do with numbers and acronyms.
    match (kind, italian) {
        (OrganisationKind::University, false) => {
            format!("University of {city} – {field} Department {index}")
        }
        (OrganisationKind::University, true) => {
            format!("Università di {city} – Dipartimento {field} {index}")
        }
        (OrganisationKind::ResearchCentre, false) => {
            format!("{city} Research Centre for {field} {index}")
        }
        (OrganisationKind::ResearchCentre, true) => {
            format!("Centro di Ricerca {field} di {city} {index}")
        }
        (OrganisationKind::Incubator, false) => format!("{city} Innovation Hub {index}"),
        (OrganisationKind::Incubator, true) => format!("Incubatore di {city} {index}"),
        (OrganisationKind::TechnicalServiceProvider, false) => {
            format!("{field} Lab {city} {index}")
        }
        (OrganisationKind::TechnicalServiceProvider, true) => {
            format!("Laboratorio {field} {city} {index}")
        }
        (OrganisationKind::Firm, false) => format!("{field} Solutions {index}"),
        (OrganisationKind::Firm, true) => format!("{field} Soluzioni {index} S.r.l."),
        (OrganisationKind::Cluster, false) => format!("{city} {field} Cluster {index}"),
        (OrganisationKind::Cluster, true) => format!("Cluster {field} {city} {index}"),
        (OrganisationKind::PublicAgency, false) => format!("{city} Development Agency {index}"),
        (OrganisationKind::PublicAgency, true) => format!("Agenzia di Sviluppo di {city} {index}"),
    }
}

pub(super) fn organisation_description(
    kind: OrganisationKind,
    field: Phrase,
    city: &City,
    italian: bool,
) -> String {
    let kind = kind.as_str().replace('_', " ");
    if italian {
        format!(
            "Organizzazione ({kind}) di {} attiva in {}.",
            city.name, field.1
        )
    } else {
        let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "An"
        } else {
            "A"
        };
        format!("{article} {kind} in {} working on {}.", city.name, field.0)
    }
}

pub(super) fn person_name(stream: &mut Stream, italian: bool) -> String {
    const GIVEN_IT: &[&str] = &[
        "Giulia",
        "Marco",
        "Chiara",
        "Luca",
        "Francesca",
        "Alessandro",
        "Sara",
        "Matteo",
        "Elena",
        "Davide",
    ];
    const FAMILY_IT: &[&str] = &[
        "Rossi", "Bianchi", "Ferrari", "Russo", "Romano", "Colombo", "Ricci", "Marino", "Greco",
        "Bruno",
    ];
    const GIVEN: &[&str] = &[
        "Anna", "Thomas", "Marie", "Jan", "Sofia", "Lucas", "Eva", "Pablo", "Nina", "Pierre",
    ];
    const FAMILY: &[&str] = &[
        "Müller", "Martin", "García", "Novak", "Janssen", "Dubois", "Silva", "Peeters", "Huber",
        "Kovač",
    ];
    if italian {
        format!("{} {}", stream.pick(GIVEN_IT), stream.pick(FAMILY_IT))
    } else {
        format!("{} {}", stream.pick(GIVEN), stream.pick(FAMILY))
    }
}

/// A phrase as a query unit: quoted when it has several words, so `OR` and `-` apply
/// to all of it.
fn unit(phrase: &str) -> String {
    if phrase.contains(' ') {
        format!("\"{phrase}\"")
    } else {
        phrase.to_owned()
    }
}

/// Draws a topic as searched: by Zipf's law with exponent 1, in the searcher's language.
fn searched_topic(stream: &mut Stream, italian: bool) -> &'static str {
    let phrase = &words::TOPICS[SAMPLERS.topic_demand.sample(stream)];
    if italian { phrase.1 } else { phrase.0 }
}

fn searched_sector(stream: &mut Stream, italian: bool) -> &'static str {
    let phrase = &words::SECTORS[SAMPLERS.sector_demand.sample(stream)];
    if italian { phrase.1 } else { phrase.0 }
}

/// Another draw than `taken`, or nothing after a few tries.
fn other(
    stream: &mut Stream,
    taken: &[&str],
    mut draw: impl FnMut(&mut Stream) -> &'static str,
) -> Option<&'static str> {
    (0..8)
        .map(|_| draw(stream))
        .find(|candidate| !taken.contains(candidate))
}

/// What a saved search's text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A topic and a sector: "additive manufacturing aerospace".
    TopicInSector,
    /// Two or three terms that must all occur: two topics, perhaps a sector.
    Conjunction,
    /// Either of two topics, in a sector.
    Alternatives,
    /// A quoted topic phrase, in a sector.
    QuotedPhrase,
    /// A topic in a sector, but not another sector.
    Exclusion,
    /// A topic alone, always narrowed by two filters or more.
    TopicWithFilters,
    /// No text: three filters or more.
    FiltersOnly,
}

const SHAPES: &[(Shape, f64)] = &[
    (Shape::TopicInSector, 0.45),
    (Shape::Conjunction, 0.15),
    (Shape::Alternatives, 0.10),
    (Shape::QuotedPhrase, 0.10),
    (Shape::Exclusion, 0.05),
    (Shape::TopicWithFilters, 0.135),
    (Shape::FiltersOnly, 0.015),
];

/// Saved searches whose text stands alone get filters this often, so that about 30% of
/// all saved searches carry filters (the last two shapes always do).
const FILTER_SHARE: f64 = 0.18;
/// How often a saved search is about a place and a radius.
const NEAR_SHARE: f64 = 0.15;
const RADII_KM: &[f64] = &[10.0, 20.0, 25.0, 30.0, 50.0, 75.0, 100.0, 150.0];

pub(super) fn saved_search(stream: &mut Stream) -> SearchQuery {
    let weights: Vec<f64> = SHAPES.iter().map(|s| s.1).collect();
    let shape = SHAPES[stream.weighted(&weights)].0;
    // Italian searchers write Italian, as a quarter of listings are.
    let italian = stream.chance(0.25);
    let topic = searched_topic(stream, italian);
    let sector = searched_sector(stream, italian);
    let q = match shape {
        Shape::TopicInSector => Some(format!("{topic} {sector}")),
        Shape::Conjunction => {
            let second = other(stream, &[topic], |s| searched_topic(s, italian)).unwrap_or(sector);
            Some(if stream.chance(0.5) {
                format!("{topic} {second} {sector}")
            } else {
                format!("{topic} {second}")
            })
        }
        Shape::Alternatives => {
            let second = other(stream, &[topic], |s| searched_topic(s, italian)).unwrap_or(topic);
            Some(format!(
                "{} OR {} {}",
                unit(topic),
                unit(second),
                unit(sector)
            ))
        }
        Shape::QuotedPhrase => Some(format!("\"{topic}\" {}", unit(sector))),
        Shape::Exclusion => {
            let excluded =
                other(stream, &[sector], |s| searched_sector(s, italian)).unwrap_or(sector);
            Some(format!("{topic} {} -{}", unit(sector), unit(excluded)))
        }
        Shape::TopicWithFilters => Some(unit(topic)),
        Shape::FiltersOnly => None,
    };
    let mut search = SearchQuery {
        q,
        ..SearchQuery::default()
    };
    let near = stream.chance(NEAR_SHARE);
    // Without text a search needs three filters, and a topic alone two, to stay as
    // narrow as the searches with text: a kind and a region alone would match a few
    // percent of all listings.
    let minimum_filters = match shape {
        Shape::FiltersOnly => 3,
        Shape::TopicWithFilters => 2,
        _ if stream.chance(FILTER_SHARE) => 1,
        _ => 0,
    };
    if near {
        let city = &words::CITIES[stream.weighted(&SAMPLERS.city_weights)];
        search.near = Some(city.name.to_owned());
        search.radius_km = Some(*stream.pick(RADII_KM));
    }
    if shape == Shape::FiltersOnly {
        filters_only(stream, &mut search, near);
    } else if minimum_filters > 0 {
        add_filters(stream, &mut search, minimum_filters, near);
    }
    search
}

/// Adds at least `minimum` filters (a `near` already set counts as one), drawn from kind,
/// region or city, price ceiling, minimum capacity and technology readiness.
fn add_filters(stream: &mut Stream, search: &mut SearchQuery, minimum: usize, near: bool) {
    let mut added = usize::from(near);
    let kind = *stream.pick(ListingKind::ALL);
    if stream.chance(0.7) || minimum >= 2 {
        search.kinds = vec![kind];
        added += 1;
    }
    if !near && (added < minimum || stream.chance(0.5)) {
        let city = &words::CITIES[stream.weighted(&SAMPLERS.city_weights)];
        if stream.chance(0.5) {
            search.regions = vec![city.region.to_owned()];
        } else {
            search.cities = vec![city.name.to_owned()];
        }
        added += 1;
    }
    if added < minimum || stream.chance(0.4) {
        match search.kinds.first() {
            Some(ListingKind::Space) if stream.chance(0.5) => {
                search.min_capacity = Some(stream.between(2, 20));
            }
            Some(ListingKind::Space) => {
                search.max_price = Some(super::round_price(stream.log_normal(80_000.0, 0.6)));
            }
            Some(ListingKind::Facility) => {
                search.max_price = Some(super::round_price(stream.log_normal(20_000.0, 0.8)));
            }
            _ => search.trl_min = Some(stream.between(3, 7)),
        }
    }
}

/// A search without text: a kind, a city (or the `near` already set), and two of the
/// kind's own criteria, which together single out a few listings in a thousand.
fn filters_only(stream: &mut Stream, search: &mut SearchQuery, near: bool) {
    let kind = *stream.pick(ListingKind::ALL);
    search.kinds = vec![kind];
    if !near {
        let city = &words::CITIES[stream.weighted(&SAMPLERS.city_weights)];
        search.cities = vec![city.name.to_owned()];
    }
    match kind {
        ListingKind::Expertise => {
            search.engagement = vec![*stream.pick(EngagementMode::ALL)];
            search.trl_min = Some(stream.between(4, 7));
        }
        ListingKind::Facility => {
            search.max_price = Some(super::round_price(stream.log_normal(5_000.0, 0.6)));
        }
        ListingKind::Space => {
            search.space_types = vec![*stream.pick(SpaceType::ALL)];
            search.min_capacity = Some(stream.between(2, 10));
        }
    }
}
