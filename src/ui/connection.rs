//! The Connection page: environment, client ID, role → scope, the certificate
//! chosen on the Certificate page, "Test connection" in the background, and the
//! result with its diagnosis and what was sent. In the sandbox environment the
//! app runs the sandbox itself and can register the certificate in its Chaman:
//! never one that cannot sign, and never replacing a client ID unasked.

use std::path::PathBuf;
use std::time::Duration;

use egui::RichText;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::certificate::CertificatePage;
use super::tasks::{poll_slot, Pending, Poll, Tasks};
use super::widgets;
use crate::cert::{Entry, Finding, Protection};
use crate::channel::assertion::{shorten, DEFAULT_LIFETIME_SECS};
use crate::channel::connect::{self, ConnectionOutcome, ConnectionTest};
use crate::channel::diagnosis;
use crate::channel::env::{self, Endpoints, EnvironmentKind, Role, UrlOverrides, FLA};
use crate::channel::token::{self, Exchange};
use crate::i18n::{tr, tr_args, Arg, Lang, Msg};
use crate::sandbox::host;
use crate::sandbox::{RegisterRequest, Sandbox};

/// What the page remembers between runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ConnectionSettings {
    pub environment: EnvironmentKind,
    pub client_id: String,
    pub role: Role,
    pub custom: UrlOverrides,
    /// The enterprise the sandbox registers a certificate for.
    pub sandbox_enterprise: String,
    /// The enterprises a representative holds a mandate for (MAHIS), as typed.
    pub mandates: String,
}

impl ConnectionSettings {
    /// The server whose journal the app shows (one journal per server): the
    /// built-in sandbox, or the API base URL of the environment chosen.
    pub fn journal_server(&self) -> String {
        let overrides = if self.environment == EnvironmentKind::Custom {
            self.custom.clone()
        } else {
            UrlOverrides::default()
        };
        env::server_key(self.environment, &FLA, &overrides)
    }

    /// The valid enterprise numbers of `mandates` (for a representative only).
    pub fn mandated_enterprises(&self) -> Vec<String> {
        if self.role != Role::Provider {
            return Vec::new();
        }
        self.mandates
            .split([',', ';', ' ', '\n'])
            .filter_map(crate::identifiers::parse_enterprise_number)
            .collect()
    }
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        ConnectionSettings {
            environment: EnvironmentKind::Sandbox,
            client_id: String::new(),
            role: Role::Employer,
            custom: UrlOverrides::default(),
            sandbox_enterprise: "0403170701".into(),
            mandates: String::new(),
        }
    }
}

/// The result of a test, as the page shows it: its texts are kept as messages
/// (or the findings they come from), rendered in the language of the moment.
pub enum TestResult {
    Granted {
        token: Zeroizing<String>,
        scope: String,
        expires_in: i64,
        /// When the token ends (UTC; shown in Brussels time).
        expires_at: time::OffsetDateTime,
        warnings: Vec<Msg>,
    },
    Failed {
        code: String,
        cause: String,
        explanation: Msg,
    },
    Refused(Vec<Finding>),
    NotSent(Msg),
}

pub struct TestReport {
    pub result: TestResult,
    pub exchange: Option<Exchange>,
    pub curl: Option<String>,
}

enum SandboxState {
    Off,
    Starting(Pending<Result<Sandbox, crate::sandbox::SandboxError>>),
    Running(Sandbox),
    Failed(crate::sandbox::SandboxError),
}

pub struct ConnectionPage {
    data_dir: PathBuf,
    sandbox: SandboxState,
    testing: Option<Pending<TestReport>>,
    registering: Option<Pending<Result<String, Msg>>>,
    register_error: Option<Msg>,
    /// The client ID the sandbox's Chaman gave at the last registration.
    registered: Option<String>,
    /// Failures met since the app last looked, for its log (rendered there in each language).
    pub failures: Vec<Msg>,
    /// A client ID the sandbox's Chaman gave while another was in use: nothing
    /// changes until the user picks one.
    pub new_client_id: Option<String>,
    pub report: Option<TestReport>,
    /// How many test reports came in (the app notices a new one by it).
    pub reports_received: u64,
}

