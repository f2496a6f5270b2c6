//! Opening a PKCS#12 file: tell what the bytes are, decrypt them with the
//! password, and pair each private key with its certificate and chain. Every
//! failure becomes one of the distinct `CertError`s, never a generic one.

use p12_keystore::error::Error as P12Error;
use p12_keystore::Pkcs12Archive;
use zeroize::Zeroizing;

use super::der::{self, DerFault};
use super::facts::{self, CertFacts};
use super::protection::{self, Protection};
use super::{CertError, CorruptKind, Entry, LooksLike, Pkcs12Contents, PrivateKeyDer};

/// More key-derivation rounds than any real file uses (OpenSSL 3: 2,048; the
/// slowest exports seen: 600,000).
pub const MAX_ROUNDS: u64 = 10_000_000;

/// What a file is, from its bytes alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniff {
    /// A PFX: its protection, read without the password.
    Pkcs12(Box<Protection>),
    /// Something else.
    Not(LooksLike),
    /// A PFX whose data stops early.
    Truncated,
    /// A PFX of another version than 3.
    Version(u64),
}

/// Tells what `data` is without a password.
pub fn sniff(data: &[u8]) -> Sniff {
    if data.is_empty() {
        return Sniff::Not(LooksLike::Empty);
    }
    if data.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) || data.starts_with(&[0xCE, 0xCE, 0xCE, 0xCE]) {
        return Sniff::Not(LooksLike::JavaKeystore);
    }
    if let Some(label) = pem_label(data) {
        return Sniff::Not(match label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => LooksLike::PemCertificate,
            l if l.ends_with("PRIVATE KEY") => LooksLike::PemPrivateKey,
            _ => LooksLike::PemOther(label),
        });
    }
    let outer = match der::read_tlv(data) {
        Ok((tlv, _)) => tlv,
        Err(DerFault::Truncated) if data[0] == der::TAG_SEQUENCE => return Sniff::Truncated,
        Err(_) => return Sniff::Not(text_or_unknown(data)),
    };
    if outer.tag != der::TAG_SEQUENCE {
        return Sniff::Not(text_or_unknown(data));
    }
    let mut parts = der::children(outer.value);
    match (parts.next(), parts.next()) {
        (Some(version), Some(auth_safe))
            if version.tag == der::TAG_INTEGER
                && auth_safe.tag == der::TAG_SEQUENCE
                && der::expect(auth_safe.value, der::TAG_OID).is_some() =>
        {
            match der::small_uint(version.value) {
                Some(3) => Sniff::Pkcs12(Box::new(protection::analyse(outer.value))),
                Some(v) => Sniff::Version(v),
                None => Sniff::Version(u64::MAX),
            }
        }
        _ if facts::certificate_facts(data).is_some() => Sniff::Not(LooksLike::DerCertificate),
        _ if facts::private_key_facts(data).is_some() => Sniff::Not(LooksLike::DerPrivateKey),
        _ => Sniff::Not(LooksLike::Unknown),
    }
}

/// The label of the first PEM block, where the data is PEM text.
fn pem_label(data: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(data.get(..data.len().min(4096))?)
        .ok()
        .or_else(|| {
            // A cut in the middle of a UTF-8 sequence: retry on the valid prefix.
            let valid = std::str::from_utf8(data).err()?.valid_up_to();
            std::str::from_utf8(&data[..valid.min(4096)]).ok()
        })?;
    let start = text.find("-----BEGIN ")? + "-----BEGIN ".len();
    let end = text[start..].find("-----")?;
    Some(text[start..start + end].trim().to_owned())
}

fn text_or_unknown(data: &[u8]) -> LooksLike {
    let sample = &data[..data.len().min(512)];
    let printable = sample
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        .count();
    if printable * 10 >= sample.len() * 9 {
        LooksLike::Text
    } else {
        LooksLike::Unknown
    }
}

