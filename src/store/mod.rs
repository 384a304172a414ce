//! All SQL lives here. One [`Store`] with domain-typed methods over SQLite (embedded default)
//! and PostgreSQL (scale-out); no other module touches sqlx or opens a transaction.
//!
//! The portable SQL is written once in `sql/*.rs` and compiled twice, once per backend
//! (`sqlite.rs` and `postgres.rs` declare the same files as modules, each with its own `Db`
//! type), so each copy is fully typed without generic `Database` bounds. Where the dialects truly differ
//! (full-text search, claiming jobs, `BEGIN IMMEDIATE`), the code branches on `IS_POSTGRES`
//! right there.

mod database_file;
pub mod event_cursor;
pub mod node_lock;
mod postgres;
mod routing_sql;
mod rows;
mod schema;
pub mod scratch;
// Public for the `segment` fuzz target, which compiles filters without a database.
pub mod segment_sql;
mod sqlite;
pub(crate) mod sqlite_upkeep;
pub mod types;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::domain::{
    Agent, AgentId, ApiToken, Contact, ContactId, Conversation, ConversationId, Event, EventId,
    Message, MessageId, Millis, Revision, Team, TeamId, TokenId,
};
use connector_sdk::{Checkpoint, InboundEvent, InboundMessage, Receipt};
pub use types::*;

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference rule, or the state of a row, refused the write;
    /// `constraint` says which, in words of ours (never the database's text).
    #[error("conflict: {constraint}")]
    Conflict { constraint: Conflict },
    /// The request breaks a rule of the data (unknown agent, bad transition).
    #[error("{0}")]
    Invalid(String),
    /// Stored data does not parse into its domain type.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// A write under a lease that another node has taken over since (see
    /// [`cluster::Fence`]): nothing of it was committed.
    #[error("lease {0} is held by another node now")]
    LeaseLost(String),
    #[error(transparent)]
    Db(sqlx::Error),
}

/// What a refused write ran into: a stable meaning that callers match on and the API puts
/// in its own words. Database errors are translated here, so no constraint name, SQL or
/// driver message travels further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// Another agent has this email.
    AgentEmail,
    /// Another team has this name.
    TeamName,
    /// Another saved segment has this name.
    SegmentName,
    /// Another API rule has this name.
    RuleName,
    /// Another canned response has this shortcut.
    CannedShortcut,
    /// An identity (email, phone, channel id) belongs to another contact.
    ContactIdentity,
    /// The contact was merged into another (a tombstone that only points at it).
    ContactMerged,
    /// Someone else holds the conversation.
    ConversationTaken,
    /// The conversation is resolved: reopen it before taking it.
    ConversationResolved,
    /// Another unique key: none a request should reach, so it has no words of its own.
    Unique,
    /// A reference to a row that does not exist, or the removal of one still referred to.
    Reference,
}

impl Conflict {
    /// The unique keys requests can run into, by the names each backend reports: PostgreSQL
    /// the constraint (`<table>_<columns>_key` by default), SQLite the columns.
    const UNIQUE_KEYS: &[(&str, &str, Conflict)] = &[
        ("agents_email_key", "agents.email", Conflict::AgentEmail),
        ("teams_name_key", "teams.name", Conflict::TeamName),
        ("segments_name_key", "segments.name", Conflict::SegmentName),
        ("rules_name_key", "rules.name", Conflict::RuleName),
        (
            "canned_responses_shortcut_key",
            "canned_responses.shortcut",
            Conflict::CannedShortcut,
        ),
        (
            "contact_identities_scope_external_id_key",
            "contact_identities.scope, contact_identities.external_id",
            Conflict::ContactIdentity,
        ),
    ];

