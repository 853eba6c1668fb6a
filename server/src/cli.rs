//! The `ponte` command line: `serve`, `migrate`, `reindex`, `import`, `user`,
//! `eval-search`, `corpus`.
//! Parses settings (defaults → TOML file → `PONTE_*` environment → flags) and calls the
//! library.

use crate::app;
use crate::config::{DEFAULT_BIND, DEFAULT_DATA_DIR, FileSettings, Settings};
use clap::{Args, Parser, Subcommand, ValueEnum};
use domain::corpus::{Corpus, CorpusSize};
use domain::{Hub, HubOptions};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Ponte: the regional one-stop shop where universities, research centres, incubators
/// and technical-service providers list expertise, facilities and space, and small
/// firms find them.
///
/// Settings come from, in increasing priority: built-in defaults, the TOML file given by
/// --config, PONTE_* environment variables, and flags.
#[derive(Debug, Parser)]
#[command(name = "ponte", version, propagate_version = true)]
pub struct Cli {
    /// A TOML file with any of: bind, data_dir, database_url, public_url, demo,
    /// auth_attempts_per_minute, max_body_bytes, session_days, shutdown_grace_seconds,
    /// webhook_allow_private, webhook_timeout_seconds, delivery_max_attempts,
    /// delivery_retry_base_ms, chat_messages_per_minute,
    /// introduction_escalation_working_days, max_open_introductions, discord_token,
    /// discord_api_base, form_key.
    #[arg(long, global = true, env = "PONTE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// Directory for Ponte's own files: the SQLite database (ponte.db) and, later, the
    /// search index. Created if missing. [default: ./data]
    #[arg(long, global = true, env = "PONTE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Use this database instead of the SQLite file in the data directory, e.g.
    /// postgres://user:password@host:5432/ponte.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server and API (migrates the database first).
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Rebuild the search index from the database (stop the server first: the index
    /// in the data directory is in use while it runs).
    Reindex,
    /// Import organisations or listings from a CSV or JSON Lines file
    /// (templates and column docs: datasets/templates/).
    Import(ImportArgs),
    /// Manage accounts from the shell (e.g. create the first admin).
    #[command(subcommand)]
    User(UserCommand),
    /// Measure search quality on a test collection in BEIR layout: index its documents
    /// with Ponte's own analysers and ranking (title → title, text → description,
    /// English), ask every judged query as `GET /api/v1/search?q=` would, and print
    /// nDCG@10, MAP@100 and recall@100 (trec_eval definitions) as one JSON line last.
    /// Touches no database and no data directory.
    EvalSearch(EvalSearchArgs),
    /// Look at the synthetic corpus the benchmarks load: organisations, listings and
    /// saved searches, the same for a given seed on every machine.
    #[command(subcommand)]
    Corpus(CorpusCommand),
}

#[derive(Debug, Args)]
struct EvalSearchArgs {
    /// The collection's directory: corpus.jsonl, queries.jsonl and qrels/<split>.tsv.
    #[arg(long, value_name = "DIR")]
    beir: PathBuf,
    /// Which judgements to score: qrels/<split>.tsv.
    #[arg(long, value_enum, default_value = "test")]
    split: SplitArg,
    /// Also write the top 100 of every query here in TREC run format
    /// (qid Q0 docid rank score tag), to score it with trec_eval.
    #[arg(long, value_name = "FILE")]
    run: Option<PathBuf>,
    /// Also score plain BM25 (tantivy, English stemming, title and text) on the same
    /// collection and print its line on standard error, as the yardstick.
    #[arg(long)]
    baseline: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SplitArg {
    Test,
    Train,
    Dev,
}

impl SplitArg {
    fn file_stem(self) -> &'static str {
        match self {
            SplitArg::Test => "test",
            SplitArg::Train => "train",
            SplitArg::Dev => "dev",
        }
    }
}

#[derive(Debug, Subcommand)]
enum CorpusCommand {
    /// Print the first items of a corpus as JSON lines: listings, each with its
    /// organisation, or with --saved-searches the saved searches. Touches no database.
    Sample {
        /// Corpus size: 10k, 100k or 1m (listings and saved searches each).
        #[arg(long, default_value = "10k", value_parser = CorpusSize::parse)]
        size: CorpusSize,
        /// The seed the corpus is generated from.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// How many items to print.
        #[arg(long, default_value_t = 5)]
        count: u64,
        /// Index of the first item to print.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Print saved searches instead of listings.
        #[arg(long)]
        saved_searches: bool,
    },
    /// Fill an empty marketplace with the corpus: its first listings, published, and
    /// their organisations, written to the database in batches and to the search index
    /// in the data directory in one pass (stop the server first). Refuses a database
    /// that already holds listings; an interrupted load is started again on an empty one.
    Load {
        /// Corpus size: 10k, 100k or 1m (listings).
        #[arg(long, value_parser = CorpusSize::parse)]
        size: CorpusSize,
        /// The seed the corpus is generated from.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Load only this many listings (the first ones). [default: all of the size]
        #[arg(long)]
        count: Option<u64>,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on. [default: 127.0.0.1:8080]
    #[arg(long, env = "PONTE_BIND", value_name = "HOST:PORT")]
    bind: Option<String>,
    /// Load the demo data (real CORDIS, ROR and incubator records, plus generated
    /// example space offers). Safe to repeat: nothing is loaded twice.
    #[arg(long, env = "PONTE_DEMO")]
    demo: bool,
    /// The public base URL for links Ponte sends out, e.g. https://ponte.example.eu.
    /// With https, session cookies are Secure and __Host- prefixed. [default: http://<bind>]
    #[arg(long, env = "PONTE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// Sign-in and sign-up attempts allowed per minute per client address. [default: 10]
    #[arg(long, env = "PONTE_AUTH_ATTEMPTS_PER_MINUTE", value_name = "N")]
    auth_attempts_per_minute: Option<u32>,
    /// Largest request body accepted, in bytes. [default: 1048576]
    #[arg(long, env = "PONTE_MAX_BODY_BYTES", value_name = "BYTES")]
    max_body_bytes: Option<usize>,
    /// Days a sign-in lasts. [default: 30]
    #[arg(long, env = "PONTE_SESSION_DAYS", value_name = "DAYS")]
    session_days: Option<u32>,
    /// Seconds in-flight requests get to finish on shutdown. [default: 30]
    #[arg(long, env = "PONTE_SHUTDOWN_GRACE_SECONDS", value_name = "SECONDS")]
    shutdown_grace_seconds: Option<u64>,
    /// Let saved searches' webhooks call loopback, private and link-local addresses
    /// (refused by default so a webhook cannot reach into the server's own network).
    #[arg(long, env = "PONTE_WEBHOOK_ALLOW_PRIVATE")]
    webhook_allow_private: bool,
    /// Seconds a webhook receiver gets to answer before the attempt counts as failed.
    /// [default: 10]
    #[arg(long, env = "PONTE_WEBHOOK_TIMEOUT_SECONDS", value_name = "SECONDS")]
    webhook_timeout_seconds: Option<u64>,
    /// Attempts to deliver a message before it is dead-lettered with the last reason.
    /// [default: 8]
    #[arg(long, env = "PONTE_DELIVERY_MAX_ATTEMPTS", value_name = "N")]
    delivery_max_attempts: Option<u32>,
    /// Back-off base in milliseconds: retry n waits a random time up to base × 2^(n-1)
    /// (at most an hour), and never less than a receiver's Retry-After. [default: 2000]
    #[arg(long, env = "PONTE_DELIVERY_RETRY_BASE_MS", value_name = "MS")]
    delivery_retry_base_ms: Option<u64>,
    /// Chat messages allowed per minute per client address. [default: 30]
    #[arg(long, env = "PONTE_CHAT_MESSAGES_PER_MINUTE", value_name = "N")]
    chat_messages_per_minute: Option<u32>,
    /// Working days an introduction request may go unanswered before the brokers are
    /// told. [default: 5]
    #[arg(
        long,
        env = "PONTE_INTRODUCTION_ESCALATION_WORKING_DAYS",
        value_name = "DAYS"
    )]
    introduction_escalation_working_days: Option<u32>,
    /// Open introduction requests one account may have at a time. [default: 5]
    #[arg(long, env = "PONTE_MAX_OPEN_INTRODUCTIONS", value_name = "N")]
    max_open_introductions: Option<u32>,
    /// The Discord bot's token (Discord developer portal → your application → Bot).
    /// With one, the bot runs inside the server and saved searches may deliver to
    /// Discord; without one, nothing Discord-related starts.
    #[arg(
        long,
        env = "PONTE_DISCORD_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    discord_token: Option<String>,
    /// Talk to this base URL instead of https://discord.com (for a local Discord
    /// stand-in in tests; discord.com itself is then made unreachable).
    #[arg(long, env = "PONTE_DISCORD_API_BASE", value_name = "URL")]
    discord_api_base: Option<String>,
    /// The key that signs the web forms' CSRF tokens (32 characters or more). Without
    /// one, a random key is generated on first start and kept in <data dir>/form.key.
    #[arg(
        long,
        env = "PONTE_FORM_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    form_key: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ImportKindArg {
    Organisations,
    Expertise,
    Facility,
    Space,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// What the file holds.
    #[arg(long, value_enum)]
    kind: ImportKindArg,
    /// A .csv, .jsonl or .ndjson file.
    file: PathBuf,
    /// Check every row and report errors without writing anything.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Member,
    Broker,
    Admin,
}

