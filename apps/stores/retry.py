"""The one retry of the stores: call again after an exponential backoff with jitter.

    retry_call(send, retry_if=lambda e: isinstance(e, Throttled), retries=3, base=0.1, cap=10)

Backends turn what they want retried into an exception that ``retry_if``
accepts (a throttled request, a busy lock, a write race), and turn the last
one into the store's own error once the retries or the time are spent.
"""
import itertools
import math
import random
import time


def backoff(attempt, *, base, cap=math.inf):
    """Seconds to wait before retry number ``attempt`` (1, 2, ...): ``base * 2**(attempt - 1)``,
    at most ``cap``, at a random point of its upper half so that clients that failed
    together do not come back together."""
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay * random.uniform(0.5, 1.0)


def retry_call(call, *, retry_if, base, cap=math.inf, retries=None, timeout=None, wait_hint=None):
    """``call()``'s result; called again while it raises an exception ``retry_if`` accepts.

    At most ``retries`` more calls, and (with ``timeout``) none started after
    that many seconds; then the last exception propagates. ``wait_hint(error)``
    may give the wait a service asked for (None: the backoff), still capped.
    Exceptions ``retry_if`` refuses propagate at once.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    for attempt in itertools.count(1):
        try:
            return call()
        except Exception as error:
            spent = retries is not None and attempt > retries
            late = deadline is not None and time.monotonic() >= deadline
            if spent or late or not retry_if(error):
                raise
            asked = wait_hint(error) if wait_hint is not None else None
            delay = backoff(attempt, base=base, cap=cap) if asked is None else min(asked, cap)
            if deadline is not None:
                delay = min(delay, max(0.0, deadline - time.monotonic()))
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
