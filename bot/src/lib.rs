//! Ponte's conversation engine: turning a firm's plain-language question into a
//! structured search, refining it as the conversation goes on, and rendering the
//! answer, for the web chat and (later, in `discord/`) the Discord bot.
//!
//! The engine knows nothing of HTTP, HTML or Discord, nor of storage: it talks to
//! `domain` only.

pub mod engine;
pub mod understand;

pub use engine::{Answer, Card, Engine, Suggestion};
