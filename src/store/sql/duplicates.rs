//! Contacts that share an address with another contact: the candidates for a merge.
//! (Compiled once per backend.)

use super::IS_POSTGRES;
use super::common::Pool;
use crate::store::{DuplicateProbe, MAILBOX, SharedAddress, StoreResult};

/// An email identity's mailbox: the expression and condition of the index
/// `contact_identities_mailbox`, word for word (the planner matches them as written).
fn mailbox_match() -> String {
    let position = if IS_POSTGRES { "strpos" } else { "instr" };
    format!(
        "i.scope = 'email' AND {position}(i.external_id, '@') > 1 AND \
         replace(substr(i.external_id, 1, CASE WHEN {position}(i.external_id, '+') BETWEEN 1 AND {position}(i.external_id, '@') \
         THEN {position}(i.external_id, '+') ELSE {position}(i.external_id, '@') END - 1), '.', '') \
         || substr(i.external_id, {position}(i.external_id, '@')) = $1"
    )
}

/// The most holders read for one address: a number many contacts share (a switchboard's, a
/// shop's) must not make one request read them all.
const HOLDERS_PER_PROBE: i64 = 100;

/// The other contacts (neither erased nor merged away) holding one of `probes`, at most
/// `limit` of them, each with every probe it matched, lowest contact id first.
pub async fn sharing(
    pool: &Pool,
    contact: i64,
    probes: &[DuplicateProbe],
    limit: usize,
) -> StoreResult<Vec<SharedAddress>> {
    let mut found: Vec<SharedAddress> = Vec::new();
    for probe in probes {
        // Each lookup is one index probe: the identity's (scope, external_id) key (unique, so
        // one holder at most), or the contacts' own email (lower-cased index) and phone
        // columns, which many contacts may share.
        let mut holders: Vec<i64> = if probe.reason == MAILBOX {
            sqlx::query_scalar(&format!(
                "SELECT i.contact_id FROM contact_identities i JOIN contacts c ON c.id = i.contact_id \
                 WHERE {} AND i.contact_id <> $2 AND c.erased_at IS NULL AND c.merged_into IS NULL \
                 LIMIT $3",
                mailbox_match()
            ))
            .bind(&probe.value)
            .bind(contact)
            .bind(HOLDERS_PER_PROBE)
            .fetch_all(pool)
            .await?
        } else {
            sqlx::query_scalar(
                "SELECT i.contact_id FROM contact_identities i JOIN contacts c ON c.id = i.contact_id \
                 WHERE i.scope = $1 AND i.external_id = $2 AND i.contact_id <> $3 \
                   AND c.erased_at IS NULL AND c.merged_into IS NULL",
            )
            .bind(&probe.scope)
            .bind(&probe.value)
            .bind(contact)
            .fetch_all(pool)
            .await?
        };
        let column = match probe.scope.as_str() {
            _ if probe.reason == MAILBOX => None,
            "email" => Some(
                "SELECT id FROM contacts WHERE lower(email) = $1 AND id <> $2 AND erased_at IS NULL AND merged_into IS NULL LIMIT $3",
            ),
            "phone" => Some(
                "SELECT id FROM contacts WHERE phone = $1 AND id <> $2 AND erased_at IS NULL AND merged_into IS NULL LIMIT $3",
            ),
            _ => None,
        };
        if let Some(sql) = column {
            let by_column: Vec<i64> = sqlx::query_scalar(sql)
                .bind(&probe.value)
                .bind(contact)
                .bind(HOLDERS_PER_PROBE)
                .fetch_all(pool)
                .await?;
            holders.extend(by_column);
        }
        holders.sort_unstable();
        holders.dedup();
        for holder in holders {
            match found.iter_mut().find(|shared| shared.contact == holder) {
                Some(shared) => {
                    if !shared.probes.contains(probe) {
                        shared.probes.push(probe.clone());
                    }
                }
                None => found.push(SharedAddress {
                    contact: holder,
                    probes: vec![probe.clone()],
                }),
            }
        }
    }
    found.sort_by_key(|shared| shared.contact);
    found.truncate(limit);
    Ok(found)
}
