"""Celery tasks of the job system."""
from celery import shared_task

from cloudstack_ui.jobs.services import reconcile_stale_jobs, run_job


@shared_task(name="jobs.run_async_job", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_async_job(job_id: int) -> None:
    """Acknowledged once run: the message of a worker that died is delivered
    again, and `run_job` leaves a job already started to the reconciler."""
    run_job(job_id)


@shared_task(name="jobs.reconcile_stale_jobs", ignore_result=True)
def reconcile_stale_jobs_task() -> int:
    return reconcile_stale_jobs()
