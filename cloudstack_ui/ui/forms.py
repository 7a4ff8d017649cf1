"""Forms every app's pages share."""
from django import forms


class ConfirmForm(forms.Form):
    """No fields: the dialog asks, the button confirms."""
