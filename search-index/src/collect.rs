//! The collector: applies the filters that live in fast fields (expiry, price,
//! capacity, availability, TRL, radius), counts every match, counts facets and keeps
//! the best `offset + limit` hits in the requested order, in one pass per segment.
//!
//! Ties are broken by listing id so that paging is deterministic. Within a segment the
//! id column's ordinals sort like the ids themselves, so each segment keeps its own top
//! hits by (key, ordinal) and the merge compares the real ids.
//!
//! It deliberately does not build text queries, fetch stored documents or explain hits.

use crate::model::GeoPoint;
use crate::schema::{FACETS, col};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// Mean Earth radius (IUGG), km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

pub(crate) fn haversine_km(a: GeoPoint, b: GeoPoint) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Whether `b` is within `radius_km` of `a` by [`haversine_km`]. The distance is at
/// least the earth's radius times the difference in latitude, which settles most far
/// points without any trigonometry.
pub(crate) fn within_km(a: GeoPoint, b: GeoPoint, radius_km: f64) -> bool {
    !latitudes_too_far(a.lat, b.lat, radius_km) && haversine_km(a, b) <= radius_km
}

/// Whether every point at latitude `lat_b` is clearly more than `radius_km` from every
/// point at `lat_a`: the distance along a meridian is never more than the distance
/// between the points. The margin covers rounding, so only points clearly too far are
/// settled this way.
fn latitudes_too_far(lat_a: f64, lat_b: f64, radius_km: f64) -> bool {
    EARTH_RADIUS_KM * (lat_b - lat_a).to_radians().abs() > radius_km * (1.0 + 1e-9) + 1e-6
}

/// Latitude and (unless the circle reaches a pole or the antimeridian) longitude
/// ranges, in degrees, holding every point within `radius_km` of `center`, with a
/// margin for rounding: the index narrows a place search to them before anything is
/// scored, and the collector still measures each listing exactly.
pub(crate) fn bounding_box(center: GeoPoint, radius_km: f64) -> ((f64, f64), Option<(f64, f64)>) {
    const MARGIN: f64 = 1.001;
    let angle = radius_km / EARTH_RADIUS_KM;
    let lat_span = angle.to_degrees() * MARGIN + 1e-9;
    let latitudes = (center.lat - lat_span, center.lat + lat_span);
    // The widest longitude difference on a spherical cap that leaves out both poles.
    let polar_distance = std::f64::consts::FRAC_PI_2 - center.lat.to_radians().abs();
    let longitudes = (angle * MARGIN < polar_distance)
        .then(|| {
            let span = (angle.sin() / center.lat.to_radians().cos())
                .min(1.0)
                .asin()
                .to_degrees()
                * MARGIN
                + 1e-9;
            (center.lon - span, center.lon + span)
        })
        .filter(|(west, east)| *west >= -180.0 && *east <= 180.0);
    (latitudes, longitudes)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortKey {
    Score,
    Distance,
    Newest,
    Price,
}

/// The per-document filters and the ordering.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) now_micros: i64,
    pub(crate) max_price: Option<i64>,
    pub(crate) min_capacity: Option<u64>,
    pub(crate) available_on: Option<i64>,
    pub(crate) trl: Option<(u64, u64)>,
    pub(crate) near: Option<(GeoPoint, f64)>,
    pub(crate) sort: SortKey,
    pub(crate) scored: bool,
    /// How many of the best hits to keep (offset + limit).
    pub(crate) keep: usize,
    pub(crate) facets: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) address: DocAddress,
    /// Read only where a tie between segments needs it (see `merge_fruits`): the
    /// caller reads the rest from the stored document, or with [`resolve_ids`].
    pub(crate) id: Option<String>,
    /// The id's ordinal in its segment's id column: ordinals follow the ids' order.
    id_ord: u64,
    pub(crate) score: Score,
    pub(crate) distance_km: Option<f64>,
    key: f64,
}

#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub(crate) total: u64,
    /// Best first, at most `keep`.
    pub(crate) hits: Vec<Found>,
    /// Facet name → display value → count.
    pub(crate) facets: HashMap<&'static str, HashMap<String, u64>>,
}

