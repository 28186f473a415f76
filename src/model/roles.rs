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

/// The tag that states a role.
pub const ROLE_TAG: &str = "azlint:role";

pub(super) fn build(model: &Model, rel: &Relations) -> HashMap<ResIdx, RoleInfo> {
    let mut out = HashMap::new();
    for &s in model.of_type(SITE) {
        if let Some(r) = own_role(model, rel, s) {
            out.insert(s, r);
        }
    }
    for &slot in model.of_type(SLOT) {
        let role = own_role(model, rel, slot).or_else(|| {
            let parent = model.parent(slot)?;
            let inherited = out.get(&parent)?;
            Some(RoleInfo {
                role: inherited.role,
                evidence: format!(
                    "inherits the role of its site `{}`, which {}",
                    model.res(parent).name,
                    inherited.evidence
                ),
            })
        });
        if let Some(r) = role {
            out.insert(slot, r);
        }
    }
    out
}

fn own_role(model: &Model, rel: &Relations, s: ResIdx) -> Option<RoleInfo> {
    let res = model.res(s);
    if let Lookup::Found(tag) = res.get("tags", model)
        && let Some(v) = tag.value.as_object().and_then(|o| o.get(ROLE_TAG)).and_then(|n| n.as_str())
    {
        let role = if v.eq_ignore_ascii_case("frontend") { Role::Frontend } else { Role::Backend };
        if v.eq_ignore_ascii_case("frontend") || v.eq_ignore_ascii_case("backend") {
            return Some(RoleInfo { role, evidence: format!("is tagged `{ROLE_TAG}` = `{v}`") });
        }
    }
    if let Some(call) = rel.callers(s).first() {
        let more = rel.callers(s).len() - 1;
        let others = if more > 0 { format!(" and {more} more") } else { String::new() };
        return Some(RoleInfo {
            role: Role::Backend,
            evidence: format!("is called by `{}` ({}){others}", model.res(call.caller).name, call.via),
        });
    }
    let view = model.site(s)?;
    if let Lookup::Found(rules) = view.setting("ipSecurityRestrictions")
        && rules.value.as_array().is_some_and(|a| a.iter().any(|r| !is_platform_echo(r)))
    {
        return Some(RoleInfo { role: Role::Backend, evidence: "has access restrictions".into() });
    }
    if let Some(&pe) = rel.site_endpoints(model, s).first() {
        return Some(RoleInfo {
            role: Role::Backend,
            evidence: format!("has private endpoint `{}`", model.res(pe).name),
        });
    }
    None
}

/// The closing `Allow all` / `Deny all` entry (priority 2147483647) that exports echo:
/// the default action, not a rule (facts sheet §2.2).
pub fn is_platform_echo(rule: &crate::value::Node) -> bool {
    rule.get("priority").and_then(|p| p.value.as_i64()) == Some(2_147_483_647)
}
