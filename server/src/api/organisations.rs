//! Organisations, their members, and broker verification.

use super::ApiState;
use super::wire::{
    Member, NewMember, NewOrganisation, Organisation, OrganisationChanges, OrganisationKind,
    OrganisationPage, Verification,
};
use crate::http::auth::{AnyCaller, SignedIn};
use crate::http::body::JsonBody;
use crate::http::errors::ApiError;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, Tags};

#[derive(Tags)]
enum OrganisationTags {
    /// Universities, research centres, incubators, service providers and firms.
    Organisations,
}

pub struct OrganisationsApi {
    pub state: ApiState,
}

#[derive(ApiResponse)]
enum OrganisationCreated {
    /// Registered; you are its owner.
    #[oai(status = 201)]
    Created(Json<Organisation>),
}

#[derive(ApiResponse)]
enum MemberRemoved {
    /// The account is no longer a member.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "OrganisationTags::Organisations")]
impl OrganisationsApi {
    /// Register an organisation
    ///
    /// You become its owner. ROR id, PIC and VAT number are optional but unique: an
    /// organisation that already exists answers 409. Access: Needs a signed-in account
    /// (session cookie or bearer token).
    #[oai(
        path = "/organisations",
        method = "post",
        operation_id = "create_organisation"
    )]
    async fn create(
        &self,
        auth: SignedIn,
        body: JsonBody<NewOrganisation>,
    ) -> Result<OrganisationCreated, ApiError> {
        let view = self
            .state
            .hub
            .create_organisation(&auth.caller(), body.0.into())
            .await?;
        Ok(OrganisationCreated::Created(Json(view.into())))
    }

    /// Get an organisation
    ///
    /// The business-engagement contact is included for signed-in callers only.
    /// Access: Open to everyone.
    #[oai(
        path = "/organisations/:id",
        method = "get",
        operation_id = "get_organisation"
    )]
    async fn get(
        &self,
        caller: AnyCaller,
        id: Path<String>,
    ) -> Result<Json<Organisation>, ApiError> {
        Ok(Json(
            self.state
                .hub
                .get_organisation(&caller.0, &id.0)
                .await?
                .into(),
        ))
    }

    /// List organisations
    ///
    /// Newest first, 20 per page by default (`limit` up to 100); follow `next_cursor`.
    /// Access: Open to everyone.
    #[oai(
        path = "/organisations",
        method = "get",
        operation_id = "list_organisations"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        caller: AnyCaller,
        /// Only this kind.
        kind: Query<Option<OrganisationKind>>,
        /// Only this country (ISO 3166-1 alpha-2).
        country: Query<Option<String>>,
        /// Only verified (true) or unverified (false) organisations.
        verified: Query<Option<bool>>,
        /// Part of the name, case-insensitive.
        q: Query<Option<String>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<u64>>,
    ) -> Result<Json<OrganisationPage>, ApiError> {
        let page = self
            .state
            .hub
            .list_organisations(
                &caller.0,
                domain::model::OrganisationFilter {
                    kind: kind.0.map(Into::into),
                    country: country.0,
                    verified: verified.0,
                    name_contains: q.0,
                    cursor: cursor.0,
                    limit: limit.0,
                },
            )
            .await?;
        Ok(Json(OrganisationPage {
            items: page.items.into_iter().map(Into::into).collect(),
            total: page.total,
            next_cursor: page.next_cursor,
        }))
    }

    /// Change an organisation
    ///
    /// Send only the fields that change. Access: Needs a signed-in member (owner or
    /// editor) of the owning organisation.
    #[oai(
        path = "/organisations/:id",
        method = "patch",
        operation_id = "update_organisation"
    )]
    async fn update(
        &self,
        auth: SignedIn,
        id: Path<String>,
        body: JsonBody<OrganisationChanges>,
    ) -> Result<Json<Organisation>, ApiError> {
        let view = self
            .state
            .hub
            .update_organisation(&auth.caller(), &id.0, body.0.into())
            .await?;
        Ok(Json(view.into()))
    }

    /// Verify an organisation
    ///
    /// A broker vouches that the organisation is who it says it is (or withdraws that
    /// with `{"verified": false}`). Access: Needs a signed-in broker of the network.
    #[oai(
        path = "/organisations/:id/verify",
        method = "post",
        operation_id = "verify_organisation"
    )]
    async fn verify(
        &self,
        auth: SignedIn,
        id: Path<String>,
        body: JsonBody<Verification>,
    ) -> Result<Json<Organisation>, ApiError> {
        let verified = body.0.verified.unwrap_or(true);
        let view = self
            .state
            .hub
            .set_organisation_verified(&auth.caller(), &id.0, verified)
            .await?;
        Ok(Json(view.into()))
    }

    /// List members
    ///
    /// Access: Needs a signed-in member (owner or editor) of the owning organisation.
    #[oai(
        path = "/organisations/:id/members",
        method = "get",
        operation_id = "list_members"
    )]
    async fn members(
        &self,
        auth: SignedIn,
        id: Path<String>,
    ) -> Result<Json<Vec<Member>>, ApiError> {
        let members = self.state.hub.list_members(&auth.caller(), &id.0).await?;
        Ok(Json(members.into_iter().map(Into::into).collect()))
    }

    /// Add a member or change a member's role
    ///
    /// The person must have signed up already. Access: Needs a signed-in owner of the
    /// organisation.
    #[oai(
        path = "/organisations/:id/members",
        method = "post",
        operation_id = "add_member"
    )]
    async fn add_member(
        &self,
        auth: SignedIn,
        id: Path<String>,
        body: JsonBody<NewMember>,
    ) -> Result<Json<Member>, ApiError> {
        let member = self
            .state
            .hub
            .add_member(&auth.caller(), &id.0, &body.0.email, body.0.role.into())
            .await?;
        Ok(Json(member.into()))
    }

    /// Remove a member
    ///
    /// Owners remove anyone; members may remove themselves. The last owner cannot be
    /// removed. Access: Needs a signed-in owner of the organisation.
    #[oai(
        path = "/organisations/:id/members/:account_id",
        method = "delete",
        operation_id = "remove_member"
    )]
    async fn remove_member(
        &self,
        auth: SignedIn,
        id: Path<String>,
        account_id: Path<String>,
    ) -> Result<MemberRemoved, ApiError> {
        self.state
            .hub
            .remove_member(&auth.caller(), &id.0, &account_id.0)
            .await?;
        Ok(MemberRemoved::NoContent)
    }
}