impl ConnectionPage {
    pub fn new(data_dir: PathBuf) -> Self {
        ConnectionPage {
            data_dir,
            sandbox: SandboxState::Off,
            testing: None,
            registering: None,
            register_error: None,
            registered: None,
            failures: Vec::new(),
            new_client_id: None,
            report: None,
            reports_received: 0,
        }
    }

    pub fn is_busy(&self) -> bool {
        self.testing.is_some()
            || self.registering.is_some()
            || matches!(self.sandbox, SandboxState::Starting(_))
    }

    /// The running sandbox's base URL.
    pub fn sandbox_url(&self) -> Option<&str> {
        match &self.sandbox {
            SandboxState::Running(s) => Some(&s.base_url),
            _ => None,
        }
    }

    /// The running sandbox's admin URL (its key included), for tests and support.
    pub fn sandbox_admin_url(&self) -> Option<&str> {
        match &self.sandbox {
            SandboxState::Running(s) => Some(&s.admin_url),
            _ => None,
        }
    }

    /// Keeps the sandbox running while it is the chosen environment (every frame,
    /// from any page, so it is ready when the user comes here).
    pub fn keep_sandbox(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        settings: &ConnectionSettings,
    ) {
        if let SandboxState::Starting(pending) = &self.sandbox {
            match pending.poll() {
                Poll::Waiting => {}
                Poll::Ready(Ok(sandbox)) => self.sandbox = SandboxState::Running(sandbox),
                Poll::Ready(Err(e)) => self.sandbox = SandboxState::Failed(e),
                Poll::Lost => {
                    self.sandbox = SandboxState::Failed(crate::sandbox::SandboxError::Stopped)
                }
            }
        }
        if settings.environment == EnvironmentKind::Sandbox
            && matches!(self.sandbox, SandboxState::Off)
        {
            let data_dir = self.data_dir.clone();
            self.sandbox = SandboxState::Starting(tasks.run(ctx, start_sandbox(data_dir)));
        }
    }

    /// Forgets the sandbox's accounts, tokens and declarations: stops it,
    /// deletes its state and starts it afresh (on the runtime).
    pub fn reset_sandbox(&mut self, ctx: &egui::Context, tasks: &Tasks) {
        let old = std::mem::replace(&mut self.sandbox, SandboxState::Off);
        let data_dir = self.data_dir.clone();
        self.report = None;
        self.register_error = None;
        self.new_client_id = None;
        self.sandbox = SandboxState::Starting(tasks.run(ctx, async move {
            let running = match old {
                SandboxState::Running(sandbox) => Some(sandbox),
                _ => None,
            };
            let home = host::Home::in_data_dir(&data_dir);
            host::reset(
                running,
                host::any_loopback_port(),
                &home,
                token::system_clock(),
            )
            .await
            .map(|(sandbox, _)| sandbox)
        }));
    }

    /// Where the FLA client gets its tokens: this page's connection and the
    /// entry chosen on the Certificate page.
    pub fn token_source(
        &self,
        settings: &ConnectionSettings,
        certificate: &CertificatePage,
        lang: Lang,
    ) -> Result<crate::fla::client::TokenSource, String> {
        let endpoints = self.endpoints(settings).map_err(|e| e.message(lang))?;
        let signer = certificate
            .signer()
            .ok_or_else(|| nothing_signs_message(certificate, lang))?;
        if settings.client_id.trim().is_empty() {
            return Err(crate::channel::ChannelError::MissingClientId.message(lang));
        }
        Ok(crate::fla::client::TokenSource::new(
            endpoints,
            settings.client_id.trim().to_owned(),
            settings.role,
            None,
            signer.entry.clone(),
            signer.protection.clone(),
            token::DEFAULT_TIMEOUT,
        ))
    }

