//! The Connection page, headless: the app's own sandbox, registering the
//! certificate there, "Test connection", the diagnosis and what was sent.

#![cfg(feature = "gui")]

use fla_test_support::app as common;

use common::{
    certs, english, go_to, harness, open_file, type_into, wait_for_sandbox, wait_until_opened,
    with_sandbox_account,
};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::ui::{FlaApp, Page};

fn test_connection(harness: &mut Harness<'static, FlaApp>) {
    harness
        .get_by_role_and_label(Role::Button, "Test connection")
        .click();
    wait_until_opened(harness);
    harness.run_steps(2);
}

#[test]
fn sandbox_account_and_a_successful_test() {
    let mut harness = harness(english());
    let client_id = with_sandbox_account(&mut harness);
    // Registering says so, with the client ID it gave.
    harness.get_by_label(&format!(
        "Registered in the sandbox's Chaman: client ID {client_id}"
    ));
    harness.get_by_label_contains("FLA REST channel - Voorbeeld BV");
    // Its end as people in Belgium write it (dd/mm/yyyy), not ISO.
    let not_after = harness
        .state()
        .certificate
        .signing_entry()
        .and_then(|e| e.certificate.as_ref())
        .unwrap()
        .not_after;
    harness.get_by_label_contains(&format!(
        "({} {})",
        tr(Lang::En, "cert.valid_to"),
        fla_assistant::cert::format_user_date(not_after)
    ));
    harness.get_by_label("scope:sigedis:gestion:careerpro-federal-learning-account:employer");
    test_connection(&mut harness);
    harness.get_by_label(&tr(Lang::En, "connection.granted"));
    // The token's end in Brussels time, as people here write it, and how soon.
    let expires_at = match &harness.state().connection.report.as_ref().unwrap().result {
        fla_assistant::ui::connection::TestResult::Granted { expires_at, .. } => *expires_at,
        _ => panic!("granted"),
    };
    let local = fla_assistant::today::in_brussels(expires_at);
    let shown = format!(
        "{:02}/{:02}/{} {:02}:{:02} (in 10 minutes)",
        local.day(),
        u8::from(local.month()),
        local.year(),
        local.hour(),
        local.minute()
    );
    harness.get_by_label(&shown);
    assert!(harness.query_by_label_contains("+00:00").is_none());
    harness.get_by_role_and_label(Role::Button, "Copy token");
    // Warned before copying: the clipboard keeps it.
    harness.get_by_label_contains("where any program can read it");
    harness
        .get_by_label(&tr(Lang::En, "connection.what_was_sent"))
        .click();
    harness.run_steps(3);
    harness.get_by_label_contains(&format!("\"iss\": \"{client_id}\""));
    harness.get_by_label_contains("\"alg\": \"RS256\"");
    harness.get_by_label_contains("client_assertion=");
    harness.get_by_role_and_label(Role::Button, "Copy as curl");
}

#[test]
fn a_wrong_client_id_is_diagnosed() {
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    harness.state_mut().state.connection.client_id.clear();
    harness.run_steps(2);
    type_into(
        &harness,
        Role::TextInput,
        "Client ID",
        "self_service_chaman_123456_abcdefghij",
    );
    harness.run_steps(2);
    test_connection(&mut harness);
    harness.get_by_label("invalid_client (client_or_certificate)");
    harness.get_by_label_contains("does not accept this client ID with this certificate");
}

#[test]
fn the_wrong_role_is_diagnosed_and_an_unusual_id_warned() {
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    harness
        .get_by_role_and_label(Role::RadioButton, &tr(Lang::En, "role.provider"))
        .click();
    harness.run_steps(2);
    test_connection(&mut harness);
    harness.get_by_label("invalid_scope (scope_role)");

    harness.state_mut().state.connection.client_id = "my-client".into();
    harness.run_steps(2);
    harness.get_by_label_contains("does not look like the ones Chaman shows");
}

