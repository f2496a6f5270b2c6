//! Times building and signing a client assertion (RS256, 2048-bit key from the
//! openssl3-aes256 fixture): the work of every token request. Target ≤ 2 ms.
//! Run: `cargo bench --no-default-features --bench assertion`.

use std::time::{Duration, Instant};

use fla_assistant::cert;
use fla_assistant::channel::assertion::{build_claims, sign};

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pfx/openssl3-aes256.pfx"
    );
    let data = std::fs::read(path).expect("fixture");
    let contents = cert::open_pkcs12(&data, "Password").expect("opens");
    let key = contents.entries[0].private_key.clone().expect("key");
    let now = time::OffsetDateTime::now_utc();
    let audience = "https://services.socialsecurity.be/REST/oauth/v5/token";

    let once = || {
        let jti = uuid::Uuid::new_v4().to_string();
        let claims = build_claims(
            "self_service_chaman_305369_32a2ocupdo",
            audience,
            now,
            &jti,
            60,
        )
        .expect("claims");
        sign(&claims, &key).expect("signed")
    };
    for _ in 0..50 {
        std::hint::black_box(once());
    }
    let runs = 2_000;
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(once());
            start.elapsed()
        })
        .collect();
    samples.sort();
    let pick = |q: f64| samples[((runs as f64 - 1.0) * q) as usize];
    let mean = samples.iter().sum::<Duration>() / runs;
    println!(
        "assertion build+sign, {runs} runs: mean {:.3} ms, median {:.3} ms, p95 {:.3} ms, p99 {:.3} ms (target <= 2 ms)",
        mean.as_secs_f64() * 1e3,
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.95).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3,
    );
}
