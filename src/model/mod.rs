//! The resource model: every input (template, export, live read) becomes the same
//! [`Resource`]s, indexed once by case-insensitive id and type, with parent/child links,
//! typed site views and the relationship queries the rules use.

pub mod access;
pub mod auth;
pub mod ids;
pub mod ingest;
pub mod lookup;
pub mod network;
pub mod nsg;
pub mod relations;
pub mod roles;
pub mod secrets;
pub mod site;

use std::collections::HashMap;

use ids::{compose_id, key, parent_id, parse_id};
pub use ingest::{OriginKind, RawResource};
pub use lookup::{Lookup, lookup};
pub use site::SiteView;

use crate::value::{FileId, Node, Span, Str, Unknown, UnknownCause, Value};

/// Index of a resource in [`Model::resources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResIdx(pub u32);

/// One resource, whatever it was read from.
#[derive(Debug)]
pub struct Resource {
    /// Resource id as written or computed (display form).
    pub id: Str,
    /// Lower-cased id, the index key (shared with the index).
    pub key: Str,
    /// Full type, `Microsoft.Network/virtualNetworks/subnets` (one allocation per type).
    pub type_: Str,
    pub type_key: Str,
    /// Full name, `vnet/subnet`; for a symbolic name, its expression
    /// (`[parameters('vnetName')]/subnet`).
    pub name: String,
    /// The full name as names are compared (lower case; for a symbolic name its
    /// canonical form): what host names and name references match.
    pub name_key: String,
    /// The resource object (`properties`, `sku`, `tags`, ...).
    pub node: Node,
    pub file: FileId,
    /// JSON pointer of the declaring object in `file`.
    pub pointer: String,
    pub kind: OriginKind,
    pub inventory_only: bool,
    pub existing: bool,
    /// Stands for a document a live read did not return (see [`ingest::live_export`]).
    pub placeholder: bool,
    /// Not declared or exported itself, only implied by a child (a site by its
    /// `config/web`): known by its id alone.
    pub implied: bool,
    /// Why the number of resources this one stands for is not known (a template copy
    /// loop whose count is not known offline): rules about a set of resources (overlaps,
    /// counts) are undetermined where it is in the set.
    pub uncounted: Option<String>,
    /// The document (deployment or export) the resource belongs to.
    pub unit: u32,
    /// For an inline child (a VNet's `subnets` entry), the resource that declares it:
    /// its parent even when two declarations share an id (placeholder parameters).
    declared_in: Option<u32>,
}

impl Resource {
    /// Reads a property path relative to the resource object (`properties.httpsOnly`).
    /// A placeholder of a read that did not happen knows only its id, type and name.
    pub fn get<'a>(&'a self, path: &str, model: &'a Model) -> Lookup<'a> {
        if self.inventory_only && !is_inventory_field(path) {
            return Lookup::Unknown(&model.inventory_unknown);
        }
        if self.implied && !is_identity_field(path) {
            if self.key.ends_with(UNIDENTIFIED_PARENT) {
                return Lookup::Unknown(&model.unidentified_parent_unknown);
            }
            return Lookup::Unknown(&model.implied_unknown);
        }
        if let Some(u) = self.unread()
            && !is_identity_field(path)
        {
            return Lookup::Unknown(u);
        }
        lookup(&self.node, path)
    }

    /// For a placeholder, why its document was not read.
    pub fn unread(&self) -> Option<&Unknown> {
        if !self.placeholder {
            return None;
        }
        self.node.get("properties").and_then(|p| p.value.as_unknown())
    }

    /// Span of the `type` member's value: where a finding about a missing property points.
    pub fn type_span(&self) -> Span {
        // Inline children (a VNet's `subnets` entries) have no `type`: point at the name.
        self.node.get("type").or_else(|| self.node.get("name")).map_or(self.node.span, |n| n.span)
    }

    /// The last segment of the full name.
    pub fn leaf_name(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }

    pub fn is_type(&self, ty: &str) -> bool {
        self.type_.eq_ignore_ascii_case(ty)
    }
}

/// Fields a placeholder knows.
fn is_identity_field(path: &str) -> bool {
    let first = path.split('.').next().unwrap_or_default();
    ["id", "name", "type"].iter().any(|f| f.eq_ignore_ascii_case(first))
}

/// Fields `az resource list` does carry.
fn is_inventory_field(path: &str) -> bool {
    let first = path.split('.').next().unwrap_or_default();
    ["id", "name", "type", "kind", "location", "sku", "tags", "identity"].iter().any(|f| f.eq_ignore_ascii_case(first))
}

