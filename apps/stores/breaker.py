"""A circuit breaker per store alias: a store that keeps failing is skipped for a while.

    breaker = breakers["documents"]
    document = breaker.call(documents.get, "products", "42", partition_key="books")

closed: calls go through; ``FAILURE_THRESHOLD`` failures in a row open it.
open: calls fail at once with CircuitOpen (no wait for a store that is down)
until ``RESET_SECONDS`` have passed; then one trial call goes through
(half-open): its success closes the breaker, its failure opens it again for
another ``RESET_SECONDS``. While the trial runs, other calls are refused.

Settings: ``POLYGLOT_BREAKERS = {"FAILURE_THRESHOLD": 3, "RESET_SECONDS": 30}``.
The state lives in each process (as a connection pool does): a process learns
for itself that a store is down, at the cost of FAILURE_THRESHOLD calls.
``/health/ready`` shows every breaker's state.
"""
import threading
import time

from django.conf import settings

from .exceptions import StoreError, Unavailable
from .processes import forget_after_fork

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"
DEFAULTS = {"FAILURE_THRESHOLD": 3, "RESET_SECONDS": 30.0}


class CircuitOpen(Unavailable):
    """The store failed too often lately: it is skipped without being called."""


def breaker_setting(name):
    return {**DEFAULTS, **getattr(settings, "POLYGLOT_BREAKERS", {})}[name]


class CircuitBreaker:
    """The breaker of one store alias. Thread-safe; ``clock`` is replaceable for tests of timing."""

    def __init__(self, alias, *, failure_threshold, reset_seconds, clock=time.monotonic):
        if failure_threshold < 1 or reset_seconds < 0:
            raise ValueError("failure_threshold is at least 1 and reset_seconds at least 0.")
        self.alias = alias
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._opened_at = None
        self._last_error = ""

    @property
    def state(self):
        with self._lock:
            return self._current_state()

    def _current_state(self):
        if self._state == OPEN and self.clock() - self._opened_at >= self.reset_seconds:
            return HALF_OPEN  # due for a trial; the next allow() takes it
        return self._state

    def failed(self, error):
        """Does this outcome of a call mean the store is failing? Its own answers (NotFound,
        InvalidQuery, Conflict...) show it works; Unavailable, a timeout or a crash do not."""
        return not isinstance(error, StoreError) or isinstance(error, Unavailable)

    def allow(self):
        """May a call go to the store now? In half-open, only the one trial may (a trial
        whose caller never told its outcome is replaced after another RESET_SECONDS)."""
        with self._lock:
            if self._state == CLOSED:
                return True
            if self.clock() - self._opened_at < self.reset_seconds:
                return False
            # Due for a trial: this caller makes it; the others wait for its outcome.
            self._state, self._opened_at = HALF_OPEN, self.clock()
            return True

    def record_success(self):
        with self._lock:
            self._state, self._failures, self._opened_at = CLOSED, 0, None

    def record_failure(self, error=None):
        with self._lock:
            self._failures += 1
            self._last_error = f"{type(error).__name__}: {error}"[:200] if error is not None else "failure"
            if self._state == HALF_OPEN or self._failures >= self.failure_threshold:
                self._state, self._opened_at = OPEN, self.clock()

    def call(self, function, *args, **kwargs):
        """``function(*args, **kwargs)`` unless the breaker is open (CircuitOpen).

        Unavailable (or any error that is not the store's own answer) counts
        as a failure; NotFound, InvalidQuery and the like show the store answers.
        """
        if not self.allow():
            raise CircuitOpen(f"The {self.alias} store failed {self._failures} times lately; skipped for now.")
        try:
            result = function(*args, **kwargs)
        except Exception as error:
            self.record_outcome(error)
            raise
        self.record_success()
        return result

    def record_outcome(self, error):
        """Record a call that raised ``error``: a failure or, for the store's own answers, a success."""
        if self.failed(error):
            self.record_failure(error)
        else:
            self.record_success()

    def snapshot(self):
        """The breaker as /health/ready shows it."""
        with self._lock:
            state = self._current_state()
            shown = {"state": state, "failures": self._failures}
            if self._state != CLOSED:
                shown["last_error"] = self._last_error
            if state == OPEN:
                shown["retry_in_seconds"] = round(max(0.0, self.reset_seconds - (self.clock() - self._opened_at)), 1)
            return shown


class BreakerRegistry:
    """One breaker per store alias, made on first use with the thresholds of settings."""

    def __init__(self):
        self._breakers = {}
        self._lock = threading.Lock()
        forget_after_fork(self)

    def __getitem__(self, alias):
        try:
            return self._breakers[alias]
        except KeyError:
            pass
        with self._lock:
            if alias not in self._breakers:
                self._breakers[alias] = CircuitBreaker(
                    alias,
                    failure_threshold=int(breaker_setting("FAILURE_THRESHOLD")),
                    reset_seconds=float(breaker_setting("RESET_SECONDS")),
                )
            return self._breakers[alias]

    def states(self):
        """{alias: snapshot} of the breakers this process has used, by alias."""
        return {alias: self._breakers[alias].snapshot() for alias in sorted(self._breakers)}

    def reset(self):
        """Forget every breaker (settings changed, or a test starts afresh)."""
        with self._lock:
            self._breakers = {}

    def after_fork_in_child(self):
        """A child starts with its parent's view of the stores, and a lock of its own."""
        self._lock = threading.Lock()
        for breaker in self._breakers.values():
            breaker._lock = threading.Lock()


breakers = BreakerRegistry()