    /// What tells one token source from another (endpoints, client, role,
    /// signing entry), without making one: the app makes its submission engine
    /// again only when this changes. `None` while none can be made.
    pub fn token_source_key(
        &self,
        settings: &ConnectionSettings,
        certificate: &CertificatePage,
    ) -> Option<String> {
        let endpoints = self.endpoints(settings).ok()?;
        let signer = certificate.signer()?;
        let client_id = settings.client_id.trim();
        if client_id.is_empty() {
            return None;
        }
        Some(format!(
            "{endpoints:?}|{client_id}|{:?}|{}|{:?}",
            settings.role, signer.entry.label, signer.entry.local_key_id
        ))
    }

    fn endpoints(
        &self,
        settings: &ConnectionSettings,
    ) -> Result<Endpoints, crate::channel::ChannelError> {
        let overrides = if settings.environment == EnvironmentKind::Custom {
            settings.custom.clone()
        } else {
            UrlOverrides::default()
        };
        env::endpoints(settings.environment, &FLA, &overrides, self.sandbox_url())
    }

    fn poll(&mut self) {
        if let Some(Some(report)) = poll_slot(&mut self.testing) {
            self.report = Some(report);
            self.reports_received += 1;
        }
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        settings: &mut ConnectionSettings,
        certificate: &CertificatePage,
    ) -> bool {
        self.poll();
        let mut go_to_certificate = false;
        ui.heading(tr(lang, "nav.connection"));
        ui.add(egui::Label::new(tr(lang, "page.connection.intro")).wrap());
        ui.add_space(8.0);

        egui::Grid::new("connection_form")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                let env_label = ui.label(tr(lang, "connection.environment"));
                egui::ComboBox::from_id_salt("environment")
                    .selected_text(tr(lang, &format!("env.{}", settings.environment.code())))
                    .show_ui(ui, |ui| {
                        for kind in EnvironmentKind::ALL {
                            ui.selectable_value(
                                &mut settings.environment,
                                kind,
                                tr(lang, &format!("env.{}", kind.code())),
                            );
                        }
                    })
                    .response
                    .labelled_by(env_label.id);
                ui.end_row();

                if settings.environment == EnvironmentKind::Custom {
                    for (key, value) in [
                        ("connection.token_url", &mut settings.custom.token_url),
                        ("connection.audience", &mut settings.custom.audience),
                        ("connection.api_base", &mut settings.custom.api_base),
                    ] {
                        let label = ui.label(tr(lang, key));
                        let mut text = value.clone().unwrap_or_default();
                        if ui
                            .add(egui::TextEdit::singleline(&mut text).desired_width(480.0))
                            .labelled_by(label.id)
                            .changed()
                        {
                            *value = Some(text);
                        }
                        ui.end_row();
                    }
                }

                let id_label = ui.label(tr(lang, "connection.client_id"));
                ui.vertical(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut settings.client_id)
                            .desired_width(360.0)
                            .hint_text("self_service_chaman_…"),
                    )
                    .labelled_by(id_label.id);
                    let id = settings.client_id.trim();
                    if !id.is_empty() && !env::client_id_looks_right(id) {
                        ui.colored_label(
                            widgets::severity_color(ui, crate::cert::Severity::Warning),
                            tr_args(
                                lang,
                                "connection.client_id_unusual",
                                &[("id", id.to_owned())],
                            ),
                        );
                    }
                });
                ui.end_row();

                ui.label(tr(lang, "connection.role"));
                ui.vertical(|ui| {
                    ui.horizontal(|ui| {
                        ui.radio_value(
                            &mut settings.role,
                            Role::Employer,
                            tr(lang, "role.employer"),
                        );
                        ui.radio_value(
                            &mut settings.role,
                            Role::Provider,
                            tr(lang, "role.provider"),
                        );
                    });
                    ui.label(RichText::new(FLA.scope(settings.role)).monospace().weak());
                });
                ui.end_row();

                if settings.role == Role::Provider {
                    let label = ui.label(tr(lang, "connection.mandates"));
                    ui.add(
                        egui::TextEdit::singleline(&mut settings.mandates)
                            .desired_width(360.0)
                            .hint_text("0403170701, 0202239951"),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                }

                ui.label(tr(lang, "connection.certificate"));
                let now = time::OffsetDateTime::now_utc();
                match certificate.signer() {
                    Some(signer) => {
                        let entry = &signer.entry;
                        let cert = entry.certificate.as_ref();
                        ui.vertical(|ui| {
                            ui.label(format!(
                                "{} — {}{}",
                                entry.label,
                                cert.map(|c| c.subject_cn.clone()).unwrap_or_default(),
                                cert.map(|c| format!(
                                    " ({} {})",
                                    tr(lang, "cert.valid_to"),
                                    crate::cert::format_user_date(c.not_after)
                                ))
                                .unwrap_or_default()
                            ));
                            // Usable when chosen; a certificate expires while the app runs.
                            let reasons = signer.cannot_sign(now);
                            if !reasons.is_empty() {
                                widgets::error_text_ui(
                                    ui,
                                    &cannot_sign_message(&entry.label, &reasons, lang),
                                );
                            }
                        });
                    }
                    None => {
                        ui.vertical(|ui| {
                            if let Some(unusable) = certificate.unusable_on_view(now) {
                                widgets::error_text_ui(
                                    ui,
                                    &cannot_sign_message(
                                        &unusable.entry.label,
                                        &unusable.reasons,
                                        lang,
                                    ),
                                );
                            }
                            ui.horizontal(|ui| {
                                ui.label(tr(lang, "connection.no_certificate"));
                                if ui.button(tr(lang, "nav.certificate")).clicked() {
                                    go_to_certificate = true;
                                }
                            });
                        });
                    }
                }
                ui.end_row();
            });

        ui.add_space(4.0);
        let endpoints = self.endpoints(settings);
        self.environment_status_ui(ui, lang, &endpoints);
        if settings.environment == EnvironmentKind::Sandbox {
            self.sandbox_register_ui(ui, lang, tasks, settings, certificate);
        }

        ui.add_space(8.0);
        let ready = certificate.signing_entry().is_some()
            && !settings.client_id.trim().is_empty()
            && endpoints.is_ok()
            && self.testing.is_none();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(ready, egui::Button::new(tr(lang, "connection.test")))
                .clicked()
            {
                if let (Ok(endpoints), Some(signer)) = (endpoints.clone(), certificate.signer()) {
                    self.start_test(
                        ui.ctx(),
                        tasks,
                        endpoints,
                        signer.entry.clone(),
                        signer.protection.clone(),
                        settings,
                    );
                }
            }
            if self.testing.is_some() {
                ui.spinner();
                ui.label(tr(lang, "connection.testing"));
            }
        });
        // Greyed out: say what is missing.
        if self.testing.is_none() {
            if certificate.signing_entry().is_none() {
                ui.weak(tr(lang, "connection.test_needs_certificate"));
            }
            if settings.client_id.trim().is_empty() {
                ui.weak(tr(lang, "connection.test_needs_client_id"));
            }
        }
        if let Some(report) = &self.report {
            ui.add_space(8.0);
            report_ui(ui, report, lang);
        }
        go_to_certificate
    }

    fn environment_status_ui(
        &self,
        ui: &mut egui::Ui,
        lang: Lang,
        endpoints: &Result<Endpoints, crate::channel::ChannelError>,
    ) {
        match &self.sandbox {
            SandboxState::Starting(_) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(tr(lang, "connection.sandbox_starting"));
                });
            }
            SandboxState::Failed(e) => widgets::error_text_ui(
                ui,
                &tr_args(
                    lang,
                    "channel.error.no_sandbox",
                    &[("detail", e.message(lang))],
                ),
            ),
            _ => {}
        }
        match endpoints {
            Ok(e) => {
                egui::Grid::new("endpoints").num_columns(2).show(ui, |ui| {
                    ui.weak(tr(lang, "connection.token_url"));
                    ui.label(RichText::new(&e.token_url).monospace());
                    ui.end_row();
                    ui.weak(tr(lang, "connection.audience"));
                    ui.label(RichText::new(&e.audience).monospace());
                    ui.end_row();
                });
            }
            Err(crate::channel::ChannelError::MissingTokenUrl)
                if matches!(self.sandbox, SandboxState::Starting(_)) => {}
            Err(err) => widgets::error_text_ui(ui, &err.message(lang)),
        }
    }

    fn sandbox_register_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        settings: &mut ConnectionSettings,
        certificate: &CertificatePage,
    ) {
        match poll_slot(&mut self.registering) {
            Some(Some(Ok(client_id))) => {
                self.register_error = None;
                self.registered = Some(client_id.clone());
                let current = settings.client_id.trim();
                if current.is_empty() || current == client_id {
                    settings.client_id = client_id;
                } else {
                    // Another client ID is in use (and may work): ask.
                    self.new_client_id = Some(client_id);
                }
            }
            Some(Some(Err(e))) => {
                self.failures.push(e.clone());
                self.register_error = Some(e);
            }
            _ => {}
        }
        let SandboxState::Running(sandbox) = &self.sandbox else {
            return;
        };
        // The certificate that signs; else the one on view, which cannot sign:
        // registering it is refused here, as Chaman would refuse it.
        let now = time::OffsetDateTime::now_utc();
        let (entry, reasons) = match (certificate.signer(), certificate.unusable_on_view(now)) {
            (Some(signer), _) => (&signer.entry, signer.cannot_sign(now)),
            (None, Some(unusable)) => (unusable.entry, unusable.reasons),
            (None, None) => return,
        };
        let cert = entry.certificate.clone();
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(lang, "connection.sandbox_register_hint"));
            let label = ui.label(tr(lang, "connection.enterprise"));
            ui.add(
                egui::TextEdit::singleline(&mut settings.sandbox_enterprise).desired_width(120.0),
            )
            .labelled_by(label.id);
            let clicked = ui
                .add_enabled(
                    self.registering.is_none() && self.new_client_id.is_none(),
                    egui::Button::new(tr(lang, "connection.sandbox_register")),
                )
                .clicked();
            let cert = match (clicked, &cert) {
                (false, _) => None,
                (true, Some(cert)) if reasons.is_empty() => Some(cert),
                (true, _) => {
                    let reasons = if reasons.is_empty() {
                        vec![Finding::NoCertificate]
                    } else {
                        reasons.clone()
                    };
                    self.register_error = Some(
                        Msg::new("connection.register_refused")
                            .arg("reason", findings_msg(reasons)),
                    );
                    None
                }
            };
            if let Some(cert) = cert {
                use base64::Engine;
                self.register_error = None;
                self.registered = None;
                let request = RegisterRequest {
                    certificate: base64::engine::general_purpose::STANDARD.encode(&cert.der),
                    enterprise: settings.sandbox_enterprise.clone(),
                    quality: settings.role.code().to_owned(),
                    mandates: match settings.mandated_enterprises() {
                        m if m.is_empty() && settings.role == Role::Provider => {
                            vec![settings.sandbox_enterprise.clone()]
                        }
                        m => m,
                    },
                    authorizations: vec![FLA.authorization.to_owned()],
                };
                let url = format!("{}/chaman/accounts", sandbox.admin_url);
                self.registering = Some(tasks.run(ui.ctx(), async move {
                    // What the sandbox or the network said is theirs: kept as it came.
                    let failed = |detail: String| {
                        Msg::new("connection.register_failed").arg("detail", detail)
                    };
                    let http = token::http_client(Duration::from_secs(10))
                        .map_err(|e| Msg::from_fn(move |lang| e.message(lang)))?;
                    let response = http
                        .post(url)
                        .json(&request)
                        .send()
                        .await
                        .map_err(|e| failed(e.to_string()))?;
                    let body: serde_json::Value =
                        response.json().await.map_err(|e| failed(e.to_string()))?;
                    body["client_id"]
                        .as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            failed(body["detail"].as_str().unwrap_or("refused").to_owned())
                        })
                }));
            }
        });
        if let Some(e) = &self.register_error {
            widgets::error_text_ui(ui, &e.render(lang));
        } else if let Some(id) = &self.registered {
            ui.label(tr_args(
                lang,
                "connection.registered",
                &[("id", id.clone())],
            ));
        }
        self.choose_client_id_ui(ui, lang, settings);
    }

    /// A new client ID beside the one in use, and the choice between them.
    fn choose_client_id_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        settings: &mut ConnectionSettings,
    ) {
        let Some(new) = self.new_client_id.clone() else {
            return;
        };
        let mut keep = None;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(RichText::new(tr(lang, "connection.new_client_id")).strong());
            egui::Grid::new("client_id_choice")
                .num_columns(2)
                .spacing([12.0, 6.0])
                .show(ui, |ui| {
                    ui.label(tr_args(
                        lang,
                        "connection.current_client_id",
                        &[("id", settings.client_id.trim().to_owned())],
                    ));
                    if ui.button(tr(lang, "connection.keep_current")).clicked() {
                        keep = Some(false);
                    }
                    ui.end_row();
                    ui.label(tr_args(
                        lang,
                        "connection.registered_client_id",
                        &[("id", new.clone())],
                    ));
                    if ui.button(tr(lang, "connection.use_new")).clicked() {
                        keep = Some(true);
                    }
                    ui.end_row();
                });
        });
        match keep {
            Some(true) => {
                settings.client_id = new;
                self.new_client_id = None;
                self.report = None;
            }
            Some(false) => self.new_client_id = None,
            None => {}
        }
    }

    fn start_test(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        endpoints: Endpoints,
        entry: Entry,
        protection: Protection,
        settings: &ConnectionSettings,
    ) {
        let client_id = settings.client_id.trim().to_owned();
        let role = settings.role;
        self.report = None;
        self.testing = Some(tasks.run(ctx, async move {
            let http = match token::http_client(token::DEFAULT_TIMEOUT) {
                Ok(h) => h,
                Err(e) => {
                    return TestReport {
                        result: TestResult::NotSent(Msg::from_fn(move |lang| e.message(lang))),
                        exchange: None,
                        curl: None,
                    }
                }
            };
            let test = ConnectionTest {
                endpoints: &endpoints,
                service: &FLA,
                client_id: &client_id,
                role,
                scope: None,
                entry: &entry,
                protection: &protection,
                lifetime_secs: DEFAULT_LIFETIME_SECS,
                timeout: token::DEFAULT_TIMEOUT,
                clock: token::system_clock(),
            };
            let scope = test.scope();
            // The outcome's texts come in one language; the page keeps what
            // they are made of and says them in the language of the moment.
            match connect::test_connection(&http, &test, crate::i18n::Lang::En).await {
                Err(e) => TestReport {
                    result: TestResult::NotSent(Msg::from_fn(move |lang| e.message(lang))),
                    exchange: None,
                    curl: None,
                },
                Ok(ConnectionOutcome::CertificateRefused(findings)) => TestReport {
                    result: TestResult::Refused(findings),
                    exchange: None,
                    curl: None,
                },
                Ok(ConnectionOutcome::Granted {
                    token,
                    assertion,
                    exchange,
                    warnings: _,
                }) => TestReport {
                    curl: Some(connect::curl_command(
                        &endpoints.token_url,
                        &assertion,
                        &scope,
                    )),
                    result: TestResult::Granted {
                        expires_at: token.expires_at(),
                        token: token.token,
                        scope: token.scope,
                        expires_in: token.expires_in,
                        warnings: exchange
                            .clock_skew_secs
                            .filter(|s| s.abs() > diagnosis::CLOCK_SKEW_TOLERANCE_SECS)
                            .map(|s| Msg::from_fn(move |lang| diagnosis::clock_warning(s, lang)))
                            .into_iter()
                            .collect(),
                    },
                    exchange: Some(exchange),
                },
                Ok(ConnectionOutcome::Failed {
                    failure,
                    cause,
                    explanation: _,
                    assertion,
                    exchange,
                }) => TestReport {
                    curl: Some(connect::curl_command(
                        &endpoints.token_url,
                        &assertion,
                        &scope,
                    )),
                    result: TestResult::Failed {
                        code: failure.code(),
                        cause: cause.code().to_owned(),
                        explanation: explanation_msg(
                            cause,
                            failure,
                            &endpoints,
                            role,
                            exchange.clock_skew_secs,
                            entry.certificate.clone(),
                        ),
                    },
                    exchange: Some(exchange),
                },
            }
        }));
    }
}

