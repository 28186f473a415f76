//! The AUTH rules that read a site's platform authentication and client-certificate
//! settings: AUTH001 (back-end without app auth), AUTH002 (anonymous let through),
//! AUTH003 (no audience restriction), AUTH004 (no caller allowlist), AUTH005 (client
//! certificates not required). Each site and slot is read with its own settings.

use super::acl_lists::sites;
use crate::engine::{Related, RuleCx};
use crate::model::auth::{AuthConfig, AuthState, auth_state, entra, non_empty};
use crate::model::relations::{APIM_API, APIM_BACKEND};
use crate::model::roles::{Backend, RoleInfo};
use crate::model::site::SLOT;
use crate::model::{Lookup, Model, ResIdx, SiteView};
use crate::value::Node;
use crate::value::Span;

/// The tag that says the app validates tokens itself (AUTH001).
pub const APP_AUTH_TAG: &str = "azlint:app-auth";

/// "because it is called by ..." or, for a slot that inherits, "because its site ...".
pub fn because(evidence: &str) -> String {
    if evidence.starts_with("its ") { format!("because {evidence}") } else { format!("because it {evidence}") }
}

/// "site `api`" or "slot `api/staging`".
pub fn label(model: &Model, idx: ResIdx) -> String {
    let r = model.res(idx);
    if r.is_type(SLOT) { format!("slot `{}`", r.name) } else { format!("site `{}`", r.name) }
}

/// The evidence that a site is a back-end, or why that is unknown; `None` when it is
/// not one. A site whose role is unknown is checked all the same, and reported as
/// undetermined where it would have been reported.
fn backend_role(model: &Model, idx: ResIdx) -> Option<Result<&RoleInfo, &str>> {
    match model.backend(idx) {
        Backend::Yes(r) => Some(Ok(r)),
        Backend::Unknown(why) => Some(Err(why)),
        Backend::No => None,
    }
}

/// Whether the site or slot (or, for a slot, its site) says authentication is in code:
/// the `azlint:app-auth` tag, or the config file's `roles.app-auth-in-code` globs.
fn auth_in_code(model: &Model, idx: ResIdx) -> bool {
    let tagged = |i: ResIdx| {
        matches!(model.res(i).get("tags", model), Lookup::Found(t)
            if t.value.as_object().and_then(|o| o.get(APP_AUTH_TAG)).and_then(|n| n.as_str())
                .is_some_and(|v| v.eq_ignore_ascii_case("in-code")))
    };
    let configured = |i: ResIdx| model.auth_in_code(i);
    tagged(idx)
        || configured(idx)
        || (model.res(idx).is_type(SLOT) && model.parent(idx).is_some_and(|p| tagged(p) || configured(p)))
}

pub fn backend_without_app_auth(cx: &mut RuleCx) {
    for view in sites(cx) {
        let model = cx.model;
        let Some(role) = backend_role(model, view.idx) else { continue };
        if auth_in_code(model, view.idx) {
            continue;
        }
        match auth_state(&view) {
            AuthState::On(_) => {}
            AuthState::Unknown(reason) => cx.undetermined(view.idx, Span::NONE, reason),
            AuthState::Off(span, what) => match role {
                Err(why) => cx.undetermined(view.idx, Span::NONE, why.into()),
                Ok(role) => {
                    let who = label(model, view.idx);
                    cx.finding(
                        view.idx,
                        span,
                        format!(
                            "Back-end {who} has no platform authentication: {what}, so any caller that reaches it is served without a token; it is a back-end {}",
                            because(&role.evidence)
                        ),
                        Vec::new(),
                    );
                }
            },
        }
    }
}

/// The enabled configurations, each with its view; undetermined results reported.
fn enabled<'a>(cx: &mut RuleCx<'a>) -> Vec<(SiteView<'a>, AuthConfig<'a>)> {
    let mut out = Vec::new();
    for view in sites(cx) {
        match auth_state(&view) {
            AuthState::On(cfg) => out.push((view, cfg)),
            // A configuration a live read did not return may be on: these rules cannot
            // pass the site.
            AuthState::Unknown(reason) if auth_unread(&view) => cx.undetermined(view.idx, Span::NONE, reason),
            // Otherwise whether auth is on at all is AUTH001's question; these rules need it on.
            AuthState::Off(..) | AuthState::Unknown(_) => {}
        }
    }
    out
}

/// Whether the site, or its `authsettingsV2` or `authsettings`, is a placeholder of a
/// live read that did not happen.
fn auth_unread(view: &SiteView) -> bool {
    let model = view.model;
    [Some(view.idx), view.data.auth_v2, view.data.auth_v1].into_iter().flatten().any(|r| model.res(r).placeholder)
}

