//! Reading a question: what kind of listing is wanted, the topic words, the place, a
//! price ceiling, a capacity, a date and an engagement mode — in English or Italian,
//! with small typos. Rules and word lists only; nothing leaves the process.
//!
//! Topic words and place names are kept as the person typed them (`near=Bologna`,
//! `q=fatigue carbon-fibre parts`); filler ("who can", "I need", "cerco") is dropped.

use chrono::{Datelike, Duration, NaiveDate};
use domain::model::{EngagementMode, ListingKind, SpaceType};
use domain::places;
use domain::text::{edit_distance, normalise};

/// The language a question was asked in (answers use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Language {
    #[default]
    English,
    Italian,
}

/// What a question asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Understanding {
    pub language: Language,
    pub kind: Option<ListingKind>,
    pub space_type: Option<SpaceType>,
    /// Topic words as typed, filler removed.
    pub topic: Option<String>,
    /// A place as typed (or corrected from a typo, see `place_corrected_from`).
    pub place: Option<String>,
    pub place_corrected_from: Option<String>,
    /// Minor units (cents).
    pub max_price: Option<i64>,
    pub currency: Option<String>,
    pub min_capacity: Option<i64>,
    /// "within 50 km of Vicenza": how far from the place.
    pub radius_km: Option<f64>,
    pub available_on: Option<NaiveDate>,
    pub engagement: Vec<EngagementMode>,
    /// "cheap", "economico": sort by price.
    pub cheapest_first: bool,
}

/// One word of the question: as typed, and folded for matching.
#[derive(Debug, Clone)]
struct Word {
    typed: String,
    folded: String,
    used: bool,
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    // Apostrophes join Italian articles to nouns ("dell'università"); split them off.
    let chars: Vec<char> = text.chars().collect();
    let spaced: String = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| match c {
            // "1,500" keeps its comma; elsewhere a comma separates words.
            ',' if i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit) =>
            {
                ','
            }
            '\'' | '’' | '?' | '!' | ',' | ';' | ':' | '(' | ')' | '"' | '“' | '”' => ' ',
            other => other,
        })
        .collect();
    for raw in spaced.split_whitespace() {
        let typed = raw.trim_matches(|c: char| c == '.' || c == '-' || c == '/');
        if typed.is_empty() {
            continue;
        }
        out.push(Word {
            typed: typed.to_owned(),
            folded: normalise(typed).trim().to_owned(),
            used: false,
        });
    }
    out
}

/// Whether `word` is `target` or within one typo of it (words of 5+ letters); swapping
/// two neighbouring letters counts as one typo.
fn like(word: &str, target: &str) -> bool {
    word == target
        || (target.chars().count() >= 5
            && word.chars().count() >= 4
            && (edit_distance(word, target) <= 1 || swapped_neighbours(word, target)))
}

fn swapped_neighbours(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() != b.len() {
        return false;
    }
    let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    differ.len() == 2
        && differ[1] == differ[0] + 1
        && a[differ[0]] == b[differ[1]]
        && a[differ[1]] == b[differ[0]]
}

fn like_any(word: &str, targets: &[&str]) -> bool {
    targets.iter().any(|t| like(word, t))
}

const ITALIAN_MARKERS: &[&str] = &[
    "cerco",
    "cerchiamo",
    "chi",
    "puo",
    "possono",
    "un",
    "una",
    "per",
    "sotto",
    "vicino",
    "della",
    "delle",
    "degli",
    "dei",
    "del",
    "nella",
    "nel",
    "ufficio",
    "uffici",
    "persone",
    "laboratorio",
    "prove",
    "esperto",
    "esperti",
    "serve",
    "servono",
    "vorrei",
    "mese",
    "euro",
    "al",
    "con",
    "di",
    "che",
    "anche",
    "solo",
    "zona",
    "presso",
    "spazio",
    "scrivania",
    "postazione",
    "postazioni",
    "dove",
    "trovo",
    "qualcuno",
    "ricerca",
    "consulenza",
    "prossimo",
    "prossima",
    "settimana",
    "meno",
    "ci",
    "sono",
    "abbiamo",
    "bisogno",
    "fa",
    "fanno",
    "il",
    "lo",
    "la",
    "gli",
    "le",
    "e",
    "sala",
    "riunioni",
    "stanza",
    "officina",
    "capannone",
    "prova",
    "analisi",
    "sul",
    "sulla",
    "sulle",
    "sui",
    "dal",
    "da",
    "tesi",
    "formazione",
    "brevetto",
    "progetto",
    "congiunto",
    "laurea",
    "attrezzature",
    "strumenti",
    "misura",
    "taratura",
    "collaudo",
    "camera",
    "questa",
    "dipendenti",
    "postazioni",
    "sotto",
    "fino",
];

const ENGLISH_MARKERS: &[&str] = &[
    "who", "can", "the", "of", "for", "need", "looking", "near", "under", "with", "and", "office",
    "desk", "expert", "testing", "people", "month", "find", "i", "we", "a", "an", "is", "are",
    "any", "someone", "lab", "space", "in", "to", "our", "my",
];

fn language_of(words: &[Word]) -> Language {
    let italian = words
        .iter()
        .filter(|w| ITALIAN_MARKERS.contains(&w.folded.as_str()))
        .count();
    let english = words
        .iter()
        .filter(|w| ENGLISH_MARKERS.contains(&w.folded.as_str()))
        .count();
    if italian > english {
        Language::Italian
    } else {
        Language::English
    }
}

