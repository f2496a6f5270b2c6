//! The Connection page: environment, client ID, role → scope, the certificate
//! chosen on the Certificate page, "Test connection" in the background, and the
//! result with its diagnosis and what was sent. In the sandbox environment the
//! app runs the sandbox itself and can register the certificate in its Chaman:
//! never one that cannot sign, and never replacing a client ID unasked.
//! Here: the settings and the page; beside it: `sandbox` (the app's sandbox
//! and its register step) and `test` (the token test and its report).

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
use crate::channel::env::{self, Endpoints, EnvironmentKind, Role, UrlOverrides, DIMONA, FLA};
use crate::channel::token::{self, Exchange};
use crate::i18n::{tr, tr_args, Arg, Lang, Msg};
use crate::sandbox::host;
use crate::sandbox::{RegisterRequest, Sandbox};

mod sandbox;
mod test;

pub use test::expiry_text;
use test::*;

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
    /// A custom environment's API base of each service other than the FLA's
    /// (by its id: `dimona`), which `custom.api_base` is.
    pub service_api_bases: std::collections::BTreeMap<String, String>,
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
            sandbox_enterprise: "0403.170.701".into(),
            mandates: String::new(),
            service_api_bases: Default::default(),
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
    /// Dimona's token test beside the FLA's, where Dimona is declared (the
    /// app sets `dimona` from the profile).
    pub dimona: bool,
    testing_dimona: Option<Pending<TestReport>>,
    pub dimona_report: Option<TestReport>,
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
    /// The environment the report is about.
    pub report_environment: Option<EnvironmentKind>,
    /// How many test reports came in (the app notices a new one by it).
    pub reports_received: u64,
    /// The registration was asked with a token test to follow.
    then_test: bool,
    /// The certificate (SHA-256) being registered, and the one this run
    /// last registered in the sandbox.
    registering_cert: Option<String>,
    registered_cert: Option<String>,
    /// The control to focus when the page is next drawn (the status line
    /// leads here).
    pub focus: Option<ConnectionFocus>,
}

/// The controls of the Connection page the app can lead the user to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionFocus {
    ClientId,
    Register,
    Test,
}

impl ConnectionPage {
    pub fn new(data_dir: PathBuf) -> Self {
        ConnectionPage {
            data_dir,
            sandbox: SandboxState::Off,
            testing: None,
            dimona: false,
            testing_dimona: None,
            dimona_report: None,
            registering: None,
            register_error: None,
            registered: None,
            failures: Vec::new(),
            new_client_id: None,
            report: None,
            report_environment: None,
            reports_received: 0,
            then_test: false,
            registering_cert: None,
            registered_cert: None,
            focus: None,
        }
    }

    pub fn is_busy(&self) -> bool {
        self.testing.is_some()
            || self.registering.is_some()
            || matches!(self.sandbox, SandboxState::Starting(_))
    }

    /// Where the FLA client gets its tokens: this page's connection and the
    /// entry chosen on the Certificate page.
    pub fn token_source(
        &self,
        settings: &ConnectionSettings,
        certificate: &CertificatePage,
        lang: Lang,
    ) -> Result<crate::fla::client::TokenSource, String> {
        self.token_source_for(settings, certificate, lang, &FLA)
    }

