//! A site's platform authentication ("Easy Auth") as the platform applies it (facts
//! sheet §5.1, §5.2): the `authsettingsV2` child, the legacy `authsettings` child, or
//! the 2015 `config/web` form `siteAuthEnabled` + `siteAuthSettings`. Which one is in
//! force, and whether it is on, for one site or slot (slots carry their own, §6).

use super::{Lookup, OriginKind, ResIdx, SiteView, lookup};
use crate::value::{Node, Span, Value};

/// The configuration in force.
#[derive(Clone, Copy, Debug)]
pub enum AuthConfig<'m> {
    /// `authsettingsV2` `properties`, and the resource that holds it.
    V2(&'m Node, ResIdx),
    /// Legacy `authsettings` `properties` (or `siteAuthSettings`), and its resource.
    V1(&'m Node, ResIdx),
}

impl<'m> AuthConfig<'m> {
    pub fn node(&self) -> &'m Node {
        match self {
            AuthConfig::V2(n, _) | AuthConfig::V1(n, _) => n,
        }
    }

    pub fn resource(&self) -> ResIdx {
        match self {
            AuthConfig::V2(_, r) | AuthConfig::V1(_, r) => *r,
        }
    }

    /// A path inside the configuration.
    pub fn get(&self, path: &str) -> Lookup<'m> {
        lookup(self.node(), path)
    }

    /// Where a finding about a missing entry points: the configuration's `type`.
    pub fn span(&self, view: &SiteView<'m>) -> Span {
        view.model.res(self.resource()).type_span()
    }
}

/// Whether platform authentication is on.
#[derive(Clone, Debug)]
pub enum AuthState<'m> {
    On(AuthConfig<'m>),
    /// Off: where that is stated (or the site's `type`), and how to say it.
    Off(Span, String),
    Unknown(String),
}

fn truthy(n: &Node) -> Option<bool> {
    match &n.value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The authentication state of a site or slot. `authsettingsV2` wins when it is
/// enabled; the facts sheet (§9.5) treats `siteAuthEnabled`, `authsettings.enabled` and
/// `authsettingsV2.platform.enabled` as equivalent, which is itself uncertain. An
/// absent `platform.enabled` in a declared `authsettingsV2` counts as off (a bool that
/// is not set; the facts sheet gives no default).
pub fn auth_state<'m>(view: &SiteView<'m>) -> AuthState<'m> {
    let model = view.model;
    if let Some(u) = model.res(view.idx).unread() {
        return AuthState::Unknown(format!("its authentication cannot be determined: {}", u.detail));
    }
    let mut unknown = None;
    let mut off: Option<(Span, String)> = None;
    if let Some(c) = view.data.auth_v2 {
        let res = model.res(c);
        match res.get("properties", model) {
            Lookup::Found(props) => match lookup(props, "platform.enabled") {
                Lookup::Found(n) if truthy(n) == Some(true) => return AuthState::On(AuthConfig::V2(props, c)),
                Lookup::Found(n) => off = Some((n.span, "`authsettingsV2` has `platform.enabled` `false`".into())),
                Lookup::Absent => {
                    off = Some((res.type_span(), "`authsettingsV2` does not set `platform.enabled`".into()))
                }
                Lookup::Unknown(u) => {
                    unknown = Some(format!("`authsettingsV2.platform.enabled` cannot be determined: {}", u.detail))
                }
            },
            Lookup::Unknown(u) => unknown = Some(format!("`authsettingsV2` cannot be determined: {}", u.detail)),
            Lookup::Absent => off = Some((res.type_span(), "`authsettingsV2` is empty".into())),
        }
    }
    let legacy = view.data.auth_v1.map(|c| (model.res(c).get("properties", model), c, "authsettings"));
    let old = match view.setting("siteAuthEnabled") {
        Lookup::Found(n) if truthy(n) == Some(true) => {
            let holder = view.data.config_web.unwrap_or(view.idx);
            match view.setting("siteAuthSettings") {
                Lookup::Found(s) => return AuthState::On(AuthConfig::V1(s, holder)),
                _ => return AuthState::On(AuthConfig::V1(n, holder)),
            }
        }
        Lookup::Found(n) => Some(n.span),
        _ => None,
    };
    if let Some((l, c, what)) = legacy {
        match l {
            Lookup::Found(props) => match lookup(props, "enabled") {
                Lookup::Found(n) if truthy(n) == Some(true) => return AuthState::On(AuthConfig::V1(props, c)),
                Lookup::Found(n) => {
                    off.get_or_insert((n.span, format!("`{what}` has `enabled` `false`")));
                }
                Lookup::Absent => {
                    off.get_or_insert((model.res(c).type_span(), format!("`{what}` does not set `enabled`")));
                }
                Lookup::Unknown(u) => {
                    unknown.get_or_insert(format!("`{what}.enabled` cannot be determined: {}", u.detail));
                }
            },
            Lookup::Unknown(u) => {
                unknown.get_or_insert(format!("`{what}` cannot be determined: {}", u.detail));
            }
            Lookup::Absent => {}
        }
    }
    if let Some(u) = unknown {
        return AuthState::Unknown(u);
    }
    if let Some((span, what)) = off {
        return AuthState::Off(span, what);
    }
    if let Some(span) = old {
        return AuthState::Off(span, "`siteAuthEnabled` is `false`".into());
    }
    let site = model.res(view.idx);
    if site.kind == OriginKind::State {
        // Exports list `config/authsettingsV2` only when asked (`az webapp auth show`,
        // Resource Graph config rows); a missing row says nothing.
        return AuthState::Unknown(
            "the export has no `config/authsettingsV2` or `config/authsettings` row for this site; export them (`az webapp auth show`)".into(),
        );
    }
    AuthState::Off(site.type_span(), "neither `authsettingsV2` nor `authsettings` is declared".into())
}

