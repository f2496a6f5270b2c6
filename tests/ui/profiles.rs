//! Profiles in the app, driven by their AccessKit labels: switching profile
//! switches the connection and the certificate, the current profile survives a
//! restart, rename/delete/export/import, a damaged file set aside and said, the
//! PFX password remembered only in the keychain (a stand-in here) or asked once
//! per run where the key is needed, and no password or key in any file written.
#![cfg(feature = "gui")]

use fla_test_support::app as common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::accesskit::Role as A11yRole;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use fla_assistant::channel::env::EnvironmentKind;
use fla_assistant::i18n::{tr, tr_args, Lang};
use fla_assistant::profile::{MemorySecrets, Profile, ProfileStore};
use fla_assistant::ui::{AppState, FlaApp, Page};

const DISTINCT_PASSWORD: &str = "Zq7-unusual-PFX-secret-4711";

fn en(key: &str) -> String {
    tr(Lang::En, key)
}

/// A fresh copy of the openssl3 fixture under `password`, and its key's PKCS#8 DER.
fn pfx_with_password(dir: &Path, password: &str) -> (PathBuf, Vec<u8>) {
    use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
    let bytes = std::fs::read(common::certs::fresh("openssl3-aes256.pfx")).unwrap();
    let store = KeyStore::from_pkcs12(&bytes, common::certs::PASSWORD, Pkcs12ImportPolicy::Relaxed)
        .unwrap();
    let (alias, chain) = store.private_key_chain().unwrap();
    let key = chain.key().as_der().to_vec();
    let mut out = KeyStore::new();
    out.add_entry(alias, KeyStoreEntry::PrivateKeyChain(chain.clone()));
    let path = dir.join("distinct.pfx");
    std::fs::write(&path, out.writer(password).write().unwrap()).unwrap();
    (path, key)
}

/// Two profiles written before the app starts: an employer in the sandbox and
/// a representative in acceptance, each with its own certificate path.
fn two_profiles(config: &Path, cert_a: &str, cert_b: &str) {
    let store = ProfileStore::new(config);
    store
        .save(
            "alpha",
            &Profile {
                name: "Alpha employer".into(),
                role: Some(fla_assistant::checklist::Role::Employer),
                environment: EnvironmentKind::Sandbox,
                // Given by the sandbox: the sandbox's own.
                sandbox_client_id: "self_service_chaman_111_alphaalpha".into(),
                certificate_path: cert_a.into(),
                ..Profile::default()
            },
        )
        .unwrap();
    store
        .save(
            "beta",
            &Profile {
                name: "Beta secretariat".into(),
                role: Some(fla_assistant::checklist::Role::Representative),
                environment: EnvironmentKind::Acceptance,
                client_id: "self_service_chaman_222_betabetabe".into(),
                certificate_path: cert_b.into(),
                ..Profile::default()
            },
        )
        .unwrap();
}

fn start(state: AppState, data: &Path, secrets: Arc<MemorySecrets>) -> Harness<'static, FlaApp> {
    // The stand-in is in place before the first frame (which may ask it).
    let mut app = FlaApp::new(state, data.to_path_buf()).unwrap();
    app.set_secret_store(secrets);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1200.0, 1400.0))
        .build_ui_state(|ui, app: &mut FlaApp| app.frame_ui(ui), app);
    harness.run_steps(2);
    harness
}

fn choose_profile(harness: &mut Harness<'static, FlaApp>, name: &str) {
    common::go_to(harness, Page::Settings);
    harness
        .get_by_role_and_label(A11yRole::ComboBox, &en("settings.profile_current"))
        .click();
    harness.run_steps(2);
    harness.get_by_label(name).click();
    harness.run_steps(3);
}

