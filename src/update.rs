//! The update notice: not an updater. Where the user asked for it (off by
//! default), at most once a day the app reads a release feed (`latest.json`:
//! the version, its date, and per platform the download's URL and SHA-256)
//! with one plain `GET`, compares the versions (semver), and says a newer one
//! on one line. It never downloads nor installs anything, sends nothing but
//! that `GET`, and a failure (offline, a proxy that refuses, a feed that is
//! not one) is logged, never said.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The project's feed, where a release publishes its `latest.json`.
pub const DEFAULT_FEED: &str =
    "https://github.com/fla-assistant/fla-assistant/releases/latest/download/latest.json";

/// Asked at most this often.
pub const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// How long the `GET` may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A feed is small: more than this is not one.
pub const FEED_MAX: usize = 64 * 1024;

/// The version of this build.
pub const CURRENT: &str = env!("CARGO_PKG_VERSION");

/// A release feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feed {
    pub version: String,
    #[serde(default)]
    pub date: Option<String>,
    /// The release's page (notes, every download).
    #[serde(default)]
    pub page: Option<String>,
    /// Per platform (`linux-x86_64`, `windows-x86_64`, `macos-aarch64`…).
    #[serde(default)]
    pub platforms: BTreeMap<String, Asset>,
}

/// One platform's download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    pub url: String,
    pub sha256: String,
}

/// A newer version, as the status bar says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub version: String,
    pub date: Option<String>,
    /// Where to download it: this platform's download, else the release's page.
    pub link: String,
    /// This platform's download's SHA-256, for support staff to compare.
    pub sha256: Option<String>,
}

/// What the app remembers of the update notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateSettings {
    /// Asked for (off until the user says so).
    pub enabled: bool,
    /// The release feed's address.
    pub feed: String,
    /// The last check (Unix seconds), whatever it found.
    pub last_check: Option<i64>,
    /// The newer version it found, until a check finds none.
    pub notice: Option<Notice>,
    /// The Checklist asked it once.
    pub asked: bool,
}

impl Default for UpdateSettings {
    fn default() -> Self {
        UpdateSettings {
            enabled: false,
            feed: DEFAULT_FEED.to_owned(),
            last_check: None,
            notice: None,
            asked: false,
        }
    }
}

/// This system's key in a feed's `platforms`.
pub fn platform() -> String {
    format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH)
}

/// Why a feed gave no answer (logged, never shown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("the feed could not be read: {0}")]
    Network(String),
    #[error("the feed answered {0}")]
    Status(u16),
    #[error("the feed is not a release feed: {0}")]
    NotAFeed(String),
}

/// What `feed` says to a build of `current` on `platform`: a newer version,
/// or nothing (the same, an older one).
pub fn compare(current: &str, feed: &Feed, platform: &str) -> Result<Option<Notice>, FeedError> {
    let theirs = semver::Version::parse(feed.version.trim().trim_start_matches('v'))
        .map_err(|e| FeedError::NotAFeed(format!("version '{}': {e}", feed.version)))?;
    let ours = semver::Version::parse(current)
        .map_err(|e| FeedError::NotAFeed(format!("this build's version '{current}': {e}")))?;
    if theirs <= ours {
        return Ok(None);
    }
    let asset = feed.platforms.get(platform);
    let link = asset
        .map(|a| a.url.clone())
        .or_else(|| feed.page.clone())
        .ok_or_else(|| FeedError::NotAFeed("no download for this system and no page".into()))?;
    // Only a web address is offered as a link.
    if !(link.starts_with("https://") || link.starts_with("http://127.0.0.1")) {
        return Err(FeedError::NotAFeed(format!(
            "a link that is not https: {link}"
        )));
    }
    Ok(Some(Notice {
        version: theirs.to_string(),
        date: feed.date.clone(),
        link,
        sha256: asset.map(|a| a.sha256.clone()),
    }))
}

