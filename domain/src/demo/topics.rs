//! Deterministic topics for demo records that carry none of their own: EuroSciVoc terms
//! found in a text, recovered from CORDIS's run-together field list, or read off a
//! facility's name through a small multilingual keyword table.
//!
//! It is a tagger for demo content, not a classifier: it only recognises words it was
//! given, never guesses, and returns nothing rather than something vague.

use crate::vocabulary::{self, Term};
use std::collections::HashMap;
use std::sync::LazyLock;

pub(super) use crate::text::normalise;

/// Every term by its normalised title, and the most words a title has.
static TERMS_BY_WORDS: LazyLock<(HashMap<String, &'static Term>, usize)> = LazyLock::new(|| {
    let mut map = HashMap::new();
    let mut longest = 1;
    for term in vocabulary::euroscivoc_terms() {
        let key = normalise(&term.title);
        longest = longest.max(key.split(' ').count());
        map.entry(key).or_insert(term);
    }
    (map, longest)
});

/// A top-level field ("natural sciences") says too little to find anything by.
fn specific(term: &Term) -> bool {
    term.code.matches('/').count() >= 2
}

/// Everyday words that happen to be EuroSciVoc titles and say nothing about a
/// project's field when they occur in its prose.
const TOO_COMMON: &[&str] = &[
    "arts",
    "colors",
    "essays",
    "productivity",
    "employment",
    "commerce",
    "ethics",
    "law",
    "history",
    "transport",
    "internet",
    "software",
    "mortality",
    "census",
    "ontology",
    "productivity",
    "governance",
    "globalization",
    "democracy",
    "arithmetics",
    "mathematical model",
    "languages and literature",
    "ideologies",
    "revolutions",
    "teleology",
    "fibers",
    "compost",
    // "innovation ecosystem", "start-up ecosystem": in project prose mostly a metaphor.
    "ecosystems",
];

/// EuroSciVoc terms that occur in the text as whole words, the most frequent first
/// (ties: the earliest), at most `limit`. Title words count three times.
pub(super) fn terms_in_text(title: &str, body: &str, limit: usize) -> Vec<&'static Term> {
    let (index, longest) = &*TERMS_BY_WORDS;
    // term code → (score, first position)
    let mut found: HashMap<&'static str, (u32, usize, &'static Term)> = HashMap::new();
    let mut position = 0;
    for (text, weight) in [(title, 3), (body, 1)] {
        let normalised = normalise(text);
        let words: Vec<&str> = normalised.split(' ').filter(|w| !w.is_empty()).collect();
        for start in 0..words.len() {
            for length in (1..=*longest).rev() {
                let Some(slice) = words.get(start..start + length) else {
                    continue;
                };
                if let Some(term) = index.get(&slice.join(" "))
                    && specific(term)
                    && !TOO_COMMON.contains(&term.title.as_str())
                {
                    let entry =
                        found
                            .entry(term.code.as_str())
                            .or_insert((0, position + start, term));
                    entry.0 += weight;
                    // The longest term at a place wins: "electron microscopy", not
                    // also "microscopy".
                    break;
                }
            }
        }
        position += words.len();
    }
    let mut ranked: Vec<(u32, usize, &'static Term)> = found.into_values().collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked
        .into_iter()
        .take(limit)
        .map(|(_, _, term)| term)
        .collect()
}

/// CORDIS pages list a project's fields as paths run together without separators
/// ("natural sciencesbiological sciencesecologyecosystems"). Splits that string by
/// always taking the longest known title that fits, and keeps the most specific terms
/// (those that are no other found term's ancestor). Stops at the first unknown part.
pub(super) fn terms_from_run_together(text: &str) -> Vec<&'static Term> {
    let mut titles: Vec<(String, &'static Term)> = vocabulary::euroscivoc_terms()
        .iter()
        .map(|term| (term.title.to_lowercase(), term))
        .collect();
    titles.sort_by_key(|(title, _)| std::cmp::Reverse(title.len()));
    let lower = text.to_lowercase();
    let mut rest = lower.trim();
    let mut found: Vec<&'static Term> = Vec::new();
    while !rest.is_empty() {
        let Some((title, term)) = titles
            .iter()
            .find(|(title, _)| rest.starts_with(title.as_str()))
        else {
            break;
        };
        if !found.iter().any(|t| t.code == term.code) {
            found.push(term);
        }
        // Titles with commas ("electrical engineering, electronic engineering, …") are
        // not all in the shipped vocabulary; their parts are.
        rest = rest[title.len()..].trim_start_matches([' ', ',']);
    }
    let leaves: Vec<&'static Term> = found
        .iter()
        .copied()
        .filter(|term| {
            !found
                .iter()
                .any(|other| other.code.starts_with(&format!("{}/", term.code)))
        })
        .collect();
    leaves
}

