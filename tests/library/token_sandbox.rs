//! The token test against the sandbox over loopback: success for employer and
//! provider, and every failure cause produced for real and named; the token
//! endpoint and the small Chaman refuse what the real ones would.

use fla_test_support::certs;
use fla_test_support::sandbox::World;

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use fla_assistant::cert::{self, Pkcs12Contents};
use fla_assistant::channel::assertion;
use fla_assistant::channel::connect::{test_connection, ConnectionOutcome, ConnectionTest};
use fla_assistant::channel::diagnosis::Cause;
use fla_assistant::channel::env::{
    endpoints, EnvironmentKind, Role, UrlOverrides, ACCEPTANCE_HOST, FLA,
};
use fla_assistant::channel::token::{self, system_clock, TokenFailure};
use fla_assistant::i18n::Lang;
use fla_assistant::sandbox::{self, RegisterRequest, SandboxOptions};
use serde_json::json;
use time::OffsetDateTime;

/// A fixture as it is (for the facts of the file itself: its key, its dates).
fn open_fixture(name: &str) -> Pkcs12Contents {
    let path = fla_test_support::project_dir()
        .join("tests/fixtures/pfx")
        .join(name);
    cert::open_pkcs12(&std::fs::read(path).unwrap(), "Password").unwrap()
}

/// A fixture's key with a certificate valid now, made at test time; the
/// fixtures that cannot sign (expired, not RSA, weak) as they are.
fn open(name: &str) -> Pkcs12Contents {
    match name {
        "expired.pfx" | "ec-p256.pfx" | "rsa1024.pfx" => open_fixture(name),
        _ => {
            cert::open_pkcs12(&std::fs::read(certs::fresh(name)).unwrap(), certs::PASSWORD).unwrap()
        }
    }
}

fn certificate_der(contents: &Pkcs12Contents) -> Vec<u8> {
    contents.entries[0]
        .certificate
        .as_ref()
        .unwrap()
        .der
        .clone()
}

async fn world() -> World {
    World::start(SandboxOptions::default()).await
}

/// A sandbox whose clock is `seconds` ahead of the wall clock (behind if negative).
async fn world_shifted(seconds: i64) -> World {
    let w = world().await;
    w.shift_seconds(seconds);
    w
}

/// What these tests ask of the sandbox's world besides what it offers.
trait TokenWorld {
    async fn register_pfx(
        &self,
        pfx: &str,
        quality: &str,
        mandates: &[&str],
        authorizations: Vec<String>,
    ) -> String;
    async fn register_der(
        &self,
        der: &[u8],
        quality: &str,
        mandates: &[&str],
        authorizations: Vec<String>,
    ) -> (u16, serde_json::Value);
    async fn post_assertion(&self, assertion: &str) -> (u16, serde_json::Value);
    async fn employer(&self) -> String;
    async fn fault_mode(&self, mode: &str);
    async fn test(
        &self,
        pfx: &str,
        client_id: &str,
        role: Role,
        overrides: UrlOverrides,
        timeout: Duration,
    ) -> ConnectionOutcome;
    async fn simple(&self, pfx: &str, client_id: &str, role: Role) -> ConnectionOutcome;
}

