//! Ponte's domain: the marketplace model and every rule about it — what a valid
//! organisation or listing is, who may see and change what, how a change is recorded in
//! the `change_log` outbox that search and matching consume.
//!
//! It owns storage (sea-orm, private to this crate) and exposes one cheap-to-clone
//! handle, [`Hub`], that HTTP handlers, bot commands, workers and the CLI all call.
//! It knows nothing of HTTP, HTML or Discord: no poem, poem-openapi or serenity here.

pub mod access;
pub mod circles;
pub mod conversations;
pub mod corpus;
mod db;
pub mod demo;
pub mod discord_links;
pub mod error;
mod hub;
pub mod import;
pub mod introductions;
pub mod model;
pub mod places;
pub mod search;
mod secrets;
pub mod subscriptions;
pub mod text;
pub mod validate;
pub mod vocabulary;

pub use access::{Access, Caller, Principal};
pub use error::{Error, ErrorKind, Result};
pub use hub::{Hub, HubOptions, ImportListing, ImportOutcome};