/// Reads the feed at `url` (one `GET`, no cookie, nothing sent with it) and
/// compares it with this build.
pub async fn check(
    url: &str,
    current: &str,
    timeout: Duration,
) -> Result<Option<Notice>, FeedError> {
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .map_err(|e| FeedError::Network(e.to_string()))?;
    let mut response = http
        .get(url)
        .send()
        .await
        .map_err(|e| FeedError::Network(e.to_string()))?;
    if !response.status().is_success() {
        return Err(FeedError::Status(response.status().as_u16()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FeedError::Network(e.to_string()))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > FEED_MAX {
            return Err(FeedError::NotAFeed(format!("more than {FEED_MAX} bytes")));
        }
    }
    let feed: Feed =
        serde_json::from_slice(&body).map_err(|e| FeedError::NotAFeed(e.to_string()))?;
    compare(current, &feed, &platform())
}

/// Whether `version` is newer than this build (a notice kept from before an
/// upgrade is not said).
pub fn is_newer(version: &str) -> bool {
    match (
        semver::Version::parse(version),
        semver::Version::parse(CURRENT),
    ) {
        (Ok(theirs), Ok(ours)) => theirs > ours,
        _ => false,
    }
}

/// Whether a check is due at `now` (Unix seconds), the last one at `last`.
pub fn due(last: Option<i64>, now: i64) -> bool {
    let every = i64::try_from(EVERY.as_secs()).unwrap_or(i64::MAX);
    last.is_none_or(|last| now.saturating_sub(last) >= every || now < last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(version: &str) -> Feed {
        Feed {
            version: version.into(),
            date: Some("2027-01-15".into()),
            page: Some("https://example.test/releases/v9".into()),
            platforms: BTreeMap::from([(
                "linux-x86_64".to_owned(),
                Asset {
                    url: "https://example.test/fla-assistant.deb".into(),
                    sha256: "ab".repeat(32),
                },
            )]),
        }
    }

    #[test]
    fn only_a_newer_version_is_said_with_this_systems_download() {
        let newer = compare("0.1.0", &feed("0.2.0"), "linux-x86_64")
            .unwrap()
            .unwrap();
        assert_eq!(newer.version, "0.2.0");
        assert_eq!(newer.link, "https://example.test/fla-assistant.deb");
        assert_eq!(newer.sha256, Some("ab".repeat(32)));
        assert_eq!(compare("0.2.0", &feed("0.2.0"), "linux-x86_64"), Ok(None));
        assert_eq!(compare("0.3.0", &feed("0.2.0"), "linux-x86_64"), Ok(None));
        // Semver, not text: 0.10 is after 0.9; a pre-release before its release.
        assert!(compare("0.9.0", &feed("0.10.0"), "x").unwrap().is_some());
        assert_eq!(compare("1.0.0", &feed("1.0.0-rc.1"), "x"), Ok(None));
        // Another system: the release's page, no SHA-256.
        let other = compare("0.1.0", &feed("v0.2.0"), "windows-x86_64")
            .unwrap()
            .unwrap();
        assert_eq!(other.link, "https://example.test/releases/v9");
        assert_eq!(other.sha256, None);
        assert!(compare("0.1.0", &feed("two"), "x").is_err());
    }

    #[test]
    fn a_link_that_is_not_https_is_not_offered() {
        let mut f = feed("0.2.0");
        f.platforms.clear();
        f.page = Some("javascript:alert(1)".into());
        assert!(compare("0.1.0", &f, "linux-x86_64").is_err());
    }

    #[test]
    fn a_notice_kept_from_before_an_upgrade_is_not_said() {
        assert!(is_newer("99.0.0"));
        assert!(!is_newer(CURRENT));
        assert!(!is_newer("0.0.1"));
        assert!(!is_newer("not a version"));
    }

    #[test]
    fn once_a_day() {
        assert!(due(None, 1_000));
        assert!(!due(Some(1_000), 1_000 + 3_600));
        assert!(due(Some(1_000), 1_000 + 86_400));
        // A clock put back: asked again rather than never.
        assert!(due(Some(10_000), 1_000));
    }
}
