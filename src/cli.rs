//! The command line: `serve`, `migrate`, `agent`, `token`, `bench`, `contacts` and `campaign`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use crate::app::{self, App, Workers};
use crate::config::{Config, LogFormat};
use crate::domain::{AgentId, Role};
use crate::store::{ConnectOptions, NewAgent, NewToken, Store};

/// Switchboard: every customer channel in one inbox.
///
/// Run `switchboard serve` to start the service on 127.0.0.1:8080 with an SQLite file in the
/// working directory; no configuration is needed. See README.md for `switchboard.toml`.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, long_about)]
pub struct Cli {
    /// Configuration file (default: ./switchboard.toml if it exists).
    #[arg(long, global = true, env = "SWITCHBOARD_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service: HTTP API, channel hooks, channel listeners and the outbox dispatcher.
    Serve {
        /// Address to listen on (overrides server.bind), e.g. 0.0.0.0:8080 or 127.0.0.1:0.
        #[arg(long)]
        bind: Option<std::net::SocketAddr>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage agents.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Built-in benchmarks (build with --release).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Contacts for marketers: CSV import.
    #[command(subcommand)]
    Contacts(crate::campaigns::command::ContactsCommand),
    /// Campaigns: create, start, pause, resume, cancel, status.
    #[command(subcommand)]
    Campaign(crate::campaigns::command::CampaignCommand),
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Add an agent.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// admin, agent or marketer.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Most open conversations at once.
        #[arg(long, default_value_t = 20)]
        capacity: i64,
        /// Also generate a web inbox password and print it (shown only once).
        #[arg(long)]
        password: bool,
    },
    /// Give an agent a new generated web inbox password (printed once); signs out their
    /// browser sessions.
    Password {
        /// The agent's email address.
        email: String,
    },
    /// List agents.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it (it is stored hashed and shown only this once).
    Create {
        /// admin, agent or marketer.
        #[arg(long)]
        role: String,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli token")]
        name: String,
        /// The agent (id) the token acts as.
        #[arg(long)]
        agent: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Inbound webhook throughput and latency, against a no-op ceiling in the same run.
    Ingest(crate::bench::ingest::Options),
    /// Campaign planning, dispatch against a bare sender, throttle accuracy and peak RSS.
    Campaign(crate::bench::campaign::Options),
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    role.parse()
        .map_err(|_| anyhow::anyhow!("--role: {role:?} is not one of admin, agent, marketer"))
}

fn init_tracing(config: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests) is harmless; ignore it.
    let _ = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let mut options = ConnectOptions::new(config.database.url.clone());
    options.max_connections = config.database.max_connections;
    Store::connect(&options).await.with_context(|| {
        format!(
            "opening the database {}",
            crate::config::redact_url(&config.database.url)
        )
    })
}

/// Runs a parsed command line.
///
/// # Errors
/// Whatever the command failed with; `main` prints it.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    init_tracing(&config);
    match cli.command {
        Command::Serve { bind } => {
            if let Some(bind) = bind {
                config.server.bind = bind;
            }
            serve(config).await
        }
        Command::Migrate => {
            open_store(&config).await?.close().await;
            println!(
                "database is up to date: {}",
                crate::config::redact_url(&config.database.url)
            );
            Ok(())
        }
        Command::Agent(AgentCommand::Add {
            name,
            email,
            role,
            capacity,
            password,
        }) => {
            let store = open_store(&config).await?;
            let agent = store
                .create_agent(&NewAgent {
                    name,
                    email,
                    role: parse_role(&role)?,
                    capacity,
                })
                .await
                .context("adding the agent")?;
            println!(
                "added agent {} <{}> ({}), id {}",
                agent.name, agent.email, agent.role, agent.id
            );
            if password {
                let secret = set_generated_password(&store, agent.id).await?;
                println!("web inbox password (shown only once): {secret}");
            }
            Ok(())
        }
        Command::Agent(AgentCommand::Password { email }) => {
            let store = open_store(&config).await?;
            let (agent, _) = store
                .find_login(&email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no agent has the email {email:?}"))?;
            let secret = set_generated_password(&store, agent).await?;
            println!("new web inbox password for {email} (shown only once): {secret}");
            Ok(())
        }
        Command::Agent(AgentCommand::List) => {
            let store = open_store(&config).await?;
            println!(
                "{:>5}  {:<24} {:<32} {:<9} {:<8} capacity",
                "id", "name", "email", "role", "status"
            );
            for agent in store.list_agents().await? {
                println!(
                    "{:>5}  {:<24} {:<32} {:<9} {:<8} {}",
                    agent.id,
                    agent.name,
                    agent.email,
                    agent.role,
                    agent.availability,
                    agent.capacity
                );
            }
            Ok(())
        }
        Command::Token(TokenCommand::Create { role, name, agent }) => {
            let store = open_store(&config).await?;
            let token = crate::tokens::generate();
            let record = store
                .create_token(&NewToken {
                    name,
                    role: parse_role(&role)?,
                    agent: agent.map(AgentId::new),
                    hash: crate::tokens::hash(&token),
                })
                .await
                .context("creating the token")?;
            println!("{token}");
            eprintln!(
                "token {} ({}) created; it is shown only this once",
                record.id, record.role
            );
            Ok(())
        }
        Command::Bench(BenchCommand::Ingest(options)) => crate::bench::ingest::run(options).await,
        Command::Bench(BenchCommand::Campaign(options)) => {
            crate::bench::campaign::run(options).await
        }
        Command::Contacts(command) => {
            let store = open_store(&config).await?;
            crate::campaigns::command::contacts(command, &store).await
        }
        Command::Campaign(command) => {
            let store = open_store(&config).await?;
            crate::campaigns::command::campaign(command, &store, &config).await
        }
    }
}

/// Generates, hashes and stores a new password for `agent`; returns it for printing.
async fn set_generated_password(store: &Store, agent: AgentId) -> anyhow::Result<String> {
    let password = crate::passwords::generate();
    let hash = tokio::task::spawn_blocking({
        let password = password.clone();
        move || crate::passwords::hash(&password)
    })
    .await??;
    store
        .set_password(agent, &hash)
        .await
        .context("storing the password")?;
    Ok(password)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.server.bind)
        .await
        .with_context(|| format!("listening on {}", config.server.bind))?;
    let address = listener.local_addr()?;
    let app = App::build(config, Vec::new()).await?;
    if let Some(admin) = app::bootstrap_admin(&app.state.store).await? {
        println!("First run: created the admin account {}.", admin.email);
        println!();
        println!("Web inbox: open http://{address}/ and sign in with");
        println!("    email:    {}", admin.email);
        println!("    password: {}", admin.password);
        println!(
            "(shown only once; a new one: switchboard agent password {})",
            admin.email
        );
        println!();
        println!("API token (shown only once):");
        println!();
        println!("    {}", admin.token);
        println!();
        println!("Try it:");
        println!(
            "    curl -H 'Authorization: Bearer {}' http://{address}/api/v1/conversations",
            admin.token
        );
        println!("More tokens: switchboard token create --role agent --agent <id>");
        println!();
    }
    println!("listening on http://{address}");
    app.serve(listener, shutdown_signal(), Workers::all()).await
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
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
        () = ctrl_c => {}
        () = terminate => {}
    }
}
