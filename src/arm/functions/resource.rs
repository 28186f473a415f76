//! Resource id functions (reference §5.8): `resourceId`, `subscriptionResourceId`,
//! `tenantResourceId`, `managementGroupResourceId`, `extensionResourceId`, and the id
//! builder the expander uses for each resource's `id`.

use super::{FResult, arm_type, count_range, invalid};
use crate::arm::context::{DeploymentContext, DeploymentScope};
use crate::value::{Node, Value};

pub(crate) const NAMES: &[&str] =
    &["resourceid", "subscriptionresourceid", "tenantresourceid", "managementgroupresourceid", "extensionresourceid"];

pub(crate) fn call(name: &str, args: &[Node], ctx: &DeploymentContext) -> Option<FResult> {
    if !NAMES.contains(&name) {
        return None;
    }
    Some(id_function(name, args, ctx))
}

fn id_function(name: &str, args: &[Node], ctx: &DeploymentContext) -> FResult {
    count_range(name, args, if name == "extensionresourceid" { 3 } else { 2 }, usize::MAX)?;
    let mut strs = Vec::with_capacity(args.len());
    for a in args {
        match &a.value {
            Value::String(s) => strs.push(&**s),
            other => {
                return Err(invalid(format!(
                    "The template language function '{name}' expects its parameters to be strings. The provided value is of type '{}'",
                    arm_type(other)
                )));
            }
        }
    }
    let (leading, rest) = if name == "extensionresourceid" {
        (&strs[..1], &strs[1..])
    } else {
        let Some(t) = strs.iter().position(|s| s.contains('/')) else {
            return Err(invalid(format!(
                "Unable to evaluate template language function '{name}': the resource type must be a fully qualified type such as 'Microsoft.Network/virtualNetworks'"
            )));
        };
        (&strs[..t], &strs[t..])
    };
    let type_and_names = type_and_names(name, rest[0], &rest[1..])?;
    let sub = ctx.subscription_id();
    let id = match (name, leading) {
        ("extensionresourceid", [base]) => {
            format!("{}/providers/{type_and_names}", base.trim_end_matches('/'))
        }
        ("tenantresourceid", []) => format!("/providers/{type_and_names}"),
        ("subscriptionresourceid", []) => {
            format!("/subscriptions/{sub}/providers/{type_and_names}")
        }
        ("subscriptionresourceid", [s]) => format!("/subscriptions/{s}/providers/{type_and_names}"),
        ("managementgroupresourceid", []) => format!(
            "/providers/Microsoft.Management/managementGroups/{}/providers/{type_and_names}",
            ctx.management_group_name()
        ),
        ("managementgroupresourceid", [mg]) => {
            format!("/providers/Microsoft.Management/managementGroups/{mg}/providers/{type_and_names}")
        }
        ("resourceid", []) => scoped_id(ctx, &type_and_names),
        ("resourceid", [one]) => match ctx.scope {
            DeploymentScope::ResourceGroup => {
                format!("/subscriptions/{sub}/resourceGroups/{one}/providers/{type_and_names}")
            }
            _ => format!("/subscriptions/{one}/providers/{type_and_names}"),
        },
        ("resourceid", [s, rg]) => {
            format!("/subscriptions/{s}/resourceGroups/{rg}/providers/{type_and_names}")
        }
        _ => {
            return Err(invalid(format!(
                "Unable to evaluate template language function '{name}': too many arguments before the resource type"
            )));
        }
    };
    Ok(Value::str(id))
}

/// `ns/t1/n1/t2/n2…` from a type and its names; empty segments are ignored, and a
/// name may itself hold several `/`-separated segments.
pub(crate) fn type_and_names(function: &str, ty: &str, names: &[&str]) -> Result<String, super::super::error::FnError> {
    let segs: Vec<&str> = ty.split('/').filter(|s| !s.is_empty()).collect();
    // A name may hold several segments (`vnet/subnet`); an empty name stays one
    // (empty) segment, as the service builds `…/workspaces/`.
    let names: Vec<&str> = names
        .iter()
        .flat_map(|n| -> Vec<&str> {
            if n.is_empty() { vec![""] } else { n.split('/').filter(|s| !s.is_empty()).collect() }
        })
        .collect();
    if segs.len() < 2 || names.len() != segs.len() - 1 {
        return Err(invalid(format!(
            "Unable to evaluate template language function '{function}': the type '{ty}' requires {} resource name argument(s), {} were provided",
            segs.len().saturating_sub(1),
            names.len()
        )));
    }
    let mut out = String::from(segs[0]);
    for (t, n) in segs[1..].iter().zip(names.iter()) {
        out.push('/');
        out.push_str(t);
        out.push('/');
        out.push_str(n);
    }
    Ok(out)
}

/// The id of a resource deployed at the context's scope.
pub(crate) fn scoped_id(ctx: &DeploymentContext, type_and_names: &str) -> String {
    match ctx.scope {
        DeploymentScope::ResourceGroup => format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{type_and_names}",
            ctx.subscription_id(),
            ctx.resource_group_name()
        ),
        DeploymentScope::Subscription => format!("/subscriptions/{}/providers/{type_and_names}", ctx.subscription_id()),
        DeploymentScope::ManagementGroup | DeploymentScope::Tenant => {
            format!("/providers/{type_and_names}")
        }
    }
}

/// The id of a resource of `full_type` named `full_name` (`vnet/subnet`) at the
/// context's scope; `None` when the segment counts disagree.
pub fn resource_id_for(ctx: &DeploymentContext, full_type: &str, full_name: &str) -> Option<String> {
    // Special ids that are not under /providers.
    if full_type.eq_ignore_ascii_case("Microsoft.Resources/resourceGroups") {
        return Some(format!("/subscriptions/{}/resourceGroups/{full_name}", ctx.subscription_id()));
    }
    if full_type.eq_ignore_ascii_case("Microsoft.Resources/subscriptions") {
        return Some(format!("/subscriptions/{full_name}"));
    }
    let t = type_and_names("resourceId", full_type, &[full_name]).ok()?;
    if full_type.eq_ignore_ascii_case("Microsoft.Management/managementGroups") {
        return Some(format!("/providers/{t}"));
    }
    Some(scoped_id(ctx, &t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Node {
        Node::bare(Value::str(x))
    }

    #[test]
    fn trailing_slash_types_and_child_names() {
        let ctx = DeploymentContext::default();
        let Some(Ok(Value::String(id))) = call("resourceid", &[s("Microsoft.Storage/storageAccounts/"), s("sa")], &ctx)
        else {
            panic!()
        };
        assert_eq!(
            &*id,
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa"
        );
        assert_eq!(
            resource_id_for(&ctx, "Microsoft.Network/virtualNetworks/subnets", "v/s").as_deref(),
            Some(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
            )
        );
        assert!(matches!(
            call("resourceid", &[s("Microsoft.Network/virtualNetworks/subnets"), s("v")], &ctx),
            Some(Err(_))
        ));
    }
}
