from cloudstack_ui.ui.navigation import ORDER, NavItem, register

register(NavItem("Network", "network:networks", "diagram-3", ORDER["network"], command="listNetworks"))
register(NavItem("Security groups", "network:securitygroups", "shield-lock", ORDER["network"] + 1,
                 command="listSecurityGroups"))
register(NavItem("Virtual routers", "network:routers", "router", ORDER["infrastructure"] + 1, command="listRouters",
                 admin_only=True))