impl TokenWorld for World {
    async fn register_pfx(
        &self,
        pfx: &str,
        quality: &str,
        mandates: &[&str],
        authorizations: Vec<String>,
    ) -> String {
        let (status, body) = self
            .register_der(
                &certificate_der(&open(pfx)),
                quality,
                mandates,
                authorizations,
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["client_id"].as_str().unwrap().to_owned()
    }

    /// Registers a certificate in the small Chaman: the status and the body.
    async fn register_der(
        &self,
        der: &[u8],
        quality: &str,
        mandates: &[&str],
        authorizations: Vec<String>,
    ) -> (u16, serde_json::Value) {
        let request = RegisterRequest {
            certificate: base64::engine::general_purpose::STANDARD.encode(der),
            enterprise: "0403170701".into(),
            quality: quality.into(),
            mandates: mandates.iter().map(|m| m.to_string()).collect(),
            authorizations,
        };
        let response = self
            .http
            .post(format!("{}/chaman/accounts", self.sandbox.admin_url))
            .json(&request)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Posts a client assertion as it is: the status and the RFC 6749 body.
    async fn post_assertion(&self, assertion: &str) -> (u16, serde_json::Value) {
        let form = format!(
            "grant_type=client_credentials&client_assertion_type={}&client_assertion={assertion}&scope={}",
            assertion::ASSERTION_TYPE.replace(':', "%3A"),
            FLA.employer_scope.replace(':', "%3A")
        );
        let r = self
            .http
            .post(&self.sandbox.token_url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or_default())
    }

    async fn employer(&self) -> String {
        self.register_pfx(
            "openssl3-aes256.pfx",
            "employer",
            &[],
            vec![FLA.authorization.into()],
        )
        .await
    }

    async fn fault_mode(&self, mode: &str) {
        self.fault(serde_json::json!({ "mode": mode })).await;
    }

    async fn test(
        &self,
        pfx: &str,
        client_id: &str,
        role: Role,
        overrides: UrlOverrides,
        timeout: Duration,
    ) -> ConnectionOutcome {
        let contents = open(pfx);
        let mut overrides = overrides;
        overrides
            .token_url
            .get_or_insert(self.sandbox.token_url.clone());
        let ep = endpoints(
            EnvironmentKind::Sandbox,
            &FLA,
            &overrides,
            Some(&self.sandbox.base_url),
        )
        .unwrap();
        let test = ConnectionTest {
            endpoints: &ep,
            service: &FLA,
            client_id,
            role,
            scope: None,
            entry: &contents.entries[0],
            protection: &contents.protection,
            lifetime_secs: 60,
            timeout,
            clock: system_clock(),
        };
        test_connection(&self.http, &test, Lang::En).await.unwrap()
    }

    async fn simple(&self, pfx: &str, client_id: &str, role: Role) -> ConnectionOutcome {
        self.test(
            pfx,
            client_id,
            role,
            UrlOverrides::default(),
            Duration::from_secs(5),
        )
        .await
    }
}

fn cause_of(outcome: &ConnectionOutcome) -> (Cause, String, String) {
    match outcome {
        ConnectionOutcome::Failed {
            failure,
            cause,
            explanation,
            ..
        } => (*cause, failure.code(), explanation.clone()),
        ConnectionOutcome::Granted { .. } => panic!("granted, but a failure was expected"),
        ConnectionOutcome::CertificateRefused(f) => panic!("refused locally: {f:?}"),
    }
}

#[tokio::test]
async fn employer_and_provider_get_a_token() {
    let w = world().await;
    let employer = w.employer().await;
    assert!(
        fla_assistant::channel::env::client_id_looks_right(&employer),
        "{employer}"
    );
    match w
        .simple("openssl3-aes256.pfx", &employer, Role::Employer)
        .await
    {
        ConnectionOutcome::Granted {
            token,
            exchange,
            warnings,
            ..
        } => {
            assert_eq!(token.token_type, "Bearer");
            assert_eq!(token.expires_in, 600);
            assert_eq!(token.scope, FLA.employer_scope);
            assert_eq!(exchange.http_status, Some(200));
            assert!(exchange.trace_id.is_some(), "BelGov-Trace-Id is shown");
            assert!(warnings.is_empty());
            let shown = serde_json::to_string(&exchange).unwrap();
            assert!(
                !shown.contains(token.token.as_str()),
                "the token leaked into the exchange"
            );
        }
        _ => panic!("employer refused"),
    }
    let provider = w
        .register_pfx(
            "java-two-aliases.p12",
            "provider",
            &["0202239951"],
            vec![FLA.authorization.into()],
        )
        .await;
    match w
        .simple("java-two-aliases.p12", &provider, Role::Provider)
        .await
    {
        ConnectionOutcome::Granted { token, .. } => assert_eq!(token.scope, FLA.provider_scope),
        other => panic!("provider refused: {:?}", cause_of(&other)),
    }
}

#[tokio::test]
async fn wrong_client_id_or_other_certificate_is_named_with_the_chaman_card() {
    let w = world().await;
    let employer = w.employer().await;
    let (cause, code, text) = cause_of(
        &w.simple(
            "openssl3-aes256.pfx",
            "self_service_chaman_111111_aaaaaaaaaa",
            Role::Employer,
        )
        .await,
    );
    assert_eq!(
        (cause, code.as_str()),
        (Cause::ClientOrCertificate, "invalid_client")
    );
    // The Chaman card of the file's certificate, to compare with the account's.
    let facts =
        cert::facts::certificate_facts(&certificate_der(&open("openssl3-aes256.pfx"))).unwrap();
    assert!(text.contains("FLA REST channel - Voorbeeld BV"), "{text}");
    assert!(text.contains(&facts.subject_org), "{text}");
    assert!(text.contains(&facts.sha1), "{text}");
    assert!(
        text.contains(&cert::format_user_date(facts.not_after)),
        "{text}"
    );
    // The account's certificate is another one than the file's.
    let (cause, code, _) = cause_of(
        &w.simple("windows-style-3des.pfx", &employer, Role::Employer)
            .await,
    );
    assert_eq!(
        (cause, code.as_str()),
        (Cause::ClientOrCertificate, "invalid_client")
    );
}

#[tokio::test]
async fn authorization_not_ticked_and_wrong_scope() {
    let w = world().await;
    let unticked = w
        .register_pfx("openssl3-aes256.pfx", "employer", &[], vec![])
        .await;
    let (cause, code, text) = cause_of(
        &w.simple("openssl3-aes256.pfx", &unticked, Role::Employer)
            .await,
    );
    assert_eq!(
        (cause, code.as_str()),
        (Cause::AuthorizationMissing, "unauthorized_client")
    );
    assert!(
        text.contains("CareerPro – Federal Learning Account"),
        "{text}"
    );
    let employer = w.employer().await;
    let (cause, code, _) = cause_of(
        &w.simple("openssl3-aes256.pfx", &employer, Role::Provider)
            .await,
    );
    assert_eq!((cause, code.as_str()), (Cause::ScopeRole, "invalid_scope"));
}

#[tokio::test]
async fn audience_of_another_environment() {
    let w = world().await;
    let employer = w.employer().await;
    // The setup asks for it by name: without it the audience is refused
    // before anything is sent (channel::env's tests).
    let overrides = UrlOverrides {
        audience: Some(format!("{ACCEPTANCE_HOST}/REST/oauth/v5/token")),
        allow_foreign_audience: true,
        ..UrlOverrides::default()
    };
    let (cause, code, text) = cause_of(
        &w.test(
            "openssl3-aes256.pfx",
            &employer,
            Role::Employer,
            overrides,
            Duration::from_secs(5),
        )
        .await,
    );
    assert_eq!(
        (cause, code.as_str()),
        (Cause::WrongAudience, "invalid_client")
    );
    assert!(text.contains("services-acpt"), "{text}");
}

/// Sends a hand-made assertion, as a client with other rules would.
async fn send_raw(
    w: &World,
    claims: &assertion::AssertionClaims,
) -> (TokenFailure, token::Exchange) {
    let contents = open("openssl3-aes256.pfx");
    let signed =
        assertion::sign(claims, contents.entries[0].private_key.as_ref().unwrap()).unwrap();
    let attempt = token::request_token(
        &w.http,
        &w.sandbox.token_url,
        &signed,
        FLA.employer_scope,
        &system_clock(),
        Duration::from_secs(5),
    )
    .await;
    (attempt.outcome.unwrap_err(), attempt.exchange)
}

fn diagnose(w: &World, failure: &TokenFailure, skew: Option<i64>) -> Cause {
    fla_assistant::channel::diagnosis::diagnose(
        failure,
        &fla_assistant::channel::diagnosis::Context {
            environment: EnvironmentKind::Sandbox,
            role: Role::Employer,
            token_url: &w.sandbox.token_url,
            audience: &w.sandbox.token_url,
            clock_skew_secs: skew,
            certificate: None,
            service_authorization: FLA.authorization,
        },
    )
}

#[tokio::test]
async fn an_assertion_valid_ten_minutes_is_refused() {
    let w = world().await;
    let employer = w.employer().await;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let claims = assertion::AssertionClaims {
        iss: employer.clone(),
        sub: employer,
        aud: w.sandbox.token_url.clone(),
        jti: uuid::Uuid::new_v4().to_string(),
        iat: now,
        exp: now + 600,
    };
    let (failure, exchange) = send_raw(&w, &claims).await;
    assert_eq!(failure.code(), "invalid_client");
    assert_eq!(
        diagnose(&w, &failure, exchange.clock_skew_secs),
        Cause::AssertionLifetime
    );
}

#[tokio::test]
async fn a_replayed_jti_is_refused() {
    let w = world().await;
    let employer = w.employer().await;
    let now = OffsetDateTime::now_utc();
    let claims =
        assertion::build_claims(&employer, &w.sandbox.token_url, now, "the-same-jti", 60).unwrap();
    let contents = open("openssl3-aes256.pfx");
    let signed =
        assertion::sign(&claims, contents.entries[0].private_key.as_ref().unwrap()).unwrap();
    let first = token::request_token(
        &w.http,
        &w.sandbox.token_url,
        &signed,
        FLA.employer_scope,
        &system_clock(),
        Duration::from_secs(5),
    )
    .await;
    assert!(first.outcome.is_ok());
    let (failure, exchange) = send_raw(&w, &claims).await;
    assert_eq!(failure.code(), "invalid_client");
    assert_eq!(
        diagnose(&w, &failure, exchange.clock_skew_secs),
        Cause::ReplayedAssertion
    );
}

#[tokio::test]
async fn a_clock_thirty_seconds_off_is_named() {
    let w = world_shifted(-30).await;
    let employer = w.employer().await;
    let outcome = w
        .simple("openssl3-aes256.pfx", &employer, Role::Employer)
        .await;
    let (cause, code, text) = cause_of(&outcome);
    assert_eq!((cause, code.as_str()), (Cause::ClockSkew, "invalid_client"));
    assert!(
        text.contains("30 seconds") || text.contains("29 seconds") || text.contains("31 seconds"),
        "{text}"
    );
    if let ConnectionOutcome::Failed { exchange, .. } = outcome {
        let skew = exchange.clock_skew_secs.unwrap();
        assert!((-32..=-28).contains(&skew), "{skew}");
    }

    // A server ahead accepts the assertion, but the user is warned.
    let w = world_shifted(30).await;
    let employer = w.employer().await;
    match w
        .simple("openssl3-aes256.pfx", &employer, Role::Employer)
        .await
    {
        ConnectionOutcome::Granted { warnings, .. } => {
            assert_eq!(warnings.len(), 1, "{warnings:?}")
        }
        other => panic!("{:?}", cause_of(&other)),
    }
}

#[tokio::test]
async fn html_server_error_and_silence_are_named() {
    let w = world().await;
    let employer = w.employer().await;
    w.fault_mode("html").await;
    let (cause, code, _) = cause_of(
        &w.simple("openssl3-aes256.pfx", &employer, Role::Employer)
            .await,
    );
    assert_eq!((cause, code.as_str()), (Cause::NotJson, "not_json"));
    w.fault_mode("server_error").await;
    let (cause, _, _) = cause_of(
        &w.simple("openssl3-aes256.pfx", &employer, Role::Employer)
            .await,
    );
    assert_eq!(cause, Cause::ServerError);
    w.fault_mode("hang").await;
    let outcome = w
        .test(
            "openssl3-aes256.pfx",
            &employer,
            Role::Employer,
            UrlOverrides::default(),
            Duration::from_secs(1),
        )
        .await;
    let (cause, code, _) = cause_of(&outcome);
    assert_eq!((cause, code.as_str()), (Cause::Timeout, "timeout"));
    // Nothing listens on the port of a stopped server.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let overrides = UrlOverrides {
        token_url: Some(format!("http://{dead}/REST/oauth/v5/token")),
        ..UrlOverrides::default()
    };
    let (cause, _, _) = cause_of(
        &w.test(
            "openssl3-aes256.pfx",
            &employer,
            Role::Employer,
            overrides,
            Duration::from_secs(2),
        )
        .await,
    );
    assert_eq!(cause, Cause::Connect);
}

#[tokio::test]
async fn certificate_findings_stop_the_request_before_sending() {
    let w = world().await;
    let employer = w.employer().await;
    for (pfx, code) in [
        ("expired.pfx", "expired"),
        ("ec-p256.pfx", "not_rsa"),
        ("rsa1024.pfx", "weak_key"),
    ] {
        match w.simple(pfx, &employer, Role::Employer).await {
            ConnectionOutcome::CertificateRefused(findings) => {
                assert!(
                    findings.iter().any(|f| f.code() == code),
                    "{pfx}: {findings:?}"
                )
            }
            _ => panic!("{pfx} was sent"),
        }
    }
}

#[tokio::test]
async fn a_restarted_sandbox_knows_its_accounts() {
    let w = world().await;
    let employer = w.employer().await;
    let w = w.restart().await;
    assert!(matches!(
        w.simple("openssl3-aes256.pfx", &employer, Role::Employer)
            .await,
        ConnectionOutcome::Granted { .. }
    ));
}

#[tokio::test]
async fn the_sandbox_refuses_what_the_real_server_would() {
    let w = world().await;
    let employer = w.employer().await;
    let post = |body: String, content_type: &'static str| {
        let http = w.http.clone();
        let url = w.sandbox.token_url.clone();
        async move {
            let r = http
                .post(url)
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let json: serde_json::Value = r.json().await.unwrap();
            (
                status,
                json["error"].as_str().unwrap_or_default().to_owned(),
            )
        }
    };
    assert_eq!(
        post(
            "grant_type=password".into(),
            "application/x-www-form-urlencoded"
        )
        .await,
        (400, "unsupported_grant_type".into())
    );
    assert_eq!(
        post("{}".into(), "application/json").await,
        (400, "invalid_request".into())
    );
    // An unsigned assertion (alg none) is refused.
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        serde_json::json!({"iss": employer, "sub": employer, "aud": w.sandbox.token_url, "jti": "x", "iat": now, "exp": now + 60}).to_string(),
    );
    let form = format!(
        "grant_type=client_credentials&client_assertion_type={}&client_assertion={header}.{claims}.&scope={}",
        assertion::ASSERTION_TYPE.replace(':', "%3A"),
        FLA.employer_scope.replace(':', "%3A")
    );
    assert_eq!(
        post(form, "application/x-www-form-urlencoded").await.1,
        "invalid_client"
    );
}

