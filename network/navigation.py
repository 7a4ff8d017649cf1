from cloudstack_ui.ui.navigation import ORDER, NavItem, register

register(NavItem("Network", "network:networks", "diagram-3", ORDER["network"], command="listNetworks"))
register(NavItem("Security groups", "network:securitygroups", "shield-lock", ORDER["network"] + 1,
                 command="listSecurityGroups"))
