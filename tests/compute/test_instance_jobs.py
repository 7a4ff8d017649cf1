"""Instance jobs keep their secrets and are never lost.

The password a deploy or a reset makes is stored only encrypted and answered
once, to the user who submitted the job, by queryAsyncJobResult: no other
admin, no later query, no job list, REST resource, pushed event or log line
shows it. A deploy's instance row and its job commit together; a deploy
whose task no worker takes is sent again, then failed with the reason, and
its instance ends in Error holding nothing."""
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone

from accounts.models import User
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import reconcile_stale_jobs, run_job
from cloudstack_ui.jobs.tasks import run_async_job
from compute.models import DiskOffering, ServiceOffering, VirtualMachine, Volume
from network.models import GuestIpAddress
from tests.compute.conftest import ready_template
from tests.conftest import PASSWORD, logged_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(simulator_zone, root_admin, tenancy):
    return {"zone": simulator_zone, "template": ready_template(simulator_zone, root_admin, password_enabled=True),
            "small": ServiceOffering.objects.get(name="Small Instance"), "user": tenancy["comp1_user"],
            "tenancy": tenancy}


def api_session(user: User, password: str = PASSWORD) -> tuple[Client, str]:
    """A command-API session of `user` (login command)."""
    client = Client()
    login = client.post("/client/api", {"command": "login", "username": user.username, "password": password,
                                        "domain": user.account.domain.name if user.account.domain.parent_id else "",
                                        "response": "json"})
    assert login.status_code == 200, login.content
    return client, login.json()["loginresponse"]["sessionkey"]


def api(session, command: str, **params) -> dict:
    client, key = session
    response = client.get("/client/api", {"command": command, "sessionkey": key, "response": "json", **params})
    assert response.status_code == 200, response.content
    return response.json()[f"{command.lower()}response"]


def deploy_params(world) -> dict:
    return {"zoneid": str(world["zone"].zone.uuid), "serviceofferingid": str(world["small"].uuid),
            "templateid": str(world["template"].uuid)}