    /// [`Self::token_source`] for another service of the channel (its API base
    /// and scope).
    pub fn token_source_for(
        &self,
        settings: &ConnectionSettings,
        certificate: &CertificatePage,
        lang: Lang,
        service: &'static env::ServiceDefinition,
    ) -> Result<crate::fla::client::TokenSource, String> {
        let endpoints = self
            .endpoints_for(settings, service)
            .map_err(|e| e.message(lang))?;
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
        )
        .with_service(service))
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
        self.endpoints_for(settings, &FLA)
    }

    /// The endpoints of `service`; a custom environment's API base is the
    /// FLA's, so another service has none there (said as such).
    fn endpoints_for(
        &self,
        settings: &ConnectionSettings,
        service: &env::ServiceDefinition,
    ) -> Result<Endpoints, crate::channel::ChannelError> {
        let mut overrides = if settings.environment == EnvironmentKind::Custom {
            settings.custom.clone()
        } else {
            UrlOverrides::default()
        };
        if service.id != FLA.id {
            overrides.api_base = (settings.environment == EnvironmentKind::Custom)
                .then(|| settings.service_api_bases.get(service.id).cloned())
                .flatten();
        }
        env::endpoints(
            settings.environment,
            service,
            &overrides,
            self.sandbox_url(),
        )
    }

    /// Takes a token test's report and a registration's outcome (every
    /// frame, from any page: the Checklist starts them too).
    pub fn poll(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        settings: &mut ConnectionSettings,
        certificate: &CertificatePage,
    ) {
        if let Some(Some(report)) = poll_slot(&mut self.testing) {
            self.report = Some(report);
            self.reports_received += 1;
        }
        if let Some(Some(report)) = poll_slot(&mut self.testing_dimona) {
            self.dimona_report = Some(report);
        }
        self.poll_register(ctx, tasks, settings, certificate);
    }

    /// Starts the token test with the certificate that signs, where the
    /// page's button would. Whether it started.
    pub fn test_now(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        settings: &ConnectionSettings,
        certificate: &CertificatePage,
    ) -> bool {
        let ready = self.can_test(settings, certificate);
        match (self.endpoints(settings), certificate.signer()) {
            (Ok(endpoints), Some(signer)) if ready => {
                let (entry, protection) = (signer.entry.clone(), signer.protection.clone());
                self.start_test(ctx, tasks, endpoints, entry, protection, settings);
                true
            }
            _ => false,
        }
    }

    /// Whether a token test can start now (the page's button is enabled so):
    /// a certificate that signs, a client ID, the environment's URLs, no test
    /// under way.
    fn can_test(&self, settings: &ConnectionSettings, certificate: &CertificatePage) -> bool {
        certificate.signing_entry().is_some()
            && !settings.client_id.trim().is_empty()
            && self.endpoints(settings).is_ok()
            && self.testing.is_none()
    }

    /// Whether a token test or a registration is under way.
    pub fn is_testing(&self) -> bool {
        self.testing.is_some() || self.registering.is_some()
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        settings: &mut ConnectionSettings,
        certificate: &CertificatePage,
    ) -> bool {
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
                    // Dimona's own API base, for a profile that declares it.
                    if self.dimona {
                        let label = ui.label(tr(lang, "connection.dimona_api_base"));
                        let value = settings
                            .service_api_bases
                            .entry(env::DIMONA.id.to_owned())
                            .or_default();
                        ui.add(egui::TextEdit::singleline(value).desired_width(480.0))
                            .labelled_by(label.id);
                        ui.end_row();
                    }
                }

                let id_label = ui.label(tr(lang, "connection.client_id"));
                ui.vertical(|ui| {
                    let field = ui
                        .add(
                            egui::TextEdit::singleline(&mut settings.client_id)
                                .desired_width(360.0)
                                .hint_text("self_service_chaman_…"),
                        )
                        .labelled_by(id_label.id);
                    if self.focus == Some(ConnectionFocus::ClientId) {
                        self.focus = None;
                        field.request_focus();
                    }
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
        let ready = self.can_test(settings, certificate);
        ui.horizontal(|ui| {
            let test = ui.add_enabled(ready, egui::Button::new(tr(lang, "connection.test")));
            if self.focus == Some(ConnectionFocus::Test) {
                self.focus = None;
                test.request_focus();
            }
            if test.clicked() {
                self.test_now(ui.ctx(), tasks, settings, certificate);
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
        if let Some(report) = &self.dimona_report {
            dimona_line_ui(ui, report, lang);
        } else if self.testing_dimona.is_some() {
            ui.weak(tr(lang, "connection.dimona.testing"));
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_custom_environment_gives_each_service_its_own_api_base() {
        let page = ConnectionPage::new(std::env::temp_dir());
        let mut settings = ConnectionSettings {
            environment: EnvironmentKind::Custom,
            custom: UrlOverrides {
                token_url: Some("https://idp.example.test/REST/oauth/v5/token".into()),
                api_base: Some("https://api.example.test/REST/fla/v1".into()),
                ..UrlOverrides::default()
            },
            ..ConnectionSettings::default()
        };
        let fla = page.endpoints_for(&settings, &FLA).unwrap();
        assert_eq!(
            fla.api_base.as_deref(),
            Some("https://api.example.test/REST/fla/v1")
        );
        // Dimona without its own: none (the FLA's is not Dimona's).
        let dimona = page.endpoints_for(&settings, &env::DIMONA).unwrap();
        assert_eq!(dimona.api_base, None);
        settings.service_api_bases.insert(
            env::DIMONA.id.to_owned(),
            "https://api.example.test/REST/dimona/v2".into(),
        );
        let dimona = page.endpoints_for(&settings, &env::DIMONA).unwrap();
        assert_eq!(
            dimona.api_base.as_deref(),
            Some("https://api.example.test/REST/dimona/v2")
        );
        // Another environment keeps its own URLs.
        settings.environment = EnvironmentKind::Acceptance;
        let dimona = page.endpoints_for(&settings, &env::DIMONA).unwrap();
        assert!(dimona
            .api_base
            .is_some_and(|a| a.ends_with(env::DIMONA.api_path)));
    }
}
