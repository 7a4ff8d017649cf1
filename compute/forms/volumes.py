"""Forms of the volume and snapshot pages; field names are the parameters
of the commands they feed, and choices come from the list commands, so a
form offers what the API would accept from this user."""
from django import forms

from cloudstack_ui.api.registry import invoke
from compute.forms.instances import disk_offering_label, zone_choices
from compute.models import SnapshotPolicy, Volume
from compute.services import volumes


def disk_offering_choices(user) -> list[tuple[str, str]]:
    return [(str(o.uuid), disk_offering_label(o)) for o in invoke(user, "listDiskOfferings")]


class VolumeFilter(forms.Form):
    keyword = forms.CharField(label="Search", required=False)
    type = forms.ChoiceField(label="Type", required=False,
                             choices=[("", "any")] + [(t, t) for t in Volume.Type.values])
    zoneid = forms.ChoiceField(label="Zone", required=False)
    listall = forms.ChoiceField(label="Show", required=False,
                                choices=[("true", "All volumes"), ("false", "My volumes")])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zoneid"].choices = [("", "any")] + zone_choices(user)
        if not (user.is_root_admin or user.is_domain_admin):
            del self.fields["listall"]


class SnapshotFilter(forms.Form):
    keyword = forms.CharField(label="Search", required=False)
    snapshottype = forms.ChoiceField(label="Type", required=False, choices=[
        ("", "any"), ("MANUAL", "Manual"), ("RECURRING", "Recurring")])
    listall = forms.ChoiceField(label="Show", required=False,
                                choices=[("true", "All snapshots"), ("false", "My snapshots")])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not (user.is_root_admin or user.is_domain_admin):
            del self.fields["listall"]


class VolumeForm(forms.Form):
    """Add volume (createVolume from a disk offering)."""

    name = forms.CharField(label="Name", max_length=255, required=False,
                           help_text="Left blank, the volume is named DATA-…")
    zoneid = forms.ChoiceField(label="Zone")
    diskofferingid = forms.ChoiceField(label="Disk offering")
    size = forms.IntegerField(label="Size (GB)", required=False, min_value=1,
                              help_text="For a custom disk offering only")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zoneid"].choices = zone_choices(user)
        self.fields["diskofferingid"].choices = disk_offering_choices(user)


class FromSnapshotForm(forms.Form):
    """Create volume (createVolume from a snapshot)."""

    name = forms.CharField(label="Name", max_length=255, required=False,
                           help_text="Left blank, the volume is named after the snapshot")


class CreateTemplateForm(forms.Form):
    """Create template (createTemplate from a volume or a snapshot)."""

    name = forms.CharField(label="Name", max_length=255)
    displaytext = forms.CharField(label="Description", max_length=4096, required=False)
    ostypeid = forms.ChoiceField(label="OS type")
    ispublic = forms.BooleanField(label="Public", required=False)
    passwordenabled = forms.BooleanField(label="Password enabled", required=False)
    sshkeyenabled = forms.BooleanField(label="SSH key enabled", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ostypeid"].choices = [(str(t.uuid), t.description) for t in invoke(user, "listOsTypes")]
        if user.is_root_admin:
            self.fields["isfeatured"] = forms.BooleanField(label="Featured", required=False)


class AttachForm(forms.Form):
    virtualmachineid = forms.ChoiceField(label="Instance")
    deviceid = forms.IntegerField(label="Device id", required=False, min_value=1,
                                  help_text="Left blank, the first free one")

    def __init__(self, *args, user, volume, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["virtualmachineid"].choices = [
            (str(vm.uuid), f"{vm.display_name or vm.name} ({vm.state})")
            for vm in volumes.attachable_instances(user, volume)]


class ResizeForm(forms.Form):
    size = forms.IntegerField(label="New size (GB)", required=False, min_value=1,
                              help_text="For a custom offering or a ROOT volume; volumes only grow")
    diskofferingid = forms.ChoiceField(label="Or another disk offering", required=False)

    def __init__(self, *args, user, volume, **kwargs):
        super().__init__(*args, **kwargs)
        if volume.volume_type == Volume.Type.ROOT:
            del self.fields["diskofferingid"]
        else:
            self.fields["diskofferingid"].choices = [("", "keep its offering")] + disk_offering_choices(user)


class SnapshotForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255, required=False,
                           help_text="Left blank: instance_volume_date")


class SnapshotPolicyForm(forms.Form):
    """A row of the volume page's policy editor (createSnapshotPolicy)."""

    intervaltype = forms.ChoiceField(label="Interval", choices=SnapshotPolicy.Interval.choices)
    schedule = forms.CharField(label="Schedule", max_length=32,
                               help_text="HOURLY: MM; DAILY: MM:HH; WEEKLY: MM:HH:D (1 = Sunday); MONTHLY: MM:HH:DD")
    timezone = forms.CharField(label="Time zone", max_length=64, initial="UTC")
    maxsnaps = forms.IntegerField(label="Keep", min_value=1, initial=8)
