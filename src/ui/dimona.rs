//! The Dimona page: a worker's start (Dimona In) in a form with the same
//! quiet, live checks as the FLA editor (a field says what is wrong once it is
//! typed in, or once sending was tried), and the employer's periods as the
//! server knows them, each with *Stop* (Out), *Change* (Update) and *Cancel*.
//! What a declaration goes through is `dimona::send`, once for the app and the
//! command line; the page starts it on the runtime and shows what came.

use std::collections::HashMap;
use std::time::Duration;

use egui::RichText;

use super::tasks::{poll_slot, Pending, Tasks};

mod periods;
use crate::dimona::client::DimonaClient;
use crate::dimona::rules::{self, RuleFinding};
use crate::dimona::send::{self, Outcome};
use crate::dimona::wire::{
    Address, Declaration, DimonaIn, DimonaResult, Employer, Features, Municipality, Period,
    PlaceOfWork, Worker,
};
use crate::fla::client::TokenSource;
use crate::i18n::{format_date, parse_user_date, tr, Lang, Msg};
use crate::submit::engine::Engine;

/// How long the page waits for a result before it says "still waiting".
const WAIT: Duration = Duration::from_secs(120);

/// The kinds of worker the form offers (their Dimona codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkerKind {
    #[default]
    Ordinary,
    Student,
    Flexi,
}

impl WorkerKind {
    const ALL: [WorkerKind; 3] = [WorkerKind::Ordinary, WorkerKind::Student, WorkerKind::Flexi];

    fn code(self) -> &'static str {
        match self {
            WorkerKind::Ordinary => "OTH",
            WorkerKind::Student => "STU",
            WorkerKind::Flexi => "FLX",
        }
    }
}

/// The start form as typed.
#[derive(Debug, Clone, Default)]
pub struct StartForm {
    pub ssin: String,
    pub start: String,
    pub end: String,
    pub joint_committee: String,
    pub kind: WorkerKind,
    pub hours: String,
    pub place: String,
    pub street: String,
    pub number: String,
    pub post_code: String,
    pub municipality: String,
    pub start_hour: String,
    pub end_hour: String,
}

/// A date typed as the app shows them (`07/12/2026`) or ISO, as ISO.
fn iso(text: &str) -> String {
    parse_user_date(text).map_or_else(|| text.trim().to_owned(), |d| d.to_string())
}

impl StartForm {
    /// A new form: starting today, joint committee 200.
    fn new(today: time::Date) -> StartForm {
        StartForm {
            start: format_date(today),
            joint_committee: "200".into(),
            ..StartForm::default()
        }
    }

    /// The Dimona In this form says, for `employer`.
    pub fn declaration(&self, employer: &str) -> Declaration {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let student = self.kind == WorkerKind::Student;
        let flexi = self.kind == WorkerKind::Flexi;
        Declaration {
            employer: Employer {
                enterprise_number: employer.to_owned(),
            },
            worker: Worker {
                ssin: self.ssin.trim().to_owned(),
            },
            dimona_in: Some(DimonaIn {
                start_date: iso(&self.start),
                end_date: opt(&self.end).map(|e| iso(&e)),
                features: Features {
                    joint_commission_number: self.joint_committee.trim().to_uppercase(),
                    worker_type: self.kind.code().to_owned(),
                },
                planned_hours_number: if student {
                    self.hours.trim().parse().ok()
                } else {
                    None
                },
                student_place_of_work: (student && !self.place.trim().is_empty()).then(|| {
                    PlaceOfWork {
                        name: self.place.trim().to_owned(),
                        address: Address {
                            street: self.street.trim().to_owned(),
                            house_number: self.number.trim().to_owned(),
                            box_number: None,
                            post_code: self.post_code.trim().to_owned(),
                            municipality: Municipality {
                                code: self.post_code.trim().to_owned(),
                                name: self.municipality.trim().to_owned(),
                            },
                            country: "BE".into(),
                        },
                    }
                }),
                start_hour: if flexi { opt(&self.start_hour) } else { None },
                end_hour: if flexi { opt(&self.end_hour) } else { None },
            }),
            dimona_out: None,
            dimona_update: None,
            dimona_cancel: None,
        }
    }
}

/// What the page asks of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PeriodAction {
    Stop,
    Change,
    Cancel,
}

