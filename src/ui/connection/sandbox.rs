//! The Connection page's sandbox: started with the app when the sandbox is
//! the environment, reset on request, and its register-a-certificate step
//! that gives a client ID.

use super::*;

impl ConnectionPage {
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
        }));
    }

    /// Takes the registration's outcome (every frame, from any page): the
    /// sandbox's client ID in use, and the token test started when asked
    /// with the registration.
    pub fn poll_register(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        settings: &mut ConnectionSettings,
        certificate: &CertificatePage,
    ) {
        match poll_slot(&mut self.registering) {
            Some(Some(Ok(client_id))) => {
                self.register_error = None;
                self.registered = Some(client_id.clone());
                self.registered_cert = self.registering_cert.take();
                let current = settings.client_id.trim();
                // Registered to be tested at once: the new ID is the one asked for.
                if current.is_empty() || current == client_id || self.then_test {
                    settings.client_id = client_id;
                } else {
                    // Another client ID is in use (and may work): ask.
                    self.new_client_id = Some(client_id);
                }
                if std::mem::take(&mut self.then_test) && self.new_client_id.is_none() {
                    self.test_now(ctx, tasks, settings, certificate);
                }
            }
            Some(Some(Err(e))) => {
                self.then_test = false;
                self.failures.push(e.clone());
                self.register_error = Some(e);
            }
            Some(None) => self.then_test = false,
            None => {}
        }
    }

    /// The rehearsal's one move for the connection: registers the
    /// certificate in the sandbox where it has no sandbox client ID yet,
    /// then tests the connection (or tests at once).
    pub fn register_and_test(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        settings: &ConnectionSettings,
        certificate: &CertificatePage,
    ) {
        // The sandbox's client ID is this certificate's only where this run
        // registered it (the test certificate is new at each start).
        let signing = certificate
            .signer()
            .and_then(|s| s.entry.certificate.as_ref())
            .map(|c| c.sha256.clone());
        let registered_here = signing.is_some() && self.registered_cert == signing;
        if registered_here && env::client_id_looks_right(settings.client_id.trim()) {
            self.test_now(ctx, tasks, settings, certificate);
        } else if self.start_register(ctx, tasks, settings, certificate) {
            self.then_test = true;
        }
    }

    /// Registers the certificate that signs (else the one on view, which
    /// cannot: refused here, as Chaman would refuse it) in the sandbox's
    /// Chaman, on the runtime. Whether it was sent.
    fn start_register(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        settings: &ConnectionSettings,
        certificate: &CertificatePage,
    ) -> bool {
        let SandboxState::Running(sandbox) = &self.sandbox else {
            return false;
        };
        if self.registering.is_some() || self.new_client_id.is_some() {
            return false;
        }
        let now = time::OffsetDateTime::now_utc();
        let (cert, reasons) = match (certificate.signer(), certificate.unusable_on_view(now)) {
            (Some(signer), _) => (signer.entry.certificate.as_ref(), signer.cannot_sign(now)),
            (None, Some(unusable)) => (unusable.entry.certificate.as_ref(), unusable.reasons),
            (None, None) => (None, Vec::new()),
        };
        let cert = match cert {
            Some(cert) if reasons.is_empty() => cert,
            _ => {
                let reasons = if reasons.is_empty() {
                    vec![Finding::NoCertificate]
                } else {
                    reasons
                };
                self.register_error = Some(
                    Msg::new("connection.register_refused").arg("reason", findings_msg(reasons)),
                );
                return false;
            }
        };
        use base64::Engine;
        self.register_error = None;
        self.registered = None;
        self.registering_cert = Some(cert.sha256.clone());
        // The number as typed (`0403.170.701`), sent as its ten digits.
        let enterprise = crate::identifiers::parse_enterprise_number(&settings.sandbox_enterprise)
            .unwrap_or_else(|| settings.sandbox_enterprise.trim().to_owned());
        let request = RegisterRequest {
            certificate: base64::engine::general_purpose::STANDARD.encode(&cert.der),
            enterprise: enterprise.clone(),
            quality: settings.role.code().to_owned(),
            mandates: match settings.mandated_enterprises() {
                m if m.is_empty() && settings.role == Role::Provider => vec![enterprise],
                m => m,
            },
            // The sandbox's Chaman ticks both: the FLA and Dimona.
            authorizations: vec![
                FLA.authorization.to_owned(),
                crate::channel::env::DIMONA.authorization.to_owned(),
            ],
        };
        let url = format!("{}/chaman/accounts", sandbox.admin_url);
        self.registering = Some(tasks.run(ctx, async move {
            // What the sandbox or the network said is theirs: kept as it came.
            let failed =
                |detail: String| Msg::new("connection.register_failed").arg("detail", detail);
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
                .ok_or_else(|| failed(body["detail"].as_str().unwrap_or("refused").to_owned()))
        }));
        true
    }

    pub(super) fn sandbox_register_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        settings: &mut ConnectionSettings,
        certificate: &CertificatePage,
    ) {
        if !matches!(self.sandbox, SandboxState::Running(_)) {
            return;
        }
        let now = time::OffsetDateTime::now_utc();
        if certificate.signer().is_none() && certificate.unusable_on_view(now).is_none() {
            return;
        }
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(lang, "connection.sandbox_register_hint"));
            let label = ui.label(tr(lang, "connection.enterprise"));
            ui.add(
                egui::TextEdit::singleline(&mut settings.sandbox_enterprise).desired_width(120.0),
            )
            .labelled_by(label.id);
            let register = ui.add_enabled(
                self.registering.is_none() && self.new_client_id.is_none(),
                egui::Button::new(tr(lang, "connection.sandbox_register")),
            );
            if self.focus == Some(ConnectionFocus::Register) {
                self.focus = None;
                register.request_focus();
            }
            if register.clicked() {
                self.start_register(ui.ctx(), tasks, settings, certificate);
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
    pub(super) fn choose_client_id_ui(
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
}

/// Starts the app's sandbox on its state in `data_dir` and writes its address
/// beside it (for the command line's `--env sandbox`), on the runtime.
pub(super) async fn start_sandbox(
    data_dir: PathBuf,
) -> Result<Sandbox, crate::sandbox::SandboxError> {
    let home = host::Home::in_data_dir(&data_dir);
    let options = crate::sandbox::SandboxOptions::default();
    host::start(
        host::any_loopback_port(),
        &home,
        token::system_clock(),
        options,
    )
    .await
}
