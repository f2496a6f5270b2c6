//! What protects a PKCS#12 file (integrity check, key and certificate encryption),
//! read from its outer structure without the password, and told in plain words.
//! Pure: bytes in, values out.

use serde::Serialize;

use super::der::{self, Tlv};
use crate::i18n::{format_count, tr, tr_args, Lang};

const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const OID_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const OID_SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const OID_PBES2: &str = "1.2.840.113549.1.5.13";
const OID_PBKDF2: &str = "1.2.840.113549.1.5.12";

/// How one part of the file (its keys, or its certificates) is encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Encryption {
    /// `PBES2`, `PKCS#12 PBE` or `PBES1`; the OID where unknown.
    pub scheme: String,
    /// `AES-256-CBC`, `3DES`, `RC2-40`…
    pub cipher: String,
    /// `PBKDF2-HMAC-SHA256`, or the PKCS#12 KDF.
    pub kdf: String,
    pub iterations: Option<u64>,
    /// Algorithms from before 2010 that newer tools (OpenSSL 3) no longer read by default.
    pub legacy: bool,
}

/// The file's MAC: what tells a wrong password and a damaged file apart from a good one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Integrity {
    pub digest: String,
    pub iterations: u64,
}

/// Everything the outer structure says about the file's protection.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Protection {
    pub integrity: Option<Integrity>,
    /// Encryption of the private keys (shrouded key bags); `None` where they are in the clear.
    pub key_encryption: Option<Encryption>,
    /// Encryption of the certificates (encrypted data); `None` where they are in the clear.
    pub certificate_encryption: Option<Encryption>,
    /// A key bag stored without any encryption.
    pub has_plain_key: bool,
    /// Signed (public-key integrity mode) content, which the workbench does not read.
    pub signed: bool,
}

impl Protection {
    /// True where a password encrypts anything in the file.
    pub fn is_encrypted(&self) -> bool {
        self.key_encryption.is_some() || self.certificate_encryption.is_some()
    }

    /// One line in plain words, e.g. "AES-256-CBC, PBKDF2-HMAC-SHA256 with 2,048 rounds;
    /// SHA-256 integrity check with 2,048 rounds".
    pub fn summary(&self, lang: Lang) -> String {
        let mut parts = Vec::new();
        match (&self.key_encryption, &self.certificate_encryption) {
            (None, None) => parts.push(tr(lang, "protection.not_encrypted")),
            (Some(k), Some(c)) if k == c => parts.push(k.describe(lang)),
            (key, certs) => {
                if let Some(k) = key {
                    parts.push(tr_args(
                        lang,
                        "protection.keys",
                        &[("scheme", k.describe(lang))],
                    ));
                } else if self.has_plain_key {
                    parts.push(tr(lang, "protection.keys_clear"));
                }
                match certs {
                    Some(c) => parts.push(tr_args(
                        lang,
                        "protection.certificates",
                        &[("scheme", c.describe(lang))],
                    )),
                    None => parts.push(tr(lang, "protection.certificates_clear")),
                }
            }
        }
        match &self.integrity {
            Some(mac) => parts.push(tr_args(
                lang,
                "protection.integrity",
                &[
                    ("digest", mac.digest.clone()),
                    ("rounds", format_count(lang, mac.iterations)),
                ],
            )),
            None => parts.push(tr(lang, "protection.no_integrity")),
        }
        parts.join("; ")
    }
}

impl Encryption {
    fn describe(&self, lang: Lang) -> String {
        let base = match self.iterations {
            Some(n) if self.scheme == "PBES2" => tr_args(
                lang,
                "protection.scheme_kdf_rounds",
                &[
                    ("cipher", self.cipher.clone()),
                    ("kdf", self.kdf.clone()),
                    ("rounds", format_count(lang, n)),
                ],
            ),
            Some(n) => tr_args(
                lang,
                "protection.scheme_rounds",
                &[
                    ("cipher", self.cipher.clone()),
                    ("rounds", format_count(lang, n)),
                ],
            ),
            None => self.cipher.clone(),
        };
        if self.legacy {
            tr_args(lang, "protection.legacy", &[("scheme", base)])
        } else {
            base
        }
    }

    /// A name for the algorithm, for an `unsupported` message.
    pub fn name(&self) -> String {
        if self.kdf.is_empty() {
            self.cipher.clone()
        } else {
            format!("{} ({}, {})", self.scheme, self.cipher, self.kdf)
        }
    }
}

