//! Property-test inputs for the parsers of outside input: the committed seed corpus of each
//! fuzz target (`fuzz/corpus/<target>/`) with random edits applied, so that the stable suite
//! exercises the same parsers as the libFuzzer targets (`scripts/fuzz`) when nightly is
//! missing. The number of cases is proptest's: 256, or `PROPTEST_CASES`.

use std::path::{Path, PathBuf};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};

/// Byte strings that parsers treat specially: JSON and TOML syntax, numbers at the edges of
/// their types, escapes, multi-byte characters and MIME structure.
const TOKENS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "\"\"",
    "-1",
    "0",
    "1e400",
    "-0.0",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "\\u0000",
    "\\ud800",
    "é",
    "𝄞",
    "\u{200B}",
    "\r\n",
    "\n\n",
    "=",
    "[[",
    "]]",
    "'",
    "\\",
    "\"\"\"",
    "&amp;",
    "&",
    "<",
    ">",
    "<a href=\"",
    "{{",
    "}}",
    "{%",
    "%}",
    "--",
    "\r\n\r\n",
    "=?utf-8?B?",
    "=?utf-8?q?",
    "Content-Type: multipart/mixed; boundary=B\r\n",
    "\r\n--B\r\n",
    "\r\n--B--\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "Content-Transfer-Encoding: quoted-printable\r\n",
    "=\r\n",
    "=FF",
    "[#",
    "]",
    "Re: ",
    "$",
];

/// One random edit of an input.
#[derive(Debug, Clone)]
enum Edit {
    /// Overwrites one byte.
    Set(Index, u8),
    /// Inserts one of [`TOKENS`].
    Token(Index, Index),
    /// Inserts random bytes.
    Bytes(Index, Vec<u8>),
    /// Removes up to this many bytes.
    Remove(Index, u8),
    /// Repeats up to this many bytes, to grow nesting and lengths.
    Repeat(Index, u8, u8),
    /// Keeps only a prefix.
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Set(at, byte)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, token)| Edit::Token(at, token)),
        (any::<Index>(), vec(any::<u8>(), 1..8)).prop_map(|(at, bytes)| Edit::Bytes(at, bytes)),
        (any::<Index>(), 1..32u8).prop_map(|(at, len)| Edit::Remove(at, len)),
        (any::<Index>(), 1..16u8, 1..64u8)
            .prop_map(|(at, len, times)| Edit::Repeat(at, len, times)),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut input: Vec<u8>, edits: Vec<Edit>) -> Vec<u8> {
    for edit in edits {
        // Positions are taken over len + 1 so that an edit can also land at the very end.
        let at = |index: &Index, len: usize| index.index(len + 1);
        match edit {
            Edit::Set(index, byte) => {
                if !input.is_empty() {
                    let i = index.index(input.len());
                    input[i] = byte;
                }
            }
            Edit::Token(index, token) => {
                let i = at(&index, input.len());
                let token = TOKENS[token.index(TOKENS.len())].as_bytes();
                input.splice(i..i, token.iter().copied());
            }
            Edit::Bytes(index, bytes) => {
                let i = at(&index, input.len());
                input.splice(i..i, bytes);
            }
            Edit::Remove(index, len) => {
                let i = at(&index, input.len());
                let end = (i + usize::from(len)).min(input.len());
                input.drain(i..end);
            }
            Edit::Repeat(index, len, times) => {
                let i = at(&index, input.len());
                let end = (i + usize::from(len)).min(input.len());
                let piece = input[i..end].to_vec();
                let copies = piece.repeat(usize::from(times));
                input.splice(end..end, copies);
            }
            Edit::Truncate(index) => {
                let i = at(&index, input.len());
                input.truncate(i);
            }
        }
    }
    input
}

/// The folder of `target`'s committed seeds.
pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

/// The committed seeds of fuzz target `target`, in a stable order.
///
/// # Panics
/// When the folder is missing or empty: the property would test nothing.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = corpus_dir(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    paths.sort();
    let seeds: Vec<Vec<u8>> = paths
        .iter()
        .filter_map(|path| std::fs::read(path).ok())
        .collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// Inputs for fuzz target `target`: a seed with up to eight random edits (sometimes none, so
/// the seeds themselves are always among the cases).
pub fn mutated(target: &str) -> BoxedStrategy<Vec<u8>> {
    (select(seeds(target)), vec(edit(), 0..8))
        .prop_map(|(seed, edits)| apply(seed, edits))
        .boxed()
}

/// Like [`mutated`], as text (invalid UTF-8 replaced), for parsers that take `&str`.
pub fn mutated_text(target: &str) -> BoxedStrategy<String> {
    mutated(target)
        .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .boxed()
}

/// Checks the parts of a message splitter: none is blank and none is longer than `limit`
/// characters (a limit of 0 is taken as 1, as the splitter does).
///
/// # Panics
/// On the first part that breaks the rule.
pub fn assert_parts(parts: &[String], limit: usize) {
    for part in parts {
        assert!(!part.trim().is_empty(), "blank part in {parts:?}");
        assert!(
            part.chars().count() <= limit.max(1),
            "part of {} characters over the limit {limit}: {part:?}",
            part.chars().count()
        );
    }
}
