//! Resource ids, full types and full names: parsing, composing, and the canonical
//! spelling of the types azlint knows (Resource Graph returns them lower-cased).

use crate::value::{SYMBOL_CLOSE, SYMBOL_OPEN};

/// The parts of a resource id that matter for the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedId {
    /// Full type, `Microsoft.Network/virtualNetworks/subnets`.
    pub full_type: String,
    /// Full name, `vnet/subnet`.
    pub full_name: String,
    /// Everything before `/providers/{namespace}`: `/subscriptions/…/resourceGroups/…`.
    pub scope: String,
}

/// Splits `/subscriptions/s/resourceGroups/rg/providers/NS/t1/n1/t2/n2` into type, name
/// and scope. Extension resources (`…/providers/NS/t/n/providers/NS2/t2/n2`) take the
/// last provider segment. Returns `None` for ids without a provider part.
pub fn parse_id(id: &str) -> Option<ParsedId> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind("/providers/")?;
    let scope = id[..at].to_string();
    let rest = &id[at + "/providers/".len()..];
    let (full_type, full_name) = split_type_names(rest)?;
    Some(ParsedId { full_type, full_name, scope })
}

/// Splits `NS/t1/n1/t2/n2` into the full type `NS/t1/t2` and full name `n1/n2`; `None`
/// unless the segments pair up.
pub fn split_type_names(path: &str) -> Option<(String, String)> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segs.len() < 3 || segs.len().is_multiple_of(2) {
        return None;
    }
    let mut ty = segs[0].to_string();
    let mut names = Vec::new();
    for pair in segs[1..].chunks(2) {
        ty.push('/');
        ty.push_str(pair[0]);
        names.push(pair[1]);
    }
    Some((ty, names.join("/")))
}

/// Builds `{scope}/providers/{NS}/{t1}/{n1}/{t2}/{n2}` from a full type and full name.
/// Returns `None` when the counts of type and name segments do not fit together.
pub fn compose_id(scope: &str, full_type: &str, full_name: &str) -> Option<String> {
    let mut tsegs = full_type.split('/').filter(|s| !s.is_empty());
    let ns = tsegs.next()?;
    let tsegs: Vec<&str> = tsegs.collect();
    let nsegs: Vec<&str> = full_name.split('/').collect();
    if tsegs.is_empty() || tsegs.len() != nsegs.len() {
        return None;
    }
    let mut id = format!("{scope}/providers/{ns}");
    for (t, n) in tsegs.iter().zip(nsegs) {
        id.push('/');
        id.push_str(t);
        id.push('/');
        id.push_str(n);
    }
    Some(id)
}

/// The parent's id of a child resource id (`…/sites/app/config/web` → `…/sites/app`).
pub fn parent_id(id: &str) -> Option<&str> {
    let p = parse_id(id)?;
    if !p.full_type.contains('/') || p.full_type.matches('/').count() < 2 {
        return None;
    }
    let trimmed = id.trim_end_matches('/');
    let cut = trimmed.rfind('/')?;
    let cut = trimmed[..cut].rfind('/')?;
    Some(&trimmed[..cut])
}

/// Case-insensitive key for ids and types.
///
/// A canonical form with symbols ([`crate::value::Unknown::canonical`]) keys the same
/// way: the text outside symbols ignores case, and a symbol whose case was changed
/// (`toLower(parameters('name'))`) keys as the symbol itself, since ids and names
/// ignore case; what is inside a symbol stays as it is.
pub fn key(s: &str) -> String {
    let s = s.trim_end_matches('/');
    if !s.contains(SYMBOL_OPEN) {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    let mut depth = 0u32;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            SYMBOL_OPEN => {
                out.push(c);
                if depth == 0 && chars.peek() == Some(&'~') {
                    chars.next();
                }
                depth += 1;
            }
            SYMBOL_CLOSE => {
                out.push(c);
                depth = depth.saturating_sub(1);
            }
            c if depth == 0 => out.push(c.to_ascii_lowercase()),
            c => out.push(c),
        }
    }
    out
}

