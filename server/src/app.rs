//! Assembles and runs the HTTP server: start-up (migrations, demo data) in the
//! background while `/healthz` answers 503, then readiness; graceful shutdown that lets
//! in-flight requests finish and closes the database cleanly.

use crate::api::{self, ApiState};
use crate::config::Settings;
use crate::http::auth::{AccountRateLimit, AuthRateLimit, resolve_caller};
use crate::http::body::limit_body;
use crate::http::errors::{ApiError, ErrorBody, with_request_id};
use crate::web;
use domain::model::DeliveryChannelKind;
use domain::subscriptions::{Channels, DeliverySettings};
use domain::{Hub, HubOptions};
use poem::endpoint::make_sync;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Json as PoemJson;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, Server, get, handler};
use poem_openapi::payload::Json;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What start-up has done so far, for `/healthz`.
#[derive(Debug, Default)]
pub struct Readiness {
    state: Mutex<StartupState>,
}

#[derive(Debug, Default, Clone)]
struct StartupState {
    migrations_applied: bool,
    demo: DemoState,
    index_ready: bool,
    failure: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq)]
enum DemoState {
    #[default]
    NotRequested,
    Loading,
    Loaded,
}

impl Readiness {
    fn update(&self, change: impl FnOnce(&mut StartupState)) {
        if let Ok(mut state) = self.state.lock() {
            change(&mut state);
        }
    }

    fn snapshot(&self) -> StartupState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn is_ready(&self) -> bool {
        let state = self.snapshot();
        state.migrations_applied
            && state.demo != DemoState::Loading
            && state.index_ready
            && state.failure.is_none()
    }
}

/// A server running on a background task, as tests and `ponte serve` use it.
pub struct RunningServer {
    pub address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), BoxError>>,
}

impl RunningServer {
    /// Stops accepting, lets in-flight requests finish, closes the database.
    pub async fn stop(mut self) -> Result<(), BoxError> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task
            .await
            .map_err(|error| -> BoxError { Box::new(error) })?
    }

    /// Waits until the server stops by itself (a signal, or a failed start-up).
    pub async fn wait(mut self) -> Result<(), BoxError> {
        let _keep_open = self.shutdown.take();
        (&mut self.task)
            .await
            .map_err(|error| -> BoxError { Box::new(error) })?
    }
}

/// Connects, binds and starts serving; start-up work continues in the background.
pub async fn start(settings: Settings) -> Result<RunningServer, BoxError> {
    let (shutdown_sender, shutdown_receiver) = oneshot::channel::<()>();
    let (address, task) = launch(settings, async move {
        let _ = shutdown_receiver.await;
    })
    .await?;
    Ok(RunningServer {
        address,
        shutdown: Some(shutdown_sender),
        task,
    })
}

