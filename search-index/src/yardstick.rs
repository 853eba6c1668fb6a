//! Plain BM25, the yardstick Ponte's ranking is measured against: one in-memory tantivy
//! index with a title and a text field analysed by tantivy's own English stemmer, and
//! the query text read by tantivy's query parser with OR between words. No glossary,
//! no typos, no boosts — what "BM25 with English stemming" means in published tables.

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{
    IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, TantivyDocument, doc};

use crate::IndexError;

/// An index of `(id, title, text)` documents ranked by plain BM25.
pub struct PlainBm25 {
    index: Index,
    reader: IndexReader,
    id: tantivy::schema::Field,
    title: tantivy::schema::Field,
    text: tantivy::schema::Field,
}

impl PlainBm25 {
    /// Indexes `documents` (id, title, text) in memory.
    pub fn build<'a>(
        documents: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Result<PlainBm25, IndexError> {
        let mut builder = Schema::builder();
        let analysed = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let id = builder.add_text_field("id", STRING | STORED);
        let title = builder.add_text_field("title", analysed.clone());
        let text = builder.add_text_field("text", analysed);
        let index = Index::create_in_ram(builder.build());
        let failed = |context: &'static str| {
            move |error: tantivy::TantivyError| IndexError(format!("{context}: {error}"))
        };
        let mut writer = index
            .writer_with_num_threads(1, 100_000_000)
            .map_err(failed("cannot open the yardstick index for writing"))?;
        for (doc_id, doc_title, doc_text) in documents {
            writer
                .add_document(doc!(id => doc_id, title => doc_title, text => doc_text))
                .map_err(failed("cannot add a document to the yardstick index"))?;
        }
        writer
            .commit()
            .map_err(failed("cannot commit the yardstick index"))?;
        let reader = index
            .reader()
            .map_err(failed("cannot read the yardstick index"))?;
        Ok(PlainBm25 {
            index,
            reader,
            id,
            title,
            text,
        })
    }

    /// The best `limit` documents for `query` as (id, score), best first. Syntax the
    /// parser does not accept is read leniently, as plain words.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<(String, f32)>, IndexError> {
        let parser = QueryParser::for_index(&self.index, vec![self.title, self.text]);
        let (parsed, _ignored) = parser.parse_query_lenient(query);
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&parsed, &TopDocs::with_limit(limit.max(1)).order_by_score())
            .map_err(|error| IndexError(format!("yardstick search failed: {error}")))?;
        let mut ranked = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher
                .doc(address)
                .map_err(|error| IndexError(format!("yardstick document unreadable: {error}")))?;
            if let Some(id) = document.get_first(self.id).and_then(|v| v.as_str()) {
                ranked.push((id.to_owned(), score));
            }
        }
        Ok(ranked)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_bm25_with_english_stems() {
        let index = PlainBm25::build([
            (
                "a",
                "Corrosion of welds",
                "Stainless steel welds corrode in salt.",
            ),
            ("b", "Bread", "Shelf life of bread."),
            ("c", "Welding", "A welding robot."),
        ])
        .unwrap();
        // "corroded" meets "corrode" and "welds" meets "Welding" through their stems;
        // the document with both words ranks first, the one with neither is absent.
        let ranked = index.search("corroded welds", 10).unwrap();
        let ids: Vec<&str> = ranked.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, vec!["a", "c"]);
        // Unbalanced syntax is read as words, not refused.
        let ranked = index.search("bread (shelf", 10).unwrap();
        assert_eq!(ranked.first().map(|(id, _)| id.as_str()), Some("b"));
    }
}
