//! The slash commands, buttons and direct messages the bot answers. Each one runs
//! through the conversation engine or the domain, exactly as the web does.

use super::render::{
    self, ACCEPT_INTRODUCTION, DECLINE_INTRODUCTION, DECLINE_REASON, INTRODUCE, INTRODUCTION_MODAL,
    MORE, SAVE, no_mentions,
};
use super::{BotError, BotState, Context};
use domain::model::ListingKind;
use domain::{Caller, Error, ErrorKind};
use poise::serenity_prelude as serenity;
use serenity::all::{
    ActionRowComponent, ComponentInteraction, CreateActionRow, CreateInputText,
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    CreateMessage, CreateModal, InputTextStyle, Interaction, ModalInteraction,
};

const HOW_TO_LINK: &str = "This needs your Ponte account. On the Ponte website open Account → Discord (or call POST /api/v1/me/discord-link-code) to get a one-time code, then send `/link CODE` here.";

pub fn all() -> Vec<poise::Command<BotState, BotError>> {
    vec![
        find(),
        expert(),
        facility(),
        space(),
        subscribe(),
        subscriptions(),
        unsubscribe(),
        circle(),
        link(),
        help(),
    ]
}

async fn caller_of(state: &BotState, user: serenity::UserId) -> Result<Caller, Error> {
    Ok(Caller(
        state
            .engine
            .hub()
            .discord_principal(&user.get().to_string())
            .await?,
    ))
}

/// What a person reads when something they asked could not be done.
fn explain(error: &Error) -> String {
    match error.kind {
        ErrorKind::Unauthenticated => HOW_TO_LINK.to_owned(),
        ErrorKind::Internal => {
            "Sorry, something went wrong on Ponte's side. Please try again in a minute.".to_owned()
        }
        _ => format!("Sorry: {}.", error.message.trim_end_matches('.')),
    }
}

