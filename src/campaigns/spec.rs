//! Checks a campaign's spec (`domain::CampaignSpec`: channels, templates, rates, quiet hours)
//! against the configured channels and templates before it is stored or started.

use connector_sdk::ChannelKind;

use crate::dispatch::Connectors;
use crate::domain::campaign::{CampaignSpec, MAX_RATE_PER_SEC};
use crate::templates::Templates;

/// Checks channels, templates, rates and quiet hours against what is configured.
///
/// # Errors
/// The first problem, naming the field.
pub fn check(
    spec: &CampaignSpec,
    connectors: &Connectors,
    templates: &Templates,
) -> Result<(), String> {
    if spec.channels.is_empty() {
        return Err("channels: name at least one channel".into());
    }
    for (index, plan) in spec.channels.iter().enumerate() {
        let at = format!("channels[{index}]");
        let connector = connectors
            .get(&plan.channel)
            .ok_or_else(|| format!("{at}.channel: no channel is named {:?}", plan.channel))?;
        if spec.channels[..index]
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
    if let Some(quiet) = &spec.quiet_hours {
        quiet.parse()?;
    }
    Ok(())
}
