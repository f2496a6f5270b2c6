//! The Declarations page, headless: fill the form with an invalid SSIN and see
//! the message next to the field, fix it, submit, see "accepted" in the table;
//! a declaration the server refused shows its anomalies; drafts survive a
//! restart of the app. The page is a view of the app's submission engine: a row
//! in every state shows exactly the actions its state allows; corrections that
//! fail a local rule or meet a network failure are fixed and sent; switching
//! pages while sending loses nothing; a restart while processing resumes.

#![cfg(feature = "gui")]

mod common;

use common::{
    english, go_to, harness, harness_in, new_data_dir, type_into, wait_until_opened,
    with_sandbox_account,
};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use fla_assistant::fla::anomalies;
use fla_assistant::i18n::{tr, tr_args, Lang};
use fla_assistant::submit::engine::drafts::DraftRow;
use fla_assistant::submit::journal::DraftForm;
use fla_assistant::submit::state::{self, Action, State};
use fla_assistant::ui::declarations::action_label;
use fla_assistant::ui::{FlaApp, Page};

fn retype(harness: &mut Harness<'static, FlaApp>, label: &str, text: &str) {
    let field = harness.get_by_role_and_label(Role::TextInput, label);
    field.focus();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
    type_into(harness, Role::TextInput, label, text);
    harness.run_steps(2);
}

#[test]
fn invalid_ssin_is_shown_then_fixed_and_accepted() {
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    harness
        .get_by_role_and_label(Role::Button, "Declarations")
        .click();
    wait_until_opened(&mut harness);
    new_declaration(&mut harness);

    let today = time::OffsetDateTime::now_utc().date();
    let start = (today - time::Duration::days(3)).to_string();
    let end = (today - time::Duration::days(2)).to_string();
    for (label, text) in [
        ("Enterprise number", "0403.170.701"),
        ("Worker (SSIN)", "85.07.30-033.29"),
        ("Training name", "Excel voor gevorderden"),
        ("Start date", start.as_str()),
        ("End date", end.as_str()),
        ("Duration", "14"),
    ] {
        retype(&mut harness, label, text);
    }
    // The check digits are wrong: the message stands next to the field, in English.
    harness.get_by_label(anomalies::SSIN.en);
    // Saved through the engine once typing pauses.
    wait_until_opened(&mut harness);
    let row = harness.state().declarations.rows.last().unwrap().clone();
    assert_eq!(row.view.state, State::Invalid);
    assert!(harness
        .query_by_role_and_label(Role::Button, "Submit")
        .is_none());
    assert_eq!(
        row.form.ssin, "85.07.30-033.29",
        "the draft is kept as typed"
    );

    retype(&mut harness, "Worker (SSIN)", "85.07.30-033.28");
    assert!(harness.query_by_label(anomalies::SSIN.en).is_none());
    wait_until_opened(&mut harness);
    harness
        .get_by_role_and_label(Role::Button, "Submit")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(3);
    let row = harness.state().declarations.rows.last().unwrap().clone();
    assert_eq!(
        row.view.state,
        State::Accepted,
        "{row:?} {:?} online: {}",
        harness.state().declarations.error,
        harness.state().engine.is_online()
    );
    assert!(row.view.server_id.is_some());
    assert!(
        row.form.reference.starts_with("FLA-"),
        "a reference was generated: {}",
        row.form.reference
    );
    harness.get_by_label(&tr(Lang::En, "state.accepted"));

    // A click on a row opens it in the editor.
    harness.state_mut().declarations.editing = None;
    harness.run_steps(2);
    harness.get_by_label(&row.form.reference).click();
    harness.run_steps(2);
    assert_eq!(harness.state().declarations.editing, Some(row.view.id));
}

/// Sends `form` to the app's sandbox as another program on the same account
/// would (the app's own check would stop it before sending), and waits for the
/// server's verdict.
fn send_past_the_app(
    harness: &Harness<'static, FlaApp>,
    form: &DraftForm,
) -> fla_assistant::fla::wire::StoredDeclaration {
    let declaration = form.to_declaration().unwrap();
    with_server(harness, |fla| async move {
        let sent = fla.submit(&declaration).await.unwrap();
        fla.wait_for_result(sent.declaration_id).await.unwrap()
    })
}

