//! Rendering a campaign message for one contact: the channel's template with the contact's
//! values, signed unsubscribe and tracking links, email's bulk headers; and test sends.

use anyhow::Context;
use connector_sdk::{
    CampaignHeaders, ChannelKind, Connector, OutboundMessage, Recipient, Template,
};

use super::CampaignRunner;
use super::spec::{CampaignSpec, ChannelPlan};
use super::unsubscribe::{LinkClaims, Purpose};
use crate::domain::{ContactId, Millis};
use crate::store::campaigns::{Campaign, LeasedSend, PlanChannel};
use crate::templates::{ChannelContext, ContactContext, TemplateContext};

impl CampaignRunner {
    /// The message for one contact: the channel's template rendered with the contact, the
    /// campaign's links, and email's bulk headers.
    pub(super) async fn render(
        &self,
        campaign: &Campaign,
        spec: &CampaignSpec,
        plan: &ChannelPlan,
        connector: &dyn Connector,
        channel: &PlanChannel,
        send: &LeasedSend,
    ) -> anyhow::Result<OutboundMessage> {
        let parts = self.parts();
        let kind = connector.kind();
        let claims = LinkClaims {
            campaign: campaign.id,
            contact: send.contact.get(),
            kind: channel.kind.clone(),
        };
        let unsubscribe_url = self.unsubscribe_url(&claims).await?;
        let context = context(campaign, send, channel, kind, &unsubscribe_url);
        let templates = &parts.templates;
        let locale = spec.locale.as_deref().unwrap_or("");
        let (text, html, markup) = match (&plan.template, &plan.body) {
            (Some(name), _) => {
                let rendered = templates.render(name, kind, locale, &context)?;
                (rendered.text, rendered.html, rendered.markup)
            }
            (None, Some(body)) => {
                let label = format!("campaign {} body", campaign.id);
                let text = templates.render_source(&label, body, &context)?.text;
                let html = match &plan.html {
                    Some(html) => {
                        let label = format!("campaign {} html", campaign.id);
                        Some(templates.render_source(&label, html, &context)?.text)
                    }
                    None => None,
                };
                (text, html, None)
            }
            (None, None) => (String::new(), None, None),
        };
        let id = format!("campaign-{}-{}", campaign.id, send.contact.get());
        let mut message =
            OutboundMessage::text(id, &plan.channel, 0, Recipient::new(&send.address), text);
        message.markup = markup;
        if let Some(template) = &plan.whatsapp_template {
            let mut parameters = Vec::with_capacity(template.parameters.len());
            for (index, source) in template.parameters.iter().enumerate() {
                let label = format!("campaign {} parameter {}", campaign.id, index + 1);
                parameters.push(templates.render_source(&label, source, &context)?.text);
            }
            message.template = Some(Template::new(
                &template.name,
                &template.language,
                parameters,
            ));
            if message.text.is_empty() {
                message.text = format!("[template {}]", template.name);
            }
        }
        if kind == ChannelKind::Email {
            if let Some(subject) = &plan.subject {
                let label = format!("campaign {} subject", campaign.id);
                message.subject = Some(templates.render_source(&label, subject, &context)?.text);
            }
            let host = parts
                .config
                .public_url
                .split("://")
                .nth(1)
                .unwrap_or("switchboard.invalid")
                .split(['/', ':'])
                .next()
                .unwrap_or("switchboard.invalid")
                .to_owned();
            message.campaign = Some(CampaignHeaders::new(
                format!(
                    "{} <campaign-{}.{host}>",
                    list_name(&campaign.name),
                    campaign.id
                ),
                unsubscribe_url.clone(),
                parts.config.unsubscribe_mailto.as_ref().map(|mailto| {
                    format!(
                        "mailto:{mailto}?subject=unsubscribe-{}-{}",
                        campaign.id,
                        send.contact.get()
                    )
                }),
            ));
            message.html = match html {
                Some(html) => Some(self.track(spec, &claims, html).await?),
                None => None,
            };
        } else {
            message.html = html;
        }
        Ok(message)
    }

    /// Adds the open pixel and rewrites links through the click redirect, as the campaign
    /// opted in.
    async fn track(
        &self,
        spec: &CampaignSpec,
        claims: &LinkClaims,
        html: String,
    ) -> anyhow::Result<String> {
        if !spec.track_opens && !spec.track_clicks {
            return Ok(html);
        }
        let signer = self.signer().await?;
        let base = self
            .parts()
            .config
            .public_url
            .trim_end_matches('/')
            .to_owned();
        let mut html = html;
        if spec.track_clicks {
            html = rewrite_links(&html, |target| {
                let token = signer.sign(Purpose::Click, claims, target);
                format!("{base}/c/click/{token}?to={}", hex::encode(target))
            });
        }
        if spec.track_opens {
            let token = signer.sign(Purpose::Open, claims, "");
            let pixel = format!(
                "<img src=\"{base}/c/open/{token}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">"
            );
            match html.rfind("</body>") {
                Some(at) => html.insert_str(at, &pixel),
                None => html.push_str(&pixel),
            }
        }
        Ok(html)
    }

