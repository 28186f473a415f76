//! The network half of the relationship index: private endpoint -> zone groups ->
//! private DNS zones (and back), zone -> virtual network links -> VNets, and VNet <->
//! peerings. VNets and zones are keyed by lower-cased resource id rather than by model
//! index, because the other end of a link or peering is often outside the scan (a hub
//! VNet, a central zone) and still has to compare equal to the same id elsewhere.
//! Built once, in time linear in the model.

use std::collections::HashMap;

use super::ids::{key, parent_id};
use super::{Lookup, Model, Reference, ResIdx};
use crate::value::{Node, Span, Value};

pub const ZONE_GROUP: &str = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups";
pub const DNS_ZONE: &str = "Microsoft.Network/privateDnsZones";
pub const ZONE_LINK: &str = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";
pub const VNET: &str = "Microsoft.Network/virtualNetworks";
pub const PEERING: &str = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";

/// A three-valued answer about the network: yes, no, or unknown with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Unknown(String),
}

/// Where a resource id leads, for the network index: the lower-cased id (whether or not
/// the resource is in the scan), or why the id cannot be known.
#[derive(Clone, Debug)]
pub enum IdRef {
    Key(String),
    Unknown(String),
}

/// One zone a zone group puts an endpoint's records in.
#[derive(Clone, Debug)]
pub struct ZoneUse {
    pub endpoint: ResIdx,
    pub group: ResIdx,
    /// The zone's id, or why it is unknown.
    pub zone: IdRef,
    /// The zone's name (the id's last segment), when the id is known.
    pub zone_name: Option<String>,
    /// The `privateDnsZoneId` value.
    pub span: Span,
}

/// A virtual network link of a private DNS zone.
#[derive(Clone, Debug)]
pub struct ZoneLink {
    pub link: ResIdx,
    pub vnet: IdRef,
}

/// A peering from one VNet to another.
#[derive(Clone, Debug)]
pub struct Peer {
    pub peering: ResIdx,
    pub remote: IdRef,
}

/// The network index.
#[derive(Debug, Default)]
pub struct Network {
    zones_by_endpoint: HashMap<ResIdx, Vec<ZoneUse>>,
    uses_by_zone: HashMap<String, Vec<ZoneUse>>,
    links_by_zone: HashMap<String, Vec<ZoneLink>>,
    peers_by_vnet: HashMap<String, Vec<Peer>>,
    /// Zone groups whose endpoint is not known (an unevaluated name), by document: an
    /// endpoint of that document without a zone group may still have one.
    orphan_groups: HashMap<u32, ResIdx>,
}

impl Network {
    pub(super) fn build(model: &Model) -> Network {
        let mut net = Network::default();
        for &g in model.of_type(ZONE_GROUP) {
            let Some(pe) = model.parent(g) else {
                net.orphan_groups.entry(model.res(g).unit).or_insert(g);
                continue;
            };
            for u in zone_uses(model, pe, g) {
                if let IdRef::Key(k) = &u.zone {
                    net.uses_by_zone.entry(k.clone()).or_default().push(u.clone());
                }
                net.zones_by_endpoint.entry(pe).or_default().push(u);
            }
        }
        for &l in model.of_type(ZONE_LINK) {
            let Some(zone) = parent_id(&model.res(l).key).map(key) else { continue };
            let vnet = id_ref(model, l, "properties.virtualNetwork");
            net.links_by_zone.entry(zone).or_default().push(ZoneLink { link: l, vnet });
        }
        for &p in model.of_type(PEERING) {
            let Some(local) = parent_id(&model.res(p).key).map(key) else { continue };
            let remote = id_ref(model, p, "properties.remoteVirtualNetwork");
            net.peers_by_vnet.entry(local).or_default().push(Peer { peering: p, remote });
        }
        net
    }

    /// The zones an endpoint's zone groups use.
    pub fn zones_of(&self, endpoint: ResIdx) -> &[ZoneUse] {
        self.zones_by_endpoint.get(&endpoint).map_or(&[], Vec::as_slice)
    }

