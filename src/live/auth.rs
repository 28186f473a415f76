//! Credentials for the live reader: which identity reads Resource Manager, and the bearer
//! token it sends.
//!
//! `azure_identity` 1.x has no default credential chain, so [`credential`] builds one for
//! `--auth auto` ([`ChainCredential`]) and maps every other `--auth` value to one
//! `azure_identity` type (or to [`StaticToken`] for `token-env`). [`TokenCache`] keeps the
//! token between requests and refreshes it before it expires.
//!
//! Tokens are held in `azure_core`'s [`Secret`], whose `Debug` prints only `Secret`. No
//! type here prints a token in `Debug` output or puts one in an error message.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::time::{OffsetDateTime, to_rfc3339};
use base64::Engine as _;

/// The variable `--auth token-env` reads.
pub const TOKEN_ENV_VAR: &str = "AZLINT_ARM_TOKEN";

/// The `--auth` values: how the live reader gets its credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// Tries a service principal, workload identity, managed identity, then the Azure CLI.
    Auto,
    /// The account logged in to the Azure CLI (`az login`).
    Cli,
    /// The managed identity of the Azure VM or App Service the scan runs on.
    ManagedIdentity,
    /// A service principal with a client secret, from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and
    /// `AZURE_CLIENT_SECRET`.
    ServicePrincipal,
    /// A Kubernetes workload identity, from `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_TENANT_ID` and
    /// `AZURE_CLIENT_ID`.
    WorkloadIdentity,
    /// A bearer token issued beforehand, from `AZLINT_ARM_TOKEN`.
    TokenEnv,
}

impl AuthMethod {
    /// Every method, in the order `--help` lists them.
    pub const ALL: [AuthMethod; 6] = [
        AuthMethod::Auto,
        AuthMethod::Cli,
        AuthMethod::ManagedIdentity,
        AuthMethod::ServicePrincipal,
        AuthMethod::WorkloadIdentity,
        AuthMethod::TokenEnv,
    ];

    /// The name on the command line: `auto`, `cli`, `managed-identity`, `service-principal`,
    /// `workload-identity` or `token-env`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Auto => "auto",
            AuthMethod::Cli => "cli",
            AuthMethod::ManagedIdentity => "managed-identity",
            AuthMethod::ServicePrincipal => "service-principal",
            AuthMethod::WorkloadIdentity => "workload-identity",
            AuthMethod::TokenEnv => "token-env",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthMethod {
    type Err = AuthError;

    /// Parses a name from [`AuthMethod::as_str`], ignoring case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        AuthMethod::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| AuthError::UnknownMethod { given: s.to_owned() })
    }
}

fn method_names() -> String {
    AuthMethod::ALL.map(AuthMethod::as_str).join(", ")
}

/// The public cloud's Resource Manager scope, also used for loopback test endpoints.
pub const PUBLIC_ARM_SCOPE: &str = "https://management.azure.com/.default";

/// The token scope for a Resource Manager endpoint: the endpoint's origin followed by
/// `/.default`.
///
/// `https://management.azure.com` gives `https://management.azure.com/.default`; the
/// sovereign clouds (`https://management.usgovcloudapi.net`,
/// `https://management.chinacloudapi.cn`) give their own origin likewise. A loopback endpoint
/// (`http://127.0.0.1:8080`, `localhost`, `[::1]`), as the tests' fake Resource Manager
/// uses, gives the public cloud scope. An endpoint without a scheme is read as `https://`;
/// one that does not parse as a URL also gives the public cloud scope.
pub fn scope_for(endpoint: &str) -> String {
    let endpoint = endpoint.trim();
    let with_scheme = if endpoint.contains("://") { endpoint.to_owned() } else { format!("https://{endpoint}") };
    let Ok(url) = azure_core::http::Url::parse(&with_scheme) else {
        return PUBLIC_ARM_SCOPE.to_owned();
    };
    let Some(host) = url.host_str() else {
        return PUBLIC_ARM_SCOPE.to_owned();
    };
    if is_loopback(host) {
        return PUBLIC_ARM_SCOPE.to_owned();
    }
    format!("{}/.default", url.origin().ascii_serialization())
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What went wrong while getting a credential or a token. Every message says what to do next
/// and none contains a token or a client secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// `--auth` named no known method.
    #[error("unknown --auth method `{given}`; expected one of: {}", method_names())]
    UnknownMethod {
        /// The value given.
        given: String,
    },
    /// The method needs environment variables that are not set (or are empty).
    #[error("--auth {method} needs {}, which {} not set: set {} or choose another --auth method",
        missing.join(", "), if missing.len() == 1 { "is" } else { "are" },
        if missing.len() == 1 { "it" } else { "them" })]
    MissingEnv {
        /// The method's command-line name.
        method: &'static str,
        /// The variables that are missing.
        missing: Vec<&'static str>,
    },
    /// `--auth token-env` without a token in `AZLINT_ARM_TOKEN`.
    #[error(
        "--auth token-env needs a bearer token in AZLINT_ARM_TOKEN, which is not set or empty: set it (for example \
         to the output of `az account get-access-token --query accessToken -o tsv`) or choose another --auth method"
    )]
    TokenEnvMissing,
    /// The token from `AZLINT_ARM_TOKEN` has expired.
    #[error("AZLINT_ARM_TOKEN expired at {expired_at}{note}; fetch a new one")]
    TokenExpired {
        /// When it expired (RFC 3339).
        expired_at: String,
        /// Empty when the expiry came from the token's `exp` claim; otherwise says it was assumed.
        note: &'static str,
    },
    /// `azure_identity` refused to build the credential.
    #[error("could not set up {description}: {message}")]
    Setup {
        /// Which credential.
        description: String,
        /// `azure_identity`'s reason, on one line.
        message: String,
    },
    /// `--auth auto` found no credential that works.
    #[error(
        "no credential found: set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, run `az login`, or pass \
         --auth token-env with AZLINT_ARM_TOKEN. Tried:\n{}",
        attempts.iter().map(|a| format!("  - {a}")).collect::<Vec<_>>().join("\n")
    )]
    NoCredential {
        /// One line per candidate: its description and why it was skipped or failed.
        attempts: Vec<String>,
    },
    /// A credential failed to give a token.
    #[error("could not get a token for {scope}: {message}")]
    Token {
        /// The scope asked for.
        scope: String,
        /// The credential's reason, on one line.
        message: String,
    },
}

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

