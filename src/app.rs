//! The composition root: builds the store, connectors, pipeline and workers from the config,
//! serves HTTP, and shuts everything down in an order that loses nothing. The only module
//! that names connector crates.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use connector_sdk::{ChannelKind, Connector, Inbox};
use connector_webchat::WebChatChannel;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::automation::{Automation, AutomationParts};
use crate::cluster::Node;
use crate::config::{ChannelConfig, Config, ConfigError, SqliteSynchronous};
use crate::dispatch::{Connectors, Dispatcher};
use crate::domain::Role;
use crate::event_webhooks::EventWebhooks;
use crate::events::EventBus;
use crate::http::{self, AppState};
use crate::metrics::Metrics;
use crate::pipeline::{FencedInbox, Pipeline, PipelineParts};
use crate::router::Router;
use crate::store::{ConnectOptions, NewAgent, NewToken, Store};
use crate::supervisor::supervise;

/// Builds one connector per `[[channels]]` table.
///
/// # Errors
/// A [`ConfigError`] naming the channel table and key.
pub fn build_connectors(
    channels: &[ChannelConfig],
) -> Result<Vec<Arc<dyn Connector>>, ConfigError> {
    Ok(build_channels(channels)?.0)
}

/// Every channel's connector, and the web chat channels again by their own type.
type BuiltChannels = (Vec<Arc<dyn Connector>>, Vec<Arc<WebChatChannel>>);

/// Builds one connector per `[[channels]]` table, and hands the web chat channels out a
/// second time by their own type, for the widget that serves them.
fn build_channels(channels: &[ChannelConfig]) -> Result<BuiltChannels, ConfigError> {
    let mut connectors = Vec::with_capacity(channels.len());
    let mut widgets = Vec::new();
    for channel in channels {
        if channel.kind == ChannelKind::WebChat {
            let widget = Arc::new(build_web_chat(channel)?);
            widgets.push(widget.clone());
            connectors.push(widget as Arc<dyn Connector>);
        } else {
            connectors.push(build_connector(channel)?);
        }
    }
    check_email_channels(&widgets, channels)?;
    Ok((connectors, widgets))
}

fn build_web_chat(channel: &ChannelConfig) -> Result<WebChatChannel, ConfigError> {
    let error = |message: String| ConfigError {
        source_name: channel.origin.clone(),
        message,
    };
    if channel.name == "assets" {
        return Err(error(
            "name: \"assets\" is taken by the widget's files; name the web chat channel otherwise"
                .into(),
        ));
    }
    let config: connector_webchat::Config = parse_settings(channel).map_err(error)?;
    let widget =
        WebChatChannel::new(channel.name.clone(), config).map_err(|err| error(err.to_string()))?;
    if let Some(warning) = widget.exposure_warning() {
        tracing::warn!(channel = %channel.name, "{warning}");
    }
    Ok(widget)
}

/// Checks that each web chat channel's `email_channel` names an email channel.
fn check_email_channels(
    widgets: &[Arc<WebChatChannel>],
    channels: &[ChannelConfig],
) -> Result<(), ConfigError> {
    for widget in widgets {
        let Some(target) = widget.config().email_channel.as_deref() else {
            continue;
        };
        let name = widget.name();
        let origin = channels
            .iter()
            .find(|channel| channel.name == name)
            .map_or_else(|| name.to_owned(), |channel| channel.origin.clone());
        let message = match channels.iter().find(|channel| channel.name == target) {
            Some(channel) if channel.kind == ChannelKind::Email => continue,
            Some(channel) => format!(
                "email_channel: {target:?} is a {} channel, not email",
                channel.kind
            ),
            None => format!("email_channel: no channel is named {target:?}"),
        };
        return Err(ConfigError {
            source_name: origin,
            message,
        });
    }
    Ok(())
}

/// Each channel's hook body limit: its own `max_body_bytes`, else what its kind needs (raw
/// mail carries attachments), else the server's.
fn hook_body_limits(
    channels: &[ChannelConfig],
    connectors: &Connectors,
    server_limit: usize,
) -> std::collections::HashMap<String, usize> {
    connectors
        .iter()
        .map(|(name, connector)| {
            let configured = channels
                .iter()
                .find(|channel| &channel.name == name)
                .and_then(|channel| channel.max_body_bytes);
            let limit = configured
                .or_else(|| connector.default_max_webhook_bytes())
                .unwrap_or(server_limit);
            (name.clone(), limit)
        })
        .collect()
}

