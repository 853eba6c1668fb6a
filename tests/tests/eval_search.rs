//! `ponte eval-search` on a five-document collection whose figures are worked out by
//! hand (see `tests/fixtures/beir-tiny/`), and its answers to bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/beir-tiny")
}

fn eval_search(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponte-under-test"))
        .arg("eval-search")
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("PONTE_CONFIG")
        .output()
        .unwrap_or_else(|error| panic!("cannot run ponte: {error}"))
}

fn last_line(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|error| {
        panic!(
            "the last line is not JSON ({error}): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn scores_the_tiny_collection_as_worked_out_by_hand() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let run = dir.path().join("run.txt");
    let collection = fixture();
    let output = eval_search(&[
        "--beir",
        &collection.to_string_lossy(),
        "--run",
        &run.to_string_lossy(),
        "--baseline",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // q1, q2 and q3 find their relevant documents first (q1 both, best graded first);
    // q4 finds nothing and scores 0; q5 is not judged and not counted.
    assert_eq!(
        last_line(&output),
        serde_json::json!({"queries": 4, "ndcg@10": 0.75, "map@100": 0.75, "recall@100": 0.75})
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("plain BM25: {"), "{stderr}");
    assert!(
        stderr.contains("1 queries were refused or found nothing"),
        "{stderr}"
    );

    let written = std::fs::read_to_string(&run).unwrap_or_else(|error| panic!("{error}"));
    let lines: Vec<Vec<&str>> = written.lines().map(|l| l.split(' ').collect()).collect();
    assert!(
        lines
            .iter()
            .all(|columns| columns.len() == 6 && columns[1] == "Q0" && columns[5] == "ponte"),
        "{written}"
    );
    let q1: Vec<&Vec<&str>> = lines.iter().filter(|columns| columns[0] == "q1").collect();
    assert_eq!(
        q1.first().map(|c| (c[2], c[3])),
        Some(("d1", "1")),
        "{written}"
    );
    assert_eq!(
        q1.get(1).map(|c| (c[2], c[3])),
        Some(("5", "2")),
        "{written}"
    );
    assert!(!written.contains("q4 "), "q4 found nothing: {written}");
}

#[test]
fn the_train_split_scores_its_own_judgements() {
    let output = eval_search(&["--beir", &fixture().to_string_lossy(), "--split", "train"]);
    assert!(output.status.success());
    assert_eq!(last_line(&output)["queries"], 1);
    assert_eq!(last_line(&output)["ndcg@10"], 1.0);
}

#[test]
fn bad_collections_are_explained_not_panicked_on() {
    let missing = eval_search(&["--beir", "/nonexistent/collection"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("/nonexistent/collection is not a directory"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let broken = dir.path();
    std::fs::create_dir_all(broken.join("qrels")).unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(
        broken.join("corpus.jsonl"),
        "{\"_id\": \"d1\", \"title\": \"t\", \"text\": \"x\"}\n{not json\n",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(broken.join("queries.jsonl"), "").unwrap_or_else(|error| panic!("{error}"));
    let malformed = eval_search(&["--beir", &broken.to_string_lossy()]);
    assert!(!malformed.status.success());
    let stderr = String::from_utf8_lossy(&malformed.stderr);
    assert!(stderr.contains("corpus.jsonl, line 2"), "{stderr}");

    std::fs::write(
        broken.join("corpus.jsonl"),
        "{\"_id\": \"d1\", \"title\": \"t\", \"text\": \"x\"}\n",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let no_qrels = eval_search(&["--beir", &broken.to_string_lossy()]);
    assert!(!no_qrels.status.success());
    let stderr = String::from_utf8_lossy(&no_qrels.stderr);
    assert!(stderr.contains("qrels/test.tsv"), "{stderr}");

    let unknown_split = eval_search(&["--beir", &broken.to_string_lossy(), "--split", "dev2"]);
    assert!(!unknown_split.status.success());
    assert!(String::from_utf8_lossy(&unknown_split.stderr).contains("dev2"));
}