/// Runs until `shutdown` completes (for the binary: SIGINT or SIGTERM).
pub async fn run(
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BoxError> {
    let (address, task) = launch(settings, shutdown).await?;
    tracing::info!(%address, "listening");
    task.await
        .map_err(|error| -> BoxError { Box::new(error) })?
}

async fn launch(
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, tokio::task::JoinHandle<Result<(), BoxError>>), BoxError> {
    // The data directory holds the search index whatever the database.
    {
        std::fs::create_dir_all(&settings.data_dir).map_err(|error| -> BoxError {
            format!(
                "cannot create the data directory {}: {error}",
                settings.data_dir.display()
            )
            .into()
        })?;
    }
    let hub = Hub::connect(HubOptions {
        database_url: settings.database_url(),
        session_ttl: Duration::from_secs(u64::from(settings.session_days) * 86_400),
    })
    .await?;
    tracing::info!(database = hub.backend_name(), "database connected");
    hub.allow_private_webhooks(settings.webhook_allow_private);
    hub.set_introduction_policy(
        settings.introduction_escalation_working_days,
        settings.max_open_introductions,
    );

    let acceptor = TcpListener::bind(settings.bind.clone())
        .into_acceptor()
        .await
        .map_err(|error| -> BoxError {
            format!("cannot listen on {}: {error}", settings.bind).into()
        })?;
    let address = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .ok_or_else(|| -> BoxError { "the listener has no address".into() })?;
    let public_url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));

    let readiness = Arc::new(Readiness::default());
    let (failed_sender, failed_receiver) = oneshot::channel::<String>();
    let (stop_indexer, indexer_stopped) = tokio::sync::watch::channel(false);
    let discord = match discord_settings(&settings, &public_url) {
        Some(discord) => {
            let adapter = Arc::new(bot::discord::DiscordDelivery::new(&discord)?);
            Some((discord, adapter))
        }
        None => None,
    };
    let workers = Workers {
        delivery: DeliverySettings {
            public_url: public_url.clone(),
            max_attempts: settings.delivery_max_attempts,
            retry_base: Duration::from_millis(settings.delivery_retry_base_ms),
            lease: Duration::from_secs(settings.webhook_timeout_seconds * 2 + 30),
            ..DeliverySettings::default()
        },
        channels: delivery_channels(&settings, discord.as_ref().map(|(_, a)| a.clone()))?,
        discord,
        public_url: public_url.clone(),
    };
    hub.enable_discord_delivery(workers.discord.is_some());
    if workers.discord.is_none() {
        tracing::info!(
            "Discord bot off: no Discord token configured (PONTE_DISCORD_TOKEN); Discord messages wait until one is"
        );
    }
    let startup = tokio::spawn(start_up(
        hub.clone(),
        settings.demo,
        settings.data_dir.join("index"),
        readiness.clone(),
        failed_sender,
        indexer_stopped,
        workers,
    ));

    let labels = web::labels().map_err(|error| -> BoxError {
        format!("the portal's labels do not load: {error}").into()
    })?;
    let form_key =
        web::csrf::FormKey::load_or_create(settings.form_key.as_deref(), &settings.data_dir)
            .map_err(|error| -> BoxError { error.into() })?;
    let app = routes(
        &settings,
        hub.clone(),
        readiness,
        &public_url,
        labels,
        form_key,
    );
    let grace = Duration::from_secs(settings.shutdown_grace_seconds);
    let task = tokio::spawn(async move {
        let stop = async move {
            tokio::select! {
                _ = shutdown => tracing::info!("shutting down: finishing in-flight requests"),
                Ok(reason) = failed_receiver => tracing::error!(%reason, "start-up failed; shutting down"),
            }
        };
        let served = Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(app, stop, Some(grace))
            .await;
        // Start-up work runs in transactions and the indexer commits atomically with its
        // checkpoint: stopping either leaves nothing half-written.
        let _ = stop_indexer.send(true);
        // Workers finish their step and return; the Discord bot closes its gateway
        // connection. Only what does not stop in time (demo loading) is cut short.
        let mut startup = startup;
        if tokio::time::timeout(WORKERS_STOP_GRACE, &mut startup)
            .await
            .is_err()
        {
            startup.abort();
            let _ = startup.await;
        }
        hub.close().await?;
        tracing::info!("stopped");
        served.map_err(|error| -> BoxError { Box::new(error) })
    });
    Ok((address, task))
}

/// What the background workers need besides the hub.
struct Workers {
    delivery: DeliverySettings,
    channels: Channels,
    /// The bot's settings and the adapter it shares with delivery (one pace for both).
    discord: Option<(
        bot::discord::DiscordSettings,
        Arc<bot::discord::DiscordDelivery>,
    )>,
    public_url: String,
}

fn discord_settings(
    settings: &Settings,
    public_url: &str,
) -> Option<bot::discord::DiscordSettings> {
    Some(bot::discord::DiscordSettings {
        token: settings.discord_token.clone()?,
        api_base: settings.discord_api_base.clone(),
        public_url: public_url.to_owned(),
    })
}

/// The adapters for every delivery channel other than the inbox.
fn delivery_channels(
    settings: &Settings,
    discord: Option<Arc<bot::discord::DiscordDelivery>>,
) -> Result<Channels, BoxError> {
    let mut channels: Channels = std::collections::HashMap::new();
    let webhooks = crate::webhooks::WebhookChannel::new(
        Duration::from_secs(settings.webhook_timeout_seconds),
        settings.webhook_allow_private,
    )?;
    channels.insert(DeliveryChannelKind::Webhook, Arc::new(webhooks));
    // Without a bot, Discord messages have no adapter: they wait rather than fail.
    if let Some(discord) = discord {
        let adapter: Arc<dyn domain::subscriptions::DeliveryChannel> = discord;
        channels.insert(DeliveryChannelKind::DiscordDm, adapter.clone());
        channels.insert(DeliveryChannelKind::DiscordChannel, adapter);
    }
    Ok(channels)
}