#[tokio::test]
async fn dns_and_tls_failures_are_named() {
    let w = world().await;
    let employer = w.employer().await;
    // `.invalid` never resolves (RFC 6761).
    let overrides = UrlOverrides {
        token_url: Some("https://services.fla-assistant.invalid/REST/oauth/v5/token".into()),
        ..UrlOverrides::default()
    };
    let (cause, code, _) = cause_of(
        &w.test(
            "openssl3-aes256.pfx",
            &employer,
            Role::Employer,
            overrides,
            Duration::from_secs(5),
        )
        .await,
    );
    assert_eq!((cause, code.as_str()), (Cause::Dns, "dns"));
    // https:// to a server that speaks plain HTTP: the TLS handshake fails.
    let overrides = UrlOverrides {
        token_url: Some(format!("https://{}/REST/oauth/v5/token", w.sandbox.addr)),
        ..UrlOverrides::default()
    };
    let (cause, code, text) = cause_of(
        &w.test(
            "openssl3-aes256.pfx",
            &employer,
            Role::Employer,
            overrides,
            Duration::from_secs(5),
        )
        .await,
    );
    assert_eq!((cause, code.as_str()), (Cause::Tls, "tls"), "{text}");
}

/// The PKCS#1 DER of the fresh employer key, to sign hand-made payloads.
fn employer_signing_key() -> jsonwebtoken::EncodingKey {
    let contents = open("openssl3-aes256.pfx");
    let key = contents.entries[0].private_key.as_ref().unwrap();
    let pkcs1 = assertion::rsa_pkcs1(key.pkcs8_der()).unwrap();
    jsonwebtoken::EncodingKey::from_rsa_der(&pkcs1)
}

