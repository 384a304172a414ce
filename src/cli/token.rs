//! `switchboard token …`: creates API tokens (printed once, stored hashed).

use anyhow::Context;
use clap::Subcommand;

use super::parse_role;
use crate::domain::AgentId;
use crate::store::{NewToken, Store};

/// `switchboard token …`
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

/// Runs `switchboard token …` on `store`. The token alone goes to stdout, so that scripts can
/// capture it; the note about it goes to stderr.
///
/// # Errors
/// A bad role, an unknown agent or a database error.
pub async fn run(command: TokenCommand, store: &Store) -> anyhow::Result<()> {
    let TokenCommand::Create { role, name, agent } = command;
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
