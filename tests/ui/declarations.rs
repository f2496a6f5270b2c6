//! The Declarations page, headless: fill the form with an invalid SSIN and see
//! the message next to the field, fix it, submit, see "accepted" in the table;
//! a declaration the server refused shows its anomalies; drafts survive a
//! restart of the app. The page is a view of the app's submission engine: a row
//! in every state shows exactly the actions its state allows; corrections that
//! fail a local rule or meet a network failure are fixed and sent; switching
//! pages while sending loses nothing; a restart while processing resumes.

#![cfg(feature = "gui")]

use fla_test_support::app as common;

use common::{
    english, fill_new, go_to, harness, harness_in, journal_row, new_data_dir, new_declaration,
    retype, type_into, wait_until_opened, with_sandbox_account,
};
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use fla_assistant::fla::anomalies;
use fla_assistant::i18n::{tr, tr_args, Lang};
use fla_assistant::submit::engine::drafts::DraftRow;
use fla_assistant::submit::journal::DraftForm;
use fla_assistant::submit::state::{self, Action, State};
use fla_assistant::ui::declarations::action_label;
use fla_assistant::ui::{FlaApp, Page};

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
    harness
        .get_by_label_contains(&fla_assistant::identifiers::SsinError::Checksum.message(Lang::En));
    // Saved through the engine once typing pauses.
    wait_until_opened(&mut harness);
    let row = harness.state().declarations.rows.last().unwrap().clone();
    assert_eq!(row.view.state, State::Invalid);
    assert!(no_submit(&harness));
    // Submit stands where it will be, disabled, with why beside it.
    harness.get_by_role_and_label(Role::Button, "Submit");
    harness.get_by_label(&tr(Lang::En, "decl.submit_blocked"));
    assert_eq!(
        row.form.ssin, "85.07.30-033.29",
        "the draft is kept as typed"
    );

    retype(&mut harness, "Worker (SSIN)", "85.07.30-033.28");
    assert!(harness
        .query_by_label_contains(&fla_assistant::identifiers::SsinError::Checksum.message(Lang::En))
        .is_none());
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    assert!(harness
        .query_by_label(&tr(Lang::En, "decl.submit_blocked"))
        .is_none());
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
    // The result in one line: the day (Brussels) and the server's number.
    let today = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
    harness.get_by_label(&format!(
        "Accepted on {} as no. {}.",
        fla_assistant::i18n::format_date(today),
        row.view.server_id.unwrap()
    ));

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
    // The fetch says what it found.
    harness.get_by_label("2 declarations found, 1 new.");
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
    harness.get_by_label_contains("Refused (no. ");
    assert!(harness
        .query_by_label(anomalies::WORKER_UNKNOWN.code)
        .is_none());
    // A correction shows what the server said as from the last submission.
    harness
        .get_by_role_and_label(Role::Button, "Correct")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    harness.get_by_label(&tr(Lang::En, "decl.anomalies_last"));
    harness.get_by_label(anomalies::DURATION_TOO_LONG.code);

    // A fetch that finds nothing says so.
    retype(&mut harness, "From", "01/01/2020");
    retype(&mut harness, "To", "31/12/2020");
    harness
        .get_by_role_and_label(Role::Button, "Fetch from server")
        .click();
    wait_until_opened(&mut harness);
    harness.get_by_label(&tr(Lang::En, "decl.fetched_none"));
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
        // A date is shown the Belgian way; what cannot be read stays as typed.
        let text = if text == "2025-03-03" {
            "03/03/2025"
        } else {
            text
        };
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
    harness.get_by_label("0403.170.701").click();
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
    harness.get_by_label_contains("1 of 1 declaration");
    type_into(&harness, Role::TextInput, "Trainings from", "2025-03-04");
    harness.run_steps(2);
    harness.get_by_label_contains("1 of 1 declaration");
    retype(&mut harness, "Trainings from", "2025-04-01");
    harness.get_by_label_contains("0 of 1 declaration");
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
    assert_eq!(state_of(&harness, "UI-SEL-1"), State::Accepted);
    assert_eq!(state_of(&harness, "UI-SEL-2"), State::Accepted);
    // "2 queued for sending." was said while true; not once both are accepted.
    assert!(harness
        .query_by_label_contains("queued for sending")
        .is_none());

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
    harness.run_steps(3);
    assert_eq!(state_of(&harness, "UI-SEL-3"), State::Accepted);
    // Sent and accepted: what was skipped and why is what stays said.
    harness.get_by_label("2 skipped: 2 accepted.");

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

    // A cancel on the server asks first; Escape or No keeps the declaration.
    let question = "Cancel declaration no. ";
    harness
        .get_by_role_and_label(Role::Button, "Cancel declaration")
        .click();
    harness.run_steps(2);
    harness.get_by_label_contains(question);
    harness.get_by_label_contains("This cannot be undone");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(harness.query_by_label_contains(question).is_none());
    harness
        .get_by_role_and_label(Role::Button, "Cancel declaration")
        .click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "No, keep it")
        .click();
    wait_until_opened(&mut harness);
    assert!(harness.query_by_label_contains(question).is_none());
    assert_eq!(
        correction_of(&harness, "UI-SEL-2").view.state,
        State::Accepted
    );
    harness
        .get_by_role_and_label(Role::Button, "Cancel declaration")
        .click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Yes, cancel it")
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
/// No Submit to click: none, or one shown disabled (a draft that cannot go yet).
fn no_submit(harness: &Harness<'static, FlaApp>) -> bool {
    harness
        .query_all_by_role_and_label(Role::Button, "Submit")
        .all(|b| b.accesskit_node().is_disabled())
}

