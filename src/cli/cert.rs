//! `fla-assistant cert inspect|export`: the certificate workbench for scripts
//! and support staff.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{exit, print_json, read_password, CliError};
use crate::cert::{self, CerFormat, CertFacts, Entry, Pkcs12Contents, Protection, Severity};
use crate::i18n::{tr, tr_args, Lang};

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// List the entries of a .pfx/.p12 with their facts and findings.
    Inspect(InspectArgs),
    /// Write the certificate of one entry as a .cer (DER by default, as Chaman takes it).
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// The environment variable that holds the password (set to the empty string for none).
    #[arg(long, value_name = "VAR", default_value = "FLA_PFX_PASSWORD")]
    pub password_env: String,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The PKCS#12 file (.pfx or .p12).
    pub file: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Check validity as of this moment (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The PKCS#12 file (.pfx or .p12).
    pub file: PathBuf,
    /// The entry to export (needed where the file holds several).
    #[arg(long)]
    pub alias: Option<String>,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Where to write the certificate.
    #[arg(long, value_name = "OUT.cer")]
    pub out: PathBuf,
    /// Write PEM (Base64) instead of DER.
    #[arg(long)]
    pub pem: bool,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

impl CertCommand {
    pub fn json(&self) -> bool {
        match self {
            CertCommand::Inspect(a) => a.json,
            CertCommand::Export(a) => a.json,
        }
    }
}

pub fn run(cmd: CertCommand, lang: Lang) -> Result<u8, CliError> {
    match cmd {
        CertCommand::Inspect(args) => inspect(args, lang),
        CertCommand::Export(args) => export(args, lang),
    }
}

pub fn open(
    file: &std::path::Path,
    password_env: &str,
    lang: Lang,
) -> Result<Pkcs12Contents, CliError> {
    let data = crate::files::read_input(file).map_err(|e| CliError::from((e, lang)))?;
    // Tell what the file is before asking for a password it may not need.
    cert::readable_protection(&data).map_err(|e| CliError::from((e, lang)))?;
    let password = read_password(password_env, &file.display().to_string(), lang)?;
    cert::open_pkcs12(&data, &password).map_err(|e| CliError::from((e, lang)))
}

/// A `--now` value: a moment in RFC 3339 (`2026-11-24T23:30:00Z`).
pub fn parse_reference_time(text: &str, lang: Lang) -> Result<OffsetDateTime, CliError> {
    // The parser's own detail is English; the example says what is expected.
    OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|_| {
        CliError::usage(
            "bad_time",
            tr_args(lang, "cli.bad_time", &[("value", text.to_owned())]),
        )
    })
}

fn inspect(args: InspectArgs, lang: Lang) -> Result<u8, CliError> {
    // The one place the clock is read: everything below is judged at `now`.
    let now = match &args.now {
        Some(text) => parse_reference_time(text, lang)?,
        None => OffsetDateTime::now_utc(),
    };
    let contents = open(&args.file, &args.password.password_env, lang)?;
    let findings: Vec<Vec<cert::Finding>> = contents
        .entries
        .iter()
        .map(|e| e.findings(&contents.protection, now))
        .collect();
    let any_error = findings
        .iter()
        .flatten()
        .any(|f| f.severity() == Severity::Error);
    if args.json {
        print_json(&inspect_json(&args.file, &contents, &findings, now, lang));
    } else {
        print_human(&args.file, &contents, &findings, now, lang);
    }
    Ok(if any_error {
        exit::FINDINGS
    } else {
        exit::DONE
    })
}

/// The JSON report of `cert inspect`; its keys are a contract.
pub fn inspect_json(
    file: &std::path::Path,
    contents: &Pkcs12Contents,
    findings: &[Vec<cert::Finding>],
    now: OffsetDateTime,
    lang: Lang,
) -> Value {
    let entries: Vec<Value> = contents
        .entries
        .iter()
        .zip(findings)
        .map(|(entry, findings)| entry_json(entry, findings, now, lang))
        .collect();
    json!({
        "file": file.display().to_string(),
        "protection": protection_json(&contents.protection, lang),
        "ca_certs": contents.ca_certs,
        "checked_at": cert::format_rfc3339(now),
        "entries": entries,
    })
}

fn protection_json(p: &Protection, lang: Lang) -> Value {
    json!({
        "summary": p.summary(lang),
        "encrypted": p.is_encrypted(),
        "integrity": p.integrity,
        "key_encryption": p.key_encryption,
        "certificate_encryption": p.certificate_encryption,
    })
}