/// What came of the last declaration, said in one line.
#[derive(Debug, Clone)]
struct Said {
    msg: Msg,
    refused: bool,
    anomalies: Vec<String>,
}

impl Said {
    /// Not sent, and why.
    fn not_sent(detail: String) -> Said {
        Said {
            msg: Msg::new("dimona.cannot_send").arg("detail", detail),
            refused: true,
            anomalies: Vec::new(),
        }
    }
}

/// The Dimona page.
#[derive(Default)]
pub struct DimonaPage {
    pub form: StartForm,
    /// The form's fields typed in (their checks show), or all after a try.
    touched: std::collections::HashSet<&'static str>,
    tried: bool,
    /// The employer chosen (a representative's client), as ten digits.
    pub employer: String,
    sending: Option<Pending<Result<Outcome, String>>>,
    said: Option<Said>,
    periods: Vec<Period>,
    periods_for: Option<String>,
    loading: Option<Pending<Result<Vec<Period>, String>>>,
    load_error: Option<String>,
    /// A date typed per period for Stop and Change.
    dates: HashMap<i64, String>,
    confirm_cancel: Option<i64>,
    started: bool,
    /// Dimona's engine, as the app gave it this frame.
    engine: Option<Engine>,
    /// The journal's declarations of the employer without their last word
    /// yet (read from the engine on a clock), and when they were read.
    unsettled: Vec<crate::submit::engine::RowView>,
    unsettled_read: Option<std::time::Instant>,
}

/// How the page reaches Dimona: a token source for Dimona (or why none).
pub type DimonaSource<'a> = &'a dyn Fn(Lang) -> Result<TokenSource, String>;

fn client_of(source: TokenSource, lang: Lang) -> Result<DimonaClient, String> {
    let http = crate::channel::token::http_client(source.timeout).map_err(|e| e.message(lang))?;
    DimonaClient::new(http, source, lang).map_err(|e| e.message(lang))
}

fn today() -> time::Date {
    crate::today::brussels_date(time::OffsetDateTime::now_utc())
}

/// The rules' findings on `field` (any of its paths).
fn findings_on<'a>(findings: &'a [RuleFinding], prefix: &str) -> Vec<&'a RuleFinding> {
    findings
        .iter()
        .filter(|f| f.field.starts_with(prefix))
        .collect()
}

impl DimonaPage {
    /// The employer's periods as last read.
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// A declaration or a read under way.
    pub fn is_busy(&self) -> bool {
        self.sending.is_some() || self.loading.is_some()
    }