async fn say(ctx: Context<'_>, text: impl Into<String>) -> Result<(), BotError> {
    ctx.send(
        poise::CreateReply::default()
            .content(render::clip(&text.into(), render::MAX_CONTENT))
            .allowed_mentions(no_mentions())
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// Runs a question through the engine and answers with cards and buttons.
async fn ask(ctx: Context<'_>, question: &str, kind: Option<ListingKind>) -> Result<(), BotError> {
    ctx.defer().await?;
    let state = ctx.data();
    let caller = match caller_of(state, ctx.author().id).await {
        Ok(caller) => caller,
        Err(error) => return say(ctx, explain(&error)).await,
    };
    let key = (ctx.author().id.get(), ctx.channel_id().get());
    let previous = state.conversations.lock().await.get(&key).cloned();
    let answer = match state
        .engine
        .reply_about(&caller, previous.as_deref(), question, kind)
        .await
    {
        Ok(answer) => answer,
        Err(error) => return say(ctx, explain(&error)).await,
    };
    state
        .conversations
        .lock()
        .await
        .insert(key, answer.conversation.clone());
    let rendered = render::answer(&answer, true);
    let mut reply = poise::CreateReply::default()
        .content(rendered.content)
        .components(rendered.components)
        .allowed_mentions(no_mentions());
    for embed in rendered.embeds {
        reply = reply.embed(embed);
    }
    ctx.send(reply).await?;
    Ok(())
}

/// Find experts, facilities and spaces: say what you need in your own words.
#[poise::command(slash_command)]
async fn find(
    ctx: Context<'_>,
    #[description = "e.g. who can test the fatigue of carbon-fibre parts near Bologna?"]
    #[max_length = 1000]
    question: String,
) -> Result<(), BotError> {
    ask(ctx, &question, None).await
}

/// Find a university expert or research group for your problem.
#[poise::command(slash_command)]
async fn expert(
    ctx: Context<'_>,
    #[description = "e.g. corrosion of welded steel, near Modena"]
    #[max_length = 1000]
    question: String,
) -> Result<(), BotError> {
    ask(ctx, &question, Some(ListingKind::Expertise)).await
}

/// Find a lab, instrument or test rig you can use, with its price.
#[poise::command(slash_command)]
async fn facility(
    ctx: Context<'_>,
    #[description = "e.g. scanning electron microscope in Emilia-Romagna under 200 euro"]
    #[max_length = 1000]
    question: String,
) -> Result<(), BotError> {
    ask(ctx, &question, Some(ListingKind::Facility)).await
}

/// Find a desk, office, lab bench or workshop in an incubator.
#[poise::command(slash_command)]
async fn space(
    ctx: Context<'_>,
    #[description = "e.g. an office in Modena for 4 people under 400 euro a month"]
    #[max_length = 1000]
    question: String,
) -> Result<(), BotError> {
    ask(ctx, &question, Some(ListingKind::Space)).await
}

/// Save a search: new matching listings will reach you here by direct message.
#[poise::command(slash_command)]
async fn subscribe(
    ctx: Context<'_>,
    #[description = "What to watch for, e.g. additive manufacturing of titanium near Bologna"]
    #[max_length = 1000]
    question: String,
) -> Result<(), BotError> {
    save_question(ctx, &question, false).await
}

async fn save_question(ctx: Context<'_>, question: &str, for_circle: bool) -> Result<(), BotError> {
    ctx.defer_ephemeral().await?;
    let state = ctx.data();
    let caller = match caller_of(state, ctx.author().id).await {
        Ok(caller) if caller.principal().is_some() => caller,
        Ok(_) => return say(ctx, HOW_TO_LINK).await,
        Err(error) => return say(ctx, explain(&error)).await,
    };
    let asked = match state.engine.reply(&caller, None, question).await {
        Ok(answer) => answer,
        Err(error) => return say(ctx, explain(&error)).await,
    };
    let instruction = if for_circle {
        "save this search for my circle"
    } else {
        "save this search"
    };
    match state
        .engine
        .reply(&caller, Some(&asked.conversation), instruction)
        .await
    {
        Ok(saved) => {
            let text = match &saved.saved_subscription_id {
                Some(id) => format!(
                    "{}\n{}\nIt has the id `{id}` (see `/subscriptions`; `/unsubscribe {id}` stops it).",
                    asked.understood, saved.text
                ),
                None => saved.text,
            };
            say(ctx, text).await
        }
        Err(error) => say(ctx, explain(&error)).await,
    }
}

/// Show your saved searches (and your circles') and where their matches go.
#[poise::command(slash_command)]
async fn subscriptions(ctx: Context<'_>) -> Result<(), BotError> {
    ctx.defer_ephemeral().await?;
    let state = ctx.data();
    let caller = match caller_of(state, ctx.author().id).await {
        Ok(caller) if caller.principal().is_some() => caller,
        Ok(_) => return say(ctx, HOW_TO_LINK).await,
        Err(error) => return say(ctx, explain(&error)).await,
    };
    let page = match state
        .engine
        .hub()
        .list_subscriptions(&caller, Some(20), None)
        .await
    {
        Ok(page) => page,
        Err(error) => return say(ctx, explain(&error)).await,
    };
    if page.items.is_empty() {
        return say(
            ctx,
            "You have no saved searches yet. Try `/subscribe what you need`, or press “Save this search” under an answer.",
        )
        .await;
    }
    let mut lines = vec![format!("Your saved searches ({}):", page.total)];
    for view in &page.items {
        let words = view.search.q.clone().unwrap_or_else(|| "everything".into());
        let place = view
            .search
            .near
            .as_ref()
            .map(|p| format!(" near {p}"))
            .unwrap_or_default();
        lines.push(format!(
            "• `{}` — “{words}”{place} · {} · {}{}",
            view.id,
            view.frequency.as_str(),
            view.channel.as_str(),
            if view.circle_id.is_some() {
                " · circle"
            } else {
                ""
            }
        ));
    }
    say(ctx, lines.join("\n")).await
}

/// Stop a saved search (its id is shown by /subscriptions).
#[poise::command(slash_command)]
async fn unsubscribe(
    ctx: Context<'_>,
    #[description = "The saved search's id, as /subscriptions shows it"]
    #[max_length = 64]
    id: String,
) -> Result<(), BotError> {
    ctx.defer_ephemeral().await?;
    let state = ctx.data();
    let caller = match caller_of(state, ctx.author().id).await {
        Ok(caller) if caller.principal().is_some() => caller,
        Ok(_) => return say(ctx, HOW_TO_LINK).await,
        Err(error) => return say(ctx, explain(&error)).await,
    };
    match state
        .engine
        .hub()
        .delete_subscription(&caller, id.trim())
        .await
    {
        Ok(()) => say(ctx, "Done: that saved search is deleted.").await,
        Err(error) => say(ctx, explain(&error)).await,
    }
}

/// Learning circles: groups of firms that learn together and share saved searches.
#[poise::command(
    slash_command,
    subcommands(
        "circle_create",
        "circle_join",
        "circle_leave",
        "circle_link_channel",
        "circle_subscribe"
    )
)]
async fn circle(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

async fn linked_caller(ctx: Context<'_>) -> Result<Option<Caller>, BotError> {
    match caller_of(ctx.data(), ctx.author().id).await {
        Ok(caller) if caller.principal().is_some() => Ok(Some(caller)),
        Ok(_) => {
            say(ctx, HOW_TO_LINK).await?;
            Ok(None)
        }
        Err(error) => {
            say(ctx, explain(&error)).await?;
            Ok(None)
        }
    }
}

/// Start a learning circle; you become its facilitator.
#[poise::command(slash_command, rename = "create")]
async fn circle_create(
    ctx: Context<'_>,
    #[description = "The circle's name"]
    #[max_length = 200]
    name: String,
    #[description = "What the circle is about"]
    #[max_length = 1000]
    description: Option<String>,
) -> Result<(), BotError> {
    ctx.defer_ephemeral().await?;
    let Some(caller) = linked_caller(ctx).await? else {
        return Ok(());
    };
    let created = ctx
        .data()
        .engine
        .hub()
        .create_circle(
            &caller,
            domain::circles::NewCircle {
                name,
                description: description.unwrap_or_default(),
                topics: Vec::new(),
                discord: None,
            },
        )
        .await;
    match created {
        Ok(circle) => {
            say(
                ctx,
                format!(
                    "Circle “{}” created. Members join with `/circle join {}`. In the circle's Discord channel, `/circle link-channel` makes its saved searches post there.",
                    circle.name,
                    circle.invite_code.unwrap_or_default()
                ),
            )
            .await
        }
        Err(error) => say(ctx, explain(&error)).await,
    }
}

/// Join a learning circle with the invitation code its facilitator gave you.
#[poise::command(slash_command, rename = "join")]
async fn circle_join(
    ctx: Context<'_>,
    #[description = "The invitation code"]
    #[max_length = 100]
    code: String,
) -> Result<(), BotError> {
    ctx.defer_ephemeral().await?;
    let Some(caller) = linked_caller(ctx).await? else {
        return Ok(());
    };
    match ctx
        .data()
        .engine
        .hub()
        .join_circle(&caller, code.trim())
        .await
    {
        Ok(circle) => say(ctx, format!("Welcome to “{}”.", circle.name)).await,
        Err(error) => say(ctx, explain(&error)).await,
    }
}

/// Which of the caller's circles a command means: the one named, else the only one.
async fn pick_circle(
    ctx: Context<'_>,
    caller: &Caller,
    name: Option<&str>,
    facilitated_only: bool,
) -> Result<Option<domain::circles::CircleView>, BotError> {
    let circles = match ctx.data().engine.hub().list_circles(caller).await {
        Ok(circles) => circles,
        Err(error) => {
            say(ctx, explain(&error)).await?;
            return Ok(None);
        }
    };
    let account = caller
        .principal()
        .map(|p| p.account_id.clone())
        .unwrap_or_default();
    let mut candidates: Vec<_> = circles
        .into_iter()
        .filter(|c| !facilitated_only || c.facilitator_id == account)
        .filter(|c| name.is_none_or(|n| c.name.eq_ignore_ascii_case(n.trim()) || c.id == n.trim()))
        .collect();
    match candidates.len() {
        1 => Ok(candidates.pop()),
        0 => {
            say(
                ctx,
                if facilitated_only {
                    "You facilitate no circle by that name."
                } else {
                    "You are in no circle by that name."
                },
            )
            .await?;
            Ok(None)
        }
        _ => {
            let names: Vec<String> = candidates.iter().map(|c| format!("“{}”", c.name)).collect();
            say(
                ctx,
                format!("Which circle? Give its name: {}.", names.join(", ")),
            )
            .await?;
            Ok(None)
        }
    }
}

/// Leave a learning circle.
#[poise::command(slash_command, rename = "leave")]
async fn circle_leave(
    ctx: Context<'_>,
    #[description = "The circle's name (needed only if you are in several)"]
    #[max_length = 200]
    name: Option<String>,
) -> Result<(), BotError> {
    ctx.defer_ephemeral().await?;
    let Some(caller) = linked_caller(ctx).await? else {
        return Ok(());
    };
    let Some(circle) = pick_circle(ctx, &caller, name.as_deref(), false).await? else {
        return Ok(());
    };
    match ctx
        .data()
        .engine
        .hub()
        .leave_circle(&caller, &circle.id)
        .await
    {
        Ok(()) => say(ctx, format!("You left “{}”.", circle.name)).await,
        Err(error) => say(ctx, explain(&error)).await,
    }
}

/// Post your circle's saved-search matches in this channel (facilitators only).
#[poise::command(slash_command, guild_only, rename = "link-channel")]
async fn circle_link_channel(
    ctx: Context<'_>,
    #[description = "The circle's name (needed only if you facilitate several)"]
    #[max_length = 200]
    name: Option<String>,
) -> Result<(), BotError> {
    ctx.defer_ephemeral().await?;
    let Some(caller) = linked_caller(ctx).await? else {
        return Ok(());
    };
    let Some(guild) = ctx.guild_id() else {
        return say(
            ctx,
            "Use this in the circle's channel on a server, not in a direct message.",
        )
        .await;
    };
    let Some(circle) = pick_circle(ctx, &caller, name.as_deref(), true).await? else {
        return Ok(());
    };
    let update = domain::circles::CircleUpdate {
        discord: Some(Some(domain::circles::DiscordChannel {
            guild_id: guild.get().to_string(),
            channel_id: ctx.channel_id().get().to_string(),
        })),
        ..Default::default()
    };
    match ctx
        .data()
        .engine
        .hub()
        .update_circle(&caller, &circle.id, update)
        .await
    {
        Ok(_) => {
            say(
                ctx,
                format!(
                    "This channel is now “{}”'s: saved searches made with `/circle subscribe` post their matches here.",
                    circle.name
                ),
            )
            .await
        }
        Err(error) => say(ctx, explain(&error)).await,
    }
}

/// Save a search for your circle (facilitators only): matches go to its channel.
#[poise::command(slash_command, rename = "subscribe")]
async fn circle_subscribe(
    ctx: Context<'_>,
    #[description = "What the circle wants to hear about"]
    #[max_length = 1000]
    question: String,
) -> Result<(), BotError> {
    save_question(ctx, &question, true).await
}

/// Link your Discord account to your Ponte account with a one-time code.
#[poise::command(slash_command)]
async fn link(
    ctx: Context<'_>,
    #[description = "The code from the Ponte website (Account → Discord)"]
    #[max_length = 100]
    code: String,
) -> Result<(), BotError> {
    ctx.defer_ephemeral().await?;
    let linked = ctx
        .data()
        .engine
        .hub()
        .link_discord_user(code.trim(), &ctx.author().id.get().to_string())
        .await;
    match linked {
        Ok(_) => {
            say(
                ctx,
                "Linked: this Discord account now acts as your Ponte account. Saved searches you make here reach you by direct message.",
            )
            .await
        }
        Err(error) => say(ctx, explain(&error)).await,
    }
}

/// What the Ponte bot can do, and how to ask.
#[poise::command(slash_command)]
async fn help(ctx: Context<'_>) -> Result<(), BotError> {
    let public_url = &ctx.data().public_url;
    say(
        ctx,
        format!(
            "Ponte finds university experts, labs and test rigs, and incubator space for your firm.\n\
             • `/find` what you need, in your own words (English or Italian) — or just write to me in a direct message\n\
             • `/expert`, `/facility`, `/space` to look for one kind only\n\
             • under each answer: “More”, “Save this search”, “Request introduction”\n\
             • `/subscribe` saves a search: new matches reach you here; `/subscriptions` lists them, `/unsubscribe ID` stops one\n\
             • `/circle create|join|leave|link-channel|subscribe` for learning circles\n\
             • `/link CODE` connects your Ponte account (code from {public_url} → Account → Discord)"
        ),
    )
    .await
}

pub async fn on_error(error: poise::FrameworkError<'_, BotState, BotError>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, %error, "Discord command failed");
        }
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::error!(%error, "cannot report a Discord error");
            }
        }
    }
}

