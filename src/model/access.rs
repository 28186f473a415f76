//! A site's inbound access restrictions as the platform applies them (facts sheet §2):
//! the rule list of the main or the SCM site, and the action for traffic no rule
//! matches, which is explicit (`ipSecurityRestrictionsDefaultAction`), echoed by the
//! closing `Allow all`/`Deny all` entry of exports, or implicit (deny as soon as one rule
//! exists, allow when there are none).

use super::{Lookup, Model, ResIdx, SiteView};
use crate::value::{Node, Span};

/// Which of a site's two endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Main,
    Scm,
}

/// One access-restriction entry.
#[derive(Clone, Copy, Debug)]
pub struct AccessRule<'a> {
    pub node: &'a Node,
    pub allow: bool,
    /// `ipAddress`: a CIDR, an address, `Any`, or a service tag when `tag` is `ServiceTag`.
    pub ip: Option<&'a str>,
    pub is_service_tag: bool,
    /// The `vnetSubnetResourceId` value.
    pub subnet: Option<&'a Node>,
    pub headers: Option<&'a Node>,
    pub name: Option<&'a str>,
}

impl<'a> AccessRule<'a> {
    /// The entries of a multi-source rule (`ipAddress` holds up to 8 comma-separated
    /// ranges or tags).
    pub fn sources(&self) -> impl Iterator<Item = &str> {
        self.ip.into_iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty())
    }

    /// The unknown value of `ipAddress`, when the source cannot be known offline.
    pub fn unknown_source(&self) -> Option<&'a crate::value::Unknown> {
        self.node.get("ipAddress").and_then(|n| n.value.as_unknown())
    }

    /// A header filter value list, header names compared ignoring case.
    pub fn header(&self, name: &str) -> Option<&Node> {
        self.headers?.value.as_object()?.iter().find(|m| m.key.eq_ignore_ascii_case(name)).map(|m| &m.value)
    }
}

/// What happens to traffic no rule matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmatched {
    Allow,
    Deny,
}

/// The restrictions of one endpoint.
#[derive(Clone, Debug)]
pub struct AccessList<'a> {
    pub endpoint: Endpoint,
    pub rules: Vec<AccessRule<'a>>,
    pub unmatched: Unmatched,
    /// Where the unmatched action is stated (explicit setting or the echo entry); the
    /// site's `type` member when it is implicit.
    pub unmatched_span: Span,
    /// True when the action is only implied by whether rules exist.
    pub unmatched_implicit: bool,
    /// The rule list value, when declared.
    pub list: Option<&'a Node>,
    /// For SCM: the main list is reused (`scmIpSecurityRestrictionsUseMain`).
    pub uses_main: bool,
}

impl AccessList<'_> {
    /// Why an open endpoint with this list is reachable when unmatched traffic is allowed.
    pub fn why_unmatched_allowed(&self) -> &'static str {
        if self.rules.is_empty() {
            "it has no access restriction"
        } else {
            "its access restrictions allow unmatched traffic"
        }
    }
}