/// Wraps an [`AuthError`] so it survives the trip through `TokenCredential::get_token`;
/// [`TokenCache::bearer`] unwraps it again.
fn into_azure(err: AuthError) -> azure_core::Error {
    azure_core::Error::new(ErrorKind::Credential, err)
}

/// The credential double the live tests use: gives `token` with an expiry of `lifetime`
/// from each call, or fails every call when built with [`FakeCredential::failing`]. It counts
/// its calls so tests can see when a token was fetched again.
///
/// Not behind `#[cfg(test)]`: the integration tests in `tests/` use it too.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_round_trip_through_their_names() {
        for method in AuthMethod::ALL {
            assert_eq!(method.as_str().parse::<AuthMethod>().unwrap(), method);
            assert_eq!(method.to_string(), method.as_str());
        }
        assert_eq!(" Managed-Identity ".parse::<AuthMethod>().unwrap(), AuthMethod::ManagedIdentity);
        assert_eq!(
            AuthMethod::ALL.map(AuthMethod::as_str),
            ["auto", "cli", "managed-identity", "service-principal", "workload-identity", "token-env"]
        );
    }

    #[test]
    fn an_unknown_method_lists_the_accepted_names() {
        let err = "msi".parse::<AuthMethod>().unwrap_err().to_string();
        assert!(err.contains("`msi`"), "{err}");
        for method in AuthMethod::ALL {
            assert!(err.contains(method.as_str()), "{err}");
        }
    }

    #[test]
    fn scope_follows_the_endpoint_cloud() {
        assert_eq!(scope_for("https://management.azure.com"), "https://management.azure.com/.default");
        assert_eq!(scope_for("https://management.azure.com/"), "https://management.azure.com/.default");
        assert_eq!(scope_for("https://management.usgovcloudapi.net"), "https://management.usgovcloudapi.net/.default");
        assert_eq!(scope_for("https://management.chinacloudapi.cn/"), "https://management.chinacloudapi.cn/.default");
        assert_eq!(scope_for("management.usgovcloudapi.net"), "https://management.usgovcloudapi.net/.default");
    }

    #[test]
    fn loopback_and_unparsable_endpoints_use_the_public_scope() {
        for endpoint in
            ["http://127.0.0.1:8080", "http://localhost:3000/", "http://[::1]:9000", "http://127.3.4.5", "::"]
        {
            assert_eq!(scope_for(endpoint), PUBLIC_ARM_SCOPE, "{endpoint}");
        }
    }

    #[test]
    fn missing_variables_are_named() {
        let one = AuthError::MissingEnv { method: "workload-identity", missing: vec!["AZURE_FEDERATED_TOKEN_FILE"] };
        assert_eq!(
            one.to_string(),
            "--auth workload-identity needs AZURE_FEDERATED_TOKEN_FILE, which is not set: set it or choose another \
             --auth method"
        );
        let two = AuthError::MissingEnv {
            method: "service-principal",
            missing: vec!["AZURE_TENANT_ID", "AZURE_CLIENT_SECRET"],
        };
        assert!(two.to_string().contains("AZURE_TENANT_ID, AZURE_CLIENT_SECRET, which are not set: set them"));
    }
    /// A JWT-shaped token whose payload has `exp`; header and signature are placeholders.
    pub(super) fn jwt_with_exp(exp: i64) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.c2lnbmF0dXJl", b64(r#"{"alg":"RS256","typ":"JWT"}"#), b64(&format!(r#"{{"exp":{exp}}}"#)))
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

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

    #[test]
    fn debug_output_hides_the_tokens() {
        let jwt = jwt_with_exp(now().unix_timestamp() + 600);
        let shown =
            format!("{:?} {:?}", StaticToken::new(&jwt).unwrap(), FakeCredential::new("fake-secret", Duration::ZERO));
        assert!(!shown.contains(&jwt) && !shown.contains("fake-secret"), "{shown}");
    }
}
