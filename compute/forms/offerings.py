"""Forms of the offering dialogs; field names are the command parameters."""
from django import forms


def domain_choices(user):
    from accounts.services.scope import visible_domains

    public = [("", "public")] if user.is_root_admin else []
    return public + [(d.uuid, d.full_path) for d in visible_domains(user)]


class ServiceOfferingForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    displaytext = forms.CharField(label="Description")
    cpunumber = forms.IntegerField(label="CPU cores", initial=1)
    cpuspeed = forms.IntegerField(label="CPU speed (MHz)", initial=1000)
    memory = forms.IntegerField(label="Memory (MB)", initial=1024)
    storagetype = forms.ChoiceField(label="Storage", choices=[("shared", "shared"), ("local", "local")])
    offerha = forms.BooleanField(label="Offer HA", required=False)
    limitcpuuse = forms.BooleanField(label="Cap CPU use at its speed", required=False)
    hosttags = forms.CharField(label="Host tags", required=False)
    tags = forms.CharField(label="Storage tags", required=False)
    domainid = forms.ChoiceField(label="For", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domainid"].choices = domain_choices(user)


class DiskOfferingForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    displaytext = forms.CharField(label="Description")
    customized = forms.BooleanField(label="Size chosen at use (custom)", required=False)
    disksize = forms.IntegerField(label="Size (GB)", required=False)
    storagetype = forms.ChoiceField(label="Storage", choices=[("shared", "shared"), ("local", "local")])
    tags = forms.CharField(label="Storage tags", required=False)
    domainid = forms.ChoiceField(label="For", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domainid"].choices = domain_choices(user)
