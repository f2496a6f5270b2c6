//! The app's set-up state between the pages: the current profile (role,
//! checklist ticks) loaded from and saved to the settings folder, the facts the
//! Checklist and the status line read, what the app ticks when it sees a step
//! succeed, and the log lines for what it met. The profile is read once as the
//! app starts (before the first frame) and written on the runtime.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::channel::env::EnvironmentKind;
use crate::checklist::{Facts, Step};
use crate::i18n::{Lang, Msg};
use crate::profile::{Profile, ProfileError, ProfileStore};
use crate::submit::state::State;
use crate::support::{AppLog, Level};

use super::certificate::CertificatePage;
use super::connection::{ConnectionPage, ConnectionSettings, TestResult};
use super::declarations::host::DeclarationsHost;
use super::tasks::{poll_slot, Pending, Tasks};
use super::Page;

/// The current profile and what the app noticed about the set-up.
pub struct Setup {
    store: ProfileStore,
    pub id: String,
    pub profile: Profile,
    saved: Option<Profile>,
    saving: Option<Pending<Result<(), ProfileError>>>,
    /// Said once at the top of the page: files set aside, a save that failed.
    pub notices: Vec<Msg>,
    seen_rows: Option<(u64, u64)>,
    seen_reports: u64,
    accepted_before: Option<usize>,
    logged_errors: HashSet<(i64, String)>,
}

impl Setup {
    /// Reads the profiles in `config_dir` and takes `wanted` (the last one used),
    /// else the first, else a new one. Damaged files are set aside and said.
    pub fn load(config_dir: PathBuf, wanted: Option<&str>) -> Setup {
        let store = ProfileStore::new(config_dir);
        let mut notices = Vec::new();
        let loaded = match store.load() {
            Ok(loaded) => loaded,
            Err(e) => {
                notices.push(Msg::from_fn(move |lang| e.message(lang)));
                Default::default()
            }
        };
        for aside in loaded.set_aside {
            notices.push(Msg::from_fn(move |lang| aside.message(lang)));
        }
        for too_new in loaded.too_new {
            notices.push(Msg::from_fn(move |lang| too_new.message(lang)));
        }
        let chosen = wanted
            .and_then(|w| loaded.profiles.iter().find(|(id, _)| id == w))
            .or_else(|| loaded.profiles.first())
            .cloned();
        let (id, profile, saved) = match chosen {
            Some((id, profile)) => (id, profile.clone(), Some(profile)),
            None => (store.new_id("default"), Profile::default(), None),
        };
        Setup {
            store,
            id,
            profile,
            saved,
            saving: None,
            notices,
            seen_rows: None,
            seen_reports: 0,
            accepted_before: None,
            logged_errors: HashSet::new(),
        }
    }

    /// What the checklist and the status line read, gathered from the pages.
    pub fn facts(
        &self,
        certificate: &CertificatePage,
        settings: &ConnectionSettings,
        connection: &ConnectionPage,
    ) -> Facts {
        let token_now = matches!(
            connection.report.as_ref().map(|r| &r.result),
            Some(TestResult::Granted { .. })
        );
        Facts {
            role: self.profile.role,
            certificate_valid_until: certificate
                .signing_entry()
                .and_then(|e| e.certificate.as_ref())
                .map(|c| crate::today::brussels_date(c.not_after)),
            client_id: settings.client_id.clone(),
            token_test_passed: token_now || self.profile.ticked.contains(&Step::TokenTest),
            sandbox_declaration_accepted: self.profile.ticked.contains(&Step::SandboxDeclaration),
            real_declaration_accepted: self.profile.ticked.contains(&Step::RealDeclaration),
            clients: settings
                .mandated_enterprises()
                .into_iter()
                .map(|e| (e, true))
                .collect(),
            ticked: self.profile.ticked.clone(),
        }
    }

    /// Ticks or unticks a step of the current profile.
    pub fn tick(&mut self, step: Step, on: bool) {
        if on {
            self.profile.ticked.insert(step);
        } else {
            self.profile.ticked.remove(&step);
        }
    }

