//! The Settings page: language and theme; the profiles (choose, new, rename,
//! delete, export and import without what is personal) and the recent files.

use std::path::PathBuf;

use super::setup::{ProfileCommand, Setup};
use super::tasks::{poll_slot, FileDialog, Pending, Tasks};
use super::widgets;
use super::{AppState, ThemeChoice};
use crate::i18n::{tr, tr_args, Lang};

/// What the Settings page asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsCommand {
    Profile(ProfileCommand),
    /// A recent file: its path goes in the Certificate page's file field.
    OpenRecent(PathBuf),
}

/// The Profiles section's state during a run.
#[derive(Default)]
pub struct ProfilesSection {
    new_name: String,
    rename: String,
    /// The id the rename field was filled for.
    rename_for: Option<String>,
    confirm_delete: bool,
    /// The paths typed where no file dialog is (or chosen in one).
    export_path: String,
    import_path: String,
    export_dialog: Option<Pending<Option<PathBuf>>>,
    import_dialog: Option<Pending<Option<PathBuf>>>,
    dialog_missing: bool,
}

impl ProfilesSection {
    fn poll(&mut self, tasks: &Tasks, commands: &mut Vec<SettingsCommand>) {
        for export in [true, false] {
            let slot = if export {
                &mut self.export_dialog
            } else {
                &mut self.import_dialog
            };
            match poll_slot(slot) {
                Some(Some(Some(path))) if export => {
                    self.export_path = path.display().to_string();
                    commands.push(SettingsCommand::Profile(ProfileCommand::Export(path)));
                }
                Some(Some(Some(path))) => {
                    self.import_path = path.display().to_string();
                    commands.push(SettingsCommand::Profile(ProfileCommand::Import(path)));
                }
                // No path: cancelled, or (found out meanwhile) no dialog to show.
                Some(_) if tasks.file_dialog() == FileDialog::Missing => self.dialog_missing = true,
                _ => {}
            }
        }
    }

    fn dialog_open(&self) -> bool {
        self.export_dialog.is_some() || self.import_dialog.is_some()
    }
}

pub fn settings_ui(
    ui: &mut egui::Ui,
    state: &mut AppState,
    lang: Lang,
    tasks: &Tasks,
    section: &mut ProfilesSection,
    setup: &Setup,
) -> Vec<SettingsCommand> {
    ui.heading(tr(lang, "nav.settings"));
    ui.add_space(8.0);
    egui::Grid::new("settings")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            let label = ui.label(tr(lang, "nav.language"));
            language_picker_ui(ui, state, lang).labelled_by(label.id);
            ui.end_row();
            ui.label(tr(lang, "nav.theme"));
            ui.horizontal(|ui| theme_choice_ui(ui, state, lang));
            ui.end_row();
        });
    let mut commands = Vec::new();
    section.poll(tasks, &mut commands);
    ui.add_space(16.0);
    profiles_ui(ui, lang, tasks, section, setup, &mut commands);
    ui.add_space(16.0);
    recent_files_ui(ui, lang, setup, &mut commands);
    ui.add_space(16.0);
    updates_ui(ui, state, lang);
    ui.add_space(16.0);
    about_ui(ui, lang);
    commands
}

/// About: the version, the build, the app's folders (each opened by the
/// system's file manager) and the licences of its dependencies.
fn about_ui(ui: &mut egui::Ui, lang: Lang) {
    ui.heading(tr(lang, "about.heading"));
    ui.label(crate::i18n::tr_args(
        lang,
        "about.version",
        &[
            ("version", crate::update::CURRENT.to_owned()),
            ("commit", crate::support::BUILD_COMMIT.to_owned()),
            (
                "date",
                crate::i18n::format_iso_date(crate::support::BUILD_DATE),
            ),
            (
                "install",
                tr(
                    lang,
                    match crate::support::install_kind() {
                        "package" => "about.install.package",
                        "AppImage" => "about.install.appimage",
                        "built from source" => "about.install.source",
                        _ => "about.install.unknown",
                    },
                ),
            ),
        ],
    ));
    egui::Grid::new("about_folders")
        .num_columns(3)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            for (key, open_key, dir) in [
                (
                    "about.data_folder",
                    "about.open_data_folder",
                    crate::profile::data_dir(),
                ),
                (
                    "about.config_folder",
                    "about.open_config_folder",
                    crate::profile::config_dir(),
                ),
            ] {
                ui.label(tr(lang, key));
                ui.label(egui::RichText::new(dir.display().to_string()).monospace());
                if ui.button(tr(lang, open_key)).clicked() {
                    // The system's file manager, through the window's own
                    // way of opening an address: no command is run here.
                    if let Ok(url) = url::Url::from_directory_path(&dir) {
                        ui.ctx().open_url(egui::OpenUrl::new_tab(url.as_str()));
                    }
                }
                ui.end_row();
            }
        });
    let count = crate::support::licences().count();
    egui::CollapsingHeader::new(crate::i18n::tr_n(lang, "about.licences", count as u64, &[]))
        .id_salt("about_licences")
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .max_height(240.0)
                .show(ui, |ui| {
                    for (name, version, licence) in crate::support::licences() {
                        ui.label(format!("{name} {version}: {licence}"));
                    }
                });
        });
}

