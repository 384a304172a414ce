//! One client for any OpenAI-compatible chat-completions API (OpenAI, Azure's compatible
//! endpoint, Ollama, vLLM, llama.cpp's server): `POST {base_url}/chat/completions`. Every
//! request goes through the SSRF guard and the host allow-list, waits for one of
//! `max_concurrent` turns, counts against the per-minute budget, and is retried on 429, 5xx
//! and lost connections. An answer may be streamed (`"stream": true`, server-sent events of
//! `choices[0].delta.content`): its pieces go to the caller as they come, and a failure after
//! the first piece is not retried (the agent has seen part of an answer).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use connector_sdk::net::TargetPolicy;
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::settings::AssistConfig;

/// The longest a `Retry-After` is honoured; a longer one fails the call instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// The first pause between attempts without a `Retry-After`; it doubles.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest answer body read.
const MAX_ANSWER_BYTES: usize = 1 << 20;
/// The longest answer text kept (a summary note or a draft; an agent's own note may be 65,536
/// characters): a longer one is cut there, marked with `…`.
pub const MAX_ANSWER_CHARS: usize = 16_000;

/// One message of the chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: "system".into(),
            content: content.into(),
        }
    }

    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: "user".into(),
            content: content.into(),
        }
    }
}

/// The model's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    /// The model that answered, as the API named it.
    pub model: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// Why the model gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssistError {
    #[error("agent assist is off ([assist] base_url is not set)")]
    Off,
    #[error(
        "the per-minute budget of requests to the model is spent; try again in {retry_after_secs} s"
    )]
    Budget { retry_after_secs: u64 },
    #[error("every turn to the model was taken for {0:?}; try again shortly")]
    Busy(Duration),
    #[error("the model's address is refused: {0}")]
    Refused(String),
    #[error("the model at {host} cannot be reached: {reason}")]
    Unreachable { host: String, reason: String },
    #[error("the model at {host} answered {status}: {detail}")]
    Status {
        host: String,
        status: u16,
        detail: String,
    },
    #[error("the model's answer cannot be read: {0}")]
    BadAnswer(String),
    #[error("this node is shutting down; ask again")]
    ShuttingDown,
}

/// The client, shared by every request of this node.
pub struct ModelClient {
    config: AssistConfig,
    endpoint: String,
    host: String,
    http: reqwest::Client,
    policy: TargetPolicy,
    turns: Semaphore,
    /// Cancelled when the node shuts down: calls in flight end at once.
    stopping: CancellationToken,
    /// When the requests of the last minute were sent, oldest first.
    sent: Mutex<VecDeque<Instant>>,
}

#[derive(Serialize)]
struct Request<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    temperature: f32,
    stream: bool,
    /// Asks a streamed answer to end with the tokens used (OpenAI; others ignore it).
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

/// One event of a streamed answer.
#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Option<AnswerMessage>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    model: Option<String>,
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: AnswerMessage,
}

