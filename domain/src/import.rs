//! Bulk import of organisations and listings from CSV or JSON Lines files, as the
//! `ponte import` command offers it: one documented column set per kind (the templates
//! in `datasets/templates/`), every row checked by the same rules a member's edit
//! meets, and a report that names each bad row and field.
//!
//! A file is taken as a whole or not at all only for what concerns the whole file: an
//! unknown, missing or repeated column, more than [`MAX_ROWS`] rows, or a field over
//! [`MAX_FIELD_BYTES`]. Past those checks each row stands alone: bad rows are reported
//! and skipped, good rows are imported. Organisations are matched by ROR id, PIC or VAT
//! number and listings by `source_ref`, so importing a file again changes nothing.
//!
//! It deliberately does not update records that already exist (a match is reported,
//! never overwritten), does not create the organisation a listing row refers to, and
//! does not run rows in one transaction: a file of a million rows must not hold the
//! database's write lock for minutes.

use crate::error::{Error, ErrorKind, Result};
use crate::hub::{Hub, ImportListing, ImportOutcome};
use crate::model::*;
use crate::validate;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A file with more data rows than this is refused before anything is imported.
pub const MAX_ROWS: u64 = 1_000_000;
/// A file with a single field (or, in JSON Lines, a string) longer than this is refused.
pub const MAX_FIELD_BYTES: usize = 100 * 1024;
/// A JSON Lines line longer than this is refused: no valid row comes close.
const MAX_LINE_BYTES: usize = 1024 * 1024;
/// The report keeps this many row errors; past it only a count is added, so that a
/// million bad rows do not become a million messages in memory.
const MAX_REPORTED_ERRORS: usize = 10_000;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    Organisations,
    Expertise,
    Facility,
    Space,
}

impl ImportKind {
    pub const ALL: &'static [ImportKind] = &[
        ImportKind::Organisations,
        ImportKind::Expertise,
        ImportKind::Facility,
        ImportKind::Space,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Organisations => "organisations",
            ImportKind::Expertise => "expertise",
            ImportKind::Facility => "facility",
            ImportKind::Space => "space",
        }
    }

    /// Parses `organisations`, `expertise`, `facility` or `space`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        ImportKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                format!("`{text}` is not one of: organisations, expertise, facility, space")
            })
    }

    /// The kind of listing the file creates; `None` for organisations.
    pub fn listing_kind(self) -> Option<ListingKind> {
        match self {
            ImportKind::Organisations => None,
            ImportKind::Expertise => Some(ListingKind::Expertise),
            ImportKind::Facility => Some(ListingKind::Facility),
            ImportKind::Space => Some(ListingKind::Space),
        }
    }

    /// Every column a file of this kind may have, in the template's order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Organisations => ORGANISATION_COLUMNS,
            ImportKind::Expertise => EXPERTISE_COLUMNS,
            ImportKind::Facility => FACILITY_COLUMNS,
            ImportKind::Space => SPACE_COLUMNS,
        }
    }

    /// The columns without which no row could be valid.
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Organisations => &["kind", "name", "country"],
            ImportKind::Expertise | ImportKind::Facility => &["organisation", "title", "language"],
            ImportKind::Space => &["organisation", "title", "language", "space_type"],
        }
    }
}

impl std::str::FromStr for ImportKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        ImportKind::parse(text)
    }
}

impl std::fmt::Display for ImportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportFormat {
    /// Comma-separated, UTF-8, with a header row naming the columns.
    Csv,
    /// One JSON object per line, keyed by the same column names.
    JsonLines,
}

impl ImportFormat {
    /// Chooses the format from the file extension: `.csv`, `.jsonl` or `.ndjson`.
    pub fn from_path(path: &Path) -> Result<Self, String> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        ImportFormat::parse(&extension).map_err(|_| {
            format!(
                "cannot tell the format of `{}`: name it .csv, .jsonl or .ndjson",
                path.display()
            )
        })
    }

    /// Parses `csv`, `jsonl` or `ndjson`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(ImportFormat::Csv),
            "jsonl" | "ndjson" => Ok(ImportFormat::JsonLines),
            other => Err(format!("`{other}` is not one of: csv, jsonl, ndjson")),
        }
    }
}