/// Whether two keys may name the same resource once their symbols have values: equal
/// keys do; otherwise one must match the other with each of its symbols standing for
/// one or more characters of one id segment (no `/`). Known keys that differ do not.
/// A key without its deployment unit's prefix (ids compared across the unit boundary,
/// one read off a resource, one from a property).
pub fn without_unit(k: &str) -> &str {
    let mark = super::UNIT_MARK;
    match k.strip_prefix(mark).and_then(|rest| rest.find(mark).map(|i| &rest[i + mark.len_utf8()..])) {
        Some(rest) => rest,
        None => k,
    }
}

/// A key or canonical id as messages show it when no resource of the scan has it:
/// without its unit, each symbol as the expression it stands for
/// (`[parameters('vnetname')]`; keys are lower case).
pub fn humanize(k: &str) -> String {
    let k = without_unit(k);
    if !k.contains(SYMBOL_OPEN) {
        return k.to_string();
    }
    let mut out = String::with_capacity(k.len());
    let (mut depth, mut sym) = (0u32, String::new());
    for c in k.chars() {
        match c {
            SYMBOL_OPEN => {
                if depth > 0 {
                    sym.push(c);
                }
                depth += 1;
            }
            SYMBOL_CLOSE if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push_str(&format!("[{}]", symbol_expression(&std::mem::take(&mut sym))));
                } else {
                    sym.push(c);
                }
            }
            c if depth > 0 => sym.push(c),
            c => out.push(c),
        }
    }
    out
}

/// `p:<frame>:<name>` as `parameters('<name>')`, `~x` as `toLower(x)`; other symbols
/// (calls of symbols) as they are, without their inner marks.
fn symbol_expression(sym: &str) -> String {
    if let Some(inner) = sym.strip_prefix('~') {
        return format!("toLower({})", symbol_expression(inner));
    }
    let mut parts = sym.splitn(3, ':');
    if let (Some("p"), Some(_), Some(name)) = (parts.next(), parts.next(), parts.next())
        && !name.contains(['(', SYMBOL_OPEN])
    {
        return format!("parameters('{name}')");
    }
    sym.chars()
        .filter(|c| *c != SYMBOL_OPEN && *c != SYMBOL_CLOSE)
        .map(|c| if c == '\u{2215}' { '/' } else { c })
        .collect()
}

/// [`maybe_same`] of two keys whatever units they carry.
pub fn maybe_same_id(a: &str, b: &str) -> bool {
    maybe_same(without_unit(a), without_unit(b))
}

pub fn maybe_same(a: &str, b: &str) -> bool {
    a == b || (a.contains(SYMBOL_OPEN) && glob(a, b, '/')) || (b.contains(SYMBOL_OPEN) && glob(b, a, '/'))
}

/// Whether the canonical `pattern` could be `text` once its symbols have values: its
/// known pieces in order, each top-level symbol standing for one or more characters
/// other than `separator` (`/` between the segments of an id, `.` between DNS labels).
/// `text` is taken as text (its own symbols are opaque).
pub(crate) fn glob(pattern: &str, text: &str, separator: char) -> bool {
    let mut pieces = Vec::new();
    let (mut depth, mut cur) = (0u32, String::new());
    for c in pattern.chars() {
        match c {
            SYMBOL_OPEN => {
                if depth == 0 {
                    pieces.push(std::mem::take(&mut cur));
                }
                depth += 1;
            }
            SYMBOL_CLOSE => depth = depth.saturating_sub(1),
            c if depth == 0 => cur.push(c),
            _ => {}
        }
    }
    pieces.push(cur);
    fn go(pieces: &[String], text: &str, separator: char) -> bool {
        let Some((first, rest)) = pieces.split_first() else { return text.is_empty() };
        let Some(after) = text.strip_prefix(first.as_str()) else { return false };
        if rest.is_empty() {
            return after.is_empty();
        }
        let limit = after.find(separator).unwrap_or(after.len());
        (1..=limit).any(|n| after.is_char_boundary(n) && go(rest, &after[n..], separator))
    }
    go(&pieces, text, separator)
}

