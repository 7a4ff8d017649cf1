"""Commands of the global settings."""
from cloudstack_ui.api.registry import ROLE_ADMIN, Command, Param, register
from cloudstack_ui.config.keys import all_keys, get_key, get_value
from cloudstack_ui.config.serializers import ConfigurationSerializer, setting_row
from cloudstack_ui.config.services import update_setting


@register
class ListConfigurations(Command):
    name = "listConfigurations"
    description = "Lists the global settings with their current and default values"
    authorized = (ROLE_ADMIN,)
    response_name = "configuration"
    serializer = ConfigurationSerializer
    params = (
        Param("name", description="the setting's name"),
        Param("category", description="the settings of this category"),
        Param("keyword", description="List by keyword"),
    )

    def execute(self, caller, **p):
        keys = all_keys()
        if "name" in p:
            keys = [k for k in keys if k.name == p["name"]]
        if "category" in p:
            keys = [k for k in keys if k.category.lower() == p["category"].lower()]
        if "keyword" in p:
            keys = [k for k in keys if p["keyword"].lower() in k.name]
        return [setting_row(k, get_value(k)) for k in keys]


@register
class UpdateConfiguration(Command):
    name = "updateConfiguration"
    description = "Sets a global setting; an empty value restores its default"
    authorized = (ROLE_ADMIN,)
    response_name = "configuration"
    serializer = ConfigurationSerializer
    params = (
        Param("name", required=True, description="the setting's name"),
        Param("value", max_length=4096, description="the new value"),
    )

    def execute(self, caller, **p):
        key, _ = update_setting(caller, p["name"], p.get("value", ""))
        return setting_row(key, get_value(get_key(key.name)))
