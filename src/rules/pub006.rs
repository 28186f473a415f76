//! PUB006 site-public-network-with-private-endpoint: PE001 for sites and slots only.

use super::pe001::{is_site, report};
use crate::engine::RuleCx;

pub fn check(cx: &mut RuleCx) {
    report(cx, is_site);
}
