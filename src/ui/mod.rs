//! The desktop app: a side bar with the pages, one file per page. Frames read
//! state and record intents; work runs in `tasks`. State that outlives a run is
//! in `AppState`, persisted by eframe (never a password or a key).

pub mod bulk;
pub mod certificate;
pub mod checklist;
mod commands;
pub mod connection;
pub mod date_picker;
pub mod declarations;
pub mod dimona;
pub mod icon;
pub mod keyboard;
pub mod settings;
pub mod setup;
pub mod status_line;
pub mod support;
pub mod tasks;
pub mod widgets;
mod window;

pub use window::run_app;

use serde::{Deserialize, Serialize};

use crate::i18n::{tr, Lang};
use crate::support::AppLog;
use certificate::{CertificatePage, CertificateSettings};
use checklist::{ChecklistCommand, ChecklistPage, ChecklistTarget};
use connection::{ConnectionPage, ConnectionSettings};
use declarations::host::DeclarationsHost;
use declarations::DeclarationsPage;
use setup::Setup;
use support::{SupportCommand, SupportPage};
use tasks::Tasks;

/// The pages of the side bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Page {
    Checklist,
    #[default]
    Certificate,
    Connection,
    Declarations,
    Bulk,
    Dimona,
    Support,
    Settings,
}

impl Page {
    pub const ALL: [Page; 8] = [
        Page::Checklist,
        Page::Certificate,
        Page::Connection,
        Page::Declarations,
        Page::Bulk,
        Page::Dimona,
        Page::Support,
        Page::Settings,
    ];

    fn key(self) -> &'static str {
        match self {
            Page::Checklist => "checklist",
            Page::Certificate => "certificate",
            Page::Connection => "connection",
            Page::Declarations => "declarations",
            Page::Bulk => "bulk",
            Page::Dimona => "dimona",
            Page::Support => "support",
            Page::Settings => "settings",
        }
    }

    pub fn title(self, lang: Lang) -> String {
        tr(lang, &format!("nav.{}", self.key()))
    }
}

/// Light, dark, or as the system says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ThemeChoice {
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    fn preference(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// What the app remembers between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AppState {
    pub page: Page,
    pub theme: ThemeChoice,
    /// `None`: follow the system's language.
    pub lang: Option<Lang>,
    pub certificate: CertificateSettings,
    pub connection: ConnectionSettings,
    /// The profile used last (its file's id in the settings folder).
    pub profile: Option<String>,
    /// The update notice (off unless asked for).
    pub update: crate::update::UpdateSettings,
}

impl AppState {
    pub fn lang(&self) -> Lang {
        self.lang.unwrap_or_else(Lang::system)
    }
}

/// The whole app; also what the UI tests drive.
pub struct FlaApp {
    pub state: AppState,
    pub tasks: Tasks,
    pub certificate: CertificatePage,
    pub connection: ConnectionPage,
    pub declarations: DeclarationsPage,
    pub dimona: dimona::DimonaPage,
    /// The Bulk page: a spreadsheet read, mapped, previewed and sent.
    pub bulk: bulk::BulkPage,
    /// The submission engine (or, before a connection, the journal's drafts):
    /// kept across pages, working whichever page is on screen.
    pub engine: DeclarationsHost,
    /// Dimona's engine (for a profile that declares it), on the same journal.
    pub dimona_engine: crate::submit::host::service::ServiceHost,
    /// The release feed being read (the update notice).
    update_check: Option<
        crate::ui::tasks::Pending<Result<Option<crate::update::Notice>, crate::update::FeedError>>,
    >,
    pub checklist: ChecklistPage,
    pub support: SupportPage,
    /// The current profile and what the app noticed about the set-up.
    pub setup: Setup,
    /// The app's log (data dir, `logs`).
    pub log: AppLog,
    /// The Settings page's Profiles section.
    pub profiles_section: settings::ProfilesSection,
    data_dir: std::path::PathBuf,
    applied_theme: Option<ThemeChoice>,
    applied_title: String,
    /// The focus ring and Escape that keeps the focus.
    pub keyboard_focus: keyboard::KeyboardFocus,
    /// A rehearsal move that waits for the sandbox to answer.
    rehearsal_pending: Option<checklist::RehearsalMove>,
}

