//! The pace of the requests to one server: how many may be in flight at once,
//! found from the server's answers, since users do not know its limit and
//! should not have to. A pure controller ([`Controller`]: no clock, `now` is
//! passed in) and the async limiter the engine takes its slots from ([`Pace`]).
//! Nothing here sends a request or sleeps on the server's behalf: the client
//! waits a 429's `Retry-After` itself and tells the pace what it met.
//!
//! The controller is AIMD, in the spirit of TCP's and of Netflix's
//! concurrency-limits: the limit grows by one a round trip while answers come
//! back clean; a 429, a 503, a timeout or a sudden rise of the latency cuts it
//! by [`BACKOFF`], at most once a round trip (answers to requests sent before
//! the cut do not cut again: the cut already answered them). No slow start:
//! doubling from 8 overshoots a server that takes 15 by a whole burst of 429s,
//! and one more a round trip reaches 64 within a second on a near server.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::fla::client::{Answered, Observer};

/// The most requests in flight when the user sets no bound (`--concurrency`).
pub const MAX_LIMIT: usize = 64;

/// Where the limit starts: the engine's fixed pace before it adapted, so a
/// first burst is no harder on a server than it was.
pub const INITIAL_LIMIT: usize = 8;

/// What a cut keeps of the limit. A half empties a server's queue (or a token
/// bucket's debt) within a round trip; gentler cuts meet the limit again
/// sooner, and so more often.
pub const BACKOFF: f64 = 0.5;

/// The latency counts as rising when its recent average passes this many
/// times its long average…
const LATENCY_TOLERANCE: f64 = 2.0;

/// …and by at least this much: on loopback a few milliseconds of scheduling
/// noise double the latency without the server being any slower.
const LATENCY_FLOOR: Duration = Duration::from_millis(50);

/// Weights of one answer in the recent and in the long latency averages.
const SHORT_WEIGHT: f64 = 0.2;
const LONG_WEIGHT: f64 = 0.02;

/// Rows under way (their `sending` committed, waiting for a slot or on the
/// network) per slot: enough that no request waits for the journal, few
/// enough that a crash leaves few rows to check by reference.
pub const AHEAD_PER_SLOT: usize = 2;

/// What one answer says about the server's pace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Signal {
    /// Answered, not overloaded (any 2xx, 3xx or 4xx but 429), after `latency`.
    Clean { latency: Duration },
    /// A 429, a 503 or no answer within the timeout.
    Overloaded,
    /// Says nothing about the pace (a 500, a connection refused).
    Neutral,
}

impl Signal {
    /// What the client met, as a signal.
    pub fn of(answer: Answered, latency: Duration) -> Signal {
        match answer {
            Answered::Status(429 | 503) | Answered::TimedOut => Signal::Overloaded,
            Answered::Status(s) if s >= 500 => Signal::Neutral,
            Answered::Status(_) => Signal::Clean { latency },
            Answered::NoAnswer => Signal::Neutral,
        }
    }
}

/// The limit of requests in flight, from the answers.
#[derive(Debug, Clone)]
pub struct Controller {
    /// Fractional: additive increase adds 1/limit an answer.
    limit: f64,
    max: usize,
    last_cut: Option<Instant>,
    short: Option<f64>,
    long: Option<f64>,
}

impl Controller {
    /// A limit between 1 and `max` (at least 1), starting at
    /// [`INITIAL_LIMIT`] or `max` if lower.
    pub fn new(max: usize) -> Controller {
        let max = max.max(1);
        Controller {
            limit: INITIAL_LIMIT.min(max) as f64,
            max,
            last_cut: None,
            short: None,
            long: None,
        }
    }

