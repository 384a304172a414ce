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
//! On SQLite a walk checks a conversation's messages one of two ways: against the matches
//! gathered once from the index beforehand (a **sieve**: about a microsecond a conversation,
//! plus a third of one a match to gather), or, past [`SQLITE_SIEVE_AT_MOST`] matches, by asking
//! the index about each message (10 µs a message, but the page fills within a few hundred
//! conversations). SQLite's planner weighs none of this, so a bounded count of the matches
//! and the filters' likely share of the inbox decide there ([`sieve_beats_collect`]).
//! PostgreSQL's planner misjudges a rare word typed as a prefix (it cannot tell how many words
//! a prefix covers) and a common word beside a rare one, so the column's statistics decide
//! first: a search they show to be rare is collected (up to a bound, then walked); the rest
//! is left to the planner (the query is planned with the words in hand, never from a cached
//! generic plan), which checks a conversation's messages against their stored words, prefix or
//! not. See [`SearchPlan::choose`] for the one way in which the two databases then differ.

use sqlx::QueryBuilder;

use super::common::Conn;
use super::{Db, IS_POSTGRES};
use crate::domain::access::Visibility;
use crate::store::{AssigneeFilter, ConversationFilter, StoreResult};

/// PostgreSQL: up to this many matching messages, collecting them beats walking the inbox.
/// Measured on five million messages: both cost a page read per message, and a walk checks
/// about 5 messages a conversation for the page's 50 conversations over the share of
/// conversations that match, which is as many as the matches at about 17,000.
const COLLECT_AT_MOST: i64 = 20_000;

/// What `ANALYZE` keeps of `messages.search_words` that a search's estimate needs (see
/// [`estimate`]), and the search's words folded as the column folds them (`$1`: the words
/// joined by spaces). Elements and words come joined by spaces (the `simple` parser's lexemes
/// hold none), frequencies by commas: one short row, where computing the estimate in SQL took
/// 4–10 ms a search (planning the `pg_stats` view once per word). No row when the column has
/// no statistics yet.
const POSTGRES_STATISTICS: &str = "\
    SELECT c.reltuples::float8, \
           array_to_string(s.most_common_elems::text::text[], ' '), \
           array_to_string(s.most_common_elem_freqs, ','), \
           array_to_string(ARRAY(SELECT lower(switchboard_fold(t.word)) \
               FROM unnest(string_to_array($1, ' ')) WITH ORDINALITY AS t(word, n) \
               ORDER BY t.n), ' ') \
    FROM pg_stats s CROSS JOIN pg_class c \
    WHERE s.schemaname = current_schema() AND s.tablename = 'messages' \
      AND s.attname = 'search_words' AND c.oid = 'messages'::regclass";

/// SQLite: past this many messages matching the whole words, the walk asks the index about
/// each message instead of gathering the matches first. Gathering costs what reading the
/// words' lists costs, and a third of a microsecond a match; asking about each message costs
/// 10 µs for one word and more for each further word, but with this many matches the page is
/// full within a few hundred conversations. Measured on five million messages: "service"
/// (62,146 matches) 8 ms sieved against 30 walked, "the service" (42,061) 27 against 177,
/// "with se" (103,533) 35 against 55, "zásilka" (243,951) 34 against 11, "the" (2.4 million)
/// 361 against 3.
const SQLITE_SIEVE_AT_MOST: i64 = 100_000;

/// SQLite, measured on five million messages over a million conversations: collecting costs
/// about this much a match (the message's row for its conversation, the conversation's row,
/// the sort)...
const COLLECT_MICROS_A_MATCH: f64 = 4.7;

/// ...and a sieve about this much a conversation it walks past (its messages from the
/// covering index `messages_conversation`, each looked up among the gathered matches).
const SIEVE_MICROS_A_CONVERSATION: f64 = 1.0;

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
        self.last_as_prefix().is_some()
    }

    /// The last word, when it is also matched as a prefix.
    fn last_as_prefix(&self) -> Option<&str> {
        self.each()
            .last()
            .and_then(|(word, prefix)| prefix.then_some(word))
    }

    /// The word at `index` (from 0) alone, whole, as a [`SearchWords::tsquery`] text.
    fn tsquery_of_one(&self, index: usize) -> Option<String> {
        self.0.get(index).map(|word| format!("'{word}'"))
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
    /// Walk the inbox, checking each conversation's messages against the matches of an FTS5
    /// expression gathered once (SQLite).
    Sieve(String),
    /// Walk the inbox, asking the index about each message (an FTS5 expression of whole
    /// words).
    Walk(String),
    /// PostgreSQL: the conversations of every match, gathered beforehand (their ids joined by
    /// commas, a text both backends can bind).
    Conversations(String),
    /// PostgreSQL, when more messages match than are worth collecting: walk the inbox.
    WalkWords(TsQuery),
    /// PostgreSQL otherwise: the planner picks the way.
    Planned(TsQuery),
}