/// Word beginnings (normalised, in the languages of European facility names) and the
/// EuroSciVoc title each stands for. A pattern matches at the start of a word; at one
/// place the longest pattern wins, so "physiol" beats "physi".
const KEYWORDS: &[(&str, &str)] = &[
    // physics and astronomy
    ("laser", "laser physics"),
    ("synchrotron", "particle accelerator"),
    ("sincrotron", "particle accelerator"),
    ("cyclotron", "particle accelerator"),
    ("ciclotron", "particle accelerator"),
    ("accelerator", "particle accelerator"),
    ("beschleuniger", "particle accelerator"),
    ("particle physics", "particle physics"),
    ("fisica delle particelle", "particle physics"),
    ("physique des particules", "particle physics"),
    ("teilchenphysik", "particle physics"),
    ("neutron", "nuclear physics"),
    ("nuclear", "nuclear physics"),
    ("nucleaire", "nuclear physics"),
    ("nucleare", "nuclear physics"),
    ("fisica nucleare", "nuclear physics"),
    ("kernphysik", "nuclear physics"),
    ("nuclear medicine", "nuclear medicine"),
    ("medecine nucleaire", "nuclear medicine"),
    ("medicina nucleare", "nuclear medicine"),
    ("nuclear engineering", "nuclear engineering"),
    ("fusion", "nuclear fusion"),
    ("fusione", "nuclear fusion"),
    ("plasma", "plasma physics"),
    ("quantum comput", "quantum computers"),
    ("quantum", "quantum physics"),
    ("quantist", "quantum physics"),
    ("quantique", "quantum physics"),
    ("quanten", "quantum physics"),
    ("optic", "optics"),
    ("optique", "optics"),
    ("ottica", "optics"),
    ("optik", "optics"),
    ("photoni", "optics"),
    ("fotoni", "optics"),
    ("spectro", "spectroscopy"),
    ("spettro", "spectroscopy"),
    ("spektro", "spectroscopy"),
    ("mass spectrom", "mass spectrometry"),
    ("microscop", "microscopy"),
    ("mikroskop", "microscopy"),
    ("electron microscop", "electron microscopy"),
    ("superconduct", "superconductivity"),
    ("supercondutt", "superconductivity"),
    ("supraconduct", "superconductivity"),
    ("crystal", "crystallography"),
    ("cristallog", "crystallography"),
    ("cristallo", "crystallography"),
    ("kristall", "crystallography"),
    ("condensed matter", "condensed matter physics"),
    ("solid state", "solid-state physics"),
    ("solides", "solid-state physics"),
    ("theoretical physics", "theoretical physics"),
    ("physique theorique", "theoretical physics"),
    ("fisica teorica", "theoretical physics"),
    ("astrophys", "astrophysics"),
    ("astrofis", "astrophysics"),
    ("astronom", "astronomy"),
    ("astro", "astronomy"),
    ("sternwarte", "astronomy"),
    ("telescop", "observational astronomy"),
    ("radio astronom", "radio astronomy"),
    ("radioastronom", "radio astronomy"),
    ("radiotelescop", "radio astronomy"),
    ("gravitational wave", "gravitational waves"),
    ("cosmolog", "physical cosmology"),
    ("acoust", "acoustics"),
    ("acust", "acoustics"),
    ("akust", "acoustics"),
    ("physiol", "physiology"),
    ("fisiol", "physiology"),
    ("biophys", "biophysics"),
    ("biofis", "biophysics"),
    ("geophys", "geophysics"),
    ("geofis", "geophysics"),
    ("physi", "physical sciences"),
    ("fisica", "physical sciences"),
    ("fysik", "physical sciences"),
    ("fyzik", "physical sciences"),
    ("fizyk", "physical sciences"),
    ("fizik", "physical sciences"),
    // chemistry
    ("biochem", "biochemistry"),
    ("biochim", "biochemistry"),
    ("geochem", "geochemistry"),
    ("geochim", "geochemistry"),
    ("electrochem", "electrochemistry"),
    ("electrochim", "electrochemistry"),
    ("elettrochim", "electrochemistry"),
    ("photochem", "photochemistry"),
    ("radiochem", "radiochemistry"),
    ("catalys", "catalysis"),
    ("catalis", "catalysis"),
    ("polym", "polymer sciences"),
    ("polim", "polymer sciences"),
    ("analytical chem", "analytical chemistry"),
    ("organic chem", "organic chemistry"),
    ("inorganic", "inorganic chemistry"),
    ("chem", "chemical sciences"),
    ("chim", "chemical sciences"),
    ("kemi", "chemical sciences"),
    ("quimic", "chemical sciences"),
    // earth and environment
    ("geolog", "geology"),
    ("volcan", "volcanology"),
    ("vulcan", "volcanology"),
    ("seism", "seismology"),
    ("sism", "seismology"),
    ("meteo", "meteorology"),
    ("climat", "climatology"),
    ("clima", "climatology"),
    ("klima", "climatology"),
    ("atmosph", "atmospheric sciences"),
    ("aerosol", "atmospheric sciences"),
    ("ocean", "oceanography"),
    ("marin", "oceanography"),
    ("meeres", "oceanography"),
    ("glaci", "glaciology"),
    ("polar", "glaciology"),
    ("antarct", "glaciology"),
    ("arctic", "glaciology"),
    ("hydrolog", "hydrology"),
    ("idrolog", "hydrology"),
    ("hydrogeol", "hydrogeology"),
    ("idrogeol", "hydrogeology"),
    ("water", "water management"),
    ("acqua", "water management"),
    ("acque", "water management"),
    ("wasser", "water management"),
    ("agua", "water management"),
    ("eau", "water management"),
    ("ecolog", "ecology"),
    ("okolog", "ecology"),
    ("biodivers", "biodiversity conservation"),
    ("environment", "environmental sciences"),
    ("ambient", "environmental sciences"),
    ("environnement", "environmental sciences"),
    ("umwelt", "environmental sciences"),
    ("pollut", "pollution"),
    ("inquinam", "pollution"),
    ("soil", "soil sciences"),
    ("suolo", "soil sciences"),
    ("pedolog", "soil sciences"),
    ("forest", "forestry"),
    ("foret", "forestry"),
    ("silvicult", "silviculture"),
    ("selvicolt", "silviculture"),
    ("remote sensing", "remote sensing"),
    ("telerilev", "remote sensing"),
    ("teledetec", "remote sensing"),
    ("earth observation", "remote sensing"),
    ("cartograph", "cartography"),
    ("natural hazard", "natural disasters"),
    ("geotechn", "geotechnics"),
    ("sedimentol", "sedimentology"),
    ("mineralog", "mineralogy"),
    ("palaeont", "palaeontology"),
    ("paleont", "palaeontology"),
    // life sciences
    ("genom", "genomes"),
    ("genet", "genetics"),
    ("epigenet", "epigenetics"),
    ("proteom", "proteomics"),
    ("molecul", "molecular biology"),
    ("molecol", "molecular biology"),
    ("cell biol", "cell biology"),
    ("cellul", "cell biology"),
    ("zellbiol", "cell biology"),
    ("stem cell", "stem cells"),
    ("staminal", "stem cells"),
    ("cellules souches", "stem cells"),
    ("structural biol", "structural biology"),
    ("biologie structurale", "structural biology"),
    ("developmental biol", "developmental biology"),
    ("neuro", "neurobiology"),
    ("brain", "neurobiology"),
    ("cerveau", "neurobiology"),
    ("cervello", "neurobiology"),
    ("immun", "immunology"),
    ("infect", "infectious diseases"),
    ("infett", "infectious diseases"),
    ("infez", "infectious diseases"),
    ("virolog", "virology"),
    ("virus", "virology"),
    ("vaccin", "vaccines"),
    ("microbio", "microbiology"),
    ("mikrobio", "microbiology"),
    ("bacter", "bacteriology"),
    ("batteriol", "bacteriology"),
    ("parasit", "parasitology"),
    ("mycol", "mycology"),
    ("evolut", "evolutionary biology"),
    ("zoolog", "zoology"),
    ("botan", "botany"),
    ("entomol", "entomology"),
    ("ornitho", "ornithology"),
    ("ichthy", "ichthyology"),
    ("marine biol", "marine biology"),
    ("freshwater", "freshwater biology"),
    ("limnol", "limnology"),
    ("biotech", "industrial biotechnology"),
    ("synthetic biol", "synthetic biology"),
    ("biolog", "biological sciences"),
    ("bioscien", "biological sciences"),
    ("life scien", "biological sciences"),
    ("scienze della vita", "biological sciences"),
    ("sciences de la vie", "biological sciences"),
    ("biomed", "basic medicine"),
    ("biomateri", "biomaterials"),
    ("enzym", "enzymes"),
    ("protein", "proteins"),
    ("plant", "botany"),
    ("pflanz", "botany"),
    ("vegetal", "botany"),
    ("piant", "botany"),
    // medicine and health
    ("cancer", "oncology"),
    ("cancro", "oncology"),
    ("tumor", "oncology"),
    ("tumour", "oncology"),
    ("tumeur", "oncology"),
    ("onco", "oncology"),
    ("krebs", "oncology"),
    ("cardi", "cardiology"),
    ("heart", "cardiology"),
    ("coeur", "cardiology"),
    ("cuore", "cardiology"),
    ("diabet", "diabetes"),
    ("hemato", "hematology"),
    ("haemato", "hematology"),
    ("ematolog", "hematology"),
    ("blood", "hematology"),
    ("transplant", "transplantation"),
    ("trapiant", "transplantation"),
    ("dermat", "dermatology"),
    ("ophthalm", "ophthalmology"),
    ("oftalm", "ophthalmology"),
    ("ophtalm", "ophthalmology"),
    ("pediatr", "paediatrics"),
    ("paediatr", "paediatrics"),
    ("psychiat", "psychiatry"),
    ("psichiatr", "psychiatry"),
    ("psycholog", "psychology"),
    ("psicolog", "psychology"),
    ("epidemi", "epidemiology"),
    ("public health", "public health"),
    ("health", "public health"),
    ("salute", "public health"),
    ("sanita", "public health"),
    ("sante", "public health"),
    ("gesundheit", "public health"),
    ("saude", "public health"),
    ("salud", "public health"),
    ("pharmacol", "pharmacology and pharmacy"),
    ("pharma", "pharmacology and pharmacy"),
    ("farmac", "pharmacology and pharmacy"),
    ("toxicol", "toxicology"),
    ("tossicol", "toxicology"),
    ("nutri", "nutrition"),
    ("radiolog", "radiology"),
    ("imaging", "diagnostic imaging"),
    ("imagerie", "diagnostic imaging"),
    ("bildgeb", "diagnostic imaging"),
    ("surg", "surgery"),
    ("chirurg", "surgery"),
    ("rehabil", "physiotherapy"),
    ("riabilit", "physiotherapy"),
    ("geriatr", "gerontology"),
    ("gerontol", "gerontology"),
    ("ageing", "gerontology"),
    ("aging", "gerontology"),
    ("invecchiam", "gerontology"),
    ("dental", "odontology"),
    ("odont", "odontology"),
    ("nephrol", "nephrology"),
    ("kidney", "kidney diseases"),
    ("gastro", "gastroenterology"),
    ("hepat", "hepatology"),
    ("pneumo", "pneumology"),
    ("respirat", "pneumology"),
    ("allerg", "allergology"),
    ("rheumat", "rheumatology"),
    ("reumat", "rheumatology"),
    ("orthop", "orthopaedics"),
    ("ortoped", "orthopaedics"),
    ("tropical med", "tropical medicine"),
    ("clinic", "clinical medicine"),
    ("klinik", "clinical medicine"),
    ("clinique", "clinical medicine"),
    ("medic", "clinical medicine"),
    ("medecine", "clinical medicine"),
    ("medizin", "clinical medicine"),
    ("hospital", "health care services"),
    ("ospedal", "health care services"),
    ("hopital", "health care services"),
    ("krankenhaus", "health care services"),
    ("nursing", "nursing"),
    ("infermier", "nursing"),
    ("sport", "sport and fitness sciences"),
    ("veterin", "veterinary sciences"),
    ("zooprofil", "veterinary sciences"),
    ("forensic", "forensic sciences"),
    ("forense", "forensic sciences"),
    // agriculture and food
    ("agronom", "agronomy"),
    ("agricult", "agriculture"),
    ("agricol", "agriculture"),
    ("agrar", "agriculture"),
    ("agri", "agriculture"),
    ("agro", "agriculture"),
    ("landbrug", "agriculture"),
    ("landwirt", "agriculture"),
    ("cereal", "cereals"),
    ("olive", "fruit growing"),
    ("olivicol", "fruit growing"),
    ("frutt", "fruit growing"),
    ("fruit", "fruit growing"),
    ("viticult", "viticulture"),
    ("vitivin", "viticulture"),
    ("enolog", "viticulture"),
    ("oenolog", "viticulture"),
    ("wine", "viticulture"),
    ("horticult", "horticulture"),
    ("floricolt", "horticulture"),
    ("orticol", "vegetable growing"),
    ("apicol", "apiculture"),
    ("honey", "apiculture"),
    ("bienen", "apiculture"),
    ("zootec", "animal husbandry"),
    ("livestock", "animal husbandry"),
    ("animal", "animal and dairy science"),
    ("dairy", "dairy"),
    ("lattiero", "dairy"),
    ("caseari", "dairy"),
    ("foragg", "fodder"),
    ("fodder", "fodder"),
    ("fish", "fisheries"),
    ("pesca", "fisheries"),
    ("peche", "fisheries"),
    ("fischerei", "fisheries"),
    ("aquacult", "fisheries"),
    ("aquicult", "fisheries"),
    ("acquacolt", "fisheries"),
    ("food", "food technology"),
    ("aliment", "food technology"),
    ("lebensmittel", "food technology"),
    ("irrig", "irrigation"),
    ("plant protect", "plant protection"),
    ("plant breed", "plant breeding"),
    ("industrial crop", "industrial crops"),
    ("colture industriali", "industrial crops"),
    // engineering and technology
    ("microelectron", "microelectronics"),
    ("microelettron", "microelectronics"),
    ("nanoelectron", "nanoelectronics"),
    ("electroni", "electronic engineering"),
    ("elettroni", "electronic engineering"),
    ("elektroni", "electronic engineering"),
    ("electrical", "electrical engineering"),
    ("elettrotecn", "electrical engineering"),
    ("elektrotech", "electrical engineering"),
    ("semicond", "semiconductivity"),
    ("sensor", "sensors"),
    ("capteur", "sensors"),
    ("robot", "robotics"),
    ("automation", "automation"),
    ("automaz", "automation"),
    ("mechatron", "mechatronics"),
    ("meccatron", "mechatronics"),
    ("mechanic", "mechanical engineering"),
    ("meccanic", "mechanical engineering"),
    ("mecani", "mechanical engineering"),
    ("maschinenbau", "mechanical engineering"),
    ("aerosp", "aerospace engineering"),
    ("aeronaut", "aeronautical engineering"),
    ("aviation", "aerospace engineering"),
    ("aircraft", "aircraft"),
    ("space", "space exploration"),
    ("spazi", "space exploration"),
    ("spatiale", "space exploration"),
    ("raumfahrt", "space exploration"),
    ("espacial", "space exploration"),
    ("satellit", "satellite technology"),
    ("navigation", "navigation systems"),
    ("automotive", "automotive engineering"),
    ("automobil", "automotive engineering"),
    ("vehicle", "vehicle engineering"),
    ("railway", "railroad engineering"),
    ("ferroviar", "railroad engineering"),
    ("transport", "transport"),
    ("trasport", "transport"),
    ("traffic", "transport"),
    ("mobility", "transport"),
    ("mobilita", "transport"),
    ("naval", "naval engineering"),
    ("manufactur", "manufacturing engineering"),
    ("manifattur", "manufacturing engineering"),
    ("fertigung", "manufacturing engineering"),
    ("additive", "additive manufacturing"),
    ("3d print", "additive manufacturing"),
    ("civil eng", "civil engineering"),
    ("construct", "construction engineering"),
    ("costruz", "construction engineering"),
    ("earthquake eng", "earthquake engineering"),
    ("structural eng", "structural engineering"),
    ("hydraulic", "hydraulic engineering"),
    ("idraulic", "hydraulic engineering"),
    ("chemical eng", "chemical engineering"),
    ("process eng", "chemical process engineering"),
    ("environmental eng", "environmental engineering"),
    ("biomedical eng", "medical engineering"),
    ("medical eng", "medical engineering"),
    ("bioengineer", "medical engineering"),
    ("nanomateri", "nano-materials"),
    ("materi", "materials engineering"),
    ("werkstoff", "materials engineering"),
    ("nano", "nanotechnology"),
    ("graphene", "graphene"),
    ("composit", "composites"),
    ("ceram", "ceramics"),
    ("metallurg", "metallurgy"),
    ("metal", "metallurgy"),
    ("textil", "textiles"),
    ("tessil", "textiles"),
    ("coating", "coating and films"),
    ("tribolog", "tribology"),
    ("energ", "energy and fuels"),
    ("solar", "solar energy"),
    ("solaire", "solar energy"),
    ("solare", "solar energy"),
    ("photovolt", "photovoltaic"),
    ("fotovolt", "photovoltaic"),
    ("wind", "wind power"),
    ("eolic", "wind power"),
    ("eolien", "wind power"),
    ("hydrogen", "hydrogen energy"),
    ("hydrogene", "hydrogen energy"),
    ("idrogeno", "hydrogen energy"),
    ("wasserstoff", "hydrogen energy"),
    ("fuel cell", "fuel cells"),
    ("battery", "electric batteries"),
    ("batteries", "electric batteries"),
    ("batterie", "electric batteries"),
    ("geotherm", "geothermal energy"),
    ("geoterm", "geothermal energy"),
    ("biomass", "biomass"),
    ("bioenerg", "energy and fuels"),
    ("biofuel", "biofuels"),
    ("combust", "energy and fuels"),
    ("reactor", "nuclear engineering"),
    ("recycl", "recycling"),
    ("riciclo", "recycling"),
    ("waste", "waste management"),
    ("rifiut", "waste management"),
    ("dechet", "waste management"),
    ("abfall", "waste management"),
    // computing and mathematics
    ("supercomput", "supercomputers"),
    ("high performance comput", "supercomputers"),
    ("hpc", "supercomputers"),
    ("calcolo", "computational science"),
    ("calcul", "computational science"),
    ("comput", "computer and information sciences"),
    ("informat", "computer and information sciences"),
    ("software", "software"),
    ("logiciel", "software"),
    ("artificial intel", "artificial intelligence"),
    ("intelligenza artificiale", "artificial intelligence"),
    ("intelligence artificielle", "artificial intelligence"),
    ("machine learn", "machine learning"),
    ("big data", "big data"),
    ("data", "data science"),
    ("dati", "data science"),
    ("donnees", "data science"),
    ("cyber", "computer security"),
    ("cryptog", "cryptography"),
    ("telecom", "telecommunications"),
    ("internet", "internet"),
    ("signal process", "signal processing"),
    ("virtual reality", "virtual reality"),
    ("mathemat", "mathematics"),
    ("matemat", "mathematics"),
    ("applied math", "applied mathematics"),
    ("matematica applicata", "applied mathematics"),
    ("statist", "statistics and probability"),
    // social sciences and humanities
    ("econom", "economics"),
    ("financ", "monetary and finances"),
    ("finanz", "monetary and finances"),
    ("business", "business and management"),
    ("entrepreneur", "entrepreneurship"),
    ("innovation", "innovation management"),
    ("valoris", "innovation management"),
    ("valoriz", "innovation management"),
    ("technology transfer", "innovation management"),
    ("knowledge transfer", "innovation management"),
    ("start up", "entrepreneurship"),
    ("startup", "entrepreneurship"),
    ("open science", "science and technology studies"),
    ("citizen science", "science and technology studies"),
    ("science communicat", "media and communications"),
    ("open access", "library sciences"),
    ("scholarly", "library sciences"),
    ("librar", "library sciences"),
    ("sociolog", "sociology"),
    ("demograph", "demography"),
    ("demograf", "demography"),
    ("educat", "educational sciences"),
    ("pedagog", "pedagogy"),
    ("didatt", "didactics"),
    ("didact", "didactics"),
    ("law", "law"),
    ("giurid", "law"),
    ("juridi", "law"),
    ("droit", "law"),
    ("recht", "law"),
    ("criminol", "criminology"),
    ("politic", "political sciences"),
    ("histor", "history"),
    ("storia", "history"),
    ("storic", "history"),
    ("geschicht", "history"),
    ("archaeol", "archaeology"),
    ("archeol", "archaeology"),
    ("arqueol", "archaeology"),
    ("linguist", "linguistics"),
    ("lingu", "linguistics"),
    ("language", "linguistics"),
    ("philosoph", "philosophy"),
    ("filosof", "philosophy"),
    ("religio", "religions"),
    ("theolog", "religions"),
    ("teolog", "religions"),
    ("art history", "art history"),
    ("music", "musicology"),
    ("literat", "literature studies"),
    ("letterat", "literature studies"),
    ("anthropol", "anthropology"),
    ("antropol", "anthropology"),
    ("ethnol", "ethnology"),
    ("journalis", "journalism"),
    ("urban", "urban studies"),
    ("architect", "architectural design"),
    ("architett", "architectural design"),
];