    /// The conflict a unique violation stands for: `constraint` as PostgreSQL names it, or
    /// SQLite's `message` ("UNIQUE constraint failed: agents.email").
    fn of_unique_violation(constraint: Option<&str>, message: &str) -> Self {
        let columns = message
            .strip_prefix("UNIQUE constraint failed: ")
            .unwrap_or_default();
        Self::UNIQUE_KEYS
            .iter()
            .find(|(postgres, sqlite, _)| constraint == Some(*postgres) || columns == *sqlite)
            .map_or(Conflict::Unique, |(_, _, conflict)| *conflict)
    }
}

/// What the command line and logs say (the API words conflicts itself, naming the field).
impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Conflict::AgentEmail => "another agent has this email",
            Conflict::TeamName => "another team has this name",
            Conflict::SegmentName => "another segment has this name",
            Conflict::RuleName => "another rule has this name",
            Conflict::CannedShortcut => "another canned response has this shortcut",
            Conflict::ContactIdentity => "an identity belongs to another contact",
            Conflict::ContactMerged => "the contact was merged into another",
            Conflict::ConversationTaken => "someone else holds the conversation",
            Conflict::ConversationResolved => "the conversation is resolved",
            Conflict::Unique => "a unique value is taken",
            Conflict::Reference => {
                "it refers to something that does not exist, or is still referred to"
            }
        })
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
                constraint: Conflict::of_unique_violation(db.constraint(), db.message()),
            },
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::Conflict {
                constraint: Conflict::Reference,
            },
            _ => StoreError::Db(err),
        }
    }
}

/// A filter the domain refuses cannot be compiled; the caller hears why.
impl From<crate::domain::FilterError> for StoreError {
    fn from(err: crate::domain::FilterError) -> Self {
        StoreError::Invalid(format!("filter: {err}"))
    }
}

impl From<crate::domain::ParseError> for StoreError {
    fn from(err: crate::domain::ParseError) -> Self {
        StoreError::Corrupt(err.to_string())
    }
}

impl StoreError {
    /// True when the database could not be reached or could not commit for now (connection
    /// refused or dropped, pool exhausted, server shutting down or starting, SQLite busy or
    /// out of space): nothing was written and the same request may succeed later.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Db(err) = self else {
            return false;
        };
        match err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                if db
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some()
                {
                    // Class 08 is "connection exception"; 57P01–57P03 are an administrator's
                    // shutdown, a crash shutdown and "cannot connect now" (starting up).
                    code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
                } else {
                    // SQLite result codes; the low byte of an extended code is the primary
                    // one: 5 busy, 6 locked, 10 I/O error, 13 full.
                    code.parse::<i64>()
                        .is_ok_and(|code| matches!(code & 0xff, 5 | 6 | 10 | 13))
                }
            }),
            _ => false,
        }
    }
}

/// The result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How to open the database.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub url: String,
    /// SQLite only: `FULL` fsyncs every commit (power-loss safe); `NORMAL` survives crashes of
    /// the process but not of the machine. Group commit keeps `FULL` affordable.
    pub sqlite_synchronous_full: bool,
    pub max_connections: u32,
    /// SQLite only: page cache per connection, in MiB. Each pooled connection keeps its own,
    /// so this times the connections in use is most of the process's memory under load;
    /// beyond it pages come from the operating system's file cache.
    pub sqlite_cache_mib: u32,
    /// Longest a statement waits for a pooled connection (or for the database to accept a new
    /// one) before it fails as unavailable; while the database is down, callers get their 503
    /// after this long.
    pub acquire_timeout: Duration,
    /// SQLite only: copy the write-ahead log back into the database file, and merge the
    /// search index, from a task of its own (see `sqlite_upkeep`) rather than inside whichever
    /// commit fills the log. Off only to measure the difference (`switchboard bench ingest
    /// --inline-checkpoints`).
    pub sqlite_background_checkpoints: bool,
}

impl ConnectOptions {
    /// Defaults for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            sqlite_synchronous_full: true,
            max_connections: 16,
            sqlite_cache_mib: 8,
            acquire_timeout: Duration::from_secs(10),
            sqlite_background_checkpoints: true,
        }
    }
}