/// The channels as the audit log compares them: every setting as text, with the channel's
/// own `csat` and body limit.
fn configured_channels(
    channels: &[ChannelConfig],
) -> Vec<crate::audit::config_changes::ConfiguredChannel> {
    channels
        .iter()
        .map(|channel| {
            let mut settings: std::collections::BTreeMap<String, String> = channel
                .settings
                .iter()
                .map(|(name, value)| (name.clone(), value.to_string()))
                .collect();
            settings.insert("csat".into(), channel.csat.to_string());
            if let Some(limit) = channel.max_body_bytes {
                settings.insert("max_body_bytes".into(), limit.to_string());
            }
            crate::audit::config_changes::ConfiguredChannel {
                name: channel.name.clone(),
                kind: channel.kind.as_str(),
                settings,
            }
        })
        .collect()
}

fn build_connector(channel: &ChannelConfig) -> Result<Arc<dyn Connector>, ConfigError> {
    let error = |message: String| ConfigError {
        source_name: channel.origin.clone(),
        message,
    };
    match channel.kind {
        ChannelKind::Webhook => {
            let config: connector_webhook::Config = parse_settings(channel).map_err(error)?;
            let connector = connector_webhook::Webhook::new(channel.name.clone(), config)
                .map_err(|err| error(err.to_string()))?;
            Ok(Arc::new(connector))
        }
        ChannelKind::Telegram => {
            let config: connector_telegram::Config = parse_settings(channel).map_err(error)?;
            let connector = connector_telegram::Telegram::new(channel.name.clone(), config)
                .map_err(|err| error(err.to_string()))?;
            Ok(Arc::new(connector))
        }
        ChannelKind::Discord => {
            let config: connector_discord::Config = parse_settings(channel).map_err(error)?;
            let connector = connector_discord::Discord::new(channel.name.clone(), config)
                .map_err(|err| error(err.to_string()))?;
            Ok(Arc::new(connector))
        }
        ChannelKind::Whatsapp | ChannelKind::Messenger | ChannelKind::Instagram => {
            let config: connector_meta::Config = parse_settings(channel).map_err(error)?;
            let connector = connector_meta::Meta::new(channel.name.clone(), channel.kind, config)
                .map_err(|err| error(err.to_string()))?;
            Ok(Arc::new(connector))
        }
        ChannelKind::WebChat => Ok(Arc::new(build_web_chat(channel)?)),
        ChannelKind::Twilio => {
            let config: connector_sms::twilio::Config = parse_settings(channel).map_err(error)?;
            let connector = connector_sms::Twilio::new(channel.name.clone(), config)
                .map_err(|err| error(err.to_string()))?;
            Ok(Arc::new(connector))
        }
        ChannelKind::Vonage => {
            let config: connector_sms::vonage::Config = parse_settings(channel).map_err(error)?;
            let connector = connector_sms::Vonage::new(channel.name.clone(), config)
                .map_err(|err| error(err.to_string()))?;
            Ok(Arc::new(connector))
        }
        ChannelKind::Email => {
            let config: connector_email::Config = parse_settings(channel).map_err(error)?;
            let connector = connector_email::Email::new(channel.name.clone(), config)
                .map_err(|err| error(err.to_string()))?;
            Ok(Arc::new(connector))
        }
    }
}

/// `switchboard email authorize <channel>`: runs the channel's OAuth2 flow with the operator
/// at the terminal and stores the refresh token in `store`, sealed. `flow` is `device` or
/// `code`; without it the channel's configuration decides.
///
/// # Errors
/// An unknown or non-email channel, a bad configuration, or the flow's failure in words
/// for the operator.
pub async fn authorize_email(
    config: &Config,
    store: Store,
    channel: &str,
    flow: Option<&str>,
) -> anyhow::Result<()> {
    use connector_email::authorize::{Flow, Terminal};
    let flow = match flow {
        None => None,
        Some("device") => Some(Flow::Device),
        Some("code") => Some(Flow::Code),
        Some(other) => anyhow::bail!("--flow: {other:?} is not one of device, code"),
    };
    let table = config
        .channels
        .iter()
        .find(|table| table.name == channel)
        .ok_or_else(|| anyhow::anyhow!("no channel named {channel:?} in the configuration"))?;
    if table.kind != ChannelKind::Email {
        anyhow::bail!("channel {channel:?} is a {} channel, not email", table.kind);
    }
    let settings: connector_email::Config =
        parse_settings(table).map_err(|message| ConfigError {
            source_name: table.origin.clone(),
            message,
        })?;
    let email = connector_email::Email::new(channel, settings)
        .map_err(|err| anyhow::anyhow!("{}: {err}", table.origin))?;
    let vault = crate::secrets::Vault::open(store, &config.secrets)
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    email.use_secrets(Arc::new(vault));
    email.authorize(flow, &mut Terminal).await?;
    Ok(())
}

