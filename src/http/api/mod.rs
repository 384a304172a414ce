//! The REST API under `/api/v1` and its OpenAPI document, generated from the handlers'
//! annotations. Each route's allowed roles are the scopes of its `bearer` security entry.

pub mod agents;
pub mod assist;
pub mod assist_translations;
pub mod audit;
pub mod campaigns;
pub mod canned;
pub mod cluster;
mod constraints;
pub mod contact_duplicates;
pub mod contact_export;
pub mod contact_merges;
pub mod contacts;
pub mod conversations;
pub mod csv;
pub mod deliveries;
mod document;
pub mod erasures;
mod event_payloads;
pub mod events;
mod inline_parts;
pub mod messages;
pub mod params;
pub mod presence;
pub mod report_live;
pub mod reports;
pub mod retention;
pub mod rules;
pub mod segments;
pub mod templates;
pub mod views;
pub mod webhooks;

use axum::Router;
use axum::routing::{get, post, put};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::AppState;

/// The OpenAPI document as utoipa writes it from the annotations; [`document`] completes it.
#[derive(OpenApi)]
#[openapi(
    info(title = "Switchboard API", description = "Omnichannel conversations, contacts, agents and deliveries. Authenticate with `Authorization: Bearer <token>`; each operation lists the roles it allows as the scopes of `bearer`."),
    paths(
        crate::http::csat::answer_json,
        conversations::list_conversations,
        conversations::get_conversation,
        conversations::update_conversation,
        conversations::list_messages,
        conversations::reply,
        conversations::add_note,
        conversations::assign,
        conversations::set_status,
        conversations::list_queue,
        conversations::take,
        deliveries::list_deliveries,
        deliveries::retry_message,
        messages::list_revisions,
        messages::download_attachment,
        messages::remote_image,
        contacts::search_contacts,
        contacts::create_contact,
        contacts::get_contact,
        contacts::update_contact,
        contact_duplicates::list_duplicates,
        assist::get_assist,
        assist::summarise_conversation,
        assist::draft_reply,
        assist::stream_draft,
        assist::suggest,
        assist_translations::list_translations,
        assist_translations::translate_message,
        assist_translations::translate_reply,
        contact_merges::merge_contact,
        contact_merges::list_merges,
        contact_merges::undo_merge,
        contact_export::export_contact,
        erasures::erase_contact,
        erasures::erase_contacts,
        erasures::get_erasure,
        agents::list_agents,
        agents::create_agent,
        agents::update_agent,
        agents::list_teams,
        agents::create_team,
        agents::set_team_members,
        agents::list_tokens,
        agents::create_token,
        agents::revoke_token,
        agents::list_channels,
        agents::text_cost,
        cluster::get_cluster,
        audit::list_audit,
        reports::get_report,
        reports::get_summary,
        reports::get_conversations_csv,
        report_live::get_live_board,
        retention::preview_retention,
        messages::redact_message,
        events::stream_events,
        webhooks::list_webhooks,
        webhooks::create_webhook,
        webhooks::get_webhook,
        webhooks::update_webhook,
        webhooks::delete_webhook,
        webhooks::list_webhook_deliveries,
        webhooks::replay_webhook_delivery,
        templates::list_templates,
        templates::preview_template,
        rules::list_rules,
        rules::create_rule,
        rules::get_rule,
        rules::replace_rule,
        rules::delete_rule,
        canned::list_canned_responses,
        canned::create_canned_response,
        canned::get_canned_response,
        canned::update_canned_response,
        canned::delete_canned_response,
        canned::preview_canned_response,
        presence::set_presence,
        presence::get_presence,
        presence::heartbeat,
        presence::list_activity,
        presence::reset_password,
        segments::list_segments,
        segments::create_segment,
        segments::get_segment,
        segments::replace_segment,
        segments::delete_segment,
        segments::preview_saved_segment,
        segments::preview_segment,
        segments::import_contacts,
        segments::list_consents,
        segments::set_consents,
        campaigns::list_campaigns,
        campaigns::create_campaign,
        campaigns::get_campaign,
        campaigns::update_campaign,
        campaigns::start_campaign,
        campaigns::pause_campaign,
        campaigns::resume_campaign,
        campaigns::cancel_campaign,
        campaigns::test_campaign,
        campaigns::resend_in_doubt,
    ),
    // Schemas that only query parameters name (utoipa collects those of bodies by itself).
    components(schemas(
        crate::http::error::ErrorBody,
        params::Cursor,
        params::PageSize,
        deliveries::DeliveryState,
        crate::domain::WebhookDeliveryState,
        crate::domain::ConversationStatus,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "conversations"), (name = "contacts"), (name = "agents"), (name = "deliveries"), (name = "events"), (name = "webhooks"), (name = "templates"), (name = "rules"), (name = "campaigns"), (name = "cluster"), (name = "audit"), (name = "retention"), (name = "reports"), (name = "assist", description = "Agent assist through an OpenAI-compatible model the operator chose: off unless configured."), (name = "csat", description = "Satisfaction survey answers, authorised by the survey's signed token (no bearer token).")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// `GET /api/v1/openapi.json`
async fn openapi_json() -> axum::Json<&'static serde_json::Value> {
    axum::Json(document::document())
}

