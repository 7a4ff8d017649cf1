"""The add-zone wizard (guide 6.3.1 Basic, 6.3.2 Advanced): its steps, each
a form validated on the server before the next, and the launch plan built
from what was entered. The plan is a list of commands; the wizard can do
nothing the API cannot."""
from django import forms

from accounts.models import Domain
from accounts.services.validation import clean_network_domain
from cloudstack_ui.errors import InvalidParameter
from infrastructure.models import Hypervisor, Zone
from infrastructure.services.addressing import check_range, overlaps, parse_cidr, parse_ip, parse_vlan_ranges
from infrastructure.services.storage import PROTOCOLS_BY_HYPERVISOR, parse_image_store_url, parse_pool_url

BASIC_OFFERINGS = [
    ("DefaultSharedNetworkOfferingWithSGService", "Shared network with security groups"),
    ("DefaultSharedNetworkOffering", "Shared network without security groups"),
    ("DefaultSharedNetscalerEIPandELBNetworkOffering", "NetScaler elastic IP and elastic LB"),
]


class StepForm(forms.Form):
    """A step; `wizard` is everything entered so far, by step."""

    title = ""
    help = ""

    def __init__(self, *args, wizard: dict, **kwargs):
        self.wizard = wizard
        super().__init__(*args, **kwargs)

    @property
    def network_type(self) -> str:
        return self.wizard.get("type", {}).get("networktype", "Basic")

    @property
    def hypervisor(self) -> str:
        return self.wizard.get("zone", {}).get("hypervisor", "Simulator")

    def check(self, call, *fields):
        """Run a rule; its error lands on the form field it names."""
        try:
            return call()
        except InvalidParameter as exc:
            field = next((f for f in fields if f == exc.field), None) or (fields[0] if fields else None)
            self.add_error(field if field in self.fields else None, exc.message)


class TypeStep(StepForm):
    title = "Zone type"
    help = ("Basic: one network for all guests, isolated by security groups (AWS-style). Advanced: guest "
            "networks of their own, with VLANs, firewall, VPN and load balancing.")
    networktype = forms.ChoiceField(label="Network type", choices=Zone.NetworkType.choices,
                                    widget=forms.RadioSelect, initial="Basic")


class ZoneStep(StepForm):
    title = "Zone"
    help = "DNS 1/2 serve the guest VMs over the public network; internal DNS serves the system VMs."
    name = forms.CharField(label="Name", max_length=255)
    dns1 = forms.CharField(label="DNS 1")
    dns2 = forms.CharField(label="DNS 2", required=False)
    internaldns1 = forms.CharField(label="Internal DNS 1")
    internaldns2 = forms.CharField(label="Internal DNS 2", required=False)
    hypervisor = forms.ChoiceField(label="Hypervisor", choices=Hypervisor.choices, initial="Simulator",
                                   help_text="The hypervisor of the first cluster")
    networkoffering = forms.ChoiceField(label="Network offering (Basic)", choices=BASIC_OFFERINGS, required=False)
    guestcidraddress = forms.CharField(label="Guest CIDR (Advanced)", required=False, initial="10.1.1.0/24")
    networkdomain = forms.CharField(label="Network domain", required=False)
    ispublic = forms.BooleanField(label="Public: available to all users", required=False, initial=True)
    domainid = forms.ChoiceField(label="Dedicated to domain (when not public)", required=False,
                                 help_text="Only users of this domain and its subdomains may use the zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domainid"].choices = [("", "—")] + [
            (str(d.uuid), d.full_path) for d in Domain.objects.order_by("path")]

    def clean(self):
        data = super().clean()
        if not data.get("ispublic") and not data.get("domainid"):
            self.add_error("domainid", "Choose the domain of a zone that is not public.")
        if Zone.objects.filter(name__iexact=data.get("name", "")).exists():
            self.add_error("name", f"A zone named {data['name']} already exists.")
        for field in ("dns1", "dns2", "internaldns1", "internaldns2"):
            if data.get(field):
                self.check(lambda f=field: parse_ip(data[f], f), field)
        self.check(lambda: clean_network_domain(data.get("networkdomain")), "networkdomain")
        if self.network_type == "Advanced":
            if data.get("guestcidraddress"):
                self.check(lambda: parse_cidr(data["guestcidraddress"], "guestcidraddress"), "guestcidraddress")
        elif data.get("networkoffering") == "DefaultSharedNetscalerEIPandELBNetworkOffering":
            self.add_error("networkoffering", "The NetScaler offering needs a NetScaler device, which this version "
                                              "cannot manage yet.")
        return data


