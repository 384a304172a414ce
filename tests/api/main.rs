//! The integration suite: one binary, one module per feature. Store tests run on SQLite and,
//! with `TEST_DATABASE_URL`, on PostgreSQL; app tests run on PostgreSQL when it is set.

mod helpers;

mod api_auth;
mod api_conversations;
mod automation;
mod body_limits;
mod browser;
mod campaign_crash;
mod campaign_email;
mod campaign_test_sends;
mod campaigns;
mod channel_events;
mod cli;
mod crash;
mod cut_proxy;
mod discord;
mod dispatch;
mod email;
mod event_stream;
mod event_webhooks;
mod fake_discord;
mod fake_graph;
mod fake_telegram;
mod faults;
mod file_modes;
mod hooks;
mod mail_faults;
mod mail_forgery;
mod mail_peers;
mod meta;
mod migrations;
mod outside_content;
mod provider_outage;
mod routable;
mod routing;
mod sign_in_limits;
mod slow_clients;
mod smtp_dropper;
mod store;
mod stream_credentials;
mod telegram;
mod template_limits;
mod templates;
mod web;
mod worker_panics;
