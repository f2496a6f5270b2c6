//! The sandbox's modes: a server that misbehaves at random (faults, connections
//! dropped after a commit), limits its rate, answers slowly, or does not refuse
//! duplicate references. Every random choice comes from a seeded generator so
//! that a run can be replayed; this module decides, the handlers act.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use crate::channel::token::Clock;

use serde::Serialize;

/// A random fault drawn for one FLA API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RandomFault {
    /// A 500 problem.
    ServerError,
    /// A 429 with `Retry-After` in seconds.
    TooManyRequests,
    /// The answer comes after the stall delay (the request is then served).
    Stall,
}

/// One stream of draws per purpose, so that turning one mode on does not
/// change the draws another mode sees for the same requests.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Fault = 0,
    FaultKind = 1,
    Drop = 2,
}

/// A counter-based generator (SplitMix64 over seed and draw number): the n-th
/// draw of a stream depends only on the seed and n, never on a lock's order.
#[derive(Debug)]
pub(crate) struct Dice {
    seed: u64,
    draws: [AtomicU64; 3],
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Dice {
    pub(crate) fn new(seed: u64) -> Self {
        Dice {
            seed,
            draws: Default::default(),
        }
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// A number in [0, 1).
    fn roll(&self, stream: Stream) -> f64 {
        let n = self.draws[stream as usize].fetch_add(1, Ordering::Relaxed);
        let mixed =
            splitmix64(self.seed ^ splitmix64(n.wrapping_mul(4).wrapping_add(stream as u64 + 1)));
        // 53 random bits: exactly representable in an f64.
        (mixed >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Whether this request meets a random fault, and which.
    pub(crate) fn fault(&self, rate: f64) -> Option<RandomFault> {
        if rate <= 0.0 || self.roll(Stream::Fault) >= rate {
            return None;
        }
        let kind = self.roll(Stream::FaultKind);
        Some(if kind < 1.0 / 3.0 {
            RandomFault::ServerError
        } else if kind < 2.0 / 3.0 {
            RandomFault::TooManyRequests
        } else {
            RandomFault::Stall
        })
    }

    /// Whether this committed request loses its answer.
    pub(crate) fn drop_after_commit(&self, rate: f64) -> bool {
        rate > 0.0 && self.roll(Stream::Drop) < rate
    }
}

/// A token bucket: `per_second` tokens a second, at most one second's worth
/// kept, on the sandbox's clock (a test moves it instead of sleeping).
pub(crate) struct RateLimiter {
    per_second: f64,
    clock: Clock,
    bucket: Mutex<(f64, OffsetDateTime)>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("per_second", &self.per_second)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    pub(crate) fn new(per_second: u32, clock: Clock) -> Self {
        let per_second = f64::from(per_second.max(1));
        let now = clock();
        RateLimiter {
            per_second,
            clock,
            bucket: Mutex::new((per_second, now)),
        }
    }

    /// `Ok` when a request may go on; otherwise the seconds to wait (at least 1).
    pub(crate) fn admit(&self) -> Result<(), u64> {
        let Ok(mut bucket) = self.bucket.lock() else {
            return Ok(());
        };
        let now = (self.clock)();
        let (tokens, last) = *bucket;
        // A clock set back refills nothing.
        let elapsed = (now - last).as_seconds_f64().max(0.0);
        let tokens = (tokens + elapsed * self.per_second).min(self.per_second);
        if tokens >= 1.0 {
            *bucket = (tokens - 1.0, now);
            Ok(())
        } else {
            *bucket = (tokens, now.max(last));
            let wait = (1.0 - tokens) / self.per_second;
            // Retry-After is in whole seconds: round up, never 0.
            Err((wait.ceil() as u64).max(1))
        }
    }
}

/// What the modes did since the sandbox started (`GET /admin/stats`).
#[derive(Debug, Default)]
pub(crate) struct ModeCounters {
    pub(crate) server_errors: AtomicU64,
    pub(crate) too_many_requests: AtomicU64,
    pub(crate) stalls: AtomicU64,
    pub(crate) dropped_after_commit: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
    pub(crate) duplicates_accepted: AtomicU64,
}

impl ModeCounters {
    pub(crate) fn count(&self, fault: RandomFault) {
        let counter = match fault {
            RandomFault::ServerError => &self.server_errors,
            RandomFault::TooManyRequests => &self.too_many_requests,
            RandomFault::Stall => &self.stalls,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        serde_json::json!({
            "faults": {
                "server_error": get(&self.server_errors),
                "too_many_requests": get(&self.too_many_requests),
                "stall": get(&self.stalls),
            },
            "dropped_after_commit": get(&self.dropped_after_commit),
            "rate_limited": get(&self.rate_limited),
            "duplicates_accepted": get(&self.duplicates_accepted),
        })
    }
}

/// A rate as given (a fraction from 0 to 1); anything else (NaN included) is
/// brought into that range.
pub(crate) fn fraction(rate: f64) -> f64 {
    if rate.is_nan() {
        0.0
    } else {
        rate.clamp(0.0, 1.0)
    }
}

/// A seed where none was given (then shown in the stats, so the run can be replayed).
pub(crate) fn fresh_seed() -> u64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(seed)
}

/// How long a stall lasts by default: "several seconds".
pub const DEFAULT_STALL: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        let draw = |seed| {
            let dice = Dice::new(seed);
            (0..200).map(|_| dice.fault(0.3)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn the_rate_is_about_the_fraction_asked_and_every_kind_comes() {
        let dice = Dice::new(42);
        let faults: Vec<_> = (0..10_000).filter_map(|_| dice.fault(0.1)).collect();
        assert!((850..1150).contains(&faults.len()), "{}", faults.len());
        for kind in [
            RandomFault::ServerError,
            RandomFault::TooManyRequests,
            RandomFault::Stall,
        ] {
            assert!(faults.iter().filter(|f| **f == kind).count() > 200);
        }
        assert_eq!(Dice::new(1).fault(0.0), None);
        assert!((0..100).all(|_| dice.fault(1.0).is_some()));
    }

    #[test]
    fn the_bucket_lets_a_second_s_worth_through_then_says_when_to_retry() {
        let at = std::sync::Arc::new(Mutex::new(OffsetDateTime::UNIX_EPOCH));
        let now = at.clone();
        let limiter = RateLimiter::new(
            5,
            std::sync::Arc::new(move || *now.lock().unwrap_or_else(|e| e.into_inner())),
        );
        assert!((0..5).all(|_| limiter.admit().is_ok()));
        assert_eq!(limiter.admit(), Err(1));
        // A fifth of a second later (on its clock), one more; then none.
        *at.lock().unwrap() += Duration::from_millis(200);
        assert_eq!(limiter.admit(), Ok(()));
        assert_eq!(limiter.admit(), Err(1));
    }

    #[test]
    fn rates_are_fractions() {
        assert_eq!(fraction(f64::NAN), 0.0);
        assert_eq!(fraction(2.0), 1.0);
        assert_eq!(fraction(-1.0), 0.0);
        assert_eq!(fraction(0.25), 0.25);
    }
}