pub(crate) struct ListingCollector {
    pub(crate) plan: Plan,
    /// The searcher's columns, by segment ordinal (see [`ColumnCache`]).
    pub(crate) columns: Arc<Vec<Columns>>,
}

/// Every segment's fast-field columns, opened once per index generation. Opening them
/// reads each column's header and block table: about 8% of a search at 1M listings
/// when every search opened its own. Segments never change, so columns opened for one
/// searcher stay right for as long as the generation lasts.
#[derive(Default)]
pub(crate) struct ColumnCache {
    opened: Mutex<Option<(u64, Arc<Vec<Columns>>)>>,
}

impl ColumnCache {
    /// The columns of every segment `searcher` reads, by segment ordinal.
    pub(crate) fn for_searcher(&self, searcher: &Searcher) -> tantivy::Result<Arc<Vec<Columns>>> {
        let generation = searcher.generation().generation_id();
        {
            let opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((known, columns)) = opened.as_ref()
                && *known == generation
            {
                return Ok(Arc::clone(columns));
            }
        }
        // Opened without holding the lock: a search of an older generation still
        // running may ask meanwhile and must not wait for this.
        let columns = Arc::new(
            searcher
                .segment_readers()
                .iter()
                .map(Columns::open)
                .collect::<tantivy::Result<Vec<_>>>()?,
        );
        let mut opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
        if opened.as_ref().is_none_or(|(known, _)| *known < generation) {
            *opened = Some((generation, Arc::clone(&columns)));
        }
        Ok(columns)
    }
}

#[derive(Clone)]
pub(crate) struct Columns {
    id: Option<StrColumn>,
    expires: Option<Column<i64>>,
    price: Option<Column<i64>>,
    capacity: Option<Column<u64>>,
    available_from: Option<Column<i64>>,
    available_until: Option<Column<i64>>,
    trl_min: Option<Column<u64>>,
    trl_max: Option<Column<u64>>,
    lat: Option<Column<f64>>,
    lon: Option<Column<f64>>,
    published: Option<Column<i64>>,
    facets: Vec<(&'static str, Option<StrColumn>)>,
    /// Per facet, every value of its column by ordinal, when it has at most
    /// [`NAMED_FACET_TERMS`]: naming the counted ordinals then reads no dictionary.
    facet_values: Vec<Option<Arc<[String]>>>,
}

/// Facet columns with at most this many distinct values have them read once per index
/// generation (see `Columns::facet_values`); walking a column's dictionary for the
/// counted ordinals on every search was a thirtieth of a search at 1M listings.
pub(crate) const NAMED_FACET_TERMS: usize = 4_096;

/// Every value of `column` by ordinal, if it has at most [`NAMED_FACET_TERMS`].
fn all_values(column: &StrColumn) -> tantivy::Result<Option<Arc<[String]>>> {
    let terms = column.num_terms();
    if terms > NAMED_FACET_TERMS {
        return Ok(None);
    }
    let mut values = Vec::with_capacity(terms);
    let ords: Vec<u64> = (0..terms as u64).collect();
    column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
        values.push(String::from_utf8_lossy(bytes).into_owned());
    })?;
    Ok((values.len() == terms).then(|| values.into()))
}

impl Columns {
    fn open(reader: &SegmentReader) -> tantivy::Result<Columns> {
        let fast = reader.fast_fields();
        let facets: Vec<(&'static str, Option<StrColumn>)> = FACETS
            .iter()
            .map(|(name, column)| Ok((*name, fast.str(column)?)))
            .collect::<tantivy::Result<_>>()?;
        let facet_values = facets
            .iter()
            .map(|(_, column)| match column {
                Some(column) => all_values(column),
                None => Ok(None),
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Columns {
            id: fast.str(col::ID)?,
            expires: fast.column_opt(col::EXPIRES_AT)?,
            price: fast.column_opt(col::PRICE)?,
            capacity: fast.column_opt(col::CAPACITY)?,
            available_from: fast.column_opt(col::AVAILABLE_FROM)?,
            available_until: fast.column_opt(col::AVAILABLE_UNTIL)?,
            trl_min: fast.column_opt(col::TRL_MIN)?,
            trl_max: fast.column_opt(col::TRL_MAX)?,
            lat: fast.column_opt(col::LAT)?,
            lon: fast.column_opt(col::LON)?,
            published: fast.column_opt(col::PUBLISHED_AT)?,
            facets,
            facet_values,
        })
    }
}

/// A kept hit inside a segment; ordered so that the worst is the heap's top.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    key: f64,
    ord: u64,
    doc: DocId,
    score: Score,
    distance: Option<f64>,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .total_cmp(&other.key)
            .then(self.ord.cmp(&other.ord))
            .then(self.doc.cmp(&other.doc))
    }
}