/// Runs `f` with a client of the app's sandbox, on the app's account.
fn with_server<T, F: std::future::Future<Output = T>>(
    harness: &Harness<'static, FlaApp>,
    f: impl FnOnce(fla_assistant::fla::client::FlaClient) -> F,
) -> T {
    let app = harness.state();
    let source = app
        .connection
        .token_source(&app.state.connection, &app.certificate, Lang::En)
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let http = fla_assistant::channel::token::http_client(source.timeout).unwrap();
        f(fla_assistant::fla::client::FlaClient::new(http, source, Lang::En).unwrap()).await
    })
}

/// The server's copy of a declaration the app sent.
fn server_copy(
    harness: &Harness<'static, FlaApp>,
    reference: &str,
) -> fla_assistant::fla::wire::StoredDeclaration {
    let id = harness
        .state()
        .declarations
        .rows
        .iter()
        .find(|r| r.form.reference == reference)
        .and_then(|r| r.view.server_id)
        .expect("sent to the server");
    with_server(harness, |fla| async move {
        fla.get(id).await.unwrap().expect("processed")
    })
}

#[test]
fn a_refused_declaration_shows_its_anomalies_and_fetch_brings_the_servers() {
    use fla_assistant::fla::wire::ResultCode;
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);

    // Submitted from the app: unknown to the enterprise's register, accepted
    // with a warning, shown with its code.
    new_declaration(&mut harness);
    let today = time::OffsetDateTime::now_utc().date();
    for (label, text) in [
        ("External reference", "UI-W-1"),
        ("Enterprise number", "0403170701"),
        ("Worker (SSIN)", "17073003384"),
        ("Training name", "Coaching"),
        ("Start date", &(today - time::Duration::days(3)).to_string()),
        ("End date", &(today - time::Duration::days(2)).to_string()),
        ("Duration", "2"),
    ] {
        retype(&mut harness, label, text);
    }
    wait_until_opened(&mut harness);
    harness
        .get_by_role_and_label(Role::Button, "Submit")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(3);
    assert_eq!(state_of(&harness, "UI-W-1"), State::Warning);
    harness.get_by_label(anomalies::WORKER_UNKNOWN.code);
    harness.get_by_label(anomalies::WORKER_UNKNOWN.en);

    // Refused by the server (result B): a training of 30 hours on one day.
    let refused = send_past_the_app(
        &harness,
        &DraftForm {
            reference: "UI-B-1".into(),
            enterprise: "0403170701".into(),
            ssin: "85073003328".into(),
            name: "Marathon".into(),
            start: (today - time::Duration::days(3)).to_string(),
            end: (today - time::Duration::days(3)).to_string(),
            duration: "30".into(),
            ..DraftForm::default()
        },
    );
    assert_eq!(refused.declaration_status.result, ResultCode::B);
    let codes: Vec<&str> = refused
        .declaration_status
        .anomalies
        .iter()
        .map(|a| a.code.as_str())
        .collect();
    assert!(
        codes.contains(&anomalies::DURATION_TOO_LONG.code),
        "{codes:?}"
    );

    retype(&mut harness, "Enterprise", "0403170701");
    harness
        .get_by_role_and_label(Role::Button, "Fetch from server")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    // The server's copy of UI-W-1 is the same declaration: it is not listed twice.
    let rows = &harness.state().declarations.rows;
    assert_eq!(
        rows.iter().filter(|r| r.form.reference == "UI-W-1").count(),
        1,
        "{rows:?}"
    );
    // The refused one came with it: refused, with its blocking anomaly.
    assert_eq!(state_of(&harness, "UI-B-1"), State::Refused);
    harness.get_by_label(&tr(Lang::En, "state.refused"));
    harness.get_by_label("UI-B-1").click();
    harness.run_steps(2);
    harness.get_by_label(anomalies::DURATION_TOO_LONG.code);
    assert!(harness
        .query_by_label(anomalies::WORKER_UNKNOWN.code)
        .is_none());
}

