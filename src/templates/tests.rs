use std::path::Path;

use connector_sdk::ChannelKind;

use super::settings::TemplatesConfig;
use super::*;

fn shipped() -> Templates {
    Templates::load(&TemplatesConfig::default()).expect("the shipped templates load")
}

/// Templates from the shipped set plus `files` in a temporary folder.
fn with_files(files: &[(&str, &str)]) -> Result<Templates, TemplateError> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, source) in files {
        std::fs::write(dir.path().join(name), source).expect("write template");
    }
    Templates::load(&TemplatesConfig {
        dir: Some(dir.path().to_path_buf()),
        default_locale: "en".into(),
        ..TemplatesConfig::default()
    })
}

fn named(name: &str) -> TemplateContext {
    let mut context = TemplateContext::sample();
    context.contact.name = Some(name.into());
    context.contact.first_name = Some(name.into());
    context
}

#[test]
fn every_file_in_the_folder_is_embedded_and_the_other_way_round() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut on_disk: Vec<String> = std::fs::read_dir(&folder)
        .expect("templates folder")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".j2"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = EMBEDDED
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
    for (name, source) in EMBEDDED {
        let on_disk = std::fs::read_to_string(folder.join(name)).expect("read template");
        assert_eq!(&on_disk, source, "{name} is embedded as it is on disk");
    }
}

#[test]
fn the_shipped_templates_come_in_english_and_czech() {
    let templates = shipped();
    let names: Vec<String> = templates.list().into_iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "ack",
            "csat_request",
            "greeting",
            "out_of_office",
            "resolved",
            "sms_help"
        ]
    );
    for info in templates.list() {
        assert_eq!(info.locales, ["cs", "en"], "{}", info.name);
        assert!(templates.exists(&info.name));
    }
    assert!(!templates.exists("nope"));
}

#[test]
fn the_fallback_chain_goes_channel_then_locale() {
    let chain: Vec<String> = fallback_chain(ChannelKind::Telegram, "cs", "en")
        .iter()
        .map(|key| key.display("ack"))
        .collect();
    assert_eq!(
        chain,
        [
            "ack.telegram.cs",
            "ack.telegram",
            "ack.telegram.en",
            "ack.cs",
            "ack",
            "ack.en"
        ]
    );
    let chain: Vec<String> = fallback_chain(ChannelKind::Email, "pt_BR", "en")
        .iter()
        .map(|key| key.display("ack"))
        .collect();
    assert_eq!(
        chain,
        [
            "ack.email.pt-br",
            "ack.email.pt",
            "ack.email",
            "ack.email.en",
            "ack.pt-br",
            "ack.pt",
            "ack",
            "ack.en"
        ]
    );
}

#[test]
fn render_uses_the_first_variant_of_the_chain() {
    let templates = with_files(&[
        ("probe.j2", "default"),
        ("probe.cs.j2", "czech"),
        ("probe.telegram.j2", "telegram"),
        ("probe.telegram.cs.j2", "telegram czech"),
        ("probe.discord.j2", "discord"),
    ])
    .expect("load");
    let context = TemplateContext::sample();
    let render = |kind, locale| {
        let rendered = templates
            .render("probe", kind, locale, &context)
            .expect("render");
        (rendered.text, rendered.variant)
    };
    assert_eq!(
        render(ChannelKind::Telegram, "cs"),
        ("telegram czech".into(), "probe.telegram.cs".into())
    );
    assert_eq!(
        render(ChannelKind::Telegram, "en"),
        ("telegram".into(), "probe.telegram".into())
    );
    // As the order says: a channel's own default-locale variant comes before `probe.cs`.
    assert_eq!(
        render(ChannelKind::Discord, "cs"),
        ("discord".into(), "probe.discord".into())
    );
    assert_eq!(
        render(ChannelKind::Webhook, "cs-CZ"),
        ("czech".into(), "probe.cs".into())
    );
    assert_eq!(
        render(ChannelKind::Whatsapp, "de"),
        ("default".into(), "probe".into())
    );
    assert!(matches!(
        templates.render("missing", ChannelKind::Webhook, "en", &context),
        Err(TemplateError::NotFound(name)) if name == "missing"
    ));
}

