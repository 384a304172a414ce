//! A token bucket per (campaign, channel): the campaign's configured pace, with a small burst
//! so a worker can hand out a batch at once. Time comes from `tokio::time`, so tests drive it
//! with `tokio::time::pause`.

use std::time::Duration;

use tokio::time::Instant;

/// Sends allowed at `rate` per second, at most `burst` at once.
#[derive(Debug, Clone)]
pub struct Throttle {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl Throttle {
    /// A bucket that starts with one token (not a full burst: a campaign that starts must not
    /// open with a spike above its rate).
    pub fn new(rate: f64, burst: u32) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            f64::MAX
        };
        Self {
            rate,
            burst: f64::from(burst.max(1)),
            tokens: 1.0,
            at: Instant::now(),
        }
    }

    /// The configured rate per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.at = now;
    }

    /// Takes up to `want` whole tokens now and says how many it got.
    pub fn take(&mut self, want: usize) -> usize {
        self.refill(Instant::now());
        let whole = self.tokens.floor().max(0.0);
        // `whole` is at most `burst`, a u32, so the cast cannot truncate.
        let granted = (whole as usize).min(want);
        self.tokens -= granted as f64;
        granted
    }

    /// Puts back tokens taken but not used (fewer rows were due than allowed).
    pub fn give_back(&mut self, unused: usize) {
        self.tokens = (self.tokens + unused as f64).min(self.burst);
    }

    /// How long until the next whole token.
    pub fn wait(&mut self) -> Duration {
        self.refill(Instant::now());
        if self.tokens >= 1.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(((1.0 - self.tokens) / self.rate).min(3600.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends as fast as the bucket allows for a simulated minute and compares the achieved
    /// rate with the configured one.
    async fn achieved(rate: f64, burst: u32) -> f64 {
        let mut throttle = Throttle::new(rate, burst);
        let start = Instant::now();
        let mut sent = 0usize;
        while start.elapsed() < Duration::from_secs(60) {
            sent += throttle.take(64);
            let wait = throttle.wait().max(Duration::from_millis(1));
            tokio::time::sleep(wait).await;
        }
        sent as f64 / start.elapsed().as_secs_f64()
    }

    #[tokio::test(start_paused = true)]
    async fn achieved_rate_is_within_two_percent() {
        for (rate, burst) in [(5.0, 1), (30.0, 10), (80.0, 20), (1000.0, 100)] {
            let got = achieved(rate, burst).await;
            assert!(
                (got - rate).abs() / rate <= 0.02,
                "configured {rate}/s, achieved {got}/s"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_burst_at_once_and_unused_tokens_come_back() {
        let mut throttle = Throttle::new(10.0, 5);
        assert_eq!(throttle.take(100), 1, "starts with one token, not a burst");
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(throttle.take(100), 5);
        assert_eq!(throttle.take(100), 0);
        throttle.give_back(3);
        assert_eq!(throttle.take(100), 3);
        assert_eq!(throttle.wait(), Duration::from_millis(100));
    }
}