/// Starts the app's sandbox on its state in `data_dir` and writes its address
/// beside it (for the command line's `--env sandbox`), on the runtime.
async fn start_sandbox(data_dir: PathBuf) -> Result<Sandbox, crate::sandbox::SandboxError> {
    let home = host::Home::in_data_dir(&data_dir);
    let options = crate::sandbox::SandboxOptions::default();
    host::start(
        host::any_loopback_port(),
        &home,
        token::system_clock(),
        options,
    )
    .await
    .map(|(sandbox, _)| sandbox)
}

/// The diagnosis of a failed test, said in the language of the moment (the
/// same `explain` the CLI uses, over owned copies of what it looks at).
fn explanation_msg(
    cause: diagnosis::Cause,
    failure: token::TokenFailure,
    endpoints: &Endpoints,
    role: Role,
    clock_skew_secs: Option<i64>,
    certificate: Option<crate::cert::CertFacts>,
) -> Msg {
    let (environment, token_url, audience) = (
        endpoints.environment,
        endpoints.token_url.clone(),
        endpoints.audience.clone(),
    );
    Msg::from_fn(move |lang| {
        let ctx = diagnosis::Context {
            environment,
            role,
            token_url: &token_url,
            audience: &audience,
            clock_skew_secs,
            certificate: certificate.as_ref(),
            service_authorization: FLA.authorization,
        };
        diagnosis::explain(cause, &failure, &ctx, lang)
    })
}