#[test]
fn a_draft_survives_a_restart_of_the_app() {
    let data = new_data_dir();
    let mut harness = harness_in(english(), &data);
    harness.run_steps(2);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    new_declaration(&mut harness);
    let typed = [
        ("External reference", "UI-DRAFT-1"),
        ("Enterprise number", "0403.170.701"),
        ("Worker (SSIN)", "85.07.30-033.29"),
        ("Training name", "Heftruck"),
        ("Start date", "2025-03-03"),
        ("End date", "2025-03-0"),
        ("Duration", "7,5"),
    ];
    for (label, text) in typed {
        retype(&mut harness, label, text);
    }
    let state = harness.state().state.clone();
    drop(harness);

    // The app again, on the same data dir: the draft is back as typed (the
    // last field was saved as the app closed, without waiting for the pause).
    let mut harness = harness_in(state, &data);
    harness.run_steps(2);
    wait_until_opened(&mut harness);
    let rows = harness.state().declarations.rows.clone();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let form = &rows[0].form;
    assert_eq!(
        (
            form.reference.as_str(),
            form.enterprise.as_str(),
            form.ssin.as_str(),
            form.name.as_str(),
            form.start.as_str(),
            form.end.as_str(),
            form.duration.as_str()
        ),
        (
            "UI-DRAFT-1",
            "0403.170.701",
            "85.07.30-033.29",
            "Heftruck",
            "2025-03-03",
            "2025-03-0",
            "7,5"
        )
    );
    harness.get_by_label("UI-DRAFT-1").click();
    harness.run_steps(2);
    for (label, text) in typed {
        let field = harness.get_by_role_and_label(Role::TextInput, label);
        assert_eq!(field.value().as_deref(), Some(text), "{label}");
    }
}

#[test]
fn a_representative_picks_among_its_mandates_and_dates_filter_the_table() {
    let mut state = english();
    state.connection.role = fla_assistant::channel::env::Role::Provider;
    state.connection.mandates = "0202239951, BE 0403.170.701, 123".into();
    assert_eq!(
        state.connection.mandated_enterprises(),
        vec!["0202239951", "0403170701"]
    );
    let mut harness = harness(state);
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Declarations")
        .click();
    wait_until_opened(&mut harness);
    new_declaration(&mut harness);
    // No free text field for the enterprise: a choice among the mandates.
    assert!(harness
        .query_by_role_and_label(Role::TextInput, "Enterprise number")
        .is_none());
    harness.get_by_label("Enterprise number").click();
    harness.run_steps(2);
    harness.get_by_label("0403170701").click();
    harness.run_steps(2);
    wait_until_opened(&mut harness);
    assert_eq!(
        harness
            .state()
            .declarations
            .rows
            .last()
            .unwrap()
            .form
            .enterprise,
        "0403170701"
    );

    retype(&mut harness, "Start date", "2025-03-03");
    retype(&mut harness, "End date", "2025-03-04");
    wait_until_opened(&mut harness);
    harness.get_by_label_contains("1 of 1 declarations");
    type_into(&harness, Role::TextInput, "Trainings from", "2025-03-04");
    harness.run_steps(2);
    harness.get_by_label_contains("1 of 1 declarations");
    retype(&mut harness, "Trainings from", "2025-04-01");
    harness.get_by_label_contains("0 of 1 declarations");
}

/// Clicks "New declaration" and waits for the engine to make it and the editor to open it.
fn new_declaration(harness: &mut Harness<'static, FlaApp>) {
    harness
        .get_by_role_and_label(Role::Button, "New declaration")
        .click();
    wait_until_opened(harness);
    harness.run_steps(2);
}

fn fill_new(harness: &mut Harness<'static, FlaApp>, reference: &str, name: &str) {
    new_declaration(harness);
    let today = time::OffsetDateTime::now_utc().date();
    for (label, text) in [
        ("External reference", reference),
        ("Enterprise number", "0403170701"),
        ("Worker (SSIN)", "85073003328"),
        ("Training name", name),
        ("Start date", &(today - time::Duration::days(3)).to_string()),
        ("End date", &(today - time::Duration::days(2)).to_string()),
        ("Duration", "7.5"),
    ] {
        retype(harness, label, text);
    }
    wait_until_opened(harness);
}