#[test]
fn switching_profile_switches_connection_and_certificate_and_a_restart_keeps_it() {
    let data = common::new_data_dir();
    two_profiles(&data.join("config"), "/certs/alpha.pfx", "/certs/beta.pfx");
    let secrets = Arc::new(MemorySecrets::default());
    let state = {
        let mut harness = start(
            AppState {
                profile: Some("alpha".into()),
                ..common::english()
            },
            &data,
            secrets.clone(),
        );
        let app = harness.state();
        assert_eq!(app.setup.id, "alpha");
        assert_eq!(
            app.state.connection.client_id,
            "self_service_chaman_111_alphaalpha"
        );
        assert_eq!(app.certificate.path, "/certs/alpha.pfx");
        choose_profile(&mut harness, "Beta secretariat");
        let app = harness.state();
        assert_eq!(app.setup.id, "beta");
        assert_eq!(
            app.state.connection.client_id,
            "self_service_chaman_222_betabetabe"
        );
        assert_eq!(
            app.state.connection.environment,
            EnvironmentKind::Acceptance
        );
        assert_eq!(
            app.state.connection.role,
            fla_assistant::channel::env::Role::Provider
        );
        assert_eq!(app.certificate.path, "/certs/beta.pfx");
        assert_eq!(app.state.certificate.last_path, "/certs/beta.pfx");
        // A change on the Connection page goes into the current profile.
        harness.state_mut().state.connection.client_id =
            "self_service_chaman_333_changedbet".into();
        harness.run_steps(3);
        assert_eq!(
            harness.state().setup.profile.client_id,
            "self_service_chaman_333_changedbet"
        );
        harness.state().state.clone()
    };
    // A restart (eframe gives the state back): the same profile, as changed.
    let harness = start(state, &data, secrets);
    let app = harness.state();
    assert_eq!(app.setup.id, "beta");
    assert_eq!(
        app.state.connection.client_id,
        "self_service_chaman_333_changedbet"
    );
    assert_eq!(app.certificate.path, "/certs/beta.pfx");
    let on_disk = ProfileStore::new(data.join("config")).load().unwrap();
    let alpha = &on_disk
        .profiles
        .iter()
        .find(|(id, _)| id == "alpha")
        .unwrap()
        .1;
    assert_eq!(
        alpha.sandbox_client_id, "self_service_chaman_111_alphaalpha",
        "alpha untouched"
    );
}

#[test]
fn new_rename_delete_export_and_import_a_profile() {
    let data = common::new_data_dir();
    two_profiles(&data.join("config"), "/certs/alpha.pfx", "/certs/beta.pfx");
    let mut harness = start(
        AppState {
            profile: Some("alpha".into()),
            ..common::english()
        },
        &data,
        Arc::new(MemorySecrets::default()),
    );
    harness
        .state()
        .tasks
        .assume_file_dialog(fla_assistant::ui::tasks::FileDialog::Missing);
    common::go_to(&mut harness, Page::Settings);
    // New.
    common::type_into(
        &harness,
        A11yRole::TextInput,
        &en("settings.profile_new_name"),
        "Gamma",
    );
    harness.run_steps(2);
    harness
        .get_by_role_and_label(A11yRole::Button, &en("settings.profile_new"))
        .click();
    harness.run_steps(3);
    assert_eq!(harness.state().setup.profile.name, "Gamma");
    assert_eq!(
        harness.state().state.connection.client_id,
        "",
        "a new profile starts empty"
    );
    // Rename.
    let name_label = en("settings.profile_name");
    let field = harness.get_by_role_and_label(A11yRole::TextInput, &name_label);
    field.focus();
    field.type_text(" GmbH");
    harness.run_steps(2);
    harness
        .get_by_role_and_label(A11yRole::Button, &en("settings.profile_rename"))
        .click();
    harness.run_steps(3);
    let renamed = harness.state().setup.profile.name.clone();
    assert!(
        renamed.contains("GmbH") && renamed.contains("Gamma"),
        "{renamed}"
    );
    // Export (no file dialog here: the path typed).
    let exported = data.join("handover.json");
    common::type_into(
        &harness,
        A11yRole::TextInput,
        &en("settings.profile_export_to"),
        &exported.display().to_string(),
    );
    common::wait_until_opened(&mut harness);
    harness
        .get_by_role_and_label(A11yRole::Button, &en("settings.profile_export"))
        .click();
    common::wait_until_opened(&mut harness);
    harness.get_by_label_contains("The profile was exported to");
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.contains(&renamed), "{text}");
    // Delete, after a confirmation.
    harness
        .get_by_role_and_label(A11yRole::Button, &en("settings.profile_delete"))
        .click();
    harness.run_steps(2);
    harness.get_by_label_contains(&format!("Delete the profile \"{renamed}\"?"));
    harness
        .get_by_role_and_label(A11yRole::Button, &en("settings.profile_delete_yes"))
        .click();
    harness.run_steps(3);
    common::wait_until_opened(&mut harness);
    assert_ne!(harness.state().setup.profile.name, renamed);
    let names = |data: &Path| -> Vec<String> {
        ProfileStore::new(data.join("config"))
            .load()
            .unwrap()
            .profiles
            .into_iter()
            .map(|(_, p)| p.name)
            .collect()
    };
    assert!(!names(&data).contains(&renamed), "{:?}", names(&data));
    // Import brings it back as the current profile.
    common::type_into(
        &harness,
        A11yRole::TextInput,
        &en("settings.profile_import_from"),
        &exported.display().to_string(),
    );
    common::wait_until_opened(&mut harness);
    harness
        .get_by_role_and_label(A11yRole::Button, &en("settings.profile_import"))
        .click();
    common::wait_until_opened(&mut harness);
    harness.run_steps(3);
    common::wait_until_opened(&mut harness);
    assert_eq!(harness.state().setup.profile.name, renamed);
    assert!(names(&data).contains(&renamed));
}