pub(crate) struct ListingSegmentCollector {
    plan: Plan,
    segment: SegmentOrdinal,
    columns: Columns,
    /// Every document of the segment has an expiry after now: nothing to check per
    /// match.
    none_expired: bool,
    total: u64,
    heap: BinaryHeap<Candidate>,
    facet_counts: Vec<FacetCounts>,
    /// Matches whose facet values are not counted yet (see [`FACET_BATCH`]).
    facet_docs: Vec<DocId>,
}

/// Matches whose facets are counted together: reading a batch of documents' values
/// from a column is one call into the column where one document at a time is a call
/// each, per facet (nine per match, a sixth of a search at 1M listings).
pub(crate) const FACET_BATCH: usize = 512;

/// Counts per term ordinal of one facet column in one segment. Dense when the column
/// has few distinct values (the usual case), sparse otherwise to bound memory.
enum FacetCounts {
    Dense(Vec<u32>),
    Sparse(HashMap<u64, u32>),
}

/// Columns with more distinct values than this are counted sparsely.
const DENSE_FACET_TERMS: usize = 1 << 16;

impl FacetCounts {
    fn new(column: Option<&StrColumn>) -> FacetCounts {
        match column.map(|c| c.num_terms()) {
            Some(terms) if terms <= DENSE_FACET_TERMS => FacetCounts::Dense(vec![0; terms]),
            Some(_) => FacetCounts::Sparse(HashMap::new()),
            None => FacetCounts::Dense(Vec::new()),
        }
    }

    fn add(&mut self, ord: u64) {
        match self {
            FacetCounts::Dense(counts) => {
                if let Some(count) = usize::try_from(ord).ok().and_then(|i| counts.get_mut(i)) {
                    *count += 1;
                }
            }
            FacetCounts::Sparse(counts) => *counts.entry(ord).or_default() += 1,
        }
    }

    /// (ordinal, count) for every counted value, by ordinal.
    fn into_sorted(self) -> Vec<(u64, u32)> {
        match self {
            FacetCounts::Dense(counts) => counts
                .into_iter()
                .enumerate()
                .filter(|(_, c)| *c > 0)
                .map(|(o, c)| (o as u64, c))
                .collect(),
            FacetCounts::Sparse(counts) => {
                let mut out: Vec<(u64, u32)> = counts.into_iter().collect();
                out.sort_unstable();
                out
            }
        }
    }
}