impl FlaApp {
    /// `data_dir` holds the sandbox's state and address (the OS data dir in the
    /// desktop app, a temporary folder in tests).
    /// Its settings (profiles) go in `data_dir/config` (tests); the desktop app
    /// uses [`FlaApp::with_dirs`] with the OS config dir.
    pub fn new(state: AppState, data_dir: std::path::PathBuf) -> Result<Self, String> {
        let config_dir = data_dir.join("config");
        Self::with_dirs(state, data_dir, config_dir)
    }

    pub fn with_dirs(
        mut state: AppState,
        data_dir: std::path::PathBuf,
        config_dir: std::path::PathBuf,
    ) -> Result<Self, String> {
        let mut setup = Setup::load(config_dir, state.profile.as_deref());
        // The profile is the source of the connection and the certificate.
        setup.adopt(&state);
        let mut certificate = CertificatePage::new(&state.certificate);
        let mut connection = ConnectionPage::new(data_dir.clone());
        setup.apply(None, &mut state, &mut certificate, &mut connection);
        Ok(FlaApp {
            state,
            tasks: Tasks::new()?,
            certificate,
            connection,
            declarations: DeclarationsPage::new(),
            dimona: dimona::DimonaPage::default(),
            bulk: bulk::BulkPage::default(),
            engine: DeclarationsHost::new(data_dir.clone()),
            dimona_engine: Default::default(),
            update_check: None,
            checklist: ChecklistPage::default(),
            support: SupportPage::default(),
            setup,
            log: AppLog::open(data_dir.join("logs")),
            profiles_section: settings::ProfilesSection::default(),
            data_dir,
            applied_theme: None,
            applied_title: String::new(),
            keyboard_focus: keyboard::KeyboardFocus::default(),
            rehearsal_pending: None,
        })
    }

    /// What the checklist and the status line read now.
    pub fn facts(&self) -> crate::checklist::Facts {
        crate::checklist::Facts {
            update_asked: self.state.update.asked,
            ..self
                .setup
                .facts(&self.certificate, &self.state.connection, &self.connection)
        }
    }

    /// The page to open on at start: the Checklist until the path is done.
    pub fn open_on_start_page(&mut self) {
        let facts = self.facts();
        self.state.page = Setup::start_page(&facts, self.state.page);
    }

    /// True while any page waits for background work.
    pub fn is_busy(&self) -> bool {
        self.certificate.is_busy()
            || self.connection.is_busy()
            || self.declarations.has_unsaved()
            || self.engine.is_busy()
            || self.bulk.is_busy()
            || self.setup.is_busy()
            || self.certificate.unlocking
            || self.rehearsal_pending.is_some()
    }

    /// Puts the keychain used for remembered passwords in place (tests: an
    /// in-memory stand-in); before the first frame.
    pub fn set_secret_store(&mut self, secrets: std::sync::Arc<dyn crate::profile::SecretStore>) {
        self.setup.secrets = secrets;
    }

    /// Applies what the Settings page asked about the profiles.
    fn apply_settings(&mut self, ctx: &egui::Context, command: settings::SettingsCommand) {
        match command {
            settings::SettingsCommand::OpenRecent(path) if bulk::is_spreadsheet(&path) => {
                self.bulk.file_dropped(&path);
                self.state.page = Page::Bulk;
            }
            settings::SettingsCommand::OpenRecent(path) => {
                self.certificate.file_dropped(&path);
                self.state.page = Page::Certificate;
            }
            settings::SettingsCommand::Profile(command) => {
                if self.setup.command(ctx, &self.tasks, command) {
                    self.profile_switched(ctx);
                }
            }
        }
    }

    /// Another profile is the current one: its values go in the pages.
    fn profile_switched(&mut self, ctx: &egui::Context) {
        self.setup.apply(
            Some(ctx),
            &mut self.state,
            &mut self.certificate,
            &mut self.connection,
        );
    }