/// Canonical spellings of the types azlint's rules read, so that lower-cased Resource
/// Graph types display as Azure shows them.
const CANONICAL_TYPES: &[&str] = &[
    "Microsoft.ApiManagement/service",
    "Microsoft.ApiManagement/service/apis",
    "Microsoft.ApiManagement/service/backends",
    "Microsoft.AppConfiguration/configurationStores",
    "Microsoft.Cache/Redis",
    "Microsoft.CognitiveServices/accounts",
    "Microsoft.Compute/virtualMachines",
    "Microsoft.ContainerRegistry/registries",
    "Microsoft.DBforMySQL/flexibleServers",
    "Microsoft.DBforPostgreSQL/flexibleServers",
    "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules",
    "Microsoft.DocumentDB/databaseAccounts",
    "Microsoft.EventHub/namespaces",
    "Microsoft.EventHub/namespaces/networkRuleSets",
    "Microsoft.Insights/autoscalesettings",
    "Microsoft.KeyVault/vaults",
    "Microsoft.Network/applicationGateways",
    "Microsoft.Network/networkInterfaces",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/networkSecurityGroups/securityRules",
    "Microsoft.Network/privateDnsZones",
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "Microsoft.Network/privateEndpoints",
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    "Microsoft.Network/publicIPAddresses",
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Network/virtualNetworks/subnets",
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    "Microsoft.Search/searchServices",
    "Microsoft.ServiceBus/namespaces",
    "Microsoft.ServiceBus/namespaces/networkRuleSets",
    "Microsoft.Sql/servers",
    "Microsoft.Sql/servers/firewallRules",
    "Microsoft.Sql/servers/virtualNetworkRules",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Web/serverfarms",
    "Microsoft.Web/sites",
    "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
    "Microsoft.Web/sites/config",
    "Microsoft.Web/sites/networkConfig",
    "Microsoft.Web/sites/slots",
    "Microsoft.Web/sites/slots/basicPublishingCredentialsPolicies",
    "Microsoft.Web/sites/slots/config",
    "Microsoft.Web/sites/slots/networkConfig",
    "Microsoft.Web/sites/slots/virtualNetworkConnections",
    "Microsoft.Web/sites/virtualNetworkConnections",
];

/// The canonical spelling of `ty` when it is all lower case and known; otherwise `ty`.
pub fn display_type(ty: &str) -> String {
    if ty.bytes().any(|b| b.is_ascii_uppercase()) {
        return ty.to_string();
    }
    CANONICAL_TYPES.iter().find(|c| c.eq_ignore_ascii_case(ty)).map_or_else(|| ty.to_string(), |c| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbolic_keys_may_meet() {
        let sym = |s: &str| format!("{SYMBOL_OPEN}{s}{SYMBOL_CLOSE}");
        let vnet = format!("/s/providers/n/vnets/{}", sym("p:f0:vnet"));
        assert!(maybe_same(&format!("{vnet}/subnets/a"), "/s/providers/n/vnets/v1/subnets/a"));
        assert!(!maybe_same(&format!("{vnet}/subnets/a"), &format!("{vnet}/subnets/b")), "same VNet, other subnet");
        assert!(maybe_same(&format!("{vnet}/subnets/a"), &format!("{vnet}/subnets/{}", sym("p:f0:sub"))));
        assert!(
            !maybe_same(&format!("{vnet}/subnets/a"), "/s/providers/n/vnets/v1/x/subnets/a"),
            "a symbol is one segment"
        );
        assert!(!maybe_same("/s/a", "/s/b"));
    }

    #[test]
    fn parses_and_composes_ids() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/int";
        let p = parse_id(id).unwrap();
        assert_eq!(p.full_type, "Microsoft.Network/virtualNetworks/subnets");
        assert_eq!(p.full_name, "vnet/int");
        assert_eq!(p.scope, "/subscriptions/s/resourceGroups/rg");
        assert_eq!(compose_id(&p.scope, &p.full_type, &p.full_name).as_deref(), Some(id));
        assert_eq!(
            parent_id(id),
            Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet")
        );
        assert_eq!(parent_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a"), None);
        assert!(compose_id("", "Microsoft.Web/sites", "a/b").is_none());
    }

    #[test]
    fn extension_ids_take_the_last_provider() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a/providers/Microsoft.Insights/diagnosticSettings/d";
        let p = parse_id(id).unwrap();
        assert_eq!(p.full_type, "Microsoft.Insights/diagnosticSettings");
        assert_eq!(p.full_name, "d");
    }

    #[test]
    fn lower_case_types_get_canonical_spelling() {
        assert_eq!(display_type("microsoft.web/sites"), "Microsoft.Web/sites");
        assert_eq!(display_type("Microsoft.Web/Sites"), "Microsoft.Web/Sites");
        assert_eq!(display_type("contoso.x/y"), "contoso.x/y");
    }
}
