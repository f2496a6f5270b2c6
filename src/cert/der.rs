//! A minimal, allocation-free DER reader for the few structures the certificate
//! workbench must see beyond what `p12-keystore` exposes (protection parameters,
//! key facts, what a non-PKCS#12 file is). It never panics on any input: every
//! read is bounds-checked and returns `None` on malformed data.

pub const TAG_INTEGER: u8 = 0x02;
pub const TAG_BIT_STRING: u8 = 0x03;
pub const TAG_OCTET_STRING: u8 = 0x04;
pub const TAG_OID: u8 = 0x06;
pub const TAG_SEQUENCE: u8 = 0x30;
pub const TAG_SET: u8 = 0x31;
/// `[0]` constructed, as used by ContentInfo and SafeBag values.
pub const TAG_CONTEXT_0: u8 = 0xA0;
/// `[1]` constructed, as used by ECPrivateKey's public key.
pub const TAG_CONTEXT_1: u8 = 0xA1;

/// One tag-length-value element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
}

/// Why a read failed: the difference matters to tell a truncated file from one
/// that was never DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerFault {
    /// No bytes at all.
    Empty,
    /// A length runs past the end of the data: typical of a truncated file.
    Truncated,
    /// Not DER at all (indefinite or oversized lengths, high tag numbers).
    Malformed,
}

/// Reads one element from the start of `data`, returning it and the rest.
pub fn read_tlv(data: &[u8]) -> Result<(Tlv<'_>, &[u8]), DerFault> {
    let (&tag, rest) = data.split_first().ok_or(DerFault::Empty)?;
    if tag & 0x1F == 0x1F {
        // High tag numbers never occur in the structures we read.
        return Err(DerFault::Malformed);
    }
    let (&first, rest) = rest.split_first().ok_or(DerFault::Truncated)?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 {
            // 0x80 is BER's indefinite length; more than 4 bytes is > 4 GiB.
            return Err(DerFault::Malformed);
        }
        if rest.len() < count {
            return Err(DerFault::Truncated);
        }
        let (len_bytes, rest) = rest.split_at(count);
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return Err(DerFault::Truncated);
    }
    let (value, rest) = rest.split_at(len);
    Ok((Tlv { tag, value }, rest))
}

/// Reads one element that must carry `tag`.
pub fn expect(data: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (tlv, rest) = read_tlv(data).ok()?;
    (tlv.tag == tag).then_some((tlv.value, rest))
}

/// Iterates over the elements inside a constructed value; stops at the first
/// malformed element.
pub fn children(data: &[u8]) -> impl Iterator<Item = Tlv<'_>> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match read_tlv(rest) {
            Ok((tlv, next)) => {
                rest = next;
                Some(tlv)
            }
            Err(_) => {
                rest = &[];
                None
            }
        }
    })
}

/// Decodes an OBJECT IDENTIFIER's content octets as dotted text.
pub fn oid_to_string(value: &[u8]) -> Option<String> {
    let (&first, rest) = value.split_first()?;
    let mut parts = vec![u64::from(first / 40).min(2), 0];
    parts[1] = u64::from(first) - parts[0] * 40;
    let mut acc: u64 = 0;
    for &b in rest {
        if acc > (u64::MAX >> 7) {
            return None;
        }
        acc = (acc << 7) | u64::from(b & 0x7F);
        if b & 0x80 == 0 {
            parts.push(acc);
            acc = 0;
        }
    }
    if acc != 0 || rest.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    Some(
        parts
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// A non-negative INTEGER's value as a u64, if it fits.
pub fn small_uint(value: &[u8]) -> Option<u64> {
    let trimmed = strip_leading_zeros(value);
    if trimmed.len() > 8 || value.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    Some(
        trimmed
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
    )
}

/// An unsigned big integer without its sign-padding zeros.
pub fn strip_leading_zeros(value: &[u8]) -> &[u8] {
    let start = value.iter().position(|b| *b != 0).unwrap_or(value.len());
    &value[start..]
}

/// The number of significant bits of an unsigned big-endian integer.
pub fn bit_length(value: &[u8]) -> u32 {
    let trimmed = strip_leading_zeros(value);
    match trimmed.first() {
        None => 0,
        Some(first) => {
            let bytes = u32::try_from(trimmed.len()).unwrap_or(u32::MAX / 8);
            bytes.saturating_mul(8) - first.leading_zeros()
        }
    }
}

/// An AlgorithmIdentifier: its OID and its raw parameters element (if any).
pub fn algorithm_identifier(value: &[u8]) -> Option<(String, Option<Tlv<'_>>)> {
    let (oid, rest) = expect(value, TAG_OID)?;
    let params = read_tlv(rest).ok().map(|(tlv, _)| tlv);
    Some((oid_to_string(oid)?, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let short = [0x04, 0x02, 0xAA, 0xBB, 0x05];
        let (tlv, rest) = read_tlv(&short).unwrap();
        assert_eq!(tlv.value, &[0xAA, 0xBB]);
        assert_eq!(rest, &[0x05]);

        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(7u8, 256));
        let (tlv, rest) = read_tlv(&long).unwrap();
        assert_eq!(tlv.value.len(), 256);
        assert!(rest.is_empty());
    }

    #[test]
    fn tells_truncated_from_malformed() {
        assert_eq!(read_tlv(&[]), Err(DerFault::Empty));
        assert_eq!(read_tlv(&[0x30, 0x05, 1, 2]), Err(DerFault::Truncated));
        assert_eq!(read_tlv(&[0x30, 0x80, 0, 0]), Err(DerFault::Malformed));
        assert_eq!(read_tlv(&[0x1F, 0x01, 0]), Err(DerFault::Malformed));
    }

    #[test]
    fn decodes_oids() {
        // 1.2.840.113549.1.5.13 (PBES2)
        let pbes2 = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0D];
        assert_eq!(
            oid_to_string(&pbes2).as_deref(),
            Some("1.2.840.113549.1.5.13")
        );
        // 2.16.840.1.101.3.4.1.42 (AES-256-CBC)
        let aes = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A];
        assert_eq!(
            oid_to_string(&aes).as_deref(),
            Some("2.16.840.1.101.3.4.1.42")
        );
        assert_eq!(oid_to_string(&[0x2A, 0x86]), None);
    }

    #[test]
    fn integers() {
        assert_eq!(small_uint(&[0x00, 0x80]), Some(128));
        assert_eq!(small_uint(&[0x09, 0x27, 0xC0]), Some(600_000));
        assert_eq!(small_uint(&[0x80]), None);
        assert_eq!(bit_length(&[0x00, 0xC0, 0x00]), 16);
        assert_eq!(bit_length(&[0x01, 0x00]), 9);
        assert_eq!(bit_length(&[0x00]), 0);
    }
}
