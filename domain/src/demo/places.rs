//! Places for demo records: country names as CORDIS spells them turned into ISO codes,
//! a city picked out of a free-text postal address, and Italian regions named the
//! same way everywhere — all from the GeoNames gazetteer shipped in `datasets/`.
//!
//! It does not geocode: a place it cannot find in the gazetteer stays without
//! coordinates rather than getting approximate ones.

use super::topics::normalise;
use std::collections::HashMap;
use std::sync::LazyLock;

const CITIES_CSV: &str = include_str!("../../../datasets/gazetteer/cities_europe.csv");
const REGIONS_IT_CSV: &str = include_str!("../../../datasets/gazetteer/regions_it.csv");

/// ISO 3166-1 alpha-2 code for an English country name as CORDIS prints it.
pub(super) fn country_code(name: &str) -> Option<&'static str> {
    const COUNTRIES: &[(&str, &str)] = &[
        ("albania", "AL"),
        ("armenia", "AM"),
        ("australia", "AU"),
        ("austria", "AT"),
        ("belarus", "BY"),
        ("belgium", "BE"),
        ("bosnia and herzegovina", "BA"),
        ("brazil", "BR"),
        ("bulgaria", "BG"),
        ("canada", "CA"),
        ("chile", "CL"),
        ("china", "CN"),
        ("colombia", "CO"),
        ("croatia", "HR"),
        ("cyprus", "CY"),
        ("czech republic", "CZ"),
        ("czechia", "CZ"),
        ("denmark", "DK"),
        ("estonia", "EE"),
        ("finland", "FI"),
        ("france", "FR"),
        ("georgia", "GE"),
        ("germany", "DE"),
        ("greece", "GR"),
        ("hungary", "HU"),
        ("iceland", "IS"),
        ("india", "IN"),
        ("indonesia", "ID"),
        ("ireland", "IE"),
        ("israel", "IL"),
        ("italy", "IT"),
        ("japan", "JP"),
        ("kenya", "KE"),
        ("kosovo", "XK"),
        ("latvia", "LV"),
        ("lithuania", "LT"),
        ("luxembourg", "LU"),
        ("malta", "MT"),
        ("moldova", "MD"),
        ("montenegro", "ME"),
        ("netherlands", "NL"),
        ("north macedonia", "MK"),
        ("norway", "NO"),
        ("poland", "PL"),
        ("portugal", "PT"),
        ("romania", "RO"),
        ("serbia", "RS"),
        ("slovakia", "SK"),
        ("slovenia", "SI"),
        ("south africa", "ZA"),
        ("south korea", "KR"),
        ("spain", "ES"),
        ("sweden", "SE"),
        ("switzerland", "CH"),
        ("tanzania", "TZ"),
        ("turkey", "TR"),
        ("ukraine", "UA"),
        ("united kingdom", "GB"),
        ("united states", "US"),
        ("zambia", "ZM"),
    ];
    let name = name.trim().to_lowercase();
    COUNTRIES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, code)| *code)
}

/// CORDIS writes Greece and the United Kingdom as EL and UK (the EU's own codes);
/// Ponte stores ISO 3166 like every other source.
pub(super) fn iso_country(code: &str) -> String {
    match code.trim().to_uppercase().as_str() {
        "EL" => "GR".to_owned(),
        "UK" => "GB".to_owned(),
        other => other.to_owned(),
    }
}

/// A city of the gazetteer.
#[derive(Debug, Clone)]
pub(super) struct City {
    pub name: String,
    pub admin1: String,
    pub latitude: f64,
    pub longitude: f64,
    population: u64,
}

/// (country, normalised name or alternate name) → the most populous city so called.
static CITIES: LazyLock<HashMap<(String, String), City>> = LazyLock::new(|| {
    let mut map: HashMap<(String, String), City> = HashMap::new();
    let mut reader = csv::Reader::from_reader(CITIES_CSV.as_bytes());
    for record in reader.records().filter_map(|r| r.ok()) {
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        let (Ok(latitude), Ok(longitude)) = (field(5).parse(), field(6).parse()) else {
            continue;
        };
        let city = City {
            name: field(1).to_owned(),
            admin1: field(4).to_owned(),
            latitude,
            longitude,
            population: field(7).parse().unwrap_or(0),
        };
        let country = field(3).to_owned();
        let names = std::iter::once(field(1)).chain(field(2).split('|'));
        for name in names {
            let key = (country.clone(), normalise(name));
            if key.1.is_empty() {
                continue;
            }
            match map.get(&key) {
                Some(existing) if existing.population >= city.population => {}
                _ => {
                    map.insert(key, city.clone());
                }
            }
        }
    }
    map
});

