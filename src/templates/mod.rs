//! Message templates (minijinja): one name, variants per channel kind and locale found through
//! a fallback chain, values escaped for each channel's markup, and every variant checked at
//! start-up. Shipped templates are embedded; a configured folder adds or overrides them.
//! Owns no I/O beyond reading that folder once, and never touches the store.

mod catalog;
mod context;
mod escape;
mod limits;
pub mod settings;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use connector_sdk::ChannelKind;
use minijinja::value::{Object, Serde, Value};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

pub use catalog::{EMBEDDED, VariantKey, fallback_chain, is_valid_name, normalize_locale};
pub use context::{
    AgentContext, BusinessHoursContext, ChannelContext, ContactContext, ConversationContext,
    TemplateContext,
};
pub use escape::{discord_to_plain, escape_discord, escape_telegram, telegram_to_plain};
pub use limits::Limit;

use self::settings::TemplatesConfig;
use crate::domain::Rendered;

/// Why a template could not be loaded or rendered. Every variant but `NotFound` names the file.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// No template has this name.
    #[error("template {0:?} not found")]
    NotFound(String),
    /// A template does not compile or does not render: where and why.
    #[error("{file}{}: {reason}", line.map(|line| format!(":{line}")).unwrap_or_default())]
    Invalid {
        /// The file as the operator knows it (`templates/ack.cs.j2` or the configured path).
        file: String,
        line: Option<usize>,
        reason: String,
    },
    /// A render hit one of the configured limits (`[templates] fuel`, `max_output_bytes`,
    /// `render_timeout_ms`).
    #[error("{file}: {limit}")]
    Limit { file: String, limit: Limit },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// A template and the variants it has, for the API and the inbox's picker.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TemplateInfo {
    pub name: String,
    /// Variant names without extension (`ack`, `ack.cs`, `ack.email.cs.html`), sorted.
    pub variants: Vec<String>,
    /// Locales that have at least one variant; the default locale is always listed.
    pub locales: Vec<String>,
}

/// The loaded, checked templates. Cheap to share behind an `Arc`.
pub struct Templates {
    env: Environment<'static>,
    /// Template name → its variants → the environment's name for that file.
    variants: BTreeMap<String, BTreeMap<VariantKey, String>>,
    /// The environment's name → the file as shown in errors.
    origins: HashMap<String, String>,
    default_locale: String,
    /// Sources rendered with [`Templates::render_source`] (campaign bodies, canned responses,
    /// rule notes), compiled once: a campaign renders the same body a million times.
    compiled: std::sync::Mutex<HashMap<(String, String), Arc<Environment<'static>>>>,
    limits: limits::Limits,
}

/// Template text compiled by [`Templates::compile`].
#[derive(Clone)]
pub struct CompiledSource {
    env: Arc<Environment<'static>>,
    label: String,
}

impl std::fmt::Debug for CompiledSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledSource")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// Distinct ad-hoc sources kept compiled; the cache starts over when it is full, so arbitrary
/// previews cannot grow it without bound.
const COMPILED_SOURCES: usize = 256;

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("names", &self.variants.keys().collect::<Vec<_>>())
            .field("default_locale", &self.default_locale)
            .finish_non_exhaustive()
    }
}