    /// Sends the campaign's message now to chosen contacts (marketers checking how it looks),
    /// on the first channel where each has a reachable identity; consent is not required and
    /// the ledger is not touched. Returns per contact the channel used or why none was.
    ///
    /// # Errors
    /// When the stored campaign is unreadable or the store cannot be reached.
    pub async fn test_send(
        &self,
        campaign: &Campaign,
        contacts: &[ContactId],
    ) -> anyhow::Result<Vec<(ContactId, Result<String, String>)>> {
        let spec: CampaignSpec = serde_json::from_value(campaign.spec.clone())
            .context("while reading the stored campaign")?;
        let channels = self.plan_channels(&spec)?;
        let mut results = Vec::with_capacity(contacts.len());
        for &id in contacts {
            let contact = match self.parts().store.get_contact(id).await {
                Ok(contact) => contact,
                Err(crate::store::StoreError::NotFound) => {
                    results.push((id, Err("no such contact".to_owned())));
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
            let found = spec
                .channels
                .iter()
                .zip(&channels)
                .find_map(|(plan, channel)| {
                    contact
                        .identities
                        .iter()
                        .find(|identity| {
                            identity.scope == channel.scope && identity.unreachable_reason.is_none()
                        })
                        .map(|identity| (plan, channel, identity.external_id.clone()))
                });
            let Some((plan, channel, address)) = found else {
                results.push((
                    id,
                    Err("no reachable identity on the campaign's channels".into()),
                ));
                continue;
            };
            let Some(connector) = self.parts().connectors.get(&plan.channel).cloned() else {
                results.push((id, Err(format!("channel {:?} is gone", plan.channel))));
                continue;
            };
            let send = LeasedSend {
                contact: id,
                address,
                attempts: 0,
                name: contact.name.clone(),
                email: contact.email.clone(),
                phone: contact.phone.clone(),
                attributes: contact.attributes.clone(),
                allowed: true,
            };
            let mut message = match self
                .render(campaign, &spec, plan, connector.as_ref(), channel, &send)
                .await
            {
                Ok(message) => message,
                Err(err) => {
                    results.push((id, Err(format!("rendering: {err:#}"))));
                    continue;
                }
            };
            // A fresh id per test, so an idempotent peer does not swallow a second test.
            message.id = format!(
                "campaign-{}-test-{}-{}",
                campaign.id,
                id.get(),
                Millis::now().0
            );
            if let Some(subject) = &mut message.subject {
                subject.insert_str(0, "[TEST] ");
            }
            let result = match connector.send(&message).await {
                Ok(_) => Ok(plan.channel.clone()),
                Err(err) => Err(err.to_string()),
            };
            results.push((id, result));
        }
        Ok(results)
    }
}

/// The template variables of one campaign message.
fn context(
    campaign: &Campaign,
    send: &LeasedSend,
    channel: &PlanChannel,
    kind: ChannelKind,
    unsubscribe_url: &str,
) -> TemplateContext {
    let mut context = TemplateContext {
        contact: ContactContext {
            id: send.contact.get(),
            first_name: send
                .name
                .as_deref()
                .and_then(|name| name.split_whitespace().next())
                .map(str::to_owned),
            name: send.name.clone(),
            email: send.email.clone(),
            phone: send.phone.clone(),
            attributes: send.attributes.clone(),
            ..ContactContext::default()
        },
        channel: ChannelContext {
            name: channel.name.clone(),
            kind: kind.as_str().to_owned(),
        },
        ..TemplateContext::default()
    };
    context
        .custom
        .insert("unsubscribe_url".into(), unsubscribe_url.into());
    context
        .custom
        .insert("campaign".into(), campaign.name.clone().into());
    context
}

/// A `List-Id` phrase: the campaign name without characters that would need quoting.
fn list_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|ch| ch.is_alphanumeric() || *ch == ' ' || *ch == '-' || *ch == '_')
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        "Campaign".into()
    } else {
        clean.to_owned()
    }
}

/// Rewrites the target of every `href="http…"` with `wrap`; other attributes and relative
/// or `mailto:` links are left alone.
fn rewrite_links(html: &str, wrap: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(at) = rest.find("href=\"") {
        let (head, tail) = rest.split_at(at + 6);
        out.push_str(head);
        let Some(end) = tail.find('"') else {
            rest = tail;
            break;
        };
        let target = &tail[..end];
        // Targets in HTML have `&` escaped; the redirect wants the real URL.
        let real = target.replace("&amp;", "&");
        if real.starts_with("http://") || real.starts_with("https://") {
            out.push_str(&wrap(&real).replace('&', "&amp;"));
        } else {
            out.push_str(target);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_wrapped_and_others_kept() {
        let html = r#"<a href="https://shop.example/?a=1&amp;b=2">x</a> <a href="mailto:a@b">m</a> <a href="/rel">r</a>"#;
        let out = rewrite_links(html, |target| format!("https://t/{}", hex::encode(target)));
        assert!(out.contains(&format!(
            "https://t/{}",
            hex::encode("https://shop.example/?a=1&b=2")
        )));
        assert!(out.contains(r#"href="mailto:a@b""#));
        assert!(out.contains(r#"href="/rel""#));
    }

    #[test]
    fn list_names_are_safe() {
        assert_eq!(list_name("Spring <sale>, 2026"), "Spring sale 2026");
        assert_eq!(list_name("<>"), "Campaign");
    }
}