async fn start_up(
    hub: Hub,
    demo: bool,
    index_dir: std::path::PathBuf,
    readiness: Arc<Readiness>,
    failed: oneshot::Sender<String>,
    indexer_stopped: tokio::sync::watch::Receiver<bool>,
    workers: Workers,
) {
    let fail = |reason: String| {
        readiness.update(|s| s.failure = Some(reason.clone()));
        let _ = failed.send(reason);
    };
    if let Err(error) = hub.migrate().await {
        fail(error.cause_chain());
        return;
    }
    readiness.update(|s| s.migrations_applied = true);
    tracing::info!("migrations applied");
    if demo {
        readiness.update(|s| s.demo = DemoState::Loading);
        let mut last_stage = String::new();
        let mut progress = |stage: &str, _done: u64, total: u64| {
            if stage != last_stage {
                tracing::info!(stage, total, "loading demo data");
                last_stage = stage.to_owned();
            }
        };
        match domain::demo::load_demo(&hub, &mut progress).await {
            Ok(report) => {
                tracing::info!(?report, "demo data loaded");
                readiness.update(|s| s.demo = DemoState::Loaded);
            }
            Err(error) => {
                fail(format!(
                    "loading the demo data failed: {}",
                    error.cause_chain()
                ));
                return;
            }
        }
    }
    let mut last_logged = std::time::Instant::now();
    let mut progress = |step: domain::search::RebuildProgress| {
        if last_logged.elapsed() > Duration::from_secs(2) || step.indexed == step.total {
            tracing::info!(
                indexed = step.indexed,
                total = step.total,
                "building the search index"
            );
            last_logged = std::time::Instant::now();
        }
    };
    match hub.open_search_index(&index_dir, &mut progress).await {
        Ok(outcome) => tracing::info!(%outcome, "search index ready"),
        Err(error) => {
            fail(format!(
                "opening the search index failed: {}",
                error.cause_chain()
            ));
            return;
        }
    }
    match hub.load_saved_searches().await {
        Ok(count) => tracing::info!(count, "saved searches loaded"),
        Err(error) => {
            fail(format!(
                "loading the saved searches failed: {}",
                error.cause_chain()
            ));
            return;
        }
    }
    readiness.update(|s| s.index_ready = true);
    tracing::info!("ready");
    tokio::join!(
        hub.run_indexer(INDEXER_INTERVAL, indexer_stopped.clone()),
        hub.run_matcher(MATCHER_INTERVAL, indexer_stopped.clone()),
        hub.run_deliveries(
            workers.delivery,
            workers.channels,
            DELIVERY_INTERVAL,
            indexer_stopped.clone()
        ),
        hub.run_escalations(ESCALATION_INTERVAL, indexer_stopped.clone()),
        async {
            if let Some((discord, adapter)) = workers.discord {
                let engine = bot::Engine::new(hub.clone(), &workers.public_url);
                tokio::join!(
                    bot::discord::run_until_stopped(engine, discord, indexer_stopped.clone()),
                    bot::discord::delivery::run_introduction_notices(
                        hub.clone(),
                        adapter,
                        indexer_stopped
                    ),
                );
            }
        },
    );
}

/// How long background workers get to finish after the server stopped serving.
const WORKERS_STOP_GRACE: Duration = Duration::from_secs(5);

/// How often saved searches are matched against new listings.
const MATCHER_INTERVAL: Duration = Duration::from_millis(250);
/// How often unanswered introductions are checked for escalation.
const ESCALATION_INTERVAL: Duration = Duration::from_secs(60);
/// How often due messages are looked for.
const DELIVERY_INTERVAL: Duration = Duration::from_millis(250);

/// How often the indexer looks for changes: a published listing is searchable within
/// about this long (the issue asks for commits at least every 500 ms under load).
const INDEXER_INTERVAL: Duration = Duration::from_millis(250);