impl std::str::FromStr for ImportFormat {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        ImportFormat::parse(text)
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read; the CSV header is not a row, nor is a blank line.
    pub rows: u64,
    pub created: u64,
    /// Rows whose record already existed (same ROR id, PIC, VAT number or
    /// `source_ref`), left unchanged.
    pub matched: u64,
    /// Every row that was skipped, and why. Row 0 is the file as a whole (its header).
    pub errors: Vec<RowError>,
}

/// Why one row was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based data row (for JSON Lines, the line); 0 for the header.
    pub row: u64,
    /// The column at fault, when one is.
    pub field: Option<String>,
    /// A stable snake_case code, the domain's where the domain refused the value.
    pub code: String,
    pub message: String,
}

impl RowError {
    fn new(row: u64, field: Option<&str>, code: &str, message: impl Into<String>) -> Self {
        RowError {
            row,
            field: field.map(str::to_owned),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, &self.field) {
            (0, Some(field)) => write!(f, "header, `{field}`: {} ({})", self.message, self.code),
            (0, None) => write!(f, "file: {} ({})", self.message, self.code),
            (row, Some(field)) => {
                write!(f, "row {row}, `{field}`: {} ({})", self.message, self.code)
            }
            (row, None) => write!(f, "row {row}: {} ({})", self.message, self.code),
        }
    }
}

const ORGANISATIONS_TEMPLATE: &str = include_str!("../../datasets/templates/organisations.csv");
const EXPERTISE_TEMPLATE: &str = include_str!("../../datasets/templates/expertise.csv");
const FACILITY_TEMPLATE: &str = include_str!("../../datasets/templates/facility.csv");
const SPACE_TEMPLATE: &str = include_str!("../../datasets/templates/space.csv");

/// The CSV header and one example row for a kind; `datasets/templates/README.md`
/// documents every column.
pub fn template(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Organisations => ORGANISATIONS_TEMPLATE,
        ImportKind::Expertise => EXPERTISE_TEMPLATE,
        ImportKind::Facility => FACILITY_TEMPLATE,
        ImportKind::Space => SPACE_TEMPLATE,
    }
}

const ORGANISATION_COLUMNS: &[&str] = &[
    "kind",
    "name",
    "description",
    "website",
    "ror_id",
    "pic",
    "vat",
    "country",
    "region",
    "nuts_code",
    "city",
    "latitude",
    "longitude",
    "contact_name",
    "contact_email",
    "contact_phone",
];

/// The columns every listing kind shares, then the kind's own, so the shared part is
/// written once.
macro_rules! listing_columns {
    ($($own:literal),* $(,)?) => {
        &[
            "organisation", "title", "language", "summary", "description", "topics",
            "topic_codes", "country", "region", "nuts_code", "city", "latitude", "longitude",
            "expires_at", "status", "source_ref", $($own),*
        ]
    };
}

const EXPERTISE_COLUMNS: &[&str] = listing_columns!(
    "techniques",
    "industries",
    "engagement_modes",
    "trl_min",
    "trl_max",
    "languages",
    "researchers"
);

const FACILITY_COLUMNS: &[&str] = listing_columns!(
    "equipment",
    "techniques",
    "accreditation",
    "access_mode",
    "price_from",
    "external_price_from",
    "price_unit",
    "currency",
    "turnaround_days"
);

const SPACE_COLUMNS: &[&str] = listing_columns!(
    "space_type",
    "capacity",
    "area_m2",
    "monthly_price",
    "currency",
    "available_from",
    "available_until",
    "amenities",
    "eligible_stages",
    "eligible_sectors"
);

