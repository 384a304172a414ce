//! Agent assist: a model the operator chooses (any OpenAI-compatible chat-completions API, in
//! the cloud or on their own machine) reads a conversation and helps the agent — today with a
//! summary, a reply draft, suggested labels, priority and team, and translations both ways.
//! Off unless `[assist]` names a model; only channels listed in `[assist] channels`
//! are ever sent; card numbers, IBANs and birth numbers (and the `[redaction]` patterns) are
//! replaced by `[redacted]` before anything leaves; erased contacts are never sent; every call
//! is written to the audit log by the HTTP layer.

pub mod client;
pub mod settings;
pub mod worker;

use crate::domain::{AuthorType, Message, MessageKind, Priority};
use crate::redaction::{RedactionConfig, Redactor};
pub use client::{AssistError, ChatMessage, Completion, ModelClient};
pub use settings::AssistConfig;

/// The longest part of one message sent (longer texts are cut, marked with `…`).
const MAX_MESSAGE_CHARS: usize = 2_000;

/// What the summary asks of the model.
const SUMMARY_INSTRUCTIONS: &str = "You help a customer-support agent who takes over a \
conversation. Summarise it in four short lines, each starting with its label: \
\"Wants:\" what the customer wants; \"Done:\" what was done or answered so far; \
\"Open:\" what is still open, or \"nothing\"; \"Mood:\" the customer's mood in a few words. \
Write in the language most of the conversation is written in. Do not invent facts; \
`[redacted]` marks text that was removed on purpose.";

/// What a reply draft asks of the model.
const DRAFT_INSTRUCTIONS: &str = "You draft the next reply of a customer-support agent to the \
customer. Write only the reply's text, ready for the agent to edit: no subject, no notes to \
the agent. Write in the customer's language. Answer what the customer asked last; use a \
prepared answer when one fits, in your own words. Never promise what the conversation does \
not support. `[redacted]` marks text that was removed on purpose.";

/// What a classification asks of the model; the lists follow in the user message.
const CLASSIFY_INSTRUCTIONS: &str = "You sort a new customer-support conversation. Answer \
with one JSON object and nothing else: {\"labels\": [up to 3 labels from the list given], \
\"priority\": \"low\", \"normal\", \"high\" or \"urgent\", \"team\": a team name from the \
list given, or null}. Use only labels and teams from the lists; urgent is for outages, \
security and money lost now.";

/// What a translation asks of the model; the target language follows.
const TRANSLATE_INSTRUCTIONS: &str = "You translate messages between a customer-support agent \
and a customer. Translate the user's message into the language named below. Keep its meaning \
and tone, and keep names, numbers, addresses, links and `[redacted]` exactly as they are. \
Write only the translation: no notes, no quotes, no explanations.";

/// The longest text translated at once (a longer one is cut, marked with `…`).
pub const MAX_TRANSLATE_CHARS: usize = 8_000;

/// The English name of a language told by its ISO 639-1 code, for the model's instructions
/// (the code itself when it is not one of the languages detected here).
pub fn language_name(code: &str) -> &str {
    match code {
        "cs" => "Czech",
        "sk" => "Slovak",
        "en" => "English",
        "de" => "German",
        "pl" => "Polish",
        "fr" => "French",
        "es" => "Spanish",
        "it" => "Italian",
        "pt" => "Portuguese",
        "nl" => "Dutch",
        "ru" => "Russian",
        "uk" => "Ukrainian",
        "hu" => "Hungarian",
        "ro" => "Romanian",
        "sl" => "Slovenian",
        "hr" => "Croatian",
        "sv" => "Swedish",
        "da" => "Danish",
        "fi" => "Finnish",
        "tr" => "Turkish",
        "vi" => "Vietnamese",
        _ => code,
    }
}

/// The most labels a classification may suggest.
pub const MAX_SUGGESTED_LABELS: usize = 3;

/// What the model suggests for a conversation, checked against what exists here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classification {
    /// Labels from the offered list only.
    pub labels: Vec<String>,
    pub priority: Option<Priority>,
    /// A team name from the offered list only.
    pub team: Option<String>,
}

