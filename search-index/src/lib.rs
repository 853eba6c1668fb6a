//! Ponte's full-text search: the tantivy schema, analyzers, query parsing, facets, places
//! and the percolator for saved searches. It takes plain Rust structs in and gives ids
//! and scores out.
//!
//! It must know nothing of sea-orm, poem or serenity (checked by the workspace's
//! architecture test). Nothing is indexed yet: the marketplace core only records every
//! change in the `change_log` outbox that the indexer will consume.
