"""The saga runner with a toy saga over the real stores: completion, retries before
compensation, compensation in reverse, a compensation that fails, idempotency keys,
operator compensation, and runs resumed after their runner died."""
import pytest
from django.test import override_settings
from django.utils import timezone

from apps.sync import sagas
from apps.sync.models import SagaRun
from tests.sync import toy_saga

pytestmark = pytest.mark.django_db(transaction=True)

QUICK = {"SAGA_RETRY_BASE_SECONDS": 0, "SAGA_RETRY_MAX_SECONDS": 0}


@pytest.fixture
def toy(clean_stores):
    saga = toy_saga.install()
    yield saga
    sagas.registry.unregister(saga.name)


def steps(run):
    return [(s.name, s.state, s.attempts, s.undo_attempts) for s in run.steps.order_by("index")]


@override_settings(POLYGLOT_SYNC=QUICK)
def test_a_run_completes_every_step_once_and_keeps_their_results(toy):
    run = sagas.start(toy.name, {"text": "hello"})

    assert run.state == "completed"
    assert steps(run) == [("note", "done", 1, 0), ("blob", "done", 1, 0), ("edge", "done", 1, 0)]
    assert toy_saga.effects(run.pk) == (True, True, True)
    assert run.context["blob"] == f"saga-tests/{run.pk}.txt" and run.context["note"] == str(run.pk)
    assert run.lease_until is None


@override_settings(POLYGLOT_SYNC=QUICK)
def test_a_step_that_fails_is_retried_before_anything_is_compensated(toy):
    run = sagas.start(toy.name, {"text": "hello", "fail": {"blob": 2}})

    assert run.state == "completed"
    assert steps(run)[1] == ("blob", "done", 3, 0)
    assert "planned fault in blob" in run.steps.get(name="blob").last_error


@pytest.mark.parametrize("failing, undone", [
    ("note", []),
    ("blob", [("note", "undo")]),
    ("edge", [("blob", "undo"), ("note", "undo")]),
])
@override_settings(POLYGLOT_SYNC=QUICK)
def test_a_step_that_keeps_failing_undoes_the_done_steps_in_reverse(toy, failing, undone):
    run = sagas.start(toy.name, {"text": "hello", "fail": {failing: 99}})

    assert run.state == "compensated"
    assert f"Step '{failing}' failed" in run.error
    states = {name: (state, attempts) for name, state, attempts, _ in steps(run)}
    assert states[failing] == ("failed", 3)
    assert [entry for entry in toy_saga.journal if entry[1] == "undo"] == undone
    assert toy_saga.effects(run.pk) == (False, False, False), "nothing is left half-written"


@override_settings(POLYGLOT_SYNC=QUICK)
def test_an_undo_that_keeps_failing_leaves_the_run_compensation_failed(toy):
    run = sagas.start(toy.name, {"text": "hello", "fail": {"edge": 99, "undo:note": 99}})

    assert run.state == "compensation_failed"
    assert steps(run) == [("note", "undo_failed", 1, 3), ("blob", "undone", 1, 1), ("edge", "failed", 3, 0)]
    assert "Undoing step 'note' failed" in run.error
    assert toy_saga.effects(run.pk) == (True, False, False), "what could not be undone is there for the operator"
    assert SagaRun.objects.filter(state="compensation_failed").count() == 1


@override_settings(POLYGLOT_SYNC=QUICK)
def test_the_same_key_returns_the_same_run_and_runs_nothing_again(toy):
    first = sagas.start(toy.name, {"text": "hello"}, key="order-7")
    second = sagas.start(toy.name, {"text": "hello"}, key="order-7")

    assert first.pk == second.pk
    assert SagaRun.objects.count() == 1
    assert [entry for entry in toy_saga.journal if entry[1] == "do"] == [("note", "do"), ("blob", "do"), ("edge", "do")]


@override_settings(POLYGLOT_SYNC=QUICK)
def test_an_operator_compensates_a_completed_run(toy):
    run = sagas.start(toy.name, {"text": "hello"})

    run = sagas.compensate(run.pk, "Cancelled by staff.")

    assert (run.state, run.error) == ("compensated", "Cancelled by staff.")
    assert toy_saga.effects(run.pk) == (False, False, False)


@override_settings(POLYGLOT_SYNC=QUICK)
def test_a_run_whose_runner_died_is_resumed_once_its_lease_runs_out(toy, monkeypatch):
    monkeypatch.setattr(sagas, "advance", lambda run_id: False)  # the runner dies right after creating the run
    run = sagas.start(toy.name, {"text": "hello"})
    monkeypatch.undo()
    SagaRun.objects.filter(pk=run.pk).update(lease_until=timezone.now() + timezone.timedelta(seconds=60))

    assert sagas.resume_stuck() == 0, "a live lease is left alone"
    SagaRun.objects.filter(pk=run.pk).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    assert sagas.resume_stuck() == 1

    run.refresh_from_db()
    assert run.state == "completed" and toy_saga.effects(run.pk) == (True, True, True)


@override_settings(POLYGLOT_SYNC=QUICK)
def test_a_stuck_compensation_is_carried_on_by_the_periodic_task(toy):
    from apps.sync.tasks import resume_sagas

    run = sagas.start(toy.name, {"text": "hello"})
    SagaRun.objects.filter(pk=run.pk).update(state="compensating", error="crashed while compensating")

    assert resume_sagas() == 1

    run.refresh_from_db()
    assert run.state == "compensated" and toy_saga.effects(run.pk) == (False, False, False)


def test_a_saga_needs_steps_with_distinct_names():
    with pytest.raises(ValueError, match="distinct"):
        sagas.register(sagas.Saga("test.bad", [sagas.Step("a", do=print), sagas.Step("a", do=print)]))
    with pytest.raises(LookupError, match="No saga named"):
        sagas.start("test.unknown", {})

