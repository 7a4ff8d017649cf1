"""`/client/api`: the CloudStack command API. Thin: authenticate, look the
command up, run it (or queue it as a job), page and render the answer. Every
error becomes CloudStack's error envelope; nothing escapes as a 500."""
import logging

from django.contrib.auth.decorators import login_not_required
from django.views.decorators.csrf import csrf_exempt

from cloudstack_ui.api.auth import authenticate, integration_caller, is_integration_request
from cloudstack_ui.api.paging import page_of
from cloudstack_ui.api.registry import get_command, prepare
from cloudstack_ui.api.rendering import render, render_error
from cloudstack_ui.api.settings_keys import DEFAULT_PAGE_SIZE
from cloudstack_ui.config.keys import get_value
from cloudstack_ui.dependents import DATABASE_REFUSALS, describe_database_refusal
from cloudstack_ui.errors import CloudStackError, InvalidParameter
from cloudstack_ui.jobs.services import submit_job

logger = logging.getLogger(__name__)

INTERNAL_ERROR = CloudStackError("Internal error executing command, please contact your system administrator")


def request_params(request) -> dict[str, str]:
    """Query string and form body together, first value of each name."""
    params = {k: request.GET.get(k) for k in request.GET}
    if request.method == "POST":
        params.update({k: request.POST.get(k) for k in request.POST})
    return params


@csrf_exempt
@login_not_required
def command_api(request):
    params = request_params(request)
    lowered = {k.lower(): v for k, v in params.items()}
    fmt = "json" if (lowered.get("response") or "").lower() == "json" else "xml"
    name = lowered.get("command") or ""
    try:
        if not name:
            raise InvalidParameter("Unable to execute API command: missing parameter command", field="command")
        command = get_command(name) if name.lower() in ("login", "logout") else None
        if command is not None:
            return render(command.name, command.execute_for_request(request, params), fmt)
        caller = integration_caller() if is_integration_request(request) else authenticate(request, params)
        command, parsed = prepare(caller, name, params)
        return render(command.name, run(caller, command, parsed), fmt)
    except CloudStackError as exc:
        return render_error(name, exc, fmt)
    except DATABASE_REFUSALS as exc:
        return render_error(name, describe_database_refusal(exc), fmt)
    except Exception:
        logger.exception("command %s failed", name)
        return render_error(name, INTERNAL_ERROR, fmt)


def run(caller, command, parsed: dict) -> dict:
    """The body of the answer: a job reference, a page of a list, or the object."""
    page, pagesize = parsed.pop("page", None), parsed.pop("pagesize", None)
    if command.is_async:
        job = submit_job(caller, command, parsed)
        body = {"jobid": job.uuid}
        if job.instance_uuid:
            body["id"] = job.instance_uuid
        return body
    result = command.execute(caller, **parsed)
    if command.is_list:
        items, count = page_of(result, page=page, pagesize=pagesize, cap=get_value(DEFAULT_PAGE_SIZE))
        return command.render_list(items, count)
    body = command.render(result)
    if isinstance(body.get("success"), bool):
        # CloudStack answers a sync success as the string "true" (a job's
        # result keeps the boolean); libcloud compares with "true".
        body["success"] = str(body["success"]).lower()
    return body
