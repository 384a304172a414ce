//! Agents and teams. (Compiled once per backend.)

use super::common::{Conn, Pool, begin};
use crate::domain::{Agent, AgentId, Millis, Team, TeamId};
use crate::store::rows::{AgentRow, TeamRow};
use crate::store::{AgentPatch, Conflict, NewAgent, StoreError, StoreResult};

const AGENT_SELECT: &str = "SELECT id, name, email, role, availability, capacity, takes_conversations, \
     language, created_at FROM agents";

/// Creates an agent; the email must be unused.
pub async fn create(pool: &Pool, new: &NewAgent, now: Millis) -> StoreResult<Agent> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO agents (name, email, role, capacity, created_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(&new.name)
    .bind(new.email.trim().to_lowercase())
    .bind(new.role.as_str())
    .bind(new.capacity)
    .bind(now.0)
    .fetch_one(pool)
    .await?;
    get(pool, AgentId::new(id)).await
}

/// All agents, by id.
pub async fn list(pool: &Pool) -> StoreResult<Vec<Agent>> {
    let rows: Vec<AgentRow> = sqlx::query_as(&format!("{AGENT_SELECT} ORDER BY id"))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(Agent::try_from).collect()
}

/// The agent with `id`.
pub async fn get(pool: &Pool, id: AgentId) -> StoreResult<Agent> {
    let row: AgentRow = sqlx::query_as(&format!("{AGENT_SELECT} WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    Agent::try_from(row)
}

/// Applies the given changes.
pub async fn update(pool: &Pool, id: AgentId, patch: &AgentPatch) -> StoreResult<Agent> {
    let done = sqlx::query(
        "UPDATE agents SET name = COALESCE($2, name), role = COALESCE($3, role), \
             availability = COALESCE($4, availability), capacity = COALESCE($5, capacity), \
             takes_conversations = COALESCE($6, takes_conversations), \
             language = CASE WHEN CAST($7 AS TEXT) IS NULL THEN language \
                 WHEN CAST($7 AS TEXT) = '' THEN NULL ELSE CAST($7 AS TEXT) END \
         WHERE id = $1",
    )
    .bind(id.get())
    .bind(&patch.name)
    .bind(patch.role.map(|r| r.as_str()))
    .bind(patch.availability.map(|a| a.as_str()))
    .bind(patch.capacity)
    .bind(patch.takes_conversations)
    .bind(&patch.language)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    get(pool, id).await
}

/// How many agents exist.
pub async fn count(pool: &Pool) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM agents")
        .fetch_one(pool)
        .await?)
}

async fn load_team(conn: &mut Conn, id: TeamId) -> StoreResult<Team> {
    let row: TeamRow = sqlx::query_as("SELECT id, name, created_at FROM teams WHERE id = $1")
        .bind(id.get())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let members: Vec<i64> = sqlx::query_scalar(
        "SELECT agent_id FROM team_members WHERE team_id = $1 ORDER BY agent_id",
    )
    .bind(id.get())
    .fetch_all(&mut *conn)
    .await?;
    Ok(row.into_team(members.into_iter().map(AgentId::new).collect()))
}

async fn replace_members(conn: &mut Conn, team: i64, members: &[AgentId]) -> StoreResult<()> {
    sqlx::query("DELETE FROM team_members WHERE team_id = $1")
        .bind(team)
        .execute(&mut *conn)
        .await?;
    for agent in members {
        sqlx::query(
            "INSERT INTO team_members (team_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(team)
        .bind(agent.get())
        .execute(&mut *conn)
        .await
        .map_err(|err| match StoreError::from(err) {
            StoreError::Conflict {
                constraint: Conflict::Reference,
            } => StoreError::Invalid(format!("members: no agent {agent}")),
            other => other,
        })?;
    }
    Ok(())
}

/// Creates a team with members.
pub async fn create_team(
    pool: &Pool,
    name: &str,
    members: &[AgentId],
    now: Millis,
) -> StoreResult<Team> {
    let mut tx = begin(pool).await?;
    let id: i64 =
        sqlx::query_scalar("INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await?;
    replace_members(&mut tx, id, members).await?;
    let team = load_team(&mut tx, TeamId::new(id)).await?;
    tx.commit().await?;
    Ok(team)
}

/// All teams with members, by id.
pub async fn list_teams(pool: &Pool) -> StoreResult<Vec<Team>> {
    let mut conn = pool.acquire().await?;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM teams ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let mut teams = Vec::with_capacity(ids.len());
    for id in ids {
        teams.push(load_team(&mut conn, TeamId::new(id)).await?);
    }
    Ok(teams)
}

/// Replaces the members of a team.
pub async fn set_team_members(pool: &Pool, id: TeamId, members: &[AgentId]) -> StoreResult<Team> {
    let mut tx = begin(pool).await?;
    load_team(&mut tx, id).await?;
    replace_members(&mut tx, id.get(), members).await?;
    let team = load_team(&mut tx, id).await?;
    tx.commit().await?;
    Ok(team)
}
