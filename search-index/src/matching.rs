//! One listing against many saved searches, with search's own semantics: the listing
//! goes into a one-document index in memory and each saved search runs as a search.
//! Straightforward and exactly as search behaves; a faster matcher must agree with it.

use crate::model::{ListingDocument, SortOrder};
use crate::schema::build_schema;
use crate::{IndexError, SearchError, SearchIndex, SearchRequest, index_error};
use tantivy::Index;

/// The smallest writer memory tantivy accepts; one listing needs far less.
const ONE_LISTING_WRITER_BYTES: usize = 15_000_000;

impl SearchIndex {
    /// An index in memory holding only `listing`.
    pub fn of_one_listing(listing: &ListingDocument) -> Result<SearchIndex, IndexError> {
        let (schema, fields) = build_schema();
        let (index, _) =
            SearchIndex::from_index(Index::create_in_ram(schema), fields).map_err(IndexError)?;
        let mut writer = index
            .index
            .writer_with_num_threads(1, ONE_LISTING_WRITER_BYTES)
            .map_err(index_error("cannot open an index in memory"))?;
        let mut analyzers = index.analyzers.clone();
        writer
            .add_document(index.fields.document(listing, &mut analyzers))
            .map_err(index_error("cannot add the listing"))?;
        writer
            .commit()
            .map_err(index_error("cannot commit the listing"))?;
        drop(writer);
        index
            .reader
            .reload()
            .map_err(index_error("cannot reload the index"))?;
        Ok(index)
    }

    /// Whether some listing in the index satisfies `request` (its query and filters;
    /// order, paging and facets are ignored).
    pub fn any_match(&self, request: &SearchRequest) -> Result<bool, SearchError> {
        let probe = SearchRequest {
            sort: SortOrder::Relevance,
            limit: 1,
            offset: 0,
            with_facets: false,
            ..request.clone()
        };
        Ok(self.search(&probe)?.total > 0)
    }
}
