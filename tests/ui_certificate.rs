//! The Certificate page and the shell, driven headless by AccessKit labels (no GPU):
//! open a fixture, type the password, pick the alias, see findings, export.

#![cfg(feature = "gui")]

mod common;

use common::{english, fixture, fixture_copy, harness, open_file, type_into, wait_until_opened};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::ui::{AppState, Page};

#[test]
fn opens_a_file_picks_an_alias_and_remembers_it() {
    let mut harness = harness(english());
    open_file(&mut harness, &fixture("java-two-aliases.p12"), "Password");

    assert!(
        harness.state().certificate.opened().is_some(),
        "the file did not open"
    );
    harness.get_by_label_contains("AES-256-CBC, PBKDF2-HMAC-SHA256 with 10,000 rounds");
    // Two key entries: none signs until the user picks one.
    assert!(harness.state().certificate.signing_entry().is_none());
    harness
        .get_by_role_and_label(Role::RadioButton, "dimona")
        .click();
    harness.run_steps(3);
    assert_eq!(
        harness.state().certificate.signing_entry().unwrap().label,
        "dimona"
    );
    harness.get_by_label("Signs the token requests");
    let remembered = harness.state().state.certificate.signing.clone().unwrap();
    assert_eq!(remembered.alias, "dimona");
    assert!(remembered.path.ends_with("java-two-aliases.p12"));
    // The password is not kept once the file is open.
    let password = harness.get_by_role_and_label(Role::PasswordInput, "Password");
    assert_ne!(password.value().as_deref(), Some("Password"));
}

#[test]
fn wrong_password_is_said_next_to_the_field() {
    let mut harness = harness(english());
    open_file(&mut harness, &fixture("openssl3-aes256.pfx"), "not-it");
    assert!(harness.state().certificate.opened().is_none());
    harness.get_by_label(&tr(Lang::En, "error.wrong_password"));
}

#[test]
fn findings_are_shown_with_what_to_do() {
    let mut harness = harness(english());
    open_file(&mut harness, &fixture("expired.pfx"), "Password");
    harness.get_by_label_contains("expired on 2026-10-25");
    harness.get_by_label("Error");

    let mut harness = self::harness(english());
    open_file(&mut harness, &fixture("ec-p256.pfx"), "Password");
    harness.get_by_label_contains("This is an EC key");
}

#[test]
fn the_slow_file_opens_without_blocking_frames() {
    let mut harness = harness(english());
    harness.run_steps(2);
    type_into(
        &harness,
        Role::TextInput,
        "File",
        &fixture("high-iterations.pfx").display().to_string(),
    );
    type_into(&harness, Role::PasswordInput, "Password", "Password");
    harness.run_steps(1);
    harness.get_by_role_and_label(Role::Button, "Open").click();
    harness.step();
    harness.step();
    // Frames go on while 600,000 PBKDF2 rounds run on the task runtime: the page
    // shows it is working and the controls are disabled meanwhile.
    assert!(harness.state().certificate.is_busy());
    harness.get_by_label(&tr(Lang::En, "cert.opening"));
    wait_until_opened(&mut harness);
    assert_eq!(
        harness.state().certificate.signing_entry().unwrap().label,
        "slow"
    );
    assert!(harness
        .query_by_label(&tr(Lang::En, "cert.opening"))
        .is_none());
}

#[test]
fn exports_the_cer_beside_the_file() {
    let (dir, path) = fixture_copy("openssl3-aes256.pfx");
    let mut harness = harness(english());
    open_file(&mut harness, &path, "Password");
    harness
        .get_by_role_and_label(Role::Button, "Export .cer")
        .click();
    wait_until_opened(&mut harness);
    let out = dir.path().join("1.cer");
    let der = std::fs::read(&out).expect("the .cer was written");
    use sha2::Digest;
    assert_eq!(
        fla_assistant::cert::facts::hex_upper(&sha2::Sha256::digest(&der)),
        "D3091FAAF5AC2AEBE718A03DBD8414C546CFAF2030352089BE9D0B1610FA63F6"
    );
    harness.get_by_label_contains("Wrote the certificate of '1'");
}

#[test]
fn shell_has_every_page_and_switches_language() {
    let mut harness = harness(english());
    harness.run_steps(2);
    for page in Page::ALL {
        harness.get_by_role_and_label(Role::Button, &page.title(Lang::En));
    }
    harness
        .get_by_role_and_label(Role::Button, "Settings")
        .click();
    harness.run_steps(2);
    assert_eq!(harness.state().state.page, Page::Settings);

    harness.get_by_label("NL").click();
    harness.run_steps(3);
    assert_eq!(harness.state().state.lang, Some(Lang::Nl));
    let certificate_nl = tr(Lang::Nl, "nav.certificate");
    assert_ne!(certificate_nl, tr(Lang::En, "nav.certificate"));
    harness
        .get_by_role_and_label(Role::Button, &certificate_nl)
        .click();
    harness.run_steps(2);
    harness.get_by_label(&tr(Lang::Nl, "cert.intro"));

    harness.get_by_label("FR").click();
    harness.run_steps(2);
    harness.get_by_label(&tr(Lang::Fr, "cert.intro"));
}

#[test]
fn state_survives_a_restart_without_the_password() {
    let mut harness = harness(english());
    open_file(&mut harness, &fixture("openssl3-aes256.pfx"), "Password");
    let state = harness.state().state.clone();
    let saved = serde_json::to_string(&state).unwrap();
    assert!(!saved.contains("Password\""), "{saved}");
    let restored: AppState = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored, state);
    assert!(restored
        .certificate
        .last_path
        .ends_with("openssl3-aes256.pfx"));
    // An older or partial saved state still loads.
    let partial: AppState = serde_json::from_str(r#"{"page":"Settings"}"#).unwrap();
    assert_eq!(partial.page, Page::Settings);
}