/// The resources of one document or deployment, and the scope ids are composed in.
#[derive(Debug, Default)]
pub struct Unit {
    pub raws: Vec<RawResource>,
    /// `/subscriptions/{s}/resourceGroups/{rg}` for resources that come without an id.
    pub scope: String,
    /// Lower-cased scopes whose inventory a live read could not list, with why: a
    /// resource there that is not in the model may exist.
    pub unread_scopes: Vec<(String, Unknown)>,
    /// The deployment unit's key prefix ([`unit_prefix`]): templates of different units
    /// never meet (two fixtures both declaring `api-backend` are two sites); empty for
    /// deployed state, which every unit sees.
    pub prefix: String,
}

/// Opens and closes the unit part of a key (private-use characters no id contains).
pub const UNIT_MARK: char = '\u{E004}';

/// The key prefix of deployment unit `name` (an entry template's number, or a group of
/// `azlint.toml`).
pub fn unit_prefix(name: &str) -> String {
    format!("{UNIT_MARK}{name}{UNIT_MARK}")
}

/// Inline arrays that Azure also exposes as child resources: the same thing either way.
const INLINE_CHILDREN: &[(&str, &str, &str)] = &[
    ("Microsoft.Network/virtualNetworks", "subnets", "subnets"),
    ("Microsoft.Network/virtualNetworks", "virtualNetworkPeerings", "virtualNetworkPeerings"),
    ("Microsoft.Network/networkSecurityGroups", "securityRules", "securityRules"),
];

/// All resources of a scan, indexed.
#[derive(Debug)]
pub struct Model {
    pub resources: Vec<Resource>,
    by_key: HashMap<Str, Vec<ResIdx>>,
    by_type: HashMap<Str, Vec<ResIdx>>,
    parent: Vec<Option<ResIdx>>,
    children: Vec<Vec<ResIdx>>,
    sites: HashMap<ResIdx, site::SiteData>,
    /// The relationship index.
    pub relations: relations::Relations,
    roles: HashMap<ResIdx, roles::RoleInfo>,
    /// Sites the config file says validate tokens in code (`roles.app-auth-in-code`).
    auth_in_code: std::collections::HashSet<ResIdx>,
    /// Shared reason for properties an inventory-only export lacks.
    pub inventory_unknown: Unknown,
    /// Shared reason for site configuration a live read leaves empty.
    pub site_config_unknown: Unknown,
    /// Shared reason for the properties of a resource only its child names.
    pub implied_unknown: Unknown,
    /// Why a site implied by a `config` child whose name is unknown offline knows only
    /// what the child sets.
    pub unidentified_parent_unknown: Unknown,
    /// Sites and slots whose role cannot be known, with why (see [`roles`]).
    role_unknown: HashMap<ResIdx, String>,
    /// Lower-cased scopes whose inventory was not read, with why.
    unread_scopes: Vec<(String, Unknown)>,
    /// The resources with a symbolic name, by type (lower case): a known id of such a
    /// type that matches nothing may still name one of them.
    symbolic_types: HashMap<String, Vec<ResIdx>>,
    /// The reason given for such an id.
    maybe_unknown: Unknown,
    /// Each unit's key prefix, by unit number.
    prefixes: Vec<String>,
    /// `languageVersion` 2.0 symbolic names (lower case), by unit and declaring file.
    by_symbol: HashMap<(u32, FileId, String), Vec<ResIdx>>,
}

/// The lower-cased full type of an id, for [`Model::symbolic_types`].
fn id_type_key(id: &str) -> String {
    parse_id(id).map(|p| p.full_type.to_ascii_lowercase()).unwrap_or_default()
}

