//! The Certificate page: open a .pfx/.p12 (dialog, drop or typed path), see its
//! entries with facts and findings, pick the alias that signs, export the .cer.
//! Opening runs on the task runtime; this file only draws and records intents.
//! An entry that cannot sign (expired, not yet valid, weak, not RSA, no key) can
//! be looked at and exported, but never takes the place of the one that signs.

use std::path::{Path, PathBuf};

use egui::RichText;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;

mod contents;

use super::tasks::{poll_slot, FileDialog, Pending, Tasks};
use super::widgets;
use crate::cert::{
    self, CerFormat, CertError, CertFacts, Entry, Finding, Pkcs12Contents, Protection,
};
use crate::channel::connect::blocking_findings;
use crate::i18n::{format_count, tr, tr_args, Lang, Msg};

/// What the page remembers between runs (never the password).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CertificateSettings {
    pub last_path: String,
    /// The file and alias chosen to sign the token requests.
    pub signing: Option<SigningChoice>,
    pub export_format: CerFormat,
    /// The technical details (protection, key IDs, fingerprints, chain) unfolded.
    pub technical_details: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SigningChoice {
    pub path: String,
    pub alias: String,
}

/// An opened file, kept in memory (its private keys are wiped on drop).
pub struct OpenedFile {
    pub path: PathBuf,
    pub contents: Pkcs12Contents,
}

/// The entry that signs the token requests, kept apart from the file on view:
/// opening another file, or looking at an entry that cannot sign, leaves it.
#[derive(Clone)]
pub struct Signer {
    pub path: PathBuf,
    pub entry: Entry,
    pub protection: Protection,
}

impl Signer {
    /// Why it cannot sign at `now` (empty when it can): it was usable when
    /// chosen, but a certificate expires while the app runs.
    pub fn cannot_sign(&self, now: OffsetDateTime) -> Vec<Finding> {
        blocking_findings(&self.entry, &self.protection, now)
    }
}

/// An entry on view that cannot sign, and why.
pub struct Unusable<'a> {
    pub entry: &'a Entry,
    pub protection: &'a Protection,
    pub reasons: Vec<Finding>,
}

type OpenResult = Result<(OpenedFile, Zeroizing<String>), CertError>;

/// Whether an opened "file" is the sandbox's test certificate (made in memory).
fn is_test_certificate(opened: &OpenedFile) -> bool {
    opened
        .contents
        .entries
        .iter()
        .any(cert::throwaway::is_throwaway)
}

/// The page's state during a run.
pub struct CertificatePage {
    pub path: String,
    password: Zeroizing<String>,
    opening: Option<Pending<OpenResult>>,
    picking: Option<Pending<Option<PathBuf>>>,
    opened: Option<OpenedFile>,
    open_error: Option<CertError>,
    /// Failures met since the app last looked, for its log: (code, message).
    pub failures: Vec<(String, Msg)>,
    /// The entry shown as selected (for export, and for signing where it can).
    selected: Option<String>,
    signer: Option<Signer>,
    export_path: String,
    /// The (file, alias, format) the export path was proposed for, to propose anew on change.
    export_path_for: Option<(PathBuf, String, CerFormat)>,
    /// What the last export did: a message kept as key and arguments, so that
    /// it follows a language switch.
    export_status: Option<Result<Msg, CertError>>,
    exporting: Option<Pending<Result<Msg, CertError>>>,
    choosing_export: Option<Pending<Option<PathBuf>>>,
    copied: Option<String>,
    focus_password: bool,
    /// "No file dialog on this system" under the field it concerns, which
    /// then takes the focus.
    open_dialog_missing: bool,
    export_dialog_missing: bool,
    focus_path: bool,
    focus_export_path: bool,
    /// "Remember the password in the system keychain" (the profile follows it).
    pub remember: bool,
    /// What the keychain said, under the check box (unavailable, refused).
    pub keychain_notice: Option<Msg>,
    /// True while the app asks the keychain for the password.
    pub unlocking: bool,
    /// The password that opened the file now open, kept (wiped on drop) only
    /// when "remember" was ticked, until the app has handed it to the
    /// keychain; never when it was not.
    held_password: Option<(PathBuf, Zeroizing<String>)>,
    /// How many files were opened this run (the app notices a new one by it).
    pub files_opened: u64,
}