pub(super) fn city(country: &str, name: &str) -> Option<&'static City> {
    CITIES.get(&(country.to_owned(), normalise(name)))
}

/// The city at the end of a postal address ("CALLE SERRANO 117 28006 Madrid"): the
/// last one to three words that name a gazetteer city of the country, else the words
/// after the last one holding a digit (the postcode), as written.
pub(super) fn city_in_address(
    address: &str,
    country: &str,
) -> Option<(String, Option<&'static City>)> {
    let words: Vec<String> = address
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| c == '(' || c == ')' || c == ',')
                .to_owned()
        })
        .filter(|w| !w.is_empty())
        .collect();
    for end in (1..=words.len()).rev().take(3) {
        for length in (1..=3).rev() {
            let Some(start) = end.checked_sub(length) else {
                continue;
            };
            let Some(slice) = words.get(start..end) else {
                continue;
            };
            if let Some(found) = city(country, &slice.join(" ")) {
                return Some((found.name.clone(), Some(found)));
            }
        }
    }
    let after_postcode = words
        .iter()
        .rposition(|w| w.chars().any(|c| c.is_ascii_digit()))
        .map(|i| i + 1)
        .unwrap_or(0);
    let rest = words.get(after_postcode..).unwrap_or_default().join(" ");
    (!rest.is_empty()).then(|| (title_case(&rest), None))
}

/// "CLERMONT FERRAND" → "Clermont Ferrand"; text that is not all capitals is kept.
pub(super) fn title_case(text: &str) -> String {
    if text.chars().any(char::is_lowercase) {
        return text.to_owned();
    }
    text.split(' ')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// GeoNames admin1 code → English region name, for Italy.
static REGIONS_IT: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut reader = csv::Reader::from_reader(REGIONS_IT_CSV.as_bytes());
    reader
        .records()
        .filter_map(|r| r.ok())
        .filter_map(|r| Some((r.get(1)?.to_owned(), r.get(2)?.to_owned())))
        .collect()
});

/// The Italian region of a city, spelled as `datasets/gazetteer/regions_it.csv` does,
/// falling back to the source's own spelling with ROR's variants mended.
pub(super) fn italian_region(city_name: &str, given: &str) -> Option<String> {
    if let Some(found) = city("IT", city_name)
        && let Some(region) = REGIONS_IT.get(&found.admin1)
    {
        return Some(region.clone());
    }
    let mended = match given.trim() {
        "" => return None,
        "Latium" => "Lazio",
        "The Marches" => "Marche",
        "Basilicate" => "Basilicata",
        other => other,
    };
    Some(mended.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_yield_their_city() {
        let madrid = city_in_address("CALLE SERRANO 117 28006 Madrid    ", "ES");
        assert_eq!(
            madrid.as_ref().map(|(n, c)| (n.as_str(), c.is_some())),
            Some(("Madrid", true))
        );
        let gurb = city_in_address("MASIA L'ESPERANCA 08503 GURB (BARCELONA)", "ES");
        assert_eq!(gurb.map(|(n, _)| n), Some("Barcelona".to_owned()));
        let haifa = city_in_address("SENATE BUILDING TECHNION CITY 32000 Haifa", "IL");
        assert_eq!(
            haifa.map(|(n, c)| (n, c.is_none())),
            Some(("Haifa".to_owned(), true))
        );
        assert_eq!(country_code(" United Kingdom"), Some("GB"));
        assert_eq!(iso_country("EL"), "GR");
    }

    #[test]
    fn italian_regions_are_named_one_way() {
        assert_eq!(italian_region("Milano", "").as_deref(), Some("Lombardy"));
        // GeoNames numbers the regions alphabetically by their Italian names.
        for (city, region) in [
            ("Bari", "Apulia"),
            ("Cagliari", "Sardinia"),
            ("Palermo", "Sicily"),
            ("Firenze", "Tuscany"),
            ("Trento", "Trentino-Alto Adige"),
            ("Perugia", "Umbria"),
            ("Aosta", "Aosta Valley"),
            ("Venice", "Veneto"),
        ] {
            assert_eq!(italian_region(city, "").as_deref(), Some(region), "{city}");
        }
        assert_eq!(
            italian_region("Nowhere", "Latium").as_deref(),
            Some("Lazio")
        );
        assert_eq!(italian_region("Nowhere", ""), None);
    }
}