/// The findings' messages as one message (each says what to do).
fn findings_msg(findings: Vec<Finding>) -> Msg {
    Msg::from_fn(move |lang| join_messages(&findings, lang))
}

/// The findings' messages, one after the other (each says what to do).
fn join_messages(findings: &[Finding], lang: Lang) -> String {
    findings
        .iter()
        .map(|f| f.message(lang))
        .collect::<Vec<_>>()
        .join(" ")
}

fn cannot_sign_message(alias: &str, reasons: &[Finding], lang: Lang) -> String {
    tr_args(
        lang,
        "connection.cannot_sign",
        &[
            ("alias", alias.to_owned()),
            ("reason", join_messages(reasons, lang)),
        ],
    )
}

/// Why no token can be had: what is on view cannot sign, or nothing was chosen.
fn nothing_signs_message(certificate: &CertificatePage, lang: Lang) -> String {
    match certificate.unusable_on_view(time::OffsetDateTime::now_utc()) {
        Some(unusable) => cannot_sign_message(&unusable.entry.label, &unusable.reasons, lang),
        None => tr(lang, "connection.no_certificate"),
    }
}

/// A token's end as people in Belgium read it: `dd/mm/yyyy HH:MM` in Brussels
/// time, and how soon ("in 10 minutes"; minutes started count).
pub fn expiry_text(at: time::OffsetDateTime, now: time::OffsetDateTime, lang: Lang) -> String {
    let local = crate::today::in_brussels(at);
    let shown = format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        local.day(),
        u8::from(local.month()),
        local.year(),
        local.hour(),
        local.minute()
    );
    let seconds = (at - now).whole_seconds();
    let when = if seconds <= 0 {
        Msg::new("connection.expired_already")
    } else {
        Msg::plural(
            "connection.expires_in_minutes",
            ((seconds + 59) / 60) as u64,
        )
    };
    Msg::new("connection.expires_value")
        .arg("at", shown)
        .arg("when", Arg::Msg(when))
        .render(lang)
}

