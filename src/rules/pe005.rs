//! PE005 private-endpoint-in-delegated-subnet: a private endpoint placed in a subnet
//! that is delegated to a service, or that sites use for VNet integration (facts sheet
//! §1.4: "The virtual network integration feature cannot use the same subnet as private
//! endpoint"). The subnet's `privateEndpointNetworkPolicies` is deliberately not read:
//! until 2022 endpoints needed it `Disabled`, but since NSG support went GA (Aug 2022)
//! any value is valid (facts sheet §3.4).

use super::support::array;
use crate::engine::{Related, RuleCx};
use crate::model::relations::PRIVATE_ENDPOINT;
use crate::model::{Reference, lookup};

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
    for &pe in model.of_type(PRIVATE_ENDPOINT) {
        let e = model.res(pe);
        if e.existing {
            continue;
        }
        let (subnet, via) = match model.follow(pe, "properties.subnet") {
            Reference::Found(s, via) => (s, via),
            Reference::Missing(id, via) => {
                cx.undetermined(
                    pe,
                    via.span,
                    format!("the endpoint's subnet `{id}` is not in the scanned configuration"),
                );
                continue;
            }
            Reference::Unknown(u) => {
                cx.undetermined(pe, u.span, format!("the endpoint's subnet cannot be determined: {}", u.detail));
                continue;
            }
            Reference::Absent => continue,
        };
        let s = model.res(subnet);
        if s.existing {
            cx.undetermined(
                pe,
                via.span,
                format!("subnet `{}` is declared `existing`; its delegations are not in the template", s.name),
            );
            continue;
        }
        let delegations = match array(model, subnet, "properties.delegations") {
            Ok(d) => d,
            Err(reason) => {
                cx.undetermined(pe, via.span, reason);
                continue;
            }
        };
        let mut services = Vec::new();
        let mut unknown = None;
        for d in delegations {
            match lookup(d, "properties.serviceName").found().or_else(|| lookup(d, "serviceName").found()) {
                Some(n) => match n.as_str() {
                    Some(name) => services.push(name.to_string()),
                    None => unknown = n.value.as_unknown().map(|u| u.detail.clone()),
                },
                None => match d.value.find_unknown() {
                    Some(u) => unknown = Some(u.detail.clone()),
                    None => services.push("an unnamed service".to_string()),
                },
            }
        }
        if services.is_empty()
            && let Some(detail) = unknown
        {
            cx.undetermined(
                pe,
                via.span,
                format!("a delegation of subnet `{}` cannot be determined: {detail}", s.name),
            );
            continue;
        }
        let integrations = model.relations.integrations_in(subnet);
        let mut related: Vec<Related> = integrations
            .iter()
            .map(|i| Related {
                resource: Some(i.site),
                span: i.span,
                message: format!("site `{}` integrates with this subnet", model.res(i.site).name),
            })
            .collect();
        let why = if !services.is_empty() {
            related.insert(
                0,
                Related {
                    resource: Some(subnet),
                    span: s.node.path("properties.delegations").map_or(s.type_span(), |n| n.span),
                    message: format!("subnet `{}` is delegated here", s.name),
                },
            );
            format!("which is delegated to `{}`", services.join("`, `"))
        } else if let Some(i) = integrations.first() {
            format!("which site `{}` uses for VNet integration", model.res(i.site).name)
        } else {
            continue;
        };
        cx.finding(
            pe,
            via.span,
            format!(
                "Private endpoint `{}` is placed in subnet `{}`, {why}; move the endpoint to a subnet without delegation or VNet integration",
                e.name, s.name
            ),
            related,
        );
    }
}