pub(crate) struct SegmentFruit {
    total: u64,
    hits: Vec<Found>,
    facets: Vec<(&'static str, HashMap<String, u64>)>,
}

impl Collector for ListingCollector {
    type Fruit = Collected;
    type Child = ListingSegmentCollector;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        // The columns were opened for the searcher that is searching, so every one of
        // its segments has them; ids are resolved from them after merging.
        let Some(mut columns) = self.columns.get(segment as usize).cloned() else {
            return Err(tantivy::TantivyError::InternalError(format!(
                "no columns opened for segment {segment} ({} documents)",
                reader.num_docs()
            )));
        };
        if !self.plan.facets {
            columns.facets.clear();
        }
        let facet_counts = columns
            .facets
            .iter()
            .map(|(_, column)| FacetCounts::new(column.as_ref()))
            .collect();
        let none_expired = columns.expires.as_ref().is_some_and(|column| {
            column.get_cardinality() == Cardinality::Full
                && column.min_value() > self.plan.now_micros
        });
        Ok(ListingSegmentCollector {
            plan: self.plan.clone(),
            segment,
            columns,
            none_expired,
            total: 0,
            heap: BinaryHeap::new(),
            facet_counts,
            facet_docs: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.plan.scored
    }

    fn merge_fruits(
        &self,
        fruits: Vec<tantivy::Result<SegmentFruit>>,
    ) -> tantivy::Result<Collected> {
        let mut collected = Collected::default();
        for fruit in fruits {
            let fruit = fruit?;
            collected.total += fruit.total;
            collected.hits.extend(fruit.hits);
            for (name, counts) in fruit.facets {
                let merged = collected.facets.entry(name).or_default();
                for (value, count) in counts {
                    *merged.entry(value).or_default() += count;
                }
            }
        }
        // Best first, ties by id. Within a segment the id column's ordinals follow the
        // ids, so ids are read only for ties between segments (rare when ranking by
        // score): reading an id decodes a dictionary block.
        let hits = &mut collected.hits;
        hits.sort_by(|a, b| {
            a.key
                .total_cmp(&b.key)
                .then(a.address.segment_ord.cmp(&b.address.segment_ord))
                .then(a.id_ord.cmp(&b.id_ord))
        });
        let keep = self.plan.keep.min(hits.len());
        let mut start = 0;
        while start < keep {
            let Some(key) = hits.get(start).map(|hit| hit.key) else {
                break;
            };
            let tied = hits
                .iter()
                .skip(start)
                .take_while(|hit| hit.key.total_cmp(&key) == Ordering::Equal)
                .count()
                .max(1);
            if let Some(run) = hits.get_mut(start..start + tied) {
                let first_segment = run.first().map(|hit| hit.address.segment_ord);
                if run
                    .iter()
                    .any(|hit| Some(hit.address.segment_ord) != first_segment)
                {
                    resolve_ids(run, &self.columns)?;
                    run.sort_by(|a, b| a.id.cmp(&b.id));
                }
            }
            start += tied;
        }
        hits.truncate(keep);
        Ok(collected)
    }
}

/// Fills in the hits' ids, segment by segment in ordinal order: that walks each id
/// dictionary once, where resolving each id on its own seeks a block per hit.
pub(crate) fn resolve_ids(hits: &mut [Found], columns: &[Columns]) -> tantivy::Result<()> {
    let mut order: Vec<(SegmentOrdinal, u64, usize)> = hits
        .iter()
        .enumerate()
        .map(|(i, hit)| (hit.address.segment_ord, hit.id_ord, i))
        .collect();
    order.sort_unstable();
    for group in order.chunk_by(|a, b| a.0 == b.0) {
        let Some(column) = group
            .first()
            .and_then(|(segment, _, _)| columns.get(*segment as usize))
            .and_then(|columns| columns.id.as_ref())
        else {
            continue;
        };
        let ords: Vec<u64> = group.iter().map(|&(_, ord, _)| ord).collect();
        let mut targets = group.iter().map(|&(_, _, i)| i);
        column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
            if let Some(hit) = targets.next().and_then(|i| hits.get_mut(i)) {
                hit.id = Some(String::from_utf8_lossy(bytes).into_owned());
            }
        })?;
    }
    Ok(())
}

fn first<T: PartialOrd + Copy + Send + Sync + std::fmt::Debug + 'static>(
    column: &Option<Column<T>>,
    doc: DocId,
) -> Option<T> {
    column.as_ref().and_then(|c| c.first(doc))
}

