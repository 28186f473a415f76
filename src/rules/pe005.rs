//! PE005 private-endpoint-in-delegated-subnet: a private endpoint placed in a subnet
//! that is delegated to a service, or that sites use for VNet integration (facts sheet
//! §1.4: "The virtual network integration feature cannot use the same subnet as private
//! endpoint"). The subnet's `privateEndpointNetworkPolicies` is deliberately not read:
//! until 2022 endpoints needed it `Disabled`, but since NSG support went GA (Aug 2022)
//! any value is valid (facts sheet §3.4).

use crate::engine::{Related, RuleCx};
use crate::model::Reference;
use crate::model::relations::PRIVATE_ENDPOINT;

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
        let (services, unknown) = match super::support::delegations(model, subnet) {
            Ok(d) => d,
            Err(reason) => {
                cx.undetermined(pe, via.span, reason);
                continue;
            }
        };
        if services.is_empty()
            && let Some(reason) = unknown
        {
            cx.undetermined(pe, via.span, reason);
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
