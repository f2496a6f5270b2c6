//! What the pages' commands do to the app: the checklist's, the rehearsal's,
//! the Support page's, and Dimona's engine for the connection of the moment.

use super::{
    checklist, connection, ChecklistCommand, ChecklistTarget, FlaApp, Page, SupportCommand,
};
use crate::i18n::{tr, Lang, Msg};

impl FlaApp {
    /// Dimona's engine for the connection of the moment (opened on the
    /// runtime the first time it is asked for that connection), or why
    /// there is none yet.
    pub(super) fn dimona_engine(
        &self,
        ctx: &egui::Context,
        lang: Lang,
    ) -> (Option<crate::submit::engine::Engine>, Option<Msg>) {
        let source = match self.connection.token_source_for(
            &self.state.connection,
            &self.certificate,
            lang,
            &crate::channel::env::DIMONA,
        ) {
            Ok(source) => source,
            // No connection yet: the page says where to make it.
            Err(_) => return (None, None),
        };
        let key = format!(
            "{}|{}|{}",
            source.endpoints.environment.code(),
            source.endpoints.server,
            source.client_id
        );
        let ctx = ctx.clone();
        let repaint: crate::submit::host::Repaint =
            std::sync::Arc::new(move || ctx.request_repaint());
        let engine = self.dimona_engine.engine(
            self.tasks.runtime(),
            repaint,
            self.engine.journal_path().to_owned(),
            &key,
            move || {
                let http = crate::channel::token::http_client(source.timeout)
                    .map_err(|e| Msg::from_fn(move |lang| e.message(lang)))?;
                let client = crate::dimona::client::DimonaClient::new(http, source, lang)
                    .map_err(|e| Msg::from_fn(move |lang| e.message(lang)))?;
                Ok(
                    std::sync::Arc::new(crate::dimona::service::DimonaService(client))
                        as std::sync::Arc<dyn crate::submit::service::ServiceApi>,
                )
            },
        );
        let why_not = match &engine {
            Some(_) => None,
            None => self
                .dimona_engine
                .error()
                .or_else(|| Some(Msg::new("bulk.dimona.opening"))),
        };
        (engine, why_not)
    }

    pub(super) fn apply_checklist(&mut self, ctx: &egui::Context, command: ChecklistCommand) {
        match command {
            ChecklistCommand::SetLang(lang) => self.state.lang = Some(lang),
            ChecklistCommand::UpdateNotice(on) => {
                self.state.update.enabled = on;
                self.state.update.asked = true;
                self.state.update.last_check = None;
            }
            ChecklistCommand::SetRole(role) => {
                self.setup.profile.role = Some(role);
                // The role decides the scope the token is asked with.
                self.state.connection.role = role.channel_role();
            }
            ChecklistCommand::Tick(step, on) => self.setup.tick(step, on),
            ChecklistCommand::Edit(edit) => self.setup.edit(edit, &mut self.state.connection),
            ChecklistCommand::Open(target) => {
                self.state.page = match target {
                    ChecklistTarget::Certificate => Page::Certificate,
                    ChecklistTarget::Connection => Page::Connection,
                    ChecklistTarget::Declarations => Page::Declarations,
                }
            }
            ChecklistCommand::Rehearse(action) => self.rehearse(ctx, action),
        }
    }

    /// A move of the rehearsal. Those that need the sandbox switch to it
    /// and wait for it to answer (`keep_rehearsal`).
    pub(super) fn rehearse(&mut self, ctx: &egui::Context, action: checklist::RehearsalMove) {
        use checklist::RehearsalMove;
        match action {
            RehearsalMove::OpenOwn => {
                self.certificate.focus_file();
                self.state.page = Page::Certificate;
            }
            RehearsalMove::SendFile => self.state.page = Page::Bulk,
            RehearsalMove::DeclareAnother => {
                let mandates = self.setup.mandated_enterprises(&self.state.connection);
                // From any page: the page may not have been drawn yet.
                self.declarations.own_enterprise = self.own_enterprise();
                self.declarations.new_declaration(&mandates, None);
                self.state.page = Page::Declarations;
            }
            RehearsalMove::MakeTestCertificate
            | RehearsalMove::RegisterAndTest
            | RehearsalMove::DeclareExample => {
                self.state.connection.environment = crate::channel::env::EnvironmentKind::Sandbox;
                if action == RehearsalMove::MakeTestCertificate {
                    self.certificate.make_test_certificate(ctx, &self.tasks);
                } else {
                    self.rehearsal_pending = Some(action);
                }
            }
        }
    }

