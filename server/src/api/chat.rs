//! The web chat: plain-language questions answered by the conversation engine.

use super::ApiState;
use super::search::SearchParameters;
use super::wire::ListingKind;
use crate::http::auth::AnyCaller;
use crate::http::body::JsonBody;
use crate::http::errors::ApiError;
use bot::{Answer, Suggestion};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};
use serde::Deserialize;

#[derive(Tags)]
enum ChatTags {
    /// Ask in plain English or Italian.
    Chat,
}

pub struct ChatApi {
    pub state: ApiState,
}

/// A message to the chat.
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct ChatMessage {
    /// What you need, in your own words (at most 1,000 characters).
    pub message: String,
    /// The `conversation` of the previous answer, to refine it ("only in Modena",
    /// "cheaper", "more", "spaces instead", "save this search").
    pub conversation: Option<String>,
}

impl poem_openapi::types::Example for ChatMessage {
    fn example() -> Self {
        ChatMessage {
            message: "who can test the fatigue of carbon-fibre parts near Bologna?".into(),
            conversation: None,
        }
    }
}

#[derive(Debug, Object)]
pub struct ChatCard {
    pub listing_id: String,
    pub kind: ListingKind,
    pub title: String,
    pub organisation: String,
    pub place: String,
    /// Price or availability, in words.
    pub price_or_availability: Option<String>,
    /// Why it matched, in words.
    pub why: String,
    pub url: String,
}

#[derive(Debug, Object)]
pub struct ChatReply {
    /// The answer in words, starting with how the question was understood.
    pub text: String,
    /// How the question was understood, in words.
    pub understood: String,
    pub cards: Vec<ChatCard>,
    /// Send it back with the next message to refine this search.
    pub conversation: String,
    /// The search as understood, with the parameter names of `GET /search` (`relaxed`
    /// says what was dropped from it to find the cards when nothing matched exactly).
    pub search: Option<SearchParameters>,
    /// What was dropped to find something when nothing matched exactly.
    pub relaxed: Vec<String>,
    /// How many listings the search found in all.
    pub total: u64,
    /// What you can say next: `more`, `more_like_this`, `save_search`, `sign_in_to_save`.
    pub suggestions: Vec<String>,
    /// Set when the message saved the search.
    pub saved_subscription_id: Option<String>,
    /// `en` or `it`: the language of the answer.
    pub language: String,
}

fn reply(answer: Answer) -> ChatReply {
    ChatReply {
        text: answer.text,
        understood: answer.understood,
        cards: answer
            .cards
            .into_iter()
            .map(|card| ChatCard {
                listing_id: card.listing_id,
                kind: card.kind.into(),
                title: card.title,
                organisation: card.organisation,
                place: card.place,
                price_or_availability: card.price_or_availability,
                why: card.why,
                url: card.url,
            })
            .collect(),
        conversation: answer.conversation,
        search: answer.search.map(Into::into),
        relaxed: answer.relaxed,
        total: answer.total,
        suggestions: answer
            .suggestions
            .into_iter()
            .map(|s| {
                match s {
                    Suggestion::More => "more",
                    Suggestion::MoreLikeThis => "more_like_this",
                    Suggestion::SaveSearch => "save_search",
                    Suggestion::SignInToSave => "sign_in_to_save",
                }
                .to_owned()
            })
            .collect(),
        saved_subscription_id: answer.saved_subscription_id,
        language: match answer.language {
            bot::understand::Language::English => "en",
            bot::understand::Language::Italian => "it",
        }
        .to_owned(),
    }
}

#[OpenApi(tag = "ChatTags::Chat")]
impl ChatApi {
    /// Ask the chat
    ///
    /// Plain-language questions in English or Italian ("cerco un ufficio a Modena per 4
    /// persone sotto i 400 euro") become a search; the answer says how it was
    /// understood, shows the top results, and when nothing matches says what was
    /// relaxed. Follow-ups refine the conversation's last search. Signed-in users can
    /// say "save this search". Rate-limited per address. Access: Open to everyone.
    #[oai(path = "/chat", method = "post", operation_id = "chat")]
    async fn chat(
        &self,
        caller: AnyCaller,
        peer: &poem::web::RemoteAddr,
        body: JsonBody<ChatMessage>,
    ) -> Result<Json<ChatReply>, ApiError> {
        self.state.chat_limit.check(peer)?;
        let body = body.0;
        let answer = self
            .state
            .engine
            .reply(&caller.0, body.conversation.as_deref(), &body.message)
            .await?;
        Ok(Json(reply(answer)))
    }
}
