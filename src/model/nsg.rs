//! Network security groups in the index: which subnets an NSG is attached to (the
//! subnet's `properties.networkSecurityGroup.id`), and the internal load balancers
//! whose front ends sit in a subnet. Built once with the relations.

use std::collections::HashMap;

use super::{Lookup, Model, Reference, ResIdx, lookup};

pub const NSG: &str = "Microsoft.Network/networkSecurityGroups";
pub const NSG_RULE: &str = "Microsoft.Network/networkSecurityGroups/securityRules";
pub const SUBNET: &str = "Microsoft.Network/virtualNetworks/subnets";

/// The NSG half of the index.
#[derive(Debug, Default)]
pub struct Nsgs {
    subnets_by_nsg: HashMap<ResIdx, Vec<ResIdx>>,
    ilbs_by_subnet: HashMap<ResIdx, Vec<ResIdx>>,
    /// Subnets whose NSG cannot be identified, with why: any NSG of their document may
    /// be theirs.
    unknown_nsg: Vec<(ResIdx, String)>,
}

impl Nsgs {
    pub(super) fn build(model: &Model) -> Nsgs {
        let mut out = Nsgs::default();
        for &sn in model.of_type(SUBNET) {
            match model.follow(sn, "properties.networkSecurityGroup") {
                Reference::Found(nsg, _) => {
                    let list = out.subnets_by_nsg.entry(nsg).or_default();
                    if !list.contains(&sn) {
                        list.push(sn);
                    }
                }
                Reference::Unknown(u) => out.unknown_nsg.push((sn, u.detail.clone())),
                _ => {}
            }
        }
        // A load balancer whose front end takes a private address from a subnet is internal.
        for &lb in model.of_type("Microsoft.Network/loadBalancers") {
            let Lookup::Found(fes) = model.res(lb).get("properties.frontendIPConfigurations", model) else { continue };
            for fe in fes.value.as_array().unwrap_or_default() {
                if let Lookup::Found(n) = lookup(fe, "properties.subnet")
                    && let Reference::Found(sn, _) = model.follow_node(lb, n)
                {
                    out.ilbs_by_subnet.entry(sn).or_default().push(lb);
                }
            }
        }
        out
    }

    /// The subnets this NSG is attached to.
    pub fn subnets_of(&self, nsg: ResIdx) -> &[ResIdx] {
        self.subnets_by_nsg.get(&nsg).map_or(&[], Vec::as_slice)
    }

    /// Subnets whose NSG cannot be identified, with why.
    pub fn subnets_with_unknown_nsg(&self) -> &[(ResIdx, String)] {
        &self.unknown_nsg
    }

    /// Internal load balancers with a front end in this subnet.
    pub fn internal_lbs_in(&self, subnet: ResIdx) -> &[ResIdx] {
        self.ilbs_by_subnet.get(&subnet).map_or(&[], Vec::as_slice)
    }
}