impl ListingSegmentCollector {
    /// The sort key (smaller is better) and the distance, or `None` when a filter
    /// rejects the document.
    fn accept(&self, doc: DocId, score: Score) -> Option<(f64, Option<f64>)> {
        let c = &self.columns;
        let plan = &self.plan;
        // A listing without an expiry date cannot be valid: treat as expired.
        if !self.none_expired
            && first(&c.expires, doc).is_none_or(|expires| expires <= plan.now_micros)
        {
            return None;
        }
        if let Some(max) = plan.max_price
            && first(&c.price, doc).is_none_or(|price| price > max)
        {
            return None;
        }
        if let Some(min) = plan.min_capacity
            && first(&c.capacity, doc).is_none_or(|capacity| capacity < min)
        {
            return None;
        }
        if let Some(day) = plan.available_on {
            if first(&c.available_from, doc).is_some_and(|from| from > day) {
                return None;
            }
            if first(&c.available_until, doc).is_some_and(|until| until < day) {
                return None;
            }
        }
        if let Some((low, high)) = plan.trl {
            // Overlap of [trl_min, trl_max] with [low, high]; a missing bound is open.
            if first(&c.trl_min, doc).is_some_and(|min| min > high) {
                return None;
            }
            if first(&c.trl_max, doc).is_some_and(|max| max < low) {
                return None;
            }
        }
        let distance = match plan.near {
            Some((center, radius)) => {
                let lat = first(&c.lat, doc)?;
                // Without the bounding box in the query (see `SearchIndex::search`) most
                // matches are far away: their latitude alone settles it.
                if latitudes_too_far(center.lat, lat, radius) {
                    return None;
                }
                let point = GeoPoint {
                    lat,
                    lon: first(&c.lon, doc)?,
                };
                let distance = haversine_km(center, point);
                if distance > radius {
                    return None;
                }
                Some(distance)
            }
            None => None,
        };
        let key = match plan.sort {
            SortKey::Score => -f64::from(score),
            SortKey::Distance => distance.unwrap_or(f64::INFINITY),
            // Microseconds since the epoch fit exactly in an f64 until the year 2255.
            SortKey::Newest => first(&c.published, doc).map_or(f64::INFINITY, |p| -(p as f64)),
            SortKey::Price => first(&c.price, doc).map_or(f64::INFINITY, |p| p as f64),
        };
        Some((key, distance))
    }

    /// Counts the facet values of the matches waiting in `facet_docs`, column by column.
    fn count_facets(&mut self) {
        if self.facet_docs.is_empty() {
            return;
        }
        let mut docs = Vec::with_capacity(self.facet_docs.len());
        let mut rows = Vec::with_capacity(self.facet_docs.len());
        let mut ords = Vec::new();
        for ((_, column), counts) in self.columns.facets.iter().zip(self.facet_counts.iter_mut()) {
            let Some(column) = column else {
                continue;
            };
            let ord_column = column.ords();
            docs.clear();
            rows.clear();
            ord_column.row_ids_for_docs(&self.facet_docs, &mut docs, &mut rows);
            ords.clear();
            ords.resize(rows.len(), 0);
            ord_column.values.get_vals(&rows, &mut ords);
            for &ord in &ords {
                counts.add(ord);
            }
        }
        self.facet_docs.clear();
    }
}

