//! A message rendered from a template, in each form a channel may send: what the templates
//! produce and what replies, campaigns and the API carry onwards.

use serde::Serialize;

/// A rendered message, ready to become a reply.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rendered {
    /// What a person reads: plain text with no markup or escapes. Email's text part; the
    /// message text stored and shown in the inbox.
    pub text: String,
    /// Email's HTML part, when the template has an HTML variant for the locale.
    pub html: Option<String>,
    /// The message in the channel's own markup (Telegram HTML, Discord markdown) with every
    /// value escaped, when a channel variant wrote markup. Connectors send it as it is
    /// instead of escaping `text`.
    pub markup: Option<String>,
    /// Which file made the text, without extension (`ack.telegram.cs`), then `+` and the HTML
    /// file when there is one.
    pub variant: String,
}