/// Settles an interrupted key rotation and seals the secrets stored plain (from before sealing
/// existed, or from before PostgreSQL got a key); warns when there is no key to seal with.
async fn seal_stored_secrets(vault: &crate::secrets::Vault) -> anyhow::Result<()> {
    vault
        .recover_rotation()
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    if !vault.has_key() {
        tracing::warn!(
            "secrets are stored unencrypted (webhook signing secrets, the campaign link key): \
             PostgreSQL keeps no key beside the database; set SWITCHBOARD_MASTER_KEY or \
             [secrets] key_file, and the next start seals them"
        );
        return Ok(());
    }
    let sealed = vault
        .seal_plain_values()
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    if sealed > 0 {
        tracing::info!(sealed, "sealed secrets that were stored unencrypted");
    }
    Ok(())
}

/// Deserializes a channel's kind-specific keys, naming the key on error.
fn parse_settings<T: serde::de::DeserializeOwned>(channel: &ChannelConfig) -> Result<T, String> {
    serde_path_to_error::deserialize(toml::Value::Table(channel.settings.clone())).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner().to_string();
        let inner = inner.lines().next().unwrap_or_default();
        if path == "." {
            inner.to_owned()
        } else {
            format!("{path}: {inner}")
        }
    })
}

/// Which background workers [`App::serve`] starts. Tests turn workers off and drive
/// [`Dispatcher::run_once`], [`EventWebhooks::run_once`] and [`Router::run_once`] themselves.
#[derive(Debug, Clone, Copy)]
pub struct Workers {
    pub dispatcher: bool,
    pub event_webhooks: bool,
    pub router: bool,
    /// The rule engine and its timers.
    pub automation: bool,
    /// The campaign worker (ledger sends, opt-out keywords, reply linking).
    pub campaigns: bool,
    /// The retention job (`[retention]`; expired sessions even without it).
    pub retention: bool,
}

impl Workers {
    /// Everything, as in production.
    pub fn all() -> Self {
        Self {
            dispatcher: true,
            event_webhooks: true,
            router: true,
            automation: true,
            campaigns: true,
            retention: true,
        }
    }
}

/// A built service, ready to serve.
pub struct App {
    pub state: AppState,
    pub dispatcher: Dispatcher,
    /// The outbound event webhook worker.
    pub event_webhooks: EventWebhooks,
    /// The assignment worker.
    pub router: Router,
    /// The rule engine.
    pub automation: Automation,
    /// The campaign worker.
    pub campaigns: crate::campaigns::CampaignRunner,
    /// The worker that erases contacts on request.
    pub erasures: crate::privacy::Erasures,
    /// The retention job.
    pub retention: crate::retention::Retention,
    /// The business hours reports time facts by (kept current in the store).
    report_calendars: Arc<crate::automation::calendar::Calendars>,
    config: Config,
    /// Wakes the reader that feeds the event bus from the log (PostgreSQL, several nodes).
    event_feed: Option<Arc<Notify>>,
    /// The pipeline's writers; they stop last, after everything that feeds them.
    writers: TaskTracker,
    writers_shutdown: CancellationToken,
}

