//! Frame time of the Bulk and Declarations pages *while a run sends*: the
//! whole app headless (egui_kittest, no GPU) with a sandbox account, a
//! 10,000-row office CSV read on the Bulk page and sent to the app's sandbox
//! on loopback; while the engine stores, sends and polls, frames are timed on
//! the Bulk page and on the Declarations page in turn (100 frames each), until
//! every row is accepted. Target: p99 ≤ 8 ms a frame on each page (issue 18).
//! Run: `cargo bench --bench run_frames` (release).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;
use fla_test_support::app;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::submit::state::State;
use fla_assistant::ui::{FlaApp, Page};

const ROWS: usize = 10_000;
/// Frames timed on one page before going to the other.
const TURN: usize = 100;

/// `ROWS` rows of last week's trainings, as a Dutch office exports them.
fn office_csv(dir: &Path) -> PathBuf {
    let today = time::OffsetDateTime::now_utc().date();
    let start = today - time::Duration::days(7);
    let end = today - time::Duration::days(6);
    let d = |d: time::Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    let mut text = String::from(common::OFFICE_HEADER);
    for i in 0..ROWS {
        text.push_str(&format!(
            "RUN-{i:06};0403.170.701;{};Excel voor gevorderden {};Formeel;{};{};7,5;uren;ja;nee;;ja\r\n",
            common::ssin(i),
            i % 7,
            d(start),
            d(end),
        ));
    }
    let path = dir.join("office.csv");
    std::fs::write(&path, encoding_rs::WINDOWS_1252.encode(&text).0).unwrap();
    path
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = office_csv(dir.path());
    let mut harness: Harness<'static, FlaApp> = app::harness_sized(
        app::english(),
        &dir.path().join("data"),
        egui::vec2(1280.0, 1000.0),
    );
    app::with_sandbox_account(&mut harness);
    app::step_until(&mut harness, "no engine", 30, |h| {
        h.state().engine.is_online()
    });
    app::go_to(&mut harness, Page::Bulk);
    app::type_into(
        &harness,
        Role::TextInput,
        &tr(Lang::En, "bulk.file"),
        &path.display().to_string(),
    );
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, &tr(Lang::En, "bulk.read"))
        .click();
    harness.run_steps(2);
    app::wait_until_opened(&mut harness);
    let send = tr(Lang::En, "bulk.send.other").replace("{n}", &format_n(ROWS));
    harness.get_by_role_and_label(Role::Button, &send).click();

    let started = Instant::now();
    let mut bulk = Vec::new();
    let mut declarations = Vec::new();
    let mut page = Page::Bulk;
    loop {
        let accepted = {
            let view = harness.state().engine.view();
            view.counts.get(&State::Accepted).copied().unwrap_or(0)
        };
        if accepted >= ROWS {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the run did not end: {accepted} of {ROWS} accepted"
        );
        app::go_to(&mut harness, page);
        let times = if page == Page::Bulk {
            &mut bulk
        } else {
            &mut declarations
        };
        for _ in 0..TURN {
            let t = Instant::now();
            harness.step();
            times.push(t.elapsed());
            // A frame as a window would draw it: no faster than 60 a second.
            std::thread::sleep(Duration::from_millis(16).saturating_sub(t.elapsed()));
        }
        page = if page == Page::Bulk {
            Page::Declarations
        } else {
            Page::Bulk
        };
    }
    let run = started.elapsed();
    println!(
        "{ROWS} rows sent to the sandbox and accepted in {:.1} s",
        run.as_secs_f64()
    );
    for (name, mut times) in [("bulk page", bulk), ("declarations page", declarations)] {
        times.sort();
        println!(
            "{name}, during the run: {}",
            common::FrameTimes(times).summary_of("frames")
        );
    }
}

/// `n` as the page writes a count in English ("10,000").
fn format_n(n: usize) -> String {
    fla_assistant::i18n::format_count(Lang::En, n as u64)
}
