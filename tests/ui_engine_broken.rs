//! A bug in the engine, as the app shows it: a worker that panics while a
//! declaration is being sent (the debug-only fault point) never leaves the
//! page waiting. The Declarations page says sending stopped on an error of
//! the app and offers to restart it; after the restart, the row is looked up
//! on the sandbox and sent once, accepted. Its own test binary: the fault
//! point is set for the whole process.

#![cfg(feature = "gui")]

use fla_test_support::app as common;

use common::{
    english, fill_new, go_to, harness_in, new_data_dir, step_until, wait_until_opened,
    with_sandbox_account,
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
    step_until(&mut harness, "never said", 60, |h| {
        h.query_by_label(&said).is_some()
    });
    harness
        .get_by_role_and_label(Role::Button, &tr(Lang::En, "decl.restart_engine"))
        .click();
    step_until(&mut harness, "never accepted", 60, |h| {
        h.state()
            .engine
            .rows()
            .iter()
            .any(|r| r.view.state == State::Accepted)
    });
    harness.run_steps(2);
    assert!(harness.query_by_label(&said).is_none(), "still said");
}
