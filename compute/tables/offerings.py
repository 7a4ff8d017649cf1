"""List columns of the offering pages."""
import django_tables2 as tables

from infrastructure.tables import Meta

DELETE_BUTTON = (
    '<a class="btn btn-sm btn-outline-danger" href="{{% url \'compute:{kind}_delete\' record.uuid %}}" '
    'hx-get="{{% url \'compute:{kind}_delete\' record.uuid %}}" hx-target="#action-modal-content">'
    '<i class="bi bi-trash"></i> Delete</a>')


class ServiceOfferingTable(tables.Table):
    name = tables.Column(verbose_name="Name")
    display_text = tables.Column(verbose_name="Description")
    cpu = tables.TemplateColumn("{{ record.cpu_number }} × {{ record.cpu_speed }} MHz", verbose_name="CPU",
                                orderable=False)
    memory = tables.TemplateColumn("{{ record.memory }} MB", verbose_name="Memory")
    storage_type = tables.Column(verbose_name="Storage")
    offer_ha = tables.BooleanColumn(verbose_name="HA")
    domain = tables.Column(accessor="domain__name", verbose_name="Domain", default="public")
    actions = tables.TemplateColumn(DELETE_BUTTON.format(kind="serviceoffering"), verbose_name="", orderable=False)

    class Meta(Meta):
        empty_text = "No service offerings."


class DiskOfferingTable(tables.Table):
    name = tables.Column(verbose_name="Name")
    display_text = tables.Column(verbose_name="Description")
    size = tables.TemplateColumn("{% if record.customized %}chosen at use{% else %}{{ record.disk_size }} GB{% endif %}",
                                 verbose_name="Size", orderable=False)
    storage_type = tables.Column(verbose_name="Storage")
    tags = tables.Column(verbose_name="Tags")
    domain = tables.Column(accessor="domain__name", verbose_name="Domain", default="public")
    actions = tables.TemplateColumn(DELETE_BUTTON.format(kind="diskoffering"), verbose_name="", orderable=False)

    class Meta(Meta):
        empty_text = "No disk offerings."
