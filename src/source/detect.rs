//! Classifies a parsed document by its own keys: template, parameters file, one of
//! the exported-state shapes (see `shared/fixtures/exports/README.md`, whose order of
//! checks this follows: the first match wins), or azlint's own live export
//! (`docs/live-export.md`), which is checked first.

use std::fmt;
use std::str::FromStr;

use crate::value::{Node, Value};

/// What a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    /// A deployment template (also `az group export` and portal exports).
    Template,
    /// The REST `exportTemplate` response: `{template, error}`.
    ExportTemplateResponse,
    /// A deployment parameters file.
    Parameters,
    /// `az graph query` output (`data`, `skip_token`).
    GraphCli,
    /// Raw Resource Graph REST response (`data`, `totalRecords`), object-array or table format.
    GraphRest,
    /// Raw Resource Manager list response (`{value: [...], nextLink}`).
    ArmList,
    /// PSRule `Export-AzRuleData` output (camelCase, children under `resources`).
    PsRule,
    /// Older PSRule / `Get-AzResource` output with PascalCase keys.
    PsRuleLegacy,
    /// `az resource list`: inventory without properties.
    ResourceList,
    /// A list of generic resources with properties (`az webapp list`).
    ResourceArray,
    /// `az webapp config show`: a flattened site config.
    WebappConfig,
    /// One resource (`az resource show`, an ARM GET body).
    Resource,
    /// azlint's live export (`azlintLiveExport`, docs/live-export.md): what a live scan
    /// read, with the reads that failed (coverage gaps) and the ones skipped.
    LiveExport,
    /// A Bicep program (`.bicep`), lowered onto the template expander.
    Bicep,
    /// A Bicep parameters file (`.bicepparam`), read with the program it names.
    BicepParams,
}

impl DocKind {
    /// Every kind, in the order the `--input-format` help lists them.
    pub const ALL: [DocKind; 15] = [
        DocKind::Template,
        DocKind::ExportTemplateResponse,
        DocKind::Parameters,
        DocKind::GraphCli,
        DocKind::GraphRest,
        DocKind::ArmList,
        DocKind::PsRule,
        DocKind::PsRuleLegacy,
        DocKind::ResourceList,
        DocKind::ResourceArray,
        DocKind::WebappConfig,
        DocKind::Resource,
        DocKind::LiveExport,
        DocKind::Bicep,
        DocKind::BicepParams,
    ];

    /// The name used by `--input-format` and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Template => "template",
            DocKind::ExportTemplateResponse => "export-template-response",
            DocKind::Parameters => "parameters",
            DocKind::GraphCli => "graph-cli",
            DocKind::GraphRest => "graph-rest",
            DocKind::ArmList => "arm-list",
            DocKind::PsRule => "psrule",
            DocKind::PsRuleLegacy => "psrule-legacy",
            DocKind::ResourceList => "resource-list",
            DocKind::ResourceArray => "resource-array",
            DocKind::WebappConfig => "webapp-config",
            DocKind::Resource => "resource",
            DocKind::LiveExport => "live-export",
            DocKind::Bicep => "bicep",
            DocKind::BicepParams => "bicepparam",
        }
    }

    /// Whether documents of this kind describe deployed state rather than a template.
    pub fn is_state(self) -> bool {
        !matches!(
            self,
            DocKind::Template
                | DocKind::ExportTemplateResponse
                | DocKind::Parameters
                | DocKind::Bicep
                | DocKind::BicepParams
        )
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocKind::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(s)).ok_or_else(|| {
            let names: Vec<_> = DocKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown input format `{s}`; expected one of: auto, {}", names.join(", "))
        })
    }
}

/// Classifies a document, or `None` when it is JSON but not an Azure configuration
/// (`package.json`, `metadata.json`, `bicepconfig.json`, ...).
/// Whether a path is a Bicep program (`.bicep`, any case).
pub fn is_bicep(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("bicep"))
}

