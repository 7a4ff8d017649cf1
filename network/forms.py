"""Forms of the IP range dialogs; field names are the command parameters."""
from django import forms


class PublicRangeForm(forms.Form):
    gateway = forms.CharField(label="Gateway")
    netmask = forms.CharField(label="Netmask")
    vlan = forms.CharField(label="VLAN", required=False, help_text="empty for untagged")
    startip = forms.CharField(label="Start IP")
    endip = forms.CharField(label="End IP", required=False)


class GuestRangeForm(forms.Form):
    gateway = forms.CharField(label="Guest gateway")
    netmask = forms.CharField(label="Guest netmask")
    startip = forms.CharField(label="Guest start IP")
    endip = forms.CharField(label="Guest end IP", required=False)
