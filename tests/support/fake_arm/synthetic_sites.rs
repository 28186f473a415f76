//! The two sites of a synthetic app unit and their child documents: a VNet-integrated
//! front-end and a back-end API that admits only the front-end's integration subnet,
//! with a `staging` slot.

use serde_json::{Value, json};

use super::{
    BACKEND_ANONYMOUS, BACKEND_CORS_ANY, BACKEND_DEFAULT_ALLOW, BACKEND_FTP, BACKEND_LITERAL_SECRET, BACKEND_TLS_1_0,
    FRONTEND_HTTP, LOCATION, SLOT_REMOTE_DEBUGGING, TENANT, Unit, app_insights, guid,
};

/// The closing entry Resource Manager echoes at the end of a restriction list.
fn closing_rule(action: &str) -> Value {
    let (name, description) =
        if action == "Allow" { ("Allow all", "Allow all access") } else { ("Deny all", "Deny all access") };
    json!({"ipAddress": "Any", "action": action, "priority": 2147483647, "name": name, "description": description})
}

/// Pushes both sites, their `config/web`, `config/authsettingsV2`, `config/appsettings`,
/// `basicPublishingCredentialsPolicies/ftp` and `/scm`, the front-end's
/// `networkConfig/virtualNetwork`, and the back-end's `slots/staging` with its own
/// `config/web`, `config/authsettingsV2` and publishing credentials policies.
pub(super) fn push(docs: &mut Vec<Value>, u: &Unit) {
    let web_name = Unit::name(&u.web);
    let api_name = Unit::name(&u.api);
    let integration = u.subnet("snet-integration");

    let mut web = site(u, &u.web, web_name, "frontend", 50);
    web["properties"]["httpsOnly"] = json!(!u.has(FRONTEND_HTTP));
    web["properties"]["virtualNetworkSubnetId"] = json!(integration);
    web["properties"]["vnetRouteAllEnabled"] = json!(true);
    web["properties"]["vnetImagePullEnabled"] = json!(true);
    docs.push(web);
    let mut web_config = site_config(u, &u.web, web_name, "NODE|20-lts", false);
    web_config["properties"]["vnetRouteAllEnabled"] = json!(true);
    web_config["properties"]["ipSecurityRestrictions"] = json!([closing_rule("Allow")]);
    web_config["properties"]["scmIpSecurityRestrictions"] = json!([closing_rule("Allow")]);
    web_config["properties"]["ipSecurityRestrictionsDefaultAction"] = json!("Allow");
    web_config["properties"]["scmIpSecurityRestrictionsDefaultAction"] = json!("Allow");
    docs.push(web_config);
    docs.push(json!({
        "id": format!("{}/config/authsettingsV2", u.web), "name": "authsettingsV2",
        "type": "Microsoft.Web/sites/config", "location": LOCATION,
        "properties": {"platform": {"enabled": false, "runtimeVersion": "~1"},
            "globalValidation": {"requireAuthentication": false, "unauthenticatedClientAction": "RedirectToLoginPage"},
            "identityProviders": {}, "login": {"tokenStore": {"enabled": false}},
            "httpSettings": {"requireHttps": true}}
    }));
    docs.push(app_settings(
        &u.web,
        json!({
            "API_BASE_URL": format!("https://{api_name}.azurewebsites.net"),
            "BLOB_ENDPOINT": format!("https://{}.blob.core.windows.net/", Unit::name(&u.storage)),
            "APPLICATIONINSIGHTS_CONNECTION_STRING": app_insights(u.k),
        }),
    ));
    docs.extend(publishing_policies(&u.web, false));
    docs.push(json!({
        "id": format!("{}/networkConfig/virtualNetwork", u.web), "name": "virtualNetwork",
        "type": "Microsoft.Web/sites/networkConfig", "location": LOCATION,
        "properties": {"subnetResourceId": integration, "swiftSupported": true}
    }));

    let mut api = site(u, &u.api, api_name, "backend", 60);
    api["properties"]["clientCertEnabled"] = json!(true);
    docs.push(api);
    let mut api_config = backend_config(u, &u.api, api_name, false);
    let origins =
        if u.has(BACKEND_CORS_ANY) { json!(["*"]) } else { json!([format!("https://{web_name}.azurewebsites.net")]) };
    api_config["properties"]["cors"] = json!({"allowedOrigins": origins, "supportCredentials": false});
    docs.push(api_config);
    docs.push(backend_auth(u, &u.api));
    let mut settings = json!({"APPLICATIONINSIGHTS_CONNECTION_STRING": app_insights(u.k),
        "AzureAd__ClientId": guid(u.k, 61), "AzureAd__TenantId": TENANT});
    if u.has(BACKEND_LITERAL_SECRET) {
        settings["SMTP_PASSWORD"] = json!(format!("Sm7p-{}-pass!", u.k));
    }
    docs.push(app_settings(&u.api, settings));
    docs.extend(publishing_policies(&u.api, u.has(BACKEND_FTP)));

    let slot = format!("{}/slots/staging", u.api);
    let slot_name = format!("{api_name}/staging");
    let mut slot_doc = site(u, &slot, &slot_name, "backend", 70);
    slot_doc["type"] = json!("Microsoft.Web/sites/slots");
    slot_doc["properties"]["clientCertEnabled"] = json!(true);
    let host = format!("{api_name}-staging.azurewebsites.net");
    slot_doc["properties"]["defaultHostName"] = json!(host);
    slot_doc["properties"]["hostNames"] = json!([host]);
    slot_doc["properties"]["enabledHostNames"] = json!([host, format!("{api_name}-staging.scm.azurewebsites.net")]);
    docs.push(slot_doc);
    docs.push(backend_config(u, &slot, &slot_name, u.has(SLOT_REMOTE_DEBUGGING)));
    docs.push(backend_auth(u, &slot));
    docs.extend(publishing_policies(&slot, false));
}