fn shown_actions(harness: &Harness<'static, FlaApp>) -> Vec<Action> {
    action_buttons()
        .into_iter()
        .filter(|(_, label)| {
            harness
                .query_all_by_role_and_label(Role::Button, label)
                .any(|b| !b.accesskit_node().is_disabled())
        })
        .map(|(a, _)| a)
        .collect()
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
        // The form is typed in place where the state allows editing: no Edit button.
        let mut expected: Vec<Action> = state::actions(state)
            .iter()
            .copied()
            .filter(|a| *a != Action::Edit)
            .collect();
        expected.sort_by_key(|a| format!("{a:?}"));
        let mut shown = shown_actions(&harness);
        shown.sort_by_key(|a| format!("{a:?}"));
        assert_eq!(shown, expected, "{state:?}");
        // The state's name stands in the table, through i18n.
        assert!(harness
            .query_all_by_label(&tr(Lang::En, &format!("state.{}", state.code())))
            .next()
            .is_some());
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
    assert!(no_submit(&harness));
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
    let admin = harness
        .state()
        .connection
        .sandbox_admin_url()
        .unwrap()
        .to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{admin}/faults"))
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

/// No label of the page contains `text`.
fn nowhere(harness: &Harness<'static, FlaApp>, text: &str) -> bool {
    harness.query_by_label_contains(text).is_none()
}

/// A training in the past (relative to today), typed the Belgian way.
fn past(days: i64) -> String {
    let date = time::OffsetDateTime::now_utc().date() - time::Duration::days(days);
    fla_assistant::i18n::format_date(date)
}

#[test]
fn untouched_fields_are_quiet_and_each_field_speaks_for_itself() {
    let mut harness = harness(english());
    harness.run_steps(2);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    new_declaration(&mut harness);
    let required = tr(Lang::En, "form.required");
    let not_a_date = tr(Lang::En, "form.not_a_date");
    // A new declaration: nothing is wrong yet.
    assert!(nowhere(&harness, &not_a_date));
    assert!(nowhere(&harness, &required));
    assert!(nowhere(&harness, anomalies::SSIN.en));
    // A wrong SSIN says so at once, while the dates and the duration are empty.
    retype(&mut harness, "Worker (SSIN)", "85.07.30-033.29");
    // What exactly is wrong stands in the place of the rule's general text.
    harness
        .get_by_label_contains(&fla_assistant::identifiers::SsinError::Checksum.message(Lang::En));
    assert!(nowhere(&harness, anomalies::SSIN.en));
    assert!(nowhere(&harness, &required));
    // A date field left empty says it is needed (only that one).
    harness
        .get_by_role_and_label(Role::TextInput, "Start date")
        .focus();
    harness.run_steps(1);
    harness
        .get_by_role_and_label(Role::TextInput, "Training name")
        .focus();
    harness.run_steps(2);
    assert_eq!(harness.query_all_by_label(&required).count(), 1);
    assert!(nowhere(&harness, &not_a_date));
}

#[test]
fn the_row_state_follows_the_content_as_it_is_typed() {
    let mut harness = harness(english());
    harness.run_steps(2);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    new_declaration(&mut harness);
    for (label, text) in [
        ("Worker (SSIN)", "85.07.30-033.29"),
        ("Training name", "Ladders"),
        ("Start date", past(3).as_str()),
        ("End date", past(2).as_str()),
        ("Duration", "7,5"),
    ] {
        retype(&mut harness, label, text);
    }
    wait_until_opened(&mut harness);
    let invalid = tr(Lang::En, "state.invalid");
    let ready = tr(Lang::En, "state.ready");
    harness.get_by_label(&invalid);
    // Fixed: the row says ready at once, before the engine has it saved.
    retype(&mut harness, "Worker (SSIN)", "85.07.30-033.28");
    harness.get_by_label(&ready);
    assert!(harness.query_by_label(&invalid).is_none());
    // Broken again: invalid again, at once.
    retype(&mut harness, "Duration", "x");
    harness.get_by_label(&invalid);
    retype(&mut harness, "Duration", "7,5");
    wait_until_opened(&mut harness);
    let row = harness.state().declarations.rows.last().unwrap().clone();
    assert_eq!(row.view.state, State::Ready);
    harness.get_by_label(&ready);

    // A draft typed valid from the start is ready, never invalid.
    new_declaration(&mut harness);
    harness.get_by_label(&tr(Lang::En, "state.draft"));
    for (label, text) in [
        ("Worker (SSIN)", "85.07.30-033.28"),
        ("Training name", "Ropes"),
        ("Start date", past(3).as_str()),
        ("End date", past(2).as_str()),
        ("Duration", "7"),
    ] {
        retype(&mut harness, label, text);
        assert!(harness.query_by_label(&invalid).is_none(), "{label}");
    }
    assert_eq!(harness.query_all_by_label(&ready).count(), 2);
}

#[test]
fn hints_read_as_examples_required_fields_are_marked_and_each_field_explains_itself() {
    use egui_kittest::kittest::NodeT;
    let mut harness = harness(english());
    harness.run_steps(2);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    new_declaration(&mut harness);
    // The employer's own enterprise (the Connection page's) is filled in.
    assert_eq!(
        harness
            .get_by_role_and_label(Role::TextInput, "Enterprise number")
            .value()
            .as_deref(),
        Some("0403.170.701"),
        "filled in as it is written"
    );
    retype(&mut harness, "Enterprise number", "x");
    harness.key_press(egui::Key::Backspace);
    harness.run_steps(2);
    // Every hint is an example ("e.g. …") or the date's form, and none is the
    // sandbox's enterprise.
    for label in [
        "External reference",
        "Enterprise number",
        "Worker (SSIN)",
        "Training name",
        "Start date",
        "End date",
        "Duration",
        "Provider's enterprise number",
        "Joint committee",
    ] {
        let node = harness.get_by_role_and_label(Role::TextInput, label);
        let hint = node
            .accesskit_node()
            .placeholder()
            .unwrap_or_default()
            .to_owned();
        assert!(
            hint.starts_with("e.g. ") || hint == "dd/mm/yyyy",
            "{label}: {hint:?}"
        );
        assert!(
            !hint.contains("0403") && !hint.contains("85.07.30"),
            "{hint}"
        );
    }
    // Required fields are marked, with the legend.
    assert_eq!(harness.query_all_by_label("*").count(), 6);
    harness.get_by_label("* required");
    // Each field says what it is and where to find it.
    for (label, key) in [
        ("Joint committee", "form.joint_committee_help"),
        ("Provider's enterprise number", "form.provider_help"),
        ("Worker (SSIN)", "form.ssin_help"),
    ] {
        harness
            .get_by_role_and_label(Role::TextInput, label)
            .hover();
        // The tooltip's delay, in frames.
        harness.run_steps(60);
        harness.get_by_label(&tr(Lang::En, key));
    }
    for key in ["form.counts_for_fla", "form.certificate", "form.followed"] {
        harness
            .get_by_role_and_label(Role::CheckBox, &tr(Lang::En, key))
            .hover();
        harness.run_steps(60);
        harness.get_by_label(&tr(Lang::En, &format!("{key}_help")));
    }
}

#[test]
fn dates_are_typed_and_shown_the_belgian_way_and_sent_iso() {
    let mut harness = harness(english());
    harness.run_steps(2);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    new_declaration(&mut harness);
    retype(&mut harness, "Start date", "03/03/2025");
    // ISO is accepted when typed.
    retype(&mut harness, "End date", "2025-03-04");
    assert!(nowhere(&harness, &tr(Lang::En, "form.not_a_date")));
    retype(&mut harness, "Training name", "Forklift");
    wait_until_opened(&mut harness);
    // The table shows them the Belgian way; what goes out is ISO.
    harness.get_by_label("03/03/2025 – 04/03/2025");
    let row = harness.state().declarations.rows.last().unwrap().clone();
    let (declaration, _) = row.form.to_declaration_lenient();
    assert_eq!(declaration.training.start_date, "2025-03-03");
    assert_eq!(declaration.training.end_date, "2025-03-04");
    // A day that does not exist is no date.
    retype(&mut harness, "End date", "31/02/2025");
    harness.get_by_label_contains(&tr(Lang::En, "form.not_a_date"));
}

#[test]
fn nothing_moves_when_a_message_comes_or_a_row_is_added() {
    let mut harness = harness(english());
    harness.run_steps(2);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    new_declaration(&mut harness);
    let rect = |harness: &Harness<'static, FlaApp>, label: &str| {
        harness.get_by_role_and_label(Role::TextInput, label).rect()
    };
    let name = rect(&harness, "Training name");
    let duration = rect(&harness, "Duration");
    retype(&mut harness, "Worker (SSIN)", "85.07.30-033.29");
    harness
        .get_by_label_contains(&fla_assistant::identifiers::SsinError::Checksum.message(Lang::En));
    assert_eq!(rect(&harness, "Training name"), name);
    assert_eq!(rect(&harness, "Duration"), duration);
    // A row added above the editor moves it neither.
    new_declaration(&mut harness);
    assert_eq!(harness.state().declarations.rows.len(), 2);
    assert_eq!(rect(&harness, "Training name"), name);
    // A message at the top of the page moves nothing either.
    let new = harness
        .get_by_role_and_label(Role::Button, "New declaration")
        .rect();
    retype(&mut harness, "Enterprise", "123");
    harness
        .get_by_role_and_label(Role::Button, "Fetch from server")
        .click();
    harness.run_steps(2);
    harness.get_by_label_contains("123");
    assert_eq!(
        harness
            .get_by_role_and_label(Role::Button, "New declaration")
            .rect(),
        new
    );
    assert_eq!(rect(&harness, "Training name"), name);
}

