//! The Declarations page, headless: fill the form with an invalid SSIN and see
//! the message next to the field, fix it, submit, see "accepted" in the table;
//! a declaration the server refused shows its anomalies; drafts survive a
//! restart of the app.

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
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::submit::journal::{DraftForm, LocalStatus};
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
    harness
        .get_by_role_and_label(Role::Button, "New declaration")
        .click();
    harness.run_steps(2);

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
    let row = harness.state().declarations.rows.last().unwrap().clone();
    assert_eq!(
        row.status,
        fla_assistant::submit::journal::LocalStatus::Invalid
    );
    assert_eq!(
        row.form.ssin, "85.07.30-033.29",
        "the draft is kept as typed"
    );

    retype(&mut harness, "Worker (SSIN)", "85.07.30-033.28");
    assert!(harness.query_by_label(anomalies::SSIN.en).is_none());
    harness
        .get_by_role_and_label(Role::Button, "Submit")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(3);
    let row = harness.state().declarations.rows.last().unwrap().clone();
    assert_eq!(
        row.status,
        fla_assistant::submit::journal::LocalStatus::Accepted,
        "{row:?}"
    );
    assert!(row.server_id.is_some());
    assert!(
        row.form.reference.starts_with("FLA-"),
        "a reference was generated: {}",
        row.form.reference
    );
    harness.get_by_label(&tr(Lang::En, "status.accepted"));

    // A click on a row opens it in the editor.
    harness.state_mut().declarations.editing = None;
    harness.run_steps(2);
    harness.get_by_label(&row.form.reference).click();
    harness.run_steps(2);
    assert_eq!(harness.state().declarations.editing, Some(row.id));
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
        .and_then(|r| r.server_id)
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
    harness
        .get_by_role_and_label(Role::Button, "New declaration")
        .click();
    harness.run_steps(2);
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
    harness
        .get_by_role_and_label(Role::Button, "Submit")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(3);
    assert_eq!(status_of(&harness, "UI-W-1"), LocalStatus::Warning);
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
    assert_eq!(status_of(&harness, "UI-B-1"), LocalStatus::Refused);
    harness.get_by_label(&tr(Lang::En, "status.refused"));
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
    harness
        .get_by_role_and_label(Role::Button, "New declaration")
        .click();
    harness.run_steps(2);
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

    // The app again, on the same data dir: the draft is back as typed.
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
    harness
        .get_by_role_and_label(Role::Button, "New declaration")
        .click();
    harness.run_steps(2);
    // No free text field for the enterprise: a choice among the mandates.
    assert!(harness
        .query_by_role_and_label(Role::TextInput, "Enterprise number")
        .is_none());
    harness.get_by_label("Enterprise number").click();
    harness.run_steps(2);
    harness.get_by_label("0403170701").click();
    harness.run_steps(2);
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
    harness.get_by_label_contains("1 of 1 declarations");
    type_into(&harness, Role::TextInput, "Trainings from", "2025-04-01");
    harness.run_steps(2);
    harness.get_by_label_contains("0 of 1 declarations");
}

fn fill_new(harness: &mut Harness<'static, FlaApp>, reference: &str, name: &str) {
    harness
        .get_by_role_and_label(Role::Button, "New declaration")
        .click();
    harness.run_steps(2);
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
}

fn status_of(
    harness: &Harness<'static, FlaApp>,
    reference: &str,
) -> fla_assistant::submit::journal::LocalStatus {
    harness
        .state()
        .declarations
        .rows
        .iter()
        .find(|r| r.form.reference == reference)
        .unwrap()
        .status
}

#[test]
fn submit_selected_then_correct_and_cancel() {
    use fla_assistant::submit::journal::LocalStatus;
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    harness
        .get_by_role_and_label(Role::Button, "Declarations")
        .click();
    wait_until_opened(&mut harness);
    fill_new(&mut harness, "UI-SEL-1", "First aid");
    fill_new(&mut harness, "UI-SEL-2", "Fire safety");
    for checkbox in harness.get_all_by_role(Role::CheckBox).collect::<Vec<_>>() {
        checkbox.click();
    }
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Submit selected (2)")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(3);
    assert_eq!(status_of(&harness, "UI-SEL-1"), LocalStatus::Accepted);
    assert_eq!(status_of(&harness, "UI-SEL-2"), LocalStatus::Accepted);

    // Open the second, rename the training, correct it: processed again, accepted.
    harness.get_by_label("UI-SEL-2").click();
    harness.run_steps(2);
    retype(&mut harness, "Training name", "Fire safety (refresher)");
    harness
        .get_by_role_and_label(Role::Button, "Correct and resubmit")
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    assert_eq!(status_of(&harness, "UI-SEL-2"), LocalStatus::Accepted);
    harness.get_by_label("Fire safety (refresher)");
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
    assert_eq!(status_of(&harness, "UI-SEL-2"), LocalStatus::Cancelled);
    harness.get_by_label(&tr(Lang::En, "status.cancelled"));
    // And the server has it cancelled.
    assert_eq!(
        server_copy(&harness, "UI-SEL-2").declaration_status.result,
        fla_assistant::fla::wire::ResultCode::C
    );
}
