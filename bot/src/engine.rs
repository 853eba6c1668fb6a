//! A conversation: each message becomes a search (or refines the last one), runs through
//! the same `Hub::search` as the API, and comes back as an answer that says how it was
//! understood, with cards, what was relaxed when nothing matched, and what to do next.

use crate::understand::{Language, Understanding, understand};
use domain::Caller;
use domain::model::{DeliveryChannelKind, Frequency, ListingDetails, ListingKind, Money};
use domain::search::{SearchHit, SearchPage, SearchQuery};
use domain::subscriptions::NewSubscription;
use domain::{Error, ErrorKind, Hub, Result};
use serde::{Deserialize, Serialize};

/// Longest message read.
const MAX_MESSAGE_CHARS: usize = 1_000;
/// Results shown per answer.
const CARDS: u64 = 5;

/// What a conversation remembers between messages.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    search: Option<SearchQuery>,
    language: Language,
    /// Ids of the cards last shown, for "more like this".
    shown: Vec<String>,
    /// The place of the last search as typed, for "also in …".
    place: Option<String>,
}

/// One result as a card.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub listing_id: String,
    pub kind: ListingKind,
    pub title: String,
    pub organisation: String,
    pub place: String,
    /// Price (facilities, spaces) or availability (spaces), in words.
    pub price_or_availability: Option<String>,
    pub why: String,
    pub url: String,
}

/// What the person can do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggestion {
    More,
    MoreLikeThis,
    SaveSearch,
    SignInToSave,
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub conversation: String,
    pub text: String,
    /// How the question was understood, in words.
    pub understood: String,
    pub cards: Vec<Card>,
    /// The search as understood, as `GET /search` parameters (`relaxed` says what was
    /// dropped from it to find the cards when nothing matched exactly).
    pub search: Option<SearchQuery>,
    /// What was dropped to find something, in words.
    pub relaxed: Vec<String>,
    pub total: u64,
    pub suggestions: Vec<Suggestion>,
    pub saved_subscription_id: Option<String>,
    pub language: Language,
}

/// The engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    hub: Hub,
    public_url: String,
    ttl: chrono::Duration,
    /// Saved searches go to Discord (direct messages, or a circle's linked channel)
    /// rather than the web inbox: set for conversations held on Discord.
    saves_to_discord: bool,
}

