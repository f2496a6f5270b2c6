//! The desktop front: the window eframe opens, its persistence, and the
//! app inside it.

use super::{icon, AppState, FlaApp};
use crate::i18n::Lang;

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

/// Opens the app's window; `open`: a file the system gave it, opened on its page.
pub fn run_app(
    lang: Lang,
    lang_forced: bool,
    open: Option<std::path::PathBuf>,
) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("FLA assistant")
            .with_icon(std::sync::Arc::new(icon::app_icon(64)))
            .with_inner_size([1100.0, 760.0])
            .with_min_inner_size([720.0, 480.0])
            .with_drag_and_drop(true),
        // The window's state lives in the app's data folder, so that
        // FLA_DATA_DIR (portable installs, tests, screenshots) keeps it apart
        // too; by default that is the folder eframe would choose on Linux.
        persistence_path: Some(crate::profile::data_dir().join("app.ron")),
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
            let mut app = FlaApp::with_dirs(
                state,
                crate::profile::data_dir(),
                crate::profile::config_dir(),
            )?;
            app.open_on_start_page();
            if let Some(path) = &open {
                app.open_file(path);
            }
            Ok(Box::new(DesktopApp(app)))
        }),
    )
    .map_err(|e| e.to_string())
}