fn report_ui(ui: &mut egui::Ui, report: &TestReport, lang: Lang) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        match &report.result {
            TestResult::Granted {
                token,
                scope,
                expires_in: _,
                expires_at,
                warnings,
            } => {
                ui.label(RichText::new(tr(lang, "connection.granted")).strong());
                egui::Grid::new("granted").num_columns(2).show(ui, |ui| {
                    ui.label(tr(lang, "connection.scope"));
                    ui.label(RichText::new(scope).monospace());
                    ui.end_row();
                    ui.label(tr(lang, "connection.expires"));
                    ui.label(expiry_text(
                        *expires_at,
                        time::OffsetDateTime::now_utc(),
                        lang,
                    ));
                    ui.end_row();
                    ui.label(tr(lang, "connection.token"));
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(shorten(token)).monospace());
                        if ui
                            .button(tr(lang, "connection.copy_token"))
                            .on_hover_text(tr(lang, "connection.copy_token_warning"))
                            .clicked()
                        {
                            ui.ctx().copy_text(token.to_string());
                        }
                    });
                    ui.end_row();
                });
                // Said before the click, not after: the clipboard keeps what
                // it is given, for any program to read.
                ui.label(RichText::new(tr(lang, "connection.copy_token_warning")).weak());
                for w in warnings {
                    ui.colored_label(
                        widgets::severity_color(ui, crate::cert::Severity::Warning),
                        w.render(lang),
                    );
                }
            }
            TestResult::Failed {
                code,
                cause,
                explanation,
            } => {
                widgets::severity_badge_ui(ui, crate::cert::Severity::Error, lang);
                ui.label(RichText::new(format!("{code} ({cause})")).monospace());
                ui.add(egui::Label::new(explanation.render(lang)).wrap());
            }
            TestResult::Refused(findings) => {
                ui.label(RichText::new(tr(lang, "connection.refused_locally")).strong());
                for finding in findings {
                    widgets::error_text_ui(ui, &finding.message(lang));
                }
            }
            TestResult::NotSent(message) => widgets::error_text_ui(ui, &message.render(lang)),
        }
        if let Some(exchange) = &report.exchange {
            egui::CollapsingHeader::new(tr(lang, "connection.what_was_sent"))
                .id_salt("what_was_sent")
                .show(ui, |ui| sent_ui(ui, exchange, report.curl.as_deref(), lang));
        }
    });
}

