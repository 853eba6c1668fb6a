//! The HTTP plumbing every endpoint shares: the error body and its mapping from domain
//! errors, request ids, body limits, JSON bodies that name the field at fault, caller
//! resolution and sign-in rate limits.

pub mod auth;
pub mod body;
pub mod errors;