#[test]
fn an_empty_new_declaration_vanishes_when_left_and_a_draft_can_be_deleted() {
    let mut harness = harness(english());
    harness.run_steps(2);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    new_declaration(&mut harness);
    new_declaration(&mut harness);
    new_declaration(&mut harness);
    // Left empty three times: one (the one on view) is left.
    assert_eq!(harness.state().declarations.rows.len(), 1);
    retype(&mut harness, "Training name", "Kept");
    new_declaration(&mut harness);
    assert_eq!(harness.state().declarations.rows.len(), 2);
    // Opening another row leaves the empty one: it goes too.
    harness.get_by_label("Kept").click();
    wait_until_opened(&mut harness);
    let rows = harness.state().declarations.rows.clone();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].form.name, "Kept");
    // No "Edit" on a draft already typed in place; "Delete draft" removes it.
    assert!(harness
        .query_by_role_and_label(Role::Button, "Edit")
        .is_none());
    harness
        .get_by_role_and_label(Role::Button, "Delete draft")
        .click();
    wait_until_opened(&mut harness);
    assert!(harness.state().declarations.rows.is_empty());
    assert!(harness.state().engine.rows().is_empty());
}

#[test]
fn one_training_for_several_workers_makes_one_declaration_each() {
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    new_declaration(&mut harness);
    for (label, text) in [
        ("Training name", "Evacuation drill"),
        ("Start date", past(3).as_str()),
        ("End date", past(3).as_str()),
        ("Duration", "2"),
    ] {
        retype(&mut harness, label, text);
    }
    harness
        .get_by_role_and_label(Role::Button, "Several workers…")
        .click();
    harness.run_steps(2);
    type_into(
        &harness,
        Role::MultilineTextInput,
        "Workers' SSINs",
        "85.07.30-033.28\n85.07.30-033.29; 90020112305",
    );
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Make one declaration per worker (3)")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    let rows = harness.state().declarations.rows.clone();
    assert_eq!(
        rows.len(),
        3,
        "the model without a worker is replaced: {rows:?}"
    );
    let state_of_ssin = |ssin: &str| {
        rows.iter()
            .find(|r| r.form.ssin == ssin)
            .unwrap_or_else(|| panic!("no row for {ssin}"))
            .view
            .clone()
    };
    let wrong = state_of_ssin("85.07.30-033.29");
    assert_eq!(wrong.state, State::Invalid);
    assert!(wrong
        .anomalies
        .iter()
        .any(|a| a.code == anomalies::SSIN.code));
    assert_eq!(state_of_ssin("85.07.30-033.28").state, State::Ready);
    assert_eq!(state_of_ssin("90020112305").state, State::Ready);
    assert!(rows
        .iter()
        .all(|r| r.form.name == "Evacuation drill" && r.form.duration == "2"));
    harness.get_by_label("3 declarations made and selected: send them with Submit selected.");
    // Each is sent on its own: the wrong one stays behind.
    harness
        .get_by_role_and_label(Role::Button, "Submit selected (3)")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    let rows = harness.state().declarations.rows.clone();
    let sent: Vec<State> = rows
        .iter()
        .filter(|r| r.form.ssin != "85.07.30-033.29")
        .map(|r| r.view.state)
        .collect();
    assert!(
        sent.iter()
            .all(|s| matches!(s, State::Accepted | State::Warning)),
        "{sent:?}"
    );
    let references: std::collections::HashSet<&str> =
        rows.iter().map(|r| r.form.reference.as_str()).collect();
    assert_eq!(references.len(), 3, "each its own reference: {rows:?}");
    // Once the two are sent, what was skipped and why is still said.
    harness.get_by_label("1 skipped: 1 invalid.");
    assert!(harness
        .query_by_label_contains("queued for sending")
        .is_none());
}

