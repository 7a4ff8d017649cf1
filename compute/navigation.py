from cloudstack_ui.ui.navigation import ORDER, NavItem, register

register(NavItem("Service Offerings", "compute:serviceofferings", "sliders", ORDER["serviceofferings"],
                 command="createServiceOffering", admin_only=True),
         NavItem("Disk Offerings", "compute:diskofferings", "device-hdd", ORDER["serviceofferings"] + 1,
                 command="createDiskOffering", admin_only=True))
register(NavItem("Instances", "compute:instances", "display", ORDER["instances"], command="listVirtualMachines"))
register(NavItem("Volumes", "compute:volumes", "hdd-stack", ORDER["storage"], command="listVolumes"),
         NavItem("Snapshots", "compute:snapshots", "camera", ORDER["storage"] + 1, command="listSnapshots"))
register(NavItem("Templates", "compute:templates", "layers", ORDER["templates"], command="listTemplates"),
         NavItem("ISOs", "compute:isos", "disc", ORDER["templates"] + 1, command="listIsos"))
