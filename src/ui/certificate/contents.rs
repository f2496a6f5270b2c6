//! The Certificate page's contents: the entries of the file opened, their
//! facts, chain and findings, the choice of the entry that signs, and the
//! export of a certificate (.cer).

use super::*;

impl CertificatePage {
    pub(super) fn contents_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        settings: &mut CertificateSettings,
    ) {
        let Some(opened) = &self.opened else { return };
        let now = OffsetDateTime::now_utc();
        // What she needs first, in her words; the technical facts one click
        // away (the choice is remembered, for support staff).
        ui.label(RichText::new(tr(lang, "cert.entries")).strong());
        let technical = settings.technical_details;

        // Where what is on view does not sign, say what does.
        if let Some(signer) = self.signer.as_ref().filter(|s| {
            s.path != opened.path || self.selected.as_deref() != Some(s.entry.label.as_str())
        }) {
            ui.add(
                egui::Label::new(tr_args(
                    lang,
                    "cert.still_signing",
                    &[
                        ("alias", signer.entry.label.clone()),
                        ("file", file_name(&signer.path)),
                    ],
                ))
                .wrap(),
            );
        }

        let mut newly_selected = None;
        let mut copy = None;
        for entry in &opened.contents.entries {
            let is_selected = self.selected.as_deref() == Some(entry.label.as_str());
            let signs = self.is_signer(&opened.path, &entry.label);
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal_wrapped(|ui| {
                    if ui.radio(is_selected, &entry.label).clicked() {
                        newly_selected = Some(entry.label.clone());
                    }
                    if signs {
                        ui.label(RichText::new(tr(lang, "cert.signing")).italics());
                    } else if is_selected
                        && !blocking_findings(entry, &opened.contents.protection, now).is_empty()
                    {
                        ui.label(
                            RichText::new(tr(lang, "cert.cannot_sign"))
                                .strong()
                                .color(widgets::severity_color(ui, cert::Severity::Error)),
                        );
                    }
                });
                summary_ui(ui, entry, &opened.contents, now, lang);
                findings_ui(ui, entry, &opened.contents, now, lang);
                if technical {
                    entry_details_ui(ui, entry, now, lang, &mut copy);
                }
            });
            ui.add_space(4.0);
        }
        // Folded or unfolded as the user left it (the entries' own details
        // follow it above).
        let header = egui::CollapsingHeader::new(tr(lang, "cert.technical_details"))
            .id_salt("cert_technical_details")
            .open(Some(settings.technical_details))
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(tr(lang, "cert.protection")).strong());
                    ui.label(opened.contents.protection.summary(lang));
                });
                if opened.contents.ca_certs > 0 {
                    ui.weak(tr_args(
                        lang,
                        "cert.ca_certs",
                        &[("count", format_count(lang, opened.contents.ca_certs as u64))],
                    ));
                }
            });
        if header.header_response.clicked() {
            settings.technical_details = !settings.technical_details;
        }
        if let Some(label) = newly_selected {
            self.export_status = None;
            self.select(Some(label), settings);
        }
        if let Some((what, value)) = copy {
            ui.ctx().copy_text(value);
            self.copied = Some(what);
        }
        if let Some(what) = &self.copied {
            ui.weak(format!("{what}: {}", tr(lang, "common.copied")));
        }
        self.export_ui(ui, lang, tasks, settings);
    }

    fn export_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        tasks: &Tasks,
        settings: &mut CertificateSettings,
    ) {
        let Some((opened, entry)) = self.on_view() else {
            return;
        };
        let Some(certificate) = entry.certificate.clone() else {
            return;
        };
        let label = entry.label.clone();
        ui.add_space(8.0);
        ui.label(RichText::new(format!("{} — {label}", tr(lang, "cert.export_title"))).strong());
        if cert::throwaway::is_throwaway(entry) {
            // Never for Chaman: it is no one's certificate.
            ui.add(egui::Label::new(tr(lang, "cert.test_certificate_no_export")).wrap());
            return;
        }
        ui.horizontal(|ui| {
            ui.label(tr(lang, "cert.export_format"));
            ui.radio_value(
                &mut settings.export_format,
                CerFormat::Der,
                tr(lang, "cert.export_der"),
            );
            ui.radio_value(
                &mut settings.export_format,
                CerFormat::Pem,
                tr(lang, "cert.export_pem"),
            );
        });
        let key = (opened.path.clone(), label.clone(), settings.export_format);
        if self.export_path_for.as_ref() != Some(&key) {
            let folder = opened
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            self.export_path = folder
                .join(cert::cer_file_name(&label, settings.export_format))
                .display()
                .to_string();
            self.export_path_for = Some(key);
        }
        let mut export_now = false;
        ui.horizontal(|ui| {
            let to_label = ui.label(tr(lang, "cert.export_to"));
            // Room for both buttons in the longest language.
            let buttons = widgets::text_width(ui, &tr(lang, "cert.export_choose"))
                + widgets::text_width(ui, &tr(lang, "cert.export"))
                + 60.0;
            let width = (ui.available_width() - buttons).max(200.0);
            let path_field = ui
                .add(egui::TextEdit::singleline(&mut self.export_path).desired_width(width))
                .labelled_by(to_label.id);
            if std::mem::take(&mut self.focus_export_path) {
                path_field.request_focus();
            }
            if path_field.changed() {
                self.export_dialog_missing = false;
            }
            let choose = ui.add_enabled(
                self.choosing_export.is_none(),
                egui::Button::new(tr(lang, "cert.export_choose")),
            );
            if choose.clicked() && tasks.file_dialog() == FileDialog::Missing {
                self.export_dialog_missing = true;
                self.focus_export_path = true;
            } else if choose.clicked() {
                self.export_dialog_missing = false;
                let name = cert::cer_file_name(&label, settings.export_format);
                self.choosing_export = Some(tasks.run(ui.ctx(), async move {
                    rfd::AsyncFileDialog::new()
                        .set_file_name(name)
                        .save_file()
                        .await
                        .map(|handle| handle.path().to_path_buf())
                }));
            }
            export_now = ui.button(tr(lang, "cert.export")).clicked();
        });
        if self.export_dialog_missing {
            widgets::error_text_ui(ui, &tr(lang, "cert.file_dialog_missing"));
        }
        if export_now && self.exporting.is_none() {
            let path = PathBuf::from(self.export_path.trim());
            let bytes = cert::export_cer(&certificate, settings.export_format);
            let alias = label.clone();
            self.export_status = None;
            self.exporting = Some(tasks.blocking(ui.ctx(), move || {
                crate::files::write_atomically(&path, &bytes)?;
                // The whole path, so that the file can be found to upload it
                // (a name typed alone lands in the working folder).
                let written = std::fs::canonicalize(&path).unwrap_or(path);
                Ok(Msg::new("cert.exported")
                    .arg("alias", alias)
                    .arg("path", written.display().to_string()))
            }));
        }
        match &self.export_status {
            Some(Ok(message)) => {
                ui.add(egui::Label::new(message.render(lang)).wrap());
            }
            Some(Err(err)) => widgets::error_text_ui(ui, &err.message(lang)),
            None => {}
        }
    }
}

