//! Property tests of the core's parsers of outside input, twins of the fuzz targets `segment`
//! (filter JSON → SQL for both databases) and `template` (operator template text): seeds from
//! `fuzz/corpus/` with random edits, never a panic. The `config` twin is in `config::tests`.

use std::sync::LazyLock;

use connector_sdk::fuzzing::{mutated, mutated_text};
use minijinja::value::{Serde, Value};
use proptest::prelude::*;

use crate::domain::{Filter, Millis};
use crate::store::segment_sql::compile;
use crate::templates::settings::TemplatesConfig;
use crate::templates::{TemplateContext, Templates, escape_telegram, telegram_to_plain};

static TEMPLATES: LazyLock<Templates> =
    LazyLock::new(|| Templates::load(&TemplatesConfig::default()).expect("shipped templates"));

proptest! {
    #[test]
    fn segment_filters_compile_alike_for_both_databases(json in mutated("segment")) {
        let Ok(filter) = serde_json::from_slice::<Filter>(&json) else { return Ok(()) };
        let checked = filter.check();
        for postgres in [false, true] {
            for first in [1, 4] {
                let compiled = compile(&filter, postgres, first, Millis(1_750_000_000_000));
                prop_assert_eq!(compiled.is_ok(), checked.is_ok());
                let Ok(compiled) = compiled else { continue };
                for n in first..first + compiled.binds.len() {
                    // Every value is bound to a placeholder of its own, never spliced.
                    let placeholder = format!("${n}");
                    prop_assert!(
                        compiled.condition.contains(&placeholder),
                        "{} has no placeholder in {}", placeholder, compiled.condition
                    );
                }
            }
        }
    }

    #[test]
    fn template_sources_check_compile_and_render(source in mutated_text("template")) {
        prop_assert_eq!(telegram_to_plain(&escape_telegram(&source)), source.clone());
        let _ = crate::templates::discord_to_plain(&source);
        let _ = telegram_to_plain(&source);
        let _ = TEMPLATES.check_source("canned:fuzz", &source);
        if let Ok(compiled) = TEMPLATES.compile("campaign:fuzz", &source) {
            let _ = TEMPLATES.render_compiled(&compiled, Value::from(Serde(TemplateContext::sample())));
        }
    }
}
