//! `switchboard serve`: locks an SQLite file against a second node, binds the listener, prints
//! the first run's sign-in, and runs the service until Ctrl-C or SIGTERM.

use anyhow::Context;
use tokio::net::TcpListener;

use crate::app::{self, App, Workers};
use crate::config::Config;

/// Runs the service with every worker until a shutdown signal.
///
/// # Errors
/// When another `serve` uses the same SQLite file, the address cannot be bound, or the
/// service fails to start or stops with an error.
pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    // Held until the service has stopped and closed the store; before anything opens the
    // database, so a second node on the same SQLite file changes nothing.
    let _node_lock = crate::store::node_lock::lock_for_serving(&config.database.url)?;
    let listener = TcpListener::bind(config.server.bind)
        .await
        .with_context(|| format!("listening on {}", config.server.bind))?;
    let address = listener.local_addr()?;
    // Other nodes and operators see where this one really listens (`--bind 127.0.0.1:0`).
    if config.cluster.advertise_address.is_none() {
        config.cluster.advertise_address = Some(address.to_string());
    }
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
