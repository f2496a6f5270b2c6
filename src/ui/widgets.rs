//! Small drawing helpers shared by the pages.

use egui::{Color32, RichText};

use crate::cert::Severity;
use crate::i18n::{tr, Lang};

/// The colour of a severity, readable on light and dark backgrounds.
pub fn severity_color(ui: &egui::Ui, severity: Severity) -> Color32 {
    let dark = ui.visuals().dark_mode;
    match (severity, dark) {
        (Severity::Error, true) => Color32::from_rgb(255, 120, 110),
        (Severity::Error, false) => Color32::from_rgb(190, 30, 30),
        (Severity::Warning, true) => Color32::from_rgb(240, 190, 80),
        (Severity::Warning, false) => Color32::from_rgb(160, 100, 0),
        (Severity::Info, _) => ui.visuals().text_color(),
    }
}

/// A severity word in its colour ("Error", "Warning").
pub fn severity_badge_ui(ui: &mut egui::Ui, severity: Severity, lang: Lang) {
    let key = match severity {
        Severity::Error => "cert.severity.error",
        Severity::Warning => "cert.severity.warning",
        Severity::Info => "cert.severity.info",
    };
    ui.label(
        RichText::new(tr(lang, key))
            .strong()
            .color(severity_color(ui, severity)),
    );
}

/// A message that belongs to the control above it (an error of that control).
pub fn error_text_ui(ui: &mut egui::Ui, message: &str) {
    let color = severity_color(ui, Severity::Error);
    ui.add(egui::Label::new(RichText::new(message).color(color)).wrap());
}

/// A label whose text can be selected and copied (fingerprints, serials).
pub fn monospace_value_ui(ui: &mut egui::Ui, value: &str) {
    ui.add(egui::Label::new(RichText::new(value).monospace()).wrap());
}
