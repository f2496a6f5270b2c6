//! The Connection page's token test: started on the runtime, its report
//! (the token, what was sent, the diagnosis of a failure) drawn.

use super::*;

impl ConnectionPage {
    pub(super) fn start_test(
        &mut self,
        ctx: &egui::Context,
        tasks: &Tasks,
        endpoints: Endpoints,
        entry: Entry,
        protection: Protection,
        settings: &ConnectionSettings,
    ) {
        self.report = None;
        self.dimona_report = None;
        self.report_environment = Some(endpoints.environment);
        // Dimona's token too, where Dimona is declared: the same test with its scope.
        if self.dimona {
            self.testing_dimona = match self.endpoints_for(settings, &DIMONA) {
                Ok(dimona) => Some(test_task(
                    ctx,
                    tasks,
                    dimona,
                    entry.clone(),
                    protection.clone(),
                    settings,
                    &DIMONA,
                )),
                Err(e) => {
                    let msg = Msg::from_fn(move |lang| e.message(lang));
                    self.dimona_report = Some(TestReport {
                        result: TestResult::NotSent(msg),
                        exchange: None,
                        curl: None,
                    });
                    None
                }
            };
        }
        self.testing = Some(test_task(
            ctx, tasks, endpoints, entry, protection, settings, &FLA,
        ));
    }
}

/// A token test of `service`'s scope, on the runtime.
fn test_task(
    ctx: &egui::Context,
    tasks: &Tasks,
    endpoints: Endpoints,
    entry: Entry,
    protection: Protection,
    settings: &ConnectionSettings,
    service: &'static env::ServiceDefinition,
) -> Pending<TestReport> {
    let client_id = settings.client_id.trim().to_owned();
    let role = settings.role;
    tasks.run(ctx, async move {
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
            service,
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
                        service.authorization,
                    ),
                },
                exchange: Some(exchange),
            },
        }
    })
}

/// The diagnosis of a failed test, said in the language of the moment (the
/// same `explain` the CLI uses, over owned copies of what it looks at).
pub(super) fn explanation_msg(
    cause: diagnosis::Cause,
    failure: token::TokenFailure,
    endpoints: &Endpoints,
    role: Role,
    clock_skew_secs: Option<i64>,
    certificate: Option<crate::cert::CertFacts>,
    service_authorization: &'static str,
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
            service_authorization,
        };
        diagnosis::explain(cause, &failure, &ctx, lang)
    })
}

/// The findings' messages as one message (each says what to do).
pub(super) fn findings_msg(findings: Vec<Finding>) -> Msg {
    Msg::from_fn(move |lang| join_messages(&findings, lang))
}

/// The findings' messages, one after the other (each says what to do).
pub(super) fn join_messages(findings: &[Finding], lang: Lang) -> String {
    findings
        .iter()
        .map(|f| f.message(lang))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn cannot_sign_message(alias: &str, reasons: &[Finding], lang: Lang) -> String {
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
pub(super) fn nothing_signs_message(certificate: &CertificatePage, lang: Lang) -> String {
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

/// Dimona's token test in one line: granted (its scope), or why not.
pub(super) fn dimona_line_ui(ui: &mut egui::Ui, report: &TestReport, lang: Lang) {
    let (text, ok) = match &report.result {
        TestResult::Granted { scope, .. } => (
            tr_args(
                lang,
                "connection.dimona.granted",
                &[("scope", scope.clone())],
            ),
            true,
        ),
        TestResult::Failed {
            code, explanation, ..
        } => (
            tr_args(
                lang,
                "connection.dimona.failed",
                &[("code", code.clone()), ("why", explanation.render(lang))],
            ),
            false,
        ),
        TestResult::Refused(findings) => (join_messages(findings, lang), false),
        TestResult::NotSent(msg) => (
            tr_args(
                lang,
                "connection.dimona.failed",
                &[("code", "-".into()), ("why", msg.render(lang))],
            ),
            false,
        ),
    };
    let color = if ok {
        ui.visuals().text_color()
    } else {
        ui.visuals().error_fg_color
    };
    ui.add(egui::Label::new(RichText::new(text).color(color)).wrap());
}

pub(super) fn report_ui(ui: &mut egui::Ui, report: &TestReport, lang: Lang) {
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

pub(super) fn sent_ui(ui: &mut egui::Ui, exchange: &Exchange, curl: Option<&str>, lang: Lang) {
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
