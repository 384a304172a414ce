//! Property tests of the shared message splitter (fuzz target `splitter`), and the inputs the
//! fuzzer found.

use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;

use crate::fuzzing::{assert_parts, mutated_text};
use crate::text::{no_escapes, split_message};

/// Splits on another thread and gives up after a bounded wait, so that a splitter that never
/// ends fails the test instead of hanging the suite.
fn split_within_deadline(text: &str, limit: usize) -> Vec<String> {
    let (done, parts) = mpsc::channel();
    let text = text.to_owned();
    std::thread::spawn(move || {
        let _ = done.send(split_message(&text, limit, no_escapes));
    });
    parts
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("split_message never ended (limit {limit})"))
}

proptest! {
    #[test]
    fn splitter_parts_are_non_blank_and_within_the_limit(
        text in any::<String>(),
        limit in 0..48usize,
    ) {
        assert_parts(&split_within_deadline(&text, limit), limit);
    }

    #[test]
    fn splitter_keeps_every_non_blank_character(
        text in mutated_text("splitter"),
        limit in 0..48usize,
    ) {
        let parts = split_within_deadline(&text, limit);
        assert_parts(&parts, limit);
        let kept: String = parts.concat().chars().filter(|c| !c.is_whitespace()).collect();
        let given: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        prop_assert_eq!(kept, given);
    }
}

/// Found by the property above: a limit of 0 cut nothing off and looped for ever.
#[test]
fn splitter_with_a_zero_limit_ends_with_one_character_parts() {
    assert_eq!(split_within_deadline("ab c", 0), ["a", "b", "c"]);
}
