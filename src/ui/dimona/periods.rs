//! The Dimona page's periods: the employer's periods as the server knows
//! them, each with *Stop* (Out), *Change* (Update) and *Cancel* (after a yes);
//! and below them what the journal holds of the employer without its last
//! word yet (being sent, waiting for the worker's identification, its answer
//! lost), each with what can be done.

use egui::RichText;

use super::{client_of, iso, today, DimonaPage, DimonaSource, PeriodAction};
use crate::dimona::service::read_identity;
use crate::dimona::wire::{
    Declaration, DimonaCancel, DimonaOut, DimonaUpdate, Employer, PeriodStatus, SearchRequest,
};
use crate::i18n::{format_date, tr, tr_args, Lang};
use crate::submit::state::State;
use crate::ui::declarations::state_label;
use crate::ui::tasks::Tasks;

impl DimonaPage {
    pub(super) fn load_periods(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        source: DimonaSource<'_>,
        lang: Lang,
    ) {
        self.periods_for = Some(self.employer.clone());
        let client = match source(lang).and_then(|s| client_of(s, lang)) {
            Ok(c) => c,
            Err(e) => {
                // Said as what to do on this page, the reason kept after it.
                let detail = e.trim_end_matches([':', ' ']).to_owned();
                self.load_error = Some(tr_args(
                    lang,
                    "dimona.needs_connection",
                    &[("detail", detail)],
                ));
                return;
            }
        };
        let filters = SearchRequest {
            employer: Employer {
                enterprise_number: self.employer.clone(),
            },
            ssin: None,
            from: None,
            to: None,
            cursor: None,
        };
        self.loading = Some(tasks.run(ctx, async move {
            client
                .search_periods(&filters)
                .await
                .map_err(|e| e.message(lang))
        }));
    }

