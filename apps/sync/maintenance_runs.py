"""Rebuild, replay and reconcile run for operators: asked for in the admin, run as
Celery tasks, with their progress and result kept in a MaintenanceRun row."""
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import maintenance
from .models import MaintenanceRun

# How often a run writes its progress: often enough for the page, rarely enough to cost nothing.
PROGRESS_EVERY_SECONDS = 1.0
# A reconcile's result keeps this many record ids per kind of drift; the counts are whole.
IDS_KEPT = 50


class RunRefused(Exception):
    """The run cannot start: an unknown projection, or one already being worked on."""


def request_run(action, projection, *, user=None, since=0):
    """Record a queued run (apps.sync.tasks.start_maintenance queues its task); returns the run.

    RunRefused (with a sentence for the operator) for an unknown projection or
    action, or while another run of the same projection is queued or running.
    """
    if action not in MaintenanceRun.Action.values:
        raise RunRefused(f"Unknown action {action!r}; choose one of {', '.join(MaintenanceRun.Action.values)}.")
    try:
        maintenance.projector_named(projection)
    except ValueError as error:
        raise RunRefused(str(error)) from None
    try:
        with transaction.atomic():
            run = MaintenanceRun.objects.create(action=action, projection=projection, since=since,
                                                requested_by=user if user and user.is_authenticated else None)
    except IntegrityError:
        active = MaintenanceRun.objects.filter(projection=projection, state__in=MaintenanceRun.ACTIVE).first()
        what = active.get_action_display().lower() if active else "run"
        raise RunRefused(f"A {what} of {projection} is already under way; wait for it to finish.") from None
    return run


def execute(run_id):
    """Run a queued run to its end, writing progress as it goes. A run that is not
    queued (already taken by another worker, or finished) is left alone."""
    claimed = MaintenanceRun.objects.filter(pk=run_id, state=MaintenanceRun.State.QUEUED).update(
        state=MaintenanceRun.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = MaintenanceRun.objects.get(pk=run_id)
    projector = maintenance.projector_named(run.projection)
    progress = Progress(run)
    try:
        if run.action != MaintenanceRun.Action.REPLAY:
            run.total = projector.home.count()
            run.save(update_fields=["total"])
        result = _perform(run, projector, progress)
    except Exception as error:  # noqa: BLE001 - the run records any failure for the operator
        progress.flush()
        MaintenanceRun.objects.filter(pk=run.pk).update(
            state=MaintenanceRun.State.FAILED, error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    progress.flush()
    MaintenanceRun.objects.filter(pk=run.pk).update(
        state=MaintenanceRun.State.DONE, result=result, finished_at=timezone.now()
    )
    return result


def _perform(run, projector, progress):
    if run.action == MaintenanceRun.Action.REBUILD:
        return {"written": maintenance.rebuild(projector, progress=progress)}
    if run.action == MaintenanceRun.Action.REPLAY:
        return {"applied": maintenance.replay(run.since, run.projection, progress=progress)}
    drift = maintenance.reconcile(projector, repair=run.action == MaintenanceRun.Action.REPAIR, progress=progress)
    return drift_result(drift)


def drift_result(drift):
    """A reconcile's Drift as JSON: counts per kind and the first ids of each."""
    return {
        "checked": drift.checked,
        "skipped": drift.skipped,
        "clean": drift.clean,
        "counts": {kind: len(getattr(drift, kind)) for kind in drift.KINDS},
        "ids": {kind: getattr(drift, kind)[:IDS_KEPT] for kind in drift.KINDS if getattr(drift, kind)},
    }


class Progress:
    """The ``progress(n)`` callback of the maintenance functions, saved at most once a second."""

    def __init__(self, run):
        self.run, self.done, self.saved_at = run, 0, time.monotonic()

    def __call__(self, count):
        self.done += count
        if time.monotonic() - self.saved_at >= PROGRESS_EVERY_SECONDS:
            self.flush()

    def flush(self):
        MaintenanceRun.objects.filter(pk=self.run.pk).update(done_count=self.done)
        self.saved_at = time.monotonic()


def last_reconciles():
    """{projection: its newest finished reconcile run}, for the data map."""
    runs = MaintenanceRun.objects.filter(
        action__in=[MaintenanceRun.Action.RECONCILE, MaintenanceRun.Action.REPAIR], state=MaintenanceRun.State.DONE
    ).order_by("projection", "-finished_at")
    newest = {}
    for run in runs:
        newest.setdefault(run.projection, run)
    return newest
