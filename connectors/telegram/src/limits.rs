//! Telegram's sending limits, enforced before each call: per private chat, per group and per
//! bot (governor), plus a pause per chat after a 429 `retry_after`.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Messages per second to one private chat.
pub const PRIVATE_CHAT_PER_SECOND: u32 = 1;
/// Messages per minute to one group.
pub const GROUP_PER_MINUTE: u32 = 20;
/// Messages per second from one bot.
pub const BOT_PER_SECOND: u32 = 30;

/// The limiters of one bot.
pub struct Limits {
    private: DefaultKeyedRateLimiter<i64>,
    group: DefaultKeyedRateLimiter<i64>,
    bot: DefaultDirectRateLimiter,
    paused: Mutex<HashMap<i64, Instant>>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl Limits {
    /// Limits with the given rates.
    pub fn new(private_per_second: u32, group_per_minute: u32, bot_per_second: u32) -> Self {
        Self {
            private: RateLimiter::keyed(Quota::per_second(nonzero(private_per_second))),
            group: RateLimiter::keyed(Quota::per_minute(nonzero(group_per_minute))),
            bot: RateLimiter::direct(Quota::per_second(nonzero(bot_per_second))),
            paused: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until one more message may go to `chat` (groups and channels have negative ids).
    pub async fn acquire(&self, chat: i64) {
        if chat < 0 {
            self.group.until_key_ready(&chat).await;
        } else {
            self.private.until_key_ready(&chat).await;
        }
        self.bot.until_ready().await;
    }

    /// True when a message to `chat` may go now, without waiting (and takes that slot).
    pub fn try_acquire(&self, chat: i64) -> bool {
        let chat_ok = if chat < 0 {
            self.group.check_key(&chat).is_ok()
        } else {
            self.private.check_key(&chat).is_ok()
        };
        chat_ok && self.bot.check().is_ok()
    }

    /// Stops sending to `chat` for `duration` (Telegram said `retry_after`).
    pub fn pause(&self, chat: i64, duration: Duration) {
        if let Ok(mut paused) = self.paused.lock() {
            paused.insert(chat, Instant::now() + duration);
        }
    }

    /// How long `chat` is still paused, if it is.
    pub fn paused_for(&self, chat: i64) -> Option<Duration> {
        let mut paused = self.paused.lock().ok()?;
        let until = *paused.get(&chat)?;
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            paused.remove(&chat);
            None
        } else {
            Some(left)
        }
    }

    /// Forgets idle chats so that the limiter's memory stays proportional to active chats.
    pub fn forget_idle(&self) {
        self.private.retain_recent();
        self.group.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_chat_has_its_own_budget_and_the_bot_a_shared_one() {
        let limits = Limits::new(1, 20, 3);
        assert!(limits.try_acquire(42));
        assert!(
            !limits.try_acquire(42),
            "a second message to the same private chat must wait"
        );
        assert!(limits.try_acquire(43), "another chat is not held up");
        assert!(limits.try_acquire(-100), "groups have their own budget");
        assert!(!limits.try_acquire(44), "the bot-wide budget (3) is spent");
    }

    #[test]
    fn a_pause_holds_only_that_chat() {
        let limits = Limits::new(1, 20, 30);
        limits.pause(7, Duration::from_secs(30));
        let left = limits.paused_for(7).expect("paused");
        assert!(left > Duration::from_secs(29) && left <= Duration::from_secs(30));
        assert_eq!(limits.paused_for(8), None);
    }
}
