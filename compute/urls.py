from django.urls import path

from compute.views import console, instances, offerings, templates, volumes

app_name = "compute"
urlpatterns = [
    # Offerings
    path("service-offerings/", offerings.ServiceOfferingListView.as_view(), name="serviceofferings"),
    path("service-offerings/add", offerings.ServiceOfferingAddView.as_view(), name="serviceoffering_add"),
    path("service-offerings/<uuid:uuid>/delete", offerings.ServiceOfferingDeleteView.as_view(),
         name="serviceoffering_delete"),
    path("disk-offerings/", offerings.DiskOfferingListView.as_view(), name="diskofferings"),
    path("disk-offerings/add", offerings.DiskOfferingAddView.as_view(), name="diskoffering_add"),
    path("disk-offerings/<uuid:uuid>/delete", offerings.DiskOfferingDeleteView.as_view(),
         name="diskoffering_delete"),
    # Templates and ISOs
    path("templates/", templates.TemplateListView.as_view(), name="templates"),
    path("templates/register", templates.RegisterTemplateView.as_view(), name="template_register"),
    path("templates/<uuid:uuid>/delete", templates.TemplateDeleteView.as_view(), name="template_delete"),
    path("isos/", templates.IsoListView.as_view(), name="isos"),
    path("isos/register", templates.RegisterIsoView.as_view(), name="iso_register"),
    # Instances
    path("instances/", instances.InstanceListView.as_view(), name="instances"),
    path("instances/add/", instances.InstanceWizardView.as_view(), name="instance_add"),
    path("instances/add/reset", instances.InstanceWizardResetView.as_view(), name="instance_add_reset"),
    path("instances/add/plan", instances.InstanceWizardPlanView.as_view(), name="instance_add_plan"),
    path("instances/add/<str:step>", instances.InstanceWizardView.as_view(), name="instance_add_step"),
    path("instances/password/<uuid:job>", instances.InstancePasswordView.as_view(), name="instance_password"),
    path("instances/<uuid:uuid>/", instances.InstanceDetailView.as_view(), name="instance_detail"),
    # The console (guide 6.9, View Console)
    path("instances/<uuid:uuid>/console", console.InstanceConsoleView.as_view(), name="instance_console"),
    path("instances/<uuid:uuid>/console/token", console.InstanceConsoleTokenView.as_view(),
         name="instance_console_token"),
    path("console/", console.ConsolePageView.as_view(), name="console"),
    path("console/status", console.ConsoleStatusView.as_view(), name="console_status"),
    *[path(f"instances/<uuid:uuid>/{action}", view.as_view(), name=f"instance_{action.replace('-', '_')}")
      for action, view in (
          ("start", instances.InstanceStartView), ("stop", instances.InstanceStopView),
          ("reboot", instances.InstanceRebootView), ("destroy", instances.InstanceDestroyView),
          ("expunge", instances.InstanceExpungeView), ("recover", instances.InstanceRecoverView),
          ("restore", instances.InstanceRestoreView), ("change-offering", instances.InstanceChangeOfferingView),
          ("reset-password", instances.InstanceResetPasswordView),
          ("reset-ssh-key", instances.InstanceResetSSHKeyView), ("edit", instances.InstanceEditView),
          ("migrate", instances.InstanceMigrateView))],
    # Volumes and snapshots
    path("volumes/", volumes.VolumeListView.as_view(), name="volumes"),
    path("volumes/add", volumes.VolumeAddView.as_view(), name="volume_add"),
    path("volumes/<uuid:uuid>/", volumes.VolumeDetailView.as_view(), name="volume_detail"),
    path("volumes/<uuid:uuid>/policies/<str:action>", volumes.VolumePolicyView.as_view(), name="volume_policies"),
    *[path(f"volumes/<uuid:uuid>/{action}", view.as_view(), name=f"volume_{action}") for action, view in (
        ("attach", volumes.VolumeAttachView), ("detach", volumes.VolumeDetachView),
        ("resize", volumes.VolumeResizeView), ("snapshot", volumes.VolumeSnapshotView),
        ("template", volumes.VolumeTemplateView), ("delete", volumes.VolumeDeleteView))],
    path("snapshots/", volumes.SnapshotListView.as_view(), name="snapshots"),
    *[path(f"snapshots/<uuid:uuid>/{action}", view.as_view(), name=f"snapshot_{action}") for action, view in (
        ("revert", volumes.SnapshotRevertView), ("volume", volumes.SnapshotVolumeView),
        ("template", volumes.SnapshotTemplateView), ("delete", volumes.SnapshotDeleteView))],
]
