//! `GET /api/v1/contacts/{id}/duplicates`: the contacts that are probably the same person,
//! with the address they share, for an agent to merge.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::views::ContactView;
use crate::domain::audit::{AuditAction, AuditSubject};
use crate::domain::mailbox::folded_mailboxes;
use crate::domain::phone::to_e164;
use crate::domain::{Contact, ContactId};
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiResult, ForApi};
use crate::http::extract::{Json, Path};
use crate::store::{DuplicateProbe, MAILBOX};

/// The most suggestions one answer gives.
const MAX_SUGGESTIONS: usize = 20;

/// Why another contact is suggested: the address both hold.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateReason {
    /// `email` (the same address, any letter case), `mailbox` (an address that differs only
    /// in dots or a `+tag` at a provider that ignores both, `[contacts] mailbox_domains`; the
    /// value is the mailbox), `phone` (the same number in E.164) or `web_chat_user` (the same
    /// signed-in user of the website, on another chat channel).
    pub kind: String,
    /// The shared address.
    pub value: String,
}

/// Another contact that is probably the same person.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateView {
    pub contact: ContactView,
    pub reasons: Vec<DuplicateReason>,
}

/// The suggestions for one contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicatesView {
    pub items: Vec<DuplicateView>,
}

/// `GET /api/v1/contacts/{id}/duplicates`: other contacts sharing an email address, a phone
/// number (compared in E.164) or a signed-in website user with this one, at most 20, lowest
/// id first. Contacts the caller may not see are left out.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/duplicates", tag = "contacts",
    params(("id" = i64, Path)),
    responses((status = 200, body = DuplicatesView), (status = 404)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn list_duplicates(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ContactId>,
) -> ApiResult<Json<DuplicatesView>> {
    state.ensure_contact_visible(&caller, id).await?;
    let contact = state.store.get_contact(id).await.for_api("contact")?;
    let web_chat_scopes: Vec<String> = state
        .widgets
        .channels()
        .map(|channel| channel.scope().to_owned())
        .collect();
    let probes = probes_of(
        &contact,
        state.phone_region,
        &state.mailbox_domains,
        &web_chat_scopes,
    );
    let shared = state
        .store
        .contacts_sharing(id, &probes, MAX_SUGGESTIONS)
        .await
        .for_api("contact")?;
    let mut items = Vec::with_capacity(shared.len());
    for candidate in shared {
        let other = ContactId::new(candidate.contact);
        if state.ensure_contact_visible(&caller, other).await.is_err() {
            continue;
        }
        let other = state.store.get_contact(other).await.for_api("contact")?;
        let mut reasons: Vec<DuplicateReason> = Vec::new();
        for probe in candidate.probes {
            if !reasons
                .iter()
                .any(|reason| reason.kind == probe.reason && reason.value == probe.value)
            {
                reasons.push(DuplicateReason {
                    kind: probe.reason.to_owned(),
                    value: probe.value,
                });
            }
        }
        // The same address as written says more than the same mailbox.
        if reasons.iter().any(|reason| reason.kind == "email") {
            reasons.retain(|reason| reason.kind != MAILBOX);
        }
        items.push(DuplicateView {
            contact: other.into(),
            reasons,
        });
    }
    state
        .audit(
            &caller,
            AuditAction::ContactViewed,
            AuditSubject::Contact(id),
        )
        .await?;
    Ok(Json(DuplicatesView { items }))
}

/// What to look for: the contact's email addresses (lower-cased), its phone numbers in E.164
/// (a number stored in another form is read as `region`'s), and its signed-in website user
/// on every other web chat channel.
fn probes_of(
    contact: &Contact,
    region: crate::domain::phone::PhoneRegion,
    mailbox_domains: &[String],
    web_chat_scopes: &[String],
) -> Vec<DuplicateProbe> {
    let mut probes: Vec<DuplicateProbe> = Vec::new();
    let mut add = |reason: &'static str, scope: &str, value: String| {
        let probe = DuplicateProbe {
            reason,
            scope: scope.to_owned(),
            value,
        };
        if !probes.contains(&probe) {
            probes.push(probe);
        }
    };
    let emails = contact.email.iter().map(String::as_str).chain(
        contact
            .identities
            .iter()
            .filter(|identity| identity.scope == "email")
            .map(|identity| identity.external_id.as_str()),
    );
    for email in emails {
        add("email", "email", email.trim().to_lowercase());
        // At a provider that ignores dots and `+tags`, other spellings reach the same mailbox.
        for mailbox in folded_mailboxes(email, mailbox_domains) {
            add(MAILBOX, "email", mailbox);
        }
    }
    let phones = contact.phone.iter().map(String::as_str).chain(
        contact
            .identities
            .iter()
            .filter(|identity| identity.scope == "phone")
            .map(|identity| identity.external_id.as_str()),
    );
    for phone in phones {
        if let Some(e164) = to_e164(phone, region) {
            add("phone", "phone", e164);
        }
    }
    // A website's signed-in user (`user:<id>`, verified by the site's signature) is the same
    // person on each of the site's chat channels; anonymous visitors (`anon:…`) are not.
    for identity in &contact.identities {
        if web_chat_scopes.contains(&identity.scope) && identity.external_id.starts_with("user:") {
            for scope in web_chat_scopes
                .iter()
                .filter(|scope| **scope != identity.scope)
            {
                add("web_chat_user", scope, identity.external_id.clone());
            }
        }
    }
    probes
}
