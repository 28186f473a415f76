//! The AUTH rules that read an enabled platform authentication configuration: AUTH002
//! (anonymous let through), AUTH003 (no audience restriction), AUTH004 (no caller
//! allowlist). Each site and slot is read with its own settings.

use super::support::sites::{label, sites};
use crate::engine::RuleCx;
use crate::model::auth::{AuthConfig, AuthState, auth_state, entra, non_empty};
use crate::model::{Lookup, SiteView};
use crate::value::Node;
use crate::value::Span;

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
