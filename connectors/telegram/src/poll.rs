//! Long polling with the update offset kept in Switchboard's database.
//!
//! Each batch of updates is committed together with the next offset, in one transaction, and
//! only then is the next `getUpdates` sent (which is what confirms the batch to Telegram). A
//! restart or crash therefore resumes exactly after the last committed update: nothing is lost
//! and nothing repeats (and the dedupe on message ids would catch a repeat anyway).

use std::time::Duration;

use connector_sdk::{Checkpoint, ConnectorError, InboundEvent, Inbox};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::Telegram;
use crate::convert::{self, Update};

/// The checkpoint key of the next update id to ask for.
pub const OFFSET_KEY: &str = "update_offset";

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    result: serde_json::Value,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    error_code: Option<u16>,
}

/// Polls until `shutdown`. Transient failures (network, Telegram, our database) back off and
/// retry the same offset; a refused token ends the listener with `Unauthorized`.
pub async fn run(
    telegram: &Telegram,
    inbox: Inbox,
    shutdown: CancellationToken,
) -> Result<(), ConnectorError> {
    let mut offset: i64 = inbox
        .checkpoint(&telegram.name, OFFSET_KEY)
        .await
        .map_err(|err| ConnectorError::unavailable(err.0, None))?
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    // A webhook left from webhook mode makes getUpdates fail with 409; polling owns the bot.
    call(
        telegram,
        "deleteWebhook",
        serde_json::json!({"drop_pending_updates": false}),
    )
    .await?;
    let mut pause = Duration::from_millis(500);
    while !shutdown.is_cancelled() {
        let request = call(
            telegram,
            "getUpdates",
            serde_json::json!({
                "offset": offset,
                "timeout": telegram.config.poll_timeout_secs,
                "allowed_updates": convert::ALLOWED_UPDATES,
            }),
        );
        let updates = tokio::select! {
            result = request => result,
            () = shutdown.cancelled() => return Ok(()),
        };
        let raw = match updates {
            Ok(raw) => raw,
            Err(ConnectorError::Unauthorized) => return Err(ConnectorError::Unauthorized),
            Err(err) => {
                tracing::warn!(channel = %telegram.name, error = %err, "getUpdates failed; retrying");
                if wait(&shutdown, &mut pause).await {
                    return Ok(());
                }
                continue;
            }
        };
        if raw.is_empty() {
            continue;
        }
        let mut events: Vec<InboundEvent> = Vec::new();
        let mut callbacks: Vec<String> = Vec::new();
        let mut next = offset;
        for value in raw {
            // An update we cannot read is skipped (and logged), never allowed to block the bot.
            let update_id = value
                .get("update_id")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(next);
            next = next.max(update_id + 1);
            match serde_json::from_value::<Update>(value) {
                Ok(update) => {
                    callbacks.extend(convert::callback_query_id(&update).map(str::to_owned));
                    events.extend(convert::events(&telegram.name, &update));
                }
                Err(err) => {
                    tracing::warn!(channel = %telegram.name, update_id, error = %err, "unreadable update skipped")
                }
            }
        }
        let checkpoint = Checkpoint::new(telegram.name.clone(), OFFSET_KEY, next.to_string());
        match inbox.deliver_events(events, Some(checkpoint)).await {
            Ok(_) => {
                offset = next;
                pause = Duration::from_millis(500);
                // Only now that the presses are stored: stop their buttons' spinners.
                for id in callbacks {
                    telegram.answer_callback_query(&id).await;
                }
            }
            Err(err) => {
                // Nothing was committed: ask for the same updates again.
                tracing::error!(channel = %telegram.name, error = %err.0, "storing updates failed; retrying");
                if wait(&shutdown, &mut pause).await {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// Sleeps `pause` (doubling it up to 30 s) unless shutdown comes first; true on shutdown.
async fn wait(shutdown: &CancellationToken, pause: &mut Duration) -> bool {
    let stop = tokio::select! {
        () = tokio::time::sleep(*pause) => false,
        () = shutdown.cancelled() => true,
    };
    *pause = (*pause * 2).min(Duration::from_secs(30));
    stop
}

/// Calls a Bot API method with a JSON body and returns its `result` (an array for
/// `getUpdates`; other results are dropped).
async fn call(
    telegram: &Telegram,
    method: &str,
    body: serde_json::Value,
) -> Result<Vec<serde_json::Value>, ConnectorError> {
    let url = telegram
        .api_url
        .join(&format!("./bot{}/{method}", telegram.config.token))
        .map_err(|_| ConnectorError::Config("api_url cannot take a method path"))?;
    let response = telegram
        .http
        .post(url)
        .json(&body)
        .send()
        .await
        // without_url: the URL contains the bot token, which must never reach the logs.
        .map_err(|err| ConnectorError::unavailable(err.without_url(), None))?;
    let status = response.status();
    let answer: Answer = response
        .json()
        .await
        .map_err(|err| ConnectorError::unavailable(err.without_url(), None))?;
    if answer.ok {
        return Ok(match answer.result {
            serde_json::Value::Array(items) => items,
            _ => Vec::new(),
        });
    }
    let description = answer.description.unwrap_or_else(|| status.to_string());
    match answer.error_code.unwrap_or(status.as_u16()) {
        401 | 404 => Err(ConnectorError::Unauthorized),
        _ => Err(ConnectorError::unavailable(
            format!("{method}: {description}"),
            None,
        )),
    }
}