/// The update notice: off unless asked for; the feed it reads.
fn updates_ui(ui: &mut egui::Ui, state: &mut AppState, lang: Lang) {
    ui.heading(tr(lang, "update.heading"));
    let update = &mut state.update;
    if ui
        .checkbox(&mut update.enabled, tr(lang, "update.enable"))
        .changed()
    {
        update.asked = true;
        // Asked for now: checked now, not in a day.
        update.last_check = None;
    }
    ui.add(egui::Label::new(tr(lang, "update.what")).wrap());
    ui.horizontal(|ui| {
        let label = ui.label(tr(lang, "update.feed"));
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut update.feed)
                    .desired_width((ui.available_width() - 8.0).max(200.0)),
            )
            .labelled_by(label.id);
        if field.changed() {
            update.last_check = None;
        }
    });
    // A newer version is said on the status bar, on every page.
    if update.notice.is_some() {
        return;
    }
    if update.enabled && update.last_check.is_some() {
        ui.weak(tr(lang, "update.none"));
    }
}

fn profiles_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    tasks: &Tasks,
    section: &mut ProfilesSection,
    setup: &Setup,
    commands: &mut Vec<SettingsCommand>,
) {
    let mut profile = |c: ProfileCommand| commands.push(SettingsCommand::Profile(c));
    ui.heading(tr(lang, "settings.profiles"));
    ui.add(egui::Label::new(tr(lang, "settings.profiles_intro")).wrap());
    for notice in &setup.notices {
        ui.colored_label(ui.visuals().warn_fg_color, notice.render(lang));
    }
    ui.add_space(4.0);
    let current = super::setup::display_name(&setup.profile, lang);
    if section.rename_for.as_deref() != Some(setup.id.as_str()) {
        section.rename = setup.profile.name.clone();
        section.rename_for = Some(setup.id.clone());
        section.confirm_delete = false;
    }
    egui::Grid::new("settings_profiles")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            let label = ui.label(tr(lang, "settings.profile_current"));
            egui::ComboBox::from_id_salt("profile_choice")
                .selected_text(current.clone())
                .show_ui(ui, |ui| {
                    for (id, name) in setup.profiles(lang) {
                        if ui.selectable_label(id == setup.id, name).clicked() && id != setup.id {
                            profile(ProfileCommand::Switch(id));
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();

            let label = ui.label(tr(lang, "settings.profile_name"));
            ui.horizontal(|ui| {
                ui.add(egui::TextEdit::singleline(&mut section.rename).desired_width(240.0))
                    .labelled_by(label.id);
                let changed = section.rename.trim() != setup.profile.name
                    && !section.rename.trim().is_empty();
                if ui
                    .add_enabled(
                        changed,
                        egui::Button::new(tr(lang, "settings.profile_rename")),
                    )
                    .clicked()
                {
                    profile(ProfileCommand::Rename(section.rename.clone()));
                }
            });
            ui.end_row();

            let label = ui.label(tr(lang, "settings.profile_new_name"));
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut section.new_name)
                        .hint_text(tr(lang, "settings.profile_new_hint"))
                        .desired_width(240.0),
                )
                .labelled_by(label.id);
                if ui
                    .add_enabled(
                        !section.new_name.trim().is_empty(),
                        egui::Button::new(tr(lang, "settings.profile_new")),
                    )
                    .clicked()
                {
                    profile(ProfileCommand::New(std::mem::take(&mut section.new_name)));
                }
            });
            ui.end_row();
        });

    ui.add_space(4.0);
    if section.confirm_delete {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(tr_args(
                lang,
                "settings.profile_delete_confirm",
                &[("name", current.clone())],
            ));
            ui.horizontal(|ui| {
                if ui.button(tr(lang, "settings.profile_delete_yes")).clicked() {
                    section.confirm_delete = false;
                    profile(ProfileCommand::Delete);
                }
                if ui.button(tr(lang, "settings.profile_delete_no")).clicked() {
                    section.confirm_delete = false;
                }
            });
        });
    } else if ui.button(tr(lang, "settings.profile_delete")).clicked() {
        section.confirm_delete = true;
    }

    ui.add_space(8.0);
    ui.label(egui::RichText::new(tr(lang, "settings.profile_transfer")).strong());
    ui.add(egui::Label::new(tr(lang, "settings.profile_transfer_hint")).wrap());
    let busy = section.dialog_open() || setup.is_transferring();
    for export in [true, false] {
        let (label_key, button_key) = if export {
            ("settings.profile_export_to", "settings.profile_export")
        } else {
            ("settings.profile_import_from", "settings.profile_import")
        };
        ui.horizontal(|ui| {
            let label = ui.label(tr(lang, label_key));
            let field = if export {
                &mut section.export_path
            } else {
                &mut section.import_path
            };
            ui.add(egui::TextEdit::singleline(field).desired_width(360.0))
                .labelled_by(label.id);
            let typed = PathBuf::from(field.trim());
            let clicked = ui
                .add_enabled(!busy, egui::Button::new(tr(lang, button_key)))
                .clicked();
            if !clicked {
                return;
            }
            if !typed.as_os_str().is_empty() {
                // A path typed (or chosen before): used as it is.
                profile(if export {
                    ProfileCommand::Export(typed)
                } else {
                    ProfileCommand::Import(typed)
                });
            } else if tasks.file_dialog() == FileDialog::Missing {
                section.dialog_missing = true;
            } else {
                section.dialog_missing = false;
                let name = format!("{}.json", setup.id);
                if export {
                    section.export_dialog = Some(tasks.run(ui.ctx(), async move {
                        rfd::AsyncFileDialog::new()
                            .add_filter("JSON", &["json"])
                            .set_file_name(name)
                            .save_file()
                            .await
                            .map(|h| h.path().to_path_buf())
                    }));
                } else {
                    section.import_dialog = Some(tasks.run(ui.ctx(), async move {
                        rfd::AsyncFileDialog::new()
                            .add_filter("JSON", &["json"])
                            .pick_file()
                            .await
                            .map(|h| h.path().to_path_buf())
                    }));
                }
            }
        });
    }
    if section.dialog_missing {
        widgets::error_text_ui(ui, &tr(lang, "settings.profile_no_dialog"));
    }
    match &setup.profile_status {
        Some(Ok(msg)) => {
            ui.add(egui::Label::new(msg.render(lang)).wrap());
        }
        Some(Err(msg)) => widgets::error_text_ui(ui, &msg.render(lang)),
        None => {}
    }
}

