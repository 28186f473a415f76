//! A site's access restriction lists as the ACL and APIM rules read them: the lists of
//! both endpoints, and how messages name an endpoint and a rule.

use crate::engine::RuleCx;
use crate::model::SiteView;
use crate::model::access::{AccessList, AccessRule, Endpoint, access_list};
use crate::value::Span;

/// The start of a sentence about an endpoint's restrictions: "A" or "SCM a".
pub fn endpoint_label(e: Endpoint) -> &'static str {
    match e {
        Endpoint::Main => "A",
        Endpoint::Scm => "SCM a",
    }
}

/// How messages name an access rule: its name, else its address.
pub fn rule_label(rule: &AccessRule) -> String {
    rule.name.map_or_else(|| format!("`{}`", rule.ip.unwrap_or("?")), |n| format!("`{n}`"))
}

/// The restriction lists of the main and the SCM endpoint, leaving out an SCM list that
/// uses the main one's rules; a list that cannot be read is recorded as undetermined.
pub fn lists<'a>(cx: &mut RuleCx<'a>, view: &SiteView<'a>) -> Vec<AccessList<'a>> {
    let mut out = Vec::new();
    for e in [Endpoint::Main, Endpoint::Scm] {
        match access_list(view, e) {
            Ok(l) if !l.uses_main => out.push(l),
            Ok(_) => {}
            Err(reason) => cx.undetermined(view.idx, Span::NONE, reason),
        }
    }
    out
}