#[test]
fn shipped_ack_reads_well_in_both_languages() {
    let templates = shipped();
    let context = TemplateContext::sample();
    let en = templates
        .render("ack", ChannelKind::Webhook, "en", &context)
        .expect("render");
    assert_eq!(
        en.text,
        "Hi Jana,\n\nthank you for your message. We have received it as ticket #1042.\n\
         You can expect an answer within 2 hours.\n\n\
         If you write to us about the same matter, please mention the ticket number."
    );
    assert_eq!(en.html, None, "only email gets an HTML part");
    let cs = templates
        .render("ack", ChannelKind::Email, "cs", &context)
        .expect("render");
    assert!(
        cs.text.starts_with(
            "Dobrý den,\n\nděkujeme za vaši zprávu. Přijali jsme ji jako požadavek č. 1042."
        ),
        "{}",
        cs.text
    );
    assert_eq!(cs.variant, "ack.cs+ack.email.cs.html");
    let html = cs.html.expect("email gets HTML");
    assert!(html.contains("<strong>č. 1042</strong>"), "{html}");
}

#[test]
fn out_of_office_writes_the_next_opening_for_each_language() {
    let templates = shipped();
    let context = TemplateContext::sample();
    let en = templates
        .render("out_of_office", ChannelKind::Webhook, "en", &context)
        .expect("render");
    assert!(
        en.text
            .contains("back on Wednesday 25 November at 08:00 (Europe/Prague)"),
        "{}",
        en.text
    );
    let cs = templates
        .render("out_of_office", ChannelKind::Webhook, "cs", &context)
        .expect("render");
    assert!(
        cs.text
            .contains("a vrátí se 25. 11. 2026 v 8:00 (Europe/Prague)"),
        "{}",
        cs.text
    );
}

#[test]
fn locale_comes_from_the_contact_then_detection_then_the_default() {
    let templates = shipped();
    let mut attributes = serde_json::Map::new();
    assert_eq!(templates.resolve_locale(&attributes, None), "en");
    assert_eq!(templates.resolve_locale(&attributes, Some("cs")), "cs");
    attributes.insert("language".into(), "de".into());
    assert_eq!(templates.resolve_locale(&attributes, Some("cs")), "de");
    attributes.insert("locale".into(), "cs_CZ".into());
    assert_eq!(templates.resolve_locale(&attributes, Some("fr")), "cs-cz");
    attributes.insert("locale".into(), "not a locale!".into());
    assert_eq!(templates.resolve_locale(&attributes, None), "de");
    attributes.insert("locale".into(), 42.into());
    attributes.remove("language");
    assert_eq!(templates.resolve_locale(&attributes, Some("??")), "en");
}

#[test]
fn values_are_escaped_for_each_channel_and_the_template_markup_is_kept() {
    let templates = with_files(&[
        ("hello.j2", "Hello {{ contact.name }}!"),
        ("hello.telegram.j2", "<b>Hello</b> {{ contact.name }}!"),
        ("hello.discord.j2", "**Hello** {{ contact.name }}!"),
        (
            "hello.email.html.j2",
            "<p>Hello <em>{{ contact.name }}</em>!</p>",
        ),
    ])
    .expect("load");
    let context = named("<b>&\"x *y* @everyone");
    let render = |kind| {
        templates
            .render("hello", kind, "en", &context)
            .expect("render")
    };

    let telegram = render(ChannelKind::Telegram);
    assert_eq!(
        telegram.markup.as_deref(),
        Some("<b>Hello</b> &lt;b&gt;&amp;\"x *y* @everyone!")
    );
    assert_eq!(telegram.text, "Hello <b>&\"x *y* @everyone!");

    let discord = render(ChannelKind::Discord);
    assert_eq!(
        discord.markup.as_deref(),
        Some("**Hello** \\<b\\>&\"x \\*y\\* @\u{200B}everyone!")
    );
    assert_eq!(discord.text, "**Hello** <b>&\"x *y* @everyone!");

    let email = render(ChannelKind::Email);
    assert_eq!(email.text, "Hello <b>&\"x *y* @everyone!");
    assert_eq!(
        email.html.as_deref(),
        Some("<p>Hello <em>&lt;b&gt;&amp;&quot;x *y* @everyone</em>!</p>")
    );
    assert_eq!(email.markup, None);

    for kind in [ChannelKind::Webhook, ChannelKind::Whatsapp] {
        let plain = render(kind);
        assert_eq!(plain.text, "Hello <b>&\"x *y* @everyone!");
        assert_eq!((plain.html, plain.markup), (None, None), "{kind}");
    }
}

