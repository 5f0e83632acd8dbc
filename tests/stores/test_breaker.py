"""The circuit breaker's states: closed, open after N failures in a row, one trial when
the wait is over (half-open), closed by a good trial, open again after a bad one.
Timing is a clock the test moves; the pages' tests break real stores."""
import pytest

from apps.stores.breaker import CLOSED, HALF_OPEN, OPEN, BreakerRegistry, CircuitBreaker, CircuitOpen
from apps.stores.exceptions import NotFound, Unavailable


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def down():
    raise Unavailable("connection refused")


def fine():
    return "answer"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def breaker(clock):
    return CircuitBreaker("documents", failure_threshold=3, reset_seconds=30, clock=clock)


def fail(breaker, times):
    for _ in range(times):
        with pytest.raises(Unavailable):
            breaker.call(down)


def test_it_opens_after_the_threshold_of_failures_in_a_row(breaker):
    fail(breaker, 2)
    assert breaker.state == CLOSED

    fail(breaker, 1)

    assert breaker.state == OPEN
    with pytest.raises(CircuitOpen):
        breaker.call(fine)


def test_a_success_resets_the_count(breaker):
    fail(breaker, 2)
    assert breaker.call(fine) == "answer"
    fail(breaker, 2)

    assert breaker.state == CLOSED


def test_the_stores_own_answers_are_no_failures(breaker):
    def missing():
        raise NotFound("no such document")

    for _ in range(5):
        with pytest.raises(NotFound):
            breaker.call(missing)

    assert breaker.state == CLOSED


def test_after_the_wait_one_trial_goes_through_and_its_success_closes(breaker, clock):
    fail(breaker, 3)
    clock.now += 29
    assert not breaker.allow()

    clock.now += 1
    assert breaker.state == HALF_OPEN
    assert breaker.allow(), "the trial"
    assert not breaker.allow(), "others wait for the trial's outcome"
    breaker.record_success()

    assert breaker.state == CLOSED
    assert breaker.snapshot() == {"state": CLOSED, "failures": 0}


def test_a_failed_trial_opens_it_for_another_wait(breaker, clock):
    fail(breaker, 3)
    clock.now += 30

    fail(breaker, 1)

    assert breaker.state == OPEN
    shown = breaker.snapshot()
    assert shown["retry_in_seconds"] == 30 and "connection refused" in shown["last_error"]


def test_a_trial_whose_outcome_never_came_is_replaced_after_another_wait(breaker, clock):
    fail(breaker, 3)
    clock.now += 30
    assert breaker.allow()

    clock.now += 30

    assert breaker.allow()


def test_the_registry_makes_one_breaker_per_alias_from_settings(settings):
    settings.POLYGLOT_BREAKERS = {"FAILURE_THRESHOLD": 7, "RESET_SECONDS": 2.5}
    registry = BreakerRegistry()

    assert registry["graph"] is registry["graph"]
    assert (registry["graph"].failure_threshold, registry["graph"].reset_seconds) == (7, 2.5)
    assert registry.states() == {"graph": {"state": CLOSED, "failures": 0}}
