//! The email continuation: an answer the visitor has not seen in the widget within the
//! channel's `email_after_secs` goes to their email address through the channel's
//! `email_channel` email channel, with the chat's page to come back to. The mail's
//! signed Reply-To names the conversation, so the visitor's email reply lands in the same
//! conversation (the store accepts it there because the continuation is recorded).
//!
//! Each batch of answers is claimed in the database before it is sent and recorded after,
//! so on several nodes it goes out once; the mail's id is made of the conversation and the
//! last answer, so a resend after a crash carries the same Message-ID.

use std::time::Duration;

use connector_sdk::{ConnectorError, OutboundMessage, Recipient};
use connector_webchat::{Locale, WebChatChannel};
use tokio_util::sync::CancellationToken;

use crate::domain::{AuthorType, Direction};
use crate::http::AppState;
use crate::store::ContinuationDue;

/// How long a claim holds before another node may try the same answers again.
const CLAIM: Duration = Duration::from_secs(120);
/// Conversations handled per channel per round.
const BATCH: i64 = 20;

/// Runs the continuation for every web chat channel that has one, until shutdown.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let channels: Vec<_> = state
        .widgets
        .channels()
        .filter(|channel| channel.config().email_channel.is_some())
        .cloned()
        .collect();
    let Some(shortest) = channels
        .iter()
        .map(|channel| channel.config().email_after_secs)
        .min()
    else {
        return;
    };
    // A quarter of the shortest delay, between a fifth of a second and ten seconds: an
    // answer goes out at most that late.
    let every = Duration::from_millis((shortest * 250).clamp(200, 10_000));
    loop {
        for channel in &channels {
            round(&state, channel).await;
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

async fn round(state: &AppState, channel: &WebChatChannel) {
    let config = channel.config();
    let Some(email_channel) = config.email_channel.as_deref() else {
        return;
    };
    let name = connector_sdk::Connector::name(channel);
    let due = match state
        .store
        .claim_web_chat_continuations(
            name,
            email_channel,
            Duration::from_secs(config.email_after_secs),
            CLAIM,
            BATCH,
        )
        .await
    {
        Ok(due) => due,
        Err(err) => {
            tracing::warn!(channel = name, error = %err, "web chat continuation: claiming failed");
            return;
        }
    };
    for batch in due {
        send(state, channel, email_channel, batch).await;
    }
}

async fn send(
    state: &AppState,
    channel: &WebChatChannel,
    email_channel: &str,
    due: ContinuationDue,
) {
    let name = connector_sdk::Connector::name(channel);
    let Some(connector) = state.connectors.get(email_channel) else {
        tracing::warn!(
            channel = name,
            email_channel,
            "web chat continuation: no such channel"
        );
        return;
    };
    // The visitor's address answers for them from now on, unless it is someone else's.
    if let Err(err) = state
        .store
        .claim_web_chat_email_identity(due.conversation, &due.address)
        .await
    {
        tracing::warn!(error = %err, "web chat continuation: recording the address failed");
        return;
    }
    let page = state
        .store
        .get_conversation(due.conversation)
        .await
        .ok()
        .map(|conversation| conversation.contact_id);
    let page = match page {
        Some(contact) => state
            .store
            .get_contact(contact)
            .await
            .ok()
            .and_then(|contact| contact.attributes.get("web_chat_page").cloned())
            .and_then(|page| page.as_str().map(str::to_owned)),
        None => None,
    };
    let mut lines = Vec::new();
    for message in &due.messages {
        if message.direction != Direction::Out {
            continue;
        }
        let author = match (message.author_type, message.author_id) {
            (AuthorType::Agent, Some(id)) => state
                .store
                .get_agent(crate::domain::AgentId::new(id))
                .await
                .ok()
                .map(|agent| agent.name),
            _ => None,
        };
        lines.push(match author {
            Some(author) => format!("{author}:\n{}", message.text),
            None => message.text.clone(),
        });
    }
    let config = channel.config();
    let (subject, footer) = wording(config.locale, config.title.as_deref(), page.as_deref());
    let body = format!("{}\n\n-- \n{footer}\n", lines.join("\n\n"));
    let mut mail = OutboundMessage::text(
        format!("web-chat-{}-{}", due.conversation.get(), due.up_to.get()),
        email_channel,
        due.conversation.get(),
        Recipient::new(&due.address),
        body,
    );
    mail.subject = Some(subject);
    match connector.send(&mail).await {
        Ok(_) => {
            tracing::info!(
                channel = name,
                conversation = due.conversation.get(),
                "web chat: unread answers emailed"
            );
            if let Err(err) = state
                .store
                .release_web_chat_continuation(due.conversation, Some(due.up_to))
                .await
            {
                tracing::warn!(error = %err, "web chat continuation: recording the mail failed");
            }
        }
        Err(ConnectorError::Rejected { reason, .. }) => {
            // Permanent: these answers are not tried again (the next ones will be).
            tracing::warn!(channel = name, %reason, "web chat continuation: the mail was refused");
            let _ = state
                .store
                .release_web_chat_continuation(due.conversation, Some(due.up_to))
                .await;
        }
        Err(err) => {
            // The claim lapses and a later round tries again.
            tracing::warn!(channel = name, error = %err, "web chat continuation: sending failed");
        }
    }
}

/// The mail's subject and its closing lines, in the widget's language.
fn wording(locale: Locale, title: Option<&str>, page: Option<&str>) -> (String, String) {
    let link = page.map(|page| {
        let page = page.split('#').next().unwrap_or(page);
        format!("{page}#switchboard-chat")
    });
    match locale {
        Locale::Cs => (
            format!("{}: nová odpověď", title.unwrap_or("Chat")),
            match link {
                Some(link) => format!("Odpovězte na tento e-mail, nebo pokračujte v chatu: {link}"),
                None => "Odpovězte na tento e-mail a pokračujeme v konverzaci.".to_owned(),
            },
        ),
        Locale::En => (
            format!("{}: new reply", title.unwrap_or("Chat")),
            match link {
                Some(link) => format!("Reply to this email, or continue in the chat: {link}"),
                None => "Reply to this email to continue the conversation.".to_owned(),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_links_back_to_the_page_with_the_chat_open() {
        let (subject, footer) = wording(
            Locale::En,
            Some("ACME"),
            Some("https://shop.example/cart?x=1#top"),
        );
        assert_eq!(subject, "ACME: new reply");
        assert!(
            footer.ends_with("https://shop.example/cart?x=1#switchboard-chat"),
            "{footer}"
        );
        let (subject, footer) = wording(Locale::Cs, None, None);
        assert_eq!(subject, "Chat: nová odpověď");
        assert!(footer.contains("e-mail"), "{footer}");
    }
}