/// The conversation store.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// See [`Store::hold_new_conversations_for_triage`].
    triage: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// See [`Store::pin_clock`]: `i64::MIN` while the store reads the real time.
    clock: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// SQLite's upkeep task, stopped with the last clone (see `sqlite_upkeep`).
    upkeep: Option<std::sync::Arc<sqlite_upkeep::Upkeep>>,
    /// What of the schema the inbound writes rely on: all of it, except for a store acting as
    /// an earlier release (see `connect_as_release_up_to`).
    schema_features: schema::SchemaFeatures,
}

/// Runs the same call on whichever backend the store uses.
macro_rules! on_backend {
    ($store:expr, $module:ident :: $function:ident ( $($arg:expr),* $(,)? )) => {
        match &$store.pool {
            Pool::Sqlite(pool) => sqlite::$module::$function(pool $(, $arg)*).await,
            Pool::Postgres(pool) => postgres::$module::$function(pool $(, $arg)*).await,
        }
    };
}

impl Store {
    /// Opens (creating if needed) the database at `options.url` and applies pending migrations.
    ///
    /// `postgres://` and `postgresql://` URLs select PostgreSQL; anything else is SQLite
    /// (`sqlite://path`, `sqlite::memory:` or a bare file path).
    ///
    /// # Errors
    /// When the database cannot be opened or a migration fails.
    pub async fn connect(options: &ConnectOptions) -> StoreResult<Self> {
        Self::open(options, None).await
    }

