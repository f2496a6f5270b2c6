//! The token test against the sandbox over loopback: success for employer and
//! provider, and every failure cause produced for real and named.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use fla_assistant::cert::{self, Pkcs12Contents};
use fla_assistant::channel::assertion;
use fla_assistant::channel::connect::{test_connection, ConnectionOutcome, ConnectionTest};
use fla_assistant::channel::diagnosis::Cause;
use fla_assistant::channel::env::{
    endpoints, EnvironmentKind, Role, UrlOverrides, ACCEPTANCE_HOST, FLA,
};
use fla_assistant::channel::token::{self, http_client, system_clock, Clock, TokenFailure};
use fla_assistant::i18n::Lang;
use fla_assistant::sandbox::{self, RegisterRequest, Sandbox};
use time::OffsetDateTime;

fn open(name: &str) -> Pkcs12Contents {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pfx")
        .join(name);
    cert::open_pkcs12(&std::fs::read(path).unwrap(), "Password").unwrap()
}

struct World {
    sandbox: Sandbox,
    _state: tempfile::TempDir,
    http: reqwest::Client,
}

async fn world_with_clock(clock: Clock) -> World {
    let state = tempfile::tempdir().unwrap();
    let sandbox = sandbox::start("127.0.0.1:0".parse().unwrap(), state.path(), clock)
        .await
        .unwrap();
    World {
        sandbox,
        _state: state,
        http: http_client(Duration::from_secs(5)).unwrap(),
    }
}

async fn world() -> World {
    world_with_clock(system_clock()).await
}

impl World {
    async fn register(
        &self,
        pfx: &str,
        quality: &str,
        mandates: &[&str],
        authorizations: Vec<String>,
    ) -> String {
        let contents = open(pfx);
        let der = &contents.entries[0].certificate.as_ref().unwrap().der;
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
        assert_eq!(response.status(), 201);
        let body: serde_json::Value = response.json().await.unwrap();
        body["client_id"].as_str().unwrap().to_owned()
    }

    async fn employer(&self) -> String {
        self.register(
            "openssl3-aes256.pfx",
            "employer",
            &[],
            vec![FLA.authorization.into()],
        )
        .await
    }

    async fn fault(&self, mode: &str) {
        let r = self
            .http
            .post(format!("{}/faults", self.sandbox.admin_url))
            .json(&serde_json::json!({"mode": mode}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
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
        .register(
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
    assert!(text.contains("FLA REST channel - Voorbeeld BV"), "{text}");
    assert!(text.contains("Test PersonalSign 3 CA 2022"), "{text}");
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
        .register("openssl3-aes256.pfx", "employer", &[], vec![])
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
    let overrides = UrlOverrides {
        audience: Some(format!("{ACCEPTANCE_HOST}/REST/oauth/v5/token")),
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
    let behind: Clock = Arc::new(|| OffsetDateTime::now_utc() - time::Duration::seconds(30));
    let w = world_with_clock(behind).await;
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
    let ahead: Clock = Arc::new(|| OffsetDateTime::now_utc() + time::Duration::seconds(30));
    let w = world_with_clock(ahead).await;
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
    w.fault("html").await;
    let (cause, code, _) = cause_of(
        &w.simple("openssl3-aes256.pfx", &employer, Role::Employer)
            .await,
    );
    assert_eq!((cause, code.as_str()), (Cause::NotJson, "not_json"));
    w.fault("server_error").await;
    let (cause, _, _) = cause_of(
        &w.simple("openssl3-aes256.pfx", &employer, Role::Employer)
            .await,
    );
    assert_eq!(cause, Cause::ServerError);
    w.fault("hang").await;
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
    let state = tempfile::tempdir().unwrap();
    let first = sandbox::start("127.0.0.1:0".parse().unwrap(), state.path(), system_clock())
        .await
        .unwrap();
    let w = World {
        sandbox: first,
        _state: tempfile::tempdir().unwrap(),
        http: http_client(Duration::from_secs(5)).unwrap(),
    };
    let employer = w.employer().await;
    w.sandbox.stop().await;
    let again = sandbox::start("127.0.0.1:0".parse().unwrap(), state.path(), system_clock())
        .await
        .unwrap();
    let w = World {
        sandbox: again,
        _state: tempfile::tempdir().unwrap(),
        http: http_client(Duration::from_secs(5)).unwrap(),
    };
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
