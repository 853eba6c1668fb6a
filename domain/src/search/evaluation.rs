//! Measuring search quality on test collections in BEIR layout (`corpus.jsonl`,
//! `queries.jsonl`, `qrels/<split>.tsv`): every document goes through the production
//! schema and analysers as an English listing (title → title, text → description),
//! every query through exactly what `GET /api/v1/search?q=` does, and the ranking is
//! scored with trec_eval's definitions of nDCG@10, MAP@100 and recall@100.
//!
//! Plain BM25 (`search_index::yardstick`) can be scored on the same collection, so
//! every figure comes with its yardstick.

use super::{SearchQuery, prepare_people_request};
use chrono::{TimeZone, Utc};
use search_index::yardstick::PlainBm25;
use search_index::{ListingDocument, SearchIndex};
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Ranked results kept per query: the depth MAP and recall are cut at.
pub const RUN_DEPTH: usize = 100;
/// Documents written to the index per commit.
const INDEX_BATCH: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path}, line {line}: {reason}")]
    Malformed {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("the search index failed: {0}")]
    Index(String),
}

/// A test collection: documents, query texts and graded judgements for one split.
#[derive(Debug, Clone, Default)]
pub struct Collection {
    /// (id, title, text)
    pub documents: Vec<(String, String, String)>,
    pub queries: HashMap<String, String>,
    /// Query id → document id → grade (0 = judged not relevant).
    pub judgements: BTreeMap<String, HashMap<String, i64>>,
}

#[derive(serde::Deserialize)]
struct CorpusLine {
    #[serde(rename = "_id")]
    id: IdValue,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

#[derive(serde::Deserialize)]
struct QueryLine {
    #[serde(rename = "_id")]
    id: IdValue,
    #[serde(default)]
    text: String,
}

/// BEIR ids are strings in most collections and numbers in a few.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum IdValue {
    Text(String),
    Number(serde_json::Number),
}

impl IdValue {
    fn into_string(self) -> String {
        match self {
            IdValue::Text(text) => text,
            IdValue::Number(number) => number.to_string(),
        }
    }
}

fn unreadable(path: &Path, error: impl std::fmt::Display) -> EvaluationError {
    EvaluationError::Unreadable {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

fn lines_of(
    path: &Path,
) -> Result<impl Iterator<Item = (usize, std::io::Result<String>)>, EvaluationError> {
    let file = std::fs::File::open(path).map_err(|error| unreadable(path, error))?;
    Ok(std::io::BufReader::new(file)
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line)))
}

fn json_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, EvaluationError> {
    let mut out = Vec::new();
    for (number, line) in lines_of(path)? {
        let line = line.map_err(|error| unreadable(path, error))?;
        if line.trim().is_empty() {
            continue;
        }
        let item = serde_json::from_str(&line).map_err(|error| EvaluationError::Malformed {
            path: path.to_path_buf(),
            line: number,
            reason: error.to_string(),
        })?;
        out.push(item);
    }
    Ok(out)
}

/// Reads a collection in BEIR layout; `split` names the judgements file
/// (`qrels/<split>.tsv`: `query-id`, `corpus-id`, `score`, with a header line).
pub fn load_beir(dir: &Path, split: &str) -> Result<Collection, EvaluationError> {
    let documents = json_lines::<CorpusLine>(&dir.join("corpus.jsonl"))?
        .into_iter()
        .map(|line| (line.id.into_string(), line.title, line.text))
        .collect();
    let queries = json_lines::<QueryLine>(&dir.join("queries.jsonl"))?
        .into_iter()
        .map(|line| (line.id.into_string(), line.text))
        .collect();
    let qrels = dir.join("qrels").join(format!("{split}.tsv"));
    let mut judgements: BTreeMap<String, HashMap<String, i64>> = BTreeMap::new();
    for (number, line) in lines_of(&qrels)? {
        let line = line.map_err(|error| unreadable(&qrels, error))?;
        let columns: Vec<&str> = line.split('\t').map(str::trim).collect();
        if columns.iter().all(|c| c.is_empty()) {
            continue;
        }
        let malformed = |reason: &str| EvaluationError::Malformed {
            path: qrels.clone(),
            line: number,
            reason: reason.to_owned(),
        };
        let [query, document, grade] = columns.as_slice() else {
            return Err(malformed(
                "expected three tab-separated columns: query-id, corpus-id, score",
            ));
        };
        let Ok(grade) = grade.parse::<i64>() else {
            if number == 1 {
                continue; // the header line
            }
            return Err(malformed("the score is not a whole number"));
        };
        judgements
            .entry((*query).to_owned())
            .or_default()
            .insert((*document).to_owned(), grade);
    }
    Ok(Collection {
        documents,
        queries,
        judgements,
    })
}

/// trec_eval's measures for one query.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueryScores {
    pub ndcg_at_10: f64,
    pub map_at_100: f64,
    pub recall_at_100: f64,
}

