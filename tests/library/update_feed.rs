//! The update notice against a feed served on loopback: a newer version is
//! said with this system's download and its SHA-256; the same or an older
//! one is nothing; a feed that is not one, a server that is not there, one
//! too slow or too big are failures (logged by the app, never shown).

use std::time::Duration;

use axum::routing::get;
use fla_assistant::update::{check, platform, FeedError};
use serde_json::json;

async fn serve() -> String {
    let this = platform();
    let feed = move |version: &'static str| {
        let this = this.clone();
        move || async move {
            axum::Json(json!({
                "version": version,
                "date": "2027-01-15",
                "page": "https://example.test/releases",
                "platforms": {
                    this: {"url": "https://example.test/download", "sha256": "cd".repeat(32)}
                }
            }))
        }
    };
    let app = axum::Router::new()
        .route("/newer.json", get(feed("0.2.0")))
        .route("/same.json", get(feed("0.1.0")))
        .route("/older.json", get(feed("0.0.9")))
        .route(
            "/malformed.json",
            get(|| async { "<html>Sign in to the proxy</html>" }),
        )
        .route(
            "/big.json",
            get(|| async {
                format!(
                    "{{\"version\":\"9.0.0\",\"page\":\"https://example.test/r\",\"x\":\"{}\"}}",
                    "a".repeat(100_000)
                )
            }),
        )
        .route(
            "/slow.json",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "{}"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_newer_version_is_said_the_same_or_an_older_one_is_not() {
    let base = serve().await;
    let t = Duration::from_secs(2);
    let newer = check(&format!("{base}/newer.json"), "0.1.0", t)
        .await
        .unwrap()
        .expect("a newer version");
    assert_eq!(newer.version, "0.2.0");
    assert_eq!(newer.link, "https://example.test/download");
    assert_eq!(newer.sha256, Some("cd".repeat(32)));
    assert_eq!(newer.date.as_deref(), Some("2027-01-15"));
    assert_eq!(
        check(&format!("{base}/same.json"), "0.1.0", t).await,
        Ok(None)
    );
    assert_eq!(
        check(&format!("{base}/older.json"), "0.1.0", t).await,
        Ok(None)
    );
}

#[tokio::test]
async fn a_feed_that_is_none_a_server_not_there_or_too_slow_is_a_failure() {
    let base = serve().await;
    let t = Duration::from_millis(500);
    assert!(matches!(
        check(&format!("{base}/malformed.json"), "0.1.0", t).await,
        Err(FeedError::NotAFeed(_))
    ));
    assert!(matches!(
        check(&format!("{base}/big.json"), "0.1.0", t).await,
        Err(FeedError::NotAFeed(_))
    ));
    assert_eq!(
        check(&format!("{base}/missing.json"), "0.1.0", t).await,
        Err(FeedError::Status(404))
    );
    // Nothing listens there.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    assert!(matches!(
        check(&format!("http://{closed}/latest.json"), "0.1.0", t).await,
        Err(FeedError::Network(_))
    ));
    // Too slow: given up at the timeout (waited for, it would be no feed).
    assert!(matches!(
        check(&format!("{base}/slow.json"), "0.1.0", t).await,
        Err(FeedError::Network(_))
    ));
}
