//! `ponte import`: runs the domain's importer over a file with a progress bar and prints
//! a report that names every rejected row and field.

use crate::app::BoxError;
use domain::Hub;
use domain::import::{ImportFormat, ImportKind};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

pub async fn run(hub: &Hub, kind: ImportKind, path: &Path, dry_run: bool) -> Result<(), BoxError> {
    let format = ImportFormat::from_path(path)?;
    let file = std::fs::File::open(path).map_err(|error| -> BoxError {
        format!("cannot open {}: {error}", path.display()).into()
    })?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    // Rows are not known before reading; the bar counts rows and shows the rate.
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} rows imported ({per_sec}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(format!("from {} ({} KB)", path.display(), size / 1024));
    let mut progress = |rows: u64| bar.set_position(rows);
    let report = domain::import::import(hub, kind, format, file, dry_run, &mut progress).await;
    bar.finish_and_clear();
    let report = report?;
    for error in &report.errors {
        match &error.field {
            Some(field) => eprintln!(
                "row {}: {field}: {} ({})",
                error.row, error.message, error.code
            ),
            None => eprintln!("row {}: {} ({})", error.row, error.message, error.code),
        }
    }
    println!(
        "{}{} rows read: {} created, {} already present, {} rejected",
        if dry_run {
            "dry run, nothing written: "
        } else {
            ""
        },
        report.rows,
        report.created,
        report.matched,
        report.errors.len()
    );
    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{} rows were rejected", report.errors.len()).into())
    }
}
