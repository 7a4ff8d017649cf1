"""queryAsyncJobResult and listAsyncJobs. A caller sees their own jobs; a
domain admin those of users in their subtree; a root admin all."""
from cloudstack_ui.api.registry import ALL_ROLES, Command, Param, register
from cloudstack_ui.errors import NotFound
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.serializers import AsyncJobSerializer


def visible_jobs(caller, *, listall: bool = True):
    jobs = AsyncJob.objects.select_related("user__account")
    if caller.is_root_admin and listall:
        return jobs
    if caller.is_domain_admin and listall:
        return jobs.filter(user__account__domain__path__startswith=caller.account.domain.path)
    return jobs.filter(user__account_id=caller.account_id)


@register
class QueryAsyncJobResult(Command):
    name = "queryAsyncJobResult"
    description = "The status of an async job, and its result once done"
    authorized = ALL_ROLES
    serializer = AsyncJobSerializer
    params = (Param("jobid", "uuid", required=True, description="the job's ID, as the async call answered it"),)

    def execute(self, caller, **p):
        job = visible_jobs(caller).filter(uuid=p["jobid"]).first()
        if job is None:
            raise NotFound(f"Unable to find a job with id {p['jobid']}", field="jobid")
        return job

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
