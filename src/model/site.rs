//! The typed view of a site or slot: one answer for a setting that may live in
//! `properties.siteConfig`, a `config/web` child, `authsettingsV2`, `authsettings`,
//! `appsettings` and the other `sites/config` children (facts sheet §6). A slot is a
//! site of its own: it never reads its production site's settings.

use std::collections::HashMap;

use super::{Lookup, Model, OriginKind, Reference, ResIdx, lookup};
use crate::value::{Unknown, Value};

pub const SITE: &str = "Microsoft.Web/sites";
pub const SLOT: &str = "Microsoft.Web/sites/slots";

/// The children of one site or slot that carry its settings.
#[derive(Debug, Default, Clone)]
pub struct SiteData {
    pub config_web: Option<ResIdx>,
    pub auth_v2: Option<ResIdx>,
    pub auth_v1: Option<ResIdx>,
    pub appsettings: Option<ResIdx>,
    pub connectionstrings: Option<ResIdx>,
    pub ftp_policy: Option<ResIdx>,
    pub scm_policy: Option<ResIdx>,
    pub network_config: Option<ResIdx>,
    pub vnet_connections: Vec<ResIdx>,
    pub slots: Vec<ResIdx>,
    /// Sites implied by `config` or publishing-policy children whose names are not
    /// known offline and may be this site's: what their children set may be this
    /// site's setting.
    pub maybe_same: Vec<ResIdx>,
    /// Why such a setting cannot be known.
    pub maybe_unknown: Option<crate::value::Unknown>,
}

pub(super) fn build_site_data(model: &Model) -> HashMap<ResIdx, SiteData> {
    let mut out = HashMap::new();
    for &site in model.of_type(SITE).iter().chain(model.of_type(SLOT)) {
        let mut d = SiteData::default();
        for &c in model.children(site) {
            let r = model.res(c);
            let leaf_type = r.type_.rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
            let leaf = r.leaf_name().to_ascii_lowercase();
            let slot = match leaf_type.as_str() {
                "config" => match leaf.as_str() {
                    "web" => &mut d.config_web,
                    "authsettingsv2" => &mut d.auth_v2,
                    "authsettings" => &mut d.auth_v1,
                    "appsettings" => &mut d.appsettings,
                    "connectionstrings" => &mut d.connectionstrings,
                    _ => continue,
                },
                "basicpublishingcredentialspolicies" => match leaf.as_str() {
                    "ftp" => &mut d.ftp_policy,
                    "scm" => &mut d.scm_policy,
                    _ => continue,
                },
                "networkconfig" => &mut d.network_config,
                "virtualnetworkconnections" => {
                    d.vnet_connections.push(c);
                    continue;
                }
                "slots" => {
                    d.slots.push(c);
                    continue;
                }
                _ => continue,
            };
            // Several declarations of one child: the last one deployed wins.
            *slot = Some(c);
        }
        out.insert(site, d);
    }
    // A child named from symbols that implies a site of its own may belong to a declared
    // site of its unit whose name may be the same.
    let implied: Vec<ResIdx> = out.keys().copied().filter(|s| model.res(*s).implied).collect();
    for i in implied {
        let ir = model.res(i);
        for &site in model.of_type(&ir.type_) {
            let sr = model.res(site);
            if sr.implied || sr.unit != ir.unit || !crate::model::ids::maybe_same_id(&sr.key, &ir.key) {
                continue;
            }
            if let Some(d) = out.get_mut(&site) {
                d.maybe_same.push(i);
                d.maybe_unknown.get_or_insert_with(|| {
                    crate::value::Unknown::new(
                        crate::value::UnknownCause::Parameter,
                        format!(
                            "children of `{}` may be this site's, depending on names not known offline, and set it",
                            ir.name
                        ),
                        crate::value::Span::NONE,
                    )
                });
            }
        }
    }
    out
}

/// A site or slot with its settings merged.
#[derive(Clone, Copy, Debug)]
pub struct SiteView<'m> {
    pub model: &'m Model,
    pub idx: ResIdx,
    pub data: &'m SiteData,
}

