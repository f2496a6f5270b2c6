//! Helpers shared by the UI tests: a harness over the whole app with its own
//! data dir, typing into fields by label, waiting for background work.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use fla_assistant::i18n::Lang;
use fla_assistant::ui::{AppState, FlaApp};

/// Certificates made at test time (valid relative to now).
pub use crate::certs;

pub fn fixture(name: &str) -> PathBuf {
    crate::project_dir().join("tests/fixtures/pfx").join(name)
}

/// A copy of a fixture in its own folder, so an export lands beside it.
pub fn fixture_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(fixture(name), &path).unwrap();
    (dir, path)
}

/// A data dir of its own for one app (its sandbox's state, its journal), kept
/// for the process (tests run in parallel threads).
pub fn new_data_dir() -> PathBuf {
    static DATA: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let data = DATA.get_or_init(|| tempfile::tempdir().unwrap());
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    data.path().join(format!("app-{n}"))
}

pub fn harness(state: AppState) -> Harness<'static, FlaApp> {
    harness_in(state, &new_data_dir())
}

/// An app on `data_dir`: a second one on the same dir is the same app restarted
/// (drop the first harness before, as the desktop app runs once).
pub fn harness_in(state: AppState, data_dir: &Path) -> Harness<'static, FlaApp> {
    let app = FlaApp::new(state, data_dir.to_path_buf()).unwrap();
    Harness::builder()
        .with_size(egui::vec2(1200.0, 1400.0))
        .build_ui_state(|ui, app: &mut FlaApp| app.frame_ui(ui), app)
}

/// A file with two key entries, 'fla-employer' and 'dimona' (as the fixture
/// java-two-aliases.p12), both valid now; password "Password".
pub fn fresh_two_aliases() -> PathBuf {
    use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
    static MADE: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, path) = MADE.get_or_init(|| {
        let mut store = KeyStore::new();
        for (fixture, alias) in [
            ("openssl3-aes256.pfx", "fla-employer"),
            ("openssl-legacy-rc2.pfx", "dimona"),
        ] {
            let bytes = std::fs::read(certs::fresh(fixture)).unwrap();
            let one = KeyStore::from_pkcs12(&bytes, certs::PASSWORD, Pkcs12ImportPolicy::Relaxed)
                .unwrap();
            let (_, chain) = one.private_key_chain().unwrap();
            store.add_entry(alias, KeyStoreEntry::PrivateKeyChain(chain.clone()));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two-aliases.p12");
        std::fs::write(&path, store.writer(certs::PASSWORD).write().unwrap()).unwrap();
        (dir, path)
    });
    path.clone()
}

/// Goes to a page by its button in the side bar.
pub fn go_to(harness: &mut Harness<'static, FlaApp>, page: fla_assistant::ui::Page) {
    go_to_in(harness, page, Lang::En);
}

/// [`go_to`] in an app that speaks `lang`.
pub fn go_to_in(harness: &mut Harness<'static, FlaApp>, page: fla_assistant::ui::Page, lang: Lang) {
    // The side bar comes first (a page may have a button with the same name).
    harness
        .get_all_by_role_and_label(Role::Button, &page.title(lang))
        .next()
        .unwrap()
        .click();
    harness.run_steps(2);
}

/// Steps frames until `done` holds (the work runs on the runtime and over
/// the network), for at most `seconds`; `what` says what never came.
pub fn step_until(
    harness: &mut Harness<'static, FlaApp>,
    what: &str,
    seconds: u64,
    done: impl Fn(&Harness<'static, FlaApp>) -> bool,
) {
    let start = Instant::now();
    harness.step();
    while !done(harness) {
        assert!(start.elapsed() < Duration::from_secs(seconds), "{what}");
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
}

/// Steps frames until the app's own sandbox runs.
pub fn wait_for_sandbox(harness: &mut Harness<'static, FlaApp>) {
    step_until(harness, "the sandbox never started", 30, |h| {
        h.state().connection.sandbox_url().is_some()
    });
}

pub fn english() -> AppState {
    AppState {
        lang: Some(Lang::En),
        ..AppState::default()
    }
}

/// Steps frames until the app's background work (opening, export, a request) has finished.
pub fn wait_until_opened(harness: &mut Harness<'static, FlaApp>) {
    let start = Instant::now();
    harness.step();
    while harness.state().is_busy() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "opening never finished"
        );
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.step();
    harness.step();
}

pub fn type_into(harness: &Harness<'static, FlaApp>, role: Role, label: &str, text: &str) {
    let field = harness.get_by_role_and_label(role, label);
    field.focus();
    field.type_text(text);
}

pub fn open_file(harness: &mut Harness<'static, FlaApp>, path: &Path, password: &str) {
    harness.run_steps(2);
    type_into(
        harness,
        Role::TextInput,
        "File",
        &path.display().to_string(),
    );
    harness.run_steps(2);
    type_into(harness, Role::PasswordInput, "Password", password);
    harness.run_steps(2);
    harness.key_press(egui::Key::Enter);
    wait_until_opened(harness);
}

/// Opens the openssl3 fixture, waits for the app's sandbox, and registers the
/// certificate there from the Connection page; returns the client ID.
pub fn with_sandbox_account(harness: &mut Harness<'static, FlaApp>) -> String {
    open_file(harness, &certs::fresh("openssl3-aes256.pfx"), "Password");
    wait_for_sandbox(harness);
    harness
        .get_by_role_and_label(Role::Button, "Connection")
        .click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(
            Role::Button,
            &fla_assistant::i18n::tr(Lang::En, "connection.sandbox_register"),
        )
        .click();
    wait_until_opened(harness);
    harness.run_steps(2);
    let client_id = harness.state().state.connection.client_id.clone();
    assert!(
        fla_assistant::channel::env::client_id_looks_right(&client_id),
        "{client_id}"
    );
    client_id
}

/// The desktop window's size at start (`run_app`'s inner size).
pub const DEFAULT_WINDOW: egui::Vec2 = egui::vec2(1100.0, 760.0);

/// An app in a window of `size` (the default window to see what it clips).
pub fn harness_sized(
    state: AppState,
    data_dir: &Path,
    size: egui::Vec2,
) -> Harness<'static, FlaApp> {
    let app = FlaApp::new(state, data_dir.to_path_buf()).unwrap();
    Harness::builder()
        .with_size(size)
        .build_ui_state(|ui, app: &mut FlaApp| app.frame_ui(ui), app)
}