/// Everything that can be told of a file before its password: what it is,
/// and whether this tool can read its protection. The fronts call it before
/// asking for a password the file may not need.
pub fn readable_protection(data: &[u8]) -> Result<Protection, CertError> {
    let protection = match sniff(data) {
        Sniff::Pkcs12(p) => *p,
        Sniff::Not(looks) => return Err(CertError::NotPkcs12(looks)),
        Sniff::Truncated => return Err(CertError::Corrupt(CorruptKind::Truncated)),
        Sniff::Version(v) => {
            return Err(CertError::Unsupported {
                algorithm: format!("PKCS#12 version {v}"),
            })
        }
    };
    // The round counts come from the file: a crafted one could ask for billions
    // and hang the app. Real files use at most a few hundred thousand.
    let rounds = [
        &protection.key_encryption,
        &protection.certificate_encryption,
    ]
    .into_iter()
    .flatten()
    .filter_map(|e| e.iterations)
    .chain(protection.integrity.as_ref().map(|m| m.iterations));
    if let Some(too_many) = rounds.into_iter().find(|n| *n > MAX_ROUNDS) {
        return Err(CertError::Unsupported {
            algorithm: format!("{too_many} key-derivation rounds (more than {MAX_ROUNDS})"),
        });
    }
    if protection.signed {
        return Err(CertError::Unsupported {
            algorithm: "PKCS#12 public-key integrity mode (signed data)".into(),
        });
    }
    Ok(protection)
}

/// Opens a PKCS#12 file's bytes with `password`.
pub fn open_pkcs12(data: &[u8], password: &str) -> Result<Pkcs12Contents, CertError> {
    let protection = readable_protection(data)?;
    let archive = match Pkcs12Archive::from_pkcs12(data, password) {
        Ok(archive) => archive,
        Err(err) => return Err(classify(err, data, password, &protection)),
    };
    Ok(assemble(archive, protection))
}

fn classify(err: P12Error, data: &[u8], password: &str, protection: &Protection) -> CertError {
    match err {
        P12Error::MacError(_) => {
            // The MAC fails: either the password is wrong, or the file changed
            // after it was written. Decrypting without the MAC tells which; where
            // nothing is encrypted, nothing can tell, and the password is the
            // likelier cause.
            if protection.is_encrypted()
                && without_mac(data)
                    .is_some_and(|stripped| Pkcs12Archive::from_pkcs12(&stripped, password).is_ok())
            {
                CertError::Corrupt(CorruptKind::IntegrityMismatch)
            } else {
                CertError::WrongPassword
            }
        }
        P12Error::UnsupportedEncryptionScheme => CertError::Unsupported {
            algorithm: [
                &protection.key_encryption,
                &protection.certificate_encryption,
            ]
            .into_iter()
            .flatten()
            .map(|e| e.name())
            .next()
            .unwrap_or_else(|| "unknown encryption scheme".into()),
        },
        P12Error::UnsupportedMacAlgorithm => CertError::Unsupported {
            algorithm: protection
                .integrity
                .as_ref()
                .map(|m| format!("MAC {}", m.digest))
                .unwrap_or_else(|| "unknown MAC algorithm".into()),
        },
        P12Error::UnsupportedContentType => CertError::Unsupported {
            algorithm: "PKCS#12 content type".into(),
        },
        P12Error::InvalidVersion => CertError::Unsupported {
            algorithm: "PKCS#12 version".into(),
        },
        // Without a MAC, a wrong password shows up as bad padding or garbage.
        P12Error::UnpadError | P12Error::Pkcs5Error(_) if protection.integrity.is_none() => {
            CertError::WrongPassword
        }
        P12Error::DerError(_) | P12Error::InvalidData | P12Error::InvalidLength
            if protection.integrity.is_none() && protection.is_encrypted() =>
        {
            CertError::WrongPassword
        }
        P12Error::IoError(e) => CertError::Unreadable {
            path: String::new(),
            detail: e.to_string(),
            kind: crate::files::IoKind::of(&e),
        },
        other => CertError::Corrupt(CorruptKind::Structure(other.to_string())),
    }
}

/// The same PFX without its MacData, to try the password on the content alone.
fn without_mac(data: &[u8]) -> Option<Vec<u8>> {
    let (outer, _) = der::expect(data, der::TAG_SEQUENCE)?;
    let mut parts = der::children(outer);
    let version = parts.next()?;
    let auth_safe = parts.next()?;
    let mut inner = Vec::new();
    for tlv in [version, auth_safe] {
        encode_tlv(&mut inner, tlv.tag, tlv.value);
    }
    let mut out = Vec::with_capacity(inner.len() + 6);
    encode_tlv(&mut out, der::TAG_SEQUENCE, &inner);
    Some(out)
}

fn encode_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
}

