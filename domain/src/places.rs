//! Places a user can type — European cities by their local, English or other Latin-script
//! names, Italian regions in English or Italian, or `lat,lon` — resolved offline from the
//! GeoNames gazetteer shipped in `datasets/gazetteer/` (CC BY 4.0, attribution in
//! `datasets/README.md`).
//!
//! It does not geocode addresses or guess: a name it does not know is an error the user
//! sees, so they can correct it.

use crate::error::{Error, Result};
use crate::text::normalise;
use std::collections::HashMap;
use std::sync::LazyLock;

const CITIES_CSV: &str = include_str!("../../datasets/gazetteer/cities_europe.csv");
const REGIONS_IT_CSV: &str = include_str!("../../datasets/gazetteer/regions_it.csv");

/// Radius used when the user names a city without one.
pub const DEFAULT_CITY_RADIUS_KM: f64 = 25.0;
/// Radius used when the user names a region without one.
pub const DEFAULT_REGION_RADIUS_KM: f64 = 120.0;
/// Radius used for bare coordinates without one.
pub const DEFAULT_POINT_RADIUS_KM: f64 = 25.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    City,
    Region,
    Point,
}

/// A resolved place: where it is and how it was understood.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The gazetteer's name (e.g. "Milan" for "Milano"), or the coordinates as given.
    pub name: String,
    pub country: Option<String>,
    pub kind: PlaceKind,
    pub latitude: f64,
    pub longitude: f64,
    pub default_radius_km: f64,
}

struct GazetteerCity {
    name: String,
    country: String,
    admin1: String,
    latitude: f64,
    longitude: f64,
    population: u64,
}

struct Gazetteer {
    cities: Vec<GazetteerCity>,
    /// Normalised name or alternate name → index of the most populous city so called.
    by_name: HashMap<String, usize>,
    /// Normalised English or Italian region name → (name, country, latitude, longitude).
    regions: HashMap<String, Place>,
}

static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| {
    let mut cities = Vec::new();
    let mut reader = csv::Reader::from_reader(CITIES_CSV.as_bytes());
    for record in reader.records().filter_map(|r| r.ok()) {
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        let (Ok(latitude), Ok(longitude)) = (field(5).parse::<f64>(), field(6).parse::<f64>())
        else {
            continue;
        };
        cities.push((
            GazetteerCity {
                name: field(1).to_owned(),
                country: field(3).to_owned(),
                admin1: field(4).to_owned(),
                latitude,
                longitude,
                population: field(7).parse().unwrap_or(0),
            },
            field(2).to_owned(),
        ));
    }
    let mut by_name: HashMap<String, usize> = HashMap::new();
    // The primary name wins over an alternate name of a bigger city: "Rome" the city
    // in Georgia (US) is not here, but Milan's alternate "Mila" must not hide a real Mila.
    for pass in [true, false] {
        for (index, (city, alternates)) in cities.iter().enumerate() {
            let names: Vec<&str> = if pass {
                vec![city.name.as_str()]
            } else {
                alternates.split('|').collect()
            };
            for name in names {
                let key = normalise(name);
                if key.is_empty() {
                    continue;
                }
                match by_name.get(&key) {
                    Some(&existing) if pass && cities[existing].0.population >= city.population => {
                    }
                    Some(_) if !pass => {}
                    _ => {
                        by_name.insert(key, index);
                    }
                }
            }
        }
    }
    let cities: Vec<GazetteerCity> = cities.into_iter().map(|(city, _)| city).collect();

    let mut regions = HashMap::new();
    let mut reader = csv::Reader::from_reader(REGIONS_IT_CSV.as_bytes());
    for record in reader.records().filter_map(|r| r.ok()) {
        let field = |i: usize| record.get(i).unwrap_or_default().trim().to_owned();
        let (country, admin1, name_en, name_it) = (field(0), field(1), field(2), field(3));
        // The region's centre: the population-weighted mean of its cities.
        let (mut weight, mut lat, mut lon) = (0.0, 0.0, 0.0);
        for city in cities
            .iter()
            .filter(|c| c.country == country && c.admin1 == admin1)
        {
            let w = (city.population.max(1)) as f64;
            weight += w;
            lat += w * city.latitude;
            lon += w * city.longitude;
        }
        if weight == 0.0 {
            continue;
        }
        let place = Place {
            name: name_en.clone(),
            country: Some(country.clone()),
            kind: PlaceKind::Region,
            latitude: lat / weight,
            longitude: lon / weight,
            default_radius_km: DEFAULT_REGION_RADIUS_KM,
        };
        regions.insert(normalise(&name_en), place.clone());
        regions.insert(normalise(&name_it), place);
    }
    Gazetteer {
        cities,
        by_name,
        regions,
    }
});

fn unknown(text: &str) -> Error {
    Error::invalid(
        "near",
        "place_unknown",
        format!(
            "`{text}` is not a place Ponte knows; try a European city (e.g. Bologna), an Italian region, or `lat,lon`"
        ),
    )
}

