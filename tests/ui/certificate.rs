//! The Certificate page and the shell, driven headless by AccessKit labels (no GPU):
//! open a fixture, type the password, pick the alias, see findings, export.

#![cfg(feature = "gui")]

use fla_test_support::app as common;

use common::{
    certs, english, fixture, fixture_copy, fresh_two_aliases, go_to, harness, harness_in,
    new_data_dir, open_file, type_into, wait_until_opened,
};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use fla_assistant::i18n::{tr, Lang};
use fla_assistant::ui::{AppState, FlaApp, Page, ThemeChoice};

/// The value of the password field as AccessKit sees it (masked: one bullet a character).
fn password_field_value(harness: &egui_kittest::Harness<'static, FlaApp>) -> String {
    harness
        .get_by_role_and_label(Role::PasswordInput, "Password")
        .value()
        .unwrap_or_default()
}

#[test]
fn opens_a_file_picks_an_alias_and_remembers_it() {
    let mut harness = harness(english());
    harness.get_by_label_contains(&tr(Lang::En, "cert.intro"));
    open_file(&mut harness, &fixture("java-two-aliases.p12"), "Password");
    assert!(
        harness.state().certificate.opened().is_some(),
        "the file did not open"
    );
    // First what she needs, in her words: whose, whether it can sign, until when.
    assert_eq!(
        harness
            .get_all_by_label_contains("token requests — valid until")
            .count(),
        2,
        "one sentence per entry"
    );
    // The technical facts are one click away, folded until asked for.
    let protection = "AES-256-CBC, PBKDF2-HMAC-SHA256 with 10,000 rounds";
    assert!(harness.query_by_label_contains(protection).is_none());
    assert!(harness.query_by_label_contains("SHA-256").is_none());
    harness
        .get_by_label(&tr(Lang::En, "cert.technical_details"))
        .click();
    harness.run_steps(2);
    harness.get_by_label_contains(protection);
    // Remembered: support staff find them open the next time.
    assert!(harness.state().state.certificate.technical_details);

    // The same with certificates valid now, so that picking one makes it sign.
    let mut harness = self::harness(english());
    open_file(&mut harness, &fresh_two_aliases(), "Password");
    assert!(
        harness.state().certificate.opened().is_some(),
        "the file did not open"
    );
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
    assert!(harness
        .query_all_by_label_contains("— can sign the token requests — valid until")
        .next()
        .is_some());
    let remembered = harness.state().state.certificate.signing.clone().unwrap();
    assert_eq!(remembered.alias, "dimona");
    assert!(remembered.path.ends_with("two-aliases.p12"));
    // The password is not kept once the file is open: the field is empty (a
    // kept password would show as bullets).
    assert_eq!(password_field_value(&harness), "");
}

#[test]
fn the_password_cannot_be_brought_back_with_undo() {
    let mut harness = harness(english());
    harness.run_steps(2);
    let path = certs::fresh("openssl3-aes256.pfx");
    type_into(
        &harness,
        Role::TextInput,
        "File",
        &path.display().to_string(),
    );
    harness.run_steps(2);
    type_into(&harness, Role::PasswordInput, "Password", certs::PASSWORD);
    // As a user pauses before pressing Enter: the field makes an undo point of
    // the typed password once it has been still for a second (4 frames here).
    harness.run_steps(8);
    assert_eq!(password_field_value(&harness).chars().count(), 8);
    harness.key_press(egui::Key::Enter);
    wait_until_opened(&mut harness);
    assert!(harness.state().certificate.signing_entry().is_some());
    assert_eq!(password_field_value(&harness), "");
    harness
        .get_by_role_and_label(Role::PasswordInput, "Password")
        .focus();
    harness.run_steps(2);
    // Each undo brings nothing back: no bullet for the password's characters.
    for _ in 0..3 {
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
        harness.run_steps(2);
        assert_eq!(password_field_value(&harness), "");
    }
}

