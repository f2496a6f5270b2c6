//! Feeds arbitrary bytes to the certificate workbench the way the GUI and the
//! CLI do: sniff, open with a password, then findings and .cer export for every
//! entry. Any panic, overflow or abort is a bug; errors are expected.
#![no_main]

use fla_assistant::cert::{self, CerFormat};
use fla_assistant::i18n::Lang;
use libfuzzer_sys::fuzz_target;
use time::macros::datetime;

fuzz_target!(|data: &[u8]| {
    // Sniffing reads the outer structure without the password.
    let _ = cert::sniff(data);

    // "Password" is the password of most fixtures, so mutated seeds still
    // decrypt and the fuzzer reaches the key/certificate pairing code.
    let Ok(contents) = cert::open_pkcs12(data, "Password") else {
        return;
    };

    // A fixed moment, so that a run is reproducible.
    let now = datetime!(2026-11-24 00:00:00 UTC);
    let _ = contents.protection.summary(Lang::En);
    let _ = contents.labels();
    let _ = contents.choose(None);
    for entry in &contents.entries {
        let findings = entry.findings(&contents.protection, now);
        for finding in &findings {
            let _ = finding.code();
            let _ = finding.severity();
            let _ = finding.message(Lang::En);
        }
        let _ = cert::cer_file_name(&entry.label, CerFormat::Der);
        for facts in entry.certificate.iter().chain(entry.chain.iter()) {
            let der = cert::export_cer(facts, CerFormat::Der);
            assert_eq!(der, facts.der, "DER export must be the certificate's own bytes");
            let pem = cert::export_cer(facts, CerFormat::Pem);
            assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----\n"));
        }
    }
});