/// Reads the protection of a PFX from its outer SEQUENCE's content. Best effort:
/// parts it cannot read stay `None`.
pub fn analyse(pfx_content: &[u8]) -> Protection {
    let mut protection = Protection::default();
    let mut items = der::children(pfx_content);
    let _version = items.next();
    let auth_safe = items.next();
    if let Some(mac) = items.next().filter(|t| t.tag == der::TAG_SEQUENCE) {
        protection.integrity = mac_data(mac.value);
    }
    let Some(auth_safe) = auth_safe.filter(|t| t.tag == der::TAG_SEQUENCE) else {
        return protection;
    };
    match content_info(auth_safe.value) {
        Some((oid, content)) if oid == OID_DATA => {
            if let Some((safes, _)) = der::expect(content, der::TAG_OCTET_STRING) {
                if let Some((safes, _)) = der::expect(safes, der::TAG_SEQUENCE) {
                    for safe in der::children(safes) {
                        read_safe(&mut protection, safe);
                    }
                }
            }
        }
        Some((oid, _)) if oid == OID_SIGNED_DATA => protection.signed = true,
        _ => {}
    }
    protection
}

/// A ContentInfo: its type and the inner content of its `[0]`.
fn content_info(value: &[u8]) -> Option<(String, &[u8])> {
    let (oid, rest) = der::expect(value, der::TAG_OID)?;
    let (content, _) = der::expect(rest, der::TAG_CONTEXT_0)?;
    Some((der::oid_to_string(oid)?, content))
}

fn read_safe(protection: &mut Protection, safe: Tlv<'_>) {
    let Some((oid, content)) = content_info(safe.value) else {
        return;
    };
    if oid == OID_ENCRYPTED_DATA {
        // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo SEQUENCE { type, alg, … } }
        let encryption = der::expect(content, der::TAG_SEQUENCE)
            .and_then(|(ed, _)| {
                let mut parts = der::children(ed);
                let _version = parts.next();
                parts.next().filter(|t| t.tag == der::TAG_SEQUENCE)
            })
            .and_then(|eci| {
                let mut parts = der::children(eci.value);
                let _type = parts.next();
                parts.next().filter(|t| t.tag == der::TAG_SEQUENCE)
            })
            .and_then(|alg| encryption(alg.value));
        if protection.certificate_encryption.is_none() {
            protection.certificate_encryption = encryption;
        }
    } else if oid == OID_DATA {
        let Some((bags, _)) = der::expect(content, der::TAG_OCTET_STRING)
            .and_then(|(inner, _)| der::expect(inner, der::TAG_SEQUENCE))
        else {
            return;
        };
        for bag in der::children(bags).filter(|b| b.tag == der::TAG_SEQUENCE) {
            let Some((bag_oid, rest)) = der::expect(bag.value, der::TAG_OID) else {
                continue;
            };
            match der::oid_to_string(bag_oid).as_deref() {
                Some(OID_KEY_BAG) => protection.has_plain_key = true,
                Some(OID_SHROUDED_KEY_BAG) => {
                    let alg = der::expect(rest, der::TAG_CONTEXT_0)
                        .and_then(|(v, _)| der::expect(v, der::TAG_SEQUENCE))
                        .and_then(|(epki, _)| der::expect(epki, der::TAG_SEQUENCE))
                        .and_then(|(alg, _)| encryption(alg));
                    if protection.key_encryption.is_none() {
                        protection.key_encryption = alg;
                    }
                }
                _ => {}
            }
        }
    }
}

/// MacData ::= SEQUENCE { DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
fn mac_data(value: &[u8]) -> Option<Integrity> {
    let mut parts = der::children(value);
    let digest_info = parts.next().filter(|t| t.tag == der::TAG_SEQUENCE)?;
    let (alg, _) = der::expect(digest_info.value, der::TAG_SEQUENCE)?;
    let (oid, _) = der::algorithm_identifier(alg)?;
    let _salt = parts.next();
    let iterations = parts
        .next()
        .filter(|t| t.tag == der::TAG_INTEGER)
        .and_then(|t| der::small_uint(t.value))
        .unwrap_or(1);
    Some(Integrity {
        digest: digest_name(&oid),
        iterations,
    })
}