/// Words that carry no topic: question words, articles, prepositions, pronouns, verbs of
/// wanting and finding, politeness.
const FILLER: &[&str] = &[
    // English
    "who",
    "whom",
    "which",
    "what",
    "where",
    "how",
    "can",
    "could",
    "would",
    "will",
    "do",
    "does",
    "did",
    "anyone",
    "anybody",
    "someone",
    "somebody",
    "something",
    "i",
    "im",
    "i'm",
    "we",
    "me",
    "us",
    "my",
    "our",
    "you",
    "your",
    "need",
    "needs",
    "needed",
    "want",
    "wants",
    "like",
    "looking",
    "look",
    "search",
    "searching",
    "seek",
    "seeking",
    "find",
    "finding",
    "get",
    "is",
    "are",
    "be",
    "there",
    "any",
    "some",
    "please",
    "a",
    "an",
    "the",
    "of",
    "to",
    "for",
    "with",
    "that",
    "this",
    "these",
    "those",
    "in",
    "on",
    "at",
    "near",
    "around",
    "by",
    "about",
    "from",
    "into",
    "and",
    "or",
    "offer",
    "offers",
    "offering",
    "provide",
    "provides",
    "providing",
    "available",
    "hello",
    "hi",
    "hey",
    "thanks",
    "thank",
    "know",
    "knows",
    "much",
    "cost",
    "costs",
    "talk",
    "speak",
    "anything",
    "help",
    "us",
    "it",
    "its",
    "has",
    "have",
    "our",
    "company",
    "firm",
    "sme",
    "small",
    "business",
    "local",
    "good",
    "best",
    "able",
    "should",
    "may",
    "might",
    "also",
    "just",
    "only",
    "really",
    "very",
    "ideally",
    "possibly",
    "kind",
    "sort",
    "type",
    "nearby",
    "close",
    "area",
    "region",
    "city",
    "per",
    "up",
    "do",
    "m",
    "s",
    "re",
    "ve",
    "ll",
    "d",
    "t",
    "rent",
    "renting",
    "hire",
    "aiuta",
    "aiutano",
    "instead",
    "rather",
    "invece",
    // Italian
    "cerco",
    "cerchiamo",
    "cercando",
    "cerca",
    "sto",
    "stiamo",
    "parlare",
    // "quanto costa …?", "how much does … cost": the answer's cards show prices.
    "quanto",
    "costa",
    "costano",
    "chi",
    "puo",
    "possono",
    "potrebbe",
    "qualcuno",
    "qualcosa",
    "un",
    "uno",
    "una",
    "il",
    "lo",
    "la",
    "i",
    "gli",
    "le",
    "l",
    "di",
    "del",
    "dello",
    "della",
    "dei",
    "degli",
    "delle",
    "d",
    "da",
    "dal",
    "dallo",
    "dalla",
    "dai",
    "dagli",
    "dalle",
    "in",
    "nel",
    "nello",
    "nella",
    "nei",
    "negli",
    "nelle",
    "a",
    "al",
    "allo",
    "alla",
    "ai",
    "agli",
    "alle",
    "per",
    "con",
    "su",
    "sul",
    "sulla",
    "tra",
    "fra",
    "che",
    "mi",
    "ci",
    "ti",
    "vi",
    "serve",
    "servono",
    "servirebbe",
    "vorrei",
    "vorremmo",
    "voglio",
    "vogliamo",
    "ho",
    "abbiamo",
    "bisogno",
    "c",
    "ce",
    "e",
    "è",
    "o",
    "sono",
    "trovare",
    "trovo",
    "dove",
    "quale",
    "quali",
    "fa",
    "fanno",
    "offre",
    "offrono",
    "zona",
    "vicino",
    "presso",
    "nostra",
    "nostro",
    "mia",
    "mio",
    "azienda",
    "impresa",
    "ditta",
    "piccola",
    "grazie",
    "ciao",
    "salve",
    "buongiorno",
    "per favore",
    "anche",
    "solo",
    "disponibile",
    "disponibili",
    "qui",
    "li",
    "là",
    "come",
    "aiutare",
    "aiuto",
    "possibilmente",
    "magari",
    "tipo",
    "dalle",
    "nei",
    "pressi",
    "sul",
    "sullo",
    "sulla",
    "sui",
    "sugli",
    "sulle",
    "sull",
    "dell",
    "nell",
    "all",
    "dall",
    "coi",
    "col",
    "possa",
    "possano",
    "aiutarci",
    "aiutarmi",
    "affitto",
    "noleggio",
];

/// Nouns that name the kind of listing (dropped from the topic once the kind is known).
const EXPERTISE_NOUNS: &[&str] = &[
    "expert",
    "experts",
    "expertise",
    "researcher",
    "researchers",
    "professor",
    "professors",
    "specialist",
    "specialists",
    "scientist",
    "scientists",
    "academic",
    "academics",
    "consultant",
    "consultants",
    "group",
    "team",
    "university",
    "universities",
    "esperto",
    "esperti",
    "esperta",
    "ricercatore",
    "ricercatori",
    "ricercatrice",
    "professore",
    "professori",
    "docente",
    "docenti",
    "specialista",
    "specialisti",
    "competenze",
    "competenza",
    "universita",
    "gruppo",
    "partner",
    "partners",
    "collaborator",
    "collaborators",
];

