//! A segment filter as the API receives it (JSON), compiled for SQLite and for PostgreSQL the
//! way the store compiles it: no database, only the SQL text and its binds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::domain::{Filter, Millis};
use switchboard::store::segment_sql::compile;

fuzz_target!(|data: &[u8]| {
    let Ok(filter) = serde_json::from_slice::<Filter>(data) else {
        return;
    };
    let checked = filter.check();
    for postgres in [false, true] {
        // The audience query numbers from $1; a campaign's query after its own binds.
        for first in [1, 4] {
            let compiled = compile(&filter, postgres, first, Millis(1_750_000_000_000));
            assert_eq!(
                compiled.is_ok(),
                checked.is_ok(),
                "check and compile disagree"
            );
            let Ok(compiled) = compiled else { continue };
            // Every value is bound to a placeholder of its own, never spliced into the text.
            for n in first..first + compiled.binds.len() {
                assert!(
                    compiled.condition.contains(&format!("${n}")),
                    "bind ${n} has no placeholder in {}",
                    compiled.condition
                );
            }
        }
    }
});
