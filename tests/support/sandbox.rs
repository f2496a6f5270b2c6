//! The sandbox as the library's tests use it: [`World`], a sandbox started
//! on a free port in a folder of its own, on a clock the test can move (no
//! test sleeps to let the sandbox's time pass); an account registered in its
//! Chaman for the fixture's key (made valid now), the token source and client
//! of that account, its admin routes; and declarations it accepts.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use fla_assistant::cert;
use fla_assistant::channel::env::{endpoints, EnvironmentKind, Role, UrlOverrides, FLA};
use fla_assistant::channel::token::{http_client, Clock};
use fla_assistant::fla::client::{FlaClient, TokenSource};
use fla_assistant::fla::wire::Declaration;
use fla_assistant::i18n::Lang;
use fla_assistant::sandbox::{self, RegisterRequest, Sandbox, SandboxOptions};
use serde_json::{json, Value};
use time::OffsetDateTime;

/// The employer the sandbox's workers belong to.
pub const ENTERPRISE: &str = "0403170701";
/// A worker the sandbox knows (A).
pub const KNOWN: &str = "85073003328";
/// A worker it does not know (W, FLA-WORKER-UNKNOWN).
pub const UNKNOWN: &str = "17073003384";

/// A sandbox for one test: its folder, its clock (the wall clock moved by
/// what the test asked), an HTTP client for its admin routes.
pub struct World {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    /// How far the sandbox's clock is ahead of the wall clock, in ms.
    shift_ms: Arc<AtomicI64>,
    options: SandboxOptions,
    state: tempfile::TempDir,
}

impl World {
    /// A sandbox with `options`, in a new folder.
    pub async fn start(options: SandboxOptions) -> World {
        World::start_in(tempfile::tempdir().unwrap(), options).await
    }

    /// A sandbox with `options` in `state` (a folder an earlier one left).
    pub async fn start_in(state: tempfile::TempDir, options: SandboxOptions) -> World {
        let shift_ms = Arc::new(AtomicI64::new(0));
        let sandbox = start(state.path(), shifted(shift_ms.clone()), options).await;
        World {
            sandbox,
            http: http_client(Duration::from_secs(30)).unwrap(),
            shift_ms,
            options,
            state,
        }
    }

    /// Stops the sandbox and starts it again on the same address, folder,
    /// clock and options (what it keeps across a restart is in its folder).
    pub async fn restart(self) -> World {
        let addr = self.sandbox.addr;
        self.sandbox.stop().await;
        let sandbox = sandbox::start_with(
            addr,
            self.state.path(),
            shifted(self.shift_ms.clone()),
            self.options,
        )
        .await
        .unwrap();
        World { sandbox, ..self }
    }

    /// Its folder.
    pub fn state_dir(&self) -> &Path {
        self.state.path()
    }

    /// Stops the sandbox and gives back its folder, for another to start in.
    pub async fn stop(self) -> tempfile::TempDir {
        self.sandbox.stop().await;
        self.state
    }

    /// The sandbox's clock (a client on the same clock agrees with it).
    pub fn clock(&self) -> Clock {
        shifted(self.shift_ms.clone())
    }

    /// Moves the sandbox's clock `by` ahead: its processing delays end, its
    /// rate limit refills, its tokens age, without the test waiting.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap();
        self.shift_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sets the sandbox's clock `seconds` ahead of the wall clock (behind if
    /// negative).
    pub fn shift_seconds(&self, seconds: i64) {
        self.shift_ms.store(seconds * 1000, Ordering::SeqCst);
    }

    /// Registers an account of `quality` for `enterprise` (with `mandates`)
    /// for the fixture's key: its client ID and the PKCS#12 contents.
    pub async fn register(
        &self,
        quality: &str,
        enterprise: &str,
        mandates: &[&str],
    ) -> (String, cert::Pkcs12Contents) {
        register(&self.http, &self.sandbox, quality, enterprise, mandates).await
    }

    /// The token source of an account [`World::register`] made.
    pub fn token_source(
        &self,
        client_id: String,
        quality: &str,
        contents: &cert::Pkcs12Contents,
        timeout: Duration,
    ) -> TokenSource {
        token_source(&self.sandbox, client_id, quality, contents, timeout)
    }

    /// An employer's account for `enterprise` with the FLA and Dimona
    /// authorizations: its client ID and the PKCS#12 contents.
    pub async fn dimona_account(&self, enterprise: &str) -> (String, cert::Pkcs12Contents) {
        use fla_assistant::channel::env::DIMONA;
        register_for(
            &self.http,
            &self.sandbox,
            "employer",
            enterprise,
            &[],
            &[FLA.authorization, DIMONA.authorization],
        )
        .await
    }

    /// A [`World::dimona_account`] for `enterprise`, and a Dimona client for it.
    pub async fn dimona_client(
        &self,
        enterprise: &str,
        timeout: Duration,
    ) -> fla_assistant::dimona::client::DimonaClient {
        use fla_assistant::channel::env::DIMONA;
        let (client_id, contents) = self.dimona_account(enterprise).await;
        let tokens = TokenSource::new(
            endpoints(
                EnvironmentKind::Sandbox,
                &DIMONA,
                &UrlOverrides::default(),
                Some(&self.sandbox.base_url),
            )
            .unwrap(),
            client_id,
            Role::Employer,
            None,
            contents.entries[0].clone(),
            contents.protection.clone(),
            timeout,
        )
        .with_service(&DIMONA);
        let http = http_client(timeout).unwrap();
        fla_assistant::dimona::client::DimonaClient::new(http, tokens, Lang::En).unwrap()
    }

