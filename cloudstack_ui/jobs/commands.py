"""queryAsyncJobResult, listAsyncJobs, listEvents, listAlerts, archiveAlerts. A
caller sees their own jobs and events; a domain admin those of accounts in
their subtree; a root admin all, and the alerts."""
from accounts.services.scope import scope_by_account
from cloudstack_ui.api.paging import filter_by_params
from cloudstack_ui.api.registry import ALL_ROLES, ROLE_ADMIN, Command, Param, register
from cloudstack_ui.errors import InvalidParameter, NotFound
from cloudstack_ui.jobs.events import archive_alerts
from cloudstack_ui.jobs.models import Alert, AsyncJob, Event
from cloudstack_ui.jobs.serializers import AlertSerializer, AsyncJobSerializer, EventSerializer
from cloudstack_ui.jobs.services import take_job_result


def _in_reach(queryset, caller, account_field: str, listall: bool):
    """Every row in the caller's reach with listall, else the caller's account's."""
    if listall:
        return scope_by_account(queryset, caller, account_field)
    return queryset.filter(**{f"{account_field}_id": caller.account_id})


def visible_jobs(caller, *, listall: bool = True):
    return _in_reach(AsyncJob.objects.select_related("user__account"), caller, "user__account", listall)


def find_job(caller, jobid) -> AsyncJob:
    """A job in the caller's reach, as stored (without the secrets of its answer)."""
    job = visible_jobs(caller).filter(uuid=jobid).first()
    if job is None:
        raise NotFound(f"Unable to find a job with id {jobid}", field="jobid")
    return job


@register
class QueryAsyncJobResult(Command):
    name = "queryAsyncJobResult"
    description = ("The status of an async job, and its result once done; a new instance password in it is "
                   "answered once, to the user who submitted the job")
    authorized = ALL_ROLES
    serializer = AsyncJobSerializer
    params = (Param("jobid", "uuid", required=True, description="the job's ID, as the async call answered it"),)

    def execute(self, caller, **p):
        return take_job_result(caller, find_job(caller, p["jobid"]))

    def render(self, result) -> dict:
        # The job's fields are the body itself, not under an object name.
        return self.render_object(result)


@register
class ListAsyncJobs(Command):
    name = "listAsyncJobs"
    description = "Lists the async jobs of the caller's account (of every account in reach with listall)"
    authorized = ALL_ROLES
    response_name = "asyncjobs"
    serializer = AsyncJobSerializer
    params = (
        Param("startdate", "date", description="only jobs created since this date (yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss+0000)"),
        Param("listall", "boolean", description="list jobs of every account the caller can see, not only the own"),
        Param("keyword", description="List by keyword (command name)"),
    )

    def execute(self, caller, **p):
        jobs = visible_jobs(caller, listall=p.get("listall", False))
        if "startdate" in p:
            jobs = jobs.filter(created__gte=p["startdate"])
        if "keyword" in p:
            jobs = jobs.filter(command__icontains=p["keyword"])
        return jobs


def visible_events(caller, *, listall: bool = True):
    return _in_reach(Event.objects.select_related("user", "account__domain"), caller, "account", listall)


@register
class ListEvents(Command):
    name = "listEvents"
    description = "Lists events: the caller's account's (of every account in reach with listall)"
    authorized = ALL_ROLES
    response_name = "event"
    serializer = EventSerializer
    params = (
        Param("id", "uuid", description="the event's id"),
        Param("type", description="the event type, e.g. HOST.RECONNECT"),
        Param("level", choices=tuple(Event.Level.values), description="INFO, WARN or ERROR"),
        Param("resourceid", "uuid", description="the events of this resource"),
        Param("startdate", "date", description="events since this date"),
        Param("enddate", "date", description="events until this date"),
        Param("listall", "boolean", description="events of every account the caller can see"),
        Param("keyword", description="List by keyword (in the description)"),
    )

    def execute(self, caller, **p):
        events = visible_events(caller, listall=p.get("listall", False) or caller.is_root_admin)
        events = filter_by_params(events, p, id="uuid", type="type__iexact", level="level", resourceid="resource_uuid",
                                  startdate="created__gte", enddate="created__lte", keyword="description__icontains")
        return events


@register
class ListAlerts(Command):
    name = "listAlerts"
    description = "Lists the alerts not archived"
    authorized = (ROLE_ADMIN,)
    response_name = "alert"
    serializer = AlertSerializer
    params = (
        Param("id", "uuid", description="the alert's id"),
        Param("type", "integer", description="the alert type, e.g. 7 for hosts"),
        Param("keyword", description="List by keyword"),
    )

    def execute(self, caller, **p):
        alerts = Alert.objects.filter(archived=False)
        alerts = filter_by_params(alerts, p, id="uuid", type="type", keyword="subject__icontains")
        return alerts


@register
class ArchiveAlerts(Command):
    name = "archiveAlerts"
    description = "Archives alerts: those of the given ids, or of a type"
    authorized = (ROLE_ADMIN,)
    params = (
        Param("ids", "list", description="the alerts' ids"),
        Param("type", "integer", description="archive every alert of this type"),
    )

    def execute(self, caller, **p):
        if not p.get("ids") and "type" not in p:
            raise InvalidParameter("ids: give the alerts' ids or a type", field="ids")
        archive_alerts(caller, ids=p.get("ids"), alert_type=p.get("type"))
        return {"success": True}
