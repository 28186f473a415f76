//! The deployment context: who deploys where and when. Scope functions
//! (`resourceGroup()`, `subscription()`, ...) and the resource id functions read it.

use crate::value::{Node, Object, Str, UnknownCause, Value};

/// The documented default subscription and tenant id (reference §10).
pub const DEFAULT_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Where a template is deployed; selects the `resourceId()` format (reference §5.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeploymentScope {
    /// `deploymentTemplate.json`: ids under `/subscriptions/{sub}/resourceGroups/{rg}`.
    ResourceGroup,
    /// `subscriptionDeploymentTemplate.json`: ids under `/subscriptions/{sub}`.
    Subscription,
    /// `managementGroupDeploymentTemplate.json`: ids under `/providers`.
    ManagementGroup,
    /// `tenantDeploymentTemplate.json`: ids under `/providers`.
    Tenant,
}

impl DeploymentScope {
    /// The scope a `$schema` URL selects (reference §1.1); `None` when the file name is
    /// not one of the deployment template schemas.
    pub fn from_schema(schema: &str) -> Option<DeploymentScope> {
        let lower = schema.to_ascii_lowercase();
        let file = lower.trim_end_matches('#').rsplit('/').next().unwrap_or("");
        match file {
            "deploymenttemplate.json" => Some(DeploymentScope::ResourceGroup),
            "subscriptiondeploymenttemplate.json" => Some(DeploymentScope::Subscription),
            "managementgroupdeploymenttemplate.json" => Some(DeploymentScope::ManagementGroup),
            "tenantdeploymenttemplate.json" => Some(DeploymentScope::Tenant),
            _ => None,
        }
    }
}

/// Everything the scope and deployment functions return. The objects are kept whole
/// (a caller may supply any shape); the ids the resource functions need are kept
/// alongside, derived from those objects.
#[derive(Clone, Debug)]
pub struct DeploymentContext {
    /// The deployment's scope (`deploymentScope` in the vectors).
    pub scope: DeploymentScope,
    /// `resourceGroup()`.
    pub resource_group: Value,
    /// `subscription()`.
    pub subscription: Value,
    /// `tenant()`.
    pub tenant: Value,
    /// `managementGroup()`.
    pub management_group: Value,
    /// `deployment()`.
    pub deployment: Value,
    /// `environment()`.
    pub environment: Value,
    /// `deployer()`; `None` means unknown offline.
    pub deployer: Option<Value>,
    /// The fixed deployment time, ISO 8601 (`utcNow()`).
    pub utc_now: String,
}

fn s(v: &str) -> Node {
    Node::bare(Value::str(v))
}

fn obj(members: Vec<(&str, Node)>) -> Value {
    let mut o = Object::with_capacity(members.len());
    for (k, v) in members {
        o.insert(k, v);
    }
    Value::object(o)
}

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.as_object().and_then(|o| o.get(key)).and_then(|n| n.as_str())
}

/// The AzureCloud `environment()` object (the vectors' `environment` context).
pub fn azure_cloud_environment() -> Value {
    let j = serde_json::json!({
        "name": "AzureCloud",
        "gallery": "https://gallery.azure.com/",
        "graph": "https://graph.windows.net/",
        "portal": "https://portal.azure.com",
        "graphAudience": "https://graph.windows.net/",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "batch": "https://batch.core.windows.net/",
        "media": "https://rest.media.azure.net",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
        "resourceManager": "https://management.azure.com/",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.com/",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD"
        },
        "suffixes": {
            "acrLoginServer": ".azurecr.io",
            "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "keyvaultDns": ".vault.azure.net",
            "sqlServerHostname": ".database.windows.net",
            "storage": "core.windows.net"
        }
    });
    Value::from_json(&j)
}

fn resource_group_object(sub: &str, name: &str, location: &str) -> Value {
    obj(vec![
        ("id", s(&format!("/subscriptions/{sub}/resourceGroups/{name}"))),
        ("name", s(name)),
        ("type", s("Microsoft.Resources/resourceGroups")),
        ("location", s(location)),
        ("tags", Node::bare(Value::object(Object::new()))),
        ("properties", Node::bare(obj(vec![("provisioningState", s("Succeeded"))]))),
    ])
}

