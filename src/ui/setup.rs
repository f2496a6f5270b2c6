//! The app's set-up state between the pages: the profiles of the session
//! (`profile::session`, which it derefs to: which is current, what is written
//! when), and around it the glue with the pages: the facts the Checklist and
//! the status line read, what the app ticks when it sees a step succeed, the
//! log lines for what it met, the keychain and a profile's export and import
//! run on the runtime. The profiles are read once as the app starts (before
//! the first frame).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::channel::env::{EnvironmentKind, Role as ChannelRole};
use crate::checklist::{Facts, Rehearsal, Role, Step};
use crate::i18n::{tr_args, Arg, Msg};
pub use crate::profile::session::display_name;
use crate::profile::session::ProfileSession;
use crate::profile::{
    pfx_account, ClientEnterprise, MandateState, Profile, ProfileError, SecretError, SecretStore,
};
use crate::support::{AppLog, Level};

use super::certificate::{CertificatePage, CertificateSettings, SigningChoice};
use super::checklist::ProfileEdit;
use super::connection::{ConnectionPage, ConnectionSettings, TestResult};
use super::declarations::host::DeclarationsHost;
use super::tasks::{poll_slot, Pending, Tasks};
use super::{AppState, Page};

/// The values a page edits and the profile keeps, as last seen: a change on
/// a page is a difference from these.
#[derive(Debug, Clone, PartialEq)]
struct Synced {
    environment: EnvironmentKind,
    client_id: String,
    role: ChannelRole,
    enterprise: String,
    mandates: String,
    path: String,
    alias: String,
    remember: bool,
}

impl Synced {
    fn of(
        connection: &ConnectionSettings,
        certificate: &CertificateSettings,
        remember: bool,
    ) -> Synced {
        Synced {
            environment: connection.environment,
            client_id: connection.client_id.clone(),
            role: connection.role,
            enterprise: connection.sandbox_enterprise.clone(),
            mandates: connection.mandates.clone(),
            path: certificate.last_path.clone(),
            alias: certificate
                .signing
                .as_ref()
                .filter(|s| s.path == certificate.last_path)
                .map(|s| s.alias.clone())
                .unwrap_or_default(),
            remember,
        }
    }
}

/// Something done with a profile as a whole (from the Settings page).
#[derive(Debug, Clone, PartialEq)]
pub enum ProfileCommand {
    Switch(String),
    New(String),
    Rename(String),
    Delete,
    Export(PathBuf),
    Import(PathBuf),
    ClearRecent,
}

/// The current profile and what the app noticed about the set-up.
pub struct Setup {
    /// The profiles (`setup.profile`, `setup.id`… through `Deref`).
    pub session: ProfileSession,
    synced: Option<Synced>,
    seen_files_opened: u64,
    /// The keychain (the OS one; a stand-in in tests).
    pub secrets: Arc<dyn SecretStore>,
    unlocking: Option<Pending<Result<Option<String>, SecretError>>>,
    unlock_tried: Option<String>,
    keychain_op: Option<Pending<Result<(), SecretError>>>,
    /// A deleted profile's password being deleted from the keychain.
    forgotten: Option<Pending<Result<Profile, SecretError>>>,
    /// The path whose password the keychain holds (as far as this run did).
    stored_for: Option<String>,
    /// The user unticked "remember": the keychain forgets the password.
    forget_asked: bool,
    /// What the last export or import did (the Settings page shows it).
    pub profile_status: Option<Result<Msg, Msg>>,
    exporting: Option<Pending<Result<Msg, Msg>>>,
    importing: Option<Pending<Result<Profile, ProfileError>>>,
    seen_rows: Option<(u64, u64)>,
    seen_reports: u64,
    accepted_before: Option<usize>,
    logged_errors: HashSet<(i64, String)>,
}

/// The profiles of the session, as the pages read them (`setup.profile`).
impl std::ops::Deref for Setup {
    type Target = ProfileSession;
    fn deref(&self) -> &ProfileSession {
        &self.session
    }
}

impl std::ops::DerefMut for Setup {
    fn deref_mut(&mut self) -> &mut ProfileSession {
        &mut self.session
    }
}