#[test]
fn a_damaged_profile_file_is_set_aside_and_said() {
    let data = common::new_data_dir();
    let profiles = data.join("config").join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(profiles.join("broken.json"), b"{\"name\": \"half").unwrap();
    let mut harness = start(common::english(), &data, Arc::new(MemorySecrets::default()));
    common::go_to(&mut harness, Page::Settings);
    let shown = harness
        .get_all_by_label_contains("could not be read")
        .count();
    assert!(shown >= 1, "the notice is shown");
    harness
        .get_all_by_label_contains("broken.json.damaged-1")
        .next()
        .unwrap();
    assert!(profiles.join("broken.json.damaged-1").exists());
}

/// Opens `path` on the Certificate page with "remember" ticked.
fn open_and_remember(harness: &mut Harness<'static, FlaApp>, path: &Path, password: &str) {
    common::go_to(harness, Page::Certificate);
    harness.get_by_label(&en("secret.remember")).click();
    harness.run_steps(2);
    common::open_file(harness, path, password);
    harness.run_steps(3);
    common::wait_until_opened(harness);
}

#[test]
fn a_remembered_password_opens_the_key_after_a_restart_without_typing() {
    let data = common::new_data_dir();
    let secrets = Arc::new(MemorySecrets::default());
    let path = common::certs::fresh("openssl3-aes256.pfx");
    let state = {
        let mut harness = start(common::english(), &data, secrets.clone());
        open_and_remember(&mut harness, &path, common::certs::PASSWORD);
        assert!(harness.state().certificate.signer().is_some());
        assert!(harness.state().setup.profile.password_in_keychain);
        assert_eq!(secrets.len(), 1, "the stand-in keychain holds the password");
        harness.state().state.clone()
    };
    let mut harness = start(state, &data, secrets.clone());
    common::wait_until_opened(&mut harness);
    assert!(
        harness.state().certificate.signer().is_some(),
        "the key opened from the keychain"
    );
    // Unticked: the keychain forgets it.
    common::go_to(&mut harness, Page::Certificate);
    harness.get_by_label(&en("secret.remember")).click();
    harness.run_steps(3);
    common::wait_until_opened(&mut harness);
    assert!(secrets.is_empty());
}

#[test]
fn an_unavailable_keychain_is_said_and_the_app_goes_on() {
    let data = common::new_data_dir();
    let secrets = Arc::new(MemorySecrets::unavailable());
    let mut harness = start(common::english(), &data, secrets);
    open_and_remember(
        &mut harness,
        &common::certs::fresh("openssl3-aes256.pfx"),
        common::certs::PASSWORD,
    );
    harness.run_steps(3);
    assert!(harness.state().certificate.signer().is_some());
    assert!(!harness.state().setup.profile.password_in_keychain);
    harness.get_by_label_contains("The system keychain cannot be used here");
}

