//! Cross-resource rules written in Rust. Each is named from its rule file's `native`
//! key; the metadata and docs live in `rules/`.

mod net001;
mod pub003;
mod pub005;
mod support;

use crate::engine::NativeFn;

/// Every native check, by the name rule files use.
pub const NATIVE: &[(&str, NativeFn)] = &[
    ("integration_subnet_not_delegated", net001::check),
    ("sql_public_network", pub003::check),
    ("data_service_public_network", pub005::check),
];

/// The native check called `name`.
pub fn native(name: &str) -> Option<NativeFn> {
    NATIVE.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}
