//! What a marketer sets on a campaign besides its audience: channels in preference order
//! with a template each, throttles, quiet hours and tracking; checked against the configured
//! channels and templates before it is stored.

use connector_sdk::{ChannelKind, Template};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::quiet::QuietHours;
use crate::dispatch::Connectors;
use crate::templates::Templates;

/// The highest configurable rate: a billion messages a second is "unthrottled" for any channel,
/// and rates near `f64::MAX` would not read back from PostgreSQL's JSONB.
pub const MAX_RATE_PER_SEC: f64 = 1e9;

/// One channel of a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelPlan {
    /// A configured channel name (`[[channels]] name`).
    pub channel: String,
    /// A template from `templates/` (variants per channel and locale apply) …
    #[serde(default)]
    pub template: Option<String>,
    /// … or the message written inline (minijinja, same variables as templates, plus
    /// `custom.unsubscribe_url`).
    #[serde(default)]
    pub body: Option<String>,
    /// Email's HTML part written inline.
    #[serde(default)]
    pub html: Option<String>,
    /// Email's subject (a template too).
    #[serde(default)]
    pub subject: Option<String>,
    /// WhatsApp: the approved template to send (its parameters are minijinja too). Required
    /// on WhatsApp, where a campaign is always outside the 24-hour window.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub whatsapp_template: Option<Template>,
    /// Messages per second on this channel (default `[campaigns] default_rate_per_sec`).
    #[serde(default)]
    pub rate_per_sec: Option<f64>,
}

/// Everything but the audience.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignSpec {
    /// Preference order: each contact gets the message once, on the first of these where
    /// they are reachable, consented and not suppressed.
    pub channels: Vec<ChannelPlan>,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// Email: a tracking pixel (opt-in).
    #[serde(default)]
    pub track_opens: bool,
    /// Email: links go through a signed redirect that counts clicks (opt-in).
    #[serde(default)]
    pub track_clicks: bool,
    /// Locale for template variants (default: the templates' default locale).
    #[serde(default)]
    pub locale: Option<String>,
}

impl CampaignSpec {
    /// Checks channels, templates, rates and quiet hours against what is configured.
    ///
    /// # Errors
    /// The first problem, naming the field.
    pub fn check(&self, connectors: &Connectors, templates: &Templates) -> Result<(), String> {
        if self.channels.is_empty() {
            return Err("channels: name at least one channel".into());
        }
        for (index, plan) in self.channels.iter().enumerate() {
            let at = format!("channels[{index}]");
            let connector = connectors
                .get(&plan.channel)
                .ok_or_else(|| format!("{at}.channel: no channel is named {:?}", plan.channel))?;
            if self.channels[..index]
                .iter()
                .any(|earlier| earlier.channel == plan.channel)
            {
                return Err(format!("{at}.channel: {:?} is listed twice", plan.channel));
            }
            if let Some(rate) = plan.rate_per_sec
                && !(rate > 0.0 && rate <= MAX_RATE_PER_SEC)
            {
                return Err(format!(
                    "{at}.rate_per_sec: must be above zero and at most {MAX_RATE_PER_SEC:e}"
                ));
            }
            // Inline text must compile and render with sample values now, not fail for
            // every contact later.
            let check = |field: &str, source: &str| {
                templates
                    .check_source(&format!("{at}.{field}"), source)
                    .map_err(|err| err.to_string())
            };
            for (field, source) in [
                ("body", &plan.body),
                ("html", &plan.html),
                ("subject", &plan.subject),
            ] {
                if let Some(source) = source {
                    check(field, source)?;
                }
            }
            if let Some(template) = &plan.whatsapp_template {
                for (index, source) in template.parameters.iter().enumerate() {
                    check(&format!("whatsapp_template.parameters[{index}]"), source)?;
                }
            }
            let kind = connector.kind();
            if kind == ChannelKind::Whatsapp {
                if plan.whatsapp_template.is_none() {
                    return Err(format!(
                        "{at}.whatsapp_template: WhatsApp campaigns need an approved template"
                    ));
                }
                continue;
            }
            match (&plan.template, &plan.body) {
                (Some(name), None) => {
                    if !templates.exists(name) {
                        return Err(format!("{at}.template: no template is named {name:?}"));
                    }
                }
                (None, Some(body)) if !body.trim().is_empty() => {}
                _ => {
                    return Err(format!(
                        "{at}: give either `template` or a non-empty `body`"
                    ));
                }
            }
            if kind == ChannelKind::Email && plan.subject.as_deref().is_none_or(str::is_empty) {
                return Err(format!("{at}.subject: email needs a subject"));
            }
        }
        if let Some(quiet) = &self.quiet_hours {
            quiet.parse()?;
        }
        Ok(())
    }
}