    /// A new account of `quality` for `enterprise`, and a client for it
    /// (requests time out after `timeout`).
    pub async fn client(
        &self,
        quality: &str,
        enterprise: &str,
        mandates: &[&str],
        timeout: Duration,
    ) -> FlaClient {
        let http = http_client(timeout).unwrap();
        let (client_id, contents) = self.register(quality, enterprise, mandates).await;
        let tokens = self.token_source(client_id, quality, &contents, timeout);
        FlaClient::new(http, tokens, Lang::En).unwrap()
    }

    /// `GET` of an admin route (`/stats`, `/references?…`): its JSON.
    pub async fn admin(&self, path: &str) -> Value {
        admin_get(&self.http, &self.sandbox.admin_url, path).await
    }

    /// `POST` of `body` to an admin route: the status and the JSON answer.
    pub async fn admin_post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.sandbox.admin_url))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// What the sandbox served (`GET /admin/stats`).
    pub async fn stats(&self) -> Value {
        self.admin("/stats").await
    }

    pub async fn tokens_issued(&self) -> u64 {
        self.stats().await["tokens_issued"].as_u64().unwrap()
    }

    /// Sets a fault (`POST /admin/faults` with `fault`), which must be taken.
    pub async fn fault(&self, fault: Value) {
        let (status, body) = self.admin_post("/faults", &fault).await;
        assert_eq!(status, 204, "{body}");
    }

    /// A token for `client_id` from the sandbox-only `POST /admin/tokens`.
    pub async fn admin_token(&self, client_id: &str) -> String {
        let (status, body) = self
            .admin_post("/tokens", &json!({ "client_id": client_id }))
            .await;
        assert_eq!(status, 201, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }
}

/// The wall clock, `shift_ms` ahead.
fn shifted(shift_ms: Arc<AtomicI64>) -> Clock {
    Arc::new(move || {
        OffsetDateTime::now_utc() + time::Duration::milliseconds(shift_ms.load(Ordering::SeqCst))
    })
}

/// `GET` of the admin route `path` (`/stats`, …) under a sandbox's
/// `admin_url`: its JSON.
pub async fn admin_get(http: &reqwest::Client, admin_url: &str, path: &str) -> Value {
    http.get(format!("{admin_url}{path}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Starts a sandbox keeping its state in `state`.
pub async fn start(state: &Path, clock: Clock, options: SandboxOptions) -> Sandbox {
    sandbox::start_with("127.0.0.1:0".parse().unwrap(), state, clock, options)
        .await
        .unwrap()
}

/// Registers an account of `quality` for `enterprise` (with `mandates`) for
/// the fixture's key: its client ID and the PKCS#12 contents that sign.
pub async fn register(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    quality: &str,
    enterprise: &str,
    mandates: &[&str],
) -> (String, cert::Pkcs12Contents) {
    register_for(
        http,
        sandbox,
        quality,
        enterprise,
        mandates,
        &[FLA.authorization],
    )
    .await
}

/// [`register`] with the Chaman authorizations ticked (`Dimona`, …).
pub async fn register_for(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    quality: &str,
    enterprise: &str,
    mandates: &[&str],
    authorizations: &[&str],
) -> (String, cert::Pkcs12Contents) {
    let path = crate::certs::fresh("openssl3-aes256.pfx");
    let contents =
        cert::open_pkcs12(&std::fs::read(path).unwrap(), crate::certs::PASSWORD).unwrap();
    let der = &contents.entries[0].certificate.as_ref().unwrap().der;
    let request = RegisterRequest {
        certificate: base64::engine::general_purpose::STANDARD.encode(der),
        enterprise: enterprise.into(),
        quality: quality.into(),
        mandates: mandates.iter().map(|m| m.to_string()).collect(),
        authorizations: authorizations.iter().map(|a| a.to_string()).collect(),
    };
    let response = http
        .post(format!("{}/chaman/accounts", sandbox.admin_url))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    (body["client_id"].as_str().unwrap().to_owned(), contents)
}

/// The token source of an account registered with [`register`].
pub fn token_source(
    sandbox: &Sandbox,
    client_id: String,
    quality: &str,
    contents: &cert::Pkcs12Contents,
    timeout: Duration,
) -> TokenSource {
    let role = if quality == "provider" {
        Role::Provider
    } else {
        Role::Employer
    };
    TokenSource::new(
        endpoints(
            EnvironmentKind::Sandbox,
            &FLA,
            &UrlOverrides::default(),
            Some(&sandbox.base_url),
        )
        .unwrap(),
        client_id,
        role,
        None,
        contents.entries[0].clone(),
        contents.protection.clone(),
        timeout,
    )
}

/// A declaration of ENTERPRISE for `ssin`, a training from `start` to `end`, as JSON.
pub fn declaration_json_between(
    reference: &str,
    ssin: &str,
    start: time::Date,
    end: time::Date,
) -> Value {
    json!({
        "externalReference": reference,
        "employer": { "enterpriseNumber": ENTERPRISE },
        "worker": { "ssin": ssin },
        "training": {
            "name": "Excel voor gevorderden",
            "type": "FORMAL",
            "startDate": start.to_string(),
            "endDate": end.to_string(),
            "duration": { "value": 14, "unit": "HOURS" },
            "followed": true,
            "countsForFla": true,
            "jointCommittee": "200"
        }
    })
}

/// The same, for a training three and two days ago (in Brussels).
pub fn declaration_json(reference: &str, ssin: &str) -> Value {
    let today = fla_assistant::today::brussels_date(OffsetDateTime::now_utc());
    declaration_json_between(
        reference,
        ssin,
        today - time::Duration::days(3),
        today - time::Duration::days(2),
    )
}

/// [`declaration_json`] as the wire type.
pub fn declaration(reference: &str, ssin: &str) -> Declaration {
    serde_json::from_value(declaration_json(reference, ssin)).unwrap()
}