fn sign_payload(payload: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        payload,
        &employer_signing_key(),
    )
    .unwrap()
}

#[tokio::test]
async fn exp_and_iat_at_the_integer_limits_are_refused_never_a_panic() {
    let w = world().await;
    let employer = w.employer().await;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let contents = open("openssl3-aes256.pfx");
    let key = contents.entries[0].private_key.as_ref().unwrap();
    for (n, (iat, exp)) in [
        (i64::MAX - 10, i64::MAX),
        (i64::MIN, now + 60),
        (now, i64::MIN),
        (i64::MIN, i64::MAX),
        (i64::MAX, i64::MIN),
        (now - 60, i64::MAX),
        (now, now),
        (now + 30, now),
    ]
    .into_iter()
    .enumerate()
    {
        let claims = assertion::AssertionClaims {
            iss: employer.clone(),
            sub: employer.clone(),
            aud: w.sandbox.token_url.clone(),
            jti: format!("limits-{n}"),
            iat,
            exp,
        };
        let signed = assertion::sign(&claims, key).unwrap();
        let (status, body) = w.post_assertion(&signed.jwt).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "iat {iat}, exp {exp}: {body}"
        );
    }
    // Numbers no i64 holds.
    for (n, (iat, exp)) in [
        (json!(now), json!(1e300)),
        (json!(-1e300), json!(now + 60)),
        (json!(now), json!(9.3e18)),
        (json!(now), json!(18446744073709551615u64)),
        (json!(now as f64 + 0.5), json!(now as f64 + 60.5)),
    ]
    .into_iter()
    .enumerate()
    {
        let payload = json!({"iss": employer, "sub": employer, "aud": w.sandbox.token_url,
            "jti": format!("floats-{n}"), "iat": iat, "exp": exp});
        let (status, body) = w.post_assertion(&sign_payload(&payload)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{payload}: {body}"
        );
    }
    // The server is alive and still grants a proper assertion.
    assert!(matches!(
        w.simple("openssl3-aes256.pfx", &employer, Role::Employer)
            .await,
        ConnectionOutcome::Granted { .. }
    ));
}