/// Writes declarations to the journal of `data_dir` before the app starts
/// (as the engine would have): one per state given, references "REF-1"….
pub fn journal_rows(data_dir: &Path, states: &[fla_assistant::submit::state::State]) {
    for (i, state) in states.iter().enumerate() {
        journal_row(data_dir, *state, &format!("REF-{}", i + 1));
    }
}

/// Writes a row in `state` to the journal of `data_dir` (as the engine would
/// have), with a server id where the server would hold it.
pub fn journal_row(data_dir: &Path, state: fla_assistant::submit::state::State, reference: &str) {
    let form = fla_assistant::submit::journal::DraftForm {
        reference: reference.into(),
        enterprise: "0403170701".into(),
        ssin: "85073003328".into(),
        name: "Excel".into(),
        start: "2025-03-03".into(),
        end: "2025-03-04".into(),
        duration: "14".into(),
        ..Default::default()
    };
    journal_row_of(data_dir, state, form, None);
}

/// Writes `form` as a row in `state` to the journal of `data_dir`, from
/// `source` (a file's row, as `file#row`), with a server id where the server
/// would hold it.
pub fn journal_row_of(
    data_dir: &Path,
    state: fla_assistant::submit::state::State,
    form: fla_assistant::submit::journal::DraftForm,
    source: Option<String>,
) {
    use fla_assistant::channel::env::EnvironmentKind;
    use fla_assistant::submit::journal::{Changes, Journal, OpenAs, Record};
    use fla_assistant::submit::state::State;
    std::fs::create_dir_all(data_dir).unwrap();
    let mut journal = Journal::open_as(
        &data_dir.join("declarations.sqlite"),
        &OpenAs::for_environment(EnvironmentKind::Sandbox),
    )
    .unwrap();
    let new = Record::new(
        State::Draft,
        form.reference.clone(),
        form.enterprise.clone(),
    );
    let ids = journal
        .insert(&[Record {
            content: Some(Box::new(fla_assistant::submit::service::Content::Fla(
                form.to_declaration().unwrap(),
            ))),
            form: Some(Box::new(form)),
            source,
            ..new
        }])
        .unwrap();
    if state != State::Draft {
        let server_holds = state.is_result() || state == State::Submitted;
        let changes = Changes {
            server_id: server_holds.then_some(1000 + ids[0]),
            ..Changes::default()
        };
        journal
            .transition(ids[0], State::Draft, state, &changes, "test")
            .unwrap();
    }
}

/// Selects all of a text field and types `text` in its place.
pub fn retype(harness: &mut Harness<'static, FlaApp>, label: &str, text: &str) {
    let field = harness.get_by_role_and_label(Role::TextInput, label);
    field.focus();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
    type_into(harness, Role::TextInput, label, text);
    harness.run_steps(2);
}

/// Clicks "New declaration" and waits for the engine to make it and the editor to open it.
pub fn new_declaration(harness: &mut Harness<'static, FlaApp>) {
    harness
        .get_by_role_and_label(Role::Button, "New declaration")
        .click();
    wait_until_opened(harness);
    harness.run_steps(2);
}

/// A new declaration of a training three days ago, typed in the editor.
pub fn fill_new(harness: &mut Harness<'static, FlaApp>, reference: &str, name: &str) {
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
