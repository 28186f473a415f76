//! Scope and deployment functions (reference §5.4, §5.13) and the catalog functions
//! that are unknown offline (`newGuid`, `deployer`, `pickZones`, `providers`,
//! `roleDefinitions`).

use super::{FResult, count, count_range};
use crate::arm::context::DeploymentContext;
use crate::arm::eval::render_arg;
use crate::value::{Node, Span, UnknownCause, Value};

pub(crate) const NAMES: &[&str] = &[
    "resourcegroup",
    "subscription",
    "tenant",
    "managementgroup",
    "deployment",
    "environment",
    "deployer",
    "newguid",
    "pickzones",
    "providers",
    "roledefinitions",
];

fn runtime(cause: UnknownCause, name: &str, args: &[Node]) -> Value {
    let rendered: Vec<String> = args.iter().map(|a| render_arg(&a.value)).collect();
    Value::unknown(cause, format!("{name}({})", rendered.join(", ")), Span::NONE)
}

pub(crate) fn call(name: &str, args: &[Node], ctx: &DeploymentContext) -> Option<FResult> {
    Some(match name {
        "resourcegroup" => count("resourceGroup", args, 0).map(|_| ctx.resource_group.clone()),
        "subscription" => count("subscription", args, 0).map(|_| ctx.subscription.clone()),
        "tenant" => count("tenant", args, 0).map(|_| ctx.tenant.clone()),
        "managementgroup" => count("managementGroup", args, 0).map(|_| ctx.management_group.clone()),
        "deployment" => count("deployment", args, 0).map(|_| ctx.deployment.clone()),
        "environment" => count("environment", args, 0).map(|_| ctx.environment.clone()),
        "deployer" => count("deployer", args, 0)
            .map(|_| ctx.deployer.clone().unwrap_or_else(|| runtime(UnknownCause::Runtime, "deployer", args))),
        "newguid" => count("newGuid", args, 0).map(|_| runtime(UnknownCause::NonDeterministic, "newGuid", args)),
        "pickzones" => count_range("pickZones", args, 3, 5).map(|_| runtime(UnknownCause::Runtime, "pickZones", args)),
        "providers" => count_range("providers", args, 1, 2).map(|_| runtime(UnknownCause::Runtime, "providers", args)),
        "roledefinitions" => {
            count("roleDefinitions", args, 1).map(|_| runtime(UnknownCause::Runtime, "roleDefinitions", args))
        }
        _ => return None,
    })
}