fn recent_files_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    setup: &Setup,
    commands: &mut Vec<SettingsCommand>,
) {
    ui.heading(tr(lang, "settings.profile_recent"));
    if setup.recent.paths.is_empty() {
        ui.weak(tr(lang, "settings.profile_recent_none"));
        return;
    }
    for path in &setup.recent.paths {
        // The path is the button's name: a click puts it in the Certificate
        // page's file field.
        if ui
            .button(egui::RichText::new(path).monospace())
            .on_hover_text(tr(lang, "settings.profile_recent_open_hint"))
            .clicked()
        {
            commands.push(SettingsCommand::OpenRecent(PathBuf::from(path)));
        }
    }
    if ui
        .button(tr(lang, "settings.profile_recent_clear"))
        .clicked()
    {
        commands.push(SettingsCommand::Profile(ProfileCommand::ClearRecent));
    }
}

fn language_picker_ui(ui: &mut egui::Ui, state: &mut AppState, lang: Lang) -> egui::Response {
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
        })
        .response
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

/// The compact switches at the bottom of the side bar (in its bottom-up
/// layout): the languages, and under them the theme, drawn (and reached by
/// Tab) in the order they are read, in a side bar as narrow in every language.
pub fn theme_switch_ui(ui: &mut egui::Ui, state: &mut AppState, lang: Lang) {
    ui.vertical(|ui| {
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
