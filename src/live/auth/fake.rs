//! Test doubles for the unit tests of `live::auth`: [`FakeCredential`], a credential that
//! counts its calls, and the helpers the tests of `token`, `chain` and `cache` share.
//!
//! Compiled only for tests: nothing outside `src/live/auth/` uses these (the integration
//! tests in `tests/` drive the live reader with `--auth token-env` against a fake Resource
//! Manager).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::time::OffsetDateTime;
use base64::Engine as _;

/// The credential double the auth tests use: gives `token` with an expiry of `lifetime`
/// from each call, or fails every call when built with [`FakeCredential::failing`]. It counts
/// its calls so tests can see when a token was fetched again.
pub struct FakeCredential {
    token: String,
    calls: AtomicUsize,
    lifetime: Duration,
    fail: bool,
}

impl FakeCredential {
    /// A credential that gives `token`, valid for `lifetime` from each call.
    pub fn new(token: impl Into<String>, lifetime: Duration) -> Self {
        FakeCredential { token: token.into(), calls: AtomicUsize::new(0), lifetime, fail: false }
    }

    /// A credential whose every call fails with "fake credential set to fail".
    pub fn failing() -> Self {
        FakeCredential { token: String::new(), calls: AtomicUsize::new(0), lifetime: Duration::ZERO, fail: true }
    }

    /// How many times `get_token` has been called.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for FakeCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeCredential")
            .field("calls", &self.calls())
            .field("lifetime", &self.lifetime)
            .field("fail", &self.fail)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail {
            return Err(azure_core::Error::with_message(ErrorKind::Credential, "fake credential set to fail"));
        }
        Ok(AccessToken::new(self.token.clone(), OffsetDateTime::now_utc() + self.lifetime))
    }
}

/// A [`FakeCredential`] that gives `token`, valid for an hour.
pub(super) fn fake(token: &str) -> Arc<FakeCredential> {
    Arc::new(FakeCredential::new(token, Duration::from_secs(3600)))
}

/// Delays a credential, so concurrent callers overlap while it fetches.
#[derive(Debug)]
pub(super) struct Slow(pub(super) Arc<FakeCredential>);

#[async_trait::async_trait]
impl TokenCredential for Slow {
    async fn get_token(&self, s: &[&str], o: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
        tokio::time::sleep(Duration::from_millis(30)).await;
        self.0.get_token(s, o).await
    }
}

/// A JWT-shaped token whose payload has `exp`; header and signature are placeholders.
pub(super) fn jwt_with_exp(exp: i64) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!("{}.{}.c2lnbmF0dXJl", b64(r#"{"alg":"RS256","typ":"JWT"}"#), b64(&format!(r#"{{"exp":{exp}}}"#)))
}

/// The current time, UTC.
pub(super) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::auth::PUBLIC_ARM_SCOPE;

    #[tokio::test]
    async fn the_fake_counts_calls_and_can_fail() {
        let fake = FakeCredential::new("fake-token-1", Duration::from_secs(60));
        let token = fake.get_token(&[PUBLIC_ARM_SCOPE], None).await.unwrap();
        assert_eq!(token.token.secret(), "fake-token-1");
        assert!(token.expires_on > now() + Duration::from_secs(50));
        assert_eq!(fake.calls(), 1);

        let failing = FakeCredential::failing();
        let err = failing.get_token(&[PUBLIC_ARM_SCOPE], None).await.unwrap_err();
        assert_eq!(err.to_string(), "fake credential set to fail");
        assert_eq!(failing.calls(), 1);
    }
}
