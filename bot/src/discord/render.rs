//! Answers and digests as Discord messages: embeds and buttons kept inside Discord's
//! size limits, with mentions switched off (the text comes from listings and users).

use crate::engine::{Answer, Card, Suggestion};
use domain::subscriptions::OutgoingMessage;
use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedFooter,
};

/// Discord's limits (characters, counted as Unicode scalar values).
pub const MAX_CONTENT: usize = 2_000;
pub const MAX_EMBED_TITLE: usize = 256;
pub const MAX_EMBED_DESCRIPTION: usize = 4_096;
pub const MAX_EMBED_FOOTER: usize = 2_048;
pub const MAX_EMBEDS_TOTAL: usize = 6_000;
pub const MAX_EMBEDS: usize = 10;
pub const MAX_BUTTON_LABEL: usize = 80;
pub const MAX_CUSTOM_ID: usize = 100;

/// Button identifiers: `ponte:<action>:<argument>`.
pub const MORE: &str = "ponte:more:";
pub const SAVE: &str = "ponte:save:";
pub const INTRODUCE: &str = "ponte:intro:";
pub const INTRODUCTION_MODAL: &str = "ponte:intro-message:";
pub const ACCEPT_INTRODUCTION: &str = "ponte:intro-accept:";
pub const DECLINE_INTRODUCTION: &str = "ponte:intro-decline:";
/// Followed by `<reason>:<introduction id>`.
pub const DECLINE_REASON: &str = "ponte:intro-reason:";

/// What Discord must never do with text Ponte sends: ping anybody.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .empty_users()
        .empty_roles()
        .everyone(false)
        .replied_user(false)
}

