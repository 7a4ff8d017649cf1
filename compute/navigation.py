from cloudstack_ui.ui.navigation import ORDER, NavItem, register

register(NavItem("Service Offerings", "compute:serviceofferings", "sliders", ORDER["serviceofferings"],
                 command="createServiceOffering", admin_only=True),
         NavItem("Disk Offerings", "compute:diskofferings", "device-hdd", ORDER["serviceofferings"] + 1,
                 command="createDiskOffering", admin_only=True))
