//! Recording the audit log from requests: who (the caller's agent or token), from where (the
//! client address as `client_addr` resolves it), what, about which subject. A route records
//! after its change or read succeeded and before it answers; if the entry cannot be written,
//! the request fails (500) instead of going unrecorded.

use super::AppState;
use super::auth::Caller;
use super::error::{ApiResult, ForApi};
use crate::domain::audit::{ActorKind, AuditAction, AuditActor, AuditSubject, NewAuditEntry};

impl Caller {
    /// The audit log's actor for this caller: the token when one was used (with the agent it
    /// acts as), else the signed-in agent.
    pub fn audit_actor(&self) -> AuditActor {
        match self.token {
            Some(token) => AuditActor {
                kind: ActorKind::Token,
                id: Some(token.get()),
                agent: self.agent,
                label: None,
            },
            None => AuditActor {
                kind: ActorKind::Agent,
                id: self.agent.map(|agent| agent.get()),
                agent: self.agent,
                label: None,
            },
        }
    }
}

impl AppState {
    /// Records that `caller` did `action` to `subject`.
    ///
    /// # Errors
    /// `Internal` when the entry cannot be written: the request must fail.
    pub async fn audit(
        &self,
        caller: &Caller,
        action: AuditAction,
        subject: AuditSubject,
    ) -> ApiResult<()> {
        self.audit_with(caller, action, subject, serde_json::json!({}))
            .await
    }

    /// [`AppState::audit`] with details (a role before and after, a reason).
    ///
    /// # Errors
    /// `Internal` when the entry cannot be written: the request must fail.
    pub async fn audit_with(
        &self,
        caller: &Caller,
        action: AuditAction,
        subject: AuditSubject,
        detail: serde_json::Value,
    ) -> ApiResult<()> {
        let entry = NewAuditEntry {
            actor: caller.audit_actor(),
            action,
            subject,
            ip: caller.ip.map(|ip| ip.to_string()),
            detail,
        };
        self.store.record_audit(&entry).await.for_api("audit")?;
        Ok(())
    }
}

/// The longest address tried that a failed sign-in's entry keeps (an email's limit).
const MAX_TRIED_ADDRESS: usize = 254;

impl AppState {
    /// Records a web sign-in or sign-out of `agent` (`None`: a failed sign-in, whose actor is
    /// anonymous and labelled with the address tried) from `ip`.
    ///
    /// # Errors
    /// `Internal` when the entry cannot be written: the request must fail.
    pub async fn audit_sign_in(
        &self,
        action: AuditAction,
        agent: Option<crate::domain::AgentId>,
        tried: &str,
        ip: Option<std::net::IpAddr>,
    ) -> ApiResult<()> {
        let actor = match agent {
            Some(agent) => AuditActor {
                kind: ActorKind::Agent,
                id: Some(agent.get()),
                agent: Some(agent),
                label: None,
            },
            None => AuditActor {
                kind: ActorKind::Anonymous,
                id: None,
                agent: None,
                label: Some(tried.chars().take(MAX_TRIED_ADDRESS).collect()),
            },
        };
        let entry = NewAuditEntry {
            actor,
            action,
            subject: AuditSubject::None,
            ip: ip.map(|ip| ip.to_string()),
            detail: serde_json::json!({}),
        };
        self.store.record_audit(&entry).await.for_api("audit")?;
        Ok(())
    }
}
