"""Sagas: a change across stores made of steps, each with a do and an undo, that either
completes or is compensated, and is never left half-way without anyone knowing.

A domain app declares its saga and registers it in ready()::

    class Checkout(Saga):
        name = "orders.checkout"
        steps = [
            Step("reserve", do=reserve_stock, undo=release_stock),
            Step("receipt", do=write_receipt, undo=delete_receipt),
            Step("confirm", do=confirm_order),
        ]

    sagas.register(Checkout())
    run = sagas.start("orders.checkout", {"order": 12}, key=idempotency_key)

A run and each step's state are persisted in SQL before and after every
attempt. A step that raises is retried (``Step.retries`` attempts, with
backoff); when it still fails, the done steps are undone in reverse order.
An undo that keeps failing leaves the run ``compensation_failed``, for an
operator. A runner holds a lease on the run, renewed at every step; the
periodic task ``resume_sagas`` takes over a run whose lease ran out (its
runner died) and carries it on, forward or back.

Steps receive the run's context (a dict, with ``saga_run`` set to the run's
id) and may return a dict of values to add to it. A step can be run again
after a crash between its effect and its record, so a step must be
idempotent: use ``context["saga_run"]`` as the idempotency key of what it
writes.
"""
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.stores.retry import backoff

from .conf import sync_setting
from .models import SagaRun, SagaStep

logger = logging.getLogger(__name__)

ACTIVE = (SagaRun.State.RUNNING, SagaRun.State.COMPENSATING)


@dataclass(frozen=True)
class Step:
    """One step: ``do(context)`` and, if its effect can be taken back, ``undo(context)``."""

    name: str
    do: Callable
    undo: Callable = None
    retries: int = 3
    #: A step that does several things (reserve each line of an order) may fail half-way:
    #: then its undo runs too when the run compensates, and must bear finding little to undo.
    undo_when_failed: bool = False


class Refused(Exception):
    """A step's effect was rightly refused (too little stock, a payment declined): trying
    again cannot help, so the run compensates at once instead of retrying."""


@dataclass
class Saga:
    """A named list of steps; subclass it or build one directly.

    ``on_state(context, state, error)``, if given, is called inside the transaction
    that records the run's new state, so a record that mirrors the run (an
    order's status) can never disagree with it.
    """

    name: str = None
    steps: list = field(default_factory=list)
    on_state: Callable = None


class SagaRegistry:
    def __init__(self):
        self._sagas = {}

    def register(self, saga):
        if not saga.name or not saga.steps:
            raise ValueError(f"{saga!r} needs a name and at least one step.")
        names = [step.name for step in saga.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"The steps of {saga.name!r} need distinct names: {names}.")
        self._sagas[saga.name] = saga
        return saga

    def unregister(self, name):
        return self._sagas.pop(name)

    def get(self, name):
        try:
            return self._sagas[name]
        except KeyError:
            raise LookupError(f"No saga named {name!r} is registered.") from None


registry = SagaRegistry()
register = registry.register


