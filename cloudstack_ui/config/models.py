from django.db import models


class ConfigurationValue(models.Model):
    """An operator's value for one declared key; a key without a row has its
    declared default."""

    name = models.CharField(max_length=255, unique=True)
    value = models.TextField(blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}={self.value}"