/// Cuts `text` to at most `limit` characters, ending with an ellipsis when cut.
pub fn clip(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(limit.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

/// An embed's size as Discord counts it towards the 6,000-character total.
struct SizedEmbed {
    embed: CreateEmbed,
    size: usize,
}

fn card_embed(card: &Card, number: usize) -> SizedEmbed {
    let title = clip(&format!("{number}. {}", card.title), MAX_EMBED_TITLE);
    let mut lines = vec![format!("{} · {}", card.organisation, card.place)];
    if let Some(price) = &card.price_or_availability {
        lines.push(price.clone());
    }
    lines.push(format!("_{}_", card.why));
    let description = clip(&lines.join("\n"), 1_000);
    SizedEmbed {
        size: title.chars().count() + description.chars().count(),
        embed: CreateEmbed::new()
            .title(title)
            .url(card.url.clone())
            .description(description),
    }
}

/// Keeps embeds while they fit Discord's count and total-size limits.
fn within_limits(embeds: Vec<SizedEmbed>, reserved: usize) -> (Vec<CreateEmbed>, usize) {
    let mut total = reserved;
    let mut kept = Vec::new();
    let mut dropped = 0;
    for sized in embeds {
        if kept.len() < MAX_EMBEDS && total + sized.size <= MAX_EMBEDS_TOTAL {
            total += sized.size;
            kept.push(sized.embed);
        } else {
            dropped += 1;
        }
    }
    (kept, dropped)
}

/// A conversation's answer as a message: the answer's words (starting with how the
/// question was understood), one embed per card, and buttons.
pub struct RenderedAnswer {
    pub content: String,
    pub embeds: Vec<CreateEmbed>,
    pub components: Vec<CreateActionRow>,
}

pub fn answer(answer: &Answer, introductions: bool) -> RenderedAnswer {
    let mut content = answer.text.clone();
    // The engine's "sign in to save" refusal: on Discord, signing in means linking.
    if answer.cards.is_empty() && answer.suggestions == [Suggestion::SignInToSave] {
        content = match answer.language {
            crate::understand::Language::Italian => {
                "Per salvare questa ricerca collega il tuo account Ponte: prendi un codice dal sito (Account → Discord) e scrivi `/link CODICE`.".to_owned()
            }
            crate::understand::Language::English => {
                "To save this search, link your Ponte account: get a code on the website (Account → Discord) and send `/link CODE`.".to_owned()
            }
        };
    }
    let cards: Vec<SizedEmbed> = answer
        .cards
        .iter()
        .enumerate()
        .map(|(at, card)| card_embed(card, at + 1))
        .collect();
    let (embeds, _) = within_limits(cards, 0);
    let mut buttons = Vec::new();
    if answer.suggestions.contains(&Suggestion::More) {
        buttons.push(button(
            MORE,
            &answer.conversation,
            "More",
            ButtonStyle::Secondary,
        ));
    }
    if answer.suggestions.contains(&Suggestion::SaveSearch)
        || answer.suggestions.contains(&Suggestion::SignInToSave)
    {
        buttons.push(button(
            SAVE,
            &answer.conversation,
            "Save this search",
            ButtonStyle::Primary,
        ));
    }
    let mut components = Vec::new();
    if !buttons.is_empty() {
        components.push(CreateActionRow::Buttons(buttons));
    }
    if introductions {
        let introduce: Vec<CreateButton> = answer
            .cards
            .iter()
            .take(embeds.len().min(5))
            .enumerate()
            .map(|(at, card)| {
                button(
                    INTRODUCE,
                    &card.listing_id,
                    &format!("Request introduction ({})", at + 1),
                    ButtonStyle::Secondary,
                )
            })
            .collect();
        if !introduce.is_empty() {
            components.push(CreateActionRow::Buttons(introduce));
        }
    }
    RenderedAnswer {
        content: clip(&content, MAX_CONTENT),
        embeds,
        components,
    }
}

fn button(prefix: &str, argument: &str, label: &str, style: ButtonStyle) -> CreateButton {
    let id = clip(&format!("{prefix}{argument}"), MAX_CUSTOM_ID);
    CreateButton::new(id)
        .label(clip(label, MAX_BUTTON_LABEL))
        .style(style)
}

/// An introduction request as a direct message to a member of the organisation, with
/// accept and decline buttons.
pub fn introduction_notice(
    notice: &domain::introductions::IntroductionNotice,
) -> (String, Vec<CreateEmbed>, Vec<CreateActionRow>) {
    let content = "A firm asks Ponte for an introduction to your organisation. Its name and contacts are shared only if you accept.".to_owned();
    let place = if notice.firm_place.is_empty() {
        String::new()
    } else {
        format!("A firm in {}", notice.firm_place)
    };
    let embed = CreateEmbed::new()
        .title(clip(&notice.listing_title, MAX_EMBED_TITLE))
        .description(clip(
            format!("{place}\n\n{}", notice.message).trim(),
            MAX_EMBED_DESCRIPTION.min(2_500),
        ))
        .footer(CreateEmbedFooter::new(clip(
            &format!("{} · answer here or in Ponte", notice.listing_kind),
            MAX_EMBED_FOOTER,
        )));
    let buttons = CreateActionRow::Buttons(vec![
        button(
            ACCEPT_INTRODUCTION,
            &notice.introduction_id,
            "Accept",
            ButtonStyle::Success,
        ),
        button(
            DECLINE_INTRODUCTION,
            &notice.introduction_id,
            "Decline",
            ButtonStyle::Danger,
        ),
    ]);
    (content, vec![embed], vec![buttons])
}

/// The reasons an organisation may give for declining, as buttons.
pub fn decline_reasons(introduction_id: &str) -> Vec<CreateActionRow> {
    use domain::model::DeclineReason;
    let reasons = [
        (DeclineReason::NotOurField, "Not our field"),
        (DeclineReason::NoCapacity, "No capacity now"),
        (DeclineReason::NotAFit, "Not a fit"),
        (DeclineReason::TooEarly, "Too early"),
        (DeclineReason::Spam, "Spam"),
        (DeclineReason::Other, "Other"),
    ];
    reasons
        .chunks(3)
        .map(|row| {
            CreateActionRow::Buttons(
                row.iter()
                    .map(|(reason, label)| {
                        button(
                            DECLINE_REASON,
                            &format!("{}:{introduction_id}", reason.as_str()),
                            label,
                            ButtonStyle::Secondary,
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

/// A saved search's new matches as a Discord message.
pub struct RenderedDigest {
    pub content: String,
    pub embeds: Vec<CreateEmbed>,
    /// Items that did not fit; the content says how many and where to see them.
    pub left_out: usize,
}

pub fn digest(message: &OutgoingMessage) -> RenderedDigest {
    let count = message.items.len();
    let headline = if count == 1 {
        "A new match for your saved search on Ponte".to_owned()
    } else {
        format!("{count} new matches for your saved search on Ponte")
    };
    let footer = clip(
        &format!("Stop these messages: {}", message.unsubscribe_url),
        MAX_EMBED_FOOTER,
    );
    let items: Vec<SizedEmbed> = message
        .items
        .iter()
        .map(|item| {
            let title = clip(&item.title, MAX_EMBED_TITLE);
            let place = match &item.city {
                Some(city) => format!("{city}, {}", item.country),
                None => item.country.clone(),
            };
            let description = clip(
                &format!("{} · {} · {place}", item.kind, item.organisation),
                MAX_EMBED_DESCRIPTION.min(500),
            );
            SizedEmbed {
                size: title.chars().count() + description.chars().count(),
                embed: CreateEmbed::new()
                    .title(title)
                    .url(item.url.clone())
                    .description(description),
            }
        })
        .collect();
    // The footer goes on the last embed kept; reserve room for it.
    let (mut embeds, left_out) = within_limits(items, footer.chars().count());
    if let Some(last) = embeds.pop() {
        embeds.push(last.footer(CreateEmbedFooter::new(footer.clone())));
    }
    let mut content = headline;
    if left_out > 0 {
        content.push_str(&format!(
            " ({left_out} more did not fit here: they are in your Ponte inbox)"
        ));
    }
    content.push_str(&format!(
        "\nStop these messages: <{}>",
        message.unsubscribe_url
    ));
    RenderedDigest {
        content: clip(&content, MAX_CONTENT),
        embeds,
        left_out,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use domain::model::DeliveryChannelKind;
    use domain::subscriptions::MessageItem;

    fn message(items: usize, title_len: usize) -> OutgoingMessage {
        OutgoingMessage {
            delivery_id: "d1".into(),
            subscription_id: "s1".into(),
            circle_id: None,
            channel: DeliveryChannelKind::DiscordDm,
            digest: items > 1,
            items: (0..items)
                .map(|i| MessageItem {
                    notification_id: format!("n{i}"),
                    listing_id: format!("l{i}"),
                    kind: "facility".into(),
                    title: "T".repeat(title_len),
                    organisation: "@everyone Lab".into(),
                    city: Some("Bologna".into()),
                    country: "IT".into(),
                    url: format!("http://ponte.test/listings/l{i}"),
                })
                .collect(),
            unsubscribe_url: "http://ponte.test/unsubscribe/tok".into(),
            webhook_url: None,
            webhook_secret: None,
            discord_target: None,
            attempt: 1,
        }
    }

    fn total_embed_chars(embeds: &[CreateEmbed]) -> usize {
        embeds
            .iter()
            .map(|e| {
                let v = serde_json::to_value(e).unwrap();
                ["title", "description"]
                    .iter()
                    .map(|k| v[k].as_str().map_or(0, |s| s.chars().count()))
                    .sum::<usize>()
                    + v["footer"]["text"]
                        .as_str()
                        .map_or(0, |s| s.chars().count())
            })
            .sum()
    }

    #[test]
    fn a_large_digest_stays_within_discords_limits_and_says_what_was_left_out() {
        let rendered = digest(&message(40, 300));
        assert!(rendered.embeds.len() <= MAX_EMBEDS);
        assert!(total_embed_chars(&rendered.embeds) <= MAX_EMBEDS_TOTAL);
        assert!(rendered.content.chars().count() <= MAX_CONTENT);
        assert_eq!(rendered.left_out, 40 - rendered.embeds.len());
        assert!(rendered.content.contains("more did not fit"));
        for embed in &rendered.embeds {
            let v = serde_json::to_value(embed).unwrap();
            assert!(v["title"].as_str().unwrap().chars().count() <= MAX_EMBED_TITLE);
        }
    }

    #[test]
    fn a_small_digest_keeps_every_item_and_the_unsubscribe_link() {
        let rendered = digest(&message(3, 20));
        assert_eq!(rendered.embeds.len(), 3);
        assert_eq!(rendered.left_out, 0);
        assert!(rendered.content.starts_with("3 new matches"));
        assert!(
            rendered
                .content
                .contains("<http://ponte.test/unsubscribe/tok>")
        );
        let last = serde_json::to_value(rendered.embeds.last().unwrap()).unwrap();
        assert!(
            last["footer"]["text"]
                .as_str()
                .unwrap()
                .contains("unsubscribe/tok")
        );
    }

    #[test]
    fn clipping_counts_characters_not_bytes() {
        assert_eq!(clip("àèìòù", 5), "àèìòù");
        assert_eq!(clip("àèìòùx", 5), "àèìò…");
        assert_eq!(clip("àèìòùx", 5).chars().count(), 5);
    }

    #[test]
    fn mentions_are_switched_off() {
        let v = serde_json::to_value(no_mentions()).unwrap();
        assert_eq!(v["parse"], serde_json::json!([]));
        assert_eq!(v["users"], serde_json::json!([]));
        assert_eq!(v["roles"], serde_json::json!([]));
    }
}
