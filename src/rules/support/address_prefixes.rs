//! The address prefixes of VNets and subnets, parsed with `ipnet`, and whether two
//! prefixes overlap (NET005, NSG001, NSG002).

use ipnet::IpNet;

use crate::model::{Lookup, Model, ResIdx};
use crate::value::Span;

/// Parsed prefixes at `path` (a string or an array of strings), or why unknown.
pub fn prefixes(model: &Model, r: ResIdx, path: &str) -> Result<Vec<(IpNet, Span)>, String> {
    let res = model.res(r);
    match res.get(path, model) {
        Lookup::Absent => Ok(Vec::new()),
        Lookup::Unknown(u) => Err(format!("`{path}` of `{}` cannot be determined: {}", res.name, u.detail)),
        Lookup::Found(n) => {
            let items: Vec<&crate::value::Node> = match n.value.as_array() {
                Some(a) => a.iter().collect(),
                None => vec![n],
            };
            let mut out = Vec::new();
            for item in items {
                if let Some(u) = item.value.as_unknown() {
                    return Err(format!("a prefix of `{}` cannot be determined: {}", res.name, u.detail));
                }
                if let Some(p) = item.as_str().and_then(|s| s.trim().parse::<IpNet>().ok()) {
                    out.push((p.trunc(), item.span));
                }
            }
            Ok(out)
        }
    }
}

/// The prefixes of a subnet: `addressPrefix` and `addressPrefixes` together.
pub fn subnet_prefixes(model: &Model, s: ResIdx) -> Result<Vec<(IpNet, Span)>, String> {
    let mut p = prefixes(model, s, "properties.addressPrefix")?;
    p.extend(prefixes(model, s, "properties.addressPrefixes")?);
    Ok(p)
}

/// Whether one prefix contains the other's network address.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}