/// Buttons, the introduction form, and plain direct messages.
pub async fn on_event(
    framework: poise::FrameworkContext<'_, BotState, BotError>,
    event: &serenity::FullEvent,
) -> Result<(), BotError> {
    let ctx = framework.serenity_context;
    let state = framework.user_data;
    match event {
        serenity::FullEvent::InteractionCreate {
            interaction: Interaction::Component(component),
        } => on_button(ctx, state, component).await,
        serenity::FullEvent::InteractionCreate {
            interaction: Interaction::Modal(modal),
        } => on_modal(ctx, state, modal).await,
        serenity::FullEvent::Message { new_message }
            if new_message.guild_id.is_none() && !new_message.author.bot =>
        {
            on_direct_message(ctx, state, new_message).await
        }
        _ => Ok(()),
    }
}

async fn on_direct_message(
    ctx: &serenity::Context,
    state: &BotState,
    message: &serenity::Message,
) -> Result<(), BotError> {
    let text = message.content.trim();
    if text.is_empty() {
        return Ok(());
    }
    let key = (message.author.id.get(), message.channel_id.get());
    let outgoing = match caller_of(state, message.author.id).await {
        Err(error) => CreateMessage::new().content(explain(&error)),
        Ok(caller) => {
            let previous = state.conversations.lock().await.get(&key).cloned();
            match state.engine.reply(&caller, previous.as_deref(), text).await {
                Err(error) => CreateMessage::new().content(explain(&error)),
                Ok(answer) => {
                    state
                        .conversations
                        .lock()
                        .await
                        .insert(key, answer.conversation.clone());
                    let rendered = render::answer(&answer, true);
                    CreateMessage::new()
                        .content(rendered.content)
                        .embeds(rendered.embeds)
                        .components(rendered.components)
                }
            }
        }
    };
    message
        .channel_id
        .send_message(&ctx.http, outgoing.allowed_mentions(no_mentions()))
        .await?;
    Ok(())
}

