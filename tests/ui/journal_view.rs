//! The Declarations page follows the environment and the profile: one journal
//! per environment (switching environment shows the other journal's rows), and
//! the rows of the current profile's enterprises, with a note that says how
//! many are hidden and a toggle that shows them all.
#![cfg(feature = "gui")]

use fla_test_support::app as common;

use std::path::Path;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use fla_assistant::channel::env::EnvironmentKind;
use fla_assistant::checklist::Role;
use fla_assistant::i18n::{tr, tr_n, Lang};
use fla_assistant::profile::{ClientEnterprise, Profile, ProfileStore};
use fla_assistant::submit::journal::{self, DraftForm, Journal, OpenAs, Record};
use fla_assistant::submit::state::State;
use fla_assistant::ui::{AppState, FlaApp, Page};

use common::{english, go_to, harness_in, new_data_dir, step_until, wait_until_opened};

/// A draft of `enterprise` in the journal of `environment` in `data`.
fn draft_in(data: &Path, environment: EnvironmentKind, enterprise: &str, reference: &str) {
    std::fs::create_dir_all(data).unwrap();
    let mut journal = Journal::open_as(
        &data.join(journal::file_name(environment)),
        &OpenAs::for_environment(environment),
    )
    .unwrap();
    let form = DraftForm {
        reference: reference.into(),
        enterprise: enterprise.into(),
        ssin: "85073003328".into(),
        name: "Excel".into(),
        ..DraftForm::default()
    };
    journal
        .insert(&[Record {
            form: Some(Box::new(form)),
            ..Record::new(State::Draft, reference.into(), enterprise.into())
        }])
        .unwrap();
}

fn shows(harness: &Harness<'static, FlaApp>, reference: &str) -> bool {
    harness.query_by_label(reference).is_some()
}

/// Runs frames until the page shows `reference` (the journal opens on the runtime).
fn wait_for_row(harness: &mut Harness<'static, FlaApp>, reference: &str) {
    step_until(harness, &format!("{reference} never shown"), 30, |h| {
        shows(h, reference)
    });
}

#[test]
fn switching_environment_switches_the_journal_and_its_rows() {
    let data = new_data_dir();
    draft_in(&data, EnvironmentKind::Sandbox, "0403170701", "IN-SANDBOX");
    draft_in(&data, EnvironmentKind::Production, "0403170701", "FOR-REAL");
    let mut harness = harness_in(english(), &data);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    wait_for_row(&mut harness, "IN-SANDBOX");
    assert!(!shows(&harness, "FOR-REAL"));

    harness.state_mut().state.connection.environment = EnvironmentKind::Production;
    wait_for_row(&mut harness, "FOR-REAL");
    assert!(
        !shows(&harness, "IN-SANDBOX"),
        "the sandbox's rows are gone"
    );
    assert_eq!(
        harness.state().engine.journal_path(),
        data.join("declarations-production.sqlite")
    );

    harness.state_mut().state.connection.environment = EnvironmentKind::Sandbox;
    wait_for_row(&mut harness, "IN-SANDBOX");
    assert!(!shows(&harness, "FOR-REAL"));
}

/// Two profiles in the sandbox: an employer (0403.170.701) and a
/// representative of one client (0202.239.951).
fn two_profiles(config: &Path) {
    let alpha = Profile {
        name: "Alpha employer".into(),
        role: Some(Role::Employer),
        enterprise: "0403170701".into(),
        ..Profile::default()
    };
    let client = ClientEnterprise {
        enterprise: "0202239951".into(),
        name: "Client".into(),
        ..ClientEnterprise::default()
    };
    let beta = Profile {
        name: "Beta secretariat".into(),
        role: Some(Role::Representative),
        clients: vec![client],
        ..Profile::default()
    };
    let store = ProfileStore::new(config);
    for (id, profile) in [("alpha", alpha), ("beta", beta)] {
        store.save(id, &profile).unwrap();
    }
}

fn choose_profile(harness: &mut Harness<'static, FlaApp>, name: &str) {
    go_to(harness, Page::Settings);
    harness
        .get_by_role_and_label(
            egui::accesskit::Role::ComboBox,
            &tr(Lang::En, "settings.profile_current"),
        )
        .click();
    harness.run_steps(2);
    harness.get_by_label(name).click();
    harness.run_steps(3);
}

