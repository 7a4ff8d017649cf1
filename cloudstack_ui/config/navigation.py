from cloudstack_ui.ui.navigation import ORDER, NavItem, register

register(NavItem("Global Settings", "config:settings", "gear", ORDER["globalsettings"], command="listConfigurations",
                 admin_only=True))
