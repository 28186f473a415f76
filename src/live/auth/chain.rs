//! The credential for each `--auth` method: [`credential`] builds a [`Credential`], one
//! `azure_identity` type per method or, for `--auth auto`, a [`ChainCredential`] that tries a
//! service principal, workload identity, managed identity, then the Azure CLI.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::ClientOptions;
use azure_core::time::to_rfc3339;
use azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};

use super::{AuthError, AuthMethod, StaticToken, TOKEN_ENV_VAR, into_azure, one_line};

const AZURE_TENANT_ID: &str = "AZURE_TENANT_ID";
const AZURE_CLIENT_ID: &str = "AZURE_CLIENT_ID";
const AZURE_CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
const AZURE_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";

/// How long `--auth auto` waits for a managed identity token before moving on to the Azure
/// CLI. Off Azure there is no IMDS endpoint, and `azure_identity` 1.0's IMDS client retries
/// connection errors (up to 6 retries within 72 s, each connection attempt allowed 20 s),
/// which would stall every scan run off Azure. Once managed identity has given a token, later
/// calls are not limited.
pub const MANAGED_IDENTITY_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What [`credential`] gives the reader.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The credential to ask for tokens (wrap it in a [`TokenCache`](super::TokenCache)).
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
/// `get_token` (through [`TokenCache::bearer`](super::TokenCache::bearer)).
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
/// token (it keeps no cache of its own; [`TokenCache`](super::TokenCache) does).
fn cli() -> Result<Built, AuthError> {
    let description = "Azure CLI (az login)".to_owned();
    let source = AzureCliCredential::new(None).map_err(|e| setup_error(&description, e))?;
    Ok((description, source))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::auth::fake::{FakeCredential, Slow, fake, jwt_with_exp, now};
    use crate::live::auth::{PUBLIC_ARM_SCOPE, TokenCache};

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
    fn a_short_client_id_is_kept_whole() {
        assert_eq!(short_id("abc"), "abc");
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
