//! The certificate workbench's core: opens a PKCS#12 file with its password,
//! lists its entries with their facts and findings, and exports a certificate as
//! .cer. Takes bytes and values, returns values: no file, clock or network here.

pub mod der;
pub mod facts;
pub mod protection;
pub mod throwaway;

use std::fmt;

use time::OffsetDateTime;
use zeroize::Zeroizing;

pub use facts::{CertFacts, KeyType};
pub use protection::Protection;

use crate::i18n::{tr, tr_args, Lang};

/// Why a file could not be opened or an export could not be made. Its
/// `Display` is the English message; the fronts call `message(lang)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum CertError {
    /// The integrity check (or the decryption) fails with this password.
    WrongPassword,
    /// The file is damaged.
    Corrupt(CorruptKind),
    /// The file is something else than a PKCS#12 file.
    NotPkcs12(LooksLike),
    /// An algorithm the workbench does not read.
    Unsupported { algorithm: String },
    /// The file could not be read (I/O).
    Unreadable {
        path: String,
        detail: String,
        kind: crate::files::IoKind,
    },
    /// No entry has this alias.
    AliasNotFound {
        alias: String,
        available: Vec<String>,
    },
    /// The file holds several entries and none was chosen.
    AliasRequired { available: Vec<String> },
    /// The chosen entry holds no certificate to export.
    NoCertificate { alias: String },
    /// The exported file could not be written.
    WriteFailed {
        path: String,
        detail: String,
        kind: crate::files::IoKind,
    },
    /// The sandbox's test certificate could not be made.
    TestCertificate { detail: String },
}

/// How a damaged file is damaged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorruptKind {
    /// The data ends before its structure does.
    Truncated,
    /// The password decrypts the content, but the integrity check fails.
    IntegrityMismatch,
    /// The structure inside is not what PKCS#12 requires.
    Structure(String),
}

/// What a file that is not PKCS#12 looks like, to say what it is instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LooksLike {
    Empty,
    PemCertificate,
    PemPrivateKey,
    PemOther(String),
    DerCertificate,
    DerPrivateKey,
    JavaKeystore,
    Text,
    Unknown,
}

/// A file the workbench reads or writes failed: said as the workbench's own
/// error (the same codes and sentences).
impl From<crate::files::FileError> for CertError {
    fn from(e: crate::files::FileError) -> Self {
        match e {
            crate::files::FileError::Unreadable { path, detail, kind } => {
                CertError::Unreadable { path, detail, kind }
            }
            crate::files::FileError::WriteFailed { path, detail, kind } => {
                CertError::WriteFailed { path, detail, kind }
            }
        }
    }
}

impl CertError {
    /// The system's own text of a file that could not be read or written (for
    /// the log: what the user reads is said in their language).
    pub fn system_detail(&self) -> Option<&str> {
        match self {
            CertError::Unreadable { detail, .. } | CertError::WriteFailed { detail, .. } => {
                Some(detail)
            }
            _ => None,
        }
    }