/// Opens a valid file, then `unusable` (in `dir`, where its export lands);
/// checks the valid entry still signs, the page says why the other cannot and
/// its certificate still exports.
fn cannot_sign_case(unusable: &std::path::Path, dir: &std::path::Path, reason: &str) {
    let mut harness = harness(english());
    let valid = certs::fresh("openssl3-aes256.pfx");
    open_file(&mut harness, &valid, certs::PASSWORD);
    let signer = |h: &egui_kittest::Harness<'static, FlaApp>| {
        let s = h.state().certificate.signer().expect("an entry signs");
        (s.path.clone(), s.entry.label.clone())
    };
    assert_eq!(signer(&harness), (valid.clone(), "1".to_owned()));

    harness.state_mut().certificate.path.clear();
    harness.run_steps(1);
    open_file(&mut harness, unusable, certs::PASSWORD);
    let opened = harness
        .state()
        .certificate
        .opened()
        .expect("the file opened");
    assert_eq!(opened.path, unusable, "{}", unusable.display());
    // The valid entry still signs, and the settings remember it, not the other.
    assert_eq!(signer(&harness), (valid.clone(), "1".to_owned()));
    let remembered = harness.state().state.certificate.signing.clone().unwrap();
    assert_eq!(remembered.path, valid.display().to_string());
    // The page says plainly that the entry on view cannot sign, and why.
    harness.get_by_label(&tr(Lang::En, "cert.cannot_sign"));
    harness.get_by_label_contains(reason);
    harness.get_by_label_contains("The token requests are still signed by '1'");
    assert!(harness
        .query_by_label(&tr(Lang::En, "cert.signing"))
        .is_none());
    // Its certificate can still be exported.
    harness
        .get_by_role_and_label(Role::Button, "Export .cer")
        .click();
    wait_until_opened(&mut harness);
    harness.get_by_label_contains("Wrote the certificate of");
    let written: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "cer"))
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    // The Connection page uses the entry that signs.
    go_to(&mut harness, Page::Connection);
    harness.get_by_label_contains("1 — FLA REST channel - Voorbeeld BV");
    // And the words are there in Dutch and French too.
    for lang in [Lang::Nl, Lang::Fr] {
        harness.state_mut().state.lang = Some(lang);
        go_to_in(&mut harness, Page::Certificate, lang);
        harness.get_by_label(&tr(lang, "cert.cannot_sign"));
    }
}

fn go_to_in(harness: &mut egui_kittest::Harness<'static, FlaApp>, page: Page, lang: Lang) {
    harness.run_steps(1);
    harness
        .get_by_role_and_label(Role::Button, &page.title(lang))
        .click();
    harness.run_steps(2);
}

#[test]
fn an_expired_certificate_never_replaces_the_one_that_signs() {
    let dir = tempfile::tempdir().unwrap();
    let expired = certs::expired("openssl3-aes256.pfx", dir.path());
    cannot_sign_case(&expired, dir.path(), "The certificate expired on");
}

#[test]
fn a_not_yet_valid_certificate_never_replaces_the_one_that_signs() {
    let dir = tempfile::tempdir().unwrap();
    let now = time::OffsetDateTime::now_utc();
    let later = certs::renewed_pfx(
        "openssl3-aes256.pfx",
        &dir.path().join("later.pfx"),
        now + time::Duration::days(10),
        now + time::Duration::days(400),
    );
    cannot_sign_case(&later, dir.path(), "The certificate is valid only from");
}

#[test]
fn an_ec_key_never_replaces_the_one_that_signs() {
    let (dir, path) = fixture_copy("ec-p256.pfx");
    cannot_sign_case(&path, dir.path(), "This is an EC key");
}

#[test]
fn a_weak_key_never_replaces_the_one_that_signs() {
    let (dir, path) = fixture_copy("rsa1024.pfx");
    cannot_sign_case(&path, dir.path(), "The key has only 1024 bits");
}

#[test]
fn when_nothing_can_sign_nothing_signs_and_the_connection_page_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let expired = certs::expired("openssl3-aes256.pfx", dir.path());
    let mut harness = harness(english());
    open_file(&mut harness, &expired, certs::PASSWORD);
    assert!(harness.state().certificate.opened().is_some());
    assert!(harness.state().certificate.signer().is_none());
    assert!(harness.state().state.certificate.signing.is_none());
    harness.get_by_label(&tr(Lang::En, "cert.cannot_sign"));
    go_to(&mut harness, Page::Connection);
    harness.get_by_label_contains("'1' cannot sign the token requests. The certificate expired on");
    use egui_kittest::kittest::NodeT;
    let button = harness.get_by_role_and_label(Role::Button, "Test connection");
    assert!(button.accesskit_node().is_disabled());
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
    // The fixture expired on 25/10/2026 (a fact of the fixture: it stays expired).
    harness.get_by_label_contains("expired on 25/10/2026");
    harness.get_by_label("Error");
    // What to do comes with it.
    harness.get_by_label_contains("order a new certificate, upload its .cer in Chaman");

    let mut harness = self::harness(english());
    open_file(&mut harness, &fixture("ec-p256.pfx"), "Password");
    harness.get_by_label_contains("This is an EC key");
    harness.get_by_label_contains("use a certificate with an RSA key");
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
    let opened = harness
        .state()
        .certificate
        .opened()
        .expect("the file opened");
    assert_eq!(opened.contents.labels(), vec!["slow".to_owned()]);
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
    // Said with the whole path, where the file can be found to upload it.
    let full = std::fs::canonicalize(&out).unwrap();
    harness.get_by_label_contains(&format!(
        "Wrote the certificate of '1' to {}.",
        full.display()
    ));
}

