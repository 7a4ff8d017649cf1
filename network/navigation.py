from cloudstack_ui.ui.navigation import ORDER, NavItem, register

register(NavItem("Network", "network:networks", "diagram-3", ORDER["network"], command="listNetworks"))
