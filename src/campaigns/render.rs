//! Rendering a campaign message for one contact: the channel's template with the contact's
//! values, signed unsubscribe and tracking links, email's bulk headers.

use connector_sdk::{CampaignHeaders, ChannelKind, OutboundMessage, Recipient, Template};
use minijinja::value::Serde;
use minijinja::{Value, context};

use super::CampaignRunner;
use super::unsubscribe::{LinkClaims, LinkSigner, Purpose};
use crate::domain::{Campaign, CampaignId, CampaignSpec, ChannelPlan};
use crate::store::campaigns::{LeasedSend, PlanChannel};
use crate::templates::{ChannelContext, CompiledSource, ContactContext, TemplateContext};

/// What every message of one campaign channel shares, prepared once per batch: the channel's
/// texts compiled, the template values that do not depend on the contact converted, the
/// link key and the email headers' fixed parts. Rendering a message then only adds the
/// contact.
pub(crate) struct Prepared {
    campaign: CampaignId,
    channel: String,
    kind: ChannelKind,
    claims_kind: String,
    locale: String,
    content: Content,
    subject: Option<CompiledSource>,
    whatsapp: Option<(String, String, Vec<CompiledSource>)>,
    /// Everything but `contact` and `custom`, as template values.
    shared: Value,
    campaign_name: Value,
    signer: LinkSigner,
    public_url: String,
    list_id: String,
    unsubscribe_mailto: Option<String>,
    track_opens: bool,
    track_clicks: bool,
}

/// The text of a campaign channel: a named template with its variants, or text written inline.
enum Content {
    Named(String),
    Inline {
        body: Option<CompiledSource>,
        html: Option<CompiledSource>,
    },
}

impl CampaignRunner {
    /// Prepares the messages of one channel of a campaign.
    pub(crate) async fn prepare(
        &self,
        campaign: &Campaign,
        spec: &CampaignSpec,
        plan: &ChannelPlan,
        channel: &PlanChannel,
        kind: ChannelKind,
    ) -> anyhow::Result<Prepared> {
        let parts = self.parts();
        let templates = &parts.templates;
        let compile = |what: &str, source: &str| {
            templates.compile(&format!("campaign {} {what}", campaign.id), source)
        };
        let content = match (&plan.template, &plan.body) {
            (Some(name), _) => Content::Named(name.clone()),
            (None, body) => Content::Inline {
                body: body
                    .as_deref()
                    .map(|body| compile("body", body))
                    .transpose()?,
                html: plan
                    .html
                    .as_deref()
                    .map(|html| compile("html", html))
                    .transpose()?,
            },
        };
        let subject = match (&plan.subject, kind) {
            (Some(subject), ChannelKind::Email) => Some(compile("subject", subject)?),
            _ => None,
        };
        let whatsapp = match &plan.whatsapp_template {
            Some(template) => {
                let parameters = template
                    .parameters
                    .iter()
                    .enumerate()
                    .map(|(index, source)| compile(&format!("parameter {}", index + 1), source))
                    .collect::<Result<Vec<_>, _>>()?;
                Some((template.name.clone(), template.language.clone(), parameters))
            }
            None => None,
        };
        let shared = TemplateContext {
            channel: ChannelContext {
                name: channel.name.clone(),
                kind: kind.as_str().to_owned(),
            },
            ..TemplateContext::default()
        };
        let public_url = parts.config.public_url.trim_end_matches('/').to_owned();
        let host = public_url
            .split("://")
            .nth(1)
            .unwrap_or("switchboard.invalid")
            .split(['/', ':'])
            .next()
            .unwrap_or("switchboard.invalid")
            .to_owned();
        Ok(Prepared {
            campaign: campaign.id,
            channel: plan.channel.clone(),
            kind,
            claims_kind: channel.kind.clone(),
            locale: spec.locale.clone().unwrap_or_default(),
            content,
            subject,
            whatsapp,
            shared: Value::from(Serde(&shared)),
            campaign_name: Value::from(campaign.name.as_str()),
            signer: self.signer().await?.clone(),
            list_id: format!(
                "{} <campaign-{}.{host}>",
                list_name(&campaign.name),
                campaign.id
            ),
            public_url,
            unsubscribe_mailto: parts.config.unsubscribe_mailto.clone(),
            track_opens: spec.track_opens,
            track_clicks: spec.track_clicks,
        })
    }