    /// The zone groups (with their endpoints) that put records in the zone with this id.
    pub fn uses_of_zone(&self, zone_id: &str) -> &[ZoneUse] {
        self.uses_by_zone.get(&key(zone_id)).map_or(&[], Vec::as_slice)
    }

    /// The virtual network links of the zone with this id.
    pub fn links_of_zone(&self, zone_id: &str) -> &[ZoneLink] {
        self.links_by_zone.get(&key(zone_id)).map_or(&[], Vec::as_slice)
    }

    /// A zone group of document `unit` whose endpoint cannot be known.
    pub fn orphan_group(&self, unit: u32) -> Option<ResIdx> {
        self.orphan_groups.get(&unit).copied()
    }

    /// Whether the zone with id `zone_id` is linked to the VNet with id `vnet_id`.
    /// Unknown when a link's VNet cannot be known, or when the zone (in exported state)
    /// counts more links (`numberOfVirtualNetworkLinks`) than the scan holds.
    pub fn zone_linked(&self, model: &Model, zone_id: &str, vnet_id: &str) -> Tri {
        let want = key(vnet_id);
        let links = self.links_of_zone(zone_id);
        let mut unknown = None;
        for l in links {
            match &l.vnet {
                IdRef::Key(k) if *k == want => return Tri::Yes,
                IdRef::Unknown(why) => unknown = Some(why.clone()),
                IdRef::Key(_) => {}
            }
        }
        // Links from a copy loop whose count is not known: others may exist.
        if unknown.is_none()
            && let Some(why) = links.iter().find_map(|l| model.res(l.link).uncounted.clone())
        {
            unknown = Some(format!("the zone's links come from a loop: {why}"));
        }
        if let Some(why) = unknown {
            return Tri::Unknown(format!("a virtual network link's VNet cannot be determined: {why}"));
        }
        // A zone that a live read did not return may have the link.
        if links.is_empty()
            && let Some(u) =
                model.unread(zone_id).or_else(|| model.resolve_any(zone_id).and_then(|z| model.res(z).unread()))
        {
            return Tri::Unknown(format!("the zone's virtual network links cannot be determined: {}", u.detail));
        }
        if let Some(z) = model.resolve_any(zone_id)
            && let Lookup::Found(n) = model.res(z).get("properties.numberOfVirtualNetworkLinks", model)
            && n.value.as_i64().is_some_and(|count| count > links.len() as i64)
        {
            return Tri::Unknown(format!(
                "the zone has {} virtual network links but the scan holds {}",
                n.value.as_i64().unwrap_or_default(),
                links.len()
            ));
        }
        Tri::No
    }

    /// Whether traffic flows between the VNets with ids `a` and `b`: the same VNet, or
    /// peered in both directions (a peering is one-sided until its twin exists; an
    /// exported `peeringState` of `Connected` says so directly). Peering is not
    /// transitive, so only direct peerings count.
    pub fn vnets_connected(&self, model: &Model, a: &str, b: &str) -> Tri {
        let (a, b) = (key(a), key(b));
        if a == b {
            return Tri::Yes;
        }
        let mut unknown = None;
        let mut forward = Tri::No;
        let mut backward = Tri::No;
        for (from, to, out) in [(&a, &b, &mut forward), (&b, &a, &mut backward)] {
            // A VNet that a live read did not return may have the peering.
            if let Some(u) = model.resolve_any(from).and_then(|v| model.res(v).unread()) {
                *out = Tri::Unknown(format!(
                    "the peerings of VNet `{}` cannot be determined: {}",
                    shown(model, from),
                    u.detail
                ));
                continue;
            }
            for p in self.peers_by_vnet.get(from).map_or(&[][..], Vec::as_slice) {
                match &p.remote {
                    IdRef::Key(k) if k == to => *out = peering_state(model, p.peering),
                    // Names not known offline may make the remote VNet this one.
                    IdRef::Key(k) if super::ids::maybe_same_id(k, to) => {
                        unknown = Some(format!(
                            "the remote VNet `{}` of peering `{}` may be `{}`, depending on names not known offline",
                            shown(model, k),
                            model.res(p.peering).name,
                            shown(model, to)
                        ))
                    }
                    IdRef::Key(_) => {}
                    IdRef::Unknown(why) => {
                        unknown = Some(format!(
                            "the remote VNet of a peering of `{}` cannot be determined: {why}",
                            shown(model, from)
                        ))
                    }
                }
                if *out == Tri::Yes {
                    break;
                }
            }
        }
        match (&forward, &backward) {
            (Tri::Yes, Tri::Yes) => return Tri::Yes,
            (Tri::Yes, _) if exported_connected(model, &self.peers_by_vnet, &a, &b) => return Tri::Yes,
            (_, Tri::Yes) if exported_connected(model, &self.peers_by_vnet, &b, &a) => return Tri::Yes,
            _ => {}
        }
        // One side declared, the other VNet outside the scan: its peering may exist there.
        let one_sided = |have: &Tri, other: &str| *have == Tri::Yes && model.resolve_any(other).is_none();
        if one_sided(&forward, &b) || one_sided(&backward, &a) {
            return Tri::Unknown(format!(
                "only one side of the peering between VNets `{}` and `{}` is in the scanned configuration",
                shown(model, &a),
                shown(model, &b)
            ));
        }
        if let Tri::Unknown(why) = forward.clone() {
            return Tri::Unknown(why);
        }
        if let Tri::Unknown(why) = backward {
            return Tri::Unknown(why);
        }
        match unknown {
            Some(why) => Tri::Unknown(why),
            None => Tri::No,
        }
    }
}