/// Reads the model's classification: the first JSON object in `text` (models wrap it in code
/// fences or prose), keeping only offered labels and teams and a known priority. Nothing
/// usable in it is an error.
pub fn read_classification(
    text: &str,
    labels: &[String],
    teams: &[String],
) -> Result<Classification, String> {
    let start = text.find('{').ok_or("no JSON object in the answer")?;
    let end = text.rfind('}').ok_or("no JSON object in the answer")?;
    let object: serde_json::Value = text
        .get(start..=end)
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or("the answer's JSON does not parse")?;
    let find = |offered: &[String], wanted: &str| {
        offered
            .iter()
            .find(|name| name.eq_ignore_ascii_case(wanted.trim()))
            .cloned()
    };
    let mut chosen: Vec<String> = Vec::new();
    for label in object["labels"].as_array().into_iter().flatten() {
        if let Some(label) = label.as_str().and_then(|label| find(labels, label))
            && !chosen.contains(&label)
            && chosen.len() < MAX_SUGGESTED_LABELS
        {
            chosen.push(label);
        }
    }
    Ok(Classification {
        labels: chosen,
        priority: object["priority"]
            .as_str()
            .and_then(|priority| priority.trim().to_lowercase().parse().ok()),
        team: object["team"].as_str().and_then(|team| find(teams, team)),
    })
}

/// The most prepared answers and earlier conversations a draft shows the model.
pub const MAX_DRAFT_CANNED: usize = 20;
pub const MAX_DRAFT_HISTORY: usize = 5;

/// A customer's, agent's or bot's message: what the model reads (never notes or activity).
fn is_readable(message: &Message) -> bool {
    message.kind == MessageKind::Message && message.author_type != AuthorType::System
}

/// Agent assist as configured: off, or a model client with the redaction it applies.
pub struct Assist {
    config: AssistConfig,
    client: Option<ModelClient>,
    redactor: Redactor,
}

impl Assist {
    /// Assist for `config`; `redaction` adds the operator's own patterns to the rules that
    /// always apply here (cards, IBANs, birth numbers); calls give way when `stopping` is
    /// cancelled.
    ///
    /// # Errors
    /// When the client cannot be built or a pattern does not compile.
    pub fn new(
        config: &AssistConfig,
        redaction: &RedactionConfig,
        stopping: tokio_util::sync::CancellationToken,
    ) -> anyhow::Result<Self> {
        let always = RedactionConfig {
            cards: true,
            iban: true,
            birth_numbers: true,
            ..redaction.clone()
        };
        let redactor = Redactor::new(&always).map_err(anyhow::Error::msg)?;
        let client = if config.is_on() {
            Some(ModelClient::new(config, stopping)?)
        } else {
            None
        };
        Ok(Self {
            config: config.clone(),
            client,
            redactor,
        })
    }

    /// The configuration (the API says what is on; the key is never shown).
    pub fn config(&self) -> &AssistConfig {
        &self.config
    }

    /// True when a model is configured.
    pub fn is_on(&self) -> bool {
        self.client.is_some()
    }

    /// Whether any of `messages` is one the model would read (see [`Self::transcript`]).
    pub fn has_readable(messages: &[Message]) -> bool {
        messages.iter().any(is_readable)
    }

    /// How many of `messages` the model would read (see [`Self::transcript`]).
    pub fn readable_count(messages: &[Message]) -> usize {
        messages
            .iter()
            .filter(|message| is_readable(message))
            .count()
    }

    /// The conversation's messages as the model reads them: customer, agent and bot messages
    /// (never private notes or activity lines), oldest first, redacted, each cut at
    /// [`MAX_MESSAGE_CHARS`].
    pub fn transcript(&self, messages: &[Message]) -> String {
        let mut lines = Vec::with_capacity(messages.len());
        for message in messages {
            if message.kind != MessageKind::Message {
                continue;
            }
            let who = match message.author_type {
                AuthorType::Contact => "Customer",
                AuthorType::Agent => "Agent",
                AuthorType::Bot => "Bot",
                AuthorType::System => continue,
            };
            let text = self
                .redactor
                .redact(&message.text)
                .unwrap_or_else(|| message.text.clone());
            let mut text: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
            if message.text.chars().count() > MAX_MESSAGE_CHARS {
                text.push('…');
            }
            lines.push(format!("{who}: {}", text.trim()));
        }
        lines.join("\n")
    }

