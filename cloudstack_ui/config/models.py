from django.db import models


class ConfigurationValue(models.Model):
    """An operator's value for one declared key, globally or for one object
    of the key's scope (a zone, a cluster, an account); a key without a row
    has its declared default."""

    name = models.CharField(max_length=255)
    scope = models.CharField(max_length=16, default="global")
    scope_uuid = models.UUIDField(null=True, blank=True)
    value = models.TextField(blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "scope", "scope_uuid"], name="config_value_once_per_scope"),
            models.UniqueConstraint(fields=["name"], condition=models.Q(scope_uuid__isnull=True),
                                    name="config_global_value_once"),
        ]

    def __str__(self):
        return f"{self.name}={self.value}"