async fn follow_up(
    ctx: &serenity::Context,
    component: &ComponentInteraction,
    reply: CreateInteractionResponseFollowup,
) -> Result<(), BotError> {
    component
        .create_followup(&ctx.http, reply.allowed_mentions(no_mentions()))
        .await?;
    Ok(())
}

async fn on_button(
    ctx: &serenity::Context,
    state: &BotState,
    component: &ComponentInteraction,
) -> Result<(), BotError> {
    let id = component.data.custom_id.as_str();
    if let Some(listing_id) = id.strip_prefix(INTRODUCE) {
        // The form asks for the message; the request is made when it is sent.
        let form = CreateModal::new(
            render::clip(
                &format!("{INTRODUCTION_MODAL}{listing_id}"),
                render::MAX_CUSTOM_ID,
            ),
            "Request an introduction",
        )
        .components(vec![CreateActionRow::InputText(
            CreateInputText::new(
                InputTextStyle::Paragraph,
                "What you need, by when",
                "message",
            )
            .placeholder("We need fatigue tests on 20 carbon-fibre brackets by March.")
            .min_length(10)
            .max_length(2000),
        )]);
        component
            .create_response(&ctx.http, CreateInteractionResponse::Modal(form))
            .await?;
        return Ok(());
    }
    if let Some(reply) = answer_introduction(state, component).await {
        component
            .create_response(
                &ctx.http,
                CreateInteractionResponse::Message(
                    reply.ephemeral(true).allowed_mentions(no_mentions()),
                ),
            )
            .await?;
        return Ok(());
    }
    let (conversation, instruction) = if let Some(conversation) = id.strip_prefix(MORE) {
        (conversation, "more")
    } else if let Some(conversation) = id.strip_prefix(SAVE) {
        (conversation, "save this search")
    } else {
        return Ok(());
    };
    let ephemeral = instruction != "more";
    component
        .create_response(
            &ctx.http,
            CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(ephemeral),
            ),
        )
        .await?;
    let caller = match caller_of(state, component.user.id).await {
        Ok(caller) => caller,
        Err(error) => {
            return follow_up(
                ctx,
                component,
                CreateInteractionResponseFollowup::new()
                    .content(explain(&error))
                    .ephemeral(true),
            )
            .await;
        }
    };
    let answer = match state
        .engine
        .reply(&caller, Some(conversation), instruction)
        .await
    {
        Ok(answer) => answer,
        Err(error) => {
            return follow_up(
                ctx,
                component,
                CreateInteractionResponseFollowup::new()
                    .content(explain(&error))
                    .ephemeral(true),
            )
            .await;
        }
    };
    state.conversations.lock().await.insert(
        (component.user.id.get(), component.channel_id.get()),
        answer.conversation.clone(),
    );
    let rendered = render::answer(&answer, !ephemeral);
    follow_up(
        ctx,
        component,
        CreateInteractionResponseFollowup::new()
            .content(rendered.content)
            .embeds(rendered.embeds)
            .components(rendered.components)
            .ephemeral(ephemeral),
    )
    .await
}

