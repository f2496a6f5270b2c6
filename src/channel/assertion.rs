//! The client assertion (RFC 7523 `private_key_jwt`): claims built from values
//! passed in (clock and id included, so it is testable), signed RS256 with the
//! private key of the certificate uploaded in Chaman.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::ChannelError;
use crate::cert::PrivateKeyDer;

/// The published maximum is none; community clients use 300 s in production.
pub const MAX_LIFETIME_SECS: i64 = 300;
pub const DEFAULT_LIFETIME_SECS: i64 = 60;
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The claims of a client assertion [published].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssertionClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

/// Builds the claims: `iss` = `sub` = the client ID, `aud` = the token URL of the
/// environment, a fresh `jti`, `iat` = now, `exp` = now + lifetime (≤ 300 s).
pub fn build_claims(
    client_id: &str,
    audience: &str,
    now: OffsetDateTime,
    jti: &str,
    lifetime_secs: i64,
) -> Result<AssertionClaims, ChannelError> {
    if !(1..=MAX_LIFETIME_SECS).contains(&lifetime_secs) {
        return Err(ChannelError::BadLifetime {
            seconds: lifetime_secs,
        });
    }
    if client_id.trim().is_empty() {
        return Err(ChannelError::MissingClientId);
    }
    let iat = now.unix_timestamp();
    Ok(AssertionClaims {
        iss: client_id.to_owned(),
        sub: client_id.to_owned(),
        aud: audience.to_owned(),
        jti: jti.to_owned(),
        iat,
        exp: iat + lifetime_secs,
    })
}

/// A signed assertion with what went into it (shown in "What was sent").
#[derive(Debug, Clone)]
pub struct ClientAssertion {
    pub jwt: String,
    pub header: serde_json::Value,
    pub claims: AssertionClaims,
}

/// Signs claims with an RSA private key (PKCS#8 DER from the PFX).
pub fn sign(
    claims: &AssertionClaims,
    key: &PrivateKeyDer,
) -> Result<ClientAssertion, ChannelError> {
    let pkcs1 = rsa_pkcs1(key.pkcs8_der()).ok_or(ChannelError::KeyNotRsa)?;
    let encoding_key = EncodingKey::from_rsa_der(&pkcs1);
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("JWT".into());
    let jwt = jsonwebtoken::encode(&header, claims, &encoding_key).map_err(|e| {
        ChannelError::Signing {
            detail: e.to_string(),
        }
    })?;
    Ok(ClientAssertion {
        jwt,
        header: serde_json::json!({"alg": "RS256", "typ": "JWT"}),
        claims: claims.clone(),
    })
}

/// The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo: it is the content of
/// the `privateKey` OCTET STRING, so no conversion is needed, only unwrapping.
pub fn rsa_pkcs1(pkcs8: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    use crate::cert::der;
    let facts = crate::cert::facts::private_key_facts(pkcs8)?;
    if facts.key_type != crate::cert::KeyType::Rsa {
        return None;
    }
    let (info, _) = der::expect(pkcs8, der::TAG_SEQUENCE)?;
    let key = der::children(info).find(|t| t.tag == der::TAG_OCTET_STRING)?;
    Some(Zeroizing::new(key.value.to_vec()))
}

/// A token or assertion shortened for display: the start and the end.
pub fn shorten(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 20 {
        return "…".repeat(chars.len().min(3));
    }
    let head: String = chars[..10].iter().collect();
    let tail: String = chars[chars.len() - 6..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_follow_the_contract() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let c = build_claims(
            "self_service_expeditor_624",
            "https://a/REST/oauth/v5/token",
            now,
            "id-1",
            60,
        )
        .unwrap();
        assert_eq!(c.iss, "self_service_expeditor_624");
        assert_eq!(c.sub, c.iss);
        assert_eq!(c.aud, "https://a/REST/oauth/v5/token");
        assert_eq!(c.jti, "id-1");
        assert_eq!(c.iat, 1_800_000_000);
        assert_eq!(c.exp, 1_800_000_060);
        assert!(matches!(
            build_claims("x", "a", now, "j", 301),
            Err(ChannelError::BadLifetime { .. })
        ));
        assert!(matches!(
            build_claims("x", "a", now, "j", 0),
            Err(ChannelError::BadLifetime { .. })
        ));
        assert!(build_claims("x", "a", now, "j", 300).is_ok());
        assert!(matches!(
            build_claims(" ", "a", now, "j", 60),
            Err(ChannelError::MissingClientId)
        ));
    }

    #[test]
    fn shortening_hides_the_middle() {
        assert_eq!(shorten("abcdefghijklmnopqrstuvwxyz"), "abcdefghij…uvwxyz");
        assert_eq!(shorten("short"), "………");
    }
}