/// Imports a file of one kind.
///
/// Returns `Err` only when the file cannot be read at all, breaks a limit
/// ([`MAX_ROWS`], [`MAX_FIELD_BYTES`]), or the database fails; then nothing (or, for a
/// database failure, only the rows before it) was imported. A header with an unknown,
/// missing or repeated column comes back as row-0 errors with nothing imported.
/// Otherwise every row is validated, bad ones are reported and skipped, and good ones
/// are written unless `dry_run`. `progress` hears the number of rows done; it is `Send`
/// so that an import can run in a spawned task.
///
/// The input is first copied to a private temporary file, so the limits can be
/// checked on the whole file before the first row is written, whatever the reader.
/// Reading is blocking I/O, which suits the command line this serves.
pub async fn import(
    hub: &Hub,
    kind: ImportKind,
    format: ImportFormat,
    reader: impl Read,
    dry_run: bool,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<ImportReport> {
    let mut spool = Spool::create()?;
    spool.fill(reader)?;
    let header_errors = match format {
        ImportFormat::Csv => scan_csv(&mut spool.file, kind)?,
        ImportFormat::JsonLines => scan_json_lines(&mut spool.file, kind)?,
    };
    if !header_errors.is_empty() {
        return Ok(ImportReport {
            errors: header_errors,
            ..ImportReport::default()
        });
    }
    spool.rewind()?;
    let mut importer = Importer {
        hub,
        kind,
        dry_run,
        report: ImportReport::default(),
        suppressed: 0,
        organisations: HashMap::new(),
        seen: HashSet::new(),
    };
    match format {
        ImportFormat::Csv => {
            let mut rows = csv_reader(&mut spool.file);
            let mut record = csv::ByteRecord::new();
            let header = match rows.read_byte_record(&mut record) {
                Ok(true) => header_names(&record),
                Ok(false) => Vec::new(),
                Err(error) => return Err(read_error(error)),
            };
            let mut number = 0;
            loop {
                match rows.read_byte_record(&mut record) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(error) => return Err(read_error(error)),
                }
                number += 1;
                let row = csv_row(number, &header, &record, kind);
                importer.row(number, row).await?;
                progress(importer.report.rows);
            }
        }
        ImportFormat::JsonLines => {
            let mut lines = BufReader::new(&mut spool.file);
            let mut line = Vec::new();
            let mut number = 0;
            while read_line(&mut lines, &mut line)? {
                number += 1;
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let row = json_row(number, &line, kind);
                importer.row(number, row).await?;
                progress(importer.report.rows);
            }
        }
    }
    Ok(importer.finish())
}

/// The input, copied to a temporary file only this process can read, removed when the
/// import ends (or, on Unix, as soon as it is open: nothing is left behind even if the
/// process is killed).
struct Spool {
    file: File,
    path: Option<PathBuf>,
}

impl Spool {
    fn create() -> Result<Spool> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "ponte-import-{}-{}-{}.tmp",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            nanos
        ));
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(|error| {
            Error::internal("cannot create a temporary file for the import", error)
        })?;
        // Unix lets an open file outlive its name; elsewhere the name goes on drop.
        let path = if cfg!(unix) && std::fs::remove_file(&path).is_ok() {
            None
        } else {
            Some(path)
        };
        Ok(Spool { file, path })
    }

    fn fill(&mut self, mut reader: impl Read) -> Result<()> {
        std::io::copy(&mut reader, &mut self.file).map_err(|error| {
            Error::new(
                ErrorKind::InvalidInput,
                "file_unreadable",
                format!("the file could not be read: {error}"),
            )
        })?;
        self.rewind()
    }

    fn rewind(&mut self) -> Result<()> {
        self.file
            .seek(SeekFrom::Start(0))
            .map(|_| ())
            .map_err(|error| Error::internal("cannot reread the import's temporary file", error))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            // Best effort: a leftover file in the temp directory is harmless.
            let _ = std::fs::remove_file(path);
        }
    }
}

fn read_error(error: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        "file_unreadable",
        format!("the file could not be read: {error}"),
    )
}

fn too_many_rows() -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        "file_too_many_rows",
        format!(
            "the file has more than {MAX_ROWS} rows; split it into smaller files \
             (nothing was imported)"
        ),
    )
    .with_field("file")
}

fn field_too_large(row: u64, field: &str) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        "field_too_large",
        format!(
            "row {row}: `{field}` is over {} KB; no field may be that long (an unclosed \
             quote can also cause this). Nothing was imported",
            MAX_FIELD_BYTES / 1024
        ),
    )
    .with_field(field)
}

fn csv_reader<R: Read>(input: R) -> csv::Reader<R> {
    // Flexible, so that a row with the wrong number of fields is reported as that row's
    // error rather than ending the whole file.
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
}

/// The header's column names: trimmed, lower case, without a UTF-8 byte order mark.
fn header_names(record: &csv::ByteRecord) -> Vec<String> {
    record
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            let bytes = if index == 0 {
                bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
            } else {
                bytes
            };
            String::from_utf8_lossy(bytes).trim().to_lowercase()
        })
        .collect()
}

/// Why a column name is not one this kind accepts.
fn unknown_column(kind: ImportKind, name: &str) -> String {
    let owner = ImportKind::ALL
        .iter()
        .find(|other| other.columns().contains(&name));
    match owner {
        Some(owner) => {
            format!("`{name}` is a column of {owner} files, not of {kind} files; remove it")
        }
        None => format!(
            "`{name}` is not a column of {kind} files; the columns are: {}",
            kind.columns().join(", ")
        ),
    }
}

