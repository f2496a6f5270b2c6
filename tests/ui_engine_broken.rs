//! A bug in the engine, as the app shows it: a worker that panics while a
//! declaration is being sent (the debug-only fault point) never leaves the
//! page waiting. The Declarations page says sending stopped on an error of
//! the app and offers to restart it; after the restart, the row is looked up
//! on the sandbox and sent once, accepted. Its own test binary: the fault
//! point is set for the whole process.

#![cfg(feature = "gui")]

mod common;

use std::time::{Duration, Instant};

use common::{
    english, fill_new, go_to, harness_in, new_data_dir, wait_until_opened, with_sandbox_account,
};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::submit::state::State;
use fla_assistant::ui::Page;

#[test]
fn a_bug_while_sending_is_said_and_sending_restarts() {
    // The first row to reach `sending` panics its worker, once.
    std::env::set_var("FLA_TEST_AFTER_SENDING", "panic:1");
    let data = new_data_dir();
    let mut harness = harness_in(english(), &data);
    with_sandbox_account(&mut harness);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    fill_new(&mut harness, "REF-1", "First aid");
    // The table's check box (the editor's come after it).
    harness
        .get_all_by_role(Role::CheckBox)
        .next()
        .unwrap()
        .click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Submit selected (1)")
        .click();

    let said = tr(Lang::En, "decl.engine_broken");
    let start = Instant::now();
    while harness.query_by_label(&said).is_none() {
        assert!(start.elapsed() < Duration::from_secs(60), "never said");
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness
        .get_by_role_and_label(Role::Button, &tr(Lang::En, "decl.restart_engine"))
        .click();
    let start = Instant::now();
    loop {
        harness.step();
        let rows = harness.state().engine.rows();
        if rows.iter().any(|r| r.view.state == State::Accepted) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never accepted: {:?}",
            rows.iter().map(|r| r.view.state).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(2);
    assert!(harness.query_by_label(&said).is_none(), "still said");
}