    /// A stable snake_case code, for scripts and the JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            CertError::WrongPassword => "wrong_password",
            CertError::Corrupt(_) => "corrupt",
            CertError::NotPkcs12(_) => "not_pkcs12",
            CertError::Unsupported { .. } => "unsupported",
            CertError::Unreadable { .. } => "unreadable",
            CertError::AliasNotFound { .. } => "alias_not_found",
            CertError::AliasRequired { .. } => "alias_required",
            CertError::NoCertificate { .. } => "no_certificate",
            CertError::WriteFailed { .. } => "write_failed",
            CertError::TestCertificate { .. } => "test_certificate",
        }
    }

    /// What happened and what to do next, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            CertError::WrongPassword => tr(lang, "error.wrong_password"),
            CertError::Corrupt(CorruptKind::Truncated) => tr(lang, "error.corrupt.truncated"),
            CertError::Corrupt(CorruptKind::IntegrityMismatch) => {
                tr(lang, "error.corrupt.integrity")
            }
            CertError::Corrupt(CorruptKind::Structure(detail)) => tr_args(
                lang,
                "error.corrupt.structure",
                &[("detail", detail.clone())],
            ),
            CertError::NotPkcs12(looks) => {
                let what = match looks {
                    LooksLike::Empty => tr(lang, "error.not_pkcs12.empty"),
                    LooksLike::PemCertificate => tr(lang, "error.not_pkcs12.pem_certificate"),
                    LooksLike::PemPrivateKey => tr(lang, "error.not_pkcs12.pem_private_key"),
                    LooksLike::PemOther(label) => tr_args(
                        lang,
                        "error.not_pkcs12.pem_other",
                        &[("label", label.clone())],
                    ),
                    LooksLike::DerCertificate => tr(lang, "error.not_pkcs12.der_certificate"),
                    LooksLike::DerPrivateKey => tr(lang, "error.not_pkcs12.der_private_key"),
                    LooksLike::JavaKeystore => tr(lang, "error.not_pkcs12.jks"),
                    LooksLike::Text => tr(lang, "error.not_pkcs12.text"),
                    LooksLike::Unknown => tr(lang, "error.not_pkcs12.unknown"),
                };
                format!("{what} {}", tr(lang, "error.not_pkcs12.next"))
            }
            CertError::Unsupported { algorithm } => tr_args(
                lang,
                "error.unsupported",
                &[("algorithm", algorithm.clone())],
            ),
            CertError::Unreadable { path, detail, kind } => tr_args(
                lang,
                "error.unreadable",
                &[
                    ("path", path.clone()),
                    ("detail", kind.describe(lang, detail)),
                ],
            ),
            CertError::AliasNotFound { alias, available } => tr_args(
                lang,
                "error.alias_not_found",
                &[
                    ("alias", alias.clone()),
                    ("available", available.join(", ")),
                ],
            ),
            CertError::AliasRequired { available } => tr_args(
                lang,
                "error.alias_required",
                &[("available", available.join(", "))],
            ),
            CertError::NoCertificate { alias } => {
                tr_args(lang, "error.no_certificate", &[("alias", alias.clone())])
            }
            CertError::WriteFailed { path, detail, kind } => tr_args(
                lang,
                "error.write_failed",
                &[
                    ("path", path.clone()),
                    ("detail", kind.describe(lang, detail)),
                ],
            ),
            CertError::TestCertificate { detail } => tr_args(
                lang,
                "error.test_certificate",
                &[("detail", detail.clone())],
            ),
        }
    }
}

/// A private key in PKCS#8 DER, wiped from memory when dropped and never printed.
#[derive(Clone)]
pub struct PrivateKeyDer(Zeroizing<Vec<u8>>);

impl PrivateKeyDer {
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for PrivateKeyDer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKeyDer(<redacted>)")
    }
}

/// One entry of the file: a private key with its certificate and chain, or a
/// certificate alone where the file holds no key.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The alias (friendly name), or `#1`, `#2`… where the file gives none.
    pub label: String,
    /// True where `label` is the file's own alias.
    pub has_alias: bool,
    pub local_key_id: Option<Vec<u8>>,
    pub private_key: Option<PrivateKeyDer>,
    /// The private key's own type (it may differ from the certificate's).
    pub private_key_type: Option<KeyType>,
    /// Whether the key belongs to the certificate; `None` where it cannot be told.
    pub key_matches: Option<bool>,
    pub certificate: Option<CertFacts>,
    /// The issuers found in the file, nearest first.
    pub chain: Vec<CertFacts>,
}

/// An opened PKCS#12 file.
#[derive(Debug, Clone)]
pub struct Pkcs12Contents {
    pub protection: Protection,
    pub entries: Vec<Entry>,
    /// Certificates that are not the certificate of a private-key entry (CA and others).
    pub ca_certs: usize,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    /// The entry cannot be used for the channel as it is.
    Error,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Something the user should know about an entry, with what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Expired {
        not_after: OffsetDateTime,
        days_ago: i64,
    },
    NotYetValid {
        not_before: OffsetDateTime,
    },
    ExpiresSoon {
        not_after: OffsetDateTime,
        days_left: i64,
    },
    WeakKey {
        bits: u32,
    },
    NotRsa {
        key_type: String,
    },
    NoPrivateKey,
    NoCertificate,
    KeyCertMismatch,
    NoIntegrityCheck,
    /// The sandbox's test certificate, offered to another environment.
    SandboxOnly,
}

