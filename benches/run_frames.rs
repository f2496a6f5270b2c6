//! Frame time of the Bulk and Declarations pages *while a run sends*: the
//! whole app headless (egui_kittest, no GPU) with a sandbox account, a
//! 10,000-row office CSV read on the Bulk page and sent to the app's sandbox
//! on loopback; while the engine stores, sends and polls, frames are timed on
//! the Bulk page and on the Declarations page in turn (25 frames each), until
//! every row has the server's result; five such runs, each in a new app and
//! journal. Target: p99 ≤ 8 ms a frame on each page (issue 18).
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
/// Runs of `ROWS` rows, each in a new app (a run lasts seconds: more frames).
const ROUNDS: usize = 5;
/// Frames timed on one page before going to the other.
const TURN: usize = 25;

/// `ROWS` rows of last week's trainings, as a Dutch office exports them; the
/// references of round `round`.
fn office_csv(dir: &Path, round: usize) -> PathBuf {
    let today = time::OffsetDateTime::now_utc().date();
    let start = today - time::Duration::days(7);
    let end = today - time::Duration::days(6);
    let d = |d: time::Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    let mut text = String::from(common::OFFICE_HEADER);
    for i in 0..ROWS {
        text.push_str(&format!(
            "RUN{round}-{i:06};0403.170.701;{};Excel voor gevorderden {};Formeel;{};{};7,5;uren;ja;nee;;ja\r\n",
            common::ssin(i),
            i % 7,
            d(start),
            d(end),
        ));
    }
    let path = dir.join(format!("office-{round}.csv"));
    std::fs::write(&path, encoding_rs::WINDOWS_1252.encode(&text).0).unwrap();
    path
}

/// Rows settled (the server's result, or held back) and accepted (with or
/// without a warning: the sandbox warns about a worker it does not know).
fn settled_and_accepted(harness: &Harness<'static, FlaApp>) -> (usize, usize) {
    let view = harness.state().engine.view();
    let count = |keep: &dyn Fn(State) -> bool| -> usize {
        view.counts
            .iter()
            .filter(|(s, _)| keep(**s))
            .map(|(_, n)| n)
            .sum()
    };
    (
        count(&|s| s.is_result() || matches!(s, State::Failed | State::Invalid)),
        count(&|s| s.is_accepted()),
    )
}

/// Reads round `round`'s file on the Bulk page and sends its rows.
fn read_and_send(harness: &mut Harness<'static, FlaApp>, dir: &Path, round: usize) {
    let path = office_csv(dir, round);
    app::go_to(harness, Page::Bulk);
    app::retype(
        harness,
        &tr(Lang::En, "bulk.file"),
        &path.display().to_string(),
    );
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, &tr(Lang::En, "bulk.read"))
        .click();
    harness.run_steps(2);
    app::wait_until_opened(harness);
    let send = tr(Lang::En, "bulk.send.other").replace("{n}", &format_n(ROWS));
    app::step_until(harness, "the file was never read", 60, |h| {
        h.query_by_role_and_label(Role::Button, &send).is_some()
    });
    harness.get_by_role_and_label(Role::Button, &send).click();
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut bulk = Vec::new();
    let mut declarations = Vec::new();
    for round in 0..ROUNDS {
        // Each run on a new app and journal: a 10,000-row run, as a user starts one.
        let mut harness: Harness<'static, FlaApp> = app::harness_sized(
            app::english(),
            &dir.path().join(format!("data-{round}")),
            egui::vec2(1280.0, 1000.0),
        );
        app::with_sandbox_account(&mut harness);
        app::step_until(&mut harness, "no engine", 30, |h| {
            h.state().engine.is_online()
        });
        read_and_send(&mut harness, dir.path(), round);
        let started = Instant::now();
        let mut page = Page::Bulk;
        loop {
            let (settled, accepted) = settled_and_accepted(&harness);
            if settled >= ROWS {
                assert_eq!(accepted, settled, "every row accepted");
                println!(
                    "run {round}: {ROWS} rows sent to the sandbox and accepted in {:.1} s",
                    started.elapsed().as_secs_f64(),
                );
                break;
            }
            if started.elapsed() > Duration::from_secs(600) {
                panic!("the run did not end: {settled} settled");
            }
            app::go_to(&mut harness, page);
            let times = if page == Page::Bulk {
                &mut bulk
            } else {
                &mut declarations
            };
            for k in 0..TURN {
                let t = Instant::now();
                harness.step();
                times.push(t.elapsed());
                if std::env::var_os("RUN_FRAMES_SLOW").is_some()
                    && t.elapsed() > Duration::from_millis(8)
                {
                    eprintln!(
                        "slow: {:?} frame {k} of its turn, {:.2} s into run {round}: {:.1} ms",
                        page,
                        started.elapsed().as_secs_f64(),
                        t.elapsed().as_secs_f64() * 1e3
                    );
                }
                // A frame as a window would draw it: no faster than 60 a second.
                std::thread::sleep(Duration::from_millis(16).saturating_sub(t.elapsed()));
            }
            page = if page == Page::Bulk {
                Page::Declarations
            } else {
                Page::Bulk
            };
        }
    }
    for (name, mut times) in [("bulk page", bulk), ("declarations page", declarations)] {
        times.sort();
        println!(
            "{name}, during the runs: {}",
            common::FrameTimes(times).summary_of("frames")
        );
    }
}

/// `n` as the page writes a count in English ("10,000").
fn format_n(n: usize) -> String {
    fla_assistant::i18n::format_count(Lang::En, n as u64)
}