#[test]
fn shell_has_every_page_and_switches_language() {
    let mut harness = harness(english());
    harness.run_steps(2);
    // Dimona's page is there for those who declare it (the Checklist asks).
    for page in Page::ALL.into_iter().filter(|p| *p != Page::Dimona) {
        harness.get_by_role_and_label(Role::Button, &page.title(Lang::En));
    }
    assert!(harness
        .query_by_role_and_label(Role::Button, &Page::Dimona.title(Lang::En))
        .is_none());
    harness.state_mut().setup.profile.dimona = true;
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Button, &Page::Dimona.title(Lang::En));
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
    let data = new_data_dir();
    let valid = certs::fresh("openssl3-aes256.pfx");
    let mut harness = harness_in(english(), &data);
    open_file(&mut harness, &valid, certs::PASSWORD);
    go_to(&mut harness, Page::Connection);
    let state = harness.state().state.clone();
    drop(harness);
    let saved = serde_json::to_string(&state).unwrap();
    assert!(!saved.contains(certs::PASSWORD), "{saved}");
    let restored: AppState = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored, state);
    assert_eq!(
        restored
            .certificate
            .signing
            .as_ref()
            .map(|s| s.alias.as_str()),
        Some("1")
    );

    // The app started again on what was saved: the same page, the file's path
    // ready, the password to type again (it was never saved).
    let mut harness = harness_in(restored, &data);
    harness.run_steps(2);
    harness.get_by_label(&tr(Lang::En, "page.connection.intro"));
    go_to(&mut harness, Page::Certificate);
    let file = harness.get_by_role_and_label(Role::TextInput, "File");
    assert_eq!(
        file.value().as_deref(),
        Some(valid.display().to_string().as_str())
    );
    assert_eq!(password_field_value(&harness), "");
    assert!(harness.state().certificate.opened().is_none());
    // An older or partial saved state still loads.
    let partial: AppState = serde_json::from_str(r#"{"page":"Settings"}"#).unwrap();
    assert_eq!(partial.page, Page::Settings);
}

/// Switches the language with the side bar's switch ("EN", "NL", "FR").
fn switch_language(harness: &mut egui_kittest::Harness<'static, FlaApp>, lang: Lang) {
    harness.get_by_label(&lang.code().to_uppercase()).click();
    harness.run_steps(3);
    assert_eq!(harness.state().state.lang, Some(lang));
}

#[test]
fn a_past_export_message_follows_a_language_switch() {
    let (_dir, path) = fixture_copy("openssl3-aes256.pfx");
    let mut harness = harness(english());
    open_file(&mut harness, &path, "Password");
    harness
        .get_by_role_and_label(Role::Button, "Export .cer")
        .click();
    wait_until_opened(&mut harness);
    harness.get_by_label_contains("Wrote the certificate of '1'");
    switch_language(&mut harness, Lang::Nl);
    harness.get_by_label_contains("Het certificaat van '1' is opgeslagen in");
    assert!(harness
        .query_by_label_contains("Wrote the certificate")
        .is_none());
}

#[test]
fn a_past_error_follows_a_language_switch() {
    let mut harness = harness(AppState {
        lang: Some(Lang::Fr),
        ..AppState::default()
    });
    harness.run_steps(2);
    harness.state_mut().certificate.path = fixture("openssl3-aes256.pfx").display().to_string();
    type_into(
        &harness,
        Role::PasswordInput,
        &tr(Lang::Fr, "cert.password"),
        "not-it",
    );
    harness.run_steps(2);
    harness.key_press(egui::Key::Enter);
    wait_until_opened(&mut harness);
    harness.get_by_label(&tr(Lang::Fr, "error.wrong_password"));
    switch_language(&mut harness, Lang::En);
    harness.get_by_label(&tr(Lang::En, "error.wrong_password"));
}

#[test]
fn a_missing_file_dialog_says_so_and_leaves_the_path_field() {
    use egui_kittest::kittest::NodeT;
    use fla_assistant::ui::tasks::FileDialog;
    let mut harness = harness(english());
    harness
        .state()
        .tasks
        .assume_file_dialog(FileDialog::Missing);
    harness.run_steps(2);
    let missing = tr(Lang::En, "cert.file_dialog_missing");
    harness
        .get_by_role_and_label(Role::Button, "Browse…")
        .click();
    harness.run_steps(3);
    harness.get_by_label(&missing);
    // The focus is in the path field, to type the path in.
    let file_field = harness.get_by_role_and_label(Role::TextInput, "File");
    assert!(
        file_field.accesskit_node().is_focused(),
        "the path field has no focus"
    );
    // Typing there removes the message; the file opens from the typed path.
    let (dir, path) = fixture_copy("openssl3-aes256.pfx");
    open_file(&mut harness, &path, "Password");
    assert!(harness.query_by_label(&missing).is_none());
    assert!(harness.state().certificate.opened().is_some());

    // The export's *Choose location…* says so too, and focuses its path field.
    harness
        .get_by_role_and_label(Role::Button, "Choose location…")
        .click();
    harness.run_steps(3);
    harness.get_by_label(&missing);
    let save_as = tr(Lang::En, "cert.export_to");
    let export_field = harness.get_by_role_and_label(Role::TextInput, &save_as);
    assert!(export_field.accesskit_node().is_focused());
    assert!(export_field
        .value()
        .unwrap_or_default()
        .starts_with(&dir.path().display().to_string()));
}

