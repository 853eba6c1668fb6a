//! Request bodies: a hard size limit whether or not `Content-Length` is sent, and a
//! JSON payload type that rejects unknown fields and names the field at fault.
//!
//! poem-openapi's own `Json` reports neither which field failed nor which unknown field
//! was sent; clients need both to fix a request, so bodies are parsed with serde here
//! while the schema still comes from the poem-openapi type.

use super::errors::EarlyClientError;
use poem::http::StatusCode;
use poem::{Body, Endpoint, Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::de::DeserializeOwned;

/// Fields a client may never set itself: the server owns them. Sending one is named as
/// such rather than as merely unknown.
const SERVER_OWNED_FIELDS: &[&str] = &[
    "id",
    "owner",
    "owner_id",
    "verified",
    "role",
    "version",
    "status",
    "created_at",
    "updated_at",
    "published_at",
    "generated_example",
    "organisation_name",
];

fn too_large(limit: usize) -> poem::Error {
    poem::Error::from(EarlyClientError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "body_too_large",
        message: format!("the request body must be at most {limit} bytes"),
        field: None,
    })
}

/// Beyond the limit, up to this much is read and discarded before answering 413, so an
/// ordinary client that is still sending gets the answer instead of a reset connection.
const DRAIN_CAP: u64 = 16 * 1024 * 1024;

/// Reads the whole body up to `limit` bytes before anything else sees it, so chunked
/// bodies without `Content-Length` are bounded too.
pub async fn limit_body<E: Endpoint>(
    endpoint: E,
    mut request: Request,
    limit: usize,
) -> poem::Result<E::Output> {
    use tokio::io::AsyncReadExt;
    let declared = request
        .headers()
        .get(poem::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > DRAIN_CAP) {
        return Err(too_large(limit));
    }
    let mut reader = request.take_body().into_async_read();
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut seen: u64 = 0;
    loop {
        let read = reader.read(&mut chunk).await.map_err(|error| {
            poem::Error::from(EarlyClientError {
                status: StatusCode::BAD_REQUEST,
                code: "body_unreadable",
                message: format!("the request body could not be read: {error}"),
                field: None,
            })
        })?;
        if read == 0 {
            break;
        }
        seen += read as u64;
        if seen > DRAIN_CAP {
            break;
        }
        if seen <= limit as u64 {
            bytes.extend_from_slice(&chunk[..read]);
        }
    }
    if seen > limit as u64 {
        return Err(too_large(limit));
    }
    request.set_body(Body::from(bytes));
    endpoint.call(request).await
}

/// A JSON request body parsed with serde (`deny_unknown_fields` on `T`).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        essence.eq_ignore_ascii_case("application/json")
            || essence.to_ascii_lowercase().ends_with("+json")
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

fn invalid(code: &'static str, message: String, field: Option<String>) -> poem::Error {
    poem::Error::from(EarlyClientError {
        status: StatusCode::BAD_REQUEST,
        code,
        message,
        field,
    })
}

/// Pulls the field name out of serde's "unknown field `x`, expected …" message.
fn unknown_field_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_owned())
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> poem::Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid(
            "body_required",
            "a JSON body is required".to_owned(),
            None,
        ));
    }
    if let Err(error) = std::str::from_utf8(bytes) {
        return Err(invalid(
            "body_not_utf8",
            format!("the body is not valid UTF-8 (byte {})", error.valid_up_to()),
            None,
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = inner.to_string();
        if let Some(field) = unknown_field_name(&message) {
            return if SERVER_OWNED_FIELDS.contains(&field.as_str()) {
                invalid(
                    "field_not_allowed",
                    format!("`{field}` is set by the server and may not be sent"),
                    Some(field),
                )
            } else {
                invalid(
                    "field_unknown",
                    format!("`{field}` is not a field of this request; see /api/docs"),
                    Some(field),
                )
            };
        }
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => invalid(
                "json_invalid",
                format!("the body is not valid JSON: {message}"),
                None,
            ),
            _ => {
                let field = (path != ".").then_some(path);
                invalid(
                    "field_invalid",
                    match &field {
                        Some(field) => format!("`{field}`: {message}"),
                        None => message,
                    },
                    field,
                )
            }
        }
    })?;
    deserializer.end().map_err(|error| {
        invalid(
            "json_invalid",
            format!("the body is not valid JSON: {error}"),
            None,
        )
    })?;
    Ok(value)
}

impl<T: Type + DeserializeOwned> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = <Vec<u8> as poem::FromRequest>::from_request(request, body).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: Type + DeserializeOwned);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        title: String,
        capacity: Option<u32>,
    }

    fn failure(body: &str) -> Option<(String, Option<String>)> {
        let error = parse_json::<Sample>(body.as_bytes()).err()?;
        let early = error.downcast_ref::<EarlyClientError>()?;
        Some((early.code.to_owned(), early.field.clone()))
    }

    #[test]
    fn unknown_and_server_owned_fields_are_named() {
        assert_eq!(
            failure(r#"{"title":"x","colour":1}"#),
            Some(("field_unknown".into(), Some("colour".into())))
        );
        assert_eq!(
            failure(r#"{"title":"x","verified":true}"#),
            Some(("field_not_allowed".into(), Some("verified".into())))
        );
    }

    #[test]
    fn wrong_types_name_the_field_and_syntax_errors_do_not() {
        assert_eq!(
            failure(r#"{"title":"x","capacity":-3}"#),
            Some(("field_invalid".into(), Some("capacity".into())))
        );
        assert_eq!(
            failure(r#"{"title":"x""#).map(|f| f.0),
            Some("json_invalid".into())
        );
        assert_eq!(failure("").map(|f| f.0), Some("body_required".into()));
        assert_eq!(
            parse_json::<Sample>(b"{\"title\":\"\xff\"}")
                .err()
                .and_then(|e| e.downcast_ref::<EarlyClientError>().map(|e| e.code)),
            Some("body_not_utf8")
        );
    }
}