impl App {
    /// Opens the database (applying migrations), builds the configured connectors plus
    /// `extra` ones (tests add fakes), and starts the inbound pipeline.
    ///
    /// # Errors
    /// Bad channel config, a broken template (file, line and reason), or a database that
    /// cannot be opened.
    pub async fn build(config: Config, extra: Vec<Arc<dyn Connector>>) -> anyhow::Result<Self> {
        // Templates first: a broken one stops start-up, naming file and line, before anything
        // is opened.
        let templates = Arc::new(
            crate::templates::Templates::load(&config.templates)
                .map_err(|err| anyhow::anyhow!("templates: {err}"))?,
        );
        let (mut list, widgets) = build_channels(&config.channels)?;
        list.extend(extra);
        let mut connectors = Connectors::new();
        for connector in list {
            let name = connector.name().to_owned();
            if connectors.insert(name.clone(), connector).is_some() {
                anyhow::bail!("two channels are named {name:?}");
            }
        }
        let store = Store::connect(&ConnectOptions {
            url: config.database.url.clone(),
            sqlite_synchronous_full: config.database.sqlite_synchronous == SqliteSynchronous::Full,
            max_connections: config.database.max_connections,
            sqlite_cache_mib: config.database.sqlite_cache_mib,
            acquire_timeout: std::time::Duration::from_millis(config.database.acquire_timeout_ms),
            sqlite_background_checkpoints: !config.database.sqlite_inline_checkpoints,
        })
        .await
        .with_context(|| {
            format!(
                "opening the database {}",
                crate::config::redact_url(&config.database.url)
            )
        })?;
        // Connectors that keep secrets between runs (OAuth2 refresh tokens) get the store
        // before anything listens or sends.
        let vault = Arc::new(
            crate::secrets::Vault::open(store.clone(), &config.secrets)
                .map_err(|err| anyhow::anyhow!("{err}"))?,
        );
        seal_stored_secrets(&vault).await?;
        // Before anything listens: numbers stored before they were kept in E.164.
        if let Some(report) =
            crate::contacts::phone_upkeep::run_if_pending(&store, config.contacts.default_region)
                .await
                .context("rewriting stored phone numbers in E.164")?
        {
            tracing::info!(
                rewritten = report.rewritten,
                left_with_another_contact = report.left_with_another_contact,
                "stored phone numbers are in E.164 now"
            );
        }
        for (_, connector) in connectors.iter() {
            connector.use_secrets(vault.clone());
        }
        // With several nodes (PostgreSQL) every node's listeners are fed from the shared log.
        let (events, event_feed) = if store.shared_by_nodes() {
            let (bus, wake) = EventBus::fed_from_log();
            (bus, Some(wake))
        } else {
            (EventBus::new(), None)
        };
        let node = Node::new(
            store.clone(),
            &config.cluster,
            config.server.bind.to_string(),
        );
        let metrics = Arc::new(Metrics::default());
        let hook_body_limits = Arc::new(hook_body_limits(
            &config.channels,
            &connectors,
            config.server.max_body_bytes,
        ));
        let connectors = Arc::new(connectors);
        let dispatch_wake = Arc::new(Notify::new());
        let campaigns = crate::campaigns::CampaignRunner::new(crate::campaigns::CampaignParts {
            store: store.clone(),
            vault: vault.clone(),
            connectors: connectors.clone(),
            templates: templates.clone(),
            events: events.clone(),
            config: config.campaigns.clone(),
            dispatch: config.dispatch.clone(),
            dispatch_wake: dispatch_wake.clone(),
            metrics: metrics.clone(),
        });
        // Survey tokens are signed with a key derived from the campaign link key (stored,
        // sealed, the same on every node), so any node can check any survey's link.
        let surveys = Arc::new(crate::csat::Surveys::new(
            campaigns
                .signer()
                .await
                .context("loading the key that signs survey links")?
                .derive_key("csat"),
            &config.campaigns.public_url,
            crate::csat::DEFAULT_VALIDITY,
        ));
        // Channels and retention are configured in the file, not through the API: what
        // changed since the log's last entries is recorded as Switchboard's own.
        crate::audit::config_changes::record_config_changes(
            &store,
            &campaigns
                .signer()
                .await
                .context("loading the key of configuration fingerprints")?
                .derive_key("configuration fingerprints"),
            &configured_channels(&config.channels),
            &config.retention,
        )
        .await
        .context("recording configuration changes in the audit log")?;
        let writers = TaskTracker::new();
        let writers_shutdown = CancellationToken::new();
        let pipeline = Pipeline::start(
            PipelineParts {
                store: store.clone(),
                events: events.clone(),
                metrics: metrics.clone(),
                writers: config.ingest.writers_or_default(config.is_postgres()),
                max_batch: config.ingest.max_batch,
                redactor: Arc::new(
                    crate::redaction::Redactor::new(&config.redaction)
                        .map_err(|err| anyhow::anyhow!("{err}"))?,
                ),
                surveys: Some(surveys.clone()),
                phone_region: config.contacts.default_region,
            },
            &writers,
            writers_shutdown.clone(),
        );
        let dispatcher = Dispatcher::new(
            store.clone(),
            connectors.clone(),
            config.dispatch.clone(),
            dispatch_wake.clone(),
            events.clone(),
            metrics.clone(),
        )
        .with_surveys(surveys.clone());
        let webhooks_wake = Arc::new(Notify::new());
        let event_webhooks = EventWebhooks::new(
            store.clone(),
            vault.clone(),
            config.webhooks.clone(),
            webhooks_wake.clone(),
            events.clone(),
        )
        .context("building the event webhook client")?
        .with_metrics(metrics.clone());
        let router_wake = Arc::new(Notify::new());
        let router = Router::new(
            store.clone(),
            events.clone(),
            &config.routing,
            router_wake.clone(),
        )
        .with_metrics(metrics.clone());
        let calendars = Arc::new(
            crate::automation::calendar::Calendars::from_config(&config.business_hours)
                .map_err(|err| anyhow::anyhow!("business_hours: {err}"))?,
        );
        crate::reports::calendars::publish(&store, &calendars)
            .await
            .context("writing the business hours that reports use")?;
        let report_calendars = calendars.clone();
        let automation = Automation::new(AutomationParts {
            store: store.clone(),
            events: events.clone(),
            templates: templates.clone(),
            config: config.automation.clone(),
            rules: config.rules.clone(),
            sla: config.sla.clone(),
            calendars,
            channel_kinds: connectors
                .iter()
                .map(|(name, connector)| (name.clone(), connector.kind()))
                .collect(),
            router_wake: router_wake.clone(),
            metrics: metrics.clone(),
            surveys: Some(surveys.clone()),
            csat_channels: config
                .channels
                .iter()
                .filter(|channel| channel.csat)
                .map(|channel| channel.name.clone())
                .collect(),
            assist_on: config.assist.is_on(),
        })
        .map_err(|err| anyhow::anyhow!("{err}"))?;
        automation
            .init()
            .await
            .context("placing the rule engine in the event log")?;
        let erasures_wake = Arc::new(Notify::new());
        let erasures = crate::privacy::Erasures::new(
            store.clone(),
            connectors.clone(),
            events.clone(),
            config.privacy.clone(),
            node.id().to_owned(),
            erasures_wake.clone(),
        );
        let sign_in = Arc::new(http::sign_in::SignInGuard::new(
            &config.server.sign_in,
            &store,
        ));
        let retention = crate::retention::Retention::new(
            store.clone(),
            config.retention.clone(),
            connectors.clone(),
        );
        // Cancelled when the node shuts down; the model client gives way to it too.
        let shutdown = CancellationToken::new();
        let state = AppState {
            surveys,
            vault,
            retention: retention.clone(),
            campaigns: campaigns.clone(),
            store,
            pipeline,
            events,
            connectors,
            dispatch_wake,
            metrics,
            webhook_targets: event_webhooks.targets(),
            remote_images: remote_images(&config.remote_images)?,
            webhooks_wake,
            erasures_wake,
            router: router.clone(),
            tokens: Arc::default(),
            presence: Arc::default(),
            channel_states: Arc::default(),
            templates,
            automation: automation.clone(),
            max_body_bytes: config.server.max_body_bytes,
            hook_body_limits,
            shutdown: shutdown.clone(),
            sign_in,
            trusted_proxies: Arc::new(http::client_addr::TrustedProxies::new(
                config.server.trusted_proxies.clone(),
            )),
            stream_recheck: Duration::from_secs(config.server.stream_recheck_secs),
            node,
            access: Arc::new(http::access::AccessPolicy::new(&config.access)),
            widgets: Arc::new(http::widget::Widgets::new(widgets)),
            phone_region: config.contacts.default_region,
            mailbox_domains: config.contacts.mailbox_domains.clone().into(),
            assist: Arc::new(
                crate::assist::Assist::new(&config.assist, &config.redaction, shutdown)
                    .context("while building the agent assist client")?,
            ),
        };
        Ok(Self {
            state,
            dispatcher,
            event_webhooks,
            router,
            automation,
            campaigns,
            erasures,
            retention,
            report_calendars,
            config,
            event_feed,
            writers,
            writers_shutdown,
        })
    }

