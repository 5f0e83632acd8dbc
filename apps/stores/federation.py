"""Reading several stores at once for one answer, each within its own time, through its breaker.

    outcomes = read_concurrently({"similar": ("search", find_similar), "document": ("documents", read_doc)},
                                 timeout=0.5)
    outcomes["similar"].value     # or .missing, with .reason

A read runs in a shared thread pool, so a slow store costs the page its
timeout and no more; a store whose breaker is open is not called at all. A
read that outlives its timeout counts as a failure of its store and is left
to finish in the pool (Python cannot stop a thread), which is why the
breaker matters: it stops sending work to a store that hangs.

Reads must reach only their store: SQL (the Django ORM) belongs to the
request's thread, where its transaction and its connection live.
"""
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from .breaker import CircuitOpen, breakers
from .processes import forget_after_fork

logger = logging.getLogger(__name__)

POOL_THREADS = 16


@dataclass(frozen=True)
class Outcome:
    value: Any = None
    #: Why there is no value: "" when there is one, else "skipped", "timeout" or "unavailable".
    reason: str = ""

    @property
    def missing(self):
        return bool(self.reason)


class _Pool:
    """The process's reader threads, started on first use; a forked child starts its own."""

    def __init__(self):
        self._executor = None
        self._lock = threading.Lock()
        forget_after_fork(self)

    def submit(self, function, *args):
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="store-read")
            return self._executor.submit(function, *args)

    def after_fork_in_child(self):
        # The parent's threads do not exist here: its executor would queue work nobody runs.
        self._lock = threading.Lock()
        inherited, self._executor = self._executor, None
        return {"executor": inherited} if inherited is not None else None


pool = _Pool()


def read_concurrently(reads, *, timeout):
    """{name: Outcome} for ``reads`` = {name: (store alias, callable)}, each given ``timeout`` seconds.

    The callables start together; each outcome records success or failure
    in its store's breaker. Never raises for a store's failure.
    """
    started, futures, outcomes = time.monotonic(), {}, {}
    for name, (alias, read) in reads.items():
        if breakers[alias].allow():
            futures[name] = (alias, pool.submit(read))
        else:
            outcomes[name] = Outcome(reason="skipped")
    for name, (alias, future) in futures.items():
        breaker = breakers[alias]
        try:
            value = future.result(timeout=max(0.0, started + timeout - time.monotonic()))
        except FutureTimeout:
            future.cancel()
            breaker.record_failure(TimeoutError(f"no answer within {timeout} s"))
            outcomes[name] = Outcome(reason="timeout")
        except CircuitOpen:
            outcomes[name] = Outcome(reason="skipped")
        except Exception as error:  # noqa: BLE001 - a store's failure is a missing part, never a 500
            breaker.record_outcome(error)
            if breaker.failed(error):
                logger.warning("Reading %s from the %s store failed: %s", name, alias, error)
                outcomes[name] = Outcome(reason="unavailable")
            else:
                raise
        else:
            breaker.record_success()
            outcomes[name] = Outcome(value=value)
    return {name: outcomes[name] for name in reads}