/// A search as PostgreSQL matches it: a `tsquery` text and what to append after folding
/// (see [`SearchWords::tsquery`]).
pub struct TsQuery(String, &'static str);

impl TsQuery {
    /// Appends `m.search_words @@ <this query>`.
    fn push_match(&self, sql: &mut QueryBuilder<'_, Db>) {
        sql.push("m.search_words @@ to_tsquery('simple', switchboard_fold(")
            .push_bind(self.0.clone())
            .push(") || ")
            .push_bind(self.1)
            .push(")");
    }

    /// Appends a check that conversation `c` has a matching message, then `tail` inside it.
    fn push_exists(&self, sql: &mut QueryBuilder<'_, Db>, tail: &'static str) {
        sql.push(" AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND ");
        self.push_match(sql);
        sql.push(tail).push(")");
    }
}

impl SearchPlan {
    /// Chooses the plan for `words`, searched with `filter` for a page of `rows`.
    ///
    /// On SQLite the whole words are counted first, up to [`SQLITE_SIEVE_AT_MOST`]. Beyond
    /// that the inbox is walked asking the index about each message, and the last word is
    /// matched as a whole word only: FTS5 would rebuild a prefix's list of messages for every
    /// message it checks, and with that many matches for the word as typed the page is full
    /// anyway. Otherwise the words as typed (the last one a prefix) are counted too, and
    /// [`sieve_beats_collect`] decides between gathering them for a sieve and collecting them.
    ///
    /// On PostgreSQL a count would cost what it saves (a common word's index entries are read
    /// whole before the first row comes back, and each match costs a page read), so the
    /// column's statistics estimate the matches first ([`postgres_estimate`]). When they are
    /// few, their conversations are gathered, up to [`COLLECT_AT_MOST`] matches: a prefix
    /// may cover far more words than the statistics know of ("kaný" matched 66,000
    /// messages), and then the inbox is walked. Common words are left to the planner: two
    /// of them may seldom meet in one message, and it weighs that.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn choose(
        conn: &mut Conn,
        words: &SearchWords,
        filter: &ConversationFilter,
        rows: i64,
    ) -> StoreResult<Self> {
        if IS_POSTGRES {
            let (body, suffix) = words.tsquery();
            let query = TsQuery(body, suffix);
            let estimate = postgres_estimate(conn, words).await?;
            let few = estimate.filter(|(matches, _)| *matches <= COLLECT_AT_MOST as f64);
            let Some((_, rarest)) = few else {
                return Ok(Self::Planned(query));
            };
            return Ok(
                match matching_conversations(conn, words, &query, rarest).await? {
                    Some(conversations) if conversations.is_empty() => Self::Nothing,
                    Some(conversations) => Self::Conversations(comma_separated(&conversations)),
                    // Given these words the planner would collect the many matches as well
                    // ("the raný": 35,000 messages, 1.8 s; walking, 75 ms).
                    None => Self::WalkWords(query),
                },
            );
        }
        let whole = words.fts5_whole_words();
        let (mut matches, conversations) = sqlite_matches(conn, &whole).await?;
        if matches > SQLITE_SIEVE_AT_MOST {
            return Ok(Self::Walk(whole));
        }
        let expression = words.fts5();
        let mut counted_as_typed = !words.ends_in_prefix();
        if let Some(last) = words.last_as_prefix() {
            // A prefix may stand for many more messages than the word ("miný" is in 10,050,
            // "miný…" in 83,216), so it is counted too, unless the word itself is common.
            // Three letters are one list in the index's prefix index (4 ms for "pri…"), but a
            // longer prefix is a merge of every word it begins, once per statement, and the
            // plan chosen would pay that a second time.
            let (alone, _) = sqlite_matches(conn, &format!("\"{last}\"")).await?;
            if alone <= SQLITE_SIEVE_AT_MOST {
                (matches, _) = sqlite_matches(conn, &expression).await?;
                counted_as_typed = true;
            }
        }
        Ok(if matches == 0 && counted_as_typed {
            Self::Nothing
        } else if sieve_beats_collect(matches, conversations, inbox_share(filter), rows) {
            Self::Sieve(expression)
        } else {
            Self::Collect(expression)
        })
    }

    /// True when the list should follow the inbox's own index (see [`walk_from_clause`]).
    pub fn walks(&self) -> bool {
        matches!(self, Self::Walk(_) | Self::Sieve(_))
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
            Self::Sieve(expression) => {
                // The list subquery is gathered once for the statement; `+m.id` keeps SQLite
                // from driving the check by it (a lookup of every match for every
                // conversation) instead of reading the conversation's few messages from the
                // covering `(conversation_id, id)` index and looking each up among them.
                sql.push(
                    " AND EXISTS (SELECT 1 FROM messages m \
                     WHERE m.conversation_id = c.id AND +m.id IN \
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
            Self::Conversations(array) => {
                // A constant list: the planner either looks each one up or walks the inbox
                // checking each conversation against the list hashed (under a millisecond for
                // 8,000). As `IN (SELECT …)` it joined the matches to every conversation by
                // hashing them (a million rows read: 165 ms of a 257 ms search for a word in
                // 7,000 messages); `CAST($1 AS bigint[])` is not folded into a constant
                // (`array_in` is only stable), so each conversation was compared with every
                // id in turn (2.5 s); `string_to_array` and an element cast are folded.
                sql.push(" AND c.id = ANY(CAST(string_to_array(")
                    .push_bind(array)
                    .push(", ',') AS bigint[]))");
            }
            // The fence (`OFFSET 0`) keeps the check a step of the walk: the planner cannot
            // turn it into a join that collects every match.
            Self::WalkWords(query) => query.push_exists(sql, " OFFSET 0"),
            Self::Planned(query) => query.push_exists(sql, ""),
        }
    }
}

/// The conversations of the messages matching `query` (of `words`), each once and in order, or
/// `None` when more than [`COLLECT_AT_MOST`] messages match (PostgreSQL). Only the `rarest`
/// word (from 0), when it is a whole word, is looked up in the index; the rest are checked
/// message by message. Given all of them the index reads each word's entries whole before
/// it intersects them: with a common word typed as a prefix ("the" for "thanks", "there"…)
/// that took 90–150 ms where the rare word's few hundred messages alone take a few.
async fn matching_conversations(
    conn: &mut Conn,
    words: &SearchWords,
    query: &TsQuery,
    rarest: usize,
) -> StoreResult<Option<Vec<i64>>> {
    let narrowing = match words.each().nth(rarest) {
        Some((_, false)) if words.0.len() > 1 => words.tsquery_of_one(rarest),
        _ => None,
    };
    let mut sql = QueryBuilder::<Db>::new("SELECT m.conversation_id FROM ");
    match narrowing {
        Some(rare) => {
            // The fence (`OFFSET 0`) keeps the full query out of the index scan.
            sql.push("(SELECT m.conversation_id, m.search_words FROM messages m WHERE ");
            TsQuery(rare, "").push_match(&mut sql);
            sql.push(" OFFSET 0) m WHERE ");
        }
        None => {
            sql.push("messages m WHERE ");
        }
    }
    query.push_match(&mut sql);
    sql.push(" LIMIT ").push_bind(COLLECT_AT_MOST + 1);
    let mut conversations: Vec<i64> = sql
        .build_query_scalar()
        .persistent(false)
        .fetch_all(&mut *conn)
        .await?;
    if conversations.len() as i64 > COLLECT_AT_MOST {
        return Ok(None);
    }
    conversations.sort_unstable();
    conversations.dedup();
    Ok(Some(conversations))
}

/// SQLite: the messages matching the FTS5 `expression`, counted up to one past
/// [`SQLITE_SIEVE_AT_MOST`], and the conversations there are (the greatest id: the count
/// itself would read a million rows, and a deleted conversation changes nothing that matters).
async fn sqlite_matches(conn: &mut Conn, expression: &str) -> StoreResult<(i64, i64)> {
    let counted: (i64, Option<i64>) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM \
                 (SELECT 1 FROM messages_fts WHERE messages_fts MATCH $1 LIMIT $2)), \
                (SELECT max(id) FROM conversations)",
    )
    .bind(expression)
    .bind(SQLITE_SIEVE_AT_MOST + 1)
    .fetch_one(&mut *conn)
    .await?;
    Ok((counted.0, counted.1.unwrap_or(0)))
}