impl Templates {
    /// Loads the embedded templates and then the configured folder (whose files add variants
    /// or replace embedded ones of the same file name), compiles every variant and renders it
    /// once with [`TemplateContext::sample`], so that a broken template stops start-up
    /// instead of failing a customer's message later.
    ///
    /// # Errors
    /// The first problem found, naming the file and, where there is one, the line.
    pub fn load(config: &TemplatesConfig) -> Result<Templates, TemplateError> {
        let default_locale =
            normalize_locale(&config.default_locale).ok_or_else(|| TemplateError::Invalid {
                file: "templates.default_locale".into(),
                line: None,
                reason: format!(
                    "{:?} is not a locale like `en` or `pt-br`",
                    config.default_locale
                ),
            })?;
        let mut files: BTreeMap<String, (String, String)> = EMBEDDED
            .iter()
            .map(|(file, source)| {
                (
                    (*file).to_owned(),
                    (format!("templates/{file} (built in)"), (*source).to_owned()),
                )
            })
            .collect();
        if let Some(dir) = &config.dir {
            for (file, path, source) in catalog::read_dir(dir)? {
                files.insert(file, (path, source));
            }
        }
        let limits = limits::Limits::new(config);
        let mut env = new_environment(limits.fuel);
        let mut variants: BTreeMap<String, BTreeMap<VariantKey, String>> = BTreeMap::new();
        let mut origins = HashMap::new();
        for (file, (origin, source)) in files {
            let (name, key) =
                catalog::parse_file_name(&file).map_err(|reason| TemplateError::Invalid {
                    file: origin.clone(),
                    line: None,
                    reason,
                })?;
            origins.insert(file.clone(), origin.clone());
            env.add_template_owned(file.clone(), source)
                .map_err(|err| invalid(&err, &origin, &origins))?;
            let entry = variants.entry(name).or_default();
            if catalog::is_sms_family(&file) {
                // One `.sms` file for every SMS kind, unless a file names the kind itself.
                for kind in catalog::SMS_KINDS {
                    let key = VariantKey {
                        channel: Some(kind),
                        ..key.clone()
                    };
                    entry.entry(key).or_insert_with(|| file.clone());
                }
            } else {
                entry.insert(key, file);
            }
        }
        let templates = Templates {
            env,
            variants,
            origins,
            default_locale,
            compiled: std::sync::Mutex::default(),
            limits,
        };
        templates.check()?;
        Ok(templates)
    }

    /// Every name has a default variant, and every variant renders with the sample context.
    fn check(&self) -> Result<(), TemplateError> {
        for (name, variants) in &self.variants {
            let base = VariantKey {
                channel: None,
                locale: None,
                html: false,
            };
            if !variants.contains_key(&base) {
                let some_file = variants.values().next().map(String::as_str);
                return Err(TemplateError::Invalid {
                    file: self.origin(some_file.unwrap_or(name)),
                    line: None,
                    reason: format!(
                        "template {name:?} has no default variant: add {name}{} so that \
                         every channel and locale finds one",
                        catalog::EXTENSION
                    ),
                });
            }
            for (key, file) in variants {
                let mut sample = TemplateContext::sample();
                sample.channel.kind = key.channel.unwrap_or(ChannelKind::Webhook).as_str().into();
                self.render_limited(&self.env, file, sample_value(&sample))?;
            }
            self.warn_about_shadowing(name, variants);
        }
        Ok(())
    }

    /// The fallback order puts a channel's default-locale variant before the generic variant
    /// of another locale, so `ack.telegram` answers Czech Telegram contacts in English when
    /// `ack.cs` exists but `ack.telegram.cs` does not. Legal, but rarely meant.
    fn warn_about_shadowing(&self, name: &str, variants: &BTreeMap<VariantKey, String>) {
        for key in variants
            .keys()
            .filter(|k| k.channel.is_some() && k.locale.is_none())
        {
            for other in variants
                .keys()
                .filter(|k| k.channel.is_none() && k.html == key.html)
            {
                let Some(locale) = &other.locale else {
                    continue;
                };
                let localized = VariantKey {
                    locale: Some(locale.clone()),
                    ..key.clone()
                };
                if !variants.contains_key(&localized) {
                    tracing::warn!(
                        template = name,
                        "{} is used for {locale:?} contacts on {} before {}; add {} to answer them in their language",
                        key.display(name),
                        key.channel.map(ChannelKind::as_str).unwrap_or_default(),
                        other.display(name),
                        localized.display(name),
                    );
                }
            }
        }
    }

    fn origin(&self, file: &str) -> String {
        self.origins
            .get(file)
            .cloned()
            .unwrap_or_else(|| file.to_owned())
    }

    /// Renders template `name` for a message on a `channel` of that kind to a contact who
    /// reads `locale`: the first variant of [`fallback_chain`] writes the text, and for email
    /// the first HTML variant of the same chain writes the HTML part.
    ///
    /// # Errors
    /// [`TemplateError::NotFound`] for an unknown name; [`TemplateError::Invalid`] when the
    /// context lacks a value the template prints (a missing `custom` value).
    pub fn render(
        &self,
        name: &str,
        channel: ChannelKind,
        locale: &str,
        context: &TemplateContext,
    ) -> Result<Rendered, TemplateError> {
        self.render_value(name, channel, locale, Value::from(Serde(context)))
    }