/// The enabled configurations that have an Entra ID provider, with the provider; a
/// provider that cannot be read is recorded as undetermined.
fn with_entra<'a>(cx: &mut RuleCx<'a>) -> Vec<(SiteView<'a>, AuthConfig<'a>, &'a Node)> {
    let mut out = Vec::new();
    for (view, cfg) in enabled(cx) {
        match entra(&cfg) {
            None => {}
            Some(Err(reason)) => cx.undetermined(view.idx, Span::NONE, reason),
            Some(Ok(p)) => out.push((view, cfg, p)),
        }
    }
    out
}

const ACTIONS_DENYING: &[&str] = &["RedirectToLoginPage", "Return401", "Return403", "Return404"];

pub fn auth_allows_anonymous(cx: &mut RuleCx) {
    for (view, cfg) in enabled(cx) {
        let who = label(cx.model, view.idx);
        let action = |cx: &mut RuleCx, path: &str, absent: Option<&str>| {
            match cfg.get(path) {
            Lookup::Found(n) => match n.as_str() {
                Some(a) if a.eq_ignore_ascii_case("AllowAnonymous") => cx.finding(
                    view.idx,
                    n.span,
                    format!("Authentication of {who} lets unauthenticated requests through: `unauthenticatedClientAction` is `AllowAnonymous`"),
                    Vec::new(),
                ),
                // `Return404` is accepted by the CLI and the runtime although the ARM enum
                // lacks it (facts sheet §5.1, §9.6).
                Some(a) if ACTIONS_DENYING.iter().any(|d| d.eq_ignore_ascii_case(a)) => {}
                _ => cx.undetermined(
                    view.idx,
                    n.span,
                    "`unauthenticatedClientAction` has a value the facts sheet does not document".into(),
                ),
            },
            Lookup::Unknown(u) => cx.undetermined(
                view.idx,
                Span::NONE,
                format!("`unauthenticatedClientAction` cannot be determined: {}", u.detail),
            ),
            Lookup::Absent => {
                if let Some(reason) = absent {
                    cx.undetermined(view.idx, cfg.span(&view), reason.into());
                }
            }
        }
        };
        match cfg {
            AuthConfig::V2(..) => match cfg.get("globalValidation.requireAuthentication") {
                Lookup::Found(n) if n.value.as_bool() == Some(true) => {
                    action(cx, "globalValidation.unauthenticatedClientAction", None)
                }
                Lookup::Found(n) => cx.finding(
                    view.idx,
                    n.span,
                    format!("Authentication of {who} lets unauthenticated requests through: `globalValidation.requireAuthentication` is not `true`"),
                    Vec::new(),
                ),
                // A bool that is not set is false: the platform then passes anonymous
                // requests to the app (inference; the facts sheet gives no default).
                Lookup::Absent => cx.finding(
                    view.idx,
                    cfg.span(&view),
                    format!("Authentication of {who} lets unauthenticated requests through: `globalValidation.requireAuthentication` is not set (false)"),
                    Vec::new(),
                ),
                Lookup::Unknown(u) => cx.undetermined(
                    view.idx,
                    Span::NONE,
                    format!("`requireAuthentication` cannot be determined: {}", u.detail),
                ),
            },
            AuthConfig::V1(..) => action(
                cx,
                "unauthenticatedClientAction",
                Some("the legacy `authsettings` do not set `unauthenticatedClientAction`, and its default is not documented"),
            ),
        }
    }
}

pub fn auth_without_audience(cx: &mut RuleCx) {
    for (view, cfg, provider) in with_entra(cx) {
        let who = label(cx.model, view.idx);
        let path = match cfg {
            AuthConfig::V2(..) => "validation.allowedAudiences",
            AuthConfig::V1(..) => "allowedAudiences",
        };
        match non_empty(crate::model::lookup(provider, path), path) {
            Ok(true) => {}
            Ok(false) => {
                // An empty list is the offending value; a missing one points at the
                // configuration's `type`.
                let span = match crate::model::lookup(provider, path) {
                    Lookup::Found(n) => n.span,
                    _ => cfg.span(&view),
                };
                cx.finding(
                    view.idx,
                    span,
                    format!("The Entra ID provider of {who} does not restrict `{path}`: name the back-end's own application ID URI or client ID"),
                    Vec::new(),
                );
            }
            Err(reason) => cx.undetermined(view.idx, Span::NONE, reason),
        }
    }
}