async fn on_modal(
    ctx: &serenity::Context,
    state: &BotState,
    modal: &ModalInteraction,
) -> Result<(), BotError> {
    let Some(listing_id) = modal.data.custom_id.strip_prefix(INTRODUCTION_MODAL) else {
        return Ok(());
    };
    let text: String = modal
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|component| match component {
            ActionRowComponent::InputText(input) if input.custom_id == "message" => {
                input.value.clone()
            }
            _ => None,
        })
        .unwrap_or_default();
    let outcome = match caller_of(state, modal.user.id).await {
        Ok(caller) if caller.principal().is_some() => {
            match state
                .engine
                .hub()
                .request_introduction(&caller, listing_id, &text)
                .await
            {
                Ok(_) => "Your request is on its way. The organisation answers through Ponte; your contact details are shared only if it accepts.".to_owned(),
                Err(error) => explain(&error),
            }
        }
        Ok(_) => HOW_TO_LINK.to_owned(),
        Err(error) => explain(&error),
    };
    modal
        .create_response(
            &ctx.http,
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content(render::clip(&outcome, render::MAX_CONTENT))
                    .ephemeral(true)
                    .allowed_mentions(no_mentions()),
            ),
        )
        .await?;
    Ok(())
}

/// An organisation member's answer to an introduction request from its buttons:
/// accept, decline (then a reason), or `None` when the button is not one of these.
async fn answer_introduction(
    state: &BotState,
    component: &ComponentInteraction,
) -> Option<CreateInteractionResponseMessage> {
    let id = component.data.custom_id.as_str();
    let hub = state.engine.hub();
    let caller = || caller_of(state, component.user.id);
    if let Some(introduction) = id.strip_prefix(DECLINE_INTRODUCTION) {
        return Some(
            CreateInteractionResponseMessage::new()
                .content("Why do you decline? The firm sees the reason, not who chose it.")
                .components(render::decline_reasons(introduction)),
        );
    }
    let text = if let Some(introduction) = id.strip_prefix(ACCEPT_INTRODUCTION) {
        match caller().await {
            Ok(caller) if caller.principal().is_some() => {
                match hub.accept_introduction(&caller, introduction).await {
                    Ok(view) => format!(
                        "Accepted: you and {} now see each other's contacts in Ponte, and can write in the request's thread.",
                        view.firm_name.unwrap_or_else(|| "the firm".into())
                    ),
                    Err(error) => explain(&error),
                }
            }
            Ok(_) => HOW_TO_LINK.to_owned(),
            Err(error) => explain(&error),
        }
    } else if let Some(rest) = id.strip_prefix(DECLINE_REASON) {
        let (reason, introduction) = rest.split_once(':')?;
        let reason = domain::model::DeclineReason::parse(reason).ok()?;
        match caller().await {
            Ok(caller) if caller.principal().is_some() => {
                match hub
                    .decline_introduction(&caller, introduction, reason, None)
                    .await
                {
                    Ok(_) => "Declined. The firm is told, politely, with the reason you chose."
                        .to_owned(),
                    Err(error) => explain(&error),
                }
            }
            Ok(_) => HOW_TO_LINK.to_owned(),
            Err(error) => explain(&error),
        }
    } else {
        return None;
    };
    Some(CreateInteractionResponseMessage::new().content(render::clip(&text, render::MAX_CONTENT)))
}