/// Instruments and installations: they name a facility and stay in the topic.
const FACILITY_HINTS: &[&str] = &[
    "chamber",
    "chambers",
    "microscope",
    "microscopy",
    "spectrometer",
    "spectroscopy",
    "spectrometry",
    "tomography",
    "rheometer",
    "tunnel",
    "printer",
    "printers",
    "cleanroom",
    "scanner",
    "rig",
    "furnace",
    "autoclave",
    "reactor",
    "bioreactor",
    "press",
    "camera",
    "microscopio",
    "spettrometro",
    "spettroscopia",
    "spettrometria",
    "tomografia",
    "reometro",
    "galleria",
    "stampante",
    "forno",
    "reattore",
    "bioreattore",
    "pressa",
    "camera",
    "anecoica",
    "diffractometer",
    "diffrattometro",
    "nmr",
    "xrd",
    "sem",
    "tem",
    "ct",
];
const FACILITY_NOUNS: &[&str] = &[
    "facility",
    "facilities",
    "equipment",
    "instrument",
    "instruments",
    "lab",
    "labs",
    "laboratory",
    "laboratories",
    "service",
    "services",
    "infrastructure",
    "laboratorio",
    "laboratori",
    "attrezzatura",
    "attrezzature",
    "strumentazione",
    "strumento",
    "strumenti",
    "macchinario",
    "macchinari",
    "servizio",
    "servizi",
    "infrastruttura",
];
const SPACE_NOUNS: &[(&str, Option<SpaceType>)] = &[
    ("office", Some(SpaceType::PrivateOffice)),
    ("offices", Some(SpaceType::PrivateOffice)),
    ("ufficio", Some(SpaceType::PrivateOffice)),
    ("uffici", Some(SpaceType::PrivateOffice)),
    ("desk", Some(SpaceType::HotDesk)),
    ("desks", Some(SpaceType::HotDesk)),
    ("scrivania", Some(SpaceType::HotDesk)),
    ("scrivanie", Some(SpaceType::HotDesk)),
    ("postazione", Some(SpaceType::HotDesk)),
    ("postazioni", Some(SpaceType::HotDesk)),
    ("coworking", Some(SpaceType::HotDesk)),
    ("co-working", Some(SpaceType::HotDesk)),
    ("bench", Some(SpaceType::LabBench)),
    ("benches", Some(SpaceType::LabBench)),
    ("bancone", Some(SpaceType::LabBench)),
    ("banco", Some(SpaceType::LabBench)),
    ("banchi", Some(SpaceType::LabBench)),
    ("workshop", Some(SpaceType::Workshop)),
    ("officina", Some(SpaceType::Workshop)),
    ("capannone", Some(SpaceType::Workshop)),
    ("space", None),
    ("spaces", None),
    ("spazio", None),
    ("spazi", None),
    ("room", Some(SpaceType::MeetingRoom)),
    ("rooms", Some(SpaceType::MeetingRoom)),
    ("sala", Some(SpaceType::MeetingRoom)),
    ("stanza", Some(SpaceType::PrivateOffice)),
    ("workspace", None),
    ("premises", None),
    ("locale", None),
    ("locali", None),
    ("incubator", None),
    ("incubatore", None),
];
/// Verbs of measuring and making: a question built on them wants a facility.
const FACILITY_VERBS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "tested",
    "measure",
    "measuring",
    "measurement",
    "analyse",
    "analyze",
    "analysis",
    "characterise",
    "characterize",
    "characterisation",
    "characterization",
    "certify",
    "certification",
    "calibrate",
    "calibration",
    "print",
    "printing",
    "scan",
    "scanning",
    "machine",
    "machining",
    "prototype",
    "prototyping",
    "inspect",
    "inspection",
    "provare",
    "prova",
    "prove",
    "testare",
    "misurare",
    "misura",
    "misure",
    "analisi",
    "analizzare",
    "caratterizzare",
    "caratterizzazione",
    "certificare",
    "certificazione",
    "taratura",
    "stampa",
    "stampare",
    "prototipo",
    "prototipazione",
    "collaudo",
];
/// Verbs of advising and developing: a question built on them wants expertise.
const EXPERTISE_VERBS: &[&str] = &[
    "advise",
    "advice",
    "consult",
    "consulting",
    "consultancy",
    "develop",
    "design",
    "help",
    "collaborate",
    "collaboration",
    "partner",
    "research",
    "study",
    "optimise",
    "optimize",
    "improve",
    "solve",
    "explain",
    "train",
    "teach",
    "consigliare",
    "consulenza",
    "sviluppare",
    "progettare",
    "collaborare",
    "collaborazione",
    "studiare",
    "ottimizzare",
    "migliorare",
    "risolvere",
    "formare",
];

const ENGAGEMENTS: &[(&str, EngagementMode)] = &[
    ("consultancy", EngagementMode::Consultancy),
    ("consulting", EngagementMode::Consultancy),
    ("advice", EngagementMode::Consultancy),
    ("consulenza", EngagementMode::Consultancy),
    ("contract", EngagementMode::ContractResearch),
    ("commessa", EngagementMode::ContractResearch),
    ("joint", EngagementMode::JointProject),
    ("congiunto", EngagementMode::JointProject),
    ("thesis", EngagementMode::StudentProject),
    ("student", EngagementMode::StudentProject),
    ("students", EngagementMode::StudentProject),
    ("internship", EngagementMode::StudentProject),
    ("tesi", EngagementMode::StudentProject),
    ("tirocinio", EngagementMode::StudentProject),
    ("stage", EngagementMode::StudentProject),
    ("studenti", EngagementMode::StudentProject),
    ("licence", EngagementMode::Licensing),
    ("license", EngagementMode::Licensing),
    ("licensing", EngagementMode::Licensing),
    ("patent", EngagementMode::Licensing),
    ("licenza", EngagementMode::Licensing),
    ("brevetto", EngagementMode::Licensing),
    ("training", EngagementMode::Training),
    ("course", EngagementMode::Training),
    ("formazione", EngagementMode::Training),
    ("corso", EngagementMode::Training),
];

/// Asking for the cheapest: results sorted by price.
const CHEAP: &[&str] = &[
    "cheap",
    "cheapest",
    "inexpensive",
    "affordable",
    "economico",
    "economici",
    "economica",
    "economiche",
    "conveniente",
    "convenienti",
];

