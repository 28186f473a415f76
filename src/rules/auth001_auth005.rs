//! The AUTH rules about back-ends: AUTH001 (back-end without app auth) and AUTH005
//! (client certificates not required). Each site and slot is read with its own
//! settings.

use super::support::sites::{gateway_callers, label, sites};
use crate::engine::{Related, RuleCx};
use crate::model::auth::{AuthState, auth_state};
use crate::model::roles::{Backend, RoleInfo};
use crate::model::site::SLOT;
use crate::model::{Lookup, Model, ResIdx};
use crate::value::Span;

/// The tag that says the app validates tokens itself (AUTH001).
pub const APP_AUTH_TAG: &str = "azlint:app-auth";

/// "because it is called by ..." or, for a slot that inherits, "because its site ...".
pub fn because(evidence: &str) -> String {
    if evidence.starts_with("its ") { format!("because {evidence}") } else { format!("because it {evidence}") }
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
