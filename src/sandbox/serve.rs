//! The sandbox's accept loop. It serves each connection itself (hyper, HTTP/1)
//! rather than through `axum::serve` so that a handler can drop its connection
//! without an answer: the client then sees a closed connection, as when a
//! server or a proxy dies after committing (the "outcome unknown" case).

use std::sync::Arc;

use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::sync::{watch, Notify};

/// Put in every request's extensions: a handler that notifies it has its
/// connection closed at once, with nothing more written.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    /// Drops the connection; the caller then never answers (its future is dropped with it).
    pub(crate) async fn drop_connection(&self) {
        self.0.notify_one();
        std::future::pending::<()>().await;
    }
}

/// Accepts until `stopping` turns true, then lets every connection finish its
/// request in flight (a graceful shutdown) and returns.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    mut stopping: watch::Receiver<bool>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stopped(&mut stopping) => break,
        };
        // Reap the connections that ended, so that a long run keeps no handles.
        while connections.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait a little, go on.
                eprintln!("sandbox: cannot accept a connection: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        connections.spawn(connection(stream, router.clone(), stopping.clone()));
    }
    while connections.join_next().await.is_some() {}
}

/// Until the sandbox is asked to stop (the guard of the watch is not kept).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

async fn connection(
    stream: tokio::net::TcpStream,
    router: Router,
    mut stopping: watch::Receiver<bool>,
) {
    let kill = ConnectionKill::default();
    let inner = hyper_util::service::TowerToHyperService::new(router);
    let for_requests = kill.clone();
    let service =
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(for_requests.clone());
            hyper::service::Service::call(&inner, request)
        });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        // Dropping the connection's future closes the socket: no status line,
        // no byte of an answer.
        () = kill.0.notified() => {}
        () = stopped(&mut stopping) => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                _ = conn.as_mut() => {}
                () = kill.0.notified() => {}
            }
        }
    }
}
