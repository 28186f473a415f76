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
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::ClientOptions;
use azure_core::time::{OffsetDateTime, to_rfc3339};
use azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};
use base64::Engine as _;

/// The variable `--auth token-env` reads.
pub const TOKEN_ENV_VAR: &str = "AZLINT_ARM_TOKEN";
const AZURE_TENANT_ID: &str = "AZURE_TENANT_ID";
const AZURE_CLIENT_ID: &str = "AZURE_CLIENT_ID";
const AZURE_CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
const AZURE_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";

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

/// How long `--auth auto` waits for a managed identity token before moving on to the Azure
/// CLI. Off Azure there is no IMDS endpoint, and `azure_identity` 1.0's IMDS client retries
/// connection errors (up to 6 retries within 72 s, each connection attempt allowed 20 s),
/// which would stall every scan run off Azure. Once managed identity has given a token, later
/// calls are not limited.
pub const MANAGED_IDENTITY_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What [`credential`] gives the reader.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The credential to ask for tokens (wrap it in a [`TokenCache`]).
    pub source: Arc<dyn TokenCredential>,
    /// Which credential this is, for the user: for example "service principal from
    /// AZURE_CLIENT_ID (client 1234abcd…)". Never contains a secret or a token.
    pub description: String,
    /// For `--auth auto`, the chain behind `source`, so the CLI can say which candidate it
    /// used ([`ChainCredential::chosen`]) after the first token; `None` for the other methods.
    pub chain: Option<Arc<ChainCredential>>,
}

impl Credential {
    /// The credential that gave the tokens: for `--auth auto` the chain's chosen candidate once
    /// a token has been fetched, otherwise [`Credential::description`].
    pub fn used(&self) -> String {
        self.chain.as_ref().and_then(|c| c.chosen()).unwrap_or_else(|| self.description.clone())
    }
}

/// Builds the credential for `method`. `env` reads environment variables (the CLI passes
/// `|name| std::env::var(name).ok()`; tests pass a map). An empty value counts as unset.
///
/// Only the variables named here are read through `env`: `azure_identity` itself still reads
/// the process environment for managed identity's endpoint (`IDENTITY_ENDPOINT`,
/// `IDENTITY_HEADER`, `MSI_ENDPOINT`, ...), and the Azure CLI runs with the process's `PATH`
/// and login state. `AZURE_AUTHORITY_HOST`, when set, is passed on as the sign-in authority of
/// the service principal and workload identity credentials.
///
/// Building a credential makes no network request; the first token is fetched by the first
/// `get_token` (through [`TokenCache::bearer`]).
pub fn credential(method: AuthMethod, env: &dyn Fn(&str) -> Option<String>) -> Result<Credential, AuthError> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let (description, source): (String, Arc<dyn TokenCredential>) = match method {
        AuthMethod::Auto => {
            let chain = Arc::new(ChainCredential::from_env(&var));
            let description = format!("auto: {}", chain.candidates().join(", then "));
            return Ok(Credential { source: chain.clone(), description, chain: Some(chain) });
        }
        AuthMethod::Cli => cli()?,
        AuthMethod::ManagedIdentity => managed_identity(&var)?,
        AuthMethod::ServicePrincipal => service_principal(&var)?,
        AuthMethod::WorkloadIdentity => workload_identity(&var)?,
        AuthMethod::TokenEnv => {
            let token = StaticToken::new(&var(TOKEN_ENV_VAR).ok_or(AuthError::TokenEnvMissing)?)?;
            let expiry = to_rfc3339(&token.expires_on());
            let description = if token.expiry_from_jwt() {
                format!("bearer token from {TOKEN_ENV_VAR} (expires {expiry})")
            } else {
                format!("bearer token from {TOKEN_ENV_VAR} (not a JWT; assumed to expire {expiry})")
            };
            (description, Arc::new(token))
        }
    };
    Ok(Credential { source, description, chain: None })
}

