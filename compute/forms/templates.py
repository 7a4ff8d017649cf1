"""Forms of the template and ISO pages."""
from django import forms

from compute.models import OsType
from infrastructure.models import Zone

FILTERS = [("executable", "All I can use"), ("featured", "Featured"), ("self", "Mine"),
           ("community", "Community"), ("sharedexecutable", "Shared with me")]


class TemplateFilter(forms.Form):
    templatefilter = forms.ChoiceField(label="Show", choices=FILTERS, required=False)
    keyword = forms.CharField(label="Search", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class RegisterForm(forms.Form):
    """registerTemplate / registerIso: the fields are their parameters."""

    name = forms.CharField(label="Name", max_length=255)
    displaytext = forms.CharField(label="Description", max_length=4096, required=False)
    url = forms.URLField(label="URL", max_length=2048, assume_scheme="https",
                         help_text="http or https; downloaded into secondary storage")
    zoneid = forms.ChoiceField(label="Zone")
    ostypeid = forms.ModelChoiceField(label="OS type", queryset=OsType.objects.all(), to_field_name="uuid")
    checksum = forms.CharField(label="Checksum", required=False, help_text="{SHA-256}hex, or MD5 hex")
    ispublic = forms.BooleanField(label="Public", required=False)
    isextractable = forms.BooleanField(label="Extractable", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zoneid"].choices = [("-1", "All zones")] + [
            (str(z.uuid), z.name) for z in Zone.objects.filter(image_stores__isnull=False).distinct()]
        if user.is_root_admin:
            self.fields["isfeatured"] = forms.BooleanField(label="Featured", required=False)

    def params(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}
        data["ostypeid"] = self.cleaned_data["ostypeid"].uuid
        return data


class RegisterTemplateForm(RegisterForm):
    hypervisor = forms.ChoiceField(label="Hypervisor", choices=[(h, h) for h in ("KVM", "XenServer", "VMware",
                                                                                   "Simulator")])
    format = forms.ChoiceField(label="Format", choices=[(f, f) for f in ("QCOW2", "RAW", "VHD", "OVA")])
    passwordenabled = forms.BooleanField(label="Password enabled", required=False)
    sshkeyenabled = forms.BooleanField(label="SSH key enabled", required=False)


class RegisterIsoForm(RegisterForm):
    bootable = forms.BooleanField(label="Bootable", required=False, initial=True)
