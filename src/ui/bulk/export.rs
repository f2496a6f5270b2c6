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
    /// A file with the contract's column names, to start a spreadsheet from.
    Template {
        xlsx: bool,
    },
}

impl BulkPage {
    /// *Save a template*: a CSV or an Excel workbook whose header row has the
    /// contract's names (what `fla-assistant template` writes), offered before
    /// any file is read, for an office that starts its spreadsheet here.
    pub(super) fn template_ui(&mut self, ui: &mut egui::Ui, lang: Lang, tasks: &Tasks) {
        let mut asked = None;
        // Once a file is read the line has done its work: it comes back when
        // the field is emptied or the file could not be read.
        let offered = self.mapping.is_none() || self.path.trim().is_empty();
        ui.horizontal_wrapped(|ui| {
            if !offered {
                return;
            }
            ui.weak(tr(
                lang,
                if self.dimona_mode {
                    "bulk.dimona.template_intro"
                } else {
                    "bulk.template_intro"
                },
            ));
            let free = self.saving.is_none();
            if ui
                .add_enabled(free, egui::Button::new(tr(lang, "bulk.template_csv")))
                .clicked()
            {
                asked = Some(Export::Template { xlsx: false });
            }
            if ui
                .add_enabled(free, egui::Button::new(tr(lang, "bulk.template_xlsx")))
                .clicked()
            {
                asked = Some(Export::Template { xlsx: true });
            }
        });
        if self.mapping.is_none() {
            self.saved_ui(ui, lang, tasks);
        }
        if let Some(export) = asked {
            self.start_saving(ui.ctx(), tasks, None, export, lang);
        }
    }

    fn saved_ui(&mut self, ui: &mut egui::Ui, lang: Lang, tasks: &Tasks) {
        self.ask_where_ui(ui, lang, tasks);
        match &self.saved {
            Some(Ok(done)) => {
                ui.add(egui::Label::new(done.render(lang)).wrap());
            }
            Some(Err(e)) => widgets::error_text_ui(ui, &e.render(lang)),
            None => {}
        }
    }

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
        self.saved_ui(ui, lang, tasks);
        if let Some(export) = asked {
            self.start_saving(ui.ctx(), tasks, Some(host), export, lang);
        }
    }

    /// Makes the file now (from what the page shows) and writes it where the
    /// user says, or, on a system without a file dialog, beside the file read
    /// (a template: in the documents folder, or the home folder).
    fn start_saving(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        host: Option<&DeclarationsHost>,
        export: Export,
        lang: Lang,
    ) {
        let (name, dir, made) = match (export, &self.file, host) {
            (Export::Template { xlsx }, _, _) => {
                let name = match (self.dimona_mode, xlsx) {
                    (false, true) => "fla-template.xlsx",
                    (false, false) => "fla-template.csv",
                    (true, true) => "dimona-template.xlsx",
                    (true, false) => "dimona-template.csv",
                };
                // In her language's words, which the importer reads back.
                let headers = import::Headers::In(lang);
                let made = match (self.dimona_mode, xlsx) {
                    (false, true) => import::template_xlsx_in(headers).map_err(|e| e.to_string()),
                    (false, false) => Ok(import::template_csv_in(headers)),
                    (true, true) => {
                        crate::dimona::import::template_xlsx_in(headers).map_err(|e| e.to_string())
                    }
                    (true, false) => Ok(crate::dimona::import::template_csv_in(headers)),
                };
                (
                    name.to_owned(),
                    self.template_dir.clone().or_else(template_dir),
                    made,
                )
            }
            (Export::Invalid | Export::Report, Some(file), host) => {
                let stem = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "fla".into());
                let (name, made) = match (export, host) {
                    (Export::Report, Some(host)) => {
                        (format!("{stem}-report.csv"), self.report_csv(host, lang))
                    }
                    (Export::Report, None) => return,
                    _ => (format!("{stem}-invalid.csv"), self.invalid_csv(lang)),
                };
                let dir = file.parent().map(|d| d.to_path_buf());
                (name, dir, made.map_err(|e| e.to_string()))
            }
            (_, None, _) => return,
        };
        let bytes = match made {
            Ok(bytes) => bytes,
            Err(detail) => {
                self.saved = Some(Err(Msg::new("bulk.save_failed")
                    .arg("path", name)
                    .arg("detail", detail)));
                return;
            }
        };
        let beside = dir.clone().unwrap_or_default().join(&name);
        self.saved = None;
        if tasks.file_dialog() == FileDialog::Missing {
            // No dialog: asked here, where it would go already typed.
            self.asking_where = Some(AskWhere {
                path: beside.display().to_string(),
                bytes,
                focus: true,
            });
            return;
        }
        self.saving = Some(tasks.run(ctx, async move {
            let mut d = rfd::AsyncFileDialog::new().set_file_name(&name);
            if let Some(dir) = &dir {
                d = d.set_directory(dir);
            }
            let path = d.save_file().await?.path().to_path_buf();
            Some(write_file(path, bytes).await)
        }));
    }

    /// Where a file goes on a system without a file dialog: the path typed
    /// (proposed: beside the file read, or the documents folder), Save or Cancel.
    pub(super) fn ask_where_ui(&mut self, ui: &mut egui::Ui, lang: Lang, tasks: &Tasks) {
        let Some(ask) = self.asking_where.as_mut() else {
            return;
        };
        let mut save = false;
        let mut cancel = false;
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(tr(lang, "bulk.save_to"));
            let field = ui
                .add(egui::TextEdit::singleline(&mut ask.path).desired_width(420.0))
                .labelled_by(label.id);
            if std::mem::take(&mut ask.focus) {
                field.request_focus();
            }
            save |= field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            save |= ui.button(tr(lang, "bulk.save_here")).clicked();
            cancel = ui.button(tr(lang, "bulk.save_cancel")).clicked();
        });
        if cancel {
            self.asking_where = None;
        } else if save && !ask.path.trim().is_empty() {
            if let Some(ask) = self.asking_where.take() {
                let path = std::path::PathBuf::from(ask.path.trim());
                self.saving =
                    Some(tasks.run(
                        ui.ctx(),
                        async move { Some(write_file(path, ask.bytes).await) },
                    ));
            }
        }
    }
}