    /// Requests that may be in flight now.
    pub fn limit(&self) -> usize {
        (self.limit.floor() as usize).clamp(1, self.max)
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// An answer to a request sent at `sent`, seen at `now`, while
    /// `in_flight` requests (this one included) held slots.
    pub fn answer(&mut self, signal: Signal, sent: Instant, in_flight: usize, now: Instant) {
        match signal {
            Signal::Neutral => {}
            Signal::Overloaded => self.cut(sent, now),
            Signal::Clean { latency } => {
                let secs = latency.as_secs_f64();
                let short = ewma(self.short, secs, SHORT_WEIGHT);
                let long = ewma(self.long, secs, LONG_WEIGHT);
                self.short = Some(short);
                self.long = Some(long);
                if short > LATENCY_TOLERANCE * long && short - long > LATENCY_FLOOR.as_secs_f64() {
                    self.cut(sent, now);
                } else if 2 * in_flight >= self.limit() {
                    // Grown only while used: a run with little to send (the
                    // polls at its end) says nothing about what the server takes.
                    self.limit = (self.limit + 1.0 / self.limit).min(self.max as f64);
                }
            }
        }
    }

    fn cut(&mut self, sent: Instant, now: Instant) {
        if self.last_cut.is_some_and(|cut| sent < cut) {
            return;
        }
        self.limit = (self.limit * BACKOFF).max(1.0);
        self.last_cut = Some(now);
    }
}

fn ewma(previous: Option<f64>, value: f64, weight: f64) -> f64 {
    match previous {
        Some(p) => p + weight * (value - p),
        None => value,
    }
}

/// The async limiter: slots for requests in flight (up to the controller's
/// limit) and places for rows under way (up to [`AHEAD_PER_SLOT`] times it).
/// Waiters are served in turn ([`Notify`] wakes the longest waiting first).
pub struct Pace {
    state: Mutex<PaceState>,
    slot_freed: Notify,
    place_freed: Notify,
}

struct PaceState {
    ctl: Controller,
    in_flight: usize,
    under_way: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Slot,
    Place,
}

impl PaceState {
    fn count(&mut self, gate: Gate) -> (&mut usize, usize) {
        let limit = self.ctl.limit();
        match gate {
            Gate::Slot => (&mut self.in_flight, limit),
            Gate::Place => (&mut self.under_way, AHEAD_PER_SLOT * limit),
        }
    }
}

/// A request's slot, given back when dropped.
#[must_use = "the slot is given back when dropped"]
pub struct Slot {
    pace: Arc<Pace>,
    gate: Gate,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.pace.give_back(self.gate);
    }
}