    /// Serves until `signal` (or a fatal error), then shuts down: stop accepting requests and
    /// finish the ones in flight, stop connectors, the dispatcher and the event webhook worker
    /// between jobs, then let the
    /// pipeline commit what is queued. Nothing acknowledged is lost.
    ///
    /// # Errors
    /// When the HTTP server fails or shutdown exceeds its grace period.
    pub async fn serve(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()>,
        workers: Workers,
    ) -> anyhow::Result<()> {
        let shutdown = self.state.shutdown.clone();
        let front = TaskTracker::new();
        let node = self.state.node.clone();
        node.register()
            .await
            .context("registering this node in the database")?;
        front.spawn(node.clone().run_heartbeat(shutdown.clone()));
        if let Some(wake) = &self.event_feed {
            // Placed before the first request is served, so no stream can miss an event.
            let start = self
                .state
                .store
                .newest_event_id()
                .await
                .context("reading the end of the event log")?;
            let position = Arc::new(std::sync::atomic::AtomicI64::new(start.get()));
            let (store, events, wake, token) = (
                self.state.store.clone(),
                self.state.events.clone(),
                wake.clone(),
                shutdown.clone(),
            );
            front.spawn(self.supervised("event_feed", &shutdown, move || {
                crate::cluster::event_feed::run(
                    store.clone(),
                    events.clone(),
                    wake.clone(),
                    position.clone(),
                    token.clone(),
                )
            }));
        }
        // Every worker task runs under the supervisor: one that stops before shutdown (an
        // error or a panic) is logged, counted and restarted, and the service goes on.
        for connector in self.state.connectors.values() {
            let worker = format!("listener:{}", connector.name());
            let listener = Listener {
                connector: connector.clone(),
                pipeline: self.state.pipeline.clone(),
                states: self.state.channel_states.clone(),
                node: node.clone(),
                shutdown: shutdown.clone(),
            };
            front.spawn(self.supervised(worker, &shutdown, move || listener.clone().run()));
        }
        if workers.dispatcher {
            let dispatcher = self.dispatcher.clone();
            let token = shutdown.clone();
            front.spawn(self.supervised("dispatcher", &shutdown, move || {
                dispatcher.clone().run(token.clone())
            }));
        }
        if workers.event_webhooks {
            let webhooks = self.event_webhooks.clone();
            let token = shutdown.clone();
            front.spawn(self.supervised("event_webhooks", &shutdown, move || {
                webhooks.clone().run(token.clone())
            }));
        }
        // The router and the rule engine each run on one node at a time: the engine's
        // cursor is one position in the log, and one router keeps assignment fair.
        if workers.router {
            let router = self.router.clone();
            let (token, node) = (shutdown.clone(), node.clone());
            front.spawn(self.supervised("router", &shutdown, move || {
                let (router, token, node) = (router.clone(), token.clone(), node.clone());
                async move {
                    node.hold("router", token, |_, stop| router.clone().run(stop))
                        .await
                }
            }));
        }
        if workers.automation {
            let automation = self.automation.clone();
            let (token, node) = (shutdown.clone(), node.clone());
            front.spawn(self.supervised("automation", &shutdown, move || {
                let (automation, token, node) = (automation.clone(), token.clone(), node.clone());
                async move {
                    node.hold("automation", token, |fence, stop| {
                        automation.clone().run_holding(fence, stop)
                    })
                    .await
                }
            }));
        }
        // One node prunes the audit log: the deletes are idempotent, the lease spares the
        // others the work.
        let retention =
            crate::audit::AuditRetention::new(self.state.store.clone(), &self.config.audit);
        if retention.is_enabled() {
            let (token, node) = (shutdown.clone(), node.clone());
            front.spawn(self.supervised("audit_retention", &shutdown, move || {
                let (retention, token, node) = (retention.clone(), token.clone(), node.clone());
                async move {
                    node.hold("audit_retention", token, |_, stop| {
                        retention.clone().run(stop)
                    })
                    .await
                }
            }));
        }
        if workers.campaigns {
            let campaigns = self.campaigns.clone();
            let token = shutdown.clone();
            front.spawn(self.supervised("campaigns", &shutdown, move || {
                campaigns.clone().run(token.clone())
            }));
        }
        // Always on: erasures are rare, claimed per job, and must finish even when every
        // other worker is off (tests drive those by hand).
        let erasures = self.erasures.clone();
        let token = shutdown.clone();
        front.spawn(self.supervised("erasures", &shutdown, move || {
            erasures.clone().run(token.clone())
        }));
        // Agent assist's own work (automatic translations, hand-over summaries, rules'
        // classifications): every node queues and claims jobs; the queue's keys and leases
        // make each run once.
        if self.state.assist.is_on() {
            let worker = crate::assist::worker::AssistWorker::new(
                self.state.store.clone(),
                self.state.assist.clone(),
                self.state.events.clone(),
                self.state.metrics.clone(),
            );
            let token = shutdown.clone();
            front.spawn(self.supervised("assist", &shutdown, move || {
                worker.clone().run(token.clone())
            }));
        }
        // Retention runs on one node at a time; every batch carries the lease's fence.
        if workers.retention {
            let retention = self.retention.clone();
            let (token, node) = (shutdown.clone(), node.clone());
            front.spawn(self.supervised("retention", &shutdown, move || {
                let (retention, token, node) = (retention.clone(), token.clone(), node.clone());
                async move {
                    node.hold(crate::retention::LEASE, token, |fence, stop| {
                        retention.clone().run_holding(fence, stop)
                    })
                    .await
                }
            }));
        }
        // Every node: the copy is the same whoever writes it, and a write that finds it
        // current changes nothing.
        let (store, calendars) = (self.state.store.clone(), self.report_calendars.clone());
        let token = shutdown.clone();
        front.spawn(self.supervised("report_calendars", &shutdown, move || {
            crate::reports::calendars::run(store.clone(), calendars.clone(), token.clone())
        }));
        let presence_state = self.state.clone();
        let token = shutdown.clone();
        front.spawn(self.supervised("presence", &shutdown, move || {
            let sweeping = http::presence::run(presence_state.clone(), token.clone());
            async move {
                sweeping.await;
                Ok(())
            }
        }));
        if self.state.widgets.channels().next().is_some() {
            let hub_state = self.state.clone();
            let token = shutdown.clone();
            front.spawn(self.supervised("web_chat_hub", &shutdown, move || {
                let feeding = http::widget::run_hub(hub_state.clone(), token.clone());
                async move {
                    feeding.await;
                    Ok(())
                }
            }));
            let continuation_state = self.state.clone();
            let token = shutdown.clone();
            front.spawn(self.supervised("web_chat_email", &shutdown, move || {
                let running =
                    http::widget::run_continuation(continuation_state.clone(), token.clone());
                async move {
                    running.await;
                    Ok(())
                }
            }));
        }
        if node.is_shared() {
            let relay_state = self.state.clone();
            let token = shutdown.clone();
            front.spawn(self.supervised("presence_relay", &shutdown, move || {
                http::presence::run_relay(relay_state.clone(), token.clone())
            }));
        }
        let router = http::router(
            self.state.clone(),
            Duration::from_secs(self.config.server.request_timeout_secs),
        );
        let server_shutdown = shutdown.clone();
        let server = tokio::spawn(http::server::serve(
            listener,
            router,
            http::server::Limits::from(&self.config.server),
            self.state.trusted_proxies.clone(),
            server_shutdown,
        ));
        tokio::select! {
            () = signal => tracing::info!("shutting down"),
            () = shutdown.cancelled() => tracing::info!("shutdown requested; shutting down"),
        }
        shutdown.cancel();
        let grace = Duration::from_secs(self.config.server.shutdown_grace_secs);
        let drained = tokio::time::timeout(grace, async {
            let served = server.await;
            front.close();
            front.wait().await;
            // Listeners and singletons have stopped: hand what this node held to the others.
            node.leave().await;
            self.writers_shutdown.cancel();
            self.writers.close();
            self.writers.wait().await;
            served
        })
        .await;
        self.state.store.close().await;
        match drained {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(err))) => Err(err).context("HTTP server failed"),
            Ok(Err(err)) => Err(err).context("HTTP server task panicked"),
            Err(_) => anyhow::bail!("shutdown took longer than {grace:?}"),
        }
    }
}