/// Whether a sieve (walking the inbox, each conversation checked against the gathered
/// matches) costs less than collecting the `matches` and sorting their conversations, for a
/// page of `rows` in an inbox of `conversations` of which the list's filters leave `share`.
/// Taking each match to be in a conversation of its own, the walk passes about
/// `rows × conversations / (matches × share)` conversations before the page is full.
/// Measured on a million conversations: with no filter collecting wins up to about 3,300
/// matches (a word in 1,031 messages: 9 ms against 37; in 7,538: 33 against 6), with one
/// agent's conversations up to about 15,000 (in 7,538: 25 against 130 ms; in 33,992: 78
/// against 35).
fn sieve_beats_collect(matches: i64, conversations: i64, share: f64, rows: i64) -> bool {
    let matches = matches as f64;
    let walked = rows as f64 * conversations as f64 / (matches * share);
    walked * SIEVE_MICROS_A_CONVERSATION < matches * COLLECT_MICROS_A_MATCH
}

/// The share of the inbox the list's `filter` likely leaves, for [`sieve_beats_collect`].
/// SQLite keeps no statistics, so these are a typical inbox's: half of it in one status, a
/// tenth under one label, a twentieth with one agent. A wrong guess costs the slower of the
/// two plans, never a wrong page. A contact's conversations are always collected (they are
/// few, and the list reads them by their own index).
fn inbox_share(filter: &ConversationFilter) -> f64 {
    if filter.contact.is_some() {
        return f64::MIN_POSITIVE;
    }
    let mut share = 1.0;
    if filter.status.is_some() {
        share *= 0.5;
    }
    match filter.assignee {
        Some(AssigneeFilter::Agent(_)) => share *= 0.05,
        Some(AssigneeFilter::Unassigned) => share *= 0.15,
        None => {}
    }
    if filter.channel.is_some() {
        share *= 0.2;
    }
    if filter.team.is_some() {
        share *= 0.2;
    }
    if filter.label.is_some() {
        share *= 0.1;
    }
    if matches!(filter.visibility, Visibility::OwnTeams { .. }) {
        share *= 0.2;
    }
    share
}