#[test]
fn a_message_shown_before_a_language_switch_follows_the_switch() {
    let mut harness = harness(english());
    harness.run_steps(2);
    go_to(&mut harness, Page::Declarations);
    wait_until_opened(&mut harness);
    retype(&mut harness, "Enterprise", "123");
    harness
        .get_by_role_and_label(Role::Button, "Fetch from server")
        .click();
    harness.run_steps(2);
    let said = |lang: Lang| tr_args(lang, "declare.bad_enterprise", &[("value", "123".into())]);
    harness.get_by_label(&said(Lang::En));
    harness.state_mut().state.lang = Some(Lang::Nl);
    harness.run_steps(2);
    harness.get_by_label(&said(Lang::Nl));
    assert!(harness.query_by_label(&said(Lang::En)).is_none());
    harness.state_mut().state.lang = Some(Lang::Fr);
    harness.run_steps(2);
    harness.get_by_label(&said(Lang::Fr));
}

/// The page in `lang` at the default window size, with a new declaration open.
fn page_in(lang: Lang) -> Harness<'static, FlaApp> {
    let app = FlaApp::new(
        fla_assistant::ui::AppState {
            lang: Some(lang),
            ..fla_assistant::ui::AppState::default()
        },
        common::new_data_dir(),
    )
    .unwrap();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1100.0, 760.0))
        .build_ui_state(|ui, app: &mut FlaApp| app.frame_ui(ui), app);
    harness.run_steps(2);
    harness
        .get_all_by_role_and_label(Role::Button, &Page::Declarations.title(lang))
        .next()
        .unwrap()
        .click();
    wait_until_opened(&mut harness);
    harness
        .get_by_role_and_label(Role::Button, &tr(lang, "decl.new"))
        .click();
    wait_until_opened(&mut harness);
    harness
}

