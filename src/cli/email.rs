//! `switchboard email …`: the operator's side of an email channel's OAuth2 sign-in.

use clap::Subcommand;

use crate::config::Config;
use crate::store::Store;

/// `switchboard email …`
#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Sign a channel with auth = "oauth2" in to its mailbox: walks you through the provider's
    /// device-code or authorization-code flow and stores the refresh token, encrypted.
    Authorize {
        /// The channel's name (`[[channels]] name`).
        channel: String,
        /// `device` (a code entered on another device) or `code` (a browser address, then
        /// the redirected address pasted back); default: device when
        /// oauth2.device_authorization_url is set.
        #[arg(long)]
        flow: Option<String>,
    },
}

/// Runs `switchboard email …`.
///
/// # Errors
/// See [`crate::app::authorize_email`].
pub async fn run(command: EmailCommand, config: &Config, store: Store) -> anyhow::Result<()> {
    let EmailCommand::Authorize { channel, flow } = command;
    crate::app::authorize_email(config, store, &channel, flow.as_deref()).await
}
