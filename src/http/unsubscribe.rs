//! Public campaign links (no bearer token; the signed token is the authority): unsubscribe
//! per RFC 8058, the open pixel and click redirects.
//!
//! RFC 8058 §3.2: the one-click POST unsubscribes and answers 200 with no redirect and no
//! cookie. A GET (mail scanners and link previews fetch links) never unsubscribes by itself:
//! it shows a page whose button POSTs the same URL.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::campaigns::unsubscribe::{LinkClaims, Purpose};
use crate::domain::ContactId;
use crate::http::AppState;
use crate::http::extract::{PagePath, PageQuery};
use crate::store::campaigns::{Engagement, OptOut};

/// A transparent 1×1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><meta name=\"robots\" content=\"noindex\">\
         <title>{title}</title></head><body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\">\
         <main><h1>{title}</h1>{body}</main></body></html>"
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

async fn claims(
    state: &AppState,
    purpose: Purpose,
    token: &str,
    extra: &str,
) -> Option<LinkClaims> {
    match state.campaigns.signer().await {
        Ok(signer) => signer.verify(purpose, token, extra),
        Err(err) => {
            tracing::error!(error = %err, "campaign link key unavailable");
            None
        }
    }
}

/// `GET /unsubscribe/{token}`: a confirmation page; nothing changes until its button is used.
pub async fn confirm_page(
    State(state): State<AppState>,
    PagePath(token): PagePath<String>,
) -> Response {
    if claims(&state, Purpose::Unsubscribe, &token, "")
        .await
        .is_none()
    {
        return page(
            StatusCode::NOT_FOUND,
            "Link not valid",
            "<p>This unsubscribe link is not valid.</p>",
        );
    }
    // The form posts back to this same URL (relative), the RFC 8058 body included.
    page(
        StatusCode::OK,
        "Unsubscribe",
        "<p>Stop receiving these campaign messages?</p>\
         <form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
         <button type=\"submit\">Unsubscribe</button></form>",
    )
}

/// The (identity scope, address) a campaign message went to: its ledger row's address in its
/// channel's scope, or for email without one (a test send), the contact's email address.
async fn suppressed_address(state: &AppState, claims: &LinkClaims) -> Option<(String, String)> {
    let contact = ContactId::new(claims.contact);
    let sent_to = state
        .store
        .campaign_send_address(claims.campaign, contact)
        .await
        .unwrap_or_else(|err| {
            tracing::warn!(error = %err, "could not read the campaign ledger");
            None
        });
    if let Some((channel, address)) = sent_to
        && let Some(connector) = state.connectors.get(&channel)
    {
        return Some((connector.identity_scope(), address));
    }
    if claims.kind != "email" {
        return None;
    }
    let contact = state.store.get_contact(contact).await.ok()?;
    contact.email.map(|email| ("email".to_owned(), email))
}

/// `POST /unsubscribe/{token}`: one-click unsubscribe (RFC 8058) and the page's button.
pub async fn unsubscribe(
    State(state): State<AppState>,
    PagePath(token): PagePath<String>,
    headers: HeaderMap,
) -> Response {
    let Some(claims) = claims(&state, Purpose::Unsubscribe, &token, "").await else {
        return page(
            StatusCode::NOT_FOUND,
            "Link not valid",
            "<p>This unsubscribe link is not valid.</p>",
        );
    };
    // The address the message went to is suppressed too, on every channel, so that no
    // campaign reaches it on any contact it may later be attached to.
    let address = suppressed_address(&state, &claims).await;
    let proof = headers
        .get(header::USER_AGENT)
        .and_then(|agent| agent.to_str().ok())
        .map(|agent| format!("one-click link; user agent {agent}"))
        .or_else(|| Some("one-click link".into()));
    let result = state
        .store
        .opt_out(&OptOut {
            contact: ContactId::new(claims.contact),
            campaign: Some(claims.campaign),
            kind: claims.kind,
            suppress: address,
            source: "unsubscribe".into(),
            proof,
        })
        .await;
    match result {
        Ok((_, events)) => {
            state.events.publish(events);
            page(
                StatusCode::OK,
                "Unsubscribed",
                "<p>You will receive no more of these messages.</p>",
            )
        }
        Err(crate::store::StoreError::Conflict { .. } | crate::store::StoreError::NotFound) => {
            // The contact was erased meanwhile: nothing left to send to.
            page(
                StatusCode::OK,
                "Unsubscribed",
                "<p>You will receive no more of these messages.</p>",
            )
        }
        Err(err) => {
            tracing::error!(error = %err, "unsubscribe failed");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "<p>We could not record this right now. Please try again in a minute.</p>",
            )
        }
    }
}

/// `GET /c/open/{token}`: the open-tracking pixel.
pub async fn open_pixel(
    State(state): State<AppState>,
    PagePath(token): PagePath<String>,
) -> Response {
    if let Some(claims) = claims(&state, Purpose::Open, &token, "").await
        && let Err(err) = state
            .store
            .record_engagement(
                claims.campaign,
                ContactId::new(claims.contact),
                Engagement::Opened,
            )
            .await
    {
        tracing::warn!(error = %err, "could not record an open");
    }
    (
        [
            (header::CONTENT_TYPE, "image/gif"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        PIXEL,
    )
        .into_response()
}

/// Query of a click link: the target, hex-encoded (signed together with the token).
#[derive(Debug, serde::Deserialize)]
pub struct ClickQuery {
    to: String,
}

/// `GET /c/click/{token}?to=…`: counts the click and redirects to the signed target.
pub async fn click(
    State(state): State<AppState>,
    PagePath(token): PagePath<String>,
    PageQuery(query): PageQuery<ClickQuery>,
) -> Response {
    let target = hex::decode(&query.to)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(target) = target else {
        return page(
            StatusCode::NOT_FOUND,
            "Link not valid",
            "<p>This link is not valid.</p>",
        );
    };
    // Only signed targets: the redirect must never become an open redirector.
    let Some(claims) = claims(&state, Purpose::Click, &token, &target).await else {
        return page(
            StatusCode::NOT_FOUND,
            "Link not valid",
            "<p>This link is not valid.</p>",
        );
    };
    if let Err(err) = state
        .store
        .record_engagement(
            claims.campaign,
            ContactId::new(claims.contact),
            Engagement::Clicked,
        )
        .await
    {
        tracing::warn!(error = %err, "could not record a click");
    }
    (StatusCode::FOUND, [(header::LOCATION, target)]).into_response()
}