    /// Draws the page: `employers` are those it may declare for (its own, or
    /// a representative's clients with an active mandate), with their names.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        employers: &[(String, String)],
        source: DimonaSource<'_>,
        engine: Option<&Engine>,
    ) {
        // The app's handle on Dimona's engine for this frame (the app opens
        // and closes it; the page sends through it).
        self.engine = engine.cloned();
        let today = today();
        if !self.started {
            self.form = StartForm::new(today);
            self.started = true;
        }
        self.take_results(lang);
        ui.heading(tr(lang, "nav.dimona"));
        ui.add(egui::Label::new(tr(lang, "dimona.page.intro")).wrap());
        ui.add_space(6.0);
        if employers.is_empty() {
            super::widgets::error_text_ui(ui, &tr(lang, "dimona.page.no_employer"));
            return;
        }
        if !employers.iter().any(|(e, _)| *e == self.employer) {
            self.employer = employers[0].0.clone();
        }
        self.employer_ui(ui, lang, employers);
        ui.add_space(6.0);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            self.start_form_ui(ui, lang, tasks, source, today);
        });
        ui.add_space(8.0);
        self.periods_ui(ui, lang, tasks, source);
        self.journal_ui(ui, lang);
    }

    fn employer_ui(&mut self, ui: &mut egui::Ui, lang: Lang, employers: &[(String, String)]) {
        ui.horizontal(|ui| {
            let label = ui.label(tr(lang, "dimona.page.employer"));
            let shown = |(number, name): &(String, String)| {
                crate::identifiers::named_enterprise(number, name)
            };
            if employers.len() == 1 {
                ui.label(RichText::new(shown(&employers[0])).strong());
                return;
            }
            let current = employers
                .iter()
                .find(|(e, _)| *e == self.employer)
                .map(shown)
                .unwrap_or_default();
            egui::ComboBox::from_id_salt("dimona_employer")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for e in employers {
                        ui.selectable_value(&mut self.employer, e.0.clone(), shown(e));
                    }
                })
                .response
                .labelled_by(label.id);
        });
    }

    /// One labelled text field of the form; its check shown once typed in.
    fn field_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        key: &'static str,
        findings: &[RuleFinding],
        path: &'static str,
        value: impl FnOnce(&mut StartForm) -> &mut String,
    ) -> egui::Response {
        let label = ui.label(tr(lang, key));
        let shows = self.tried || self.touched.contains(key);
        let r = ui
            .vertical(|ui| {
                let r = ui
                    .add(egui::TextEdit::singleline(value(&mut self.form)).desired_width(180.0))
                    .labelled_by(label.id);
                let said: Vec<String> = findings_on(findings, path)
                    .iter()
                    .map(|f| f.text(lang))
                    .collect();
                if shows && !said.is_empty() {
                    let color = ui.visuals().error_fg_color;
                    ui.label(RichText::new(said.join(" ")).color(color).small());
                }
                r
            })
            .inner;
        if r.changed() {
            self.touched.insert(key);
        }
        ui.end_row();
        r
    }

    fn start_form_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        source: DimonaSource<'_>,
        today: time::Date,
    ) {
        ui.label(RichText::new(tr(lang, "dimona.start.heading")).strong());
        let declaration = self.form.declaration(&self.employer);
        let findings = rules::check(&declaration, today);
        let blocking = findings.iter().any(|f| f.blocking);
        egui::Grid::new("dimona_start")
            .num_columns(2)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                let ssin = self.field_ui(
                    ui,
                    lang,
                    "dimona.field.ssin",
                    &findings,
                    "worker.ssin",
                    |f| &mut f.ssin,
                );
                if self.form.ssin.trim().is_empty() {
                    super::keyboard::mark_next_step_here(&ssin);
                }
                self.field_ui(
                    ui,
                    lang,
                    "dimona.field.start",
                    &findings,
                    "dimonaIn.startDate",
                    |f| &mut f.start,
                );
                self.field_ui(
                    ui,
                    lang,
                    "dimona.field.end",
                    &findings,
                    "dimonaIn.endDate",
                    |f| &mut f.end,
                );
                self.field_ui(
                    ui,
                    lang,
                    "dimona.field.joint_committee",
                    &findings,
                    "dimonaIn.features.jointCommissionNumber",
                    |f| &mut f.joint_committee,
                );
                ui.label(tr(lang, "dimona.field.kind"));
                ui.horizontal(|ui| {
                    for kind in WorkerKind::ALL {
                        let key = format!("dimona.kind.{}", kind.code());
                        ui.radio_value(&mut self.form.kind, kind, tr(lang, &key));
                    }
                });
                ui.end_row();
                match self.form.kind {
                    WorkerKind::Student => {
                        self.field_ui(
                            ui,
                            lang,
                            "dimona.field.hours",
                            &findings,
                            "dimonaIn.plannedHoursNumber",
                            |f| &mut f.hours,
                        );
                        for (key, value) in [
                            ("dimona.field.place", 0),
                            ("dimona.field.street", 1),
                            ("dimona.field.number", 2),
                            ("dimona.field.post_code", 3),
                            ("dimona.field.municipality", 4),
                        ] {
                            self.field_ui(
                                ui,
                                lang,
                                key,
                                &findings,
                                "dimonaIn.studentPlaceOfWork",
                                move |f| match value {
                                    0 => &mut f.place,
                                    1 => &mut f.street,
                                    2 => &mut f.number,
                                    3 => &mut f.post_code,
                                    _ => &mut f.municipality,
                                },
                            );
                        }
                    }
                    WorkerKind::Flexi => {
                        self.field_ui(
                            ui,
                            lang,
                            "dimona.field.start_hour",
                            &findings,
                            "dimonaIn.startHour",
                            |f| &mut f.start_hour,
                        );
                        self.field_ui(
                            ui,
                            lang,
                            "dimona.field.end_hour",
                            &findings,
                            "dimonaIn.endHour",
                            |f| &mut f.end_hour,
                        );
                    }
                    WorkerKind::Ordinary => {}
                }
            });
        // A late start is a warning, said as one, not a reason to wait.
        for f in findings.iter().filter(|f| !f.blocking) {
            ui.label(RichText::new(f.text(lang)).color(ui.visuals().warn_fg_color));
        }
        ui.horizontal(|ui| {
            let busy = self.sending.is_some();
            let send = ui.add_enabled(
                !busy && !blocking,
                egui::Button::new(tr(lang, "dimona.start.send")),
            );
            if !blocking {
                super::keyboard::mark_next_step_here(&send);
            }
            if send.clicked() {
                self.send(ui.ctx(), tasks, source, declaration.clone(), lang);
            }
            if busy {
                ui.spinner();
                ui.weak(tr(lang, "dimona.sending"));
            } else if blocking && !self.form.ssin.trim().is_empty() {
                ui.weak(tr(lang, "dimona.start.blocked"));
            }
        });
        if blocking && ui.input(|i| i.key_pressed(egui::Key::Enter)) && !self.form.ssin.is_empty() {
            self.tried = true;
        }
        self.said_ui(ui, lang);
    }

    fn said_ui(&self, ui: &mut egui::Ui, lang: Lang) {
        let Some(said) = &self.said else {
            return;
        };
        let color = if said.refused {
            ui.visuals().error_fg_color
        } else {
            ui.visuals().text_color()
        };
        ui.label(RichText::new(said.msg.render(lang)).strong().color(color));
        for a in &said.anomalies {
            ui.label(a);
        }
    }

    fn send(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        source: DimonaSource<'_>,
        declaration: Declaration,
        lang: Lang,
    ) {
        self.said = None;
        let client = match source(lang).and_then(|s| client_of(s, lang)) {
            Ok(c) => c,
            Err(e) => {
                self.said = Some(Said::not_sent(e));
                return;
            }
        };
        let Some(engine) = self.engine.clone() else {
            // The journal is being opened (the connection was just made).
            self.said = Some(Said::not_sent(tr(lang, "bulk.dimona.opening")));
            return;
        };
        let today = today();
        self.sending = Some(tasks.run(ctx, async move {
            send::declare(&engine, &client, &declaration, today, WAIT, None)
                .await
                .map_err(|e| e.message(lang))
        }));
    }

    /// Takes what the runtime finished: a result, the periods.
    fn take_results(&mut self, lang: Lang) {
        if let Some(done) = poll_slot(&mut self.sending) {
            self.said = Some(match done {
                Some(Ok(Outcome::Answered { stored, .. })) => {
                    let result = stored.declaration_status.result;
                    let anomalies = stored
                        .declaration_status
                        .anomalies
                        .iter()
                        .map(|a| format!("{}: {}", a.code, a.description(lang)))
                        .collect();
                    // A start accepted: the next one starts from an empty worker.
                    if result.is_final() && result != DimonaResult::B {
                        self.form.ssin.clear();
                        self.touched.clear();
                        self.tried = false;
                    }
                    // What the server now holds is read again.
                    self.periods_for = None;
                    Said {
                        msg: Msg::new(match result {
                            DimonaResult::A => "dimona.said.accepted",
                            DimonaResult::W => "dimona.said.warning",
                            DimonaResult::B => "dimona.said.refused",
                            DimonaResult::S => "dimona.said.waiting",
                        })
                        .arg("id", stored.declaration_id.to_string())
                        .arg(
                            "period",
                            stored
                                .declaration_status
                                .period
                                .map_or_else(|| "-".to_owned(), |p| p.id.to_string()),
                        ),
                        refused: result == DimonaResult::B,
                        anomalies,
                    }
                }
                Some(Ok(Outcome::RefusedLocally(local))) => Said {
                    msg: Msg::new("dimona.said.refused_locally"),
                    refused: true,
                    anomalies: local.iter().map(|f| f.text(lang)).collect(),
                },
                Some(Ok(Outcome::HeldBack(anomalies))) => Said {
                    msg: Msg::new("dimona.said.refused_locally"),
                    refused: true,
                    anomalies: anomalies
                        .iter()
                        .map(|a| crate::fla::anomalies::anomaly_text(a, lang).to_owned())
                        .collect(),
                },
                Some(Err(e)) => Said::not_sent(e),
                // The task ended without a word (the runtime stopping).
                None => Said::not_sent("-".into()),
            });
        }
        if let Some(done) = poll_slot(&mut self.loading) {
            match done {
                Some(Ok(periods)) => {
                    self.periods = periods;
                    self.load_error = None;
                }
                Some(Err(e)) => self.load_error = Some(e),
                None => {}
            }
        }
    }
}
