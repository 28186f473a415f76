//! Cross-resource rules written in Rust. Each is named from its rule file's `native`
//! key; the metadata and docs live in `rules/`. A file's name lists the codes it holds
//! (`pe003.rs`, or `acl001_acl004.rs` for checks that share code), so `ls` finds any
//! rule by its code; rule files hold checks only, and what several of them use lives in
//! `support/`.

mod acl001_acl004;
mod acl002_acl003_acl007;
mod acl005;
mod acl006;
mod acl008;
mod acl009;
mod apim001_apim002_apim003;
mod auth001_auth005;
mod auth002_auth003_auth004;
mod auth006;
mod net001;
mod net002_net003_net004_net007;
mod net005;
mod net006;
mod nsg001_nsg002;
mod pe001_pub006;
mod pe002;
mod pe003;
mod pe004;
mod pe005;
mod pe006;
mod pub003;
mod pub005;
mod support;

use crate::engine::{NativeFn, Registry};
use crate::problem::Problem;

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// The rules shipped in the binary: the rule files under `rules/` with the native
/// checks of this module.
pub fn registry() -> Result<Registry, Vec<Problem>> {
    Registry::load(NATIVE, EMBEDDED_RULES)
}

/// Every native check, by the name rule files use.
pub const NATIVE: &[(&str, NativeFn)] = &[
    ("integration_subnet_not_delegated", net001::check),
    ("integration_subnet_undersized", net002_net003_net004_net007::integration_subnet_undersized),
    ("integration_subnet_shared", net002_net003_net004_net007::integration_subnet_shared),
    ("plan_sku_without_vnet_integration", net002_net003_net004_net007::plan_sku_without_vnet_integration),
    ("subnet_outside_address_space", net005::check),
    ("integration_without_route_all", net006::check),
    ("integration_subnet_missing", net002_net003_net004_net007::integration_subnet_missing),
    ("backend_publicly_reachable", acl001_acl004::backend_publicly_reachable),
    ("vnet_rule_without_service_endpoint", acl002_acl003_acl007::vnet_rule_without_service_endpoint),
    ("vnet_rule_allows_no_caller", acl002_acl003_acl007::vnet_rule_allows_no_caller),
    ("allow_all_rule", acl001_acl004::allow_all_rule),
    ("scm_site_unrestricted", acl005::scm_site_unrestricted),
    ("shared_outbound_ip_allowlist", acl006::shared_outbound_ip_allowlist),
    ("caller_subnet_shared_by_other_apps", acl002_acl003_acl007::caller_subnet_shared_by_other_apps),
    ("front_door_tag_without_header", acl008::front_door_tag_without_header),
    ("default_action_allow_with_rules", acl009::default_action_allow_with_rules),
    ("sql_public_network", pub003::check),
    ("data_service_public_network", pub005::check),
    ("public_access_despite_private_endpoint", pe001_pub006::public_access_despite_private_endpoint),
    ("private_endpoint_without_dns", pe002::check),
    ("private_dns_zone_mismatch", pe003::check),
    ("private_dns_zone_not_linked", pe004::check),
    ("private_endpoint_in_delegated_subnet", pe005::check),
    ("caller_cannot_reach_private_backend", pe006::check),
    ("site_public_network_with_private_endpoint", pe001_pub006::site_public_network_with_private_endpoint),
    ("backend_without_app_auth", auth001_auth005::backend_without_app_auth),
    ("auth_allows_anonymous", auth002_auth003_auth004::auth_allows_anonymous),
    ("auth_without_audience", auth002_auth003_auth004::auth_without_audience),
    ("auth_without_caller_allowlist", auth002_auth003_auth004::auth_without_caller_allowlist),
    ("client_certificate_not_required", auth001_auth005::client_certificate_not_required),
    ("secret_in_app_settings", auth006::check),
    ("backend_bypasses_gateway", apim001_apim002_apim003::backend_bypasses_gateway),
    ("backend_without_gateway_credentials", apim001_apim002_apim003::backend_without_gateway_credentials),
    ("backend_tls_validation_off", apim001_apim002_apim003::backend_tls_validation_off),
    ("nsg_inbound_from_internet", nsg001_nsg002::nsg_inbound_from_internet),
    ("backend_subnet_without_nsg", nsg001_nsg002::backend_subnet_without_nsg),
];
