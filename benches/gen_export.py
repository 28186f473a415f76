#!/usr/bin/env python3
"""Generates a synthetic exported subscription (ARM list shape) with N resources for
azlint's scale benchmark: sites with config/web children and VNet integration, VNets
with subnets, plans, key vaults, storage accounts and SQL servers with firewall rules,
so that every rule family and the cross-resource index are exercised.

usage: gen_export.py N OUT.json [--compact] [--subscription K]

By default the output is shaped and indented as the Azure CLI prints it; --compact
writes the bare resources on one line. --subscription K numbers the subscription, so
that ten files of 100,000 are ten subscriptions of a tenant (the ids do not collide).
"""
import json
import sys

SUB = "/subscriptions/11111111-2222-4333-8444-555555555555"


def rid(rg, provider, *parts):
    return f"{SUB}/resourceGroups/{rg}/providers/{provider}/" + "/".join(parts)


def group(i):
    """One group of 10 resources."""
    rg = f"rg-{i // 100}"
    vnet = f"vnet-{i}"
    subnet_id = rid(rg, "Microsoft.Network", "virtualNetworks", vnet, "subnets", "integration")
    plan_id = rid(rg, "Microsoft.Web", "serverfarms", f"plan-{i}")
    site_id = rid(rg, "Microsoft.Web", "sites", f"app-{i}")
    sql_id = rid(rg, "Microsoft.Sql", "servers", f"sql-{i}")
    delegated = i % 3 != 0
    return [
        {"id": rid(rg, "Microsoft.Network", "virtualNetworks", vnet), "name": vnet, "type": "Microsoft.Network/virtualNetworks",
         "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [
             {"id": subnet_id, "name": "integration", "properties": {"addressPrefix": "10.0.1.0/26",
              "delegations": [{"name": "web", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}] if delegated else []}},
             {"id": subnet_id.replace("integration", "endpoints"), "name": "endpoints", "properties": {"addressPrefix": "10.0.2.0/24"}}]}},
        {"id": plan_id, "name": f"plan-{i}", "type": "Microsoft.Web/serverfarms", "location": "westeurope",
         "sku": {"name": "P1v3", "tier": "PremiumV3", "capacity": 2}, "properties": {}},
        {"id": site_id, "name": f"app-{i}", "type": "Microsoft.Web/sites", "kind": "app", "location": "westeurope",
         "properties": {"serverFarmId": plan_id, "httpsOnly": i % 2 == 0, "virtualNetworkSubnetId": subnet_id,
                        "publicNetworkAccess": "Enabled", "siteConfig": None,
                        "defaultHostName": f"app-{i}.azurewebsites.net"}},
        {"id": site_id + "/config/web", "name": f"app-{i}", "type": "Microsoft.Web/sites/config", "location": "westeurope",
         "properties": {"minTlsVersion": "1.2" if i % 4 else "1.0", "ftpsState": "FtpsOnly", "remoteDebuggingEnabled": False,
                        "cors": {"allowedOrigins": ["https://contoso.com"]}}},
        {"id": site_id + "/basicPublishingCredentialsPolicies/ftp", "name": "ftp",
         "type": "Microsoft.Web/sites/basicPublishingCredentialsPolicies", "properties": {"allow": False}},
        {"id": site_id + "/basicPublishingCredentialsPolicies/scm", "name": "scm",
         "type": "Microsoft.Web/sites/basicPublishingCredentialsPolicies", "properties": {"allow": i % 5 == 0}},
        {"id": rid(rg, "Microsoft.KeyVault", "vaults", f"kv-{i}"), "name": f"kv-{i}", "type": "Microsoft.KeyVault/vaults",
         "location": "westeurope", "properties": {"publicNetworkAccess": "Disabled" if i % 2 else "Enabled"}},
        {"id": rid(rg, "Microsoft.Storage", "storageAccounts", f"st{i}"), "name": f"st{i}", "type": "Microsoft.Storage/storageAccounts",
         "location": "westeurope", "properties": {"minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False,
                                                  "networkAcls": {"defaultAction": "Deny"}}},
        {"id": sql_id, "name": f"sql-{i}", "type": "Microsoft.Sql/servers", "location": "westeurope",
         "properties": {"minimalTlsVersion": "1.2", "publicNetworkAccess": "Enabled"}},
        {"id": sql_id + "/firewallRules/AllowAllWindowsAzureIps", "name": "AllowAllWindowsAzureIps",
         "type": "Microsoft.Sql/servers/firewallRules",
         "properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0" if i % 7 == 0 else "0.0.0.1"}},
    ]


def az_shape(r):
    """The fields `az graph query` / `az resource list --expand` print for every
    resource, in their order, so that file sizes match what a reviewer hands azlint."""
    rg = r["id"].split("/")[4]
    out = {
        "extendedLocation": None,
        "id": r["id"],
        "identity": None,
        "kind": r.get("kind", ""),
        "location": r.get("location", "westeurope"),
        "managedBy": "",
        "name": r["name"],
        "plan": None,
        "properties": r.get("properties", {}),
        "resourceGroup": rg,
        "sku": r.get("sku"),
        "subscriptionId": SUB.split("/")[2],
        "tags": {"costCenter": "cc-" + rg, "environment": "production", "owner": "platform-team"},
        "tenantId": "99999999-8888-4777-8666-555555555555",
        "type": r["type"],
        "zones": None,
    }
    return out


def main():
    global SUB
    n, out = int(sys.argv[1]), sys.argv[2]
    compact = "--compact" in sys.argv[3:]
    if "--subscription" in sys.argv[3:]:
        k = int(sys.argv[sys.argv.index("--subscription") + 1])
        SUB = f"/subscriptions/11111111-2222-4333-8444-{k:012d}"
    resources = []
    i = 0
    while len(resources) < n:
        resources.extend(group(i))
        i += 1
    with open(out, "w") as f:
        if compact:
            json.dump({"value": resources[:n]}, f)
        else:
            # Pretty-printed like the Azure CLI (indent 2), with its per-resource fields.
            json.dump({"value": [az_shape(r) for r in resources[:n]]}, f, indent=2)


if __name__ == "__main__":
    main()
