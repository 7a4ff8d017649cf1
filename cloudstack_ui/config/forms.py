"""Forms of the settings pages; field names are the command parameters."""
from django import forms


class SettingsFilter(forms.Form):
    keyword = forms.CharField(label="Search", required=False)
    category = forms.ChoiceField(label="Category", required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All categories")] + [(c, c) for c in categories]


class CapabilityForm(forms.Form):
    maxguestslimit = forms.IntegerField(label="Max guests per host", min_value=1)
    maxdatavolumeslimit = forms.IntegerField(label="Max data volumes per instance", min_value=1)
    maxhostspercluster = forms.IntegerField(label="Max hosts per cluster", min_value=1, required=False)
    securitygroupenabled = forms.BooleanField(label="Security groups", required=False)