impl Setup {
    /// Reads the profiles in `config_dir` and takes `wanted` (the last one used),
    /// else the first, else a new one. Damaged files are set aside and said.
    pub fn load(config_dir: PathBuf, wanted: Option<&str>) -> Setup {
        Setup {
            session: ProfileSession::load(config_dir, wanted),
            synced: None,
            seen_files_opened: 0,
            secrets: default_secrets(),
            unlocking: None,
            unlock_tried: None,
            keychain_op: None,
            forgotten: None,
            stored_for: None,
            forget_asked: false,
            profile_status: None,
            exporting: None,
            importing: None,
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
        let p = &self.profile;
        let granted_in = match (&connection.report, connection.report_environment) {
            (Some(report), Some(env)) if matches!(report.result, TestResult::Granted { .. }) => {
                Some(env)
            }
            _ => None,
        };
        let sandbox = settings.environment == EnvironmentKind::Sandbox;
        // The client ID on the Connection page is the environment's; the
        // other track's is the profile's.
        let (client_id, sandbox_client_id) = if sandbox {
            (p.client_id.clone(), settings.client_id.clone())
        } else {
            (settings.client_id.clone(), p.sandbox_client_id.clone())
        };
        Facts {
            role: p.role,
            certificate_valid_until: certificate
                .signing_entry()
                .and_then(|e| e.certificate.as_ref())
                .map(|c| crate::today::brussels_date(c.not_after)),
            throwaway_certificate: certificate.signs_with_test_certificate(),
            client_id,
            sandbox_client_id,
            token_test_passed: granted_in.is_some_and(is_real)
                || p.ticked.contains(&Step::TokenTest),
            sandbox_token_passed: granted_in == Some(EnvironmentKind::Sandbox)
                || p.rehearsed.contains(&Rehearsal::TokenTest),
            sandbox_declaration_accepted: p.rehearsed.contains(&Rehearsal::Declaration),
            real_declaration_accepted: p.ticked.contains(&Step::RealDeclaration),
            rehearsed: p.rehearsed.clone(),
            enterprise: p.enterprise.clone(),
            clients: if p.role.is_some_and(|r| r.needs_mandates())
                || (p.role.is_none() && settings.role == ChannelRole::Provider)
            {
                p.clients.clone()
            } else {
                Vec::new()
            },
            ticked: p.ticked.clone(),
            sandbox,
            dimona: p.dimona,
            update_asked: false,
        }
    }

    /// Applies what the Settings page asked. Returns true when the current
    /// profile changed (the app puts its values in the pages).
    pub fn command(&mut self, ctx: &egui::Context, tasks: &Tasks, command: ProfileCommand) -> bool {
        match command {
            ProfileCommand::Switch(id) => self.session.switch(&id),
            ProfileCommand::New(name) => {
                self.session.new_profile(&name);
                true
            }
            ProfileCommand::Rename(name) => {
                self.session.rename(&name);
                false
            }
            ProfileCommand::Delete => {
                // Its password goes from the keychain too, unless another
                // profile remembers the same file's.
                if let Some((account, profile)) = self.session.delete() {
                    let secrets = Arc::clone(&self.secrets);
                    self.forgotten = Some(
                        tasks.blocking(ctx, move || secrets.delete(&account).map(|()| profile)),
                    );
                }
                true
            }
            ProfileCommand::Export(path) => {
                let profile = self.profile.clone();
                self.profile_status = None;
                self.exporting = Some(tasks.blocking(ctx, move || {
                    crate::profile::export_profile(&profile, &path)
                        .map(|()| {
                            Msg::new("settings.profile_exported")
                                .arg("path", path.display().to_string())
                        })
                        .map_err(|e| Msg::from_fn(move |lang| e.message(lang)))
                }));
                false
            }
            ProfileCommand::Import(path) => {
                self.profile_status = None;
                self.importing =
                    Some(tasks.blocking(ctx, move || crate::profile::import_profile(&path)));
                false
            }
            ProfileCommand::ClearRecent => {
                self.session.clear_recent();
                false
            }
        }
    }

    /// True while an export or an import runs.
    pub fn is_transferring(&self) -> bool {
        self.exporting.is_some() || self.importing.is_some()
    }

    /// True while an export, an import or a write runs.
    pub fn is_busy(&self) -> bool {
        self.is_transferring() || self.session.is_writing()
    }

    /// A profile imported meanwhile becomes the current one: returns true then.
    pub fn take_import(&mut self) -> bool {
        match poll_slot(&mut self.importing) {
            Some(Some(Ok(profile))) => {
                let name = self.session.take_imported(profile);
                self.profile_status =
                    Some(Ok(Msg::new("settings.profile_imported").arg("name", name)));
                true
            }
            Some(Some(Err(e))) => {
                self.profile_status = Some(Err(Msg::from_fn(move |lang| e.message(lang))));
                false
            }
            _ => false,
        }
    }

    fn poll_transfers(&mut self) {
        if let Some(Some(result)) = poll_slot(&mut self.exporting) {
            self.profile_status = Some(result);
        }
        match poll_slot(&mut self.forgotten) {
            Some(Some(Ok(profile))) => {
                self.profile_status = Some(Ok(Msg::from_fn(move |lang| {
                    tr_args(
                        lang,
                        "settings.profile_password_forgotten",
                        &[("name", display_name(&profile, lang))],
                    )
                })));
            }
            Some(Some(Err(e))) => self.profile_status = Some(Err(keychain_msg(e))),
            _ => {}
        }
    }

    /// Applies what the Checklist changed in the enterprise numbers, and
    /// puts it on the Connection page too (its sandbox enterprise, its
    /// mandates), so that both say the same.
    pub fn edit(&mut self, edit: ProfileEdit, connection: &mut ConnectionSettings) {
        let today = crate::today::brussels_date(time::OffsetDateTime::now_utc());
        let p = &mut self.profile;
        match edit {
            ProfileEdit::Enterprise(enterprise) => p.enterprise = enterprise,
            ProfileEdit::AddClient { enterprise, name } => {
                if !p.clients.iter().any(|c| c.enterprise == enterprise) {
                    p.clients.push(ClientEnterprise {
                        enterprise,
                        name,
                        mandate: MandateState::NotChecked,
                        checked_on: None,
                    });
                }
            }
            ProfileEdit::Dimona(on) => p.dimona = on,
            ProfileEdit::RemoveClient(enterprise) => {
                p.clients.retain(|c| c.enterprise != enterprise);
            }
            ProfileEdit::RenameClient { enterprise, name } => {
                if let Some(client) = p.clients.iter_mut().find(|c| c.enterprise == enterprise) {
                    client.name = name;
                }
            }
            ProfileEdit::Mandate(enterprise, state) => {
                if let Some(client) = p.clients.iter_mut().find(|c| c.enterprise == enterprise) {
                    client.mandate = state;
                    client.checked_on = match state {
                        MandateState::NotChecked => None,
                        _ => Some(today.to_string()),
                    };
                }
            }
        }
        if !p.enterprise.is_empty() {
            connection.sandbox_enterprise =
                crate::identifiers::format_enterprise_number(&p.enterprise);
        }
        connection.mandates = mandates_text(p);
        // Said by the profile: not a change the Connection page made.
        if let Some(synced) = &mut self.synced {
            synced.enterprise = connection.sandbox_enterprise.clone();
            synced.mandates = connection.mandates.clone();
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
                        // A real step only from a real environment.
                        match connection.report_environment {
                            Some(EnvironmentKind::Sandbox) => {
                                self.rehearse(Rehearsal::TokenTest);
                            }
                            Some(env) if is_real(env) => self.tick(Step::TokenTest, true),
                            _ => {}
                        }
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
                    TestResult::NotSent(msg) => log.record_localized(
                        Level::Error,
                        "token",
                        |lang| {
                            Msg::new("support.token_test_not_sent")
                                .arg("cause", Arg::Msg(msg.clone()))
                                .render(lang)
                        },
                        None,
                    ),
                }
            }
        }
        // A failure is logged once per row, code and trace id.
        fn failure_key(error: &crate::submit::journal::RowError) -> String {
            format!("{}{:?}", error.code, error.trace_id)
        }
        // Counts and new failures only: a big run changes the rows every frame.
        let store_before = self.seen_rows.map(|(store, _)| store);
        let logged = &self.logged_errors;
        let activity = engine.activity_if_changed(&mut self.seen_rows, |id, error| {
            !logged.contains(&(id, failure_key(error)))
        });
        if let Some(activity) = activity {
            let accepted = activity.accepted();
            // Another journal (environment) or engine: its count is not "more accepted".
            if self.seen_rows.map(|(store, _)| store) != store_before {
                self.accepted_before = None;
            }
            // A declaration accepted while this run watched: the first one in
            // the sandbox, or for real, ticks its step.
            if let Some(before) = self.accepted_before {
                if accepted > before {
                    match settings.environment {
                        EnvironmentKind::Sandbox => self.rehearse(Rehearsal::Declaration),
                        EnvironmentKind::Production => self.tick(Step::RealDeclaration, true),
                        _ => {}
                    }
                }
            }
            self.accepted_before = Some(accepted);
            for failure in activity.failures {
                let error = &failure.error;
                if self.logged_errors.insert((failure.id, failure_key(error))) {
                    log.record_localized(
                        Level::Error,
                        "declarations",
                        |lang| {
                            format!(
                                "{} ({}): {}",
                                failure.reference,
                                error.code,
                                error.text(lang)
                            )
                        },
                        error.trace_id.as_deref(),
                    );
                }
            }
        }
    }

    /// Writes the profile when it changed, and whatever else waits to be
    /// written (on the runtime; one write at a time, in order).
    pub fn save_if_changed(&mut self, ctx: &egui::Context, tasks: &Tasks) {
        let ctx = ctx.clone();
        self.session
            .start(tasks.runtime(), Arc::new(move || ctx.request_repaint()));
        self.session.save_if_changed();
    }

    /// Writes what is left (the app is closing): the write in progress first.
    pub fn settle(&mut self) {
        self.session.settle();
    }

    /// The enterprises a representative holds a mandate for (MAHIS), from the
    /// profile's clients: those whose mandate is recorded as active.
    pub fn mandated_enterprises(&self, settings: &ConnectionSettings) -> Vec<String> {
        if settings.role != ChannelRole::Provider {
            return Vec::new();
        }
        self.profile
            .clients
            .iter()
            .filter(|c| c.mandate == MandateState::Active)
            .map(|c| c.enterprise.clone())
            .collect()
    }

    /// At start, a profile that has no connection yet takes the one the app
    /// remembered before profiles kept it (the settings of an earlier version).
    pub fn adopt(&mut self, state: &AppState) {
        let p = &mut self.profile;
        if p.client_id.is_empty()
            && p.sandbox_client_id.is_empty()
            && !state.connection.client_id.is_empty()
        {
            p.environment = state.connection.environment;
            p.set_client_id_for(p.environment, state.connection.client_id.clone());
        }
        if p.certificate_path.is_empty() && !state.certificate.last_path.is_empty() {
            p.certificate_path = state.certificate.last_path.clone();
            p.alias = state
                .certificate
                .signing
                .as_ref()
                .filter(|s| s.path == p.certificate_path)
                .map(|s| s.alias.clone())
                .unwrap_or_default();
        }
        if p.role.is_none() && state.connection.role == ChannelRole::Provider {
            p.role = Some(Role::Representative);
        }
        let typed =
            crate::identifiers::parse_enterprise_number(&state.connection.sandbox_enterprise);
        let default = crate::identifiers::parse_enterprise_number(
            &ConnectionSettings::default().sandbox_enterprise,
        );
        if let Some(digits) =
            typed.filter(|d| p.enterprise.is_empty() && Some(d) != default.as_ref())
        {
            p.enterprise = digits;
        }
        if p.clients.is_empty() && !state.connection.mandates.trim().is_empty() {
            let before = Synced {
                mandates: String::new(),
                ..Synced::of(
                    &state.connection,
                    &state.certificate,
                    p.password_in_keychain,
                )
            };
            let now = Synced::of(
                &state.connection,
                &state.certificate,
                p.password_in_keychain,
            );
            self.take_changes(&before, &now);
        }
    }

    /// Puts the current profile's values in the pages' settings (at start and
    /// on a switch); the certificate page forgets a file opened for another path.
    pub fn apply(
        &mut self,
        ctx: Option<&egui::Context>,
        state: &mut AppState,
        certificate: &mut CertificatePage,
        connection: &mut ConnectionPage,
    ) {
        let p = &self.profile;
        let c = &mut state.connection;
        c.environment = p.environment;
        c.client_id = p.client_id_for(p.environment).to_owned();
        if let Some(role) = p.role {
            c.role = role.channel_role();
        }
        // Shown as it is written (`0403.170.701`); read back as its digits.
        c.sandbox_enterprise = if p.enterprise.trim().is_empty() {
            ConnectionSettings::default().sandbox_enterprise
        } else {
            crate::identifiers::format_enterprise_number(&p.enterprise)
        };
        c.mandates = mandates_text(p);
        let cert = &mut state.certificate;
        cert.last_path = p.certificate_path.clone();
        cert.signing = (!p.alias.is_empty()).then(|| SigningChoice {
            path: p.certificate_path.clone(),
            alias: p.alias.clone(),
        });
        certificate.remember = p.password_in_keychain;
        certificate.switch_file(ctx, &p.certificate_path);
        state.profile = Some(self.id.clone());
        self.synced = Some(Synced::of(
            &state.connection,
            &state.certificate,
            p.password_in_keychain,
        ));
        self.unlock_tried = None;
        self.stored_for = None;
        if connection.report.is_some() || connection.new_client_id.is_some() {
            connection.report = None;
            connection.new_client_id = None;
        }
    }

    /// Each frame: what the user changed on a page goes into the profile; the
    /// recent files follow the files opened; the keychain opens the file
    /// without typing when the password is remembered, keeps it when asked.
    pub fn follow(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        state: &mut AppState,
        certificate: &mut CertificatePage,
    ) {
        certificate.keep(ctx, &mut state.certificate);
        let mut now = Synced::of(&state.connection, &state.certificate, certificate.remember);
        let mut before = self.synced.clone().unwrap_or_else(|| now.clone());
        if (now.environment == EnvironmentKind::Sandbox)
            != (before.environment == EnvironmentKind::Sandbox)
        {
            // Into or out of the sandbox: each keeps its own client ID (one
            // typed in the same frame stays with the environment it was for).
            if now.client_id != before.client_id {
                self.profile
                    .set_client_id_for(before.environment, now.client_id.clone());
            }
            state.connection.client_id = self.profile.client_id_for(now.environment).to_owned();
            now = Synced::of(&state.connection, &state.certificate, certificate.remember);
            before.client_id = now.client_id.clone();
        }
        if now != before {
            self.take_changes(&before, &now);
            self.synced = Some(now);
        }
        if certificate.files_opened != self.seen_files_opened {
            self.seen_files_opened = certificate.files_opened;
            let path = state.certificate.last_path.clone();
            if !path.is_empty() {
                self.file_opened(std::path::Path::new(&path));
            }
        }
        self.keychain(ctx, tasks, certificate);
        self.poll_transfers();
    }

    fn take_changes(&mut self, before: &Synced, now: &Synced) {
        let p = &mut self.profile;
        if now.environment != before.environment {
            p.environment = now.environment;
        }
        if now.client_id != before.client_id {
            p.set_client_id_for(now.environment, now.client_id.clone());
        }
        if now.role != before.role && p.role.map(Role::channel_role) != Some(now.role) {
            p.role = Some(match now.role {
                ChannelRole::Employer => Role::Employer,
                ChannelRole::Provider => Role::Representative,
            });
        }
        // The sandbox's enterprise typed on the Connection page is the
        // profile's once it is a number; half-typed, the profile keeps its own.
        if now.enterprise != before.enterprise {
            if let Some(enterprise) = crate::identifiers::parse_enterprise_number(&now.enterprise) {
                p.enterprise = enterprise;
            }
        }
        if now.mandates != before.mandates {
            // The Connection page's mandates are the clients whose mandate is
            // active: one typed there is active from today; an active one no
            // longer there is removed; the others (not checked yet, missing)
            // are not the text's and stay as they are.
            let today = crate::today::brussels_date(time::OffsetDateTime::now_utc());
            let mut numbers: Vec<String> = Vec::new();
            for number in now
                .mandates
                .split([',', ';', ' ', '\n'])
                .filter_map(crate::identifiers::parse_enterprise_number)
            {
                if !numbers.contains(&number) {
                    numbers.push(number);
                }
            }
            let mut clients: Vec<ClientEnterprise> = Vec::new();
            for client in &p.clients {
                let typed = numbers.contains(&client.enterprise);
                if client.mandate == MandateState::Active && !typed {
                    continue;
                }
                let mut client = client.clone();
                if typed && client.mandate != MandateState::Active {
                    client.mandate = MandateState::Active;
                    client.checked_on = Some(today.to_string());
                }
                clients.push(client);
            }
            for number in numbers {
                if !clients.iter().any(|c| c.enterprise == number) {
                    clients.push(ClientEnterprise {
                        enterprise: number,
                        name: String::new(),
                        mandate: MandateState::Active,
                        checked_on: Some(today.to_string()),
                    });
                }
            }
            p.clients = clients;
        }
        if now.path != before.path {
            p.certificate_path = now.path.clone();
        }
        if now.alias != before.alias || now.path != before.path {
            p.alias = now.alias.clone();
        }
        if now.remember != before.remember {
            p.password_in_keychain = now.remember;
            self.forget_asked = !now.remember;
        }
    }

    /// The keychain's part: open without typing, keep when asked, forget when
    /// no longer asked. An unavailable keychain is said under the check box.
    fn keychain(&mut self, ctx: &egui::Context, tasks: &Tasks, certificate: &mut CertificatePage) {
        let path = self.profile.certificate_path.trim().to_owned();
        match poll_slot(&mut self.unlocking) {
            None => {}
            Some(result) => {
                certificate.unlocking = false;
                match result {
                    Some(Ok(Some(password))) => {
                        self.stored_for = Some(path.clone());
                        if certificate.needs_password() {
                            certificate.open_with(ctx, tasks, &path, Zeroizing::new(password));
                        }
                    }
                    Some(Ok(None)) | None => {}
                    Some(Err(e)) => certificate.keychain_notice = Some(keychain_msg(e)),
                }
            }
        }
        if let Some(Some(result)) = poll_slot(&mut self.keychain_op) {
            match result {
                Ok(()) => certificate.keychain_notice = None,
                Err(e) => {
                    // Go on without it: the password is asked once per run.
                    self.stored_for = None;
                    certificate.remember = false;
                    self.profile.password_in_keychain = false;
                    if let Some(synced) = &mut self.synced {
                        synced.remember = false;
                    }
                    certificate.keychain_notice = Some(keychain_msg(e));
                }
            }
        }
        if self.keychain_op.is_some() || self.unlocking.is_some() || path.is_empty() {
            return;
        }
        let account = pfx_account(&path);
        if self.profile.password_in_keychain {
            if certificate.needs_password()
                && !certificate.is_busy()
                && self.unlock_tried.as_deref() != Some(path.as_str())
            {
                self.unlock_tried = Some(path.clone());
                certificate.unlocking = true;
                let secrets = Arc::clone(&self.secrets);
                self.unlocking = Some(tasks.blocking(ctx, move || secrets.get(&account)));
            } else if self.stored_for.as_deref() != Some(path.as_str()) {
                if let Some(password) = certificate.password_for(&path) {
                    self.stored_for = Some(path.clone());
                    certificate.drop_held_password();
                    let secrets = Arc::clone(&self.secrets);
                    self.keychain_op =
                        Some(tasks.blocking(ctx, move || secrets.set(&account, password.as_str())));
                }
            } else {
                certificate.drop_held_password();
            }
        } else {
            // Not to be remembered: not held either.
            certificate.drop_held_password();
            if self.stored_for.as_deref() == Some(path.as_str()) || self.forget_asked {
                self.stored_for = None;
                self.forget_asked = false;
                let secrets = Arc::clone(&self.secrets);
                self.keychain_op = Some(tasks.blocking(ctx, move || secrets.delete(&account)));
            }
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

/// Acceptance and production: where the real steps are ticked.
fn is_real(environment: EnvironmentKind) -> bool {
    matches!(
        environment,
        EnvironmentKind::Acceptance | EnvironmentKind::Production
    )
}

/// The Connection page's mandates: the clients whose mandate is active.
fn mandates_text(profile: &Profile) -> String {
    profile
        .clients
        .iter()
        .filter(|c| c.mandate == MandateState::Active)
        .map(|c| c.enterprise.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn keychain_msg(e: SecretError) -> Msg {
    Msg::from_fn(move |lang| e.message(lang))
}

/// The OS keychain in the desktop app; tests put a stand-in in its place.
fn default_secrets() -> Arc<dyn SecretStore> {
    Arc::new(crate::profile::Keychain)
}
