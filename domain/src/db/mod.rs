//! The stored shape of every table, one entity per file (sea-orm 2 dense format).
//! Private to the domain: no sea-orm type leaves this crate.

pub mod account;
pub mod api_token;
pub mod change_log;
pub mod circle;
pub mod circle_member;
pub mod conversation;
pub mod delivery;
pub mod discord_account;
pub mod discord_link_code;
pub mod inbox_item;
pub mod introduction;
pub mod introduction_event;
pub mod listing;
pub mod membership;
pub mod notification;
pub mod organisation;
pub mod search_miss;
pub mod session;
pub mod subscription;
pub mod subscription_exclusion;
pub mod worker_checkpoint;

#[cfg(test)]
mod drift;
