"""Submitting, running and reconciling async jobs.

Guarantees: a job row and what its command records before it runs (the
instance a deploy creates, a new volume...) are committed together or not at
all, and its Celery task is sent only once they are; a send that fails
leaves the job to the reconciler instead of failing the call; a job runs at
most once (a redelivered or duplicate task finds it started and leaves it); a
job ends SUCCEEDED with the command's answer or FAILED with CloudStack's error
body, never half-way; the secret fields of an answer (an instance's new
password) are stored only encrypted and answered once, to the job's owner;
`reconcile_stale_jobs` fails a job whose worker stopped heartbeating, sends
again the task of a job no worker took, and fails that job once it was sent
JOB_MAX_QUEUE_ATTEMPTS times."""
import json
import logging
import threading
from contextvars import ContextVar
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from cloudstack_ui.api.registry import Command, get_command, invoke
from cloudstack_ui.dependents import DATABASE_REFUSALS, describe_database_refusal
from cloudstack_ui.errors import CloudStackError
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.realtime.events import publish_to_account

logger = logging.getLogger(__name__)

INTERNAL_ERROR_TEXT = "Internal error executing command, please contact your system administrator"
INTERRUPTED_TEXT = "The job was interrupted: the worker running it stopped responding"
NEVER_PICKED_UP_TEXT = ("The job was never picked up by a worker: its task was sent {attempts} times and no worker "
                        "started it; check that a Celery worker is running and reaches the broker")

_current_job: ContextVar[int | None] = ContextVar("current_job", default=None)
_current_instance: ContextVar[str | None] = ContextVar("current_job_instance", default=None)


def current_job_instance_uuid() -> str | None:
    """Inside a running job, the UUID of the object the job acts on (what
    the command's `job_instance` answered when it was submitted, e.g. the
    instance a deploy created); None outside a job."""
    return _current_instance.get()


def report_progress(percent: int, detail: list | None = None) -> None:
    """Called by a command while it runs as a job: stores its progress (and
    item-by-item detail) on the job row at once, and pushes it to the
    browser. Outside a job it does nothing."""
    job_id = _current_job.get()
    if job_id is None:
        return
    changes = {"progress": max(0, min(int(percent), 99))}
    if detail is not None:
        changes["progress_detail"] = detail
    AsyncJob.objects.filter(pk=job_id, status=AsyncJob.Status.PENDING).update(**changes)
    job = AsyncJob.objects.select_related("user").get(pk=job_id)
    _publish(job, "pending", f"{job.command}: {job.progress}%")


def submit_job(caller, command: Command, params: dict) -> AsyncJob:
    """Record an async call and queue it. The object it acts on is looked up
    (a wrong id fails the call itself, not the job) or, for a create,
    recorded in the same transaction as the job row; the task is sent once
    both are committed."""
    from cloudstack_ui.jobs.tasks import run_async_job

    with transaction.atomic():
        instance = command.job_instance(caller, params)
        job = AsyncJob.objects.create(
            command=command.name,
            params=json.dumps(params, default=str),
            user=caller,
            instance_type=command.instance_type if instance is not None else "",
            instance_uuid=getattr(instance, "uuid", None),
            queued_at=timezone.now(),
            queue_attempts=1,
        )
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            transaction.on_commit(partial(_send_task, job.pk))
    _publish(job, "pending", f"{command.name} queued")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Eager mode (tests, one-process demos): run now, in the caller's transaction.
        run_async_job.apply(args=[job.pk])
    job.refresh_from_db()
    return job


def _send_task(job_id: int) -> None:
    """Send the job's task. A broker that is down or refuses it does not
    fail the call that made the job: the job stays pending and the
    reconciler sends it again."""
    from cloudstack_ui.jobs.tasks import run_async_job

    try:
        run_async_job.delay(job_id)
    except Exception:
        logger.exception("async job %s: its task could not be sent; the reconciler will send it again", job_id)


