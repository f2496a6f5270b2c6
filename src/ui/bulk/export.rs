//! The Bulk page's CSV exports: the invalid rows with their messages, to fix
//! in the spreadsheet, and the report of a run; made from what the page
//! shows, written on the runtime.

use super::BulkPage;
use crate::i18n::{tr, Lang, Msg};
use crate::submit::import;
use crate::submit::state::State;
use crate::ui::declarations::host::DeclarationsHost;
use crate::ui::tasks::{FileDialog, Tasks};
use crate::ui::widgets;

/// Which CSV to save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Export {
    Invalid,
    Report,
}

impl BulkPage {
    pub(super) fn export_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        host: &DeclarationsHost,
    ) {
        let invalid = self.rows.len() - self.valid();
        let mut asked = None;
        ui.horizontal_wrapped(|ui| {
            let free = self.saving.is_none();
            if ui
                .add_enabled(
                    free && invalid > 0,
                    egui::Button::new(tr(lang, "bulk.save_invalid")),
                )
                .clicked()
            {
                asked = Some(Export::Invalid);
            }
            if ui
                .add_enabled(
                    free && self.run.is_some(),
                    egui::Button::new(tr(lang, "bulk.save_report")),
                )
                .clicked()
            {
                asked = Some(Export::Report);
            }
        });
        match &self.saved {
            Some(Ok(done)) => {
                ui.add(egui::Label::new(done.render(lang)).wrap());
            }
            Some(Err(e)) => widgets::error_text_ui(ui, &e.render(lang)),
            None => {}
        }
        if let Some(export) = asked {
            self.start_saving(ui.ctx(), tasks, host, export, lang);
        }
    }

    /// Makes the CSV now (from what the page shows) and writes it where the
    /// user says, or, on a system without a file dialog, beside the file.
    fn start_saving(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        host: &DeclarationsHost,
        export: Export,
        lang: Lang,
    ) {
        let Some(file) = self.file.clone() else {
            return;
        };
        let made = match export {
            Export::Invalid => self.invalid_csv(lang),
            Export::Report => self.report_csv(host, lang),
        };
        let bytes = match made {
            Ok(bytes) => bytes,
            Err(e) => {
                let detail = e.to_string();
                self.saved = Some(Err(Msg::new("bulk.save_failed")
                    .arg("path", file.display().to_string())
                    .arg("detail", detail)));
                return;
            }
        };
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "fla".into());
        let name = match export {
            Export::Invalid => format!("{stem}-invalid.csv"),
            Export::Report => format!("{stem}-report.csv"),
        };
        let beside = file.with_file_name(&name);
        let dialog = tasks.file_dialog() != FileDialog::Missing;
        self.saved = None;
        self.saving = Some(tasks.run(ctx, async move {
            let path = if dialog {
                let mut d = rfd::AsyncFileDialog::new().set_file_name(&name);
                if let Some(dir) = beside.parent() {
                    d = d.set_directory(dir);
                }
                d.save_file().await?.path().to_path_buf()
            } else {
                beside
            };
            let shown = path.display().to_string();
            let written =
                tokio::task::spawn_blocking(move || crate::files::write_atomically(&path, &bytes))
                    .await;
            Some(match written {
                Ok(Ok(())) => Ok(Msg::new("bulk.saved").arg("path", shown)),
                Ok(Err(e)) => Err(Msg::from_fn(move |lang| e.message(lang))),
                Err(e) => Err(Msg::new("bulk.save_failed")
                    .arg("path", shown)
                    .arg("detail", e.to_string())),
            })
        }));
    }

    /// The invalid rows as the file has them, with a last column of their
    /// messages: to fix in the spreadsheet and read again.
    fn invalid_csv(&self, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        if let (Some(mapping), Some(table)) = (&self.mapping, &self.table) {
            let mut header = mapping.headers.clone();
            header.push(tr(lang, "bulk.problems_column"));
            w.write_record(&header)?;
            let cells: std::collections::HashMap<usize, &Vec<import::Cell>> =
                table.rows.iter().map(|(n, c)| (*n, c)).collect();
            for r in self.rows.iter().filter(|r| !r.is_valid()) {
                let mut record: Vec<String> = cells
                    .get(&r.row)
                    .map(|c| c.iter().map(import::Cell::display).collect())
                    .unwrap_or_default();
                record.resize(mapping.headers.len(), String::new());
                let messages: Vec<String> = r
                    .problems
                    .iter()
                    .map(|p| format!("{} [{}]", p.message(lang), p.code))
                    .collect();
                record.push(messages.join(" | "));
                w.write_record(&record)?;
            }
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    /// What each row of the file came to: the engine's view of the rows sent,
    /// the preview's problems for the rows held back (as `submit --report`).
    fn report_csv(&self, host: &DeclarationsHost, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        use crate::cli::submit::{row_outcome, RowOutcome};
        let by_row: std::collections::HashMap<usize, crate::submit::engine::RowView> =
            match (host.engine(), &self.run) {
                (Some(engine), Some(run)) => engine
                    .snapshot()
                    .rows
                    .into_iter()
                    .filter_map(|r| {
                        let source = r.source.clone()?;
                        if !run.sources.contains(&source) {
                            return None;
                        }
                        let row = crate::submit::input::source_row(&source)?;
                        Some((row, r))
                    })
                    .collect(),
                _ => Default::default(),
            };
        let outcomes: Vec<RowOutcome> = self
            .rows
            .iter()
            .map(|r| match by_row.get(&r.row) {
                Some(view) => row_outcome(r.row, view, lang),
                None if r.is_valid() => RowOutcome {
                    row: r.row,
                    reference: r.reference.clone(),
                    state: State::Draft.code().into(),
                    ..RowOutcome::default()
                },
                None => RowOutcome {
                    row: r.row,
                    reference: r.reference.clone(),
                    state: State::Invalid.code().into(),
                    anomalies: r
                        .problems
                        .iter()
                        .map(|p| (p.code.to_owned(), p.message(lang)))
                        .collect(),
                    ..RowOutcome::default()
                },
            })
            .collect();
        crate::cli::submit::report_csv(&outcomes)
    }
}
