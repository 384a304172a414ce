//! Full-text search of conversations by the words of their messages. (Compiled once per
//! backend.)
//!
//! Both databases mean the same by a search: case and diacritics are folded (SQLite's
//! tokenizer `unicode61 remove_diacritics 2`, PostgreSQL's `switchboard_fold` over
//! `unaccent`), every word must appear in one message, and the last word also matches as a
//! prefix so that results follow the user's typing.
//!
//! Two plans answer "the conversations with a matching message, most recently active first":
//! - **collect**: take every matching message and sort their conversations. Its cost grows
//!   with the number of matches: right for rare words.
//! - **walk**: go down the inbox in its own order and check each conversation's messages
//!   until the page is full. Its cost grows with the page divided by the share of
//!   conversations that match: right for common words, where collecting would touch millions.
//!
//! PostgreSQL's planner weighs the two from its statistics of the words (the query is planned
//! with the words in hand, never from a cached generic plan), and checks a conversation's
//! messages against their stored words, prefix or not. SQLite's planner does not weigh them,
//! so a bounded count of the matches decides there (see [`SearchPlan::choose`] for the one
//! way in which the two databases then differ).

use sqlx::QueryBuilder;

use super::common::Conn;
use super::{Db, IS_POSTGRES};
use crate::store::StoreResult;

/// Up to this many matching messages, collecting them beats walking the inbox (SQLite;
/// measured on five million messages: a walk costs about 10 µs a message it checks, a
/// collect about 2–4 µs a match).
const COLLECT_AT_MOST: i64 = 20_000;

/// A last word shorter than this matches only whole words: one or two letters would expand
/// to a good part of the vocabulary.
const PREFIX_MIN_CHARS: usize = 3;

/// The words of a search as typed: its runs of letters and digits, which is how both indexes
/// split messages into words (so no query syntax survives, and "jan.novak@example.com" asks
/// for its four words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchWords(Vec<String>);

