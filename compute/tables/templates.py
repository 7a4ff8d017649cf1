"""List columns of the template and ISO pages: one row per template per zone."""
import django_tables2 as tables

from infrastructure.tables import Meta

DELETE = ('<a class="btn btn-sm btn-outline-danger" href="{% url \'compute:template_delete\' record.template.uuid %}" '
          'hx-get="{% url \'compute:template_delete\' record.template.uuid %}" hx-target="#action-modal-content">'
          '<i class="bi bi-trash"></i> Delete</a>')
STATUS = ('{% if record.is_ready %}<span class="badge text-bg-success">{{ record.status_text }}</span>'
          '{% elif record.status == "DOWNLOAD_ERROR" %}<span class="badge text-bg-danger">Error</span> '
          '<span class="small">{{ record.status_text }}</span>'
          '{% else %}<div class="progress" role="progressbar" aria-label="download" style="min-width:8rem">'
          '<div class="progress-bar" style="width: {{ record.download_percent }}%">{{ record.status_text }}</div>'
          '</div>{% endif %}')


class TemplateTable(tables.Table):
    name = tables.Column(accessor="template__name", verbose_name="Name")
    hypervisor = tables.Column(accessor="template__hypervisor", verbose_name="Hypervisor", default="—")
    format = tables.Column(accessor="template__format", verbose_name="Format")
    os_type = tables.Column(accessor="template__os_type__description", verbose_name="OS type")
    zone = tables.Column(accessor="zone__name", verbose_name="Zone")
    status = tables.TemplateColumn(STATUS, verbose_name="Status", orderable=False)
    account = tables.Column(accessor="template__account__name", verbose_name="Account")
    featured = tables.BooleanColumn(accessor="template__is_featured", verbose_name="Featured")
    actions = tables.TemplateColumn(DELETE, verbose_name="", orderable=False)

    class Meta(Meta):
        empty_text = "Nothing registered."
