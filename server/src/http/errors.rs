//! One error shape for every client mistake, `{code, message, field?}`, with a stable
//! code, and one generic shape for our own failures, which are logged with their cause
//! and shown only with a request id.

use domain::ErrorKind;
use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

tokio::task_local! {
    /// The id of the request being served, so errors can quote it without every
    /// handler passing it around.
    static REQUEST_ID: String;
}

pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "none".to_owned())
}

/// Why a request failed.
#[derive(Debug, Clone, Object)]
pub struct ErrorBody {
    /// Stable, snake_case: safe to branch on.
    pub code: String,
    /// For people; may change wording.
    pub message: String,
    /// The input field at fault, when one is.
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
    /// Quote it when reporting a server error.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
}

impl ErrorBody {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.to_owned(),
            message: message.into(),
            field: None,
            request_id: None,
        }
    }

    pub fn with_field(mut self, field: Option<String>) -> Self {
        self.field = field;
        self
    }
}

/// Every error status an operation can answer, so each is in the OpenAPI spec.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed or a value is invalid.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Sign in (session cookie) or send a bearer token.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Signed in, but not allowed to do this.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such thing (or not visible to you).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// It clashes with what exists (a taken email, identifier...).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// `If-Match` names a version that is no longer current.
    #[oai(status = 412)]
    PreconditionFailed(Json<ErrorBody>),
    /// The body is too large.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// `If-Match` is required for this change.
    #[oai(status = 428)]
    PreconditionRequired(Json<ErrorBody>),
    /// Too many attempts; wait a minute.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>),
    /// Our fault; quote the request id.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// Starting up or a dependency is down; retry shortly.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

impl ApiError {
    pub fn bad_request(code: &str, message: impl Into<String>, field: Option<&str>) -> Self {
        ApiError::BadRequest(Json(
            ErrorBody::new(code, message).with_field(field.map(str::to_owned)),
        ))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn internal() -> Self {
        let request_id = current_request_id();
        ApiError::Internal(Json(ErrorBody {
            code: "internal".to_owned(),
            message: format!(
                "something went wrong on our side; quote request id {request_id} when reporting it"
            ),
            field: None,
            request_id: Some(request_id),
        }))
    }

    /// The error for a given status when all we have is poem's own error.
    fn from_status(status: StatusCode, code: &str, message: String, field: Option<String>) -> Self {
        let body = Json(ErrorBody::new(code, message).with_field(field));
        match status.as_u16() {
            401 => ApiError::Unauthorized(body),
            403 => ApiError::Forbidden(body),
            404 | 405 => ApiError::NotFound(body),
            409 => ApiError::Conflict(body),
            412 => ApiError::PreconditionFailed(body),
            413 => ApiError::PayloadTooLarge(body),
            428 => ApiError::PreconditionRequired(body),
            429 => ApiError::TooManyRequests(body),
            503 => ApiError::Unavailable(body),
            500..=599 => ApiError::internal(),
            _ => ApiError::BadRequest(body),
        }
    }
}

impl From<domain::Error> for ApiError {
    fn from(error: domain::Error) -> Self {
        let body =
            Json(ErrorBody::new(error.code, error.message.clone()).with_field(error.field.clone()));
        match error.kind {
            ErrorKind::InvalidInput => ApiError::BadRequest(body),
            ErrorKind::NotFound => ApiError::NotFound(body),
            ErrorKind::Conflict => ApiError::Conflict(body),
            ErrorKind::PreconditionFailed => ApiError::PreconditionFailed(body),
            ErrorKind::Forbidden => ApiError::Forbidden(body),
            ErrorKind::Unauthenticated => ApiError::Unauthorized(body),
            ErrorKind::RateLimited => ApiError::TooManyRequests(body),
            ErrorKind::Unavailable => ApiError::Unavailable(body),
            ErrorKind::Internal => {
                tracing::error!(request_id = %current_request_id(), cause = %error.cause_chain(), "request failed");
                ApiError::internal()
            }
        }
    }
}

/// A client error raised before a handler runs (body parsing), carrying our code and field.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct EarlyClientError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl poem::error::ResponseError for EarlyClientError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> Response {
        ApiError::from_status(
            self.status,
            self.code,
            self.message.clone(),
            self.field.clone(),
        )
        .into_response()
    }
}

/// Turns every error that escapes an endpoint into the JSON error shape: poem-openapi's
/// parse errors, unknown routes, wrong methods and content types alike.
pub async fn render_error(error: poem::Error) -> Response {
    if error.is_from_response() {
        return error.into_response();
    }
    if let Some(early) = error.downcast_ref::<EarlyClientError>() {
        return poem::error::ResponseError::as_response(early);
    }
    let status = error.status();
    if let Some(param) = error.downcast_ref::<poem_openapi::error::ParseParamError>() {
        return ApiError::from_status(
            StatusCode::BAD_REQUEST,
            "parameter_invalid",
            format!("parameter `{}` is invalid: {}", param.name, param.reason),
            Some(param.name.to_owned()),
        )
        .into_response();
    }
    if error.is::<poem::error::ParsePathError>() {
        return ApiError::bad_request(
            "path_invalid",
            "the path is malformed (not valid UTF-8 or percent-encoding)",
            None,
        )
        .into_response();
    }
    let (code, message) = match status.as_u16() {
        401 => (
            "unauthenticated",
            "sign in or send a bearer token to use this endpoint".to_owned(),
        ),
        404 => (
            "route_not_found",
            "there is no such endpoint; see /api/docs".to_owned(),
        ),
        405 => (
            "method_not_allowed",
            "this endpoint does not accept that method; see /api/docs".to_owned(),
        ),
        413 => ("body_too_large", "the request body is too large".to_owned()),
        415 => (
            "content_type_unsupported",
            format!("{error}; send application/json"),
        ),
        400 => ("request_invalid", error.to_string()),
        500..=599 => {
            tracing::error!(request_id = %current_request_id(), %status, cause = %error, "request failed");
            ("internal", String::new())
        }
        _ => ("request_invalid", error.to_string()),
    };
    let mut response = ApiError::from_status(status, code, message, None).into_response();
    if status.as_u16() == 405 {
        response.set_status(StatusCode::METHOD_NOT_ALLOWED);
    }
    if status.as_u16() == 415 {
        response.set_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    response
}

/// Gives every request an id (echoed as `x-request-id`) and scopes it for error reports.
pub async fn with_request_id<E: Endpoint>(endpoint: E, request: Request) -> poem::Result<Response> {
    let request_id = uuid::Uuid::now_v7().simple().to_string();
    let result = REQUEST_ID
        .scope(request_id.clone(), async move {
            match endpoint.call(request).await {
                Ok(response) => Ok(response.into_response()),
                Err(error) => Ok(render_error(error).await),
            }
        })
        .await;
    result.map(|mut response: Response| {
        if let Ok(value) = request_id.parse() {
            response.headers_mut().insert("x-request-id", value);
        }
        response
    })
}