#[test]
fn without_a_remembered_password_the_connection_page_asks_for_it_once() {
    let data = common::new_data_dir();
    let secrets = Arc::new(MemorySecrets::default());
    let path = common::certs::fresh("openssl3-aes256.pfx");
    let state = {
        let mut harness = start(common::english(), &data, secrets.clone());
        common::open_file(&mut harness, &path, common::certs::PASSWORD);
        assert!(harness.state().certificate.signer().is_some());
        harness.run_steps(2);
        assert!(
            harness
                .state()
                .certificate
                .password_for(&path.display().to_string())
                .is_none(),
            "the password is not held once the file is open"
        );
        harness.state().state.clone()
    };
    assert!(secrets.is_empty(), "not remembered unasked");
    let mut harness = start(state, &data, secrets);
    common::go_to(&mut harness, Page::Connection);
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let label = tr_args(Lang::En, "secret.prompt_label", &[("file", file)]);
    common::type_into(
        &harness,
        A11yRole::PasswordInput,
        &label,
        common::certs::PASSWORD,
    );
    harness.run_steps(2);
    harness.key_press(egui::Key::Enter);
    common::wait_until_opened(&mut harness);
    assert!(
        harness.state().certificate.signer().is_some(),
        "opened in place"
    );
    assert!(harness.query_by_label(&label).is_none(), "asked once");
    common::go_to(&mut harness, Page::Declarations);
    assert!(harness.query_by_label(&label).is_none(), "not asked again");
}

fn every_file(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            every_file(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn after_a_whole_flow_no_file_written_holds_the_password_or_the_key() {
    use base64::Engine;
    let data = common::new_data_dir();
    let certs = tempfile::tempdir().unwrap();
    let (pfx, key_der) = pfx_with_password(certs.path(), DISTINCT_PASSWORD);
    let secrets = Arc::new(MemorySecrets::default());
    {
        let mut harness = start(common::english(), &data, secrets.clone());
        open_and_remember(&mut harness, &pfx, DISTINCT_PASSWORD);
        assert!(harness.state().certificate.signer().is_some());
        common::wait_for_sandbox(&mut harness);
        common::go_to(&mut harness, Page::Connection);
        harness
            .get_by_role_and_label(A11yRole::Button, &en("connection.sandbox_register"))
            .click();
        common::wait_until_opened(&mut harness);
        harness.run_steps(2);
        harness
            .get_by_role_and_label(A11yRole::Button, &en("connection.test"))
            .click();
        common::wait_until_opened(&mut harness);
        harness.run_steps(3);
        assert!(harness
            .state()
            .setup
            .profile
            .rehearsed
            .contains(&fla_assistant::checklist::Rehearsal::TokenTest));
        assert_eq!(secrets.len(), 1, "remembered in the stand-in");
    }
    let mut files = Vec::new();
    every_file(&data, &mut files);
    assert!(
        files.iter().any(|f| f.starts_with(data.join("config"))),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.starts_with(data.join("logs"))),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.starts_with(data.join("sandbox"))),
        "{files:?}"
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(&key_der);
    let middle = &key_der[key_der.len() / 2..key_der.len() / 2 + 48];
    for file in &files {
        // A temporary file may have gone since the listing (a rename).
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        assert!(
            !contains(&bytes, DISTINCT_PASSWORD.as_bytes()),
            "password in {file:?}"
        );
        assert!(!contains(&bytes, &key_der), "key DER in {file:?}");
        assert!(!contains(&bytes, middle), "part of the key in {file:?}");
        assert!(!contains(&bytes, b64.as_bytes()), "key base64 in {file:?}");
        assert!(
            !contains(&bytes, &b64.as_bytes()[40..120]),
            "key base64 part in {file:?}"
        );
    }
}

#[test]
fn deleting_a_profile_deletes_its_password_from_the_keychain_and_says_so() {
    let data = common::new_data_dir();
    let secrets = Arc::new(MemorySecrets::default());
    let path = common::certs::fresh("openssl3-aes256.pfx");
    let mut harness = start(common::english(), &data, secrets.clone());
    open_and_remember(&mut harness, &path, common::certs::PASSWORD);
    for _ in 0..50 {
        if secrets.len() == 1 {
            break;
        }
        harness.run_steps(2);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(secrets.len(), 1, "remembered in the stand-in");
    common::go_to(&mut harness, Page::Settings);
    harness
        .get_by_role_and_label(A11yRole::Button, &en("settings.profile_delete"))
        .click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(A11yRole::Button, &en("settings.profile_delete_yes"))
        .click();
    for _ in 0..50 {
        if secrets.is_empty() {
            break;
        }
        harness.run_steps(2);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(secrets.is_empty(), "the password left the keychain");
    harness.run_steps(3);
    harness.get_by_label_contains("was removed from the system keychain");
}