#[test]
fn no_english_is_left_on_the_page_in_dutch_and_french() {
    use egui_kittest::kittest::NodeT;
    let english_catalogue = fla_assistant::i18n::keys(Lang::En);
    for lang in [Lang::Nl, Lang::Fr] {
        let harness = page_in(lang);
        // Every English text of the catalogue that the language says otherwise.
        let english: Vec<String> = english_catalogue
            .iter()
            .filter(|k| !k.starts_with("cli."))
            .map(|k| tr(Lang::En, k))
            .filter(|en| en.chars().filter(|c| c.is_alphabetic()).count() > 3)
            .filter(|en| !english_catalogue.iter().any(|k| tr(lang, k) == *en))
            .collect();
        for node in harness.root().query_all(egui_kittest::kittest::by()) {
            let node = node.accesskit_node();
            // A label's text is its value (AccessKit); a field's value is what was typed.
            let shown = if node.role() == Role::Label {
                node.value()
            } else {
                None
            };
            for text in [node.label(), shown, node.placeholder().map(str::to_owned)]
                .into_iter()
                .flatten()
            {
                assert!(
                    !english.contains(&text),
                    "{lang:?}: English left on the page: {text:?}"
                );
            }
        }
    }
}

#[test]
fn the_french_toolbar_keeps_to_its_rows_and_no_column_header_is_cut() {
    let harness = page_in(Lang::Fr);
    let lang = Lang::Fr;
    // The last node of that name (a column header comes after the filter of the same name).
    let top = |label: &str| harness.get_all_by_label(label).last().unwrap().rect();
    // The toolbar in three rows laid out so: the actions, the filters, the fetch.
    let new = top(&tr(lang, "decl.new"));
    let submit = top(&tr_args(
        lang,
        "decl.submit_selected",
        &[("count", "0".into())],
    ));
    assert!((new.center().y - submit.center().y).abs() < 4.0);
    let status = harness
        .get_all_by_label(&tr(lang, "decl.filter_status"))
        .next()
        .unwrap()
        .rect();
    let until = top(&tr(lang, "decl.filter_to"));
    assert!(
        (status.center().y - until.center().y).abs() < 4.0,
        "{status:?} {until:?}"
    );
    assert!(status.top() > new.bottom());
    assert!(until.right() <= 1100.0, "{until:?}");
    // The second row: the fetch, on one line.
    let enterprise = top(&tr(lang, "decl.fetch_enterprise"));
    let fetch = top(&tr(lang, "decl.fetch"));
    assert!((enterprise.center().y - fetch.center().y).abs() < 4.0);
    assert!(enterprise.top() > until.bottom());
    assert!(fetch.right() <= 1100.0, "{fetch:?}");
    // Column headers in order, none over the next, the last inside the window.
    let headers: Vec<egui::Rect> = [
        "decl.col.status",
        "decl.col.reference",
        "decl.col.worker",
        "decl.col.training",
        "decl.col.dates",
        "decl.col.server_id",
    ]
    .iter()
    .map(|k| top(&tr(lang, k)))
    .collect();
    for pair in headers.windows(2) {
        assert!(pair[0].right() <= pair[1].left(), "{pair:?}");
    }
    assert!(headers[5].right() <= 1100.0, "{:?}", headers[5]);
}