    /// Draws one frame.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        if self.applied_theme != Some(self.state.theme) {
            widgets::apply_style(ui.ctx());
            ui.ctx().set_theme(self.state.theme.preference());
            self.applied_theme = Some(self.state.theme);
        }
        self.keyboard_focus.begin_frame(ui.ctx());
        self.check_for_update(ui.ctx());
        self.take_dropped_files(ui.ctx());
        self.connection.dimona = self.setup.profile.dimona;
        self.connection
            .keep_sandbox(ui.ctx(), &self.tasks, &self.state.connection);
        self.connection.poll(
            ui.ctx(),
            &self.tasks,
            &mut self.state.connection,
            &self.certificate,
        );
        let lang = self.state.lang();
        self.keep_engine(ui.ctx(), lang);
        self.keep_rehearsal(ui.ctx(), lang);
        self.keep_setup(ui.ctx(), lang);
        egui::Panel::left("navigation")
            .resizable(false)
            .default_size(180.0)
            .show(ui, |ui| self.navigation_ui(ui, lang));
        egui::CentralPanel::default().show(ui, |ui| {
            self.status_ui(ui, lang);
            let mut keyboard = std::mem::take(&mut self.keyboard_focus);
            keyboard.page_scroll_ui(ui, |ui| self.page_ui(ui, lang));
            self.keyboard_focus = keyboard;
        });
        self.keyboard_focus.end_frame(ui.ctx());
    }

    /// Starts the declarations' worker (once), and makes the submission
    /// engine when a token source can be made (again when the connection changes).
    fn keep_engine(&mut self, ctx: &egui::Context, lang: Lang) {
        // One journal per environment: the page's edits go to the old one first.
        let server = self.state.connection.journal_server();
        self.declarations.follow_environment(
            &mut self.engine,
            self.state.connection.environment,
            &server,
        );
        let repaint = {
            let ctx = ctx.clone();
            std::sync::Arc::new(move || ctx.request_repaint())
        };
        self.engine.start(self.tasks.runtime(), repaint);
        let (connection, settings, certificate) =
            (&self.connection, &self.state.connection, &self.certificate);
        let key = connection.token_source_key(settings, certificate);
        self.engine.keep_engine(
            key,
            || connection.token_source(settings, certificate, lang),
            lang,
        );
    }

    /// Notices what the set-up gained (a token test passed, a declaration
    /// accepted, the account step seen done), keeps the profile saved and the
    /// window title naming it.
    fn keep_setup(&mut self, ctx: &egui::Context, lang: Lang) {
        // What the pages met, into the log (for the Support page).
        for (code, msg) in self.certificate.failures.drain(..) {
            self.log.record_localized(
                crate::support::Level::Error,
                "certificate",
                |lang| format!("{code}: {}", msg.render(lang)),
                None,
            );
        }
        for msg in self.connection.failures.drain(..) {
            self.log.record_localized(
                crate::support::Level::Error,
                "sandbox",
                |lang| msg.render(lang),
                None,
            );
        }
        if self.setup.take_import() {
            self.profile_switched(ctx);
        }
        self.setup
            .follow(ctx, &self.tasks, &mut self.state, &mut self.certificate);
        self.setup.observe(
            &self.connection,
            &self.state.connection,
            &self.engine,
            &self.log,
        );
        let facts = self.facts();
        for step in crate::checklist::Rehearsal::ALL {
            if facts.rehearsal_done(step) && !facts.rehearsed.contains(&step) {
                self.setup.rehearse(step);
            }
        }
        for step in [
            crate::checklist::Step::Account,
            crate::checklist::Step::Mandates,
        ] {
            let applies = facts
                .role
                .is_some_and(|r| crate::checklist::steps(r).contains(&step));
            if applies && facts.is_done(step) {
                self.setup.tick(step, true);
            }
        }
        self.setup.save_if_changed(ctx, &self.tasks);
        let name = setup::display_name(&self.setup.profile, lang);
        let title = format!("{} — {name}", tr(lang, "app.title"));
        if title != self.applied_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.applied_title = title;
        }
    }

    /// Where the user asked for it, at most once a day: the release feed
    /// read on the runtime; a newer version kept for the status bar, a
    /// failure logged, never said.
    fn check_for_update(&mut self, ctx: &egui::Context) {
        if let Some(done) = crate::ui::tasks::poll_slot(&mut self.update_check) {
            match done {
                Some(Ok(found)) => self.state.update.notice = found,
                Some(Err(e)) => {
                    self.log
                        .record(crate::support::Level::Info, "update", &e.to_string(), None)
                }
                None => {}
            }
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let settings = &self.state.update;
        if !settings.enabled
            || self.update_check.is_some()
            || !crate::update::due(settings.last_check, now)
        {
            return;
        }
        let feed = settings.feed.trim().to_owned();
        self.state.update.last_check = Some(now);
        self.update_check = Some(self.tasks.run(ctx, async move {
            crate::update::check(&feed, crate::update::CURRENT, crate::update::TIMEOUT).await
        }));
    }

    /// The notices of the set-up (files set aside) and the status line.
    fn status_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let mut dismiss = false;
        for notice in &self.setup.notices {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    egui::RichText::new(notice.render(lang)).color(ui.visuals().warn_fg_color),
                );
                dismiss |= ui.small_button(tr(lang, "status.dismiss")).clicked();
            });
        }
        if dismiss {
            self.setup.notices.clear();
        }
        if let Some(notice) = self
            .state
            .update
            .notice
            .clone()
            .filter(|n| self.state.update.enabled && crate::update::is_newer(&n.version))
        {
            update_line_ui(ui, lang, &notice);
        }
        if self.state.page == Page::Checklist {
            return;
        }
        let today = crate::today::brussels_date(time::OffsetDateTime::now_utc());
        let facts = self.facts();
        let needs = facts.needs(today);
        let busy = self.rehearsal_busy();
        // The moves are the sandbox's; "declare" is not offered where the
        // declaration is being made.
        let here = self.state.page == Page::Declarations
            && needs.first().map(|n| n.fix) == Some(crate::checklist::Fix::Declare);
        let offer_moves = (!here).then_some(facts.sandbox);
        match status_line::status_line_ui(ui, lang, &needs, offer_moves, busy) {
            Some(status_line::StatusAsk::Go(fix)) => self.go_to_fix(fix),
            Some(status_line::StatusAsk::Do(action)) => self.rehearse(ui.ctx(), action),
            None => {}
        }
    }

    /// An employer's own enterprise: the profile's, or in the sandbox the one
    /// it registers certificates for (`None` for a representative).
    /// Whom Dimona declarations go for, with their names: a representative's
    /// clients with an active mandate, else the own enterprise.
    fn dimona_employers(&self) -> Vec<(String, String)> {
        let mandates = self.setup.mandated_enterprises(&self.state.connection);
        if !mandates.is_empty() {
            return mandates
                .into_iter()
                .map(|m| {
                    let name = self
                        .setup
                        .profile
                        .clients
                        .iter()
                        .find(|c| c.enterprise == m)
                        .map(|c| c.name.clone())
                        .unwrap_or_default();
                    (m, name)
                })
                .collect();
        }
        self.own_enterprise()
            .and_then(|e| crate::identifiers::parse_enterprise_number(&e))
            .map(|e| vec![(e, String::new())])
            .unwrap_or_default()
    }

    fn own_enterprise(&self) -> Option<String> {
        let settings = &self.state.connection;
        if settings.role != crate::channel::env::Role::Employer {
            return None;
        }
        let own = self.setup.profile.enterprise.trim();
        if !own.is_empty() {
            Some(own.to_owned())
        } else if settings.environment == crate::channel::env::EnvironmentKind::Sandbox {
            Some(settings.sandbox_enterprise.clone())
        } else {
            None
        }
    }

    /// A rehearsal move under way (or waiting for the sandbox).
    fn rehearsal_busy(&self) -> bool {
        self.rehearsal_pending.is_some()
            || self.connection.is_testing()
            || self.certificate.is_busy()
    }

    /// Opens the page where `fix` is made, with its control focused.
    pub fn go_to_fix(&mut self, fix: crate::checklist::Fix) {
        use crate::checklist::Fix;
        use connection::ConnectionFocus;
        let (page, focus) = match fix {
            Fix::Role | Fix::Rehearsal => (Page::Checklist, None),
            Fix::Step(step) => {
                self.checklist.unfold(step);
                (Page::Checklist, None)
            }
            Fix::Certificate => {
                self.certificate.focus_file();
                (Page::Certificate, None)
            }
            Fix::ClientId => (Page::Connection, Some(ConnectionFocus::ClientId)),
            Fix::Register => (Page::Connection, Some(ConnectionFocus::Register)),
            Fix::TokenTest => (Page::Connection, Some(ConnectionFocus::Test)),
            Fix::Declare => (Page::Declarations, None),
        };
        self.state.page = page;
        self.connection.focus = focus;
    }

    /// Opens a file the system gave the app (its command line: a
    /// double-click, "Open with") on its page: a spreadsheet on the Bulk
    /// page, anything else (a `.pfx`, a `.p12`) on the Certificate page.
    /// Said in the log (in English, for support staff), so that a desktop's
    /// "Open with" can be followed.
    pub fn open_file(&mut self, path: &std::path::Path) {
        let page = if bulk::is_spreadsheet(path) {
            self.bulk.file_dropped(path);
            Page::Bulk
        } else {
            self.certificate.file_dropped(path);
            Page::Certificate
        };
        self.state.page = page;
        self.log.record(
            crate::support::Level::Info,
            "desktop",
            &format!(
                "opened {} on the {} page",
                path.display(),
                page.title(Lang::En)
            ),
            None,
        );
    }

    fn take_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.first().map(|f| f.path().to_path_buf()));
        if let Some(path) = dropped {
            // A spreadsheet dropped while the Bulk page is on screen is for it.
            if self.state.page == Page::Bulk && bulk::is_spreadsheet(&path) {
                self.bulk.file_dropped(&path);
                return;
            }
            self.state.page = Page::Certificate;
            self.certificate.file_dropped(&path);
        }
    }

    fn navigation_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.add_space(4.0);
        // First of all, for the keyboard: straight into the page.
        self.keyboard_focus.skip_link_ui(ui, &tr(lang, "nav.skip"));
        ui.add_space(4.0);
        // The short name: the side bar keeps its items where they are in every language.
        ui.heading(tr(lang, "app.short_title"));
        ui.add_space(8.0);
        for page in Page::ALL {
            // Dimona's page for those who declare it (the Checklist asks).
            if page == Page::Dimona && !self.setup.profile.dimona {
                continue;
            }
            let selected = self.state.page == page;
            let button = egui::Button::selectable(selected, page.title(lang))
                .min_size(egui::vec2(ui.available_width(), 28.0));
            if ui.add(button).clicked() {
                self.state.page = page;
                // Chosen by the keyboard: the focus goes into the page.
                self.keyboard_focus.follow_into_page();
            }
        }
        // At the bottom, laid out (and reached by Tab) from the top down.
        let rows = 2.0 * ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
        ui.add_space((ui.available_height() - rows - 8.0).max(8.0));
        settings::theme_switch_ui(ui, &mut self.state, lang);
    }

    fn page_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.add_space(4.0);
        match self.state.page {
            Page::Certificate => {
                self.certificate
                    .ui(ui, lang, &self.tasks, &mut self.state.certificate)
            }
            Page::Connection => {
                // The key is needed here: its password is asked in place.
                self.certificate.password_prompt_ui(ui, lang, &self.tasks);
                let go_to_certificate = self.connection.ui(
                    ui,
                    lang,
                    &self.tasks,
                    &mut self.state.connection,
                    &self.certificate,
                );
                if go_to_certificate {
                    self.state.page = Page::Certificate;
                }
            }
            Page::Declarations => {
                self.certificate.password_prompt_ui(ui, lang, &self.tasks);
                let mandates = self.setup.mandated_enterprises(&self.state.connection);
                let (connection, settings, certificate) =
                    (&self.connection, &self.state.connection, &self.certificate);
                let client = |lang: Lang| connection.token_source(settings, certificate, lang);
                self.declarations.own_enterprise = self.own_enterprise();
                self.declarations.client_names = self
                    .setup
                    .profile
                    .clients
                    .iter()
                    .map(|c| (c.enterprise.clone(), c.name.clone()))
                    .collect();
                self.declarations
                    .follow_profile(declarations::scope::ProfileScope::of(
                        &self.setup.profile,
                        setup::display_name(&self.setup.profile, lang),
                    ));
                self.declarations
                    .ui(ui, lang, Some(&self.engine), &client, &mandates);
                if self.declarations.take_go_to_bulk() {
                    self.state.page = Page::Bulk;
                }
            }
            Page::Settings => {
                let commands = settings::settings_ui(
                    ui,
                    &mut self.state,
                    lang,
                    &self.tasks,
                    &mut self.profiles_section,
                    &self.setup,
                );
                for command in commands {
                    self.apply_settings(ui.ctx(), command);
                }
            }
            Page::Checklist => {
                let facts = self.facts();
                let today = crate::today::brussels_date(time::OffsetDateTime::now_utc());
                let rehearsal = checklist::RehearsalState {
                    busy: self.rehearsal_busy(),
                };
                for command in self.checklist.ui(ui, lang, &facts, today, rehearsal) {
                    self.apply_checklist(ui.ctx(), command);
                }
            }
            Page::Dimona => {
                self.certificate.password_prompt_ui(ui, lang, &self.tasks);
                let employers = self.dimona_employers();
                let (connection, settings, certificate) =
                    (&self.connection, &self.state.connection, &self.certificate);
                let source = |lang: Lang| {
                    connection.token_source_for(
                        settings,
                        certificate,
                        lang,
                        &crate::channel::env::DIMONA,
                    )
                };
                let (engine, _) = self.dimona_engine(ui.ctx(), lang);
                self.dimona
                    .ui(ui, lang, &self.tasks, &employers, &source, engine.as_ref());
            }
            Page::Support => {
                let lines = self.log.recent();
                let diagnostics = self.diagnostics();
                for command in self.support.ui(ui, lang, &lines, &diagnostics) {
                    self.apply_support(ui.ctx(), command);
                }
            }
            Page::Bulk => {
                let remembered = self.setup.import_mapping();
                let profile = bulk::BulkProfile::of(&self.setup.profile);
                let (engine, why_not) = if profile.dimona {
                    self.dimona_engine(ui.ctx(), lang)
                } else {
                    (None, None)
                };
                let dimona = bulk::BulkDimona {
                    engine: engine.as_ref(),
                    why_not,
                };
                let commands = self.bulk.ui(
                    ui,
                    lang,
                    &self.tasks,
                    &self.engine,
                    remembered,
                    bulk::BulkFor {
                        profile: &profile,
                        dimona,
                    },
                );
                for command in commands {
                    match command {
                        bulk::BulkCommand::Open(id) => {
                            self.declarations.open(id, false);
                            self.state.page = Page::Declarations;
                        }
                        bulk::BulkCommand::RememberColumn(field, header) => {
                            self.setup.remember_column(field.name(), header.as_deref());
                        }
                        bulk::BulkCommand::ForgetColumns => self.setup.forget_columns(),
                        bulk::BulkCommand::FileRead(path) => self.setup.file_opened(&path),
                    }
                }
            }
        }
    }
}

impl Drop for FlaApp {
    /// The last form typed is saved before the app goes (a bounded wait).
    fn drop(&mut self) {
        self.declarations.hand_over(&self.engine);
        self.engine.settle(std::time::Duration::from_secs(5));
        self.setup.settle();
        self.log.flush(std::time::Duration::from_secs(2));
    }
}

/// The status bar's line of a newer version: the version, where to download
/// it, and the download's SHA-256 for this system (to compare).
fn update_line_ui(ui: &mut egui::Ui, lang: Lang, notice: &crate::update::Notice) {
    ui.horizontal_wrapped(|ui| {
        ui.label(crate::i18n::tr_args(
            lang,
            "update.available",
            &[
                ("version", notice.version.clone()),
                ("current", crate::update::CURRENT.to_owned()),
            ],
        ));
        ui.hyperlink_to(tr(lang, "update.download"), &notice.link);
        if let Some(sha) = &notice.sha256 {
            ui.label(
                egui::RichText::new(format!("SHA-256 {sha}"))
                    .monospace()
                    .small()
                    .weak(),
            );
        }
    });
}