#[derive(Deserialize)]
struct AnswerMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl ModelClient {
    /// A client for `config` (which must be on and valid); its calls give way when `stopping`
    /// is cancelled (the node shuts down), since a model may take longer than the shutdown's
    /// grace.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: &AssistConfig, stopping: CancellationToken) -> anyhow::Result<Self> {
        let policy = TargetPolicy::new(
            config.allow_private_targets,
            "[assist] allow_private_targets",
        );
        let timeout = Duration::from_secs(config.timeout_secs);
        let http = policy.client(timeout, concat!("switchboard/", env!("CARGO_PKG_VERSION")))?;
        let endpoint = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
        let host = reqwest::Url::parse(&endpoint)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_default();
        Ok(Self {
            config: config.clone(),
            endpoint,
            host,
            http,
            policy,
            turns: Semaphore::new(config.max_concurrent),
            stopping,
            sent: Mutex::new(VecDeque::new()),
        })
    }

    /// Asks the model; waits for a turn, retries what may pass.
    ///
    /// # Errors
    /// An [`AssistError`] saying what failed, in words for the agent.
    pub async fn complete(&self, messages: &[ChatMessage]) -> Result<Completion, AssistError> {
        self.ask(messages, None).await
    }

    /// [`Self::complete`] with the answer streamed: its pieces are sent to `pieces` as they
    /// come (a server that does not stream sends the whole answer as one piece). The
    /// completion holds the whole answer, trimmed and cut as always.
    ///
    /// # Errors
    /// As [`Self::complete`]; a failure after the first piece is not retried.
    pub async fn complete_streaming(
        &self,
        messages: &[ChatMessage],
        pieces: &mpsc::Sender<String>,
    ) -> Result<Completion, AssistError> {
        self.ask(messages, Some(pieces)).await
    }

    async fn ask(
        &self,
        messages: &[ChatMessage],
        pieces: Option<&mpsc::Sender<String>>,
    ) -> Result<Completion, AssistError> {
        tokio::select! {
            answer = self.ask_now(messages, pieces) => answer,
            () = self.stopping.cancelled() => Err(AssistError::ShuttingDown),
        }
    }

    async fn ask_now(
        &self,
        messages: &[ChatMessage],
        pieces: Option<&mpsc::Sender<String>>,
    ) -> Result<Completion, AssistError> {
        let wait = Duration::from_secs(self.config.timeout_secs);
        let _turn = tokio::time::timeout(wait, self.turns.acquire())
            .await
            .map_err(|_| AssistError::Busy(wait))?
            .map_err(|_| AssistError::Busy(wait))?;
        let url = self
            .policy
            .check(&self.endpoint)
            .await
            .map_err(|err| AssistError::Refused(format!("{} {err}", self.endpoint)))?;
        if !url
            .host_str()
            .is_some_and(|host| self.config.allows_host(host))
        {
            return Err(AssistError::Refused(format!(
                "{} is not in [assist] allow_hosts",
                url.host_str().unwrap_or_default()
            )));
        }
        let body = Request {
            model: &self.config.model,
            messages,
            temperature: 0.2,
            stream: pieces.is_some(),
            stream_options: pieces.map(|_| StreamOptions {
                include_usage: true,
            }),
        };
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0;
        loop {
            self.spend_budget()?;
            let mut streamed = false;
            let failure = match self
                .attempt(url.clone(), &body, pieces, &mut streamed)
                .await
            {
                Ok(completion) => return Ok(completion),
                Err(failure) => failure,
            };
            let (error, retry_after) = failure;
            if streamed {
                return Err(error);
            }
            let retryable = match &error {
                AssistError::Unreachable { .. } => true,
                AssistError::Status { status, .. } => *status == 429 || *status >= 500,
                _ => false,
            };
            if !retryable || attempt >= self.config.max_retries {
                return Err(error);
            }
            let pause = match retry_after {
                Some(asked) if asked > MAX_RETRY_AFTER => return Err(error),
                Some(asked) => asked,
                None => backoff,
            };
            tracing::info!(attempt, %error, ?pause, "assist: the model failed, retrying");
            // A pause the provider asked for (or a growing one), not a wait for our own work.
            tokio::time::sleep(pause).await;
            backoff *= 2;
            attempt += 1;
        }
    }

    /// Takes one request from the per-minute budget, or says when one is free again.
    fn spend_budget(&self) -> Result<(), AssistError> {
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        let mut sent = self
            .sent
            .lock()
            .map_err(|_| AssistError::BadAnswer("the budget lock was poisoned".into()))?;
        while sent
            .front()
            .is_some_and(|&at| now.duration_since(at) >= minute)
        {
            sent.pop_front();
        }
        let limit = usize::try_from(self.config.requests_per_minute).unwrap_or(usize::MAX);
        if sent.len() >= limit {
            let oldest = sent.front().copied().unwrap_or(now);
            let free_in = minute.saturating_sub(now.duration_since(oldest));
            return Err(AssistError::Budget {
                retry_after_secs: free_in.as_secs().max(1),
            });
        }
        sent.push_back(now);
        Ok(())
    }

    /// One request; on failure the error and the pause the provider asked for. `streamed` is
    /// set once a piece of the answer went to `pieces`.
    async fn attempt(
        &self,
        url: reqwest::Url,
        body: &Request<'_>,
        pieces: Option<&mpsc::Sender<String>>,
        streamed: &mut bool,
    ) -> Result<Completion, (AssistError, Option<Duration>)> {
        let mut request = self.http.post(url).json(body);
        if !self.config.api_key.is_empty() {
            request = request.bearer_auth(&self.config.api_key);
        }
        let unreachable = |err: reqwest::Error| AssistError::Unreachable {
            host: self.host.clone(),
            reason: without_url(&err),
        };
        let response = request
            .send()
            .await
            .map_err(|err| (unreachable(err), None))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let is_stream = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/event-stream"));
        if status.is_success()
            && is_stream
            && let Some(pieces) = pieces
        {
            return self
                .read_stream(response, pieces, streamed)
                .await
                .map_err(|err| (err, None));
        }
        let bytes = read_limited(response)
            .await
            .map_err(|err| (unreachable(err), None))?;
        if !status.is_success() {
            let detail: String = String::from_utf8_lossy(&bytes).chars().take(300).collect();
            return Err((
                AssistError::Status {
                    host: self.host.clone(),
                    status: status.as_u16(),
                    detail: detail.trim().to_owned(),
                },
                retry_after,
            ));
        }
        let answer: Answer = serde_json::from_slice(&bytes)
            .map_err(|err| (AssistError::BadAnswer(err.to_string()), None))?;
        let text = answer
            .choices
            .into_iter()
            .next()
            .and_then(|choice| choice.message.content)
            .and_then(answer_text)
            .ok_or_else(|| (AssistError::BadAnswer("it holds no text".into()), None))?;
        if let Some(pieces) = pieces {
            *streamed = true;
            // The listener may have gone; the answer is still the caller's.
            let _ = pieces.send(text.clone()).await;
        }
        let usage = answer.usage.unwrap_or(Usage {
            prompt_tokens: 0,
            completion_tokens: 0,
        });
        Ok(Completion {
            text,
            model: answer.model.unwrap_or_else(|| self.config.model.clone()),
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
        })
    }
}