impl App {
    /// The worker task that `start` makes, under [`supervise`] with this service's metrics
    /// and restart settings.
    fn supervised<F, Fut>(
        &self,
        worker: impl Into<String>,
        shutdown: &CancellationToken,
        start: F,
    ) -> impl Future<Output = ()> + Send + 'static
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        supervise(
            worker.into(),
            self.state.metrics.clone(),
            self.config.workers.clone(),
            shutdown.clone(),
            start,
        )
    }
}

/// One channel's listener task.
#[derive(Clone)]
struct Listener {
    connector: Arc<dyn Connector>,
    pipeline: Pipeline,
    states: Arc<crate::channel_state::ChannelStates>,
    node: Node,
    shutdown: CancellationToken,
}

impl Listener {
    /// Listens until shutdown. A listener the provider allows once per account runs only
    /// while this node holds the channel's lease, writing under its fence; the others stand
    /// by to take over.
    async fn run(self) -> anyhow::Result<()> {
        use crate::channel_state::ListenerState;
        if !self.connector.exclusive_listener() {
            let inbox: Inbox = Arc::new(self.pipeline.clone());
            listen(self.connector, inbox, self.shutdown, self.states).await;
            return Ok(());
        }
        let name = self.connector.name().to_owned();
        self.states.set(&name, ListenerState::Standby);
        let lease = format!("listener:{name}");
        self.node
            .hold(&lease, self.shutdown.clone(), |fence, stop| {
                let inbox: Inbox = Arc::new(FencedInbox::new(self.pipeline.clone(), fence));
                let (connector, states) = (self.connector.clone(), self.states.clone());
                let shutdown = self.shutdown.clone();
                async move {
                    listen(connector.clone(), inbox, stop, states.clone()).await;
                    if !shutdown.is_cancelled() {
                        states.set(connector.name(), ListenerState::Standby);
                    }
                    Ok(())
                }
            })
            .await
    }
}