/// The `/api/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route(
            "/api/v1/conversations",
            get(conversations::list_conversations),
        )
        .route(
            "/api/v1/conversations/{id}",
            get(conversations::get_conversation).patch(conversations::update_conversation),
        )
        .route(
            "/api/v1/conversations/{id}/messages",
            get(conversations::list_messages),
        )
        .route(
            "/api/v1/conversations/{id}/reply",
            post(conversations::reply),
        )
        .route(
            "/api/v1/conversations/{id}/notes",
            post(conversations::add_note),
        )
        .route(
            "/api/v1/conversations/{id}/assign",
            post(conversations::assign),
        )
        .route(
            "/api/v1/conversations/{id}/status",
            post(conversations::set_status),
        )
        .route("/api/v1/queue", get(conversations::list_queue))
        .route("/api/v1/conversations/{id}/take", post(conversations::take))
        .route("/api/v1/deliveries", get(deliveries::list_deliveries))
        .route(
            "/api/v1/messages/{id}/retry",
            post(deliveries::retry_message),
        )
        .route(
            "/api/v1/messages/{id}/revisions",
            get(messages::list_revisions),
        )
        .route(
            "/api/v1/messages/{id}/attachments/{index}",
            get(messages::download_attachment),
        )
        .route("/api/v1/messages/{id}/images", get(messages::remote_image))
        .route(
            "/api/v1/messages/{id}/redact",
            post(messages::redact_message),
        )
        .route(
            "/api/v1/contacts",
            get(contacts::search_contacts).post(contacts::create_contact),
        )
        .route(
            "/api/v1/contacts/{id}",
            get(contacts::get_contact).patch(contacts::update_contact),
        )
        .route(
            "/api/v1/agents",
            get(agents::list_agents).post(agents::create_agent),
        )
        .route(
            "/api/v1/agents/{id}",
            axum::routing::patch(agents::update_agent),
        )
        .route(
            "/api/v1/teams",
            get(agents::list_teams).post(agents::create_team),
        )
        .route("/api/v1/teams/{id}/members", put(agents::set_team_members))
        .route(
            "/api/v1/tokens",
            get(agents::list_tokens).post(agents::create_token),
        )
        .route(
            "/api/v1/tokens/{id}",
            axum::routing::delete(agents::revoke_token),
        )
        .route("/api/v1/channels", get(agents::list_channels))
        .route(
            "/api/v1/channels/{name}/text-cost",
            axum::routing::post(agents::text_cost),
        )
        .route("/api/v1/cluster", get(cluster::get_cluster))
        .route("/api/v1/audit", get(audit::list_audit))
        .route("/api/v1/reports/summary", get(reports::get_summary))
        .route("/api/v1/reports/live", get(report_live::get_live_board))
        .route(
            "/api/v1/reports/conversations.csv",
            get(reports::get_conversations_csv),
        )
        .route("/api/v1/reports/{metric}", get(reports::get_report))
        .route(
            "/api/v1/retention/preview",
            get(retention::preview_retention),
        )
        .route(
            "/api/v1/conversations/{id}/presence",
            get(presence::get_presence).post(presence::set_presence),
        )
        .route("/api/v1/presence/heartbeat", post(presence::heartbeat))
        .route(
            "/api/v1/conversations/{id}/activity",
            get(presence::list_activity),
        )
        .route(
            "/api/v1/agents/{id}/password",
            post(presence::reset_password),
        )
        .route("/api/v1/events", get(events::stream_events))
        .route("/api/v1/templates", get(templates::list_templates))
        .route(
            "/api/v1/rules",
            get(rules::list_rules).post(rules::create_rule),
        )
        .route(
            "/api/v1/rules/{id}",
            get(rules::get_rule)
                .put(rules::replace_rule)
                .delete(rules::delete_rule),
        )
        .route(
            "/api/v1/templates/{name}/preview",
            post(templates::preview_template),
        )
        .route(
            "/api/v1/canned-responses",
            get(canned::list_canned_responses).post(canned::create_canned_response),
        )
        .route(
            "/api/v1/canned-responses/{id}",
            get(canned::get_canned_response)
                .put(canned::update_canned_response)
                .delete(canned::delete_canned_response),
        )
        .route(
            "/api/v1/canned-responses/{id}/preview",
            post(canned::preview_canned_response),
        )
        .route(
            "/api/v1/webhooks",
            get(webhooks::list_webhooks).post(webhooks::create_webhook),
        )
        .route(
            "/api/v1/segments",
            get(segments::list_segments).post(segments::create_segment),
        )
        .route("/api/v1/segments/preview", post(segments::preview_segment))
        .route(
            "/api/v1/segments/{id}",
            get(segments::get_segment)
                .put(segments::replace_segment)
                .delete(segments::delete_segment),
        )
        .route(
            "/api/v1/segments/{id}/preview",
            get(segments::preview_saved_segment),
        )
        .route("/api/v1/contacts/import", post(segments::import_contacts))
        .route(
            "/api/v1/contacts/{id}/duplicates",
            get(contact_duplicates::list_duplicates),
        )
        .route("/api/v1/assist", get(assist::get_assist))
        .route(
            "/api/v1/conversations/{id}/summary",
            post(assist::summarise_conversation),
        )
        .route(
            "/api/v1/conversations/{id}/draft",
            post(assist::draft_reply),
        )
        .route(
            "/api/v1/conversations/{id}/draft/stream",
            post(assist::stream_draft),
        )
        .route(
            "/api/v1/conversations/{id}/suggestions",
            post(assist::suggest),
        )
        .route(
            "/api/v1/conversations/{id}/translations",
            get(assist_translations::list_translations),
        )
        .route(
            "/api/v1/messages/{id}/translation",
            post(assist_translations::translate_message),
        )
        .route(
            "/api/v1/conversations/{id}/reply-translation",
            post(assist_translations::translate_reply),
        )
        .route(
            "/api/v1/contacts/{id}/merge",
            post(contact_merges::merge_contact),
        )
        .route(
            "/api/v1/contacts/{id}/merges",
            get(contact_merges::list_merges),
        )
        .route(
            "/api/v1/contacts/merges/{merge_id}/undo",
            post(contact_merges::undo_merge),
        )
        .route(
            "/api/v1/contacts/{id}/export",
            get(contact_export::export_contact),
        )
        .route("/api/v1/contacts/{id}/erase", post(erasures::erase_contact))
        .route("/api/v1/contacts/erase", post(erasures::erase_contacts))
        .route("/api/v1/erasures/{id}", get(erasures::get_erasure))
        .route(
            "/api/v1/contacts/{id}/consents",
            get(segments::list_consents).put(segments::set_consents),
        )
        .route(
            "/api/v1/campaigns",
            get(campaigns::list_campaigns).post(campaigns::create_campaign),
        )
        .route(
            "/api/v1/campaigns/{id}",
            get(campaigns::get_campaign).put(campaigns::update_campaign),
        )
        .route(
            "/api/v1/campaigns/{id}/start",
            post(campaigns::start_campaign),
        )
        .route(
            "/api/v1/campaigns/{id}/pause",
            post(campaigns::pause_campaign),
        )
        .route(
            "/api/v1/campaigns/{id}/resume",
            post(campaigns::resume_campaign),
        )
        .route(
            "/api/v1/campaigns/{id}/cancel",
            post(campaigns::cancel_campaign),
        )
        .route(
            "/api/v1/campaigns/{id}/test",
            post(campaigns::test_campaign),
        )
        .route(
            "/api/v1/campaigns/{id}/resend-in-doubt",
            post(campaigns::resend_in_doubt),
        )
        .route(
            "/api/v1/webhooks/{id}",
            get(webhooks::get_webhook)
                .patch(webhooks::update_webhook)
                .delete(webhooks::delete_webhook),
        )
        .route(
            "/api/v1/webhooks/{id}/deliveries",
            get(webhooks::list_webhook_deliveries),
        )
        .route(
            "/api/v1/webhooks/deliveries/{id}/replay",
            post(webhooks::replay_webhook_delivery),
        )
}
