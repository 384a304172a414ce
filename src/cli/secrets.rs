//! `switchboard secrets …`: re-seals the secrets kept at rest under a new key.

use std::path::PathBuf;

use clap::Subcommand;

use crate::config::Config;
use crate::store::Store;

/// `switchboard secrets …`
#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Re-seal every stored secret (webhook signing secrets, the campaign link key, OAuth2
    /// refresh tokens) under a new key. Run it with the service stopped.
    Rotate {
        /// The file of the new key (made, readable by its owner only, when it does not
        /// exist). Needed when the key comes from SWITCHBOARD_MASTER_KEY or [secrets]
        /// key_file; without it the key kept beside an SQLite database is replaced in place.
        #[arg(long)]
        new_key_file: Option<PathBuf>,
    },
}

/// Runs `switchboard secrets …`.
///
/// # Errors
/// The service still serves the SQLite file, the key is missing or wrong, or a file or the
/// database fails.
pub async fn run(command: SecretsCommand, config: &Config, store: Store) -> anyhow::Result<()> {
    let SecretsCommand::Rotate { new_key_file } = command;
    // A serving node holds the old key in memory: on SQLite, where one process serves the
    // file, refuse while it runs (PostgreSQL nodes cannot be seen from here; the docs say to
    // stop them).
    let _lock = crate::store::node_lock::lock_for_serving(&config.database.url)?;
    let vault = crate::secrets::Vault::open(store, &config.secrets)
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let rotation = vault
        .rotate(new_key_file.as_deref())
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    println!(
        "re-sealed {} secrets under the key in {}",
        rotation.resealed,
        rotation.key_file.display()
    );
    if rotation.in_place {
        eprintln!("the previous key is kept beside it (.previous) for backups made before now");
    } else {
        eprintln!(
            "now give every node this key before starting it: point [secrets] key_file at {} or \
             set SWITCHBOARD_MASTER_KEY to its content; keep the old key for backups made \
             before now",
            rotation.key_file.display()
        );
    }
    Ok(())
}
