//! When to try a request again: bounded exponential backoff with jitter
//! within a budget, and the server's own `Retry-After` (capped).

use std::time::Duration;

use time::OffsetDateTime;

use crate::channel::token;

/// Retries of a request that met a 5xx or no answer: bounded exponential
/// backoff with jitter, all of it within `budget` (and within three times the
/// request timeout, so that a short `--timeout` stays short).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub first_wait: Duration,
    pub max_wait: Duration,
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            first_wait: Duration::from_millis(500),
            max_wait: Duration::from_secs(8),
            budget: Duration::from_secs(45),
        }
    }
}

impl RetryPolicy {
    /// The wait before another attempt, after `attempts` attempts that took
    /// `elapsed`; `None` to stop. `jitter` in [0, 1) spreads the waits of many
    /// clients (the wait is between half and all of the exponential step).
    pub fn next_wait(
        &self,
        attempts: u32,
        elapsed: Duration,
        timeout: Duration,
        jitter: f64,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let wait = self.step(attempts, jitter);
        let budget = self.budget.min(timeout.saturating_mul(3));
        (elapsed + wait + timeout <= budget).then_some(wait)
    }
}

impl RetryPolicy {
    /// The exponential step after `attempts` attempts (`first_wait`, doubled
    /// each time up to `max_wait`), between half and all of it by `jitter` in [0, 1).
    pub fn step(&self, attempts: u32, jitter: f64) -> Duration {
        let step = self
            .first_wait
            .saturating_mul(1 << attempts.saturating_sub(1).min(16))
            .min(self.max_wait);
        step.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
    }
}

/// The longest `Retry-After` honoured: a longer one is waited this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// A `Retry-After` value: seconds, or an HTTP date (the wait until then,
/// nothing for a date past); `None` for anything else. Capped at [`MAX_RETRY_AFTER`].
pub fn retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = token::parse_http_date(value)?;
            let secs = (at - now).whole_milliseconds().max(0);
            Duration::from_millis(u64::try_from(secs).unwrap_or(u64::MAX))
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// A number in [0, 1) for the jitter, from the OS's randomness.
pub fn jitter() -> f64 {
    (uuid::Uuid::new_v4().as_u128() % 1024) as f64 / 1024.0
}