def run_job(job_id: int) -> None:
    """The body of the Celery task: run the command as the job's caller and
    store its answer or its error."""
    started = AsyncJob.objects.filter(pk=job_id, status=AsyncJob.Status.PENDING, started__isnull=True).update(
        started=timezone.now(), heartbeat=timezone.now()
    )
    if not started:
        logger.info("async job %s is already started or done; not running it again", job_id)
        return
    job = AsyncJob.objects.select_related("user__account__role", "user__account__domain").get(pk=job_id)
    heartbeat = _Heartbeat(job_id)
    heartbeat.start()
    token = _current_job.set(job_id)
    instance_token = _current_instance.set(str(job.instance_uuid) if job.instance_uuid else None)
    try:
        command = get_command(job.command)
        result = invoke(job.user, job.command, json.loads(job.params))
        answer = command.render(result)
        _finish(job, AsyncJob.Status.SUCCEEDED, 0, answer, secrets=_withhold_secrets(command, answer))
        _publish(job, "succeeded", f"{job.command} succeeded", url=command.resource_url(result))
    except (CloudStackError, *DATABASE_REFUSALS) as exc:
        error = exc if isinstance(exc, CloudStackError) else describe_database_refusal(exc)
        _finish(job, AsyncJob.Status.FAILED, error.errorcode, {"errorcode": error.errorcode,
                                                                "errortext": error.message})
        _publish(job, "failed", f"{job.command} failed: {error.message}")
    except Exception:
        logger.exception("async job %s (%s) failed", job.uuid, job.command)
        _finish(job, AsyncJob.Status.FAILED, 530, {"errorcode": 530, "errortext": INTERNAL_ERROR_TEXT})
        _publish(job, "failed", f"{job.command} failed: {INTERNAL_ERROR_TEXT}")
    finally:
        _current_job.reset(token)
        _current_instance.reset(instance_token)
        heartbeat.stop()


def reconcile_stale_jobs() -> int:
    """Fail the started jobs whose worker has not heartbeaten for
    JOB_STALE_AFTER_SECONDS (a redelivered task of such a job is not run
    again: `run_job` leaves a started job); send again the task of a job
    no worker started within JOB_PICKUP_TIMEOUT_SECONDS of its last send,
    and fail it once it was sent JOB_MAX_QUEUE_ATTEMPTS times. Answers how
    many jobs it failed or sent again."""
    return _fail_interrupted_jobs() + _resend_or_fail_unstarted_jobs()


def _fail_interrupted_jobs() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    stale = list(AsyncJob.objects.filter(status=AsyncJob.Status.PENDING, started__isnull=False,
                                         heartbeat__lt=cutoff).select_related("user"))
    for job in stale:
        updated = AsyncJob.objects.filter(pk=job.pk, status=AsyncJob.Status.PENDING, heartbeat__lt=cutoff).update(
            status=AsyncJob.Status.FAILED, result_code=530, completed=timezone.now(),
            result={"errorcode": 530, "errortext": INTERRUPTED_TEXT},
        )
        if updated:
            logger.warning("async job %s (%s) failed: its worker stopped heartbeating", job.uuid, job.command)
            _let_command_recover(job, "job_interrupted", INTERRUPTED_TEXT)
            _publish(job, "failed", f"{job.command} failed: {INTERRUPTED_TEXT}")
    return len(stale)


def _resend_or_fail_unstarted_jobs() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_PICKUP_TIMEOUT_SECONDS)
    waiting = list(AsyncJob.objects.filter(status=AsyncJob.Status.PENDING, started__isnull=True,
                                           queued_at__lt=cutoff).select_related("user__account__role",
                                                                                "user__account__domain"))
    handled = 0
    for job in waiting:
        unstarted = AsyncJob.objects.filter(pk=job.pk, status=AsyncJob.Status.PENDING, started__isnull=True,
                                            queued_at=job.queued_at)
        if job.queue_attempts < settings.JOB_MAX_QUEUE_ATTEMPTS:
            if unstarted.update(queued_at=timezone.now(), queue_attempts=F("queue_attempts") + 1):
                handled += 1
                logger.warning("async job %s (%s): no worker started it; sending its task again (attempt %s)",
                               job.uuid, job.command, job.queue_attempts + 1)
                transaction.on_commit(partial(_send_task, job.pk))
            continue
        reason = NEVER_PICKED_UP_TEXT.format(attempts=job.queue_attempts)
        with transaction.atomic():
            if not unstarted.update(status=AsyncJob.Status.FAILED, result_code=530, completed=timezone.now(),
                                    result={"errorcode": 530, "errortext": reason}):
                continue
            _let_command_recover(job, "job_abandoned", reason)
        handled += 1
        logger.error("async job %s (%s) failed: %s", job.uuid, job.command, reason)
        _publish(job, "failed", f"{job.command} failed: {reason}")
    return handled