/// Whether a path is a Bicep parameters file (`.bicepparam`, any case).
pub fn is_bicepparam(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("bicepparam"))
}

pub fn detect(doc: &Node) -> Option<DocKind> {
    match &doc.value {
        Value::Object(_) => detect_object(doc),
        Value::Array(items) => detect_array(items),
        _ => None,
    }
}

fn schema_contains(doc: &Node, needle: &str) -> bool {
    doc.get("$schema").and_then(Node::as_str).is_some_and(|s| s.to_ascii_lowercase().contains(needle))
}

/// The key that marks azlint's live export; its value is the format version.
pub const LIVE_EXPORT_KEY: &str = "azlintLiveExport";

fn detect_object(doc: &Node) -> Option<DocKind> {
    // azlint's own format first: it also has `resources`, which would read as a template.
    if doc.get(LIVE_EXPORT_KEY).is_some() {
        return Some(DocKind::LiveExport);
    }
    if let Some(t) = doc.get("template")
        && t.value.as_object().is_some_and(|o| o.contains_key("$schema") || o.contains_key("resources"))
        && doc
            .value
            .as_object()
            .is_some_and(|o| o.keys().all(|k| k.eq_ignore_ascii_case("template") || k.eq_ignore_ascii_case("error")))
    {
        return Some(DocKind::ExportTemplateResponse);
    }
    if schema_contains(doc, "deploymenttemplate.json") {
        return Some(DocKind::Template);
    }
    if schema_contains(doc, "deploymentparameters.json") {
        return Some(DocKind::Parameters);
    }
    if doc.get("data").is_some() {
        if doc.get("total_records").is_some() || doc.get("skip_token").is_some() {
            return Some(DocKind::GraphCli);
        }
        if doc.get("totalRecords").is_some() || doc.get("resultTruncated").is_some() {
            return Some(DocKind::GraphRest);
        }
    }
    if doc.get("value").is_some_and(|v| v.value.as_array().is_some()) {
        return Some(DocKind::ArmList);
    }
    let ty = doc.get("type").and_then(Node::as_str);
    if ty.is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Web/sites/config"))
        && doc.get("properties").is_none()
        && ["ftpsState", "minTlsVersion", "scmType"].iter().any(|k| doc.get(k).is_some())
    {
        return Some(DocKind::WebappConfig);
    }
    if ty.is_some()
        && doc.get("id").and_then(Node::as_str).is_some_and(|id| id.to_ascii_lowercase().starts_with("/subscriptions/"))
    {
        return Some(DocKind::Resource);
    }
    // A template without `$schema` (hand-written, or a nested template saved alone):
    // with the other template keys, or with resources that read as ARM declarations.
    if let Some(r) = doc.get("resources").filter(|r| matches!(r.value, Value::Array(_) | Value::Object(_)))
        && (doc.get("contentVersion").is_some() || doc.get("parameters").is_some() || declares_resources(r))
    {
        return Some(DocKind::Template);
    }
    None
}

/// Whether a `resources` member holds ARM resource declarations: objects with an
/// `apiVersion` and a `Namespace/type` type.
fn declares_resources(r: &Node) -> bool {
    let decl = |n: &Node| {
        n.get("apiVersion").is_some() && n.get("type").and_then(Node::as_str).is_some_and(|t| t.contains('/'))
    };
    match &r.value {
        Value::Array(a) => a.first().is_some_and(decl),
        Value::Object(o) => o.iter().next().is_some_and(|m| decl(&m.value)),
        _ => false,
    }
}

