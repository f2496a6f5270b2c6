//! The FLA client's unit tests.

use super::*;

#[test]
fn retries_back_off_and_stay_within_the_budget() {
    let r = RetryPolicy::default();
    let timeout = Duration::from_secs(15);
    // Exponential steps, between half and all of each.
    assert_eq!(
        r.next_wait(1, Duration::ZERO, timeout, 0.0),
        Some(Duration::from_millis(250))
    );
    let most = r.next_wait(1, Duration::ZERO, timeout, 0.999).unwrap();
    assert!(most > Duration::from_millis(495) && most <= Duration::from_millis(500));
    assert_eq!(
        r.next_wait(3, Duration::ZERO, timeout, 0.0),
        Some(Duration::from_secs(1))
    );
    assert_eq!(
        r.next_wait(r.max_attempts, Duration::ZERO, timeout, 0.0),
        None
    );
    // Whatever the answers' timing, the attempts and waits end within the
    // budget: a server that never answers is tried until the next attempt
    // could not end in time.
    for t in [1, 2, 5, 15, 30, 120] {
        let timeout = Duration::from_secs(t);
        for jitter in [0.0, 0.5, 0.99] {
            let mut elapsed = timeout; // the first attempt timed out
            let mut attempts = 1;
            while let Some(wait) = r.next_wait(attempts, elapsed, timeout, jitter) {
                elapsed += wait + timeout;
                attempts += 1;
            }
            assert!(
                elapsed <= r.budget.max(timeout),
                "{t} s, jitter {jitter}: {elapsed:?}"
            );
            assert!(elapsed <= timeout.saturating_mul(3).max(timeout));
        }
    }
}

#[test]
fn retry_after_is_seconds_or_an_http_date() {
    let now = token::parse_http_date("Wed, 25 Nov 2026 10:00:00 GMT").unwrap();
    assert_eq!(retry_after("3", now), Some(Duration::from_secs(3)));
    assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
    assert_eq!(
        retry_after("Wed, 25 Nov 2026 10:00:07 GMT", now),
        Some(Duration::from_secs(7))
    );
    // A date already past: no wait.
    assert_eq!(
        retry_after("Wed, 25 Nov 2026 09:59:00 GMT", now),
        Some(Duration::ZERO)
    );
    // Capped, whichever form.
    assert_eq!(retry_after("86400", now), Some(MAX_RETRY_AFTER));
    assert_eq!(
        retry_after("Thu, 26 Nov 2026 10:00:00 GMT", now),
        Some(MAX_RETRY_AFTER)
    );
    assert_eq!(retry_after("soon", now), None);
    assert_eq!(retry_after("-1", now), None);
}

#[test]
fn backoff_steps_double_with_jitter_and_stay_bounded() {
    let r = RetryPolicy {
        first_wait: Duration::from_millis(100),
        max_wait: Duration::from_millis(1000),
        ..RetryPolicy::default()
    };
    for attempts in 1..=10 {
        let full = Duration::from_millis(100 * (1 << (attempts - 1))).min(r.max_wait);
        for jitter in [0.0, 0.3, 0.999, 5.0, -1.0] {
            let wait = r.step(attempts, jitter);
            assert!(
                wait >= full / 2 && wait <= full,
                "{attempts} {jitter}: {wait:?}"
            );
        }
    }
    assert_eq!(r.step(1, 0.0), Duration::from_millis(50));
    assert_eq!(r.step(3, 0.0), Duration::from_millis(200));
    assert_eq!(r.step(40, 1.0), r.max_wait);
    for _ in 0..100 {
        let j = jitter();
        assert!((0.0..1.0).contains(&j));
    }
}

#[test]
fn a_403_is_a_missing_mandate_only_by_its_problem_type() {
    let problem: Problem = serde_json::from_str(
        r#"{"type":"urn:problem-type:sigedis:missingMandate","title":"Forbidden",
            "status":403,"detail":"x","enterpriseNumber":"0202239951"}"#,
    )
    .unwrap();
    assert_eq!(problem.enterprise_number.as_deref(), Some("0202239951"));
    let e = ApiError::Forbidden {
        problem_type: "urn:x".into(),
        detail: "no mandate".into(),
        trace_id: Some("t-1".into()),
    };
    assert_eq!(e.code(), "forbidden");
    assert!(!e.is_refusal());
    assert_eq!(e.trace_id(), Some("t-1"));
    assert!(e.message_with_trace(Lang::En).contains("t-1"));
}

#[test]
fn the_schedule_follows_the_contract() {
    let s = PollSchedule::default();
    assert_eq!(s.next_wait(Duration::ZERO), Some(Duration::from_secs(2)));
    assert_eq!(
        s.next_wait(Duration::from_secs(2)),
        Some(Duration::from_secs(1))
    );
    assert_eq!(
        s.next_wait(Duration::from_secs(29)),
        Some(Duration::from_secs(1))
    );
    assert_eq!(
        s.next_wait(Duration::from_secs(30)),
        Some(Duration::from_secs(60))
    );
    assert_eq!(
        s.next_wait(Duration::from_secs(290)),
        Some(Duration::from_secs(10))
    );
    assert_eq!(s.next_wait(Duration::from_secs(300)), None);
}
