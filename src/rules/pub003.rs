//! PUB003 sql-public-network: a SQL server with public network access and a firewall
//! rule (a `servers/firewallRules` child) that admits all of Azure or everyone.

use super::support::public_access;
use crate::engine::{Related, RuleCx, Severity};
use crate::model::{Lookup, ResIdx};
use crate::value::Span;

const FIREWALL_RULE: &str = "Microsoft.Sql/servers/firewallRules";

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
    for &rule in model.of_type(FIREWALL_RULE) {
        let r = model.res(rule);
        if r.existing {
            continue;
        }
        let (start, end) = (r.get("properties.startIpAddress", model), r.get("properties.endIpAddress", model));
        let (start, end) = match (start, end) {
            (Lookup::Found(s), Lookup::Found(e)) => (s, e),
            (Lookup::Unknown(u), _) | (_, Lookup::Unknown(u)) => {
                cx.undetermined(
                    rule,
                    Span::NONE,
                    format!("the firewall rule's range cannot be determined: {}", u.detail),
                );
                continue;
            }
            _ => continue,
        };
        let (s, e) = (start.as_str().unwrap_or_default(), end.as_str().unwrap_or_default());
        let (severity, what) = match (s, e) {
            ("0.0.0.0", "255.255.255.255") => (Severity::Critical, "admits every address on the internet"),
            ("0.0.0.0", "0.0.0.0") => (
                Severity::High,
                "admits every Azure service, including other customers' (`0.0.0.0`-`0.0.0.0`, \"Allow Azure services\")",
            ),
            _ => continue,
        };
        check_server(cx, rule, severity, what);
    }
}

fn check_server(cx: &mut RuleCx, rule: ResIdx, severity: Severity, what: &str) {
    let model = cx.model;
    let r = model.res(rule);
    let Some(server) = model.parent(rule) else {
        return cx.undetermined(
            rule,
            Span::NONE,
            format!("the SQL server of firewall rule `{}` is not in the scanned configuration", r.name),
        );
    };
    let srv = model.res(server);
    match public_access(model, server, "properties.publicNetworkAccess") {
        Err(reason) => cx.undetermined(rule, Span::NONE, reason),
        Ok((false, _)) => {}
        Ok((true, pna_span)) => {
            let span = r.node.path("properties.startIpAddress").map_or(Span::NONE, |n| n.span);
            cx.finding_with_severity(
                rule,
                span,
                format!(
                    "Firewall rule `{}` of SQL server `{}` {what} while public network access is enabled",
                    r.name, srv.name
                ),
                vec![Related {
                    resource: Some(server),
                    span: pna_span,
                    message: format!("SQL server `{}` has public network access enabled", srv.name),
                }],
                severity,
            );
        }
    }
}
