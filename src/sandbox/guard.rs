//! Who may talk to the sandbox: this computer's own clients only. A request
//! must name the address the sandbox listens on (or `localhost` with its port)
//! in `Host`, so a web page reaching it through DNS rebinding is refused; a
//! request that carries an `Origin` comes from a browser page and is refused;
//! the admin routes take JSON only, so a page's "simple" cross-site POST (a
//! form, or `text/plain`) is refused before it is read.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// The `Host` values a request may carry.
pub(super) struct Hosts(Vec<String>);

impl Hosts {
    /// For a sandbox listening on `addr`: the address itself, and
    /// `localhost:port` where it is a loopback address.
    pub(super) fn of(addr: SocketAddr) -> Hosts {
        let mut hosts = vec![addr.to_string()];
        if addr.ip().is_loopback() {
            hosts.push(format!("localhost:{}", addr.port()));
        }
        Hosts(hosts)
    }

    fn allows(&self, host: &str) -> bool {
        self.0.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

fn refused(status: StatusCode, detail: &str) -> Response {
    super::fla_api::problem(
        status,
        "about:blank",
        status.canonical_reason().unwrap_or("Refused"),
        detail.to_owned(),
    )
}

/// Every request: the right `Host` (421 otherwise), no `Origin` (403).
pub(super) async fn this_computer_only(
    State(hosts): State<Arc<Hosts>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !hosts.allows(host) {
        return refused(
            StatusCode::MISDIRECTED_REQUEST,
            "the sandbox answers requests to its own loopback address only",
        );
    }
    if request.headers().contains_key(header::ORIGIN) {
        return refused(
            StatusCode::FORBIDDEN,
            "the sandbox does not answer web pages (a request with an Origin)",
        );
    }
    next.run(request).await
}

/// An admin POST must say it is JSON (415 otherwise).
pub(super) async fn json_posts_only(request: Request, next: Next) -> Response {
    if request.method() == Method::POST {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return refused(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the sandbox's admin routes take application/json only",
            );
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hosts_are_the_address_and_localhost() {
        let hosts = Hosts::of("127.0.0.1:4242".parse().unwrap());
        assert!(hosts.allows("127.0.0.1:4242"));
        assert!(hosts.allows("LOCALHOST:4242"));
        assert!(!hosts.allows("localhost:4243"));
        assert!(!hosts.allows("evil.example:4242"));
        assert!(!hosts.allows(""));
    }
}