#[test]
fn a_link_stays_clickable_on_discord_and_a_missing_name_prints_nothing() {
    let templates = with_files(&[
        ("link.j2", "{{ custom.url }}"),
        ("link.discord.j2", "Hi {{ contact.name }}: {{ custom.url }}"),
    ])
    .expect("load");
    let mut context = TemplateContext::sample();
    context.contact.name = None;
    context
        .custom
        .insert("url".into(), "https://example.com/a_b?x=1".into());
    let rendered = templates
        .render("link", ChannelKind::Discord, "en", &context)
        .expect("render");
    assert_eq!(
        rendered.markup.as_deref(),
        Some("Hi : https://example.com/a_b?x=1")
    );
}

#[test]
fn a_missing_value_is_an_error_naming_it_with_file_and_line() {
    let templates = with_files(&[(
        "refund.j2",
        "Hello {{ contact.name }},\nyour refund of {{ custom.amount }} is on its way.",
    )])
    .expect("custom values are not known at load, so the template loads");
    let err = templates
        .render(
            "refund",
            ChannelKind::Webhook,
            "en",
            &TemplateContext::sample(),
        )
        .expect_err("amount is missing");
    let TemplateError::Invalid { file, line, reason } = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    assert!(file.ends_with("refund.j2"), "{file}");
    assert_eq!(*line, Some(2));
    assert!(reason.contains("custom.amount"), "{reason}");
    assert!(
        err.to_string().contains("refund.j2:2: undefined value"),
        "{err}"
    );

    let mut context = TemplateContext::sample();
    context.custom.insert("amount".into(), "€12".into());
    let rendered = templates
        .render("refund", ChannelKind::Webhook, "en", &context)
        .expect("render");
    assert_eq!(
        rendered.text,
        "Hello Jana Nováková,\nyour refund of €12 is on its way."
    );
}

#[test]
fn a_typo_in_a_variable_stops_loading_with_file_line_and_name() {
    let err = with_files(&[
        ("oops.cs.j2", "Dobrý den,\n\n{{ contact.nmae }}\n"),
        ("oops.j2", "x"),
    ])
    .expect_err("contact.nmae does not exist");
    let message = err.to_string();
    assert!(message.contains("oops.cs.j2:3"), "{message}");
    assert!(message.contains("contact.nmae"), "{message}");
}

#[test]
fn a_syntax_error_stops_loading_with_file_line_and_reason() {
    let err = with_files(&[(
        "broken.j2",
        "line one\nline two\n{% if contact.name %}never closed\n",
    )])
    .expect_err("unclosed block");
    let TemplateError::Invalid { file, line, reason } = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    assert!(file.ends_with("broken.j2"), "{file}");
    assert!(line.is_some_and(|line| line >= 3), "{line:?}");
    assert!(reason.contains("syntax error"), "{reason}");
}

#[test]
fn bad_file_names_and_missing_defaults_are_refused() {
    let err = with_files(&[("Ack.j2", "x")]).expect_err("capital letters");
    assert!(err.to_string().contains("Ack.j2"), "{err}");
    let err = with_files(&[("ack.faxes.j2", "x")]).expect_err("unknown part");
    assert!(
        err.to_string()
            .contains("\"faxes\" is neither a channel kind"),
        "{err}"
    );
    let err = with_files(&[("lonely.cs.j2", "x")]).expect_err("no lonely.j2");
    assert!(
        err.to_string()
            .contains("has no default variant: add lonely.j2"),
        "{err}"
    );
    let err = Templates::load(&TemplatesConfig {
        dir: Some("/nonexistent/templates".into()),
        default_locale: "en".into(),
        ..TemplatesConfig::default()
    })
    .expect_err("missing folder");
    assert!(matches!(err, TemplateError::Io { .. }), "{err:?}");
}