/// Describes an encryption AlgorithmIdentifier's content.
pub fn encryption(alg: &[u8]) -> Option<Encryption> {
    let (oid, params) = der::algorithm_identifier(alg)?;
    let pkcs12_pbe = |cipher: &str, legacy: bool| Encryption {
        scheme: "PKCS#12 PBE".into(),
        cipher: cipher.into(),
        kdf: "PKCS#12 KDF (SHA-1)".into(),
        iterations: params.and_then(salt_and_iterations),
        legacy,
    };
    let enc = match oid.as_str() {
        "1.2.840.113549.1.12.1.1" => pkcs12_pbe("RC4-128", true),
        "1.2.840.113549.1.12.1.2" => pkcs12_pbe("RC4-40", true),
        "1.2.840.113549.1.12.1.3" => pkcs12_pbe("3DES", true),
        "1.2.840.113549.1.12.1.4" => pkcs12_pbe("2-key 3DES", true),
        "1.2.840.113549.1.12.1.5" => pkcs12_pbe("RC2-128", true),
        "1.2.840.113549.1.12.1.6" => pkcs12_pbe("RC2-40", true),
        "1.2.840.113549.1.5.3" | "1.2.840.113549.1.5.10" => Encryption {
            scheme: "PBES1".into(),
            cipher: "DES".into(),
            kdf: "PBKDF1".into(),
            iterations: params.and_then(salt_and_iterations),
            legacy: true,
        },
        OID_PBES2 => pbes2(params?)?,
        other => Encryption {
            scheme: other.into(),
            cipher: other.into(),
            kdf: String::new(),
            iterations: None,
            legacy: false,
        },
    };
    Some(enc)
}

fn salt_and_iterations(params: Tlv<'_>) -> Option<u64> {
    let mut parts = der::children(params.value);
    let _salt = parts.next();
    parts
        .next()
        .filter(|t| t.tag == der::TAG_INTEGER)
        .and_then(|t| der::small_uint(t.value))
}

/// PBES2-params ::= SEQUENCE { keyDerivationFunc AlgId, encryptionScheme AlgId }
fn pbes2(params: Tlv<'_>) -> Option<Encryption> {
    let mut parts = der::children(params.value);
    let kdf = parts.next().filter(|t| t.tag == der::TAG_SEQUENCE)?;
    let scheme = parts.next().filter(|t| t.tag == der::TAG_SEQUENCE)?;
    let (kdf_oid, kdf_params) = der::algorithm_identifier(kdf.value)?;
    let (cipher_oid, _) = der::algorithm_identifier(scheme.value)?;
    let (kdf_name, iterations) = if kdf_oid == OID_PBKDF2 {
        let params = kdf_params?;
        let mut p = der::children(params.value);
        let _salt = p.next();
        let iterations = p
            .next()
            .filter(|t| t.tag == der::TAG_INTEGER)
            .and_then(|t| der::small_uint(t.value));
        // keyLength is optional; the PRF (a SEQUENCE) defaults to HMAC-SHA1.
        let prf = p
            .find(|t| t.tag == der::TAG_SEQUENCE)
            .and_then(|t| der::algorithm_identifier(t.value).map(|(oid, _)| oid))
            .unwrap_or_else(|| "1.2.840.113549.2.7".into());
        (format!("PBKDF2-{}", prf_name(&prf)), iterations)
    } else {
        (kdf_oid, None)
    };
    let (cipher, legacy) = match cipher_oid.as_str() {
        "2.16.840.1.101.3.4.1.2" => ("AES-128-CBC".to_owned(), false),
        "2.16.840.1.101.3.4.1.22" => ("AES-192-CBC".to_owned(), false),
        "2.16.840.1.101.3.4.1.42" => ("AES-256-CBC".to_owned(), false),
        "1.2.840.113549.3.7" => ("3DES-CBC".to_owned(), true),
        "1.3.14.3.2.7" => ("DES-CBC".to_owned(), true),
        other => (other.to_owned(), false),
    };
    Some(Encryption {
        scheme: "PBES2".into(),
        cipher,
        kdf: kdf_name,
        iterations,
        legacy,
    })
}

fn prf_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.2.7" => "HMAC-SHA1".into(),
        "1.2.840.113549.2.8" => "HMAC-SHA224".into(),
        "1.2.840.113549.2.9" => "HMAC-SHA256".into(),
        "1.2.840.113549.2.10" => "HMAC-SHA384".into(),
        "1.2.840.113549.2.11" => "HMAC-SHA512".into(),
        other => other.into(),
    }
}

fn digest_name(oid: &str) -> String {
    match oid {
        "1.3.14.3.2.26" => "SHA-1".into(),
        "2.16.840.1.101.3.4.2.4" => "SHA-224".into(),
        "2.16.840.1.101.3.4.2.1" => "SHA-256".into(),
        "2.16.840.1.101.3.4.2.2" => "SHA-384".into(),
        "2.16.840.1.101.3.4.2.3" => "SHA-512".into(),
        "1.2.840.113549.2.5" => "MD5".into(),
        other => other.into(),
    }
}
