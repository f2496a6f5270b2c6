//! Certificates made at test time, valid relative to now, so that no test
//! compares the wall clock with a fixture's dates (the fixtures expire on
//! 2027-11-24). A "fresh" file keeps a fixture's key, alias, subject and
//! password; only its certificate is new, self-signed with that key, valid from
//! 30 days ago for a year (or the validity asked).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use p12_keystore::{
    Certificate, KeyStore, KeyStoreEntry, Pkcs12ImportPolicy, PrivateKey, PrivateKeyChain,
};
use time::{Duration, OffsetDateTime};

fn fixture_path(name: &str) -> PathBuf {
    crate::project_dir().join("tests/fixtures/pfx").join(name)
}

/// The password of the fixtures this module renews.
pub const PASSWORD: &str = "Password";

/// The alias, PKCS#8 key, local key id and subject CN of a fixture's key entry.
fn fixture_key(name: &str) -> (String, Vec<u8>, Vec<u8>, String) {
    let bytes = std::fs::read(fixture_path(name)).unwrap();
    let store = KeyStore::from_pkcs12(&bytes, PASSWORD, Pkcs12ImportPolicy::Relaxed).unwrap();
    let (alias, chain) = store.private_key_chain().unwrap();
    let subject = chain.certs()[0].subject().to_owned();
    (
        alias.to_owned(),
        chain.key().as_der().to_vec(),
        chain.local_key_id().as_ref().to_vec(),
        subject,
    )
}

/// Writes to `out` a PKCS#12 with the key of fixture `name` and a new
/// self-signed certificate valid from `not_before` to `not_after`.
pub fn renewed_pfx(
    name: &str,
    out: &Path,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> PathBuf {
    let (alias, key_der, local_key_id, subject) = fixture_key(name);
    let cn = subject
        .split(',')
        .find_map(|part| part.trim().strip_prefix("CN="))
        .unwrap_or(&alias)
        .to_owned();
    let key_pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &rustls_pki_types::PrivatePkcs8KeyDer::from(key_der.clone()),
        &rcgen::PKCS_RSA_SHA256,
    )
    .unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn.clone());
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "fla-assistant tests");
    params.not_before = not_before;
    params.not_after = not_after;
    let cert = params.self_signed(&key_pair).unwrap();
    let chain = PrivateKeyChain::new(
        local_key_id,
        PrivateKey::from_der(&key_der).unwrap(),
        [Certificate::from_der(cert.der()).unwrap()],
    );
    let mut store = KeyStore::new();
    store.add_entry(&alias, KeyStoreEntry::PrivateKeyChain(chain));
    let bytes = store.writer(PASSWORD).write().unwrap();
    std::fs::write(out, bytes).unwrap();
    out.to_path_buf()
}

/// A copy of fixture `name` (same key, alias, subject and password) whose
/// certificate is valid now: from 30 days ago for 365 days. Made once per test
/// process and kept in a temporary folder.
pub fn fresh(name: &str) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    static MADE: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
    let mut made = MADE
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap();
    made.entry(name.to_owned())
        .or_insert_with(|| {
            let now = OffsetDateTime::now_utc();
            renewed_pfx(
                name,
                &dir.path().join(name),
                now - Duration::days(30),
                now + Duration::days(365),
            )
        })
        .clone()
}

/// `fresh` as a string, for command lines.
pub fn fresh_arg(name: &str) -> String {
    fresh(name).display().to_string()
}

/// A copy of fixture `name` whose certificate expired yesterday.
pub fn expired(name: &str, dir: &Path) -> PathBuf {
    let now = OffsetDateTime::now_utc();
    renewed_pfx(
        name,
        &dir.join(format!("expired-{name}")),
        now - Duration::days(400),
        now - Duration::days(1),
    )
}