    /// The message for one contact: the channel's template rendered with the contact, the
    /// campaign's links, and email's bulk headers.
    pub(crate) fn render(
        &self,
        prepared: &Prepared,
        send: &LeasedSend,
    ) -> anyhow::Result<OutboundMessage> {
        let templates = &self.parts().templates;
        let claims = LinkClaims {
            campaign: prepared.campaign,
            contact: send.contact.get(),
            kind: prepared.claims_kind.clone(),
        };
        let unsubscribe_url = format!(
            "{}/unsubscribe/{}",
            prepared.public_url,
            prepared.signer.sign(Purpose::Unsubscribe, &claims, "")
        );
        let contact = ContactContext {
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
        };
        let values = context! {
            contact => Value::from(Serde(&contact)),
            custom => context! {
                unsubscribe_url => unsubscribe_url.as_str(),
                campaign => prepared.campaign_name.clone(),
            },
            ..prepared.shared.clone()
        };
        let render =
            |compiled: &CompiledSource| templates.render_compiled(compiled, values.clone());
        let (text, html, markup) = match &prepared.content {
            Content::Named(name) => {
                let rendered = templates.render_value(
                    name,
                    prepared.kind,
                    &prepared.locale,
                    values.clone(),
                )?;
                (rendered.text, rendered.html, rendered.markup)
            }
            Content::Inline { body, html } => (
                body.as_ref().map(render).transpose()?.unwrap_or_default(),
                html.as_ref().map(render).transpose()?,
                None,
            ),
        };
        let id = format!("campaign-{}-{}", prepared.campaign, send.contact.get());
        let mut message = OutboundMessage::text(
            id,
            &prepared.channel,
            0,
            Recipient::new(&send.address),
            text,
        );
        message.markup = markup;
        if let Some((name, language, parameters)) = &prepared.whatsapp {
            let parameters = parameters
                .iter()
                .map(render)
                .collect::<Result<Vec<_>, _>>()?;
            message.template = Some(Template::new(name, language, parameters));
            if message.text.is_empty() {
                message.text = format!("[template {name}]");
            }
        }
        if prepared.kind == ChannelKind::Email {
            message.subject = prepared.subject.as_ref().map(render).transpose()?;
            message.campaign = Some(CampaignHeaders::new(
                prepared.list_id.clone(),
                unsubscribe_url,
                prepared.unsubscribe_mailto.as_ref().map(|mailto| {
                    format!(
                        "mailto:{mailto}?subject=unsubscribe-{}-{}",
                        prepared.campaign,
                        send.contact.get()
                    )
                }),
            ));
            message.html = html.map(|html| track(prepared, &claims, html));
        } else {
            message.html = html;
        }
        Ok(message)
    }
}

/// Adds the open pixel and rewrites links through the click redirect, as the campaign opted
/// in.
fn track(prepared: &Prepared, claims: &LinkClaims, html: String) -> String {
    let base = &prepared.public_url;
    let mut html = html;
    if prepared.track_clicks {
        html = rewrite_links(&html, |target| {
            let token = prepared.signer.sign(Purpose::Click, claims, target);
            format!("{base}/c/click/{token}?to={}", hex::encode(target))
        });
    }
    if prepared.track_opens {
        let token = prepared.signer.sign(Purpose::Open, claims, "");
        let pixel = format!(
            "<img src=\"{base}/c/open/{token}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">"
        );
        match html.rfind("</body>") {
            Some(at) => html.insert_str(at, &pixel),
            None => html.push_str(&pixel),
        }
    }
    html
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