    /// [`Store::connect`], applying migrations up to `migrations_up_to` when given.
    async fn open(options: &ConnectOptions, migrations_up_to: Option<i64>) -> StoreResult<Self> {
        let url = options.url.as_str();
        let mut upkeep = None;
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await?;
            schema::upgrade_postgres(&pool, migrations_up_to)
                .await
                .map_err(|err| StoreError::Db(err.into()))?;
            Pool::Postgres(pool)
        } else {
            let url = if url.starts_with("sqlite:") {
                url.to_owned()
            } else {
                format!("sqlite://{url}")
            };
            let synchronous = if options.sqlite_synchronous_full {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            };
            // SQLite's default 4 KiB pages: 16 KiB made the campaign ledger's million-row
            // writes 10–20 % faster but ingest's small commits 30 % slower (each writes whole
            // pages to the WAL), and ingest matters more.
            let connect = SqliteConnectOptions::from_str(&url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Deleted and overwritten content is zeroed in the file, not left in free
                // pages: an erased contact's text must not linger on disk.
                .pragma("secure_delete", "ON")
                .pragma(
                    "cache_size",
                    format!("-{}", u64::from(options.sqlite_cache_mib.max(1)) * 1024),
                );
            let connect = if options.sqlite_background_checkpoints {
                connect.pragma("wal_autocheckpoint", "0")
            } else {
                connect
            };
            database_file::prepare(&url, &connect).map_err(|err| StoreError::Db(err.into()))?;
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections.max(2))
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect.clone())
                .await?;
            schema::upgrade_sqlite(&pool, migrations_up_to)
                .await
                .map_err(|err| StoreError::Db(err.into()))?;
            if options.sqlite_background_checkpoints {
                upkeep = Some(std::sync::Arc::new(sqlite_upkeep::Upkeep::start(connect)));
            }
            Pool::Sqlite(pool)
        };
        Ok(Self {
            pool,
            triage: std::sync::Arc::default(),
            clock: std::sync::Arc::new(std::sync::atomic::AtomicI64::new(i64::MIN)),
            upkeep,
            schema_features: schema::SchemaFeatures::up_to(migrations_up_to),
        })
    }

    /// The time the store stamps its writes with: the real time, unless pinned.
    pub fn now(&self) -> Millis {
        match self.clock.load(std::sync::atomic::Ordering::Relaxed) {
            i64::MIN => Millis::now(),
            pinned => Millis(pinned),
        }
    }

    /// Makes every write of this store (and its clones) stamp `at`, or the real time again
    /// with `None`. For tests and benchmarks that write a history of their own: the service
    /// never pins it.
    pub fn pin_clock(&self, at: Option<Millis>) {
        self.clock.store(
            at.map_or(i64::MIN, |at| at.0),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// True when other nodes may share this database (PostgreSQL): whatever coordinates
    /// them (event fan-out, pacing, sign-in counts) must then live in the database, not in
    /// this process's memory. SQLite is one node.
    pub fn shared_by_nodes(&self) -> bool {
        self.backend() == Backend::Postgres
    }

    /// Closes every connection, waiting for running statements.
    pub async fn close(&self) {
        if let Some(upkeep) = &self.upkeep {
            upkeep.stop();
        }
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        on_backend!(self, health::ping())
    }

    // ----- inbound pipeline -----

    /// Stores a batch of inbound messages in one transaction: dedupe, resolve contact, thread,
    /// store, reopen, append events. Returns one receipt per message and the new events.
    pub async fn record_inbound(
        &self,
        batch: &[InboundMessage],
    ) -> StoreResult<(Vec<Receipt>, Vec<Event>)> {
        let events: Vec<InboundEvent> = batch.iter().cloned().map(InboundEvent::Message).collect();
        self.record_inbound_events(&events, &[]).await
    }

    /// Stores channel events and checkpoints in one transaction: new messages as in
    /// [`Store::record_inbound`], edits (keeping the old text), thread moves, and each channel's
    /// new stream position. Returns one receipt per new message and the log events.
    pub async fn record_inbound_events(
        &self,
        batch: &[InboundEvent],
        checkpoints: &[Checkpoint],
    ) -> StoreResult<(Vec<Receipt>, Vec<Event>)> {
        self.record_fenced_events(batch, checkpoints, &[]).await
    }

    /// [`Store::record_inbound_events`] for listeners that hold a lease: nothing commits
    /// (`LeaseLost`) unless every one of `fences` still holds its lease.
    pub async fn record_fenced_events(
        &self,
        batch: &[InboundEvent],
        checkpoints: &[Checkpoint],
        fences: &[cluster::Fence],
    ) -> StoreResult<(Vec<Receipt>, Vec<Event>)> {
        if let Some(upkeep) = &self.upkeep {
            upkeep.note_inbound_commit();
        }
        on_backend!(
            self,
            ingest::record_events(
                batch,
                checkpoints,
                fences,
                self.now(),
                self.triage.load(std::sync::atomic::Ordering::Relaxed),
                self.schema_features
            )
        )
    }

    /// The committed checkpoint `key` of `channel`.
    pub async fn checkpoint(&self, channel: &str, key: &str) -> StoreResult<Option<String>> {
        on_backend!(self, ingest::checkpoint(channel, key))
    }

    /// The subject, earlier message ids and authorship of outbound message `id`'s thread.
    pub async fn thread_context(&self, id: MessageId) -> StoreResult<ThreadContext> {
        on_backend!(self, email::thread_context(id.get()))
    }

    /// The unabridged text of message `id` when the displayed one was trimmed (email quotes
    /// and signatures).
    pub async fn message_full_text(&self, id: MessageId) -> StoreResult<Option<String>> {
        on_backend!(self, email::full_text(id.get()))
    }

    /// True when `address` (in identity `scope`) is on the suppression list (hard bounces).
    pub async fn is_suppressed(&self, scope: &str, address: &str) -> StoreResult<bool> {
        on_backend!(self, email::is_suppressed(scope, address))
    }

    // ----- contacts -----

    /// Creates a contact with its identities.
    pub async fn create_contact(&self, new: &NewContact) -> StoreResult<(Contact, Vec<Event>)> {
        on_backend!(self, contacts::create(new, self.now()))
    }

    /// The contact with `id`, with tags and identities.
    pub async fn get_contact(&self, id: ContactId) -> StoreResult<Contact> {
        on_backend!(self, contacts::get(id))
    }

    /// Changes the given fields of a contact.
    pub async fn update_contact(
        &self,
        id: ContactId,
        patch: &ContactPatch,
    ) -> StoreResult<(Contact, Vec<Event>)> {
        on_backend!(self, contacts::update(id, patch, self.now()))
    }

    /// Contacts whose name, email, phone or channel id matches `query`, newest first.
    pub async fn search_contacts(
        &self,
        query: Option<&str>,
        page: PageRequest,
        visibility: &crate::domain::access::Visibility,
    ) -> StoreResult<Page<Contact>> {
        on_backend!(self, contacts::search(query, page, visibility))
    }

    /// Marks one identity as unreachable (blocked bot, hard bounce); campaigns skip it.
    pub async fn mark_identity_unreachable(
        &self,
        scope: &str,
        external_id: &str,
        reason: &str,
    ) -> StoreResult<()> {
        on_backend!(self, contacts::mark_unreachable(scope, external_id, reason))
    }

    // ----- conversations -----

    /// Conversations matching `filter`, most recently active first.
    pub async fn list_conversations(
        &self,
        filter: &ConversationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Conversation>> {
        on_backend!(self, conversations::list(filter, page))
    }

    /// The labels most conversations carry, most used first.
    pub async fn common_labels(&self, limit: i64) -> StoreResult<Vec<String>> {
        on_backend!(self, conversations::common_labels(limit))
    }

    /// The conversation with `id`.
    pub async fn get_conversation(&self, id: ConversationId) -> StoreResult<Conversation> {
        on_backend!(self, conversations::get(id))
    }

    /// Assigns a conversation to an agent and/or team (`None` clears).
    pub async fn assign_conversation(
        &self,
        id: ConversationId,
        assignment: &Assignment,
        actor: Option<AgentId>,
    ) -> StoreResult<(Conversation, Vec<Event>)> {
        on_backend!(
            self,
            conversations::assign(id, assignment, actor, self.now())
        )
    }

    /// Moves a conversation to another status.
    pub async fn set_conversation_status(
        &self,
        id: ConversationId,
        change: &StatusChange,
        actor: Option<AgentId>,
    ) -> StoreResult<(Conversation, Vec<Event>)> {
        on_backend!(
            self,
            conversations::set_status(id, change, actor, self.now())
        )
    }

    /// Changes labels and/or priority.
    pub async fn update_conversation(
        &self,
        id: ConversationId,
        patch: &ConversationPatch,
        actor: Option<AgentId>,
    ) -> StoreResult<(Conversation, Vec<Event>)> {
        on_backend!(self, conversations::update(id, patch, actor, self.now()))
    }

    // ----- messages and the outbox -----

    /// The messages of a conversation, oldest first.
    pub async fn list_messages(
        &self,
        conversation: ConversationId,
        page: PageRequest,
    ) -> StoreResult<Page<Message>> {
        on_backend!(self, messages::list(conversation, page))
    }

    /// The newest `limit` messages of a conversation, oldest first.
    pub async fn latest_messages(
        &self,
        conversation: ConversationId,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        on_backend!(self, messages::latest(conversation, limit))
    }

    /// The message with `id`.
    pub async fn get_message(&self, id: MessageId) -> StoreResult<Message> {
        on_backend!(self, messages::get(id))
    }

    /// When the customer last wrote in a conversation (for reply windows).
    pub async fn last_inbound_at(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Option<Millis>> {
        on_backend!(self, messages::last_inbound_at(conversation))
    }

    /// Earlier texts of an edited message, oldest first.
    pub async fn list_revisions(&self, id: MessageId) -> StoreResult<Vec<Revision>> {
        on_backend!(self, messages::revisions(id))
    }

    /// Stores an outbound reply and its outbox row in one transaction.
    pub async fn add_reply(&self, reply: &NewReply) -> StoreResult<(Message, Vec<Event>)> {
        on_backend!(self, messages::add_reply(reply, self.now()))
    }

    /// Stores a private note.
    pub async fn add_note(
        &self,
        conversation: ConversationId,
        author: Option<AgentId>,
        text: &str,
    ) -> StoreResult<(Message, Vec<Event>)> {
        on_backend!(
            self,
            messages::add_note(conversation, author, text, self.now())
        )
    }

    /// Claims up to `limit` due outbox jobs for `worker` until `now + lease`; reply lane first.
    pub async fn claim_outbox(
        &self,
        worker: &str,
        lease: Duration,
        limit: i64,
    ) -> StoreResult<Vec<OutboxJob>> {
        on_backend!(self, outbox::claim(worker, self.now(), lease, limit))
    }

    /// Records the outcome of a send attempt.
    pub async fn finish_outbox(
        &self,
        job: &OutboxJob,
        outcome: &SendOutcome,
    ) -> StoreResult<Vec<Event>> {
        on_backend!(self, outbox::finish(job, outcome, self.now()))
    }

    /// Puts a failed or dead message back in the queue.
    pub async fn retry_message(&self, id: MessageId) -> StoreResult<(Message, Vec<Event>)> {
        on_backend!(self, outbox::retry(id, self.now()))
    }

    /// Outbox entries in `state`, newest first.
    pub async fn list_deliveries(
        &self,
        state: Option<OutboxState>,
        page: PageRequest,
        visibility: &crate::domain::access::Visibility,
    ) -> StoreResult<Page<DeliveryEntry>> {
        on_backend!(self, outbox::list(state, page, visibility))
    }

    /// When the next pending job becomes due, if any.
    pub async fn next_outbox_due(&self) -> StoreResult<Option<Millis>> {
        on_backend!(self, outbox::next_due())
    }

    // ----- agents, teams, tokens -----

    /// Creates an agent.
    pub async fn create_agent(&self, new: &NewAgent) -> StoreResult<Agent> {
        on_backend!(self, agents::create(new, self.now()))
    }

    /// All agents, by id.
    pub async fn list_agents(&self) -> StoreResult<Vec<Agent>> {
        on_backend!(self, agents::list())
    }

    /// The agent with `id`.
    pub async fn get_agent(&self, id: AgentId) -> StoreResult<Agent> {
        on_backend!(self, agents::get(id))
    }

    /// Changes the given fields of an agent.
    pub async fn update_agent(&self, id: AgentId, patch: &AgentPatch) -> StoreResult<Agent> {
        on_backend!(self, agents::update(id, patch))
    }

    /// How many agents exist (zero on a fresh database).
    pub async fn count_agents(&self) -> StoreResult<i64> {
        on_backend!(self, agents::count())
    }

    /// Creates a team with the given members.
    pub async fn create_team(&self, name: &str, members: &[AgentId]) -> StoreResult<Team> {
        on_backend!(self, agents::create_team(name, members, self.now()))
    }

    /// All teams, by id.
    pub async fn list_teams(&self) -> StoreResult<Vec<Team>> {
        on_backend!(self, agents::list_teams())
    }

    /// Replaces a team's members.
    pub async fn set_team_members(&self, id: TeamId, members: &[AgentId]) -> StoreResult<Team> {
        on_backend!(self, agents::set_team_members(id, members))
    }

    /// Stores a token's hash.
    pub async fn create_token(&self, new: &NewToken) -> StoreResult<ApiToken> {
        on_backend!(self, tokens::create(new, self.now()))
    }

    /// The live (not revoked) token whose hash is `hash`.
    pub async fn find_token(&self, hash: &str) -> StoreResult<Option<ApiToken>> {
        on_backend!(self, tokens::find_by_hash(hash))
    }

    /// Notes that a token was used now.
    pub async fn touch_token(&self, id: TokenId) -> StoreResult<()> {
        on_backend!(self, tokens::touch(id, self.now()))
    }

    /// All tokens, by id.
    pub async fn list_tokens(&self) -> StoreResult<Vec<ApiToken>> {
        on_backend!(self, tokens::list())
    }

    /// Revokes a token.
    pub async fn revoke_token(&self, id: TokenId) -> StoreResult<()> {
        on_backend!(self, tokens::revoke(id, self.now()))
    }

    // ----- events -----

    /// Events after `after`, oldest first (for catching up a stream).
    pub async fn list_events(&self, after: EventId, limit: i64) -> StoreResult<Vec<Event>> {
        on_backend!(self, events::list_after(after, limit))
    }

    /// How many messages exist (for benchmarks and health reports).
    pub async fn count_messages(&self) -> StoreResult<i64> {
        on_backend!(self, messages::count())
    }
}

/// Routing: the queue of waiting conversations, their automatic assignment, manual taking.
impl Store {
    /// Assigns up to `limit` waiting conversations (unassigned and open), in queue order
    /// (priority, then waiting time), to online agents below their capacity, each chosen by
    /// the conversation's effective policy under `rules` (own override, team, channel,
    /// default). One transaction: concurrent calls never push an agent over its capacity.
    /// Returns the assignments and their `conversation.assigned` events, for the caller to
    /// publish. Conversations whose policy is `manual` are skipped in SQL.
    pub async fn assign_waiting(
        &self,
        rules: &crate::domain::RoutingRules,
        limit: i64,
    ) -> StoreResult<(Vec<(ConversationId, AgentId)>, Vec<Event>)> {
        on_backend!(self, routing::assign_waiting(rules, limit, self.now()))
    }

    /// The first `limit` waiting conversations, in the order the router takes them, each with
    /// its effective policy under `rules`.
    pub async fn list_queue(
        &self,
        rules: &crate::domain::RoutingRules,
        limit: i64,
        visibility: &crate::domain::access::Visibility,
    ) -> StoreResult<Vec<crate::domain::QueuedConversation>> {
        on_backend!(self, routing::queue(rules, limit, visibility))
    }

    /// Unassigns an agent's open and pending conversations whose scope in `rules` says
    /// `reassign_when_offline`, so the router gives them to someone online.
    pub async fn release_conversations(
        &self,
        rules: &crate::domain::RoutingRules,
        agent: AgentId,
        actor: Option<AgentId>,
    ) -> StoreResult<Vec<Event>> {
        on_backend!(self, routing::release(rules, agent, actor, self.now()))
    }

    /// Gives an unassigned, unresolved conversation to `agent` (first taker wins), with its
    /// `conversation.assigned` event. Within another store transaction, the SQL is
    /// `sql/routing.rs::take`.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when someone else holds it, [`StoreError::Invalid`] when it is
    /// resolved or the agent does not exist, [`StoreError::NotFound`].
    pub async fn take_conversation(
        &self,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<(Conversation, Vec<Event>)> {
        on_backend!(self, routing::take(id, agent, self.now()))
    }

    /// Sets (or, with `None`, clears) a conversation's own routing policy, which wins over its
    /// team's and channel's. Inside another store transaction, call
    /// `routing::set_policy(&mut tx, …)` from `sql/routing.rs` instead. Nothing is published:
    /// whoever changes it wakes the router if it should look again.
    pub async fn set_routing_policy(
        &self,
        id: ConversationId,
        policy: Option<crate::domain::RoutingPolicy>,
    ) -> StoreResult<()> {
        on_backend!(self, routing::set_policy_alone(id, policy))
    }

    /// The team names of `rules` that no team has (yet).
    pub async fn missing_routing_teams(
        &self,
        rules: &crate::domain::RoutingRules,
    ) -> StoreResult<Vec<String>> {
        on_backend!(self, routing::missing_teams(rules))
    }
}

// Declared after `on_backend!` so the macro is in scope there.
mod access;
pub mod audience;
mod audit;
pub mod automation;
pub mod campaigns;
pub mod cluster;
mod csat;
mod duplicates;
pub use duplicates::{DuplicateProbe, MAILBOX, SharedAddress};
pub mod assist;
pub mod merges;
pub use merges::{ContactMerge, MergeOutcome, MergeRecord, MergeRefused};
mod event_webhooks;
mod phones;
pub use phones::PhoneBatch;
pub mod privacy;
pub mod redaction;
pub mod report_live;
pub use report_live::{LiveAgent, LiveBoard, LiveBreach, LiveQueue};
pub(crate) mod reports;
pub use reports::{
    CalendarSpans, ConversationReport, DayPlan, Period, PeriodPlan, RollupCell, RollupQuery,
    RollupRow, SeedRecord, SeedShape, write_report_facts_for_benchmark,
};
pub mod retention;
pub mod search_seed;
mod secrets;
pub use secrets::{LINK_KEY, SealedSecret, SecretChange, StoredSecrets};
mod sign_in;
mod web_chat;
pub use web_chat::{
    ContinuationClock, ContinuationDue, VisitorPatch, WebChatHistory, WebChatVisitor,
    WebChatVisitorKey,
};
mod web_sessions;
pub use web_sessions::{NewWebSession, WebSession};

/// Canned responses: agents' shortcuts to a template or a body of template text.
impl Store {
    /// Stores a new canned response; a taken shortcut is a [`StoreError::Conflict`].
    pub async fn create_canned_response(
        &self,
        new: &NewCannedResponse,
    ) -> StoreResult<crate::domain::CannedResponse> {
        on_backend!(self, canned::create(new, self.now()))
    }

    /// Every canned response, by shortcut.
    pub async fn list_canned_responses(&self) -> StoreResult<Vec<crate::domain::CannedResponse>> {
        on_backend!(self, canned::list())
    }

    /// The canned response with `id`.
    pub async fn get_canned_response(
        &self,
        id: crate::domain::CannedResponseId,
    ) -> StoreResult<crate::domain::CannedResponse> {
        on_backend!(self, canned::get(id))
    }

    /// Replaces a canned response's shortcut, title and content.
    pub async fn update_canned_response(
        &self,
        id: crate::domain::CannedResponseId,
        new: &NewCannedResponse,
    ) -> StoreResult<crate::domain::CannedResponse> {
        on_backend!(self, canned::update(id, new, self.now()))
    }

    /// Deletes a canned response.
    pub async fn delete_canned_response(
        &self,
        id: crate::domain::CannedResponseId,
    ) -> StoreResult<()> {
        on_backend!(self, canned::delete(id))
    }
}

#[cfg(test)]
mod tests {
    use super::Conflict;

    #[test]
    fn unique_violations_are_named_alike_on_both_backends() {
        let sqlite = |columns: &str| {
            Conflict::of_unique_violation(None, &format!("UNIQUE constraint failed: {columns}"))
        };
        let postgres = |constraint: &str| {
            Conflict::of_unique_violation(
                Some(constraint),
                "duplicate key value violates unique constraint",
            )
        };
        assert_eq!(sqlite("agents.email"), Conflict::AgentEmail);
        assert_eq!(postgres("agents_email_key"), Conflict::AgentEmail);
        assert_eq!(
            sqlite("contact_identities.scope, contact_identities.external_id"),
            postgres("contact_identities_scope_external_id_key")
        );
        assert_eq!(sqlite("api_tokens.token_hash"), Conflict::Unique);
        assert_eq!(postgres("api_tokens_token_hash_key"), Conflict::Unique);
    }
}