#[tokio::test]
async fn a_jti_stays_refused_across_a_restart() {
    let w = world().await;
    let employer = w.employer().await;
    let claims = assertion::build_claims(
        &employer,
        &w.sandbox.token_url,
        OffsetDateTime::now_utc(),
        "once-only",
        120,
    )
    .unwrap();
    let contents = open("openssl3-aes256.pfx");
    let signed =
        assertion::sign(&claims, contents.entries[0].private_key.as_ref().unwrap()).unwrap();
    let (status, body) = w.post_assertion(&signed.jwt).await;
    assert_eq!(status, 200, "{body}");
    // The same address, so that `aud` is still right: only the jti can refuse it.
    let w = w.restart().await;
    let (status, body) = w.post_assertion(&signed.jwt).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("replay"),
        "{body}"
    );
    // Another jti from the same client is granted: only the replay is refused.
    assert!(matches!(
        w.simple("openssl3-aes256.pfx", &employer, Role::Employer)
            .await,
        ConnectionOutcome::Granted { .. }
    ));
}

#[tokio::test]
async fn a_registered_certificate_outside_its_validity_is_refused() {
    let w = world().await;
    let employer = w.employer().await;
    let contents = open("openssl3-aes256.pfx");
    let key = contents.entries[0].private_key.as_ref().unwrap();
    let facts = cert::facts::certificate_facts(&certificate_der(&contents)).unwrap();
    // The server's time moves past the certificate's end, then before its start;
    // the assertion is made at the server's time, so only the certificate is wrong.
    for (n, at, says) in [
        (1, facts.not_after + time::Duration::days(2), "expired"),
        (
            2,
            facts.not_before - time::Duration::days(2),
            "not valid before",
        ),
        (3, OffsetDateTime::now_utc(), ""),
    ] {
        w.shift_seconds((at - OffsetDateTime::now_utc()).whole_seconds());
        let claims = assertion::build_claims(
            &employer,
            &w.sandbox.token_url,
            at,
            &format!("validity-{n}"),
            60,
        )
        .unwrap();
        let signed = assertion::sign(&claims, key).unwrap();
        let (status, body) = w.post_assertion(&signed.jwt).await;
        if says.is_empty() {
            assert_eq!(status, 200, "{body}");
        } else {
            assert_eq!(
                (status, body["error"].as_str()),
                (401, Some("invalid_client")),
                "{body}"
            );
            let text = body["error_description"].as_str().unwrap();
            assert!(text.contains(says), "{text}");
        }
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// The classic algorithm confusion: HS256 with the registered certificate's
/// public key as the HMAC secret, as a server that trusted `alg` would verify it.
#[tokio::test]
async fn an_hs256_assertion_keyed_with_the_public_key_is_refused() {
    let w = world().await;
    let employer = w.employer().await;
    let cert_der = certificate_der(&open("openssl3-aes256.pfx"));
    let (_, parsed) = x509_parser::parse_x509_certificate(&cert_der).unwrap();
    let spki_der = parsed.public_key().raw.to_vec();
    let pkcs1_der = parsed.public_key().subject_public_key.data.to_vec();
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        ("public key PEM", pem("PUBLIC KEY", &spki_der).into_bytes()),
        ("public key DER", spki_der.clone()),
        (
            "RSA public key PEM",
            pem("RSA PUBLIC KEY", &pkcs1_der).into_bytes(),
        ),
        ("RSA public key DER", pkcs1_der),
        (
            "certificate PEM",
            pem("CERTIFICATE", &cert_der).into_bytes(),
        ),
        ("certificate DER", cert_der.clone()),
    ];
    let before = w.tokens_issued().await;
    for (n, (what, secret)) in secrets.into_iter().enumerate() {
        let claims = assertion::build_claims(
            &employer,
            &w.sandbox.token_url,
            OffsetDateTime::now_utc(),
            &format!("hs256-{n}"),
            60,
        )
        .unwrap();
        let forged = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&forged).unwrap().alg,
            jsonwebtoken::Algorithm::HS256
        );
        let (status, body) = w.post_assertion(&forged).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{what}: {body}"
        );
    }
    assert_eq!(
        w.tokens_issued().await,
        before,
        "a forged assertion got a token"
    );
}

