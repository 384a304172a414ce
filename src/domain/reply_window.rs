//! The reply window some channels impose: free-form text may reach a customer only for a while
//! after their last message (WhatsApp: 24 hours); after that, only an approved template. The
//! rule is decided here, from the channel's window and the customer's last message.

use std::time::Duration;

use super::Millis;

/// Whether a free-form reply may go out at a given instant, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyWindow {
    /// The channel's window after the customer's last message; `None` when the channel has
    /// no window (free-form replies are always allowed).
    pub length: Option<Duration>,
    /// When the customer last wrote (as the channel counts it).
    pub last_inbound: Option<Millis>,
    /// When the window closes or closed; `None` without a window, or before the customer
    /// has written at all.
    pub closes_at: Option<Millis>,
    /// Whether a free-form reply is accepted at the instant the window was computed for.
    pub free_form_allowed: bool,
}

impl ReplyWindow {
    /// The window of a channel with window `length` whose customer last wrote at
    /// `last_inbound`, as it stands at `now`. The window is open strictly before it closes.
    pub fn at(length: Option<Duration>, last_inbound: Option<Millis>, now: Millis) -> Self {
        let Some(length) = length else {
            return Self {
                length: None,
                last_inbound,
                closes_at: None,
                free_form_allowed: true,
            };
        };
        let closes_at = last_inbound.map(|at| at.plus(length));
        Self {
            length: Some(length),
            last_inbound,
            closes_at,
            free_form_allowed: closes_at.is_some_and(|closes| closes > now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);
    const DAY_MS: i64 = 24 * 3600 * 1000;

    #[test]
    fn a_channel_without_a_window_always_allows_free_form() {
        let window = ReplyWindow::at(None, None, Millis(5));
        assert!(window.free_form_allowed);
        assert_eq!(window.closes_at, None);
        assert!(ReplyWindow::at(None, Some(Millis(0)), Millis(10 * DAY_MS)).free_form_allowed);
    }

    #[test]
    fn the_window_opens_with_the_customers_message_and_closes_after_its_length() {
        let last = Millis(1_000);
        let inside = ReplyWindow::at(Some(DAY), Some(last), Millis(1_000 + DAY_MS - 1));
        assert!(inside.free_form_allowed);
        assert_eq!(inside.closes_at, Some(Millis(1_000 + DAY_MS)));
        let at_the_edge = ReplyWindow::at(Some(DAY), Some(last), Millis(1_000 + DAY_MS));
        assert!(
            !at_the_edge.free_form_allowed,
            "closed at the instant it ends"
        );
        assert_eq!(at_the_edge.length, Some(DAY));
    }

    #[test]
    fn before_the_customer_writes_the_window_is_closed() {
        let window = ReplyWindow::at(Some(DAY), None, Millis(0));
        assert!(!window.free_form_allowed);
        assert_eq!(window.closes_at, None);
    }
}
