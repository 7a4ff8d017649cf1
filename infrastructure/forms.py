"""Forms of the infrastructure dialogs. Field names are the command
parameters they feed; the rules live in the services."""
from django import forms

from infrastructure.models import Hypervisor, Zone


class KeywordFilter(forms.Form):
    keyword = forms.CharField(label="Search", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class ZoneForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    networktype = forms.ChoiceField(label="Network type", choices=Zone.NetworkType.choices)
    hypervisor = forms.ChoiceField(label="Hypervisor", choices=Hypervisor.choices,
                                   help_text="The hypervisor of the first cluster")
    dns1 = forms.CharField(label="DNS 1", help_text="DNS for the guest VMs, reached over the public network")
    dns2 = forms.CharField(label="DNS 2", required=False)
    internaldns1 = forms.CharField(label="Internal DNS 1", help_text="DNS for the system VMs, over the management network")
    internaldns2 = forms.CharField(label="Internal DNS 2", required=False)
    guestcidraddress = forms.CharField(label="Guest CIDR (Advanced)", required=False, initial="10.1.1.0/24")
    domain = forms.CharField(label="Network domain", required=False)


class PodForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    gateway = forms.CharField(label="Reserved system gateway")
    netmask = forms.CharField(label="Reserved system netmask", help_text="255.255.255.0 or /24")
    startip = forms.CharField(label="Start reserved system IP")
    endip = forms.CharField(label="End reserved system IP", required=False)


class ClusterForm(forms.Form):
    clustername = forms.CharField(label="Cluster name", max_length=255)
    hypervisor = forms.ChoiceField(label="Hypervisor", choices=Hypervisor.choices)
    url = forms.CharField(label="vCenter URL (vSphere)", required=False,
                          help_text="http://vcenter/datacenter/cluster")
    username = forms.CharField(label="vCenter username (vSphere)", required=False)
    password = forms.CharField(label="vCenter password (vSphere)", required=False, widget=forms.PasswordInput)


class HostForm(forms.Form):
    url = forms.CharField(label="Host name", help_text="simulator://NAME, qemu+ssh://root@host/system, http://xenhost")
    username = forms.CharField(label="Username", initial="root")
    password = forms.CharField(label="Password", widget=forms.PasswordInput, required=False)
    hosttags = forms.CharField(label="Host tags", required=False, help_text="comma-separated; use ha.tag for HA hosts")


class PrimaryStorageForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    url = forms.CharField(label="URL", help_text="nfs://server/path, SharedMountPoint://localhost/path, "
                          "iscsi://server/iqn/lun, rbd://user:secret@monitor/pool, presetup://server/label, "
                          "clvm://localhost/vg, vmfs://vcenter/datacenter/datastore")
    tags = forms.CharField(label="Storage tags", required=False)


class SecondaryStorageForm(forms.Form):
    url = forms.CharField(label="URL", help_text="nfs://server/path, or file:///path on this server")
    name = forms.CharField(label="Name", required=False)