/// The small Chaman refuses what cannot sign token requests, each with its reason.
#[tokio::test]
async fn chaman_refuses_a_certificate_that_cannot_sign() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let now = OffsetDateTime::now_utc();
    let read = |path: PathBuf| {
        let contents = cert::open_pkcs12(&std::fs::read(path).unwrap(), certs::PASSWORD).unwrap();
        certificate_der(&contents)
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "expired",
            read(certs::expired("openssl3-aes256.pfx", dir.path())),
            "expired on",
        ),
        (
            "not yet valid",
            read(certs::renewed_pfx(
                "openssl3-aes256.pfx",
                &dir.path().join("future.pfx"),
                now + time::Duration::days(10),
                now + time::Duration::days(400),
            )),
            "not valid yet",
        ),
        // The key is checked first: these hold whatever the fixtures' dates.
        (
            "EC key",
            certificate_der(&open_fixture("ec-p256.pfx")),
            "not RSA",
        ),
        (
            "RSA 1024",
            certificate_der(&open_fixture("rsa1024.pfx")),
            "1024 bits",
        ),
    ];
    for (what, der, says) in cases {
        let (status, body) = w
            .register_der(&der, "employer", &[], vec![FLA.authorization.into()])
            .await;
        assert_eq!(status, 400, "{what}: {body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{what}: {detail}");
    }
    let listed: serde_json::Value = w
        .http
        .get(format!("{}/chaman/accounts", w.sandbox.admin_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["accounts"], json!([]), "nothing was registered");
    // A certificate valid now is taken.
    let (status, body) = w
        .register_der(
            &certificate_der(&open("openssl3-aes256.pfx")),
            "employer",
            &[],
            vec![FLA.authorization.into()],
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

/// The sandbox's start fails with a typed error: a stable code and a message
/// in the user's language that says what to do.
#[tokio::test]
async fn a_sandbox_that_cannot_start_says_why_with_a_code() {
    use fla_assistant::sandbox::SandboxError;
    let dir = tempfile::tempdir().unwrap();
    // The state folder is a file.
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let err = sandbox::start("127.0.0.1:0".parse().unwrap(), &file, system_clock())
        .await
        .err()
        .unwrap();
    assert!(matches!(err, SandboxError::StateFolder { .. }), "{err:?}");
    assert_eq!(err.code(), "state_folder");
    // A damaged state file.
    let damaged = dir.path().join("damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    std::fs::write(damaged.join("sandbox-state.json"), b"{not json").unwrap();
    let err = sandbox::start("127.0.0.1:0".parse().unwrap(), &damaged, system_clock())
        .await
        .err()
        .unwrap();
    assert_eq!(err.code(), "state_damaged");
    let en = err.message(Lang::En);
    assert!(
        en.contains("sandbox-state.json") && en.contains("Move"),
        "{en}"
    );
    assert_ne!(err.message(Lang::Nl), en);
    assert_ne!(err.message(Lang::Fr), en);
    // An address already taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = sandbox::start(
        taken.local_addr().unwrap(),
        &dir.path().join("ok"),
        system_clock(),
    )
    .await
    .err()
    .unwrap();
    assert_eq!(err.code(), "listen");
    assert!(err
        .message(Lang::En)
        .contains(&taken.local_addr().unwrap().to_string()));
}

#[tokio::test]
async fn the_sandbox_test_certificate_gets_a_token_there_and_is_refused_everywhere_else() {
    use fla_assistant::cert::{throwaway, Finding};
    let w = world().await;
    let made = throwaway::make(time::OffsetDateTime::now_utc()).unwrap();
    let entry = made.choose(None).unwrap();
    let (status, body) = w
        .register_der(
            &entry.certificate.as_ref().unwrap().der,
            "employer",
            &[],
            vec![FLA.authorization.to_owned()],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let client_id = body["client_id"].as_str().unwrap().to_owned();
    let in_the_sandbox = endpoints(
        EnvironmentKind::Sandbox,
        &FLA,
        &UrlOverrides::default(),
        Some(&w.sandbox.base_url),
    )
    .unwrap();
    // Pointed at the sandbox's own token server, but called acceptance (or
    // production): refused before anything is sent.
    use fla_assistant::channel::env::Endpoints;
    let elsewhere = |environment| Endpoints {
        environment,
        ..in_the_sandbox.clone()
    };
    let outcome = |ep: Endpoints| {
        let (w, made, client_id) = (&w, &made, client_id.clone());
        async move {
            let test = ConnectionTest {
                endpoints: &ep,
                service: &FLA,
                client_id: &client_id,
                role: Role::Employer,
                scope: None,
                entry: &made.entries[0],
                protection: &made.protection,
                lifetime_secs: 60,
                timeout: Duration::from_secs(5),
                clock: system_clock(),
            };
            test_connection(&w.http, &test, Lang::En).await.unwrap()
        }
    };
    for environment in [EnvironmentKind::Acceptance, EnvironmentKind::Production] {
        let before = w.admin("/stats").await["token_requests"].clone();
        match outcome(elsewhere(environment)).await {
            ConnectionOutcome::CertificateRefused(findings) => {
                assert_eq!(findings, vec![Finding::SandboxOnly], "{environment:?}")
            }
            _ => panic!("{environment:?}: the test certificate was not refused"),
        }
        assert_eq!(
            w.admin("/stats").await["token_requests"],
            before,
            "{environment:?}: nothing sent"
        );
    }
    assert!(matches!(
        outcome(in_the_sandbox).await,
        ConnectionOutcome::Granted { .. }
    ));
}