const PRICE_CUES: &[&str] = &[
    "under",
    "below",
    "less",
    "max",
    "maximum",
    "cheaper",
    "within",
    "budget",
    "most",
    "upto",
    "sotto",
    "meno",
    "massimo",
    "max",
    "entro",
    "fino",
    "budget",
    "inferiore",
];
const CURRENCY_WORDS: &[(&str, &str)] = &[
    ("euro", "EUR"),
    ("euros", "EUR"),
    ("eur", "EUR"),
    ("€", "EUR"),
    ("chf", "CHF"),
    ("francs", "CHF"),
    ("franchi", "CHF"),
    ("gbp", "GBP"),
    ("pounds", "GBP"),
    ("£", "GBP"),
    ("sterline", "GBP"),
];
const PERIOD_WORDS: &[&str] = &[
    "month", "monthly", "mese", "mensili", "mensile", "/month", "/mese", "hour", "ora", "day",
    "giorno", "year", "anno",
];
const PEOPLE_WORDS: &[&str] = &[
    "people",
    "persons",
    "person",
    "employees",
    "staff",
    "seats",
    "desks",
    "workstations",
    "persone",
    "dipendenti",
    "posti",
    "postazioni",
    "scrivanie",
    "collaboratori",
    "team",
];
const PLACE_CUES: &[&str] = &[
    "near",
    "in",
    "around",
    "at",
    "close",
    "outside",
    "vicino",
    "a",
    "ad",
    "in",
    "presso",
    "zona",
    "dalle",
    "nei",
    "nel",
    "nella",
    "intorno",
    "provincia",
    "di",
];

const WEEKDAYS: &[(&str, chrono::Weekday)] = &[
    ("monday", chrono::Weekday::Mon),
    ("tuesday", chrono::Weekday::Tue),
    ("wednesday", chrono::Weekday::Wed),
    ("thursday", chrono::Weekday::Thu),
    ("friday", chrono::Weekday::Fri),
    ("saturday", chrono::Weekday::Sat),
    ("sunday", chrono::Weekday::Sun),
    ("lunedi", chrono::Weekday::Mon),
    ("martedi", chrono::Weekday::Tue),
    ("mercoledi", chrono::Weekday::Wed),
    ("giovedi", chrono::Weekday::Thu),
    ("venerdi", chrono::Weekday::Fri),
    ("sabato", chrono::Weekday::Sat),
    ("domenica", chrono::Weekday::Sun),
];

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("gennaio", 1),
    ("febbraio", 2),
    ("marzo", 3),
    ("aprile", 4),
    ("maggio", 5),
    ("giugno", 6),
    ("luglio", 7),
    ("agosto", 8),
    ("settembre", 9),
    ("ottobre", 10),
    ("novembre", 11),
    ("dicembre", 12),
];

/// Parses "400", "1.500", "1,500", "2k", "€400", "400€", "400eur".
fn amount(text: &str) -> Option<(f64, Option<&'static str>)> {
    let mut currency = None;
    let mut body = text.to_lowercase();
    // "250/month", "300/mese": the period is read by the caller from the words after.
    if let Some((number, period)) = body.split_once('/')
        && PERIOD_WORDS.contains(&period)
    {
        body = number.to_owned();
    }
    for (word, code) in CURRENCY_WORDS {
        if word.len() <= 3 || word.starts_with('€') || word.starts_with('£') {
            if let Some(rest) = body.strip_prefix(word) {
                body = rest.to_owned();
                currency = Some(*code);
            } else if let Some(rest) = body.strip_suffix(word) {
                body = rest.to_owned();
                currency = Some(*code);
            }
        }
    }
    let (body, multiplier) = match body.strip_suffix('k') {
        Some(rest) => (rest.to_owned(), 1_000.0),
        None => (body, 1.0),
    };
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    // Thousands separators ("1.500", "1,500") versus decimals ("12.50").
    let digits = if let Some((whole, fraction)) = body.rsplit_once(['.', ',']) {
        if fraction.len() == 3 {
            format!("{}{}", whole.replace(['.', ','], ""), fraction)
        } else {
            format!("{}.{}", whole.replace(['.', ','], ""), fraction)
        }
    } else {
        body
    };
    digits
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| (v * multiplier, currency))
}

fn read_price(words: &mut [Word], u: &mut Understanding) {
    for i in 0..words.len() {
        if words[i].used {
            continue;
        }
        let Some((value, currency_in_word)) = amount(&words[i].typed) else {
            continue;
        };
        let before = |n: usize| {
            i.checked_sub(n)
                .and_then(|j| words.get(j))
                .map(|w| w.folded.clone())
                .unwrap_or_default()
        };
        let next = words
            .get(i + 1)
            .map(|w| w.folded.clone())
            .unwrap_or_default();
        let currency_after = CURRENCY_WORDS
            .iter()
            .find(|(w, _)| *w == next)
            .map(|(_, code)| *code);
        let cued = PRICE_CUES.contains(&before(1).as_str())
            || PRICE_CUES.contains(&before(2).as_str())
            || (before(1) == "to" && before(2) == "up")
            || (before(1) == "a" && before(2) == "fino");
        let currency = currency_in_word.or(currency_after);
        if currency.is_none() && !cued {
            continue;
        }
        // "for 4 people" is a capacity, not a price.
        if currency.is_none() && PEOPLE_WORDS.contains(&next.as_str()) {
            continue;
        }
        u.max_price = Some((value * 100.0).round() as i64);
        u.currency = Some(currency.unwrap_or("EUR").to_owned());
        words[i].used = true;
        let mut j = i + 1;
        if currency_after.is_some() {
            words[j].used = true;
            j += 1;
        }
        // "a month", "per month", "al mese", "/month"
        while let Some(w) = words.get(j) {
            if PERIOD_WORDS.contains(&w.folded.as_str())
                || ((w.folded == "a" || w.folded == "per" || w.folded == "al" || w.folded == "all")
                    && words
                        .get(j + 1)
                        .is_some_and(|n| PERIOD_WORDS.contains(&n.folded.as_str())))
            {
                words[j].used = true;
                j += 1;
            } else {
                break;
            }
        }
        for back in 1..=3 {
            if let Some(k) = i.checked_sub(back)
                && (PRICE_CUES.contains(&words[k].folded.as_str())
                    || ["than", "di", "i", "to", "up", "a", "of", "the"]
                        .contains(&words[k].folded.as_str()))
            {
                words[k].used = true;
            } else {
                break;
            }
        }
        return;
    }
}