    /// Notices what happened since the last frame: a token test that came in, a
    /// first declaration accepted, failures with their trace ids (logged).
    pub fn observe(
        &mut self,
        connection: &ConnectionPage,
        settings: &ConnectionSettings,
        engine: &DeclarationsHost,
        log: &AppLog,
    ) {
        if connection.reports_received != self.seen_reports {
            self.seen_reports = connection.reports_received;
            if let Some(report) = &connection.report {
                let trace = report.exchange.as_ref().and_then(|e| e.trace_id.as_deref());
                let env = settings.environment.code();
                match &report.result {
                    TestResult::Granted { scope, .. } => {
                        self.tick(Step::TokenTest, true);
                        log.record(
                            Level::Info,
                            "token",
                            &format!("token test passed ({env}, scope {scope})"),
                            trace,
                        );
                    }
                    TestResult::Failed { code, cause, .. } => log.record(
                        Level::Error,
                        "token",
                        &format!("token test refused ({env}): {code}, cause {cause}"),
                        trace,
                    ),
                    TestResult::Refused(findings) => log.record(
                        Level::Warning,
                        "certificate",
                        &format!(
                            "token test not sent: {}",
                            findings
                                .iter()
                                .map(|f| f.code())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        None,
                    ),
                    TestResult::NotSent(msg) => log.record(
                        Level::Error,
                        "token",
                        &format!("token test not sent: {}", msg.render(Lang::En)),
                        None,
                    ),
                }
            }
        }
        if let Some(rows) = engine.rows_if_changed(&mut self.seen_rows) {
            let accepted = rows
                .iter()
                .filter(|r| matches!(r.view.state, State::Accepted | State::Warning))
                .count();
            // A declaration accepted while this run watched: the first one in
            // the sandbox, or for real, ticks its step.
            if let Some(before) = self.accepted_before {
                if accepted > before {
                    match settings.environment {
                        EnvironmentKind::Sandbox => self.tick(Step::SandboxDeclaration, true),
                        EnvironmentKind::Production => self.tick(Step::RealDeclaration, true),
                        _ => {}
                    }
                }
            }
            self.accepted_before = Some(accepted);
            for row in &rows {
                if let Some(error) = &row.view.error {
                    let key = (row.view.id, format!("{}{:?}", error.code, error.trace_id));
                    if self.logged_errors.insert(key) {
                        log.record(
                            Level::Error,
                            "declarations",
                            &format!(
                                "{} ({}): {}",
                                row.view.reference,
                                error.code,
                                error.text(Lang::En)
                            ),
                            error.trace_id.as_deref(),
                        );
                    }
                }
            }
        }
    }

    /// Writes the profile when it changed (on the runtime; one write at a time).
    pub fn save_if_changed(&mut self, ctx: &egui::Context, tasks: &Tasks) {
        if self.saving.is_some() {
            match poll_slot(&mut self.saving) {
                None => return,
                Some(Some(Err(e))) => self.notices.push(Msg::from_fn(move |lang| e.message(lang))),
                Some(_) => {}
            }
        }
        if self.saved.as_ref() == Some(&self.profile) {
            return;
        }
        let (store, id, profile) = (self.store.clone(), self.id.clone(), self.profile.clone());
        self.saved = Some(self.profile.clone());
        self.saving = Some(tasks.blocking(ctx, move || store.save(&id, &profile)));
    }

    /// Waits (bounded) for a write in progress: the app is closing.
    pub fn settle(&mut self) {
        if self.saved.as_ref() != Some(&self.profile) {
            let _ = self.store.save(&self.id, &self.profile);
        }
    }

    /// The page to open on: the Checklist until the path is done, then the page
    /// used last.
    pub fn start_page(facts: &Facts, last: Page) -> Page {
        if facts.path_done() {
            last
        } else {
            Page::Checklist
        }
    }
}

/// The line at the top of every page: what is still missing, the first item
/// and how many more; a click leads to the Checklist. Returns true on a click.
pub fn status_line_ui(ui: &mut egui::Ui, lang: Lang, missing: &[Msg]) -> bool {
    let Some(first) = missing.first() else {
        return false;
    };
    let mut text = first.render(lang);
    if missing.len() > 1 {
        text.push(' ');
        text.push_str(&Msg::plural("status.more", (missing.len() - 1) as u64).render(lang));
    }
    let clicked = ui
        .add(
            egui::Button::new(egui::RichText::new(text).color(ui.visuals().warn_fg_color))
                .frame(false),
        )
        .on_hover_text(crate::i18n::tr(lang, "status.open_checklist"))
        .clicked();
    ui.separator();
    clicked
}