/// Checks the header and the limits on the whole file before any row is imported.
fn scan_csv(file: &mut File, kind: ImportKind) -> Result<Vec<RowError>> {
    let mut rows = csv_reader(BufReader::new(&mut *file));
    let mut record = csv::ByteRecord::new();
    if !rows.read_byte_record(&mut record).map_err(read_error)? {
        return Ok(vec![RowError::new(
            0,
            None,
            "file_empty",
            "the file is empty: it needs a header row naming the columns",
        )]);
    }
    let header = header_names(&record);
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (index, name) in header.iter().enumerate() {
        if name.is_empty() {
            errors.push(RowError::new(
                0,
                None,
                "column_unnamed",
                format!("column {} has no name in the header", index + 1),
            ));
        } else if !kind.columns().contains(&name.as_str()) {
            errors.push(RowError::new(
                0,
                Some(name),
                "column_unknown",
                unknown_column(kind, name),
            ));
        } else if !seen.insert(name.as_str()) {
            errors.push(RowError::new(
                0,
                Some(name),
                "column_duplicate",
                format!("`{name}` appears twice in the header"),
            ));
        }
    }
    for required in kind.required_columns() {
        if !header.iter().any(|name| name == required) {
            errors.push(RowError::new(
                0,
                Some(required),
                "column_missing",
                format!("the header lacks the required column `{required}`"),
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(errors);
    }
    let mut count: u64 = 0;
    while rows.read_byte_record(&mut record).map_err(read_error)? {
        count += 1;
        if count > MAX_ROWS {
            return Err(too_many_rows());
        }
        if let Some(index) = record
            .iter()
            .position(|field| field.len() > MAX_FIELD_BYTES)
        {
            let name = header.get(index).map(String::as_str).unwrap_or("?");
            return Err(field_too_large(count, name));
        }
    }
    Ok(Vec::new())
}

/// Reads one line (without its end) into `line`; false at the end of the input.
/// Refuses a line over [`MAX_LINE_BYTES`] without reading the rest of it into memory.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> Result<bool> {
    line.clear();
    let limit = MAX_LINE_BYTES as u64 + 1;
    let read = input
        .take(limit)
        .read_until(b'\n', line)
        .map_err(read_error)?;
    if read == 0 {
        return Ok(false);
    }
    if line.len() > MAX_LINE_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "line_too_long",
            format!(
                "a line is over {} KB; each line must hold one record (nothing was imported)",
                MAX_LINE_BYTES / 1024
            ),
        )
        .with_field("file"));
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(true)
}

/// The longest string anywhere inside a JSON value, in bytes.
fn longest_string(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::String(text) => text.len(),
        serde_json::Value::Array(items) => items.iter().map(longest_string).max().unwrap_or(0),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(key, value)| key.len().max(longest_string(value)))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// JSON Lines has no header, so the keys of every line are checked instead: an
/// unknown key anywhere refuses the file, as an unknown CSV column would.
fn scan_json_lines(file: &mut File, kind: ImportKind) -> Result<Vec<RowError>> {
    let mut lines = BufReader::new(&mut *file);
    let mut line = Vec::new();
    let mut number: u64 = 0;
    let mut count: u64 = 0;
    let mut errors = Vec::new();
    let mut reported = HashSet::new();
    while read_line(&mut lines, &mut line)? {
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            return Err(too_many_rows());
        }
        // A line that does not parse is that row's error, found again when importing.
        let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(&line) else {
            continue;
        };
        for (key, value) in &object {
            if longest_string(value) > MAX_FIELD_BYTES {
                return Err(field_too_large(number, key));
            }
            if !kind.columns().contains(&key.as_str()) && reported.insert(key.clone()) {
                errors.push(RowError::new(
                    0,
                    Some(key),
                    "column_unknown",
                    format!("line {number}: {}", unknown_column(kind, key)),
                ));
            }
        }
    }
    if count == 0 {
        errors.push(RowError::new(
            0,
            None,
            "file_empty",
            "the file holds no records",
        ));
    }
    Ok(errors)
}

/// One cell as read: CSV gives text, JSON Lines gives a JSON value.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Json(serde_json::Value),
}

type Cells = HashMap<&'static str, Cell>;