/// Scores one ranked list (best first) against a query's judgements.
pub fn score_ranking(ranking: &[String], judged: &HashMap<String, i64>) -> QueryScores {
    let relevant = judged.values().filter(|grade| **grade > 0).count();
    if relevant == 0 {
        return QueryScores::default();
    }
    let grade_of = |id: &str| judged.get(id).copied().unwrap_or(0).max(0) as f64;
    let discount = |rank: usize| (rank as f64 + 2.0).log2();
    let dcg: f64 = ranking
        .iter()
        .take(10)
        .enumerate()
        .map(|(rank, id)| grade_of(id) / discount(rank))
        .sum();
    let mut ideal: Vec<f64> = judged
        .values()
        .filter(|grade| **grade > 0)
        .map(|grade| *grade as f64)
        .collect();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let ideal_dcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(rank, gain)| gain / discount(rank))
        .sum();
    let mut found = 0usize;
    let mut precision_sum = 0.0;
    for (rank, id) in ranking.iter().take(RUN_DEPTH).enumerate() {
        if grade_of(id) > 0.0 {
            found += 1;
            precision_sum += found as f64 / (rank + 1) as f64;
        }
    }
    QueryScores {
        ndcg_at_10: if ideal_dcg > 0.0 {
            dcg / ideal_dcg
        } else {
            0.0
        },
        map_at_100: precision_sum / relevant as f64,
        recall_at_100: found as f64 / relevant as f64,
    }
}

/// The averages over every judged query, and each query's ranking.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub queries: usize,
    pub ndcg_at_10: f64,
    pub map_at_100: f64,
    pub recall_at_100: f64,
    /// Queries that were refused or failed (scored 0).
    pub failed: usize,
    /// Query id → (document id, score), best first, at most [`RUN_DEPTH`].
    pub runs: BTreeMap<String, Vec<(String, f32)>>,
}

impl Evaluation {
    /// The one-line summary `ponte eval-search` prints.
    pub fn summary_json(&self) -> String {
        let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
        serde_json::json!({
            "queries": self.queries,
            "ndcg@10": round(self.ndcg_at_10),
            "map@100": round(self.map_at_100),
            "recall@100": round(self.recall_at_100),
        })
        .to_string()
    }

    /// The runs in TREC format: `qid Q0 docid rank score tag`.
    pub fn write_trec_run(&self, out: &mut impl std::io::Write, tag: &str) -> std::io::Result<()> {
        for (query, ranking) in &self.runs {
            for (rank, (document, score)) in ranking.iter().enumerate() {
                writeln!(out, "{query} Q0 {document} {} {score:.6} {tag}", rank + 1)?;
            }
        }
        Ok(())
    }
}

fn evaluate_with(
    collection: &Collection,
    mut rank: impl FnMut(&str) -> Option<Vec<(String, f32)>>,
    progress: &mut dyn FnMut(usize, usize),
) -> Evaluation {
    let mut evaluation = Evaluation {
        queries: collection.judgements.len(),
        ..Evaluation::default()
    };
    let total = collection.judgements.len();
    for (done, (query, judged)) in collection.judgements.iter().enumerate() {
        let ranking = collection
            .queries
            .get(query)
            .and_then(|text| rank(text))
            .unwrap_or_default();
        if ranking.is_empty() {
            evaluation.failed += 1;
        }
        let ids: Vec<String> = ranking.iter().map(|(id, _)| id.clone()).collect();
        let scores = score_ranking(&ids, judged);
        evaluation.ndcg_at_10 += scores.ndcg_at_10;
        evaluation.map_at_100 += scores.map_at_100;
        evaluation.recall_at_100 += scores.recall_at_100;
        evaluation.runs.insert(query.clone(), ranking);
        progress(done + 1, total);
    }
    if total > 0 {
        let n = total as f64;
        evaluation.ndcg_at_10 /= n;
        evaluation.map_at_100 /= n;
        evaluation.recall_at_100 /= n;
    }
    evaluation
}

fn as_listing(id: &str, title: &str, text: &str) -> ListingDocument {
    // Fixed dates, far from expiry, so runs are repeatable and nothing drops out.
    let epoch = Utc
        .timestamp_opt(1_700_000_000, 0)
        .single()
        .unwrap_or_default();
    let never = Utc
        .timestamp_opt(4_102_444_800, 0)
        .single()
        .unwrap_or_default();
    ListingDocument {
        id: id.to_owned(),
        kind: "expertise".into(),
        language: "en".into(),
        title: title.to_owned(),
        description: text.to_owned(),
        published_at: epoch,
        updated_at: epoch,
        expires_at: never,
        ..ListingDocument::default()
    }
}

/// What to report on while a collection is indexed and searched.
pub enum Progress {
    Indexed { done: usize, total: usize },
    Searched { done: usize, total: usize },
}