    /// Asks the model for a reply draft to the conversation `messages`, given prepared
    /// answers (`(shortcut, text)`) and the customer's earlier conversations on other channels
    /// (`(channel, messages)`); all of it redacted like the transcript. With `pieces`, the
    /// answer is streamed there as it comes.
    ///
    /// # Errors
    /// [`AssistError::Off`], or the client's error.
    pub async fn draft(
        &self,
        messages: &[Message],
        canned: &[(String, String)],
        history: &[(String, Vec<Message>)],
        pieces: Option<&tokio::sync::mpsc::Sender<String>>,
    ) -> Result<Completion, AssistError> {
        let client = self.client.as_ref().ok_or(AssistError::Off)?;
        let mut context = String::new();
        if !canned.is_empty() {
            context.push_str("Prepared answers:\n");
            for (shortcut, text) in canned.iter().take(MAX_DRAFT_CANNED) {
                let text = self.redactor.redact(text).unwrap_or_else(|| text.clone());
                let text: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
                context.push_str(&format!("- /{shortcut}: {}\n", text.trim()));
            }
            context.push('\n');
        }
        for (channel, earlier) in history.iter().take(MAX_DRAFT_HISTORY) {
            let transcript = self.transcript(earlier);
            if !transcript.is_empty() {
                context.push_str(&format!(
                    "An earlier conversation of this customer ({channel}):\n{transcript}\n\n"
                ));
            }
        }
        let chat = [
            ChatMessage::system(DRAFT_INSTRUCTIONS),
            ChatMessage::user(format!(
                "{context}The conversation to answer:\n{}",
                self.transcript(messages)
            )),
        ];
        match pieces {
            Some(pieces) => client.complete_streaming(&chat, pieces).await,
            None => client.complete(&chat).await,
        }
    }

    /// Asks the model which of `labels`, which priority and which of `teams` fit the
    /// conversation `messages`; returns its suggestion, checked, and the completion.
    ///
    /// # Errors
    /// [`AssistError::Off`], the client's error, or [`AssistError::BadAnswer`] when the answer
    /// holds no readable JSON object.
    pub async fn classify(
        &self,
        messages: &[Message],
        labels: &[String],
        teams: &[String],
    ) -> Result<(Classification, Completion), AssistError> {
        let client = self.client.as_ref().ok_or(AssistError::Off)?;
        let list =
            |names: &[String]| serde_json::to_string(names).unwrap_or_else(|_| "[]".to_owned());
        let chat = [
            ChatMessage::system(CLASSIFY_INSTRUCTIONS),
            ChatMessage::user(format!(
                "Labels: {}\nTeams: {}\nThe conversation:\n{}",
                list(labels),
                list(teams),
                self.transcript(messages)
            )),
        ];
        let completion = client.complete(&chat).await?;
        let classification =
            read_classification(&completion.text, labels, teams).map_err(AssistError::BadAnswer)?;
        Ok((classification, completion))
    }

    /// Asks the model to translate `text` into the language `to` (an ISO 639-1 code); the text
    /// is redacted first and cut at [`MAX_TRANSLATE_CHARS`].
    ///
    /// # Errors
    /// [`AssistError::Off`], or the client's error.
    pub async fn translate(&self, text: &str, to: &str) -> Result<Completion, AssistError> {
        let client = self.client.as_ref().ok_or(AssistError::Off)?;
        let redacted = self
            .redactor
            .redact(text)
            .unwrap_or_else(|| text.to_owned());
        let mut cut: String = redacted.chars().take(MAX_TRANSLATE_CHARS).collect();
        if redacted.chars().count() > MAX_TRANSLATE_CHARS {
            cut.push('…');
        }
        let chat = [
            ChatMessage::system(format!(
                "{TRANSLATE_INSTRUCTIONS}\nTranslate into: {} ({to}).",
                language_name(to)
            )),
            ChatMessage::user(cut),
        ];
        client.complete(&chat).await
    }

    /// Asks the model for a summary of `messages` (see [`Self::transcript`]).
    ///
    /// # Errors
    /// [`AssistError::Off`], or the client's error.
    pub async fn summarise(&self, messages: &[Message]) -> Result<Completion, AssistError> {
        let client = self.client.as_ref().ok_or(AssistError::Off)?;
        let chat = [
            ChatMessage::system(SUMMARY_INSTRUCTIONS),
            ChatMessage::user(format!("The conversation:\n{}", self.transcript(messages))),
        ];
        client.complete(&chat).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_classification_keeps_only_offered_labels_and_teams_and_a_known_priority() {
        let labels = vec!["refund".to_owned(), "shipping".to_owned(), "bug".to_owned()];
        let teams = vec!["Billing".to_owned()];
        let answer = "Sure:\n```json\n{\"labels\": [\"Refund\", \"invented\", \"refund\", \"bug\", \
                      \"shipping\"], \"priority\": \"HIGH\", \"team\": \"billing\"}\n```";
        assert_eq!(
            read_classification(answer, &labels, &teams),
            Ok(Classification {
                labels: vec!["refund".into(), "bug".into(), "shipping".into()],
                priority: Some(Priority::High),
                team: Some("Billing".into()),
            })
        );
        let vague = r#"{"labels": ["other"], "priority": "asap", "team": "Sales"}"#;
        assert_eq!(
            read_classification(vague, &labels, &teams),
            Ok(Classification::default())
        );
        assert!(read_classification("I think refund.", &labels, &teams).is_err());
        assert!(read_classification("{not json}", &labels, &teams).is_err());
    }
}
