//! Facts about one certificate (names, serial, fingerprints, validity, key) and
//! about one PKCS#8 private key, and whether the two belong together. Pure.

use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::der;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_DSA: &str = "1.2.840.10040.4.1";

/// The kind of public/private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    Ec,
    Ed25519,
    Dsa,
    /// Another algorithm, by OID.
    Other(String),
}

impl KeyType {
    fn from_oid(oid: &str) -> KeyType {
        match oid {
            OID_RSA => KeyType::Rsa,
            OID_EC => KeyType::Ec,
            OID_ED25519 => KeyType::Ed25519,
            OID_DSA => KeyType::Dsa,
            other => KeyType::Other(other.to_owned()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ec => "EC",
            KeyType::Ed25519 => "Ed25519",
            KeyType::Dsa => "DSA",
            KeyType::Other(oid) => oid,
        }
    }
}

/// What the workbench shows and checks of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    pub der: Vec<u8>,
    pub subject: String,
    pub subject_cn: String,
    pub issuer: String,
    pub issuer_cn: String,
    /// The organisation (O) of the subject, as Chaman shows the "enterprise".
    pub subject_org: String,
    pub serial_hex: String,
    pub sha256: String,
    pub sha1: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub key_type: KeyType,
    pub key_bits: u32,
    /// The raw subject public key (the BIT STRING's content), to match a private key.
    pub public_key: PublicKey,
    pub subject_raw: Vec<u8>,
    pub issuer_raw: Vec<u8>,
}

/// A public key reduced to what matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    /// The encoded point (EC) or key bytes (others).
    Raw(Vec<u8>),
}

/// Uppercase hex without separators, as fingerprints and serials are shown.
pub fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02X}");
            s
        })
}

/// Reads a DER certificate. `None` where it is not one.
pub fn certificate_facts(cert_der: &[u8]) -> Option<CertFacts> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der).ok()?;
    let first_cn = |name: &x509_parser::x509::X509Name<'_>| {
        name.iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let org = cert
        .subject()
        .iter_organization()
        .next()
        .and_then(|o| o.as_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();
    // The serial as a number in hex (no sign-padding zero), as openssl prints it.
    let serial = hex_upper(der::strip_leading_zeros(cert.raw_serial()));
    let serial_hex = match serial.strip_prefix('0') {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ if serial.is_empty() => "0".to_owned(),
        _ => serial,
    };
    let spki = cert.public_key();
    let key_oid = spki.algorithm.algorithm.to_id_string();
    let key_type = KeyType::from_oid(&key_oid);
    let key_bytes: &[u8] = &spki.subject_public_key.data;
    let (public_key, key_bits) = match key_type {
        KeyType::Rsa => rsa_public_key(key_bytes)
            .map(|(n, e)| {
                let bits = der::bit_length(&n);
                (
                    PublicKey::Rsa {
                        modulus: n,
                        exponent: e,
                    },
                    bits,
                )
            })
            .unwrap_or((PublicKey::Raw(key_bytes.to_vec()), 0)),
        KeyType::Ec => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string());
            (
                PublicKey::Raw(key_bytes.to_vec()),
                ec_bits(curve.as_deref(), key_bytes),
            )
        }
        KeyType::Ed25519 => (PublicKey::Raw(key_bytes.to_vec()), 256),
        _ => (
            PublicKey::Raw(key_bytes.to_vec()),
            u32::try_from(key_bytes.len() * 8).unwrap_or(0),
        ),
    };
    Some(CertFacts {
        der: cert_der.to_vec(),
        subject: cert.subject().to_string(),
        subject_cn: first_cn(cert.subject()),
        issuer: cert.issuer().to_string(),
        issuer_cn: first_cn(cert.issuer()),
        subject_org: org,
        serial_hex,
        sha256: hex_upper(&Sha256::digest(cert_der)),
        sha1: hex_upper(&Sha1::digest(cert_der)),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        key_type,
        key_bits,
        public_key,
        subject_raw: cert.subject().as_raw().to_vec(),
        issuer_raw: cert.issuer().as_raw().to_vec(),
    })
}

fn ec_bits(curve: Option<&str>, point: &[u8]) -> u32 {
    match curve {
        Some("1.2.840.10045.3.1.7") => 256,
        Some("1.3.132.0.34") => 384,
        Some("1.3.132.0.35") => 521,
        Some("1.3.132.0.10") => 256,
        // An uncompressed point holds two coordinates after its 0x04 prefix.
        _ => u32::try_from(point.len().saturating_sub(1) * 4).unwrap_or(0),
    }
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
fn rsa_public_key(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (seq, _) = der::expect(data, der::TAG_SEQUENCE)?;
    let (n, rest) = der::expect(seq, der::TAG_INTEGER)?;
    let (e, _) = der::expect(rest, der::TAG_INTEGER)?;
    Some((
        der::strip_leading_zeros(n).to_vec(),
        der::strip_leading_zeros(e).to_vec(),
    ))
}

/// What a PKCS#8 private key says about itself: its type and, where it carries
/// it, its public half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateKeyFacts {
    pub key_type: KeyType,
    pub public_key: Option<PublicKey>,
}

/// PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, privateKey OCTET STRING, … }
pub fn private_key_facts(pkcs8: &[u8]) -> Option<PrivateKeyFacts> {
    let (info, _) = der::expect(pkcs8, der::TAG_SEQUENCE)?;
    let mut parts = der::children(info);
    let _version = parts.next().filter(|t| t.tag == der::TAG_INTEGER)?;
    let alg = parts.next().filter(|t| t.tag == der::TAG_SEQUENCE)?;
    let (oid, _) = der::algorithm_identifier(alg.value)?;
    let key = parts.next().filter(|t| t.tag == der::TAG_OCTET_STRING)?;
    let key_type = KeyType::from_oid(&oid);
    let public_key = match key_type {
        // RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, … }
        KeyType::Rsa => der::expect(key.value, der::TAG_SEQUENCE).and_then(|(rsa, _)| {
            let mut ints = der::children(rsa).filter(|t| t.tag == der::TAG_INTEGER);
            let _version = ints.next()?;
            let n = ints.next()?;
            let e = ints.next()?;
            Some(PublicKey::Rsa {
                modulus: der::strip_leading_zeros(n.value).to_vec(),
                exponent: der::strip_leading_zeros(e.value).to_vec(),
            })
        }),
        // ECPrivateKey ::= SEQUENCE { version, privateKey, [0] params OPTIONAL, [1] publicKey OPTIONAL }
        KeyType::Ec => der::expect(key.value, der::TAG_SEQUENCE).and_then(|(ec, _)| {
            let public = der::children(ec).find(|t| t.tag == der::TAG_CONTEXT_1)?;
            let (bits, _) = der::expect(public.value, der::TAG_BIT_STRING)?;
            // The first octet of a BIT STRING counts unused bits.
            Some(PublicKey::Raw(bits.get(1..)?.to_vec()))
        }),
        _ => None,
    };
    Some(PrivateKeyFacts {
        key_type,
        public_key,
    })
}

/// Whether a private key belongs to a certificate: `Some(false)` when it
/// certainly does not, `None` where the key does not carry enough to tell.
pub fn key_matches_certificate(key: &PrivateKeyFacts, cert: &CertFacts) -> Option<bool> {
    if key.key_type != cert.key_type {
        return Some(false);
    }
    key.public_key.as_ref().map(|pk| *pk == cert.public_key)
}