impl Model {
    /// Builds the model and its index in time linear in the number of resources.
    pub fn build(units: Vec<Unit>) -> Model {
        let mut resources = Vec::new();
        let mut unread_scopes = Vec::new();
        let mut prefixes = Vec::with_capacity(units.len());
        let mut types = Interned::default();
        let mut by_symbol: HashMap<(u32, FileId, String), Vec<ResIdx>> = HashMap::new();
        for (u, unit) in units.into_iter().enumerate() {
            for raw in unit.raws {
                if let Some(symbol) = &raw.symbol {
                    let at = ResIdx(resources.len() as u32);
                    by_symbol.entry((u as u32, raw.file, symbol.to_ascii_lowercase())).or_default().push(at);
                }
                push_with_inline_children(&mut resources, raw, &unit.scope, u as u32, &unit.prefix, &mut types);
            }
            unread_scopes.extend(unit.unread_scopes);
            prefixes.push(unit.prefix);
        }
        imply_config_parents(&mut resources);
        let mut by_key: HashMap<Str, Vec<ResIdx>> = HashMap::with_capacity(resources.len());
        let mut by_type: HashMap<Str, Vec<ResIdx>> = HashMap::new();
        let mut symbolic_types: HashMap<String, Vec<ResIdx>> = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            by_key.entry(r.key.clone()).or_default().push(ResIdx(i as u32));
            by_type.entry(r.type_key.clone()).or_default().push(ResIdx(i as u32));
            if r.key.contains(crate::value::SYMBOL_OPEN) {
                symbolic_types.entry(r.type_key.to_string()).or_default().push(ResIdx(i as u32));
            }
        }
        let mut model = Model {
            parent: vec![None; resources.len()],
            children: vec![Vec::new(); resources.len()],
            resources,
            by_key,
            by_type,
            sites: HashMap::new(),
            by_symbol,
            relations: Default::default(),
            roles: HashMap::new(),
            auth_in_code: Default::default(),
            inventory_unknown: Unknown::new(
                UnknownCause::NotExported,
                "the export lists this resource without its properties (`az resource list`); export with `az resource show` or Resource Graph",
                Span::NONE,
            ),
            site_config_unknown: Unknown::new(
                UnknownCause::NotExported,
                "the export has no `config/web` for this site, and live reads of a site leave `siteConfig` empty",
                Span::NONE,
            ),
            implied_unknown: Unknown::new(
                UnknownCause::NotExported,
                "the site itself is not in the scanned configuration, only its `config` or publishing-policy children; scan the template or export that declares the site",
                Span::NONE,
            ),
            unidentified_parent_unknown: Unknown::new(
                UnknownCause::Parameter,
                "the site of this `config` child cannot be identified offline (its name is not known), so only what the child sets is known",
                Span::NONE,
            ),
            role_unknown: HashMap::new(),
            unread_scopes,
            symbolic_types,
            prefixes,
            maybe_unknown: Unknown::new(
                UnknownCause::Parameter,
                "no resource of the scan has this id, and one whose name is not known offline may be the one meant",
                Span::NONE,
            ),
        };
        for i in 0..model.resources.len() {
            let idx = ResIdx(i as u32);
            let r = &model.resources[i];
            let by_id = || parent_id(&r.key).and_then(|pid| model.resolve(idx, pid));
            // A child declared under an `existing` stub (`parent: existingSite`) belongs to
            // the resource the stub names when the scan declares it too.
            let parent = match r.declared_in.map(ResIdx) {
                Some(d) if model.resources[d.0 as usize].existing => {
                    by_id().filter(|p| !model.resources[p.0 as usize].existing).or(Some(d))
                }
                Some(d) => Some(d),
                None => by_id(),
            };
            if let Some(p) = parent
                && p != idx
            {
                model.parent[i] = Some(p);
                model.children[p.0 as usize].push(idx);
            }
        }
        model.sites = site::build_site_data(&model);
        model.relations = relations::Relations::build(&model);
        (model.roles, model.role_unknown) = roles::build(&model, &model.relations);
        model
    }

    /// Applies the config file's role globs (resource names): a `frontends` match
    /// overrides every other evidence, a `backends` match applies where no tag decided.
    pub fn apply_role_globs(&mut self, backends: &[String], frontends: &[String], auth_in_code: &[String]) {
        let compile = |gs: &[String]| -> Vec<(globset::GlobMatcher, String)> {
            gs.iter()
                .filter_map(|g| {
                    globset::Glob::new(&g.to_ascii_lowercase()).ok().map(|m| (m.compile_matcher(), g.clone()))
                })
                .collect()
        };
        let (back, front, in_code) = (compile(backends), compile(frontends), compile(auth_in_code));
        if back.is_empty() && front.is_empty() && in_code.is_empty() {
            return;
        }
        let sites: Vec<ResIdx> = self.of_type(site::SITE).iter().chain(self.of_type(site::SLOT)).copied().collect();
        for s in sites {
            let name = self.res(s).name.to_ascii_lowercase();
            if in_code.iter().any(|(m, _)| m.is_match(&name)) {
                self.auth_in_code.insert(s);
            }
            let tagged = self.roles.get(&s).is_some_and(|r| r.evidence.starts_with("is tagged"));
            if let Some((_, g)) = front.iter().find(|(m, _)| m.is_match(&name)) {
                let evidence = format!("matches the `frontends` glob `{g}` in azlint.toml");
                self.roles.insert(s, roles::RoleInfo { role: roles::Role::Frontend, evidence });
                self.role_unknown.remove(&s);
            } else if !tagged && let Some((_, g)) = back.iter().find(|(m, _)| m.is_match(&name)) {
                let evidence = format!("matches the `backends` glob `{g}` in azlint.toml");
                self.roles.insert(s, roles::RoleInfo { role: roles::Role::Backend, evidence });
                self.role_unknown.remove(&s);
            }
        }
    }

    /// Whether the config file says this site validates tokens in code.
    pub fn auth_in_code(&self, idx: ResIdx) -> bool {
        self.auth_in_code.contains(&idx)
    }

    /// The role of a site or slot, with its evidence.
    pub fn role(&self, idx: ResIdx) -> Option<&roles::RoleInfo> {
        self.roles.get(&idx)
    }

    /// Why the role of a site or slot without evidence cannot be known: a read that
    /// did not happen may hold the evidence (a caller's app settings, its own access
    /// restrictions). `None` when the role is known, or known to be none.
    pub fn role_unknown(&self, idx: ResIdx) -> Option<&str> {
        self.role_unknown.get(&idx).map(String::as_str)
    }

    /// Whether a site or slot is a back-end: yes with the evidence, no, or unknown.
    pub fn backend(&self, idx: ResIdx) -> roles::Backend<'_> {
        match (self.roles.get(&idx), self.role_unknown(idx)) {
            (Some(r), _) if r.role == roles::Role::Backend => roles::Backend::Yes(r),
            (None, Some(why)) => roles::Backend::Unknown(why),
            _ => roles::Backend::No,
        }
    }

    /// Why a resource that is not in the model may still exist: a live read that would
    /// have listed it did not happen (its parent's collection, its parent's own document,
    /// or the inventory of its scope). `None` when the resource is in the model or
    /// nothing says it was missed.
    pub fn unread(&self, id: &str) -> Option<&Unknown> {
        if self.resolve_any(id).is_some() {
            return None;
        }
        let mut cur = id.trim_end_matches('/');
        while let Some(parent) = parent_id(cur) {
            if let Some(leaf) = parse_id(cur).and_then(|p| p.full_type.rsplit('/').next().map(str::to_string)) {
                let probe = format!("{}/{}/?unread", key(parent), leaf.to_ascii_lowercase());
                if let Some(u) = self.resolve_any(&probe).and_then(|r| self.res(r).unread()) {
                    return Some(u);
                }
            }
            if let Some(p) = self.resolve_any(parent) {
                return self.res(p).unread();
            }
            cur = parent;
        }
        let k = key(id);
        self.unread_scopes
            .iter()
            .find(|(scope, _)| k == *scope || k.strip_prefix(scope.as_str()).is_some_and(|r| r.starts_with('/')))
            .map(|(_, u)| u)
    }

    /// The scopes whose inventory was not read, with why.
    pub fn unread_scopes(&self) -> &[(String, Unknown)] {
        &self.unread_scopes
    }

    pub fn res(&self, idx: ResIdx) -> &Resource {
        &self.resources[idx.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// Resources of a type (case-insensitive), in input order.
    pub fn of_type(&self, ty: &str) -> &[ResIdx] {
        self.by_type.get(ty.to_ascii_lowercase().as_str()).map_or(&[], Vec::as_slice)
    }

    pub fn parent(&self, idx: ResIdx) -> Option<ResIdx> {
        self.parent[idx.0 as usize]
    }

    pub fn children(&self, idx: ResIdx) -> &[ResIdx] {
        &self.children[idx.0 as usize]
    }

    /// Children of `idx` of the given full type.
    pub fn children_of_type<'a>(&'a self, idx: ResIdx, ty: &'a str) -> impl Iterator<Item = ResIdx> + 'a {
        self.children(idx).iter().copied().filter(move |c| self.res(*c).is_type(ty))
    }

    /// Finds the resource an id refers to, as seen from resource `from`: a resource of the
    /// same document first (two templates may declare the same id with the default
    /// deployment context), then deployed state, then any other document; a declaration
    /// rather than an `existing` stub of it.
    pub fn resolve(&self, from: ResIdx, id: &str) -> Option<ResIdx> {
        let k = key(id);
        // A key already in a unit (read off a resource) is looked up as it is; an id from a
        // property is looked up in the referring resource's unit, then in deployed state.
        let own = if k.starts_with(UNIT_MARK) {
            None
        } else {
            self.by_key.get(format!("{}{k}", self.prefix_of(from)).as_str())
        };
        let cands = own.or_else(|| self.by_key.get(k.as_str()))?;
        let unit = self.res(from).unit;
        let same_unit = |c: &&ResIdx| self.res(**c).unit == unit;
        // An `existing` declaration names a resource deployed elsewhere: the resource
        // itself (declared in the same unit, or read from deployed state) holds its
        // settings, the stub none.
        let declared = |c: &&ResIdx| !self.res(**c).existing;
        cands
            .iter()
            .rev()
            .find(|c| same_unit(c) && declared(c))
            .or_else(|| cands.iter().find(|c| self.res(**c).kind == OriginKind::State))
            .or_else(|| cands.iter().rev().find(same_unit))
            .or_else(|| cands.iter().find(declared))
            .or_else(|| cands.first())
            .copied()
    }

    /// The resource a `languageVersion` 2.0 symbolic name (`reference('frontend')`) names,
    /// as written in the file that declares `from`: `None` when no resource or several (a
    /// module deployed twice) have it.
    pub fn by_symbol(&self, from: ResIdx, symbol: &str) -> Option<ResIdx> {
        let r = self.res(from);
        match self.by_symbol.get(&(r.unit, r.file, symbol.to_ascii_lowercase()))?.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The sites an unknown value's detail reads `property` of (lower case):
    /// `reference(<target>…).<property>` or `….properties.<property>`, as the expander
    /// describes a runtime value. The target is an id, a name of a site of `from`'s unit, a
    /// 2.0 symbolic name (`reference('frontend')`), or a name built from symbols.
    pub fn sites_read_in(&self, from: ResIdx, detail: &str, property: &str) -> Vec<ResIdx> {
        let lower = detail.to_ascii_lowercase();
        let mut out = Vec::new();
        for (at, _) in lower.match_indices("reference(") {
            let start = at + "reference(".len();
            let target = match detail[start..].strip_prefix('\'') {
                Some(rest) => rest.find('\'').map(|end| &rest[..end]),
                None => detail[start..]
                    .find(").")
                    .or_else(|| detail[start..].find(", '"))
                    .map(|end| &detail[start..start + end]),
            };
            let Some(target) = target else { continue };
            // The property read right after the call (`reference(x, '…', 'Full').properties.p`).
            let after = &lower[start + target.len()..];
            let Some(close) = after.find(')') else { continue };
            let chain = after[close + 1..].strip_prefix(".properties").unwrap_or(&after[close + 1..]);
            if !chain.strip_prefix('.').is_some_and(|c| c.starts_with(property)) {
                continue;
            }
            let is_site = |t: &ResIdx| self.site(*t).is_some();
            let unit = self.res(from).unit;
            let site = self.resolve(from, target).filter(is_site).or_else(|| {
                self.of_type(site::SITE)
                    .iter()
                    .copied()
                    .filter(|s| self.res(*s).unit == unit)
                    .find(|s| {
                        self.res(*s).name.eq_ignore_ascii_case(target) || self.res(*s).id.eq_ignore_ascii_case(target)
                    })
                    .or_else(|| self.by_symbol(from, target).filter(is_site))
            });
            out.extend(site);
        }
        out
    }

    /// The key prefix of the deployment unit `r` belongs to (empty for deployed state).
    pub fn prefix_of(&self, r: ResIdx) -> &str {
        self.prefixes.get(self.res(r).unit as usize).map_or("", String::as_str)
    }

    /// The key of an id value: a known id's, or a symbolic id's canonical form; `None`
    /// when it is neither.
    pub fn id_key(n: &Node) -> Option<String> {
        match &n.value {
            Value::String(s) if !s.is_empty() => Some(key(s)),
            Value::Unknown(u) => u.canonical().map(|c| key(&c)),
            _ => None,
        }
    }

    /// Finds the resource an id refers to without a viewpoint (the first declaration).
    pub fn resolve_any(&self, id: &str) -> Option<ResIdx> {
        self.by_key.get(key(id).as_str())?.first().copied()
    }

    /// Resolves the id found at `path` of resource `from`.
    pub fn follow(&self, from: ResIdx, path: &str) -> Reference<'_> {
        match self.res(from).get(path, self) {
            Lookup::Absent => Reference::Absent,
            // A symbolic id may still name a resource of the scan.
            Lookup::Unknown(u) => match (u.canonical(), self.res(from).node.path(path)) {
                (Some(_), Some(n)) => self.follow_node(from, n),
                _ => Reference::Unknown(u),
            },
            Lookup::Found(n) => self.follow_node(from, n),
        }
    }

    /// Resolves an id value (a string node, or an object with an `id` member).
    pub fn follow_node<'a>(&'a self, from: ResIdx, n: &'a Node) -> Reference<'a> {
        let id_node = match &n.value {
            Value::Object(_) => match n.get("id") {
                Some(x) => x,
                None => return Reference::Absent,
            },
            _ => n,
        };
        match &id_node.value {
            Value::String(s) if s.is_empty() => Reference::Absent,
            Value::String(s) => match self.resolve(from, s) {
                Some(t) => Reference::Found(t, id_node),
                // A resource with a symbolic name may be the one meant.
                None if self.may_name_one(from, &key(s)) => Reference::Unknown(&self.maybe_unknown),
                None => Reference::Missing(s.clone(), id_node),
            },
            // The same expression names the same resource. A symbolic id that names no
            // resource of the scan but may name one cannot be identified (the rules that
            // need it say so); one that can name none (a literal subnet of a VNet
            // identified by its symbol, which has no such subnet) is missing.
            Value::Unknown(u) => match u.canonical() {
                Some(c) => match self.resolve(from, &c) {
                    Some(t) => Reference::Found(t, id_node),
                    None if self.may_name_one(from, &key(&c)) => Reference::Unknown(u),
                    None => Reference::Missing(u.display().into(), id_node),
                },
                None => Reference::Unknown(u),
            },
            _ => Reference::Absent,
        }
    }

    /// Whether some resource of the scan may be the one `k` (a key that names none
    /// exactly) names, depending on symbols: only resources of its type, and only where
    /// a symbol is involved, so scans without symbols pay nothing.
    pub fn may_name_one(&self, from: ResIdx, k: &str) -> bool {
        let ty = id_type_key(k);
        let symbolic = k.contains(crate::value::SYMBOL_OPEN);
        if ty.is_empty() {
            // A symbol standing for a whole id may be any resource; a malformed known id
            // names none.
            return symbolic;
        }
        // As `resolve` looks: in the referring resource's unit, and in deployed state; a
        // known id can only be a symbolic resource, a symbolic id any resource.
        let prefix = self.prefix_of(from);
        let own = format!("{prefix}{k}");
        let candidates =
            if symbolic { self.of_type(&ty) } else { self.symbolic_types.get(&ty).map_or(&[][..], Vec::as_slice) };
        candidates.iter().any(|&r| {
            let rk = &self.res(r).key;
            let visible = if rk.starts_with(UNIT_MARK) { !prefix.is_empty() && rk.starts_with(prefix) } else { true };
            visible && (ids::maybe_same(&own, rk) || ids::maybe_same(k, rk))
        })
    }

    /// The typed view of a site or slot.
    pub fn site(&self, idx: ResIdx) -> Option<SiteView<'_>> {
        self.sites.get(&idx).map(|data| SiteView { model: self, idx, data })
    }
}

