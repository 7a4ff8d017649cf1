"""Launching a zone from the add-zone wizard (guide 6.3): a plan of
commands run in order through the command registry, as CloudStack's own
wizard does, reporting each item as it goes.

Guarantee: either every item is created, or none is left behind. Each item
commits on its own (so progress is visible while the launch runs); when one
fails, what was created is deleted again in reverse order and the failure
names the item and the reason."""
import logging

from cloudstack_ui.api.registry import invoke
from cloudstack_ui.errors import CloudStackError
from cloudstack_ui.jobs.services import report_progress
from infrastructure.models import Zone

logger = logging.getLogger(__name__)

# How each created kind is removed again, and with which parameters.
UNDO = {
    "createZone": ("deleteZone", {}),
    "createPhysicalNetwork": ("deletePhysicalNetwork", {}),
    "createPod": ("deletePod", {}),
    "createNetwork": ("deleteNetwork", {}),
    "createVlanIpRange": ("deleteVlanIpRange", {}),
    "createStorageNetworkIpRange": ("deleteStorageNetworkIpRange", {}),
    "addCluster": ("deleteCluster", {}),
    "addHost": ("deleteHost", {"forced": True}),
    "createStoragePool": ("deleteStoragePool", {}),
    "addImageStore": ("deleteImageStore", {}),
}


class LaunchFailed(CloudStackError):
    """An item of the plan failed; `step` names the wizard step to go back to."""

    def __init__(self, item: dict, cause: CloudStackError):
        super().__init__(f"{item['label']}: {cause.message}", field=cause.field)
        self.errorcode = cause.errorcode
        self.cserrorcode = cause.cserrorcode
        self.http_status = cause.http_status


def _resolve(params: dict, created: dict) -> dict:
    """Parameters whose value is "$key" take the id of an earlier item."""
    return {name: created[value[1:]] if isinstance(value, str) and value.startswith("$") else value
            for name, value in params.items()}


def _public_id(result):
    obj = result[0] if isinstance(result, list) else result
    return getattr(obj, "uuid", None)


def launch_zone(caller, plan: list[dict]) -> Zone:
    """Run the plan: items {"key", "label", "step", "command", "params"}."""
    detail = [{"label": item["label"], "step": item["step"], "status": "pending", "message": ""} for item in plan]
    created: dict[str, str] = {}
    undo: list[tuple[str, dict, str]] = []
    for index, item in enumerate(plan):
        detail[index]["status"] = "running"
        report_progress(100 * index // len(plan), detail)
        try:
            result = invoke(caller, item["command"], _resolve(item["params"], created))
        except CloudStackError as exc:
            detail[index].update(status="failed", message=exc.message)
            report_progress(100 * index // len(plan), detail)
            _roll_back(caller, undo)
            raise LaunchFailed(item, exc)
        public_id = _public_id(result)
        if public_id is not None:
            created[item["key"]] = str(public_id)
        if item["command"] in UNDO:
            command, extra = UNDO[item["command"]]
            undo.append((command, extra, created[item["key"]]))
        detail[index]["status"] = "done"
    report_progress(99, detail)
    return Zone.objects.get(uuid=created["zone"])


def _roll_back(caller, undo: list[tuple[str, dict, str]]) -> None:
    for command, extra, public_id in reversed(undo):
        try:
            invoke(caller, command, {"id": public_id, **extra})
        except CloudStackError:
            logger.exception("zone launch: could not undo %s %s", command, public_id)
            raise