/// Pairs keys with certificates: by local key id first, then by public key, and
/// where a file holds one key and one leaf certificate, those two (so that a key
/// that does not belong to its certificate is shown as such, not hidden).
fn assemble(archive: Pkcs12Archive, protection: Protection) -> Pkcs12Contents {
    let certs: Vec<(Option<Vec<u8>>, Option<String>, CertFacts)> = archive
        .certs
        .iter()
        .filter_map(|bag| {
            facts::certificate_facts(bag.cert.as_der())
                .map(|f| (bag.local_key_id.clone(), bag.friendly_name.clone(), f))
        })
        .collect();
    let is_leaf = |c: &CertFacts| {
        !certs
            .iter()
            .any(|(_, _, other)| other.sha256 != c.sha256 && other.issuer_raw == c.subject_raw)
    };
    let mut used = vec![false; certs.len()];
    let mut entries = Vec::new();
    let key_count = archive.keys.len();

    for key_bag in &archive.keys {
        let key_der = Zeroizing::new(key_bag.key.as_der().to_vec());
        let key_facts = facts::private_key_facts(&key_der);
        let local_key_id = key_bag.local_key_id.as_ref().map(|id| id.0.clone());
        let by_id = local_key_id.as_ref().and_then(|id| {
            certs
                .iter()
                .position(|(cid, _, _)| cid.as_deref() == Some(id.as_slice()))
        });
        let by_key = || {
            key_facts.as_ref().and_then(|kf| {
                certs
                    .iter()
                    .position(|(_, _, c)| facts::key_matches_certificate(kf, c) == Some(true))
            })
        };
        let only_leaf = || {
            let leaves: Vec<usize> = (0..certs.len())
                .filter(|i| !used[*i] && is_leaf(&certs[*i].2))
                .collect();
            match (key_count, leaves.as_slice()) {
                (1, [only]) => Some(*only),
                _ => None,
            }
        };
        let cert_index = by_id.or_else(by_key).or_else(only_leaf);
        if let Some(i) = cert_index {
            used[i] = true;
        }
        let certificate = cert_index.map(|i| certs[i].2.clone());
        let key_matches = match (&key_facts, &certificate) {
            (Some(kf), Some(c)) => facts::key_matches_certificate(kf, c),
            _ => None,
        };
        let label = key_bag
            .friendly_name
            .clone()
            .or_else(|| cert_index.and_then(|i| certs[i].1.clone()));
        entries.push(Entry {
            has_alias: label.is_some(),
            label: label.unwrap_or_default(),
            local_key_id,
            private_key: Some(PrivateKeyDer(key_der)),
            private_key_type: key_facts.map(|kf| kf.key_type),
            key_matches,
            certificate,
            chain: Vec::new(),
        });
    }
    let key_entry_certs = used.iter().filter(|u| **u).count();

    // A file without keys: each leaf certificate is an entry of its own, so it
    // can still be seen and exported.
    if archive.keys.is_empty() {
        for (i, (id, name, cert)) in certs.iter().enumerate() {
            if is_leaf(cert) {
                used[i] = true;
                entries.push(Entry {
                    has_alias: name.is_some(),
                    label: name.clone().unwrap_or_default(),
                    local_key_id: id.clone(),
                    private_key: None,
                    private_key_type: None,
                    key_matches: None,
                    certificate: Some(cert.clone()),
                    chain: Vec::new(),
                });
            }
        }
    }

    for (n, entry) in entries.iter_mut().enumerate() {
        if !entry.has_alias {
            entry.label = format!("#{}", n + 1);
        }
        if let Some(leaf) = &entry.certificate {
            entry.chain = chain_of(leaf, certs.iter().map(|(_, _, c)| c));
        }
    }
    Pkcs12Contents {
        protection,
        entries,
        ca_certs: certs.len() - key_entry_certs,
    }
}

/// Follows issuers from `leaf` through `pool`, nearest first, stopping at a
/// self-signed certificate or a loop.
fn chain_of<'a>(
    leaf: &CertFacts,
    pool: impl Iterator<Item = &'a CertFacts> + Clone,
) -> Vec<CertFacts> {
    let mut chain: Vec<CertFacts> = Vec::new();
    let mut current = leaf;
    while current.issuer_raw != current.subject_raw {
        let next = pool.clone().find(|c| {
            c.subject_raw == current.issuer_raw
                && c.sha256 != leaf.sha256
                && !chain.iter().any(|seen| seen.sha256 == c.sha256)
        });
        match next {
            Some(issuer) => {
                chain.push(issuer.clone());
                current = issuer;
            }
            None => break,
        }
    }
    chain
}