#[test]
fn switching_profile_switches_the_rows_shown() {
    let data = new_data_dir();
    two_profiles(&data.join("config"));
    draft_in(&data, EnvironmentKind::Sandbox, "0403170701", "ALPHA-OWN");
    draft_in(
        &data,
        EnvironmentKind::Sandbox,
        "0202.239.951",
        "BETA-CLIENT",
    );
    draft_in(&data, EnvironmentKind::Sandbox, "", "NO-ENTERPRISE");
    let state = AppState {
        profile: Some("alpha".into()),
        ..english()
    };
    let mut harness = harness_in(state, &data);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    wait_for_row(&mut harness, "ALPHA-OWN");
    assert!(
        shows(&harness, "NO-ENTERPRISE"),
        "a draft without an enterprise"
    );
    assert!(!shows(&harness, "BETA-CLIENT"));
    let note = |profile: &str| {
        tr_n(
            Lang::En,
            "decl.scope.hidden",
            1,
            &[("profile", profile.to_owned())],
        )
    };
    harness.get_by_label(&note("Alpha employer"));

    choose_profile(&mut harness, "Beta secretariat");
    go_to(&mut harness, Page::Declarations);
    harness.run_steps(2);
    assert!(shows(&harness, "BETA-CLIENT"));
    assert!(shows(&harness, "NO-ENTERPRISE"));
    assert!(
        !shows(&harness, "ALPHA-OWN"),
        "the other profile's rows hidden"
    );
    harness.get_by_label(&note("Beta secretariat"));

    // The toggle shows every row of the journal.
    harness
        .get_by_label(&tr(Lang::En, "decl.scope.show_all"))
        .click();
    harness.run_steps(2);
    assert!(shows(&harness, "ALPHA-OWN"));
    assert!(shows(&harness, "BETA-CLIENT"));
    harness.get_by_label(&tr(Lang::En, "decl.scope.all"));
}

#[test]
fn a_row_that_failed_is_logged_once_with_its_trace_id() {
    use fla_assistant::submit::journal::{Changes, RowError};
    let data = new_data_dir();
    draft_in(&data, EnvironmentKind::Sandbox, "0403170701", "FAILED-1");
    let mut journal = Journal::open_as(
        &data.join("declarations.sqlite"),
        &OpenAs::for_environment(EnvironmentKind::Sandbox),
    )
    .unwrap();
    let changes = Changes {
        error: Some(Some(RowError {
            code: "server_error".into(),
            message: "The server failed.".into(),
            trace_id: Some("trace-journal-1".into()),
        })),
        ..Changes::default()
    };
    journal
        .transition(1, State::Draft, State::Failed, &changes, "test")
        .unwrap();
    drop(journal);
    let mut harness = harness_in(english(), &data);
    wait_until_opened(&mut harness);
    let logged = |harness: &Harness<'static, FlaApp>| {
        harness
            .state()
            .log
            .recent()
            .into_iter()
            .filter(|l| l.area == "declarations")
            .collect::<Vec<_>>()
    };
    let lines = logged(&harness);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].text.contains("FAILED-1 (server_error)"),
        "{lines:?}"
    );
    assert_eq!(lines[0].trace_id.as_deref(), Some("trace-journal-1"));
    // Another store of the same journal (another environment and back): not again.
    harness.state_mut().state.connection.environment = EnvironmentKind::Acceptance;
    wait_until_opened(&mut harness);
    harness.state_mut().state.connection.environment = EnvironmentKind::Sandbox;
    wait_until_opened(&mut harness);
    assert_eq!(logged(&harness).len(), 1);
}

#[test]
fn a_journal_held_by_a_submit_is_said_and_tried_again_on_request() {
    use fla_assistant::submit::owner::Holder;
    let data = new_data_dir();
    draft_in(&data, EnvironmentKind::Sandbox, "0403170701", "HELD-1");
    // A `submit` at work on the sandbox's journal.
    let held = Journal::open_as(
        &data.join("declarations.sqlite"),
        &OpenAs {
            holder: Holder::Submit,
            ..OpenAs::for_environment(EnvironmentKind::Sandbox)
        },
    )
    .unwrap();
    let mut harness = harness_in(english(), &data);
    go_to(&mut harness, Page::Declarations);
    let said = |harness: &Harness<'static, FlaApp>| {
        harness
            .query_by_label_contains("The declarations journal is in use by a submit")
            .is_some()
    };
    step_until(&mut harness, "the journal in use was never said", 30, said);
    assert!(!shows(&harness, "HELD-1"));
    // Which server's declarations these are.
    assert!(harness
        .query_by_label_contains("Declarations sent to: Sandbox")
        .is_some());
    // The submit ends; the user tries again.
    drop(held);
    harness
        .get_by_label(&tr(Lang::En, "decl.try_again"))
        .click();
    wait_for_row(&mut harness, "HELD-1");
    assert!(!said(&harness));
}