fn words_of(text: &str) -> Vec<String> {
    domain::text::normalise(text)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn says(words: &[String], phrases: &[&str]) -> bool {
    let joined = format!(" {} ", words.join(" "));
    phrases.iter().any(|p| joined.contains(&format!(" {p} ")))
}

/// What a message asks of the conversation.
enum Intent {
    Help,
    More,
    MoreLikeThis,
    Save { for_circle: bool },
    Cheaper,
    OnlyIn(String),
    AlsoIn(String),
    SwitchKind(ListingKind),
    Search(Understanding),
}

fn place_after(text: &str, cues: &[&str]) -> Option<String> {
    let lower = text.to_lowercase();
    for cue in cues {
        if let Some(at) = lower.find(cue) {
            let rest = text[at + cue.len()..]
                .trim()
                .trim_end_matches(['?', '!', '.']);
            if !rest.is_empty() && domain::places::resolve(rest).is_ok() {
                return Some(rest.to_owned());
            }
            if let Some(name) = domain::places::closest_name(rest) {
                return Some(name);
            }
        }
    }
    None
}

fn intent(text: &str, state: &State, today: chrono::NaiveDate) -> Intent {
    let words = words_of(text);
    let has_search = state.search.is_some();
    if words.is_empty()
        || (says(
            &words,
            &[
                "help",
                "aiuto",
                "hello",
                "hi",
                "ciao",
                "buongiorno",
                "salve",
            ],
        ) && words.len() <= 2)
    {
        return Intent::Help;
    }
    if has_search {
        if says(
            &words,
            &[
                "save",
                "salva",
                "salvare",
                "notify me",
                "avvisami",
                "tell me when",
                "subscribe",
                "iscrivimi",
            ],
        ) {
            return Intent::Save {
                for_circle: says(&words, &["circle", "circolo", "cerchia", "group", "gruppo"]),
            };
        }
        if says(
            &words,
            &[
                "more like this",
                "similar",
                "simili",
                "simile",
                "like this",
                "come questo",
            ],
        ) {
            return Intent::MoreLikeThis;
        }
        if words.len() <= 3
            && says(
                &words,
                &[
                    "more",
                    "next",
                    "altri",
                    "altro",
                    "ancora",
                    "show more",
                    "mostra altri",
                    "avanti",
                ],
            )
        {
            return Intent::More;
        }
        if says(
            &words,
            &[
                "cheaper",
                "less expensive",
                "economico",
                "economici",
                "economica",
                "meno caro",
                "meno cari",
                "costa meno",
            ],
        ) {
            return Intent::Cheaper;
        }
        if says(
            &words,
            &["instead", "invece", "rather", "what about", "e gli", "e le"],
        ) {
            let understood = understand(text, today);
            if let (Some(kind), None) = (understood.kind, understood.topic.as_deref()) {
                return Intent::SwitchKind(kind);
            }
        }
        if let Some(place) = place_after(
            text,
            &[
                "only in ",
                "just in ",
                "solo a ",
                "solo in ",
                "soltanto a ",
                "only near ",
            ],
        ) {
            return Intent::OnlyIn(place);
        }
        if let Some(place) = place_after(
            text,
            &[
                "also in ",
                "anche a ",
                "anche in ",
                "and in ",
                "e a ",
                "as well as ",
            ],
        ) {
            return Intent::AlsoIn(place);
        }
    }
    Intent::Search(understand(text, today))
}

fn money(m: &Money, per_month: bool, language: Language) -> String {
    let symbol = match m.currency.as_str() {
        "EUR" => "€".to_owned(),
        "GBP" => "£".to_owned(),
        other => format!("{other} "),
    };
    let amount = m.amount_minor as f64 / 100.0;
    let amount = if m.amount_minor % 100 == 0 {
        format!("{amount:.0}")
    } else {
        format!("{amount:.2}")
    };
    match (per_month, language) {
        (true, Language::English) => format!("{symbol}{amount} a month"),
        (true, Language::Italian) => format!("{symbol}{amount} al mese"),
        (false, Language::English) => format!("from {symbol}{amount}"),
        (false, Language::Italian) => format!("da {symbol}{amount}"),
    }
}

fn kind_words(kind: Option<ListingKind>, language: Language) -> &'static str {
    match (kind, language) {
        (Some(ListingKind::Expertise), Language::English) => "experts",
        (Some(ListingKind::Facility), Language::English) => "facilities",
        (Some(ListingKind::Space), Language::English) => "spaces",
        (None, Language::English) => "listings",
        (Some(ListingKind::Expertise), Language::Italian) => "esperti",
        (Some(ListingKind::Facility), Language::Italian) => "strutture e servizi",
        (Some(ListingKind::Space), Language::Italian) => "spazi",
        (None, Language::Italian) => "offerte",
    }
}

