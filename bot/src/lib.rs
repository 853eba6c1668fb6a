//! Ponte's conversation engine: turning a firm's plain-language question into a
//! structured search and rendering the answer, for the web chat and (later, in
//! `discord/`) the Discord bot.
//!
//! The engine must know nothing of HTTP or of storage: it talks to `domain` only. Nothing
//! conversational exists yet; the marketplace core comes first.