/// One sentence: whose certificate it is, whether it can sign the token
/// requests, until when it is valid.
fn summary_ui(
    ui: &mut egui::Ui,
    entry: &Entry,
    contents: &Pkcs12Contents,
    now: OffsetDateTime,
    lang: Lang,
) {
    let Some(c) = &entry.certificate else {
        return;
    };
    let whose = if c.subject_org.trim().is_empty() {
        c.subject_cn.clone()
    } else {
        c.subject_org.clone()
    };
    let can = blocking_findings(entry, &contents.protection, now).is_empty();
    let key = if can {
        "cert.summary.can_sign"
    } else {
        "cert.summary.cannot_sign"
    };
    let text = tr_args(
        lang,
        key,
        &[
            ("whose", whose),
            ("until", cert::format_user_date(c.not_after)),
        ],
    );
    let mut text = RichText::new(text).strong();
    if !can {
        text = text.color(widgets::severity_color(ui, cert::Severity::Error));
    }
    ui.add(egui::Label::new(text).wrap());
}

fn entry_details_ui(
    ui: &mut egui::Ui,
    entry: &Entry,
    now: OffsetDateTime,
    lang: Lang,
    copy: &mut Option<(String, String)>,
) {
    let yes_no = |b: bool| tr(lang, if b { "common.yes" } else { "common.no" });
    egui::Grid::new(("cert_entry", entry.label.as_str()))
        .num_columns(2)
        .spacing([12.0, 4.0])
        .striped(true)
        .show(ui, |ui| {
            ui.label(tr(lang, "cert.private_key"));
            ui.label(yes_no(entry.private_key.is_some()));
            ui.end_row();
            if let Some(id) = &entry.local_key_id {
                ui.label(tr(lang, "cert.local_key_id"));
                widgets::monospace_value_ui(ui, &cert::facts::hex_upper(id));
                ui.end_row();
            }
            if let Some(c) = &entry.certificate {
                for (label, value) in cert::certificate_lines(c, now, lang) {
                    ui.label(label);
                    if value.len() > 8 && value.chars().all(|c| c.is_ascii_hexdigit()) {
                        widgets::monospace_value_ui(ui, &value);
                    } else {
                        ui.add(egui::Label::new(value).wrap());
                    }
                    ui.end_row();
                }
            }
        });
    if let Some(c) = &entry.certificate {
        ui.horizontal(|ui| {
            if ui.button(tr(lang, "cert.copy_sha256")).clicked() {
                *copy = Some(("SHA-256".into(), c.sha256.clone()));
            }
            if ui.button(tr(lang, "cert.copy_sha1")).clicked() {
                *copy = Some(("SHA-1".into(), c.sha1.clone()));
            }
        });
        chain_ui(ui, entry, c, lang);
    }
}

fn chain_ui(ui: &mut egui::Ui, entry: &Entry, leaf: &CertFacts, lang: Lang) {
    egui::CollapsingHeader::new(format!(
        "{} ({})",
        tr(lang, "cert.chain"),
        entry.chain.len() + 1
    ))
    .id_salt(("cert_chain", entry.label.as_str()))
    .show(ui, |ui| {
        ui.label(format!("• {}", leaf.subject_cn));
        for issuer in &entry.chain {
            ui.label(format!(
                "– {} ({} {})",
                issuer.subject_cn,
                tr(lang, "cert.valid_to"),
                cert::format_user_date(issuer.not_after)
            ));
        }
        if entry.chain.is_empty() {
            ui.weak(tr(lang, "cert.chain_empty"));
        }
    });
}

fn findings_ui(
    ui: &mut egui::Ui,
    entry: &Entry,
    contents: &Pkcs12Contents,
    now: OffsetDateTime,
    lang: Lang,
) {
    let findings = entry.findings(&contents.protection, now);
    if findings.is_empty() {
        ui.label(RichText::new(tr(lang, "cert.no_findings")).color(ui.visuals().weak_text_color()));
        return;
    }
    for finding in findings {
        ui.horizontal_wrapped(|ui| {
            widgets::severity_badge_ui(ui, finding.severity(), lang);
            ui.add(egui::Label::new(finding.message(lang)).wrap());
        });
    }
}