/// The search, said in words.
fn describe(search: &SearchQuery, page: Option<&SearchPage>, language: Language) -> String {
    let it = language == Language::Italian;
    let mut parts = vec![if it {
        format!(
            "Cerco {}",
            kind_words(search.kinds.first().copied(), language)
        )
    } else {
        format!(
            "Looking for {}",
            kind_words(search.kinds.first().copied(), language)
        )
    }];
    if let Some(q) = search.q.as_deref().filter(|q| !q.trim().is_empty()) {
        parts.push(if it {
            format!("su «{q}»")
        } else {
            format!("about “{q}”")
        });
    }
    if let Some(space_type) = search.space_types.first() {
        parts.push(format!("({})", space_type.as_str().replace('_', " ")));
    }
    if let Some(near) = &search.near {
        let radius = page
            .and_then(|p| p.radius_km)
            .map(|r| format!(" ({r:.0} km)"))
            .unwrap_or_default();
        let understood_as = page
            .and_then(|p| p.near.as_ref())
            .filter(|place| !place.name.eq_ignore_ascii_case(near))
            .map(|place| format!(" = {}", place.name))
            .unwrap_or_default();
        parts.push(if it {
            format!("vicino a {near}{understood_as}{radius}")
        } else {
            format!("near {near}{understood_as}{radius}")
        });
    }
    if !search.cities.is_empty() {
        let cities = search.cities.join(if it { " o " } else { " or " });
        parts.push(if it {
            format!("a {cities}")
        } else {
            format!("in {cities}")
        });
    }
    if let Some(price) = search.max_price {
        let currency = search.currency.clone().unwrap_or_else(|| "EUR".to_owned());
        let shown = money(
            &Money {
                amount_minor: price,
                currency,
            },
            false,
            language,
        );
        let shown = shown
            .trim_start_matches("from ")
            .trim_start_matches("da ")
            .to_owned();
        parts.push(if it {
            format!("sotto {shown}")
        } else {
            format!("under {shown}")
        });
    }
    if let Some(capacity) = search.min_capacity {
        parts.push(if it {
            format!("per {capacity} persone")
        } else {
            format!("for {capacity} people")
        });
    }
    if let Some(date) = search.available_on {
        parts.push(if it {
            format!("disponibili il {date}")
        } else {
            format!("available on {date}")
        });
    }
    if !search.engagement.is_empty() {
        let modes: Vec<String> = search
            .engagement
            .iter()
            .map(|m| m.as_str().replace('_', " "))
            .collect();
        parts.push(if it {
            format!("come {}", modes.join(", "))
        } else {
            format!("as {}", modes.join(", "))
        });
    }
    format!("{}.", parts.join(" "))
}

fn search_from(u: &Understanding) -> SearchQuery {
    SearchQuery {
        q: u.topic.clone(),
        kinds: u.kind.into_iter().collect(),
        space_types: u.space_type.into_iter().collect(),
        near: u.place.clone(),
        // A distance means nothing without the place it is measured from.
        radius_km: u.place.as_ref().and(u.radius_km),
        max_price: u.max_price,
        currency: u.max_price.and(u.currency.clone()),
        min_capacity: u.min_capacity,
        available_on: u.available_on,
        engagement: u.engagement.clone(),
        sort: u
            .cheapest_first
            .then_some(domain::search::SearchSort::Price),
        limit: Some(CARDS),
        ..SearchQuery::default()
    }
}

