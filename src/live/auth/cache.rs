//! [`TokenCache`]: the bearer token kept between requests and refreshed before it expires.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential};
use azure_core::time::{OffsetDateTime, to_rfc3339};

use super::{AuthError, one_line};

/// A cached token is fetched again when it expires within this margin.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The token the HTTP client sends, kept between requests.
///
/// [`TokenCache::bearer`] returns the cached token while it is valid for more than
/// [`REFRESH_MARGIN`] and fetches a new one otherwise, so a long scan never sends an expired
/// token. Concurrent callers share one fetch: the cache is behind a `tokio::sync::Mutex`
/// held while fetching. Some `azure_identity` credentials cache tokens too
/// (`ClientSecretCredential`, workload identity, managed identity, with the same 5-minute
/// margin); the Azure CLI credential does not and runs `az` for every call, which this cache
/// avoids.
pub struct TokenCache {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    current: tokio::sync::Mutex<Option<AccessToken>>,
}

impl TokenCache {
    /// A cache of tokens from `cred` for `scope` (see [`scope_for`](super::scope_for)). Fetches
    /// nothing yet.
    pub fn new(cred: Arc<dyn TokenCredential>, scope: String) -> Self {
        TokenCache { credential: cred, scope, current: tokio::sync::Mutex::new(None) }
    }

    /// The scope the tokens are for.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The access token to send as `Authorization: Bearer <token>` (reqwest's `bearer_auth`
    /// adds the `Bearer ` prefix). The caller must not log or store it.
    ///
    /// An error from the credential comes back as the [`AuthError`] it carried
    /// ([`AuthError::NoCredential`], [`AuthError::TokenExpired`]) or as [`AuthError::Token`]
    /// with the credential's message on one line.
    pub async fn bearer(&self) -> Result<String, AuthError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref()
            && token.expires_on > OffsetDateTime::now_utc() + REFRESH_MARGIN
        {
            return Ok(token.token.secret().to_owned());
        }
        let token = self.credential.get_token(&[self.scope.as_str()], None).await.map_err(|err| {
            err.into_downcast::<AuthError>().unwrap_or_else(|err| AuthError::Token {
                scope: self.scope.clone(),
                message: one_line(&err.to_string()),
            })
        })?;
        let bearer = token.token.secret().to_owned();
        *current = Some(token);
        Ok(bearer)
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expires_on = self.current.try_lock().ok().and_then(|t| t.as_ref().map(|t| to_rfc3339(&t.expires_on)));
        f.debug_struct("TokenCache")
            .field("credential", &self.credential)
            .field("scope", &self.scope)
            .field("expires_on", &expires_on)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::auth::fake::{FakeCredential, Slow, fake, jwt_with_exp, now};
    use crate::live::auth::{ChainCredential, Credential, PUBLIC_ARM_SCOPE, StaticToken};

    #[tokio::test]
    async fn the_cache_reuses_a_fresh_token() {
        let fake = fake("cached-token");
        let cache = TokenCache::new(fake.clone(), PUBLIC_ARM_SCOPE.to_owned());
        for _ in 0..3 {
            assert_eq!(cache.bearer().await.unwrap(), "cached-token");
        }
        assert_eq!(fake.calls(), 1);
    }

    #[tokio::test]
    async fn the_cache_refreshes_a_token_that_expires_within_five_minutes() {
        let fake = Arc::new(FakeCredential::new("short-token", Duration::from_secs(4 * 60)));
        let cache = TokenCache::new(fake.clone(), PUBLIC_ARM_SCOPE.to_owned());
        cache.bearer().await.unwrap();
        cache.bearer().await.unwrap();
        assert_eq!(fake.calls(), 2);

        let longer = Arc::new(FakeCredential::new("long-token", Duration::from_secs(6 * 60)));
        let cache = TokenCache::new(longer.clone(), PUBLIC_ARM_SCOPE.to_owned());
        cache.bearer().await.unwrap();
        cache.bearer().await.unwrap();
        assert_eq!(longer.calls(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_fetch() {
        let fake = fake("shared-token");
        let cache = Arc::new(TokenCache::new(Arc::new(Slow(fake.clone())), PUBLIC_ARM_SCOPE.to_owned()));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.bearer().await.unwrap() })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), "shared-token");
        }
        assert_eq!(fake.calls(), 1);
    }

    #[tokio::test]
    async fn cache_errors_keep_their_kind_and_hide_the_token() {
        let failing = TokenCache::new(Arc::new(FakeCredential::failing()), PUBLIC_ARM_SCOPE.to_owned());
        let err = failing.bearer().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "could not get a token for https://management.azure.com/.default: fake credential set to fail"
        );

        let stale = jwt_with_exp(now().unix_timestamp() - 1);
        let cache = TokenCache::new(Arc::new(StaticToken::new(&stale).unwrap()), PUBLIC_ARM_SCOPE.to_owned());
        let err = cache.bearer().await.unwrap_err();
        assert!(matches!(err, AuthError::TokenExpired { .. }), "{err:?}");
        assert!(!err.to_string().contains(&stale) && !format!("{err:?}").contains(&stale));

        let chain = ChainCredential::new(vec![("only".to_owned(), Arc::new(FakeCredential::failing()) as Arc<_>)]);
        let err = TokenCache::new(Arc::new(chain), PUBLIC_ARM_SCOPE.to_owned()).bearer().await.unwrap_err();
        assert!(
            matches!(&err, AuthError::NoCredential { attempts } if attempts == &["only: fake credential set to fail"])
        );
    }

    #[tokio::test]
    async fn debug_of_the_cache_never_shows_the_token() {
        let cache = TokenCache::new(fake("very-secret-bearer"), PUBLIC_ARM_SCOPE.to_owned());
        assert_eq!(cache.bearer().await.unwrap(), "very-secret-bearer");
        let shown = format!("{cache:?} {cache:#?}");
        assert!(!shown.contains("very-secret-bearer"), "{shown}");
        assert!(shown.contains("expires_on: Some("), "{shown}");

        let cred = Credential {
            source: fake("very-secret-bearer"),
            description: "fake".to_owned(),
            chain: Some(Arc::new(ChainCredential::new(vec![(
                "fake".to_owned(),
                fake("very-secret-bearer") as Arc<_>,
            )]))),
        };
        let cached = TokenCache::new(cred.source.clone(), PUBLIC_ARM_SCOPE.to_owned());
        cached.bearer().await.unwrap();
        let shown = format!("{cred:?} {cached:?}");
        assert!(!shown.contains("very-secret-bearer"), "{shown}");
    }
}
