//! Credentials for the live reader: which identity reads Resource Manager, and the bearer
//! token it sends.
//!
//! `azure_identity` 1.x has no default credential chain, so [`credential`] builds one for
//! `--auth auto` ([`ChainCredential`]) and maps every other `--auth` value to one
//! `azure_identity` type (or to [`StaticToken`] for `token-env`). [`TokenCache`] keeps the
//! token between requests and refreshes it before it expires.
//!
//! Tokens are held in `azure_core`'s [`Secret`](azure_core::credentials::Secret), whose
//! `Debug` prints only `Secret`. No type here prints a token in `Debug` output or puts one in
//! an error message.
//!
//! One file per job: `token` holds [`StaticToken`], `chain` builds the [`Credential`] for each
//! `--auth` method, `cache` holds [`TokenCache`], and `fake` (compiled only for tests) holds the
//! test doubles the unit tests share. This file has the method names, the token scope,
//! [`AuthError`] and the error helpers the others share.

use std::fmt;
use std::str::FromStr;

use azure_core::error::ErrorKind;

mod cache;
mod chain;
#[cfg(test)]
mod fake;
mod token;

pub use cache::{REFRESH_MARGIN, TokenCache};
pub use chain::{ChainCredential, Credential, MANAGED_IDENTITY_PROBE_TIMEOUT, credential};
pub use token::{ASSUMED_TOKEN_LIFETIME, StaticToken};

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

/// Wraps an [`AuthError`] so it survives the trip through `TokenCredential::get_token`;
/// [`TokenCache::bearer`] unwraps it again.
fn into_azure(err: AuthError) -> azure_core::Error {
    azure_core::Error::new(ErrorKind::Credential, err)
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

    #[test]
    fn long_messages_are_one_short_line() {
        assert_eq!(one_line("a failed.\nTo troubleshoot,  visit x\n"), "a failed. To troubleshoot, visit x");
        let long = "é".repeat(400);
        assert_eq!(one_line(&long).chars().count(), 301);
    }
}