impl From<RoleArg> for domain::model::PlatformRole {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Member => domain::model::PlatformRole::Member,
            RoleArg::Broker => domain::model::PlatformRole::Broker,
            RoleArg::Admin => domain::model::PlatformRole::Admin,
        }
    }
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from PONTE_USER_PASSWORD or, if unset,
    /// from the first line of standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long = "name", value_name = "DISPLAY_NAME")]
        display_name: String,
        #[arg(long, value_enum, default_value = "member")]
        role: RoleArg,
    },
    /// Give an existing account a platform role (member, broker or admin).
    GrantRole {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

/// The binary's entry point.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("ponte: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ponte: {error}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PONTE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn settings(cli: &Cli, serve: Option<&ServeArgs>) -> Result<Settings, app::BoxError> {
    let file = match &cli.config {
        Some(path) => FileSettings::load(path)?,
        None => FileSettings::default(),
    };
    let data_dir = cli
        .data_dir
        .clone()
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let mut settings = Settings::new(data_dir);
    settings.database_url = cli.database_url.clone().or(file.database_url);
    settings.bind = serve
        .and_then(|s| s.bind.clone())
        .or(file.bind)
        .unwrap_or_else(|| DEFAULT_BIND.to_owned());
    settings.public_url = serve.and_then(|s| s.public_url.clone()).or(file.public_url);
    settings.demo = serve.is_some_and(|s| s.demo) || file.demo.unwrap_or(false);
    if let Some(value) = serve
        .and_then(|s| s.auth_attempts_per_minute)
        .or(file.auth_attempts_per_minute)
    {
        settings.auth_attempts_per_minute = value;
    }
    if let Some(value) = serve.and_then(|s| s.max_body_bytes).or(file.max_body_bytes) {
        settings.max_body_bytes = value;
    }
    if let Some(value) = serve.and_then(|s| s.session_days).or(file.session_days) {
        settings.session_days = value;
    }
    if let Some(value) = serve
        .and_then(|s| s.shutdown_grace_seconds)
        .or(file.shutdown_grace_seconds)
    {
        settings.shutdown_grace_seconds = value;
    }
    settings.webhook_allow_private = serve.is_some_and(|s| s.webhook_allow_private)
        || file.webhook_allow_private.unwrap_or(false);
    if let Some(value) = serve
        .and_then(|s| s.webhook_timeout_seconds)
        .or(file.webhook_timeout_seconds)
    {
        if value == 0 {
            return Err("the webhook timeout must be at least 1 second".into());
        }
        settings.webhook_timeout_seconds = value;
    }
    if let Some(value) = serve
        .and_then(|s| s.delivery_max_attempts)
        .or(file.delivery_max_attempts)
    {
        if value == 0 {
            return Err("delivery needs at least 1 attempt".into());
        }
        settings.delivery_max_attempts = value;
    }
    if let Some(value) = serve
        .and_then(|s| s.delivery_retry_base_ms)
        .or(file.delivery_retry_base_ms)
    {
        settings.delivery_retry_base_ms = value;
    }
    if let Some(value) = serve
        .and_then(|s| s.chat_messages_per_minute)
        .or(file.chat_messages_per_minute)
    {
        settings.chat_messages_per_minute = value;
    }
    if let Some(value) = serve
        .and_then(|s| s.introduction_escalation_working_days)
        .or(file.introduction_escalation_working_days)
    {
        settings.introduction_escalation_working_days = value;
    }
    if let Some(value) = serve
        .and_then(|s| s.max_open_introductions)
        .or(file.max_open_introductions)
    {
        if value == 0 {
            return Err("at least 1 open introduction must be allowed".into());
        }
        settings.max_open_introductions = value;
    }
    settings.discord_token = serve
        .and_then(|s| s.discord_token.clone())
        .or(file.discord_token.clone())
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty());
    settings.discord_api_base = serve
        .and_then(|s| s.discord_api_base.clone())
        .or(file.discord_api_base.clone())
        .filter(|base| !base.trim().is_empty());
    settings.form_key = serve
        .and_then(|s| s.form_key.clone())
        .or(file.form_key.clone())
        .filter(|key| !key.trim().is_empty());
    if let Some(key) = &settings.form_key
        && key.trim().len() < 32
    {
        return Err("the form key must be at least 32 characters long".into());
    }
    if let Some(base) = &settings.discord_api_base
        && !(base.starts_with("http://") || base.starts_with("https://"))
    {
        return Err(format!(
            "the Discord API base must start with http:// or https:// (got {base})"
        )
        .into());
    }
    if let Some(url) = &settings.public_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(
            format!("the public URL must start with http:// or https:// (got {url})").into(),
        );
    }
    Ok(settings)
}

