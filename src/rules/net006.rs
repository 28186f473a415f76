//! NET006 integration-without-route-all: an integrated site whose platform traffic must
//! reach a service with public access off (its content share, its container registry,
//! the vault of its Key Vault references) but is not routed through the VNet.

use super::support::public_access;
use crate::engine::{Related, RuleCx};
use crate::model::secrets::{OPAQUE, setting_names_or_opaque, setting_text};
use crate::model::site::{SITE, SLOT};
use crate::model::{Lookup, Model, Reference, ResIdx, SiteView};
use crate::value::{Node, Value};

/// A routing switch: settled true, settled false, or unknown with the reason.
enum Routed {
    Yes,
    No,
    Unknown(String),
}

/// Whether any of the site settings, app settings or `outboundVnetRouting` flags is on.
fn routed(view: &SiteView, settings: &[&str], app_settings: &[&str], routing: &[&str]) -> Routed {
    let truthy = |v: &Value| match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(&**s == "1" || s.eq_ignore_ascii_case("true")),
        Value::Int(i) => Some(*i == 1),
        _ => None,
    };
    let mut unknown = None;
    let mut check = |l: Lookup<'_>, what: &str| match l {
        Lookup::Found(n) => truthy(&n.value).unwrap_or(false),
        Lookup::Unknown(u) => {
            unknown.get_or_insert(format!("`{what}` cannot be determined: {}", u.detail));
            false
        }
        Lookup::Absent => false,
    };
    for s in settings {
        if check(view.setting(s), s) {
            return Routed::Yes;
        }
    }
    for r in routing {
        if check(view.setting(&format!("outboundVnetRouting.{r}")), &format!("outboundVnetRouting.{r}")) {
            return Routed::Yes;
        }
    }
    for (name, value) in view.app_settings() {
        if app_settings.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            if let Some(u) = value.value.as_unknown() {
                unknown.get_or_insert(format!("app setting `{name}` cannot be determined: {}", u.detail));
            } else if truthy(&value.value) == Some(true)
                || setting_text(value).is_some_and(|t| truthy(&Value::str(t)) == Some(true))
            {
                return Routed::Yes;
            }
        }
    }
    if let Some(u) = view.app_settings_unknown() {
        unknown.get_or_insert(format!("the app settings cannot be determined: {}", u.detail));
    }
    match unknown {
        Some(r) => Routed::Unknown(r),
        None => Routed::No,
    }
}

/// A storage account or key vault that refuses public traffic, or may: what a site
/// whose app settings are unknown may depend on (a content share, Key Vault references).
fn closed_dependency_candidate(model: &Model) -> Option<ResIdx> {
    ["Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults"]
        .iter()
        .flat_map(|t| model.of_type(t).iter().copied())
        .find(|r| !matches!(closed(model, *r), Ok(false)))
}

/// Whether a back-end service refuses public traffic: public access disabled, or a
/// firewall that denies by default.
fn closed(model: &Model, r: ResIdx) -> Result<bool, String> {
    let (open, _) = public_access(model, r, "properties.publicNetworkAccess")?;
    if !open {
        return Ok(true);
    }
    for path in ["properties.networkAcls.defaultAction", "properties.networkRuleSet.defaultAction"] {
        match model.res(r).get(path, model) {
            Lookup::Found(n) if n.as_str().is_some_and(|s| s.eq_ignore_ascii_case("Deny")) => return Ok(true),
            Lookup::Unknown(u) => {
                return Err(format!("`{path}` of `{}` cannot be determined: {}", model.res(r).name, u.detail));
            }
            _ => {}
        }
    }
    Ok(false)
}

/// One platform dependency of a site: the service, where the site names it, and what
/// traffic kind it is.
struct Dependency<'a> {
    service: ResIdx,
    via: &'a Node,
    what: String,
    kind: Kind,
    /// The service is only one the setting may name, depending on names not known
    /// offline: a gap here is undetermined, not a finding.
    maybe: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    ContentShare,
    ImagePull,
    KeyVaultReference,
}

/// Whether the site runs on Linux: its `kind` says so, it sets `linuxFxVersion`, or
/// its plan is a Linux plan (`reserved: true`, `kind` `linux`).
fn is_linux(model: &Model, view: &SiteView) -> bool {
    let says_linux =
        |r: ResIdx| model.res(r).get("kind", model).as_str().is_some_and(|k| k.to_ascii_lowercase().contains("linux"));
    if says_linux(view.idx) {
        return true;
    }
    if matches!(view.setting("linuxFxVersion"), Lookup::Found(n) if n.as_str().is_some_and(|s| !s.trim().is_empty())) {
        return true;
    }
    match super::support::sites::plan_of(model, view.idx) {
        Reference::Found(plan, _) => {
            says_linux(plan)
                || matches!(model.res(plan).get("properties.reserved", model), Lookup::Found(n) if n.value.as_bool() == Some(true))
        }
        _ => false,
    }
}