/// `Yes` when the peering allows VNet access (absent means allowed), `No` when it is
/// switched off or exported as not connected.
fn peering_state(model: &Model, p: ResIdx) -> Tri {
    let r = model.res(p);
    match r.get("properties.allowVirtualNetworkAccess", model) {
        Lookup::Found(n) if n.value.as_bool() == Some(false) => return Tri::No,
        Lookup::Unknown(u) => {
            return Tri::Unknown(format!("`allowVirtualNetworkAccess` of peering `{}`: {}", r.name, u.detail));
        }
        _ => {}
    }
    match r.get("properties.peeringState", model) {
        Lookup::Found(n) if n.as_str().is_some_and(|s| !s.eq_ignore_ascii_case("Connected")) => Tri::No,
        _ => Tri::Yes,
    }
}

/// An exported peering from `a` to `b` whose `peeringState` is `Connected`: Azure has
/// already matched it with its twin.
fn exported_connected(model: &Model, peers: &HashMap<String, Vec<Peer>>, a: &str, b: &str) -> bool {
    peers.get(a).into_iter().flatten().any(|p| {
        matches!(&p.remote, IdRef::Key(k) if k == b)
            && model
                .res(p.peering)
                .get("properties.peeringState", model)
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("Connected"))
    })
}

fn id_ref(model: &Model, from: ResIdx, path: &str) -> IdRef {
    match model.follow(from, path) {
        Reference::Found(t, _) => IdRef::Key(model.res(t).key.to_string()),
        Reference::Missing(id, _) => IdRef::Key(key(&id)),
        Reference::Absent => IdRef::Unknown(format!("`{path}` is not set")),
        Reference::Unknown(u) => IdRef::Unknown(u.detail.clone()),
    }
}

fn zone_uses(model: &Model, pe: ResIdx, g: ResIdx) -> Vec<ZoneUse> {
    let group = model.res(g);
    let mut out = Vec::new();
    let configs = match group.get("properties.privateDnsZoneConfigs", model) {
        Lookup::Found(n) => n,
        Lookup::Absent => return out,
        Lookup::Unknown(u) => {
            out.push(ZoneUse {
                endpoint: pe,
                group: g,
                zone: IdRef::Unknown(u.detail.clone()),
                zone_name: None,
                span: u.span,
            });
            return out;
        }
    };
    for c in configs.value.as_array().unwrap_or_default() {
        let (zone, zone_name, span) = match c.path("properties.privateDnsZoneId").filter(|n| !n.value.is_null()) {
            Some(n) => match model.follow_node(g, n) {
                Reference::Found(z, id) => {
                    (IdRef::Key(model.res(z).key.to_string()), Some(model.res(z).name.clone()), id.span)
                }
                Reference::Missing(id, node) => (IdRef::Key(key(&id)), Some(last_segment(&id)), node.span),
                Reference::Unknown(u) => {
                    (IdRef::Unknown(u.detail.clone()), None, if u.span.is_none() { n.span } else { u.span })
                }
                Reference::Absent => continue,
            },
            None => match &c.value {
                Value::Unknown(u) => (IdRef::Unknown(u.detail.clone()), None, c.span),
                _ => continue,
            },
        };
        out.push(ZoneUse { endpoint: pe, group: g, zone, zone_name, span });
    }
    out
}

