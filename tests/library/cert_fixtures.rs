//! Walks tests/fixtures/pfx/manifest.json (files made by openssl, JDK keytool and
//! Python cryptography) and checks every fact, finding and error exactly, at each
//! case's reference time.

use std::collections::BTreeSet;
use std::path::PathBuf;

use fla_assistant::cert::{self, CertError, CorruptKind};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pfx")
}

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(fixtures().join("manifest.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
        .to_owned()
}

#[test]
fn every_manifest_case_opens_as_stated() {
    let cases = manifest();
    assert_eq!(cases.len(), 18, "the manifest has 18 cases");
    for case in cases {
        let file = s(&case, "file");
        let label = format!("{file} (password {:?})", s(&case, "password"));
        let data = std::fs::read(fixtures().join(&file)).unwrap();
        let now = OffsetDateTime::parse(&s(&case, "reference_time"), &Rfc3339).unwrap();
        let result = cert::open_pkcs12(&data, &s(&case, "password"));
        let expect = s(&case, "expect");
        if expect != "ok" {
            let err = result.expect_err(&label);
            assert_eq!(err.code(), expect, "{label}: {err}");
            continue;
        }
        let contents = result.unwrap_or_else(|e| panic!("{label}: {e}"));

        let wanted = case["entries"].as_array().unwrap();
        if !wanted.is_empty() {
            assert_eq!(contents.entries.len(), wanted.len(), "{label}: entry count");
        }
        for w in wanted {
            let alias = s(w, "alias");
            let entry = contents
                .entry(&alias)
                .unwrap_or_else(|| panic!("{label}: no entry {alias}: {:?}", contents.labels()));
            assert_eq!(
                entry.private_key.is_some(),
                w["has_private_key"].as_bool().unwrap()
            );
            let c = entry.certificate.as_ref().expect("certificate");
            let facts = [
                ("subject_cn", c.subject_cn.clone()),
                ("issuer_cn", c.issuer_cn.clone()),
                ("serial_hex", c.serial_hex.clone()),
                ("sha256", c.sha256.clone()),
                ("sha1", c.sha1.clone()),
                ("not_before", cert::format_rfc3339(c.not_before)),
                ("not_after", cert::format_rfc3339(c.not_after)),
                ("key_type", c.key_type.name().to_owned()),
            ];
            for (key, got) in facts {
                assert_eq!(got, s(w, key), "{label} / {alias}: {key}");
            }
            assert_eq!(
                u64::from(c.key_bits),
                w["key_bits"].as_u64().unwrap(),
                "{label}: key_bits"
            );
        }
        assert_eq!(
            contents.ca_certs as u64,
            case["ca_certs"].as_u64().unwrap(),
            "{label}: ca_certs"
        );
        let got: BTreeSet<&str> = contents
            .entries
            .iter()
            .flat_map(|e| e.findings(&contents.protection, now))
            .map(|f| f.code())
            .collect();
        let want: BTreeSet<&str> = case["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(got, want, "{label}: findings at {now}");
    }
}

#[test]
fn protection_is_told_in_plain_words() {
    use fla_assistant::i18n::Lang;
    let open = |file: &str, password: &str| {
        let data = std::fs::read(fixtures().join(file)).unwrap();
        cert::open_pkcs12(&data, password).unwrap().protection
    };
    assert_eq!(
        open("openssl3-aes256.pfx", "Password").summary(Lang::En),
        "AES-256-CBC, PBKDF2-HMAC-SHA256 with 2,048 rounds; SHA-256 integrity check with 2,048 rounds"
    );
    let legacy = open("openssl-legacy-rc2.pfx", "Password");
    assert_eq!(
        legacy.certificate_encryption.as_ref().unwrap().cipher,
        "RC2-40"
    );
    assert!(legacy.summary(Lang::En).contains("legacy RC2-40"));
    let slow = open("high-iterations.pfx", "Password");
    assert_eq!(
        slow.key_encryption.as_ref().unwrap().iterations,
        Some(600_000)
    );
    assert!(slow.summary(Lang::Nl).contains("600.000"));
    let no_mac = open("no-mac.pfx", "Password");
    assert!(no_mac.integrity.is_none());
    assert!(no_mac.summary(Lang::En).contains("no integrity check"));
}

/// A file whose MAC no longer matches its content, opened with the right
/// password: the file is damaged; the password must not be blamed.
#[test]
fn damaged_file_with_right_password_is_corrupt_not_wrong_password() {
    let mut data = std::fs::read(fixtures().join("openssl3-aes256.pfx")).unwrap();
    // The MAC digest sits near the end (salt and iteration count follow it).
    let at = data.len() - 20;
    data[at] ^= 0x55;
    assert_eq!(
        cert::open_pkcs12(&data, "Password").unwrap_err(),
        CertError::Corrupt(CorruptKind::IntegrityMismatch)
    );
    assert_eq!(
        cert::open_pkcs12(&data, "wrong").unwrap_err(),
        CertError::WrongPassword
    );
}

#[test]
fn wrong_password_without_mac_is_still_wrong_password() {
    let data = std::fs::read(fixtures().join("no-mac.pfx")).unwrap();
    assert_eq!(
        cert::open_pkcs12(&data, "nope").unwrap_err(),
        CertError::WrongPassword
    );
}

#[test]
fn what_a_non_pkcs12_file_looks_like_is_named() {
    use fla_assistant::cert::LooksLike;
    let not = |data: &[u8]| match cert::open_pkcs12(data, "x") {
        Err(CertError::NotPkcs12(looks)) => looks,
        other => panic!("{other:?}"),
    };
    let pem = std::fs::read(fixtures().join("not-a-pfx.pfx")).unwrap();
    assert_eq!(not(&pem), LooksLike::PemCertificate);
    assert_eq!(not(b""), LooksLike::Empty);
    assert_eq!(
        not(b"-----BEGIN PRIVATE KEY-----\nAAAA\n"),
        LooksLike::PemPrivateKey
    );
    assert_eq!(
        not(&[0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2]),
        LooksLike::JavaKeystore
    );
    assert_eq!(
        not(b"hello, this is a note about my certificate\n"),
        LooksLike::Text
    );
    assert_eq!(not(&[0x00, 0x9F, 0x13, 0xEE, 0x01]), LooksLike::Unknown);
    // The DER certificate inside a PFX, exported as .cer, is a certificate, not a PFX.
    let data = std::fs::read(fixtures().join("openssl3-aes256.pfx")).unwrap();
    let contents = cert::open_pkcs12(&data, "Password").unwrap();
    let der = &contents.entries[0].certificate.as_ref().unwrap().der;
    assert_eq!(not(der), LooksLike::DerCertificate);
}

#[test]
fn every_truncation_of_a_good_file_is_a_clear_error() {
    let data = std::fs::read(fixtures().join("openssl3-aes256.pfx")).unwrap();
    for cut in (0..data.len()).step_by(97) {
        match cert::open_pkcs12(&data[..cut], "Password") {
            Err(e) => assert!(
                ["corrupt", "not_pkcs12", "wrong_password"].contains(&e.code()),
                "cut at {cut}: {e:?}"
            ),
            Ok(_) => panic!("a file cut at {cut} of {} opened", data.len()),
        }
    }
}

#[test]
fn exported_cer_is_the_certificate_in_der_and_pem() {
    let data = std::fs::read(fixtures().join("java-two-aliases.p12")).unwrap();
    let contents = cert::open_pkcs12(&data, "Password").unwrap();
    assert!(matches!(
        contents.choose(None),
        Err(CertError::AliasRequired { .. })
    ));
    let entry = contents.choose(Some("dimona")).unwrap();
    let c = entry.certificate.as_ref().unwrap();
    let der = cert::export_cer(c, cert::CerFormat::Der);
    use sha2::Digest;
    assert_eq!(
        cert::facts::hex_upper(&sha2::Sha256::digest(&der)),
        "A6F9CA356D4F44F3941A65BF3DC9DFF53B0F3DE6810764D0B16B01E85E5F043B"
    );
    let pem = String::from_utf8(cert::export_cer(c, cert::CerFormat::Pem)).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
    assert!(pem.lines().all(|l| l.len() <= 64));
    assert_eq!(
        cert::cer_file_name("dimona", cert::CerFormat::Der),
        "dimona.cer"
    );
    assert_eq!(
        cert::cer_file_name("a/b:c", cert::CerFormat::Pem),
        "a_b_c.pem"
    );
    assert!(matches!(
        contents.choose(Some("nope")),
        Err(CertError::AliasNotFound { .. })
    ));
}

#[test]
fn findings_follow_the_moment_asked() {
    let data = std::fs::read(fixtures().join("openssl3-aes256.pfx")).unwrap();
    let contents = cert::open_pkcs12(&data, "Password").unwrap();
    let entry = &contents.entries[0];
    let at = |t: &str| -> Vec<&'static str> {
        let now = OffsetDateTime::parse(t, &Rfc3339).unwrap();
        entry
            .findings(&contents.protection, now)
            .iter()
            .map(|f| f.code())
            .collect()
    };
    assert_eq!(at("2027-03-01T00:00:00+01:00"), Vec::<&str>::new());
    assert_eq!(at("2027-11-01T00:00:00+00:00"), vec!["expires_soon"]);
    assert_eq!(at("2027-11-24T01:24:37+00:00"), vec!["expired"]);
    assert_eq!(at("2026-10-20T00:00:00+00:00"), vec!["not_yet_valid"]);
}

/// The private key never shows in debug output (logs, panics).
#[test]
fn private_key_is_redacted_in_debug_output() {
    let data = std::fs::read(fixtures().join("openssl3-aes256.pfx")).unwrap();
    let contents = cert::open_pkcs12(&data, "Password").unwrap();
    let key = contents.entries[0].private_key.as_ref().unwrap();
    let debug = format!("{contents:?}");
    assert!(debug.contains("<redacted>"));
    let key_hex = cert::facts::hex_upper(&key.pkcs8_der()[40..72]);
    assert!(!cert::facts::hex_upper(debug.as_bytes()).contains(&key_hex));
    assert!(!debug.contains(&format!("{:?}", &key.pkcs8_der()[40..72])));
}