async fn open_hub(settings: &Settings) -> Result<Hub, app::BoxError> {
    if settings.uses_sqlite() {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let hub = Hub::connect(HubOptions {
        database_url: settings.database_url(),
        session_ttl: Duration::from_secs(u64::from(settings.session_days) * 86_400),
    })
    .await?;
    hub.migrate().await?;
    Ok(hub)
}

async fn execute(cli: Cli) -> Result<(), app::BoxError> {
    match &cli.command {
        Command::Serve(args) => {
            let settings = settings(&cli, Some(args))?;
            app::run(settings, shutdown_signal()).await
        }
        Command::Migrate => {
            let hub = open_hub(&settings(&cli, None)?).await?;
            println!("migrations applied ({})", hub.backend_name());
            hub.close().await?;
            Ok(())
        }
        Command::Reindex => {
            let settings = settings(&cli, None)?;
            let hub = open_hub(&settings).await?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} listings indexed ({eta} left)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let mut progress = |step: domain::search::RebuildProgress| {
                bar.set_length(step.total);
                bar.set_position(step.indexed);
            };
            let result = hub
                .reindex_in(&settings.data_dir.join("index"), &mut progress)
                .await;
            bar.finish_and_clear();
            let indexed = result?;
            println!("search index rebuilt: {indexed} published listings");
            hub.close().await?;
            Ok(())
        }
        Command::Import(args) => {
            let hub = open_hub(&settings(&cli, None)?).await?;
            let result = crate::import::run(&hub, args.kind.into(), &args.file, args.dry_run).await;
            hub.close().await?;
            result
        }
        Command::User(command) => {
            let hub = open_hub(&settings(&cli, None)?).await?;
            let result = user_command(&hub, command).await;
            hub.close().await?;
            result
        }
        Command::EvalSearch(args) => eval_search(args),
        Command::Corpus(CorpusCommand::Load { size, seed, count }) => {
            let settings = settings(&cli, None)?;
            corpus_load(&settings, *size, *seed, *count).await
        }
        Command::Corpus(CorpusCommand::Sample {
            size,
            seed,
            count,
            from,
            saved_searches,
        }) => corpus_sample(*size, *seed, *count, *from, *saved_searches),
    }
}