fn column_name(kind: ImportKind, name: &str) -> Option<&'static str> {
    kind.columns()
        .iter()
        .copied()
        .find(|column| *column == name)
}

fn csv_row(
    number: u64,
    header: &[String],
    record: &csv::ByteRecord,
    kind: ImportKind,
) -> std::result::Result<Cells, RowError> {
    if record.len() != header.len() {
        return Err(RowError::new(
            number,
            None,
            "row_malformed",
            format!(
                "the row has {} fields but the header has {} columns",
                record.len(),
                header.len()
            ),
        ));
    }
    let mut cells = Cells::new();
    for (name, bytes) in header.iter().zip(record.iter()) {
        let Some(column) = column_name(kind, name) else {
            continue;
        };
        let text = std::str::from_utf8(bytes).map_err(|_| {
            RowError::new(
                number,
                Some(column),
                "row_malformed",
                "the value is not valid UTF-8; save the file as UTF-8",
            )
        })?;
        cells.insert(column, Cell::Text(text.to_owned()));
    }
    Ok(cells)
}

fn json_row(number: u64, line: &[u8], kind: ImportKind) -> std::result::Result<Cells, RowError> {
    if std::str::from_utf8(line).is_err() {
        return Err(RowError::new(
            number,
            None,
            "row_malformed",
            "the line is not valid UTF-8; save the file as UTF-8",
        ));
    }
    let object = match serde_json::from_slice::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(object)) => object,
        Ok(_) => {
            return Err(RowError::new(
                number,
                None,
                "row_malformed",
                "the line is JSON but not an object; write one {…} record per line",
            ));
        }
        Err(error) => {
            return Err(RowError::new(
                number,
                None,
                "row_malformed",
                format!("the line is not valid JSON: {error}"),
            ));
        }
    };
    let mut cells = Cells::new();
    for (key, value) in object {
        // Unknown keys were refused by the scan; skipping here keeps this total.
        if let Some(column) = column_name(kind, &key) {
            cells.insert(column, Cell::Json(value));
        }
    }
    Ok(cells)
}

/// Reads typed values out of one row's cells, collecting every problem it meets so
/// that a row reports all its bad fields at once.
struct Fields<'a> {
    row: u64,
    cells: &'a Cells,
    errors: Vec<RowError>,
}

