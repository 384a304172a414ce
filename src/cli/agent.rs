//! `switchboard agent …`: adds agents, gives them web inbox passwords, lists them.

use anyhow::Context;
use clap::Subcommand;

use super::{parse_role, table};
use crate::domain::AgentId;
use crate::store::{NewAgent, Store};

/// `switchboard agent …`
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Add an agent.
    Add {
        /// The agent's name, as customers see it on replies.
        #[arg(long)]
        name: String,
        /// The agent's email address, which they sign in to the web inbox with (unique).
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

/// Runs `switchboard agent …` on `store`.
///
/// # Errors
/// A bad role, an email already taken, an unknown agent or a database error.
pub async fn run(command: AgentCommand, store: &Store) -> anyhow::Result<()> {
    match command {
        AgentCommand::Add {
            name,
            email,
            role,
            capacity,
            password,
        } => {
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
                let secret = set_generated_password(store, agent.id).await?;
                println!("web inbox password (shown only once): {secret}");
            }
            Ok(())
        }
        AgentCommand::Password { email } => {
            let (agent, _) = store
                .find_login(&email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no agent has the email {email:?}"))?;
            let secret = set_generated_password(store, agent).await?;
            println!("new web inbox password for {email} (shown only once): {secret}");
            Ok(())
        }
        AgentCommand::List => {
            let rows: Vec<[String; 6]> = store
                .list_agents()
                .await?
                .into_iter()
                .map(|agent| {
                    [
                        agent.id.to_string(),
                        agent.name,
                        agent.email,
                        agent.role.to_string(),
                        agent.availability.to_string(),
                        agent.capacity.to_string(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table::render(
                    ["id", "name", "email", "role", "status", "capacity"],
                    [true, false, false, false, false, true],
                    &rows,
                )
            );
            Ok(())
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