#[test]
fn without_a_certificate_the_test_cannot_start() {
    let mut harness = harness(english());
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Connection")
        .click();
    harness.run_steps(2);
    harness.get_by_label(&tr(Lang::En, "connection.no_certificate"));
    use egui_kittest::kittest::NodeT;
    let button = harness.get_by_role_and_label(Role::Button, "Test connection");
    assert!(
        button.accesskit_node().is_disabled(),
        "the test button is enabled without a certificate"
    );
    // Under it, why.
    harness.get_by_label(&tr(Lang::En, "connection.test_needs_certificate"));
    harness.get_by_label(&tr(Lang::En, "connection.test_needs_client_id"));
    // A certificate open: only the client ID is missing.
    go_to(&mut harness, Page::Certificate);
    open_file(
        &mut harness,
        &certs::fresh("openssl3-aes256.pfx"),
        certs::PASSWORD,
    );
    go_to(&mut harness, Page::Connection);
    assert!(harness
        .query_by_label(&tr(Lang::En, "connection.test_needs_certificate"))
        .is_none());
    harness.get_by_label(&tr(Lang::En, "connection.test_needs_client_id"));
}

fn register(harness: &mut Harness<'static, FlaApp>) {
    harness
        .get_by_role_and_label(Role::Button, &tr(Lang::En, "connection.sandbox_register"))
        .click();
    wait_until_opened(harness);
    harness.run_steps(2);
}

#[test]
fn registering_refuses_a_certificate_that_cannot_sign_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let expired = certs::expired("openssl3-aes256.pfx", dir.path());
    let mut harness = harness(english());
    wait_for_sandbox(&mut harness);
    open_file(&mut harness, &expired, certs::PASSWORD);
    go_to(&mut harness, Page::Connection);
    register(&mut harness);
    // Refused here, with what to do (the finding says it), and nothing sent:
    // no client ID came back.
    use egui_kittest::kittest::NodeT;
    let refused = harness
        .get_by_label_contains(
            "Not registered: the certificate cannot sign. The certificate expired on",
        )
        .accesskit_node()
        .value() // a Label's text is its AccessKit value
        .unwrap_or_default();
    assert!(refused.contains("order a new certificate"), "{refused}");
    assert_eq!(harness.state().state.connection.client_id, "");
    assert!(harness.state().connection.new_client_id.is_none());
}

#[test]
fn registering_again_asks_which_client_id_to_keep() {
    let mut harness = harness(english());
    let first = with_sandbox_account(&mut harness);

    // Again: the new client ID stands beside the one in use, and nothing
    // changes until the user chooses.
    register(&mut harness);
    let second = harness
        .state()
        .connection
        .new_client_id
        .clone()
        .expect("a new client ID to choose");
    assert_ne!(second, first);
    assert_eq!(harness.state().state.connection.client_id, first);
    harness.get_by_label(&tr(Lang::En, "connection.new_client_id"));
    harness.get_by_label(&format!("Current: {first}"));
    harness.get_by_label(&format!("New: {second}"));
    use egui_kittest::kittest::NodeT;
    assert!(harness
        .get_by_role_and_label(Role::Button, &tr(Lang::En, "connection.sandbox_register"))
        .accesskit_node()
        .is_disabled());
    harness.run_steps(5);
    assert_eq!(harness.state().state.connection.client_id, first);

    harness
        .get_by_role_and_label(Role::Button, "Keep the current one")
        .click();
    harness.run_steps(2);
    assert_eq!(harness.state().state.connection.client_id, first);
    assert!(harness.query_by_label(&format!("New: {second}")).is_none());

    register(&mut harness);
    let third = harness.state().connection.new_client_id.clone().unwrap();
    harness
        .get_by_role_and_label(Role::Button, "Use the new one")
        .click();
    harness.run_steps(2);
    assert_eq!(harness.state().state.connection.client_id, third);
    assert!(harness.state().connection.new_client_id.is_none());
    // The chosen one works.
    test_connection(&mut harness);
    harness.get_by_label(&tr(Lang::En, "connection.granted"));
}

#[test]
fn a_past_diagnosis_follows_a_language_switch() {
    let mut harness = harness(english());
    with_sandbox_account(&mut harness);
    harness.state_mut().state.connection.client_id = "self_service_chaman_123456_abcdefghij".into();
    harness.state_mut().state.lang = Some(Lang::Fr);
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, &tr(Lang::Fr, "connection.test"))
        .click();
    wait_until_opened(&mut harness);
    harness.run_steps(2);
    harness.get_by_label("invalid_client (client_or_certificate)");
    let english_diagnosis = "does not accept this client ID with this certificate";
    assert!(harness.query_by_label_contains(english_diagnosis).is_none());
    // Back to English: the diagnosis given in French is now said in English.
    harness.get_by_label("EN").click();
    harness.run_steps(3);
    harness.get_by_label_contains(english_diagnosis);
}
