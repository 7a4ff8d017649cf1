"""Guest OS types (listOsTypes), and the built-in templates a fresh install
offers in every zone: a tiny Linux guest for KVM (kernel and busybox
initramfs booted directly, built by bin/build-builtin-template from Debian
packages) and an image for the Simulator. Their builtin:// URLs name files
under BUILTIN_TEMPLATE_DIR; each zone's secondary storage gets a copy."""
import uuid

from django.db import migrations

OS_TYPES = [
    ("Debian", "Debian GNU/Linux 11 (64-bit)"), ("Debian", "Debian GNU/Linux 12 (64-bit)"),
    ("Ubuntu", "Ubuntu 20.04 LTS"), ("Ubuntu", "Ubuntu 22.04 LTS"), ("Ubuntu", "Ubuntu 24.04 LTS"),
    ("CentOS", "CentOS 7"), ("CentOS", "Rocky Linux 8"), ("CentOS", "Rocky Linux 9"),
    ("Windows", "Windows Server 2019 (64-bit)"), ("Windows", "Windows Server 2022 (64-bit)"),
    ("Other", "Other Linux (64-bit)"), ("Other", "Other (64-bit)"),
]
GB = 1024 ** 3


def create(apps, schema_editor):
    OsType = apps.get_model("compute", "OsType")
    Template = apps.get_model("compute", "Template")
    Account = apps.get_model("accounts", "Account")
    for category, description in OS_TYPES:
        OsType.objects.get_or_create(description=description, defaults={"category": category, "uuid": uuid.uuid4()})
    linux = OsType.objects.get(description="Other Linux (64-bit)")
    admin = Account.objects.get(name="admin", domain__parent=None)
    common = {"os_type": linux, "account": admin, "template_type": "BUILTIN", "is_public": True,
              "is_featured": True, "cross_zones": True, "format": "QCOW2"}
    Template.objects.get_or_create(name="BusyBox Linux (KVM)", defaults={
        **common, "uuid": uuid.uuid4(), "url": "builtin://kvm/root.qcow2", "hypervisor": "KVM",
        "display_text": "Built-in tiny Linux guest: a Debian kernel and a BusyBox shell on the console",
        "details": {"kernel": "builtin://kvm/vmlinuz", "initrd": "builtin://kvm/initrd.img",
                    "cmdline": "console=tty0 console=ttyS0"}})
    Template.objects.get_or_create(name="Simulator template", defaults={
        **common, "uuid": uuid.uuid4(), "url": "builtin://simulator/root.qcow2", "hypervisor": "Simulator",
        "display_text": "Built-in template for Simulator zones", "size": GB})


def remove(apps, schema_editor):
    apps.get_model("compute", "Template").objects.filter(template_type="BUILTIN").delete()


class Migration(migrations.Migration):
    dependencies = [("compute", "0004_instance_schedules"), ("accounts", "0002_initial_data")]
    operations = [migrations.RunPython(create, remove)]