/// `ids` joined by commas.
fn comma_separated(ids: &[i64]) -> String {
    let items: Vec<String> = ids.iter().map(i64::to_string).collect();
    items.join(",")
}

/// PostgreSQL's estimate of the messages matching `words` and which of them is the rarest
/// (from 0), from [`POSTGRES_STATISTICS`]; `None` when the statistics cannot tell.
async fn postgres_estimate(
    conn: &mut Conn,
    words: &SearchWords,
) -> StoreResult<Option<(f64, usize)>> {
    type Statistics = (f64, Option<String>, Option<String>, Option<String>);
    let statistics: Option<Statistics> = sqlx::query_as(POSTGRES_STATISTICS)
        .bind(words.0.join(" "))
        .fetch_optional(&mut *conn)
        .await?;
    Ok(
        statistics.and_then(|(rows, elements, frequencies, folded)| {
            let elements: Vec<&str> = elements.as_deref()?.split(' ').collect();
            let frequencies = frequencies
                .as_deref()?
                .split(',')
                .map(str::parse)
                .collect::<Result<Vec<f64>, _>>()
                .ok()?;
            let folded: Vec<&str> = folded.as_deref()?.split(' ').collect();
            if folded.len() != words.0.len() {
                return None;
            }
            let searched: Vec<(&str, bool)> = folded
                .into_iter()
                .zip(words.each().map(|(_, prefix)| prefix))
                .collect();
            estimate(rows, &elements, &frequencies, &searched)
        }),
    )
}