const VAULT: &str = "Microsoft.KeyVault/vaults";
const REGISTRY: &str = "Microsoft.ContainerRegistry/registries";

/// The resources of type `ty` that `from` can see: its unit's and deployed state's.
fn visible(model: &Model, from: ResIdx, ty: &str) -> Vec<ResIdx> {
    let unit = model.res(from).unit;
    model
        .of_type(ty)
        .iter()
        .copied()
        .filter(|r| model.res(*r).unit == unit || model.res(*r).kind == crate::model::OriginKind::State)
        .collect()
}

fn dependencies<'a>(model: &'a Model, view: &SiteView<'a>) -> Vec<Dependency<'a>> {
    let rel = &model.relations;
    let mut out = Vec::new();
    for (name, value) in view.app_settings() {
        let Some(text) = setting_names_or_opaque(value) else { continue };
        if name.eq_ignore_ascii_case("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING") {
            let account = text
                .split(';')
                .find_map(|p| p.trim().strip_prefix("AccountName=").or_else(|| p.trim().strip_prefix("accountname=")));
            let what = format!("mounts its content share (app setting `{name}`)");
            if let Some(s) = account.and_then(|a| rel.storage_named(model.prefix_of(view.idx), a)) {
                out.push(Dependency { service: s, via: value, what, kind: Kind::ContentShare, maybe: false });
            } else if let Some(a) = account {
                for s in rel.maybe_named(model.prefix_of(view.idx), false, a) {
                    out.push(Dependency {
                        service: s,
                        via: value,
                        what: what.clone(),
                        kind: Kind::ContentShare,
                        maybe: true,
                    });
                }
            }
        }
        if text.trim_start().to_ascii_lowercase().starts_with("@microsoft.keyvault(") {
            let vault = text.split([';', '(', ')', '/']).find_map(|p| {
                let p = p.trim();
                match p.split_once('=') {
                    Some((k, v)) if k.eq_ignore_ascii_case("VaultName") => {
                        rel.vault_named(model.prefix_of(view.idx), v.trim())
                    }
                    _ => rel.backend_by_host(model.prefix_of(view.idx), p),
                }
            });
            let what = format!("resolves a Key Vault reference (app setting `{name}`)");
            if let Some(v) = vault {
                out.push(Dependency { service: v, via: value, what, kind: Kind::KeyVaultReference, maybe: false });
            } else {
                let maybe: Vec<ResIdx> = text
                    .split([';', '(', ')', '/'])
                    .flat_map(|p| match p.trim().split_once('=') {
                        Some((k, v)) if k.eq_ignore_ascii_case("VaultName") => {
                            rel.maybe_named(model.prefix_of(view.idx), true, v.trim())
                        }
                        _ if p.contains('.') => rel.maybe_hosts(&format!(
                            "{}{}",
                            model.prefix_of(view.idx),
                            crate::model::ids::key(p.trim())
                        )),
                        _ => Vec::new(),
                    })
                    .filter(|r| model.res(*r).is_type("Microsoft.KeyVault/vaults"))
                    .collect();
                // A vault named by a runtime value (`reference(…).vaultUri`) may be any.
                let maybe =
                    if maybe.is_empty() && text.contains(OPAQUE) { visible(model, view.idx, VAULT) } else { maybe };
                for v in maybe {
                    out.push(Dependency {
                        service: v,
                        via: value,
                        what: what.clone(),
                        kind: Kind::KeyVaultReference,
                        maybe: true,
                    });
                }
            }
        }
    }
    for key in ["linuxFxVersion", "windowsFxVersion"] {
        // A symbolic image names the registry built from the same symbols.
        let (n, text) = match view.setting(key) {
            Lookup::Found(n) => (n, n.as_str().map(str::to_string)),
            Lookup::Unknown(_) => match view.setting_node(key) {
                Some(n) => (n, setting_names_or_opaque(n).map(|t| t.into_owned())),
                None => continue,
            },
            Lookup::Absent => continue,
        };
        if let Some(image) = text
            .as_deref()
            .and_then(|s| s.split_once('|'))
            .filter(|(k, _)| k.eq_ignore_ascii_case("DOCKER"))
            .map(|(_, i)| i.to_string())
        {
            let host = image.split('/').next().unwrap_or_default();
            // Shown as written: a symbolic image by its expressions, not its canonical form.
            let shown = match &n.value {
                crate::value::Value::Unknown(u) => {
                    u.display().split_once('|').map_or_else(|| u.display(), |(_, i)| i.to_string())
                }
                _ => image.clone(),
            };
            let what = format!("pulls its image `{shown}`");
            match rel.backend_by_host(model.prefix_of(view.idx), host) {
                Some(registry) => {
                    out.push(Dependency { service: registry, via: n, what, kind: Kind::ImagePull, maybe: false })
                }
                None => {
                    // A registry named by a runtime value (`reference(…).loginServer`) may be any.
                    let maybe = if host.contains(OPAQUE) {
                        visible(model, view.idx, REGISTRY)
                    } else {
                        rel.maybe_hosts(&format!("{}{}", model.prefix_of(view.idx), crate::model::ids::key(host)))
                    };
                    for registry in maybe {
                        if model.res(registry).is_type(REGISTRY) {
                            out.push(Dependency {
                                service: registry,
                                via: n,
                                what: what.clone(),
                                kind: Kind::ImagePull,
                                maybe: true,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
    for &site in model.of_type(SITE).iter().chain(model.of_type(SLOT)) {
        if model.res(site).existing {
            continue;
        }
        let Some(view) = model.site(site) else { continue };
        if view.integration_subnets().iter().all(|r| matches!(r, Reference::Absent)) {
            continue; // Not integrated: PE006 reports what cannot be reached at all.
        }
        let site_name = &model.res(site).name;
        if let Some(u) = view.app_settings_unknown()
            && let Some(candidate) = closed_dependency_candidate(model)
        {
            cx.undetermined(
                site,
                u.span,
                format!(
                    "the app settings of `{site_name}` cannot be determined, so whether it mounts a content share \
                     or resolves Key Vault references from `{}` (whose public access is off or unknown) is unknown: {}",
                    model.res(candidate).name,
                    u.detail
                ),
            );
        }
        for dep in dependencies(model, &view) {
            match closed(model, dep.service) {
                Err(reason) => {
                    cx.undetermined(site, dep.via.span, reason);
                    continue;
                }
                Ok(false) => continue,
                Ok(true) => {}
            }
            // Facts §1.7 and §9.3/9.4: configuration traffic needs its own switch (or
            // `allTraffic`); Key Vault references follow application routing, which the
            // current Key Vault reference doc requires for Linux apps (the 2023 overview
            // said the platform falls back to the VNet; we follow the current doc).
            let r = match dep.kind {
                Kind::ContentShare => routed(
                    &view,
                    &["vnetContentShareEnabled"],
                    &["WEBSITE_CONTENTOVERVNET"],
                    &["allTraffic", "contentShareTraffic"],
                ),
                Kind::ImagePull => routed(
                    &view,
                    &["vnetImagePullEnabled"],
                    &["WEBSITE_PULL_IMAGE_OVER_VNET"],
                    &["allTraffic", "imagePullTraffic"],
                ),
                Kind::KeyVaultReference => {
                    if !is_linux(model, &view) {
                        continue;
                    }
                    routed(
                        &view,
                        &["vnetRouteAllEnabled"],
                        &["WEBSITE_VNET_ROUTE_ALL"],
                        &["allTraffic", "applicationTraffic"],
                    )
                }
            };
            let fix = match dep.kind {
                Kind::ContentShare => {
                    "set `vnetContentShareEnabled` (or `outboundVnetRouting.contentShareTraffic`) to `true`"
                }
                Kind::ImagePull => "set `vnetImagePullEnabled` (or `outboundVnetRouting.imagePullTraffic`) to `true`",
                Kind::KeyVaultReference => {
                    "set `vnetRouteAllEnabled` (or `outboundVnetRouting.applicationTraffic`) to `true`"
                }
            };
            let service = model.res(dep.service);
            match r {
                Routed::Yes => {}
                Routed::Unknown(reason) => cx.undetermined(site, dep.via.span, reason),
                Routed::No if dep.maybe => cx.undetermined(
                    site,
                    dep.via.span,
                    format!("`{site_name}` {} from a service that may be `{}` (named by values not known offline), whose public access is off, and does not route that traffic through its VNet", dep.what, service.name),
                ),
                Routed::No => cx.finding(
                    site,
                    dep.via.span,
                    format!("Site `{site_name}` {} from `{}`, whose public access is off, but does not route that traffic through its VNet: {fix}", dep.what, service.name),
                    vec![Related { resource: Some(dep.service), span: service.type_span(), message: format!("`{}` refuses public traffic", service.name) }],
                ),
            }
        }
    }
}