/// Parses `44.49,11.34` (latitude first).
fn coordinates(text: &str) -> Option<Result<Place>> {
    let (lat, lon) = text.split_once(',')?;
    let (lat, lon) = (
        lat.trim().parse::<f64>().ok()?,
        lon.trim().parse::<f64>().ok()?,
    );
    let valid = lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon);
    Some(if valid {
        Ok(Place {
            name: format!("{lat},{lon}"),
            country: None,
            kind: PlaceKind::Point,
            latitude: lat,
            longitude: lon,
            default_radius_km: DEFAULT_POINT_RADIUS_KM,
        })
    } else {
        Err(Error::invalid(
            "near",
            "coordinates_invalid",
            "coordinates are `latitude,longitude` with latitude −90…90 and longitude −180…180",
        ))
    })
}

/// Resolves what the user typed as a place.
pub fn resolve(text: &str) -> Result<Place> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 100 {
        return Err(unknown(trimmed));
    }
    if let Some(point) = coordinates(trimmed) {
        return point;
    }
    let key = normalise(trimmed);
    let gazetteer = &*GAZETTEER;
    if let Some(region) = gazetteer.regions.get(&key) {
        return Ok(region.clone());
    }
    let city = gazetteer
        .by_name
        .get(&key)
        .map(|&i| &gazetteer.cities[i])
        .ok_or_else(|| unknown(trimmed))?;
    Ok(Place {
        name: city.name.clone(),
        country: Some(city.country.clone()),
        kind: PlaceKind::City,
        latitude: city.latitude,
        longitude: city.longitude,
        default_radius_km: DEFAULT_CITY_RADIUS_KM,
    })
}

/// How many people live in the place a name resolves to (regions count as very large),
/// so a reader of free text can tell "Bologna" from a village that shares a common word.
pub fn population(text: &str) -> Option<u64> {
    let key = normalise(text.trim());
    let gazetteer = &*GAZETTEER;
    if gazetteer.regions.contains_key(&key) {
        return Some(u64::MAX);
    }
    gazetteer
        .by_name
        .get(&key)
        .map(|&i| gazetteer.cities[i].population)
}

/// The known place a mistyped name most likely means: a region, or a city of at least
/// 50,000 people, within one edit (two from nine letters). `None` when nothing is close
/// or two places are equally close.
pub fn closest_name(text: &str) -> Option<String> {
    let key = normalise(text.trim());
    let length = key.chars().count();
    if length < 5 {
        return None;
    }
    let allowed = if length >= 9 { 2 } else { 1 };
    let gazetteer = &*GAZETTEER;
    let mut best: Option<(usize, String)> = None;
    let mut tie = false;
    let candidates = gazetteer
        .regions
        .iter()
        .map(|(name, place)| (name.as_str(), place.name.clone()))
        .chain(gazetteer.by_name.iter().filter_map(|(name, &i)| {
            let city = &gazetteer.cities[i];
            (city.population >= 50_000).then(|| (name.as_str(), city.name.clone()))
        }));
    for (name, canonical) in candidates {
        if name.chars().count().abs_diff(length) > allowed {
            continue;
        }
        let distance = crate::text::edit_distance(name, &key);
        if distance == 0 || distance > allowed {
            continue;
        }
        match &best {
            Some((d, existing)) if *d == distance && *existing != canonical => tie = true,
            Some((d, _)) if *d <= distance => {}
            _ => {
                best = Some((distance, canonical));
                tie = false;
            }
        }
    }
    if tie {
        None
    } else {
        best.map(|(_, name)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_resolve_by_local_english_and_other_names() {
        let milan = resolve("Milano").ok();
        assert_eq!(milan.as_ref().map(|p| p.name.as_str()), Some("Milan"));
        assert_eq!(resolve("milan").ok(), milan);
        let bologna = resolve("  BOLOGNA ").ok();
        assert_eq!(
            bologna.as_ref().map(|p| (p.kind, p.country.clone())),
            Some((PlaceKind::City, Some("IT".into())))
        );
        let lat = bologna.map(|p| p.latitude).unwrap_or_default();
        assert!((44.0..45.0).contains(&lat));
        assert_eq!(
            resolve("Mòdena").ok().map(|p| p.name),
            Some("Modena".into())
        );
    }

    #[test]
    fn italian_regions_resolve_in_both_languages() {
        let english = resolve("Lombardy").ok();
        let italian = resolve("Lombardia").ok();
        assert!(english.is_some());
        assert_eq!(english, italian);
        assert_eq!(english.map(|p| p.kind), Some(PlaceKind::Region));
        let emilia = resolve("Emilia-Romagna")
            .ok()
            .map(|p| (p.latitude, p.longitude))
            .unwrap_or_default();
        assert!(
            (44.0..45.5).contains(&emilia.0) && (9.0..13.0).contains(&emilia.1),
            "{emilia:?}"
        );
    }

    #[test]
    fn coordinates_and_unknown_places() {
        assert_eq!(
            resolve("44.49, 11.34").ok().map(|p| p.kind),
            Some(PlaceKind::Point)
        );
        assert_eq!(
            resolve("95,10").err().map(|e| e.code),
            Some("coordinates_invalid")
        );
        let unknown = resolve("Atlantis").err();
        assert_eq!(
            unknown.as_ref().map(|e| (e.code, e.field.clone())),
            Some(("place_unknown", Some("near".into())))
        );
        assert!(
            unknown
                .map(|e| e.message.contains("Atlantis"))
                .unwrap_or(false)
        );
    }
}