def _let_command_recover(job: AsyncJob, hook: str, reason: str) -> None:
    """Let the command of a job the reconciler failed put what the job
    recorded or acted on right (`job_abandoned` for a job that never ran,
    `job_interrupted` for one whose worker died). Whatever goes wrong there
    is logged: the job stays failed and the reconciler goes on."""
    try:
        with transaction.atomic():
            getattr(get_command(job.command), hook)(job.user, job.instance_uuid, CloudStackError(reason))
    except Exception:
        logger.exception("async job %s (%s): what it recorded could not be put right", job.uuid, job.command)


def take_job_result(caller, job: AsyncJob) -> AsyncJob:
    """The job with its answer as queryAsyncJobResult gives it to `caller`:
    the job's owner gets the secret fields of the answer (an instance's new
    password) the first time they ask after it succeeded, and they are then
    erased from the job; anyone else, and any later call, gets the answer
    without them. The row is not changed otherwise."""
    if job.user_id != caller.pk or job.status != AsyncJob.Status.SUCCEEDED:
        return job
    with transaction.atomic():
        stored = AsyncJob.objects.select_for_update().filter(pk=job.pk).values_list(
            "result_secrets", flat=True).first()
        if not stored:
            return job
        AsyncJob.objects.filter(pk=job.pk).update(result_secrets="")
    answer = dict(job.result or {})
    for name, fields in json.loads(stored).items():
        answer[name] = {**answer.get(name, {}), **fields}
    job.result = answer
    return job


def _withhold_secrets(command: Command, answer: dict) -> dict:
    """Take the command's secret fields out of its rendered answer, in place;
    answers them as {"<response name>": {"<field>": value}} (empty when none)."""
    answered = answer.get(command.response_name) if command.response_name else None
    if not command.secret_fields or not isinstance(answered, dict):
        return {}
    secrets = {field: answered.pop(field) for field in command.secret_fields if field in answered}
    return {command.response_name: secrets} if secrets else {}


def _finish(job: AsyncJob, status: int, code: int, result: dict, secrets: dict | None = None) -> None:
    AsyncJob.objects.filter(pk=job.pk, status=AsyncJob.Status.PENDING).update(
        status=status, result_code=code, result=result, progress=100, completed=timezone.now(),
        result_secrets=json.dumps(secrets) if secrets else "",
    )


def job_event(job: AsyncJob, status: str, message: str, url: str | None = None) -> dict:
    """The event the browser gets about a job (see cloudstack_ui.realtime.events)."""
    return {"kind": "job", "jobid": str(job.uuid), "command": job.command, "status": status,
            "progress": 100 if status != "pending" else job.progress, "message": message, "url": url}


def finished_job_event(job: AsyncJob) -> dict:
    """The event of a job that has ended, built from its row alone."""
    if job.status == AsyncJob.Status.SUCCEEDED:
        return job_event(job, "succeeded", f"{job.command} succeeded")
    return job_event(job, "failed", f"{job.command} failed: {(job.result or {}).get('errortext', '')}")


def _publish(job: AsyncJob, status: str, message: str, url: str | None = None) -> None:
    publish_to_account(job.user.account_id, job_event(job, status, message, url))


class _Heartbeat:
    """Refreshes the job's heartbeat every JOB_HEARTBEAT_SECONDS from a
    thread with its own database connection, until stopped."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-heartbeat-{job_id}", daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopped.set()
        self.thread.join()

    def _beat(self):
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                AsyncJob.objects.filter(pk=self.job_id, status=AsyncJob.Status.PENDING).update(
                    heartbeat=timezone.now())
        finally:
            connection.close()
            close_old_connections()