fn read_capacity(words: &mut [Word], u: &mut Understanding) {
    for i in 0..words.len() {
        if words[i].used {
            continue;
        }
        let Ok(n) = words[i].folded.parse::<i64>() else {
            continue;
        };
        let next = words
            .get(i + 1)
            .map(|w| w.folded.clone())
            .unwrap_or_default();
        let prev = i
            .checked_sub(1)
            .map(|j| words[j].folded.clone())
            .unwrap_or_default();
        let next = next.as_str();
        let prev = prev.as_str();
        let team_of = prev == "of" && i >= 2 && words[i - 2].folded == "team";
        // "an office for 5 from March": a bare number after "for" is a head count.
        let bare_for = (prev == "for" || prev == "per")
            && (1..=200).contains(&n)
            && (next.is_empty()
                || [
                    "from", "starting", "near", "in", "at", "under", "max", "da", "dal", "a",
                    "vicino", "sotto", "entro", "next", "this",
                ]
                .contains(&next));
        if (1..=10_000).contains(&n) && (PEOPLE_WORDS.contains(&next) || team_of || bare_for) {
            u.min_capacity = Some(n);
            words[i].used = true;
            if PEOPLE_WORDS.contains(&next) {
                // "4 desks" also says what kind of space.
                if next == "desks" || next == "scrivanie" || next == "postazioni" {
                    u.kind = Some(ListingKind::Space);
                    u.space_type.get_or_insert(SpaceType::HotDesk);
                }
                words[i + 1].used = true;
            }
            if team_of {
                words[i - 1].used = true;
                words[i - 2].used = true;
            }
            if prev == "for" || prev == "per" {
                words[i - 1].used = true;
            }
            return;
        }
    }
}

