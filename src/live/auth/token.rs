//! The `--auth token-env` credential: [`StaticToken`], a bearer token issued beforehand, and
//! the JWT `exp` parsing that gives its expiry.

use std::fmt;
use std::time::Duration;

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::time::{OffsetDateTime, to_rfc3339};
use base64::Engine as _;

use super::{AuthError, into_azure};

/// How long a token from `AZLINT_ARM_TOKEN` is assumed to last when it is not a JWT, from
/// when it was read.
pub const ASSUMED_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The `--auth token-env` credential: a bearer token issued beforehand (a CI pipeline that
/// already holds one; tests), given to Resource Manager as it is.
///
/// Its expiry comes from the token's `exp` claim when the token is a JWT (Entra ID access
/// tokens are); otherwise it is assumed to be [`ASSUMED_TOKEN_LIFETIME`] after the token was
/// read. Once that time has passed, `get_token` fails with [`AuthError::TokenExpired`] rather
/// than sending a token Resource Manager would refuse. The scopes asked for are not checked:
/// the token must already be one for Resource Manager.
pub struct StaticToken {
    token: Secret,
    expires_on: OffsetDateTime,
    from_jwt: bool,
}

impl StaticToken {
    /// Takes `value` as read from `AZLINT_ARM_TOKEN`. Surrounding whitespace and a leading
    /// `Bearer ` are dropped; an empty value is [`AuthError::TokenEnvMissing`].
    pub fn new(value: &str) -> Result<Self, AuthError> {
        Self::read_at(value, OffsetDateTime::now_utc())
    }

    fn read_at(value: &str, now: OffsetDateTime) -> Result<Self, AuthError> {
        let mut token = value.trim();
        if let Some(rest) = token.get(6..)
            && token[..6].eq_ignore_ascii_case("bearer")
            && (rest.is_empty() || rest.starts_with(char::is_whitespace))
        {
            token = rest.trim_start();
        }
        if token.is_empty() {
            return Err(AuthError::TokenEnvMissing);
        }
        let (expires_on, from_jwt) = match jwt_expiry(token) {
            Some(exp) => (exp, true),
            None => (now + ASSUMED_TOKEN_LIFETIME, false),
        };
        Ok(StaticToken { token: Secret::new(token.to_owned()), expires_on, from_jwt })
    }

    /// When the token expires (or is assumed to).
    pub fn expires_on(&self) -> OffsetDateTime {
        self.expires_on
    }

    /// Whether [`StaticToken::expires_on`] came from the token's `exp` claim.
    pub fn expiry_from_jwt(&self) -> bool {
        self.from_jwt
    }

    fn check_at(&self, now: OffsetDateTime) -> Result<AccessToken, AuthError> {
        if now >= self.expires_on {
            let note = if self.from_jwt {
                ""
            } else {
                " (it is not a JWT, so azlint assumed it lasts one hour from when it was read)"
            };
            return Err(AuthError::TokenExpired { expired_at: to_rfc3339(&self.expires_on), note });
        }
        Ok(AccessToken::new(self.token.clone(), self.expires_on))
    }
}

/// The `exp` claim of a JWT (`header.payload.signature`, base64url), or `None` when `token`
/// is not a JWT or has no usable `exp`.
fn jwt_expiry(token: &str) -> Option<OffsetDateTime> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?;
    let seconds = exp.as_i64().or_else(|| exp.as_f64().map(|f| f as i64))?;
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticToken")
            .field("expires_on", &to_rfc3339(&self.expires_on))
            .field("from_jwt", &self.from_jwt)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.check_at(OffsetDateTime::now_utc()).map_err(into_azure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::auth::PUBLIC_ARM_SCOPE;
    use crate::live::auth::fake::{FakeCredential, jwt_with_exp, now};

    #[test]
    fn a_jwt_expiry_comes_from_its_exp_claim() {
        let exp = now().unix_timestamp() + 1800;
        let token = StaticToken::new(&jwt_with_exp(exp)).unwrap();
        assert!(token.expiry_from_jwt());
        assert_eq!(token.expires_on().unix_timestamp(), exp);
        assert!(token.check_at(now()).is_ok());
    }

    #[test]
    fn an_expired_jwt_is_refused_without_showing_it() {
        let jwt = jwt_with_exp(1_700_000_000);
        let token = StaticToken::new(&jwt).unwrap();
        let err = token.check_at(now()).unwrap_err().to_string();
        assert_eq!(err, "AZLINT_ARM_TOKEN expired at 2023-11-14T22:13:20Z; fetch a new one");
        assert!(!err.contains(&jwt));
    }

    #[tokio::test]
    async fn get_token_reports_the_expiry_as_an_auth_error() {
        let token = StaticToken::new(&jwt_with_exp(1_700_000_000)).unwrap();
        let err = token.get_token(&[PUBLIC_ARM_SCOPE], None).await.unwrap_err();
        assert!(matches!(err.into_downcast::<AuthError>(), Ok(AuthError::TokenExpired { .. })));

        let fresh = jwt_with_exp(now().unix_timestamp() + 3600);
        let got = StaticToken::new(&format!("Bearer {fresh}\n")).unwrap().get_token(&[PUBLIC_ARM_SCOPE], None).await;
        assert_eq!(got.unwrap().token.secret(), fresh);
    }

    #[test]
    fn an_opaque_token_is_assumed_to_last_an_hour() {
        let read = now();
        let token = StaticToken::read_at("opaque-token", read).unwrap();
        assert!(!token.expiry_from_jwt());
        assert_eq!(token.expires_on(), read + ASSUMED_TOKEN_LIFETIME);
        assert!(token.check_at(read + Duration::from_secs(3599)).is_ok());
        let err = token.check_at(read + Duration::from_secs(3600)).unwrap_err().to_string();
        assert!(StaticToken::new("Bearerish").unwrap().check_at(read).is_ok_and(|t| t.token.secret() == "Bearerish"));
        assert!(err.contains("not a JWT") && err.ends_with("fetch a new one"), "{err}");
        assert!(!err.contains("opaque-token"));
    }

    #[test]
    fn malformed_jwts_are_opaque_tokens() {
        for token in ["a.b.c", "a.e30.c", "a.eyJleHAiOiJzb29uIn0.c", "a.b.c.d"] {
            assert!(!StaticToken::new(token).unwrap().expiry_from_jwt(), "{token}");
        }
    }

    #[test]
    fn an_empty_token_is_refused() {
        for value in ["", "  \n", "Bearer  ", "bearer"] {
            assert!(matches!(StaticToken::new(value), Err(AuthError::TokenEnvMissing)), "{value:?}");
        }
    }

    #[test]
    fn debug_output_hides_the_tokens() {
        let jwt = jwt_with_exp(now().unix_timestamp() + 600);
        let shown =
            format!("{:?} {:?}", StaticToken::new(&jwt).unwrap(), FakeCredential::new("fake-secret", Duration::ZERO));
        assert!(!shown.contains(&jwt) && !shown.contains("fake-secret"), "{shown}");
    }
}