/// A certificate that expires within this many days gets `expires_soon`.
pub const EXPIRES_SOON_DAYS: i64 = 30;
/// A certificate that starts to be valid less than this far ahead is not yet
/// flagged: keytool and openssl date a new certificate "now", and computer clocks
/// drift by seconds or minutes.
pub const CLOCK_TOLERANCE: time::Duration = time::Duration::minutes(5);
/// RSA keys below this size get `weak_key`.
pub const MIN_RSA_BITS: u32 = 2048;

impl Finding {
    pub fn code(&self) -> &'static str {
        match self {
            Finding::Expired { .. } => "expired",
            Finding::NotYetValid { .. } => "not_yet_valid",
            Finding::ExpiresSoon { .. } => "expires_soon",
            Finding::WeakKey { .. } => "weak_key",
            Finding::NotRsa { .. } => "not_rsa",
            Finding::NoPrivateKey => "no_private_key",
            Finding::NoCertificate => "no_certificate",
            Finding::KeyCertMismatch => "key_cert_mismatch",
            Finding::NoIntegrityCheck => "no_integrity_check",
            Finding::SandboxOnly => "sandbox_only",
        }
    }

    pub fn severity(&self) -> Severity {
        match self {
            Finding::ExpiresSoon { .. } | Finding::NoIntegrityCheck => Severity::Warning,
            _ => Severity::Error,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let key = format!("finding.{}", self.code());
        match self {
            Finding::Expired {
                not_after,
                days_ago,
            } => tr_args(
                lang,
                &key,
                &[
                    ("date", format_user_date(*not_after)),
                    ("days", days_text(lang, *days_ago)),
                ],
            ),
            Finding::NotYetValid { not_before } => {
                tr_args(lang, &key, &[("date", format_user_date(*not_before))])
            }
            Finding::ExpiresSoon {
                not_after,
                days_left,
            } => tr_args(
                lang,
                &key,
                &[
                    ("date", format_user_date(*not_after)),
                    ("days", days_text(lang, *days_left)),
                ],
            ),
            Finding::WeakKey { bits } => tr_args(lang, &key, &[("bits", bits.to_string())]),
            Finding::NotRsa { key_type } => tr_args(lang, &key, &[("key_type", key_type.clone())]),
            _ => tr(lang, &key),
        }
    }
}

/// The date of a moment as shown to users: the date in Brussels (a certificate
/// that ends at 23:30 UTC ends the next day there), in ISO form (understood in
/// all three languages).
pub fn format_date(t: OffsetDateTime) -> String {
    iso_date(crate::today::brussels_date(t))
}

/// The date of a moment in Brussels as people in Belgium write it (24/11/2027),
/// for the facts a person reads (the certificate's lines).
pub fn format_user_date(t: OffsetDateTime) -> String {
    crate::i18n::format_date(crate::today::brussels_date(t))
}