def raw_job_row(job_uuid) -> str:
    """Every column of the job's row as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM jobs_asyncjob WHERE uuid = %s", [job_uuid.replace("-", "")
                                                                       if connection.vendor == "sqlite"
                                                                       else job_uuid])
        row = cursor.fetchone()
    assert row is not None
    return " ".join(str(value) for value in row)


def raw_vm_password(vm: VirtualMachine) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM compute_virtualmachine WHERE id = %s", [vm.pk])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("command", ["deployVirtualMachine", "resetPasswordForVirtualMachine"])
def test_an_instance_password_is_answered_once_to_the_jobs_owner_and_never_stored_in_clear(
        world, root_admin, command, monkeypatch, caplog):
    pushed = []
    monkeypatch.setattr("cloudstack_ui.jobs.services.publish_to_account", lambda account, event: pushed.append(event))
    caplog.set_level("DEBUG")
    owner = api_session(world["user"])
    if command == "deployVirtualMachine":
        jobid = api(owner, command, **deploy_params(world))["jobid"]
        vm = VirtualMachine.objects.get(uuid=AsyncJob.objects.get(uuid=jobid).instance_uuid)
    else:
        vm = VirtualMachine.objects.get(uuid=api(owner, "deployVirtualMachine", **deploy_params(world))["id"])
        api(owner, "stopVirtualMachine", id=str(vm.uuid))
        jobid = api(owner, command, id=str(vm.uuid))["jobid"]
    vm.refresh_from_db()
    password = vm.password
    assert len(password) >= 8
    assert password not in raw_job_row(jobid), "the job's row holds no clear password"
    assert raw_vm_password(vm) != password and password not in raw_vm_password(vm), "the instance's is encrypted"

    other_admin = api_session(root_admin)
    listed = api(other_admin, "listAsyncJobs", listall="true")
    assert jobid in str(listed) and password not in str(listed), "another admin's listall never shows it"
    seen_by_admin = api(other_admin, "queryAsyncJobResult", jobid=jobid)
    assert seen_by_admin["jobstatus"] == 1 and "password" not in seen_by_admin["jobresult"]["virtualmachine"]

    rest = logged_in_client(world["user"])
    assert password not in rest.get(f"/api/v1/jobs/{jobid}/").content.decode(), "the REST job resource never"
    assert password not in rest.get("/api/v1/jobs/").content.decode()

    first = api(owner, "queryAsyncJobResult", jobid=jobid)
    assert first["jobresult"]["virtualmachine"]["password"] == password, "the owner gets it, once"
    assert first["jobresult"]["virtualmachine"]["id"] == str(vm.uuid)
    again = api(owner, "queryAsyncJobResult", jobid=jobid)
    assert again["jobstatus"] == 1 and "password" not in again["jobresult"]["virtualmachine"], "then never again"
    assert password not in str(api(owner, "listAsyncJobs"))
    assert password not in rest.get(f"/api/v1/jobs/{jobid}/").content.decode()
    assert AsyncJob.objects.get(uuid=jobid).result_secrets == "", "the job forgets it once read"
    assert password not in str(pushed) and password not in caplog.text, "no event or log line carries it"


def test_a_password_job_of_another_user_answers_no_password_even_to_its_domain_admin(world):
    owner = api_session(world["user"])
    jobid = api(owner, "deployVirtualMachine", **deploy_params(world))["jobid"]
    domain_admin = api_session(world["tenancy"]["comp1_admin"])
    seen = api(domain_admin, "queryAsyncJobResult", jobid=jobid)
    assert seen["jobstatus"] == 1 and "password" not in seen["jobresult"]["virtualmachine"]
    assert AsyncJob.objects.get(uuid=jobid).result_secrets != "", "still waiting for its owner"
    assert "password" in api(owner, "queryAsyncJobResult", jobid=jobid)["jobresult"]["virtualmachine"]


# The deploy's rows and its job, together -----------------------------------------------------------

def _rows():
    return (VirtualMachine.objects.count(), Volume.objects.count(), AsyncJob.objects.count(),
            list(GuestIpAddress.objects.order_by("pk").values()))


def _volume_params(world) -> dict:
    return {"name": "data1", "zoneid": str(world["zone"].zone.uuid),
            "diskofferingid": str(DiskOffering.objects.get(name="Small").uuid)}


@pytest.mark.parametrize("command, params", [("deployVirtualMachine", deploy_params),
                                             ("createVolume", _volume_params)])
def test_what_a_command_records_is_not_left_behind_when_its_job_cannot_be_recorded(world, monkeypatch, command,
                                                                                   params):
    client, key = api_session(world["user"])
    before = _rows()

    def no_job(*args, **kwargs):
        raise DatabaseError("the job row could not be written")

    monkeypatch.setattr(AsyncJob.objects, "create", no_job)
    response = client.get("/client/api", {"command": command, "sessionkey": key, "response": "json",
                                          **params(world)})
    assert response.status_code == 530
    assert _rows() == before, "no instance, volume or address without its job"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_task_of_a_deploy_is_sent_once_its_instance_and_job_are_committed(simulator_zone, root_admin, tenancy,
                                                                               settings, monkeypatch):
    """The worker may take the task at once: by then another connection must
    see both rows."""
    import threading

    world = {"zone": simulator_zone, "template": ready_template(simulator_zone, root_admin),
             "small": ServiceOffering.objects.get(name="Small Instance")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    seen_at_send = []

    def as_a_worker_sees_it(job_id):
        def look():
            from django.db import connections

            job = AsyncJob.objects.filter(pk=job_id).first()
            seen_at_send.append((job is not None, job is not None and VirtualMachine.objects.filter(
                uuid=job.instance_uuid).exists()))
            connections.close_all()

        reader = threading.Thread(target=look)
        reader.start()
        reader.join()

    monkeypatch.setattr(run_async_job, "delay", as_a_worker_sees_it)
    owner = api_session(tenancy["comp1_user"])
    api(owner, "deployVirtualMachine", **deploy_params(world))
    assert seen_at_send == [(True, True)]


# A deploy no worker takes --------------------------------------------------------------------------

def _age_last_send(job: AsyncJob, settings) -> None:
    AsyncJob.objects.filter(pk=job.pk).update(
        queued_at=timezone.now() - timedelta(seconds=settings.JOB_PICKUP_TIMEOUT_SECONDS + 1))


def test_a_deploy_no_worker_takes_is_sent_again_then_failed_and_its_instance_gives_back_what_it_held(
        world, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.JOB_MAX_QUEUE_ATTEMPTS = 3
    sent = []
    monkeypatch.setattr(run_async_job, "delay", sent.append)
    owner = api_session(world["user"])
    addresses = list(GuestIpAddress.objects.order_by("pk").values())
    with django_capture_on_commit_callbacks(execute=True):
        answer = api(owner, "deployVirtualMachine", **deploy_params(world))
    job = AsyncJob.objects.get(uuid=answer["jobid"])
    vm = VirtualMachine.objects.get(uuid=answer["id"])
    assert sent == [job.pk] and job.queue_attempts == 1 and vm.state == "Starting" and vm.volumes.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_stale_jobs() == 0, "a task sent within the pickup timeout is left to the workers"
    for attempt in (2, 3):
        _age_last_send(job, settings)
        with django_capture_on_commit_callbacks(execute=True):
            assert reconcile_stale_jobs() == 1
        job.refresh_from_db()
        assert job.status == AsyncJob.Status.PENDING and job.queue_attempts == attempt and job.started is None
    assert sent == [job.pk] * 3

    _age_last_send(job, settings)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_stale_jobs() == 1
    job.refresh_from_db()
    assert sent == [job.pk] * 3, "not sent a fourth time"
    assert job.status == AsyncJob.Status.FAILED and job.result_code == 530 and job.completed is not None
    assert job.result["errortext"].startswith("The job was never picked up by a worker: its task was sent 3 times")
    vm.refresh_from_db()
    assert vm.state == "Error" and "never picked up" in vm.state_reason
    assert not vm.volumes.exists() and list(GuestIpAddress.objects.order_by("pk").values()) == addresses

    run_job(job.pk)
    vm.refresh_from_db()
    job.refresh_from_db()
    assert vm.state == "Error" and job.status == AsyncJob.Status.FAILED, "a late task of a failed job does nothing"


@pytest.mark.parametrize("command", ["createVolume", "createSnapshot", "createTemplate"])
def test_what_a_create_job_no_worker_takes_recorded_does_not_pass_for_made(volume_world, command, settings,
                                                                         monkeypatch):
    from cloudstack_ui.api.registry import prepare
    from cloudstack_ui.jobs.services import submit_job
    from compute.models import OsType, Snapshot, Template
    from tests.compute.conftest import call

    world = volume_world
    user = world["user"]
    call(user, "stopVirtualMachine", id=world["vm"].uuid)
    root = world["vm"].volumes.get(volume_type="ROOT")
    params = {
        "createVolume": {"name": "data9", "zoneid": world["zone"].zone.uuid, "diskofferingid": world["small"].uuid},
        "createSnapshot": {"volumeid": root.uuid},
        "createTemplate": {"name": "golden", "volumeid": root.uuid,
                           "ostypeid": OsType.objects.get(description="Other Linux (64-bit)").uuid},
    }[command]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(run_async_job, "delay", lambda job_id: None)
    cmd, parsed = prepare(user, command, params)
    job = submit_job(user, cmd, parsed)
    AsyncJob.objects.filter(pk=job.pk).update(
        queue_attempts=settings.JOB_MAX_QUEUE_ATTEMPTS,
        queued_at=timezone.now() - timedelta(seconds=settings.JOB_PICKUP_TIMEOUT_SECONDS + 1))
    assert reconcile_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == AsyncJob.Status.FAILED and "never picked up" in job.result["errortext"]
    if command == "createVolume":
        assert Volume.objects.get(uuid=job.instance_uuid).state == "Error"
    elif command == "createSnapshot":
        snapshot = Snapshot.objects.get(uuid=job.instance_uuid)
        assert snapshot.state == "Error" and "never picked up" in snapshot.error
    else:
        assert not Template.objects.filter(uuid=job.instance_uuid).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_queries_of_the_owner_at_once_get_the_password_only_once(simulator_zone, root_admin, tenancy):
    from cloudstack_ui.api.registry import invoke
    from tests.conftest import all_at_once

    world = {"zone": simulator_zone, "template": ready_template(simulator_zone, root_admin, password_enabled=True),
             "small": ServiceOffering.objects.get(name="Small Instance")}
    owner = tenancy["comp1_user"]
    jobid = api(api_session(owner), "deployVirtualMachine", **deploy_params(world))["jobid"]
    answers = []
    all_at_once(lambda: answers.append(invoke(owner, "queryAsyncJobResult", {"jobid": jobid}).result), 4)
    passwords = [a["virtualmachine"]["password"] for a in answers if "password" in a["virtualmachine"]]
    assert len(answers) == 4 and len(passwords) == 1
    assert passwords[0] == VirtualMachine.objects.get(uuid=AsyncJob.objects.get(uuid=jobid).instance_uuid).password


# Jobs whose worker died mid-way ---------------------------------------------------------------------

def _interrupted(job: AsyncJob, settings) -> None:
    """Make the job look started by a worker that stopped heartbeating."""
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 5)
    AsyncJob.objects.filter(pk=job.pk).update(status=AsyncJob.Status.PENDING, started=long_ago, heartbeat=long_ago,
                                              completed=None, result=None)


def test_an_instance_left_starting_by_a_dead_worker_goes_to_error_and_can_be_destroyed(world, settings):
    owner = api_session(world["user"])
    vm = VirtualMachine.objects.get(uuid=api(owner, "deployVirtualMachine", **deploy_params(world))["id"])
    api(owner, "stopVirtualMachine", id=str(vm.uuid))
    start = AsyncJob.objects.get(uuid=api(owner, "startVirtualMachine", id=str(vm.uuid))["jobid"])
    # The worker died after the instance became Starting.
    VirtualMachine.objects.filter(pk=vm.pk).update(state="Starting")
    _interrupted(start, settings)

    refused = owner[0].get("/client/api", {"command": "destroyVirtualMachine", "id": str(vm.uuid),
                                           "sessionkey": owner[1], "response": "json"})
    destroy_job = AsyncJob.objects.get(uuid=refused.json()["destroyvirtualmachineresponse"]["jobid"])
    assert destroy_job.result_code == 536, "a Starting instance refuses a destroy"

    assert reconcile_stale_jobs() == 1
    start.refresh_from_db()
    vm.refresh_from_db()
    assert start.status == AsyncJob.Status.FAILED
    assert vm.state == "Error" and "worker running it stopped responding" in vm.state_reason
    api(owner, "destroyVirtualMachine", id=str(vm.uuid))
    vm.refresh_from_db()
    assert vm.state == "Destroyed"


def test_a_deploy_whose_worker_died_gives_back_what_it_held(world, settings, monkeypatch):
    owner = api_session(world["user"])
    addresses = list(GuestIpAddress.objects.order_by("pk").values())
    answer = api(owner, "deployVirtualMachine", **deploy_params(world))
    vm = VirtualMachine.objects.get(uuid=answer["id"])
    assert vm.state == "Running" and vm.volumes.exists()
    # As if the worker had died before the instance was Running.
    VirtualMachine.objects.filter(pk=vm.pk).update(state="Starting")
    _interrupted(AsyncJob.objects.get(uuid=answer["jobid"]), settings)

    assert reconcile_stale_jobs() == 1
    vm.refresh_from_db()
    assert vm.state == "Error" and "stopped responding" in vm.state_reason
    assert not vm.volumes.exists() and list(GuestIpAddress.objects.order_by("pk").values()) == addresses


def test_an_instance_an_interrupted_job_no_longer_holds_is_left_as_it_is(world, settings):
    owner = api_session(world["user"])
    answer = api(owner, "deployVirtualMachine", **deploy_params(world))
    reboot = AsyncJob.objects.get(uuid=api(owner, "rebootVirtualMachine", id=answer["id"])["jobid"])
    _interrupted(reboot, settings)
    assert reconcile_stale_jobs() == 1
    assert VirtualMachine.objects.get(uuid=answer["id"]).state == "Running"
