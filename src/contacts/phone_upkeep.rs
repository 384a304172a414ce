//! The one-time rewrite of stored phone numbers into E.164, which the migration that
//! started keeping them so asked for. It runs at start-up, before any listener, in batches
//! of a few hundred contacts (each its own transaction), and is done once: a crash halfway
//! only means the next start goes over the finished contacts again, which changes nothing.

use crate::domain::phone::{PhoneRegion, to_e164};
use crate::store::{Store, StoreResult};

/// The mark the migration `20261213000001_phone_e164` leaves.
pub const UPKEEP_NAME: &str = "phone_e164";

/// Contacts rewritten per transaction.
const BATCH: i64 = 500;

/// What the rewrite did, for the start-up log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhoneUpkeepReport {
    pub rewritten: u64,
    pub left_with_another_contact: u64,
}

/// Rewrites every stored phone into E.164 (numbers without a country code read as
/// `region`'s) if the migration asked for it; `None` when there was nothing to do.
///
/// # Errors
/// When the database fails; what was committed stays and the next start goes on.
pub async fn run_if_pending(
    store: &Store,
    region: PhoneRegion,
) -> StoreResult<Option<PhoneUpkeepReport>> {
    if !store.upkeep_pending(UPKEEP_NAME).await? {
        return Ok(None);
    }
    let normalise = move |raw: &str| to_e164(raw, region);
    let mut report = PhoneUpkeepReport::default();
    let mut after = 0;
    loop {
        let batch = store.normalise_phones(after, BATCH, &normalise).await?;
        report.rewritten += batch.rewritten;
        report.left_with_another_contact += batch.left_with_another_contact;
        match batch.last_contact {
            Some(last) => after = last,
            None => break,
        }
    }
    store.upkeep_done(UPKEEP_NAME).await?;
    Ok(Some(report))
}
