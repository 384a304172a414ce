//! Test sends: a campaign's message sent now to a few chosen contacts (marketers checking how
//! it looks), under the same consent and suppression checks as the real send, rate-limited
//! per campaign, and rendered off the async workers.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::CampaignRunner;
use crate::domain::{Campaign, CampaignId, CampaignSpec, ContactId, Millis};
use crate::store::campaigns::LeasedSend;

/// The window `[campaigns] test_sends_per_minute` counts in.
const WINDOW: Duration = Duration::from_secs(60);

/// What became of a test send to one contact.
#[derive(Debug, Clone, PartialEq)]
pub enum TestOutcome {
    /// Sent on this channel.
    Sent(String),
    /// Not sent, because the real campaign would not send to them either (`"no consent"`,
    /// `"consent withdrawn"`, `"suppressed: unsubscribed"`, `"unreachable"`).
    Skipped(String),
    /// Not sent: no such contact, no identity on the campaign's channels, a render or channel
    /// failure.
    Failed(String),
}

/// Why no test send was made at all.
#[derive(Debug, thiserror::Error)]
pub enum TestSendError {
    /// `[campaigns] test_sends_per_minute` test sends of this campaign in the last minute.
    #[error(
        "too many test sends of this campaign (test_sends_per_minute {limit}); try again in {} s",
        retry_after.as_secs().max(1)
    )]
    RateLimited { limit: u32, retry_after: Duration },
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// A sliding window of recent test sends per campaign.
#[derive(Debug, Default)]
pub(super) struct TestSendLimiter {
    recent: Mutex<HashMap<CampaignId, VecDeque<Instant>>>,
}

impl TestSendLimiter {
    /// Counts a test send of `campaign` now, or says how long until one is allowed.
    fn admit(&self, campaign: CampaignId, limit: u32, now: Instant) -> Result<(), Duration> {
        let mut recent = match self.recent.lock() {
            Ok(recent) => recent,
            // The map holds timestamps only; whatever a panicking holder left is still valid.
            Err(poisoned) => poisoned.into_inner(),
        };
        // Campaigns with nothing in the window are dropped, so the map only holds the ones
        // tested in the last minute.
        recent.retain(|_, times| {
            while times
                .front()
                .is_some_and(|at| now.duration_since(*at) >= WINDOW)
            {
                times.pop_front();
            }
            !times.is_empty()
        });
        let times = recent.entry(campaign).or_default();
        if times.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }
}

impl CampaignRunner {
    /// Sends the campaign's message now to chosen contacts, marked as a test, on the first of
    /// the campaign's channels where each has a reachable identity; the ledger is not touched.
    /// A contact the campaign itself would hold back (no consent for the channel, address
    /// suppressed, identity unreachable) is skipped with the reason.
    ///
    /// # Errors
    /// [`TestSendError::RateLimited`] past `[campaigns] test_sends_per_minute` for this
    /// campaign; otherwise when the stored campaign is unreadable or the store cannot be
    /// reached.
    pub async fn test_send(
        &self,
        campaign: &Campaign,
        contacts: &[ContactId],
    ) -> Result<Vec<(ContactId, TestOutcome)>, TestSendError> {
        let limit = self.parts().config.test_sends_per_minute;
        self.inner
            .test_sends
            .admit(campaign.id, limit, Instant::now())
            .map_err(|retry_after| TestSendError::RateLimited { limit, retry_after })?;
        let spec: CampaignSpec = serde_json::from_value(campaign.spec.clone())
            .context("while reading the stored campaign")?;
        let channels = self.plan_channels(&spec)?;
        let mut results = Vec::with_capacity(contacts.len());
        for &id in contacts {
            let outcome = self.test_one(campaign, &spec, &channels, id).await?;
            results.push((id, outcome));
        }
        Ok(results)
    }

    async fn test_one(
        &self,
        campaign: &Campaign,
        spec: &CampaignSpec,
        channels: &[crate::store::campaigns::PlanChannel],
        id: ContactId,
    ) -> anyhow::Result<TestOutcome> {
        let store = &self.parts().store;
        let contact = match store.get_contact(id).await {
            Ok(contact) => contact,
            Err(crate::store::StoreError::NotFound) => {
                return Ok(TestOutcome::Failed("no such contact".to_owned()));
            }
            Err(err) => return Err(err.into()),
        };
        let found = spec
            .channels
            .iter()
            .zip(channels)
            .find_map(|(plan, channel)| {
                contact
                    .identities
                    .iter()
                    .find(|identity| {
                        identity.scope == channel.scope && identity.unreachable_reason.is_none()
                    })
                    .map(|identity| (plan, channel, identity.external_id.clone()))
            });
        let Some((plan, channel, address)) = found else {
            return Ok(TestOutcome::Failed(
                "no reachable identity on the campaign's channels".into(),
            ));
        };
        // The worker's own check, so a test never reaches someone the campaign would not.
        if let Some(reason) = store
            .campaign_send_held_back(id, &channel.kind, &channel.scope, &address)
            .await?
        {
            return Ok(TestOutcome::Skipped(reason));
        }
        let Some(connector) = self.parts().connectors.get(&plan.channel).cloned() else {
            return Ok(TestOutcome::Failed(format!(
                "channel {:?} is gone",
                plan.channel
            )));
        };
        let send = LeasedSend {
            contact: id,
            address,
            attempts: 0,
            name: contact.name.clone(),
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            attributes: contact.attributes.clone(),
            allowed: true,
        };
        let prepared = match self
            .prepare(campaign, spec, plan, channel, connector.kind())
            .await
        {
            Ok(prepared) => prepared,
            Err(err) => return Ok(TestOutcome::Failed(format!("rendering: {err:#}"))),
        };
        // The body is text a marketer wrote: rendered off the async workers, with a deadline.
        let runner = self.clone();
        let rendered = self
            .parts()
            .templates
            .off_runtime(&format!("campaign {} test", campaign.id), move || {
                runner.render(&prepared, &send)
            })
            .await;
        let mut message = match rendered {
            Ok(Ok(message)) => message,
            Ok(Err(err)) => return Ok(TestOutcome::Failed(format!("rendering: {err:#}"))),
            Err(err) => return Ok(TestOutcome::Failed(format!("rendering: {err}"))),
        };
        // A fresh id per test, so an idempotent peer does not swallow a second test.
        message.id = format!(
            "campaign-{}-test-{}-{}",
            campaign.id,
            id.get(),
            Millis::now().0
        );
        if let Some(subject) = &mut message.subject {
            subject.insert_str(0, "[TEST] ");
        }
        Ok(match connector.send(&message).await {
            Ok(_) => TestOutcome::Sent(plan.channel.clone()),
            Err(err) => TestOutcome::Failed(err.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_per_campaign_within_a_minute() {
        let limiter = TestSendLimiter::default();
        let start = Instant::now();
        assert!(limiter.admit(CampaignId::new(1), 2, start).is_ok());
        assert!(limiter.admit(CampaignId::new(1), 2, start).is_ok());
        let wait = limiter.admit(CampaignId::new(1), 2, start + Duration::from_secs(10));
        assert_eq!(wait, Err(Duration::from_secs(50)));
        assert!(
            limiter.admit(CampaignId::new(2), 2, start).is_ok(),
            "another campaign"
        );
        assert!(
            limiter.admit(CampaignId::new(1), 2, start + WINDOW).is_ok(),
            "the window moved on"
        );
    }
}