    /// [`Templates::render`] with the context already converted: a campaign converts what its
    /// messages share once and adds each contact (see [`Value`]'s `context!` merging).
    ///
    /// # Errors
    /// As [`Templates::render`].
    pub fn render_value(
        &self,
        name: &str,
        channel: ChannelKind,
        locale: &str,
        value: Value,
    ) -> Result<Rendered, TemplateError> {
        let variants = self
            .variants
            .get(name)
            .ok_or_else(|| TemplateError::NotFound(name.to_owned()))?;
        let chain = fallback_chain(channel, locale, &self.default_locale);
        let (text_key, text_file) = chain
            .iter()
            .find_map(|key| variants.get_key_value(key))
            .ok_or_else(|| TemplateError::NotFound(name.to_owned()))?;
        let output = self.render_file(text_file, value.clone())?;
        let (text, markup) = match text_key.channel {
            Some(ChannelKind::Telegram) => (telegram_to_plain(&output), Some(output)),
            Some(ChannelKind::Discord) => (discord_to_plain(&output), Some(output)),
            _ => (output, None),
        };
        let mut variant = text_key.display(name);
        let mut html = None;
        if channel == ChannelKind::Email {
            let found = chain.iter().find_map(|key| {
                variants.get_key_value(&VariantKey {
                    html: true,
                    ..key.clone()
                })
            });
            if let Some((html_key, html_file)) = found {
                html = Some(self.render_file(html_file, value)?);
                variant = format!("{variant}+{}", html_key.display(name));
            }
        }
        Ok(Rendered {
            text: trim_output(text),
            html: html.map(trim_output),
            markup: markup.map(trim_output),
            variant,
        })
    }

    fn render_file(&self, file: &str, value: Value) -> Result<String, TemplateError> {
        self.render_limited(&self.env, file, value)
    }

    /// Renders template `name` of `env` under the limits: fuel is the environment's, and the
    /// output goes into a writer that refuses to grow past `max_output_bytes`, so an
    /// oversized render stops where it crosses the cap.
    fn render_limited(
        &self,
        env: &Environment<'static>,
        name: &str,
        value: Value,
    ) -> Result<String, TemplateError> {
        let template = env
            .get_template(name)
            .map_err(|err| invalid(&err, name, &self.origins))?;
        let mut out = limits::CappedOutput::new(self.limits.max_output_bytes);
        match template.render_captured_to(value, &mut out) {
            Ok(_) => Ok(out.into_string()),
            Err(_) if out.exceeded() => Err(TemplateError::Limit {
                file: self.origin(name),
                limit: Limit::Output(self.limits.max_output_bytes),
            }),
            Err(err) if err.kind() == minijinja::ErrorKind::OutOfFuel => {
                Err(TemplateError::Limit {
                    file: self.origin(err.name().unwrap_or(name)),
                    limit: Limit::Fuel(self.limits.fuel),
                })
            }
            Err(err) => Err(invalid(&err, name, &self.origins)),
        }
    }