/// Runs a connector's listener until shutdown, restarting it with a growing pause when it fails.
async fn listen(
    connector: Arc<dyn Connector>,
    inbox: Inbox,
    shutdown: CancellationToken,
    states: Arc<crate::channel_state::ChannelStates>,
) {
    use crate::channel_state::ListenerState;
    let mut pause = Duration::from_secs(1);
    while !shutdown.is_cancelled() {
        states.set(connector.name(), ListenerState::Running);
        match connector.listen(inbox.clone(), shutdown.clone()).await {
            Ok(()) => {
                // Returning at once before shutdown means the channel has no listener.
                let state = if shutdown.is_cancelled() {
                    ListenerState::Stopped
                } else {
                    ListenerState::Webhook
                };
                states.set(connector.name(), state);
                return;
            }
            Err(err) => {
                tracing::error!(channel = connector.name(), error = %err, "channel listener failed; restarting");
                states.failed(connector.name(), crate::channel_state::describe(&err));
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = shutdown.cancelled() => return,
                }
                pause = (pause * 2).min(Duration::from_secs(60));
            }
        }
    }
}

/// Runs the service from a config: the whole of `switchboard serve` after start-up.
///
/// # Errors
/// See [`App::build`] and [`App::serve`].
pub async fn run(
    config: Config,
    listener: TcpListener,
    signal: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    App::build(config, Vec::new())
        .await?
        .serve(listener, signal, Workers::all())
        .await
}