impl Fields<'_> {
    fn fail(&mut self, field: &str, code: &str, message: String) {
        self.errors
            .push(RowError::new(self.row, Some(field), code, message));
    }

    /// The cell as text; empty text and JSON `null` are "not given".
    fn text(&mut self, field: &'static str) -> Option<String> {
        let text = match self.cells.get(field)? {
            Cell::Text(text) => text.clone(),
            Cell::Json(serde_json::Value::Null) => return None,
            Cell::Json(serde_json::Value::String(text)) => text.clone(),
            Cell::Json(serde_json::Value::Number(number)) => number.to_string(),
            Cell::Json(serde_json::Value::Bool(flag)) => flag.to_string(),
            Cell::Json(_) => {
                self.fail(
                    field,
                    "type_invalid",
                    format!("`{field}` must be a single value, not a list or object"),
                );
                return None;
            }
        };
        (!text.trim().is_empty()).then_some(text)
    }

    /// A list: `;`-separated in CSV, an array of strings in JSON Lines.
    fn list(&mut self, field: &'static str) -> Option<Vec<String>> {
        let split = |text: &str| -> Vec<String> {
            text.split(';')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        };
        match self.cells.get(field)? {
            Cell::Text(text) if text.trim().is_empty() => None,
            Cell::Text(text) => Some(split(text)),
            Cell::Json(serde_json::Value::Null) => None,
            Cell::Json(serde_json::Value::String(text)) => Some(split(text)),
            Cell::Json(serde_json::Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        serde_json::Value::String(text) => out.push(text.trim().to_owned()),
                        serde_json::Value::Number(number) => out.push(number.to_string()),
                        _ => {
                            self.fail(
                                field,
                                "type_invalid",
                                format!("`{field}` must be an array of strings"),
                            );
                            return None;
                        }
                    }
                }
                Some(out)
            }
            Cell::Json(_) => {
                self.fail(
                    field,
                    "type_invalid",
                    format!("`{field}` must be an array of strings"),
                );
                None
            }
        }
    }

    fn integer(&mut self, field: &'static str) -> Option<i64> {
        let text = self.text(field)?;
        match text.trim().parse::<i64>() {
            Ok(value) => Some(value),
            Err(_) => {
                self.fail(
                    field,
                    "number_invalid",
                    format!("`{field}` must be a whole number, not `{}`", text.trim()),
                );
                None
            }
        }
    }

    fn decimal(&mut self, field: &'static str) -> Option<f64> {
        let text = self.text(field)?;
        match text.trim().parse::<f64>() {
            Ok(value) if value.is_finite() => Some(value),
            _ => {
                self.fail(
                    field,
                    "number_invalid",
                    format!(
                        "`{field}` must be a decimal number with a point, not `{}`",
                        text.trim()
                    ),
                );
                None
            }
        }
    }

    fn date(&mut self, field: &'static str) -> Option<NaiveDate> {
        let text = self.text(field)?;
        match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                self.fail(
                    field,
                    "date_invalid",
                    format!(
                        "`{field}` must be a date written YYYY-MM-DD, not `{}`",
                        text.trim()
                    ),
                );
                None
            }
        }
    }

    /// A date (the listing stays up to the end of that day, UTC) or an RFC 3339 time.
    fn moment(&mut self, field: &'static str) -> Option<DateTime<Utc>> {
        let text = self.text(field)?;
        let text = text.trim();
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
            return Some(date.and_time(end_of_day).and_utc());
        }
        match DateTime::parse_from_rfc3339(text) {
            Ok(moment) => Some(moment.with_timezone(&Utc)),
            Err(_) => {
                self.fail(
                    field,
                    "date_invalid",
                    format!("`{field}` must be a date written YYYY-MM-DD, not `{text}`"),
                );
                None
            }
        }
    }

    fn choice<T>(
        &mut self,
        field: &'static str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.text(field)?;
        match parse(text.trim()) {
            Ok(value) => Some(value),
            Err(message) => {
                self.fail(field, "choice_invalid", message);
                None
            }
        }
    }

    fn choices<T>(
        &mut self,
        field: &'static str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<Vec<T>> {
        let items = self.list(field)?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match parse(&item) {
                Ok(value) => out.push(value),
                Err(message) => {
                    self.fail(field, "choice_invalid", message);
                    return None;
                }
            }
        }
        Some(out)
    }

    /// In CSV, `Name (Role) <email>` entries separated by `;` (role and email
    /// optional); in JSON Lines, an array of researcher objects.
    fn researchers(&mut self, field: &'static str) -> Option<Vec<Researcher>> {
        if let Some(Cell::Json(value @ serde_json::Value::Array(_))) = self.cells.get(field) {
            return match serde_json::from_value::<Vec<Researcher>>(value.clone()) {
                Ok(researchers) => Some(researchers),
                Err(error) => {
                    self.fail(
                        field,
                        "researcher_invalid",
                        format!(
                            "`{field}` must be an array of objects with `name` and optional \
                             `role`, `email`, `phone`, `informed`: {error}"
                        ),
                    );
                    None
                }
            };
        }
        let items = self.list(field)?;
        Some(items.iter().map(|item| parse_researcher(item)).collect())
    }
}

/// `Maria Rossi (Head of lab) <maria.rossi@example.org>` → name, role, email. Stored
/// as not yet informed: a file cannot vouch that the person was told.
fn parse_researcher(text: &str) -> Researcher {
    let mut rest = text.trim();
    let mut email = None;
    if rest.ends_with('>')
        && let Some(open) = rest.rfind('<')
    {
        email = Some(rest[open + 1..rest.len() - 1].trim().to_owned());
        rest = rest[..open].trim();
    }
    let mut role = None;
    if rest.ends_with(')')
        && let Some(open) = rest.rfind('(')
    {
        role = Some(rest[open + 1..rest.len() - 1].trim().to_owned());
        rest = rest[..open].trim();
    }
    Researcher {
        name: rest.to_owned(),
        role: role.filter(|r| !r.is_empty()),
        email: email.filter(|e| !e.is_empty()),
        phone: None,
        informed: false,
    }
}

fn organisation_from(fields: &mut Fields<'_>) -> NewOrganisation {
    NewOrganisation {
        kind: fields.choice("kind", OrganisationKind::parse),
        name: fields.text("name").unwrap_or_default(),
        description: fields.text("description").unwrap_or_default(),
        website: fields.text("website"),
        ror_id: fields.text("ror_id"),
        pic: fields.text("pic"),
        vat: fields.text("vat"),
        location: Location {
            country: fields.text("country").unwrap_or_default(),
            region: fields.text("region"),
            nuts_code: fields.text("nuts_code"),
            city: fields.text("city"),
            latitude: fields.decimal("latitude"),
            longitude: fields.decimal("longitude"),
        },
        contact: Contact {
            name: fields.text("contact_name"),
            email: fields.text("contact_email"),
            phone: fields.text("contact_phone"),
        },
        source: Some("import".to_owned()),
    }
}