/// The Entra ID provider of an enabled configuration: `Some(Ok(node))` for V2's
/// `identityProviders.azureActiveDirectory` (not explicitly disabled) or the V1
/// settings when they name a `clientId`; `None` when there is none.
pub fn entra<'m>(cfg: &AuthConfig<'m>) -> Option<Result<&'m Node, String>> {
    match cfg {
        AuthConfig::V2(props, _) => match lookup(props, "identityProviders.azureActiveDirectory") {
            Lookup::Found(p) => match lookup(p, "enabled") {
                // A provider without `enabled` is on: the file-based format treats the
                // section's presence as configuration (inference, facts sheet §5.1).
                Lookup::Found(n) if truthy(n) == Some(false) => None,
                Lookup::Unknown(u) => {
                    Some(Err(format!("`azureActiveDirectory.enabled` cannot be determined: {}", u.detail)))
                }
                _ => Some(Ok(p)),
            },
            Lookup::Unknown(u) => Some(Err(format!("`identityProviders` cannot be determined: {}", u.detail))),
            Lookup::Absent => None,
        },
        AuthConfig::V1(props, _) => match lookup(props, "clientId") {
            Lookup::Found(_) => Some(Ok(props)),
            Lookup::Unknown(u) => Some(Err(format!("`clientId` cannot be determined: {}", u.detail))),
            Lookup::Absent => None,
        },
    }
}

/// A list that restricts something: `Ok(true)` non-empty, `Ok(false)` absent or empty.
pub fn non_empty(l: Lookup<'_>, what: &str) -> Result<bool, String> {
    match l {
        Lookup::Found(n) => Ok(match &n.value {
            Value::Array(a) => !a.is_empty(),
            Value::String(s) => !s.trim().is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => false,
        }),
        Lookup::Absent => Ok(false),
        Lookup::Unknown(u) => Err(format!("`{what}` cannot be determined: {}", u.detail)),
    }
}