/// Indexes the collection in a production index in `index_dir` (created; should be
/// empty) and ranks every judged query as `GET /api/v1/search?q=` would (the same
/// request preparation as `Hub::search`).
pub fn evaluate_production(
    collection: &Collection,
    index_dir: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Evaluation, EvaluationError> {
    let (index, _) =
        SearchIndex::open_in_dir(index_dir).map_err(|e| EvaluationError::Index(e.to_string()))?;
    let total = collection.documents.len();
    for (batch_number, batch) in collection.documents.chunks(INDEX_BATCH).enumerate() {
        let listings: Vec<ListingDocument> = batch
            .iter()
            .map(|(id, title, text)| as_listing(id, title, text))
            .collect();
        index
            .apply(&listings, &[], batch_number as i64 + 1)
            .map_err(|e| EvaluationError::Index(e.to_string()))?;
        progress(Progress::Indexed {
            done: (batch_number * INDEX_BATCH + batch.len()).min(total),
            total,
        });
    }
    let rank = |text: &str| {
        let query = SearchQuery {
            q: Some(text.to_owned()),
            limit: Some(RUN_DEPTH as u64),
            ..SearchQuery::default()
        };
        let (request, _) = prepare_people_request(&query).ok()?;
        let results = index.search(&request).ok()?;
        Some(
            results
                .hits
                .into_iter()
                .map(|hit| (hit.id, hit.score))
                .collect(),
        )
    };
    Ok(evaluate_with(collection, rank, &mut |done, total| {
        progress(Progress::Searched { done, total })
    }))
}

/// Ranks every judged query with plain BM25 (English stemming, title and text, OR).
pub fn evaluate_plain_bm25(collection: &Collection) -> Result<Evaluation, EvaluationError> {
    let index = PlainBm25::build(
        collection
            .documents
            .iter()
            .map(|(id, title, text)| (id.as_str(), title.as_str(), text.as_str())),
    )
    .map_err(|e| EvaluationError::Index(e.to_string()))?;
    let rank = |text: &str| index.search(text, RUN_DEPTH).ok();
    Ok(evaluate_with(collection, rank, &mut |_, _| {}))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, i64)]) -> HashMap<String, i64> {
        pairs.iter().map(|(id, g)| ((*id).to_owned(), *g)).collect()
    }

    fn ranking(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn trec_eval_measures_by_hand() {
        // Relevant: a (grade 1) and c (grade 2); b judged not relevant.
        let judgements = judged(&[("a", 1), ("b", 0), ("c", 2)]);
        let scores = score_ranking(&ranking(&["b", "a", "x", "c"]), &judgements);
        // DCG = 1/log2(3) + 2/log2(5); ideal = 2/log2(2) + 1/log2(3).
        let dcg = 1.0 / 3f64.log2() + 2.0 / 5f64.log2();
        let ideal = 2.0 + 1.0 / 3f64.log2();
        assert!((scores.ndcg_at_10 - dcg / ideal).abs() < 1e-12);
        // AP = (1/2 + 2/4) / 2.
        assert!((scores.map_at_100 - 0.5).abs() < 1e-12);
        assert!((scores.recall_at_100 - 1.0).abs() < 1e-12);

        let perfect = score_ranking(&ranking(&["c", "a"]), &judgements);
        assert!((perfect.ndcg_at_10 - 1.0).abs() < 1e-12);
        assert!((perfect.map_at_100 - 1.0).abs() < 1e-12);

        let missed = score_ranking(&ranking(&["b", "x"]), &judgements);
        assert_eq!(missed, QueryScores::default());
        // Half the relevant documents found, the other never retrieved.
        let half = score_ranking(&ranking(&["a"]), &judgements);
        assert!((half.recall_at_100 - 0.5).abs() < 1e-12);
        assert!((half.map_at_100 - 0.5).abs() < 1e-12);
    }

    #[test]
    fn relevance_below_rank_ten_counts_for_map_and_recall_only() {
        let judgements = judged(&[("r", 1)]);
        let mut ids: Vec<String> = (0..11).map(|i| format!("n{i}")).collect();
        ids.push("r".into());
        let scores = score_ranking(&ids, &judgements);
        assert_eq!(scores.ndcg_at_10, 0.0);
        assert!((scores.map_at_100 - 1.0 / 12.0).abs() < 1e-12);
        assert!((scores.recall_at_100 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn failed_and_unanswered_queries_count_as_zero() {
        let collection = Collection {
            documents: Vec::new(),
            queries: HashMap::from([("q1".to_owned(), "text".to_owned())]),
            judgements: BTreeMap::from([
                ("q1".to_owned(), judged(&[("a", 1)])),
                ("q2".to_owned(), judged(&[("b", 1)])),
            ]),
        };
        let evaluation = evaluate_with(
            &collection,
            |_| Some(vec![("a".to_owned(), 1.0)]),
            &mut |_, _| {},
        );
        assert_eq!(evaluation.queries, 2);
        assert_eq!(evaluation.failed, 1);
        assert!((evaluation.ndcg_at_10 - 0.5).abs() < 1e-12);
        let mut run = Vec::new();
        evaluation.write_trec_run(&mut run, "ponte").unwrap();
        assert_eq!(
            String::from_utf8(run).unwrap(),
            "q1 Q0 a 1 1.000000 ponte\n"
        );
    }
}
