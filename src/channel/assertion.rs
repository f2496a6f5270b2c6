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

/// Checks a lifetime before anything is built or sent.
pub fn check_lifetime(lifetime_secs: i64) -> Result<(), ChannelError> {
    if (1..=MAX_LIFETIME_SECS).contains(&lifetime_secs) {
        Ok(())
    } else {
        Err(ChannelError::BadLifetime {
            seconds: lifetime_secs,
        })
    }
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
    check_lifetime(lifetime_secs)?;
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
/// Its `Debug` shows the JWT shortened: a log or a panic message never holds
/// an assertion that could still be used.
#[derive(Clone)]
pub struct ClientAssertion {
    pub jwt: String,
    pub header: serde_json::Value,
    pub claims: AssertionClaims,
}

impl std::fmt::Debug for ClientAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAssertion")
            .field("jwt", &shorten(&self.jwt))
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish()
    }
}

/// Signs claims with an RSA private key (PKCS#8 DER from the PFX).
pub fn sign(
    claims: &AssertionClaims,
    key: &PrivateKeyDer,
) -> Result<ClientAssertion, ChannelError> {
    let pkcs1 = rsa_pkcs1(key.pkcs8_der())?;
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

/// The PKCS#1 RSAPrivateKey that `jsonwebtoken` signs with, from the PKCS#8
/// PrivateKeyInfo the PFX holds, converted through `rsa` (which also checks that
/// the key's numbers are consistent).
pub fn rsa_pkcs1(pkcs8: &[u8]) -> Result<Zeroizing<Vec<u8>>, ChannelError> {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let is_rsa = crate::cert::facts::private_key_facts(pkcs8)
        .is_some_and(|facts| facts.key_type == crate::cert::KeyType::Rsa);
    if !is_rsa {
        return Err(ChannelError::KeyNotRsa);
    }
    // The library's error texts name the failed check, never the key's numbers.
    let signing = |e: &dyn std::fmt::Display| ChannelError::Signing {
        detail: e.to_string(),
    };
    let key = rsa::PrivateKey::from_pkcs8_der(pkcs8).map_err(|e| signing(&e))?;
    let pkcs1 = key.to_pkcs1_der().map_err(|e| signing(&e))?;
    Ok(Zeroizing::new(pkcs1.as_bytes().to_vec()))
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

    fn fixture_key(file: &str) -> PrivateKeyDer {
        let path = format!("{}/tests/fixtures/pfx/{file}", env!("CARGO_MANIFEST_DIR"));
        let data = std::fs::read(path).unwrap();
        let contents = crate::cert::open::open_pkcs12(&data, "Password").unwrap();
        contents
            .entries
            .into_iter()
            .find_map(|e| e.private_key)
            .unwrap()
    }

    #[test]
    fn pkcs8_keys_become_the_pkcs1_key_they_wrap() {
        for file in [
            "openssl3-aes256.pfx",
            "windows-style-3des.pfx",
            "java-two-aliases.p12",
        ] {
            let key = fixture_key(file);
            let pkcs1 = rsa_pkcs1(key.pkcs8_der()).unwrap();
            // PrivateKeyInfo ::= SEQUENCE { version, algorithm, privateKey OCTET STRING }:
            // the conversion must give back exactly the RSAPrivateKey inside.
            let (info, _) =
                crate::cert::der::expect(key.pkcs8_der(), crate::cert::der::TAG_SEQUENCE).unwrap();
            let inner = crate::cert::der::children(info)
                .find(|t| t.tag == crate::cert::der::TAG_OCTET_STRING)
                .unwrap();
            assert_eq!(pkcs1.as_slice(), inner.value, "{file}");
        }
        let ec = fixture_key("ec-p256.pfx");
        assert!(matches!(
            rsa_pkcs1(ec.pkcs8_der()),
            Err(ChannelError::KeyNotRsa)
        ));
        assert!(matches!(
            rsa_pkcs1(b"\x30\x03\x02\x01\x00"),
            Err(ChannelError::KeyNotRsa)
        ));
    }

    #[test]
    fn an_assertion_never_shows_whole() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let claims = build_claims("x", "https://a/REST/oauth/v5/token", now, "j", 60).unwrap();
        let signed = sign(&claims, &fixture_key("openssl3-aes256.pfx")).unwrap();
        let shown = format!("{signed:?}");
        assert!(!shown.contains(&signed.jwt), "{shown}");
        let signature = signed.jwt.rsplit('.').next().unwrap();
        assert!(!shown.contains(signature), "{shown}");
    }

    #[test]
    fn shortening_hides_the_middle() {
        assert_eq!(shorten("abcdefghijklmnopqrstuvwxyz"), "abcdefghij…uvwxyz");
        assert_eq!(shorten("short"), "………");
    }
}
