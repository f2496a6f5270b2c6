//! The desktop app: a side bar with the pages, one file per page. Frames read
//! state and record intents; work runs in `tasks`. State that outlives a run is
//! in `AppState`, persisted by eframe (never a password or a key).

pub mod certificate;
pub mod checklist;
pub mod connection;
pub mod date_picker;
pub mod declarations;
pub mod settings;
pub mod support;
pub mod tasks;
pub mod widgets;

use serde::{Deserialize, Serialize};

use crate::i18n::{tr, Lang};
use certificate::{CertificatePage, CertificateSettings};
use connection::{ConnectionPage, ConnectionSettings};
use declarations::host::DeclarationsHost;
use declarations::DeclarationsPage;
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
    Support,
    Settings,
}

impl Page {
    pub const ALL: [Page; 7] = [
        Page::Checklist,
        Page::Certificate,
        Page::Connection,
        Page::Declarations,
        Page::Bulk,
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
    /// The submission engine (or, before a connection, the journal's drafts):
    /// kept across pages, working whichever page is on screen.
    pub engine: DeclarationsHost,
    applied_theme: Option<ThemeChoice>,
    /// The focus ring and Escape that keeps the focus.
    pub keyboard_focus: widgets::KeyboardFocus,
}

impl FlaApp {
    /// `data_dir` holds the sandbox's state and address (the OS data dir in the
    /// desktop app, a temporary folder in tests).
    pub fn new(state: AppState, data_dir: std::path::PathBuf) -> Result<Self, String> {
        let certificate = CertificatePage::new(&state.certificate);
        Ok(FlaApp {
            state,
            tasks: Tasks::new()?,
            certificate,
            connection: ConnectionPage::new(data_dir.clone()),
            declarations: DeclarationsPage::new(),
            engine: DeclarationsHost::new(data_dir),
            applied_theme: None,
            keyboard_focus: widgets::KeyboardFocus::default(),
        })
    }

    /// True while any page waits for background work.
    pub fn is_busy(&self) -> bool {
        self.certificate.is_busy()
            || self.connection.is_busy()
            || self.declarations.has_unsaved()
            || self.engine.is_busy()
    }

    /// Draws one frame.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        if self.applied_theme != Some(self.state.theme) {
            widgets::apply_style(ui.ctx());
            ui.ctx().set_theme(self.state.theme.preference());
            self.applied_theme = Some(self.state.theme);
        }
        self.keyboard_focus.begin_frame(ui.ctx());
        self.take_dropped_files(ui.ctx());
        self.connection
            .keep_sandbox(ui.ctx(), &self.tasks, &self.state.connection);
        let lang = self.state.lang();
        self.keep_engine(ui.ctx(), lang);
        egui::Panel::left("navigation")
            .resizable(false)
            .default_size(180.0)
            .show(ui, |ui| self.navigation_ui(ui, lang));
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| self.page_ui(ui, lang));
        });
        self.keyboard_focus.end_frame(ui.ctx());
    }

    /// Starts the declarations' worker (once), and makes the submission
    /// engine when a token source can be made (again when the connection changes).
    fn keep_engine(&mut self, ctx: &egui::Context, lang: Lang) {
        self.engine.start(ctx, &self.tasks);
        let (connection, settings, certificate) =
            (&self.connection, &self.state.connection, &self.certificate);
        let key = connection.token_source_key(settings, certificate);
        self.engine.keep_engine(
            key,
            || connection.token_source(settings, certificate, lang),
            lang,
        );
    }

    fn take_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.first().map(|f| f.path().to_path_buf()));
        if let Some(path) = dropped {
            self.state.page = Page::Certificate;
            self.certificate.file_dropped(&path);
        }
    }

    fn navigation_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.add_space(8.0);
        ui.heading(tr(lang, "app.title"));
        ui.add_space(8.0);
        for page in Page::ALL {
            let selected = self.state.page == page;
            let button = egui::Button::selectable(selected, page.title(lang))
                .min_size(egui::vec2(ui.available_width(), 28.0));
            if ui.add(button).clicked() {
                self.state.page = page;
            }
        }
        ui.with_layout(egui::Layout::bottom_up(egui::Align::Min), |ui| {
            ui.add_space(8.0);
            settings::theme_switch_ui(ui, &mut self.state, lang);
        });
    }

    fn page_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.add_space(4.0);
        match self.state.page {
            Page::Certificate => {
                self.certificate
                    .ui(ui, lang, &self.tasks, &mut self.state.certificate)
            }
            Page::Connection => {
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
                let (connection, settings, certificate) =
                    (&self.connection, &self.state.connection, &self.certificate);
                let client = |lang: Lang| connection.token_source(settings, certificate, lang);
                let mandates = settings.mandated_enterprises();
                self.declarations
                    .ui(ui, lang, Some(&self.engine), &client, &mandates);
            }
            Page::Settings => settings::settings_ui(ui, &mut self.state, lang),
            other => coming_soon_ui(ui, other, lang),
        }
    }
}

impl Drop for FlaApp {
    /// The last form typed is saved before the app goes (a bounded wait).
    fn drop(&mut self) {
        let lang = self.state.lang();
        self.declarations.hand_over(&self.engine, lang);
        self.engine.settle(std::time::Duration::from_secs(5));
    }
}

/// A page whose capability comes in a later version: say what it will do.
fn coming_soon_ui(ui: &mut egui::Ui, page: Page, lang: Lang) {
    ui.heading(page.title(lang));
    ui.add(egui::Label::new(tr(lang, &format!("page.{}.intro", page.key()))).wrap());
    ui.add_space(8.0);
    ui.weak(tr(lang, "page.coming_soon"));
}

/// The eframe front: persistence and the window.
struct DesktopApp(FlaApp);

impl eframe::App for DesktopApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.0.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.0.state);
    }
}

/// Opens the desktop window and runs until it is closed.
pub fn run_app(lang: Lang, lang_forced: bool) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("FLA assistant")
            .with_inner_size([1100.0, 760.0])
            .with_min_inner_size([720.0, 480.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "fla-assistant",
        options,
        Box::new(move |cc| {
            let mut state: AppState = cc
                .storage
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            if lang_forced {
                state.lang = Some(lang);
            }
            let app = FlaApp::new(state, crate::profile::data_dir())?;
            Ok(Box::new(DesktopApp(app)))
        }),
    )
    .map_err(|e| e.to_string())
}
