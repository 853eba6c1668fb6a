//! Listings: expertise, facilities and spaces, with their life cycle.

use super::ApiState;
use super::wire::{Listing, ListingChanges, ListingKind, ListingPage, ListingStatus, NewListing};
use crate::http::auth::{AnyCaller, SignedIn};
use crate::http::body::JsonBody;
use crate::http::errors::{ApiError, ErrorBody};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, Tags};

#[derive(Tags)]
enum ListingTags {
    /// What organisations offer: expertise, facilities and services, incubator space.
    Listings,
}

pub struct ListingsApi {
    pub state: ApiState,
}

#[derive(ApiResponse)]
enum ListingCreated {
    /// Created as a draft, visible only to your organisation until published.
    #[oai(status = 201)]
    Created(Json<Listing>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
enum ListingResponse {
    /// The listing; `ETag` carries its version for `If-Match`.
    #[oai(status = 200)]
    Ok(Json<Listing>, #[oai(header = "ETag")] String),
}

impl ListingResponse {
    fn of(view: domain::model::ListingView) -> Self {
        let etag = format!("\"{}\"", view.version);
        ListingResponse::Ok(Json(view.into()), etag)
    }
}

#[derive(ApiResponse)]
enum ListingDeleted {
    /// Deleted for good.
    #[oai(status = 204)]
    NoContent,
}

/// Reads a version from `If-Match`: `3`, `"3"` or `W/"3"`.
fn parse_if_match(value: Option<&str>) -> Result<i32, ApiError> {
    let Some(value) = value else {
        return Err(ApiError::PreconditionRequired(Json(ErrorBody::new(
            "if_match_required",
            "send the version you last read in `If-Match` (e.g. If-Match: \"3\")",
        ))));
    };
    value
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i32>()
        .ok()
        .filter(|version| *version > 0)
        .ok_or_else(|| {
            ApiError::bad_request(
                "if_match_invalid",
                "`If-Match` must be a listing version such as \"3\"",
                Some("If-Match"),
            )
        })
}

#[OpenApi(tag = "ListingTags::Listings")]
impl ListingsApi {
    /// Create a listing
    ///
    /// Created as a draft; publish it when ready. Fields that belong to another kind
    /// are refused with the field named. Access: Needs a signed-in member (owner or
    /// editor) of the owning organisation.
    #[oai(path = "/listings", method = "post", operation_id = "create_listing")]
    async fn create(
        &self,
        auth: SignedIn,
        body: JsonBody<NewListing>,
    ) -> Result<ListingCreated, ApiError> {
        let view = self
            .state
            .hub
            .create_listing(&auth.caller(), body.0.into_domain())
            .await?;
        let etag = format!("\"{}\"", view.version);
        Ok(ListingCreated::Created(Json(view.into()), etag))
    }

    /// Get a listing
    ///
    /// Published listings are public. Drafts and archived listings exist only for
    /// members of their organisation (404 for anyone else). Researchers' names appear
    /// only once they have been informed, and never their contacts. Access: Open to
    /// everyone.
    #[oai(path = "/listings/:id", method = "get", operation_id = "get_listing")]
    async fn get(&self, caller: AnyCaller, id: Path<String>) -> Result<ListingResponse, ApiError> {
        Ok(ListingResponse::of(
            self.state.hub.get_listing(&caller.0, &id.0).await?,
        ))
    }

    /// List listings
    ///
    /// Newest first, 20 per page by default (`limit` up to 100); follow `next_cursor`.
    /// You see published listings, plus every listing of your own organisations.
    /// Access: Open to everyone.
    #[oai(path = "/listings", method = "get", operation_id = "list_listings")]
    async fn list(
        &self,
        caller: AnyCaller,
        /// Only this organisation's listings.
        organisation_id: Query<Option<String>>,
        kind: Query<Option<ListingKind>>,
        status: Query<Option<ListingStatus>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<u64>>,
    ) -> Result<Json<ListingPage>, ApiError> {
        let page = self
            .state
            .hub
            .list_listings(
                &caller.0,
                domain::model::ListingFilter {
                    organisation_id: organisation_id.0,
                    kind: kind.0.map(Into::into),
                    status: status.0.map(Into::into),
                    cursor: cursor.0,
                    limit: limit.0,
                },
            )
            .await?;
        Ok(Json(ListingPage {
            items: page.items.into_iter().map(Into::into).collect(),
            total: page.total,
            next_cursor: page.next_cursor,
        }))
    }

    /// Change a listing
    ///
    /// Send the version you last read in `If-Match`; if someone changed the listing
    /// since, you get 412 and should fetch it again. Access: Needs a signed-in member
    /// (owner or editor) of the owning organisation.
    #[oai(
        path = "/listings/:id",
        method = "patch",
        operation_id = "update_listing"
    )]
    async fn update(
        &self,
        auth: SignedIn,
        id: Path<String>,
        /// The listing's current `version` (also its `ETag`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<ListingChanges>,
    ) -> Result<ListingResponse, ApiError> {
        let version = parse_if_match(if_match.0.as_deref())?;
        let view = self
            .state
            .hub
            .update_listing(&auth.caller(), &id.0, version, body.0.into_domain())
            .await?;
        Ok(ListingResponse::of(view))
    }

    /// Publish a listing
    ///
    /// Makes it public. It needs a summary or description and at least one topic.
    /// Access: Needs a signed-in member (owner or editor) of the owning organisation.
    #[oai(
        path = "/listings/:id/publish",
        method = "post",
        operation_id = "publish_listing"
    )]
    async fn publish(&self, auth: SignedIn, id: Path<String>) -> Result<ListingResponse, ApiError> {
        Ok(ListingResponse::of(
            self.state
                .hub
                .publish_listing(&auth.caller(), &id.0)
                .await?,
        ))
    }

    /// Archive a listing
    ///
    /// Takes it off the marketplace but keeps it for your organisation. Access: Needs
    /// a signed-in member (owner or editor) of the owning organisation.
    #[oai(
        path = "/listings/:id/archive",
        method = "post",
        operation_id = "archive_listing"
    )]
    async fn archive(&self, auth: SignedIn, id: Path<String>) -> Result<ListingResponse, ApiError> {
        Ok(ListingResponse::of(
            self.state
                .hub
                .archive_listing(&auth.caller(), &id.0)
                .await?,
        ))
    }

    /// Renew a listing
    ///
    /// Moves its expiry a year ahead of today. Access: Needs a signed-in member (owner
    /// or editor) of the owning organisation.
    #[oai(
        path = "/listings/:id/renew",
        method = "post",
        operation_id = "renew_listing"
    )]
    async fn renew(&self, auth: SignedIn, id: Path<String>) -> Result<ListingResponse, ApiError> {
        Ok(ListingResponse::of(
            self.state.hub.renew_listing(&auth.caller(), &id.0).await?,
        ))
    }

    /// Delete a listing
    ///
    /// Removes it for good (archive it instead to keep it). Access: Needs a signed-in
    /// member (owner or editor) of the owning organisation.
    #[oai(
        path = "/listings/:id",
        method = "delete",
        operation_id = "delete_listing"
    )]
    async fn delete(&self, auth: SignedIn, id: Path<String>) -> Result<ListingDeleted, ApiError> {
        self.state.hub.delete_listing(&auth.caller(), &id.0).await?;
        Ok(ListingDeleted::NoContent)
    }
}
