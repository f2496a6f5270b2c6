//! Frame time of the Declarations page with 100,000 rows, headless (egui_kittest,
//! no GPU): the layout and drawing work of each frame while scrolling through the
//! table, filtering and sorting. Target ≤ 8 ms a frame.
//! Run: `cargo bench --bench declarations_table` (add `--profile dev` to reuse a
//! test build; that is slower than release, so an upper bound).

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use fla_assistant::i18n::Lang;
use fla_assistant::submit::engine::drafts::DraftRow;
use fla_assistant::submit::engine::RowView;
use fla_assistant::submit::journal::DraftForm;
use fla_assistant::submit::state::State;
use fla_assistant::ui::declarations::DeclarationsPage;

const ROWS: usize = 100_000;

fn rows() -> Vec<DraftRow> {
    (0..ROWS)
        .map(|i| DraftRow {
            view: RowView {
                id: i as i64 + 1,
                state: State::ALL[i % State::ALL.len()],
                reference: format!("HR-2025-{i:06}"),
                enterprise: "0403170701".into(),
                server_id: (i % 3 == 0).then_some(i as i64),
                correction_of: None,
                result: None,
                anomalies: vec![],
                error: None,
                source: None,
                watching: false,
                duplicate_avoided: false,
            },
            form: DraftForm {
                reference: format!("HR-2025-{i:06}"),
                enterprise: "0403170701".into(),
                ssin: format!("85{:09}", i * 7919 % 1_000_000_000),
                name: format!("Training {}", i % 977),
                start: format!("2025-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                end: format!("2025-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                duration: "7.5".into(),
                ..DraftForm::default()
            },
            remote: false,
            sent_at_ms: None,
        })
        .collect()
}

fn main() {
    let mut page = DeclarationsPage::new();
    page.set_rows(rows());
    let client =
        |_: Lang| Err::<fla_assistant::fla::client::TokenSource, String>("not needed".into());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(
            move |ui, page: &mut DeclarationsPage| page.ui(ui, Lang::En, None, &client, &[]),
            page,
        );
    for _ in 0..20 {
        harness.step();
    }
    let frames = 300;
    let mut samples = Vec::with_capacity(frames);
    for i in 0..frames {
        // Scroll the table down, a screenful at a time, then back up.
        let delta = if i < frames / 2 { -600.0 } else { 600.0 };
        harness.hover_at(egui::pos2(640.0, 300.0));
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, delta),
            modifiers: egui::Modifiers::NONE,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
        });
        let t = Instant::now();
        harness.step();
        samples.push(t.elapsed());
    }
    samples.sort();
    let pick = |q: f64| samples[((frames as f64 - 1.0) * q) as usize];
    let mean = samples.iter().sum::<Duration>() / frames as u32;
    println!(
        "declarations table, {ROWS} rows, {frames} scrolling frames: mean {:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms (target <= 8 ms)",
        mean.as_secs_f64() * 1e3,
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.95).as_secs_f64() * 1e3,
        samples[frames - 1].as_secs_f64() * 1e3,
    );
}