fn listing_fields_from(fields: &mut Fields<'_>, kind: ListingKind) -> ListingFields {
    let mut out = ListingFields {
        title: fields.text("title"),
        language: fields.text("language"),
        summary: fields.text("summary"),
        description: fields.text("description"),
        topics: fields.list("topics"),
        topic_codes: fields.list("topic_codes"),
        country: fields.text("country"),
        region: fields.text("region"),
        nuts_code: fields.text("nuts_code"),
        city: fields.text("city"),
        latitude: fields.decimal("latitude"),
        longitude: fields.decimal("longitude"),
        expires_at: fields.moment("expires_at"),
        ..ListingFields::default()
    };
    match kind {
        ListingKind::Expertise => {
            out.techniques = fields.list("techniques");
            out.industries = fields.list("industries");
            out.engagement_modes = fields.choices("engagement_modes", EngagementMode::parse);
            out.trl_min = fields.integer("trl_min");
            out.trl_max = fields.integer("trl_max");
            out.languages = fields.list("languages");
            out.researchers = fields.researchers("researchers");
        }
        ListingKind::Facility => {
            out.equipment = fields.list("equipment");
            out.techniques = fields.list("techniques");
            out.accreditation = fields.list("accreditation");
            out.access_mode = fields.choice("access_mode", AccessMode::parse);
            out.price_from = fields.integer("price_from");
            out.external_price_from = fields.integer("external_price_from");
            out.price_unit = fields.choice("price_unit", PriceUnit::parse);
            out.currency = fields.text("currency");
            out.turnaround_days = fields.integer("turnaround_days");
        }
        ListingKind::Space => {
            out.space_type = fields.choice("space_type", SpaceType::parse);
            out.capacity = fields.integer("capacity");
            out.area_m2 = fields.integer("area_m2");
            out.monthly_price = fields.integer("monthly_price");
            out.currency = fields.text("currency");
            out.available_from = fields.date("available_from");
            out.available_until = fields.date("available_until");
            out.amenities = fields.list("amenities");
            out.eligible_stages = fields.choices("eligible_stages", CompanyStage::parse);
            out.eligible_sectors = fields.list("eligible_sectors");
        }
    }
    out
}

/// Whether an imported listing is published straight away.
fn publish_from(fields: &mut Fields<'_>) -> bool {
    match fields.choice("status", ListingStatus::parse) {
        None | Some(ListingStatus::Draft) => false,
        Some(ListingStatus::Published) => true,
        Some(ListingStatus::Archived) => {
            fields.fail(
                "status",
                "choice_invalid",
                "an imported listing is `draft` or `published`".to_owned(),
            );
            false
        }
    }
}

/// What a dry run remembers so that a record repeated within the file counts as a
/// match, as it would when the first copy had really been written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Seen {
    Identifier(&'static str, String),
    SourceRef(String),
}

struct Importer<'h> {
    hub: &'h Hub,
    kind: ImportKind,
    dry_run: bool,
    report: ImportReport,
    suppressed: u64,
    /// `organisation` cell → organisation id, so a file of a thousand listings of one
    /// organisation looks it up once.
    organisations: HashMap<String, Option<String>>,
    seen: HashSet<Seen>,
}