/// How far apart two colours are (the largest difference of a channel).
fn distance(a: egui::Color32, b: egui::Color32) -> u8 {
    (0..3)
        .map(|i| a.to_array()[i].abs_diff(b.to_array()[i]))
        .max()
        .unwrap_or(0)
}

#[test]
fn text_fields_stand_out_and_focus_shows_in_both_themes() {
    let mut harness = harness(english());
    harness.run_steps(2);
    for theme in [egui::Theme::Light, egui::Theme::Dark] {
        let style = harness.ctx.style_of(theme);
        let v = &style.visuals;
        assert!(
            distance(v.text_edit_bg_color(), v.panel_fill) >= 12,
            "{theme:?}: fields {:?} on panel {:?}",
            v.text_edit_bg_color(),
            v.panel_fill
        );
        // Controls have an outline, and a focused field a clear one.
        assert!(v.widgets.inactive.bg_stroke.width >= 1.0, "{theme:?}");
        assert!(
            distance(v.widgets.inactive.bg_stroke.color, v.panel_fill) >= 60,
            "{theme:?}"
        );
        let focus = fla_assistant::ui::widgets::focus_stroke(theme == egui::Theme::Dark);
        assert!(focus.width >= 2.0 && distance(focus.color, v.panel_fill) >= 100);
        assert_eq!(v.selection.stroke, focus, "{theme:?}");
    }
    // The style in use follows a theme switch.
    for theme in [ThemeChoice::Light, ThemeChoice::Dark] {
        harness.state_mut().state.theme = theme;
        harness.run_steps(3);
        let v = harness.ctx.global_style().visuals.clone();
        assert_eq!(v.dark_mode, theme == ThemeChoice::Dark);
        assert!(distance(v.text_edit_bg_color(), v.panel_fill) >= 12);
    }
}

#[test]
fn tab_shows_a_focus_ring_on_any_control() {
    let mut harness = harness(english());
    harness.run_steps(2);
    let ring =
        |h: &egui_kittest::Harness<'static, FlaApp>| h.state().keyboard_focus.ring_rect(&h.ctx);
    assert!(ring(&harness).is_none());
    // The first Tab reaches the side bar's first item, the next ones go on.
    for _ in 0..3 {
        harness.key_press(egui::Key::Tab);
        harness.run_steps(2);
        let focused = harness
            .ctx
            .memory(|m| m.focused())
            .expect("a control has the focus");
        let rect = ring(&harness).expect("a focus ring is drawn");
        let control = harness.ctx.read_response(focused).unwrap().rect;
        assert!(rect.contains_rect(control));
    }
}

#[test]
fn escape_closes_a_pop_up_and_keeps_the_focus() {
    use egui_kittest::kittest::NodeT;
    let mut harness = harness(english());
    go_to(&mut harness, Page::Settings);
    // The language choice (the Profiles section has a list too).
    let language = tr(Lang::En, "nav.language");
    let combo = harness.get_by_role_and_label(Role::ComboBox, &language);
    combo.focus();
    harness.run_steps(2);
    let focused = harness.ctx.memory(|m| m.focused());
    assert!(focused.is_some());
    harness
        .get_by_role_and_label(Role::ComboBox, &language)
        .click();
    harness.run_steps(2);
    assert!(
        egui::Popup::is_any_open(&harness.ctx),
        "the list did not open"
    );
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(
        !egui::Popup::is_any_open(&harness.ctx),
        "Escape left the list open"
    );
    assert_eq!(harness.ctx.memory(|m| m.focused()), focused);
    assert!(harness
        .get_by_role_and_label(Role::ComboBox, &language)
        .accesskit_node()
        .is_focused());
    // The next Tab goes on from there, not from the side bar.
    harness.key_press(egui::Key::Tab);
    harness.run_steps(2);
    let side_bar = harness.get_by_role_and_label(Role::Button, "Checklist");
    assert!(!side_bar.accesskit_node().is_focused());
}
