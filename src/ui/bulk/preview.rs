//! The Bulk page's preview: every row of the file with its check, virtualized
//! (only the rows in sight are laid out), filtered valid/invalid.

use super::{BulkCommand, BulkPage, Filter};
use crate::i18n::{format_count, tr, tr_args, tr_n, Lang};
use crate::ui::widgets;

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
        ui.horizontal(|ui| {
            ui.label(tr(lang, "bulk.show"));
            for (f, key, n) in [
                (Filter::All, "bulk.filter.all", self.rows.len()),
                (Filter::Valid, "bulk.filter.valid", valid),
                (Filter::Invalid, "bulk.filter.invalid", invalid),
            ] {
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
                for key in [
                    "bulk.col.row",
                    "bulk.col.reference",
                    "bulk.col.worker",
                    "bulk.col.training",
                    "bulk.col.start",
                    "bulk.col.end",
                    "bulk.col.check",
                ] {
                    header.col(|ui| {
                        ui.strong(tr(lang, key));
                    });
                }
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
                        d.map(|d| d.worker.ssin.clone()).unwrap_or_default(),
                        d.map(|d| d.training.name.clone()).unwrap_or_default(),
                        d.map(|d| shown_date(&d.training.start_date))
                            .unwrap_or_default(),
                        d.map(|d| shown_date(&d.training.end_date))
                            .unwrap_or_default(),
                    ];
                    for text in cells {
                        table_row.col(|ui| {
                            ui.add(egui::Label::new(text).truncate());
                        });
                    }
                    table_row.col(|ui| match r.problems.first() {
                        // Sent all the same; said as the editor says it.
                        None if r.declaration.is_some() && !r.warnings.is_empty() => {
                            let message = r.warnings[0].message(lang);
                            let text = tr_args(lang, "bulk.valid_warning", &[("message", message)]);
                            ui.add(
                                egui::Label::new(
                                    egui::RichText::new(text).color(ui.visuals().warn_fg_color),
                                )
                                .truncate(),
                            );
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

/// A date of the contract (ISO) as the pages show dates: dd/mm/yyyy.
fn shown_date(iso: &str) -> String {
    crate::i18n::parse_user_date(iso)
        .map(crate::i18n::format_date)
        .unwrap_or_else(|| iso.to_owned())
}
