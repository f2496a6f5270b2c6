//! How a declaration is known, whatever holds it (a file's row, the journal,
//! the engine): its enterprise number as the journal indexes it and its
//! reference, or, for a declaration given without one, the reference its
//! content makes; and the 16-byte digests that stand for both where a million
//! rows must fit. Pure: no file, no journal, no clock.

use crate::fla::wire::Declaration;

/// 16 bytes of a SHA-256.
pub type Digest = [u8; 16];

/// An (enterprise, reference) pair in 16 bytes: the pair itself would cost
/// two strings per row.
pub fn key_digest(enterprise: &str, reference: &str) -> Digest {
    use sha2::{Digest as _, Sha256};
    let mut hash = Sha256::new();
    hash.update(enterprise.as_bytes());
    // A separator that neither can hold, so that ("1", "23") is not ("12", "3").
    hash.update([0u8]);
    hash.update(reference.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&hash.finalize()[..16]);
    out
}

/// The enterprise number as the journal indexes it (10 digits where it reads).
pub use crate::identifiers::normalised_enterprise;

/// The reference a declaration given without one is sent under: made from
/// its content ("FLA-" + 32 hex digits of a SHA-256 of the declaration, its
/// enterprise number normalised), so that the same row read again, from the
/// same file or a copy under another name, is the same declaration and is not
/// declared twice; a row changed in the file is another declaration.
pub fn content_reference(declaration: &Declaration) -> String {
    let hex: String = content_digest(declaration)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    format!("FLA-{hex}")
}

/// What a declaration says, its reference left out, in 16 bytes (the first of
/// a SHA-256 of it, its enterprise number normalised): two rows with the same
/// digest are the same declaration (see [`content_reference`]).
pub fn content_digest(declaration: &Declaration) -> [u8; 16] {
    let mut d = declaration.clone();
    d.external_reference = String::new();
    d.employer.enterprise_number = normalised_enterprise(&d.employer.enterprise_number);
    digest_of(&d)
}

/// The first 16 bytes of a SHA-256 of `value`'s JSON: what a row's digest is
/// made of, for any service.
pub fn digest_of<T: serde::Serialize>(value: &T) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// How the journal knows a declaration: its enterprise number (normalised) and
/// its reference, or the one [`content_reference`] gives it when it has none.
pub fn row_key(declaration: &Declaration) -> (String, String) {
    let reference = declaration.external_reference.trim();
    let reference = if reference.is_empty() {
        content_reference(declaration)
    } else {
        reference.to_owned()
    };
    (
        normalised_enterprise(&declaration.employer.enterprise_number),
        reference,
    )
}