    /// Does the rehearsal's waiting move once the sandbox answers (and the
    /// declarations follow its journal).
    pub(super) fn keep_rehearsal(&mut self, ctx: &egui::Context, lang: Lang) {
        use checklist::RehearsalMove;
        let Some(action) = self.rehearsal_pending else {
            return;
        };
        let sandbox =
            self.state.connection.environment == crate::channel::env::EnvironmentKind::Sandbox;
        if !sandbox || self.connection.sandbox_url().is_none() {
            return;
        }
        self.rehearsal_pending = None;
        match action {
            RehearsalMove::RegisterAndTest => self.connection.register_and_test(
                ctx,
                &self.tasks,
                &self.state.connection,
                &self.certificate,
            ),
            RehearsalMove::DeclareExample => {
                let mandates = self.setup.mandated_enterprises(&self.state.connection);
                let enterprise = match mandates.as_slice() {
                    [only] => only.clone(),
                    _ => self
                        .own_enterprise()
                        .unwrap_or_else(|| self.state.connection.sandbox_enterprise.clone()),
                };
                let today = crate::today::brussels_date(time::OffsetDateTime::now_utc());
                let example = crate::submit::journal::DraftForm {
                    enterprise: enterprise.clone(),
                    ssin: crate::sandbox::example_worker(&enterprise).to_owned(),
                    name: tr(lang, "decl.example.name"),
                    start: today.to_string(),
                    end: today.to_string(),
                    duration: "7.5".into(),
                    ..Default::default()
                };
                self.declarations.new_declaration(&mandates, Some(example));
                self.state.page = Page::Declarations;
            }
            _ => {}
        }
    }

    pub(super) fn apply_support(&mut self, ctx: &egui::Context, command: SupportCommand) {
        match command {
            SupportCommand::CopyDiagnostics(text) => ctx.copy_text(text),
            SupportCommand::OpenDataFolder => {
                if let Ok(url) = url::Url::from_directory_path(&self.data_dir) {
                    ctx.open_url(egui::OpenUrl::new_tab(url.as_str()));
                }
            }
            SupportCommand::ResetSandbox => {
                self.connection.reset_sandbox(ctx, &self.tasks);
                // The test certificate goes with the sandbox.
                self.certificate.forget_test_certificate();
                self.log.record(
                    crate::support::Level::Info,
                    "sandbox",
                    "sandbox reset",
                    None,
                );
                self.support.notice = Some(crate::i18n::Msg::new("support.reset_done"));
            }
        }
    }

    /// What "Copy diagnostics" puts on the clipboard (redacted there).
    pub fn diagnostics(&self) -> crate::support::Diagnostics {
        let now = time::OffsetDateTime::now_utc();
        let certificate = match self.certificate.signing_entry() {
            Some(entry) => {
                let mut lines = vec![format!("alias {}", entry.label)];
                if let Some(facts) = &entry.certificate {
                    lines.push(format!(
                        "subject {}, serial {}, valid {} .. {}",
                        facts.subject,
                        facts.serial_hex,
                        crate::cert::format_date(facts.not_before),
                        crate::cert::format_date(facts.not_after)
                    ));
                }
                if let Some(signer) = self.certificate.signer() {
                    lines.extend(
                        signer
                            .cannot_sign(now)
                            .iter()
                            .map(|f| format!("finding {}", f.code())),
                    );
                }
                lines
            }
            None => Vec::new(),
        };
        let last_token_test = self.connection.report.as_ref().map(|r| match &r.result {
            connection::TestResult::Granted { scope, .. } => format!("granted, scope {scope}"),
            connection::TestResult::Failed { code, cause, .. } => {
                format!("refused: {code}, cause {cause}")
            }
            connection::TestResult::Refused(findings) => format!(
                "not sent: {}",
                findings
                    .iter()
                    .map(|f| f.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            connection::TestResult::NotSent(msg) => format!("not sent: {}", msg.render(Lang::En)),
        });
        crate::support::Diagnostics {
            environment: self.state.connection.environment.code().to_owned(),
            client_id: self.state.connection.client_id.clone(),
            certificate,
            last_token_test,
            failures: self.log.failures(10),
        }
    }
}
