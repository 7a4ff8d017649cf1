"""Async jobs: the call answers a jobid at once, queryAsyncJobResult tells
the outcome, and a job whose worker died is failed by the reconciler."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import Account
from cloudstack_ui.api.registry import get_command
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import INTERRUPTED_TEXT, reconcile_stale_jobs, submit_job
from tests.conftest import PASSWORD, logged_in_client, subprocess_env, wait_for

ROOT = Path(__file__).resolve().parents[2]


def api(client: Client, key: str, command: str, **params):
    return client.get("/client/api", {"command": command, "sessionkey": key, "response": "json", **params})


def api_session(username, password, domain=""):
    client = Client()
    login = client.post("/client/api", {"command": "login", "username": username, "password": password,
                                        "domain": domain, "response": "json"}).json()["loginresponse"]
    return client, login["sessionkey"]


@pytest.mark.django_db
def test_async_call_answers_a_job_and_its_result(root_admin, tenancy):
    client, key = api_session("admin", PASSWORD)
    target = tenancy["comp1_user"].account
    answer = api(client, key, "disableAccount", id=str(target.uuid), lock="false").json()["disableaccountresponse"]
    assert set(answer) == {"jobid", "id"} and answer["id"] == str(target.uuid)

    job = api(client, key, "queryAsyncJobResult", jobid=answer["jobid"]).json()["queryasyncjobresultresponse"]
    assert job["jobstatus"] == 1 and job["jobresultcode"] == 0 and job["jobresulttype"] == "object"
    assert job["jobinstancetype"] == "Account" and job["jobinstanceid"] == str(target.uuid)
    assert job["jobresult"]["account"]["state"] == "Disabled"
    assert job["cmd"] == "disableAccount" and job["completed"]

    listed = api(client, key, "listAsyncJobs").json()["listasyncjobsresponse"]
    assert [j["jobid"] for j in listed["asyncjobs"]] == [answer["jobid"]]


@pytest.mark.django_db
def test_a_failing_job_carries_the_error(root_admin, tenancy):
    client, key = api_session("admin", PASSWORD)
    answer = api(client, key, "deleteDomain", id=str(tenancy["comp1"].uuid)).json()["deletedomainresponse"]
    job = api(client, key, "queryAsyncJobResult", jobid=answer["jobid"]).json()["queryasyncjobresultresponse"]
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 536
    assert job["jobresult"]["errorcode"] == 536 and "cleanup" in job["jobresult"]["errortext"].lower()
    assert tenancy["comp1"].__class__.objects.filter(pk=tenancy["comp1"].pk).exists()


@pytest.mark.django_db
def test_an_unknown_object_fails_the_call_not_a_job(root_admin):
    client, key = api_session("admin", PASSWORD)
    response = api(client, key, "deleteAccount", id="7c9e6679-7425-40de-944b-e07fc1f90ae7")
    assert response.status_code == 431
    assert not AsyncJob.objects.exists()


@pytest.mark.django_db
def test_jobs_of_other_accounts_are_not_visible(root_admin, tenancy):
    client, key = api_session("admin", PASSWORD)
    answer = api(client, key, "disableAccount", id=str(tenancy["sales_user"].account.uuid), lock="true").json()
    jobid = answer["disableaccountresponse"]["jobid"]
    user_client, user_key = api_session("comp1-user", "s3cret-Pass", "Comp1")
    assert api(user_client, user_key, "queryAsyncJobResult", jobid=jobid).status_code == 431
    assert api(user_client, user_key, "listAsyncJobs", listall="true").json() == {"listasyncjobsresponse": {}}


@pytest.mark.django_db
def test_ui_actions_of_async_commands_run_as_jobs(root_admin, tenancy):
    target = tenancy["comp1_user"].account
    response = logged_in_client(root_admin).post(f"/client/accounts/{target.uuid}/disable", {})
    assert response.status_code == 302
    job = AsyncJob.objects.get()
    assert job.command == "disableAccount" and job.status == AsyncJob.Status.SUCCEEDED
    target.refresh_from_db()
    assert target.state == Account.State.DISABLED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_whose_worker_is_killed_is_failed_by_the_reconciler(root_admin, settings):
    """A real Celery worker takes the job, starts it, and is killed with
    SIGKILL mid-job; the job must not stay pending forever."""
    import tests.plugins.slow_jobs.commands  # noqa: F401  (registers waitForTest here too)

    settings.CELERY_TASK_ALWAYS_EAGER = False
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cloudstack_ui", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=ROOT, env=subprocess_env(CSUI_PLUGINS="tests.plugins.slow_jobs", JOB_HEARTBEAT_SECONDS="1"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        command = get_command("waitForTest")
        job = submit_job(root_admin, command, command.parse({"seconds": "120"}))
        wait_for(lambda: AsyncJob.objects.filter(pk=job.pk, started__isnull=False).exists(), 60, "the job to start")

        settings.JOB_STALE_AFTER_SECONDS = 3
        time.sleep(4)
        assert reconcile_stale_jobs() == 0, "a job whose worker is alive and heartbeating is left alone"

        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        time.sleep(4)
        assert reconcile_stale_jobs() == 1
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
    job.refresh_from_db()
    assert job.status == AsyncJob.Status.FAILED and job.result_code == 530
    assert job.result == {"errorcode": 530, "errortext": INTERRUPTED_TEXT}
    assert job.completed is not None