    pub(super) fn periods_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        source: DimonaSource<'_>,
    ) {
        // Read when the page shows another employer, and after a declaration.
        if self.periods_for.as_deref() != Some(self.employer.as_str())
            && self.loading.is_none()
            && self.sending.is_none()
        {
            self.load_periods(ui.ctx(), tasks, source, lang);
        }
        ui.horizontal(|ui| {
            ui.label(RichText::new(tr(lang, "dimona.periods.heading")).strong());
            if ui
                .add_enabled(
                    self.loading.is_none(),
                    egui::Button::new(tr(lang, "dimona.periods.refresh")),
                )
                .clicked()
            {
                self.load_periods(ui.ctx(), tasks, source, lang);
            }
            if self.loading.is_some() {
                ui.spinner();
            }
        });
        if let Some(e) = &self.load_error {
            crate::ui::widgets::error_text_ui(ui, e);
        }
        if self.periods.is_empty() {
            ui.weak(tr(lang, "dimona.periods.none"));
            return;
        }
        let mut asked: Option<(i64, PeriodAction)> = None;
        egui::Grid::new("dimona_periods")
            .num_columns(6)
            .striped(true)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                for key in [
                    "dimona.col.worker",
                    "dimona.col.start",
                    "dimona.col.end",
                    "dimona.col.kind",
                    "dimona.col.status",
                ] {
                    ui.label(RichText::new(tr(lang, key)).strong());
                }
                ui.end_row();
                for p in &self.periods {
                    ui.label(crate::identifiers::shown_ssin(&p.worker.ssin));
                    ui.label(crate::i18n::format_iso_date(&p.start_date));
                    ui.label(
                        p.end_date
                            .as_deref()
                            .map(crate::i18n::format_iso_date)
                            .unwrap_or_default(),
                    );
                    ui.label(tr(lang, &format!("dimona.kind.{}", p.features.worker_type)));
                    ui.label(tr(lang, &format!("dimona.period.{}", p.status.code())));
                    ui.horizontal(|ui| {
                        if p.status == PeriodStatus::Cancelled {
                            return;
                        }
                        let date = self
                            .dates
                            .entry(p.id)
                            .or_insert_with(|| format_date(today()));
                        let label =
                            tr_args(lang, "dimona.periods.date_of", &[("id", p.id.to_string())]);
                        let field = ui.add(egui::TextEdit::singleline(date).desired_width(90.0));
                        field.widget_info(|| {
                            let mut info =
                                egui::WidgetInfo::text_edit(true, date.as_str(), date.as_str(), "");
                            info.label = Some(label.clone());
                            info
                        });
                        // A date that is none: said quietly, once typed, and
                        // Stop and Change wait for a date (Cancel needs none).
                        let no_date = crate::i18n::parse_user_date(date).is_none();
                        if no_date {
                            ui.label(
                                RichText::new(tr(lang, "dimona.periods.not_a_date"))
                                    .color(ui.visuals().warn_fg_color),
                            );
                        }
                        for (key, action) in [
                            ("dimona.periods.stop", PeriodAction::Stop),
                            ("dimona.periods.change", PeriodAction::Change),
                            ("dimona.periods.cancel", PeriodAction::Cancel),
                        ] {
                            let name =
                                tr_args(lang, &format!("{key}_of"), &[("id", p.id.to_string())]);
                            let r = ui.add_enabled(
                                self.sending.is_none()
                                    && (action == PeriodAction::Cancel || !no_date),
                                egui::Button::new(tr(lang, key)),
                            );
                            r.widget_info(|| {
                                egui::WidgetInfo::labeled(egui::Role::Button, true, &name)
                            });
                            if r.clicked() {
                                asked = Some((p.id, action));
                            }
                        }
                    });
                    ui.end_row();
                }
            });
        if let Some((id, action)) = asked {
            if action == PeriodAction::Cancel {
                self.confirm_cancel = Some(id);
            } else {
                self.period_declaration(ui.ctx(), tasks, source, id, action, lang);
            }
        }
        if let Some(id) = self.confirm_cancel {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.label(tr_args(
                    lang,
                    "dimona.periods.cancel_confirm",
                    &[("id", id.to_string())],
                ));
                ui.horizontal(|ui| {
                    if ui.button(tr(lang, "dimona.periods.cancel_yes")).clicked() {
                        self.confirm_cancel = None;
                        self.period_declaration(
                            ui.ctx(),
                            tasks,
                            source,
                            id,
                            PeriodAction::Cancel,
                            lang,
                        );
                    }
                    if ui.button(tr(lang, "dimona.periods.cancel_no")).clicked() {
                        self.confirm_cancel = None;
                    }
                });
            });
        }
    }

    /// The journal's declarations of the employer that have no last word
    /// yet: read from Dimona's engine each second, said with their state,
    /// and *Send again* (failed) or *Check again* (no answer, or still
    /// processing).
    pub(super) fn journal_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let due = self
            .unsettled_read
            .is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(1));
        if due {
            let employer = crate::identifiers::normalised_enterprise(&self.employer);
            self.unsettled = engine
                .snapshot()
                .rows
                .into_iter()
                .filter(|r| r.enterprise == employer)
                .filter(|r| !r.state.is_result() && r.state != State::Invalid)
                .collect();
            self.unsettled_read = Some(std::time::Instant::now());
        }
        if self.unsettled.is_empty() {
            return;
        }
        // The rows change on the runtime: read again while some are open.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs(1));
        ui.add_space(8.0);
        ui.label(RichText::new(tr(lang, "dimona.journal.heading")).strong());
        ui.add(egui::Label::new(tr(lang, "dimona.journal.intro")).wrap());
        egui::Grid::new("dimona_journal")
            .num_columns(5)
            .striped(true)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                for key in [
                    "dimona.col.worker",
                    "dimona.journal.part",
                    "dimona.col.start",
                    "dimona.col.end",
                    "dimona.col.status",
                ] {
                    ui.label(RichText::new(tr(lang, key)).strong());
                }
                ui.end_row();
                for r in &self.unsettled {
                    let said = read_identity(&r.reference);
                    let shown = |d: Option<&String>| {
                        d.map_or_else(String::new, |d| crate::i18n::format_iso_date(d))
                    };
                    let ssin = said.as_ref().map(|i| i.ssin.clone()).unwrap_or_default();
                    ui.label(crate::identifiers::shown_ssin(&ssin));
                    ui.label(said.as_ref().map(|i| i.part.clone()).unwrap_or_default());
                    ui.label(shown(said.as_ref().and_then(|i| i.from.as_ref())));
                    ui.label(shown(said.as_ref().and_then(|i| i.to.as_ref())));
                    ui.horizontal(|ui| {
                        let mut state = state_label(r.state, lang);
                        if let Some(e) = &r.error {
                            state = format!("{state}: {}", e.text(lang));
                        }
                        ui.add(egui::Label::new(state).wrap());
                        let again = match r.state {
                            State::Failed | State::Ready => Some("dimona.journal.send_again"),
                            State::Unknown | State::Submitted if !r.watching => {
                                Some("dimona.journal.check_again")
                            }
                            _ => None,
                        };
                        if let Some(key) = again {
                            if ui.button(tr(lang, key)).clicked() {
                                if r.state == State::Failed || r.state == State::Ready {
                                    engine.send(&[r.id]);
                                } else {
                                    engine.check_again(&[r.id]);
                                }
                            }
                        }
                    });
                    ui.end_row();
                }
            });
    }

    /// An Out, an Update (a new end date) or a Cancel of period `id`.
    fn period_declaration(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        source: DimonaSource<'_>,
        id: i64,
        action: PeriodAction,
        lang: Lang,
    ) {
        let Some(p) = self.periods.iter().find(|p| p.id == id) else {
            return;
        };
        let date = iso(self.dates.get(&id).map_or("", String::as_str));
        let mut d = Declaration {
            employer: p.employer.clone(),
            worker: p.worker.clone(),
            dimona_in: None,
            dimona_out: None,
            dimona_update: None,
            dimona_cancel: None,
        };
        match action {
            PeriodAction::Stop => {
                d.dimona_out = Some(DimonaOut {
                    period_id: id,
                    end_date: date,
                })
            }
            PeriodAction::Change => {
                d.dimona_update = Some(DimonaUpdate {
                    period_id: id,
                    start_date: None,
                    end_date: Some(date),
                    planned_hours_number: None,
                    start_hour: None,
                    end_hour: None,
                })
            }
            PeriodAction::Cancel => d.dimona_cancel = Some(DimonaCancel { period_id: id }),
        }
        self.send(ctx, tasks, source, d, lang);
    }
}
