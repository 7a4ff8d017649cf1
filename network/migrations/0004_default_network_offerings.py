"""The network offerings CloudStack ships (guide 6.3.1 names the Basic-zone
ones; the Advanced-zone defaults for shared and isolated networks too)."""
from django.db import migrations

VR = ["VirtualRouter"]
SHARED = {"Dhcp": VR, "Dns": VR, "UserData": VR}
ISOLATED = {"Dhcp": VR, "Dns": VR, "UserData": VR, "Firewall": VR, "Gateway": VR, "Lb": VR, "SourceNat": VR,
            "StaticNat": VR, "PortForwarding": VR, "Vpn": VR}
DEFAULTS = [
    ("DefaultSharedNetworkOfferingWithSGService", "Offering for Shared Security group enabled networks", "Shared",
     {**SHARED, "SecurityGroup": ["SecurityGroupProvider"]}, True, True, "Optional", True),
    ("DefaultSharedNetworkOffering", "Offering for Shared networks", "Shared", SHARED, True, True, "Optional", True),
    ("DefaultSharedNetscalerEIPandELBNetworkOffering",
     "Offering for Shared networks with Elastic IP and Elastic LB capabilities", "Shared",
     {**SHARED, "SecurityGroup": ["SecurityGroupProvider"], "StaticNat": ["Netscaler"], "Lb": ["Netscaler"]},
     False, True, "Optional", True),
    ("DefaultIsolatedNetworkOfferingWithSourceNatService",
     "Offering for Isolated networks with Source Nat service enabled", "Isolated", ISOLATED, False, False, "Required",
     False),
    ("DefaultIsolatedNetworkOffering", "Offering for Isolated networks with no Source Nat service", "Isolated",
     SHARED, True, True, "Optional", False),
]


def create_offerings(apps, schema_editor):
    NetworkOffering = apps.get_model("network", "NetworkOffering")
    for name, text, kind, services, vlan, ranges, availability, egress in DEFAULTS:
        NetworkOffering.objects.update_or_create(name=name, defaults={
            "display_text": text, "guest_ip_type": kind, "services": services, "specify_vlan": vlan,
            "specify_ip_ranges": ranges, "availability": availability, "egress_default_allow": egress,
            "is_default": True, "state": "Enabled"})


class Migration(migrations.Migration):
    dependencies = [("network", "0003_offerings_networks_guest_ips")]
    operations = [migrations.RunPython(create_offerings, migrations.RunPython.noop)]
