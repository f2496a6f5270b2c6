//! Answers read with a cap: a body is read chunk by chunk and refused once it
//! passes its limit, so a server (or whatever stands in its place: a proxy, a
//! captive portal) that streams without end costs the limit, not the stream.

/// The most of a token endpoint's answer read: a token answer is a few
/// hundred bytes, an error page a few kilobytes.
pub const TOKEN_BODY_MAX: usize = 64 * 1024;

/// The most of an API answer read: a search page of declarations is tens of
/// kilobytes; a problem document less.
pub const API_BODY_MAX: usize = 4 * 1024 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Longer than `limit` bytes (announced, or read so far).
    TooLarge { limit: usize },
    /// The connection failed while reading.
    Transport(reqwest::Error),
}

/// The code of an answer refused for its size.
pub const RESPONSE_TOO_LARGE: &str = "response_too_large";

/// Reads `response`'s body, at most `limit` bytes: more is [`BodyError::TooLarge`]
/// (a `Content-Length` over the limit is refused before anything is read).
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX))
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A limit in words: "64 KiB", "4 MiB".
pub fn limit_text(limit: usize) -> String {
    if limit >= 1024 * 1024 && limit.is_multiple_of(1024 * 1024) {
        format!("{} MiB", limit / (1024 * 1024))
    } else if limit >= 1024 && limit.is_multiple_of(1024) {
        format!("{} KiB", limit / 1024)
    } else {
        format!("{limit} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_said_in_their_unit() {
        assert_eq!(limit_text(TOKEN_BODY_MAX), "64 KiB");
        assert_eq!(limit_text(API_BODY_MAX), "4 MiB");
        assert_eq!(limit_text(100), "100 bytes");
    }
}
