//! Cross-resource rules written in Rust. Each is named from its rule file's `native`
//! key; the metadata and docs live in `rules/`.

mod dns_zones;
mod net001;
mod pe001;
mod pe002;
mod pe003;
mod pe004;
mod pe005;
mod pe006;
mod private_link;
mod pub003;
mod pub005;
mod pub006;
mod support;

use crate::engine::NativeFn;

/// Every native check, by the name rule files use.
pub const NATIVE: &[(&str, NativeFn)] = &[
    ("integration_subnet_not_delegated", net001::check),
    ("sql_public_network", pub003::check),
    ("data_service_public_network", pub005::check),
    ("public_access_despite_private_endpoint", pe001::check),
    ("private_endpoint_without_dns", pe002::check),
    ("private_dns_zone_mismatch", pe003::check),
    ("private_dns_zone_not_linked", pe004::check),
    ("private_endpoint_in_delegated_subnet", pe005::check),
    ("caller_cannot_reach_private_backend", pe006::check),
    ("site_public_network_with_private_endpoint", pub006::check),
];

/// The native check called `name`.
pub fn native(name: &str) -> Option<NativeFn> {
    NATIVE.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}