impl Importer<'_> {
    fn reject(&mut self, error: RowError) {
        if self.report.errors.len() < MAX_REPORTED_ERRORS {
            self.report.errors.push(error);
        } else {
            self.suppressed += 1;
        }
    }

    /// A domain refusal becomes the row's error; a failure of the database ends the
    /// import, since every later row would fail the same way.
    fn refused(&mut self, row: u64, error: Error) -> Result<()> {
        match error.kind {
            ErrorKind::Internal | ErrorKind::Unavailable => Err(error),
            _ => {
                self.reject(RowError {
                    row,
                    field: error.field,
                    code: error.code.to_owned(),
                    message: error.message,
                });
                Ok(())
            }
        }
    }

    fn counted(&mut self, outcome: ImportOutcome) {
        match outcome {
            ImportOutcome::Created(_) => self.report.created += 1,
            ImportOutcome::Matched(_) => self.report.matched += 1,
        }
    }

    /// In a dry run, whether the row repeats one already counted; otherwise remembers it.
    fn repeated(&mut self, keys: Vec<Seen>) -> bool {
        if !self.dry_run || keys.is_empty() {
            return false;
        }
        let repeated = keys.iter().any(|key| self.seen.contains(key));
        self.seen.extend(keys);
        repeated
    }

    async fn row(
        &mut self,
        number: u64,
        cells: std::result::Result<Cells, RowError>,
    ) -> Result<()> {
        self.report.rows += 1;
        let cells = match cells {
            Ok(cells) => cells,
            Err(error) => {
                self.reject(error);
                return Ok(());
            }
        };
        let mut fields = Fields {
            row: number,
            cells: &cells,
            errors: Vec::new(),
        };
        match self.kind.listing_kind() {
            None => {
                let new = organisation_from(&mut fields);
                if !fields.errors.is_empty() {
                    fields.errors.into_iter().for_each(|e| self.reject(e));
                    return Ok(());
                }
                let keys = [
                    ("ror_id", validate::ror_id("ror_id", new.ror_id.as_deref())),
                    ("pic", validate::pic("pic", new.pic.as_deref())),
                    ("vat", validate::vat("vat", new.vat.as_deref())),
                ]
                .into_iter()
                .filter_map(|(name, value)| Some(Seen::Identifier(name, value.ok()??)))
                .collect();
                match self.hub.import_organisation(new, self.dry_run).await {
                    Ok(outcome) => {
                        if self.repeated(keys) {
                            self.report.matched += 1;
                        } else {
                            self.counted(outcome);
                        }
                    }
                    Err(error) => self.refused(number, error)?,
                }
            }
            Some(kind) => {
                let reference = fields.text("organisation");
                let listing = listing_fields_from(&mut fields, kind);
                let publish = publish_from(&mut fields);
                let source_ref = fields.text("source_ref").map(|text| text.trim().to_owned());
                if let Some(source_ref) = &source_ref
                    && source_ref.chars().count() > 200
                {
                    fields.fail(
                        "source_ref",
                        "field_too_long",
                        "`source_ref` must be at most 200 characters".to_owned(),
                    );
                }
                if !fields.errors.is_empty() {
                    fields.errors.into_iter().for_each(|e| self.reject(e));
                    return Ok(());
                }
                let Some(reference) = reference else {
                    self.reject(RowError::new(
                        number,
                        Some("organisation"),
                        "field_required",
                        "`organisation` is required: the organisation's Ponte id, ROR id, \
                         PIC or VAT number",
                    ));
                    return Ok(());
                };
                let Some(organisation_id) = self.organisation(&reference).await? else {
                    self.reject(RowError::new(
                        number,
                        Some("organisation"),
                        "organisation_not_found",
                        format!(
                            "no organisation has the id, ROR id, PIC or VAT number `{}`; \
                             import the organisation first",
                            reference.trim()
                        ),
                    ));
                    return Ok(());
                };
                let keys = source_ref.iter().cloned().map(Seen::SourceRef).collect();
                let import = ImportListing {
                    organisation_id,
                    kind: Some(kind),
                    fields: listing,
                    source_ref,
                    publish,
                    generated_example: false,
                };
                match self.hub.import_listing(import, self.dry_run).await {
                    Ok(outcome) => {
                        if self.repeated(keys) {
                            self.report.matched += 1;
                        } else {
                            self.counted(outcome);
                        }
                    }
                    Err(error) => self.refused(number, error)?,
                }
            }
        }
        Ok(())
    }

    async fn organisation(&mut self, reference: &str) -> Result<Option<String>> {
        let key = reference.trim().to_owned();
        if let Some(found) = self.organisations.get(&key) {
            return Ok(found.clone());
        }
        let found = self.hub.organisation_id_by_reference(&key).await?;
        self.organisations.insert(key, found.clone());
        Ok(found)
    }

    fn finish(mut self) -> ImportReport {
        if self.suppressed > 0 {
            let last = self.report.rows;
            self.report.errors.push(RowError::new(
                last,
                None,
                "errors_truncated",
                format!(
                    "{} more rows had errors; only the first {MAX_REPORTED_ERRORS} are listed",
                    self.suppressed
                ),
            ));
        }
        self.report
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests;