fn iso_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A moment in RFC 3339 with a numeric offset (`2026-10-25T01:24:36+00:00`).
pub fn format_rfc3339(t: OffsetDateTime) -> String {
    let o = t.offset();
    let (h, m, _) = o.as_hms();
    format!(
        "{}T{:02}:{:02}:{:02}{}{:02}:{:02}",
        iso_date(t.date()),
        t.hour(),
        t.minute(),
        t.second(),
        if o.is_negative() { '-' } else { '+' },
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

/// Days from today until the day of `t`, both dates in Brussels (negative when
/// past): what "expires in 3 days" means to a user, whatever the hour.
pub fn days_until(t: OffsetDateTime, now: OffsetDateTime) -> i64 {
    (crate::today::brussels_date(t) - crate::today::brussels_date(now)).whole_days()
}

impl Entry {
    /// The findings for this entry at `now`, most serious first.
    pub fn findings(&self, protection: &Protection, now: OffsetDateTime) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.private_key.is_none() {
            out.push(Finding::NoPrivateKey);
        }
        match &self.certificate {
            None => out.push(Finding::NoCertificate),
            Some(cert) => {
                if self.key_matches == Some(false) {
                    out.push(Finding::KeyCertMismatch);
                }
                if now > cert.not_after {
                    out.push(Finding::Expired {
                        not_after: cert.not_after,
                        days_ago: -days_until(cert.not_after, now),
                    });
                } else if now + CLOCK_TOLERANCE < cert.not_before {
                    out.push(Finding::NotYetValid {
                        not_before: cert.not_before,
                    });
                } else if days_until(cert.not_after, now) <= EXPIRES_SOON_DAYS {
                    out.push(Finding::ExpiresSoon {
                        not_after: cert.not_after,
                        days_left: days_until(cert.not_after, now),
                    });
                }
                let key_type = self.private_key_type.as_ref().unwrap_or(&cert.key_type);
                if *key_type != KeyType::Rsa {
                    out.push(Finding::NotRsa {
                        key_type: key_type.name().to_owned(),
                    });
                } else if cert.key_bits < MIN_RSA_BITS {
                    out.push(Finding::WeakKey {
                        bits: cert.key_bits,
                    });
                }
            }
        }
        // A file with nothing encrypted has no password to guard; one whose
        // password encrypts the key but that has no MAC can be altered unseen.
        if protection.integrity.is_none() && protection.is_encrypted() {
            out.push(Finding::NoIntegrityCheck);
        }
        out.sort_by_key(|f| std::cmp::Reverse(f.severity()));
        out
    }
}

impl Pkcs12Contents {
    /// The entry with this label.
    pub fn entry(&self, label: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.label == label)
    }

    pub fn labels(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.label.clone()).collect()
    }

    /// The entry to use: the one named, or the only one (or the only one with a
    /// private key) where none is named.
    pub fn choose(&self, alias: Option<&str>) -> Result<&Entry, CertError> {
        match alias {
            Some(alias) => self.entry(alias).ok_or_else(|| CertError::AliasNotFound {
                alias: alias.to_owned(),
                available: self.labels(),
            }),
            None => {
                let with_key: Vec<&Entry> = self
                    .entries
                    .iter()
                    .filter(|e| e.private_key.is_some())
                    .collect();
                match (self.entries.as_slice(), with_key.as_slice()) {
                    ([only], _) | (_, &[only]) => Ok(only),
                    _ => Err(CertError::AliasRequired {
                        available: self.labels(),
                    }),
                }
            }
        }
    }
}

pub mod open;
pub use open::{open_pkcs12, readable_protection, sniff};

/// The two forms a .cer file takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum CerFormat {
    /// Binary DER: what Chaman takes.
    #[default]
    Der,
    /// Base64 between BEGIN/END CERTIFICATE lines.
    Pem,
}

/// The bytes of a .cer file for this certificate.
pub fn export_cer(cert: &CertFacts, format: CerFormat) -> Vec<u8> {
    match format {
        CerFormat::Der => cert.der.clone(),
        CerFormat::Pem => {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD.encode(&cert.der);
            let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
            for line in b64.as_bytes().chunks(64) {
                pem.push_str(&String::from_utf8_lossy(line));
                pem.push('\n');
            }
            pem.push_str("-----END CERTIFICATE-----\n");
            pem.into_bytes()
        }
    }
}

/// A file name for an entry's .cer: the alias with anything a file system may
/// refuse replaced.
pub fn cer_file_name(label: &str, format: CerFormat) -> String {
    let stem: String = label
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim_matches(['.', ' ']);
    let stem = if stem.is_empty() { "certificate" } else { stem };
    match format {
        CerFormat::Der => format!("{stem}.cer"),
        CerFormat::Pem => format!("{stem}.pem"),
    }
}

/// The labelled facts of a certificate, as both fronts show them.
pub fn certificate_lines(c: &CertFacts, now: OffsetDateTime, lang: Lang) -> Vec<(String, String)> {
    vec![
        (tr(lang, "cert.subject_cn"), c.subject_cn.clone()),
        (tr(lang, "cert.issuer_cn"), c.issuer_cn.clone()),
        (tr(lang, "cert.valid_from"), format_user_date(c.not_before)),
        (tr(lang, "cert.valid_to"), valid_to_text(c, now, lang)),
        (
            tr(lang, "cert.key"),
            format!("{} {}", c.key_type.name(), c.key_bits),
        ),
        (tr(lang, "cert.serial"), c.serial_hex.clone()),
        ("SHA-256".to_owned(), c.sha256.clone()),
        ("SHA-1".to_owned(), c.sha1.clone()),
    ]
}

