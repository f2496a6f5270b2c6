//! The Support page: the app's log, filterable; the failures met with their
//! `BelGov-Trace-Id`; "Copy diagnostics"; the data folder; resetting the
//! sandbox. It reads the log's lines and a diagnostics snapshot and returns
//! commands; the log itself lives in `crate::support`.

use egui::RichText;

use crate::i18n::{tr, Lang, Msg};
use crate::support::{Diagnostics, Level, LogLine};

/// What the user asked for on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupportCommand {
    /// Put this (already redacted) text on the clipboard.
    CopyDiagnostics(String),
    OpenDataFolder,
    ResetSandbox,
}

/// The viewer's filter and the page's last notice.
#[derive(Debug)]
pub struct SupportPage {
    min_level: Level,
    filter: String,
    confirm_reset: bool,
    pub notice: Option<Msg>,
    /// The last pass the page was drawn in: a gap means it was opened again.
    drawn_in_pass: Option<u64>,
}

impl Default for SupportPage {
    fn default() -> Self {
        SupportPage {
            min_level: Level::Info,
            filter: String::new(),
            confirm_reset: false,
            notice: None,
            drawn_in_pass: None,
        }
    }
}

fn level_key(level: Level) -> &'static str {
    match level {
        Level::Info => "support.level.info",
        Level::Warning => "support.level.warning",
        Level::Error => "support.level.error",
    }
}

impl SupportPage {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        lines: &[LogLine],
        diagnostics: &Diagnostics,
    ) -> Vec<SupportCommand> {
        let mut commands = Vec::new();
        let heading = ui.heading(tr(lang, "nav.support"));
        // Opened (again): at the top, its title in view, wherever the last page was scrolled.
        let pass = ui.ctx().cumulative_pass_nr();
        if self
            .drawn_in_pass
            .is_none_or(|last| pass > last.saturating_add(1))
        {
            heading.scroll_to_me(Some(egui::Align::Min));
        }
        self.drawn_in_pass = Some(pass);
        ui.add(egui::Label::new(tr(lang, "page.support.intro")).wrap());
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            if ui.button(tr(lang, "support.copy_diagnostics")).clicked() {
                commands.push(SupportCommand::CopyDiagnostics(diagnostics.to_text()));
                self.notice = Some(Msg::new("support.copied"));
            }
            if ui.button(tr(lang, "support.open_folder")).clicked() {
                commands.push(SupportCommand::OpenDataFolder);
            }
            if self.confirm_reset {
                ui.label(tr(lang, "support.reset_confirm"));
                if ui.button(tr(lang, "support.reset_yes")).clicked() {
                    commands.push(SupportCommand::ResetSandbox);
                    self.confirm_reset = false;
                }
                if ui.button(tr(lang, "support.reset_no")).clicked()
                    || ui.input(|i| i.key_pressed(egui::Key::Escape))
                {
                    self.confirm_reset = false;
                }
            } else if ui.button(tr(lang, "support.reset_sandbox")).clicked() {
                self.confirm_reset = true;
            }
        });
        // A line reserved for the notice, so nothing below moves.
        ui.label(
            self.notice
                .as_ref()
                .map(|m| m.render(lang))
                .unwrap_or_default(),
        );

        ui.add_space(6.0);
        ui.label(RichText::new(tr(lang, "support.failures")).strong());
        let failures: Vec<&LogLine> = lines
            .iter()
            .rev()
            .filter(|l| l.level == Level::Error)
            .take(10)
            .collect();
        if failures.is_empty() {
            ui.weak(tr(lang, "support.no_failures"));
        }
        for f in failures {
            ui.horizontal_wrapped(|ui| {
                ui.monospace(f.local_time());
                ui.label(format!("[{}]", f.area));
                ui.label(f.text_in(lang));
                if let Some(trace) = &f.trace_id {
                    ui.label(RichText::new(format!("BelGov-Trace-Id {trace}")).monospace());
                    if ui.small_button(tr(lang, "common.copy")).clicked() {
                        ui.ctx().copy_text(trace.clone());
                        self.notice = Some(Msg::new("common.copied"));
                    }
                }
            });
        }

        ui.add_space(6.0);
        ui.label(RichText::new(tr(lang, "support.log")).strong());
        ui.horizontal(|ui| {
            let label = ui.label(tr(lang, "support.filter"));
            ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .desired_width(240.0)
                    .hint_text(tr(lang, "support.filter_hint")),
            )
            .labelled_by(label.id);
            egui::ComboBox::from_label(tr(lang, "support.level"))
                .selected_text(tr(lang, level_key(self.min_level)))
                .show_ui(ui, |ui| {
                    for level in [Level::Info, Level::Warning, Level::Error] {
                        ui.selectable_value(&mut self.min_level, level, tr(lang, level_key(level)));
                    }
                });
        });
        let shown: Vec<&LogLine> = lines
            .iter()
            .filter(|l| l.matches(self.min_level, &self.filter))
            .collect();
        ui.weak(
            Msg::plural("support.lines_shown", shown.len() as u64)
                .arg("total", lines.len())
                .render(lang),
        );
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 2.0;
        egui::ScrollArea::vertical()
            .id_salt("support_log")
            .max_height(320.0)
            .stick_to_bottom(true)
            .show_rows(ui, row_height, shown.len(), |ui, range| {
                for line in &shown[range] {
                    let text = format!(
                        "{} {:<7} {:<12} {}{}",
                        line.local_time(),
                        tr(lang, level_key(line.level)),
                        line.area,
                        line.text_in(lang),
                        line.trace_id
                            .as_deref()
                            .map(|t| format!("  (trace {t})"))
                            .unwrap_or_default()
                    );
                    ui.add(egui::Label::new(RichText::new(text).monospace()).truncate());
                }
            });
        commands
    }
}
