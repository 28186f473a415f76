//! ACL005 scm-site-unrestricted: the SCM (Kudu) site of an app is open while the main
//! site is restricted.

use super::support::sites::sites;
use crate::engine::{Related, RuleCx};
use crate::model::access::{Endpoint, Unmatched, access_list, public_access_open};
use crate::value::Span;

pub fn scm_site_unrestricted(cx: &mut RuleCx) {
    for view in sites(cx) {
        let model = cx.model;
        let name = &model.res(view.idx).name;
        let (main, scm) = match (access_list(&view, Endpoint::Main), access_list(&view, Endpoint::Scm)) {
            (Ok(m), Ok(s)) => (m, s),
            (Err(r), _) | (_, Err(r)) => {
                cx.undetermined(view.idx, Span::NONE, r);
                continue;
            }
        };
        let main_restricted = main.unmatched == Unmatched::Deny;
        if !main_restricted || scm.uses_main || scm.unmatched == Unmatched::Deny {
            continue;
        }
        match public_access_open(model, view.idx) {
            Err(reason) => cx.undetermined(view.idx, Span::NONE, reason),
            Ok((false, _)) => {}
            Ok((true, _)) => {
                let related = vec![Related {
                    resource: Some(view.idx),
                    span: main.list.map_or(main.unmatched_span, |l| l.span),
                    message: "the main site denies unmatched traffic".into(),
                }];
                let at = match view.setting("scmIpSecurityRestrictionsUseMain") {
                    crate::model::Lookup::Found(n) => n.span,
                    _ => scm.unmatched_span,
                };
                cx.finding(
                    view.idx,
                    at,
                    format!("The SCM (Kudu) site of `{name}` is open while the main site is restricted: set `scmIpSecurityRestrictionsUseMain` to `true` or give the SCM site its own rules"),
                    related,
                );
            }
        }
    }
}