fn routes(
    settings: &Settings,
    hub: Hub,
    readiness: Arc<Readiness>,
    public_url: &str,
    labels: poem::i18n::I18NResources,
    form_key: web::csrf::FormKey,
) -> impl Endpoint<Output = Response> + use<> {
    let state = ApiState {
        hub: hub.clone(),
        auth_limit: AuthRateLimit::per_minute(settings.auth_attempts_per_minute),
        account_limit: AccountRateLimit::per_minute(settings.auth_attempts_per_minute),
        secure_cookies: public_url.starts_with("https://"),
        session_ttl_seconds: i64::from(settings.session_days) * 86_400,
        public_url: public_url.to_owned(),
        engine: bot::Engine::new(hub.clone(), public_url),
        chat_limit: AuthRateLimit::per_minute_saying(
            settings.chat_messages_per_minute,
            "too many chat messages from your address; wait a minute and try again",
        ),
    };
    let portal = web::PortalState {
        hub: state.hub.clone(),
        engine: state.engine.clone(),
        labels: labels.clone(),
        chat_limit: state.chat_limit.clone(),
        auth_limit: state.auth_limit.clone(),
        account_limit: state.account_limit.clone(),
        form_key,
        secure_cookies: state.secure_cookies,
        session_ttl_seconds: state.session_ttl_seconds,
    };
    let service = api::service(state, public_url);
    let spec = service.spec();
    let docs = service.swagger_ui();
    let readiness_for_api = readiness.clone();
    let max_body = settings.max_body_bytes;
    let caller_hub = hub.clone();
    let route = Route::new()
        .nest(
            "/api/v1",
            service.around(move |endpoint, request| {
                let readiness = readiness_for_api.clone();
                async move {
                    if !readiness.is_ready() {
                        return Ok(ApiError::Unavailable(Json(ErrorBody::new(
                            "starting",
                            "Ponte is starting up; retry in a few seconds",
                        )))
                        .into_response());
                    }
                    endpoint
                        .call(request)
                        .await
                        .map(IntoResponse::into_response)
                }
            }),
        )
        .at(
            "/api/openapi.json",
            make_sync(move |_| {
                poem::Response::builder()
                    .content_type("application/json; charset=utf-8")
                    .body(spec.clone())
            }),
        )
        .nest("/api/docs", docs)
        .at(
            "/unsubscribe/:token",
            get(unsubscribe_page).data(hub.clone()),
        )
        .at("/healthz", get(healthz).data(readiness).data(hub));
    let (form_key, secure_cookies) = (portal.form_key.clone(), portal.secure_cookies);
    web::mount(route, portal)
        .around(move |endpoint, request| {
            web::unknown_paths_as_pages(
                endpoint,
                request,
                labels.clone(),
                form_key.clone(),
                secure_cookies,
            )
        })
        .around(move |endpoint, request| {
            let hub = caller_hub.clone();
            async move {
                resolve_caller(endpoint, request, hub)
                    .await
                    .map(IntoResponse::into_response)
            }
        })
        .around(move |endpoint, request| async move {
            limit_body(endpoint, request, max_body)
                .await
                .map(IntoResponse::into_response)
        })
        .around(|endpoint, request| async move { with_request_id(endpoint, request).await })
        .after(|result: poem::Result<Response>| async move { result.map(with_security_headers) })
}

fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ] {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    }
    response
}

/// The one-click unsubscribe link in every message: following it pauses the saved
/// search and says so.
#[handler]
async fn unsubscribe_page(
    poem::web::Path(token): poem::web::Path<String>,
    hub: poem::web::Data<&Hub>,
) -> Response {
    let (status, heading, text) = match hub.unsubscribe(&token).await {
        Ok(_) => (
            poem::http::StatusCode::OK,
            "Unsubscribed",
            "This saved search is paused: it will send you nothing more. You can resume or \
             delete it among your saved searches.",
        ),
        Err(error) if error.kind == domain::ErrorKind::NotFound => (
            poem::http::StatusCode::NOT_FOUND,
            "Link not valid",
            "This unsubscribe link is not valid; the saved search may have been deleted already.",
        ),
        Err(error) => {
            tracing::error!(cause = %error.cause_chain(), "unsubscribe failed");
            (
                poem::http::StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "Ponte could not record this just now; please follow the link again in a minute.",
            )
        }
    };
    poem::Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\"><title>{heading} · Ponte</title></head>\
             <body><main><h1>{heading}</h1><p>{text}</p><p><a href=\"/\">Ponte</a></p></main></body></html>"
        ))
}

#[handler]
async fn healthz(
    readiness: poem::web::Data<&Arc<Readiness>>,
    hub: poem::web::Data<&Hub>,
    _request: &Request,
) -> Response {
    let state = readiness.snapshot();
    let database = match hub.ping().await {
        Ok(()) => "ok".to_owned(),
        Err(error) => format!("unreachable: {}", error.message),
    };
    let index = match hub.index_status().await {
        Ok(Some(status)) if status.caught_up => "caught up".to_owned(),
        Ok(Some(status)) => {
            let behind = format!(
                "{} changes behind",
                status.last_change - status.checkpoint.unwrap_or(0).max(0)
            );
            match status.failure {
                Some(failure) => format!("{behind}; indexing is failing: {failure}"),
                None => behind,
            }
        }
        Ok(None) => "opening".to_owned(),
        Err(error) => format!("unavailable: {}", error.message),
    };
    let ready = readiness.is_ready() && database == "ok";
    let body = serde_json::json!({
        "status": if ready { "ready" } else if state.failure.is_some() { "failed" } else { "starting" },
        "checks": {
            "database": database,
            "database_backend": hub.backend_name(),
            "migrations": if state.migrations_applied { "applied" } else { "pending" },
            "demo_data": match state.demo {
                DemoState::NotRequested => "not requested",
                DemoState::Loading => "loading",
                DemoState::Loaded => "loaded",
            },
            "search_index": index,
            "failure": state.failure,
        }
    });
    let status = if ready {
        poem::http::StatusCode::OK
    } else {
        poem::http::StatusCode::SERVICE_UNAVAILABLE
    };
    PoemJson(body).with_status(status).into_response()
}