    /// Runs `job` (renders of template text a user wrote) on the blocking pool, at most
    /// `[templates] max_concurrent_renders` at once, and gives up waiting after
    /// `render_timeout_ms`, so that no template can stall the async workers that answer
    /// requests. A job given up on still holds its slot until it ends (fuel bounds that),
    /// which keeps the number of renders truly running at the cap.
    ///
    /// # Errors
    /// [`TemplateError::Limit`] naming `label` when the deadline passes;
    /// [`TemplateError::Invalid`] when the job panicked.
    pub async fn off_runtime<T: Send + 'static>(
        &self,
        label: &str,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, TemplateError> {
        let permits = self.limits.permits.clone();
        let run = async move {
            let permit = permits.acquire_owned().await;
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                job()
            })
            .await
        };
        match tokio::time::timeout(self.limits.timeout, run).await {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(join)) => {
                tracing::error!(error = %join, template = label, "a template render panicked");
                Err(TemplateError::Invalid {
                    file: label.to_owned(),
                    line: None,
                    reason: "rendering failed unexpectedly".into(),
                })
            }
            Err(_) => Err(TemplateError::Limit {
                file: label.to_owned(),
                limit: self.limits.time_limit(),
            }),
        }
    }

    /// Renders of user-written text running or waiting for a slot right now.
    pub fn renders_in_flight(&self) -> usize {
        self.limits
            .concurrency
            .saturating_sub(self.limits.permits.available_permits())
    }

    /// Checks template text that is not a file (a canned response's body, labelled e.g.
    /// `canned:refund` in errors): it must compile and render with the sample context, any
    /// `custom` value allowed.
    ///
    /// # Errors
    /// [`TemplateError::Invalid`] naming `label`, the line and the reason.
    pub fn check_source(&self, label: &str, source: &str) -> Result<(), TemplateError> {
        let env = self.compile_source(label, source)?;
        self.render_limited(&env, label, sample_value(&TemplateContext::sample()))
            .map(drop)
    }

    /// [`Templates::check_source`] through [`Templates::off_runtime`]: for text a user sends
    /// in an API request.
    ///
    /// # Errors
    /// As [`Templates::check_source`], and the time limit.
    pub async fn check_source_off_runtime(
        self: &Arc<Self>,
        label: &str,
        source: &str,
    ) -> Result<(), TemplateError> {
        let templates = self.clone();
        let (owned_label, source) = (label.to_owned(), source.to_owned());
        self.off_runtime(label, move || templates.check_source(&owned_label, &source))
            .await
            .and_then(|checked| checked)
    }

    /// Renders template text that is not a file (a canned response's body) as plain text.
    ///
    /// # Errors
    /// [`TemplateError::Invalid`] naming `label`, the line and the reason.
    pub fn render_source(
        &self,
        label: &str,
        source: &str,
        context: &TemplateContext,
    ) -> Result<Rendered, TemplateError> {
        let compiled = self.compile(label, source)?;
        let text = self.render_compiled(&compiled, Value::from(Serde(context)))?;
        Ok(Rendered {
            text,
            html: None,
            markup: None,
            variant: label.to_owned(),
        })
    }

    /// Compiles template text once for rendering it many times with
    /// [`Templates::render_compiled`] (a campaign's body, for every contact).
    ///
    /// # Errors
    /// [`TemplateError::Invalid`] naming `label`, the line and the reason.
    pub fn compile(&self, label: &str, source: &str) -> Result<CompiledSource, TemplateError> {
        Ok(CompiledSource {
            env: self.compile_source(label, source)?,
            label: label.to_owned(),
        })
    }

    /// Renders text compiled by [`Templates::compile`] as plain text.
    ///
    /// # Errors
    /// [`TemplateError::Invalid`] when the context lacks a value the text prints.
    pub fn render_compiled(
        &self,
        compiled: &CompiledSource,
        value: Value,
    ) -> Result<String, TemplateError> {
        self.render_limited(&compiled.env, &compiled.label, value)
            .map(trim_output)
    }

    /// The environment holding `source` compiled under `label`, from the cache when it was
    /// compiled before.
    fn compile_source(
        &self,
        label: &str,
        source: &str,
    ) -> Result<Arc<Environment<'static>>, TemplateError> {
        let key = (label.to_owned(), source.to_owned());
        if let Some(env) = self
            .compiled
            .lock()
            .ok()
            .and_then(|cache| cache.get(&key).cloned())
        {
            return Ok(env);
        }
        let mut env = self.env.clone();
        env.add_template_owned(label.to_owned(), source.to_owned())
            .map_err(|err| invalid(&err, label, &self.origins))?;
        let env = Arc::new(env);
        if let Ok(mut cache) = self.compiled.lock() {
            if cache.len() >= COMPILED_SOURCES {
                cache.clear();
            }
            cache.insert(key, env.clone());
        }
        Ok(env)
    }

    /// True when a template of this name exists.
    pub fn exists(&self, name: &str) -> bool {
        self.variants.contains_key(name)
    }

    /// Every template with its variants, by name.
    pub fn list(&self) -> Vec<TemplateInfo> {
        self.variants
            .iter()
            .map(|(name, variants)| {
                let mut locales: Vec<String> = variants
                    .keys()
                    .map(|key| {
                        key.locale
                            .clone()
                            .unwrap_or_else(|| self.default_locale.clone())
                    })
                    .collect();
                locales.sort();
                locales.dedup();
                let mut names: Vec<String> = variants.keys().map(|key| key.display(name)).collect();
                names.sort();
                TemplateInfo {
                    name: name.clone(),
                    variants: names,
                    locales,
                }
            })
            .collect()
    }

    /// The default locale (`[templates] default_locale`), normalised.
    pub fn default_locale(&self) -> &str {
        &self.default_locale
    }

    /// The locale to answer a contact in: their `locale` attribute, else their `language`
    /// attribute, else the language detected from their messages, else the default. Values
    /// that are not locale codes are skipped.
    pub fn resolve_locale(
        &self,
        contact_attributes: &serde_json::Map<String, serde_json::Value>,
        detected: Option<&str>,
    ) -> String {
        ["locale", "language"]
            .iter()
            .filter_map(|key| contact_attributes.get(*key).and_then(|v| v.as_str()))
            .chain(detected)
            .find_map(normalize_locale)
            .unwrap_or_else(|| self.default_locale.clone())
    }
}

