//! Storage for chat conversations (their state is the conversation engine's business)
//! and the record of chat questions that found nothing, for the unmet-demand report.

use crate::db::{conversation, search_miss};
use crate::error::Result;
use crate::hub::{Hub, new_id, now};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

/// Largest stored state; a conversation keeps only its last search.
const MAX_STATE_BYTES: usize = 64 * 1024;

impl Hub {
    /// A new conversation id (opaque, unguessable enough to act as a handle).
    pub fn new_conversation_id(&self) -> String {
        new_id()
    }

    /// The state of a conversation that has not expired.
    pub async fn load_conversation(&self, id: &str) -> Result<Option<String>> {
        if uuid::Uuid::parse_str(id).is_err() {
            return Ok(None);
        }
        Ok(conversation::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?
            .filter(|row| row.expires_at > now())
            .map(|row| row.state))
    }

    /// Stores a conversation's state for `ttl` from now, and forgets expired ones.
    pub async fn save_conversation(
        &self,
        id: &str,
        state: &str,
        ttl: chrono::Duration,
    ) -> Result<()> {
        if state.len() > MAX_STATE_BYTES {
            return Err(crate::Error::invalid(
                "conversation",
                "conversation_too_long",
                "this conversation is too long; start a new one",
            ));
        }
        let at = now();
        conversation::Entity::insert(conversation::ActiveModel {
            id: Set(id.to_owned()),
            state: Set(state.to_owned()),
            updated_at: Set(at),
            expires_at: Set(at + ttl),
        })
        .on_conflict(
            OnConflict::column(conversation::Column::Id)
                .update_columns([
                    conversation::Column::State,
                    conversation::Column::UpdatedAt,
                    conversation::Column::ExpiresAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        conversation::Entity::delete_many()
            .filter(conversation::Column::ExpiresAt.lt(at))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Records a chat question that found nothing: its text and the structured search
    /// it became (JSON), no account.
    pub async fn record_chat_miss(&self, text: &str, search_json: &str) -> Result<()> {
        search_miss::ActiveModel {
            id: Set(new_id()),
            query: Set(text.chars().take(1_000).collect()),
            filters: Set(search_json.to_owned()),
            source: Set("chat".to_owned()),
            created_at: Set(now()),
        }
        .insert(self.db())
        .await?;
        Ok(())
    }
}
