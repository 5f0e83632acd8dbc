"""Whether each store answers now, and how fast: for /health/ready, ``manage.py stores check``
and the admin's data map.

Every store is asked one cheap read at once, each within HEALTH_STORE_TIMEOUT_SECONDS,
straight to the store (not through its circuit breaker: a health check must see a
store that is back before the breaker tries it again). The stores of POLYGLOT_STORES,
the cache (sessions and flags live there outside the embedded profile) and the files
(STORAGES["default"]) are probed; HEALTH_REQUIRED_STORES names the ones the site
cannot serve without, whose failure makes the instance not ready (503).
"""
import time
from concurrent.futures import wait
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages

from . import stores
from .federation import pool


@dataclass(frozen=True)
class StoreHealth:
    alias: str
    backend: str
    up: bool
    latency_ms: float | None
    error: str = ""
    required: bool = False

    def as_json(self):
        shown = {"status": "up" if self.up else "down", "backend": self.backend, "required": self.required,
                 "latency_ms": self.latency_ms}
        if self.error:
            shown["error"] = self.error
        return shown


def probes():
    """{name: (backend class name, a callable making one cheap read)} for every store."""
    found = {alias: (type(stores[alias]).__name__, stores[alias].ping) for alias in stores}
    cache = caches["default"]
    found["cache"] = (type(cache).__name__, lambda: cache.get("health-probe"))
    files = storages["default"]
    found["files"] = (type(files).__name__, lambda: files.exists("health-probe"))
    return found


def store_health():
    """[StoreHealth] of every store, probed at once, in name order."""
    timeout = settings.HEALTH_STORE_TIMEOUT_SECONDS
    required = set(settings.HEALTH_REQUIRED_STORES)
    checks = probes()
    # The reader threads of the product page (apps.stores.federation): their store
    # connections are kept, and a store that hangs holds one thread, not the request.
    futures = {name: pool.submit(_timed, probe) for name, (_backend, probe) in checks.items()}
    wait(futures.values(), timeout=timeout)
    report = []
    for name in sorted(checks):
        future, backend = futures[name], checks[name][0]
        if not future.done():
            report.append(StoreHealth(name, backend, False, None, f"no answer within {timeout} s", name in required))
            continue
        latency, error = future.result()
        report.append(StoreHealth(name, backend, not error, latency, error, name in required))
    return report


def _timed(probe):
    started = time.perf_counter()
    try:
        probe()
    except Exception as error:  # noqa: BLE001 - any failure means the store is down for us
        return round((time.perf_counter() - started) * 1000, 1), f"{type(error).__name__}: {error}"[:300]
    return round((time.perf_counter() - started) * 1000, 1), ""
