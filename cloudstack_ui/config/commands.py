"""Commands of the settings: global, or for one zone, cluster or account
when the key has that scope (as listConfigurations/updateConfiguration take
zoneid, clusterid, accountid)."""
from cloudstack_ui.api.registry import ROLE_ADMIN, Command, Param, register
from cloudstack_ui.config.keys import all_keys, get_key, get_value, resolve_scope
from cloudstack_ui.config.serializers import ConfigurationSerializer, setting_row
from cloudstack_ui.config.services import update_setting

SCOPE_PARAMS = (
    Param("zoneid", "uuid", description="the zone, for zone-wide settings"),
    Param("clusterid", "uuid", description="the cluster, for cluster-wide settings"),
    Param("accountid", "uuid", description="the account, for account-wide settings"),
)


def scope_of(params) -> tuple[str, object]:
    for scope in ("zone", "cluster", "account"):
        if f"{scope}id" in params:
            return scope, params[f"{scope}id"]
    return "global", None


@register
class ListConfigurations(Command):
    name = "listConfigurations"
    description = "Lists the settings with their current and default values (per zone, cluster or account with its id)"
    authorized = (ROLE_ADMIN,)
    response_name = "configuration"
    serializer = ConfigurationSerializer
    params = (
        Param("name", description="the setting's name"),
        Param("category", description="the settings of this category"),
        Param("keyword", description="List by keyword"),
    ) + SCOPE_PARAMS

    def execute(self, caller, **p):
        scope, scope_uuid = scope_of(p)
        keys = all_keys()
        if scope != "global":
            resolve_scope(scope, scope_uuid)
            keys = [k for k in keys if k.scope == scope]
        if "name" in p:
            keys = [k for k in keys if k.name == p["name"]]
        if "category" in p:
            keys = [k for k in keys if k.category.lower() == p["category"].lower()]
        if "keyword" in p:
            keys = [k for k in keys if p["keyword"].lower() in k.name]
        return [setting_row(k, get_value(k, scope_uuid)) for k in keys]


@register
class UpdateConfiguration(Command):
    name = "updateConfiguration"
    description = "Sets a setting, globally or for one zone, cluster or account; an empty value removes it"
    authorized = (ROLE_ADMIN,)
    response_name = "configuration"
    serializer = ConfigurationSerializer
    params = (
        Param("name", required=True, description="the setting's name"),
        Param("value", max_length=4096, description="the new value"),
    ) + SCOPE_PARAMS

    def execute(self, caller, **p):
        scope, scope_uuid = scope_of(p)
        key = update_setting(caller, p["name"], p.get("value", ""), scope=scope, scope_uuid=scope_uuid)
        return setting_row(get_key(key.name), get_value(key, scope_uuid))