/// A file the user is asked where to save (no file dialog).
pub(super) struct AskWhere {
    pub(super) path: String,
    bytes: Vec<u8>,
    focus: bool,
}

/// Writes `bytes` at `path` (on the runtime's blocking pool): what to say.
async fn write_file(path: std::path::PathBuf, bytes: Vec<u8>) -> Result<Msg, Msg> {
    let shown = path.display().to_string();
    let written =
        tokio::task::spawn_blocking(move || crate::files::write_atomically(&path, &bytes)).await;
    match written {
        Ok(Ok(())) => Ok(Msg::new("bulk.saved").arg("path", shown)),
        Ok(Err(e)) => Err(Msg::from_fn(move |lang| e.message(lang))),
        Err(e) => Err(Msg::new("bulk.save_failed")
            .arg("path", shown)
            .arg("detail", e.to_string())),
    }
}

impl BulkPage {
    /// The invalid rows as the file has them, with a last column of their
    /// messages: to fix in the spreadsheet and read again.
    fn invalid_csv(&self, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        if let (Some(mapping), Some(table)) = (&self.mapping, &self.table) {
            let mut header = mapping.headers.clone();
            header.push(tr(lang, "bulk.problems_column"));
            crate::files::write_csv_record(&mut w, &header)?;
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
                crate::files::write_csv_record(&mut w, &record)?;
            }
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    /// What each row of the file came to: the engine's view of the rows sent,
    /// the preview's problems for the rows held back (as `submit --report`).
    fn report_csv(&self, host: &DeclarationsHost, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        use crate::submit::run::{row_outcome, RowOutcome};
        let by_row: std::collections::HashMap<usize, crate::submit::engine::RowView> =
            match (host.view(), &self.run) {
                (view, Some(run)) if view.online => view
                    .rows
                    .iter()
                    .filter_map(|r| {
                        let r = &r.view;
                        let row = *run.rows.get(&(r.enterprise.clone(), r.reference.clone()))?;
                        Some((row, r.clone()))
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
        crate::submit::run::report_csv(&outcomes)
    }
}

/// Where a template goes when the system has no file dialog: the documents
/// folder, else the home folder, else the working folder.
fn template_dir() -> Option<std::path::PathBuf> {
    directories::UserDirs::new().map(|u| {
        u.document_dir()
            .map(|d| d.to_path_buf())
            .unwrap_or_else(|| u.home_dir().to_path_buf())
    })
}
