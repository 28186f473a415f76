//! AUTH006 secret-in-app-settings: a literal secret in an app setting or connection
//! string of a site or slot. The finding names the setting and the kind of secret and
//! points at the value's span; it never quotes the value (the text report also masks
//! the span in its source snippet, see `model::secrets::secret_spans`).

use super::support::sites::{label, sites};
use crate::engine::RuleCx;
use crate::model::secrets::{Verdict, site_verdicts};

pub fn check(cx: &mut RuleCx) {
    for view in sites(cx) {
        let model = cx.model;
        let who = label(model, view.idx);
        for (kind, name, value, verdict) in site_verdicts(model, view.idx) {
            match verdict {
                Verdict::Secret(what) => cx.finding(
                    view.idx,
                    value.span,
                    format!(
                        "The {} `{name}` of {who} holds {what} in clear text: use a Key Vault reference or a managed identity",
                        kind.label()
                    ),
                    Vec::new(),
                ),
                Verdict::Tainted(source) => cx.finding(
                    view.idx,
                    value.span,
                    format!(
                        "The {} `{name}` of {who} holds the secret `{source}` in clear text once deployed: use a Key Vault reference or a managed identity",
                        kind.label()
                    ),
                    Vec::new(),
                ),
                Verdict::Unknown(reason) => cx.undetermined(view.idx, value.span, reason),
                Verdict::Clean => {}
            }
        }
        // Settings that were not read (a live export's `notRead`, a failed read) or are
        // unknown as a whole may hold a secret.
        for (what, unknown) in
            [("app settings", view.app_settings_unknown()), ("connection strings", view.connection_strings_unknown())]
        {
            if let Some(u) = unknown {
                cx.undetermined(view.idx, u.span, format!("the {what} of {who} cannot be determined: {}", u.detail));
            }
        }
    }
}