/// The ways to find something when nothing matches, mildest first.
fn relaxations(search: &SearchQuery, language: Language) -> Vec<(String, SearchQuery)> {
    let it = language == Language::Italian;
    let mut steps = Vec::new();
    let mut current = search.clone();
    current.cursor = None;
    let mut step =
        |label: String, change: &dyn Fn(&mut SearchQuery) -> bool, current: &mut SearchQuery| {
            let mut next = current.clone();
            if change(&mut next) {
                steps.push((label, next.clone()));
                *current = next;
            }
        };
    step(
        if it {
            "senza la data".into()
        } else {
            "without the date".into()
        },
        &|s| s.available_on.take().is_some(),
        &mut current,
    );
    step(
        if it {
            "senza il numero di persone".into()
        } else {
            "without the head count".into()
        },
        &|s| s.min_capacity.take().is_some(),
        &mut current,
    );
    step(
        if it {
            "con qualsiasi tipo di spazio".into()
        } else {
            "with any type of space".into()
        },
        &|s| !std::mem::take(&mut s.space_types).is_empty(),
        &mut current,
    );
    step(
        if it {
            "senza il limite di prezzo".into()
        } else {
            "without the price limit".into()
        },
        &|s| {
            s.currency = None;
            s.max_price.take().is_some()
        },
        &mut current,
    );
    step(
        if it {
            "in un raggio di 150 km".into()
        } else {
            "within 150 km".into()
        },
        &|s| s.near.is_some() && s.radius_km.replace(150.0).is_none_or(|r| r < 150.0),
        &mut current,
    );
    step(
        if it {
            "ovunque".into()
        } else {
            "anywhere".into()
        },
        &|s| {
            let had_near = s.near.take().is_some();
            let had_cities = !std::mem::take(&mut s.cities).is_empty();
            s.radius_km = None;
            had_near || had_cities
        },
        &mut current,
    );
    step(
        if it {
            "di ogni tipo".into()
        } else {
            "of any kind".into()
        },
        &|s| !std::mem::take(&mut s.kinds).is_empty(),
        &mut current,
    );
    step(
        if it {
            "con una qualsiasi delle parole".into()
        } else {
            "with any of the words".into()
        },
        &|s| match s.q.as_deref() {
            Some(q) if q.split_whitespace().count() > 1 && !q.contains(" OR ") => {
                let words: Vec<&str> = q
                    .split_whitespace()
                    .filter(|w| !w.starts_with('-') && !w.contains('"'))
                    .collect();
                s.q = Some(words.join(" OR "));
                true
            }
            _ => false,
        },
        &mut current,
    );
    steps
}

