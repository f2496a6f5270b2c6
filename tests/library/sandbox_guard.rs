//! The sandbox answers this computer's own clients only: a request naming
//! another host (DNS rebinding), a request from a web page (an `Origin`), an
//! admin POST that is not JSON (a page's "simple" cross-site request), and
//! the admin routes without the key of this start are refused, while the
//! project's own clients (the library, `sim-register`, `--env sandbox`) go on
//! working. Requests are written by hand on a socket, so that what is sent is
//! exactly what a browser or an attacker would send.

use fla_test_support::sandbox as sandbox_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use fla_assistant::channel::env::TOKEN_PATH;
use fla_assistant::channel::token::system_clock;
use fla_assistant::sandbox::{SandboxOptions, API_PATH};

/// Sends `request` (the head; `Connection: close` is added) and a body to the
/// sandbox at `addr`: the status code.
fn status_of(addr: std::net::SocketAddr, head: &str, body: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"))
}

#[test]
fn only_this_computers_clients_are_answered() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let state = tempfile::tempdir().unwrap();
    let sandbox = runtime.block_on(sandbox_support::start(
        state.path(),
        system_clock(),
        SandboxOptions::default(),
    ));
    let addr = sandbox.addr;
    let port = addr.port();
    let admin_path = sandbox
        .admin_url
        .strip_prefix(&sandbox.base_url)
        .unwrap()
        .to_owned();
    assert!(admin_path.len() > "/admin/".len() + 20, "{admin_path}");
    let own = format!("Host: 127.0.0.1:{port}");
    let local = format!("Host: localhost:{port}");
    let evil = format!("Host: evil.example:{port}");

    // Its own clients: the address, or localhost, with the key.
    assert_eq!(
        status_of(
            addr,
            &format!("GET {admin_path}/health HTTP/1.1\r\n{own}"),
            ""
        ),
        200
    );
    assert_eq!(
        status_of(
            addr,
            &format!("GET {admin_path}/health HTTP/1.1\r\n{local}"),
            ""
        ),
        200
    );

    // Another host's name: DNS rebinding, on every route.
    for (method, path) in [
        ("GET", format!("{admin_path}/health")),
        ("GET", format!("{admin_path}/chaman/accounts")),
        ("POST", TOKEN_PATH.to_owned()),
        ("POST", format!("{API_PATH}/trainings/search")),
    ] {
        let head = format!("{method} {path} HTTP/1.1\r\n{evil}\r\nContent-Type: application/json");
        assert_eq!(status_of(addr, &head, "{}"), 421, "{method} {path}");
        let head = format!("{method} {path} HTTP/1.1\r\nContent-Type: application/json");
        assert_eq!(
            status_of(addr, &head, "{}"),
            421,
            "no Host: {method} {path}"
        );
    }

    // A web page: an Origin, even with the right Host.
    for (method, path) in [
        ("GET", format!("{admin_path}/chaman/accounts")),
        ("POST", TOKEN_PATH.to_owned()),
        ("POST", format!("{admin_path}/tokens")),
    ] {
        let head = format!(
            "{method} {path} HTTP/1.1\r\n{own}\r\nOrigin: https://evil.example\r\nContent-Type: application/json"
        );
        assert_eq!(status_of(addr, &head, "{}"), 403, "{method} {path}");
    }

    // A browser's "simple" request: text/plain to the admin routes.
    let fault = r#"{"mode": "server_error", "target": "api", "count": 5}"#;
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let head =
            format!("POST {admin_path}/faults HTTP/1.1\r\n{own}\r\nContent-Type: {content_type}");
        assert_eq!(status_of(addr, &head, fault), 415, "{content_type}");
    }

    // The admin routes without this start's key: not there.
    for path in ["/admin/health", "/admin/chaman/accounts", "/admin/tokens"] {
        let head = format!("GET {path} HTTP/1.1\r\n{own}");
        assert_eq!(status_of(addr, &head, ""), 404, "{path}");
    }

    // The library's own client still registers and gets a token.
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let (client_id, _) = sandbox_support::register(
            &http,
            &sandbox,
            "employer",
            sandbox_support::ENTERPRISE,
            &[],
        )
        .await;
        assert!(client_id.starts_with("self_service_chaman_"), "{client_id}");
    });
}