fn subscription_object(sub: &str, tenant: &str) -> Value {
    obj(vec![
        ("id", s(&format!("/subscriptions/{sub}"))),
        ("subscriptionId", s(sub)),
        ("tenantId", s(tenant)),
        ("displayName", s("Subscription")),
    ])
}

impl Default for DeploymentContext {
    fn default() -> Self {
        DeploymentContext::defaults()
    }
}

impl DeploymentContext {
    /// The documented defaults: subscription and tenant `00000000-…`, resource group
    /// `rg` in `westus`, AzureCloud, deployment `deployment`, time 2026-01-01T00:00:00Z.
    pub fn defaults() -> Self {
        let tenant = DEFAULT_ID;
        DeploymentContext {
            scope: DeploymentScope::ResourceGroup,
            resource_group: resource_group_object(DEFAULT_ID, "rg", "westus"),
            subscription: subscription_object(DEFAULT_ID, tenant),
            tenant: obj(vec![
                ("countryCode", s("US")),
                ("displayName", s("Tenant")),
                ("id", s(&format!("/tenants/{tenant}"))),
                ("tenantId", s(tenant)),
            ]),
            management_group: obj(vec![
                ("id", s("/providers/Microsoft.Management/managementGroups/mg")),
                ("name", s("mg")),
                ("type", s("Microsoft.Management/managementGroups")),
                ("properties", Node::bare(obj(vec![("displayName", s("mg")), ("tenantId", s(tenant))]))),
            ]),
            deployment: obj(vec![
                ("name", s("deployment")),
                // Only non-resource-group deployments document `location`, but Bicep
                // modules read `deployment().location` at every scope; give the
                // default location rather than fail.
                ("location", s("westus")),
                (
                    "properties",
                    Node::bare(obj(vec![
                        ("template", Node::bare(obj(vec![("contentVersion", s("1.0.0.0"))]))),
                        // A local file has no link; templates that build URIs from
                        // it get an unknown value rather than an error.
                        (
                            "templateLink",
                            Node::bare(Value::unknown(
                                UnknownCause::Runtime,
                                "deployment().properties.templateLink",
                                crate::value::Span::NONE,
                            )),
                        ),
                        ("parameters", Node::bare(Value::object(Object::new()))),
                        ("mode", s("Incremental")),
                        ("provisioningState", s("Accepted")),
                    ])),
                ),
            ]),
            environment: azure_cloud_environment(),
            deployer: None,
            utc_now: "2026-01-01T00:00:00Z".to_string(),
        }
    }

    /// Reads the vectors' `context` shape; absent keys take the defaults. The
    /// `parameters`, `variables` and `copyIndex` keys belong to [`super::EvalScope`].
    pub fn from_json(ctx: &serde_json::Value) -> Result<Self, String> {
        let mut c = DeploymentContext::default();
        let Some(map) = ctx.as_object() else {
            return if ctx.is_null() { Ok(c) } else { Err("the context must be an object".into()) };
        };
        for (key, v) in map {
            match key.as_str() {
                "resourceGroup" => c.resource_group = Value::from_json(v),
                "subscription" => c.subscription = Value::from_json(v),
                "tenant" => c.tenant = Value::from_json(v),
                "managementGroup" => c.management_group = Value::from_json(v),
                "deployment" => c.deployment = Value::from_json(v),
                "environment" => c.environment = Value::from_json(v),
                "deployer" => c.deployer = Some(Value::from_json(v)),
                "utcNow" => {
                    c.utc_now = v.as_str().ok_or("context.utcNow must be a string")?.to_string();
                }
                "deploymentScope" => {
                    c.scope = match v.as_str().map(|s| s.to_ascii_lowercase()).as_deref() {
                        Some("resourcegroup") => DeploymentScope::ResourceGroup,
                        Some("subscription") => DeploymentScope::Subscription,
                        Some("managementgroup") => DeploymentScope::ManagementGroup,
                        Some("tenant") => DeploymentScope::Tenant,
                        _ => return Err(format!("unknown deploymentScope {v}")),
                    }
                }
                "parameters" | "variables" | "copyIndex" | "site" => {}
                other => return Err(format!("unknown context key `{other}`")),
            }
        }
        Ok(c)
    }