fn new_environment(fuel: u64) -> Environment<'static> {
    let mut env = Environment::new();
    // Every render, of files and of text users write, gets the same budget; fuel also counts
    // the bytes of strings a template builds, and checks a large one before allocating it.
    env.set_fuel(Some(fuel));
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Line and expression of an error, in release builds too: they go into start-up errors.
    env.set_debug(true);
    // A line holding only `{% if %}` or `{% endif %}` leaves no empty line behind.
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("the default delimiters are valid"),
    );
    // Sources that are not files (canned response bodies, labelled `canned:<shortcut>`) do
    // not parse as file names and are plain text.
    env.set_auto_escape_callback(|name| match catalog::parse_file_name(name) {
        Ok((_, key)) if key.html => AutoEscape::Html,
        Ok((_, key)) => match key.channel {
            Some(ChannelKind::Telegram) => AutoEscape::Custom(escape::TELEGRAM.into()),
            Some(ChannelKind::Discord) => AutoEscape::Custom(escape::DISCORD.into()),
            _ => AutoEscape::None,
        },
        Err(_) => AutoEscape::None,
    });
    env.set_formatter(escape::format_value);
    env.add_filter("datetime", format_datetime);
    env
}

/// `{{ value | datetime("%-d. %-m. %Y %H:%M") }}`: an RFC 3339 time written with a chrono
/// format, in the offset the time carries (callers give local times of the schedule).
fn format_datetime(value: &str, format: Option<&str>) -> Result<String, minijinja::Error> {
    let time = chrono::DateTime::parse_from_rfc3339(value).map_err(|err| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("datetime: {value:?} is not an RFC 3339 time ({err})"),
        )
    })?;
    let mut out = String::new();
    std::fmt::Write::write_fmt(
        &mut out,
        format_args!("{}", time.format(format.unwrap_or("%Y-%m-%d %H:%M"))),
    )
    .map_err(|_| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            "datetime: the format is not a valid chrono format",
        )
    })?;
    Ok(out)
}

/// The sample context for checks: `custom` answers every key with a placeholder, because the
/// values a template needs are only known when a rule or an agent sends it.
fn sample_value(sample: &TemplateContext) -> Value {
    let mut map: BTreeMap<String, Value> = BTreeMap::new();
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(sample) {
        for (key, value) in fields {
            map.insert(key, Value::from(Serde(value)));
        }
    }
    map.insert("custom".into(), Value::from_object(AnyCustomValue));
    Value::from(map)
}

/// A `custom` map that has every key.
#[derive(Debug)]
struct AnyCustomValue;

impl Object for AnyCustomValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(Value::from(format!("[{key}]")))
    }
}

/// Drops the trailing newline(s) a template file ends with.
fn trim_output(text: String) -> String {
    let trimmed = text.trim_end_matches(['\n', '\r']);
    if trimmed.len() == text.len() {
        text
    } else {
        trimmed.to_owned()
    }
}

/// A minijinja error as [`TemplateError::Invalid`]: the file it happened in (an included one
/// if so), the line, and the reason, naming the expression for undefined values.
fn invalid(
    err: &minijinja::Error,
    fallback: &str,
    origins: &HashMap<String, String>,
) -> TemplateError {
    let env_name = err.name().unwrap_or(fallback);
    let file = origins
        .get(env_name)
        .cloned()
        .unwrap_or_else(|| env_name.to_owned());
    let mut reason = match err.detail() {
        Some(detail) => format!("{}: {detail}", err.kind()),
        None => err.kind().to_string(),
    };
    let expression = err
        .template_source()
        .zip(err.range())
        .and_then(|(source, range)| source.get(range));
    if let Some(expression) = expression {
        if err.kind() == minijinja::ErrorKind::UndefinedError {
            reason = format!("{reason}: `{expression}` is not defined");
        } else {
            reason = format!("{reason} (at `{expression}`)");
        }
    }
    TemplateError::Invalid {
        file,
        line: err.line(),
        reason,
    }
}
