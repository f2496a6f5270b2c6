//! The Bulk page's preview: every row of the file with its check, virtualized
//! (only the rows in sight are laid out), filtered valid/invalid.

use super::{BulkCommand, BulkPage, Filter, RowStatus};
use crate::fla::anomalies::anomaly_text;
use crate::i18n::{format_count, tr, tr_args, tr_n, Lang};
use crate::submit::state::State;
use crate::ui::declarations::state_label;
use crate::ui::widgets;

/// A preview's header: each column's name, in `lang`.
pub(super) fn header_cells(header: &mut egui_extras::TableRow<'_, '_>, lang: Lang, keys: &[&str]) {
    for key in keys {
        header.col(|ui| {
            ui.strong(tr(lang, key));
        });
    }
}

impl BulkPage {
    pub(super) fn preview_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        commands: &mut Vec<BulkCommand>,
    ) {
        let valid = self.valid();
        let invalid = self.rows.len() - valid;
        let mut filter = self.filter;
        let mut choices = vec![
            (Filter::All, "bulk.filter.all", self.rows.len()),
            (Filter::Valid, "bulk.filter.valid", valid),
            (Filter::Invalid, "bulk.filter.invalid", invalid),
        ];
        // Once sent: the rows to fix, and the ones done with.
        if let Some(run) = &self.run {
            let count = |f: fn(&RowStatus) -> bool| run.statuses.values().filter(|s| f(s)).count();
            choices.push((
                Filter::Accepted,
                "bulk.filter.accepted",
                count(RowStatus::accepted),
            ));
            choices.push((
                Filter::RefusedOrFailed,
                "bulk.filter.refused",
                count(RowStatus::refused_or_failed),
            ));
        }
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(lang, "bulk.show"));
            for (f, key, n) in choices {
                let text = tr_args(lang, key, &[("n", format_count(lang, n as u64))]);
                if ui.selectable_label(filter == f, text).clicked() {
                    filter = f;
                }
            }
        });
        if filter != self.filter {
            self.filter = filter;
            self.refilter();
        }
        let rows = &self.rows;
        let shown = &self.shown;
        let ids = self.run.as_ref().map(|r| &r.ids);
        let statuses = self.run.as_ref().map(|r| &r.statuses);
        let out_of_scope = &self.out_of_scope;
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        egui_extras::TableBuilder::new(ui)
            .id_salt("bulk_preview")
            .striped(true)
            .resizable(true)
            .max_scroll_height(420.0)
            .column(egui_extras::Column::auto().at_least(40.0))
            .column(egui_extras::Column::auto().at_least(90.0))
            .column(egui_extras::Column::auto().at_least(100.0))
            .column(egui_extras::Column::initial(180.0).clip(true))
            .column(egui_extras::Column::auto().at_least(80.0))
            .column(egui_extras::Column::auto().at_least(80.0))
            .column(egui_extras::Column::remainder().at_least(200.0))
            .header(row_height, |mut header| {
                header_cells(
                    &mut header,
                    lang,
                    &[
                        "bulk.col.row",
                        "bulk.col.reference",
                        "bulk.col.worker",
                        "bulk.col.training",
                        "bulk.col.start",
                        "bulk.col.end",
                        "bulk.col.check",
                    ],
                );
            })
            .body(|body| {
                body.rows(row_height, shown.len(), |mut table_row| {
                    let Some(r) = shown.get(table_row.index()).and_then(|&i| rows.get(i)) else {
                        return;
                    };
                    let d = r.declaration.as_ref();
                    // A row sent opens on the Declarations page.
                    let id = ids.and_then(|ids| ids.get(&r.row)).copied();
                    table_row.col(|ui| match id {
                        Some(id) => {
                            if ui.link(r.row.to_string()).clicked() {
                                commands.push(BulkCommand::Open(id));
                            }
                        }
                        None => {
                            ui.label(r.row.to_string());
                        }
                    });
                    let cells = [
                        r.reference.clone(),
                        d.map(|d| crate::identifiers::shown_ssin(&d.worker.ssin))
                            .unwrap_or_default(),
                        d.map(|d| d.training.name.clone()).unwrap_or_default(),
                        d.map(|d| crate::i18n::format_iso_date(&d.training.start_date))
                            .unwrap_or_default(),
                        d.map(|d| crate::i18n::format_iso_date(&d.training.end_date))
                            .unwrap_or_default(),
                    ];
                    for text in cells {
                        table_row.col(|ui| {
                            ui.add(egui::Label::new(text).truncate());
                        });
                    }
                    let status = statuses.and_then(|s| s.get(&r.row));
                    let scope = shown
                        .get(table_row.index())
                        .and_then(|i| out_of_scope.get(i));
                    table_row.col(|ui| match r.problems.first() {
                        // In the run: what it came to, as the Declarations page says it.
                        None if status.is_some() => {
                            if let Some(status) = status {
                                status_ui(ui, lang, status);
                            }
                        }
                        // For an enterprise the profile does not send for.
                        None if r.declaration.is_some() && scope.is_some() => {
                            let text = scope.map(|m| m.render(lang)).unwrap_or_default();
                            warning_ui(ui, text);
                        }
                        // Sent all the same; said as the editor says it.
                        None if r.declaration.is_some() && !r.warnings.is_empty() => {
                            let message = r.warnings[0].message(lang);
                            let text = tr_args(lang, "bulk.valid_warning", &[("message", message)]);
                            warning_ui(ui, text);
                        }
                        None if r.declaration.is_some() => {
                            ui.label(tr(lang, "bulk.valid"));
                        }
                        first => {
                            let message = first
                                .map(|p| p.message(lang))
                                .unwrap_or_else(|| tr(lang, "bulk.invalid"));
                            let more = r.problems.len().saturating_sub(1) as u64;
                            let text = if more > 0 {
                                format!("{message} {}", tr_n(lang, "bulk.more_problems", more, &[]))
                            } else {
                                message
                            };
                            widgets::error_text_ui(ui, &text);
                        }
                    });
                });
            });
    }
}

/// A warning on one line, whole on hover.
fn warning_ui(ui: &mut egui::Ui, text: String) {
    ui.add(
        egui::Label::new(egui::RichText::new(&text).color(ui.visuals().warn_fg_color)).truncate(),
    )
    .on_hover_text(text);
}

/// A row of the run: its state as the Declarations page names it, and its
/// failure's message or the server's anomalies.
fn status_ui(ui: &mut egui::Ui, lang: Lang, status: &RowStatus) {
    let state = state_label(status.state, lang);
    let mut chars = state.chars();
    let state = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect::<String>())
        .unwrap_or_default();
    let detail = match &status.error {
        Some(e) if status.refused_or_failed() => e.text(lang),
        _ => status
            .anomalies
            .iter()
            .map(|a| anomaly_text(a, lang))
            .collect::<Vec<_>>()
            .join(" "),
    };
    let text = if detail.is_empty() {
        state
    } else {
        tr_args(
            lang,
            "bulk.row_state",
            &[("state", state), ("detail", detail)],
        )
    };
    let color = match status.state {
        State::Accepted => None,
        State::Warning => Some(ui.visuals().warn_fg_color),
        s if status.refused_or_failed() || s == State::Unknown => Some(ui.visuals().error_fg_color),
        _ => Some(ui.visuals().weak_text_color()),
    };
    let rich = match color {
        Some(c) => egui::RichText::new(&text).color(c),
        None => egui::RichText::new(&text),
    };
    ui.add(egui::Label::new(rich).truncate())
        .on_hover_text(text);
}