    /// Applies the CLI's `--subscription-id`, `--resource-group` and `--location`,
    /// rebuilding the ids that embed them.
    pub fn with_overrides(
        mut self,
        subscription_id: Option<&str>,
        resource_group: Option<&str>,
        location: Option<&str>,
    ) -> Self {
        let sub = subscription_id.map(str::to_string).unwrap_or_else(|| self.subscription_id().to_string());
        let rg = resource_group.map(str::to_string).unwrap_or_else(|| self.resource_group_name().to_string());
        let loc = location.map(str::to_string).unwrap_or_else(|| self.location().to_string());
        if subscription_id.is_some() {
            let tenant = field(&self.subscription, "tenantId").unwrap_or(DEFAULT_ID).to_string();
            self.subscription = subscription_object(&sub, &tenant);
        }
        if subscription_id.is_some() || resource_group.is_some() || location.is_some() {
            self.resource_group = resource_group_object(&sub, &rg, &loc);
        }
        if let (Some(loc), Value::Object(d)) = (location, &self.deployment) {
            let mut d = (**d).clone();
            d.insert("location", s(loc));
            self.deployment = Value::object(d);
        }
        self
    }

    /// The subscription id (from `subscription().subscriptionId`).
    pub fn subscription_id(&self) -> &str {
        field(&self.subscription, "subscriptionId").unwrap_or(DEFAULT_ID)
    }

    /// The resource group name (from `resourceGroup().name`).
    pub fn resource_group_name(&self) -> &str {
        field(&self.resource_group, "name").unwrap_or("rg")
    }

    /// The resource group location, the usual default location.
    pub fn location(&self) -> &str {
        field(&self.resource_group, "location").unwrap_or("westus")
    }

    /// The management group name (from `managementGroup().name`).
    pub fn management_group_name(&self) -> &str {
        field(&self.management_group, "name").unwrap_or("mg")
    }

    /// A copy targeting another resource group and/or subscription (nested
    /// deployments with `resourceGroup` / `subscriptionId`).
    pub fn retarget(&self, subscription_id: Option<&str>, resource_group: Option<&str>) -> Self {
        let mut c = self.clone();
        let sub = subscription_id.unwrap_or(self.subscription_id()).to_string();
        if let Some(s) = subscription_id {
            let tenant = field(&self.subscription, "tenantId").unwrap_or(DEFAULT_ID).to_string();
            c.subscription = subscription_object(s, &tenant);
        }
        if let Some(rg) = resource_group {
            c.resource_group = resource_group_object(&sub, rg, self.location());
            c.scope = DeploymentScope::ResourceGroup;
        } else if subscription_id.is_some() {
            let rg = self.resource_group_name().to_string();
            c.resource_group = resource_group_object(&sub, &rg, self.location());
        }
        c
    }

    /// A copy whose `deployment().name` is `name`.
    pub fn with_deployment_name(&self, name: &str) -> Self {
        let mut c = self.clone();
        let mut d = self.deployment.as_object().cloned().unwrap_or_default();
        d.insert("name", Node::bare(Value::String(Str::from(name))));
        c.deployment = Value::object(d);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_keep_ids_consistent() {
        let c = DeploymentContext::default().with_overrides(Some("sub1"), Some("grp"), Some("eastus"));
        assert_eq!(c.subscription_id(), "sub1");
        assert_eq!(field(&c.resource_group, "id"), Some("/subscriptions/sub1/resourceGroups/grp"));
        assert_eq!(c.location(), "eastus");
        assert_eq!(field(&c.subscription, "id"), Some("/subscriptions/sub1"));
    }

    #[test]
    fn schema_selects_scope() {
        assert_eq!(
            DeploymentScope::from_schema(
                "http://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json"
            ),
            Some(DeploymentScope::Subscription)
        );
        assert_eq!(DeploymentScope::from_schema("x/deploymentParameters.json#"), None);
    }
}
