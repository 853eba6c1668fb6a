//! Ponte's conversation engine: turning a firm's plain-language question into a
//! structured search, refining it as the conversation goes on, and rendering the
//! answer, for the web chat and for Discord (`discord/`: slash commands, buttons,
//! direct messages, and the adapter that pushes saved-search matches to Discord).
//!
//! The engine knows nothing of HTTP, HTML or Discord, nor of storage: it talks to
//! `domain` only. Nothing outside `discord/` knows Discord.

pub mod discord;
pub mod engine;
pub mod understand;

pub use engine::{Answer, Card, Engine, Suggestion};