impl CertificatePage {
    pub fn new(settings: &CertificateSettings) -> Self {
        CertificatePage {
            path: settings.last_path.clone(),
            password: Zeroizing::new(String::new()),
            opening: None,
            picking: None,
            opened: None,
            open_error: None,
            failures: Vec::new(),
            selected: None,
            signer: None,
            export_path: String::new(),
            export_path_for: None,
            export_status: None,
            exporting: None,
            choosing_export: None,
            copied: None,
            focus_password: false,
            open_dialog_missing: false,
            export_dialog_missing: false,
            focus_path: false,
            focus_export_path: false,
            remember: false,
            keychain_notice: None,
            unlocking: false,
            held_password: None,
            files_opened: 0,
        }
    }

    /// Another profile: its file goes in the field; a file opened for another
    /// path is forgotten (its password is asked again).
    pub fn switch_file(&mut self, ctx: Option<&egui::Context>, path: &str) {
        let same = |p: &Path| p.display().to_string() == path;
        let keeps = self.signer.as_ref().is_some_and(|s| same(&s.path))
            || self.opened.as_ref().is_some_and(|o| same(&o.path));
        self.path = path.to_owned();
        self.open_error = None;
        self.keychain_notice = None;
        if keeps {
            return;
        }
        self.opened = None;
        self.selected = None;
        self.signer = None;
        self.held_password = None;
        self.export_status = None;
        match ctx {
            Some(ctx) => self.forget_password(ctx),
            None => self.password = Zeroizing::new(String::new()),
        }
    }

    /// The password that opened the file at `path`, while the page holds it.
    pub fn password_for(&self, path: &str) -> Option<Zeroizing<String>> {
        self.held_password
            .as_ref()
            .filter(|(p, _)| p.display().to_string() == path.trim())
            .map(|(_, password)| password.clone())
    }

    /// Drops the password held after opening (once the keychain has it, or
    /// when it is not to be remembered).
    pub fn drop_held_password(&mut self) {
        self.held_password = None;
    }

    /// Opens the file at `path` with a password the app had (the keychain).
    pub fn open_with(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        path: &str,
        password: Zeroizing<String>,
    ) {
        self.path = path.to_owned();
        self.password = password;
        self.start_open(ctx, tasks);
        self.password = Zeroizing::new(String::new());
    }

    /// True when a page needs the key and only the password is missing: a file
    /// is named but nothing is open (the password is asked once per run).
    pub fn needs_password(&self) -> bool {
        self.signer.is_none() && self.opened.is_none() && !self.path.trim().is_empty()
    }