pub fn auth_without_caller_allowlist(cx: &mut RuleCx) {
    for (view, cfg, provider) in with_entra(cx) {
        let who = label(cx.model, view.idx);
        let paths: &[&str] = match cfg {
            AuthConfig::V2(..) => &[
                "validation.defaultAuthorizationPolicy.allowedApplications",
                "validation.defaultAuthorizationPolicy.allowedPrincipals.identities",
                "validation.defaultAuthorizationPolicy.allowedPrincipals.groups",
                "validation.jwtClaimChecks.allowedClientApplications",
                "validation.jwtClaimChecks.allowedGroups",
            ],
            // V1 has no allowlist of applications; `aadClaimsAuthorization` carries claim checks.
            AuthConfig::V1(..) => &["aadClaimsAuthorization"],
        };
        let mut unknown = None;
        let mut restricted = false;
        for p in paths {
            match non_empty(crate::model::lookup(provider, p), p) {
                Ok(true) => restricted = true,
                Ok(false) => {}
                Err(r) => {
                    unknown.get_or_insert(r);
                }
            }
        }
        if restricted {
            continue;
        }
        if let Some(reason) = unknown {
            cx.undetermined(view.idx, Span::NONE, reason);
            continue;
        }
        let span = match cfg {
            AuthConfig::V2(..) => {
                match crate::model::lookup(provider, "validation.defaultAuthorizationPolicy.allowedApplications") {
                    Lookup::Found(n) => n.span,
                    _ => cfg.span(&view),
                }
            }
            AuthConfig::V1(..) => cfg.span(&view),
        };
        cx.finding(
            view.idx,
            span,
            format!("The Entra ID provider of {who} accepts any application of the tenant that can get a token for it: no `allowedApplications`, `allowedPrincipals` or `jwtClaimChecks`"),
            Vec::new(),
        );
    }
}

/// The API Management backends and APIs that front a site, for messages.
pub fn gateway_callers(model: &Model, site: ResIdx) -> Vec<&crate::model::relations::Call> {
    model
        .relations
        .callers(site)
        .iter()
        .filter(|c| model.res(c.caller).is_type(APIM_BACKEND) || model.res(c.caller).is_type(APIM_API))
        .collect()
}

pub fn client_certificate_not_required(cx: &mut RuleCx) {
    for view in sites(cx) {
        let model = cx.model;
        let Some(role) = backend_role(model, view.idx) else { continue };
        let who = label(model, view.idx);
        let gw = gateway_callers(model, view.idx);
        let related: Vec<Related> = gw
            .iter()
            .take(1)
            .map(|c| Related {
                resource: Some(c.caller),
                span: c.span,
                message: format!("API Management sends requests to {who} through this {}", c.via),
            })
            .collect();
        let behind = if gw.is_empty() {
            String::new()
        } else {
            ", and it sits behind API Management, where mutual TLS is how it knows the gateway".into()
        };
        let evidence = match role {
            Ok(r) => r.evidence.as_str(),
            Err(unknown) => {
                // Reported only where a back-end would be: required certificates pass.
                let enabled = view.setting("clientCertEnabled").found().and_then(|n| n.value.as_bool());
                let mode = view.setting("clientCertMode");
                let required =
                    enabled == Some(true) && mode.as_str().is_some_and(|s| s.eq_ignore_ascii_case("Required"));
                if !required {
                    cx.undetermined(view.idx, Span::NONE, unknown.to_string());
                }
                continue;
            }
        };
        let why = format!("it is a back-end {}{behind}", because(evidence));
        match view.setting("clientCertEnabled") {
            Lookup::Unknown(u) => {
                cx.undetermined(view.idx, Span::NONE, format!("`clientCertEnabled` cannot be determined: {}", u.detail))
            }
            Lookup::Found(n) if n.value.as_bool() == Some(true) => match view.setting("clientCertMode") {
                Lookup::Found(m) if m.as_str().is_some_and(|s| s.eq_ignore_ascii_case("Required")) => {}
                Lookup::Found(m) => cx.finding(
                    view.idx,
                    m.span,
                    format!("Back-end {who} does not require client certificates: `clientCertMode` is `{}`; {why}", m.as_str().unwrap_or("?")),
                    related,
                ),
                // The facts sheet does not document the default mode (the REST spec's
                // description suggests `Required`; not verified), so do not guess.
                Lookup::Absent => cx.undetermined(
                    view.idx,
                    n.span,
                    "`clientCertEnabled` is `true` but `clientCertMode` is not set, and its default is not documented in the facts sheet; set it to `Required`".into(),
                ),
                Lookup::Unknown(u) => cx.undetermined(
                    view.idx,
                    Span::NONE,
                    format!("`clientCertMode` cannot be determined: {}", u.detail),
                ),
            },
            Lookup::Found(n) => cx.finding(
                view.idx,
                n.span,
                format!("Back-end {who} does not require client certificates: `clientCertEnabled` is not `true`; {why}"),
                related,
            ),
            Lookup::Absent => cx.finding(
                view.idx,
                model.res(view.idx).type_span(),
                format!("Back-end {who} does not require client certificates: `clientCertEnabled` is not set (false); {why}"),
                related,
            ),
        }
    }
}
