//! Frame time of the Bulk page with 100,000 rows in its preview, headless
//! (egui_kittest, no GPU): a Dutch Excel CSV made here is read by the page as
//! a dropped file (on the runtime, as in the app), then 200 frames are timed
//! while the preview scrolls. Target ≤ 8 ms a frame (issue 11).
//! Run: `cargo bench --bench bulk_page` (release; `--profile dev` reuses a
//! test build, slower, so an upper bound).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

mod common;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use fla_assistant::i18n::Lang;
use fla_assistant::ui::bulk::BulkPage;
use fla_assistant::ui::declarations::host::DeclarationsHost;
use fla_assistant::ui::tasks::Tasks;

const ROWS: usize = 100_000;
const FRAMES: usize = 200;

/// 100,000 rows as an office exports them; one in fifty with a mistyped INSZ
/// (invalid), every one late at the page's date (a warning): the longest texts.
fn csv_bytes() -> Vec<u8> {
    let mut text = String::from(common::OFFICE_HEADER);
    for i in 0..ROWS {
        let mut ssin = common::ssin(i);
        if i % 50 == 7 {
            ssin.replace_range(ssin.len() - 1.., "x");
        }
        let day = 1 + i % 28;
        text.push_str(&format!(
            "BENCH-{i:06};BE 0403.170.701;{ssin};Néerlandais B{};Formeel;{day:02}/03/2025;{day:02}/03/2025;3,5;uren;ja;nee;;ja\r\n",
            i % 3,
        ));
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    bytes.into_owned()
}

struct Bench {
    page: BulkPage,
    tasks: Tasks,
    host: DeclarationsHost,
    remembered: BTreeMap<String, String>,
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("office.csv");
    std::fs::write(&path, csv_bytes()).unwrap();
    let mut page = BulkPage::default();
    page.today = Some(time::macros::date!(2025 - 11 - 01));
    page.file_dropped(&path);
    let bench = Bench {
        page,
        tasks: Tasks::new().unwrap(),
        host: DeclarationsHost::new(dir.path().join("data")),
        remembered: BTreeMap::new(),
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 1400.0))
        .build_ui_state(
            |ui, b: &mut Bench| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    b.page.ui(
                        ui,
                        Lang::En,
                        &b.tasks,
                        &b.host,
                        &b.remembered,
                        fla_assistant::ui::bulk::BulkFor {
                            profile: &Default::default(),
                            dimona: Default::default(),
                        },
                    );
                });
            },
            bench,
        );
    let started = Instant::now();
    harness.step();
    while harness.state().page.is_busy() {
        assert!(started.elapsed() < Duration::from_secs(60), "never read");
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    for _ in 0..20 {
        harness.step();
    }
    let total = format!(
        "{} rows:",
        fla_assistant::i18n::format_count(Lang::En, ROWS as u64)
    );
    harness.get_by_label_contains(&total);
    // Over the preview: under its header row.
    let header = harness.get_by_label("Check").rect();
    let over = egui::pos2(header.center().x, header.bottom() + 120.0);
    assert!(harness.query_by_label("BENCH-000003").is_some());
    let times = common::scrolling_frames(&mut harness, FRAMES, over, 400.0, |h| {
        // The preview did scroll: its first row is out of sight.
        assert!(h.query_by_label("BENCH-000003").is_none(), "no scrolling");
    });
    println!("bulk page, {ROWS} rows in the preview, {}", times.summary());
}