/// The first administrator, created on a database without agents.
pub struct FirstAdmin {
    pub email: String,
    pub token: String,
    /// The web inbox password, generated and shown once (stored as an argon2id hash).
    pub password: String,
}

/// On a fresh database, creates an admin agent with a web inbox password and an admin token
/// (both returned once, never stored in clear). Does nothing when agents exist.
///
/// # Errors
/// When the database refuses the writes.
pub async fn bootstrap_admin(store: &Store) -> anyhow::Result<Option<FirstAdmin>> {
    if store.count_agents().await? > 0 {
        return Ok(None);
    }
    let email = "admin@localhost".to_owned();
    let created = store
        .create_agent(&NewAgent {
            name: "Administrator".into(),
            email: email.clone(),
            role: Role::Admin,
            capacity: 20,
        })
        .await;
    let agent = match created {
        Ok(agent) => agent,
        // Several nodes started on one fresh database: another one made the first admin and
        // printed its sign-in.
        Err(crate::store::StoreError::Conflict {
            constraint: crate::store::Conflict::AgentEmail,
        }) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let token = crate::tokens::generate();
    store
        .create_token(&NewToken {
            name: "first-run admin token".into(),
            role: Role::Admin,
            agent: Some(agent.id),
            hash: crate::tokens::hash(&token),
        })
        .await?;
    let password = crate::passwords::generate();
    let hash = tokio::task::spawn_blocking({
        let password = password.clone();
        move || crate::passwords::hash(&password)
    })
    .await??;
    store.set_password(agent.id, &hash).await?;
    Ok(Some(FirstAdmin {
        email,
        token,
        password,
    }))
}

/// The fetcher behind the inbox's "Load images": guarded, no credential hosts.
fn remote_images(
    config: &crate::http::settings::RemoteImagesConfig,
) -> anyhow::Result<connector_sdk::net::MediaFetcher> {
    use connector_sdk::net::{FetchLimits, MediaFetcher, TargetPolicy};
    MediaFetcher::new(
        TargetPolicy::new(
            config.allow_private_targets,
            "[remote_images] allow_private_targets",
        ),
        Vec::new(),
        FetchLimits {
            max_bytes: config.max_bytes,
            timeout: std::time::Duration::from_secs(config.timeout_secs),
        },
    )
    .context("while building the remote image client")
}
