//! `GET /api/v1/cluster`: the nodes sharing this database and the leases they hold.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Millis;
use crate::http::AppState;
use crate::http::auth::{Admins, Authorized};
use crate::http::error::{ApiResult, ForApi};

/// A node missing this many heartbeats in a row is shown as not alive.
const ALIVE_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// One `switchboard serve` process on this database.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NodeView {
    pub id: String,
    /// Where it serves HTTP (`[cluster] advertise_address`, or the address it listens on).
    pub address: String,
    pub version: String,
    pub started_at: DateTime<Utc>,
    pub last_heartbeat_at: DateTime<Utc>,
    /// True when its last heartbeat is recent (within 10 s).
    pub alive: bool,
    /// True for the node that answered this request.
    pub this_node: bool,
    /// The leases it holds now.
    pub leases: Vec<String>,
}

/// Work only one node does at a time, and who does it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeaseView {
    /// `listener:<channel>`, `automation` or `router`.
    pub name: String,
    /// The holding node's id.
    pub holder: String,
    /// Grows on every change of holder.
    pub generation: i64,
    pub acquired_at: DateTime<Utc>,
    /// When it passes to another node unless renewed.
    pub expires_at: DateTime<Utc>,
}

/// The cluster as the database sees it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClusterView {
    /// The id of the node that answered.
    pub node: String,
    pub nodes: Vec<NodeView>,
    pub leases: Vec<LeaseView>,
}

/// `GET /api/v1/cluster`
#[utoipa::path(get, path = "/api/v1/cluster", tag = "cluster",
    responses((status = 200, body = ClusterView)),
    security(("bearer" = ["admin"])))]
pub async fn get_cluster(
    _caller: Authorized<Admins>,
    State(state): State<AppState>,
) -> ApiResult<Json<ClusterView>> {
    let nodes = state.store.list_nodes().await.for_api("cluster")?;
    let leases = state.store.list_leases().await.for_api("cluster")?;
    let alive_since = Millis::now().minus(ALIVE_WITHIN);
    let this = state.node.id().to_owned();
    let nodes = nodes
        .into_iter()
        .map(|node| NodeView {
            leases: leases
                .iter()
                .filter(|lease| lease.holder == node.id)
                .map(|lease| lease.name.clone())
                .collect(),
            alive: node.heartbeat_at.0 >= alive_since.0,
            this_node: node.id == this,
            started_at: node.started_at.to_datetime(),
            last_heartbeat_at: node.heartbeat_at.to_datetime(),
            id: node.id,
            address: node.address,
            version: node.version,
        })
        .collect();
    let leases = leases
        .into_iter()
        .map(|lease| LeaseView {
            name: lease.name,
            holder: lease.holder,
            generation: lease.generation,
            acquired_at: lease.acquired_at.to_datetime(),
            expires_at: lease.expires_at.to_datetime(),
        })
        .collect();
    Ok(Json(ClusterView {
        node: this,
        nodes,
        leases,
    }))
}