impl<'m> SiteView<'m> {
    pub fn is_slot(&self) -> bool {
        self.model.res(self.idx).is_type(SLOT)
    }

    /// A setting by its `SiteConfig` or site property name (`minTlsVersion`,
    /// `cors.allowedOrigins`, `httpsOnly`). The `config/web` child wins over
    /// `properties.siteConfig` (it is deployed after the site); then site-level
    /// `properties`. For deployed state without a `config/web` child the setting is
    /// unknown: live reads of a site return `siteConfig` mostly null.
    /// The node [`SiteView::setting`] reads for `path` (also when its value is unknown),
    /// in the same order: the `config/web` child, `siteConfig`, the site's properties.
    pub fn setting_node(&self, path: &str) -> Option<&'m crate::value::Node> {
        let model = self.model;
        let web = self.data.config_web.and_then(|w| model.res(w).node.path(&format!("properties.{path}")));
        let site = &model.res(self.idx).node;
        web.or_else(|| site.path(&format!("properties.siteConfig.{path}")))
            .or_else(|| site.path(&format!("properties.{path}")))
            .filter(|n| !n.value.is_null())
    }

    pub fn setting(&self, path: &str) -> Lookup<'m> {
        let model = self.model;
        // A child that may be this site's sets it: the value is not known.
        if let Some(u) = &self.data.maybe_unknown
            && self.data.maybe_same.iter().any(|&m| model.site(m).is_some_and(|v| v.child_sets(path)))
        {
            return Lookup::Unknown(u);
        }
        self.own_setting(path)
    }

    /// Whether one of the site's `config/web` or publishing-policy children sets `path`.
    fn child_sets(&self, path: &str) -> bool {
        let model = self.model;
        let (child, field) = match path.strip_prefix("publishing.") {
            Some(rest) => {
                let (which, field) = rest.split_once('.').unwrap_or((rest, "allow"));
                let c = if which.eq_ignore_ascii_case("ftp") { self.data.ftp_policy } else { self.data.scm_policy };
                (c, field.to_string())
            }
            None => (self.data.config_web, path.to_string()),
        };
        child.is_some_and(|c| !model.res(c).get(&format!("properties.{field}"), model).is_absent())
    }

    /// [`SiteView::setting`] from this site's own children and properties only.
    fn own_setting(&self, path: &str) -> Lookup<'m> {
        let model = self.model;
        // `publishing.ftp.allow` / `publishing.scm.allow`: the basicPublishingCredentialsPolicies children.
        if let Some(rest) = path.strip_prefix("publishing.") {
            let (which, field) = rest.split_once('.').unwrap_or((rest, "allow"));
            let child = if which.eq_ignore_ascii_case("ftp") { self.data.ftp_policy } else { self.data.scm_policy };
            return match child {
                Some(c) => model.res(c).get(&format!("properties.{field}"), model),
                None => Lookup::Absent,
            };
        }
        if let Some(web) = self.data.config_web {
            match model.res(web).get(&format!("properties.{path}"), model) {
                Lookup::Absent => {}
                // A `config/web` that was not read says nothing of what only the site
                // holds (`httpsOnly`, `clientCertEnabled`): the site's own read does.
                Lookup::Unknown(_) if model.res(web).placeholder && is_site_only(path) => {}
                other => return other,
            }
        }
        let site = model.res(self.idx);
        match site.get(&format!("properties.siteConfig.{path}"), model) {
            Lookup::Absent => {}
            other => return other,
        }
        match site.get(&format!("properties.{path}"), model) {
            Lookup::Absent => {}
            other => return other,
        }
        if site.kind == OriginKind::State && self.data.config_web.is_none() && !is_site_level(path) {
            return Lookup::Unknown(&model.site_config_unknown);
        }
        Lookup::Absent
    }

    /// The subnets the site integrates with for regional VNet integration, in all three
    /// ARM shapes (facts sheet §1.6): `properties.virtualNetworkSubnetId`, the
    /// `networkConfig/virtualNetwork` child, and `virtualNetworkConnections` children
    /// that are regional (`isSwift`) integrations with a subnet.
    pub fn integration_subnets(&self) -> Vec<Reference<'m>> {
        let model = self.model;
        let mut out = Vec::new();
        match model.follow(self.idx, "properties.virtualNetworkSubnetId") {
            Reference::Absent => {}
            r => out.push(r),
        }
        if let Some(nc) = self.data.network_config {
            match model.follow(nc, "properties.subnetResourceId") {
                Reference::Absent => {}
                r => out.push(r),
            }
        }
        for &c in &self.data.vnet_connections {
            let res = model.res(c);
            // Gateway-required (legacy) connections name only a VNet and need no delegation.
            if matches!(res.get("properties.isSwift", model), Lookup::Found(n) if matches!(n.value, Value::Bool(false)))
            {
                continue;
            }
            // A regional connection names the subnet in `vnetResourceId` (REST VnetInfo);
            // some tools write `subnetResourceId`. A bare VNet id is a gateway connection.
            for path in ["properties.vnetResourceId", "properties.subnetResourceId"] {
                match model.follow(c, path) {
                    Reference::Absent => {}
                    Reference::Missing(_, n) | Reference::Found(_, n)
                        if !n.as_str().is_some_and(|id| id.to_ascii_lowercase().contains("/subnets/")) => {}
                    r => {
                        out.push(r);
                        break;
                    }
                }
            }
        }
        out
    }

    /// The app settings (name, value node) from `siteConfig.appSettings` and the
    /// `config/appsettings` child, the child winning for a name set in both.
    pub fn app_settings(&self) -> Vec<(&'m str, &'m crate::value::Node)> {
        let model = self.model;
        let mut out: Vec<(&str, &crate::value::Node)> = Vec::new();
        if let Lookup::Found(list) = model.res(self.idx).get("properties.siteConfig.appSettings", model) {
            for item in list.value.as_array().unwrap_or_default() {
                if let (Some(name), Some(value)) = (item.get("name").and_then(|n| n.as_str()), item.get("value")) {
                    out.push((name, value));
                }
            }
        }
        if let Some(c) = self.data.appsettings
            && let Lookup::Found(props) = model.res(c).get("properties", model)
        {
            for m in props.value.as_object().into_iter().flat_map(|o| o.iter()) {
                out.retain(|(n, _)| !n.eq_ignore_ascii_case(&m.key));
                out.push((&m.key, &m.value));
            }
        }
        out
    }

    /// Why the app settings cannot be listed: `siteConfig.appSettings` or the
    /// `config/appsettings` child is unknown as a whole (a live read that failed or was
    /// skipped, a template parameter). [`SiteView::app_settings`] then lists only what
    /// is known, which may be nothing.
    pub fn app_settings_unknown(&self) -> Option<&'m Unknown> {
        self.whole_unknown("properties.siteConfig.appSettings", self.data.appsettings)
    }

    /// Why the connection strings cannot be listed, as [`SiteView::app_settings_unknown`].
    pub fn connection_strings_unknown(&self) -> Option<&'m Unknown> {
        self.whole_unknown("properties.siteConfig.connectionStrings", self.data.connectionstrings)
    }

    fn whole_unknown(&self, inline: &str, child: Option<ResIdx>) -> Option<&'m Unknown> {
        let model = self.model;
        // The site's own node, not `Resource::get`: an inventory row lacks every property
        // and says so elsewhere; a placeholder site's properties are unknown here.
        if let Lookup::Unknown(u) = lookup(&model.res(self.idx).node, inline) {
            return Some(u);
        }
        match child.map(|c| model.res(c).get("properties", model)) {
            Some(Lookup::Unknown(u)) => Some(u),
            _ => None,
        }
    }

    /// The App Service plan the site runs on.
    pub fn plan(&self) -> Reference<'m> {
        self.model.follow(self.idx, "properties.serverFarmId")
    }

    /// An entry of the `authsettingsV2` child (`platform.enabled`).
    pub fn auth_v2(&self, path: &str) -> Option<Lookup<'m>> {
        self.data.auth_v2.map(|c| lookup(&self.model.res(c).node, &format!("properties.{path}")))
    }
}