#[test]
fn a_folder_file_replaces_the_built_in_one_of_the_same_name() {
    let templates = with_files(&[(
        "ack.cs.j2",
        "Vlastní potvrzení č. {{ conversation.number }}",
    )])
    .expect("load");
    let rendered = templates
        .render(
            "ack",
            ChannelKind::Webhook,
            "cs",
            &TemplateContext::sample(),
        )
        .expect("render");
    assert_eq!(rendered.text, "Vlastní potvrzení č. 1042");
    assert_eq!(rendered.variant, "ack.cs");
}

#[test]
fn inline_sources_are_checked_and_rendered_as_plain_text() {
    let templates = shipped();
    templates
        .check_source(
            "canned:refund",
            "Refund for {{ contact.name }}: {{ custom.amount }}",
        )
        .expect("custom values are allowed");
    let err = templates
        .check_source("canned:refund", "ok\n{% for x in %}")
        .expect_err("syntax");
    assert!(
        err.to_string().starts_with("canned:refund:2: syntax error"),
        "{err}"
    );
    let err = templates
        .check_source("canned:refund", "{{ agent.nickname }}")
        .expect_err("unknown field");
    assert!(err.to_string().contains("agent.nickname"), "{err}");
    let rendered = templates
        .render_source("canned:refund", "<{{ contact.name }}>", &named("A & B"))
        .expect("render");
    assert_eq!(rendered.text, "<A & B>");
}

#[test]
fn markup_turns_back_into_plain_text() {
    assert_eq!(
        telegram_to_plain(
            "<b>Hi</b> &lt;you&gt; &amp; <a href=\"https://x.cz/?a=1&amp;b=2\">shop</a> &#268;&#x161;"
        ),
        "Hi <you> & shop (https://x.cz/?a=1&b=2) Čš"
    );
    assert_eq!(telegram_to_plain("a & b < c"), "a & b < c");
    assert_eq!(discord_to_plain("**a** \\*b\\* \\\\ c"), "**a** *b* \\ c");
    assert_eq!(escape_discord("# title\n- item"), "\\# title\n\\- item");
    assert_eq!(escape_telegram("<&>"), "&lt;&amp;&gt;");
}

#[test]
fn every_render_runs_under_fuel_and_the_output_cap() {
    let templates = Templates::load(&TemplatesConfig {
        fuel: 10_000,
        max_output_bytes: 2000,
        ..TemplatesConfig::default()
    })
    .expect("the shipped templates fit the limits");
    let context = Value::from(Serde(TemplateContext::sample()));
    let loops = templates
        .compile("loops", "{% for a in range(100000) %}{% endfor %}")
        .expect("compiles");
    let err = templates
        .render_compiled(&loops, context.clone())
        .expect_err("out of fuel");
    assert!(
        matches!(
            err,
            TemplateError::Limit {
                limit: Limit::Fuel(10_000),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "loops: template exceeds the execution limit (fuel 10000)"
    );
    // A huge string is refused before it is built: fuel counts its bytes.
    let huge = templates
        .compile("huge", "{{ \"x\" * 50000000 }}")
        .expect("compiles");
    let err = templates
        .render_compiled(&huge, context.clone())
        .expect_err("out of fuel");
    assert!(matches!(err, TemplateError::Limit { .. }), "{err:?}");
    let long = templates
        .compile("long", "{{ \"x\" * 2001 }}")
        .expect("compiles");
    let err = templates
        .render_compiled(&long, context)
        .expect_err("too long");
    assert_eq!(
        err.to_string(),
        "long: template output exceeds the size limit (max_output_bytes 2000)"
    );
    assert!(templates.check_source("fits", "{{ \"x\" * 2000 }}").is_ok());
}

#[test]
fn a_limit_too_small_for_a_shipped_template_stops_start_up_naming_it() {
    let err = Templates::load(&TemplatesConfig {
        max_output_bytes: 10,
        ..TemplatesConfig::default()
    })
    .expect_err("too small");
    assert!(err.to_string().contains("max_output_bytes 10"), "{err}");
}