/// A site (or slot) document; `siteConfig` is left out, the server blanks it.
fn site(u: &Unit, id: &str, name: &str, tier: &str, salt: u64) -> Value {
    let host = format!("{}.azurewebsites.net", name.replace('/', "-"));
    let scm = format!("{}.scm.azurewebsites.net", name.replace('/', "-"));
    let outbound = format!("20.105.{}.{},20.105.{}.{}", u.k / 200 % 256, u.k % 200, u.k / 200 % 256, u.k % 200 + 1);
    json!({
        "id": id, "name": name, "type": "Microsoft.Web/sites", "kind": "app,linux", "location": LOCATION,
        "tags": {"workload": format!("unit-{:05}", u.k), "tier": tier},
        "identity": {"type": "SystemAssigned", "principalId": guid(u.k, salt), "tenantId": TENANT},
        "properties": {
            "state": "Running", "hostNames": [host], "enabledHostNames": [host, scm],
            "hostNameSslStates": [
                {"name": host, "sslState": "Disabled", "hostType": "Standard"},
                {"name": scm, "sslState": "Disabled", "hostType": "Repository"}
            ],
            "serverFarmId": u.plan, "reserved": true, "httpsOnly": true, "clientAffinityEnabled": false,
            "clientCertEnabled": false, "clientCertMode": "Required", "publicNetworkAccess": "Enabled",
            "outboundIpAddresses": outbound, "possibleOutboundIpAddresses": outbound,
            "defaultHostName": host, "keyVaultReferenceIdentity": "SystemAssigned", "resourceGroup": u.rg,
            "redundancyMode": "None", "storageAccountRequired": false
        }
    })
}