fn detect_array(items: &[Node]) -> Option<DocKind> {
    let first = items.iter().find(|n| n.value.as_object().is_some())?;
    let o = first.value.as_object()?;
    if o.iter().any(|m| &*m.key == "ResourceId" || &*m.key == "ResourceType") {
        return Some(DocKind::PsRuleLegacy);
    }
    if o.contains_key("id") && o.contains_key("type") {
        if o.contains_key("tenantId")
            && (o.contains_key("subscriptionId") || o.contains_key("resourceGroupName") || o.contains_key("resources"))
        {
            return Some(DocKind::PsRule);
        }
        let props_missing = o.get("properties").is_none_or(|p| p.value.is_null());
        if o.contains_key("resourceGroup") && props_missing {
            return Some(DocKind::ResourceList);
        }
        return Some(DocKind::ResourceArray);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json::parse;
    use crate::value::FileId;

    fn kind(text: &str) -> Option<DocKind> {
        detect(&parse(text, FileId(0)).unwrap())
    }

    #[test]
    fn classifies_by_keys() {
        let tpl = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}"#;
        assert_eq!(kind(tpl), Some(DocKind::Template));
        assert_eq!(kind(&format!(r#"{{"template": {tpl}, "error": null}}"#)), Some(DocKind::ExportTemplateResponse));
        assert_eq!(kind(r#"{"$schema": "x/deploymentParameters.json#", "parameters": {}}"#), Some(DocKind::Parameters));
        assert_eq!(kind(r#"{"data": [], "skip_token": null, "total_records": 0}"#), Some(DocKind::GraphCli));
        assert_eq!(kind(r#"{"data": [], "totalRecords": 0}"#), Some(DocKind::GraphRest));
        assert_eq!(kind(r#"{"value": []}"#), Some(DocKind::ArmList));
        assert_eq!(kind(r#"[{"ResourceId": "/subscriptions/x", "ResourceType": "t"}]"#), Some(DocKind::PsRuleLegacy));
        assert_eq!(
            kind(r#"[{"id": "/subscriptions/x", "type": "t", "tenantId": "t", "subscriptionId": "s"}]"#),
            Some(DocKind::PsRule)
        );
        assert_eq!(
            kind(r#"[{"id": "/subscriptions/x", "type": "t", "resourceGroup": "rg", "properties": null}]"#),
            Some(DocKind::ResourceList)
        );
        assert_eq!(
            kind(r#"[{"id": "/subscriptions/x", "type": "t", "properties": {}}]"#),
            Some(DocKind::ResourceArray)
        );
        assert_eq!(
            kind(r#"{"id": "/subscriptions/x/config/web", "type": "Microsoft.Web/sites/config", "ftpsState": "x"}"#),
            Some(DocKind::WebappConfig)
        );
        assert_eq!(
            kind(r#"{"id": "/subscriptions/x", "type": "Microsoft.Web/sites", "properties": {}}"#),
            Some(DocKind::Resource)
        );
        assert_eq!(
            kind(r#"{"azlintLiveExport": 1, "contentVersion": "1.0.0.0", "resources": [], "gaps": []}"#),
            Some(DocKind::LiveExport),
            "checked before the template shape it resembles"
        );
        assert_eq!("live-export".parse::<DocKind>(), Ok(DocKind::LiveExport));
        assert_eq!(
            kind(r#"{"resources": [{"type": "Microsoft.Web/sites", "apiVersion": "2023-12-01", "name": "a"}]}"#),
            Some(DocKind::Template),
            "a template without `$schema` or `contentVersion`"
        );
        assert_eq!(kind(r#"{"resources": [{"type": "file", "path": "a"}]}"#), None);
    }

    #[test]
    fn other_json_is_not_azure() {
        assert_eq!(kind(r#"{"name": "pkg", "version": "1.0.0", "dependencies": {}}"#), None);
        assert_eq!(kind(r#"{"itemDisplayName": "x", "description": "y", "summary": "z"}"#), None);
        assert_eq!(kind(r#"{"analyzers": {"core": {"enabled": true}}}"#), None);
        assert_eq!(kind("[1, 2]"), None);
        assert_eq!(kind("\"text\""), None);
    }
}