/// The row of what the server holds (or of a draft) with this reference.
fn row_of(harness: &Harness<'static, FlaApp>, reference: &str) -> DraftRow {
    harness
        .state()
        .declarations
        .rows
        .iter()
        .find(|r| r.form.reference == reference && r.view.correction_of.is_none())
        .unwrap_or_else(|| panic!("no row {reference}"))
        .clone()
}

fn state_of(harness: &Harness<'static, FlaApp>, reference: &str) -> State {
    row_of(harness, reference).view.state
}

/// The correction row beside what the server holds for this reference.
fn correction_of(harness: &Harness<'static, FlaApp>, reference: &str) -> DraftRow {
    harness
        .state()
        .declarations
        .rows
        .iter()
        .find(|r| r.form.reference == reference && r.view.correction_of.is_some())
        .unwrap_or_else(|| panic!("no correction of {reference}"))
        .clone()
}

#[test]
fn submit_selected_then_correct_and_cancel() {
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    harness
        .get_by_role_and_label(Role::Button, "Declarations")
        .click();
    wait_until_opened(&mut harness);
    fill_new(&mut harness, "UI-SEL-1", "First aid");
    fill_new(&mut harness, "UI-SEL-2", "Fire safety");
    // The table's two check boxes (the editor's come after them).
    for checkbox in harness
        .get_all_by_role(Role::CheckBox)
        .take(2)
        .collect::<Vec<_>>()
    {
        checkbox.click();
    }
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Submit selected (2)")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(3);
    harness.get_by_label("2 queued for sending.");
    assert_eq!(state_of(&harness, "UI-SEL-1"), State::Accepted);
    assert_eq!(state_of(&harness, "UI-SEL-2"), State::Accepted);

    // Sent again with a new draft: only the draft goes, and the page says
    // how many were skipped and why.
    fill_new(&mut harness, "UI-SEL-3", "Ladders");
    // The table's three check boxes: the one not ticked yet is the new draft's.
    harness
        .get_all_by_role(Role::CheckBox)
        .take(3)
        .find(|c| {
            use egui_kittest::kittest::NodeT;
            c.accesskit_node().toggled() == Some(egui::accesskit::Toggled::False)
        })
        .unwrap()
        .click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Submit selected (3)")
        .click();
    wait_until_opened(&mut harness);
    assert_eq!(
        harness.state().declarations.notice.as_deref(),
        Some("1 queued for sending; 2 skipped: 2 accepted.")
    );
    harness.get_by_label("1 queued for sending; 2 skipped: 2 accepted.");
    assert_eq!(state_of(&harness, "UI-SEL-3"), State::Accepted);

    // Open the second, correct it: a correction beside what the server holds,
    // renamed and sent; processed again, accepted.
    harness.get_by_label("UI-SEL-2").click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Correct")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    retype(&mut harness, "Training name", "Fire safety (refresher)");
    wait_until_opened(&mut harness);
    // The table shows both: what the server holds, with an unsent correction beside it.
    assert_eq!(
        tr_args(
            Lang::En,
            "decl.correction_pending",
            &[("state", tr(Lang::En, "state.accepted"))]
        ),
        "accepted; correction not sent"
    );
    harness.get_by_label("accepted; correction not sent");
    // A fetch from the server refreshes what it holds and never overwrites
    // the unsent correction.
    retype(&mut harness, "Enterprise", "0403170701");
    harness
        .get_by_role_and_label(Role::Button, "Fetch from server")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    let correction = correction_of(&harness, "UI-SEL-2");
    assert_eq!(correction.view.state, State::Ready);
    assert_eq!(correction.form.name, "Fire safety (refresher)");
    assert_eq!(row_of(&harness, "UI-SEL-2").form.name, "Fire safety");
    assert_eq!(
        harness
            .state()
            .declarations
            .rows
            .iter()
            .filter(|r| r.form.reference.starts_with("UI-SEL-"))
            .count(),
        4,
        "three sent and one correction, none twice"
    );
    harness.get_by_label("accepted; correction not sent");
    harness
        .get_by_role_and_label(Role::Button, "Submit")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    assert_eq!(
        correction_of(&harness, "UI-SEL-2").view.state,
        State::Accepted
    );
    // The row of what the server holds shows the processed correction too.
    assert_eq!(
        row_of(&harness, "UI-SEL-2").form.name,
        "Fire safety (refresher)"
    );
    assert!(harness
        .query_all_by_label("Fire safety (refresher)")
        .next()
        .is_some());
    // The server holds the correction, not only the table.
    assert_eq!(
        server_copy(&harness, "UI-SEL-2").declaration.training.name,
        "Fire safety (refresher)"
    );
    assert_eq!(
        server_copy(&harness, "UI-SEL-1").declaration.training.name,
        "First aid"
    );

    harness
        .get_by_role_and_label(Role::Button, "Cancel declaration")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    assert_eq!(
        correction_of(&harness, "UI-SEL-2").view.state,
        State::Cancelled
    );
    assert!(harness
        .query_all_by_label(&tr(Lang::En, "state.cancelled"))
        .next()
        .is_some());
    // And the server has it cancelled.
    assert_eq!(
        server_copy(&harness, "UI-SEL-2").declaration_status.result,
        fla_assistant::fla::wire::ResultCode::C
    );
}