fn sent_ui(ui: &mut egui::Ui, exchange: &Exchange, curl: Option<&str>, lang: Lang) {
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    egui::Grid::new("sent")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label("POST");
            ui.label(RichText::new(&exchange.token_url).monospace());
            ui.end_row();
            ui.label(tr(lang, "connection.jwt_header"));
            ui.label(RichText::new(pretty(&exchange.header)).monospace());
            ui.end_row();
            ui.label(tr(lang, "connection.jwt_claims"));
            ui.label(RichText::new(pretty(&exchange.claims)).monospace());
            ui.end_row();
            ui.label(tr(lang, "connection.form"));
            let form: Vec<String> = exchange
                .form
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            ui.label(RichText::new(form.join("\n")).monospace());
            ui.end_row();
            ui.label(tr(lang, "connection.http_status"));
            ui.label(
                exchange
                    .http_status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "—".into()),
            );
            ui.end_row();
            ui.label("BelGov-Trace-Id");
            ui.label(
                RichText::new(exchange.trace_id.clone().unwrap_or_else(|| "—".into())).monospace(),
            );
            ui.end_row();
        });
    if let Some(curl) = curl {
        if ui.button(tr(lang, "connection.copy_curl")).clicked() {
            ui.ctx().copy_text(curl.to_owned());
        }
    }
}
