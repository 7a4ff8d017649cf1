from cloudstack_ui.ui.navigation import ORDER, NavItem, register

register(NavItem("Infrastructure", "infrastructure:overview", "buildings", ORDER["infrastructure"],
                 command="listHosts", admin_only=True))
