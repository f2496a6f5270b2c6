//! The sandbox's test certificate: for a user without a `.pfx` yet, to
//! rehearse the whole path in the app's sandbox. Made in memory with a new
//! RSA key each time (never written to disk: it is gone when the app closes
//! or the sandbox is reset), named so in its subject, refused by every
//! environment but the sandbox (`channel::connect`), and never exported for
//! Chaman (the Certificate page says why instead).

use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
use sha1::{Digest, Sha1};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::{open::open_pkcs12, CertError, Entry, Pkcs12Contents};

/// The subject's organisation (O) that marks the test certificate.
pub const ORGANISATION: &str = "fla-assistant sandbox - not for real use";
/// Its common name (CN).
pub const COMMON_NAME: &str = "Sandbox test certificate";
/// The alias of its entry.
pub const ALIAS: &str = "sandbox-test";
/// How long it is valid.
pub const VALID_DAYS: i64 = 90;

/// Whether `entry` is the sandbox's test certificate.
pub fn is_throwaway(entry: &Entry) -> bool {
    entry
        .certificate
        .as_ref()
        .is_some_and(|c| c.subject_org == ORGANISATION)
}

/// A new test certificate valid from `now` for [`VALID_DAYS`], as opening a
/// `.pfx` would give it (the same checks, the same facts).
pub fn make(now: OffsetDateTime) -> Result<Pkcs12Contents, CertError> {
    let fail = |detail: String| CertError::TestCertificate { detail };
    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).map_err(|e| fail(e.to_string()))?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, COMMON_NAME);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, ORGANISATION);
    // A minute back: the sandbox's clock and this one are the same, but a
    // certificate dated "now" reads as not yet valid to a clock a second behind.
    params.not_before = now - time::Duration::minutes(1);
    params.not_after = now + time::Duration::days(VALID_DAYS);
    let cert = params.self_signed(&key).map_err(|e| fail(e.to_string()))?;
    let key_der = Zeroizing::new(key.serialize_der());
    let local_key_id = Sha1::digest(cert.der()).to_vec();
    let chain = PrivateKeyChain::new(
        local_key_id,
        PrivateKey::from_der(&key_der).map_err(|e| fail(e.to_string()))?,
        [Certificate::from_der(cert.der()).map_err(|e| fail(e.to_string()))?],
    );
    let mut store = KeyStore::new();
    store.add_entry(ALIAS, KeyStoreEntry::PrivateKeyChain(chain));
    // A password only for the moment between writing and reading it back.
    let password = Zeroizing::new(uuid::Uuid::new_v4().to_string());
    let bytes = Zeroizing::new(
        store
            .writer(&password)
            .write()
            .map_err(|e| fail(e.to_string()))?,
    );
    open_pkcs12(&bytes, &password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_certificate_signs_says_what_it_is_and_is_new_each_time() {
        let now = OffsetDateTime::now_utc();
        let made = make(now).unwrap();
        let entry = made.choose(None).unwrap();
        assert_eq!(entry.label, ALIAS);
        assert!(is_throwaway(entry));
        let cert = entry.certificate.as_ref().unwrap();
        assert_eq!(cert.subject_cn, COMMON_NAME);
        assert_eq!(cert.key_bits, 2048);
        assert!(
            entry.findings(&made.protection, now).is_empty(),
            "{:?}",
            entry.findings(&made.protection, now)
        );
        let again = make(now).unwrap();
        let other = again.choose(None).unwrap().certificate.as_ref().unwrap();
        assert_ne!(other.public_key, cert.public_key, "a new key each time");
    }
}