fn read_date(words: &mut [Word], u: &mut Understanding, today: NaiveDate) {
    let folded: Vec<String> = words.iter().map(|w| w.folded.clone()).collect();
    let text = folded.join(" ");
    let first_of_next_month = || {
        let (y, m) = if today.month() == 12 {
            (today.year() + 1, 1)
        } else {
            (today.year(), today.month() + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1)
    };
    let phrases: &[(&str, Option<NaiveDate>)] = &[
        ("next month", first_of_next_month()),
        ("il mese prossimo", first_of_next_month()),
        ("mese prossimo", first_of_next_month()),
        ("prossimo mese", first_of_next_month()),
        ("dal mese prossimo", first_of_next_month()),
        ("next week", Some(today + Duration::days(7))),
        ("la prossima settimana", Some(today + Duration::days(7))),
        ("prossima settimana", Some(today + Duration::days(7))),
        ("settimana prossima", Some(today + Duration::days(7))),
        ("this week", Some(today)),
        ("questa settimana", Some(today)),
        ("tomorrow", Some(today + Duration::days(1))),
        ("domani", Some(today + Duration::days(1))),
        ("today", Some(today)),
        ("oggi", Some(today)),
        ("right away", Some(today)),
        ("subito", Some(today)),
        ("immediately", Some(today)),
        ("asap", Some(today)),
    ];
    for (phrase, date) in phrases {
        let parts: Vec<&str> = phrase.split(' ').collect();
        if let Some(start) = folded
            .windows(parts.len())
            .position(|w| w.iter().zip(&parts).all(|(a, b)| a == b))
        {
            u.available_on = *date;
            for word in &mut words[start..start + parts.len()] {
                word.used = true;
            }
            if let Some(k) = start.checked_sub(1)
                && [
                    "from", "starting", "da", "dal", "entro", "by", "within", "for",
                ]
                .contains(&words[k].folded.as_str())
            {
                words[k].used = true;
            }
            return;
        }
    }
    let _ = text;
    // "next tuesday", "da lunedì", "on Friday": the next such day after today.
    for i in 0..words.len() {
        let Some(weekday) = WEEKDAYS
            .iter()
            .find(|(name, _)| *name == words[i].folded)
            .map(|(_, day)| *day)
        else {
            continue;
        };
        let ahead =
            (7 + weekday.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
        let ahead = if ahead == 0 { 7 } else { ahead };
        u.available_on = Some(today + Duration::days(i64::from(ahead)));
        words[i].used = true;
        let mut first = i;
        if let Some(k) = i.checked_sub(1)
            && ["next", "prossimo", "prossima", "this", "questo", "questa"]
                .contains(&words[k].folded.as_str())
        {
            words[k].used = true;
            first = k;
        }
        // "lunedì prossimo"
        if let Some(word) = words.get_mut(i + 1)
            && ["prossimo", "prossima", "next"].contains(&word.folded.as_str())
        {
            word.used = true;
        }
        if let Some(k) = first.checked_sub(1)
            && ["from", "on", "starting", "da", "dal", "di", "il", "per"]
                .contains(&words[k].folded.as_str())
        {
            words[k].used = true;
        }
        return;
    }
    // "from March", "in settembre", "da ottobre"
    for i in 0..words.len() {
        if let Some((_, month)) = MONTHS.iter().find(|(name, _)| *name == words[i].folded) {
            let prev = i
                .checked_sub(1)
                .map(|j| words[j].folded.clone())
                .unwrap_or_default();
            let prev = prev.as_str();
            // "may" alone is a verb far more often than a month.
            if words[i].folded == "may" && !["in", "from", "since"].contains(&prev) {
                continue;
            }
            // "from 1 March", "dal 15 marzo", "March 3rd", "1st of March".
            let day_in = |word: Option<&Word>| {
                word.filter(|w| !w.used).and_then(|w| {
                    w.folded
                        .trim_end_matches(['°', 'º'])
                        .trim_end_matches("st")
                        .trim_end_matches("nd")
                        .trim_end_matches("rd")
                        .trim_end_matches("th")
                        .parse::<u32>()
                        .ok()
                        .filter(|day| (1..=31).contains(day))
                })
            };
            let of_before = prev == "of" && i >= 2;
            let day_before_at = if of_before {
                i.checked_sub(2)
            } else {
                i.checked_sub(1)
            };
            let (day, day_at) =
                match day_before_at.and_then(|k| day_in(words.get(k)).map(|d| (d, k))) {
                    Some((day, k)) => (day, Some(k)),
                    None => match day_in(words.get(i + 1)) {
                        Some(day) => (day, Some(i + 1)),
                        None => (1, None),
                    },
                };
            // A month alone means this year's until it is over; a day, until it passed.
            let this_year = match day_at {
                Some(_) => (*month, day) >= (today.month(), today.day()),
                None => *month >= today.month(),
            };
            let year = if this_year {
                today.year()
            } else {
                today.year() + 1
            };
            u.available_on = NaiveDate::from_ymd_opt(year, *month, day)
                .or_else(|| NaiveDate::from_ymd_opt(year, *month, 1));
            words[i].used = true;
            let mut first = i;
            if let Some(k) = day_at {
                words[k].used = true;
                if of_before && k < i {
                    words[i - 1].used = true;
                }
                first = first.min(k);
            }
            if let Some(cue) = first.checked_sub(1)
                && [
                    "from", "in", "starting", "da", "dal", "a", "ad", "di", "by", "entro", "on",
                    "il",
                ]
                .contains(&words[cue].folded.as_str())
            {
                words[cue].used = true;
            }
            return;
        }
    }
}

const DISTANCE_UNITS: &[&str] = &["km", "kms", "kilometres", "kilometers", "chilometri"];
/// Words around a distance that only say "at most … from": "within 50 km of",
/// "a meno di 30 km da", "entro 20 km dal".
const DISTANCE_CUES_BEFORE: &[&str] = &[
    "within", "under", "less", "than", "up", "to", "max", "most", "at", "meno", "di", "a", "entro",
    "fino", "massimo", "raggio", "un", "nel", "in", "of",
];
const DISTANCE_CUES_AFTER: &[&str] = &[
    "from", "of", "around", "da", "dal", "dalla", "di", "intorno", "attorno",
];

/// "within 50 km of Vicenza", "a meno di 30 km da Modena", "20km from Turin": a radius
/// around the place. Read before prices, since "meno", "entro" and "within" also cue
/// a price.
fn read_distance(words: &mut [Word], u: &mut Understanding) {
    for i in 0..words.len() {
        let folded = words[i].folded.clone();
        let glued = DISTANCE_UNITS
            .iter()
            .find_map(|unit| folded.strip_suffix(unit))
            .filter(|number| !number.is_empty());
        let (number, unit_at) = match glued {
            Some(number) => (number.to_owned(), None),
            None if words
                .get(i + 1)
                .is_some_and(|next| DISTANCE_UNITS.contains(&next.folded.as_str())) =>
            {
                (folded.clone(), Some(i + 1))
            }
            None => continue,
        };
        let Some(km) = number
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|km| km.is_finite() && *km > 0.0 && *km <= 2_000.0)
        else {
            continue;
        };
        u.radius_km = Some(km);
        words[i].used = true;
        let mut after = i + 1;
        if let Some(unit) = unit_at {
            words[unit].used = true;
            after = unit + 1;
        }
        if let Some(word) = words.get_mut(after)
            && DISTANCE_CUES_AFTER.contains(&word.folded.as_str())
        {
            word.used = true;
        }
        for back in 1..=3 {
            match i.checked_sub(back) {
                Some(k) if DISTANCE_CUES_BEFORE.contains(&words[k].folded.as_str()) => {
                    words[k].used = true;
                }
                _ => break,
            }
        }
        return;
    }
}

const DURATION_UNITS: &[&str] = &[
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "giorno",
    "giorni",
    "settimana",
    "settimane",
    "mese",
    "mesi",
    "anno",
    "anni",
];
const DURATION_COUNTS: &[&str] = &[
    "a", "an", "one", "two", "three", "four", "six", "few", "couple", "un", "una", "uno", "due",
    "tre", "quattro", "sei", "qualche",
];

/// "for 2 months", "for a week", "per tre mesi": how long a space or rig is wanted.
/// Search has no such filter, so these words are taken out of the topic rather than
/// searched for.
fn drop_durations(words: &mut [Word]) {
    for i in 1..words.len() {
        if words[i].used || !DURATION_UNITS.contains(&words[i].folded.as_str()) {
            continue;
        }
        let count = &words[i - 1].folded;
        if words[i - 1].used
            || !(DURATION_COUNTS.contains(&count.as_str()) || count.parse::<u32>().is_ok())
        {
            continue;
        }
        words[i].used = true;
        words[i - 1].used = true;
        if let Some(k) = i.checked_sub(2)
            && ["for", "per", "of", "di"].contains(&words[k].folded.as_str())
        {
            words[k].used = true;
        }
    }
}

/// The longest run of unused words starting at `start` that names a place.
fn place_at(words: &[Word], start: usize) -> Option<(usize, String)> {
    for length in (1..=3).rev() {
        let end = start + length;
        if end > words.len() || words[start..end].iter().any(|w| w.used) {
            continue;
        }
        let typed = words[start..end]
            .iter()
            .map(|w| w.typed.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        if places::resolve(&typed).is_ok() {
            return Some((length, typed));
        }
    }
    None
}

/// Common words that are also names of small places somewhere in Europe.
const NOT_PLACES: &[&str] = &[
    "test",
    "testing",
    "lab",
    "office",
    "desk",
    "space",
    "team",
    "parts",
    "fatigue",
    "carbon",
    "water",
    "energy",
    "design",
    "print",
    "laser",
    "metal",
    "steel",
    "glass",
    "food",
    "wine",
    "data",
    "cloud",
    "composite",
    "composites",
    "bench",
    "room",
    "services",
    "service",
    "expert",
    "polymer",
    "textile",
    "paper",
    "wood",
    "sensor",
    "sensors",
    "robot",
    "drone",
    "drones",
    "ufficio",
    "prove",
    "laboratorio",
    "persone",
    "euro",
    "mese",
    "spazio",
    "sale",
    "cerco",
    "sotto",
    "meno",
    "anche",
    "solo",
    "vicino",
    "month",
    "people",
    "under",
    "near",
    "only",
    "also",
    "more",
    "cheaper",
    "instead",
    "invece",
    "altri",
    "nice",
    "split",
    "bath",
    "reading",
];

fn read_place(words: &mut [Word], u: &mut Understanding) {
    // After a place word ("near Bologna", "a Modena", "in Emilia-Romagna").
    for i in 0..words.len() {
        if words[i].used || !PLACE_CUES.contains(&words[i].folded.as_str()) {
            continue;
        }
        let two_word_cue = |first: &str, second: &str| {
            words[i].folded == first && words.get(i + 1).is_some_and(|w| w.folded == second)
        };
        let start = if two_word_cue("close", "to") || two_word_cue("vicino", "a") {
            i + 2
        } else if (words[i].folded == "dalle"
            && words.get(i + 1).is_some_and(|w| w.folded == "parti"))
            || (words[i].folded == "nei" && words.get(i + 1).is_some_and(|w| w.folded == "pressi"))
        {
            i + 3
        } else {
            i + 1
        };
        if start >= words.len() || NOT_PLACES.contains(&words[start].folded.as_str()) {
            continue;
        }
        if let Some((length, typed)) = place_at(words, start) {
            // A tiny village that shares its name with a word ("in time") is not meant.
            let capitalised = typed.chars().next().is_some_and(char::is_uppercase);
            if !capitalised && places::population(&typed).unwrap_or(0) < 100_000 {
                continue;
            }
            u.place = Some(typed);
            for word in &mut words[i..start + length] {
                word.used = true;
            }
            return;
        }
        // A typo in a place name after a place word: "near Bolgna".
        let candidate = &words[start];
        if candidate
            .typed
            .chars()
            .next()
            .is_some_and(char::is_uppercase)
            && let Some(name) = places::closest_name(&candidate.typed)
        {
            u.place_corrected_from = Some(candidate.typed.clone());
            u.place = Some(name);
            for word in &mut words[i..=start] {
                word.used = true;
            }
            return;
        }
    }
    // A capitalised place name anywhere ("Bologna labs for fatigue testing").
    for i in 0..words.len() {
        let word = &words[i];
        if word.used
            || word.typed.chars().count() < 4
            || !word.typed.chars().next().is_some_and(char::is_uppercase)
            || NOT_PLACES.contains(&word.folded.as_str())
            || FILLER.contains(&word.folded.as_str())
        {
            continue;
        }
        if let Some((length, typed)) = place_at(words, i)
            && places::population(&typed).unwrap_or(0) >= 30_000
        {
            u.place = Some(typed);
            for word in &mut words[i..i + length] {
                word.used = true;
            }
            return;
        }
    }
}

fn read_kind(words: &mut [Word], u: &mut Understanding) {
    let mut space = u.kind == Some(ListingKind::Space);
    let mut facility_noun = false;
    let mut expertise_noun = false;
    // Two-word space types first.
    for i in 0..words.len().saturating_sub(1) {
        let pair = (words[i].folded.as_str(), words[i + 1].folded.as_str());
        let found = match pair {
            ("lab", "bench") | ("laboratory", "bench") | ("bancone", "laboratorio") => {
                Some(SpaceType::LabBench)
            }
            ("wet", "lab") => Some(SpaceType::WetLab),
            ("meeting", "room") | ("sala", "riunioni") => Some(SpaceType::MeetingRoom),
            ("hot", "desk") => Some(SpaceType::HotDesk),
            ("dedicated", "desk") | ("scrivania", "dedicata") | ("postazione", "fissa") => {
                Some(SpaceType::DedicatedDesk)
            }
            ("private", "office") | ("ufficio", "privato") => Some(SpaceType::PrivateOffice),
            _ => None,
        };
        if let Some(space_type) = found {
            u.space_type = Some(space_type);
            space = true;
            words[i].used = true;
            words[i + 1].used = true;
        }
    }
    for word in words.iter_mut().filter(|w| !w.used) {
        if let Some((_, space_type)) = SPACE_NOUNS
            .iter()
            .find(|(noun, _)| like(&word.folded, noun))
        {
            space = true;
            if u.space_type.is_none() {
                u.space_type = *space_type;
            }
            word.used = true;
        } else if like_any(&word.folded, FACILITY_NOUNS) {
            facility_noun = true;
            word.used = true;
        } else if like_any(&word.folded, EXPERTISE_NOUNS) {
            expertise_noun = true;
            word.used = true;
        }
    }
    let facility_hint = words
        .iter()
        .filter(|w| !w.used)
        .any(|w| FACILITY_HINTS.contains(&w.folded.as_str()));
    u.kind = if space {
        Some(ListingKind::Space)
    } else if expertise_noun || !u.engagement.is_empty() {
        // Ways of working with people ("consultancy", "a thesis") are expertise.
        Some(ListingKind::Expertise)
    } else if facility_noun || facility_hint {
        Some(ListingKind::Facility)
    } else {
        let facility_verb = words
            .iter()
            .any(|w| FACILITY_VERBS.contains(&w.folded.as_str()));
        let expertise_verb = words
            .iter()
            .any(|w| EXPERTISE_VERBS.contains(&w.folded.as_str()));
        match (facility_verb, expertise_verb) {
            (true, false) => Some(ListingKind::Facility),
            (false, true) => Some(ListingKind::Expertise),
            _ => None,
        }
    };
    // A bare space type without the word "space" still reads as a space.
    if u.space_type.is_some() {
        u.kind = Some(ListingKind::Space);
    }
}

fn read_engagement(words: &mut [Word], u: &mut Understanding) {
    for i in 0..words.len() {
        if let Some((_, mode)) = ENGAGEMENTS.iter().find(|(w, _)| *w == words[i].folded) {
            // "contract" alone is only research under contract when followed by it.
            if *mode == EngagementMode::ContractResearch
                && words[i].folded == "contract"
                && words.get(i + 1).is_none_or(|w| w.folded != "research")
            {
                continue;
            }
            if !u.engagement.contains(mode) {
                u.engagement.push(*mode);
            }
            words[i].used = true;
            let next = words
                .get(i + 1)
                .map(|w| w.folded.clone())
                .unwrap_or_default();
            if (words[i].folded == "contract"
                || ["project", "projects", "progetto"].contains(&next.as_str())
                || (words[i].folded == "tesi" && next == "di"))
                && let Some(next) = words.get_mut(i + 1)
            {
                next.used = true;
            }
            if words[i].folded == "congiunto"
                && let Some(k) = i.checked_sub(1)
                && words[k].folded == "progetto"
            {
                words[k].used = true;
            }
        }
    }
}

/// Drops the verb right after "who can", "chi può", "I need to", "someone to": it says
/// what the person wants done, which the kind already carries.
fn drop_request_verbs(words: &mut [Word]) {
    for i in 0..words.len() {
        let lead = words[i].folded.as_str();
        let next = words.get(i + 1).map(|w| w.folded.as_str()).unwrap_or("");
        let verb_at = match (lead, next) {
            ("who", "can")
            | ("who", "could")
            | ("chi", "puo")
            | ("chi", "possa")
            | ("chi", "sa") => Some(i + 2),
            ("someone", "to")
            | ("somebody", "to")
            | ("need", "to")
            | ("want", "to")
            | ("qualcuno", "che") => Some(i + 2),
            ("chi", _) if FACILITY_VERBS.contains(&next) || EXPERTISE_VERBS.contains(&next) => {
                Some(i + 1)
            }
            _ => None,
        };
        if let Some(at) = verb_at
            && let Some(verb) = words.get_mut(at)
            && (FACILITY_VERBS.contains(&verb.folded.as_str())
                || EXPERTISE_VERBS.contains(&verb.folded.as_str())
                || [
                    "do",
                    "make",
                    "fare",
                    "run",
                    "perform",
                    "carry",
                    "eseguire",
                    "effettuare",
                ]
                .contains(&verb.folded.as_str()))
        {
            verb.used = true;
        }
    }
}

/// Reads a question asked on `today`.
pub fn understand(text: &str, today: NaiveDate) -> Understanding {
    let mut words = words(text);
    let mut u = Understanding {
        language: language_of(&words),
        ..Understanding::default()
    };
    read_distance(&mut words, &mut u);
    read_price(&mut words, &mut u);
    read_capacity(&mut words, &mut u);
    read_date(&mut words, &mut u, today);
    drop_durations(&mut words);
    read_place(&mut words, &mut u);
    drop_request_verbs(&mut words);
    read_engagement(&mut words, &mut u);
    read_kind(&mut words, &mut u);
    for word in words.iter_mut().filter(|w| !w.used) {
        if CHEAP.contains(&word.folded.as_str()) {
            u.cheapest_first = true;
            word.used = true;
        }
    }
    // "CE", "EMC", "NDT": acronyms typed in capitals are topic words even when they
    // spell a filler word.
    let acronym = |w: &Word| {
        w.typed.chars().count() >= 2
            && w.typed
                .chars()
                .all(|c| c.is_uppercase() || c.is_ascii_digit())
    };
    let topic: Vec<&str> = words
        .iter()
        .filter(|w| {
            !w.used && (acronym(w) || !FILLER.contains(&w.folded.as_str())) && !w.folded.is_empty()
        })
        .filter(|w| w.folded.chars().any(char::is_alphanumeric))
        .map(|w| w.typed.as_str())
        .collect();
    if !topic.is_empty() {
        u.topic = Some(topic.join(" ").to_lowercase());
    }
    u
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "understand_tests.rs"]
mod tests;