    /// The password asked where the key is needed (the Connection and
    /// Declarations pages): the file named, its password, Open, in place.
    pub fn password_prompt_ui(&mut self, ui: &mut egui::Ui, lang: Lang, tasks: &Tasks) {
        if !self.needs_password() && self.opening.is_none() {
            return;
        }
        let file = file_name(Path::new(self.path.trim()));
        let busy = self.opening.is_some() || self.unlocking;
        let mut open_now = false;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.add(
                egui::Label::new(tr_args(
                    lang,
                    "secret.prompt_intro",
                    &[("file", file.clone())],
                ))
                .wrap(),
            );
            ui.horizontal(|ui| {
                let label = ui.label(tr_args(lang, "secret.prompt_label", &[("file", file)]));
                let response = ui
                    .add_enabled(
                        !busy,
                        egui::TextEdit::singleline(&mut *self.password)
                            .id(prompt_field_id())
                            .password(true)
                            .desired_width(260.0),
                    )
                    .labelled_by(label.id);
                if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    open_now = true;
                }
                if ui
                    .add_enabled(!busy, egui::Button::new(tr(lang, "secret.prompt_open")))
                    .clicked()
                {
                    open_now = true;
                }
                if busy {
                    ui.spinner();
                }
            });
            if let Some(err) = &self.open_error {
                widgets::error_text_ui(ui, &err.message(lang));
            }
        });
        ui.add_space(6.0);
        if open_now && !busy {
            self.start_open(ui.ctx(), tasks);
        }
    }

    /// True while a file is being opened.
    pub fn is_busy(&self) -> bool {
        self.opening.is_some() || self.exporting.is_some()
    }

    /// The opened file, if any.
    pub fn opened(&self) -> Option<&OpenedFile> {
        self.opened.as_ref()
    }

    /// The entry chosen to sign the token requests (it could sign when chosen).
    pub fn signing_entry(&self) -> Option<&Entry> {
        self.signer.as_ref().map(|s| &s.entry)
    }

    /// The entry that signs, with its file and the file's protection.
    pub fn signer(&self) -> Option<&Signer> {
        self.signer.as_ref()
    }

    /// The opened file and its entry on view.
    fn on_view(&self) -> Option<(&OpenedFile, &Entry)> {
        entry_on_view(&self.opened, &self.selected)
    }

    /// The entry on view, where it cannot sign at `now`.
    pub fn unusable_on_view(&self, now: OffsetDateTime) -> Option<Unusable<'_>> {
        let (opened, entry) = self.on_view()?;
        let protection = &opened.contents.protection;
        let reasons = blocking_findings(entry, protection, now);
        (!reasons.is_empty()).then_some(Unusable {
            entry,
            protection,
            reasons,
        })
    }

    /// Shows `label` of the opened file; it signs from now on only if it can.
    fn select(&mut self, label: Option<String>, settings: &mut CertificateSettings) {
        self.selected = label;
        if let Some(choice) = self.sign_with_view() {
            settings.signing = Some(choice);
        }
    }

    /// The entry on view signs from now on, if it can: which file and alias.
    fn sign_with_view(&mut self) -> Option<SigningChoice> {
        // Through the fields, so that `self.signer` can be set below.
        let (opened, entry) = entry_on_view(&self.opened, &self.selected)?;
        let now = OffsetDateTime::now_utc();
        if !blocking_findings(entry, &opened.contents.protection, now).is_empty() {
            return None;
        }
        self.signer = Some(Signer {
            path: opened.path.clone(),
            entry: entry.clone(),
            protection: opened.contents.protection.clone(),
        });
        Some(SigningChoice {
            path: opened.path.display().to_string(),
            alias: entry.label.clone(),
        })
    }

    fn is_signer(&self, path: &Path, label: &str) -> bool {
        self.signer
            .as_ref()
            .is_some_and(|s| s.path == path && s.entry.label == label)
    }

    /// The file field takes the focus when the page is next drawn.
    pub fn focus_file(&mut self) {
        self.focus_path = true;
    }

    /// A file dropped on the window (from any page).
    pub fn file_dropped(&mut self, path: &Path) {
        self.path = path.display().to_string();
        self.open_error = None;
        self.focus_password = true;
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        settings: &mut CertificateSettings,
    ) {
        self.poll(ui.ctx(), tasks, settings);
        ui.heading(tr(lang, "cert.title"));
        ui.add(egui::Label::new(tr(lang, "cert.intro")).wrap());
        ui.add_space(8.0);
        self.open_form_ui(ui, lang, tasks, settings);
        if self.opened.is_some() {
            ui.add_space(12.0);
            ui.separator();
            self.contents_ui(ui, lang, tasks, settings);
        }
    }

    /// Keeps the settings with what was opened (every frame, from any page).
    pub fn keep(&mut self, ctx: &egui::Context, settings: &mut CertificateSettings) {
        self.poll_opening(ctx, settings);
    }

    fn poll_opening(&mut self, ctx: &egui::Context, settings: &mut CertificateSettings) {
        match poll_slot(&mut self.opening) {
            Some(Some(result)) => self.finish_open(ctx, result, settings),
            Some(None) => {
                self.open_error = Some(CertError::Corrupt(cert::CorruptKind::Structure(
                    "the opening stopped unexpectedly".into(),
                )))
            }
            None => {}
        }
    }

    fn poll(&mut self, ctx: &egui::Context, tasks: &Tasks, settings: &mut CertificateSettings) {
        self.poll_opening(ctx, settings);
        match poll_slot(&mut self.picking) {
            Some(Some(Some(path))) => self.file_dropped(&path),
            // No path: cancelled, or (found out meanwhile) no dialog to show.
            Some(_) if tasks.file_dialog() == FileDialog::Missing => {
                self.open_dialog_missing = true;
                self.focus_path = true;
            }
            _ => {}
        }
        if let Some(Some(result)) = poll_slot(&mut self.exporting) {
            self.export_status = Some(result);
        }
        match poll_slot(&mut self.choosing_export) {
            Some(Some(Some(path))) => self.export_path = path.display().to_string(),
            Some(_) if tasks.file_dialog() == FileDialog::Missing => {
                self.export_dialog_missing = true;
                self.focus_export_path = true;
            }
            _ => {}
        }
        if self.opening.is_some() {
            // The spinner animates; this also catches a result between frames.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn finish_open(
        &mut self,
        ctx: &egui::Context,
        result: OpenResult,
        settings: &mut CertificateSettings,
    ) {
        match result {
            Ok((opened, _)) if is_test_certificate(&opened) => {
                // The sandbox's test certificate signs from now on; no file,
                // no recent file, nothing the profile keeps.
                self.open_error = None;
                self.export_status = None;
                let label = opened.contents.entries.first().map(|e| e.label.clone());
                self.opened = Some(opened);
                self.selected = label;
                // It signs; the settings (and the profile) keep no test certificate.
                self.sign_with_view();
            }
            Ok((opened, password)) => {
                // Kept only to hand to the keychain when asked to remember it;
                // otherwise wiped now (`Zeroizing`), the file being open.
                self.held_password = self.remember.then(|| (opened.path.clone(), password));
                self.files_opened += 1;
                let path = opened.path.display().to_string();
                settings.last_path = path.clone();
                // The remembered alias for this file, else the only entry (the
                // only key entry where there are several).
                let remembered = settings
                    .signing
                    .as_ref()
                    .filter(|s| s.path == path)
                    .map(|s| s.alias.clone())
                    .filter(|alias| opened.contents.entry(alias).is_some());
                let shown = remembered
                    .or_else(|| opened.contents.choose(None).ok().map(|e| e.label.clone()));
                self.forget_password(ctx);
                self.open_error = None;
                self.export_status = None;
                self.opened = Some(opened);
                self.select(shown, settings);
            }
            Err(err) => {
                self.opened = None;
                self.selected = None;
                let said = err.clone();
                // The log keeps the system's own text too.
                self.failures.push((
                    err.code().to_owned(),
                    Msg::from_fn(move |lang| match said.system_detail() {
                        Some(detail) => format!("{} [{detail}]", said.message(lang)),
                        None => said.message(lang),
                    }),
                ));
                self.open_error = Some(err);
            }
        }
    }

    /// Empties the password field and its undo history: otherwise Ctrl+Z in
    /// the field would bring the password back.
    fn forget_password(&mut self, ctx: &egui::Context) {
        self.password = Zeroizing::new(String::new());
        let id = password_field_id();
        for id in [id, prompt_field_id()] {
            if let Some(mut state) = egui::TextEdit::load_state(ctx, id) {
                state.clear_undoer();
                state.cursor.set_char_range(None);
                egui::TextEdit::store_state(ctx, id, state);
            }
        }
    }

    /// Makes the sandbox's test certificate (on the runtime) and signs
    /// with it: for a user without a `.pfx` to rehearse in the sandbox.
    pub fn make_test_certificate(&mut self, ctx: &egui::Context, tasks: &Tasks) {
        if self.opening.is_some() {
            return;
        }
        self.open_error = None;
        self.opening = Some(tasks.blocking(ctx, move || {
            let contents = cert::throwaway::make(OffsetDateTime::now_utc())?;
            let path = PathBuf::from(cert::throwaway::COMMON_NAME);
            Ok((OpenedFile { path, contents }, Zeroizing::new(String::new())))
        }));
    }

    /// Whether the certificate that signs is the sandbox's test certificate.
    pub fn signs_with_test_certificate(&self) -> bool {
        self.signer
            .as_ref()
            .is_some_and(|s| cert::throwaway::is_throwaway(&s.entry))
    }

    /// The sandbox was reset: its test certificate goes with it.
    pub fn forget_test_certificate(&mut self) {
        if self.signs_with_test_certificate() {
            self.signer = None;
        }
        if self.opened.as_ref().is_some_and(is_test_certificate) {
            self.opened = None;
            self.selected = None;
        }
    }

    /// Starts opening the file in the path field with the typed password.
    pub fn start_open(&mut self, ctx: &egui::Context, tasks: &Tasks) {
        if self.opening.is_some() {
            return;
        }
        let path = PathBuf::from(self.path.trim());
        let password = self.password.clone();
        self.open_error = None;
        self.opening = Some(tasks.blocking(ctx, move || {
            let data = crate::files::read_input(&path)?;
            let contents = cert::open_pkcs12(&data, &password)?;
            Ok((OpenedFile { path, contents }, password))
        }));
    }

    fn open_form_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        settings: &mut CertificateSettings,
    ) {
        let busy = self.opening.is_some();
        let mut open_now = false;
        egui::Grid::new("cert_open_form")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                let file_label = ui.label(tr(lang, "cert.file"));
                ui.horizontal(|ui| {
                    let width = (ui.available_width() - 110.0).max(200.0);
                    let path_field = ui
                        .add_enabled(
                            !busy,
                            egui::TextEdit::singleline(&mut self.path)
                                .hint_text(tr(lang, "cert.file_hint"))
                                .desired_width(width),
                        )
                        .labelled_by(file_label.id);
                    if std::mem::take(&mut self.focus_path) {
                        path_field.request_focus();
                    }
                    if path_field.changed() {
                        self.open_dialog_missing = false;
                    }
                    let browse = ui.add_enabled(
                        !busy && self.picking.is_none(),
                        egui::Button::new(tr(lang, "cert.browse")),
                    );
                    if browse.clicked() && tasks.file_dialog() == FileDialog::Missing {
                        self.open_dialog_missing = true;
                        self.focus_path = true;
                    } else if browse.clicked() {
                        self.open_dialog_missing = false;
                        self.picking = Some(tasks.run(ui.ctx(), async {
                            rfd::AsyncFileDialog::new()
                                .add_filter("PKCS#12", &["pfx", "p12"])
                                .pick_file()
                                .await
                                .map(|handle| handle.path().to_path_buf())
                        }));
                    }
                });
                ui.end_row();

                if self.open_dialog_missing {
                    ui.label("");
                    widgets::error_text_ui(ui, &tr(lang, "cert.file_dialog_missing"));
                    ui.end_row();
                }

                ui.label("");
                ui.weak(tr(lang, "cert.drop_hint"));
                ui.end_row();

                let password_label = ui.label(tr(lang, "cert.password"));
                let hint = tr(lang, "cert.password_hint");
                // Wide enough for the hint in every language (NL and FR are longer).
                let hint_width = widgets::text_width(ui, &hint);
                ui.horizontal(|ui| {
                    let response = ui
                        .add_enabled(
                            !busy,
                            egui::TextEdit::singleline(&mut *self.password)
                                .id(password_field_id())
                                .password(true)
                                .hint_text(hint)
                                .desired_width(hint_width.max(320.0)),
                        )
                        .labelled_by(password_label.id);
                    if std::mem::take(&mut self.focus_password) {
                        response.request_focus();
                    }
                    if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                        open_now = true;
                    }
                    let can_open = !busy && !self.path.trim().is_empty();
                    if ui
                        .add_enabled(can_open, egui::Button::new(tr(lang, "cert.open")))
                        .clicked()
                    {
                        open_now = true;
                    }
                });
                ui.end_row();
            });
        if open_now && !self.path.trim().is_empty() {
            self.start_open(ui.ctx(), tasks);
        }
        if busy {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, "cert.opening"));
            });
        }
        if let Some(err) = &self.open_error {
            widgets::error_text_ui(ui, &err.message(lang));
        }
        self.remember_ui(ui, lang);
        let _ = settings;
    }

    /// The choice to keep the password in the OS keychain (never elsewhere),
    /// and what the keychain said.
    fn remember_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.checkbox(&mut self.remember, tr(lang, "secret.remember"))
            .on_hover_text(tr(lang, "secret.remember_hint"));
        if self.unlocking {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, "secret.unlocking"));
            });
        }
        if let Some(notice) = &self.keychain_notice {
            ui.add(egui::Label::new(notice.render(lang)).wrap());
        }
    }
}

/// The id of the password field, to clear its undo history once the file is open.
fn password_field_id() -> egui::Id {
    egui::Id::unique("cert_password")
}

/// The id of the password asked where the key is needed.
fn prompt_field_id() -> egui::Id {
    egui::Id::unique("cert_password_prompt")
}

/// The file name of `path`, as the page names a file.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The opened file and the entry `selected` in it.
fn entry_on_view<'a>(
    opened: &'a Option<OpenedFile>,
    selected: &Option<String>,
) -> Option<(&'a OpenedFile, &'a Entry)> {
    let opened = opened.as_ref()?;
    let entry = opened.contents.entry(selected.as_deref()?)?;
    Some((opened, entry))
}