/// Every action's button label, by the action.
fn action_buttons() -> Vec<(Action, String)> {
    use Action as A;
    [
        A::Edit,
        A::Submit,
        A::Retry,
        A::CheckAgain,
        A::Correct,
        A::Cancel,
        A::Duplicate,
        A::Delete,
    ]
    .into_iter()
    .map(|a| (a, action_label(a, Lang::En)))
    .collect()
}

/// The action buttons the editor shows now.
fn shown_actions(harness: &Harness<'static, FlaApp>) -> Vec<Action> {
    action_buttons()
        .into_iter()
        .filter(|(_, label)| {
            harness
                .query_by_role_and_label(Role::Button, label)
                .is_some()
        })
        .map(|(a, _)| a)
        .collect()
}

/// Writes a row in `state` to the journal of `data` (as the engine would
/// have), with a server id where the server would hold it.
fn journal_row(data: &std::path::Path, state: State, reference: &str) {
    use fla_assistant::submit::journal::{Changes, Journal, NewRecord};
    std::fs::create_dir_all(data).unwrap();
    let mut journal = Journal::open(&data.join("declarations.sqlite")).unwrap();
    let form = DraftForm {
        reference: reference.into(),
        enterprise: "0403170701".into(),
        ssin: "85073003328".into(),
        name: "Excel".into(),
        start: "2025-03-03".into(),
        end: "2025-03-04".into(),
        duration: "14".into(),
        ..DraftForm::default()
    };
    let ids = journal
        .insert(&[NewRecord {
            state: State::Draft,
            reference: reference.into(),
            enterprise: "0403170701".into(),
            correction_of: None,
            content: Some(form.to_declaration().unwrap()),
            form: Some(form),
            anomalies: vec![],
            source: None,
        }])
        .unwrap();
    let server_holds = state.is_result() || state == State::Submitted;
    let changes = Changes {
        server_id: server_holds.then_some(1000 + ids[0]),
        ..Changes::default()
    };
    journal
        .transition(ids[0], State::Draft, state, &changes, "test")
        .unwrap();
}

