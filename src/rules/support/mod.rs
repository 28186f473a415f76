//! What the native rules share; rule files hold checks only. Here: reading ARM values
//! as the rules need them. In the submodules: the sites the rules walk and how messages
//! name them (`sites`), access restriction lists (`access`), VNet and subnet address
//! prefixes (`address_prefixes`), private endpoints and public access
//! (`private_link`), and the Private Link DNS zone table (`dns_zones`).

pub mod access;
pub mod address_prefixes;
pub mod dns_zones;
pub mod private_link;
pub mod sites;

use crate::model::{Lookup, Model, ResIdx};
use crate::value::{Node, Span, Value};

/// A string setting compared ignoring case; `None` when absent.
pub fn str_eq(l: Lookup<'_>, want: &str) -> Option<bool> {
    match l {
        Lookup::Found(n) => Some(n.as_str().is_some_and(|s| s.eq_ignore_ascii_case(want))),
        _ => None,
    }
}

/// Public network access of a resource at `path`: `Some(true)` enabled (absent counts as
/// enabled, the documented behaviour for every type azlint reads), `Some(false)`
/// disabled, `Err` with the reason when unknown.
pub fn public_access(model: &Model, r: ResIdx, path: &str) -> Result<(bool, Span), String> {
    let res = model.res(r);
    // An `existing` declaration names a resource deployed elsewhere: an absent setting
    // says nothing of how it is set there.
    let setting = res.get(path, model);
    if res.existing && !matches!(setting, Lookup::Found(_)) {
        return Err(format!(
            "`{}` is declared `existing`: its `{path}` is set where it is deployed, not in the scanned configuration",
            res.name
        ));
    }
    match setting {
        Lookup::Found(n) => Ok((!n.as_str().is_some_and(|s| s.eq_ignore_ascii_case("Disabled")), n.span)),
        Lookup::Absent => Ok((true, res.type_span())),
        Lookup::Unknown(u) => Err(format!("`{path}` cannot be determined: {}", u.detail)),
    }
}

/// The elements of an array property; `Err` with the reason when unknown.
pub fn array<'a>(model: &'a Model, r: ResIdx, path: &str) -> Result<&'a [Node], String> {
    match model.res(r).get(path, model) {
        Lookup::Found(n) => match &n.value {
            Value::Array(a) => Ok(a),
            _ => Ok(&[]),
        },
        Lookup::Absent => Ok(&[]),
        Lookup::Unknown(u) => Err(format!("`{path}` cannot be determined: {}", u.detail)),
    }
}

/// The services a subnet is delegated to, and the first delegation that cannot be
/// known offline. `Err` when none of them can be read: an `existing` subnet (only its
/// name is in the template) or an unknown `delegations` array.
pub fn delegations(model: &Model, subnet: ResIdx) -> Result<(Vec<String>, Option<String>), String> {
    let s = model.res(subnet);
    if s.existing {
        return Err(format!("subnet `{}` is declared `existing`; its delegations are not in the template", s.name));
    }
    let mut services = Vec::new();
    let mut unknown = None;
    for d in array(model, subnet, "properties.delegations")? {
        match crate::model::lookup(d, "properties.serviceName")
            .found()
            .or_else(|| crate::model::lookup(d, "serviceName").found())
        {
            Some(n) => match &n.value {
                Value::String(name) => services.push(name.to_string()),
                Value::Unknown(u) => unknown = Some(u.detail.clone()),
                _ => {}
            },
            None => match d.value.find_unknown() {
                Some(u) => unknown = Some(u.detail.clone()),
                None => services.push("an unnamed service".to_string()),
            },
        }
    }
    Ok((services, unknown.map(|d| format!("a delegation of subnet `{}` cannot be determined: {d}", s.name))))
}
