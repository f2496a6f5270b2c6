//! Frame time of the Declarations page with 100,000 rows, headless (egui_kittest,
//! no GPU): the layout and drawing work of each frame while scrolling through the
//! table, filtering and sorting. Target ≤ 8 ms a frame.
//! Run: `cargo bench --bench declarations_table` (add `--profile dev` to reuse a
//! test build; that is slower than release, so an upper bound).

use egui_kittest::Harness;
use fla_assistant::i18n::Lang;
use fla_assistant::submit::engine::drafts::DraftRow;
use fla_assistant::submit::engine::RowView;
use fla_assistant::submit::journal::DraftForm;
use fla_assistant::submit::state::State;
use fla_assistant::ui::declarations::DeclarationsPage;

mod common;

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
    let times =
        common::scrolling_frames(&mut harness, 300, egui::pos2(640.0, 300.0), 600.0, |_| {});
    println!("declarations table, {ROWS} rows, {}", times.summary());
}