#[test]
fn a_row_in_every_state_shows_exactly_its_actions() {
    // Rows in every state, in the journal; the app without a connection, so
    // that none moves on (the engine would resume the unfinished ones).
    let data = new_data_dir();
    for state in State::ALL {
        journal_row(&data, state, &format!("UI-STATE-{}", state.code()));
    }
    let mut harness = harness_in(english(), &data);
    harness.run_steps(2);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    assert_eq!(harness.state().declarations.rows.len(), State::ALL.len());
    for state in State::ALL {
        let reference = format!("UI-STATE-{}", state.code());
        assert_eq!(state_of(&harness, &reference), state);
        harness.get_by_label(&reference).click();
        harness.run_steps(2);
        let mut expected = state::actions(state).to_vec();
        expected.sort_by_key(|a| format!("{a:?}"));
        let mut shown = shown_actions(&harness);
        shown.sort_by_key(|a| format!("{a:?}"));
        assert_eq!(shown, expected, "{state:?}");
        // The state's name stands in the table, through i18n.
        harness.get_by_label(&tr(Lang::En, &format!("state.{}", state.code())));
    }

    // Duplicate keeps the training and clears the worker and the reference.
    harness.get_by_label("UI-STATE-accepted").click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Duplicate")
        .click();
    wait_until_opened(&mut harness);
    let copy = harness.state().declarations.rows.last().unwrap().clone();
    assert_eq!(copy.view.state, State::Draft);
    assert_eq!(harness.state().declarations.editing, Some(copy.view.id));
    assert_eq!(
        (copy.form.ssin.as_str(), copy.form.reference.as_str()),
        ("", "")
    );
    assert_eq!(copy.form.name, "Excel");
    assert_eq!(copy.form.start, "2025-03-03");
    // A draft can be deleted; it leaves the journal too.
    harness
        .get_by_role_and_label(Role::Button, "Delete draft")
        .click();
    wait_until_opened(&mut harness);
    assert_eq!(harness.state().declarations.rows.len(), State::ALL.len());
    assert!(harness
        .state()
        .engine
        .rows()
        .iter()
        .all(|r| r.view.id != copy.view.id));
    let state = harness.state().state.clone();
    drop(harness);
    let harness = harness_in(state, &data);
    let mut harness = harness;
    harness.run_steps(2);
    wait_until_opened(&mut harness);
    assert_eq!(harness.state().engine.rows().len(), State::ALL.len());
}

/// Sends one accepted declaration from the app, then opens a correction of it.
fn accepted_then_correction(harness: &mut Harness<'static, FlaApp>, reference: &str) {
    fill_new(harness, reference, "Forklift");
    harness
        .get_by_role_and_label(Role::Button, "Submit")
        .click();
    wait_until_opened(harness);
    assert_eq!(state_of(harness, reference), State::Accepted);
    harness
        .get_by_role_and_label(Role::Button, "Correct")
        .click();
    wait_until_opened(harness);
    harness.run_steps(2);
    assert_eq!(correction_of(harness, reference).view.state, State::Ready);
}

#[test]
fn a_correction_that_fails_a_local_rule_is_fixed_and_sent() {
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    accepted_then_correction(&mut harness, "UI-FIX-1");
    retype(&mut harness, "Worker (SSIN)", "85.07.30-033.29");
    wait_until_opened(&mut harness);
    let correction = correction_of(&harness, "UI-FIX-1");
    assert_eq!(correction.view.state, State::Invalid);
    assert!(harness
        .query_by_role_and_label(Role::Button, "Submit")
        .is_none());
    // Not a dead end: fixed, it can be sent.
    retype(&mut harness, "Worker (SSIN)", "85.07.30-033.28");
    retype(&mut harness, "Training name", "Forklift, fixed");
    wait_until_opened(&mut harness);
    assert_eq!(correction_of(&harness, "UI-FIX-1").view.state, State::Ready);
    harness
        .get_by_role_and_label(Role::Button, "Submit")
        .click();
    wait_until_opened(&mut harness);
    assert_eq!(
        correction_of(&harness, "UI-FIX-1").view.state,
        State::Accepted
    );
    assert_eq!(
        server_copy(&harness, "UI-FIX-1").declaration.training.name,
        "Forklift, fixed"
    );
}