type Built = (String, Arc<dyn TokenCredential>);

/// The variables in `names` that `var` does not have.
fn missing(var: &dyn Fn(&str) -> Option<String>, names: &[&'static str]) -> Vec<&'static str> {
    names.iter().copied().filter(|n| var(n).is_none()).collect()
}

/// The first characters of a client ID, enough to recognise it in a message.
fn short_id(id: &str) -> String {
    let mut chars = id.chars();
    let head: String = chars.by_ref().take(8).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

/// Client options carrying `AZURE_AUTHORITY_HOST` from `var`, so the injected environment
/// (not the process's) decides the sign-in authority. Without it `azure_identity` reads
/// `AZURE_AUTHORITY_HOST` from the process environment and defaults to the public cloud.
fn client_options(var: &dyn Fn(&str) -> Option<String>) -> ClientOptions {
    let cloud = var(AZURE_AUTHORITY_HOST).map(|host| {
        let mut custom = CustomConfiguration::default();
        custom.authority_host = host;
        Arc::new(CloudConfiguration::Custom(custom))
    });
    ClientOptions { cloud, ..Default::default() }
}

fn setup_error(description: &str, err: azure_core::Error) -> AuthError {
    AuthError::Setup { description: description.to_owned(), message: one_line(&err.to_string()) }
}

/// `--auth service-principal`: `ClientSecretCredential`.
fn service_principal(var: &dyn Fn(&str) -> Option<String>) -> Result<Built, AuthError> {
    let needed = [AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET];
    let (Some(tenant), Some(client), Some(secret)) = (var(needed[0]), var(needed[1]), var(needed[2])) else {
        return Err(AuthError::MissingEnv { method: "service-principal", missing: missing(var, &needed) });
    };
    let description = format!("service principal from {AZURE_CLIENT_ID} (client {})", short_id(&client));
    let options = ClientSecretCredentialOptions { client_options: client_options(var) };
    let source = ClientSecretCredential::new(&tenant, client, Secret::new(secret), Some(options))
        .map_err(|e| setup_error(&description, e))?;
    Ok((description, source))
}

/// `--auth workload-identity`: `WorkloadIdentityCredential`, given the token file, tenant and
/// client from `var` (it would otherwise read the same variables from the process).
/// `azure_identity` reads the token file when the credential is built and again every 10
/// minutes, so a missing or unreadable file fails here.
fn workload_identity(var: &dyn Fn(&str) -> Option<String>) -> Result<Built, AuthError> {
    let needed = [AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID, AZURE_CLIENT_ID];
    let (Some(file), Some(tenant), Some(client)) = (var(needed[0]), var(needed[1]), var(needed[2])) else {
        return Err(AuthError::MissingEnv { method: "workload-identity", missing: missing(var, &needed) });
    };
    let description = format!("workload identity from {AZURE_FEDERATED_TOKEN_FILE} (client {})", short_id(&client));
    let options = WorkloadIdentityCredentialOptions {
        credential_options: ClientAssertionCredentialOptions { client_options: client_options(var) },
        client_id: Some(client),
        tenant_id: Some(tenant),
        token_file_path: Some(PathBuf::from(file)),
    };
    let source = WorkloadIdentityCredential::new(Some(options)).map_err(|e| setup_error(&description, e))?;
    Ok((description, source))
}

/// `--auth managed-identity`: `ManagedIdentityCredential`.
///
/// `azure_identity` 1.0 does not read `AZURE_CLIENT_ID` for managed identity: without a
/// `user_assigned_id` it asks for the system-assigned identity. Like the other Azure SDKs'
/// default chains, azlint passes `AZURE_CLIENT_ID`, when set, as the client ID of a
/// user-assigned identity. `azure_identity` picks App Service (`IDENTITY_ENDPOINT` and
/// `IDENTITY_HEADER`) or the VM endpoint (IMDS) from the process environment and refuses to
/// build for Azure Arc, Azure ML, Cloud Shell and Service Fabric.
fn managed_identity(var: &dyn Fn(&str) -> Option<String>) -> Result<Built, AuthError> {
    let client = var(AZURE_CLIENT_ID);
    let description = match &client {
        Some(id) => format!("managed identity (user-assigned, client {} from {AZURE_CLIENT_ID})", short_id(id)),
        None => "managed identity (system-assigned)".to_owned(),
    };
    let options = ManagedIdentityCredentialOptions {
        user_assigned_id: client.map(UserAssignedId::ClientId),
        ..Default::default()
    };
    let source = ManagedIdentityCredential::new(Some(options)).map_err(|e| setup_error(&description, e))?;
    Ok((description, source))
}

/// `--auth cli`: `AzureCliCredential`, which runs `az account get-access-token` for every
/// token (it keeps no cache of its own; [`TokenCache`] does).
fn cli() -> Result<Built, AuthError> {
    let description = "Azure CLI (az login)".to_owned();
    let source = AzureCliCredential::new(None).map_err(|e| setup_error(&description, e))?;
    Ok((description, source))
}

/// A message on one line, at most 300 characters: `azure_identity` errors end with a
/// troubleshooting link on its own line, and the Azure CLI's errors are its whole stderr.
fn one_line(message: &str) -> String {
    const MAX: usize = 300;
    let joined = message.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// One candidate of a [`ChainCredential`].
struct Candidate {
    description: String,
    /// The credential, or why it could not be built.
    credential: Result<Arc<dyn TokenCredential>, String>,
    /// How long the first attempt may take before the chain moves on.
    probe_timeout: Option<Duration>,
}

/// The `--auth auto` credential: a list of candidates tried in order.
///
/// The first `get_token` tries each candidate in turn and keeps the first that gives a token;
/// later calls go straight to it (and fail if it fails: the chain does not move on once it
/// has chosen). Concurrent first calls wait for one round of probing. When every candidate
/// fails, the error is [`AuthError::NoCredential`] with one line per candidate saying why.
///
/// [`credential`] with [`AuthMethod::Auto`] builds it from the environment; tests build one
/// from any credentials with [`ChainCredential::new`].
pub struct ChainCredential {
    candidates: Vec<Candidate>,
    chosen: OnceLock<usize>,
    probing: tokio::sync::Mutex<()>,
}

impl ChainCredential {
    /// A chain of `(description, credential)` pairs, tried in the order given, without
    /// timeouts.
    pub fn new(candidates: Vec<(String, Arc<dyn TokenCredential>)>) -> Self {
        ChainCredential::from_candidates(
            candidates
                .into_iter()
                .map(|(description, c)| Candidate { description, credential: Ok(c), probe_timeout: None })
                .collect(),
        )
    }

    fn from_candidates(candidates: Vec<Candidate>) -> Self {
        ChainCredential { candidates, chosen: OnceLock::new(), probing: tokio::sync::Mutex::new(()) }
    }

    /// The `--auth auto` chain: a service principal, workload identity, managed identity, then
    /// the Azure CLI. A service principal needs `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and
    /// `AZURE_CLIENT_SECRET`, and workload identity needs `AZURE_FEDERATED_TOKEN_FILE`,
    /// `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`; without them the candidate is skipped (it stays
    /// in the list so the error can say so), as is one that `azure_identity` refuses to build.
    /// Managed identity gets [`MANAGED_IDENTITY_PROBE_TIMEOUT`] for its first attempt.
    fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut candidates = Vec::new();
        let mut push = |name: &str, built: Result<Built, AuthError>, probe_timeout: Option<Duration>| {
            candidates.push(match built {
                Ok((description, credential)) => Candidate { description, credential: Ok(credential), probe_timeout },
                Err(AuthError::MissingEnv { missing, .. }) => Candidate {
                    description: name.to_owned(),
                    credential: Err(format!("skipped, {} not set", missing.join(", "))),
                    probe_timeout,
                },
                Err(AuthError::Setup { description, message }) => {
                    Candidate { description, credential: Err(format!("could not set up: {message}")), probe_timeout }
                }
                Err(other) => {
                    Candidate { description: name.to_owned(), credential: Err(other.to_string()), probe_timeout }
                }
            });
        };
        push("service principal", service_principal(var), None);
        push("workload identity", workload_identity(var), None);
        push("managed identity", managed_identity(var), Some(MANAGED_IDENTITY_PROBE_TIMEOUT));
        push("Azure CLI", cli(), None);
        ChainCredential::from_candidates(candidates)
    }

    /// The descriptions of the candidates that will be tried, in order (skipped ones left out).
    pub fn candidates(&self) -> Vec<&str> {
        self.candidates.iter().filter(|c| c.credential.is_ok()).map(|c| c.description.as_str()).collect()
    }

    /// One line per candidate left out, with the reason: "service principal: skipped,
    /// AZURE_TENANT_ID, AZURE_CLIENT_SECRET not set".
    pub fn skipped(&self) -> Vec<String> {
        self.candidates
            .iter()
            .filter_map(|c| c.credential.as_ref().err().map(|why| format!("{}: {why}", c.description)))
            .collect()
    }

    /// The description of the candidate that gave the first token, once one has.
    pub fn chosen(&self) -> Option<String> {
        self.chosen.get().map(|&i| self.candidates[i].description.clone())
    }

    fn chosen_credential(&self) -> Option<&Arc<dyn TokenCredential>> {
        self.chosen.get().and_then(|&i| self.candidates[i].credential.as_ref().ok())
    }

    async fn probe(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let mut attempts = Vec::new();
        for (i, candidate) in self.candidates.iter().enumerate() {
            let credential = match &candidate.credential {
                Ok(credential) => credential,
                Err(why) => {
                    attempts.push(format!("{}: {why}", candidate.description));
                    continue;
                }
            };
            let attempt = credential.get_token(scopes, options.clone());
            let result = match candidate.probe_timeout {
                None => attempt.await.map_err(|e| one_line(&e.to_string())),
                Some(limit) => match tokio::time::timeout(limit, attempt).await {
                    Ok(result) => result.map_err(|e| one_line(&e.to_string())),
                    Err(_) => Err(format!("no answer within {} s", limit.as_secs_f64())),
                },
            };
            match result {
                Ok(token) => {
                    let _ = self.chosen.set(i);
                    return Ok(token);
                }
                Err(why) => attempts.push(format!("{}: {why}", candidate.description)),
            }
        }
        Err(into_azure(AuthError::NoCredential { attempts }))
    }
}

impl fmt::Debug for ChainCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainCredential")
            .field("candidates", &self.candidates())
            .field("skipped", &self.skipped())
            .field("chosen", &self.chosen())
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenCredential for ChainCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if let Some(credential) = self.chosen_credential() {
            return credential.get_token(scopes, options).await;
        }
        let probing = self.probing.lock().await;
        if let Some(credential) = self.chosen_credential() {
            drop(probing);
            return credential.get_token(scopes, options).await;
        }
        self.probe(scopes, options).await
    }
}

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
    /// A cache of tokens from `cred` for `scope` (see [`scope_for`]). Fetches nothing yet.
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
    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: std::collections::HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    const SP_ENV: [(&str, &str); 3] = [
        ("AZURE_TENANT_ID", "11111111-2222-3333-4444-555555555555"),
        ("AZURE_CLIENT_ID", "abcdef12-0000-0000-0000-000000000000"),
        ("AZURE_CLIENT_SECRET", "sp-secret-value"),
    ];

    fn fake(token: &str) -> Arc<FakeCredential> {
        Arc::new(FakeCredential::new(token, Duration::from_secs(3600)))
    }

    /// A credential that never answers, as IMDS does off Azure.
    #[derive(Debug)]
    struct Silent;

    #[async_trait::async_trait]
    impl TokenCredential for Silent {
        async fn get_token(&self, _: &[&str], _: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
            tokio::time::sleep(Duration::from_secs(600)).await;
            unreachable!("the probe timeout ends the wait")
        }
    }

    /// Delays a credential, so concurrent callers overlap while it fetches.
    #[derive(Debug)]
    struct Slow(Arc<FakeCredential>);

    #[async_trait::async_trait]
    impl TokenCredential for Slow {
        async fn get_token(&self, s: &[&str], o: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
            tokio::time::sleep(Duration::from_millis(30)).await;
            self.0.get_token(s, o).await
        }
    }

    #[test]
    fn auto_skips_candidates_without_their_environment() {
        let cred = credential(AuthMethod::Auto, &env_of(&[])).unwrap();
        let chain = cred.chain.as_ref().expect("auto builds a chain");
        assert_eq!(chain.candidates(), ["managed identity (system-assigned)", "Azure CLI (az login)"]);
        assert_eq!(
            chain.skipped(),
            [
                "service principal: skipped, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET not set",
                "workload identity: skipped, AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID, AZURE_CLIENT_ID not set",
            ]
        );
        assert_eq!(cred.description, "auto: managed identity (system-assigned), then Azure CLI (az login)");
        assert_eq!(chain.chosen(), None);
        assert_eq!(cred.used(), cred.description);
    }

    #[test]
    fn auto_puts_a_service_principal_first() {
        let cred = credential(AuthMethod::Auto, &env_of(&SP_ENV)).unwrap();
        let chain = cred.chain.as_ref().unwrap();
        assert_eq!(
            chain.candidates(),
            [
                "service principal from AZURE_CLIENT_ID (client abcdef12…)",
                "managed identity (user-assigned, client abcdef12… from AZURE_CLIENT_ID)",
                "Azure CLI (az login)",
            ]
        );
        assert_eq!(chain.skipped().len(), 1, "{:?}", chain.skipped());
        assert!(!format!("{cred:?}").contains("sp-secret-value"));
    }

    #[test]
    fn auto_reports_a_workload_identity_it_cannot_build() {
        let env = env_of(&[
            ("AZURE_FEDERATED_TOKEN_FILE", "/nonexistent/azlint-test/token"),
            ("AZURE_TENANT_ID", "11111111-2222-3333-4444-555555555555"),
            ("AZURE_CLIENT_ID", "abcdef12-0000-0000-0000-000000000000"),
        ]);
        let cred = credential(AuthMethod::Auto, &env).unwrap();
        let skipped = cred.chain.as_ref().unwrap().skipped();
        let line = skipped.iter().find(|l| l.starts_with("workload identity from")).expect("listed");
        assert!(line.contains("could not set up") && line.contains("/nonexistent/azlint-test/token"), "{line}");
    }

    #[tokio::test]
    async fn the_chain_keeps_the_first_candidate_that_works() {
        let failing = Arc::new(FakeCredential::failing());
        let second = fake("second-token");
        let third = fake("third-token");
        let chain = ChainCredential::new(vec![
            ("first".to_owned(), failing.clone() as Arc<dyn TokenCredential>),
            ("second".to_owned(), second.clone()),
            ("third".to_owned(), third.clone()),
        ]);
        assert_eq!(chain.candidates(), ["first", "second", "third"]);
        let token = chain.get_token(&[PUBLIC_ARM_SCOPE], None).await.unwrap();
        assert_eq!(token.token.secret(), "second-token");
        assert_eq!(chain.chosen().as_deref(), Some("second"));

        chain.get_token(&[PUBLIC_ARM_SCOPE], None).await.unwrap();
        assert_eq!((failing.calls(), second.calls(), third.calls()), (1, 2, 0));
    }

    #[tokio::test]
    async fn concurrent_first_calls_probe_once() {
        let failing = Arc::new(FakeCredential::failing());
        let good = fake("good-token");
        let chain = ChainCredential::new(vec![
            ("failing".to_owned(), Arc::new(Slow(failing.clone())) as Arc<dyn TokenCredential>),
            ("good".to_owned(), good.clone()),
        ]);
        let (a, b) =
            tokio::join!(chain.get_token(&[PUBLIC_ARM_SCOPE], None), chain.get_token(&[PUBLIC_ARM_SCOPE], None));
        assert!(a.is_ok() && b.is_ok());
        assert_eq!((failing.calls(), good.calls()), (1, 2));
    }

    #[tokio::test]
    async fn when_all_fail_each_candidate_says_why() {
        let chain = ChainCredential::from_candidates(vec![
            Candidate {
                description: "service principal".to_owned(),
                credential: Err("skipped, AZURE_CLIENT_SECRET not set".to_owned()),
                probe_timeout: None,
            },
            Candidate {
                description: "managed identity (system-assigned)".to_owned(),
                credential: Ok(Arc::new(Silent)),
                probe_timeout: Some(Duration::from_millis(50)),
            },
            Candidate {
                description: "Azure CLI (az login)".to_owned(),
                credential: Ok(Arc::new(FakeCredential::failing())),
                probe_timeout: None,
            },
        ]);
        let err = chain.get_token(&[PUBLIC_ARM_SCOPE], None).await.unwrap_err();
        let Ok(AuthError::NoCredential { attempts }) = err.into_downcast::<AuthError>() else {
            panic!("expected NoCredential");
        };
        assert_eq!(
            attempts,
            [
                "service principal: skipped, AZURE_CLIENT_SECRET not set",
                "managed identity (system-assigned): no answer within 0.05 s",
                "Azure CLI (az login): fake credential set to fail",
            ]
        );
        let message = AuthError::NoCredential { attempts }.to_string();
        assert!(message.starts_with("no credential found: set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET"));
        assert!(message.contains("run `az login`, or pass --auth token-env with AZLINT_ARM_TOKEN"));
        assert!(message.ends_with("\n  - Azure CLI (az login): fake credential set to fail"), "{message}");
        assert_eq!(chain.chosen(), None);
    }

    #[test]
    fn a_service_principal_needs_its_three_variables() {
        let err = credential(AuthMethod::ServicePrincipal, &env_of(&SP_ENV[1..2])).unwrap_err();
        let AuthError::MissingEnv { missing, .. } = &err else { panic!("expected MissingEnv: {err}") };
        assert_eq!(missing, &["AZURE_TENANT_ID", "AZURE_CLIENT_SECRET"]);
        let blank = [SP_ENV[0], SP_ENV[1], ("AZURE_CLIENT_SECRET", " ")];
        assert!(credential(AuthMethod::ServicePrincipal, &env_of(&blank)).is_err());

        let cred = credential(AuthMethod::ServicePrincipal, &env_of(&SP_ENV)).unwrap();
        assert_eq!(cred.description, "service principal from AZURE_CLIENT_ID (client abcdef12…)");
        assert!(cred.chain.is_none());
        let shown = format!("{cred:?}");
        assert!(!shown.contains("sp-secret-value"), "{shown}");
    }

    #[test]
    fn a_bad_tenant_is_a_setup_error() {
        let env = env_of(&[SP_ENV[1], SP_ENV[2], ("AZURE_TENANT_ID", "not a tenant!")]);
        let err = credential(AuthMethod::ServicePrincipal, &env).unwrap_err().to_string();
        assert!(err.starts_with("could not set up service principal from AZURE_CLIENT_ID"), "{err}");
        assert!(!err.contains("sp-secret-value"));
    }

    #[test]
    fn workload_identity_reads_the_token_file_through_the_options() {
        let path = std::env::temp_dir().join(format!("azlint-wi-token-{}", std::process::id()));
        std::fs::write(&path, "federated-token").unwrap();
        let env = env_of(&[("AZURE_FEDERATED_TOKEN_FILE", path.to_str().unwrap()), SP_ENV[0], SP_ENV[1]]);
        let built = credential(AuthMethod::WorkloadIdentity, &env);
        std::fs::remove_file(&path).unwrap();
        let cred = built.unwrap();
        assert_eq!(cred.description, "workload identity from AZURE_FEDERATED_TOKEN_FILE (client abcdef12…)");
        assert!(!format!("{cred:?}").contains("federated-token"));

        let err = credential(AuthMethod::WorkloadIdentity, &env_of(&SP_ENV[..2])).unwrap_err();
        assert!(err.to_string().contains("needs AZURE_FEDERATED_TOKEN_FILE, which is not set"), "{err}");
    }

    #[test]
    fn managed_identity_and_cli_build_without_environment() {
        let mi = credential(AuthMethod::ManagedIdentity, &env_of(&[])).unwrap();
        assert_eq!(mi.description, "managed identity (system-assigned)");
        let cli = credential(AuthMethod::Cli, &env_of(&[])).unwrap();
        assert_eq!(cli.description, "Azure CLI (az login)");
    }

    #[tokio::test]
    async fn token_env_takes_the_token_from_its_variable() {
        let err = credential(AuthMethod::TokenEnv, &env_of(&[])).unwrap_err().to_string();
        assert!(err.contains("AZLINT_ARM_TOKEN"), "{err}");
        assert!(credential(AuthMethod::TokenEnv, &env_of(&[("AZLINT_ARM_TOKEN", "")])).is_err());

        let fresh = jwt_with_exp(now().unix_timestamp() + 3600);
        let cred = credential(AuthMethod::TokenEnv, &env_of(&[("AZLINT_ARM_TOKEN", &fresh)])).unwrap();
        assert!(cred.description.starts_with("bearer token from AZLINT_ARM_TOKEN (expires 20"), "{}", cred.description);
        assert!(!format!("{cred:?}").contains(&fresh));
        assert_eq!(cred.source.get_token(&[PUBLIC_ARM_SCOPE], None).await.unwrap().token.secret(), fresh);

        let stale = jwt_with_exp(now().unix_timestamp() - 60);
        let cred = credential(AuthMethod::TokenEnv, &env_of(&[("AZLINT_ARM_TOKEN", &stale)])).unwrap();
        let err = cred.source.get_token(&[PUBLIC_ARM_SCOPE], None).await.unwrap_err().to_string();
        assert!(err.starts_with("AZLINT_ARM_TOKEN expired at ") && !err.contains(&stale), "{err}");
    }

    #[test]
    fn long_messages_are_one_short_line() {
        assert_eq!(one_line("a failed.\nTo troubleshoot,  visit x\n"), "a failed. To troubleshoot, visit x");
        let long = "é".repeat(400);
        assert_eq!(one_line(&long).chars().count(), 301);
        assert_eq!(short_id("abc"), "abc");
    }
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

    #[tokio::test]
    async fn auto_says_which_candidate_it_used() {
        let chain = Arc::new(ChainCredential::new(vec![
            ("service principal".to_owned(), Arc::new(FakeCredential::failing()) as Arc<_>),
            ("Azure CLI (az login)".to_owned(), fake("cli-token")),
        ]));
        let cred = Credential { source: chain.clone(), description: "auto".to_owned(), chain: Some(chain) };
        assert_eq!(cred.used(), "auto");
        TokenCache::new(cred.source.clone(), PUBLIC_ARM_SCOPE.to_owned()).bearer().await.unwrap();
        assert_eq!(cred.used(), "Azure CLI (az login)");
    }
}
