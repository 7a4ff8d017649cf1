"""The default region (guide 6.2: id 1) and hypervisor capabilities, with
the cluster sizes guide 6.5 recommends."""
from django.db import migrations

CAPABILITIES = [
    # hypervisor, version, max guests, max data volumes, max hosts per cluster
    ("KVM", "default", 50, 24, 16),
    ("XenServer", "default", 50, 6, 8),
    ("VMware", "default", 128, 13, 8),
    ("Simulator", "default", 1000, 24, 64),
]


def create_initial_data(apps, schema_editor):
    Region = apps.get_model("infrastructure", "Region")
    HypervisorCapability = apps.get_model("infrastructure", "HypervisorCapability")
    Region.objects.get_or_create(id=1, defaults={"name": "Local", "endpoint": "http://localhost:8080/client"})
    for hypervisor, version, guests, volumes, hosts in CAPABILITIES:
        HypervisorCapability.objects.get_or_create(
            hypervisor=hypervisor, version=version,
            defaults={"max_guests_limit": guests, "max_data_volumes_limit": volumes, "max_hosts_per_cluster": hosts},
        )


class Migration(migrations.Migration):
    dependencies = [("infrastructure", "0001_initial")]
    operations = [migrations.RunPython(create_initial_data, migrations.RunPython.noop)]