/// Queues `count` faults of `mode` on the app's sandbox API.
fn api_faults(harness: &Harness<'static, FlaApp>, mode: &str, count: u32) {
    let base = harness.state().connection.sandbox_url().unwrap().to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{base}/admin/faults"))
            .json(&serde_json::json!({"mode": mode, "target": "api", "count": count}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(status.is_success(), "{status}");
}

#[test]
fn a_correction_that_meets_a_network_failure_is_retried_and_sent() {
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    accepted_then_correction(&mut harness, "UI-NET-1");
    retype(&mut harness, "Training name", "Forklift, corrected");
    wait_until_opened(&mut harness);
    // Every try of the PUT fails (the engine tries 6 times).
    api_faults(&harness, "server_error", 6);
    harness
        .get_by_role_and_label(Role::Button, "Submit")
        .click();
    wait_until_opened(&mut harness);
    let correction = correction_of(&harness, "UI-NET-1");
    assert_eq!(correction.view.state, State::Failed, "{correction:?}");
    assert!(correction.view.error.is_some());
    harness.get_by_label(&tr(Lang::En, "state.failed"));
    // Failed is no dead end: it can be retried (or edited first).
    assert_eq!(
        shown_actions(&harness),
        vec![
            Action::Edit,
            Action::Retry,
            Action::Duplicate,
            Action::Delete
        ]
    );
    harness.get_by_role_and_label(Role::Button, "Retry").click();
    wait_until_opened(&mut harness);
    assert_eq!(
        correction_of(&harness, "UI-NET-1").view.state,
        State::Accepted
    );
    assert_eq!(
        server_copy(&harness, "UI-NET-1").declaration.training.name,
        "Forklift, corrected"
    );
}

#[test]
fn switching_pages_while_sending_loses_nothing() {
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    let references = ["UI-PAGE-1", "UI-PAGE-2", "UI-PAGE-3"];
    for r in references {
        fill_new(&mut harness, r, "Safety");
    }
    for checkbox in harness
        .get_all_by_role(Role::CheckBox)
        .take(3)
        .collect::<Vec<_>>()
    {
        checkbox.click();
    }
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Submit selected (3)")
        .click();
    harness.run_steps(1);
    // Away from the page at once, and kept away while the engine works.
    go_to(&mut harness, Page::Settings);
    let start = std::time::Instant::now();
    while harness.state().engine.is_busy() {
        assert!(start.elapsed() < std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(20));
        harness.step();
        assert_eq!(harness.state().state.page, Page::Settings);
    }
    // The results were applied with the page off screen: in the engine and the journal.
    for r in references {
        let row = harness
            .state()
            .engine
            .rows()
            .into_iter()
            .find(|row| row.form.reference == r)
            .unwrap();
        assert_eq!(row.view.state, State::Accepted, "{r}");
    }
    go_to(&mut harness, Page::Declarations);
    harness.run_steps(2);
    for r in references {
        assert_eq!(state_of(&harness, r), State::Accepted, "{r}");
    }
}

#[test]
fn a_restart_while_processing_resumes() {
    let data = new_data_dir();
    let mut harness = harness_in(english(), &data);
    with_sandbox_account(&mut harness);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    fill_new(&mut harness, "UI-RESUME-1", "Welding");
    harness
        .get_by_role_and_label(Role::Button, "Submit")
        .click();
    // The sandbox takes 2 s to process: stop the app once the server has it.
    let start = std::time::Instant::now();
    loop {
        harness.step();
        let row = harness
            .state()
            .engine
            .rows()
            .into_iter()
            .find(|r| r.form.reference == "UI-RESUME-1")
            .unwrap();
        if row.view.state == State::Submitted {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "{row:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let state = harness.state().state.clone();
    drop(harness);

    // The app again: the row is still processing until the engine is back
    // (with the certificate), then it is followed to its result.
    let mut harness = harness_in(state, &data);
    harness.run_steps(2);
    wait_until_opened(&mut harness);
    assert_eq!(
        harness
            .state()
            .engine
            .rows()
            .iter()
            .find(|r| r.form.reference == "UI-RESUME-1")
            .unwrap()
            .view
            .state,
        State::Submitted
    );
    go_to(&mut harness, Page::Certificate);
    // The page remembers the file: type over it, then the password.
    let file = common::certs::fresh("openssl3-aes256.pfx");
    retype(&mut harness, "File", &file.display().to_string());
    type_into(&harness, Role::PasswordInput, "Password", "Password");
    harness.run_steps(2);
    harness.key_press(egui::Key::Enter);
    wait_until_opened(&mut harness);
    common::wait_for_sandbox(&mut harness);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    let row = row_of(&harness, "UI-RESUME-1");
    assert_eq!(
        row.view.state,
        State::Accepted,
        "{row:?} {:?} online: {}",
        harness.state().declarations.error,
        harness.state().engine.is_online()
    );
}
