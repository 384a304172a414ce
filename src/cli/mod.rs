//! The command line: parses `serve`, `migrate`, `agent`, `token`, `bench`, `contacts`,
//! `campaign`, `email` and `retention`, and runs each through the same library code the service uses.
//! Printing to the terminal happens here; the commands own no business rules.

mod agent;
mod campaigns;
mod email;
mod retention;
mod secrets;
mod serve;
mod table;
mod token;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};
use crate::domain::Role;
use crate::store::{ConnectOptions, Store};
pub use agent::AgentCommand;
pub use token::TokenCommand;

/// Switchboard: every customer channel in one inbox.
///
/// Run `switchboard serve` to start the service on 127.0.0.1:8080 with an SQLite file in the
/// working directory; no configuration is needed. See `docs/configuration.md` for
/// `switchboard.toml`.
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
    Contacts(campaigns::ContactsCommand),
    /// Campaigns: create, start, pause, resume, cancel, status.
    #[command(subcommand)]
    Campaign(campaigns::CampaignCommand),
    /// Email channels: OAuth2 sign-in.
    #[command(subcommand)]
    Email(email::EmailCommand),
    /// Secrets kept at rest: re-seal them under a new key.
    #[command(subcommand)]
    Secrets(secrets::SecretsCommand),
    /// Delete what `[retention]` says has expired, now, in the batches the service uses
    /// (refused while a running service holds the retention lease).
    Retention {
        /// Only print what would be deleted, per category and channel; delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Inbound webhook throughput and latency, against a no-op ceiling in the same run.
    Ingest(crate::bench::ingest::Options),
    /// Campaign planning, dispatch against a bare sender, throttle accuracy and peak RSS.
    Campaign(crate::bench::campaign::Options),
    /// Ingest latency alone and while the retention job deletes, on a seeded database.
    Retention(crate::bench::retention::Options),
    /// Website chat: server memory per idle visitor stream and message latency to the stream.
    Widget(crate::bench::widget::Options),
    /// Reports over a seeded year of history, and what writing the facts costs ingest.
    Reports(crate::bench::reports::Options),
    /// Search and the conversation list over a seeded inbox of millions of messages.
    Search(crate::bench::search::Options),
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
            serve::serve(config).await
        }
        Command::Migrate => {
            open_store(&config).await?.close().await;
            println!(
                "database is up to date: {}",
                crate::config::redact_url(&config.database.url)
            );
            Ok(())
        }
        Command::Agent(command) => agent::run(command, &open_store(&config).await?).await,
        Command::Token(command) => token::run(command, &open_store(&config).await?).await,
        Command::Secrets(command) => {
            secrets::run(command, &config, open_store(&config).await?).await
        }
        Command::Bench(BenchCommand::Ingest(options)) => crate::bench::ingest::run(options).await,
        Command::Bench(BenchCommand::Campaign(options)) => {
            crate::bench::campaign::run(options).await
        }
        Command::Bench(BenchCommand::Retention(options)) => {
            crate::bench::retention::run(options).await
        }
        Command::Bench(BenchCommand::Widget(options)) => crate::bench::widget::run(options).await,
        Command::Bench(BenchCommand::Reports(options)) => crate::bench::reports::run(options).await,
        Command::Bench(BenchCommand::Search(options)) => crate::bench::search::run(options).await,
        Command::Contacts(command) => {
            let store = open_store(&config).await?;
            campaigns::contacts(command, &store, config.contacts.default_region).await
        }
        Command::Campaign(command) => {
            let store = open_store(&config).await?;
            campaigns::campaign(command, &store, &config).await
        }
        Command::Email(command) => {
            let store = open_store(&config).await?;
            email::run(command, &config, store).await
        }
        Command::Retention { dry_run } => {
            let store = open_store(&config).await?;
            let outcome = retention::run(&config, store.clone(), dry_run).await;
            store.close().await;
            outcome
        }
    }
}

/// The role named by `--role`.
fn parse_role(role: &str) -> anyhow::Result<Role> {
    role.parse()
        .map_err(|_| anyhow::anyhow!("--role: {role:?} is not one of admin, agent, marketer"))
}

fn init_tracing(config: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log.level));
    // Colour only for a person at a terminal: escape codes in a file, journald or a log
    // shipper are noise that breaks searching. NO_COLOR (no-color.org) turns it off anyway.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every argument of every command says what it is in `--help`: a bare `<ID>` or
    /// `--name` leaves the user guessing.
    #[test]
    fn every_argument_has_help() {
        let mut cli = Cli::command();
        cli.build();
        cli.clone().debug_assert();
        let mut missing = Vec::new();
        let mut commands = vec![(String::from("switchboard"), cli)];
        while let Some((path, command)) = commands.pop() {
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() && sub.get_long_about().is_none() {
                    missing.push(format!("{path} {} (the command itself)", sub.get_name()));
                }
                commands.push((format!("{path} {}", sub.get_name()), sub.clone()));
            }
        }
        assert!(missing.is_empty(), "without help text: {missing:#?}");
    }
}
