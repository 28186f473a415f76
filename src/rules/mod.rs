//! Cross-resource rules written in Rust. Each is named from its rule file's `native`
//! key; the metadata and docs live in `rules/`.

mod acl_lists;
mod acl_subnets;
mod apim;
mod auth;
mod auth006;
mod dns_zones;
mod net001;
mod net005;
mod net006;
mod net_subnets;
mod nsg;
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

use crate::engine::{NativeFn, Registry, RuleLoadError};

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// The rules shipped in the binary: the rule files under `rules/` with the native
/// checks of this module.
pub fn registry() -> Result<Registry, Vec<RuleLoadError>> {
    Registry::load(NATIVE, EMBEDDED_RULES)
}

/// Every native check, by the name rule files use.
pub const NATIVE: &[(&str, NativeFn)] = &[
    ("integration_subnet_not_delegated", net001::check),
    ("integration_subnet_undersized", net_subnets::integration_subnet_undersized),
    ("integration_subnet_shared", net_subnets::integration_subnet_shared),
    ("plan_sku_without_vnet_integration", net_subnets::plan_sku_without_vnet_integration),
    ("subnet_outside_address_space", net005::check),
    ("integration_without_route_all", net006::check),
    ("integration_subnet_missing", net_subnets::integration_subnet_missing),
    ("backend_publicly_reachable", acl_lists::backend_publicly_reachable),
    ("vnet_rule_without_service_endpoint", acl_subnets::vnet_rule_without_service_endpoint),
    ("vnet_rule_allows_no_caller", acl_subnets::vnet_rule_allows_no_caller),
    ("allow_all_rule", acl_lists::allow_all_rule),
    ("scm_site_unrestricted", acl_lists::scm_site_unrestricted),
    ("shared_outbound_ip_allowlist", acl_subnets::shared_outbound_ip_allowlist),
    ("caller_subnet_shared_by_other_apps", acl_subnets::caller_subnet_shared_by_other_apps),
    ("front_door_tag_without_header", acl_lists::front_door_tag_without_header),
    ("default_action_allow_with_rules", acl_lists::default_action_allow_with_rules),
    ("sql_public_network", pub003::check),
    ("data_service_public_network", pub005::check),
    ("public_access_despite_private_endpoint", pe001::check),
    ("private_endpoint_without_dns", pe002::check),
    ("private_dns_zone_mismatch", pe003::check),
    ("private_dns_zone_not_linked", pe004::check),
    ("private_endpoint_in_delegated_subnet", pe005::check),
    ("caller_cannot_reach_private_backend", pe006::check),
    ("site_public_network_with_private_endpoint", pub006::check),
    ("backend_without_app_auth", auth::backend_without_app_auth),
    ("auth_allows_anonymous", auth::auth_allows_anonymous),
    ("auth_without_audience", auth::auth_without_audience),
    ("auth_without_caller_allowlist", auth::auth_without_caller_allowlist),
    ("client_certificate_not_required", auth::client_certificate_not_required),
    ("secret_in_app_settings", auth006::check),
    ("backend_bypasses_gateway", apim::backend_bypasses_gateway),
    ("backend_without_gateway_credentials", apim::backend_without_gateway_credentials),
    ("backend_tls_validation_off", apim::backend_tls_validation_off),
    ("nsg_inbound_from_internet", nsg::nsg_inbound_from_internet),
    ("backend_subnet_without_nsg", nsg::backend_subnet_without_nsg),
];