fn eval_search(args: &EvalSearchArgs) -> Result<(), app::BoxError> {
    use domain::search::evaluation::{self, Progress};
    if !args.beir.is_dir() {
        return Err(format!("{} is not a directory", args.beir.display()).into());
    }
    let collection = evaluation::load_beir(&args.beir, args.split.file_stem())?;
    eprintln!(
        "{} documents, {} queries, {} judged in {}",
        collection.documents.len(),
        collection.queries.len(),
        collection.judgements.len(),
        args.split.file_stem()
    );
    let index_dir = tempfile::tempdir()?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut progress = |step: Progress| match step {
        Progress::Indexed { done, total } => {
            bar.set_message("documents indexed");
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
        Progress::Searched { done, total } => {
            bar.set_message("queries asked");
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let result = evaluation::evaluate_production(&collection, index_dir.path(), &mut progress);
    bar.finish_and_clear();
    let production = result?;
    if production.failed > 0 {
        eprintln!(
            "{} queries were refused or found nothing (scored 0)",
            production.failed
        );
    }
    if let Some(path) = &args.run {
        let file = std::fs::File::create(path)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        production
            .write_trec_run(&mut out, "ponte")
            .and_then(|()| std::io::Write::flush(&mut out))
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        eprintln!("run written to {}", path.display());
    }
    if args.baseline {
        let baseline = evaluation::evaluate_plain_bm25(&collection)?;
        eprintln!("plain BM25: {}", baseline.summary_json());
    }
    println!("{}", production.summary_json());
    Ok(())
}
/// `ponte corpus load`: progress on standard error (a bar on a terminal, a line every
/// few seconds otherwise), the summary on standard output.
async fn corpus_load(
    settings: &Settings,
    size: CorpusSize,
    seed: u64,
    count: Option<u64>,
) -> Result<(), app::BoxError> {
    let hub = open_hub(settings).await?;
    let options = domain::corpus::LoadOptions {
        size,
        seed,
        count,
        index_dir: settings.data_dir.join("index"),
    };
    let started = Instant::now();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} listings stored, {msg} indexed ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut last_line = Instant::now();
    let mut progress = |step: domain::corpus::LoadProgress| {
        bar.set_length(step.total);
        bar.set_position(step.stored);
        bar.set_message(step.indexed.to_string());
        if bar.is_hidden() && last_line.elapsed() >= Duration::from_secs(5) {
            last_line = Instant::now();
            let seconds = started.elapsed().as_secs_f64().max(1e-9);
            eprintln!(
                "{}/{} listings stored, {} indexed, {:.0} listings/s",
                step.stored,
                step.total,
                step.indexed,
                step.stored as f64 / seconds
            );
        }
    };
    let result = hub.load_corpus(&options, &mut progress).await;
    bar.finish_and_clear();
    // The operator should see why a load failed, not only the generic message.
    let report = result.map_err(|error| error.cause_chain())?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "loaded {} listings and {} organisations of the {size} corpus (seed {seed}) into the {} database and the search index in {seconds:.1} s ({:.0} listings/s); index checkpoint {}",
        report.listings,
        report.organisations,
        hub.backend_name(),
        report.listings as f64 / seconds.max(1e-9),
        report.checkpoint,
    );
    hub.close().await?;
    Ok(())
}

fn corpus_sample(
    size: CorpusSize,
    seed: u64,
    count: u64,
    from: u64,
    saved_searches: bool,
) -> Result<(), app::BoxError> {
    let (what, available) = if saved_searches {
        ("saved searches", size.saved_searches())
    } else {
        ("listings", size.listings())
    };
    let end = from.saturating_add(count);
    if end > available {
        return Err(format!(
            "the {size} corpus has {available} {what}; --from {from} --count {count} asks for up to index {}",
            end - 1
        )
        .into());
    }
    let corpus = Corpus::new(seed);
    let mut out = std::io::stdout().lock();
    for index in from..end {
        let line = if saved_searches {
            serde_json::json!({ "index": index, "search": corpus.saved_search(index).to_json() })
        } else {
            let listing = corpus.listing(index);
            let organisation = corpus.organisation(listing.organisation);
            serde_json::json!({
                "index": index,
                "listing": listing.to_json(),
                "organisation": domain::corpus::organisation_json(&organisation),
            })
        };
        // A closed pipe (`| head`) ends the output quietly rather than as an error.
        match writeln!(out, "{line}") {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            other => other?,
        }
    }
    Ok(())
}

impl From<ImportKindArg> for domain::import::ImportKind {
    fn from(kind: ImportKindArg) -> Self {
        match kind {
            ImportKindArg::Organisations => domain::import::ImportKind::Organisations,
            ImportKindArg::Expertise => domain::import::ImportKind::Expertise,
            ImportKindArg::Facility => domain::import::ImportKind::Facility,
            ImportKindArg::Space => domain::import::ImportKind::Space,
        }
    }
}

async fn user_command(hub: &Hub, command: &UserCommand) -> Result<(), app::BoxError> {
    match command {
        UserCommand::Create {
            email,
            display_name,
            role,
        } => {
            let password = match std::env::var("PONTE_USER_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    eprintln!("password (one line on standard input):");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let account = hub
                .create_account_with_role(
                    domain::model::NewAccount {
                        email: email.clone(),
                        display_name: display_name.clone(),
                        password,
                    },
                    (*role).into(),
                )
                .await?;
            println!(
                "created {} ({}) with role {}",
                account.email, account.id, account.role
            );
            Ok(())
        }
        UserCommand::GrantRole { email, role } => {
            let account = hub.grant_role(email, (*role).into()).await?;
            println!("{} now has the role {}", account.email, account.role);
            Ok(())
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}