/// Reads the restrictions of a site or slot's endpoint; `Err` carries why they cannot be
/// known offline.
pub fn access_list<'a>(view: &SiteView<'a>, endpoint: Endpoint) -> Result<AccessList<'a>, String> {
    if endpoint == Endpoint::Scm {
        match view.setting("scmIpSecurityRestrictionsUseMain") {
            Lookup::Found(n) if n.value.as_bool() == Some(true) => {
                let mut main = access_list(view, Endpoint::Main)?;
                main.endpoint = Endpoint::Scm;
                main.uses_main = true;
                return Ok(main);
            }
            Lookup::Unknown(u) => {
                return Err(format!("`scmIpSecurityRestrictionsUseMain` cannot be determined: {}", u.detail));
            }
            _ => {}
        }
    }
    let (list_key, default_key) = match endpoint {
        Endpoint::Main => ("ipSecurityRestrictions", "ipSecurityRestrictionsDefaultAction"),
        Endpoint::Scm => ("scmIpSecurityRestrictions", "scmIpSecurityRestrictionsDefaultAction"),
    };
    let list = match view.setting(list_key) {
        Lookup::Found(n) => Some(n),
        Lookup::Absent => None,
        Lookup::Unknown(u) => return Err(format!("`{list_key}` cannot be determined: {}", u.detail)),
    };
    let mut rules = Vec::new();
    let mut echo: Option<(&Node, bool)> = None;
    for item in list.and_then(|l| l.value.as_array()).unwrap_or_default() {
        // Only an unknown `action` leaves the whole list unknown; an unknown source or
        // subnet makes undetermined just the rules that read it.
        if let Some(u) = item.get("action").and_then(|a| a.value.as_unknown()) {
            return Err(format!("the action of an entry of `{list_key}` cannot be determined: {}", u.detail));
        }
        let s = |k: &str| item.get(k).and_then(Node::as_str);
        let allow = !s("action").is_some_and(|a| a.eq_ignore_ascii_case("Deny"));
        if super::roles::is_platform_echo(item) {
            echo = Some((item, allow));
            continue;
        }
        rules.push(AccessRule {
            node: item,
            allow,
            ip: s("ipAddress"),
            is_service_tag: s("tag").is_some_and(|t| t.eq_ignore_ascii_case("ServiceTag")),
            subnet: item
                .get("vnetSubnetResourceId")
                .filter(|n| n.as_str().is_some_and(|x| !x.is_empty()) || n.value.is_unknown()),
            headers: item.get("headers"),
            name: s("name"),
        });
    }
    let site_span = view.model.res(view.idx).type_span();
    let (unmatched, unmatched_span, unmatched_implicit) = match view.setting(default_key) {
        Lookup::Found(n) => {
            let allow = !n.as_str().is_some_and(|a| a.eq_ignore_ascii_case("Deny"));
            (if allow { Unmatched::Allow } else { Unmatched::Deny }, n.span, false)
        }
        Lookup::Unknown(u) => return Err(format!("`{default_key}` cannot be determined: {}", u.detail)),
        Lookup::Absent => match echo {
            Some((node, allow)) => (if allow { Unmatched::Allow } else { Unmatched::Deny }, node.span, false),
            None if rules.is_empty() => (Unmatched::Allow, list.map_or(site_span, |l| l.span), true),
            None => (Unmatched::Deny, list.map_or(site_span, |l| l.span), true),
        },
    };
    Ok(AccessList { endpoint, rules, unmatched, unmatched_span, unmatched_implicit, list, uses_main: false })
}

/// Whether the site's public endpoint is open: `publicNetworkAccess` not `Disabled`.
/// When it is not set, a private endpoint flips the effective default to disabled
/// (facts sheet §3.1). `Err` when it cannot be known.
pub fn public_access_open(model: &Model, site: ResIdx) -> Result<(bool, Span), String> {
    let Some(view) = model.site(site) else { return Ok((true, model.res(site).type_span())) };
    // Unset, public access follows whether the site has a private endpoint.
    let by_endpoints = |span: Span| {
        if !model.relations.site_endpoints(model, site).is_empty() {
            return Ok((false, span));
        }
        match unresolved_endpoint_reason(model, site) {
            Some(why) => Err(format!(
                "whether public network access is disabled by a private endpoint cannot be determined: {why}"
            )),
            None => Ok((true, span)),
        }
    };
    match view.setting("publicNetworkAccess") {
        Lookup::Found(n) => {
            let v = n.as_str().unwrap_or_default();
            if v.is_empty() { by_endpoints(n.span) } else { Ok((!v.eq_ignore_ascii_case("Disabled"), n.span)) }
        }
        Lookup::Absent => by_endpoints(model.res(site).type_span()),
        Lookup::Unknown(u) => Err(format!("`publicNetworkAccess` cannot be determined: {}", u.detail)),
    }
}

/// Why a resource without a known endpoint might still have one: an endpoint of the
/// same document whose target cannot be known offline.
pub fn unresolved_endpoint_reason(model: &Model, r: ResIdx) -> Option<String> {
    let pe = model.relations.unresolved_endpoint(model, r)?;
    Some(format!(
        "the target of private endpoint `{}` cannot be determined, and it may be this resource",
        model.res(pe).name
    ))
}

/// The main restriction list of a site whose public endpoint is open, with where the
/// open setting is; `Ok(None)` when public access is disabled; `Err` when either cannot
/// be known offline. The common start of every "who can reach this site" rule.
pub fn open_main_list<'a>(view: &SiteView<'a>) -> Result<Option<(Span, AccessList<'a>)>, String> {
    let (open, span) = public_access_open(view.model, view.idx)?;
    if !open {
        return Ok(None);
    }
    Ok(Some((span, access_list(view, Endpoint::Main)?)))
}