NETWORK_CHOICES = [("1", "the first physical network"), ("2", "the second physical network")]
TRAFFIC_FIELDS = ("management", "public", "guest", "storage")


def carrier_field(traffic_type: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=f"{traffic_type} traffic on", choices=NETWORK_CHOICES, initial="1", required=False)


class NetworkStep(StepForm):
    title = "Physical network"
    help = ("The traffic labels name, on each host, the bridge (KVM), network (XenServer) or port group (VMware) "
            "that carries each kind of traffic. Fill in the storage label to carry storage traffic apart.")
    name = forms.CharField(label="Physical network name", initial="Physical Network 1")
    isolationmethods = forms.ChoiceField(label="Isolation method", choices=[("VLAN", "VLAN"), ("L3", "L3")],
                                         initial="VLAN")
    name2 = forms.CharField(label="Second physical network (Advanced, optional)", required=False,
                            help_text="Name it to carry some traffic on a second physical network")
    management_label = forms.CharField(label="Management traffic label", required=False, initial="cloudbr0")
    management_network = carrier_field("Management")
    public_label = forms.CharField(label="Public traffic label (Advanced)", required=False, initial="cloudbr1")
    public_network = carrier_field("Public")
    guest_label = forms.CharField(label="Guest traffic label", required=False, initial="cloudbr1")
    guest_network = carrier_field("Guest")
    storage_label = forms.CharField(label="Storage traffic label (optional)", required=False)
    storage_network = carrier_field("Storage")

    def clean(self):
        data = super().clean()
        uses_second = [t for t in TRAFFIC_FIELDS if data.get(f"{t}_network") == "2"]
        if self.network_type == "Basic" and data.get("name2"):
            self.add_error("name2", "A Basic zone has one physical network.")
        elif uses_second and not data.get("name2"):
            self.add_error("name2", "Name the second physical network, which carries "
                                    f"{', '.join(uses_second)} traffic.")
        elif data.get("name2") and not uses_second:
            self.add_error("name2", "Put at least one traffic type on the second physical network.")
        elif data.get("name2") and data["name2"].strip().lower() == data.get("name", "").strip().lower():
            self.add_error("name2", "The two physical networks need different names.")
        return data


class PublicStep(StepForm):
    title = "Public IP range"
    help = "Addresses on the public network, for the guests' public IPs and the virtual routers."
    gateway = forms.CharField(label="Gateway")
    netmask = forms.CharField(label="Netmask")
    vlan = forms.CharField(label="VLAN", required=False, help_text="Empty for untagged")
    startip = forms.CharField(label="Start IP")
    endip = forms.CharField(label="End IP", required=False)

    def clean(self):
        data = super().clean()
        if not self.errors:
            self.check(lambda: check_range(gateway=data["gateway"], netmask=data["netmask"], start=data["startip"],
                                           end=data.get("endip")), "startip", "endip", "gateway", "netmask")
        return data


