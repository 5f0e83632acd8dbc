"""The one retry helper of the stores: backoff with jitter, bounded by retries or time."""
import pytest

from apps.stores import retry
from apps.stores.retry import backoff, retry_call


class Busy(Exception):
    pass


@pytest.fixture
def waits(monkeypatch):
    slept = []
    monkeypatch.setattr(retry.time, "sleep", slept.append)
    return slept


def failing(times, error=Busy):
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= times:
            raise error(f"failure {len(calls)}")
        return len(calls)

    return call, calls


def test_backoff_doubles_within_its_cap_with_jitter_in_the_upper_half():
    for attempt, full in [(1, 0.1), (2, 0.2), (3, 0.4), (8, 1.0)]:
        delays = {backoff(attempt, base=0.1, cap=1.0) for _ in range(50)}
        assert all(full / 2 <= delay <= full for delay in delays)
        assert len(delays) > 1


def test_a_call_that_recovers_returns_its_result_after_backing_off(waits):
    call, calls = failing(2)

    assert retry_call(call, retry_if=lambda e: isinstance(e, Busy), retries=3, base=0.1) == 3
    assert len(calls) == 3 and len(waits) == 2
    assert 0.05 <= waits[0] <= 0.1 and 0.1 <= waits[1] <= 0.2


def test_the_last_error_propagates_when_the_retries_are_spent(waits):
    call, calls = failing(10)

    with pytest.raises(Busy, match="failure 3"):
        retry_call(call, retry_if=lambda e: True, retries=2, base=0.1)
    assert len(calls) == 3 and len(waits) == 2


def test_an_error_not_worth_retrying_propagates_at_once(waits):
    call, calls = failing(1, error=KeyError)

    with pytest.raises(KeyError):
        retry_call(call, retry_if=lambda e: isinstance(e, Busy), retries=5, base=0.1)
    assert len(calls) == 1 and waits == []


def test_the_wait_a_service_asks_for_replaces_the_backoff_within_the_cap(waits):
    call, _ = failing(2)

    retry_call(call, retry_if=lambda e: True, retries=2, base=0.1, cap=3, wait_hint=lambda e: 5)
    assert waits == [3, 3]


def test_a_timeout_stops_retrying_once_spent():
    call, calls = failing(10**6)

    with pytest.raises(Busy):
        retry_call(call, retry_if=lambda e: True, base=0.001, cap=0.002, timeout=0.05)
    assert 3 <= len(calls) < 10**6