/// EuroSciVoc terms named by the keyword table in a name or text, with how often: the
/// most often named first, then in the order they occur.
pub(super) fn keyword_terms(text: &str) -> Vec<(usize, &'static Term)> {
    let haystack = format!(" {}", normalise(text));
    // (position, pattern length, title)
    let mut hits: Vec<(usize, usize, &str)> = Vec::new();
    for (pattern, title) in KEYWORDS {
        let needle = format!(" {pattern}");
        let mut from = 0;
        while let Some(found) = haystack[from..].find(&needle) {
            hits.push((from + found, pattern.len(), title));
            from += found + needle.len();
        }
    }
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    // (count, first position, term)
    let mut found: Vec<(usize, usize, &'static Term)> = Vec::new();
    let mut last_position = None;
    for (position, _, title) in hits {
        if last_position == Some(position) {
            continue;
        }
        last_position = Some(position);
        let Some(term) = vocabulary::euroscivoc_by_title(title) else {
            continue;
        };
        match found.iter_mut().find(|(_, _, t)| t.code == term.code) {
            Some(entry) => entry.0 += 1,
            None => found.push((1, position, term)),
        }
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    found
        .into_iter()
        .map(|(count, _, term)| (count, term))
        .collect()
}

/// The keyword table's terms in a name, at most `limit`.
pub(super) fn terms_in_name(name: &str, limit: usize) -> Vec<&'static Term> {
    keyword_terms(name)
        .into_iter()
        .take(limit)
        .map(|(_, term)| term)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_names_a_shipped_euroscivoc_term() {
        let missing: Vec<&str> = KEYWORDS
            .iter()
            .map(|(_, title)| *title)
            .filter(|title| vocabulary::euroscivoc_by_title(title).is_none())
            .collect();
        assert_eq!(missing, Vec::<&str>::new());
        for (pattern, _) in KEYWORDS {
            assert_eq!(
                normalise(pattern),
                *pattern,
                "patterns are written normalised"
            );
        }
    }

    fn titles(terms: Vec<&'static Term>) -> Vec<&'static str> {
        terms.into_iter().map(|t| t.title.as_str()).collect()
    }

    #[test]
    fn names_yield_topics_by_word_beginnings() {
        assert_eq!(
            titles(terms_in_name(
                "Austrian Centre for Electron Microscopy and Nanoanalysis",
                3
            )),
            vec!["electron microscopy", "microscopy", "nanotechnology"]
        );
        assert_eq!(
            titles(terms_in_name(
                "Istituto Nazionale di Fisica Nucleare, Sezione di Bari",
                3
            )),
            vec!["nuclear physics"]
        );
        assert_eq!(
            titles(terms_in_name("Laboratoire de Physiologie", 3)),
            vec!["physiology"]
        );
        assert_eq!(
            titles(terms_in_name("Institut für Géophysique", 3)),
            vec!["geophysics"]
        );
        assert!(terms_in_name("Museo Casa Don Bosco", 3).is_empty());
    }

    #[test]
    fn text_matching_prefers_frequent_and_title_terms() {
        let found = titles(terms_in_text(
            "Machine learning for air pollution",
            "We use deep learning on sensors. Sensors measure pollution; the history of it.",
            3,
        ));
        assert_eq!(found, vec!["pollution", "machine learning", "sensors"]);
    }

    #[test]
    fn run_together_field_lists_are_split_into_their_most_specific_terms() {
        let found = titles(terms_from_run_together(
            "natural sciencesbiological sciencesecologyecosystemssocial sciencespolitical sciencespolitical policiescivil society",
        ));
        assert_eq!(found, vec!["ecosystems", "civil society"]);
        assert!(terms_from_run_together("no such field").is_empty());
    }

    #[test]
    fn normalising_folds_accents_and_punctuation() {
        assert_eq!(
            normalise("Géo-Physique, Œuvre  ß!"),
            "geo physique oeuvre ss"
        );
    }
}
