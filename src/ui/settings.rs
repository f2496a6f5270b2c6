//! The Settings page: language and theme. Profiles come with later pages.

use super::{AppState, ThemeChoice};
use crate::i18n::{tr, Lang};

pub fn settings_ui(ui: &mut egui::Ui, state: &mut AppState, lang: Lang) {
    ui.heading(tr(lang, "nav.settings"));
    ui.add_space(8.0);
    egui::Grid::new("settings")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            ui.label(tr(lang, "nav.language"));
            language_picker_ui(ui, state, lang);
            ui.end_row();
            ui.label(tr(lang, "nav.theme"));
            ui.horizontal(|ui| theme_choice_ui(ui, state, lang));
            ui.end_row();
        });
}

fn language_picker_ui(ui: &mut egui::Ui, state: &mut AppState, lang: Lang) {
    let current = state.lang.map(Lang::native_name).unwrap_or("");
    let shown = if current.is_empty() {
        format!("{} ({})", tr(lang, "nav.theme_system"), lang.native_name())
    } else {
        current.to_owned()
    };
    egui::ComboBox::from_id_salt("language")
        .selected_text(shown)
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut state.lang, None, tr(lang, "nav.theme_system"));
            for choice in Lang::ALL {
                ui.selectable_value(&mut state.lang, Some(choice), choice.native_name());
            }
        });
}

fn theme_choice_ui(ui: &mut egui::Ui, state: &mut AppState, lang: Lang) {
    ui.radio_value(
        &mut state.theme,
        ThemeChoice::System,
        tr(lang, "nav.theme_system"),
    );
    ui.radio_value(
        &mut state.theme,
        ThemeChoice::Light,
        tr(lang, "nav.theme_light"),
    );
    ui.radio_value(
        &mut state.theme,
        ThemeChoice::Dark,
        tr(lang, "nav.theme_dark"),
    );
}

/// The compact switches at the bottom of the side bar (bottom-up layout).
pub fn theme_switch_ui(ui: &mut egui::Ui, state: &mut AppState, lang: Lang) {
    ui.horizontal(|ui| {
        for choice in Lang::ALL {
            let selected = state.lang() == choice;
            if ui
                .selectable_label(selected, choice.code().to_uppercase())
                .on_hover_text(choice.native_name())
                .clicked()
            {
                state.lang = Some(choice);
            }
        }
    });
    ui.horizontal(|ui| {
        let dark = ui.visuals().dark_mode;
        let (next, key) = if dark {
            (ThemeChoice::Light, "nav.theme_light")
        } else {
            (ThemeChoice::Dark, "nav.theme_dark")
        };
        if ui.button(tr(lang, key)).clicked() {
            state.theme = next;
        }
    });
}