impl Pace {
    /// At most `max` requests in flight (at least 1).
    pub fn new(max: usize) -> Arc<Pace> {
        Arc::new(Pace {
            state: Mutex::new(PaceState {
                ctl: Controller::new(max),
                in_flight: 0,
                under_way: 0,
            }),
            slot_freed: Notify::new(),
            place_freed: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, PaceState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Requests that may be in flight now.
    pub fn limit(&self) -> usize {
        self.lock().ctl.limit()
    }

    /// Requests holding a slot now.
    pub fn in_flight(&self) -> usize {
        self.lock().in_flight
    }

    /// A slot for one request (and its retries), in turn.
    pub async fn slot(self: &Arc<Self>) -> Slot {
        self.take(Gate::Slot).await
    }

    /// A place for one row under way, in turn.
    pub async fn place(self: &Arc<Self>) -> Slot {
        self.take(Gate::Place).await
    }

    fn freed(&self, gate: Gate) -> &Notify {
        match gate {
            Gate::Slot => &self.slot_freed,
            Gate::Place => &self.place_freed,
        }
    }

    async fn take(self: &Arc<Self>, gate: Gate) -> Slot {
        loop {
            // Registered before looking, so a slot freed in between wakes it.
            let freed = self.freed(gate).notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            {
                let mut state = self.lock();
                let (count, cap) = state.count(gate);
                if *count < cap {
                    *count += 1;
                    return Slot {
                        pace: self.clone(),
                        gate,
                    };
                }
            }
            freed.await;
        }
    }

    fn give_back(&self, gate: Gate) {
        let free = {
            let mut state = self.lock();
            let (count, cap) = state.count(gate);
            *count = count.saturating_sub(1);
            *count < cap
        };
        if free {
            self.freed(gate).notify_one();
        }
    }

    /// An answer to a request sent at `sent`.
    pub fn answered(&self, signal: Signal, sent: Instant, now: Instant) {
        let (before, after) = {
            let mut state = self.lock();
            let before = state.ctl.limit();
            let in_flight = state.in_flight;
            state.ctl.answer(signal, sent, in_flight, now);
            (before, state.ctl.limit())
        };
        // A higher limit frees slots that no give-back will announce.
        for _ in before..after {
            self.slot_freed.notify_one();
            for _ in 0..AHEAD_PER_SLOT {
                self.place_freed.notify_one();
            }
        }
    }
}

impl Observer for Pace {
    fn observe(&self, answer: Answered, sent: Instant, latency: Duration) {
        self.answered(Signal::of(answer, latency), sent, Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RTT: Duration = Duration::from_millis(150);

    fn clean() -> Signal {
        Signal::Clean { latency: RTT }
    }

    /// `n` clean answers, each one round trip after it was sent, with the
    /// limit in use.
    fn clean_answers(c: &mut Controller, t: &mut Instant, n: usize) {
        for _ in 0..n {
            *t += Duration::from_millis(1);
            let in_flight = c.limit();
            c.answer(clean(), *t - RTT, in_flight, *t);
        }
    }

    #[test]
    fn it_starts_at_eight_or_the_bound_and_never_leaves_the_bounds() {
        assert_eq!(Controller::new(64).limit(), 8);
        assert_eq!(Controller::new(3).limit(), 3);
        assert_eq!(Controller::new(0).limit(), 1);
        let mut t = Instant::now();
        let mut c = Controller::new(64);
        clean_answers(&mut c, &mut t, 10_000);
        assert_eq!(c.limit(), 64);
        let mut one = Controller::new(1);
        clean_answers(&mut one, &mut t, 100);
        assert_eq!(one.limit(), 1, "--concurrency 1 is one at a time");
        for _ in 0..20 {
            t += RTT;
            c.answer(Signal::Overloaded, t, 1, t);
        }
        assert_eq!(c.limit(), 1);
    }

    /// Clean answers until the limit is `limit`.
    fn grow_to(c: &mut Controller, t: &mut Instant, limit: usize) {
        while c.limit() < limit {
            clean_answers(c, t, 1);
        }
    }

    #[test]
    fn clean_answers_add_one_a_round_trip() {
        let mut t = Instant::now();
        let mut c = Controller::new(64);
        // A round trip's answers at 8 in flight (and one: each adds 1/limit
        // of the limit as it grows): 9.
        clean_answers(&mut c, &mut t, 7);
        assert_eq!(c.limit(), 8);
        clean_answers(&mut c, &mut t, 2);
        assert_eq!(c.limit(), 9);
        clean_answers(&mut c, &mut t, 10);
        assert_eq!(c.limit(), 10);
    }

    #[test]
    fn a_429_or_503_or_timeout_halves_the_limit_once_a_round_trip() {
        for answer in [
            Answered::Status(429),
            Answered::Status(503),
            Answered::TimedOut,
        ] {
            let mut t = Instant::now();
            let mut c = Controller::new(64);
            grow_to(&mut c, &mut t, 32);
            t += RTT;
            c.answer(Signal::of(answer, RTT), t - RTT, 32, t);
            assert_eq!(c.limit(), 16, "{answer:?}");
            // Answers to requests sent before the cut do not cut again.
            for _ in 0..10 {
                c.answer(Signal::of(answer, RTT), t - Duration::from_millis(1), 32, t);
            }
            assert_eq!(c.limit(), 16, "{answer:?}");
            // A request sent after the cut does.
            t += RTT;
            c.answer(Signal::of(answer, RTT), t - RTT / 2, 16, t);
            assert_eq!(c.limit(), 8, "{answer:?}");
        }
    }

    #[test]
    fn other_answers_say_nothing_about_the_pace() {
        let t = Instant::now();
        for answer in [Answered::Status(500), Answered::NoAnswer] {
            let mut c = Controller::new(64);
            c.answer(Signal::of(answer, RTT), t, 8, t);
            assert_eq!(c.limit(), 8, "{answer:?}");
        }
        // A 404 (still processing) or a 409 is an answer like a 201.
        assert_eq!(Signal::of(Answered::Status(404), RTT), clean());
        assert_eq!(Signal::of(Answered::Status(409), RTT), clean());
    }

    #[test]
    fn a_rising_latency_cuts_and_noise_on_loopback_does_not() {
        let mut t = Instant::now();
        let mut c = Controller::new(64);
        grow_to(&mut c, &mut t, 20);
        clean_answers(&mut c, &mut t, 200);
        let before = c.limit();
        // The server starts queueing: 150 ms becomes 600 ms.
        for _ in 0..10 {
            t += Duration::from_millis(5);
            c.answer(
                Signal::Clean {
                    latency: Duration::from_millis(600),
                },
                t - Duration::from_millis(600),
                before,
                t,
            );
        }
        assert!(c.limit() <= before / 2, "{} of {before}", c.limit());

        // On loopback 1 ms becoming 10 ms is noise, not a slower server.
        let mut c = Controller::new(64);
        for i in 0..3000 {
            t += Duration::from_millis(1);
            let ms = if i % 10 == 0 { 10 } else { 1 };
            let in_flight = c.limit();
            c.answer(
                Signal::Clean {
                    latency: Duration::from_millis(ms),
                },
                t - Duration::from_millis(ms),
                in_flight,
                t,
            );
        }
        assert_eq!(c.limit(), 64);
    }

    #[test]
    fn an_idle_run_does_not_grow_the_limit() {
        let mut t = Instant::now();
        let mut c = Controller::new(64);
        for _ in 0..100 {
            t += RTT;
            c.answer(clean(), t - RTT, 1, t);
        }
        assert_eq!(c.limit(), 8);
    }

    /// A server that takes `rate` requests a second (a token bucket with a
    /// second's worth, deciding as a request arrives) `rtt` away, simulated
    /// in steps of a millisecond; a 429 keeps its slot for its `Retry-After`
    /// (1 s) and is sent again, as the client does. Gives the requests taken
    /// a second, the share answered 429 and the mean limit of the second half.
    fn simulate(rate: f64, rtt: Duration, seconds: u64) -> (f64, f64, f64) {
        let start = Instant::now();
        let mut c = Controller::new(64);
        let mut tokens = rate;
        // (answer due, sent)
        let mut in_flight: Vec<(Instant, Instant)> = Vec::new();
        let (mut ok, mut refused) = (0usize, 0usize);
        let mut limits = Vec::new();
        let steps = seconds * 1000;
        for ms in 0..steps {
            let now = start + Duration::from_millis(ms);
            tokens = (tokens + rate / 1000.0).min(rate);
            let (due, rest): (Vec<_>, Vec<_>) =
                in_flight.into_iter().partition(|(at, _)| *at <= now);
            in_flight = rest;
            let answers = due.len();
            for (i, (_, sent)) in due.into_iter().enumerate() {
                // Slots are given back after the answer is seen.
                let n = in_flight.len() + answers - i;
                if tokens >= 1.0 {
                    tokens -= 1.0;
                    ok += 1;
                    c.answer(Signal::Clean { latency: rtt }, sent, n, now);
                } else {
                    refused += 1;
                    c.answer(Signal::Overloaded, sent, n, now);
                    let again = now + Duration::from_secs(1);
                    in_flight.push((again + rtt, again));
                }
            }
            while in_flight.len() < c.limit() {
                in_flight.push((now + rtt, now));
            }
            if ms >= steps / 2 {
                limits.push(c.limit());
            }
        }
        let mean = limits.iter().sum::<usize>() as f64 / limits.len() as f64;
        let share_429 = refused as f64 / (ok + refused) as f64;
        (ok as f64 / seconds as f64, share_429, mean)
    }

    #[test]
    fn against_a_rate_limit_it_settles_near_the_rate_with_few_429s() {
        for (rate, rtt_ms) in [(100.0, 150), (40.0, 50), (40.0, 150)] {
            let rtt = Duration::from_millis(rtt_ms);
            let (taken, share_429, mean_limit) = simulate(rate, rtt, 30);
            let truth = rate * rtt.as_secs_f64();
            assert!(taken >= 0.9 * rate, "{rate}/s {rtt_ms} ms: {taken}/s");
            assert!(share_429 < 0.1, "{rate}/s {rtt_ms} ms: {share_429}");
            assert!(
                mean_limit < 3.0 * truth + 1.0 && mean_limit > truth / 3.0,
                "{rate}/s {rtt_ms} ms: limit {mean_limit}, truth {truth}"
            );
        }
    }

    #[tokio::test]
    async fn slots_wait_for_a_free_one_and_a_higher_limit_frees_them() {
        let pace = Pace::new(2);
        let a = pace.slot().await;
        let _b = pace.slot().await;
        assert_eq!(pace.in_flight(), 2);
        let p = pace.clone();
        let waiting = tokio::spawn(async move { p.slot().await });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(a);
        let c = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("a slot given back is taken")
            .expect("the task ran");
        assert_eq!(pace.in_flight(), 2);
        drop(c);

        // A limit that grows lets waiters in without any give-back.
        let pace = Pace::new(64);
        let held: Vec<Slot> = futures_slots(&pace, 8).await;
        let p = pace.clone();
        let waiting = tokio::spawn(async move { p.slot().await });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        // A round trip's answers at 8 in flight (and one): 9.
        let t = Instant::now();
        for _ in 0..9 {
            pace.answered(clean(), t, t);
        }
        let taken = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("a higher limit frees a slot")
            .expect("the task ran");
        drop(taken);
        assert_eq!(pace.limit(), 9);
        drop(held);
        assert_eq!(pace.in_flight(), 0);
    }

    async fn futures_slots(pace: &Arc<Pace>, n: usize) -> Vec<Slot> {
        let mut held = Vec::new();
        for _ in 0..n {
            held.push(pace.slot().await);
        }
        held
    }

    #[tokio::test]
    async fn a_bound_of_one_is_one_request_at_a_time_whatever_the_answers() {
        let pace = Pace::new(1);
        let one = pace.slot().await;
        // Clean answers while the slot is used: the limit would grow.
        let t = Instant::now();
        for _ in 0..100 {
            pace.answered(clean(), t, t);
        }
        let p = pace.clone();
        let second = tokio::spawn(async move { p.slot().await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !second.is_finished(),
            "a second request while one is in flight"
        );
        drop(one);
        let taken = tokio::time::timeout(Duration::from_secs(5), second)
            .await
            .expect("the slot given back is taken")
            .expect("the task ran");
        drop(taken);
    }

    #[tokio::test]
    async fn rows_under_way_are_twice_the_limit() {
        let pace = Pace::new(3);
        let mut held = Vec::new();
        for _ in 0..6 {
            held.push(pace.place().await);
        }
        let p = pace.clone();
        let waiting = tokio::spawn(async move { p.place().await });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        held.pop();
        let taken = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("a place given back is taken")
            .expect("the task ran");
        drop(taken);
    }
}