#[test]
fn the_editor_calendar_speaks_dutch_and_writes_the_belgian_date() {
    let mut harness = page_in(Lang::Nl);
    let start = tr(Lang::Nl, "form.start");
    let calendar = tr_args(Lang::Nl, "date.calendar_for", &[("field", start.clone())]);
    // Closed, the button names itself, never today's date while the field is empty.
    let today = fla_assistant::today::brussels_date(time::OffsetDateTime::now_utc());
    assert!(harness
        .query_by_label_contains(&fla_assistant::i18n::format_date(today))
        .is_none());
    assert!(harness
        .query_by_label_contains(&today.to_string())
        .is_none());
    harness.get_by_label(&calendar).click();
    harness.run_steps(2);
    let month = format!(
        "{} {}",
        fla_assistant::ui::date_picker::month_name(Lang::Nl, today.month()),
        today.year()
    );
    harness.get_by_label(&month);
    let first = today.replace_day(1).unwrap();
    harness
        .get_by_label(&fla_assistant::i18n::format_date(first))
        .click();
    harness.run_steps(2);
    assert_eq!(
        harness
            .get_by_role_and_label(Role::TextInput, &start)
            .value()
            .as_deref(),
        Some(fla_assistant::i18n::format_date(first).as_str())
    );
    assert!(harness.query_by_label(&month).is_none());
}
