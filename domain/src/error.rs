//! The one error type of the domain: a kind that decides how a transport reports it, a
//! stable snake_case code clients can rely on, a human message and, where it applies,
//! the input field at fault.
//!
//! It deliberately knows no HTTP status codes or Discord replies; the edges map kinds.

use std::fmt;

/// How an error is to be treated by whoever reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidInput,
    NotFound,
    Conflict,
    PreconditionFailed,
    Forbidden,
    Unauthenticated,
    RateLimited,
    Unavailable,
    Internal,
}

/// A failure of a domain operation.
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Error {
            kind,
            code,
            message: message.into(),
            field: None,
            source: None,
        }
    }

    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidInput, code, message).with_field(field)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Forbidden, "forbidden", message)
    }

    pub fn unauthenticated() -> Self {
        Error::new(
            ErrorKind::Unauthenticated,
            "unauthenticated",
            "sign in or send a bearer token to use this endpoint",
        )
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Conflict, code, message)
    }

    pub fn internal(
        context: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error {
            kind: ErrorKind::Internal,
            code: "internal",
            message: context.to_owned(),
            field: None,
            source: Some(Box::new(source)),
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The whole cause chain, for logs only: it may contain details a client must not see.
    pub fn cause_chain(&self) -> String {
        let mut text = self.message.clone();
        let mut next: Option<&(dyn std::error::Error + 'static)> = match &self.source {
            Some(source) => Some(source.as_ref()),
            None => None,
        };
        while let Some(cause) = next {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            next = cause.source();
        }
        text
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.source {
            Some(source) => Some(source.as_ref()),
            None => None,
        }
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(error: sea_orm::DbErr) -> Self {
        match error.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::conflict(
                "already_exists",
                "a record with the same unique value already exists",
            ),
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => Error::new(
                ErrorKind::InvalidInput,
                "reference_invalid",
                "the record refers to something that does not exist",
            ),
            _ => Error::internal("database error", error),
        }
    }
}
