//! What the benches share: made-up office data, and the frame-time
//! measurement of a page while its table scrolls (headless, egui_kittest).

#![allow(dead_code)] // Each bench takes what it needs.

use std::time::Duration;

/// A valid SSIN for a birth in 1950-1999 (`n` varies the serial), formatted
/// as offices type it (`85.07.30-033.28`).
pub fn ssin(n: usize) -> String {
    let year = 50 + n % 50;
    let month = 1 + n % 12;
    let day = 1 + n % 28;
    let serial = 1 + n % 997;
    let nine = format!("{year:02}{month:02}{day:02}{serial:03}");
    let check = 97 - nine.parse::<u64>().unwrap() % 97;
    format!(
        "{}.{}.{}-{}.{check:02}",
        &nine[..2],
        &nine[2..4],
        &nine[4..6],
        &nine[6..9]
    )
}

/// The Dutch Excel header row the office CSVs of the benches start with.
pub const OFFICE_HEADER: &str = "Extern referentienummer;Ondernemingsnummer;INSZ;Naam opleiding;Type opleiding;Begindatum;Einddatum;Duur;Eenheid;Gevolgd;Attest behaald;Attest geldig tot;Telt mee voor FLA\r\n";

/// Times `frames` frames, each after a mouse-wheel event at `at` that scrolls
/// by `delta` points (down for the first half, then back up). `midway` runs
/// once, at the turn (e.g. to check that the table did scroll).
#[cfg(feature = "gui")]
pub fn scrolling_frames<S>(
    harness: &mut egui_kittest::Harness<'_, S>,
    frames: usize,
    at: egui::Pos2,
    delta: f32,
    mut midway: impl FnMut(&egui_kittest::Harness<'_, S>),
) -> FrameTimes {
    let mut samples = Vec::with_capacity(frames);
    for i in 0..frames {
        if i == frames / 2 {
            midway(harness);
        }
        let delta = if i < frames / 2 { -delta } else { delta };
        harness.hover_at(at);
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, delta),
            modifiers: egui::Modifiers::NONE,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
        });
        let t = std::time::Instant::now();
        harness.step();
        samples.push(t.elapsed());
    }
    samples.sort();
    FrameTimes(samples)
}

/// Frame times, sorted.
pub struct FrameTimes(pub Vec<Duration>);

impl FrameTimes {
    fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1e3
    }

    /// The `q` quantile (0.5: the median).
    pub fn quantile(&self, q: f64) -> Duration {
        self.0[((self.0.len() as f64 - 1.0) * q) as usize]
    }

    /// "N scrolling frames: mean …, median …, p95 …, p99 …, max … (target <= 8 ms)".
    pub fn summary(&self) -> String {
        self.summary_of("scrolling frames")
    }

    /// "N `what`: mean …, median …, p95 …, p99 …, max … (target <= 8 ms)".
    pub fn summary_of(&self, what: &str) -> String {
        let n = self.0.len();
        let mean = self.0.iter().sum::<Duration>() / n as u32;
        format!(
            "{n} {what}: mean {:.2} ms, median {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target <= 8 ms)",
            Self::ms(mean),
            Self::ms(self.quantile(0.5)),
            Self::ms(self.quantile(0.95)),
            Self::ms(self.quantile(0.99)),
            Self::ms(self.0[n - 1]),
        )
    }
}