/// Where an id leads.
#[derive(Clone, Debug)]
pub enum Reference<'a> {
    /// To a resource in the model; the node is the id value.
    Found(ResIdx, &'a Node),
    /// To an id that is not in what was scanned.
    Missing(Str, &'a Node),
    /// The id is not set.
    Absent,
    /// The id cannot be known offline.
    Unknown(&'a Unknown),
}

/// A `sites/config` document read without its site (`az webapp config show`, a Resource
/// Graph `config/web` row) still describes that site: add the site, known only by id,
/// so its settings are evaluated and everything else about it stays undetermined.
fn imply_config_parents(resources: &mut Vec<Resource>) {
    let known: std::collections::HashSet<Str> = resources.iter().map(|r| r.key.clone()).collect();
    let mut added = std::collections::HashSet::new();
    let mut implied = Vec::new();
    let mut adopted = Vec::new();
    let base = resources.len();
    for (i, r) in resources.iter().enumerate() {
        let lower = r.type_key.as_str();
        let parent_type = match lower {
            "microsoft.web/sites/config" | "microsoft.web/sites/basicpublishingcredentialspolicies" => {
                "Microsoft.Web/sites"
            }
            "microsoft.web/sites/slots/config" | "microsoft.web/sites/slots/basicpublishingcredentialspolicies" => {
                "Microsoft.Web/sites/slots"
            }
            _ => continue,
        };
        let (pid, pkey, adopt) = match (parent_id(&r.id), parent_id(&r.key).map(key)) {
            (Some(pid), Some(pkey)) => (Str::from(pid), pkey, None),
            // A name unknown offline as a whole (`reference(…).name`): the child's site
            // cannot be identified, yet its settings are checked on a site of its own.
            _ => {
                let pkey = format!("{}{UNIDENTIFIED_PARENT}", r.key);
                (r.id.clone(), pkey, Some(i))
            }
        };
        if known.contains(pkey.as_str()) || !added.insert(pkey.clone()) {
            continue;
        }
        if let Some(child) = adopt {
            adopted.push((child, base + implied.len()));
        }
        let name = r.name.rsplit_once('/').map_or(r.name.as_str(), |(p, _)| p).to_string();
        let name_key = r.name_key.rsplit_once('/').map_or(r.name_key.as_str(), |(p, _)| p).to_string();
        let span = r.node.get("type").map_or(r.node.span, |n| n.span);
        let mut o = crate::value::Object::new();
        o.insert("id", Node::new(Value::str(pid.as_str()), span));
        o.insert("type", Node::new(Value::str(parent_type), span));
        o.insert("name", Node::new(Value::str(name.as_str()), span));
        implied.push(Resource {
            id: pid,
            key: pkey.into(),
            type_: Str::from(parent_type),
            type_key: Str::from(parent_type.to_ascii_lowercase()),
            name,
            name_key,
            node: Node::new(Value::object(o), span),
            file: r.file,
            pointer: r.pointer.clone(),
            kind: OriginKind::State,
            inventory_only: false,
            existing: false,
            placeholder: false,
            implied: true,
            uncounted: r.uncounted.clone(),
            unit: r.unit,
            declared_in: None,
        });
    }
    resources.extend(implied);
    for (child, parent) in adopted {
        resources[child].declared_in = Some(parent as u32);
    }
}

/// Ends the key of a site implied by a `config` child whose own name cannot be split
/// into the site's and its own: no id has it.
const UNIDENTIFIED_PARENT: &str = "\u{E005}parent";

/// One shared string per distinct text (resource types: a few dozen for a tenant).
#[derive(Default)]
struct Interned(HashMap<String, Str>);

impl Interned {
    fn get(&mut self, s: &str) -> Str {
        if let Some(x) = self.0.get(s) {
            return x.clone();
        }
        let x = Str::from(s);
        self.0.insert(s.to_string(), x.clone());
        x
    }
}

fn push_with_inline_children(
    out: &mut Vec<Resource>,
    raw: RawResource,
    scope: &str,
    unit: u32,
    prefix: &str,
    types: &mut Interned,
) {
    let id =
        raw.id.clone().or_else(|| compose_id(scope, &raw.full_type, &raw.full_name).map(Str::from)).unwrap_or_else(
            || {
                // A name with the wrong number of segments for its type: keep it addressable.
                Str::from(format!("{scope}/providers/{}/{}", raw.full_type, raw.full_name))
            },
        );
    let (own_key, name_key) = match &raw.symbolic {
        Some((id_key, name_key)) => (key(id_key), key(name_key)),
        None => (key(&id), raw.full_name.to_ascii_lowercase()),
    };
    let own_key = format!("{prefix}{own_key}");
    // (type, display name, name key, node, pointer): a symbolic name keys by its canonical
    // form, a name unknown without a symbol by its place (nothing can refer to it).
    let inline: Vec<(String, String, String, Node, String)> = INLINE_CHILDREN
        .iter()
        .filter(|(ty, _, _)| raw.full_type.eq_ignore_ascii_case(ty))
        .flat_map(|(ty, prop, child)| {
            let arr = raw.node.path(&format!("properties.{prop}")).and_then(|n| n.value.as_array()).unwrap_or_default();
            let pointer = raw.pointer.clone();
            arr.iter().enumerate().filter_map(move |(i, item)| {
                let (shown, name_key) = match &item.get("name")?.value {
                    Value::String(s) => (s.to_string(), s.to_ascii_lowercase()),
                    Value::Unknown(u) => (
                        u.display(),
                        key(&u.canonical().unwrap_or_else(|| {
                            let at = format!("{}{pointer}/properties/{prop}/{i}", raw.file.0).replace('/', "\u{2215}");
                            format!("{}?{at}{}", crate::value::SYMBOL_OPEN, crate::value::SYMBOL_CLOSE)
                        })),
                    ),
                    _ => return None,
                };
                Some((format!("{ty}/{child}"), shown, name_key, item.clone(), format!("/properties/{prop}/{i}")))
            })
        })
        .collect();
    let parent_name = raw.full_name.clone();
    let parent_id = id.clone();
    let (parent_key, parent_name_key) = (own_key.clone(), name_key.clone());
    let parent_index = out.len() as u32;
    out.push(Resource {
        key: own_key.into(),
        id,
        type_key: types.get(&raw.full_type.to_ascii_lowercase()),
        type_: types.get(&raw.full_type),
        name: raw.full_name,
        name_key,
        node: raw.node,
        file: raw.file,
        pointer: raw.pointer.clone(),
        kind: raw.kind,
        inventory_only: raw.inventory_only,
        existing: raw.existing,
        placeholder: raw.placeholder,
        implied: false,
        uncounted: raw.uncounted.clone(),
        unit,
        declared_in: None,
    });
    for (ty, name, child_key, node, sub_pointer) in inline {
        let leaf_type = ty.rsplit('/').next().unwrap_or_default();
        let id = format!("{parent_id}/{leaf_type}/{name}");
        out.push(Resource {
            key: format!("{parent_key}/{}/{child_key}", leaf_type.to_ascii_lowercase()).into(),
            id: id.into(),
            type_key: types.get(&ty.to_ascii_lowercase()),
            type_: types.get(&ty),
            name: format!("{parent_name}/{name}"),
            name_key: format!("{parent_name_key}/{child_key}"),
            node,
            file: raw.file,
            pointer: format!("{}{sub_pointer}", raw.pointer),
            kind: raw.kind,
            inventory_only: false,
            existing: raw.existing,
            placeholder: false,
            implied: false,
            uncounted: raw.uncounted.clone(),
            unit,
            declared_in: Some(parent_index),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn raw(ty: &str, name: &str, props: serde_json::Value) -> RawResource {
        let node = Node::bare(Value::from_json(&serde_json::json!({"type": ty, "name": name, "properties": props})));
        RawResource {
            node,
            id: None,
            full_type: ty.into(),
            full_name: name.into(),
            file: FileId(0),
            pointer: String::new(),
            kind: OriginKind::Template,
            inventory_only: false,
            existing: false,
            placeholder: false,
            symbolic: None,
            symbol: None,
            uncounted: None,
        }
    }

    #[test]
    fn inline_subnets_are_resources_with_parents() {
        let vnet = raw(
            "Microsoft.Network/virtualNetworks",
            "vnet",
            serde_json::json!({"subnets": [{"name": "a", "properties": {}}]}),
        );
        let m = Model::build(vec![Unit {
            raws: vec![vnet],
            scope: "/subscriptions/s/resourceGroups/rg".into(),
            ..Default::default()
        }]);
        let subnets = m.of_type("microsoft.network/virtualnetworks/SUBNETS");
        assert_eq!(subnets.len(), 1);
        let s = m.res(subnets[0]);
        assert_eq!(s.name, "vnet/a");
        assert_eq!(s.pointer, "/properties/subnets/0");
        assert_eq!(m.res(m.parent(subnets[0]).unwrap()).name, "vnet");
    }

    #[test]
    fn placeholders_know_only_their_id_and_what_was_not_read_may_exist() {
        let vnet = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet";
        let text = format!(
            r#"{{"azlintLiveExport": 1,
                "resources": [{{"id": "{vnet}", "type": "microsoft.network/virtualnetworks", "name": "vnet",
                                "properties": {{}}}}],
                "gaps": [{{"resource": "{vnet}", "read": "subnets", "status": 403, "reason": "denied"}},
                         {{"resource": "/subscriptions/other", "read": "inventory", "status": null,
                           "reason": "timed out"}}]}}"#
        );
        let doc = crate::source::json::parse(&text, FileId(0)).unwrap();
        let live = ingest::live_export(&doc, FileId(0), &mut Vec::new());
        let m = Model::build(vec![Unit { raws: live.raws, unread_scopes: live.unread_scopes, ..Default::default() }]);
        let unread = m.of_type("Microsoft.Network/virtualNetworks/subnets")[0];
        let r = m.res(unread);
        assert_eq!(r.name, "vnet/?unread");
        assert_eq!(m.parent(unread).map(|p| m.res(p).name.as_str()), Some("vnet"));
        assert!(
            matches!(r.get("properties.addressPrefix", &m), Lookup::Unknown(u) if u.cause == UnknownCause::ReadFailed)
        );
        assert!(matches!(r.get("tags", &m), Lookup::Unknown(_)), "not even its tags are known");
        assert!(matches!(r.get("name", &m), Lookup::Found(_)));
        let missing = m.unread(&format!("{vnet}/subnets/int")).expect("a subnet of an unlisted collection may exist");
        assert_eq!(missing.detail, "reading `subnets` failed: HTTP 403: denied");
        assert!(m.unread(&format!("{vnet}/virtualNetworkPeerings/p")).is_none(), "peerings were read with the VNet");
        let elsewhere = "/subscriptions/OTHER/resourceGroups/rg/providers/Microsoft.Web/sites/a";
        assert_eq!(m.unread(elsewhere).map(|u| u.cause), Some(UnknownCause::ReadFailed));
        assert!(m.unread("/subscriptions/other2/resourceGroups/rg/providers/Microsoft.Web/sites/a").is_none());
    }

    #[test]
    fn ids_resolve_case_insensitively_preferring_the_same_document() {
        let scope = "/subscriptions/s/resourceGroups/rg";
        let a = Unit {
            raws: vec![raw("Microsoft.Web/sites", "app", serde_json::json!({}))],
            scope: scope.into(),
            ..Default::default()
        };
        let b = Unit {
            raws: vec![raw("Microsoft.Web/sites", "app", serde_json::json!({}))],
            scope: scope.into(),
            ..Default::default()
        };
        let m = Model::build(vec![a, b]);
        let id = "/SUBSCRIPTIONS/s/resourcegroups/RG/providers/microsoft.web/SITES/APP";
        assert_eq!(m.resolve(ResIdx(1), id), Some(ResIdx(1)));
        assert_eq!(m.resolve(ResIdx(0), id), Some(ResIdx(0)));
    }
}