/// The matches estimated for `words` (each folded, and whether it is a prefix) over a table of
/// `rows`, and which word is the rarest (from 0; a whole word rather than the prefix when they
/// tie): the rows times the rarest word's frequency. The statistics list the most common
/// `elements` with their `frequencies` (the share of rows holding each, then the least and
/// the greatest of them). A word among them counts with its frequency, a prefix with the sum
/// of the ones it begins; a word outside them is rarer than all of them, so it counts with the
/// least. `None` when the statistics cannot tell (a table never analysed has `rows` -1).
fn estimate(
    rows: f64,
    elements: &[&str],
    frequencies: &[f64],
    words: &[(&str, bool)],
) -> Option<(f64, usize)> {
    let least = *frequencies.get(elements.len())?;
    if rows < 0.0 || elements.is_empty() {
        return None;
    }
    let (frequency, _, rarest) = words
        .iter()
        .enumerate()
        .map(|(index, &(word, prefix))| {
            let frequency: f64 = elements
                .iter()
                .zip(frequencies)
                .filter(|(element, _)| **element == word || (prefix && element.starts_with(word)))
                .map(|(_, frequency)| frequency)
                .sum();
            (frequency, prefix, index)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)))?;
    let frequency = if frequency > 0.0 { frequency } else { least };
    Some((rows * frequency, rarest))
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
    use super::{SearchWords, estimate, inbox_share, sieve_beats_collect};
    use crate::domain::AgentId;
    use crate::store::{AssigneeFilter, ConversationFilter};

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
    fn the_rarest_word_estimates_the_matches_and_a_word_outside_the_common_ones_is_rarest() {
        let elements = ["the", "thanks", "order"];
        let frequencies = [0.2, 0.05, 0.1, 0.05, 0.2];
        let estimated = |words: &[(&str, bool)]| estimate(1e6, &elements, &frequencies, words);
        assert_eq!(estimated(&[("order", false)]), Some((1e5, 0)));
        assert_eq!(
            estimated(&[("the", false), ("order", false)]),
            Some((1e5, 1))
        );
        // A prefix counts every common word it begins.
        assert_eq!(estimated(&[("order", false), ("th", true)]), Some((1e5, 0)));
        assert_eq!(estimated(&[("tha", true)]), Some((5e4, 0)));
        // Outside the common words: the least of their frequencies, the whole word first.
        assert_eq!(estimated(&[("zásilka", false)]), Some((5e4, 0)));
        assert_eq!(
            estimated(&[("kabu", false), ("zřídk", true)]),
            Some((5e4, 0))
        );
        assert_eq!(
            estimated(&[("the", false), ("zřídk", true)]),
            Some((5e4, 1))
        );
        // Never analysed, or no common words: the planner decides.
        assert_eq!(
            estimate(-1.0, &elements, &frequencies, &[("x", false)]),
            None
        );
        assert_eq!(estimate(1e6, &[], &[], &[("x", false)]), None);
    }

    #[test]
    fn a_sieve_is_chosen_where_it_was_measured_faster_than_collecting() {
        let inbox = 1_000_000;
        let everything = inbox_share(&ConversationFilter::default());
        assert_eq!(everything, 1.0);
        // With no filter: 1,031 matches were collected in 9 ms (sieved in 37), 7,538 sieved in
        // 6 ms (collected in 33).
        assert!(!sieve_beats_collect(1_031, inbox, everything, 51));
        assert!(sieve_beats_collect(7_538, inbox, everything, 51));
        // One agent's conversations: 7,538 collected in 25 ms (sieved in 130), 33,992 sieved
        // in 35 (collected in 78).
        let agent = inbox_share(&ConversationFilter {
            assignee: Some(AssigneeFilter::Agent(AgentId::new(22))),
            ..ConversationFilter::default()
        });
        assert!(!sieve_beats_collect(7_538, inbox, agent, 51));
        assert!(sieve_beats_collect(33_992, inbox, agent, 51));
        // A contact's few conversations are always collected; a prefix not counted (no
        // matches known) is collected too.
        let contact = inbox_share(&ConversationFilter {
            contact: Some(crate::domain::ContactId::new(7)),
            ..ConversationFilter::default()
        });
        assert!(!sieve_beats_collect(100_000, inbox, contact, 51));
        assert!(!sieve_beats_collect(0, inbox, everything, 51));
    }

    #[test]
    fn nothing_searchable_is_no_search() {
        assert_eq!(SearchWords::parse(" \"( ) * ' \\ "), None);
        assert_eq!(SearchWords::parse(""), None);
    }
}