fn entry_json(entry: &Entry, findings: &[cert::Finding], now: OffsetDateTime, lang: Lang) -> Value {
    json!({
        "alias": entry.label,
        "alias_in_file": entry.has_alias,
        "local_key_id": entry.local_key_id.as_deref().map(cert::facts::hex_upper),
        "has_private_key": entry.private_key.is_some(),
        "private_key_type": entry.private_key_type.as_ref().map(|k| k.name().to_owned()),
        "certificate": entry.certificate.as_ref().map(|c| cert_json(c, now)),
        "chain": entry.chain.iter().map(|c| cert_json(c, now)).collect::<Vec<_>>(),
        "findings": findings.iter().map(|f| json!({
            "code": f.code(),
            "severity": f.severity().code(),
            "message": f.message(lang),
        })).collect::<Vec<_>>(),
    })
}

fn cert_json(c: &CertFacts, now: OffsetDateTime) -> Value {
    json!({
        "subject_cn": c.subject_cn,
        "issuer_cn": c.issuer_cn,
        "subject": c.subject,
        "issuer": c.issuer,
        "serial_hex": c.serial_hex,
        "sha256": c.sha256,
        "sha1": c.sha1,
        "not_before": cert::format_rfc3339(c.not_before),
        "not_after": cert::format_rfc3339(c.not_after),
        "days_left": cert::days_until(c.not_after, now),
        "key_type": c.key_type.name(),
        "key_bits": c.key_bits,
    })
}

fn print_human(
    file: &std::path::Path,
    contents: &Pkcs12Contents,
    findings: &[Vec<cert::Finding>],
    now: OffsetDateTime,
    lang: Lang,
) {
    println!("{}", file.display());
    let line = |label: &str, value: &str| super::field_line(lang, label, value);
    println!(
        "  {}",
        line(
            &tr(lang, "cert.protection"),
            &contents.protection.summary(lang)
        )
    );
    for (entry, findings) in contents.entries.iter().zip(findings) {
        println!();
        println!("  {}", line(&tr(lang, "cert.alias"), &entry.label));
        let yes_no = |b: bool| tr(lang, if b { "common.yes" } else { "common.no" });
        println!(
            "    {}",
            line(
                &tr(lang, "cert.private_key"),
                &yes_no(entry.private_key.is_some())
            )
        );
        if let Some(c) = &entry.certificate {
            for (label, value) in cert::certificate_lines(c, now, lang) {
                println!("    {}", line(&label, &value));
            }
        }
        for issuer in &entry.chain {
            println!(
                "    {}",
                line(&tr(lang, "cert.chain_member"), &issuer.subject_cn)
            );
        }
        for f in findings {
            let severity = match f.severity() {
                Severity::Error => "cert.severity.error",
                Severity::Warning => "cert.severity.warning",
                Severity::Info => "cert.severity.info",
            };
            let label = format!("[{}] {}", tr(lang, severity), f.code());
            println!("    {}", line(&label, &f.message(lang)));
        }
    }
}

fn export(args: ExportArgs, lang: Lang) -> Result<u8, CliError> {
    let contents = open(&args.file, &args.password.password_env, lang)?;
    let entry = contents
        .choose(args.alias.as_deref())
        .map_err(|e| CliError::from((e, lang)))?;
    let certificate = entry.certificate.as_ref().ok_or_else(|| {
        CliError::from((
            cert::CertError::NoCertificate {
                alias: entry.label.clone(),
            },
            lang,
        ))
    })?;
    let format = if args.pem {
        CerFormat::Pem
    } else {
        CerFormat::Der
    };
    let bytes = cert::export_cer(certificate, format);
    crate::files::write_atomically(&args.out, &bytes).map_err(|e| CliError::from((e, lang)))?;
    if args.json {
        print_json(&json!({
            "file": args.file.display().to_string(),
            "alias": entry.label,
            "out": args.out.display().to_string(),
            "format": if args.pem { "pem" } else { "der" },
            "bytes": bytes.len(),
            "sha256": certificate.sha256,
        }));
    } else {
        eprintln!(
            "{}",
            tr_args(
                lang,
                "cert.exported",
                &[
                    ("alias", entry.label.clone()),
                    ("path", args.out.display().to_string()),
                ],
            )
        );
    }
    Ok(exit::DONE)
}