/// A number of days in `lang`, singular or plural: "1 day", "3 dagen", "0 jour".
pub fn days_text(lang: Lang, days: i64) -> String {
    crate::i18n::tr_n(lang, "cert.days", days.unsigned_abs(), &[])
}

/// "2027-11-24 (364 days left)", or "(expired 30 days ago)" once past.
fn valid_to_text(c: &CertFacts, now: OffsetDateTime, lang: Lang) -> String {
    let days = days_until(c.not_after, now);
    let date = format_user_date(c.not_after);
    if now > c.not_after {
        let ago = -days;
        tr_args(
            lang,
            "cert.valid_to_expired",
            &[("date", date), ("days", days_text(lang, ago))],
        )
    } else {
        tr_args(
            lang,
            "cert.valid_to_days",
            &[("date", date), ("days", days_text(lang, days))],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// A certificate valid until 23:30 UTC on 24 November 2027: already the
    /// 25th (00:30) in Brussels.
    fn ending_at_half_past_midnight_in_brussels() -> CertFacts {
        CertFacts {
            der: Vec::new(),
            subject: "CN=test".into(),
            subject_cn: "test".into(),
            issuer: "CN=test".into(),
            issuer_cn: "test".into(),
            subject_org: String::new(),
            serial_hex: "01".into(),
            sha256: String::new(),
            sha1: String::new(),
            not_before: datetime!(2026-11-24 23:30 UTC),
            not_after: datetime!(2027-11-24 23:30 UTC),
            key_type: KeyType::Rsa,
            key_bits: 2048,
            public_key: facts::PublicKey::Raw(Vec::new()),
            subject_raw: Vec::new(),
            issuer_raw: Vec::new(),
        }
    }

    #[test]
    fn validity_dates_are_shown_as_dates_in_brussels() {
        let c = ending_at_half_past_midnight_in_brussels();
        assert_eq!(format_date(c.not_after), "2027-11-25");
        assert_eq!(format_date(datetime!(2027-06-30 22:30 UTC)), "2027-07-01");
        assert_eq!(format_date(datetime!(2027-06-30 21:59 UTC)), "2027-06-30");
        // The machine-readable moment keeps its own offset.
        assert_eq!(format_rfc3339(c.not_after), "2027-11-24T23:30:00+00:00");
        let lines = certificate_lines(&c, datetime!(2027-01-10 12:00 UTC), Lang::En);
        assert_eq!(lines[2].1, "25/11/2026");
        assert!(lines[3].1.starts_with("25/11/2027 "), "{}", lines[3].1);
    }

    #[test]
    fn days_left_count_brussels_calendar_days() {
        let c = ending_at_half_past_midnight_in_brussels();
        // At noon on the 24th the certificate ends "tomorrow" in Brussels,
        // though less than 24 hours remain.
        let noon = datetime!(2027-11-24 12:00 UTC);
        assert_eq!(days_until(c.not_after, noon), 1);
        // At 00:10 Brussels time on the 25th it ends today.
        assert_eq!(days_until(c.not_after, datetime!(2027-11-24 23:10 UTC)), 0);
        let text = &certificate_lines(&c, noon, Lang::En)[3].1;
        assert!(text.contains("(1 day left)"), "{text}");
        let text = &certificate_lines(&c, noon, Lang::Nl)[3].1;
        assert!(text.contains("(nog 1 dag)"), "{text}");
        let text = &certificate_lines(&c, noon, Lang::Fr)[3].1;
        assert!(text.contains("(encore 1 jour)"), "{text}");
        let findings = Entry {
            label: "x".into(),
            has_alias: true,
            local_key_id: None,
            private_key: None,
            private_key_type: Some(KeyType::Rsa),
            key_matches: None,
            certificate: Some(c.clone()),
            chain: Vec::new(),
        }
        .findings(&Protection::default(), noon);
        assert!(findings.contains(&Finding::ExpiresSoon {
            not_after: c.not_after,
            days_left: 1
        }));
        // Past the end: counted back in Brussels days as well.
        let later = datetime!(2027-11-26 22:30 UTC); // the 26th, 23:30 in Brussels
        assert_eq!(days_until(c.not_after, later), -1);
        let text = &certificate_lines(&c, later, Lang::En)[3].1;
        assert!(text.contains("expired 1 day ago"), "{text}");
    }
}