def start(saga_name, context, *, key=None):
    """Start a run of the saga and carry it as far as it goes now; returns the run.

    With ``key``, a second start with the same key (a double click, a client's
    retry) returns the first run instead of starting another.
    """
    saga = registry.get(saga_name)
    if key is not None:
        existing = SagaRun.objects.filter(saga=saga_name, key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            run = SagaRun.objects.create(saga=saga_name, key=key, context=dict(context))
            run.context["saga_run"] = str(run.pk)
            run.save(update_fields=["context"])
            SagaStep.objects.bulk_create(
                SagaStep(run=run, index=index, name=step.name) for index, step in enumerate(saga.steps)
            )
    except IntegrityError:
        if key is None:
            raise
        return SagaRun.objects.get(saga=saga_name, key=key)  # a concurrent start with the same key won
    advance(run.pk)
    run.refresh_from_db()
    return run


def compensate(run_id, reason="Cancelled."):
    """Take back a running or completed run: undo its done steps in reverse. Returns the run."""
    with transaction.atomic():
        run = SagaRun.objects.select_for_update().get(pk=run_id)
        if run.state in (SagaRun.State.RUNNING, SagaRun.State.COMPLETED):
            _set_state(run, SagaRun.State.COMPENSATING, reason)
    advance(run_id)
    run.refresh_from_db()
    return run


def retry_compensation(run_id):
    """Try again to undo a run left ``compensation_failed`` (an operator fixed the cause):
    its failed undos are due again, and the run compensates from there. Returns the run."""
    with transaction.atomic():
        run = SagaRun.objects.select_for_update().get(pk=run_id)
        if run.state == SagaRun.State.COMPENSATION_FAILED:
            run.steps.filter(state=SagaStep.State.UNDO_FAILED).update(state=SagaStep.State.DONE)
            _set_state(run, SagaRun.State.COMPENSATING)
    advance(run_id)
    run.refresh_from_db()
    return run


def stuck_condition(now=None):
    """The runs whose runner stopped: active, with no lease or one that ran out (what
    resume_stuck takes over, and what operators are shown as stuck)."""
    now = now or timezone.now()
    return Q(state__in=ACTIVE) & (Q(lease_until__lt=now) | Q(lease_until__isnull=True))


def resume_stuck(limit=100):
    """Carry on the active runs whose runner stopped renewing its lease; returns how many."""
    stuck = SagaRun.objects.filter(stuck_condition())
    resumed = 0
    for run_id in stuck.order_by("updated_at").values_list("pk", flat=True)[:limit]:
        if advance(run_id):
            resumed += 1
    return resumed


def advance(run_id):
    """Run the run forward, or its compensation, until it ends; False if another runner holds it."""
    if not _take_lease(run_id):
        return False
    try:
        while True:
            run = SagaRun.objects.get(pk=run_id)
            saga = registry.get(run.saga)
            steps = list(run.steps.order_by("index"))
            if run.state == SagaRun.State.RUNNING:
                if not _forward(run, saga, steps):
                    return True
            elif run.state == SagaRun.State.COMPENSATING:
                _backward(run, saga, steps)
                return True
            else:
                return True
    finally:
        SagaRun.objects.filter(pk=run_id).update(lease_until=None)


def _forward(run, saga, steps):
    """Run the next pending step; True while there is more to do."""
    pending = next((s for s in steps if s.state == SagaStep.State.PENDING), None)
    if pending is None:
        _set_state(run, SagaRun.State.COMPLETED)
        return False
    definition = saga.steps[pending.index]
    updates, error = _attempt(run, pending, definition.do, definition.retries, "attempts")
    if error is None:
        run.context.update(updates or {})
        with transaction.atomic():
            SagaRun.objects.filter(pk=run.pk).update(context=run.context, updated_at=timezone.now())
            _finish(pending, SagaStep.State.DONE)
        return True
    _finish(pending, SagaStep.State.FAILED, error)
    _set_state(run, SagaRun.State.COMPENSATING, f"Step {pending.name!r} failed: {error}")
    return True


def _backward(run, saga, steps):
    """Undo the done steps, newest first; stop at an undo that keeps failing."""
    def to_undo(step):
        return step.state == SagaStep.State.DONE or (
            step.state == SagaStep.State.FAILED and saga.steps[step.index].undo_when_failed)

    for step in reversed([s for s in steps if to_undo(s)]):
        definition = saga.steps[step.index]
        if definition.undo is None:
            _finish(step, SagaStep.State.UNDONE)
            continue
        _, error = _attempt(run, step, definition.undo, definition.retries, "undo_attempts")
        if error is not None:
            _finish(step, SagaStep.State.UNDO_FAILED, error)
            _set_state(run, SagaRun.State.COMPENSATION_FAILED,
                       f"{run.error}\nUndoing step {step.name!r} failed: {error}".strip())
            logger.error("Saga run %s (%s) could not be compensated: %s", run.pk, run.saga, error)
            return
        if step.state == SagaStep.State.DONE:
            _finish(step, SagaStep.State.UNDONE)
        # a failed step stays "failed" (what the operator needs to read), its undo recorded
    _set_state(run, SagaRun.State.COMPENSATED)


def _attempt(run, step, action, retries, counter):
    """Call ``action`` up to ``retries`` times, recording each attempt; returns (result, error)."""
    error = None
    for attempt in range(1, max(retries, 1) + 1):
        _renew_lease(run.pk)
        SagaStep.objects.filter(pk=step.pk).update(**{counter: getattr(step, counter) + 1, "started_at": timezone.now()})
        setattr(step, counter, getattr(step, counter) + 1)
        try:
            return action(dict(run.context)), None
        except Refused as refused:
            error = f"Refused: {refused}"[:2000]
            SagaStep.objects.filter(pk=step.pk).update(last_error=error)
            return None, error
        except Exception as exc:  # noqa: BLE001 - a step fails in the ways its store fails
            error = f"{type(exc).__name__}: {exc}"[:2000]
            SagaStep.objects.filter(pk=step.pk).update(last_error=error)
            logger.warning("Saga run %s step %s attempt %s failed: %s", run.pk, step.name, attempt, error)
            if attempt < retries:
                time.sleep(backoff(attempt, base=sync_setting("SAGA_RETRY_BASE_SECONDS"),
                                   cap=sync_setting("SAGA_RETRY_MAX_SECONDS")))
    return None, error


def _finish(step, state, error=""):
    fields = {"state": state, "finished_at": timezone.now()}
    if error:
        fields["last_error"] = error
    SagaStep.objects.filter(pk=step.pk).update(**fields)


def _set_state(run, state, error=None):
    fields = {"state": state, "updated_at": timezone.now()}
    if error is not None:
        fields["error"] = error[:4000]
    saga = registry.get(run.saga)
    with transaction.atomic():
        SagaRun.objects.filter(pk=run.pk).update(**fields)
        if saga.on_state is not None:
            saga.on_state(dict(run.context), state, fields.get("error", run.error))


def _lease_end():
    return timezone.now() + timedelta(seconds=sync_setting("SAGA_LEASE_SECONDS"))


def _take_lease(run_id):
    """Hold the run for this runner, if it is active and nobody else holds it."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return bool(SagaRun.objects.filter(free, pk=run_id, state__in=ACTIVE).update(lease_until=_lease_end()))


def _renew_lease(run_id):
    SagaRun.objects.filter(pk=run_id).update(lease_until=_lease_end())
