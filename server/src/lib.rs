//! Ponte's composition root: configuration, the HTTP API, the public web portal, the
//! `ponte` command line and the server's life cycle (start-up, readiness, graceful
//! shutdown).
//!
//! It owns transport only. Rules live in `domain`; this crate never talks to the
//! database or to tantivy directly, and only it decides whether the Discord adapter runs.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod http;
mod import;
pub mod web;
pub mod webhooks;

pub use app::{BoxError, RunningServer, run, start};
pub use config::Settings;
