"""Jobs are never lost: tasks are acknowledged late, a task whose send failed
or that no worker took is sent again by the reconciler and the job failed
with the reason after the last attempt, and a job started by a worker that
died is failed, never run a second time."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import Account
from cloudstack_ui.api.registry import get_command
from cloudstack_ui.celery import app
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import INTERRUPTED_TEXT, reconcile_stale_jobs, submit_job
from cloudstack_ui.jobs.tasks import run_async_job
from tests.conftest import PASSWORD, subprocess_env, wait_for

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_BROKER = "redis://127.0.0.1:6379/3"


def api(client: Client, key: str, command: str, **params):
    return client.get("/client/api", {"command": command, "sessionkey": key, "response": "json", **params})


def admin_session():
    client = Client()
    login = client.post("/client/api", {"command": "login", "username": "admin", "password": PASSWORD,
                                        "response": "json"}).json()["loginresponse"]
    return client, login["sessionkey"]


def test_tasks_are_acknowledged_late_and_taken_one_at_a_time():
    assert run_async_job.acks_late is True and run_async_job.reject_on_worker_lost is True
    assert app.conf.task_acks_late is True and app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.django_db
def test_a_job_whose_send_fails_at_submit_is_answered_then_sent_again_by_the_reconciler(
        root_admin, tenancy, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    target = tenancy["comp1_user"].account

    def broker_down(job_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_async_job, "delay", broker_down)
    client, key = admin_session()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(client, key, "disableAccount", id=str(target.uuid), lock="false")
    assert response.status_code == 200, response.content
    answer = response.json()["disableaccountresponse"]
    job = AsyncJob.objects.get(uuid=answer["jobid"])
    assert answer["id"] == str(target.uuid)
    assert job.status == AsyncJob.Status.PENDING and job.started is None and job.queue_attempts == 1
    target.refresh_from_db()
    assert target.state == Account.State.ENABLED, "nothing ran yet"

    monkeypatch.setattr(run_async_job, "delay", lambda job_id: run_async_job.apply(args=[job_id]))
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_stale_jobs() == 0, "within the pickup timeout the job is left as it is"
    AsyncJob.objects.filter(pk=job.pk).update(
        queued_at=timezone.now() - timedelta(seconds=settings.JOB_PICKUP_TIMEOUT_SECONDS + 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == AsyncJob.Status.SUCCEEDED and job.queue_attempts == 2
    target.refresh_from_db()
    assert target.state == Account.State.DISABLED


@pytest.mark.django_db
def test_a_job_never_picked_up_is_failed_with_the_reason_after_the_last_attempt(root_admin, tenancy, settings,
                                                                                monkeypatch,
                                                                                django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.JOB_MAX_QUEUE_ATTEMPTS = 2
    sent = []
    monkeypatch.setattr(run_async_job, "delay", sent.append)
    command = get_command("disableAccount")
    target = tenancy["comp1_user"].account
    with django_capture_on_commit_callbacks(execute=True):
        job = submit_job(root_admin, command, command.parse({"id": str(target.uuid), "lock": "false"}))
    for expected_sends in (2, 2):
        AsyncJob.objects.filter(pk=job.pk).update(
            queued_at=timezone.now() - timedelta(seconds=settings.JOB_PICKUP_TIMEOUT_SECONDS + 1))
        with django_capture_on_commit_callbacks(execute=True):
            assert reconcile_stale_jobs() == 1
        assert sent == [job.pk] * expected_sends
    job.refresh_from_db()
    assert job.status == AsyncJob.Status.FAILED and job.result_code == 530 and job.queue_attempts == 2
    assert job.result == {"errorcode": 530, "errortext": "The job was never picked up by a worker: its task was sent "
                          "2 times and no worker started it; check that a Celery worker is running and reaches "
                          "the broker"}
    run_async_job.apply(args=[job.pk])
    target.refresh_from_db()
    assert target.state == Account.State.ENABLED, "a task arriving after the job failed does not run it"


@pytest.mark.django_db
def test_a_redelivered_task_of_a_job_started_by_a_dead_worker_is_not_run_again(root_admin, tenancy, settings,
                                                                               monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(run_async_job, "delay", lambda job_id: None)
    command = get_command("disableAccount")
    target = tenancy["comp1_user"].account
    job = submit_job(root_admin, command, command.parse({"id": str(target.uuid), "lock": "false"}))
    died_at = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 5)
    AsyncJob.objects.filter(pk=job.pk).update(started=died_at, heartbeat=died_at)

    run_async_job.apply(args=[job.pk])
    job.refresh_from_db()
    target.refresh_from_db()
    assert job.status == AsyncJob.Status.PENDING and job.started == died_at
    assert target.state == Account.State.ENABLED, "not run a second time"
    assert reconcile_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == AsyncJob.Status.FAILED and job.result == {"errorcode": 530, "errortext": INTERRUPTED_TEXT}


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_TEST_BROKER)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return client


def _start_worker(log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cloudstack_ui", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=ROOT, env=subprocess_env(CSUI_PLUGINS="tests.plugins.slow_jobs", JOB_HEARTBEAT_SECONDS="1",
                                     CELERY_BROKER_URL=REDIS_TEST_BROKER, CELERY_BROKER_VISIBILITY_TIMEOUT="3"),
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def _kill(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_killed_mid_job_on_redis_leaves_its_message_which_is_not_run_twice(root_admin, settings,
                                                                                          monkeypatch, tmp_path):
    """A worker on Redis takes the job and is killed with SIGKILL while it
    runs: the message was not acknowledged, so Redis gives it to the next
    worker, which finds the job started and leaves it; the reconciler fails
    it with the reason."""
    import tests.plugins.slow_jobs.commands  # noqa: F401  (registers waitForTest here too)

    broker = _redis_or_skip()
    broker.flushdb()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(run_async_job, "delay", lambda job_id: run_async_job.apply_async(
        args=[job_id], connection=app.connection_for_write(REDIS_TEST_BROKER)))
    first, second = _start_worker(tmp_path / "first.log"), None
    try:
        command = get_command("waitForTest")
        job = submit_job(root_admin, command, command.parse({"seconds": "120"}))
        wait_for(lambda: AsyncJob.objects.filter(pk=job.pk, started__isnull=False).exists(), 60, "the job to start")
        started = AsyncJob.objects.get(pk=job.pk).started
        assert broker.hlen("unacked") == 1, "the running job's message is not acknowledged yet"

        _kill(first)
        # Redis restores an unacknowledged message older than the visibility
        # timeout (3 s here) at a worker's first idle read, then seldom.
        time.sleep(4)
        second = _start_worker(tmp_path / "second.log")
        second_log = tmp_path / "second.log"
        try:
            wait_for(lambda: "already started or done; not running it again" in second_log.read_text(), 90,
                      "the next worker to get the message again")
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}; its log:\n{second_log.read_text()[-3000:]}") from None
        wait_for(lambda: broker.hlen("unacked") == 0, 10, "the message to be acknowledged")
        job.refresh_from_db()
        assert job.status == AsyncJob.Status.PENDING and job.started == started, "not started a second time"

        settings.JOB_STALE_AFTER_SECONDS = 3
        time.sleep(4)
        assert reconcile_stale_jobs() == 1
    finally:
        _kill(first)
        if second is not None:
            _kill(second)
        broker.flushdb()
    job.refresh_from_db()
    assert job.status == AsyncJob.Status.FAILED and job.result == {"errorcode": 530, "errortext": INTERRUPTED_TEXT}


@pytest.mark.django_db
def test_the_migration_forgets_clear_passwords_of_old_jobs_and_dates_their_pending_sends(root_admin):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("cloudstack_ui.jobs.migrations.0006_jobs_result_secrets_and_queue_attempts")
    old_deploy = AsyncJob.objects.create(command="deployVirtualMachine", params="{}", user=root_admin,
                                         status=AsyncJob.Status.SUCCEEDED,
                                         result={"virtualmachine": {"id": "x", "password": "Clear-Text-1"}})
    old_pending = AsyncJob.objects.create(command="disableAccount", params="{}", user=root_admin)
    migration.forget_clear_passwords_and_date_pending_sends(apps, None)
    old_deploy.refresh_from_db()
    old_pending.refresh_from_db()
    assert old_deploy.result == {"virtualmachine": {"id": "x"}}
    assert old_pending.queued_at == old_pending.created and old_pending.queue_attempts == 1