/// Site-level properties that `SiteConfig` does not also carry (`publicNetworkAccess`
/// is in both).
fn is_site_only(path: &str) -> bool {
    is_site_level(path) && !path.split('.').next().unwrap_or_default().eq_ignore_ascii_case("publicNetworkAccess")
}

/// Properties that live on the site resource itself, which every site read returns.
fn is_site_level(path: &str) -> bool {
    const SITE_LEVEL: &[&str] = &[
        "httpsOnly",
        "publicNetworkAccess",
        "clientCertEnabled",
        "clientCertMode",
        "clientCertExclusionPaths",
        "virtualNetworkSubnetId",
        "serverFarmId",
        "outboundVnetRouting",
        "vnetContentShareEnabled",
        "vnetImagePullEnabled",
        "vnetBackupRestoreEnabled",
        "keyVaultReferenceIdentity",
        "endToEndEncryptionEnabled",
        "hostNames",
        "defaultHostName",
        "outboundIpAddresses",
        "possibleOutboundIpAddresses",
    ];
    let first = path.split('.').next().unwrap_or_default();
    SITE_LEVEL.iter().any(|p| p.eq_ignore_ascii_case(first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::raw;
    use crate::model::{Model, Unit};

    #[test]
    fn config_web_child_wins_over_site_config() {
        let site =
            raw(SITE, "app", serde_json::json!({"siteConfig": {"minTlsVersion": "1.0", "ftpsState": "FtpsOnly"}}));
        let web = raw("Microsoft.Web/sites/config", "app/web", serde_json::json!({"minTlsVersion": "1.2"}));
        let m = Model::build(vec![Unit {
            raws: vec![site, web],
            scope: "/subscriptions/s/resourceGroups/rg".into(),
            ..Default::default()
        }]);
        let v = m.site(m.of_type(SITE)[0]).unwrap();
        assert_eq!(v.setting("minTlsVersion").as_str(), Some("1.2"));
        assert_eq!(v.setting("ftpsState").as_str(), Some("FtpsOnly"));
        assert!(v.setting("remoteDebuggingEnabled").is_absent());
    }

    #[test]
    fn config_web_that_was_not_read_leaves_site_properties_known() {
        let site = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app";
        let text = format!(
            r#"{{"azlintLiveExport": 1,
                "resources": [{{"id": "{site}", "type": "Microsoft.Web/sites", "name": "app",
                                "properties": {{"httpsOnly": true, "publicNetworkAccess": "Disabled"}}}}],
                "gaps": [{{"resource": "{site}", "read": "config/web", "status": 403, "reason": "denied"}}]}}"#
        );
        let doc = crate::source::json::parse(&text, crate::value::FileId(0)).unwrap();
        let live = crate::model::ingest::live_export(&doc, crate::value::FileId(0), &mut Vec::new());
        let m = Model::build(vec![Unit { raws: live.raws, ..Default::default() }]);
        let v = m.site(m.of_type(SITE)[0]).unwrap();
        assert!(matches!(v.setting("httpsOnly"), Lookup::Found(_)), "read with the site");
        let unknown =
            |l: Lookup| matches!(l, Lookup::Unknown(u) if u.detail.starts_with("reading `config/web` failed"));
        assert!(unknown(v.setting("minTlsVersion")));
        assert!(unknown(v.setting("publicNetworkAccess")), "`config/web` may override it");
        assert!(v.app_settings_unknown().is_none(), "app settings are another read");
    }

    #[test]
    fn exported_site_without_config_web_is_unknown() {
        let mut site = raw(SITE, "app", serde_json::json!({"siteConfig": {"minTlsVersion": null}, "httpsOnly": true}));
        site.kind = OriginKind::State;
        let m = Model::build(vec![Unit {
            raws: vec![site],
            scope: "/subscriptions/s/resourceGroups/rg".into(),
            ..Default::default()
        }]);
        let v = m.site(m.of_type(SITE)[0]).unwrap();
        assert!(matches!(v.setting("minTlsVersion"), Lookup::Unknown(_)));
        assert!(matches!(v.setting("httpsOnly"), Lookup::Found(_)));
    }
}