class PodStep(StepForm):
    title = "Pod"
    help = "A rack with one subnet. The reserved system range serves the system VMs; hosts use other addresses."
    name = forms.CharField(label="Pod name")
    gateway = forms.CharField(label="Reserved system gateway")
    netmask = forms.CharField(label="Reserved system netmask", help_text="255.255.255.0 or /24")
    startip = forms.CharField(label="Start reserved system IP")
    endip = forms.CharField(label="End reserved system IP", required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        checked = self.check(lambda: check_range(gateway=data["gateway"], netmask=data["netmask"],
                                                 start=data["startip"], end=data.get("endip")),
                             "startip", "endip", "gateway", "netmask")
        public = self.wizard.get("public")
        if checked and public and self.network_type == "Advanced":
            _, _, start, end = checked
            _, _, p_start, p_end = check_range(gateway=public["gateway"], netmask=public["netmask"],
                                               start=public["startip"], end=public.get("endip"))
            if overlaps(start, end, p_start, p_end):
                self.add_error("startip", f"The reserved range {start}-{end} overlaps the public range "
                                          f"{p_start}-{p_end}.")
        return data


class GuestStep(StepForm):
    title = "Guest traffic"
    help = ("Basic: the guests' addresses in this pod, in the pod's subnet when hosts have one NIC. Advanced: the "
            "VLANs the guest networks may use.")
    gateway = forms.CharField(label="Guest gateway (Basic)", required=False)
    netmask = forms.CharField(label="Guest netmask (Basic)", required=False)
    startip = forms.CharField(label="Guest start IP (Basic)", required=False)
    endip = forms.CharField(label="Guest end IP (Basic)", required=False)
    vlanstart = forms.IntegerField(label="VLAN range start (Advanced)", required=False)
    vlanend = forms.IntegerField(label="VLAN range end (Advanced)", required=False)

    def clean(self):
        data = super().clean()
        if self.network_type == "Basic":
            for field in ("gateway", "netmask", "startip"):
                if not data.get(field):
                    self.add_error(field, "This field is required in a Basic zone.")
            if self.errors:
                return data
            checked = self.check(lambda: check_range(gateway=data["gateway"], netmask=data["netmask"],
                                                     start=data["startip"], end=data.get("endip")),
                                 "startip", "endip", "gateway", "netmask")
            pod = self.wizard.get("pod", {})
            if checked and pod.get("startip"):
                _, _, start, end = checked
                _, _, p_start, p_end = check_range(gateway=pod["gateway"], netmask=pod["netmask"],
                                                   start=pod["startip"], end=pod.get("endip"))
                if overlaps(start, end, p_start, p_end):
                    self.add_error("startip", f"The guest range {start}-{end} overlaps the pod's reserved system "
                                              f"range {p_start}-{p_end}.")
        elif data.get("vlanstart") is not None or data.get("vlanend") is not None:
            text = f"{data.get('vlanstart') or ''}-{data.get('vlanend') or data.get('vlanstart') or ''}"
            self.check(lambda: parse_vlan_ranges(text, "vlanstart"), "vlanstart")
        return data


class StorageStep(PublicStep):
    title = "Storage traffic"
    help = "The pod's addresses on the storage network, which carries storage traffic apart from management."


class ClusterStep(StepForm):
    title = "Cluster"
    help = ("Hosts of a cluster share hardware, hypervisor, subnet and primary storage. A VMware cluster is the "
            "vSphere cluster of that name; its ESXi hosts are added from vCenter (guide 6.5.2).")
    name = forms.CharField(label="Cluster name")
    vcenterhost = forms.CharField(label="vCenter host (VMware)", required=False)
    vcenterusername = forms.CharField(label="vCenter username (VMware)", required=False)
    vcenterpassword = forms.CharField(label="vCenter password (VMware)", required=False,
                                      widget=forms.PasswordInput)
    vcenterdatacenter = forms.CharField(label="vCenter datacenter (VMware)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.hypervisor != Hypervisor.VMWARE:
            for field in ("vcenterhost", "vcenterusername", "vcenterpassword", "vcenterdatacenter"):
                del self.fields[field]

    def clean(self):
        data = super().clean()
        if self.hypervisor == Hypervisor.VMWARE:
            for field in ("vcenterhost", "vcenterusername", "vcenterpassword", "vcenterdatacenter"):
                if not data.get(field):
                    self.add_error(field, "A VMware cluster needs this to reach vCenter.")
        return data


def vcenter_url(cluster: dict) -> str:
    return f"http://{cluster['vcenterhost']}/{cluster['vcenterdatacenter']}/{cluster['name']}"


class HostStep(StepForm):
    title = "Host"
    help = ("The host must run no VM yet. A name alone means simulator://NAME for the Simulator and "
            "qemu+ssh://USER@NAME/system for KVM; a libvirt URL such as qemu:///system is taken as it is.")
    hostname = forms.CharField(label="Host name")
    username = forms.CharField(label="Username", initial="root")
    password = forms.CharField(label="Password", required=False, widget=forms.PasswordInput)
    hosttags = forms.CharField(label="Host tags", required=False)



def host_url(hypervisor: str, hostname: str, username: str = "root") -> str:
    if "://" in hostname:
        return hostname
    if hypervisor == Hypervisor.SIMULATOR:
        return f"simulator://{hostname}"
    if hypervisor == Hypervisor.KVM:
        return f"qemu+ssh://{username or 'root'}@{hostname}/system"
    return f"http://{hostname}"


PROTOCOL_FIELDS = {
    "NetworkFilesystem": ("server", "path"), "SharedMountPoint": ("path",), "IscsiLUN": ("server", "iqn", "lun"),
    "PreSetup": ("server", "srlabel"), "CLVM": ("volumegroup",), "RBD": ("server", "pool", "rbduser", "rbdsecret"),
    "VMFS": ("server", "datacenter", "datastore"),
}


def pool_url(data: dict) -> str:
    protocol = data.get("protocol")
    builders = {
        "NetworkFilesystem": lambda: f"nfs://{data['server']}/{data['path'].lstrip('/')}",
        "SharedMountPoint": lambda: f"SharedMountPoint://localhost/{data['path'].lstrip('/')}",
        "IscsiLUN": lambda: f"iscsi://{data['server']}/{data['iqn']}/{data['lun']}",
        "PreSetup": lambda: f"presetup://{data['server']}/{data['srlabel']}",
        "CLVM": lambda: f"clvm://localhost/{data['volumegroup'].lstrip('/')}",
        "RBD": lambda: f"rbd://{data['rbduser']}:{data['rbdsecret']}@{data['server']}/{data['pool']}",
        "VMFS": lambda: f"vmfs://{data['server']}/{data['datacenter']}/{data['datastore']}",
    }
    return builders[protocol]()


class PrimaryStep(StepForm):
    title = "Primary storage"
    help = "Disk volumes of the cluster's instances. Adding it destroys any data already on it."
    name = forms.CharField(label="Name")
    protocol = forms.ChoiceField(label="Protocol")
    server = forms.CharField(label="Server", required=False)
    path = forms.CharField(label="Path", required=False)
    iqn = forms.CharField(label="Target IQN (iSCSI)", required=False)
    lun = forms.CharField(label="LUN # (iSCSI)", required=False)
    srlabel = forms.CharField(label="SR name-label (PreSetup)", required=False)
    volumegroup = forms.CharField(label="Volume group (CLVM)", required=False)
    pool = forms.CharField(label="RADOS pool (RBD)", required=False)
    rbduser = forms.CharField(label="RADOS user (RBD)", required=False)
    rbdsecret = forms.CharField(label="RADOS secret (RBD)", required=False, widget=forms.PasswordInput)
    datacenter = forms.CharField(label="vCenter datacenter (VMFS)", required=False)
    datastore = forms.CharField(label="Datastore (VMFS)", required=False)
    tags = forms.CharField(label="Storage tags", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = PROTOCOLS_BY_HYPERVISOR.get(self.hypervisor, ())
        from infrastructure.models import StoragePool

        self.fields["protocol"].choices = [(p, StoragePool.Protocol(p).label) for p in offered]

    def clean(self):
        data = super().clean()
        protocol = data.get("protocol")
        if not protocol:
            return data
        missing = [f for f in PROTOCOL_FIELDS[protocol] if not data.get(f)]
        for field in missing:
            self.add_error(field, f"{self.fields[field].label} is required for this protocol.")
        if not missing:
            self.check(lambda: parse_pool_url(pool_url(data)), "path")
        return data


class SecondaryStep(StepForm):
    title = "Secondary storage"
    help = ("Templates, ISOs and snapshots of the zone: an NFS share every host can reach, or a directory on "
            "this server for a single-machine install. Adding it destroys any data already on it.")
    kind = forms.ChoiceField(label="Kind", choices=[("nfs", "NFS"), ("file", "Directory on this server")],
                             initial="nfs")
    server = forms.CharField(label="NFS server", required=False)
    path = forms.CharField(label="Path")

    def clean(self):
        data = super().clean()
        if data.get("kind") == "nfs" and not data.get("server"):
            self.add_error("server", "The NFS server is required.")
        if not self.errors:
            self.check(lambda: parse_image_store_url(image_store_url(data)), "path")
        return data


def image_store_url(data: dict) -> str:
    if data["kind"] == "nfs":
        return f"nfs://{data['server']}/{data['path'].lstrip('/')}"
    return f"file:///{data['path'].lstrip('/')}"


STEP_FORMS = {"type": TypeStep, "zone": ZoneStep, "network": NetworkStep, "public": PublicStep, "pod": PodStep,
              "guest": GuestStep, "storage": StorageStep, "cluster": ClusterStep, "host": HostStep, "primary": PrimaryStep,
              "secondary": SecondaryStep}


def steps_for(wizard: dict) -> list[str]:
    advanced = wizard.get("type", {}).get("networktype") == "Advanced"
    storage = bool(wizard.get("network", {}).get("storage_label"))
    steps = ["type", "zone", "network"] + (["public"] if advanced else []) + ["pod", "guest"]
    vmware = wizard.get("zone", {}).get("hypervisor") == Hypervisor.VMWARE
    return steps + (["storage"] if storage else []) + ["cluster"] + ([] if vmware else ["host"]) + [
        "primary", "secondary", "summary"]


def build_plan(wizard: dict) -> list[dict]:
    """The commands that build what the wizard holds, in order."""
    kind = wizard["type"]["networktype"]
    zone, net, pod, guest = wizard["zone"], wizard["network"], wizard["pod"], wizard["guest"]
    hypervisor = zone["hypervisor"]
    # The Simulator stands in for KVM hosts, so its labels are KVM's bridges.
    label_param = {"KVM": "kvmnetworklabel", "XenServer": "xennetworklabel", "VMware": "vmwarenetworklabel",
                   "Simulator": "kvmnetworklabel"}
    zone_params = {"name": zone["name"], "networktype": kind, "dns1": zone["dns1"], "dns2": zone.get("dns2"),
                   "internaldns1": zone["internaldns1"], "internaldns2": zone.get("internaldns2"),
                   "hypervisor": hypervisor, "domain": zone.get("networkdomain"),
                   "domainid": None if zone.get("ispublic") else zone.get("domainid")}
    if kind == "Advanced":
        zone_params["guestcidraddress"] = zone.get("guestcidraddress")
    else:
        zone_params["securitygroupenabled"] = zone.get("networkoffering") != "DefaultSharedNetworkOffering"
    networks = {"1": ("physnet", net["name"])}
    if kind == "Advanced" and net.get("name2"):
        networks["2"] = ("physnet2", net["name2"])
    plan = [item("zone", "Zone", "zone", "createZone", zone_params)]
    for key, name in networks.values():
        plan.append(item(key, f"Physical network {name}", "network", "createPhysicalNetwork",
                         {"zoneid": "$zone", "name": name, "isolationmethods": net["isolationmethods"]}))
    traffic = [("Management", "management"), ("Guest", "guest")]
    if kind == "Advanced":
        traffic.insert(1, ("Public", "public"))
    if net.get("storage_label"):
        traffic.append(("Storage", "storage"))
    carrier = {}
    for traffic_type, field in traffic:
        key = networks.get(net.get(f"{field}_network", "1"), networks["1"])[0]
        carrier[traffic_type] = key
        params = {"physicalnetworkid": f"${key}", "traffictype": traffic_type}
        if net.get(f"{field}_label") and hypervisor in label_param:
            params[label_param[hypervisor]] = net[f"{field}_label"]
        plan.append(item(f"traffic-{traffic_type}", f"{traffic_type} traffic", "network", "addTrafficType", params))
    vlan = ""
    if kind == "Advanced" and guest.get("vlanstart") is not None:
        vlan = f"{guest['vlanstart']}-{guest.get('vlanend') or guest['vlanstart']}"
    for key, name in networks.values():
        params = {"id": f"${key}", "state": "Enabled"}
        if vlan and carrier["Guest"] == key:
            params["vlan"] = vlan
        plan.append(item(f"{key}-enable", f"Physical network {name} enabled", "guest", "updatePhysicalNetwork",
                         params))
    if kind == "Advanced":
        public = wizard["public"]
        plan.append(item("public", "Public IP range", "public", "createVlanIpRange",
                         {"zoneid": "$zone", "physicalnetworkid": f"${carrier['Public']}", "forvirtualnetwork": True,
                          "gateway": public["gateway"], "netmask": public["netmask"], "vlan": public.get("vlan"),
                          "startip": public["startip"], "endip": public.get("endip")}))
    if kind == "Basic":
        from network.models import NetworkOffering

        offering = NetworkOffering.objects.get(name=zone.get("networkoffering") or BASIC_OFFERINGS[0][0])
        plan.append(item("guestnetwork", "Guest network", "zone", "createNetwork",
                         {"zoneid": "$zone", "networkofferingid": str(offering.uuid), "name": "defaultGuestNetwork",
                          "displaytext": f"The guest network of zone {zone['name']}"}))
    plan.append(item("pod", "Pod", "pod", "createPod",
                     {"zoneid": "$zone", "name": pod["name"], "gateway": pod["gateway"], "netmask": pod["netmask"],
                      "startip": pod["startip"], "endip": pod.get("endip")}))
    if kind == "Basic":
        plan.append(item("guest", "Guest IP range", "guest", "createVlanIpRange",
                         {"zoneid": "$zone", "podid": "$pod", "physicalnetworkid": f"${carrier['Guest']}",
                          "forvirtualnetwork": False, "networkid": "$guestnetwork", "gateway": guest["gateway"],
                          "netmask": guest["netmask"],
                          "startip": guest["startip"], "endip": guest.get("endip")}))
    if net.get("storage_label"):
        storage = wizard["storage"]
        plan.append(item("storage", "Storage IP range", "storage", "createStorageNetworkIpRange",
                         {"podid": "$pod", "gateway": storage["gateway"], "netmask": storage["netmask"],
                          "vlan": storage.get("vlan"), "startip": storage["startip"], "endip": storage.get("endip")}))
    cluster = wizard["cluster"]
    if hypervisor == Hypervisor.VMWARE:
        plan.append(item("cluster", "Cluster and its ESXi hosts", "cluster", "addCluster",
                         {"zoneid": "$zone", "podid": "$pod", "clustername": cluster["name"],
                          "hypervisor": hypervisor, "url": vcenter_url(cluster),
                          "username": cluster["vcenterusername"], "password": cluster["vcenterpassword"]}))
    else:
        host = wizard["host"]
        plan += [
            item("cluster", "Cluster", "cluster", "addCluster",
                 {"zoneid": "$zone", "podid": "$pod", "clustername": cluster["name"], "hypervisor": hypervisor}),
            item("host", "Host", "host", "addHost",
                 {"zoneid": "$zone", "podid": "$pod", "clusterid": "$cluster", "hypervisor": hypervisor,
                  "url": host_url(hypervisor, host["hostname"], host["username"]), "username": host["username"],
                  "password": host.get("password", ""), "hosttags": host.get("hosttags", "")}),
        ]
    plan += [
        item("primary", "Primary storage", "primary", "createStoragePool",
             {"zoneid": "$zone", "podid": "$pod", "clusterid": "$cluster", "name": wizard["primary"]["name"],
              "url": pool_url(wizard["primary"]), "tags": wizard["primary"].get("tags", "")}),
        item("secondary", "Secondary storage", "secondary", "addImageStore",
             {"zoneid": "$zone", "url": image_store_url(wizard["secondary"])}),
    ]
    return plan


def item(key, label, step, command, params) -> dict:
    return {"key": key, "label": label, "step": step, "command": command,
            "params": {k: v for k, v in params.items() if v not in (None, "")}}