fn place_of(hit: &SearchHit) -> String {
    let location = &hit.listing.location;
    [
        location.city.clone(),
        location.region.clone(),
        Some(location.country.clone()),
    ]
    .into_iter()
    .flatten()
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

impl Engine {
    pub fn new(hub: Hub, public_url: &str) -> Engine {
        Engine {
            hub,
            public_url: public_url.trim_end_matches('/').to_owned(),
            ttl: chrono::Duration::hours(2),
            saves_to_discord: false,
        }
    }

    /// The same engine, saving searches so that their matches are pushed to Discord.
    pub fn saving_to_discord(mut self) -> Engine {
        self.saves_to_discord = true;
        self
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    fn card(&self, hit: &SearchHit, language: Language) -> Card {
        let listing = &hit.listing;
        let price_or_availability = match &listing.details {
            ListingDetails::Facility(d) => d
                .price_from
                .as_ref()
                .or(d.external_price_from.as_ref())
                .map(|m| money(m, false, language)),
            ListingDetails::Space(d) => {
                let price = d.monthly_price.as_ref().map(|m| money(m, true, language));
                let from = d.available_from.map(|date| match language {
                    Language::English => format!("available from {date}"),
                    Language::Italian => format!("disponibile dal {date}"),
                });
                match (price, from) {
                    (Some(p), Some(f)) => Some(format!("{p}, {f}")),
                    (p, f) => p.or(f),
                }
            }
            ListingDetails::Expertise(_) => None,
        };
        let mut terms: Vec<String> = Vec::new();
        for matched in &hit.matched {
            let entry = format!("{} ({})", matched.query_term, matched.field);
            if !terms.contains(&entry) && terms.len() < 3 {
                terms.push(entry);
            }
        }
        let mut why = match language {
            Language::English if terms.is_empty() => "matches your filters".to_owned(),
            Language::Italian if terms.is_empty() => "corrisponde ai filtri".to_owned(),
            Language::English => format!("matched {}", terms.join(", ")),
            Language::Italian => format!("trovato per {}", terms.join(", ")),
        };
        if let Some(distance) = hit.distance_km {
            why.push_str(&format!("; {distance:.0} km"));
        }
        Card {
            listing_id: listing.id.clone(),
            kind: listing.kind,
            title: listing.title.clone(),
            organisation: listing.organisation_name.clone(),
            place: place_of(hit),
            price_or_availability,
            why,
            url: format!("{}/listings/{}", self.public_url, listing.id),
        }
    }

    /// Answers one message of a conversation (a new one when `conversation` is absent
    /// or has expired).
    pub async fn reply(
        &self,
        caller: &Caller,
        conversation: Option<&str>,
        message: &str,
    ) -> Result<Answer> {
        self.reply_about(caller, conversation, message, None).await
    }

    /// Like [`Engine::reply`], for a question about one kind of listing (a `/expert`,
    /// `/facility` or `/space` command): a new search looks for that kind whatever the
    /// words say.
    pub async fn reply_about(
        &self,
        caller: &Caller,
        conversation: Option<&str>,
        message: &str,
        kind: Option<ListingKind>,
    ) -> Result<Answer> {
        let message = message.trim();
        if message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(Error::invalid(
                "message",
                "message_too_long",
                format!("a message may have at most {MAX_MESSAGE_CHARS} characters"),
            ));
        }
        let (id, mut state) = match conversation {
            Some(id) => match self.hub.load_conversation(id).await? {
                Some(json) => (
                    id.to_owned(),
                    serde_json::from_str::<State>(&json).unwrap_or_default(),
                ),
                None => (self.hub.new_conversation_id(), State::default()),
            },
            None => (self.hub.new_conversation_id(), State::default()),
        };
        let today = chrono::Utc::now().date_naive();
        let mut intent = intent(message, &state, today);
        if let (Intent::Search(understanding), Some(kind)) = (&mut intent, kind) {
            understanding.kind = Some(kind);
        }
        let answer = match intent {
            Intent::Help => self.help(&id, &state, message),
            Intent::More => {
                let mut search = state.search.clone().unwrap_or_default();
                let page = self.hub.search(caller, search.clone()).await?;
                search.cursor = page.next_cursor.clone();
                if search.cursor.is_none() {
                    let text = match state.language {
                        Language::English => "That was everything I found for this search.",
                        Language::Italian => "Non ho trovato altro per questa ricerca.",
                    };
                    self.plain(&id, &state, text)
                } else {
                    self.run(caller, &id, &mut state, search, message, false)
                        .await?
                }
            }
            Intent::Cheaper => {
                let mut search = state.search.clone().unwrap_or_default();
                search.cursor = None;
                match search.max_price {
                    Some(price) => search.max_price = Some(price * 3 / 4),
                    None => search.sort = Some(domain::search::SearchSort::Price),
                }
                self.run(caller, &id, &mut state, search, message, true)
                    .await?
            }
            Intent::OnlyIn(place) => {
                let mut search = state.search.clone().unwrap_or_default();
                search.cursor = None;
                search.near = Some(place.clone());
                search.radius_km = None;
                search.cities.clear();
                state.place = Some(place);
                self.run(caller, &id, &mut state, search, message, true)
                    .await?
            }
            Intent::AlsoIn(place) => {
                let mut search = state.search.clone().unwrap_or_default();
                search.cursor = None;
                // Two places: both as cities, the way they were typed.
                let mut cities = std::mem::take(&mut search.cities);
                if let Some(previous) = search.near.take().or(state.place.clone()) {
                    cities.push(previous);
                }
                cities.push(place);
                cities.dedup();
                search.cities = cities;
                search.radius_km = None;
                self.run(caller, &id, &mut state, search, message, true)
                    .await?
            }
            Intent::SwitchKind(kind) => {
                let mut search = state.search.clone().unwrap_or_default();
                search.cursor = None;
                search.kinds = vec![kind];
                if kind != ListingKind::Space {
                    search.space_types.clear();
                    search.min_capacity = None;
                }
                self.run(caller, &id, &mut state, search, message, true)
                    .await?
            }
            Intent::MoreLikeThis => self.similar(caller, &id, &state).await?,
            Intent::Save { for_circle } => self.save(caller, &id, &state, for_circle).await?,
            Intent::Search(understanding) => {
                state.language = understanding.language;
                let is_refinement = understanding.topic.is_none()
                    && understanding.kind.is_none()
                    && state.search.is_some();
                let nothing = understanding
                    == Understanding {
                        language: understanding.language,
                        ..Understanding::default()
                    };
                if nothing {
                    self.help(&id, &state, message)
                } else {
                    let search = if is_refinement {
                        // "under 300 euro", "for 4 people", "in Parma": refine the last search.
                        let mut search = state.search.clone().unwrap_or_default();
                        let fresh = search_from(&understanding);
                        search.cursor = None;
                        if fresh.near.is_some() {
                            search.near = fresh.near;
                            search.radius_km = fresh.radius_km;
                            search.cities.clear();
                        } else if search.near.is_some() && understanding.radius_km.is_some() {
                            // "within 20 km": closer to the place already asked about.
                            search.radius_km = understanding.radius_km;
                        }
                        search.max_price = fresh.max_price.or(search.max_price);
                        search.currency = fresh.currency.or(search.currency);
                        search.min_capacity = fresh.min_capacity.or(search.min_capacity);
                        search.available_on = fresh.available_on.or(search.available_on);
                        if !fresh.space_types.is_empty() {
                            search.space_types = fresh.space_types;
                        }
                        if !fresh.engagement.is_empty() {
                            search.engagement = fresh.engagement;
                        }
                        search
                    } else {
                        search_from(&understanding)
                    };
                    if let Some(place) = &understanding.place {
                        state.place = Some(place.clone());
                    }
                    let mut answer = self
                        .run(caller, &id, &mut state, search, message, true)
                        .await?;
                    if let Some(typed) = &understanding.place_corrected_from {
                        let note = match state.language {
                            Language::English => format!(
                                "(I read “{typed}” as {}.) ",
                                understanding.place.clone().unwrap_or_default()
                            ),
                            Language::Italian => format!(
                                "(Ho letto «{typed}» come {}.) ",
                                understanding.place.clone().unwrap_or_default()
                            ),
                        };
                        answer.text = format!("{note}{}", answer.text);
                    }
                    answer
                }
            }
        };
        let json = serde_json::to_string(&state)
            .map_err(|error| Error::internal("cannot store the conversation", error))?;
        self.hub.save_conversation(&id, &json, self.ttl).await?;
        Ok(answer)
    }

    fn plain(&self, id: &str, state: &State, text: &str) -> Answer {
        Answer {
            conversation: id.to_owned(),
            text: text.to_owned(),
            understood: String::new(),
            cards: Vec::new(),
            search: state.search.clone(),
            relaxed: Vec::new(),
            total: 0,
            suggestions: Vec::new(),
            saved_subscription_id: None,
            language: state.language,
        }
    }

    fn help(&self, id: &str, state: &State, message: &str) -> Answer {
        let italian = state.language == Language::Italian
            || understand(message, chrono::Utc::now().date_naive()).language == Language::Italian;
        let text = if italian {
            "Scrivimi cosa cerchi, con parole tue: per esempio «chi fa prove di fatica su parti in fibra di carbonio vicino a Bologna?» o «cerco un ufficio a Modena per 4 persone sotto i 400 euro». Poi puoi precisare: «solo a Modena», «più economico», «altri», «spazi invece», «salva questa ricerca»."
        } else {
            "Tell me what you need in your own words, for example “who can test the fatigue of carbon-fibre parts near Bologna?” or “an office in Modena for 4 people under 400 euro a month”. Then refine it: “only in Modena”, “cheaper”, “more”, “spaces instead”, “save this search”."
        };
        let mut answer = self.plain(id, state, text);
        answer.language = if italian {
            Language::Italian
        } else {
            Language::English
        };
        answer
    }

    /// Runs a search, relaxing it when nothing matches, and remembers it.
    async fn run(
        &self,
        caller: &Caller,
        id: &str,
        state: &mut State,
        search: SearchQuery,
        message: &str,
        record_miss: bool,
    ) -> Result<Answer> {
        let language = state.language;
        let (search, page) = match self.hub.search(caller, search.clone()).await {
            Ok(page) => (search, page),
            // The words did not make a valid query (stray quotes, a dangling OR): search
            // for the plain words instead.
            Err(error)
                if error.kind == ErrorKind::InvalidInput && error.field.as_deref() == Some("q") =>
            {
                let mut plain = search.clone();
                plain.q = plain.q.map(|q| {
                    q.chars()
                        .filter(|c| c.is_alphanumeric() || c.is_whitespace() || *c == '-')
                        .collect::<String>()
                        .split_whitespace()
                        .filter(|w| !w.starts_with('-') && *w != "OR")
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                let page = self.hub.search(caller, plain.clone()).await?;
                (plain, page)
            }
            Err(error) => return Err(error),
        };
        let understood = describe(&search, Some(&page), language);
        state.search = Some(search.clone());
        let mut relaxed = Vec::new();
        let shown_page = if page.total > 0 {
            page
        } else {
            if record_miss {
                let json = serde_json::to_string(&search).unwrap_or_default();
                if let Err(error) = self.hub.record_chat_miss(message, &json).await {
                    tracing::warn!(cause = %error.cause_chain(), "could not record a chat question that found nothing");
                }
            }
            let mut found = None;
            for (label, candidate) in relaxations(&search, language) {
                relaxed.push(label);
                let page = self.hub.search(caller, candidate).await?;
                if page.total > 0 {
                    found = Some(page);
                    break;
                }
            }
            found.unwrap_or(page)
        };
        let cards: Vec<Card> = shown_page
            .hits
            .iter()
            .map(|hit| self.card(hit, language))
            .collect();
        state.shown = cards.iter().map(|c| c.listing_id.clone()).collect();
        let signed_in = caller.principal().is_some();
        let mut suggestions = Vec::new();
        if shown_page.next_cursor.is_some() {
            suggestions.push(Suggestion::More);
        }
        if !cards.is_empty() {
            suggestions.push(Suggestion::MoreLikeThis);
        }
        suggestions.push(if signed_in {
            Suggestion::SaveSearch
        } else {
            Suggestion::SignInToSave
        });
        let count = shown_page.total;
        let it = language == Language::Italian;
        let text = if relaxed.is_empty() {
            if it {
                format!("{understood} Ho trovato {count} risultati.")
            } else {
                format!("{understood} I found {count}.")
            }
        } else if count > 0 {
            if it {
                format!(
                    "{understood} Nessun risultato esatto. {}, ho trovato {count} risultati. Salva la ricerca per sapere quando arriva qualcosa di esatto.",
                    capitalise(&relaxed.join(", "))
                )
            } else {
                format!(
                    "{understood} Nothing matched exactly. {}, I found {count}. Save this search to hear when an exact match appears.",
                    capitalise(&relaxed.join(", "))
                )
            }
        } else if it {
            format!(
                "{understood} Non ho trovato nulla, nemmeno {}. Salva questa ricerca e ti avviserò quando compare qualcosa.",
                relaxed.join(", ")
            )
        } else {
            format!(
                "{understood} I found nothing, even {}. Save this search and I will tell you when something appears.",
                relaxed.join(", ")
            )
        };
        Ok(Answer {
            conversation: id.to_owned(),
            text,
            understood,
            cards,
            search: Some(search),
            relaxed,
            total: count,
            suggestions,
            saved_subscription_id: None,
            language,
        })
    }

    async fn similar(&self, caller: &Caller, id: &str, state: &State) -> Result<Answer> {
        let language = state.language;
        let Some(first) = state.shown.first() else {
            let text = match language {
                Language::English => "Ask me something first; then I can find more like a result.",
                Language::Italian => "Chiedimi prima qualcosa; poi posso trovare risultati simili.",
            };
            return Ok(self.plain(id, state, text));
        };
        let hits = self
            .hub
            .similar_listings(caller, first, Some(CARDS))
            .await?;
        let cards: Vec<Card> = hits.iter().map(|hit| self.card(hit, language)).collect();
        let text = match language {
            Language::English => format!("{} listings like the first result.", cards.len()),
            Language::Italian => format!("{} offerte simili al primo risultato.", cards.len()),
        };
        Ok(Answer {
            cards,
            total: hits.len() as u64,
            ..self.plain(id, state, &text)
        })
    }

    async fn save(
        &self,
        caller: &Caller,
        id: &str,
        state: &State,
        for_circle: bool,
    ) -> Result<Answer> {
        let language = state.language;
        let Some(principal) = caller.principal() else {
            let text = match language {
                Language::English => {
                    "Sign in to save this search; then every new match will reach your inbox."
                }
                Language::Italian => {
                    "Accedi per salvare questa ricerca: ogni nuova offerta arriverà nella tua casella."
                }
            };
            let mut answer = self.plain(id, state, text);
            answer.suggestions = vec![Suggestion::SignInToSave];
            return Ok(answer);
        };
        let mut search = state.search.clone().unwrap_or_default();
        search.sort = None;
        search.limit = None;
        search.cursor = None;
        let circle = if for_circle {
            let circles = self.hub.list_circles(caller).await?;
            match circles
                .into_iter()
                .find(|c| c.facilitator_id == principal.account_id)
            {
                Some(circle) => Some(circle),
                None => {
                    let text = match language {
                        Language::English => {
                            "Only a circle's facilitator can save searches for it, and you facilitate none."
                        }
                        Language::Italian => {
                            "Solo chi facilita un circolo può salvarvi ricerche, e tu non sei facilitatore di nessun circolo."
                        }
                    };
                    return Ok(self.plain(id, state, text));
                }
            }
        } else {
            None
        };
        let channel = match (&circle, self.saves_to_discord) {
            (_, false) => DeliveryChannelKind::Inbox,
            (None, true) => DeliveryChannelKind::DiscordDm,
            (Some(circle), true) if circle.discord.is_some() => DeliveryChannelKind::DiscordChannel,
            (Some(_), true) => DeliveryChannelKind::Inbox,
        };
        let view = self
            .hub
            .create_subscription(
                caller,
                NewSubscription {
                    search,
                    frequency: Frequency::Instant,
                    channel,
                    webhook_url: None,
                    max_items: None,
                    circle_id: circle.as_ref().map(|c| c.id.clone()),
                },
            )
            .await?;
        let text = match (language, channel, circle.is_some()) {
            (Language::English, DeliveryChannelKind::DiscordDm, _) => {
                "Saved. Every new match will reach you here, by direct message."
            }
            (Language::Italian, DeliveryChannelKind::DiscordDm, _) => {
                "Salvata. Ogni nuova offerta ti arriverà qui, in messaggio diretto."
            }
            (Language::English, DeliveryChannelKind::DiscordChannel, _) => {
                "Saved for your circle. Every new match will be posted in its channel."
            }
            (Language::Italian, DeliveryChannelKind::DiscordChannel, _) => {
                "Salvata per il tuo circolo. Ogni nuova offerta sarà pubblicata nel suo canale."
            }
            (Language::English, _, false) => "Saved. Every new match will reach your inbox.",
            (Language::English, _, true) => {
                "Saved for your circle. Every new match will reach its members' inboxes."
            }
            (Language::Italian, _, false) => {
                "Salvata. Ogni nuova offerta arriverà nella tua casella."
            }
            (Language::Italian, _, true) => {
                "Salvata per il tuo circolo. Ogni nuova offerta arriverà ai suoi membri."
            }
        };
        let mut answer = self.plain(id, state, text);
        answer.saved_subscription_id = Some(view.id);
        Ok(answer)
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