/// `config/web` with the settings every unit shares; the caller adds restrictions.
fn site_config(u: &Unit, site_id: &str, site_name: &str, stack: &str, remote_debugging: bool) -> Value {
    let tls = if site_id == u.api && u.has(BACKEND_TLS_1_0) { "1.0" } else { "1.2" };
    let ftps = if site_id == u.api && u.has(BACKEND_FTP) { "AllAllowed" } else { "FtpsOnly" };
    json!({
        "id": format!("{site_id}/config/web"), "name": site_name, "type": "Microsoft.Web/sites/config",
        "location": LOCATION,
        "properties": {
            "numberOfWorkers": 1, "linuxFxVersion": stack, "requestTracingEnabled": false,
            "remoteDebuggingEnabled": remote_debugging,
            "remoteDebuggingVersion": if remote_debugging { json!("VS2022") } else { Value::Null },
            "httpLoggingEnabled": true, "logsDirectorySizeLimit": 35, "detailedErrorLoggingEnabled": false,
            "use32BitWorkerProcess": false, "webSocketsEnabled": false, "alwaysOn": true, "appCommandLine": "",
            "managedPipelineMode": "Integrated",
            "virtualApplications": [{"virtualPath": "/", "physicalPath": "site\\wwwroot", "preloadEnabled": true}],
            "loadBalancing": "LeastRequests", "autoHealEnabled": false, "vnetName": "", "vnetRouteAllEnabled": false,
            "vnetPrivatePortsCount": 0, "http20Enabled": true, "minTlsVersion": tls, "scmMinTlsVersion": "1.2",
            "ftpsState": ftps, "localMySqlEnabled": false, "functionsRuntimeScaleMonitoringEnabled": false,
            "minimumElasticInstanceCount": 1, "azureStorageAccounts": {},
            "scmIpSecurityRestrictionsUseMain": false
        }
    })
}

/// `config/web` of the back-end or its slot: only the front-end's integration subnet is
/// admitted, and the SCM site uses the main rules.
fn backend_config(u: &Unit, site_id: &str, site_name: &str, remote_debugging: bool) -> Value {
    let mut config = site_config(u, site_id, site_name, "DOTNETCORE|8.0", remote_debugging);
    let default = if u.has(BACKEND_DEFAULT_ALLOW) { "Allow" } else { "Deny" };
    let p = &mut config["properties"];
    p["ipSecurityRestrictions"] = json!([
        {"vnetSubnetResourceId": u.subnet("snet-integration"), "action": "Allow", "tag": "Default", "priority": 100,
            "name": "frontend-vnet", "description": "front-end VNet integration subnet"},
        closing_rule(default)
    ]);
    p["ipSecurityRestrictionsDefaultAction"] = json!(default);
    p["scmIpSecurityRestrictions"] = json!([closing_rule("Deny")]);
    p["scmIpSecurityRestrictionsDefaultAction"] = json!("Deny");
    p["scmIpSecurityRestrictionsUseMain"] = json!(true);
    config
}

/// The Entra ID authentication of the back-end (or its slot), admitting only the
/// front-end's identity.
fn backend_auth(u: &Unit, site_id: &str) -> Value {
    let client = guid(u.k, 61);
    let anonymous = u.has(BACKEND_ANONYMOUS);
    json!({
        "id": format!("{site_id}/config/authsettingsV2"), "name": "authsettingsV2",
        "type": "Microsoft.Web/sites/config", "location": LOCATION,
        "properties": {
            "platform": {"enabled": true, "runtimeVersion": "~1"},
            "globalValidation": {"requireAuthentication": !anonymous,
                "unauthenticatedClientAction": if anonymous { "AllowAnonymous" } else { "Return401" }},
            "identityProviders": {"azureActiveDirectory": {"enabled": true,
                "registration": {"clientId": client, "openIdIssuer": format!("https://sts.windows.net/{TENANT}/v2.0")},
                "validation": {"allowedAudiences": [format!("api://{client}")],
                    "defaultAuthorizationPolicy": {"allowedApplications": [guid(u.k, 62)]}}}},
            "login": {"tokenStore": {"enabled": false}},
            "httpSettings": {"requireHttps": true}
        }
    })
}

fn app_settings(site_id: &str, values: Value) -> Value {
    json!({"id": format!("{site_id}/config/appsettings"), "name": "appsettings", "type": "Microsoft.Web/sites/config",
        "location": LOCATION, "properties": values})
}

fn publishing_policies(site_id: &str, ftp_allowed: bool) -> [Value; 2] {
    let policy = |name: &str, allow: bool| {
        json!({"id": format!("{site_id}/basicPublishingCredentialsPolicies/{name}"), "name": name,
            "type": "Microsoft.Web/sites/basicPublishingCredentialsPolicies", "location": LOCATION,
            "properties": {"allow": allow}})
    };
    [policy("ftp", ftp_allowed), policy("scm", false)]
}