impl ModelClient {
    /// Reads a streamed answer (server-sent events, `data: {chunk}` lines, ended by
    /// `data: [DONE]`), sending each piece of text to `pieces`; at most [`MAX_ANSWER_BYTES`]
    /// are read and [`MAX_ANSWER_CHARS`] kept.
    async fn read_stream(
        &self,
        mut response: reqwest::Response,
        pieces: &mpsc::Sender<String>,
        streamed: &mut bool,
    ) -> Result<Completion, AssistError> {
        let mut lines = SseLines::default();
        let mut text = String::new();
        let mut model = None;
        let mut usage = None;
        let mut read = 0usize;
        'reading: loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(err) => {
                    return Err(AssistError::Unreachable {
                        host: self.host.clone(),
                        reason: without_url(&err),
                    });
                }
            };
            read += chunk.len();
            for data in lines.push(&chunk) {
                if data == "[DONE]" {
                    break 'reading;
                }
                let Ok(event) = serde_json::from_str::<Chunk>(&data) else {
                    return Err(AssistError::BadAnswer(format!(
                        "a streamed piece is not JSON: {}",
                        data.chars().take(100).collect::<String>()
                    )));
                };
                model = event.model.or(model);
                usage = event.usage.or(usage);
                let piece = event
                    .choices
                    .into_iter()
                    .next()
                    .and_then(|choice| choice.delta)
                    .and_then(|delta| delta.content)
                    .unwrap_or_default();
                if piece.is_empty() || text.chars().count() >= MAX_ANSWER_CHARS {
                    continue;
                }
                text.push_str(&piece);
                *streamed = true;
                // The listener may have gone; the answer is still the caller's.
                let _ = pieces.send(piece).await;
            }
            if read >= MAX_ANSWER_BYTES {
                break;
            }
        }
        let text =
            answer_text(text).ok_or_else(|| AssistError::BadAnswer("it holds no text".into()))?;
        let usage = usage.unwrap_or(Usage {
            prompt_tokens: 0,
            completion_tokens: 0,
        });
        Ok(Completion {
            text,
            model: model.unwrap_or_else(|| self.config.model.clone()),
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
        })
    }
}

/// Splits a server-sent event stream into the values of its `data:` lines, across chunk
/// boundaries (a line may arrive in pieces; bytes are kept until the line ends, so a character
/// split between chunks is joined before it is read).
#[derive(Default)]
struct SseLines {
    pending: Vec<u8>,
}

impl SseLines {
    /// The `data:` values completed by `chunk`.
    fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(chunk);
        let mut values = Vec::new();
        while let Some(end) = self.pending.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(value) = line.strip_prefix("data:") {
                values.push(value.trim_start().to_owned());
            }
        }
        values
    }
}

/// The answer's text, trimmed and cut at [`MAX_ANSWER_CHARS`]; `None` when empty.
fn answer_text(raw: String) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.chars().count() <= MAX_ANSWER_CHARS {
        return Some(trimmed.to_owned());
    }
    let mut cut: String = trimmed.chars().take(MAX_ANSWER_CHARS - 1).collect();
    cut.push('…');
    Some(cut)
}

/// Reads at most [`MAX_ANSWER_BYTES`] of the body (a longer one is cut there).
async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_ANSWER_BYTES.saturating_sub(bytes.len());
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() >= MAX_ANSWER_BYTES {
            break;
        }
    }
    Ok(bytes)
}

/// A transport error in words, without the URL (which the caller names already).
fn without_url(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(url) = err.url() {
        text = text
            .replace(url.as_str(), "the model")
            .replace(" (the model)", "");
    }
    if err.is_timeout() {
        return "no answer in time".into();
    }
    if err.is_connect() {
        return "the connection was refused or failed".into();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_stream_lines_are_read_across_chunks() {
        let mut lines = SseLines::default();
        let text = "data: {\"a\":\"č\"}\r\n\n: keep-alive\nevent: x\ndata:[DONE]\n";
        let bytes = text.as_bytes();
        // Split inside the two-byte "č" and inside a line.
        let split = text.find('č').expect("č") + 1;
        assert!(lines.push(&bytes[..split]).is_empty());
        assert_eq!(
            lines.push(&bytes[split..]),
            vec!["{\"a\":\"č\"}".to_owned(), "[DONE]".to_owned()]
        );
        assert!(lines.push(b"data: partial").is_empty());
        assert_eq!(lines.push(b"\n"), vec!["partial".to_owned()]);
    }

    #[test]
    fn an_answer_is_trimmed_and_a_long_one_is_cut() {
        assert_eq!(
            answer_text("  Wants: help \n".into()),
            Some("Wants: help".into())
        );
        assert_eq!(answer_text(" \n ".into()), None);
        let long = answer_text("é".repeat(MAX_ANSWER_CHARS + 10)).expect("text");
        assert_eq!(long.chars().count(), MAX_ANSWER_CHARS);
        assert!(long.ends_with('…'));
    }
}
