//! Which sites are back-ends (rule catalog, "Roles"): a site is a back-end when another
//! site or API Management refers to its host name, when it already has access
//! restrictions or a private endpoint, or when its `azlint:role` tag says so; the tag
//! `frontend` overrides the rest. A slot has its own evidence and otherwise inherits
//! its site's role. Every role carries the evidence that decided it.

use std::collections::HashMap;

use super::relations::Relations;
use super::site::{SITE, SLOT};
use super::{Lookup, Model, ResIdx};

/// What a site is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Backend,
    Frontend,
}

/// A role with the evidence for it, as findings quote it.
#[derive(Clone, Debug)]
pub struct RoleInfo {
    pub role: Role,
    pub evidence: String,
}

/// Whether a site or slot is a back-end.
#[derive(Clone, Copy, Debug)]
pub enum Backend<'a> {
    /// It is, with the evidence.
    Yes(&'a RoleInfo),
    /// It is not (a front end, or nothing says it is a back-end).
    No,
    /// A read that did not happen may hold the evidence; why.
    Unknown(&'a str),
}

/// The tag that states a role.
pub const ROLE_TAG: &str = "azlint:role";

/// The roles by site and slot, and why the role of a site without evidence is unknown.
pub(super) fn build(model: &Model, rel: &Relations) -> (HashMap<ResIdx, RoleInfo>, HashMap<ResIdx, String>) {
    let mut out = HashMap::new();
    let mut unknown = HashMap::new();
    for &s in model.of_type(SITE) {
        match own_role(model, rel, s) {
            Ok(Some(r)) => {
                out.insert(s, r);
            }
            Ok(None) => {}
            Err(why) => {
                unknown.insert(s, why);
            }
        }
    }
    for &slot in model.of_type(SLOT) {
        let parent = model.parent(slot);
        match own_role(model, rel, slot) {
            Ok(Some(r)) => {
                out.insert(slot, r);
            }
            own => {
                if let Some(p) = parent
                    && let Some(inherited) = out.get(&p)
                {
                    let evidence =
                        format!("inherits the role of its site `{}`, which {}", model.res(p).name, inherited.evidence);
                    out.insert(slot, RoleInfo { role: inherited.role, evidence });
                } else if let Err(why) = own {
                    unknown.insert(slot, why);
                } else if let Some(why) = parent.and_then(|p| unknown.get(&p)).cloned() {
                    unknown.insert(slot, why);
                }
            }
        }
    }
    (out, unknown)
}

/// The role the site's own evidence gives; `Err` with the reason when none does but a
/// read that did not happen may hold some.
fn own_role(model: &Model, rel: &Relations, s: ResIdx) -> Result<Option<RoleInfo>, String> {
    let res = model.res(s);
    let mut unknown = None;
    match res.get("tags", model) {
        Lookup::Found(tag) => {
            if let Some(v) = tag.value.as_object().and_then(|o| o.get(ROLE_TAG)).and_then(|n| n.as_str()) {
                let role = if v.eq_ignore_ascii_case("frontend") { Role::Frontend } else { Role::Backend };
                if v.eq_ignore_ascii_case("frontend") || v.eq_ignore_ascii_case("backend") {
                    return Ok(Some(RoleInfo { role, evidence: format!("is tagged `{ROLE_TAG}` = `{v}`") }));
                }
            }
        }
        Lookup::Unknown(u) if u.cause.is_unread() => {
            unknown = Some(format!("its tags cannot be determined: {}", u.detail));
        }
        _ => {}
    }
    if let Some(call) = rel.callers(s).first() {
        let more = rel.callers(s).len() - 1;
        let others = if more > 0 { format!(" and {more} more") } else { String::new() };
        return Ok(Some(RoleInfo {
            role: Role::Backend,
            evidence: format!("is called by `{}` ({}){others}", model.res(call.caller).name, call.via),
        }));
    }
    let Some(view) = model.site(s) else { return Ok(None) };
    match view.setting("ipSecurityRestrictions") {
        Lookup::Found(rules) if rules.value.as_array().is_some_and(|a| a.iter().any(|r| !is_platform_echo(r))) => {
            return Ok(Some(RoleInfo { role: Role::Backend, evidence: "has access restrictions".into() }));
        }
        Lookup::Unknown(u) if u.cause.is_unread() => {
            unknown.get_or_insert(format!("whether it has access restrictions cannot be determined: {}", u.detail));
        }
        _ => {}
    }
    if let Some(&pe) = rel.site_endpoints(model, s).first() {
        return Ok(Some(RoleInfo {
            role: Role::Backend,
            evidence: format!("has private endpoint `{}`", model.res(pe).name),
        }));
    }
    if unknown.is_none()
        && let Some(call) = rel.maybe_callers(s).first()
    {
        unknown = Some(format!(
            "`{}` calls a host that may be this one ({}), depending on names not known offline",
            model.res(call.caller).name,
            call.via
        ));
    }
    if unknown.is_none()
        && let Some(h) = rel.hidden_callers().iter().find(|h| h.caller != Some(s))
    {
        unknown = Some(h.reason.clone());
    }
    match unknown {
        Some(why) => Err(format!("whether it is a back-end cannot be determined: {why}")),
        None => Ok(None),
    }
}

/// The closing `Allow all` / `Deny all` entry (priority 2147483647) that exports echo:
/// the default action, not a rule (facts sheet §2.2).
pub fn is_platform_echo(rule: &crate::value::Node) -> bool {
    rule.get("priority").and_then(|p| p.value.as_i64()) == Some(2_147_483_647)
}