/// A VNet key as messages show it: the resource's name, or the key made readable.
fn shown(model: &Model, k: &str) -> String {
    match model.resolve_any(k) {
        Some(r) => model.res(r).name.clone(),
        None => last_segment(&super::ids::humanize(k)),
    }
}

fn last_segment(id: &str) -> String {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id).to_string()
}

/// The id of the VNet a subnet id belongs to.
pub fn vnet_of_subnet(subnet_id: &str) -> Option<String> {
    parent_id(subnet_id).map(str::to_string)
}

/// The id string a node holds (a string, or an object with `id`).
pub fn id_text(n: &Node) -> Option<&str> {
    n.as_str().or_else(|| n.get("id").and_then(Node::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::raw;
    use crate::model::{Model, Unit};

    const SCOPE: &str = "/subscriptions/s/resourceGroups/rg";

    fn vnet_id(name: &str) -> String {
        format!("{SCOPE}/providers/Microsoft.Network/virtualNetworks/{name}")
    }

    fn vnet(name: &str, peers: &[&str]) -> crate::model::RawResource {
        let peerings: Vec<_> = peers
            .iter()
            .map(|p| serde_json::json!({"name": format!("to-{p}"), "properties": {"remoteVirtualNetwork": {"id": vnet_id(p)}}}))
            .collect();
        raw(VNET, name, serde_json::json!({"virtualNetworkPeerings": peerings}))
    }

    fn model(raws: Vec<crate::model::RawResource>) -> Model {
        Model::build(vec![Unit { raws, scope: SCOPE.into(), ..Default::default() }])
    }

    #[test]
    fn peering_needs_both_directions_when_both_vnets_are_scanned() {
        let m = model(vec![vnet("a", &["b"]), vnet("b", &[])]);
        assert_eq!(m.relations.network.vnets_connected(&m, &vnet_id("a"), &vnet_id("b")), Tri::No);
        let m = model(vec![vnet("a", &["b"]), vnet("b", &["a"])]);
        assert_eq!(m.relations.network.vnets_connected(&m, &vnet_id("b"), &vnet_id("A")), Tri::Yes);
        assert_eq!(m.relations.network.vnets_connected(&m, &vnet_id("a"), &vnet_id("a")), Tri::Yes);
    }

    #[test]
    fn one_sided_peering_to_a_vnet_outside_the_scan_is_unknown() {
        let m = model(vec![vnet("a", &["hub"])]);
        assert!(matches!(m.relations.network.vnets_connected(&m, &vnet_id("a"), &vnet_id("hub")), Tri::Unknown(_)));
        assert_eq!(m.relations.network.vnets_connected(&m, &vnet_id("a"), &vnet_id("other")), Tri::No);
    }

    #[test]
    fn zone_links_compare_vnet_ids_ignoring_case() {
        let zone = raw(DNS_ZONE, "privatelink.vaultcore.azure.net", serde_json::json!({}));
        let link = raw(
            ZONE_LINK,
            "privatelink.vaultcore.azure.net/l",
            serde_json::json!({"virtualNetwork": {"id": vnet_id("HUB")}}),
        );
        let m = model(vec![zone, link]);
        let zid = format!("{SCOPE}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net");
        assert_eq!(m.relations.network.zone_linked(&m, &zid, &vnet_id("hub")), Tri::Yes);
        assert_eq!(m.relations.network.zone_linked(&m, &zid, &vnet_id("spoke")), Tri::No);
    }
}
