"""The offerings CloudStack ships: Small and Medium Instance; Small, Medium,
Large and Custom disks."""
from django.db import migrations

SERVICE = [("Small Instance", "Small Instance", 1, 500, 512), ("Medium Instance", "Medium Instance", 1, 1000, 1024)]
DISK = [("Small", "Small Disk, 5 GB", 5, False), ("Medium", "Medium Disk, 20 GB", 20, False),
        ("Large", "Large Disk, 100 GB", 100, False), ("Custom", "Custom Disk", 0, True)]


def create_offerings(apps, schema_editor):
    ServiceOffering = apps.get_model("compute", "ServiceOffering")
    DiskOffering = apps.get_model("compute", "DiskOffering")
    for name, text, cpus, mhz, memory in SERVICE:
        ServiceOffering.objects.update_or_create(name=name, is_default=True, defaults={
            "display_text": text, "cpu_number": cpus, "cpu_speed": mhz, "memory": memory})
    for name, text, size, custom in DISK:
        DiskOffering.objects.update_or_create(name=name, is_default=True, defaults={
            "display_text": text, "disk_size": size, "customized": custom})


class Migration(migrations.Migration):
    dependencies = [("compute", "0001_offerings")]
    operations = [migrations.RunPython(create_offerings, migrations.RunPython.noop)]