impl SegmentCollector for ListingSegmentCollector {
    type Fruit = tantivy::Result<SegmentFruit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some((key, distance)) = self.accept(doc, score) else {
            return;
        };
        self.total += 1;
        if !self.columns.facets.is_empty() {
            self.facet_docs.push(doc);
            if self.facet_docs.len() >= FACET_BATCH {
                self.count_facets();
            }
        }
        if self.plan.keep == 0 {
            return;
        }
        // Most matches of a large search rank below the kept ones; they are turned
        // away on their key alone, without reading their id.
        if self.heap.len() >= self.plan.keep
            && self
                .heap
                .peek()
                .is_some_and(|worst| key.total_cmp(&worst.key) == Ordering::Greater)
        {
            return;
        }
        let ord = self
            .columns
            .id
            .as_ref()
            .and_then(|c| c.term_ords(doc).next())
            .unwrap_or(u64::MAX);
        let candidate = Candidate {
            key,
            ord,
            doc,
            score,
            distance,
        };
        if self.heap.len() < self.plan.keep {
            self.heap.push(candidate);
        } else if self.heap.peek().is_some_and(|worst| candidate < *worst) {
            self.heap.pop();
            self.heap.push(candidate);
        }
    }

    fn harvest(mut self) -> Self::Fruit {
        self.count_facets();
        let mut hits = Vec::with_capacity(self.heap.len());
        for candidate in self.heap.into_vec() {
            hits.push(Found {
                address: DocAddress::new(self.segment, candidate.doc),
                id: None,
                id_ord: candidate.ord,
                score: candidate.score,
                distance_km: candidate.distance,
                key: candidate.key,
            });
        }
        let mut facets = Vec::with_capacity(self.facet_counts.len());
        let columns = self.columns.facets.iter().zip(&self.columns.facet_values);
        for (((name, column), values), counts) in columns.zip(self.facet_counts) {
            let mut by_value: HashMap<String, u64> = HashMap::new();
            if let Some(values) = values {
                for (ord, count) in counts.into_sorted() {
                    if let Some(value) = usize::try_from(ord).ok().and_then(|i| values.get(i)) {
                        *by_value.entry(value.clone()).or_default() += u64::from(count);
                    }
                }
            } else if let Some(column) = column {
                // Resolving ordinals in order walks the dictionary once instead of
                // seeking it per value.
                let counted = counts.into_sorted();
                let ords: Vec<u64> = counted.iter().map(|(ord, _)| *ord).collect();
                let mut counts = counted.iter().map(|(_, count)| *count);
                column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                    let count = counts.next().unwrap_or_default();
                    let value = String::from_utf8_lossy(bytes).into_owned();
                    *by_value.entry(value).or_default() += u64::from(count);
                })?;
            }
            facets.push((*name, by_value));
        }
        Ok(SegmentFruit {
            total: self.total,
            hits,
            facets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounding_boxes_hold_every_point_within_the_radius() {
        // Points on the circle in every direction, for centres near the equator, in
        // Europe, near a pole and near the antimeridian.
        let centres = [
            (0.0, 0.0),
            (44.49, 11.34),
            (60.17, 24.94),
            (89.5, 10.0),
            (10.0, 179.9),
        ];
        for (lat, lon) in centres {
            let center = GeoPoint { lat, lon };
            for radius in [0.5, 10.0, 75.0, 500.0, 3000.0] {
                let ((south, north), longitudes) = bounding_box(center, radius);
                for step in 0..360 {
                    let bearing = f64::from(step).to_radians();
                    let point = destination(center, bearing, radius * 0.999_999);
                    assert!(haversine_km(center, point) <= radius);
                    assert!(
                        (south..=north).contains(&point.lat),
                        "{center:?} {radius} {point:?}"
                    );
                    if let Some((west, east)) = longitudes {
                        assert!(
                            (west..=east).contains(&point.lon),
                            "{center:?} {radius} {point:?}"
                        );
                    }
                }
            }
        }
        // Near the antimeridian or a pole the longitude is left to the exact check.
        assert!(
            bounding_box(
                GeoPoint {
                    lat: 10.0,
                    lon: 179.9
                },
                75.0
            )
            .1
            .is_none()
        );
        assert!(
            bounding_box(
                GeoPoint {
                    lat: 89.5,
                    lon: 10.0
                },
                75.0
            )
            .1
            .is_none()
        );
        assert!(
            bounding_box(
                GeoPoint {
                    lat: 44.49,
                    lon: 11.34
                },
                75.0
            )
            .1
            .is_some()
        );
    }

    /// The point `distance_km` from `start` along the great circle at `bearing`.
    fn destination(start: GeoPoint, bearing: f64, distance_km: f64) -> GeoPoint {
        let angle = distance_km / EARTH_RADIUS_KM;
        let lat1 = start.lat.to_radians();
        let lat2 = (lat1.sin() * angle.cos() + lat1.cos() * angle.sin() * bearing.cos()).asin();
        let lon2 = start.lon.to_radians()
            + (bearing.sin() * angle.sin() * lat1.cos())
                .atan2(angle.cos() - lat1.sin() * lat2.sin());
        let lon = (lon2.to_degrees() + 540.0) % 360.0 - 180.0;
        GeoPoint {
            lat: lat2.to_degrees(),
            lon,
        }
    }

    #[test]
    fn haversine_bologna_milan() {
        let bologna = GeoPoint {
            lat: 44.4949,
            lon: 11.3426,
        };
        let milan = GeoPoint {
            lat: 45.4642,
            lon: 9.19,
        };
        let d = haversine_km(bologna, milan);
        assert!((d - 200.6).abs() < 2.0, "{d}");
        assert!(haversine_km(bologna, bologna) < 1e-9);
    }
}