impl SearchWords {
    /// The words of `text`, or `None` when nothing in it can be searched for.
    pub fn parse(text: &str) -> Option<Self> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_owned)
            .collect();
        (!words.is_empty()).then_some(Self(words))
    }

    /// Each word with whether it is matched as a prefix (only the last one, if long enough).
    fn each(&self) -> impl Iterator<Item = (&str, bool)> {
        let last = self.0.len() - 1;
        self.0.iter().enumerate().map(move |(index, word)| {
            let prefix = index == last && word.chars().count() >= PREFIX_MIN_CHARS;
            (word.as_str(), prefix)
        })
    }

    /// The words as an FTS5 expression: each quoted (so `AND` or `NEAR` are searched for,
    /// never obeyed), all required, the last one a prefix.
    pub fn fts5(&self) -> String {
        self.each()
            .map(|(word, prefix)| format!("\"{word}\"{}", if prefix { "*" } else { "" }))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// [`SearchWords::fts5`] with the last word as a whole word too.
    pub fn fts5_whole_words(&self) -> String {
        self.0
            .iter()
            .map(|word| format!("\"{word}\""))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// True when the last word is also matched as a prefix.
    pub fn ends_in_prefix(&self) -> bool {
        self.each().last().is_some_and(|(_, prefix)| prefix)
    }

    /// The words as a `tsquery` text for `to_tsquery`, all required, and what to append
    /// after folding (`:*` when the last word is a prefix; the fold would turn a colon into a
    /// space).
    pub fn tsquery(&self) -> (String, &'static str) {
        let mut last_is_prefix = false;
        let body = self
            .each()
            .map(|(word, prefix)| {
                last_is_prefix = prefix;
                format!("'{word}'")
            })
            .collect::<Vec<_>>()
            .join(" & ");
        (body, if last_is_prefix { ":*" } else { "" })
    }
}

/// How one search is answered (see the module's docs).
pub enum SearchPlan {
    /// Nothing can match (SQLite knows before the list query runs).
    Nothing,
    /// Take every matching message (an FTS5 expression).
    Collect(String),
    /// Walk the inbox, checking each conversation (an FTS5 expression of whole words).
    Walk(String),
    /// PostgreSQL: a `tsquery` text and its suffix; the planner picks the way.
    Planned(String, &'static str),
}

impl SearchPlan {
    /// Chooses the plan for `words`.
    ///
    /// On SQLite the whole words are counted first, up to [`COLLECT_AT_MOST`]. Beyond that
    /// the inbox is walked and the last word is matched as a whole word only: FTS5 would
    /// rebuild a prefix's list of messages for every message it checks, and with thousands
    /// of matches for the word as typed the page is full anyway. Otherwise every match is
    /// collected, the last word taken as a prefix.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn choose(conn: &mut Conn, words: &SearchWords) -> StoreResult<Self> {
        if IS_POSTGRES {
            let (body, suffix) = words.tsquery();
            return Ok(Self::Planned(body, suffix));
        }
        let whole = words.fts5_whole_words();
        let matches: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM \
             (SELECT 1 FROM messages_fts WHERE messages_fts MATCH $1 LIMIT $2)",
        )
        .bind(&whole)
        .bind(COLLECT_AT_MOST + 1)
        .fetch_one(&mut *conn)
        .await?;
        Ok(if matches > COLLECT_AT_MOST {
            Self::Walk(whole)
        } else if matches == 0 && !words.ends_in_prefix() {
            Self::Nothing
        } else {
            Self::Collect(words.fts5())
        })
    }

    /// True when the list should follow the inbox's own index (see [`walk_from_clause`]).
    pub fn walks(&self) -> bool {
        matches!(self, Self::Walk(_))
    }

    /// Narrows the list query over `conversations c` to conversations with a matching message.
    pub fn push_filter(self, sql: &mut QueryBuilder<'_, Db>) {
        match self {
            Self::Nothing => {
                sql.push(" AND 1 = 0");
            }
            Self::Collect(expression) => {
                sql.push(
                    " AND c.id IN (SELECT m.conversation_id FROM messages m WHERE m.id IN \
                     (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ",
                )
                .push_bind(expression)
                .push("))");
            }
            Self::Walk(expression) => {
                sql.push(
                    " AND EXISTS (SELECT 1 FROM messages m JOIN messages_fts \
                     ON messages_fts.rowid = m.id \
                     WHERE m.conversation_id = c.id AND messages_fts MATCH ",
                )
                .push_bind(expression)
                .push(")");
            }
            Self::Planned(body, suffix) => {
                sql.push(
                    " AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id \
                     AND m.search_words @@ to_tsquery('simple', switchboard_fold(",
                )
                .push_bind(body)
                .push(") || ")
                .push_bind(suffix)
                .push("))");
            }
        }
    }
}

/// The list query's `FROM` when it goes down the inbox in its order, whatever the filters.
/// SQLite keeps no statistics, so given `status = 'open'` it would start from that column's
/// index and sort every open conversation before taking a page (180 ms at a million
/// conversations) instead of reading the newest ones until the page is full.
pub fn walk_from_clause() -> &'static str {
    if IS_POSTGRES {
        " FROM conversations c"
    } else {
        " FROM conversations c INDEXED BY conversations_activity"
    }
}

#[cfg(test)]
mod tests {
    use super::SearchWords;

    #[test]
    fn syntax_is_split_off_and_only_a_long_last_word_is_a_prefix() {
        let words = SearchWords::parse("  \"parcel AND ( obj'edn\\ ").expect("words");
        assert_eq!(words.fts5(), "\"parcel\" \"AND\" \"obj\" \"edn\"*");
        assert_eq!(
            words.tsquery(),
            ("'parcel' & 'AND' & 'obj' & 'edn'".to_owned(), ":*")
        );
        let short = SearchWords::parse("číslo je").expect("words");
        assert_eq!(short.fts5(), "\"číslo\" \"je\"");
        assert_eq!(short.tsquery(), ("'číslo' & 'je'".to_owned(), ""));
        let address = SearchWords::parse("jan.novak@example.com").expect("words");
        assert_eq!(address.fts5(), "\"jan\" \"novak\" \"example\" \"com\"*");
    }

    #[test]
    fn nothing_searchable_is_no_search() {
        assert_eq!(SearchWords::parse(" \"( ) * ' \\ "), None);
        assert_eq!(SearchWords::parse(""), None);
    }
}
